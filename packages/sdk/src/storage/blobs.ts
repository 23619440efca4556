/**
 * Blob stores: where encrypted documents live, addressed by the CID of their bytes (`cidV1`). A store holds
 * ciphertext only; the SDK encrypts before `put` and decrypts after `get`, so neither the store nor anyone
 * between it and the client (an IPFS node, a gateway, a disk) sees a plaintext. Every `get` re-hashes what it
 * returns against the CID it was asked for, so a store or gateway cannot substitute other bytes.
 */

import { isBytes } from "../crypto/bytes.ts";
import { cidV1, matchesCid, parseCid } from "../crypto/cid.ts";

/** Content-addressed storage of ciphertexts. */
export interface BlobStore {
  /** Stores `bytes` (a ciphertext, never a plaintext) and returns their CID; storing the same bytes again is a no-op. */
  put(bytes: Uint8Array): Promise<string>;
  /**
   * The bytes a CID names, checked against it. Throws `BlobNotFoundError` if the store does not have them,
   * `BlobIntegrityError` if what it returned does not hash to the CID, `CidError` for a malformed CID.
   */
  get(cid: string): Promise<Uint8Array>;
  /** Whether the store holds the blob (a malformed CID throws `CidError`). */
  has(cid: string): Promise<boolean>;
}

/** The store has no blob under this CID. */
export class BlobNotFoundError extends Error {
  override readonly name = "BlobNotFoundError";
  constructor(
    readonly cid: string,
    message = `no blob ${cid} in the store`,
  ) {
    super(message);
  }
}

/** What a store returned (or stored) does not hash to the CID: corruption or substitution. */
export class BlobIntegrityError extends Error {
  override readonly name = "BlobIntegrityError";
  constructor(
    readonly cid: string,
    message = `the store returned bytes that do not hash to ${cid}`,
  ) {
    super(message);
  }
}

/** A blob over the store's size limit (see `IpfsHttpStore`'s `maxBlockSize`). */
export class BlobTooLargeError extends Error {
  override readonly name = "BlobTooLargeError";
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`a blob of ${size} bytes is over this store's limit of ${limit} bytes`);
  }
}

/** The IPFS node refused a request or could not be reached (`status` 0); `nodeMessage` is the node's own words. */
export class IpfsError extends Error {
  override readonly name = "IpfsError";
  constructor(
    readonly status: number,
    readonly nodeMessage: string,
    readonly endpoint: string,
  ) {
    super(status === 0 ? `IPFS ${endpoint}: ${nodeMessage}` : `IPFS ${endpoint} answered ${status}: ${nodeMessage}`);
  }
}

/** Returns `bytes` if they hash to `cid`, else throws `BlobIntegrityError`; for `BlobStore` implementations. */
export function verifyBlob(cid: string, bytes: Uint8Array): Uint8Array {
  if (!matchesCid(bytes, cid)) throw new BlobIntegrityError(cid);
  return bytes;
}

function checkBytes(bytes: Uint8Array): void {
  if (!isBytes(bytes)) throw new TypeError("a blob must be a Uint8Array");
}

/** A blob store in memory (tests, demos, a single process). Keeps copies, so callers may reuse their buffers. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Uint8Array>();

  async put(bytes: Uint8Array): Promise<string> {
    checkBytes(bytes);
    const cid = cidV1(bytes);
    if (!this.blobs.has(cid)) this.blobs.set(cid, Uint8Array.from(bytes));
    return cid;
  }

  async get(cid: string): Promise<Uint8Array> {
    parseCid(cid);
    const bytes = this.blobs.get(cid);
    if (!bytes) throw new BlobNotFoundError(cid);
    return verifyBlob(cid, Uint8Array.from(bytes));
  }

  async has(cid: string): Promise<boolean> {
    parseCid(cid);
    return this.blobs.has(cid);
  }

  /** How many blobs the store holds. */
  get size(): number {
    return this.blobs.size;
  }
}

/** Kubo's `block/put` refuses blocks over 1 MiB unless `allow-big-block` is set (they do not travel over Bitswap). */
export const IPFS_BLOCK_LIMIT = 1024 * 1024;

/** How to reach a Kubo node's RPC API. */
export interface IpfsHttpStoreOptions {
  /** The RPC API's base URL, e.g. `http://127.0.0.1:5001` (not a gateway: gateways are read-only). */
  url: string;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
  /**
   * The largest blob `put` accepts, in bytes; 1 MiB (`IPFS_BLOCK_LIMIT`) by default, which is a document of
   * 1 MiB − 41 bytes. Above 1 MiB the store passes `allow-big-block=true`: the node keeps the block, but peers
   * may be unable to fetch it over Bitswap, so raise this only for nodes that serve each other over HTTP.
   */
  maxBlockSize?: number;
  /** A time limit for each request, in milliseconds, passed as Kubo's `timeout` option (none by default). */
  timeout?: number;
}

const NOT_FOUND = /not found|could not find|no such|does not exist/i;

/**
 * A blob store on a Kubo (go-ipfs) node through its RPC API (`/api/v0`), with `fetch` only, so it runs in a
 * browser too (the node must then allow the page's origin: `API.HTTPHeaders.Access-Control-Allow-Origin`). Each
 * ciphertext is one raw block (`block/put` with `cid-codec=raw`, pinned); the node's answer is checked against the
 * locally computed CID, and every `get` is re-hashed. The RPC API is an administrative interface: expose it to the
 * hospital's own services only, never to the internet.
 */
export class IpfsHttpStore implements BlobStore {
  private readonly url: string;
  private readonly fetchFn?: typeof fetch;
  readonly maxBlockSize: number;
  private readonly timeout?: number;

  constructor(options: IpfsHttpStoreOptions) {
    if (!options || typeof options.url !== "string" || !/^https?:\/\//i.test(options.url)) {
      throw new TypeError("IpfsHttpStore needs the node's RPC URL, e.g. { url: 'http://127.0.0.1:5001' }");
    }
    this.url = options.url.replace(/\/+$/, "");
    this.fetchFn = options.fetch;
    this.maxBlockSize = options.maxBlockSize ?? IPFS_BLOCK_LIMIT;
    if (!Number.isSafeInteger(this.maxBlockSize) || this.maxBlockSize <= 0) {
      throw new TypeError("maxBlockSize must be a positive integer");
    }
    this.timeout = options.timeout;
  }

  private async call(command: string, query: string, body?: FormData): Promise<Response> {
    const timeout = this.timeout === undefined ? "" : `&timeout=${Math.max(1, Math.ceil(this.timeout))}ms`;
    const endpoint = `/api/v0/${command}`;
    // Called as a plain function: a browser's `fetch` throws "Illegal invocation" when called as another object's method.
    const fetchFn = this.fetchFn ?? globalThis.fetch;
    if (typeof fetchFn !== "function") throw new IpfsError(0, "no fetch in this environment", endpoint);
    let response: Response;
    try {
      response = await fetchFn(`${this.url}${endpoint}?${query}${timeout}`, { method: "POST", body });
    } catch (error) {
      throw new IpfsError(0, `cannot reach the node at ${this.url}: ${(error as Error).message}`, endpoint);
    }
    if (!response.ok) throw new IpfsError(response.status, await errorMessage(response), endpoint);
    return response;
  }

  async put(bytes: Uint8Array): Promise<string> {
    checkBytes(bytes);
    if (bytes.length > this.maxBlockSize) throw new BlobTooLargeError(bytes.length, this.maxBlockSize);
    const cid = cidV1(bytes);
    const form = new FormData();
    form.append("file", new Blob([Uint8Array.from(bytes)], { type: "application/octet-stream" }), "blob");
    const big = bytes.length > IPFS_BLOCK_LIMIT ? "&allow-big-block=true" : "";
    const response = await this.call("block/put", `cid-codec=raw&mhtype=sha2-256&pin=true${big}`, form);
    let key: unknown;
    try {
      key = ((await response.json()) as { Key?: unknown }).Key;
    } catch {
      throw new IpfsError(response.status, "block/put answered something other than JSON", "/api/v0/block/put");
    }
    if (key !== cid) {
      throw new BlobIntegrityError(cid, `the IPFS node stored the block as ${String(key)}, not as ${cid}`);
    }
    return cid;
  }

  async get(cid: string): Promise<Uint8Array> {
    parseCid(cid);
    let response: Response;
    try {
      response = await this.call("block/get", `arg=${encodeURIComponent(cid)}`);
    } catch (error) {
      if (error instanceof IpfsError && error.status === 500 && NOT_FOUND.test(error.nodeMessage)) {
        throw new BlobNotFoundError(cid, `the IPFS node has no block ${cid}: ${error.nodeMessage}`);
      }
      throw error;
    }
    return verifyBlob(cid, new Uint8Array(await response.arrayBuffer()));
  }

  /**
   * Whether the node holds the block itself (`block/stat` with `offline=true`: without it, the node would search
   * the network for a missing block until a timeout). `get` fetches from the network too.
   */
  async has(cid: string): Promise<boolean> {
    parseCid(cid);
    try {
      await this.call("block/stat", `arg=${encodeURIComponent(cid)}&offline=true`);
      return true;
    } catch (error) {
      if (error instanceof IpfsError && error.status === 500 && NOT_FOUND.test(error.nodeMessage)) return false;
      throw error;
    }
  }
}

/** Kubo answers errors as `{"Message": "...", "Code": 0, "Type": "error"}`; anything else is shown as text. */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const message = (JSON.parse(text) as { Message?: unknown }).Message;
    if (typeof message === "string") return message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 500) || response.statusText || "no message";
}
