import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";

import { isCoverageRun } from "../../tasks/compiler";
import { ROOT, type Run, freePort, runHardhat, startNode } from "../helpers/node";

/**
 * The command line as a person uses it: `npm run node` in one terminal, `npx hardhat <task> --network
 * localhost` in another. The node and the tasks share temporary folders for the deployment file, the
 * encrypted documents and Ignition's journal, so nothing in the working copy is touched.
 */
describe("command line: a seeded node, the tasks and the deployment script", function () {
  this.timeout(240_000);
  let node: ChildProcess;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let output = "";

  const hardhat = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> =>
    runHardhat(args, { ...env, ...extraEnv });
  const task = (...args: string[]) => hardhat([...args, "--network", "localhost"]);
  const ok = async (...args: string[]) => {
    const run = await task(...args);
    expect(run.stderr.replace(/npm warn.*\n?/g, ""), `${args.join(" ")}: ${run.stderr}`).to.equal("");
    expect(run.code, run.stdout).to.equal(0);
    return run.stdout;
  };
  /** A refusal: exit code 1 and exactly one line on stderr, no stack trace. */
  const fails = async (...args: string[]) => {
    const run = await task(...args);
    expect(run.code, run.stdout).to.equal(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^error: /);
    return lines[0];
  };

  before(async function () {
    // Under solidity-coverage the contracts are instrumented in this process only; a node started beside it
    // would compile its own artifacts and measure nothing, so the command line is tested by `npm test`.
    if (isCoverageRun(hre)) this.skip();
    dir = mkdtempSync(path.join(os.tmpdir(), "miip-cli-"));
    const port = await freePort();
    env = {
      ...process.env,
      MIIP_DEPLOYMENTS: path.join(dir, "deployments"),
      MIIP_STORE: path.join(dir, "store"),
      MIIP_IGNITION: path.join(dir, "ignition"),
      MIIP_LOCALHOST_URL: `http://127.0.0.1:${port}`,
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
    };
    const started = await startNode(["miip:node", "--port", String(port)], env, "MIIP node ready");
    node = started.node;
    output = started.output();
  });

  after(function () {
    node?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("starts seeded: deployment file, named accounts, institutions, encrypted records", async function () {
    const deployment = JSON.parse(readFileSync(path.join(dir, "deployments", "localhost", "addresses.json"), "utf8"));
    expect(deployment.chainId).to.equal(31337);
    expect(output).to.include("MIIP suite deployed and seeded");
    expect(output).to.match(/hospital\s+#10\s+0x[0-9a-fA-F]{40}\s+institution 1, hospital/);
    expect(await ok("deployment:show")).to.include(`RecordRegistry       ${deployment.RecordRegistry}`);
    const institutions = await ok("institution:list");
    expect(institutions).to.include("9 institutions");
    expect(institutions).to.include("Seoul General Hospital");
    const records = await ok("record:list", "--patient", "patientA");
    expect(records).to.match(/^patient 1: 2 records\n\s+#1 lab-result .* ipfs:\/\/bafkrei[a-z2-7]{52}/);
  });

  it("answers a missing deployment in one line from a process, and documents every task", async function () {
    const empty = path.join(dir, "nowhere");
    const missing = await hardhat(["record:list", "--patient", "patientA", "--network", "localhost"], {
      MIIP_DEPLOYMENTS: empty,
    });
    expect(missing.code).to.equal(1);
    expect(missing.stderr.trim()).to.match(
      /^error: no deployment at .*nowhere\/localhost\/addresses.json: start `npm run node`/,
    );

    const help = await hardhat(["help", "record:add"]);
    expect(help.stdout).to.include("A hospital encrypts documents, stores them, and registers their records");
    expect(help.stdout).to.include("--patient-key");
    expect(help.stdout).to.include("--type");
  });

  it("deploys the suite with the Ignition modules to the running node, and a re-run changes nothing", async function () {
    const first = await hardhat(["run", "scripts/deploy.ts", "--network", "localhost"]);
    expect(first.code, first.stderr).to.equal(0);
    const file = path.join(dir, "deployments", "localhost", "addresses.json");
    const deployed = JSON.parse(readFileSync(file, "utf8"));
    expect(existsSync(path.join(dir, "ignition", "deployments", "localhost-31337", "journal.jsonl"))).to.equal(true);
    const again = await hardhat(["run", "scripts/deploy.ts", "--network", "localhost"]);
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).to.deep.equal(deployed);
    expect(await ok("institution:list")).to.include("0 institutions");
  });
});
