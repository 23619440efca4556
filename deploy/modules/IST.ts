import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Interface } from "ethers";

import { ROLES, functionsByRole } from "../../config/roles";
import { ISTDistribution__factory } from "../../typechain-types";
import GovernanceModule from "./Governance";

/**
 * The INSSET token and its three-year distribution. The distribution contract creates the token, which mints
 * the whole supply once: the genesis claim's total (airdrop and survey rewards) to itself, the rest to the
 * distribution, which creates the parameter file's vesting grants.
 *
 * The `genesis` parameter is produced from `deploy/parameters/<network>.json` by `scripts/deploy.ts`, which
 * checks the file first (supply adds up, schedules within three years, CSVs well formed) and turns the CSVs
 * into the claim's root.
 */
export default buildModule("IST", (m) => {
  const { manager } = m.useModule(GovernanceModule);

  const distribution = m.contract("ISTDistribution", [manager, m.getParameter("genesis")]);
  const token = m.contractAt("INSSETToken", m.staticCall(distribution, "token", [], 0, { id: "tokenAddress" }));

  m.call(manager, "labelRole", [ROLES.TREASURER, "TREASURER"], { id: "label_TREASURER" });
  m.call(manager, "grantRole", [ROLES.TREASURER, m.getParameter<string>("treasurer"), 0], { id: "grant_TREASURER" });
  const iface: Interface = ISTDistribution__factory.createInterface();
  for (const [role, functions] of functionsByRole("ISTDistribution")) {
    const selectors = functions.map((name) => {
      const fragment = iface.getFunction(name);
      if (fragment === null) throw new Error(`config/roles.ts names ISTDistribution.${name}, which does not exist`);
      return fragment.selector;
    });
    m.call(manager, "setTargetFunctionRole", [distribution, selectors, ROLES[role]], { id: `ISTDistribution_${role}` });
  }

  return { manager, distribution, token };
});
