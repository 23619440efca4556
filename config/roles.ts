/**
 * The suite's roles, as numbered in the MIIPAccessManager. One table, imported by the deployment, the tests
 * and the docs, so that who-may-do-what is written down once.
 *
 * AccessManager attaches delays to a role's members, so the dangerous operations have a role of their own,
 * GOVERNOR, whose members act only through `schedule` + `execute` after their delay; the urgent ones
 * (onboarding, suspension, pausing) are immediate.
 */
export const ROLES = {
  /** AccessManager's own admin: grants roles, sets function roles and delays. Held by governance. */
  ADMIN: 0n,
  /** Runs the IST distribution: creates and revokes vesting grants, releases pool tokens. */
  TREASURER: 1n,
  /** Onboards institutions, suspends them at once, updates their profile. */
  REGISTRAR: 2n,
  /**
   * Dangerous changes, delayed: reinstating, retiring, recovering an address, record types, the read policy,
   * unpausing, the emergency window, upgrades.
   */
  GOVERNOR: 3n,
  /** Pauses writes in an emergency, and revokes a compromised IoT device, at once. */
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
    reinstate: "GOVERNOR",
    retire: "GOVERNOR",
    recoverAccount: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
  },
  RecordRegistry: {
    setRecordType: "GOVERNOR",
    setReadPolicy: "GOVERNOR",
    unpause: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
    pause: "GUARDIAN",
  },
  ConsentManager: {
    setEmergencyWindow: "GOVERNOR",
    upgradeToAndCall: "GOVERNOR",
  },
  ClaimEscrow: {
    upgradeToAndCall: "GOVERNOR",
  },
  SupplyChain: {
    revokeDeviceByGovernance: "GUARDIAN",
    upgradeToAndCall: "GOVERNOR",
  },
} as const satisfies Record<string, Record<string, RoleName>>;

export type ManagedContract = keyof typeof FUNCTION_ROLES;

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
