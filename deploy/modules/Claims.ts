import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import GovernanceModule from "./Governance";
import RegistryModule from "./Registry";

/**
 * The insurance claim escrow, an implementation behind an ERC-1967 proxy (UUPS), initialised in the proxy's
 * constructor. Insurers act through the participant directory, not through roles; upgrades and the replacement of
 * a programme's arbitrator are governed.
 */
export default buildModule("Claims", (m) => {
  const { manager } = m.useModule(GovernanceModule);
  const { participants, records } = m.useModule(RegistryModule);
  // The escrow's code is split in two implementations (24 KiB each at most): the second runs by delegatecall.
  const extension = m.contract("ClaimEscrowExtension", [participants, records], { id: "ClaimEscrowExtension" });
  const implementation = m.contract("ClaimEscrow", [participants, records, extension], { id: "ClaimEscrowImpl" });
  const proxy = m.contract(
    "ERC1967Proxy",
    [implementation, m.encodeFunctionCall(implementation, "initialize", [manager])],
    { id: "ClaimEscrowProxy" },
  );
  const claims = m.contractAt("ClaimEscrow", proxy, { id: "ClaimEscrow" });
  // Its functions are given to their roles by the Payments module, once the deployer has named the invoices
  // contract (`setCarePayments`, which becomes the governor's).
  return { claims };
});
