/**
 * Reading documents through an IPFS HTTP gateway, the way a browser reaches IPFS: each block is fetched in the
 * trustless gateway form (`GET /ipfs/<cid>?format=raw`, `application/vnd.ipld.raw`) and checked against its CID
 * before it is used, so the gateway (the embedded node's, a hospital's, a public one) is not trusted with anything
 * but availability. Read-only: documents are written through an IPFS node.
 */
import { IpfsError, ReadOnlyStoreError } from "./errors.ts";
import { type BlobStoreOptions, UnixfsBlobStore, readLimited } from "./blobs.ts";

/** How to reach a gateway. */
export interface GatewayBlobStoreOptions extends BlobStoreOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8180` (what `npm run node` prints) or `https://trustless-gateway.link`. */
  url: string;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
  /** A time limit for each block, answer and body, in milliseconds: 60 seconds by default (a gateway that drips). */
  timeout?: number;
}

/** A read-only blob store over an IPFS gateway that serves raw blocks (any trustless gateway). */
export class GatewayBlobStore extends UnixfsBlobStore {
  readonly url: string;
  private readonly fetchFn?: typeof fetch;
  private readonly timeout: number;

  constructor(options: GatewayBlobStoreOptions) {
    if (!options || typeof options.url !== "string" || !/^https?:\/\//i.test(options.url)) {
      throw new TypeError("GatewayBlobStore needs the gateway's URL, e.g. { url: 'http://127.0.0.1:8180' }");
    }
    super(options);
    this.url = options.url.replace(/\/+$/, "");
    this.fetchFn = options.fetch;
    this.timeout = options.timeout ?? 60_000;
    if (!Number.isSafeInteger(this.timeout) || this.timeout <= 0)
      throw new TypeError("timeout must be a positive integer");
  }

  private async request(cid: string, method: "GET" | "HEAD"): Promise<Response | undefined> {
    const path = `/ipfs/${cid}?format=raw`;
    const fetchFn = this.fetchFn ?? globalThis.fetch;
    if (typeof fetchFn !== "function") throw new IpfsError(0, "no fetch in this environment", path);
    let response: Response;
    try {
      // No redirects: a gateway that answers elsewhere is not followed (a server-side reader's internal network).
      response = await fetchFn(`${this.url}${path}`, {
        method,
        headers: { Accept: "application/vnd.ipld.raw" },
        redirect: "error",
        signal: AbortSignal.timeout(this.timeout),
      });
    } catch (error) {
      throw new IpfsError(0, `cannot reach the gateway at ${this.url}: ${(error as Error).message}`, path);
    }
    if (response.status === 404 || response.status === 410) return undefined;
    if (!response.ok) {
      const text =
        method === "GET"
          ? new TextDecoder().decode(await readLimited(response, 500, path).catch(() => new Uint8Array(0))).trim()
          : "";
      throw new IpfsError(response.status, text || response.statusText || "no message", path);
    }
    return response;
  }

  async putBlock(_cid: string, _block: Uint8Array): Promise<void> {
    throw new ReadOnlyStoreError(`the gateway ${this.url} only reads; store documents through an IPFS node`);
  }

  async getBlock(cid: string, maxBytes: number): Promise<Uint8Array | undefined> {
    const response = await this.request(cid, "GET");
    return response && readLimited(response, maxBytes, `/ipfs/${cid}?format=raw`);
  }

  protected async hasBlock(cid: string): Promise<boolean> {
    return (await this.request(cid, "HEAD")) !== undefined;
  }
}
