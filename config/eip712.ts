/**
 * The typed data a patient signs to consent without gas: one definition, imported by the tests, the scripts,
 * the SDK and dApps, so that signer and contract cannot drift apart (a test checks the type hash against
 * ConsentManager.CONSENT_TYPEHASH).
 */
import { Signature, type TypedDataDomain, type TypedDataField } from "ethers";

export const CONSENT_DOMAIN_NAME = "MIIP Consent";
export const CONSENT_DOMAIN_VERSION = "1";

export const CONSENT_TYPES: Record<string, TypedDataField[]> = {
  Consent: [
    { name: "patientId", type: "uint64" },
    { name: "grantee", type: "address" },
    { name: "purpose", type: "uint8" },
    { name: "scopeKind", type: "uint8" },
    { name: "scope", type: "uint256[]" },
    { name: "expiresAt", type: "uint40" },
    { name: "nonce", type: "uint48" },
    { name: "deadline", type: "uint256" },
  ],
};

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

/** The EIP-712 domain of a ConsentManager deployment (its proxy address, on its chain). */
export function consentDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: CONSENT_DOMAIN_NAME, version: CONSENT_DOMAIN_VERSION, chainId, verifyingContract };
}

/** Scope kinds, as numbered in IConsentManager.ScopeKind. */
export const SCOPES = { allRecords: 0, recordType: 1, record: 2 } as const;

/** EIP-2612 permit of the IST token: a holder approves a spender by signature. */
export const PERMIT_TYPES: Record<string, TypedDataField[]> = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The EIP-712 domain of the IST token's permit. */
export function istPermitDomain(chainId: bigint, token: string): TypedDataDomain {
  return { name: "INSSET", version: "1", chainId, verifyingContract: token };
}

/** A cold-chain reading signed by an IoT device (SupplyChain.submitReadings). */
export const READING_TYPES: Record<string, TypedDataField[]> = {
  Reading: [
    { name: "device", type: "address" },
    { name: "shipmentId", type: "uint256" },
    { name: "temperature", type: "int16" },
    { name: "humidity", type: "uint16" },
    { name: "timestamp", type: "uint40" },
    { name: "sequence", type: "uint64" },
  ],
};

/**
 * A device's consent to be registered by an institution (SupplyChain.registerDevice): signed by the device's own
 * key, so that only whoever holds the device can register it; `nonce` is the device's registrations so far.
 */
export const DEVICE_REGISTRATION_TYPES: Record<string, TypedDataField[]> = {
  DeviceRegistration: [
    { name: "device", type: "address" },
    { name: "ownerId", type: "uint32" },
    { name: "kind", type: "uint8" },
    { name: "calibrationHash", type: "bytes32" },
    { name: "nonce", type: "uint64" },
  ],
};

/**
 * A patient's adverse-event report on a unit dispensed under their prescription
 * (SupplyChain.reportAdverseEventAsPatient), signed by the prescription's allowance key, never by the patient.
 */
export const ADVERSE_EVENT_REPORT_TYPES: Record<string, TypedDataField[]> = {
  AdverseEventReport: [
    { name: "gtin", type: "uint64" },
    { name: "serial", type: "bytes32" },
    { name: "hospitalId", type: "uint32" },
    { name: "digest", type: "bytes32" },
    { name: "uri", type: "string" },
  ],
};

/**
 * A patient's consent that one pharmacy fill their prescription (SupplyChain.dispense), signed by the prescription's
 * key, never by the patient: it opens a fill (or moves one to another pharmacy), named by `fillsAfter`, the
 * allowance's fills left once that fill is open. Good for one fill, at one pharmacy, until `deadline`.
 */
export const FILL_TYPES: Record<string, TypedDataField[]> = {
  Fill: [
    { name: "allowanceKey", type: "bytes32" },
    { name: "pharmacyId", type: "uint32" },
    { name: "fillsAfter", type: "uint8" },
    { name: "deadline", type: "uint40" },
  ],
};

/** The EIP-712 domain of a SupplyChain deployment (its proxy address, on its chain). */
export function supplyDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: "MIIP Supply Chain", version: "1", chainId, verifyingContract };
}

/** A 65-byte signature in the EIP-2098 compact form SupplyChain.submitReadings takes. */
export function compactSignature(signature: string): { r: string; vs: string } {
  const sig = Signature.from(signature);
  return { r: sig.r, vs: sig.yParityAndS };
}

/** The EIP-712 domain of the participant directory (its proxy): patient registration, accounts, the gateway. */
export function participantsDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: "MIIP Participants", version: "1", chainId, verifyingContract };
}

/** An address's own request to become a patient (ParticipantRegistry.registerPatientBySig). */
export const REGISTER_PATIENT_TYPES: Record<string, TypedDataField[]> = {
  RegisterPatient: [
    { name: "account", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
};

/** A new address accepting a patient's account, after a rotation or a recovery (acceptPatientAccountBySig). */
export const ACCEPT_PATIENT_ACCOUNT_TYPES: Record<string, TypedDataField[]> = {
  AcceptPatientAccount: [
    { name: "patientId", type: "uint64" },
    { name: "account", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
};

/** A patient action signed by the patient's key or a guardian's and sent by anyone (ParticipantRegistry.relay). */
export const PATIENT_CALL_TYPES: Record<string, TypedDataField[]> = {
  Call: [
    { name: "patientId", type: "uint64" },
    { name: "guardian", type: "address" },
    { name: "salt", type: "bytes32" },
    { name: "target", type: "address" },
    { name: "data", type: "bytes" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

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

/**
 * A bill both parties to the care attest (IClaimEscrow.Bill): the issuing hospital signs it off chain, or
 * attests it by calling; the patient attests it through the directory's gateway. `payTo` is 0 for the hospital,
 * 1 for the patient (IClaimEscrow.PayTo). A test checks the type hash against ClaimEscrow.BILL_TYPEHASH.
 */
export const BILL_TYPES: Record<string, TypedDataField[]> = {
  Bill: [
    { name: "programmeId", type: "uint256" },
    { name: "recordIds", type: "uint256[]" },
    { name: "amount", type: "uint96" },
    { name: "payTo", type: "uint8" },
    { name: "billDigest", type: "bytes32" },
    { name: "expiresAt", type: "uint40" },
  ],
};

/** A bill as signed and as passed to ClaimEscrow.fileClaim. */
export interface BillMessage {
  programmeId: bigint;
  recordIds: bigint[];
  amount: bigint;
  payTo: number;
  billDigest: string;
  expiresAt: bigint;
}

/** The EIP-712 domain of a ClaimEscrow deployment (its proxy address, on its chain). */
export function claimsDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: "MIIP Claims", version: "1", chainId, verifyingContract };
}
