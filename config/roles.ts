/**
 * The suite's roles, as numbered in the MIIPAccessManager. One table, imported by the deployment, the tests
 * and the docs, so that who-may-do-what is written down once.
 */
export const ROLES = {
  /** AccessManager's own admin role: grants roles, sets function roles and delays. Held by governance. */
  ADMIN: 0n,
  /** Runs the IST distribution: creates and revokes vesting grants, releases pool tokens. */
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
} as const satisfies Record<string, Record<string, RoleName>>;

/** The functions of a contract grouped by the role that may call them. */
export function functionsByRole(contract: keyof typeof FUNCTION_ROLES): [RoleName, string[]][] {
  const groups = new Map<RoleName, string[]>();
  for (const [fn, role] of Object.entries(FUNCTION_ROLES[contract]) as [string, RoleName][]) {
    groups.set(role, [...(groups.get(role) ?? []), fn]);
  }
  return [...groups.entries()];
}
