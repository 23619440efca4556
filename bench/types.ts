import path from "node:path";

import { type ContractTransactionResponse, type Signer, id } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { deploySuite } from "../scripts/lib/deploy";
import { loadParameters } from "../scripts/lib/parameters";
import type { ParticipantRegistry } from "../typechain-types";

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

/** One institution for {onboardAll}: its address, kind (as in config/roles.ts KINDS) and display name. */
export type BenchInstitution = readonly [account: { address: string }, kind: number, name: string];

/**
 * Onboards institutions as every deployment must: registered (pending), the onboarding delay passed, then
 * activated. The clock moves by the delay, the same amount on every run, so gas stays reproducible.
 */
export async function onboardAll(
  participants: ParticipantRegistry,
  registrar: Signer,
  institutions: readonly BenchInstitution[],
): Promise<void> {
  const ids: bigint[] = [];
  for (const [account, kind, name] of institutions) {
    await (
      await participants.connect(registrar).register(account.address, kind, id(`licence:${account.address}`), name, "")
    ).wait();
    ids.push(await participants.institutionCount());
  }
  await time.increase(await participants.onboardingDelay());
  for (const id of ids) await (await participants.activate(id)).wait();
}
