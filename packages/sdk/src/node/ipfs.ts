/**
 * The embedded IPFS node (Node only): Helia, the IPFS project's JavaScript implementation, in this process, with its
 * blocks and pins on disk. It is the default document store of `npm run node`, the command line and the seed:
 * documents are UnixFS files (see `../storage/unixfs.ts`), each pinned, read back block by block with every block
 * checked against its CID. The node runs offline: it neither dials peers nor announces what it holds (medical
 * ciphertexts are not published to the public network unless a deployment decides so); other processes and
 * browsers read its documents through its HTTP gateway (`serveGateway`, `./gateway.ts`).
 */
import path from "node:path";

import { type BlobStoreOptions, UnixfsBlobStore } from "../storage/blobs.ts";
import { CID, FsBlockstore, FsDatastore, createHeliaHTTP } from "./helia-libs.mjs";

/**
 * What the store uses of a Helia node. Kept to this, and private, so that the SDK's declarations carry no Helia
 * types: a dApp type-checking its dependencies (`skipLibCheck: false`) does not meet Helia's, some of which need
 * ES2024's library.
 */
interface HeliaNode {
  blockstore: {
    put(cid: CID, block: Uint8Array): unknown;
    get(cid: CID, options: { offline: boolean }): Uint8Array | Promise<Uint8Array>;
    has(cid: CID): boolean | Promise<boolean>;
  };
  pins: { add(cid: CID): AsyncIterable<unknown>; isPinned(cid: CID): Promise<boolean> };
  stop(): Promise<void>;
}

/**
 * Helia's dependencies use `Promise.withResolvers` (ES2024), which Node 20 lacks: added once, as specified, only
 * where it is missing.
 */
function withResolversPolyfill(): void {
  const promise = Promise as unknown as { withResolvers?: unknown };
  if (typeof promise.withResolvers === "function") return;
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const created = new this<T>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      return { promise: created, resolve, reject };
    },
  });
}

function isNotFound(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return name === "NotFoundError" || code === "ERR_NOT_FOUND" || code === "ENOENT";
}

/** A blob store on an embedded Helia node whose blocks and pins live under `<dir>/ipfs`. */
export class HeliaBlobStore extends UnixfsBlobStore {
  private constructor(
    private readonly helia: HeliaNode,
    /** Where the node keeps its blocks (`blocks/`) and pins (`datastore/`). */
    readonly dir: string,
    options?: BlobStoreOptions,
  ) {
    super(options);
  }

  /** Starts a node on `<dir>/ipfs` (created if missing); `stop()` it when done. */
  static async open(dir: string, options?: BlobStoreOptions): Promise<HeliaBlobStore> {
    withResolversPolyfill();
    const root = path.resolve(dir, "ipfs");
    const helia = await createHeliaHTTP({
      blockstore: new FsBlockstore(path.join(root, "blocks")),
      datastore: new FsDatastore(path.join(root, "datastore")),
      // Offline: no block brokers (it fetches from nobody) and no routers (it asks and announces nothing).
      blockBrokers: [],
      routers: [],
    });
    return new HeliaBlobStore(helia, root, options);
  }

  async putBlock(cid: string, block: Uint8Array): Promise<void> {
    await this.helia.blockstore.put(CID.parse(cid), block);
  }

  /** The block as stored, whatever `maxBytes`: a reader checks its length (see `BlockStorage.getBlock`). */
  async getBlock(cid: string, _maxBytes?: number): Promise<Uint8Array | undefined> {
    try {
      return await this.helia.blockstore.get(CID.parse(cid), { offline: true });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  protected async hasBlock(cid: string): Promise<boolean> {
    return this.helia.blockstore.has(CID.parse(cid));
  }

  /** Stores a document and pins it (its whole tree), so the node's garbage collection never drops it. */
  override async put(bytes: Uint8Array): Promise<string> {
    const cid = await super.put(bytes);
    const root = CID.parse(cid);
    if (!(await this.helia.pins.isPinned(root))) {
      for await (const pinned of this.helia.pins.add(root)) void pinned;
    }
    return cid;
  }

  /** Whether a document is pinned. */
  async pinned(cid: string): Promise<boolean> {
    return this.helia.pins.isPinned(CID.parse(cid));
  }

  /** Stops the node (closes its stores). */
  async stop(): Promise<void> {
    await this.helia.stop();
  }
}
