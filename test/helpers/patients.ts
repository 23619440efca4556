import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, Signer } from "ethers";

import { PATIENT_CALL_TYPES, participantsDomain, type PatientCall } from "../../config/eip712";
import type { ParticipantRegistry } from "../../typechain-types";

/** Registers each signer as a patient (the key's own transaction) and returns their ids, in order. */
export async function registerPatients(
  participants: ParticipantRegistry,
  ...patients: HardhatEthersSigner[]
): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (const patient of patients) {
    await (await participants.connect(patient).registerPatient()).wait();
    ids.push((await participants.patientOf(patient.address)).patientId);
  }
  return ids;
}

/** The commitment that stands for a guardian on chain: keccak256(abi.encode(patientId, guardian, salt)). */
export function guardianCommitment(patientId: bigint, guardian: string, salt: string): string {
  return hre.ethers.keccak256(
    hre.ethers.AbiCoder.defaultAbiCoder().encode(["uint64", "address", "bytes32"], [patientId, guardian, salt]),
  );
}

/** A salt for a guardian, from a label (tests only: real salts are random). */
export const salt = (label: string) => hre.ethers.id(`salt:${label}`);

/** What a relayed request names, with defaults for the rest. */
export interface CallSpec {
  patientId: bigint;
  target: BaseContract | string;
  data: string;
  guardian?: string;
  salt?: string;
  nonce?: bigint;
  deadline?: bigint;
}

/**
 * A request signed by `signer` for ParticipantRegistry.relay: the nonce defaults to the signer's next one (the
 * patient's, or the guardian's when `guardian` is set), the deadline to an hour from now.
 */
export async function signedCall(
  participants: ParticipantRegistry,
  signer: Signer,
  spec: CallSpec,
  domain?: { chainId?: bigint; verifyingContract?: string },
): Promise<{ call: PatientCall; signature: string }> {
  const guardian = spec.guardian ?? hre.ethers.ZeroAddress;
  const saltValue = spec.salt ?? hre.ethers.ZeroHash;
  let nonce = spec.nonce;
  if (nonce === undefined) {
    nonce =
      guardian === hre.ethers.ZeroAddress
        ? (await participants.patient(spec.patientId)).nonce
        : (await participants.guardian(spec.patientId, guardianCommitment(spec.patientId, guardian, saltValue))).nonce;
  }
  const target = typeof spec.target === "string" ? spec.target : await spec.target.getAddress();
  const call: PatientCall = {
    patientId: spec.patientId,
    guardian,
    salt: saltValue,
    target,
    data: spec.data,
    nonce,
    deadline: spec.deadline ?? BigInt((await time.latest()) + 3600),
  };
  const chainId = domain?.chainId ?? (await hre.ethers.provider.getNetwork()).chainId;
  const verifyingContract = domain?.verifyingContract ?? (await participants.getAddress());
  const signature = await signer.signTypedData(
    participantsDomain(chainId, verifyingContract),
    PATIENT_CALL_TYPES,
    call,
  );
  return { call, signature };
}

/** Something whose calls can be encoded: a typechain contract. */
interface Encodable {
  interface: { encodeFunctionData(fragment: string, values?: readonly unknown[]): string };
  getAddress(): Promise<string>;
}

/**
 * The patient's own key acts on a service through the directory's gateway (ParticipantRegistry.execute):
 * the only way a patient action reaches a service. Returns the transaction.
 */
export async function asPatient(
  participants: ParticipantRegistry,
  patient: Signer,
  patientId: bigint,
  target: Encodable,
  fn: string,
  args: readonly unknown[] = [],
) {
  const data = target.interface.encodeFunctionData(fn, args);
  return participants.connect(patient).execute(patientId, hre.ethers.ZeroHash, await target.getAddress(), data);
}

/** A guardian acts for the patient through the gateway, proving its commitment with its salt. */
export async function asGuardian(
  participants: ParticipantRegistry,
  guardian: Signer,
  patientId: bigint,
  guardianSalt: string,
  target: Encodable,
  fn: string,
  args: readonly unknown[] = [],
) {
  const data = target.interface.encodeFunctionData(fn, args);
  return participants.connect(guardian).execute(patientId, guardianSalt, await target.getAddress(), data);
}

/**
 * The patient signs the action off chain and `relayer` sends it (ParticipantRegistry.relay): the patient pays
 * nothing. Returns the transaction.
 */
export async function relayedAsPatient(
  participants: ParticipantRegistry,
  patient: Signer,
  relayer: Signer,
  patientId: bigint,
  target: Encodable,
  fn: string,
  args: readonly unknown[] = [],
) {
  const data = target.interface.encodeFunctionData(fn, args);
  const { call, signature } = await signedCall(participants, patient, {
    patientId,
    target: await target.getAddress(),
    data,
  });
  return participants.connect(relayer).relay(call, signature);
}

/** The salt the fixtures use for the named local `guardian` account, appointed with the act power. */
export const GUARDIAN_SALT = hre.ethers.id("salt:guardian");
