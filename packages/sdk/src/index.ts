/**
 * The MIIP SDK: a typed client for the suite, for scripts and dApps. Nothing here imports a Node module, so a
 * dApp bundles it for the browser (a test builds it for the browser platform); Node-only helpers (deployment
 * files, a file-system store) are in `sdk/node`.
 */
export { MIIP, type ConnectOptions } from "./client";
export {
  MIIPClientError,
  type PatientMode,
  type SuiteContracts,
  type SuiteEvent,
  type TxInfo,
  guardianCommitment,
} from "./core";
export { CONTRACT_NAMES, type ContractName, type Deployment, DeploymentError, parseDeployment } from "./deployment";
export { INHERITED_ERRORS, MIIPError, asMIIPError, decodeRevertData, decoded, isMIIPError } from "./errors";
export * from "./labels";
export * from "./units";
export * from "./gs1";
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
} from "./api/claims";
export { type ConsentRequest, type GrantView, type Scope, type SignedConsent, reasonCode } from "./api/consent";
export { DocumentIntegrityError, type DocumentInput } from "./api/documents";
export type { GovernedCall, GovernedStatus } from "./api/governance";
export type { HistoryEntry, RecordEntry } from "./api/history";
export type { Page, Paged } from "./api/paging";
export type { InstitutionView } from "./api/participants";
export type {
  GuardianAppointment,
  GuardianPower,
  PatientView,
  SignedAcceptance,
  SignedRegistration,
} from "./api/patients";
export type { RecordInput, RecordView } from "./api/records";
export { type LeafletView, type PrefixView, type ProductData, type ProductView, parsePrefix } from "./api/products";
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
} from "./api/supply";
export type { ClaimLeaf } from "./api/token";
export * from "./crypto";
export type { BlobStore } from "./storage/blobs";
export * from "./shares";
