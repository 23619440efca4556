import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ConsentManager__factory, ParticipantRegistry__factory } from "../../typechain-types";
import GovernanceModule from "./Governance";
import { ROLES } from "../../config/roles";
import { grantRoleFromParameter, wireFunctionRoles } from "./roles";

/**
 * The participant directory, the record registry and the consent manager, each an implementation behind an
 * ERC-1967 proxy (UUPS), initialised in the proxy's constructor so that nobody can front-run the
 * initialisation. The consent manager becomes the record registry's read policy before the registry's
 * functions are handed to their roles (after that only the delayed governor could set it), which the Devices
 * module does once it has named the device registry.
 *
 * Parameters: `registrar`, `governor`, `guardian` (accounts), `governorDelay` (seconds every GOVERNOR action
 * waits between schedule and execute), `recordTypes` and `recordTypeLabels` (the types enabled at start),
 * `emergencyWindow` (seconds of break-glass access), `onboardingDelay` (seconds a new institution stays pending
 * and cancellable before it gains any right).
 */
export default buildModule("Registry", (m) => {
  const { manager } = m.useModule(GovernanceModule);

  const participantsImpl = m.contract("ParticipantRegistry", [], { id: "ParticipantRegistryImpl" });
  const participantsProxy = m.contract(
    "ERC1967Proxy",
    [
      participantsImpl,
      m.encodeFunctionCall(participantsImpl, "initialize", [manager, m.getParameter<number>("onboardingDelay")]),
    ],
    { id: "ParticipantRegistryProxy" },
  );
  const participants = m.contractAt("ParticipantRegistry", participantsProxy, { id: "ParticipantRegistry" });

  const recordsImpl = m.contract("RecordRegistry", [participants], { id: "RecordRegistryImpl" });
  const recordsProxy = m.contract(
    "ERC1967Proxy",
    [
      recordsImpl,
      m.encodeFunctionCall(recordsImpl, "initialize", [
        manager,
        m.getParameter("recordTypes"),
        m.getParameter("recordTypeLabels"),
      ]),
    ],
    { id: "RecordRegistryProxy" },
  );
  const records = m.contractAt("RecordRegistry", recordsProxy, { id: "RecordRegistry" });

  const consentImpl = m.contract("ConsentManager", [participants, records], { id: "ConsentManagerImpl" });
  const consentProxy = m.contract(
    "ERC1967Proxy",
    [
      consentImpl,
      m.encodeFunctionCall(consentImpl, "initialize", [manager, m.getParameter<number>("emergencyWindow")]),
    ],
    { id: "ConsentManagerProxy" },
  );
  const consent = m.contractAt("ConsentManager", consentProxy, { id: "ConsentManager" });
  m.call(records, "setReadPolicy", [consent], { id: "RecordRegistry_setReadPolicy" });

  grantRoleFromParameter(m, manager, "REGISTRAR");
  grantRoleFromParameter(m, manager, "GOVERNOR", m.getParameter<number>("governorDelay"));
  grantRoleFromParameter(m, manager, "GUARDIAN");
  // The guardian can cancel a scheduled GOVERNOR operation (an upgrade, a reinstatement) during its delay.
  m.call(manager, "setRoleGuardian", [ROLES.GOVERNOR, ROLES.GUARDIAN], { id: "guardian_of_GOVERNOR" });
  wireFunctionRoles(m, manager, "ParticipantRegistry", participants, ParticipantRegistry__factory.createInterface());
  wireFunctionRoles(m, manager, "ConsentManager", consent, ConsentManager__factory.createInterface());

  return { manager, participants, records, consent };
});
