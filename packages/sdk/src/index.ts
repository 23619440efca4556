/**
 * The MIIP SDK: a typed client for the suite, for scripts and dApps. Nothing here imports a Node module, so a
 * dApp bundles it for the browser (a test builds it for the browser platform); Node-only helpers (deployment
 * files, a file-system store) are in `sdk/node`.
 */
export { MIIP, type ConnectOptions } from "./client.ts";
export {
  MIIPClientError,
  type PatientMode,
  type RelayerService,
  type SuiteContracts,
  type SuiteEvent,
  type TxInfo,
  guardianCommitment,
} from "./core.ts";
export { CONTRACT_NAMES, type ContractName, type Deployment, DeploymentError, parseDeployment } from "./deployment.ts";
export { INHERITED_ERRORS, MIIPError, asMIIPError, decodeRevertData, decoded, isMIIPError } from "./errors.ts";
export * from "./labels.ts";
export * from "./sessions.ts";
export * from "./units.ts";
export * from "./gs1.ts";
/** The EIP-712 data of a patient action for the directory's gateway (what a relayer service checks). */
export { PATIENT_CALL_TYPES, participantsDomain } from "./eip712.ts";
export {
  type AttestOptions,
  type AttestResult,
  type Bill,
  type BillInput,
  type ClaimView,
  type ClaimantOption,
  type CopayPermit,
  type DecisionResult,
  type Payee,
  type ProgrammeInput,
  type ProgrammeView,
  type SignedBill,
  billDigest,
  billFromJson,
  billMessage,
  billToJson,
} from "./api/claims.ts";
export { type ConsentRequest, type GrantView, type Scope, type SignedConsent, reasonCode } from "./api/consent.ts";
export { DocumentIntegrityError, type DocumentInput } from "./api/documents.ts";
export { type GovernedCall, type GovernedStatus, WHOLE_MODEL } from "./api/governance.ts";
export type { HistoryEntry, RecordEntry } from "./api/history.ts";
export type { Page, Paged } from "./api/paging.ts";
export type { InstitutionView } from "./api/participants.ts";
export type {
  GuardianAppointment,
  GuardianPower,
  PatientView,
  SignedAcceptance,
  SignedRegistration,
} from "./api/patients.ts";
export type { RecordInput, RecordView } from "./api/records.ts";
export { type LeafletView, type PrefixView, type ProductData, type ProductView, parsePrefix } from "./api/products.ts";
export {
  type AllowanceInput,
  type BatchInput,
  type PackVerification,
  type ReadingInput,
  type ReceivedUnit,
  type SignedReadings,
  allowanceKey,
  prescriptionKey,
  productCommitment,
  shipmentIdOf,
} from "./api/supply.ts";
export type { ClaimLeaf } from "./api/token.ts";
export {
  type ContributionInput,
  type ContributionView,
  type DataRequestInput,
  type DataRequestView,
  type OpenedContribution,
} from "./api/market.ts";
export {
  type AnchorView,
  type BatchRecipient,
  type DeviceView,
  type PairingAnswer,
  type PairingRequest,
  type Reading,
  type ReadingBatch,
  DevicesApi,
  READINGS_FORMAT,
  answerPairing,
  simulateGlucose,
} from "./api/devices.ts";
export {
  type DispensedUnitRef,
  type InvoiceInput,
  type InvoiceView,
  type PaidUnitLedger,
  dispensingReference,
} from "./api/invoices.ts";
export { NO_PERMIT, type TokenPermit } from "./api/permit.ts";
export { type Deidentified, type DeidentifiedFormat, deidentify } from "./deidentify.ts";
export * from "./crypto/index.ts";
export type { BlobStore } from "./storage/blobs.ts";
export * from "./shares.ts";
