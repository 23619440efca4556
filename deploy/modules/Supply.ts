import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { SupplyChain__factory } from "../../typechain-types";
import GovernanceModule from "./Governance";
import RegistryModule from "./Registry";
import { wireFunctionRoles } from "./roles";

/**
 * The drug supply chain, an implementation behind an ERC-1967 proxy (UUPS), initialised in the proxy's
 * constructor. Manufacturers, distributors, pharmacies and regulators act through the participant directory;
 * governance only revokes devices (guardian, at once) and upgrades (governor, delayed).
 */
export default buildModule("Supply", (m) => {
  const { manager } = m.useModule(GovernanceModule);
  const { participants, records } = m.useModule(RegistryModule);
  const implementation = m.contract("SupplyChain", [participants, records], { id: "SupplyChainImpl" });
  const proxy = m.contract(
    "ERC1967Proxy",
    [implementation, m.encodeFunctionCall(implementation, "initialize", [manager])],
    { id: "SupplyChainProxy" },
  );
  const supply = m.contractAt("SupplyChain", proxy, { id: "SupplyChain" });
  wireFunctionRoles(m, manager, "SupplyChain", supply, SupplyChain__factory.createInterface());
  return { supply };
});
