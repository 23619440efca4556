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
import { BlobNotFoundError } from "../storage/errors.ts";
import type { UnixfsBlobStore } from "../storage/blobs.ts";

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

/** Serves `store`'s blocks and documents over HTTP on `host:port` (port 0: any free port). */
export async function serveGateway(
  store: UnixfsBlobStore,
  options: { port?: number; host?: string } = {},
): Promise<Gateway> {
  const host = options.host ?? "127.0.0.1";
  const server = http.createServer((req, res) => {
    void answer(store, req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { ...CORS, "Content-Type": "text/plain" });
      res.end(`error: ${error.message}\n`);
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

function send(res: http.ServerResponse, status: number, body: string | Uint8Array, type: string, head: boolean) {
  res.writeHead(status, { ...CORS, "Content-Type": type, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(head ? undefined : body);
}

async function answer(store: UnixfsBlobStore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
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
    const block = await store.getBlock(cid);
    if (!block) return send(res, 404, `no block ${cid} here\n`, "text/plain", head);
    res.setHeader("X-Ipfs-Path", `/ipfs/${cid}`);
    res.setHeader("Cache-Control", "public, max-age=29030400, immutable");
    return send(res, 200, block, "application/vnd.ipld.raw", head);
  }
  try {
    const document = await store.get(cid);
    res.setHeader("X-Ipfs-Path", `/ipfs/${cid}`);
    return send(res, 200, document, "application/octet-stream", head);
  } catch (error) {
    if (error instanceof BlobNotFoundError) return send(res, 404, `${error.message}\n`, "text/plain", head);
    throw error;
  }
}
