import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";
import { JsonRpcProvider } from "ethers";

import { ROLES } from "../../config/roles";
import { expectedGovernance, governanceDifferences, readGovernance } from "../../scripts/lib/governance";
import { loadParameters, resolveParameters } from "../../scripts/lib/parameters";
import { parseDeployment } from "../../packages/sdk/src/deployment";
import { isCoverageRun } from "../../tasks/compiler";
import { MIIPAccessManager__factory } from "../../typechain-types";
import { ROOT, freePort, runHardhat, startNode } from "../helpers/node";

const SEPOLIA = path.join(ROOT, "deploy", "parameters", "sepolia.json");

/**
 * Governance as a public network's deployment holds it: sepolia.json through the deployment script, run as an
 * operator runs it, against a local node that carries Sepolia's chain id (test/security/Governance.test.ts
 * checks localhost.json in process).
 */
describe("Governance: what the deployments hold, against config/roles.ts and SECURITY.md", function () {
  describe("sepolia.json, through scripts/deploy.ts on a local chain with chain id 11155111", function () {
    this.timeout(240_000);
    let node: ChildProcess;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let provider: JsonRpcProvider;
    let accounts: string[];
    /** A governor and a guardian other than the deploying key, as a public network needs. */
    let separate: { MIIP_GOVERNOR: string; MIIP_GUARDIAN: string };

    const deploy = (extra: NodeJS.ProcessEnv) =>
      runHardhat(["run", "scripts/deploy.ts", "--network", "localhost"], { ...env, ...extra });

    before(async function () {
      // Under solidity-coverage a node beside the instrumented process would measure nothing.
      if (isCoverageRun(hre)) this.skip();
      dir = mkdtempSync(path.join(os.tmpdir(), "miip-governance-"));
      const port = await freePort();
      env = {
        ...process.env,
        MIIP_CHAIN_ID: "11155111",
        MIIP_PARAMETERS: SEPOLIA,
        MIIP_DEPLOYMENTS: path.join(dir, "deployments"),
        MIIP_IGNITION: path.join(dir, "ignition"),
        MIIP_LOCALHOST_URL: `http://127.0.0.1:${port}`,
        HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
      };
      delete env.MIIP_GOVERNANCE_ADMIN;
      delete env.MIIP_GOVERNOR;
      delete env.MIIP_GUARDIAN;
      node = (await startNode(["node", "--port", String(port)], env, "Started HTTP and WebSocket JSON-RPC server"))
        .node;
      provider = new JsonRpcProvider(env.MIIP_LOCALHOST_URL);
      accounts = ((await provider.send("eth_accounts", [])) as string[]).map((a) => hre.ethers.getAddress(a));
      separate = { MIIP_GOVERNOR: accounts[5], MIIP_GUARDIAN: accounts[6] };
      expect((await provider.getNetwork()).chainId).to.equal(11155111n);
    });

    after(function () {
      provider?.destroy();
      node?.kill();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("refuses the deploying key as admin in one line, before anything is sent", async function () {
      const before = await provider.getBlockNumber();
      const run = await deploy({ ...separate, MIIP_GOVERNANCE_ADMIN: accounts[0] });
      expect(run.code).to.equal(1);
      expect(run.stderr.trim().split("\n")).to.deep.equal([
        `${SEPOLIA}: the deployment is refused: governance.admin: the deploying key ${hre.ethers.getAddress(accounts[0])} cannot be the admin (on chain 11155111 or any other): name a separate governance account (a multisig is recommended)`,
      ]);
      expect(await provider.getBlockNumber()).to.equal(before);
    });

    it("refuses a governance account that is not named, in one line, before anything is sent", async function () {
      const before = await provider.getBlockNumber();
      const run = await deploy({ MIIP_GOVERNOR: separate.MIIP_GOVERNOR, MIIP_GUARDIAN: separate.MIIP_GUARDIAN });
      expect(run.code).to.equal(1);
      expect(run.stderr.trim()).to.equal(
        `${SEPOLIA}: the deployment is refused: governance.admin: env:MIIP_GOVERNANCE_ADMIN names an environment variable that is not set`,
      );
      expect(await provider.getBlockNumber()).to.equal(before);
    });

    it("deploys with a separate governance account, and holds exactly what config/roles.ts and the file promise", async function () {
      const admin = hre.ethers.getAddress(accounts[7]);
      const run = await deploy({ ...separate, MIIP_GOVERNANCE_ADMIN: admin });
      expect(run.code, run.stderr).to.equal(0);
      const deployment = parseDeployment(
        JSON.parse(readFileSync(path.join(dir, "deployments", "localhost", "addresses.json"), "utf8")),
      );
      expect(deployment.chainId).to.equal(11155111);
      const resolved = resolveParameters(loadParameters(SEPOLIA), {
        deployer: hre.ethers.getAddress(accounts[0]),
        accounts,
        now: deployment.listingTime!,
        listingNow: deployment.listingTime,
        baseDir: path.dirname(SEPOLIA),
        chainId: 11155111,
        env: { ...separate, MIIP_GOVERNANCE_ADMIN: admin },
      });
      const actual = await readGovernance(provider, deployment);
      expect(governanceDifferences(actual, expectedGovernance(resolved))).to.deep.equal([]);
      expect(actual.roles.ADMIN.members).to.deep.equal({ [admin]: 48 * 3600 });
      expect(actual.roles.GOVERNOR.members).to.deep.equal({ [separate.MIIP_GOVERNOR]: 48 * 3600 });
      expect(actual.roles.GUARDIAN.members).to.deep.equal({ [separate.MIIP_GUARDIAN]: 0 });
      expect(actual.roles.REGISTRAR.members).to.deep.equal({ [hre.ethers.getAddress(accounts[0])]: 0 });
      expect(actual.onboardingDelay).to.equal(72 * 3600);
      const manager = MIIPAccessManager__factory.connect(deployment.MIIPAccessManager, provider);
      expect((await manager.hasRole(ROLES.ADMIN, accounts[0]))[0]).to.equal(false);

      // The operator's own check says the same, through the command line.
      const check = await runHardhat(["governance:check", "--network", "localhost"], {
        ...env,
        ...separate,
        MIIP_GOVERNANCE_ADMIN: admin,
      });
      expect(check.code, check.stderr).to.equal(0);
      expect(check.stdout).to.include(`governance matches ${SEPOLIA} and config/roles.ts`);
      expect(check.stdout).to.match(/GOVERNOR .* \(delay 48 h\); scheduled calls cancelled by GUARDIAN/);

      // Named with another admin, the same deployment no longer matches, and the check says how, in one line.
      const other = await runHardhat(["governance:check", "--network", "localhost"], {
        ...env,
        ...separate,
        MIIP_GOVERNANCE_ADMIN: hre.ethers.getAddress(accounts[8]),
      });
      expect(other.code).to.equal(1);
      expect(other.stderr.trim()).to.match(
        /^error: governance differs from .*: ADMIN: members \{"0x[0-9a-fA-F]{40}":172800\}/,
      );
    });
  });
});
