import { expect } from "chai";

import hre from "hardhat";

import { HardhatError } from "hardhat/internal/core/errors";
import { ERRORS } from "hardhat/internal/core/errors-list";
import { makeError } from "ethers";

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { Wallet } from "ethers";

import { journalId, staleJournal } from "../../scripts/lib/deploy";
import { isWrapped, oneLine, roleKeyVariable, roleWallet, signerFor } from "../../tasks/cli";
import { isolatedCliFolders, runTask } from "../helpers/tasks";

/** Hardhat's and its plugins' own tasks: everything else on `npx hardhat` is MIIP's. */
const NOT_OURS = new Set([
  "check",
  "clean",
  "compile",
  "console",
  "coverage",
  "flatten",
  "gas-reporter:merge",
  "help",
  "hhgas:merge",
  "node",
  "run",
  "test",
  "typechain",
  "verify",
]);

const ours = () =>
  Object.entries(hre.tasks)
    .filter(([name, definition]) => !definition.isSubtask && !NOT_OURS.has(name))
    .map(([name, definition]) => ({ name, definition }));

describe("command line: every failure is one line", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders()));
  after(() => folders.restore());

  it("wraps every MIIP task's action, so none can print a stack trace", function () {
    const tasks = ours();
    expect(tasks.length).to.be.greaterThan(60);
    expect(tasks.filter((t) => !isWrapped(t.definition.action)).map((t) => t.name)).to.deep.equal([]);
  });

  it("answers every MIIP task run bare (no flags, no deployment) with exit code 1 and one `error:` line", async function () {
    for (const { name, definition } of ours()) {
      if (name === "miip:node" || name === "miip:app") continue; // run bare, they start a node
      const run = await runTask(name);
      expect(run.code, `${name}: ${run.stdout}`).to.equal(1);
      expect(run.stderr.trim().split("\n"), `${name}: ${run.stderr}`).to.have.length(1);
      expect(run.stderr, name).to.match(/^error: \S/);
      // The first thing missing is named: a required flag, or else the deployment.
      const required = Object.entries(definition.paramDefinitions)
        .filter(([, p]) => p.description?.startsWith("required:"))
        .map(([param]) => `--${param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      if (required.length > 0) expect(run.stderr, name).to.contain(required[0]);
      else expect(run.stderr, name).to.match(/no deployment at .*addresses\.json: start `npm run node`/);
    }
  });

  it("names every missing flag at once, and leaves the help text saying which are required", async function () {
    const run = await runTask("claim:bill", { from: "hospital" });
    expect(run).to.deep.include({ code: 1, stdout: "" });
    expect(run.stderr).to.equal("error: --programme, --records and --amount are required\n");
    const help = hre.tasks["claim:bill"].paramDefinitions;
    expect(help.amount.description).to.match(/^required: Amount billed/);
    expect(help.payTo.description).to.not.match(/^required:/);
  });

  it("says what to do about a node that is not running, an ethers failure and a bug, each on one line", async function () {
    const down = new HardhatError(ERRORS.NETWORK.NODE_IS_NOT_RUNNING, { network: "localhost" });
    expect(await oneLine(down, hre)).to.equal(
      "no node answers at hardhat: start one with `npm run node` (or choose another --network)",
    );
    const undecodable = makeError("could not decode result data", "BAD_DATA", { value: "0x" });
    expect(await oneLine(undecodable, hre)).to.equal("could not decode result data (BAD_DATA)");
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')\n    at somewhere");
    expect(await oneLine(bug, hre)).to.equal(
      "TypeError: Cannot read properties of undefined (reading 'id') (rerun with --show-stack-traces to see where it came from)",
    );
  });

  it("takes a role's key on a public network from its own configuration variable, and names the one to set", async function () {
    expect(roleKeyVariable("sepolia", "hospital")).to.equal("MIIP_SEPOLIA_HOSPITAL_KEY");
    expect(roleKeyVariable("op-sepolia", "emergencyHospital")).to.equal("MIIP_OP_SEPOLIA_EMERGENCY_HOSPITAL_KEY");
    const key = Wallet.createRandom();
    const held = new Map([["MIIP_SEPOLIA_HOSPITAL_KEY", key.privateKey]]);
    const source = { has: (n: string) => held.has(n), get: (n: string) => held.get(n)! };
    const wallet = roleWallet("sepolia", "hospital", hre.ethers.provider, source);
    expect(wallet.address).to.equal(key.address);
    expect(wallet.provider).to.equal(hre.ethers.provider);
    expect(() => roleWallet("sepolia", "insurer", hre.ethers.provider, source)).to.throw(
      "--from insurer: sepolia has no key for insurer: set one with `npx hardhat vars set MIIP_SEPOLIA_INSURER_KEY`, or give --from an address this network holds a key for",
    );
    held.set("MIIP_SEPOLIA_INSURER_KEY", "0x1234");
    expect(() => roleWallet("sepolia", "insurer", hre.ethers.provider, source)).to.throw(
      "MIIP_SEPOLIA_INSURER_KEY is not a private key (32 bytes of hex)",
    );
  });

  it("says how many accounts a node needs when it has too few for a named account (anvil starts with 10)", async function () {
    const signers = (await hre.ethers.getSigners()).slice(0, 10);
    const anvil = { network: { name: "localhost" }, ethers: { getSigners: async () => signers } } as never;
    expect(await signerFor(anvil, "registrar")).to.equal(signers[9]);
    await expect(signerFor(anvil, "hospital")).to.be.rejectedWith(
      '--from hospital: localhost has 10 accounts and "hospital" is #10: start the node with at least 29 (npm run node has 30; anvil --accounts 30)',
    );
  });

  it("refuses an Ignition journal of a chain that is gone (a node restarted), naming the fix", async function () {
    const journal = mkdtempSync(path.join(os.tmpdir(), "miip-journal-"));
    try {
      expect(await staleJournal(journal, hre.ethers.provider)).to.equal(undefined); // nothing deployed yet
      const token = await (await hre.ethers.getContractFactory("MockFeeToken")).deploy();
      const file = path.join(journal, "deployed_addresses.json");
      writeFileSync(file, JSON.stringify({ "IST#INSSETToken": await token.getAddress() }));
      expect(await staleJournal(journal, hre.ethers.provider)).to.equal(undefined);
      const gone = Wallet.createRandom().address;
      writeFileSync(file, JSON.stringify({ "IST#INSSETToken": await token.getAddress(), "MIIP#manager": gone }));
      expect(await staleJournal(journal, hre.ethers.provider)).to.equal(
        `Ignition's journal ${journal} records MIIP#manager at ${gone}, which this chain does not hold (a local node restarted since?): rerun with MIIP_RESET=1 to start the journal over, or delete ${journal}`,
      );
      // A public chain does not restart: the advice there is to check the RPC URL, never to reset.
      expect(await staleJournal(journal, hre.ethers.provider, "op-sepolia")).to.equal(
        `Ignition's journal ${journal} records MIIP#manager at ${gone}, which this chain does not hold: check that op-sepolia's RPC URL points at op-sepolia; the journal of a public deployment is never reset for you`,
      );
    } finally {
      rmSync(journal, { recursive: true, force: true });
    }
  });

  it("keeps a rehearsal's journal apart from the public deployment's, even at the same chain id", function () {
    expect(journalId("sepolia", 11155111)).to.equal("chain-11155111"); // what `hardhat ignition verify` reads
    expect(journalId("arbitrum-sepolia", 421614)).to.equal("chain-421614");
    expect(journalId("localhost", 11155111)).to.equal("localhost-11155111"); // MIIP_CHAIN_ID=11155111
    expect(journalId("localhost", 31337)).to.equal("localhost-31337");
  });

  it("lets the error through to Hardhat, with its stack, under --show-stack-traces or --verbose", async function () {
    for (const flag of ["showStackTraces", "verbose"] as const) {
      const saved = hre.hardhatArguments[flag];
      hre.hardhatArguments[flag] = true;
      try {
        await expect(runTask("record:list", { patient: "1" })).to.be.rejectedWith(/no deployment at .*addresses\.json/);
      } finally {
        hre.hardhatArguments[flag] = saved;
      }
    }
    expect((await runTask("record:list", { patient: "1" })).code).to.equal(1); // and one line again without them
  });
});
