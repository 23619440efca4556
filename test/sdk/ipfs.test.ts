import { expect } from "chai";
import { createHash } from "node:crypto";
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { Wallet } from "ethers";

import { DocumentsApi } from "../../packages/sdk/src/api/documents";
import type { Core } from "../../packages/sdk/src/core";
import { cidV1 } from "../../packages/sdk/src/crypto/cid";
import { decryptDocument, encryptDocument } from "../../packages/sdk/src/crypto/cipher";
import { type Gateway, HeliaBlobStore, serveGateway } from "../../packages/sdk/src/node";
import {
  BlobIntegrityError,
  BlobNotFoundError,
  BlobTooLargeError,
  GatewayBlobStore,
  IpfsError,
  MAX_BLOCK_SIZE,
  MAX_DOCUMENT_SIZE_LIMIT,
  MAX_NODE_SIZE,
  MemoryBlobStore,
  ReadOnlyStoreError,
  importDocument,
  UNIXFS_CHUNK_SIZE,
  UNIXFS_MAX_LINKS,
  unixfsCid,
} from "../../packages/sdk/src/storage";
import { CID } from "../../packages/sdk/src/storage/unixfs-libs.mjs";
import { UnixFS, dagPb } from "../helpers/ipfs-libs.mjs";
import { failure } from "../helpers/failure";

/** Deterministic bytes: SHA-256 of a counter, repeated (no two chunks alike). */
function document(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i * 32 < size; i++) {
    out.set(
      createHash("sha256")
        .update(`MIIP imaging ${i}`)
        .digest()
        .subarray(0, Math.min(32, size - i * 32)),
      i * 32,
    );
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/* A protobuf writer for the two schemas a UnixFS file root is made of, written from the specs
 * (https://specs.ipfs.tech/unixfs/, https://ipld.io/specs/codecs/dag-pb/spec/), not from the importer. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push(n % 0x80 | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const field = (number: number, wire: number) => varint(number * 8 + wire);
const bytesField = (number: number, value: Uint8Array | number[]) => [
  ...field(number, 2),
  ...varint(value.length),
  ...value,
];

/** The CID of a UnixFS file root over raw leaves: PBNode { Links: [{ Hash, Name: "", Tsize }], Data: UnixFS }. */
function expectedRoot(leaves: Uint8Array[]): string {
  const size = leaves.reduce((total, leaf) => total + leaf.length, 0);
  // UnixFS Data: Type = File (2), filesize, blocksizes (repeated, not packed).
  const data = [...field(1, 0), 2, ...field(3, 0), ...varint(size)];
  for (const leaf of leaves) data.push(...field(4, 0), ...varint(leaf.length));
  const node: number[] = [];
  for (const leaf of leaves) {
    const hash = CID.parse(cidV1(leaf)).bytes;
    const link = [...bytesField(1, hash), ...bytesField(2, []), ...field(3, 0), ...varint(leaf.length)];
    node.push(...bytesField(2, link)); // dag-pb writes Links before Data
  }
  node.push(...bytesField(1, data));
  const digest = createHash("sha256").update(Uint8Array.from(node)).digest();
  return CID.decode(Uint8Array.from([0x01, 0x70, 0x12, 0x20, ...digest])).toString();
}

const RAW = 0x55;
const DAG_PB = 0x70;
const MiB = 1024 * 1024;

/** The CIDv1 (sha2-256) of `bytes` under `codec`. */
function cidOf(codec: number, bytes: Uint8Array): string {
  const digest = createHash("sha256").update(bytes).digest();
  return CID.decode(Uint8Array.from([0x01, codec, 0x12, 0x20, ...digest])).toString();
}

/**
 * A UnixFS file node a publisher builds by hand: `links[i]` declared as `blockSizes[i]` bytes, optional inline data,
 * each link named `name`.
 */
function fileNode(links: string[], blockSizes: number[], data?: Uint8Array, name = ""): Uint8Array {
  const unixfs = new UnixFS({ type: "file", data, blockSizes: blockSizes.map(BigInt) });
  return dagPb.encode(
    dagPb.prepare({
      Data: unixfs.marshal(),
      Links: links.map((cid) => ({ Hash: CID.parse(cid), Name: name, Tsize: 0 })),
    }),
  );
}

/** A memory store that counts the blocks and bytes read from it, and stops answering after `budget` reads. */
class CountingStore extends MemoryBlobStore {
  calls = 0;
  bytes = 0;
  constructor(
    private readonly budget = 20_000,
    maxSize = 1024,
  ) {
    super({ maxSize });
  }
  override async getBlock(cid: string, maxBytes: number): Promise<Uint8Array | undefined> {
    this.calls++;
    if (this.calls > this.budget) throw new Error(`budget of ${this.budget} block reads exhausted`);
    const block = await super.getBlock(cid, maxBytes);
    this.bytes += block?.length ?? 0;
    return block;
  }
  async add(codec: number, block: Uint8Array): Promise<string> {
    const cid = cidOf(codec, block);
    await this.putBlock(cid, block);
    return cid;
  }
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Documents on IPFS: UnixFS chunks, the embedded Helia node, its gateway", function () {
  this.timeout(120_000);
  let dir: string;
  let node: HeliaBlobStore;
  let gateway: Gateway;
  /** 2.5 MiB: two full chunks and a half one. */
  const large = document(2 * UNIXFS_CHUNK_SIZE + UNIXFS_CHUNK_SIZE / 2);
  let largeCid: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "miip-ipfs-"));
    node = await HeliaBlobStore.open(dir);
    largeCid = await node.put(large);
    gateway = await serveGateway(node);
  });

  after(async function () {
    await gateway?.close();
    await node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("CIDs", function () {
    it("gives a document of several chunks the root IPFS gives it, rebuilt here from the UnixFS and dag-pb specs", async function () {
      const leaves = [0, 1, 2].map((i) => large.subarray(i * UNIXFS_CHUNK_SIZE, (i + 1) * UNIXFS_CHUNK_SIZE));
      expect(largeCid).to.equal(expectedRoot(leaves));
      expect(largeCid).to.match(/^bafybei/); // dag-pb, CIDv1, base32
      expect(await unixfsCid(large)).to.equal(largeCid);
      expect(await new MemoryBlobStore().put(large)).to.equal(largeCid);
    });

    it("keeps a document of one chunk a single raw block, whose CID is the hash of its bytes", async function () {
      const one = large.subarray(0, UNIXFS_CHUNK_SIZE);
      expect(await unixfsCid(one)).to.equal(cidV1(one));
      expect(await unixfsCid(new Uint8Array(0))).to.equal(cidV1(new Uint8Array(0)));
      const twoChunks = large.subarray(0, UNIXFS_CHUNK_SIZE + 1);
      expect(await unixfsCid(twoChunks)).to.equal(
        expectedRoot([twoChunks.subarray(0, UNIXFS_CHUNK_SIZE), twoChunks.subarray(UNIXFS_CHUNK_SIZE)]),
      );
    });

    it("builds a second level past 174 chunks, as Kubo does by default", async function () {
      expect(UNIXFS_MAX_LINKS).to.equal(174);
      const store = new MemoryBlobStore({ maxSize: 200 * UNIXFS_CHUNK_SIZE });
      const big = new Uint8Array(175 * UNIXFS_CHUNK_SIZE); // zeros: one distinct leaf, 175 links to it
      const cid = await store.put(big);
      // Leaf, a full node of 174 links, a node of one link, the root over those two.
      expect(store.size).to.equal(4);
      expect(equal(await store.get(cid), big)).to.equal(true);
    });
  });

  describe("the embedded node (Helia, blocks and pins on disk)", function () {
    it("round-trips an encrypted document of several chunks, pinned, and finds it again after a restart", async function () {
      const { ciphertext, key } = encryptDocument(large);
      const cid = await node.put(ciphertext);
      expect(await node.pinned(cid)).to.equal(true);
      expect(await node.has(cid)).to.equal(true);
      await node.stop();
      node = await HeliaBlobStore.open(dir);
      await gateway.close();
      gateway = await serveGateway(node);
      expect(equal(decryptDocument(await node.get(cid), key), large)).to.equal(true);
      expect(await node.pinned(largeCid)).to.equal(true);
    });

    it("refuses a document over its limit before writing a block, and one over a reader's limit before its chunks", async function () {
      const small = await HeliaBlobStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "miip-ipfs-small-")), {
        maxSize: UNIXFS_CHUNK_SIZE,
      });
      try {
        const error = await failure(() => small.put(large));
        expect(error).to.be.instanceOf(BlobTooLargeError);
        expect(error.message).to.equal(
          `a blob of ${large.length} bytes is over this store's limit of ${UNIXFS_CHUNK_SIZE} bytes`,
        );
        expect(await small.has(largeCid)).to.equal(false);
        // Not a block written: the node's block folder was never even created.
        expect(fs.existsSync(path.join(small.dir, "blocks"))).to.equal(false);
      } finally {
        await small.stop();
        fs.rmSync(path.dirname(small.dir), { recursive: true, force: true });
      }

      const fetched: string[] = [];
      const reader = new GatewayBlobStore({
        url: gateway.url,
        maxSize: UNIXFS_CHUNK_SIZE,
        fetch: (input, init) => {
          fetched.push(String(input));
          return fetch(input, init);
        },
      });
      expect(await failure(() => reader.get(largeCid))).to.be.instanceOf(BlobTooLargeError);
      expect(fetched).to.deep.equal([`${gateway.url}/ipfs/${largeCid}?format=raw`]);
    });

    it("names a missing document, and the missing block of a document it has only in part", async function () {
      const absent = cidV1(new TextEncoder().encode("never stored"));
      const missing = await failure(() => node.get(absent));
      expect(missing).to.be.instanceOf(BlobNotFoundError);
      expect(missing.message).to.equal(`no blob ${absent} in the store`);

      const partial = new MemoryBlobStore();
      const cid = await partial.put(large);
      const leaf = cidV1(large.subarray(UNIXFS_CHUNK_SIZE, 2 * UNIXFS_CHUNK_SIZE));
      (partial as unknown as { blocks: Map<string, Uint8Array> }).blocks.delete(leaf);
      const error = await failure(() => partial.get(cid));
      expect(error).to.be.instanceOf(BlobNotFoundError);
      expect(error.message).to.equal(`block ${leaf} of ${cid} is missing`);
    });
  });

  describe("a hostile publisher's tree (outside audit of issue 17)", function () {
    it("F1: refuses a small root declaring 1 byte over a tower of empty links, after a bounded number of reads, and reads nothing after", async function () {
      const store = new CountingStore();
      let below = await store.add(RAW, new Uint8Array(0));
      for (let level = 0; level < 3; level++) {
        below = await store.add(DAG_PB, fileNode(Array(174).fill(below), Array(174).fill(0)));
      }
      const empty = cidOf(RAW, new Uint8Array(0));
      const root = await store.add(DAG_PB, fileNode([empty, ...Array(173).fill(below)], [1, ...Array(173).fill(0)]));
      const error = await failure(() => store.get(root));
      expect(error).to.be.instanceOf(BlobIntegrityError);
      expect(error.message).to.equal(`${root} declares an empty or impossible link size`);
      const reads = store.calls;
      await settle(100);
      expect(reads).to.equal(1); // the root alone
      expect(store.calls).to.equal(reads);
    });

    it("F1b: refuses inline data in a node (not a tree the SDK writes), and a node whose sizes do not add up", async function () {
      const store = new CountingStore();
      const leaf = await store.add(RAW, new Uint8Array([1]));
      const inline = await store.add(DAG_PB, fileNode([leaf], [1], Uint8Array.of(42)));
      expect((await failure(() => store.get(inline))).message).to.equal(
        `${inline} holds data inline: not a tree the SDK writes`,
      );
      const lying = await store.add(DAG_PB, fileNode([leaf, leaf], [1, 1], undefined));
      // Declared 2 bytes over two 1-byte chunks: the first is short before the end.
      expect((await failure(() => store.get(lying))).message).to.equal(
        `chunk ${leaf} of ${lying} is short (1 bytes) before the end`,
      );
    });

    it("F2: a reader with a 1 KiB limit pulls no 3 MiB blocks declared as 1 byte each, through the embedded node's gateway", async function () {
      const leafBytes = new Uint8Array(3 * MiB).fill(7);
      const leaf = cidOf(RAW, leafBytes);
      await node.putBlock(leaf, leafBytes);
      const rootBytes = fileNode(Array(8).fill(leaf), Array(8).fill(1));
      const root = cidOf(DAG_PB, rootBytes);
      await node.putBlock(root, rootBytes);
      let pulled = 0;
      const reader = new GatewayBlobStore({
        url: gateway.url,
        maxSize: 1024,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          const body = new Uint8Array(await response.arrayBuffer());
          pulled += body.length;
          return new Response(body, { status: response.status, headers: response.headers });
        },
      });
      const error = await failure(() => reader.get(root));
      expect(error).to.be.instanceOf(IpfsError);
      expect((error as IpfsError).status).to.equal(413);
      expect((error as IpfsError).nodeMessage).to.equal(`block ${leaf} is over ${MAX_BLOCK_SIZE} bytes`);
      // The node's gateway refuses to serve a block over the largest a document has, so the reader pulls the
      // root and a refusal: never the 3 MiB.
      expect(pulled).to.be.lessThan(1024);
    });

    it("F3: reads at most one block's worth from a gateway that streams without end", async function () {
      const cid = await unixfsCid(new TextEncoder().encode("ten bytes!"));
      let pulled = 0;
      const hostile = new GatewayBlobStore({
        url: "https://gateway.example",
        maxSize: 1024,
        fetch: async () => {
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (pulled >= 64 * MiB) return controller.close();
              pulled += MiB;
              controller.enqueue(new Uint8Array(MiB));
            },
          });
          return new Response(body, { status: 200, headers: { "Content-Type": "application/vnd.ipld.raw" } });
        },
      });
      const error = await failure(() => hostile.get(cid));
      expect(error).to.be.instanceOf(BlobTooLargeError); // a raw root is the document: over the reader's 1 KiB
      expect(pulled).to.be.at.most(2 * MiB);

      const declared = new GatewayBlobStore({
        url: "https://gateway.example",
        fetch: async () =>
          new Response(new Uint8Array(10), { status: 200, headers: { "Content-Length": String(64 * MiB) } }),
      });
      const refused = await failure(() => declared.get(largeCid));
      expect(refused.message).to.equal(
        `block ${largeCid} of ${largeCid} is over ${MAX_NODE_SIZE} bytes: no document has such a block`,
      );
    });

    it("refuses a document deeper than 8 levels, and a link to a block that is neither raw nor dag-pb", async function () {
      const store = new CountingStore(100, 10 * MiB);
      let below = await store.add(RAW, new Uint8Array(5));
      for (let level = 0; level < 9; level++) below = await store.add(DAG_PB, fileNode([below], [5]));
      expect((await failure(() => store.get(below))).message).to.equal(`${below} is deeper than 8 levels`);
      const json = cidOf(0x0200, new TextEncoder().encode("{}"));
      const odd = await store.add(DAG_PB, fileNode([json], [2]));
      expect((await failure(() => store.get(odd))).message).to.equal(
        `${odd} links to ${json}, neither a raw chunk nor a dag-pb node`,
      );
    });
  });

  describe("a hostile publisher's tree, second round of the outside audit", function () {
    it("R1a: reads no node past 16 KiB: a 1-byte document under 8 one-link nodes padded by link names costs a few KiB", async function () {
      const store = new CountingStore(100, 1024);
      let below = await store.add(RAW, Uint8Array.of(42));
      for (let level = 0; level < 8; level++)
        below = await store.add(DAG_PB, fileNode([below], [1], undefined, "x".repeat(MiB - 200)));
      const error = await failure(() => store.get(below));
      expect(error.message).to.equal(
        `block ${below} of ${below} is over ${MAX_NODE_SIZE} bytes: no document has such a block`,
      );
      expect(store.calls).to.equal(1);
      const named = await store.add(DAG_PB, fileNode([cidOf(RAW, Uint8Array.of(42))], [1], undefined, "scan.dcm"));
      expect((await failure(() => store.get(named))).message).to.equal(`${named} names its links`);
    });

    it("R1b: reads only balanced trees: a node before its parent's last must be full, so a document costs its chunks and one node per 173", async function () {
      const store = new CountingStore(1000, 8 * MiB);
      const bytes = new Uint8Array(4 * MiB).map((_, i) => i % 251);
      const chunks: string[] = [];
      for (let i = 0; i < 4; i++) chunks.push(await store.add(RAW, bytes.subarray(i * MiB, (i + 1) * MiB)));
      const chains = [];
      for (const chunk of chunks) chains.push(await store.add(DAG_PB, fileNode([chunk], [MiB])));
      const root = await store.add(DAG_PB, fileNode(chains, Array(4).fill(MiB)));
      const error = await failure(() => store.get(root));
      expect(error.message).to.equal(
        `node ${chains[0]} of ${root} has 1 links before its parent's last: not a balanced tree`,
      );
      expect(store.calls).to.equal(2); // the root and the first node: refused before its chunk

      const honest = new CountingStore(1000, 8 * MiB);
      const cid = await honest.put(bytes);
      expect(equal(await honest.get(cid), bytes)).to.equal(true);
      expect(honest.calls).to.equal(5); // the root and the 4 chunks
    });

    it("R2: drops a client that reads nothing for its idle time, so four stalled pages lock nobody out; leaves no listener behind", async function () {
      const store = new MemoryBlobStore();
      const cid = await store.put(new Uint8Array(64 * MiB)); // zeros: one distinct chunk, 64 links to it
      const served = await serveGateway(store, { idleTimeout: 300 });
      const port = Number(new URL(served.url).port);
      const sockets: net.Socket[] = [];
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.name);
      process.on("warning", onWarning);
      try {
        for (let i = 0; i < 4; i++) {
          const socket = net.connect(port, "127.0.0.1");
          await new Promise((resolve) => socket.once("connect", resolve));
          socket.on("error", () => undefined);
          socket.write(`GET /ipfs/${cid} HTTP/1.1\r\nHost: gateway\r\n\r\n`);
          socket.once("data", () => socket.pause()); // reads the headers, then never another byte
          sockets.push(socket);
        }
        await settle(100);
        expect((await fetch(`${served.url}/ipfs/${cid}`, { method: "HEAD" })).status).to.equal(503);
        await settle(1_000);
        expect((await fetch(`${served.url}/ipfs/${cid}`, { method: "HEAD" })).status).to.equal(200);
        const whole = await fetch(`${served.url}/ipfs/${cid}`);
        expect((await whole.arrayBuffer()).byteLength).to.equal(64 * MiB);
        expect(warnings).to.not.include("MaxListenersExceededWarning");
      } finally {
        process.off("warning", onWarning);
        for (const socket of sockets) socket.destroy();
        await served.close();
      }
    });

    it("R4: says a document is over the limit without guessing its size, a broken-off body is an IpfsError, and no limit beyond an array's", async function () {
      const store = new MemoryBlobStore();
      const cid = await store.put(new Uint8Array(2000).fill(3)); // one raw block
      const served = await serveGateway(store);
      try {
        const error = await failure(() => new GatewayBlobStore({ url: served.url, maxSize: 1024 }).get(cid));
        expect(error).to.be.instanceOf(BlobTooLargeError);
        expect(error.message).to.equal("a blob of more than 1024 bytes is over this store's limit of 1024 bytes");
        expect((error as BlobTooLargeError).atLeast).to.equal(true);
      } finally {
        await served.close();
      }
      const broken = new GatewayBlobStore({
        url: "https://gateway.example",
        fetch: async () => {
          let sent = false;
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent) return controller.error(new TypeError("terminated"));
              sent = true;
              controller.enqueue(new Uint8Array(100));
            },
          });
          return new Response(body, { status: 200 });
        },
      });
      const cut = await failure(() => broken.get(cid));
      expect(cut).to.be.instanceOf(IpfsError);
      expect(cut.message).to.equal(`IPFS /ipfs/${cid}?format=raw: the answer broke off: terminated`);
      expect(() => new MemoryBlobStore({ maxSize: MAX_DOCUMENT_SIZE_LIMIT + 1 })).to.throw(
        TypeError,
        `maxSize must be an integer from 0 to ${MAX_DOCUMENT_SIZE_LIMIT}`,
      );
      // A root declaring 5 GiB to a reader that allows the most: refused by size, before anything is allocated.
      const reader = new CountingStore(10, MAX_DOCUMENT_SIZE_LIMIT);
      const missing = cidOf(RAW, Uint8Array.of(1));
      const root = await reader.add(DAG_PB, fileNode(Array(5).fill(missing), Array(5).fill(1024 * MiB)));
      expect(await failure(() => reader.get(root))).to.be.instanceOf(BlobTooLargeError);
    });

    it("times out a gateway that never answers", async function () {
      const silent = new GatewayBlobStore({
        url: "https://gateway.example",
        timeout: 200,
        fetch: (_input, init) =>
          new Promise<Response>((_resolve, reject) =>
            init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)),
          ),
      });
      const error = await failure(() => silent.get(largeCid));
      expect(error).to.be.instanceOf(IpfsError);
      expect(error.message).to.match(
        /^IPFS \/ipfs\/.*: cannot reach the gateway at https:\/\/gateway\.example: .*timeout/i,
      );
    });
  });

  describe("the gateway (how browsers read)", function () {
    it("serves blocks in the trustless form and whole documents, with CORS, and reads a document of several chunks block by block", async function () {
      const reader = new GatewayBlobStore({ url: `${gateway.url}/` });
      expect(equal(await reader.get(largeCid), large)).to.equal(true);
      expect(await reader.has(largeCid)).to.equal(true);

      const raw = await fetch(`${gateway.url}/ipfs/${largeCid}?format=raw`);
      expect(raw.status).to.equal(200);
      expect(raw.headers.get("content-type")).to.equal("application/vnd.ipld.raw");
      expect(raw.headers.get("access-control-allow-origin")).to.equal("*");
      const rootBlock = new Uint8Array(await raw.arrayBuffer());
      expect(rootBlock.length).to.be.lessThan(300); // the root holds links, not the document

      const whole = await fetch(`${gateway.url}/ipfs/${largeCid}`);
      expect(whole.status).to.equal(200);
      expect(equal(new Uint8Array(await whole.arrayBuffer()), large)).to.equal(true);

      const preflight = await fetch(`${gateway.url}/ipfs/${largeCid}`, { method: "OPTIONS" });
      expect(preflight.status).to.equal(204);
      expect((await fetch(`${gateway.url}/ipfs/not-a-cid`)).status).to.equal(400);
      expect((await fetch(`${gateway.url}/ipfs/${cidV1(new Uint8Array([9]))}`)).status).to.equal(404);
      expect((await fetch(`${gateway.url}/elsewhere`)).status).to.equal(404);
      expect((await fetch(`${gateway.url}/ipfs/${largeCid}`, { method: "POST" })).status).to.equal(405);
    });

    it("streams at most 4 documents at once (a fifth is told to come back), frees a slot when a client goes away, and refuses a document over its limit", async function () {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      class SlowStore extends MemoryBlobStore {
        override async getBlock(cid: string, maxBytes?: number) {
          await held;
          return super.getBlock(cid, maxBytes);
        }
      }
      const slow = new SlowStore({ maxSize: 2 * UNIXFS_CHUNK_SIZE });
      const cid = await slow.put(large.subarray(0, UNIXFS_CHUNK_SIZE + 10));
      // 2.5 MiB, over the store's 2 MiB: written block by block as another writer would, around the limit.
      const tooLarge = await importDocument(large, (id, block) => slow.putBlock(id, block));
      const served = await serveGateway(slow);
      try {
        const aborted = new AbortController();
        const first = fetch(`${served.url}/ipfs/${cid}`, { signal: aborted.signal }).catch((e: Error) => e);
        const others = [1, 2, 3].map(() => fetch(`${served.url}/ipfs/${cid}`));
        await settle(50);
        const busy = await fetch(`${served.url}/ipfs/${cid}`);
        expect(busy.status).to.equal(503);
        expect(busy.headers.get("retry-after")).to.equal("1");
        aborted.abort();
        expect(await first).to.be.instanceOf(Error);
        release();
        for (const response of await Promise.all(others)) {
          expect(response.status).to.equal(200);
          expect(Number(response.headers.get("content-length"))).to.equal(UNIXFS_CHUNK_SIZE + 10);
          expect(
            equal(new Uint8Array(await response.arrayBuffer()), large.subarray(0, UNIXFS_CHUNK_SIZE + 10)),
          ).to.equal(true);
        }
        await settle(50);
        expect((await fetch(`${served.url}/ipfs/${cid}`)).status).to.equal(200); // every slot free again
        // Blocks are not documents: a page may always fetch those (each at most one block's worth).
        expect((await fetch(`${served.url}/ipfs/${cid}?format=raw`, { method: "HEAD" })).status).to.equal(200);
        const refused = await fetch(`${served.url}/ipfs/${tooLarge}`);
        expect(refused.status).to.equal(413);
        expect(await refused.text()).to.equal(
          `a blob of ${large.length} bytes is over this store's limit of ${2 * UNIXFS_CHUNK_SIZE} bytes\n`,
        );
      } finally {
        release();
        await served.close();
      }
    });

    it("is read-only, and a missing document is BlobNotFoundError", async function () {
      const reader = new GatewayBlobStore({ url: gateway.url });
      const error = await failure(() => reader.put(new Uint8Array([1])));
      expect(error).to.be.instanceOf(ReadOnlyStoreError);
      const absent = cidV1(new Uint8Array([9]));
      expect(await reader.has(absent)).to.equal(false);
      expect(await failure(() => reader.get(absent))).to.be.instanceOf(BlobNotFoundError);
      expect(() => new GatewayBlobStore({ url: "127.0.0.1:8180" })).to.throw(TypeError);
    });

    it("refuses a gateway that alters any block: a leaf, or the root (a CID that does not match its bytes)", async function () {
      const leaf = cidV1(large.subarray(UNIXFS_CHUNK_SIZE, 2 * UNIXFS_CHUNK_SIZE));
      for (const target of [leaf, largeCid]) {
        const lying = new GatewayBlobStore({
          url: gateway.url,
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            if (!String(input).includes(target)) return response;
            const bytes = new Uint8Array(await response.arrayBuffer());
            bytes[bytes.length - 1] ^= 1;
            return new Response(bytes, { status: 200 });
          },
        });
        const error = await failure(() => lying.get(largeCid));
        expect(error).to.be.instanceOf(BlobIntegrityError);
        expect(error.message).to.equal(
          target === largeCid
            ? `the store returned bytes that do not hash to ${largeCid}`
            : `block ${leaf} of ${largeCid} does not hash to its CID`,
        );
      }
    });
  });

  describe("the encryption key, once per session", function () {
    function documentsFor(wallet: Wallet, refuseFirst = false) {
      let signatures = 0;
      let refuse = refuseFirst;
      const signer = {
        signMessage: async (message: string) => {
          signatures++;
          if (refuse) {
            refuse = false;
            throw new Error("user rejected the request");
          }
          return wallet.signMessage(message);
        },
      };
      const core = { signer, address: async () => wallet.address } as unknown as Core;
      const api = new DocumentsApi(core, undefined as never, undefined as never, {});
      return { api, signatures: () => signatures };
    }

    it("asks the wallet once, however many documents follow; again only after it is forgotten or refused", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      const { api, signatures } = documentsFor(wallet);
      const [first, second] = await Promise.all([api.encryptionKey(), api.encryptionKey()]);
      expect(await api.encryptionKey()).to.equal(first);
      expect(second).to.equal(first);
      expect(signatures()).to.equal(1);

      const privateKey = first.privateKey;
      await api.forgetEncryptionKey();
      expect(privateKey.every((byte) => byte === 0)).to.equal(true); // wiped
      const again = await api.encryptionKey();
      expect(signatures()).to.equal(2);
      expect(again.publicKey).to.equal(first.publicKey); // the same key: derived from the same signature

      const refusing = documentsFor(wallet, true);
      expect((await failure(() => refusing.api.encryptionKey())).message).to.equal("user rejected the request");
      expect((await refusing.api.encryptionKey()).publicKey).to.equal(first.publicKey);
      expect(refusing.signatures()).to.equal(2);
    });

    it("F4: fails a derivation that forgetEncryptionKey() overtakes, wiping its key, and asks the wallet again after", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      let signatures = 0;
      const signer = {
        signMessage: async (message: string) => {
          signatures++;
          await settle(20); // the patient reads the wallet's prompt
          return wallet.signMessage(message);
        },
      };
      // Like a real signer, the address takes a turn of the event loop (an RPC call, a wallet's answer).
      const core = { signer, address: () => settle(5).then(() => wallet.address) } as unknown as Core;
      const api = new DocumentsApi(core, undefined as never, undefined as never, {});
      const inFlight = api.encryptionKey(); // a background open() when the screen locks
      await api.forgetEncryptionKey();
      const error = await failure(() => inFlight);
      expect(error.message).to.equal("the encryption key was forgotten while the wallet was signing for it: ask again");
      await api.encryptionKey();
      expect(signatures).to.equal(1); // the overtaken one never reached the wallet; this one did

      await api.forgetEncryptionKey();
      const signing = api.encryptionKey(); // now overtaken while the wallet signs
      await settle(6);
      await api.forgetEncryptionKey();
      expect((await failure(() => signing)).message).to.match(/forgotten/);
      await api.encryptionKey();
      expect(signatures).to.equal(3);
    });

    it("R3: ends the session at once while the wallet's prompt is open, and wipes the keys of an account switched away from", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      let answer!: () => void;
      const prompt = new Promise<void>((resolve) => (answer = resolve));
      const waiting = new DocumentsApi(
        {
          signer: {
            signMessage: async (message: string) => {
              await prompt; // the patient has walked away from the wallet's prompt
              return wallet.signMessage(message);
            },
          },
          address: async () => wallet.address,
        } as unknown as Core,
        undefined as never,
        undefined as never,
        {},
      );
      const inFlight = waiting.encryptionKey();
      await settle(10);
      await waiting.forgetEncryptionKey(); // settles now, prompt still open
      expect((await failure(() => inFlight)).message).to.match(/forgotten/);
      answer();

      const a = new Wallet(Wallet.createRandom().privateKey);
      const b = new Wallet(Wallet.createRandom().privateKey);
      let current = a;
      const switching = new DocumentsApi(
        {
          signer: { signMessage: (message: string) => current.signMessage(message) },
          address: async () => current.address,
        } as unknown as Core,
        undefined as never,
        undefined as never,
        {},
      );
      const keyA = await switching.encryptionKey();
      current = b; // the patient switches accounts in the wallet
      const keyB = await switching.encryptionKey();
      expect(keyB.publicKey).to.not.equal(keyA.publicKey);
      expect(keyA.privateKey.every((byte) => byte === 0)).to.equal(true); // the switch ended A's session
      await switching.forgetEncryptionKey();
      expect(keyB.privateKey.every((byte) => byte === 0)).to.equal(true);
    });
  });
});
