/**
 * Documents as UnixFS files, the way IPFS stores files: the ciphertext is cut into chunks of 1 MiB, each chunk a raw
 * block, under a balanced tree of dag-pb nodes (at most 174 links each); its CID is the root's. These are the
 * settings of `ipfs add --cid-version=1 --chunker=size-1048576` (Kubo; version 1 implies raw leaves), so a document
 * added by Kubo, by Helia or by this SDK gets the same CID. A document of one chunk (1 MiB or less) is a single
 * raw block: its CID is `cidV1(bytes)`.
 *
 * Chunking and tree building are the IPFS project's own (`ipfs-unixfs-importer`, `ipfs-unixfs-exporter`). Reading
 * checks every block against its CID before the exporter sees it, so a store, a gateway or a peer cannot
 * substitute bytes anywhere in the tree.
 */
import { isBytes } from "../crypto/bytes.ts";
import { matchesCid, parseCid } from "../crypto/cid.ts";
import { BlobIntegrityError, BlobNotFoundError, BlobTooLargeError } from "./errors.ts";
import { CID, balanced, exporter, fixedSize, importer } from "./unixfs-libs.mjs";

/** Bytes per chunk (leaf block) of a document: 1 MiB, the largest block IPFS peers exchange. */
export const UNIXFS_CHUNK_SIZE = 1024 * 1024;
/** Links per dag-pb node of the balanced tree (Kubo's and Helia's default). */
export const UNIXFS_MAX_LINKS = 174;
/** The largest document a store accepts unless told otherwise: 512 MiB (a CT or MRI series, encrypted). */
export const DEFAULT_MAX_DOCUMENT_SIZE = 512 * 1024 * 1024;

/** Multicodec of a dag-pb node (a UnixFS tree node). */
export const DAG_PB_CODEC = 0x70;

/** Where a store keeps blocks; `get` answers `undefined` for a block it does not have. */
export interface BlockStorage {
  putBlock(cid: string, block: Uint8Array): Promise<void>;
  getBlock(cid: string): Promise<Uint8Array | undefined>;
}

const IMPORT_OPTIONS = {
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: UNIXFS_CHUNK_SIZE }),
  layout: balanced({ maxChildrenPerNode: UNIXFS_MAX_LINKS }),
  wrapWithDirectory: false,
} as const;

function checkSize(size: number, maxSize: number): void {
  if (size > maxSize) throw new BlobTooLargeError(size, maxSize);
}

/**
 * Cuts `bytes` into a UnixFS file and hands each block to `put` (none when absent: the CID only); returns the
 * root CID. Refuses more than `maxSize` bytes with `BlobTooLargeError` before any block is written.
 */
export async function importDocument(
  bytes: Uint8Array,
  put?: (cid: string, block: Uint8Array) => Promise<void>,
  maxSize = Number.MAX_SAFE_INTEGER,
): Promise<string> {
  if (!isBytes(bytes)) throw new TypeError("a document must be a Uint8Array");
  checkSize(bytes.length, maxSize);
  const blockstore = {
    put: async (cid: CID, block: Uint8Array) => {
      if (put) await put(cid.toString(), block);
      return cid;
    },
  };
  let root: string | undefined;
  for await (const entry of importer([{ content: bytes }], blockstore, IMPORT_OPTIONS)) root = entry.cid.toString();
  if (root === undefined) throw new Error("the UnixFS importer returned no root");
  return root;
}

/** The CID IPFS gives `bytes` with the SDK's settings (see the module's comment), without storing anything. */
export async function unixfsCid(bytes: Uint8Array): Promise<string> {
  return importDocument(bytes);
}

/**
 * Reads the UnixFS file `cid` names, fetching each block with `get` and checking it against its CID first.
 * Throws `BlobNotFoundError` for a missing block (naming the document and the block), `BlobIntegrityError` for a
 * block that does not hash to its CID or a root that is not a file, `BlobTooLargeError` for a file over `maxSize`
 * (before its chunks are fetched).
 */
export async function exportDocument(
  cid: string,
  get: (cid: string) => Promise<Uint8Array | undefined>,
  maxSize = Number.MAX_SAFE_INTEGER,
): Promise<Uint8Array> {
  parseCid(cid);
  // What fetching a block threw (missing, altered, the node down) is what the caller sees, even when the exporter
  // wraps it in its own error; only what the exporter makes of sound blocks becomes "not a UnixFS file".
  let failed: { error: unknown } | undefined;
  const mark = (error: unknown) => {
    failed ??= { error };
    return error;
  };
  const blockstore = {
    get: async (key: CID) => {
      const id = key.toString();
      try {
        parseCid(id); // sha2-256 only: a tree cannot smuggle in a block under a weaker or identity hash
      } catch (error) {
        throw mark(new BlobIntegrityError(cid, `${cid} links to ${id}: ${(error as Error).message}`));
      }
      let block: Uint8Array | undefined;
      try {
        block = await get(id);
      } catch (error) {
        throw mark(error);
      }
      if (block === undefined) {
        const message = id === cid ? `no blob ${cid} in the store` : `block ${id} of ${cid} is missing`;
        throw mark(new BlobNotFoundError(cid, message));
      }
      if (!matchesCid(block, id)) {
        const message =
          id === cid
            ? `the store returned bytes that do not hash to ${cid}`
            : `block ${id} of ${cid} does not hash to its CID`;
        throw mark(new BlobIntegrityError(cid, message));
      }
      return block;
    },
  };
  let entry;
  try {
    entry = await exporter(CID.parse(cid), blockstore);
  } catch (error) {
    if (failed) throw failed.error;
    throw new BlobIntegrityError(cid, `${cid} is not a UnixFS file: ${(error as Error).message}`);
  }
  if (entry.type !== "file" && entry.type !== "raw") {
    throw new BlobIntegrityError(cid, `${cid} is a UnixFS ${entry.type}, not a file`);
  }
  const size = Number(entry.size);
  checkSize(size, maxSize);
  const out = new Uint8Array(size);
  let offset = 0;
  try {
    for await (const chunk of entry.content()) {
      if (offset + chunk.length > size) throw new BlobIntegrityError(cid, `${cid} holds more bytes than it declares`);
      out.set(chunk, offset);
      offset += chunk.length;
    }
  } catch (error) {
    if (failed) throw failed.error;
    if (error instanceof BlobIntegrityError) throw error;
    throw new BlobIntegrityError(cid, `${cid} does not read as a UnixFS file: ${(error as Error).message}`);
  }
  if (offset !== size) throw new BlobIntegrityError(cid, `${cid} holds ${offset} bytes, not the ${size} it declares`);
  return out;
}
