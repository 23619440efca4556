import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";

import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { GOVERNANCE, ROLES } from "../../config/roles";
import { deploySuite, deploymentOf } from "../../scripts/lib/deploy";
import { GOVERNANCE_DOCS, governanceMarkdown, shippedParameterFiles, withGenerated } from "../../scripts/lib/access";
import { expectedGovernance, governanceDifferences, readGovernance } from "../../scripts/lib/governance";
import { loadParameters } from "../../scripts/lib/parameters";
import { ClaimEscrow__factory, MIIPAccessManager__factory } from "../../typechain-types";
import { LOCAL_PARAMETERS, deploySuiteFixture } from "../helpers/fixtures";
import { adminCall, delayedCall } from "../helpers/governance";
import { ROOT } from "../helpers/node";

const DAY = 86_400;

/**
 * Governance as deployed, read back from the chain and compared with config/roles.ts (GOVERNANCE and
 * FUNCTION_ROLES, from which SECURITY.md's trust table is printed) and with the parameter file: for both shipped
 * files, localhost.json here in process and sepolia.json (test/e2e/governance.test.ts) through the deployment script on a chain with
 * Sepolia's chain id. Then the auditor's proof of concept, run against it.
 */
describe("Governance: what the deployments hold, against config/roles.ts and SECURITY.md", function () {
  describe("localhost.json (a governance account is the admin, through the delay)", function () {
    it("holds exactly the roles, members, delays, cancellers, function roles and onboarding delay promised", async function () {
      const suite = await loadFixture(deploySuiteFixture);
      const deployment = await deploymentOf(suite, 0);
      const actual = await readGovernance(hre.ethers.provider, deployment);
      expect(governanceDifferences(actual, expectedGovernance(suite.resolved))).to.deep.equal([]);
      const delay = suite.resolved.registry.governorDelay;
      expect(actual.roles.ADMIN.members).to.deep.equal({ [suite.governance.address]: delay });
      expect(actual.roles.GOVERNOR.canceller).to.equal("GUARDIAN");
      expect(actual.onboardingDelay).to.equal(2 * DAY);
    });

    it("puts every managed contract's admin delay in force after AccessManager's setback", async function () {
      const suite = await loadFixture(deploySuiteFixture);
      const deployment = await deploymentOf(suite, 0);
      const setback = Number(await suite.manager.minSetback());
      const before = await readGovernance(hre.ethers.provider, deployment);
      for (const { set, since } of Object.values(before.targetAdminDelays)) {
        expect(set).to.equal(suite.resolved.registry.governorDelay);
        expect(since).to.be.at.most((await time.latest()) + setback);
      }
      await time.increase(setback);
      const after = await readGovernance(hre.ethers.provider, deployment);
      for (const { current } of Object.values(after.targetAdminDelays)) {
        expect(current).to.equal(suite.resolved.registry.governorDelay);
      }
    });

    it("reports a difference when the chain does not hold what was promised", async function () {
      const suite = await loadFixture(deploySuiteFixture);
      const actual = await readGovernance(hre.ethers.provider, await deploymentOf(suite, 0));
      const expected = expectedGovernance(suite.resolved);
      const tampered = structuredClone(actual);
      tampered.roles.GOVERNOR.members[suite.stranger.address] = 0;
      tampered.functions.ClaimEscrow.upgradeToAndCall = "ADMIN";
      tampered.targetAdminDelays.SupplyChain.set = 0;
      tampered.roles.GOVERNOR.canceller = "ADMIN";
      expect(governanceDifferences(tampered, expected)).to.have.length(4);
    });

    it("sees every admin change that would loosen governance: another authority, another role admin, a closed target, a delay being cut", async function () {
      const suite = await loadFixture(deploySuiteFixture);
      const { manager, claims, participants, governance } = suite;
      const deployment = await deploymentOf(suite, 0);
      const expected = expectedGovernance(suite.resolved);
      const differences = async () =>
        governanceDifferences(await readGovernance(hre.ethers.provider, deployment), expected);
      const iface = manager.interface;
      const rogue = await new MIIPAccessManager__factory(governance).deploy(governance.address);

      // A change under way shows before it lands: a scheduled grant of GOVERNOR, without delay, to a stranger.
      const grant = iface.encodeFunctionData("grantRole", [ROLES.GOVERNOR, suite.stranger.address, 0]);
      await manager.connect(governance).schedule(await manager.getAddress(), grant, 0);
      const pending = await differences();
      expect(pending).to.have.length(1);
      expect(pending[0]).to.match(
        new RegExp(
          `^an operation is scheduled: ${governance.address} calls MIIPAccessManager.grantRole, executable from \\d+$`,
        ),
      );
      await manager.connect(governance).cancel(governance.address, await manager.getAddress(), grant);
      expect(await differences()).to.deep.equal([]);

      await adminCall(manager, governance, iface.encodeFunctionData("setRoleAdmin", [ROLES.GOVERNOR, ROLES.REGISTRAR]));
      expect(await differences()).to.deep.equal(["GOVERNOR: administered by REGISTRAR, expected ADMIN"]);
      await adminCall(manager, governance, iface.encodeFunctionData("setRoleAdmin", [ROLES.GOVERNOR, ROLES.ADMIN]));

      await adminCall(
        manager,
        governance,
        iface.encodeFunctionData("grantRole", [ROLES.GOVERNOR, suite.deployer.address, 0]),
      );
      const cut = await differences();
      expect(cut).to.have.length(1);
      expect(cut[0]).to.match(
        /^GOVERNOR: a change is decided but not in force: 0x[0-9a-fA-F]{40}'s delay becomes 0 at \d+$/,
      );

      await adminCall(
        manager,
        governance,
        iface.encodeFunctionData("setTargetClosed", [await participants.getAddress(), true]),
      );
      expect(await differences()).to.include("ParticipantRegistry: closed in the access manager");

      await delayedCall(
        manager,
        governance,
        manager,
        iface.encodeFunctionData("updateAuthority", [await claims.getAddress(), await rogue.getAddress()]),
      );
      expect(await differences()).to.include(
        `ClaimEscrow: obeys ${await rogue.getAddress()}, not the suite's ${deployment.MIIPAccessManager}`,
      );
    });
  });

  describe("the auditor's proof of concept: the deploying key drains the escrow through an undelayed upgrade", function () {
    it("is refused at every step: re-mapping the upgrade, granting itself GOVERNOR, upgrading", async function () {
      const { manager, claims, participants, records, deployer, governance } = await loadFixture(deploySuiteFixture);
      const escrow = await claims.getAddress();
      const selector = claims.interface.getFunction("upgradeToAndCall").selector;
      // The deploying key renounced the admin role at the end of the deployment.
      expect((await manager.hasRole(ROLES.ADMIN, deployer.address))[0]).to.equal(false);
      await expect(manager.connect(deployer).setTargetFunctionRole(escrow, [selector], ROLES.ADMIN))
        .to.be.revertedWithCustomError(manager, "AccessManagerUnauthorizedAccount")
        .withArgs(deployer.address, ROLES.ADMIN);
      await expect(manager.connect(deployer).grantRole(ROLES.GOVERNOR, deployer.address, 0))
        .to.be.revertedWithCustomError(manager, "AccessManagerUnauthorizedAccount")
        .withArgs(deployer.address, ROLES.ADMIN);
      // The admin itself can only schedule, in public.
      await expect(
        manager.connect(governance).setTargetFunctionRole(escrow, [selector], ROLES.ADMIN),
      ).to.be.revertedWithCustomError(manager, "AccessManagerNotScheduled");
      await expect(
        manager.connect(governance).grantRole(ROLES.GOVERNOR, governance.address, 0),
      ).to.be.revertedWithCustomError(manager, "AccessManagerNotScheduled");
      const drainer = await new ClaimEscrow__factory(deployer).deploy(
        await participants.getAddress(),
        await records.getAddress(),
        hre.ethers.ZeroAddress,
      );
      // localhost.json makes the deploying key the governor: delayed like any governor.
      await expect(
        claims.connect(deployer).upgradeToAndCall(await drainer.getAddress(), "0x"),
      ).to.be.revertedWithCustomError(manager, "AccessManagerNotScheduled");
      await expect(claims.connect(governance).upgradeToAndCall(await drainer.getAddress(), "0x"))
        .to.be.revertedWithCustomError(claims, "AccessManagedUnauthorized")
        .withArgs(governance.address);
      expect(await manager.getTargetFunctionRole(escrow, selector)).to.equal(ROLES.GOVERNOR);
    });

    it("with a separate governor and guardian, leaves the deploying key no role at all", async function () {
      const spec = loadParameters(LOCAL_PARAMETERS);
      Object.assign(spec.governance, { governor: "account:24", guardian: "account:25" });
      const suite = await deploySuite(hre, spec, { baseDir: path.dirname(LOCAL_PARAMETERS) });
      const [deployer] = await hre.ethers.getSigners();
      for (const role of Object.values(ROLES)) {
        expect((await suite.manager.hasRole(role, deployer.address))[0]).to.equal(false);
      }
      const escrow = await suite.claims.getAddress();
      const selector = suite.claims.interface.getFunction("upgradeToAndCall").selector;
      await expect(suite.manager.connect(deployer).setTargetFunctionRole(escrow, [selector], ROLES.ADMIN))
        .to.be.revertedWithCustomError(suite.manager, "AccessManagerUnauthorizedAccount")
        .withArgs(deployer.address, ROLES.ADMIN);
    });

    it("lets the guardian role cancel a governor's scheduled upgrade during its delay, and nobody else", async function () {
      const spec = loadParameters(LOCAL_PARAMETERS);
      Object.assign(spec.governance, { governor: "account:24", guardian: "account:25" });
      const suite = await deploySuite(hre, spec, { baseDir: path.dirname(LOCAL_PARAMETERS) });
      const signers = await hre.ethers.getSigners();
      const [governor, guardian, stranger] = [signers[24], signers[25], signers[19]];
      const { manager, claims } = suite;
      const drainer = await new ClaimEscrow__factory(signers[0]).deploy(
        await suite.participants.getAddress(),
        await suite.records.getAddress(),
        hre.ethers.ZeroAddress,
      );
      const escrow = await claims.getAddress();
      const upgrade = claims.interface.encodeFunctionData("upgradeToAndCall", [await drainer.getAddress(), "0x"]);
      await expect(manager.connect(governor).schedule(escrow, upgrade, 0)).to.emit(manager, "OperationScheduled");
      await expect(manager.connect(stranger).cancel(governor.address, escrow, upgrade))
        .to.be.revertedWithCustomError(manager, "AccessManagerUnauthorizedCancel")
        .withArgs(
          stranger.address,
          governor.address,
          escrow,
          claims.interface.getFunction("upgradeToAndCall").selector,
        );
      await expect(manager.connect(guardian).cancel(governor.address, escrow, upgrade)).to.emit(
        manager,
        "OperationCanceled",
      );
      await time.increase(suite.resolved.registry.governorDelay);
      await expect(manager.connect(governor).execute(escrow, upgrade)).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotScheduled",
      );
      // Rescheduled in public, and not cancelled, it does go through: the guardian stops, it cannot block for good
      // without acting again each time, in public.
      await expect(delayedCall(manager, governor, claims, upgrade)).to.emit(claims, "Upgraded");
    });
  });

  it("prints its table into docs/GOVERNANCE.md and SECURITY.md from config/roles.ts, up to date (npm run access)", async function () {
    const prettier = await import("prettier");
    const table = governanceMarkdown(shippedParameterFiles());
    for (const doc of GOVERNANCE_DOCS) {
      const file = path.join(ROOT, doc);
      const text = readFileSync(file, "utf8");
      const expected = await prettier.format(withGenerated(text, "governance", table), {
        ...(await prettier.resolveConfig(file)),
        filepath: file,
      });
      expect(text, `${doc} is stale: run npm run access`).to.equal(expected);
      for (const role of Object.keys(ROLES)) expect(text).to.include(`| \`${role}\``);
    }
  });

  it("has one promise per role in config/roles.ts, each naming what holds it and how it is delayed", function () {
    expect(Object.keys(GOVERNANCE).sort()).to.deep.equal(Object.keys(ROLES).sort());
    for (const policy of Object.values(GOVERNANCE)) {
      expect(policy.can.length).to.be.greaterThan(0);
      expect(policy.limit.length).to.be.greaterThan(0);
    }
  });
});
