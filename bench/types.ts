import path from "node:path";

import type { ContractTransactionResponse } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { deploySuite } from "../scripts/lib/deploy";
import { loadParameters } from "../scripts/lib/parameters";

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

/** A fresh suite, deployed as users deploy it (deploy/parameters/localhost.json through the Ignition modules). */
export async function freshSuite(hre: HardhatRuntimeEnvironment) {
  const parameters = path.join(__dirname, "..", "deploy", "parameters", "localhost.json");
  return deploySuite(hre, loadParameters(parameters), { baseDir: path.dirname(parameters) });
}
