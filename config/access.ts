/**
 * Who may do what: one table for every state-changing external function of every contract of the suite,
 * against every kind of actor. test/security/AccessMatrix.test.ts calls each function as each actor and
 * checks each cell against this table (and that no function is missing from it); `npm run access` prints it
 * into docs/ACCESS.md.
 *
 * A cell says whether the actor may make the call in the matrix's situation (see the test's fixture): a
 * shipment addressed to the distributor, a claim filed by the hospital, patient A's records issued by the
 * hospital, a grant to the pharmacy, and so on. "governor" is the GOVERNOR role's holder: a delayed function
 * it reaches the only way it can, through the access manager's schedule and execute after its delay; anything
 * else it calls as the account it is.
 *
 * "patient" is patient A's key (patient id 1) and "patient-guardian" a guardian patient A appointed with the act
 * power (not the recover power). A patient action reaches a service only through the participant directory's
 * gateway (ParticipantRegistry.execute), so the matrix makes every patient action that way, each actor for
 * patient A with its own salt (the guardian's, or none): the patient's key and the guardian get through, anyone
 * else is refused by the gateway. Where a function also has callers who are not patients (a claim's hospital),
 * those call it directly.
 */
export const ACTORS = [
  "admin",
  "governor",
  "guardian-role",
  "treasurer",
  "registrar",
  "hospital",
  "suspended-hospital",
  "pharmacy",
  "insurer",
  "agency",
  "researcher",
  "manufacturer",
  "distributor",
  "regulator",
  "patient",
  "patient-guardian",
  "treasury",
  "stranger",
] as const;

export type Actor = (typeof ACTORS)[number];

/** The active institutions among the actors. */
const INSTITUTIONS: readonly Actor[] = [
  "hospital",
  "pharmacy",
  "insurer",
  "agency",
  "researcher",
  "manufacturer",
  "distributor",
  "regulator",
];

/** Everyone: functions whose rules are about the data (a signature, a deadline, a balance), not the caller. */
export const ANYONE = "anyone" as const;

type Who = readonly Actor[] | typeof ANYONE;

export const ACCESS: Record<string, Record<string, Who>> = {
  MIIPAccessManager: {
    grantRole: ["admin"],
    revokeRole: ["admin"],
    renounceRole: ANYONE, // each account for itself only (the confirmation must be the caller)
    labelRole: ["admin"],
    setRoleAdmin: ["admin"],
    setRoleGuardian: ["admin"],
    setGrantDelay: ["admin"],
    setTargetFunctionRole: ["admin"],
    setTargetAdminDelay: ["admin"],
    setTargetClosed: ["admin"],
    updateAuthority: ["admin"],
    multicall: ["admin"], // a batch of calls, each checked as the caller: here the (delayed) admin scheduling its own
    schedule: ["governor"], // a GOVERNOR operation (setRecordType)
    execute: ["registrar"], // an immediate REGISTRAR operation (suspend) relayed by the manager
    cancel: ["admin", "governor", "guardian-role"], // the governor's scheduled operation: its scheduler, the admin, or the GOVERNOR role's guardian
    consumeScheduledOp: [], // only a managed contract, for its own scheduled calls
  },
  INSSETToken: {
    transfer: ANYONE,
    approve: ANYONE,
    transferFrom: ANYONE, // within an allowance (zero here)
    permit: ANYONE, // with the holder's signature
    claim: ANYONE, // a genesis leaf, paid to its account whoever submits it
    sweep: ["treasury"], // after the claim deadline
  },
  ISTDistribution: {
    release: ANYONE, // tokens go to the beneficiary
    createGrant: ["treasurer"],
    revoke: ["treasurer"],
    releasePool: ["treasurer"],
    setAuthority: [], // only through the access manager's updateAuthority
  },
  ParticipantRegistry: {
    register: ["registrar"],
    activate: ANYONE, // once the onboarding delay has passed
    cancelOnboarding: ["guardian-role"],
    setOnboardingDelay: ["governor"],
    suspend: ["registrar"],
    updateProfile: ["registrar"],
    reinstate: ["governor"],
    retire: ["governor"],
    recoverAccount: ["governor"],
    upgradeToAndCall: ["governor"],
    proposeAccount: INSTITUTIONS, // any active institution, for itself
    acceptAccount: [], // only the proposed new address (no actor holds it in the matrix)
    initialize: [],
    setAuthority: [],
    registerPatient: ANYONE, // each address for itself, once: not one that is a patient's or an institution's already
    registerPatientBySig: ANYONE, // with the new patient's signature
    proposePatientAccount: ["patient"], // the patient's own key; never a guardian, even one that may act
    acceptPatientAccount: [], // only the address the patient proposed (no actor holds it in the matrix)
    acceptPatientAccountBySig: ANYONE, // with the proposed address's signature
    setGuardian: ["patient"], // the patient's own key
    setRecoveryThreshold: ["patient"],
    approveRecovery: [], // only a guardian with the recover power, through the gateway (the matrix's may only act)
    cancelRecovery: ["patient"], // the patient's current key
    voidRecovery: ANYONE, // only a round whose armed address was taken since (here none is armed)
    execute: ["patient", "patient-guardian"], // the patient's current key, or a guardian proving its commitment
    relay: ANYONE, // with a signature by the patient's key or a guardian's
  },
  RecordRegistry: {
    register: ["hospital"],
    registerBatch: ["hospital"],
    amend: ["hospital"], // its issuer
    setRecordType: ["governor"],
    setReadPolicy: ["governor"],
    setPatientStreams: ["governor"], // once, at deployment (the governor is refused: it is named)
    registerSourced: [], // the device registry only, which is no actor
    pause: ["guardian-role"],
    unpause: ["governor"],
    upgradeToAndCall: ["governor"],
    initialize: [],
    setAuthority: [],
  },
  ConsentManager: {
    grant: ["patient", "patient-guardian"], // through the gateway: the patient's key, or a guardian with the act power
    grantBySig: ANYONE, // with the signature of the patient's current key
    revoke: ["patient", "patient-guardian"], // the grant's patient, through the gateway
    cancelNonce: ["patient", "patient-guardian"], // through the gateway, for the acting patient's own grants only
    openEmergency: ["hospital"], // an active hospital
    justifyEmergency: ["hospital", "suspended-hospital"], // the hospital that opened, whatever its status since
    flagMissedJustification: ANYONE, // once the hospital's justification is overdue
    closeEmergency: ["patient", "patient-guardian"], // through the gateway
    setEmergencyBlock: ["patient", "patient-guardian"], // through the gateway
    logAccess: ["hospital", "pharmacy"], // a live right: the hospital's open emergency access, the pharmacy's grant
    logAccessBatch: ["hospital", "pharmacy"],
    setEmergencyWindow: ["governor"],
    upgradeToAndCall: ["governor"],
    initialize: [],
    setAuthority: [],
  },
  ClaimEscrow: {
    openProgramme: ["insurer"],
    closeProgramme: ["insurer"], // the programme's insurer
    deposit: ["insurer"],
    announceWithdrawal: ["insurer"],
    withdraw: ["insurer"], // after the notice
    enrol: ["insurer"],
    endCover: ["insurer"],
    join: ["patient", "patient-guardian"], // through the gateway, into a programme with open enrolment
    fileClaim: ["hospital", "patient", "patient-guardian"], // the records' issuer, or the patient (gateway): each attests its side
    cancelBill: ["hospital", "patient", "patient-guardian"], // a party to the bill, before it is filed
    approve: ["insurer"],
    reject: ["insurer"],
    dispute: ["hospital", "patient", "patient-guardian"], // a claimant: the hospital, or the patient (gateway)
    applyDefault: ANYONE, // after the current step's deadline
    arbitrate: ["agency"], // the programme's arbitrator
    replaceArbitrator: ["governor"], // after the governor's delay
    setCarePayments: ["governor"], // once, at deployment (the governor is refused: it is named)
    withdrawCredit: ANYONE, // each payee its own credit; refused (ClaimsNoCredit) for whoever has none
    upgradeToAndCall: ["governor"],
    initialize: [],
    setAuthority: [],
  },
  ResearchMarket: {
    openRequest: ["researcher", "manufacturer"], // active, with its budget approved
    optIn: ["patient", "patient-guardian"], // through the gateway
    withdrawOptIn: ["patient", "patient-guardian"], // through the gateway, before delivering
    contribute: ["patient", "patient-guardian"], // through the gateway, from the patient's own records
    logRead: ["researcher"], // the request's researcher
    accept: ["researcher"], // the request's researcher
    contest: ["researcher"], // the request's researcher, active, within the window, after a logged read
    arbitrate: ["agency"], // the agency the request named
    settle: ANYONE, // after the contest window (or the agency's deadline)
    close: ["researcher"], // anyone after the deadline
    refund: ANYONE, // a closed request's remainder, to its researcher
    upgradeToAndCall: ["governor"],
    initialize: [],
    setAuthority: [],
  },
  CarePayments: {
    issue: ["hospital", "pharmacy"], // a hospital for a record it wrote, a pharmacy for a dispensing
    cancel: ["hospital"], // the invoice's issuer, while it is open
    pay: ["patient", "patient-guardian"], // through the gateway, the invoice's patient
    upgradeToAndCall: ["governor"],
    initialize: [],
    setAuthority: [],
  },
  DeviceRegistry: {
    requestApproval: ["manufacturer"], // an active manufacturer, naming an active regulator
    approveModel: ["regulator"], // the active regulator the manufacturer asked, for an active manufacturer
    approveFirmware: ["regulator"], // the regulator that approved the model
    withdrawFirmware: ["regulator"], // any active regulator: withdrawing only stops things
    withdrawModel: ["regulator"], // any active regulator
    restoreModel: ["governor"], // a withdrawn model, naming its withdrawal (the matrix's regulator withdraws first)
    restoreFirmware: ["governor"], // a withdrawn firmware version, naming its withdrawal (as the model's)
    reassignModel: ["governor"], // to another active regulator (the matrix onboards a second one)
    setProvisioner: ["manufacturer"], // the manufacturer, for itself (suspended: only clearing its key)
    bindDevice: ["patient", "patient-guardian"], // through the gateway, with the device's own signature
    revokeDevice: ["patient", "patient-guardian"], // through the gateway, the device's patient
    anchor: ANYONE, // signed by the device, bound and on an approved firmware
    setWriter: ["patient", "patient-guardian"], // through the gateway
    writeOwnRecord: ["patient", "patient-guardian"], // through the gateway, into the acting patient's own stream
    writeRecord: ["hospital"], // an active institution patient A named as a writer (the matrix names the hospital)
    follow: ["hospital"], // an active hospital with a treatment basis (the hospital broke the glass on patient A)
    unfollow: ["hospital", "suspended-hospital"], // a following hospital, whatever its status since (both follow)
    dropFollower: ["patient", "patient-guardian"], // through the gateway
    dropLapsedFollower: ANYONE, // a follower whose basis lapsed (the suspended hospital)
    upgradeToAndCall: ["governor"],
    initialize: [],
    setAuthority: [],
  },
  ProductRegistry: {
    assignPrefix: ["registrar"],
    cancelPrefix: ["guardian-role"],
    revokePrefix: ["governor"],
    registerProduct: ["manufacturer"], // the active holder of the GTIN's company prefix
    updateProduct: ["manufacturer"], // the product's owner
    publishLeaflet: ["manufacturer"], // the product's owner
    upgradeToAndCall: ["governor"],
    initialize: [],
    setAuthority: [],
  },
  SupplyChain: {
    registerBatch: ["manufacturer"], // the owner of the batch's GTIN in the product registry
    ship: ["manufacturer", "distributor", "pharmacy"], // the holder of the shipment the units come from
    accept: ["distributor"], // the shipment's receiver
    refuse: ["distributor"], // the shipment's receiver
    reclaim: ["manufacturer"], // the shipment's sender, after the timeout (at once if the receiver is not active)
    setAllowance: ["hospital"], // an active hospital, for its prescription
    cancelAllowance: ["hospital"], // the hospital that set the allowance
    revokeAllowance: ["guardian-role"],
    dispense: ["pharmacy"], // an active pharmacy holding the shipment
    registerDevice: INSTITUTIONS, // any active institution, with the device's own signature
    revokeDevice: ["distributor"], // the device's owner
    revokeDeviceByGovernance: ["guardian-role"],
    assignDevice: ["manufacturer", "distributor"], // the shipment's sender or receiver, with a device it owns
    submitReadings: ANYONE, // signed by a device assigned to the shipment
    resolveQuarantine: ["manufacturer", "regulator"], // the batch's manufacturer, or a regulator
    recall: ["manufacturer", "regulator"], // the batch's manufacturer, or a regulator
    withdrawRecall: ["governor"],
    noticeHolders: ANYONE,
    reportAdverseEvent: ["hospital", "pharmacy"], // an active hospital or pharmacy
    reportAdverseEventAsPatient: ANYONE, // signed by the prescription's key the unit was dispensed under
    confirmIntake: ANYONE, // signed by the prescription's key the unit was dispensed under
    upgradeToAndCall: ["governor"],
    initialize: [],
    setAuthority: [],
  },
};

/** Whether the table lets `actor` call `contract.fn`. */
export function mayCall(contract: string, fn: string, actor: Actor): boolean {
  const who = ACCESS[contract]?.[fn];
  if (who === undefined) throw new Error(`config/access.ts has no row for ${contract}.${fn}`);
  return who === ANYONE || who.includes(actor);
}
