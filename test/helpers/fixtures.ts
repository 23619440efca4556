import path from "node:path";

import hre from "hardhat";

import { loadDistributionSpec } from "../../scripts/lib/distribution";
import { deployIST } from "../../scripts/lib/deploy";

export const LOCAL_PARAMETERS = path.join(__dirname, "..", "..", "deploy", "parameters", "localhost.json");

/**
 * The suite as users deploy it: the same parameter file, the same checks, the same Ignition module.
 * Named signers follow deploy/parameters/localhost.json.
 */
export async function deploySuiteFixture() {
  const suite = await deployIST(hre, loadDistributionSpec(LOCAL_PARAMETERS), {
    baseDir: path.dirname(LOCAL_PARAMETERS),
  });
  const signers = await hre.ethers.getSigners();
  const [deployer, treasurer, treasury, investorA, investorB, founder, teamMember, partner, advisor] = signers;
  return {
    ...suite,
    signers,
    deployer,
    treasurer,
    treasury,
    investorA,
    investorB,
    founder,
    teamMember,
    partner,
    advisor,
    stranger: signers[19],
  };
}
