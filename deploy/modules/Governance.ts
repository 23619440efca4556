import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The suite's one permission authority. The deployer is its first admin so that the following modules can
 * wire roles; `scripts/deploy.ts` hands the admin role to the configured governance account at the end.
 */
export default buildModule("Governance", (m) => {
  const manager = m.contract("MIIPAccessManager", [m.getAccount(0)]);
  return { manager };
});
