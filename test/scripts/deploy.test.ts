import path from "node:path";

import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { ROLES } from "../../config/roles";
import { deploySuite } from "../../scripts/lib/deploy";
import { loadParameters } from "../../scripts/lib/parameters";
import { LOCAL_PARAMETERS } from "../helpers/fixtures";

describe("deployment (scripts/lib/deploy.ts)", function () {
  async function handedOverFixture() {
    const spec = loadParameters(LOCAL_PARAMETERS);
    spec.governance.admin = "account:13";
    const suite = await deploySuite(hre, spec, { baseDir: path.dirname(LOCAL_PARAMETERS) });
    const signers = await hre.ethers.getSigners();
    return { ...suite, deployer: signers[0], governance: signers[13] };
  }

  it("hands the admin role to governance with the governor's delay and renounces the deployer's", async function () {
    const { manager, deployer, governance, resolved } = await loadFixture(handedOverFixture);
    const delay = BigInt(resolved.registry.governorDelay);
    expect((await manager.hasRole(ROLES.ADMIN, deployer.address))[0]).to.equal(false);
    expect(await manager.hasRole(ROLES.ADMIN, governance.address)).to.deep.equal([true, delay]);
  });

  it("delays function-role changes on every managed contract, so no delayed function can be re-mapped at once", async function () {
    const { manager, distribution, participants, records, consent, claims, supply, resolved } =
      await loadFixture(handedOverFixture);
    // AccessManager applies a longer admin delay after its minimum setback of five days.
    await time.increase(Number(await manager.minSetback()));
    for (const target of [distribution, participants, records, consent, claims, supply]) {
      expect(await manager.getTargetAdminDelay(await target.getAddress())).to.equal(
        BigInt(resolved.registry.governorDelay),
      );
    }
  });

  it("wires every role of the parameter file", async function () {
    const { manager, resolved } = await loadFixture(handedOverFixture);
    const { registrar, governor, guardian, governorDelay } = resolved.registry;
    expect(await manager.hasRole(ROLES.REGISTRAR, registrar)).to.deep.equal([true, 0n]);
    expect(await manager.hasRole(ROLES.GOVERNOR, governor)).to.deep.equal([true, BigInt(governorDelay)]);
    expect(await manager.hasRole(ROLES.GUARDIAN, guardian)).to.deep.equal([true, 0n]);
    expect(await manager.hasRole(ROLES.TREASURER, resolved.treasurer)).to.deep.equal([true, 0n]);
  });
});
