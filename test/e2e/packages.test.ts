import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { HDNodeWallet } from "ethers";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import { ROOT, freePort, startNode } from "../helpers/node";

const MNEMONIC = "test test test test test test test test test test test junk";
const keyOf = (index: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);

/** Runs a command; a failure shows what it printed. */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}

/** The root's exact version of a dependency, so the scratch project installs what the repository tested. */
function versionOf(name: string): string {
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
  return lock.packages[`node_modules/${name}`].version;
}

/** The dApp a developer writes after `npm i @miip/sdk ethers viem`: typed, ES modules, against a running node. */
function dapp(url: string, deploymentFile: string, strangerKey: string, hospital: string): string {
  return `import { JsonRpcProvider, Wallet } from "ethers";
import { MIIP, isMIIPError } from "@miip/sdk";
import { loadDeployment } from "@miip/sdk/node";
import { MemoryBlobStore, MemoryKeyShareStore, unixfsCid } from "@miip/sdk/storage";
import { buildSerialTree } from "@miip/sdk/serials";
import { CONSENT_TYPES, MIIPDeploymentError, deploymentFor, participantRegistryAbi, suiteErrorsAbi } from "@miip/contracts";
import { createPublicClient, decodeErrorResult, getAddress, http, type Hex } from "viem";

const url = ${JSON.stringify(url)};
const provider = new JsonRpcProvider(url);
const deployment = loadDeployment(${JSON.stringify(deploymentFile)});
const stranger = new Wallet(${JSON.stringify(strangerKey)}, provider);
const miip = await MIIP.connect(stranger, deployment, { store: new MemoryBlobStore(), shares: new MemoryKeyShareStore() });
const out: Record<string, unknown> = {};

const page = await miip.participants.list({ limit: 2 });
out.institutions = page.total;
out.first = page.entries[0].name;

// viem, with the package's ABI: the result is typed from it (member.id is a number).
const client = createPublicClient({ transport: http(url) });
const member = await client.readContract({
  address: getAddress(deployment.ParticipantRegistry),
  abi: participantRegistryAbi,
  functionName: "memberOf",
  args: [getAddress(${JSON.stringify(hospital)})],
});
const hospitalId: number = member.id;
out.hospitalId = hospitalId;

// A refusal raised by the directory inside the registry's call: the SDK names it, and so does viem with the
// package's one ABI of every suite error.
try {
  await miip.records.register({ patientId: 1, digest: "0x" + "11".repeat(32), recordType: "lab-result", uri: "ipfs://x" });
} catch (error) {
  out.refusal = isMIIPError(error) ? error.name : String(error);
  const data = (error as { data?: string }).data;
  if (data) out.viemRefusal = decodeErrorResult({ abi: suiteErrorsAbi, data: data as Hex }).errorName;
}
try {
  deploymentFor(1);
} catch (error) {
  out.noDeployment = error instanceof MIIPDeploymentError ? error.message : String(error);
}
out.consentFields = CONSENT_TYPES.Consent.length;
out.serialRoot = buildSerialTree(["A", "B"]).root;
// Documents as UnixFS files: 1.5 MiB is two chunks under a dag-pb root, round-tripped block by block.
const blobs = new MemoryBlobStore();
const scan = new Uint8Array(1_572_864).fill(7);
const cid = await blobs.put(scan);
out.unixfs = cid === (await unixfsCid(scan)) && (await blobs.get(cid)).length === scan.length ? cid : "mismatch";
console.log(JSON.stringify(out));
`;
}

/**
 * The two packages as npm installs them: built, packed with `npm pack`, installed from the tarballs into a project
 * outside the repository (no workspace, no compiler, no typechain-types), type-checked there with TypeScript's
 * strictest module resolution (nodenext), and run, as ES module and as CommonJS, against a seeded node.
 */
describe("@miip/contracts and @miip/sdk, packed and installed outside the repository", function () {
  this.timeout(600_000);
  let node: ChildProcess;
  let dir: string;
  let url: string;

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "miip-packages-"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      MIIP_DEPLOYMENTS: path.join(dir, "deployments"),
      MIIP_STORE: path.join(dir, "store"),
      MIIP_IGNITION: path.join(dir, "ignition"),
      MIIP_LOCALHOST_URL: url,
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
    };
    node = (await startNode(["miip:node", "--port", String(port)], env, "MIIP node ready")).node;
  });

  after(function () {
    node?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs from the tarballs, type-checks and runs a dApp, with ethers and with viem", function () {
    run("npm", ["run", "build:packages"], ROOT);
    const tarballs = path.join(dir, "tarballs");
    mkdirSync(tarballs);
    const packed = JSON.parse(
      run(
        "npm",
        [
          "pack",
          "--json",
          "--workspace",
          "@miip/contracts",
          "--workspace",
          "@miip/sdk",
          "--pack-destination",
          tarballs,
        ],
        ROOT,
      ),
    ) as { name: string; filename: string; files: { path: string }[] }[];
    const byName = Object.fromEntries(packed.map((p) => [p.name, p]));
    // What ships: the built files and the ABIs, no source, no bytecode.
    const sdkFiles = byName["@miip/sdk"].files.map((f) => f.path);
    expect(sdkFiles).to.include.members([
      "dist/index.mjs",
      "dist/index.cjs",
      "dist/types/esm/index.d.ts",
      "dist/types/cjs/index.d.ts",
      "package.json",
    ]);
    expect(sdkFiles.filter((f) => f.startsWith("src/"))).to.deep.equal([]);
    const contractsFiles = byName["@miip/contracts"].files.map((f) => f.path);
    expect(contractsFiles).to.include.members([
      "dist/index.mjs",
      "dist/index.d.ts",
      "dist/index.d.mts",
      "abi/SupplyChain.json",
    ]);
    for (const name of ["@miip/sdk", "@miip/contracts"]) {
      const tarball = readFileSync(path.join(tarballs, byName[name].filename));
      expect(tarball.includes(Buffer.from('"bytecode"')), `${name} carries bytecode`).to.equal(false);
    }

    const app = path.join(dir, "app");
    mkdirSync(path.join(app, "src"), { recursive: true });
    writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify({
        name: "miip-scratch-dapp",
        private: true,
        type: "module",
        dependencies: {
          "@miip/contracts": `file:${path.join(tarballs, byName["@miip/contracts"].filename)}`,
          "@miip/sdk": `file:${path.join(tarballs, byName["@miip/sdk"].filename)}`,
          ethers: versionOf("ethers"),
          viem: versionOf("viem"),
        },
      }),
    );
    writeFileSync(
      path.join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["es2022", "dom"],
          strict: true,
          skipLibCheck: false,
          outDir: "out",
          types: [],
        },
        include: ["src"],
      }),
    );
    const deploymentFile = path.join(dir, "deployments", "localhost", "addresses.json");
    const hospital = keyOf(LOCAL_ACCOUNTS.hospital).address;
    writeFileSync(
      path.join(app, "src", "app.ts"),
      dapp(url, deploymentFile, keyOf(LOCAL_ACCOUNTS.stranger).privateKey, hospital),
    );
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], app);

    // Type-checked (and compiled) outside the repository, as the dApp's own build would.
    run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", app], app);
    const esm = JSON.parse(run(process.execPath, [path.join(app, "out", "app.js")], app));
    expect(esm.institutions).to.equal(9);
    expect(esm.first).to.equal("Seoul General Hospital");
    expect(esm.hospitalId).to.equal(1);
    expect(esm.refusal).to.match(/^Participants/);
    expect(esm.viemRefusal).to.equal(esm.refusal);
    expect(esm.noDeployment).to.match(/^no MIIP deployment on chain 1 in @miip\/contracts/);
    expect(esm.consentFields).to.equal(8);
    expect(esm.serialRoot).to.match(/^0x[0-9a-f]{64}$/);
    expect(esm.unixfs).to.match(/^bafybei[a-z2-7]+$/);

    // CommonJS: the same classes through every entry point.
    const cjs = run(
      process.execPath,
      [
        "-e",
        `const sdk = require("@miip/sdk"); const node = require("@miip/sdk/node"); const storage = require("@miip/sdk/storage");
         const contracts = require("@miip/contracts");
         storage.unixfsCid(new Uint8Array(1572864).fill(7)).then((cid) =>
         console.log(JSON.stringify({ same: node.MIIPError === sdk.MIIPError && node.MemoryBlobStore === storage.MemoryBlobStore,
           errors: contracts.suiteErrorsAbi.length, decoded: String(sdk.decodeRevertData("0xcda384ba" + "0".repeat(63) + "7")),
           helia: typeof node.HeliaBlobStore.open, cid,
           relayer: require("@miip/sdk/relayer").HttpRelayer === node.HttpRelayer && typeof node.startRelayer })));`,
      ],
      app,
    );
    // The ES-module-only IPFS libraries load under CommonJS too (Node >= 20.19), with the same CID.
    expect(JSON.parse(cjs)).to.deep.include({
      same: true,
      decoded: "RecordsUnknownRecord: there is no record 7",
      helia: "function",
      cid: esm.unixfs,
      relayer: "function",
    });
  });
});
