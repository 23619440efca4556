import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types";

import ISTModule from "../../deploy/modules/IST";
import {
  INSSETToken__factory,
  ISTDistribution__factory,
  MIIPAccessManager__factory,
  type INSSETToken,
  type ISTDistribution,
  type MIIPAccessManager,
} from "../../typechain-types";
import { ROLES } from "../../config/roles";
import { type DistributionSpec, type ResolvedDistribution, resolveDistribution } from "./distribution";

/** The deployed token and distribution, typed. */
export interface ISTDeployment {
  manager: MIIPAccessManager;
  distribution: ISTDistribution;
  token: INSSETToken;
  resolved: ResolvedDistribution;
}

export interface DeployOptions {
  /** Folder the relative CSV paths of the spec start from. */
  baseDir: string;
  /** Where to write the claim's proofs file; nothing is written when absent. */
  outDir?: string;
  /** Name used in error messages. */
  source?: string;
  /** Show Ignition's progress output. */
  displayUi?: boolean;
  /** The listing time a previous run resolved `now` to; see ResolveContext.listingNow. */
  listingNow?: number;
}

/**
 * Deploys the token and its distribution through the `IST` Ignition module: checks the parameter file,
 * builds the genesis claim's tree from the CSVs, deploys, and finally hands the access manager's admin role to
 * the configured governance account (the deployer keeps it only if it is that account).
 */
export async function deployIST(
  hre: HardhatRuntimeEnvironment,
  spec: DistributionSpec,
  options: DeployOptions,
): Promise<ISTDeployment> {
  const signers = await hre.ethers.getSigners();
  const deployer = signers[0];
  const latest = await hre.ethers.provider.getBlock("latest");
  const resolved = resolveDistribution(
    spec,
    {
      deployer: deployer.address,
      accounts: signers.map((s) => s.address),
      now: latest?.timestamp ?? Math.floor(Date.now() / 1000),
      baseDir: options.baseDir,
      listingNow: options.listingNow,
    },
    options.source,
  );

  const result = await hre.ignition.deploy(ISTModule, {
    parameters: { IST: { genesis: resolved.genesis, treasurer: resolved.treasurer } },
    displayUi: options.displayUi ?? false,
  });

  const manager = MIIPAccessManager__factory.connect(await result.manager.getAddress(), deployer);
  const deployment: ISTDeployment = {
    manager,
    distribution: ISTDistribution__factory.connect(await result.distribution.getAddress(), deployer),
    token: INSSETToken__factory.connect(await result.token.getAddress(), deployer),
    resolved,
  };

  if (resolved.admin !== deployer.address) {
    const [isAdmin] = await manager.hasRole(ROLES.ADMIN, resolved.admin);
    if (!isAdmin) await (await manager.grantRole(ROLES.ADMIN, resolved.admin, 0)).wait();
    await (await manager.renounceRole(ROLES.ADMIN, deployer.address)).wait();
  }

  if (options.outDir !== undefined && resolved.claim !== undefined) {
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(
      path.join(options.outDir, "claim.proofs.json"),
      JSON.stringify(resolved.claim.proofs, null, 2) + "\n",
    );
  }
  return deployment;
}
