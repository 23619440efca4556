/**
 * The document service, loaded when first used. Its client (`@miip/sdk/storage`: the UnixFS encoder, the block
 * store, the key shares) is most of a page's JavaScript, and a page needs it only to open, add or share a document:
 * the first load (the shell, the pack check, a portal's first page) does without it. The object a page holds has the
 * same methods; each loads the client on its first call.
 */
import { type KeyShare, type KeyShareStore, publishedKey } from "@miip/sdk";
import type { BlobStore, DocumentService, ServiceSession } from "@miip/sdk/storage";
import { type Signer, getAddress } from "ethers";

export class LazyDocumentService {
  private loaded?: DocumentService;
  private loading?: Promise<DocumentService>;

  constructor(readonly url: string) {}

  /** The client, loaded once. */
  load(): Promise<DocumentService> {
    this.loading ??= import("@miip/sdk/storage").then((m) => (this.loaded = new m.DocumentService({ url: this.url })));
    return this.loading;
  }

  /** The session writes carry, if one is open (none before the client is loaded). */
  get session(): ServiceSession | undefined {
    return this.loaded?.session;
  }

  async openSession(signer: Signer, publicKey: string): Promise<ServiceSession> {
    return (await this.load()).openSession(signer, publicKey);
  }

  /** Forgets the session and its key (nothing to forget before the client is loaded). */
  closeSession(): void {
    this.loaded?.closeSession();
  }

  /**
   * The encryption key `account` published, checked as the client checks it (its own, signed by it, for this
   * service), without loading the client: a portal looks its own key up on its first page.
   */
  async publicKeyOf(account: string): Promise<string | undefined> {
    if (this.loaded) return this.loaded.publicKeyOf(account);
    // As the client does: a minute at most, and a key's answer is small (4 MiB at most).
    const response = await fetch(`${this.url.replace(/\/+$/, "")}/keys/${getAddress(account)}`, {
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`the document service answered ${response.status} for ${account}'s key`);
    const text = await response.text();
    if (text.length > 4 * 1024 * 1024)
      throw new Error(`the document service's answer for ${account}'s key is too large`);
    return publishedKey(this.url.replace(/\/+$/, ""), account, JSON.parse(text));
  }

  /** The service's blocks, as the SDK's blob store. */
  readonly blobs: BlobStore = {
    put: async (bytes) => (await this.load()).blobs.put(bytes),
    get: async (cid) => (await this.load()).blobs.get(cid),
    has: async (cid) => (await this.load()).blobs.has(cid),
  };

  /** The service's key shares, as the SDK's share store. */
  readonly shares: KeyShareStore = {
    put: async (share: KeyShare) => (await this.load()).shares.put(share),
    get: async (recordId: bigint | string, recipient: string) => (await this.load()).shares.get(recordId, recipient),
    byGrant: async (grantId: string) => (await this.load()).shares.byGrant(grantId),
    byRecord: async (recordId: bigint | string) => (await this.load()).shares.byRecord(recordId),
  };
}
