/**
 * Reverts come back from the SDK as {@link MIIPError}s: the custom error's name, its arguments by name, and a
 * message a person can read ("ConsentNoLiveRight: 0x90F7… has no live right to read record 12 for
 * treatment"), decoded from the ABIs of every contract of the suite and of the OpenZeppelin code it uses, so an
 * error raised by a contract the called one asked (the participant directory, the token) decodes too.
 */
import { ErrorFragment, Interface, type ParamType, decodeBytes32String } from "ethers";

import { ERRORS } from "./contracts/abis.ts";
import { ENUM_LABELS, enumLabel, isoTime, recordTypeName } from "./labels.ts";

/** The errors the suite's contracts inherit from OpenZeppelin, in human-readable form. */
export const INHERITED_ERRORS: readonly string[] = ERRORS.filter(([, source]) => source === "OpenZeppelin").map(
  ([fragment]) => fragment,
);

interface KnownError {
  source: string;
  fragment: ErrorFragment;
  /** The enum each input names (`ClaimStatus` for `enum IClaimEscrow.ClaimStatus`), to name its values. */
  enums: readonly string[];
}

/**
 * Every error of the suite, by selector, with the contract that declares it: the first of the registries, the
 * consent manager, the escrow, the supply chain, the distribution and the token to declare it, else OpenZeppelin
 * for the errors the suite inherits, else "MIIP".
 */
const BY_SELECTOR = new Map<string, KnownError>();
for (const [text, declaredBy, enums] of ERRORS) {
  const fragment = ErrorFragment.from(text);
  const source = declaredBy || "MIIP";
  BY_SELECTOR.set(fragment.selector, { source, fragment, enums });
}

const PANICS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x22: "invalid storage byte array",
  0x31: "pop on an empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialised function",
};

/** Argument names whose values are unix times, printed as ISO instants. */
const TIME_NAMES =
  /^(now|deadline|expiresAt|issuedAt|treatedAt|timestamp|manufacturedAt|start|listingTime|vestingResumesAt|enrolledAt|endedAt|activatesAt|periodEndsAt|justifyBy|dueAt|executableAt|claimableUntil|lapsedAt|effectiveAt|reclaimableAt|refillAt|validUntil|closedAt|recalledAt|withdrawableAt)$/;

/**
 * A shipment id for people: a batch's origin is the batch's small id; a shipment's is a hash, shown as its hex
 * head and tail ("0x6a1f…c9e1") as addresses are.
 */
export function shortId(value: unknown): string {
  const id = BigInt(value as bigint);
  if (id < 1n << 64n) return id.toString();
  const hex = "0x" + id.toString(16).padStart(64, "0");
  return `${hex.slice(0, 6)}…${hex.slice(-4)}`;
}

/** "a hospital", "an insurer". */
function withArticle(word: string): string {
  return `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;
}

/** A bit set of institution kinds (bit k for kind k), as "a hospital or a pharmacy". */
function kindSet(bits: bigint): string {
  const kinds = ENUM_LABELS.Kind.filter((_, k) => k > 0 && ((bits >> BigInt(k)) & 1n) === 1n);
  return kinds.length === 0 ? "no kind" : kinds.map(withArticle).join(" or ");
}

/** A guardian's power bits (1 recover, 2 act) by name. */
function powerNames(bits: string): string {
  const n = Number(bits);
  const names = [n & 1 ? "recover" : "", n & 2 ? "act" : ""].filter(Boolean);
  return names.length === 0 || n > 3 ? `powers ${bits}` : names.join(" and ");
}

function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** A value for people: enums by their label (the contracts carry every enum as its enum type), times as ISO. */
function formatValue(param: ParamType, enumName: string, value: unknown): string {
  if (enumName !== "") return enumLabel(enumName, value as bigint);
  if (param.type === "address") return value as string;
  if (param.name === "recordType") return recordTypeName(value as bigint);
  if (param.name === "allowedKinds") return kindSet(value as bigint);
  if (TIME_NAMES.test(param.name) && typeof value === "bigint" && value > 0n) return isoTime(value);
  if (param.type === "bytes32" && /^(reasonCode|lot)$/.test(param.name)) {
    try {
      return decodeBytes32String(value as string);
    } catch {
      return value as string;
    }
  }
  return String(value);
}

type Args = Record<string, string>;

/** Sentences for the refusals people meet most; every other error is printed as `name: arg value, …`. */
const SENTENCES: Record<string, (a: Args) => string> = {
  AccessManagedUnauthorized: (a) => `${a.caller} does not hold the role this function needs`,
  AccessManagerNotScheduled: (a) =>
    `operation ${a.operationId} is delayed: schedule it through the access manager and execute it after the delay`,
  AccessManagerNotReady: (a) => `operation ${a.operationId} is scheduled but its delay has not passed yet`,
  ParticipantsNotActive: (a) => `${a.account} is not an active institution (status ${a.status})`,
  ParticipantsWrongKind: (a) => `${a.account} is ${withArticle(a.kind)}, not ${a.allowedKinds}`,
  ParticipantsAddressTaken: (a) => `${a.account} is already institution ${a.id}`,
  ParticipantsOnboardingNotDue: (a) =>
    `institution ${a.id} is pending until ${a.activatesAt}: its onboarding is public and cancellable until then`,
  ParticipantsInvalidStatus: (a) => `institution ${a.id} is ${a.status}: that change is not allowed from there`,
  ParticipantsNoPendingRotation: (a) => `institution ${a.id} has proposed no new address to accept`,
  ParticipantsNotPendingAccount: (a) => `${a.caller} is not the address institution ${a.id} proposed to move to`,
  PatientsUnknownPatient: (a) => `there is no patient ${a.patientId}`,
  PatientsAccountTaken: (a) =>
    `${a.account} is or was the address of patient ${a.patientId}: an address serves one patient, once`,
  PatientsAccountIsInstitution: (a) =>
    `${a.account} is institution ${a.institutionId}'s address: it cannot also be a patient's`,
  PatientsInvalidAccount: (a) => `${a.account} cannot be a patient's address`,
  PatientsNotThroughGateway: (a) =>
    `${a.caller} called a patient action directly: patient actions go through the participant directory's gateway (execute or relay)`,
  PatientsNotPatient: (a) => `${a.caller} is not patient ${a.patientId}'s current address`,
  PatientsUntrustedTarget: (a) => `${a.target} does not take patient actions from this directory's gateway`,
  PatientsNestedCall: () => "the participant directory calls itself through the gateway, never into the gateway",
  PatientsNotGuardian: (a) => `patient ${a.patientId} has no guardian with commitment ${a.commitment}`,
  PatientsGuardianLacksPower: (a) =>
    `guardian ${a.commitment} of patient ${a.patientId} lacks the ${powerNames(a.power)} power`,
  PatientsGuardianCannotManage: (a) =>
    `only patient ${a.patientId}'s own key manages its address, guardians and recovery, not guardian ${a.guardian}`,
  PatientsInvalidPowers: (a) => `guardian powers ${a.powers} are not recover (1), act (2) or both (3)`,
  PatientsInvalidCommitment: () => "a guardian's commitment cannot be zero",
  PatientsGuardianExists: (a) => `patient ${a.patientId} already has guardian ${a.commitment}`,
  PatientsTooManyGuardians: (a) => `patient ${a.patientId} already has as many guardians as allowed`,
  PatientsInvalidThreshold: (a) =>
    `patient ${a.patientId}: a recovery threshold of ${a.threshold} is more than its ${a.recoverers} guardians able to recover`,
  PatientsRecoveryOff: (a) => `patient ${a.patientId}'s recovery threshold is 0: nobody can recover the account`,
  PatientsWrongRound: (a) =>
    `the approval names recovery round ${a.given}; patient ${a.patientId} is in round ${a.current}`,
  PatientsAlreadyApproved: (a) =>
    `guardian ${a.commitment} already approved ${a.account} for patient ${a.patientId} in this round`,
  PatientsRecoveryArmed: (a) =>
    `a recovery of patient ${a.patientId} to ${a.armed} already reached its threshold in this round`,
  PatientsNoRecovery: (a) => `no recovery of patient ${a.patientId} reached its threshold in this round`,
  PatientsRecoveryStillValid: (a) =>
    `the recovery of patient ${a.patientId} to ${a.account} can still be accepted: only the patient's key or a change of guardians ends it`,
  PatientsRecoveryNotDue: (a) => `the recovery of patient ${a.patientId} can be accepted from ${a.dueAt}`,
  PatientsNothingToAccept: (a) =>
    `${a.account} is neither the address patient ${a.patientId} proposed nor a due recovery's`,
  PatientsSignatureExpired: (a) => `the signature expired at ${a.deadline} (now ${a.now})`,
  PatientsInvalidSignature: (a) => `the signature is not ${a.signer}'s`,
  PatientsInvalidNonce: (a) =>
    `patient ${a.patientId}: the signer's next nonce is ${a.expected}, the request carries ${a.given} (replayed or out of order)`,
  RecordsUnknownPatient: (a) => `entry ${a.index}: there is no patient ${a.patientId}`,
  RecordsUnknownRecord: (a) => `there is no record ${a.recordId}`,
  RecordsDuplicateDigest: (a) => `entry ${a.index}: digest ${a.digest} is already record ${a.existingId}`,
  RecordsUnknownRecordType: (a) => `entry ${a.index}: record type ${a.recordType} is not enabled`,
  RecordsInvalidTime: (a) =>
    a.issuedAt === "0"
      ? `entry ${a.index}: no time of care given`
      : `entry ${a.index}: issued at ${a.issuedAt}, which is after now (${a.now})`,
  RecordsAlreadySuperseded: (a) => `record ${a.recordId} was already corrected by record ${a.supersededBy}`,
  RecordsNotIssuer: (a) => `record ${a.recordId} was issued by institution ${a.issuer}, not ${a.caller}`,
  RecordsPaused: () => "the record registry is paused; reads go on, writes wait for governance",
  ConsentNoLiveRight: (a) => `${a.reader} has no live right to read record ${a.recordId} for ${a.purpose}`,
  ConsentPatientMismatch: (a) => `the request names patient ${a.named}, but patient ${a.acting} is acting`,
  ConsentNotPatientsGrant: (a) => `grant ${a.grantId} is not patient ${a.acting}'s`,
  ConsentUnknownPatient: (a) => `there is no patient ${a.patientId}`,
  ConsentExpiryNotInFuture: (a) => `expiry ${a.expiresAt} is not after now (${a.now})`,
  ConsentSignatureExpired: (a) => `the signature expired at ${a.deadline} (now ${a.now})`,
  ConsentInvalidNonce: (a) =>
    `grant ${a.grantId} is at version ${a.expected}; the signature names ${a.given} (used or cancelled)`,
  ConsentInvalidSignature: (a) => `the signature is not the patient's current key's (${a.signer})`,
  ConsentGranteeNotActive: (a) => `grantee ${a.grantee} is not an active institution (status ${a.status})`,
  ConsentRecordNotPatients: (a) => `record ${a.recordId} is not patient ${a.patientId}'s`,
  ConsentAlreadyRevoked: (a) => `grant ${a.grantId} is already revoked`,
  ConsentUnknownGrant: (a) => `there is no grant ${a.grantId}`,
  ConsentEmergencyAlreadyOpen: (a) =>
    `institution ${a.hospitalId}'s emergency access to patient ${a.patientId} is already open, until ${a.expiresAt}`,
  ConsentNoOpenEmergency: (a) => `institution ${a.hospitalId} has no open emergency access to patient ${a.patientId}`,
  ConsentEmergencyBlocked: (a) => `patient ${a.patientId} blocked institution ${a.hospitalId}'s break-glass access`,
  ConsentEmergencyCapReached: (a) =>
    `institution ${a.hospitalId} already opened emergency access to patient ${a.patientId} as often as allowed in the period ending at ${a.periodEndsAt}`,
  ConsentNothingToJustify: (a) => `institution ${a.hospitalId} owes no justification for patient ${a.patientId}`,
  ConsentJustificationLate: (a) =>
    `institution ${a.hospitalId}'s justification for patient ${a.patientId} was due by ${a.justifyBy}: the openings are flagged instead`,
  ConsentJustificationNotDue: (a) =>
    `institution ${a.hospitalId} may justify its access to patient ${a.patientId} until ${a.justifyBy}: nothing to flag yet`,
  ConsentEmptyJustification: () => "a justification is the digest of a note, not zero",
  ClaimsNoConsent: (a) => `insurer ${a.insurerId} has no consent to read record ${a.recordId} for insurance claims`,
  ClaimsRecordAlreadyClaimed: (a) => `record ${a.recordId} is already in claim ${a.claimId}`,
  ClaimsAlreadyEnrolled: (a) =>
    `patient ${a.patient} is already enrolled in programme ${a.programmeId}, since ${a.enrolledAt} (a cover must end before another starts)`,
  ClaimsPreviousCoverClaimable: (a) =>
    `patient ${a.patient}'s earlier cover in programme ${a.programmeId} can still be claimed until ${a.claimableUntil}: a new cover would forget it`,
  ClaimsNotEnrolled: (a) => `patient ${a.patient} is not enrolled in programme ${a.programmeId}`,
  ClaimsNotCovered: (a) => `record ${a.recordId}'s treatment (${a.treatedAt}) is outside the patient's cover`,
  ClaimsCoverAlreadyEnded: (a) =>
    `patient ${a.patient}'s cover in programme ${a.programmeId} already ended at ${a.endedAt}`,
  ClaimsUnknownPatient: (a) => `there is no patient ${a.patientId}`,
  ClaimsUnknownClaim: (a) => `there is no claim ${a.claimId}`,
  ClaimsEnrolmentClosed: (a) => `programme ${a.programmeId} takes no enrolment from patients: its insurer enrols them`,
  ClaimsBillExpired: (a) => `the bill could be attested until ${a.expiresAt}`,
  ClaimsBillCancelled: (a) => `bill ${a.billHash} was cancelled by a party to it`,
  ClaimsBillAlreadyAttested: (a) => `the ${a.by} already attested bill ${a.billHash}`,
  ClaimsNotBillParty: (a) => `${a.caller} is neither the bill's patient (through the gateway) nor its issuing hospital`,
  ClaimsBadHospitalSignature: (a) =>
    `the hospital's signature is not its current address's signature of bill ${a.billHash}`,
  ClaimsNotClaimant: (a) => `${a.caller} is neither the claim's patient (through the gateway) nor its hospital`,
  ClaimsDeadlinePassed: (a) =>
    `claim ${a.claimId}'s current step ended at ${a.deadline}: anyone may now apply its default outcome`,
  ClaimsDeadlineNotPassed: (a) =>
    `claim ${a.claimId}'s current step runs until ${a.deadline}: its default outcome applies only after that`,
  ClaimsNoWithdrawalAnnounced: (a) => `programme ${a.programmeId} has no announced withdrawal to execute`,
  ClaimsWithdrawalNotDue: (a) =>
    `programme ${a.programmeId}'s announced withdrawal can be executed from ${a.executableAt}`,
  ClaimsWithdrawalLapsed: (a) =>
    `programme ${a.programmeId}'s announced withdrawal lapsed at ${a.lapsedAt}: announce it again`,
  ClaimsNoCredit: (a) => `the ${a.party} ${a.id} has no credit in ${a.token}`,
  ClaimsNotCreditHolder: (a) =>
    `${a.caller} cannot withdraw a credit: only an institution at its current address, or a patient's own key through the gateway`,
  ClaimsNotArbitrator: (a) => `${a.caller} is not the arbitrator of claim ${a.claimId}'s programme`,
  ClaimsFilingWindowClosed: (a) => `record ${a.recordId} could be filed until ${a.deadline}`,
  ClaimsInvalidStatus: (a) => `claim ${a.claimId} is ${a.status}`,
  ClaimsApprovalExceedsClaim: (a) => `claim ${a.claimId}: ${a.approved} approved exceeds the ${a.due} due`,
  ClaimsInsufficientFree: (a) => `programme ${a.programmeId} has ${a.free} free, ${a.requested} needed`,
  SupplyInsufficientUnits: (a) => `shipment ${shortId(a.shipmentId)} has ${a.remaining} units left, not ${a.requested}`,
  SupplyNotRecalled: (a) => `batch ${a.batchId} is not recalled`,
  SupplyNotProductOwner: (a) =>
    Number(a.owner) === 0
      ? `product ${a.gtin} is not registered: register it in the product registry first`
      : `product ${a.gtin} belongs to institution ${a.owner}, not ${a.caller}: only its maker registers batches of it`,
  SupplyNotHolder: (a) => `institution ${a.caller} does not hold shipment ${shortId(a.shipmentId)}'s units`,
  SupplyShipmentQuarantined: (a) => `shipment ${shortId(a.shipmentId)}'s units are quarantined after an excursion`,
  SupplyReclaimTooEarly: (a) =>
    `shipment ${shortId(a.shipmentId)} can be reclaimed from ${a.reclaimableAt}, or at once if its receiver is no longer active`,
  SupplyIndexOutOfRange: (a) => `unit index ${a.index} is beyond batch ${a.batchId}'s ${a.quantity} units`,
  SupplyAllowanceExhausted: (a) => `every fill of allowance ${a.key} is used`,
  SupplyRefillTooEarly: (a) => `allowance ${a.key}'s next fill opens at ${a.refillAt}`,
  SupplyAllowanceExpired: (a) => `allowance ${a.key} ended at ${a.validUntil}`,
  SupplyAllowanceProductMismatch: (a) => `allowance ${a.key} is for another product`,
  SupplyInvalidFillSignature: (a) =>
    `the patient's signature does not let pharmacy ${a.pharmacyId} fill allowance ${a.key} (fill with ${a.fillsAfter} fills after it)`,
  SupplyPrescriberNotActive: (a) =>
    `allowance ${a.key}'s hospital, institution ${a.hospitalId}, is not active: its prescriptions open no fill`,
  SupplyFillSignatureExpired: (a) => `the patient's signature for allowance ${a.key} ended at ${a.deadline}`,
  SupplyTooManyReturns: (a) =>
    `65,535 returned shipments came back into shipment ${shortId(a.sourceId)} already: its shipments can be accepted, not returned`,
  SupplyBatchTooLarge: (a) => `a batch has at most 4,294,967,295 units, not ${a.quantity}`,
  SupplyNotDeviceOwner: (a) => `device ${a.device} belongs to institution ${a.ownerId}`,
  SupplyNotShipmentParty: (a) =>
    `institution ${a.caller} is neither the sender nor the receiver of shipment ${shortId(a.shipmentId)}`,
  SupplyBadDeviceSignature: (a) => `the registration is not signed by device ${a.device}'s own key`,
  SupplyDeviceNotAssigned: (a) =>
    `device ${a.device} was not assigned to shipment ${shortId(a.shipmentId)} by its sender or receiver`,
  SupplyDeviceOwnerNotActive: (a) => `device ${a.device}'s owner, institution ${a.ownerId}, is not active`,
  SupplyReadingOutsideShipment: (a) =>
    `device ${a.device}'s reading at ${a.timestamp} is outside shipment ${shortId(a.shipmentId)}'s life (or after its revocation)`,
  SupplyReadingWindowClosed: (a) => `shipment ${shortId(a.shipmentId)}'s readings were accepted until ${a.closedAt}`,
  SupplyDuplicateSequence: (a) =>
    `device ${a.device} already sent sequence ${a.sequence} for shipment ${shortId(a.shipmentId)}`,
  SupplyNotUnitsPatient: (a) =>
    `the report is not signed by the prescription the unit ${a.serial} of ${a.gtin} was dispensed under`,
  ProductsPrefixNotEffective: (a) =>
    `company prefix ${a.prefix.padStart(Number(a.digits), "0")} is not in effect (effective ${a.effectiveAt}, unless revoked)`,
  ProductsNotPrefixHolder: (a) =>
    `company prefix ${a.prefix.padStart(Number(a.digits), "0")} is not licensed to institution ${a.caller}`,
  ProductsNotProductOwner: (a) => `product ${a.gtin} does not belong to institution ${a.caller}`,
  ProductsInvalidGtin: (a) => `${a.gtin} is not a GTIN-14 (14 digits at most, GS1 check digit last)`,
  SupplyRecalled: (a) => `batch ${a.batchId} is recalled`,
  SupplyExpired: (a) => `batch ${a.batchId} expired at ${a.expiresAt}`,
  SupplyInvalidSerial: (a) => `serial ${a.serial} is not one of batch ${a.batchId}'s`,
  SupplyNotReceiver: (a) => `shipment ${shortId(a.shipmentId)} is not addressed to institution ${a.caller}`,
  MerkleClaimAlreadyClaimed: (a) => `airdrop leaf ${a.index} was already claimed`,
  MerkleClaimInvalidProof: (a) => `the proof does not match leaf ${a.index} (${a.account}, ${a.amount})`,
  DistributionNothingToRelease: (a) => `grant ${a.grantId} has nothing to release before ${a.vestingResumesAt}`,
  ERC20InsufficientBalance: (a) => `${a.sender} holds ${a.balance}, ${a.needed} needed`,
  ERC20InsufficientAllowance: (a) => `${a.spender} may spend ${a.allowance}, ${a.needed} needed`,
};

/**
 * A custom error (or panic, or string revert) raised by a contract of the suite, decoded. `name` is the
 * Solidity error's name and `message` says what it means, so `String(error)` (and a stack trace's first
 * line) reads "ConsentNoLiveRight: 0x90F7… has no live right to read record 12 for treatment".
 */
export class MIIPError extends Error {
  override readonly name: string;
  /** The arguments by name, as the ABI decodes them (bigint, string, boolean). */
  readonly args: Readonly<Record<string, unknown>>;
  /** The contract whose ABI declares the error, or "OpenZeppelin" for inherited ones. */
  readonly source: string;
  /** The raw revert data. */
  readonly data: string;
  /**
   * For a transaction that reverted once mined: its hash and block, and whether the reason is exactly the mined
   * one (from the node's trace, or a replay with nothing before it in its block) or a replay's that may differ.
   */
  readonly mined?: { hash: string; blockNumber: number; exact: boolean };

  constructor(
    name: string,
    message: string,
    args: Record<string, unknown>,
    source: string,
    data: string,
    mined?: { hash: string; blockNumber: number; exact: boolean },
  ) {
    super(message);
    this.name = name;
    this.args = args;
    this.source = source;
    this.data = data;
    this.mined = mined;
  }

  /** The same refusal, for a transaction mined and reverted, saying which and how its reason was found. */
  withMined(mined: { hash: string; blockNumber: number; exact: boolean }, note: string): MIIPError {
    return new MIIPError(this.name, `${this.message} (${note})`, { ...this.args }, this.source, this.data, mined);
  }
}

/** Decodes revert data; undefined when the selector belongs to no contract of the suite. */
export function decodeRevertData(data: string): MIIPError | undefined {
  if (!/^0x[0-9a-fA-F]{8}/.test(data)) return undefined;
  const selector = data.slice(0, 10).toLowerCase();
  const iface = new Interface(["error Error(string)", "error Panic(uint256)"]);
  if (selector === "0x08c379a0" || selector === "0x4e487b71") {
    const parsed = iface.parseError(data);
    if (!parsed) return undefined;
    if (parsed.name === "Error") {
      const reason = String(parsed.args[0]);
      return new MIIPError("Error", reason, { reason }, "revert", data);
    }
    const code = Number(parsed.args[0]);
    const what = PANICS[code] ?? "panic";
    return new MIIPError("Panic", `${what} (0x${code.toString(16)})`, { code: BigInt(code) }, "panic", data);
  }
  const known = BY_SELECTOR.get(selector);
  if (!known) return undefined;
  let values;
  try {
    values = new Interface([known.fragment]).decodeErrorResult(known.fragment, data);
  } catch {
    return undefined;
  }
  const args: Record<string, unknown> = {};
  const shown: Args = {};
  known.fragment.inputs.forEach((param, i) => {
    args[param.name] = values[i];
    shown[param.name] = formatValue(param, known.enums[i] ?? "", values[i]);
  });
  const sentence = SENTENCES[known.fragment.name];
  const detail = sentence
    ? sentence(shown)
    : Object.entries(shown)
        .map(([name, value]) => `${name} ${value.startsWith("0x") && value.length === 42 ? short(value) : value}`)
        .join(", ");
  return new MIIPError(known.fragment.name, detail || known.fragment.name, args, known.source, data);
}

/** Finds revert data anywhere in an error thrown by ethers, a Hardhat provider or a JSON-RPC node. */
export function revertDataOf(error: unknown, depth = 0): string | undefined {
  if (depth > 6 || error === null || typeof error !== "object") return undefined;
  const record = error as Record<string, unknown>;
  for (const key of ["data", "error", "info", "cause", "revert", "body"]) {
    const value = record[key];
    if (typeof value === "string" && /^0x[0-9a-fA-F]{8}/.test(value)) return value;
    if (typeof value === "string" && key === "body") {
      try {
        const found = revertDataOf(JSON.parse(value), depth + 1);
        if (found) return found;
      } catch {
        // not JSON: nothing to find there
      }
    }
    const nested = typeof value === "object" ? revertDataOf(value, depth + 1) : undefined;
    if (nested) return nested;
  }
  return undefined;
}

/** The thrown value as a {@link MIIPError} when it is a revert of the suite; undefined otherwise. */
export function asMIIPError(error: unknown): MIIPError | undefined {
  if (error instanceof MIIPError) return error;
  const data = revertDataOf(error);
  return data === undefined ? undefined : decodeRevertData(data);
}

/** Narrows a caught value to a {@link MIIPError}, optionally of one name. */
export function isMIIPError(error: unknown, name?: string): error is MIIPError {
  return error instanceof MIIPError && (name === undefined || error.name === name);
}

/** Runs a contract call and rethrows a revert as a {@link MIIPError}; other failures pass through. */
export async function decoded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asMIIPError(error) ?? error;
  }
}
