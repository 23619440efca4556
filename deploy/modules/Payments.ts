import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { CarePayments__factory, ClaimEscrow__factory } from "../../typechain-types";
import ClaimsModule from "./Claims";
import GovernanceModule from "./Governance";
import RegistryModule from "./Registry";
import { wireFunctionRoles } from "./roles";

/**
 * Invoices for care, an implementation behind an ERC-1967 proxy (UUPS), initialised in the proxy's constructor.
 * It reads the claim escrow's books so that an invoice deducts what a claim already sent the hospital for the same
 * treatment. Hospitals, pharmacies and patients act through the participant directory; upgrades are governed.
 */
export default buildModule("Payments", (m) => {
  const { manager } = m.useModule(GovernanceModule);
  const { participants, records } = m.useModule(RegistryModule);
  const { claims } = m.useModule(ClaimsModule);
  const implementation = m.contract("CarePayments", [participants, records, claims], { id: "CarePaymentsImpl" });
  const proxy = m.contract(
    "ERC1967Proxy",
    [implementation, m.encodeFunctionCall(implementation, "initialize", [manager])],
    { id: "CarePaymentsProxy" },
  );
  const payments = m.contractAt("CarePayments", proxy, { id: "CarePayments" });
  wireFunctionRoles(m, manager, "CarePayments", payments, CarePayments__factory.createInterface());
  // The escrow refuses a hospital's late attestation for care its patient paid by invoice: the deployer names the
  // invoices contract while it still holds the admin role, then the escrow's functions go to their roles.
  const named = m.call(claims, "setCarePayments", [payments], { id: "ClaimEscrow_setCarePayments" });
  wireFunctionRoles(m, manager, "ClaimEscrow", claims, ClaimEscrow__factory.createInterface(), [named]);
  return { payments };
});
