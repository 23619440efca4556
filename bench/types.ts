import path from "node:path";

import { type ContractTransactionResponse, Signature, type Signer, Wallet, ZeroAddress, ZeroHash, id } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import {
  BILL_TYPES,
  type BillMessage,
  PATIENT_CALL_TYPES,
  PERMIT_TYPES,
  REGISTER_PATIENT_TYPES,
  claimsDomain,
  participantsDomain,
} from "../config/eip712";
import { deploySuite } from "../scripts/lib/deploy";
import { loadParameters } from "../scripts/lib/parameters";
import type { ClaimEscrow, MockERC20, ParticipantRegistry } from "../typechain-types";

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
  /** Calls into other contracts the operation makes (CALL and STATICCALL to a contract, not a precompile). */
  calls?: number;
  /** The same count before patients became ids (issue 14), measured at commit 6a42dcc. */
  callsBefore?: number;
}

/** Sends a transaction and returns the gas its receipt reports. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}

/**
 * Sends a transaction and returns its gas and the number of calls it made into other contracts, from the
 * node's trace: CALL and STATICCALL to an address above the precompiles. A proxy's DELEGATECALL to its own
 * implementation is not a call into another contract, and is not counted.
 */
export async function measure(
  hre: HardhatRuntimeEnvironment,
  tx: Promise<ContractTransactionResponse>,
): Promise<{ gas: number; calls: number }> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  const trace = (await hre.network.provider.send("debug_traceTransaction", [
    receipt.hash,
    { disableMemory: true, disableStorage: true },
  ])) as { structLogs: { op: string; stack: string[] }[] };
  let calls = 0;
  for (const step of trace.structLogs) {
    if (step.op !== "CALL" && step.op !== "STATICCALL") continue;
    const target = BigInt("0x" + step.stack[step.stack.length - 2]);
    if (target > 0xffn) calls += 1;
  }
  return { gas: Number(receipt.gasUsed), calls };
}

/** A fresh suite, deployed as users deploy it (deploy/parameters/localhost.json through the Ignition modules). */
export async function freshSuite(hre: HardhatRuntimeEnvironment) {
  const parameters = path.join(__dirname, "..", "deploy", "parameters", "localhost.json");
  return deploySuite(hre, loadParameters(parameters), { baseDir: path.dirname(parameters) });
}

/**
 * Registers `count` patients, each a fresh key signing its own registration and a relayer (the first local
 * account) submitting it, as a hospital does at a first visit. Returns their ids.
 */
export async function registerBenchPatients(
  hre: HardhatRuntimeEnvironment,
  participants: ParticipantRegistry,
  count: number,
): Promise<bigint[]> {
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const domain = participantsDomain(chainId, await participants.getAddress());
  const deadline = BigInt((await time.latest()) + 3600);
  const ids: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const key = new Wallet(id(`bench patient ${i}`));
    const signature = await key.signTypedData(domain, REGISTER_PATIENT_TYPES, { account: key.address, deadline });
    await (await participants.registerPatientBySig(key.address, deadline, signature)).wait();
    ids.push((await participants.patientOf(key.address)).patientId);
  }
  return ids;
}

/** A patient action through the directory's gateway, sent by the patient's own key (`execute`). */
export function viaGateway(
  participants: ParticipantRegistry,
  patient: Signer,
  patientId: bigint,
  target: string,
  data: string,
): Promise<ContractTransactionResponse> {
  return participants.connect(patient).execute(patientId, ZeroHash, target, data);
}

/** A patient action signed by the patient's key and sent by `relayer` (`relay`): the patient pays nothing. */
export async function relayed(
  hre: HardhatRuntimeEnvironment,
  participants: ParticipantRegistry,
  patient: Signer,
  relayer: Signer,
  patientId: bigint,
  target: string,
  data: string,
): Promise<ContractTransactionResponse> {
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const call = {
    patientId,
    guardian: ZeroAddress,
    salt: ZeroHash,
    target,
    data,
    nonce: (await participants.patient(patientId)).nonce,
    deadline: BigInt((await time.latest()) + 3600),
  };
  const signature = await patient.signTypedData(
    participantsDomain(chainId, await participants.getAddress()),
    PATIENT_CALL_TYPES,
    call,
  );
  return participants.connect(relayer).relay(call, signature);
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

/** No co-payment permit: the patient's existing allowance (if any) is used. */
export const NO_PERMIT = { deadline: 0n, v: 0, r: ZeroHash, s: ZeroHash };

/** The hospital's EIP-712 signature of a bill, in the escrow's domain: its attestation, made off chain. */
export async function signBill(
  hre: HardhatRuntimeEnvironment,
  claims: ClaimEscrow,
  hospital: Signer,
  bill: BillMessage,
): Promise<string> {
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  return hospital.signTypedData(claimsDomain(chainId, await claims.getAddress()), BILL_TYPES, bill);
}

/** The patient's EIP-2612 permit letting the escrow move `value` of its tokens (the co-payment). */
export async function copayPermit(
  hre: HardhatRuntimeEnvironment,
  token: MockERC20,
  patient: Signer,
  escrow: string,
  value: bigint,
): Promise<{ deadline: bigint; v: number; r: string; s: string }> {
  const owner = await patient.getAddress();
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const deadline = BigInt((await time.latest()) + 3600);
  const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
  const message = { owner, spender: escrow, value, nonce: await token.nonces(owner), deadline };
  const { v, r, s } = Signature.from(await patient.signTypedData(domain, PERMIT_TYPES, message));
  return { deadline, v, r, s };
}
