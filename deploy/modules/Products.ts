import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ProductRegistry__factory } from "../../typechain-types";
import GovernanceModule from "./Governance";
import RegistryModule from "./Registry";
import { wireFunctionRoles } from "./roles";

/**
 * The product registry (GS1 company prefixes, products, leaflets), an implementation behind an ERC-1967 proxy
 * (UUPS), initialised in the proxy's constructor. The registrar licenses prefixes (effective after the
 * directory's onboarding delay), the guardian cancels a pending licence, the governor revokes one and upgrades.
 */
export default buildModule("Products", (m) => {
  const { manager } = m.useModule(GovernanceModule);
  const { participants, records } = m.useModule(RegistryModule);
  const implementation = m.contract("ProductRegistry", [participants, records], { id: "ProductRegistryImpl" });
  const proxy = m.contract(
    "ERC1967Proxy",
    [implementation, m.encodeFunctionCall(implementation, "initialize", [manager])],
    { id: "ProductRegistryProxy" },
  );
  const products = m.contractAt("ProductRegistry", proxy, { id: "ProductRegistry" });
  wireFunctionRoles(m, manager, "ProductRegistry", products, ProductRegistry__factory.createInterface());
  return { products };
});
