/**
 * Documents as UnixFS files, the way IPFS stores files: the ciphertext is cut into chunks of 1 MiB, each chunk a raw
 * block, under a balanced tree of dag-pb nodes (at most 174 links each); its CID is the root's. These are the
 * settings of `ipfs add --cid-version=1 --chunker=size-1048576` (Kubo; version 1 implies raw leaves), so a document
 * added by Kubo, by Helia or by this SDK gets the same CID. A document of one chunk (1 MiB or less) is a single
 * raw block: its CID is `cidV1(bytes)`.
 *
 * Chunking and tree building are the IPFS project's own (`ipfs-unixfs-importer`). Reading is this module's: a walk
 * of the tree that takes only what the SDK writes (1 MiB raw leaves under dag-pb file nodes), fetches blocks one
 * at a time, checks each against its CID before decoding it (with the IPFS project's `@ipld/dag-pb` and
 * `ipfs-unixfs`), and checks every size a node declares against what its children hold. The general exporter
 * (`ipfs-unixfs-exporter`) follows any tree a publisher builds, in parallel and past the file's end, so a root of a
 * few hundred bytes could make a reader fetch without end; a reader of medical records meets documents that
 * hospitals publish, so it takes no such tree. A store, a gateway or a peer can only withhold blocks.
 */
import { isBytes } from "../crypto/bytes.ts";
import { matchesCid, parseCid } from "../crypto/cid.ts";
import { BlobIntegrityError, BlobNotFoundError, BlobTooLargeError } from "./errors.ts";
import { CID, UnixFS, balanced, decodeDagPb, fixedSize, importer } from "./unixfs-libs.mjs";

/** Bytes per chunk (leaf block) of a document: 1 MiB, the largest block IPFS peers exchange. */
export const UNIXFS_CHUNK_SIZE = 1024 * 1024;
/** Links per dag-pb node of the balanced tree (Kubo's and Helia's default). */
export const UNIXFS_MAX_LINKS = 174;
/** The largest document a store accepts unless told otherwise: 512 MiB (a CT or MRI series, encrypted). */
export const DEFAULT_MAX_DOCUMENT_SIZE = 512 * 1024 * 1024;

/** Multicodec of a dag-pb node (a UnixFS tree node). */
export const DAG_PB_CODEC = 0x70;
/** Multicodec of a raw block (a chunk). */
const RAW_CODEC = 0x55;
/**
 * The largest tree node of a document: 174 links of about 48 bytes and their sizes, under 10 KiB; a node is read
 * no further than this.
 */
export const MAX_NODE_SIZE = 16 * 1024;
/**
 * The largest block of a document: a 1 MiB chunk (a tree node is far smaller). A gateway serves and a store reads no
 * larger block, so nobody can make a reader buffer more for one block.
 */
export const MAX_BLOCK_SIZE = UNIXFS_CHUNK_SIZE + 64 * 1024;
/** Levels below the root: 174^8 chunks is far beyond any document; a deeper tree is not one the SDK wrote. */
const MAX_DEPTH = 8;
/**
 * The largest `maxSize` a reader may set: one typed array holds the whole document, and JavaScript engines cap its
 * length (2 GiB is below every one's cap).
 */
export const MAX_DOCUMENT_SIZE_LIMIT = 2 ** 31 - 1;

/**
 * Where a store keeps blocks. `getBlock` answers `undefined` for a block it does not have, and at most
 * `maxBytes + 1` bytes: a larger block comes back cut there, and the reader refuses it (it cannot hash right).
 */
export interface BlockStorage {
  putBlock(cid: string, block: Uint8Array): Promise<void>;
  getBlock(cid: string, maxBytes: number): Promise<Uint8Array | undefined>;
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

/** A dag-pb file node, decoded and checked: its size, and its links with the size each declares. */
interface FileNode {
  size: number;
  links: { cid: string; size: number }[];
}

/** A document being read: its size, known from its root before any chunk is fetched, and its chunks in order. */
export interface DocumentReader {
  size: number;
  chunks: AsyncGenerator<Uint8Array, void, undefined>;
}

/**
 * Opens the UnixFS file `cid` names for reading: fetches and checks its root (a raw block, or a dag-pb file node
 * whose declared size must be at most `maxSize`), and returns its size and a generator of its chunks, each fetched
 * when asked for and checked against its CID and the size its parent declares. Only the trees the SDK writes are
 * read: raw chunks of 1 MiB but the last, under dag-pb file nodes of at most 174 unnamed links, every node but the
 * last of its parent full (174 links), no inline data, 8 levels at most. So a reader fetches the document's chunks
 * and one node per 173 of them, never more. Throws (at once, or from the generator) `BlobNotFoundError` for a missing
 * block, `BlobIntegrityError` for a block that does not hash to its CID or a tree the SDK does not write,
 * `BlobTooLargeError` for a document over `maxSize`. Nothing is fetched but what is asked for, one block at a time.
 */
export async function openDocument(
  cid: string,
  get: (cid: string, maxBytes: number) => Promise<Uint8Array | undefined>,
  maxSize = Number.MAX_SAFE_INTEGER,
): Promise<DocumentReader> {
  const root = parseCid(cid);
  const fetchBlock = async (id: string, maxBytes: number): Promise<Uint8Array> => {
    let parsed;
    try {
      parsed = parseCid(id); // sha2-256 only: no identity or weaker hash slips into a tree
    } catch (error) {
      throw new BlobIntegrityError(cid, `${cid} links to ${id}: ${(error as Error).message}`);
    }
    if (parsed.codec !== RAW_CODEC && parsed.codec !== DAG_PB_CODEC) {
      throw new BlobIntegrityError(cid, `${cid} links to ${id}, neither a raw chunk nor a dag-pb node`);
    }
    const block = await get(id, maxBytes);
    if (block === undefined) {
      throw new BlobNotFoundError(cid, id === cid ? `no blob ${cid} in the store` : `block ${id} of ${cid} is missing`);
    }
    if (block.length > maxBytes) {
      // The store stops reading one byte past the limit: the block's true size is unknown, only that it is over.
      if (id === cid && maxBytes === maxSize) throw new BlobTooLargeError(block.length, maxSize, true);
      throw new BlobIntegrityError(
        cid,
        `block ${id} of ${cid} is over ${maxBytes} bytes: no document has such a block`,
      );
    }
    if (!matchesCid(block, id)) {
      throw new BlobIntegrityError(
        cid,
        id === cid
          ? `the store returned bytes that do not hash to ${cid}`
          : `block ${id} of ${cid} does not hash to its CID`,
      );
    }
    return block;
  };
  const decode = (id: string, block: Uint8Array): FileNode => {
    const refuse = (why: string) => new BlobIntegrityError(cid, `${id === cid ? cid : `node ${id} of ${cid}`} ${why}`);
    let links: { cid: string; size: number }[];
    let size: number;
    try {
      const node = decodeDagPb(block);
      if (node.Data === undefined) throw refuse("carries no UnixFS data");
      const unixfs = UnixFS.unmarshal(node.Data);
      if (unixfs.type !== "file") throw refuse(`is a UnixFS ${unixfs.type}, not a file`);
      if (unixfs.data !== undefined && unixfs.data.length > 0)
        throw refuse("holds data inline: not a tree the SDK writes");
      if (node.Links.length === 0 || node.Links.length > UNIXFS_MAX_LINKS)
        throw refuse(`has ${node.Links.length} links`);
      if (node.Links.some((link) => link.Name !== undefined && link.Name !== "")) throw refuse("names its links");
      if (unixfs.blockSizes.length !== node.Links.length)
        throw refuse("declares a size for each link, but not as many");
      links = node.Links.map((link, i) => ({ cid: link.Hash.toV1().toString(), size: Number(unixfs.blockSizes[i]) }));
      size = Number(unixfs.fileSize());
    } catch (error) {
      if (error instanceof BlobIntegrityError) throw error;
      throw refuse(`is not a UnixFS file node: ${(error as Error).message}`);
    }
    if (links.some((link) => !(link.size > 0) || !Number.isSafeInteger(link.size))) {
      throw refuse("declares an empty or impossible link size");
    }
    if (links.reduce((total, link) => total + link.size, 0) !== size) {
      throw refuse(`declares ${size} bytes, and links whose sizes do not add up to it`);
    }
    return { size, links };
  };

  if (root.codec === RAW_CODEC) {
    const block = await fetchBlock(cid, Math.min(maxSize, MAX_BLOCK_SIZE));
    return {
      size: block.length,
      chunks: (async function* () {
        yield block;
      })(),
    };
  }
  if (root.codec !== DAG_PB_CODEC) throw new BlobIntegrityError(cid, `${cid} is neither a raw block nor a dag-pb node`);
  const top = decode(cid, await fetchBlock(cid, MAX_NODE_SIZE));
  if (top.size > maxSize) throw new BlobTooLargeError(top.size, maxSize);

  let offset = 0;
  async function* walk(node: FileNode, depth: number): AsyncGenerator<Uint8Array, void, undefined> {
    for (const [i, link] of node.links.entries()) {
      const codec = parseCid(link.cid).codec;
      if (codec === RAW_CODEC) {
        // Read no further than the size declared: a chunk is at most 1 MiB, and this one says how much.
        const chunk = await fetchBlock(link.cid, Math.min(link.size, UNIXFS_CHUNK_SIZE));
        if (chunk.length !== link.size) {
          throw new BlobIntegrityError(
            cid,
            `chunk ${link.cid} of ${cid} holds ${chunk.length} bytes, not the ${link.size} declared`,
          );
        }
        // Every chunk is a full 1 MiB but the last: the layout the SDK writes, and a bound on what is fetched.
        if (chunk.length !== UNIXFS_CHUNK_SIZE && offset + chunk.length !== top.size) {
          throw new BlobIntegrityError(
            cid,
            `chunk ${link.cid} of ${cid} is short (${chunk.length} bytes) before the end`,
          );
        }
        offset += chunk.length;
        yield chunk;
      } else {
        if (depth >= MAX_DEPTH) throw new BlobIntegrityError(cid, `${cid} is deeper than ${MAX_DEPTH} levels`);
        const child = decode(link.cid, await fetchBlock(link.cid, MAX_NODE_SIZE));
        if (child.size !== link.size) {
          throw new BlobIntegrityError(
            cid,
            `node ${link.cid} of ${cid} holds ${child.size} bytes, not the ${link.size} declared`,
          );
        }
        // Balanced, as the SDK writes: a node that is not its parent's last child is full.
        if (i !== node.links.length - 1 && child.links.length !== UNIXFS_MAX_LINKS) {
          throw new BlobIntegrityError(
            cid,
            `node ${link.cid} of ${cid} has ${child.links.length} links before its parent's last: not a balanced tree`,
          );
        }
        yield* walk(child, depth + 1);
      }
    }
  }
  return { size: top.size, chunks: walk(top, 1) };
}

/**
 * Reads the UnixFS file `cid` names into one array (see `openDocument` for what is checked and thrown).
 */
export async function exportDocument(
  cid: string,
  get: (cid: string, maxBytes: number) => Promise<Uint8Array | undefined>,
  maxSize = Number.MAX_SAFE_INTEGER,
): Promise<Uint8Array> {
  const { size, chunks } = await openDocument(cid, get, maxSize);
  // Allocated once the first chunk is in hand: a root that declares a large size and delivers nothing costs nothing.
  let out: Uint8Array | undefined;
  let offset = 0;
  for await (const chunk of chunks) {
    out ??= new Uint8Array(size);
    out.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== size) throw new BlobIntegrityError(cid, `${cid} holds ${offset} bytes, not the ${size} it declares`);
  return out ?? new Uint8Array(0);
}
