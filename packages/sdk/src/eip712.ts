/**
 * The suite's EIP-712 typed data for ethers: the types and domains of `@miip/contracts` (plain data, the one
 * definition), typed as ethers' signers take them, and the shapes of the messages the contracts verify.
 */
import { Signature, type TypedDataDomain, type TypedDataField } from "ethers";
import * as data from "@miip/contracts";

type Types = Record<string, TypedDataField[]>;
const typed = (types: object) => types as Types;

/** A patient's consent, signed without gas (ConsentManager.grantBySig). */
export const CONSENT_TYPES = typed(data.CONSENT_TYPES);
/** EIP-2612 permit of the IST token: a holder approves a spender by signature. */
export const PERMIT_TYPES = typed(data.PERMIT_TYPES);
/** A cold-chain reading signed by an IoT device (SupplyChain.submitReadings). */
export const READING_TYPES = typed(data.READING_TYPES);
/** A device's consent to be registered by an institution (SupplyChain.registerDevice). */
export const DEVICE_REGISTRATION_TYPES = typed(data.DEVICE_REGISTRATION_TYPES);
/** A patient's adverse-event report, signed by the prescription's allowance key (reportAdverseEventAsPatient). */
export const ADVERSE_EVENT_REPORT_TYPES = typed(data.ADVERSE_EVENT_REPORT_TYPES);
/** A patient's consent that one pharmacy fill their prescription, signed by the prescription's key. */
export const FILL_TYPES = typed(data.FILL_TYPES);
/** An address's own request to become a patient (ParticipantRegistry.registerPatientBySig). */
export const REGISTER_PATIENT_TYPES = typed(data.REGISTER_PATIENT_TYPES);
/** A new address accepting a patient's account, after a rotation or a recovery (acceptPatientAccountBySig). */
export const ACCEPT_PATIENT_ACCOUNT_TYPES = typed(data.ACCEPT_PATIENT_ACCOUNT_TYPES);
/** A patient action signed by the patient's key or a guardian's and sent by anyone (ParticipantRegistry.relay). */
export const PATIENT_CALL_TYPES = typed(data.PATIENT_CALL_TYPES);
/** A bill both parties to the care attest (IClaimEscrow.Bill). */
export const BILL_TYPES = typed(data.BILL_TYPES);

/** A personal device's consent to be bound to a patient (DeviceRegistry.bindDevice). */
export const DEVICE_BINDING_TYPES = typed(data.DEVICE_BINDING_TYPES);
/** A manufacturer's provisioning of a device key for one of its models (DeviceRegistry.bindDevice). */
export const DEVICE_PROVISIONING_TYPES = typed(data.DEVICE_PROVISIONING_TYPES);
/** A device's signature over a record of its patient's own stream (DeviceRegistry.writeOwnRecord). */
export const DEVICE_RECORD_TYPES = typed(data.DEVICE_RECORD_TYPES);
/** An anchor of a period of a personal device's encrypted readings, signed by the device (DeviceRegistry.anchor). */
export const READING_ANCHOR_TYPES = typed(data.READING_ANCHOR_TYPES);
/** A patient's confirmation that it took a dispensed unit, signed by the prescription's key (confirmIntake). */
export const INTAKE_TYPES = typed(data.INTAKE_TYPES);

/** The name of the consent manager's EIP-712 domain. */
export const CONSENT_DOMAIN_NAME = data.eip712Domains.ConsentManager.name;
/** The version of the consent manager's EIP-712 domain. */
export const CONSENT_DOMAIN_VERSION = data.eip712Domains.ConsentManager.version;

const domain = (contract: keyof typeof data.eip712Domains, chainId: bigint, verifyingContract: string) =>
  data.eip712Domain(contract, chainId, verifyingContract as `0x${string}`) as TypedDataDomain;

/** The EIP-712 domain of a ConsentManager deployment (its proxy address, on its chain). */
export function consentDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return domain("ConsentManager", chainId, verifyingContract);
}

/** The EIP-712 domain of the IST token's permit. */
export function istPermitDomain(chainId: bigint, token: string): TypedDataDomain {
  return domain("INSSETToken", chainId, token);
}

/** The EIP-712 domain of a SupplyChain deployment (its proxy address, on its chain). */
export function supplyDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return domain("SupplyChain", chainId, verifyingContract);
}

/** The EIP-712 domain of a DeviceRegistry deployment (its proxy address, on its chain). */
export function devicesDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return domain("DeviceRegistry", chainId, verifyingContract);
}

/** The EIP-712 domain of the participant directory (its proxy): patient registration, accounts, the gateway. */
export function participantsDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return domain("ParticipantRegistry", chainId, verifyingContract);
}

/** The EIP-712 domain of a ClaimEscrow deployment (its proxy address, on its chain). */
export function claimsDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return domain("ClaimEscrow", chainId, verifyingContract);
}

/** A 65-byte signature in the EIP-2098 compact form SupplyChain.submitReadings takes. */
export function compactSignature(signature: string): { r: string; vs: string } {
  const sig = Signature.from(signature);
  return { r: sig.r, vs: sig.yParityAndS };
}

/** Scope kinds, as numbered in IConsentManager.ScopeKind. */
export const SCOPES = { allRecords: 0, recordType: 1, record: 2 } as const;

/** The message a patient signs. */
export interface ConsentMessage {
  patientId: bigint | number;
  grantee: string;
  purpose: number;
  scopeKind: number;
  scope: bigint[];
  expiresAt: bigint | number;
  nonce: bigint | number;
  deadline: bigint | number;
}

/** A relayed patient action, as signed and as passed to ParticipantRegistry.relay. */
export interface PatientCall {
  patientId: bigint;
  guardian: string;
  salt: string;
  target: string;
  data: string;
  nonce: bigint;
  deadline: bigint;
}

/** A bill as signed and as passed to ClaimEscrow.fileClaim. */
export interface BillMessage {
  programmeId: bigint;
  recordIds: bigint[];
  amount: bigint;
  payTo: number;
  billDigest: string;
  expiresAt: bigint;
}
