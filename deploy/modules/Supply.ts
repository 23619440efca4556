import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { SupplyChain__factory } from "../../typechain-types";
import GovernanceModule from "./Governance";
import ProductsModule from "./Products";
import RegistryModule from "./Registry";
import { wireFunctionRoles } from "./roles";

/**
 * The drug supply chain, an implementation behind an ERC-1967 proxy (UUPS), initialised in the proxy's
 * constructor, and the pack verifier, a lens beside it. Manufacturers, distributors, pharmacies, hospitals and
 * regulators act through the participant directory; batches are checked against the product registry; governance
 * only bans devices (guardian, at once), withdraws recalls and upgrades (governor, delayed).
 */
export default buildModule("Supply", (m) => {
  const { manager } = m.useModule(GovernanceModule);
  const { participants, records } = m.useModule(RegistryModule);
  const { products } = m.useModule(ProductsModule);
  // The supply chain's code is split in two implementations (24 KiB each at most): the second runs by delegatecall.
  const extension = m.contract("SupplyChainExtension", [participants, records, products], {
    id: "SupplyChainExtension",
  });
  const implementation = m.contract("SupplyChain", [participants, records, products, extension], {
    id: "SupplyChainImpl",
  });
  const proxy = m.contract(
    "ERC1967Proxy",
    [implementation, m.encodeFunctionCall(implementation, "initialize", [manager])],
    { id: "SupplyChainProxy" },
  );
  const supply = m.contractAt("SupplyChain", proxy, { id: "SupplyChain" });
  wireFunctionRoles(m, manager, "SupplyChain", supply, SupplyChain__factory.createInterface());
  const verifier = m.contract("PackVerifier", [supply, products, participants], { id: "PackVerifier" });
  return { supply, verifier };
});
