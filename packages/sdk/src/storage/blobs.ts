/**
 * Blob stores: where encrypted documents live, addressed by their IPFS CID. A store holds ciphertext only; the SDK
 * encrypts before `put` and decrypts after `get`, so neither the store nor anyone between it and the client (an IPFS
 * node, a gateway, a disk) sees a plaintext. Every store keeps a document as a UnixFS file (1 MiB chunks under a
 * balanced tree, `./unixfs.ts`), so the same bytes get the same CID in every store and in IPFS itself, and every
 * `get` checks each block against its CID, so no store or gateway can substitute other bytes.
 */

import { isBytes } from "../crypto/bytes.ts";
import { matchesCid, parseCid } from "../crypto/cid.ts";
import { BlobIntegrityError, IpfsError } from "./errors.ts";
import {
  type BlockStorage,
  DAG_PB_CODEC,
  DEFAULT_MAX_DOCUMENT_SIZE,
  MAX_DOCUMENT_SIZE_LIMIT,
  exportDocument,
  importDocument,
} from "./unixfs.ts";

export * from "./errors.ts";

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

/**
 * A response's body, but never more than `maxBytes + 1` bytes (see `BlockStorage.getBlock`): a declared length over
 * it is not read at all, and a body that goes on is cancelled there. A gateway or node that streams without end
 * makes the reader hold at most one block's worth. A body that breaks off is an `IpfsError` naming `endpoint`.
 */
export async function readLimited(response: Response, maxBytes: number, endpoint = "/"): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return new Uint8Array(maxBytes + 1);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let next: Awaited<ReturnType<typeof reader.read>>;
    try {
      next = await reader.read();
    } catch (error) {
      throw new IpfsError(0, `the answer broke off: ${(error as Error).message}`, endpoint);
    }
    const { done, value } = next;
    if (done) break;
    parts.push(value);
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  const out = new Uint8Array(Math.min(total, maxBytes + 1));
  let offset = 0;
  for (const part of parts) {
    const take = Math.min(part.length, out.length - offset);
    out.set(part.subarray(0, take), offset);
    offset += take;
    if (offset === out.length) break;
  }
  return out;
}

/** Returns `bytes` if they hash to `cid`, else throws `BlobIntegrityError`; for `BlobStore` implementations. */
export function verifyBlob(cid: string, bytes: Uint8Array): Uint8Array {
  if (!matchesCid(bytes, cid)) throw new BlobIntegrityError(cid);
  return bytes;
}

function checkBytes(bytes: Uint8Array): void {
  if (!isBytes(bytes)) throw new TypeError("a blob must be a Uint8Array");
}

/** What every block-based store shares: a size limit, and documents cut into and read from UnixFS blocks. */
export interface BlobStoreOptions {
  /** The largest document `put` and `get` accept, in bytes (512 MiB, `DEFAULT_MAX_DOCUMENT_SIZE`, by default). */
  maxSize?: number;
}

function maxSizeOf(options: BlobStoreOptions | undefined): number {
  const maxSize = options?.maxSize ?? DEFAULT_MAX_DOCUMENT_SIZE;
  if (!Number.isSafeInteger(maxSize) || maxSize < 0 || maxSize > MAX_DOCUMENT_SIZE_LIMIT) {
    throw new TypeError(`maxSize must be an integer from 0 to ${MAX_DOCUMENT_SIZE_LIMIT}`);
  }
  return maxSize;
}

/**
 * A blob store over blocks: `put` cuts a document into UnixFS blocks and writes each; `get` reads the tree back,
 * checking every block against its CID; `has` says whether the document's root block is there. Subclasses say
 * where blocks live.
 */
export abstract class UnixfsBlobStore implements BlobStore, BlockStorage {
  /** The largest document this store takes or returns, in bytes. */
  readonly maxSize: number;

  constructor(options?: BlobStoreOptions) {
    this.maxSize = maxSizeOf(options);
  }

  abstract putBlock(cid: string, block: Uint8Array): Promise<void>;
  abstract getBlock(cid: string, maxBytes: number): Promise<Uint8Array | undefined>;
  protected abstract hasBlock(cid: string): Promise<boolean>;

  async put(bytes: Uint8Array): Promise<string> {
    checkBytes(bytes);
    return importDocument(bytes, (cid, block) => this.putBlock(cid, block), this.maxSize);
  }

  async get(cid: string): Promise<Uint8Array> {
    return exportDocument(cid, (id, maxBytes) => this.getBlock(id, maxBytes), this.maxSize);
  }

  async has(cid: string): Promise<boolean> {
    parseCid(cid);
    return this.hasBlock(cid);
  }
}

/** A blob store in memory (tests, demos, a single process). Keeps copies, so callers may reuse their buffers. */
export class MemoryBlobStore extends UnixfsBlobStore {
  private readonly blocks = new Map<string, Uint8Array>();

  async putBlock(cid: string, block: Uint8Array): Promise<void> {
    if (!this.blocks.has(cid)) this.blocks.set(cid, Uint8Array.from(block));
  }

  /** The block as stored, whatever `maxBytes`: a reader checks its length (see `BlockStorage.getBlock`). */
  async getBlock(cid: string, _maxBytes?: number): Promise<Uint8Array | undefined> {
    const block = this.blocks.get(cid);
    return block && Uint8Array.from(block);
  }

  protected async hasBlock(cid: string): Promise<boolean> {
    return this.blocks.has(cid);
  }

  /** How many blocks the store holds (a document of n chunks is n blocks, plus its tree nodes when n > 1). */
  get size(): number {
    return this.blocks.size;
  }
}

/** The largest block IPFS peers exchange (Kubo's `block/put` refuses more); a document's chunks are this size. */
export const IPFS_BLOCK_LIMIT = 1024 * 1024;

/** How to reach a Kubo node's RPC API. */
export interface IpfsHttpStoreOptions extends BlobStoreOptions {
  /** The RPC API's base URL, e.g. `http://127.0.0.1:5001` (not a gateway: gateways are read-only). */
  url: string;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
  /**
   * A time limit for each request, in milliseconds, passed as Kubo's `timeout` option and kept by the client too
   * (a second more), body included (none by default).
   */
  timeout?: number;
}

const NOT_FOUND = /not found|could not find|no such|does not exist/i;

/**
 * A blob store on a Kubo (go-ipfs) node through its RPC API (`/api/v0`), with `fetch` only, so it runs in a
 * browser too (the node must then allow the page's origin: `API.HTTPHeaders.Access-Control-Allow-Origin`). A
 * document's UnixFS blocks are written one by one with `block/put` (raw chunks and dag-pb nodes, pinned, none over
 * 1 MiB), each answer checked against the locally computed CID; `get` reads them with `block/get` and re-hashes each.
 * The RPC API is an administrative interface: expose it to the hospital's own services only, never to the internet.
 */
export class IpfsHttpStore extends UnixfsBlobStore {
  private readonly url: string;
  private readonly fetchFn?: typeof fetch;
  private readonly timeout?: number;

  constructor(options: IpfsHttpStoreOptions) {
    if (!options || typeof options.url !== "string" || !/^https?:\/\//i.test(options.url)) {
      throw new TypeError("IpfsHttpStore needs the node's RPC URL, e.g. { url: 'http://127.0.0.1:5001' }");
    }
    super(options);
    this.url = options.url.replace(/\/+$/, "");
    this.fetchFn = options.fetch;
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
      // No redirects: a node that answers elsewhere is not followed (to an internal address, say).
      response = await fetchFn(`${this.url}${endpoint}?${query}${timeout}`, {
        method: "POST",
        body,
        redirect: "error",
        // Kubo stops at its own `timeout`; the client stops too, whatever the node does (a body that drips).
        signal: this.timeout === undefined ? undefined : AbortSignal.timeout(this.timeout + 1000),
      });
    } catch (error) {
      throw new IpfsError(0, `cannot reach the node at ${this.url}: ${(error as Error).message}`, endpoint);
    }
    if (!response.ok) throw new IpfsError(response.status, await errorMessage(response), endpoint);
    return response;
  }

  /** Whether an error is the node saying it does not have a block. */
  private static missing(error: unknown): boolean {
    return error instanceof IpfsError && error.status === 500 && NOT_FOUND.test(error.nodeMessage);
  }

  async putBlock(cid: string, block: Uint8Array): Promise<void> {
    const codec = parseCid(cid).codec === DAG_PB_CODEC ? "dag-pb" : "raw";
    const form = new FormData();
    form.append("file", new Blob([Uint8Array.from(block)], { type: "application/octet-stream" }), "blob");
    const response = await this.call("block/put", `cid-codec=${codec}&mhtype=sha2-256&pin=true`, form);
    let key: unknown;
    try {
      key = ((await response.json()) as { Key?: unknown }).Key;
    } catch {
      throw new IpfsError(response.status, "block/put answered something other than JSON", "/api/v0/block/put");
    }
    if (key !== cid) {
      throw new BlobIntegrityError(cid, `the IPFS node stored the block as ${String(key)}, not as ${cid}`);
    }
  }

  async getBlock(cid: string, maxBytes: number): Promise<Uint8Array | undefined> {
    try {
      const response = await this.call("block/get", `arg=${encodeURIComponent(cid)}`);
      return await readLimited(response, maxBytes, "/api/v0/block/get");
    } catch (error) {
      if (IpfsHttpStore.missing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Whether the node holds the root block itself (`block/stat` with `offline=true`: without it, the node would
   * search the network for a missing block until a timeout). `get` fetches from the network too.
   */
  protected async hasBlock(cid: string): Promise<boolean> {
    try {
      await this.call("block/stat", `arg=${encodeURIComponent(cid)}&offline=true`);
      return true;
    } catch (error) {
      if (IpfsHttpStore.missing(error)) return false;
      throw error;
    }
  }
}

/** Kubo answers errors as `{"Message": "...", "Code": 0, "Type": "error"}`; anything else is shown as text. */
async function errorMessage(response: Response): Promise<string> {
  const text = new TextDecoder().decode(await readLimited(response, 4096).catch(() => new Uint8Array(0)));
  try {
    const message = (JSON.parse(text) as { Message?: unknown }).Message;
    if (typeof message === "string") return message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 500) || response.statusText || "no message";
}
