import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { FUNCTION_ROLES, ROLES } from "../../config/roles";
import { ISTAirdrop__factory, ISTDistribution__factory } from "../../typechain-types";
import GovernanceModule from "./Governance";

function selectors(
  iface: { getFunction(name: string): { selector: string } | null },
  names: readonly string[],
): string[] {
  return names.map((name) => {
    const fragment = iface.getFunction(name);
    if (fragment === null) throw new Error(`no function ${name} in the ABI`);
    return fragment.selector;
  });
}

/**
 * The INSSET token and its three-year distribution: the distribution contract (which mints the whole supply
 * to itself by creating the token), the vesting grants of the parameter file, and the two Merkle rounds of
 * the whitepaper (airdrop, demand-survey rewards), funded from their Pool categories.
 *
 * Parameters are produced from `deploy/parameters/<network>.json` by `scripts/deploy.ts`, which checks them
 * first (supply adds up, schedules fit in three years, CSVs well formed) and turns the CSVs into roots.
 */
export default buildModule("IST", (m) => {
  const { manager } = m.useModule(GovernanceModule);

  const distribution = m.contract("ISTDistribution", [
    manager,
    m.getParameter<bigint>("totalSupply"),
    m.getParameter<bigint>("listingTime"),
    m.getParameter<number>("reserveCategory"),
    m.getParameter("categories"),
    m.getParameter("grants"),
  ]);
  const token = m.contractAt("INSSETToken", m.staticCall(distribution, "token", [], 0, { id: "tokenAddress" }));

  const treasury = m.getParameter<string>("treasury");
  const rounds = ["airdrop", "survey"] as const;
  const funding: ReturnType<typeof m.call>[] = [];
  const airdrops = rounds.map((round) => {
    const airdrop = m.contract(
      "ISTAirdrop",
      [manager, token, m.getParameter<string>(`${round}Root`), m.getParameter<bigint>(`${round}Deadline`), treasury],
      { id: `${round}Round` },
    );
    const fund = m.call(
      distribution,
      "releasePool",
      [m.getParameter<number>(`${round}Category`), airdrop, m.getParameter<bigint>(`${round}Amount`)],
      { id: `fund_${round}` },
    );
    funding.push(fund);
    return airdrop;
  });

  // The deployer funds the rounds as the manager's admin; once a function is given to the treasurer role, the
  // admin no longer passes `restricted` for it, so the funding must come first.
  const treasurer = ROLES.TREASURER;
  m.call(manager, "labelRole", [treasurer, "TREASURER"], { id: "label_treasurer" });
  m.call(manager, "grantRole", [treasurer, m.getParameter<string>("treasurer"), 0], { id: "grant_treasurer" });
  m.call(
    manager,
    "setTargetFunctionRole",
    [
      distribution,
      selectors(ISTDistribution__factory.createInterface(), Object.keys(FUNCTION_ROLES.ISTDistribution)),
      treasurer,
    ],
    { id: "roles_distribution", after: funding },
  );
  const airdropSelectors = selectors(ISTAirdrop__factory.createInterface(), Object.keys(FUNCTION_ROLES.ISTAirdrop));
  airdrops.forEach((airdrop, i) => {
    m.call(manager, "setTargetFunctionRole", [airdrop, airdropSelectors, treasurer], { id: `roles_${rounds[i]}` });
  });

  return { manager, distribution, token, airdrop: airdrops[0], survey: airdrops[1] };
});
