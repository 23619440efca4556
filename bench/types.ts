import type { ContractTransactionResponse } from "ethers";

/** One measured user operation. */
export interface GasRow {
  /** Stable key in bench/gas.json. */
  key: string;
  /** What was measured, for the table. */
  operation: string;
  gas: number;
  /** The ceiling, when it sets one. */
  target?: number;
  /** What the reference implementation measures in the same scenario, when there is one. */
  reference?: { name: string; gas: number };
  note?: string;
}

/** Sends a transaction and returns the gas its receipt reports. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}
