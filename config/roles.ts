/**
 * The suite's roles, as numbered in the MIIPAccessManager. One table, imported by the deployment, the tests
 * and the docs, so that who-may-do-what is written down once.
 *
 * AccessManager attaches delays to a role's members, so the dangerous operations have a role of their own,
 * GOVERNOR, whose members act only through `schedule` + `execute` after their delay; the ADMIN acts with the
 * same delay. The protective ones (suspension, pausing, cancelling) are immediate. Onboarding is the
 * registrar's and immediate to send, but the institution only gains its rights after the participant
 * directory's own onboarding delay.
 */
export const ROLES = {
  /** AccessManager's own admin: grants roles, sets function roles and delays. Held by governance, delayed. */
  ADMIN: 0n,
  /** Runs the IST distribution: creates and revokes vesting grants, releases pool tokens. */
  TREASURER: 1n,
  /** Onboards institutions (pending for the onboarding delay), suspends them at once, updates their profile. */
  REGISTRAR: 2n,
  /**
   * Dangerous changes, delayed: reinstating, retiring, recovering an address, the onboarding delay, record
   * types, the read policy, unpausing, the emergency window, withdrawing a recall, upgrades.
   */
  GOVERNOR: 3n,
  /**
   * Protective and immediate: pauses writes, revokes a compromised IoT device, cancels a pending onboarding,
   * and cancels a scheduled GOVERNOR operation (it is the GOVERNOR role's guardian in the access manager).
   */
  GUARDIAN: 4n,
} as const;

export type RoleName = keyof typeof ROLES;

/** Restricted functions per contract, and the role that may call each. */
export const FUNCTION_ROLES = {
  ISTDistribution: {
    createGrant: "TREASURER",
    revoke: "TREASURER",
    releasePool: "TREASURER",
  },
  ParticipantRegistry: {
    register: "REGISTRAR",
    suspend: "REGISTRAR",
    updateProfile: "REGISTRAR",
    cancelOnboarding: "GUARDIAN",
    reinstate: "GOVERNOR",
    retire: "GOVERNOR",
    recoverAccount: "GOVERNOR",
    setOnboardingDelay: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
  },
  RecordRegistry: {
    setRecordType: "GOVERNOR",
    setReadPolicy: "GOVERNOR",
    setPatientStreams: "GOVERNOR",
    unpause: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
    pause: "GUARDIAN",
  },
  ConsentManager: {
    setEmergencyWindow: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
  },
  ClaimEscrow: {
    replaceArbitrator: "GOVERNOR",
    setCarePayments: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
  },
  ResearchMarket: {
    upgradeToAndCall: "GOVERNOR",
  },
  CarePayments: {
    upgradeToAndCall: "GOVERNOR",
  },
  DeviceRegistry: {
    restoreModel: "GOVERNOR",
    restoreFirmware: "GOVERNOR",
    reassignModel: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
  },
  ProductRegistry: {
    assignPrefix: "REGISTRAR",
    cancelPrefix: "GUARDIAN",
    revokePrefix: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
  },
  SupplyChain: {
    revokeDeviceByGovernance: "GUARDIAN",
    revokeAllowance: "GUARDIAN",
    withdrawRecall: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
  },
} as const satisfies Record<string, Record<string, RoleName>>;

export type ManagedContract = keyof typeof FUNCTION_ROLES;

/** Which account of the parameter file's `governance` section holds a role. */
export type GovernanceAccount = "admin" | "treasurer" | "registrar" | "governor" | "guardian";

/**
 * What governance promises, role by role: who holds it, with which execution delay, which role may cancel its
 * scheduled operations, and the limit on it. SECURITY.md's trust table is printed from this (`npm run access`)
 * and `test/security/Governance.test.ts` (`test/e2e/governance.test.ts` for sepolia.json) reads every row back from a deployment of each parameter file.
 */
export const GOVERNANCE: Record<
  RoleName,
  {
    /** The parameter file's account that holds the role, and no other account. */
    holder: GovernanceAccount;
    /** `governor`: the parameter file's `governorDelayHours`; `none`: immediate. */
    executionDelay: "governor" | "none";
    /** The role whose members may cancel this role's scheduled operations (AccessManager's role guardian). */
    canceller: RoleName;
    /** What the role can do, beyond the functions listed for it. */
    can: string;
    /** The limit on it, each part checked by a test. */
    limit: string;
  }
> = {
  ADMIN: {
    holder: "admin",
    executionDelay: "governor",
    canceller: "ADMIN",
    can: "grant and revoke roles, map functions to roles, set delays",
    limit:
      "acts with the governor's delay, scheduled in public; every managed contract's admin delay is the same, so no delayed function can be re-mapped at once; on a public network the deploying key cannot be the admin",
  },
  GOVERNOR: {
    holder: "governor",
    executionDelay: "governor",
    canceller: "GUARDIAN",
    can: "upgrade the proxies; reinstate, retire or recover an institution; set the onboarding delay, record types, the read policy, the emergency window; unpause; withdraw a recall; restore a withdrawn device model or firmware version, hand a device model to another regulator; name the device registry once",
    limit:
      "every call is scheduled, public for the whole delay, then executed; the GUARDIAN role can cancel it meanwhile; undoing a recall, a suspension, a pause or a device withdrawal names the act it undoes, so it can only be scheduled after that act",
  },
  REGISTRAR: {
    holder: "registrar",
    executionDelay: "none",
    canceller: "ADMIN",
    can: "onboard institutions, suspend them, update profiles",
    limit:
      "an onboarded institution is pending, public and cancellable by the GUARDIAN role for the onboarding delay before it has any right, a delay the contract keeps between 1 and 30 days; suspension is immediate; it cannot reinstate",
  },
  GUARDIAN: {
    holder: "guardian",
    executionDelay: "none",
    canceller: "ADMIN",
    can: "pause the record registry, revoke an IoT device or a prescription's allowance, cancel a pending onboarding or a scheduled GOVERNOR operation",
    limit: "immediate and only protective: it can stop things, never start them; unpausing is the governor's",
  },
  TREASURER: {
    holder: "treasurer",
    executionDelay: "none",
    canceller: "ADMIN",
    can: "create and revoke vesting grants, release pool tokens",
    limit:
      "within the categories fixed at genesis; revoked tokens go back to the reserve category, never to an account",
  },
};

/** The functions of a contract grouped by the role that may call them. */
export function functionsByRole(contract: ManagedContract): [RoleName, string[]][] {
  const groups = new Map<RoleName, string[]>();
  for (const [fn, role] of Object.entries(FUNCTION_ROLES[contract]) as [string, RoleName][]) {
    groups.set(role, [...(groups.get(role) ?? []), fn]);
  }
  return [...groups.entries()];
}

/** The record types enabled at deployment; governance adds more (up to 127) without a redeploy. */
export const RECORD_TYPES = {
  diagnosis: 1,
  prescription: 2,
  "lab-result": 3,
  imaging: 4,
  vaccination: 5,
  "discharge-summary": 6,
  "claim-document": 7,
  "device-readings": 8,
} as const;

export type RecordTypeName = keyof typeof RECORD_TYPES;

/** Institution kinds, as numbered in IParticipantRegistry.Kind. */
export const KINDS = {
  hospital: 1,
  pharmacy: 2,
  insurer: 3,
  "public-health-agency": 4,
  researcher: 5,
  manufacturer: 6,
  distributor: 7,
  regulator: 8,
} as const;

export type KindName = keyof typeof KINDS;

/** Read purposes, as numbered in IRecordRegistry.Purpose. */
export const PURPOSES = {
  treatment: 0,
  "insurance-claim": 1,
  research: 2,
  "public-health": 3,
} as const;
