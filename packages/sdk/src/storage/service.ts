/**
 * A document service over HTTP: what a browser needs to keep and find documents without an IPFS node or a database
 * of its own. One URL gives three things, each usable alone:
 *
 * - blocks: raw UnixFS blocks read in the trustless gateway form (`GET /ipfs/<cid>?format=raw`, checked against
 *   their CID here) and written one by one (`PUT /blocks/<cid>`) by an institution of the suite;
 * - key shares: wrapped document keys (`GET /shares/...`, `PUT /shares`), which only the reader's private key opens;
 *   the service lets a record's patient and issuing hospital publish them, the patient alone for a grantee;
 * - encryption keys: each account's encryption public key, published by the account's own signature
 *   (`GET /keys/<account>`), which this client checks before using it, so the service cannot substitute a key.
 *
 * Writing needs a session: the account signs one readable message (`sessionMessage`) naming the service, itself, its
 * encryption public key, a session key and an expiry. The session key is a fresh key pair the client keeps in memory
 * only: it signs each write (method, path, body digest, time), so the signed session, which the service publishes as
 * the account's key, lets nobody write. The service is trusted with availability only: it sees ciphertext, wrapped
 * keys and public keys. The server is `serveDocumentService` in `@miip/sdk/node`.
 */
import {
  type Signer,
  SigningKey,
  computeAddress,
  getAddress,
  hashMessage,
  keccak256,
  randomBytes,
  verifyMessage,
} from "ethers";

import { sha256Hex } from "../crypto/cid.ts";
import { compressPublicKey } from "../crypto/ecies.ts";
import {
  type KeyShare,
  type KeyShareStore,
  normaliseAddress,
  normaliseGrantId,
  normaliseRecordId,
  normaliseShare,
} from "../shares.ts";
import { readLimited } from "./blobs.ts";
import { IpfsError } from "./errors.ts";
import { GatewayBlobStore, type GatewayBlobStoreOptions } from "./gateway.ts";
import { type ServiceSession, SessionError, publishedKey, sessionMessage, verifySession } from "../sessions.ts";

export { type ServiceSession, SessionError, publishedKey, sessionMessage, verifySession };

/** The longest a session lasts: a stolen session header is useless after this. */
export const MAX_SESSION_SECONDS = 24 * 3600;

/** How far a write's time may be from the service's clock, in seconds; a write is taken once within twice that. */
export const REQUEST_CLOCK_SKEW = 300;

/**
 * What the session key signs for one write (EIP-191): the session it writes under, the method, the path with its
 * query, the SHA-256 of the body and the time in unix milliseconds. The service takes each signature once.
 */
export function requestMessage(
  session: ServiceSession,
  method: string,
  path: string,
  body: Uint8Array,
  time: number,
): string {
  // The session's own signature is named: a write signed under one session is not taken under another that names
  // the same (public) session key.
  return [
    "MIIP document service request",
    `Session: ${keccak256(session.signature)}`,
    `${method} ${path}`,
    sha256Hex(body),
    String(time),
  ].join("\n");
}

/** The `Authorization` header value of a session. */
export function sessionHeader(session: ServiceSession): string {
  return `MIIP-Session ${btoa(JSON.stringify(session))}`;
}

/** How to reach a document service. */
export interface DocumentServiceOptions extends Omit<GatewayBlobStoreOptions, "url"> {
  /** The service's base URL, e.g. `http://127.0.0.1:8181`. */
  url: string;
}

/** The blob store of a document service: reads through its gateway endpoint, writes each block with the session. */
class ServiceBlobStore extends GatewayBlobStore {
  constructor(
    options: GatewayBlobStoreOptions,
    private readonly service: DocumentService,
  ) {
    super(options);
  }

  override async putBlock(cid: string, block: Uint8Array): Promise<void> {
    await this.service.request("PUT", `/blocks/${cid}`, Uint8Array.from(block), "application/octet-stream");
  }
}

/** The key shares of a document service. */
class ServiceShareStore implements KeyShareStore {
  constructor(private readonly service: DocumentService) {}

  async put(share: KeyShare): Promise<void> {
    const normal = normaliseShare(share);
    await this.service.request("PUT", "/shares", JSON.stringify(normal), "application/json");
  }

  async get(recordId: bigint | string, recipient: string): Promise<KeyShare | undefined> {
    const path = `/shares/${normaliseRecordId(recordId)}/${normaliseAddress(recipient)}`;
    const found = await this.service.json(path);
    return found === undefined ? undefined : normaliseShare(found as KeyShare);
  }

  async byGrant(grantId: string): Promise<KeyShare[]> {
    const found = await this.service.json(`/shares?grant=${normaliseGrantId(grantId)}`);
    return ((found ?? []) as KeyShare[]).map(normaliseShare);
  }

  async byRecord(recordId: bigint | string): Promise<KeyShare[]> {
    const found = await this.service.json(`/shares/${normaliseRecordId(recordId)}`);
    return ((found ?? []) as KeyShare[]).map(normaliseShare);
  }
}

/**
 * A client of a document service: `blobs` and `shares` to connect the SDK with, `openSession` before writing,
 * `publicKeyOf` to find whom to wrap a key for.
 *
 *   const service = new DocumentService({ url });
 *   const miip = await MIIP.connect(signer, deployment, { store: service.blobs, shares: service.shares });
 *   await service.openSession(signer, (await miip.documents.encryptionKey()).publicKey);
 */
export class DocumentService {
  readonly url: string;
  readonly blobs: GatewayBlobStore;
  readonly shares: KeyShareStore;
  private readonly fetchFn?: typeof fetch;
  private readonly timeout: number;
  private current?: { session: ServiceSession; key: SigningKey };

  constructor(options: DocumentServiceOptions) {
    if (!options || typeof options.url !== "string" || !/^https?:\/\//i.test(options.url)) {
      throw new TypeError("DocumentService needs the service's URL, e.g. { url: 'http://127.0.0.1:8181' }");
    }
    this.url = options.url.replace(/\/+$/, "");
    this.fetchFn = options.fetch;
    this.timeout = options.timeout ?? 60_000;
    this.blobs = new ServiceBlobStore({ ...options, url: this.url }, this);
    this.shares = new ServiceShareStore(this);
  }

  /** The session writes carry, if one is open and not expired. */
  get session(): ServiceSession | undefined {
    return this.current && this.current.session.expires > Date.now() / 1000 ? this.current.session : undefined;
  }

  /**
   * Opens a session: the signer signs `sessionMessage` once (its wallet shows it), and the service publishes its
   * encryption public key. Writes (blocks, shares) need one; reading does not.
   */
  async openSession(signer: Signer, publicKey: string, seconds = 12 * 3600): Promise<ServiceSession> {
    if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds > MAX_SESSION_SECONDS) {
      throw new TypeError(`a session lasts 1 to ${MAX_SESSION_SECONDS} seconds`);
    }
    // The session key: made here, kept in this object's memory only, forgotten with the session.
    const key = new SigningKey(randomBytes(32));
    const unsigned = {
      service: this.url,
      account: getAddress(await signer.getAddress()),
      publicKey: compressPublicKey(publicKey),
      sessionKey: computeAddress(key.publicKey),
      expires: Math.floor(Date.now() / 1000) + seconds,
    };
    const session = { ...unsigned, signature: await signer.signMessage(sessionMessage(unsigned)) };
    const opening = { session, key };
    await this.request("PUT", "/keys", JSON.stringify(session), "application/json", opening);
    this.current = opening;
    return session;
  }

  /** Forgets the session and its key (the service keeps the published encryption key). */
  closeSession(): void {
    this.current = undefined;
  }

  /**
   * The encryption public key `account` published, checked here against the account's signature for this service;
   * undefined if it published none. A key the account did not sign, or signed for another service, is a `SessionError`.
   */
  async publicKeyOf(account: string): Promise<string | undefined> {
    const address = normaliseAddress(account);
    const found = await this.json(`/keys/${address}`);
    return found === undefined ? undefined : publishedKey(this.url, address, found);
  }

  /** A JSON answer, or undefined for a 404. @internal */
  async json(path: string): Promise<unknown> {
    const response = await this.send("GET", path);
    if (response.status === 404) return undefined;
    const text = new TextDecoder().decode(await readLimited(response, 4 * 1024 * 1024, path));
    try {
      return JSON.parse(text);
    } catch {
      throw new IpfsError(response.status, "the document service answered something other than JSON", path);
    }
  }

  /** A write with the session, signed by its key; an `IpfsError` with the service's message when refused. @internal */
  async request(
    method: "PUT",
    path: string,
    body: Uint8Array | string,
    type: string,
    opened = this.session && this.current,
  ): Promise<void> {
    if (!opened) throw new SessionError("writing to the document service needs a session: openSession(signer, key)");
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const time = Date.now();
    const signature = opened.key.sign(
      hashMessage(requestMessage(opened.session, method, path, bytes, time)),
    ).serialized;
    const response = await this.send(method, path, bytes, {
      "Content-Type": type,
      Authorization: sessionHeader(opened.session),
      "X-MIIP-Request": `${time}.${signature}`,
    });
    await response.body?.cancel();
  }

  private async send(
    method: string,
    path: string,
    body?: Uint8Array | string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const fetchFn = this.fetchFn ?? globalThis.fetch;
    if (typeof fetchFn !== "function") throw new IpfsError(0, "no fetch in this environment", path);
    let response: Response;
    try {
      response = await fetchFn(`${this.url}${path}`, {
        method,
        body: body as RequestInit["body"],
        headers,
        redirect: "error",
        signal: AbortSignal.timeout(this.timeout),
      });
    } catch (error) {
      throw new IpfsError(0, `cannot reach the document service at ${this.url}: ${(error as Error).message}`, path);
    }
    if (response.ok || (method === "GET" && response.status === 404)) return response;
    const text = new TextDecoder().decode(await readLimited(response, 500, path).catch(() => new Uint8Array(0)));
    let message = text.trim();
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // plain text
    }
    throw new IpfsError(response.status, message || response.statusText || "no message", path);
  }
}
