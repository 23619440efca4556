import { type ContractRunner, type Interface, getAddress } from "ethers";

import {
  FUNCTION_ROLES,
  GOVERNANCE,
  type ManagedContract,
  ROLES,
  type RoleName,
  type GovernanceAccount,
} from "../../config/roles";
import type { Deployment } from "../../packages/sdk/src/deployment";
import {
  AccessManagedUpgradeable__factory,
  ClaimEscrow__factory,
  ConsentManager__factory,
  ISTDistribution__factory,
  MIIPAccessManager__factory,
  ParticipantRegistry__factory,
  ProductRegistry__factory,
  RecordRegistry__factory,
  SupplyChain__factory,
  ResearchMarket__factory,
  CarePayments__factory,
  DeviceRegistry__factory,
} from "../../typechain-types";
import type { ResolvedParameters } from "./parameters";

/** The managed contracts, with the interface that names their selectors. */
const MANAGED: Record<ManagedContract, { address: (d: Deployment) => string; iface: Interface }> = {
  ISTDistribution: { address: (d) => d.ISTDistribution, iface: ISTDistribution__factory.createInterface() },
  ParticipantRegistry: {
    address: (d) => d.ParticipantRegistry,
    iface: ParticipantRegistry__factory.createInterface(),
  },
  RecordRegistry: { address: (d) => d.RecordRegistry, iface: RecordRegistry__factory.createInterface() },
  ConsentManager: { address: (d) => d.ConsentManager, iface: ConsentManager__factory.createInterface() },
  ClaimEscrow: { address: (d) => d.ClaimEscrow, iface: ClaimEscrow__factory.createInterface() },
  ProductRegistry: { address: (d) => d.ProductRegistry, iface: ProductRegistry__factory.createInterface() },
  SupplyChain: { address: (d) => d.SupplyChain, iface: SupplyChain__factory.createInterface() },
  ResearchMarket: { address: (d) => d.ResearchMarket, iface: ResearchMarket__factory.createInterface() },
  CarePayments: { address: (d) => d.CarePayments, iface: CarePayments__factory.createInterface() },
  DeviceRegistry: { address: (d) => d.DeviceRegistry, iface: DeviceRegistry__factory.createInterface() },
};

const ROLE_BY_ID = new Map<bigint, RoleName>(Object.entries(ROLES).map(([name, id]) => [id, name as RoleName]));
const roleName = (id: bigint): string => ROLE_BY_ID.get(id) ?? `role ${id}`;

/** Governance as a deployment holds it, read back from the access manager and the directory. */
export interface GovernanceSnapshot {
  /** The access manager the deployment names. */
  manager: string;
  /**
   * Per role (by name, or `role <id>` for a role config/roles.ts does not know): members and their delay in
   * force, changes decided but not in force yet (a grant waiting for its grant delay, an execution delay being
   * changed), the role that administers it, the one that cancels its scheduled calls, its grant delay.
   */
  roles: Record<
    string,
    {
      members: Record<string, number>;
      pending: string[];
      admin: string;
      canceller: string;
      grantDelay: number;
    }
  >;
  /** Per managed contract: the authority it obeys (it must be the deployment's manager), and whether it is closed. */
  targets: Record<string, { authority: string; closed: boolean }>;
  /** Per managed contract: every selector mapped to a role other than ADMIN, by function name. */
  functions: Record<string, Record<string, string>>;
  /** Per managed contract: the admin delay in force now, and the one set last (in force from `since`). */
  targetAdminDelays: Record<string, { current: number; set: number; since: number }>;
  /** The participant directory's onboarding delay, in seconds. */
  onboardingDelay: number;
  /** Operations scheduled in the access manager and neither executed, cancelled nor expired: changes under way. */
  scheduled: string[];
}

/**
 * Reads a deployment's governance back from the chain: members of every role from the access manager's
 * `RoleGranted`/`RoleRevoked` events (AccessManager does not enumerate members) confirmed with `hasRole`,
 * function roles from `TargetFunctionRoleUpdated` confirmed with `getTargetFunctionRole`, role guardians,
 * target admin delays and the onboarding delay.
 */
export async function readGovernance(runner: ContractRunner, deployment: Deployment): Promise<GovernanceSnapshot> {
  const manager = MIIPAccessManager__factory.connect(deployment.MIIPAccessManager, runner);
  const from = deployment.startBlock;
  const granted = await manager.queryFilter(manager.filters.RoleGranted(), from);
  const revoked = await manager.queryFilter(manager.filters.RoleRevoked(), from);
  const events = [...granted, ...revoked].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const candidates = new Map<bigint, Set<string>>();
  for (const e of events) {
    const [roleId, account] = [e.args[0] as bigint, getAddress(e.args[1] as string)];
    if (!candidates.has(roleId)) candidates.set(roleId, new Set());
    candidates.get(roleId)!.add(account);
  }
  for (const id of Object.values(ROLES)) if (!candidates.has(id)) candidates.set(id, new Set());

  const roles: GovernanceSnapshot["roles"] = {};
  const now = (await runner.provider!.getBlock("latest"))!.timestamp;
  for (const [roleId, accounts] of candidates) {
    const members: Record<string, number> = {};
    const pending: string[] = [];
    for (const account of accounts) {
      const [since, delay, pendingDelay, effect] = await manager.getAccess(roleId, account);
      // A grant waiting for its grant delay is not membership yet, but it is decided: both are reported.
      if (since !== 0n && Number(since) <= now) members[account] = Number(delay);
      if (since !== 0n && Number(since) > now) pending.push(`${account} becomes a member at ${since}`);
      if (effect !== 0n) pending.push(`${account}'s delay becomes ${pendingDelay} at ${effect}`);
    }
    roles[roleName(roleId)] = {
      members,
      pending,
      admin: roleName(await manager.getRoleAdmin(roleId)),
      canceller: roleName(await manager.getRoleGuardian(roleId)),
      grantDelay: Number(await manager.getRoleGrantDelay(roleId)),
    };
  }

  const functions: GovernanceSnapshot["functions"] = {};
  const targets: GovernanceSnapshot["targets"] = {};
  const targetAdminDelays: GovernanceSnapshot["targetAdminDelays"] = {};
  const mappings = await manager.queryFilter(manager.filters.TargetFunctionRoleUpdated(), from);
  const delays = await manager.queryFilter(manager.filters.TargetAdminDelayUpdated(), from);
  for (const [name, { address, iface }] of Object.entries(MANAGED)) {
    const target = getAddress(address(deployment));
    const mapped: Record<string, string> = {};
    const selectors = new Set(
      mappings.filter((e) => getAddress(e.args[0] as string) === target).map((e) => e.args[1] as string),
    );
    for (const selector of selectors) {
      const role = await manager.getTargetFunctionRole(target, selector);
      if (role === ROLES.ADMIN) continue; // the default: mapped back, or never mapped
      mapped[iface.getFunction(selector)?.name ?? selector] = roleName(role);
    }
    functions[name] = mapped;
    const managed = AccessManagedUpgradeable__factory.connect(target, runner);
    targets[name] = { authority: getAddress(await managed.authority()), closed: await manager.isTargetClosed(target) };
    const last = delays.filter((e) => getAddress(e.args[0] as string) === target).at(-1);
    targetAdminDelays[name] = {
      current: Number(await manager.getTargetAdminDelay(target)),
      set: last ? Number(last.args[1]) : 0,
      since: last ? Number(last.args[2]) : 0,
    };
  }

  // Scheduled operations still pending: getSchedule answers 0 once one is executed, cancelled or expired.
  const names = new Map<string, { name: string; iface: Interface }>(
    Object.entries(MANAGED).map(([name, { address, iface }]) => [getAddress(address(deployment)), { name, iface }]),
  );
  names.set(getAddress(deployment.MIIPAccessManager), { name: "MIIPAccessManager", iface: manager.interface });
  const scheduled: string[] = [];
  const seen = new Set<string>();
  for (const e of await manager.queryFilter(manager.filters.OperationScheduled(), from)) {
    const operationId = e.args.operationId as string;
    if (seen.has(operationId)) continue;
    seen.add(operationId);
    const when = await manager.getSchedule(operationId);
    if (when === 0n) continue;
    const target = names.get(getAddress(e.args.target as string));
    const fn =
      target?.iface.parseTransaction({ data: e.args.data as string })?.name ?? (e.args.data as string).slice(0, 10);
    scheduled.push(`${e.args.caller} calls ${target?.name ?? e.args.target}.${fn}, executable from ${when}`);
  }

  const participants = ParticipantRegistry__factory.connect(deployment.ParticipantRegistry, runner);
  return {
    scheduled,
    manager: getAddress(deployment.MIIPAccessManager),
    roles,
    targets,
    functions,
    targetAdminDelays,
    onboardingDelay: Number(await participants.onboardingDelay()),
  };
}

/** The account of the parameter file that holds a role. */
function holderOf(resolved: ResolvedParameters, account: GovernanceAccount): string {
  switch (account) {
    case "admin":
      return resolved.admin;
    case "treasurer":
      return resolved.treasurer;
    default:
      return resolved.registry[account];
  }
}

/**
 * What a deployment of a parameter file must hold, from config/roles.ts: GOVERNANCE (holders, delays,
 * cancellers) and FUNCTION_ROLES, with every target admin delay and the onboarding delay from the file.
 */
export function expectedGovernance(resolved: ResolvedParameters): {
  roles: Record<string, { members: Record<string, number>; canceller: string }>;
  functions: GovernanceSnapshot["functions"];
  targetAdminDelay: number;
  onboardingDelay: number;
} {
  const roles: Record<string, { members: Record<string, number>; canceller: string }> = {};
  for (const [role, policy] of Object.entries(GOVERNANCE) as [RoleName, (typeof GOVERNANCE)[RoleName]][]) {
    const delay = policy.executionDelay === "governor" ? resolved.registry.governorDelay : 0;
    roles[role] = { members: { [getAddress(holderOf(resolved, policy.holder))]: delay }, canceller: policy.canceller };
  }
  const functions: GovernanceSnapshot["functions"] = {};
  for (const [contract, table] of Object.entries(FUNCTION_ROLES)) functions[contract] = { ...table };
  return {
    roles,
    functions,
    targetAdminDelay: resolved.registry.governorDelay,
    onboardingDelay: resolved.registry.onboardingDelay,
  };
}

/**
 * Every difference between a deployment's governance and what its parameter file and config/roles.ts promise,
 * one sentence each; empty when they agree. A target admin delay counts as set when the last change set the
 * governor's delay, whether or not AccessManager's setback has passed (`current` tells which).
 */
export function governanceDifferences(
  actual: GovernanceSnapshot,
  expected: ReturnType<typeof expectedGovernance>,
): string[] {
  const problems: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort());
  for (const role of new Set([...Object.keys(actual.roles), ...Object.keys(expected.roles)])) {
    const a = actual.roles[role];
    const e = expected.roles[role];
    if (e === undefined) {
      if (Object.keys(a.members).length > 0) problems.push(`${role} is held but config/roles.ts has no such role`);
      continue;
    }
    if (a === undefined || !same(sorted(a.members), sorted(e.members))) {
      problems.push(`${role}: members ${JSON.stringify(a?.members ?? {})}, expected ${JSON.stringify(e.members)}`);
    }
    if (a === undefined) continue;
    if (a.canceller !== e.canceller) problems.push(`${role}: cancelled by ${a.canceller}, expected ${e.canceller}`);
    // Every role is administered by ADMIN alone: another admin role would grant it without ADMIN's delay.
    if (a.admin !== "ADMIN") problems.push(`${role}: administered by ${a.admin}, expected ADMIN`);
    if (a.grantDelay !== 0) problems.push(`${role}: grant delay ${a.grantDelay}, expected none`);
    for (const change of a.pending) problems.push(`${role}: a change is decided but not in force: ${change}`);
  }
  for (const [contract, { authority, closed }] of Object.entries(actual.targets)) {
    if (authority !== actual.manager)
      problems.push(`${contract}: obeys ${authority}, not the suite's ${actual.manager}`);
    if (closed) problems.push(`${contract}: closed in the access manager`);
  }
  for (const contract of Object.keys(expected.functions)) {
    if (!same(sorted(actual.functions[contract] ?? {}), sorted(expected.functions[contract]))) {
      problems.push(
        `${contract}: functions ${JSON.stringify(actual.functions[contract])}, expected ${JSON.stringify(expected.functions[contract])}`,
      );
    }
    const delay = actual.targetAdminDelays[contract];
    if (delay === undefined || delay.set !== expected.targetAdminDelay) {
      problems.push(
        `${contract}: admin delay set to ${delay?.set ?? "nothing"}, expected ${expected.targetAdminDelay}`,
      );
    }
  }
  for (const operation of actual.scheduled) problems.push(`an operation is scheduled: ${operation}`);
  if (actual.onboardingDelay !== expected.onboardingDelay) {
    problems.push(`onboarding delay ${actual.onboardingDelay}, expected ${expected.onboardingDelay}`);
  }
  return problems;
}
