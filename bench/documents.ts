/**
 * A document of imaging size through the SDK's document path: encrypted (XChaCha20-Poly1305), cut into UnixFS
 * chunks and stored in the embedded IPFS node (Helia, blocks on disk), then read back block by block, each block
 * checked against its CID, and decrypted. Reports the time of each step and the process's memory: its resident
 * size before (the document already in memory), and its peak (the operating system's high-water mark). `npm run
 * bench` runs it in a process of its own, so that the peak is the document's, not the gas measurements'.
 *
 *   npx ts-node --transpile-only bench/documents.ts 200
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { sha256Hex } from "../packages/sdk/src/crypto/cid";
import { decryptDocument, encryptDocument } from "../packages/sdk/src/crypto/cipher";
import { HeliaBlobStore } from "../packages/sdk/src/node/ipfs";
import { UNIXFS_CHUNK_SIZE } from "../packages/sdk/src/storage";

export interface DocumentBench {
  megabytes: number;
  chunks: number;
  encryptMs: number;
  storeMs: number;
  readMs: number;
  decryptMs: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 1e6);

/** Stores and opens a document of `megabytes` MB (10^6 bytes) of pseudo-random bytes. */
export async function benchDocument(megabytes: number): Promise<DocumentBench> {
  const size = megabytes * 1_000_000;
  const document = new Uint8Array(size);
  for (let i = 0, x = 88172645; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    document[i] = x & 0xff;
    document[i + 1] = (x >>> 8) & 0xff;
    document[i + 2] = (x >>> 16) & 0xff;
    document[i + 3] = (x >>> 24) & 0xff;
  }
  const rssBefore = process.memoryUsage().rss;
  const folder = mkdtempSync(path.join(os.tmpdir(), "miip-bench-"));
  const store = await HeliaBlobStore.open(folder, { maxSize: size + 1024 });
  try {
    let started = performance.now();
    const { ciphertext, key } = encryptDocument(document);
    const encryptMs = performance.now() - started;
    started = performance.now();
    const cid = await store.put(ciphertext);
    const storeMs = performance.now() - started;
    started = performance.now();
    const read = await store.get(cid);
    const readMs = performance.now() - started;
    if (sha256Hex(read) !== sha256Hex(ciphertext)) throw new Error("the document read back differs");
    started = performance.now();
    const opened = decryptDocument(read, key);
    const decryptMs = performance.now() - started;
    if (opened.length !== size) throw new Error("the document decrypted to another size");
    return {
      megabytes,
      chunks: Math.ceil(ciphertext.length / UNIXFS_CHUNK_SIZE),
      encryptMs: Math.round(encryptMs),
      storeMs: Math.round(storeMs),
      readMs: Math.round(readMs),
      decryptMs: Math.round(decryptMs),
      rssBeforeMb: mb(rssBefore),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1000),
    };
  } finally {
    await store.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchDocument(Number(process.argv[2] ?? 200)).then(
    (result) => console.log(JSON.stringify(result)),
    (error: Error) => {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
