import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import GovernanceModule from "./Governance";
import ClaimsModule from "./Claims";
import ISTModule from "./IST";
import RegistryModule from "./Registry";
import SupplyModule from "./Supply";

/** The whole suite, wired together: what `scripts/deploy.ts`, the tests, the demo and the bench deploy. */
export default buildModule("MIIP", (m) => {
  const { manager } = m.useModule(GovernanceModule);
  const { distribution, token } = m.useModule(ISTModule);
  const { participants, records, consent } = m.useModule(RegistryModule);
  const { claims } = m.useModule(ClaimsModule);
  const { supply } = m.useModule(SupplyModule);
  return { manager, distribution, token, participants, records, consent, claims, supply };
});
