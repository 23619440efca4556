import { expect } from "chai";
import path from "node:path";
import { webcrypto } from "node:crypto";
import vm from "node:vm";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

/**
 * The SDK's core must bundle for the browser: no Node module anywhere in its import graph. esbuild, targeting
 * the browser platform, refuses to resolve `fs`, `path` or `crypto`; the bundle then runs in a bare V8 context
 * with only what a browser offers (no `require`, `process` or `Buffer`), and does real work there.
 */
describe("SDK in the browser", function () {
  this.timeout(120_000);

  it("bundles for the browser platform and works without Node's globals", async function () {
    const result = await build({
      entryPoints: [path.join(__dirname, "..", "..", "packages", "sdk", "src", "index.ts")],
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "MIIPSDK",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((file) => file.startsWith("packages/sdk/src/node") || /(^|\/)node:/.test(file))).to.deep.equal(
      [],
    );
    expect(inputs.some((file) => file.startsWith("packages/sdk/src/crypto/"))).to.equal(true);
    const code = result.outputFiles[0].text;

    const context = vm.createContext({
      crypto: webcrypto,
      TextEncoder,
      TextDecoder,
      URL,
      console,
      setTimeout,
      clearTimeout,
    });
    // A browser's global object is `self` (and `window`): ethers' browser crypto, which signing with a prescription's
    // key needs for its deterministic nonces, finds `crypto` through it.
    context.self = context;
    vm.runInContext(code, context);
    const check = vm.runInContext(
      `(() => {
        const sdk = MIIPSDK;
        const text = new TextEncoder().encode("hello world");
        const cid = sdk.cidV1(text);
        const { ciphertext, key } = sdk.encryptDocument(text);
        const back = new TextDecoder().decode(sdk.decryptDocument(ciphertext, key));
        const grantee = sdk.generateEncryptionKey();
        const context = new TextEncoder().encode("record 1");
        const wrapped = sdk.wrapKey(key, grantee.publicKey, context);
        const unwrapped = sdk.unwrapKey(wrapped, grantee.privateKey, context);
        const error = sdk.decodeRevertData("0xcda384ba" + "0".repeat(63) + "7");
        return { cid, back, same: unwrapped.every((b, i) => b === key[i]), error: error && String(error), hasProcess: typeof process, hasRequire: typeof require };
      })()`,
      context,
    );
    expect(check.cid).to.equal("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
    expect(check.back).to.equal("hello world");
    expect(check.same).to.equal(true);
    expect(check.hasProcess).to.equal("undefined");
    expect(check.hasRequire).to.equal("undefined");
    expect(check.error).to.match(/^RecordsUnknownRecord: there is no record 7$/);
  });

  it("keeps the browser entry within its budget: at most 53 kB gzipped, ethers aside", async function () {
    // What a dApp's bundler adds for `@miip/sdk`: minified, ethers external (the dApp has it already). The ABIs
    // are the compact human-readable ones; the stores, the Node helpers and the Merkle tree are other entries.
    const result = await build({
      entryPoints: [path.join(__dirname, "..", "..", "packages", "sdk", "src", "index.ts")],
      bundle: true,
      minify: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      external: ["ethers"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const gzipped = gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((file) => /merkle-tree|\/storage\/|\/node\//.test(file))).to.deep.equal([]);
    // 40 kB through issue 18; the research market, invoices and de-identification (issue 19) measured 45.0 kB.
    expect(gzipped, `${gzipped} bytes gzipped`).to.be.at.most(53_000);
  });
});
