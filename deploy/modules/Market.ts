import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ResearchMarket__factory } from "../../typechain-types";
import GovernanceModule from "./Governance";
import ISTModule from "./IST";
import RegistryModule from "./Registry";
import { wireFunctionRoles } from "./roles";

/**
 * The research data market, an implementation behind an ERC-1967 proxy (UUPS), initialised in the proxy's
 * constructor, paying in IST. Researchers, patients and the agency act through the participant directory, not
 * through roles; upgrades are governed.
 */
export default buildModule("Market", (m) => {
  const { manager } = m.useModule(GovernanceModule);
  const { token } = m.useModule(ISTModule);
  const { participants, records } = m.useModule(RegistryModule);
  const implementation = m.contract("ResearchMarket", [participants, records, token], { id: "ResearchMarketImpl" });
  const proxy = m.contract(
    "ERC1967Proxy",
    [implementation, m.encodeFunctionCall(implementation, "initialize", [manager])],
    { id: "ResearchMarketProxy" },
  );
  const market = m.contractAt("ResearchMarket", proxy, { id: "ResearchMarket" });
  wireFunctionRoles(m, manager, "ResearchMarket", market, ResearchMarket__factory.createInterface());
  return { market };
});
