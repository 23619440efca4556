import { expect } from "chai";
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { HDNodeWallet, JsonRpcProvider, Mnemonic } from "ethers";
import hre from "hardhat";

import { isCoverageRun } from "../../tasks/compiler";
import { ROOT, type Run, freePort, runHardhat } from "../helpers/node";

/** The version of Foundry's node the test runs, from npm (as the invariant suites run forge). */
const ANVIL = "@foundry-rs/anvil@1.7.1";
/** anvil's and Hardhat's accounts come from the same test mnemonic; anvil starts with 10 of them. */
const MNEMONIC = "test test test test test test test test test test test junk";
const key = (index: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${index}`);

/** Starts anvil with Sepolia's chain id on `port`; resolves once it listens. */
async function startAnvil(port: number): Promise<ChildProcess> {
  const anvil = spawn("npx", ["--yes", ANVIL, "--port", String(port), "--chain-id", "11155111"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: npx starts anvil as a child, and stopping npx alone leaves anvil
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`anvil did not start:\n${output}`)), 120_000);
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    anvil.stdout!.on("data", watch);
    anvil.stderr!.on("data", watch);
    anvil.once("exit", (code) => reject(new Error(`anvil exited with ${code}:\n${output}`)));
  });
  return anvil;
}

/** Stops anvil and the npx that started it, and waits until the port is free again. */
async function stopAnvil(anvil: ChildProcess): Promise<void> {
  if (anvil.exitCode !== null) return;
  const exited = new Promise((resolve) => anvil.once("exit", resolve));
  process.kill(-anvil.pid!, "SIGTERM");
  await exited;
}

/**
 * The suite on a node nobody here wrote: anvil (Foundry's, from npm) with Sepolia's chain id and its default 10
 * accounts, deployed with sepolia.json by the deployment script and driven from the command line as on a public
 * network (`--network sepolia`, one key per role from Hardhat's configuration variables), and as a developer drives
 * a local node (`--network localhost`, the node's unlocked accounts, whose transactions anvil mines unchecked).
 */
describe("anvil: deployment, one key per role, refusals mined on chain, a node restarted", function () {
  this.timeout(600_000);
  let anvil: ChildProcess | undefined;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let url: string;
  let port: number;
  const roles = { registrar: 0, hospital: 4, patientA: 5, relayer: 6 } as const;

  const hardhat = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> =>
    runHardhat(args, { ...env, ...extra });
  const onSepolia = (...args: string[]) => hardhat([...args, "--network", "sepolia"]);
  const ok = (run: Run) => {
    expect(run.stderr.replace(/npm warn.*\n?/g, ""), run.stderr).to.equal("");
    expect(run.code, run.stdout).to.equal(0);
    return run.stdout;
  };
  const refused = (run: Run) => {
    expect(run.code, run.stdout).to.equal(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^error: /);
    return lines[0];
  };
  const deploy = (extra: NodeJS.ProcessEnv = {}) =>
    hardhat(["run", "scripts/deploy.ts", "--network", "sepolia"], extra);

  before(async function () {
    // Under solidity-coverage a node beside the instrumented process would measure nothing.
    if (isCoverageRun(hre)) this.skip();
    dir = mkdtempSync(path.join(os.tmpdir(), "miip-anvil-"));
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    anvil = await startAnvil(port);
    env = {
      ...process.env,
      SEPOLIA_RPC_URL: url,
      MIIP_LOCALHOST_URL: url,
      DEPLOYER_PRIVATE_KEY: key(0).privateKey,
      MIIP_GOVERNANCE_ADMIN: key(1).address,
      MIIP_GOVERNOR: key(2).address,
      MIIP_GUARDIAN: key(3).address,
      MIIP_DEPLOYMENTS: path.join(dir, "deployments"),
      MIIP_IGNITION: path.join(dir, "ignition"),
      MIIP_STORE: path.join(dir, "store"),
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
    };
    for (const [role, index] of Object.entries(roles)) {
      env[`HARDHAT_VAR_MIIP_SEPOLIA_${role.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}_KEY`] =
        key(index).privateKey;
    }
  });

  after(async function () {
    if (anvil) await stopAnvil(anvil);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("deploys sepolia.json and runs a hospital-to-patient flow, each party with its own key", async function () {
    expect(ok(await deploy())).to.match(/addresses and proofs written to/);
    const hospital = key(roles.hospital).address;
    expect(
      ok(
        await onSepolia(
          "institution:add",
          "--account",
          hospital,
          "--kind",
          "hospital",
          "--licence",
          "H-1",
          "--name",
          "Anvil Hospital",
        ),
      ),
    ).to.match(/^institution 1 onboarded: Anvil Hospital \(hospital\)/);
    // Sepolia's onboarding delay is 72 hours: anvil's clock moves on.
    const provider = new JsonRpcProvider(url);
    await provider.send("evm_increaseTime", [73 * 3600]);
    await provider.send("evm_mine", []);
    ok(await onSepolia("institution:activate", "--id", "1"));
    expect(ok(await onSepolia("patient:register", "--from", "patientA", "--gasless"))).to.match(
      new RegExp(`^patient 1 registered for ${key(roles.patientA).address}`),
    );
    const document = path.join(dir, "lab.txt");
    writeFileSync(document, "HbA1c 5.8 %");
    expect(
      ok(
        await onSepolia(
          "record:add",
          "--patient",
          "patientA",
          "--file",
          document,
          "--type",
          "lab",
          "--from",
          "hospital",
        ),
      ),
    ).to.match(/^record 1 registered for patient 1/);
    const out = path.join(dir, "opened.txt");
    ok(await onSepolia("record:open", "--record", "1", "--out", out, "--from", "patientA"));
    expect(readFileSync(out, "utf8")).to.equal("HbA1c 5.8 %");
    // A role with no key on this network is named with the variable to set.
    expect(
      refused(
        await onSepolia("record:add", "--patient", "1", "--file", document, "--type", "lab", "--from", "insurer"),
      ),
    ).to.equal(
      "error: --from insurer: sepolia has no key for insurer: set one with `npx hardhat vars set MIIP_SEPOLIA_INSURER_KEY`, or give --from an address this network holds a key for",
    );
    provider.destroy();
  });

  it("names, in one line, a refusal anvil mined, and the accounts a local name needs", async function () {
    // The same chain as a developer's local node: its deployment file, and anvil's unlocked accounts.
    cpSync(path.join(dir, "deployments", "sepolia"), path.join(dir, "deployments", "localhost"), { recursive: true });
    const local = (...args: string[]) => hardhat([...args, "--network", "localhost"]);
    expect(
      refused(await local("institution:suspend", "--institution", "1", "--reason", "test", "--from", "hospital")),
    ).to.equal(
      'error: --from hospital: localhost has 10 accounts and "hospital" is #10: start the node with at least 29 (npm run node has 30; anvil --accounts 30)',
    );
    // Account #7 is no registrar: anvil mines its suspension, which reverts; the SDK replays it to name why.
    const provider = new JsonRpcProvider(url);
    const stranger = key(7).address;
    const before = await provider.getBlockNumber();
    const line = refused(
      await local("institution:suspend", "--institution", "1", "--reason", "test", "--from", stranger),
    );
    expect(line).to.match(new RegExp(`^error: AccessManagedUnauthorized: ${stranger} `));
    const mined = [];
    for (let n = before + 1; n <= (await provider.getBlockNumber()); n++) {
      for (const hash of (await provider.getBlock(n))!.transactions)
        mined.push(await provider.getTransactionReceipt(hash));
    }
    expect(mined.map((r) => [r!.from, r!.status])).to.deep.equal([[stranger, 0]]);
    provider.destroy();
  });

  it("refuses a journal of a chain that is gone after anvil restarts; MIIP_RESET=1 starts a local one over, never a public one", async function () {
    // A rehearsal of sepolia.json on the local node, beside the Sepolia deployment of the first test: two journals.
    const local = (extra: NodeJS.ProcessEnv = {}) =>
      hardhat(["run", "scripts/deploy.ts", "--network", "localhost"], {
        MIIP_PARAMETERS: path.join(ROOT, "deploy", "parameters", "sepolia.json"),
        ...extra,
      });
    expect(ok(await local())).to.match(/addresses and proofs written to/);
    const journals = path.join(dir, "ignition", "deployments");
    expect(readdirSync(journals).sort()).to.deep.equal(["chain-11155111", "localhost-11155111"]);
    await stopAnvil(anvil!);
    anvil = await startAnvil(port);

    const publicRun = await deploy();
    expect(publicRun.code).to.equal(1);
    expect(publicRun.stderr.trim()).to.match(
      /^Ignition's journal .*chain-11155111 records .* at 0x[0-9a-fA-F]{40}, which this chain does not hold: check that sepolia's RPC URL points at sepolia; the journal of a public deployment is never reset for you$/,
    );
    const publicReset = await deploy({ MIIP_RESET: "1" });
    expect([publicReset.code, publicReset.stderr.trim()]).to.deep.equal([
      1,
      `MIIP_RESET=1 starts a local network's journal over; sepolia's journal ${path.join(journals, "chain-11155111")} records a public deployment and is never reset`,
    ]);
    const stale = await local();
    expect(stale.code).to.equal(1);
    expect(stale.stderr.trim()).to.match(
      /^Ignition's journal .*localhost-11155111 records .* at 0x[0-9a-fA-F]{40}, which this chain does not hold \(a local node restarted since\?\): rerun with MIIP_RESET=1 to start the journal over, or delete /,
    );
    expect(ok(await local({ MIIP_RESET: "1" }))).to.match(/addresses and proofs written to/);
    expect(readdirSync(journals).sort()).to.deep.equal(["chain-11155111", "localhost-11155111"]);
    expect(existsSync(path.join(journals, "chain-11155111", "journal.jsonl"))).to.equal(true);
  });
});
