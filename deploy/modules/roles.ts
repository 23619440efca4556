import type {
  CallableContractFuture,
  ContractFuture,
  Future,
  IgnitionModuleBuilder,
} from "@nomicfoundation/ignition-core";
import type { Interface } from "ethers";

import { type ManagedContract, ROLES, type RoleName, functionsByRole } from "../../config/roles";

/**
 * Gives each restricted function of `target` to its role from config/roles.ts, in the access manager.
 * `after` lists calls the deployer makes as admin first: once a function belongs to a role, the admin no
 * longer passes its `restricted` check.
 */
export function wireFunctionRoles(
  m: IgnitionModuleBuilder,
  manager: CallableContractFuture<string>,
  name: ManagedContract,
  target: ContractFuture<string>,
  iface: Interface,
  after: Future[] = [],
): void {
  for (const [role, functions] of functionsByRole(name)) {
    const selectors = functions.map((fn) => {
      const fragment = iface.getFunction(fn);
      if (fragment === null) throw new Error(`config/roles.ts names ${name}.${fn}, which does not exist`);
      return fragment.selector;
    });
    m.call(manager, "setTargetFunctionRole", [target, selectors, ROLES[role]], { id: `${name}_${role}`, after });
  }
}

/** Labels a role and grants it to the account in parameter `<role>` (lower case), with an execution delay. */
export function grantRoleFromParameter(
  m: IgnitionModuleBuilder,
  manager: CallableContractFuture<string>,
  role: RoleName,
  executionDelay: number | ReturnType<IgnitionModuleBuilder["getParameter"]> = 0,
): void {
  m.call(manager, "labelRole", [ROLES[role], role], { id: `label_${role}` });
  m.call(manager, "grantRole", [ROLES[role], m.getParameter<string>(role.toLowerCase()), executionDelay], {
    id: `grant_${role}`,
  });
}
