/**
 * What `npm run app` starts beside the seeded local node: the document service (blocks, key shares, published keys),
 * the relayer that pays for patients' actions, and the web app's static files with the `config.json` that points
 * them at all of it. The seeded accounts publish their encryption keys, so a hospital finds its patients' at once.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { HDNodeWallet, Mnemonic } from "ethers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import {
  DocumentService,
  FileKeyShareStore,
  MIIP,
  serveDocumentService,
  startRelayer,
} from "../../packages/sdk/src/node";
import type { SeededNode } from "./seed";

/** The accounts the app's picker offers on the local node (public test keys), in this order. */
export const APP_ACCOUNTS: LocalAccountName[] = [
  "patientA",
  "patientB",
  "hospital",
  "pharmacy",
  "insurer",
  "emergencyHospital",
  "guardian",
  "stranger",
];

/** Where the built app is. */
export const APP_DIST = path.join(__dirname, "..", "..", "app", "dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".map": "application/json",
};

/** The running services, and how to stop them. */
export interface AppServices {
  appUrl: string;
  documentsUrl: string;
  relayerUrl: string;
  close(): Promise<void>;
}

/** Serves `dir` (the built app) and `config` as `/config.json`, read-only. */
export async function serveStatic(dir: string, config: unknown, port: number, host: string) {
  const root = path.resolve(dir);
  const configJson = JSON.stringify(config, null, 2);
  const server = http.createServer((req, res) => {
    let url: URL;
    let pathname: string;
    try {
      url = new URL(req.url ?? "/", "http://app");
      pathname = decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname);
    } catch {
      // "//" or a broken escape: refused, never thrown out of the listener (which would end the node).
      res.writeHead(400, { "Content-Type": "text/plain" }).end("bad request");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (url.pathname === "/config.json") {
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.end(configJson);
      return;
    }
    const file = path.resolve(root, `.${pathname}`);
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
      // Hashed asset names never change content; the page itself is always asked again.
      "Cache-Control": file.includes(`${path.sep}assets${path.sep}`)
        ? "public, max-age=31536000, immutable"
        : "no-cache",
      "Content-Security-Policy":
        "default-src 'self'; connect-src 'self' http://127.0.0.1:* http://localhost:*; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    });
    res.end(req.method === "HEAD" ? undefined : readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Listens on `port`, or on any free port when it is taken. */
async function withFallback<T>(port: number, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || port === 0) throw error;
    console.log(`  (port ${port} is taken: a free one is used)`);
    return start(0);
  }
}

/** The Hardhat test mnemonic's private key of account `index` (public: the node prints them all). */
function localKey(hre: HardhatRuntimeEnvironment, index: number): string {
  const accounts = hre.config.networks.hardhat.accounts as { mnemonic: string; path: string };
  const mnemonic = Mnemonic.fromPhrase(accounts.mnemonic);
  return HDNodeWallet.fromMnemonic(mnemonic, `${accounts.path}/${index}`).privateKey;
}

/** Starts the app's services for a seeded node reachable at `rpcUrl`. */
export async function startAppServices(
  hre: HardhatRuntimeEnvironment,
  seeded: SeededNode,
  options: { rpcUrl: string; appPort: number; documentsPort: number; relayerPort: number; host?: string },
): Promise<AppServices> {
  const host = options.host ?? "127.0.0.1";
  if (!existsSync(path.join(APP_DIST, "index.html"))) {
    throw new Error("the app is not built: run `npm run build -w @miip/app` (npm run app does it first)");
  }
  const signers = await hre.ethers.getSigners();
  const reader = await MIIP.connect(hre.ethers.provider, seeded.deployment);
  const documents = await withFallback(options.documentsPort, (port) =>
    serveDocumentService({
      blocks: seeded.ipfs,
      shares: new FileKeyShareStore(seeded.store),
      keysDir: path.join(seeded.store, "keys"),
      miip: reader,
      port,
      host,
    }),
  );
  const relayer = await withFallback(options.relayerPort, (port) =>
    startRelayer({ signer: signers[LOCAL_ACCOUNTS.relayer], deployment: seeded.deployment, port, host }),
  );
  // Every seeded patient and institution publishes its encryption key, as each would at its first sign-in.
  for (const name of APP_ACCOUNTS) {
    const signer = signers[LOCAL_ACCOUNTS[name]];
    const miip = reader.as(signer);
    const registered =
      (await miip.participants.memberOf(signer.address)) !== undefined ||
      (await miip.patients.idOf(signer.address)).patientId !== 0n;
    if (!registered) continue;
    const service = new DocumentService({ url: documents.url });
    await service.openSession(signer, (await miip.documents.encryptionKey()).publicKey);
  }
  const config = {
    chainId: seeded.deployment.chainId,
    rpcUrl: options.rpcUrl,
    deployment: seeded.deployment,
    documentsUrl: documents.url,
    relayerUrl: relayer.url,
    accounts: APP_ACCOUNTS.map((name) => ({
      name,
      address: signers[LOCAL_ACCOUNTS[name]].address,
      privateKey: localKey(hre, LOCAL_ACCOUNTS[name]),
    })),
  };
  const app = await withFallback(options.appPort, (port) => serveStatic(APP_DIST, config, port, host));
  return {
    appUrl: `http://${host}:${app.port}/`,
    documentsUrl: documents.url,
    relayerUrl: relayer.url,
    close: async () => {
      app.server.closeAllConnections();
      await new Promise<void>((resolve) => app.server.close(() => resolve()));
      await relayer.close();
      await documents.close();
    },
  };
}
