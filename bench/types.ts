import path from "node:path";
import { brotliCompressSync, constants as zlib } from "node:zlib";

import {
  type ContractTransactionResponse,
  Signature,
  type Signer,
  Transaction,
  type TransactionResponse,
  Wallet,
  ZeroAddress,
  ZeroHash,
  getBytes,
  id,
} from "ethers";
import { LibZip } from "solady";
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
  /** What a rollup posts of the transaction, when the row is one transaction's gas (not a sum or an average). */
  data?: DataCost;
}

/**
 * What a transaction costs in data: on a rollup (OP Stack, Arbitrum) the fee is mostly the L1 data of the signed
 * transaction, which the sequencer posts compressed. Bytes: the calldata, the signed transaction, and the signed
 * transaction compressed with FastLZ (what OP Stack's fee oracle estimates from since Fjord) and with brotli
 * (quality 11, what OP Stack batches and Arbitrum's batch poster compress with; alone, a transaction compresses
 * worse than within a batch).
 */
export interface DataCost {
  calldata: number;
  signed: number;
  fastlz: number;
  brotli: number;
}

/**
 * One transaction's gas, carrying its data cost: a Number object typed as a number. Arithmetic on it gives a plain
 * number, so a row built from a sum or an average of several transactions carries no data cost; only rows that are
 * one transaction's gas do (`measureGas` reads the cost and makes every row's gas a plain number again).
 */
function carrying(gas: bigint, data: DataCost): number {
  return Object.assign(new Number(Number(gas)), { data }) as unknown as number;
}

/** The data cost a gas figure carries, when it is one transaction's (see `carrying`). */
export function carriedData(gas: unknown): DataCost | undefined {
  return gas instanceof Number ? (gas as Number & { data?: DataCost }).data : undefined;
}

/** The data cost of a mined transaction, from its signed serialisation. */
export function dataCost(tx: TransactionResponse): DataCost {
  const signed = Transaction.from({
    type: tx.type,
    to: tx.to,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    gasPrice: tx.type === 2 ? null : tx.gasPrice,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    data: tx.data,
    value: tx.value,
    chainId: tx.chainId,
    accessList: tx.accessList,
    signature: tx.signature,
  }).serialized;
  const bytes = getBytes(signed);
  return {
    calldata: getBytes(tx.data).length,
    signed: bytes.length,
    fastlz: getBytes(LibZip.flzCompress(signed)).length,
    brotli: brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** Sends a transaction and returns the gas its receipt reports, with the transaction's data cost. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const sent = await tx;
  const receipt = await sent.wait();
  if (receipt === null) throw new Error("no receipt");
  return carrying(receipt.gasUsed, dataCost(sent));
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
  const sent = await tx;
  const receipt = await sent.wait();
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
  return { gas: carrying(receipt.gasUsed, dataCost(sent)), calls };
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
