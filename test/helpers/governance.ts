import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import type { MIIPAccessManager } from "../../typechain-types";

/**
 * Runs a delayed (GOVERNOR) call the way governance must: schedule it, wait the delay, execute it.
 * Returns the execute transaction.
 */
export async function governorCall(
  manager: MIIPAccessManager,
  governor: HardhatEthersSigner,
  target: { getAddress(): Promise<string> },
  data: string,
) {
  const targetAddress = await target.getAddress();
  await manager.connect(governor).schedule(targetAddress, data, 0);
  const [, delay] = await manager.getAccess(3n, governor.address);
  await time.increase(delay);
  return manager.connect(governor).execute(targetAddress, data);
}
