/**
 * An IPFS HTTP gateway for a block store (Node only): how browsers and other processes read the embedded node's
 * documents. It answers the trustless gateway's block requests (`GET /ipfs/<cid>?format=raw` or
 * `Accept: application/vnd.ipld.raw`), which `GatewayBlobStore` uses and checks block by block, and, for people and
 * tools, a whole document (`GET /ipfs/<cid>`, read through the same checks). Read-only, with CORS open to any page:
 * what it serves is ciphertext, addressed by its hash. Bind it to 127.0.0.1 (the default) unless it should be
 * reachable from other machines.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

import { CidError, parseCid } from "../crypto/cid.ts";
import type { UnixfsBlobStore } from "../storage/blobs.ts";
import { BlobNotFoundError, BlobTooLargeError } from "../storage/errors.ts";
import { MAX_BLOCK_SIZE, openDocument } from "../storage/unixfs.ts";

/** A running gateway: its base URL, and how to stop it. */
export interface Gateway {
  url: string;
  close(): Promise<void>;
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
  "Access-Control-Allow-Headers": "Accept",
  "Access-Control-Expose-Headers": "Content-Length, X-Ipfs-Path",
};

/** How many whole documents the gateway streams at once; more wait for none: they are told to come back (503). */
export const GATEWAY_DOCUMENT_STREAMS = 4;

/**
 * Serves `store`'s blocks and documents over HTTP on `host:port` (port 0: any free port). A whole document is
 * streamed chunk by chunk (never held whole), at most `GATEWAY_DOCUMENT_STREAMS` at a time, and no larger than the
 * store's `maxSize`: a page that asks for many at once cannot exhaust the node's memory.
 */
export async function serveGateway(
  store: UnixfsBlobStore,
  options: {
    port?: number;
    host?: string;
    /**
     * How long a client may read nothing of a document before the gateway drops it, freeing its slot, in
     * milliseconds: 10 seconds by default (a page that opens documents and never reads them).
     */
    idleTimeout?: number;
  } = {},
): Promise<Gateway> {
  const host = options.host ?? "127.0.0.1";
  const idleTimeout = options.idleTimeout ?? 10_000;
  const streams = { open: 0 };
  const server = http.createServer((req, res) => {
    void answer(store, req, res, streams, idleTimeout).catch((error: Error) => {
      if (!res.headersSent) {
        res.writeHead(500, { ...CORS, "Content-Type": "text/plain" });
        res.end(`error: ${error.message}\n`);
      } else {
        res.destroy(error); // mid-stream: the client sees a cut body, never a wrong one
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits until `res` can take more, or is closed; leaves no listener behind. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function send(res: http.ServerResponse, status: number, body: string | Uint8Array, type: string, head: boolean) {
  res.writeHead(status, { ...CORS, "Content-Type": type, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(head ? undefined : body);
}

async function answer(
  store: UnixfsBlobStore,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  streams: { open: number },
  idleTimeout: number,
): Promise<void> {
  if (req.method === "OPTIONS") {
    res.writeHead(204, CORS);
    return void res.end();
  }
  const head = req.method === "HEAD";
  if (req.method !== "GET" && !head) return send(res, 405, "only GET and HEAD\n", "text/plain", head);
  const url = new URL(req.url ?? "/", "http://gateway");
  const match = /^\/ipfs\/([^/]+)\/?$/.exec(url.pathname);
  if (!match) return send(res, 404, "not found: ask for /ipfs/<cid>\n", "text/plain", head);
  const cid = match[1];
  try {
    parseCid(cid);
  } catch (error) {
    if (error instanceof CidError) return send(res, 400, `${error.message}\n`, "text/plain", head);
    throw error;
  }
  const raw =
    url.searchParams.get("format") === "raw" || (req.headers.accept ?? "").includes("application/vnd.ipld.raw");
  if (raw) {
    const block = await store.getBlock(cid, MAX_BLOCK_SIZE);
    if (!block) return send(res, 404, `no block ${cid} here\n`, "text/plain", head);
    if (block.length > MAX_BLOCK_SIZE) {
      // No document has such a block: whoever stored it, the gateway does not hand it to readers.
      return send(res, 413, `block ${cid} is over ${MAX_BLOCK_SIZE} bytes\n`, "text/plain", head);
    }
    res.setHeader("X-Ipfs-Path", `/ipfs/${cid}`);
    res.setHeader("Cache-Control", "public, max-age=29030400, immutable");
    return send(res, 200, block, "application/vnd.ipld.raw", head);
  }
  if (streams.open >= GATEWAY_DOCUMENT_STREAMS) {
    res.setHeader("Retry-After", "1");
    return send(
      res,
      503,
      "busy: too many documents streaming; ask again, or ask for blocks (?format=raw)\n",
      "text/plain",
      head,
    );
  }
  streams.open++;
  try {
    const { size, chunks } = await openDocument(cid, (id, maxBytes) => store.getBlock(id, maxBytes), store.maxSize);
    res.writeHead(200, {
      ...CORS,
      "Content-Type": "application/octet-stream",
      "Content-Length": String(size),
      "X-Ipfs-Path": `/ipfs/${cid}`,
    });
    if (head) return void res.end();
    // A client that reads nothing for idleTimeout is dropped: its slot is freed, whatever it does next.
    res.setTimeout(idleTimeout, () => res.destroy());
    for await (const chunk of chunks) {
      if (res.destroyed) return; // the client went away: stop fetching
      if (!res.write(chunk)) await drained(res);
    }
    res.end();
  } catch (error) {
    if (res.headersSent) throw error;
    if (error instanceof BlobNotFoundError) return send(res, 404, `${error.message}\n`, "text/plain", head);
    if (error instanceof BlobTooLargeError) return send(res, 413, `${error.message}\n`, "text/plain", head);
    throw error;
  } finally {
    streams.open--;
  }
}
