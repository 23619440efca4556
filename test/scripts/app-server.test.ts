import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import { serveStatic } from "../../scripts/lib/app-server";

/**
 * The app's static server (what `npm run app` serves the built app with): only the built files and config.json,
 * nothing outside the folder, hashed assets cached for good, a Content-Security-Policy without inline scripts, and a
 * request line that is not a path answered with 400 (it runs in the node's process: a throw would end the chain).
 */
describe("The web app's static server", function () {
  let dir: string;
  let server: Server;
  let url: string;

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "miip-app-dist-"));
    mkdirSync(path.join(dir, "assets"));
    writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>MIIP</title>");
    writeFileSync(path.join(dir, "assets", "index-abc.js"), "export {};");
    writeFileSync(path.join(os.tmpdir(), "miip-outside.txt"), "secret");
    const started = await serveStatic(dir, { chainId: 31337 }, 0, "127.0.0.1");
    server = started.server;
    url = `http://127.0.0.1:${started.port}`;
  });

  after(function () {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(os.tmpdir(), "miip-outside.txt"), { force: true });
  });

  /** The status line of a raw request, sent as written (fetch would normalise the path first). */
  function raw(target: string, method = "GET"): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(new URL(url).port), "127.0.0.1", () =>
        socket.write(`${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk.toString()));
      socket.on("end", () => resolve(answer.split("\r\n")[0]));
      socket.on("error", reject);
    });
  }

  it("serves the app and its config, with a CSP and caching that fit each", async function () {
    const page = await fetch(`${url}/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get("content-security-policy")).to.match(/default-src 'self'/);
    expect(page.headers.get("content-security-policy")).to.not.match(/unsafe-inline|unsafe-eval/);
    expect(page.headers.get("cache-control")).to.equal("no-cache");
    const asset = await fetch(`${url}/assets/index-abc.js`);
    expect(asset.headers.get("content-type")).to.match(/^text\/javascript/);
    expect(asset.headers.get("cache-control")).to.match(/immutable/);
    const config = await fetch(`${url}/config.json`);
    expect(await config.json()).to.deep.equal({ chainId: 31337 });
    expect(config.headers.get("cache-control")).to.equal("no-store");
    expect(config.headers.get("access-control-allow-origin")).to.equal(null);
  });

  it("serves nothing outside its folder, refuses writes, and answers a broken path with 400, then goes on", async function () {
    expect(await raw("/../miip-outside.txt")).to.equal("HTTP/1.1 404 Not Found");
    expect(await raw("/%2e%2e/miip-outside.txt")).to.equal("HTTP/1.1 404 Not Found");
    expect(await raw("/assets")).to.equal("HTTP/1.1 404 Not Found");
    expect(await raw("/index.html", "POST")).to.equal("HTTP/1.1 405 Method Not Allowed");
    expect(await raw("//")).to.equal("HTTP/1.1 400 Bad Request");
    expect(await raw("/%E0%A4%A")).to.equal("HTTP/1.1 400 Bad Request");
    expect((await fetch(`${url}/index.html`)).status).to.equal(200);
  });
});
