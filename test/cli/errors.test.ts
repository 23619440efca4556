import { expect } from "chai";

import hre from "hardhat";

import { HardhatError } from "hardhat/internal/core/errors";
import { ERRORS } from "hardhat/internal/core/errors-list";
import { makeError } from "ethers";

import { isWrapped, oneLine } from "../../tasks/cli";
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
      if (name === "miip:node") continue; // run bare, it starts a node
      const run = await runTask(name);
      expect(run.code, `${name}: ${run.stdout}`).to.equal(1);
      expect(run.stderr.split("\n"), `${name}: ${run.stderr}`).to.have.length(1);
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
    expect(run.stderr).to.equal("error: --programme, --records and --amount are required");
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
});
