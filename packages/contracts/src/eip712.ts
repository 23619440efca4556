/**
 * The typed data the suite's contracts verify (EIP-712), as plain data: the one definition the SDK, the tests,
 * config/eip712.ts (ethers helpers) and `@miip/contracts` use, so that signer and contract cannot drift apart
 * (tests check each type hash against the contract's constant). No import: viem, ethers or any wallet takes it.
 */

export const CONSENT_TYPES = {
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
} as const;

/** EIP-2612 permit of the IST token: a holder approves a spender by signature. */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** A cold-chain reading signed by an IoT device (SupplyChain.submitReadings). */
export const READING_TYPES = {
  Reading: [
    { name: "device", type: "address" },
    { name: "shipmentId", type: "uint256" },
    { name: "temperature", type: "int16" },
    { name: "humidity", type: "uint16" },
    { name: "timestamp", type: "uint40" },
    { name: "sequence", type: "uint64" },
  ],
} as const;

/**
 * A device's consent to be registered by an institution (SupplyChain.registerDevice): signed by the device's own
 * key, so that only whoever holds the device can register it; `nonce` is the device's registrations so far.
 */
export const DEVICE_REGISTRATION_TYPES = {
  DeviceRegistration: [
    { name: "device", type: "address" },
    { name: "ownerId", type: "uint32" },
    { name: "kind", type: "uint8" },
    { name: "calibrationHash", type: "bytes32" },
    { name: "nonce", type: "uint64" },
  ],
} as const;

/**
 * A patient's adverse-event report on a unit dispensed under their prescription
 * (SupplyChain.reportAdverseEventAsPatient), signed by the prescription's allowance key, never by the patient.
 */
export const ADVERSE_EVENT_REPORT_TYPES = {
  AdverseEventReport: [
    { name: "gtin", type: "uint64" },
    { name: "serial", type: "bytes32" },
    { name: "hospitalId", type: "uint32" },
    { name: "digest", type: "bytes32" },
    { name: "uri", type: "string" },
  ],
} as const;

/**
 * A patient's consent that one pharmacy fill their prescription (SupplyChain.dispense), signed by the prescription's
 * key, never by the patient: it opens a fill (or moves one to another pharmacy), named by `fillsAfter`, the
 * allowance's fills left once that fill is open. Good for one fill, at one pharmacy, until `deadline`.
 */
export const FILL_TYPES = {
  Fill: [
    { name: "allowanceKey", type: "bytes32" },
    { name: "pharmacyId", type: "uint32" },
    { name: "fillsAfter", type: "uint8" },
    { name: "deadline", type: "uint40" },
  ],
} as const;

/** An address's own request to become a patient (ParticipantRegistry.registerPatientBySig). */
export const REGISTER_PATIENT_TYPES = {
  RegisterPatient: [
    { name: "account", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** A new address accepting a patient's account, after a rotation or a recovery (acceptPatientAccountBySig). */
export const ACCEPT_PATIENT_ACCOUNT_TYPES = {
  AcceptPatientAccount: [
    { name: "patientId", type: "uint64" },
    { name: "account", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** A patient action signed by the patient's key or a guardian's and sent by anyone (ParticipantRegistry.relay). */
export const PATIENT_CALL_TYPES = {
  Call: [
    { name: "patientId", type: "uint64" },
    { name: "guardian", type: "address" },
    { name: "salt", type: "bytes32" },
    { name: "target", type: "address" },
    { name: "data", type: "bytes" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/**
 * A bill both parties to the care attest (IClaimEscrow.Bill): the issuing hospital signs it off chain, or
 * attests it by calling; the patient attests it through the directory's gateway. `payTo` is 0 for the hospital,
 * 1 for the patient (IClaimEscrow.PayTo). A test checks the type hash against ClaimEscrow.BILL_TYPEHASH.
 */
export const BILL_TYPES = {
  Bill: [
    { name: "programmeId", type: "uint256" },
    { name: "recordIds", type: "uint256[]" },
    { name: "amount", type: "uint96" },
    { name: "payTo", type: "uint8" },
    { name: "billDigest", type: "bytes32" },
    { name: "expiresAt", type: "uint40" },
  ],
} as const;

/**
 * A personal device's consent to be bound to a patient (DeviceRegistry.bindDevice), signed by the device's key:
 * the patient, the approved model and the firmware version it runs. Once per key; good until `deadline`.
 */
export const DEVICE_BINDING_TYPES = {
  DeviceBinding: [
    { name: "device", type: "address" },
    { name: "patientId", type: "uint64" },
    { name: "modelId", type: "uint32" },
    { name: "firmware", type: "uint16" },
    { name: "deadline", type: "uint40" },
  ],
} as const;

/**
 * A manufacturer's provisioning of a device key for one of its approved models (DeviceRegistry.bindDevice), signed at
 * production by the manufacturer's account: the key is a real device of that model.
 */
export const DEVICE_PROVISIONING_TYPES = {
  DeviceProvisioning: [
    { name: "device", type: "address" },
    { name: "modelId", type: "uint32" },
  ],
} as const;

/**
 * A device's signature over a record of its patient's stream (DeviceRegistry.writeOwnRecord with a device): the
 * record's digest, type and time, for this patient, and the firmware version that measured it.
 */
export const DEVICE_RECORD_TYPES = {
  DeviceRecord: [
    { name: "device", type: "address" },
    { name: "patientId", type: "uint64" },
    { name: "digest", type: "bytes32" },
    { name: "recordType", type: "uint8" },
    { name: "issuedAt", type: "uint40" },
    { name: "firmware", type: "uint16" },
  ],
} as const;

/**
 * An anchor of one period of a personal device's readings (DeviceRegistry.anchor), signed by the device: the
 * digest of the encrypted batch, how many readings, the period, the firmware, the hash of the batch's URI. Never a
 * measured value.
 */
export const READING_ANCHOR_TYPES = {
  ReadingAnchor: [
    { name: "device", type: "address" },
    { name: "sequence", type: "uint32" },
    { name: "from", type: "uint40" },
    { name: "to", type: "uint40" },
    { name: "count", type: "uint32" },
    { name: "firmware", type: "uint16" },
    { name: "batchDigest", type: "bytes32" },
    { name: "uriHash", type: "bytes32" },
  ],
} as const;

/**
 * A patient's confirmation that it took a dispensed unit (SupplyChain.confirmIntake), signed by the prescription's
 * allowance key (by the patient's app, or a smart-pill device it gave the key): `by` 0 the patient, 1 a device.
 */
export const INTAKE_TYPES = {
  IntakeConfirmation: [
    { name: "gtin", type: "uint64" },
    { name: "serial", type: "bytes32" },
    { name: "hospitalId", type: "uint32" },
    { name: "takenAt", type: "uint40" },
    { name: "by", type: "uint8" },
  ],
} as const;

/** The name and version of each signing contract's EIP-712 domain, as the contract sets them. */
export const EIP712_DOMAINS = {
  ParticipantRegistry: { name: "MIIP Participants", version: "1" },
  ConsentManager: { name: "MIIP Consent", version: "1" },
  ClaimEscrow: { name: "MIIP Claims", version: "1" },
  SupplyChain: { name: "MIIP Supply Chain", version: "1" },
  DeviceRegistry: { name: "MIIP Devices", version: "1" },
  INSSETToken: { name: "INSSET", version: "1" },
} as const;
