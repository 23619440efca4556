import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ISTDistribution__factory } from "../../typechain-types";
import GovernanceModule from "./Governance";
import { grantRoleFromParameter, wireFunctionRoles } from "./roles";

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

  grantRoleFromParameter(m, manager, "TREASURER");
  wireFunctionRoles(m, manager, "ISTDistribution", distribution, ISTDistribution__factory.createInterface());

  return { manager, distribution, token };
});
