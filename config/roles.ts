/**
 * The suite's roles, as numbered in the MIIPAccessManager. One table, imported by the deployment, the tests
 * and the docs, so that who-may-do-what is written down once.
 */
export const ROLES = {
  /** AccessManager's own admin role: grants roles, sets function roles and delays. Held by governance. */
  ADMIN: 0n,
  /** Runs the IST distribution: creates and revokes vesting grants, funds and sweeps airdrop rounds. */
  TREASURER: 1n,
} as const;

export type RoleName = keyof typeof ROLES;

/** Restricted functions per contract, and the role that may call each. */
export const FUNCTION_ROLES = {
  ISTDistribution: {
    createGrant: "TREASURER",
    revoke: "TREASURER",
    releasePool: "TREASURER",
  },
  ISTAirdrop: {
    sweep: "TREASURER",
  },
} as const satisfies Record<string, Record<string, RoleName>>;
