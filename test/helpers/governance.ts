import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import type { MIIPAccessManager } from "../../typechain-types";

/**
 * Runs a delayed call the way governance must: schedule it, wait until the access manager allows it (the
 * caller's execution delay, or a target's admin delay if longer), execute it. Returns the execute transaction.
 */
export async function delayedCall(
  manager: MIIPAccessManager,
  caller: HardhatEthersSigner,
  target: { getAddress(): Promise<string> },
  data: string,
) {
  const targetAddress = await target.getAddress();
  await (await manager.connect(caller).schedule(targetAddress, data, 0)).wait();
  const when = await manager.getSchedule(await manager.hashOperation(caller.address, targetAddress, data));
  await time.increaseTo(when);
  return manager.connect(caller).execute(targetAddress, data);
}

/** A GOVERNOR call: scheduled, delayed, executed (see {delayedCall}). */
export const governorCall = delayedCall;

/** An ADMIN call to the access manager itself (grant, revoke, map a function): scheduled, delayed, executed. */
export async function adminCall(manager: MIIPAccessManager, admin: HardhatEthersSigner, data: string) {
  return delayedCall(manager, admin, manager, data);
}
