import type { Core, TxInfo } from "../core.ts";
import { eventNamed, eventsNamed } from "../core.ts";
import { parsePurpose, parseRecordType, recordTypeName } from "../labels.ts";
import { type Page, pageOf } from "./paging.ts";

/** A record to register: the patient (its id), the digest of the encrypted document and where it lives. */
export interface RecordInput {
  patientId: bigint | number;
  /** 0x-prefixed digest (SHA-256) of the encrypted document. */
  digest: string;
  /** A type name ("lab-result") or number. */
  recordType: string | number;
  /** When the documented care took place; the chain's now when absent. */
  issuedAt?: number;
  /** Where the ciphertext lives, e.g. `ipfs://bafkrei…`. */
  uri: string;
}

/** A record as the registry keeps it, with its type named. */
export interface RecordView {
  id: bigint;
  patientId: bigint;
  issuer: number;
  recordType: number;
  recordTypeName: string;
  issuedAt: number;
  supersedes: bigint;
  supersededBy: bigint;
  /** The first version of its amendment chain (its own id if it amends nothing): the treatment claims name. */
  firstVersion: bigint;
}

/** Writing and reading medical records (hospitals write, patients own). */
export class RecordsApi {
  constructor(private readonly core: Core) {}

  private async toInput(input: RecordInput, now: () => Promise<number>) {
    return {
      patientId: BigInt(input.patientId),
      digest: input.digest,
      recordType: parseRecordType(input.recordType),
      issuedAt: input.issuedAt ?? (await now()),
      uri: input.uri,
    };
  }

  /** An active hospital registers a record; returns its id. */
  async register(input: RecordInput): Promise<TxInfo & { recordId: bigint }> {
    const record = await this.toInput(input, () => this.core.now());
    const info = await this.core.send(() => this.core.contracts.records.register(record));
    return { ...info, recordId: eventNamed(info, "RecordRegistered").recordId as bigint };
  }

  /**
   * The guardian role pauses record writes at once (a compromised hospital key, a bug): registrations and
   * amendments are refused until governance resumes them after its delay (`governance.unpause`).
   */
  async pause(): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.records.pause());
  }

  /** Registers several records in one transaction, all or none; returns their ids in order. */
  async registerBatch(inputs: RecordInput[]): Promise<TxInfo & { recordIds: bigint[] }> {
    const now = await this.core.now();
    const records = await Promise.all(inputs.map((r) => this.toInput(r, async () => now)));
    const info = await this.core.send(() => this.core.contracts.records.registerBatch(records));
    return { ...info, recordIds: eventsNamed(info, "RecordRegistered").map((e) => e.recordId as bigint) };
  }

  /** The issuing hospital issues a corrected version; returns the new version's id. */
  async amend(
    recordId: bigint | number,
    correction: { digest: string; uri: string; issuedAt?: number },
  ): Promise<TxInfo & { recordId: bigint }> {
    const issuedAt = correction.issuedAt ?? (await this.core.now());
    const info = await this.core.send(() =>
      this.core.contracts.records.amend(recordId, correction.digest, issuedAt, correction.uri),
    );
    return { ...info, recordId: eventNamed(info, "RecordRegistered").recordId as bigint };
  }

  /** One record; a MIIPError `RecordsUnknownRecord` if there is none. */
  async get(recordId: bigint | number): Promise<RecordView> {
    const r = await this.core.read(() => this.core.contracts.records.getRecord(recordId));
    return {
      id: r.id,
      patientId: r.patientId,
      issuer: Number(r.issuer),
      recordType: Number(r.recordType),
      recordTypeName: recordTypeName(r.recordType),
      issuedAt: Number(r.issuedAt),
      supersedes: r.supersedes,
      supersededBy: r.supersededBy,
      firstVersion: r.firstVersion,
    };
  }

  /** The id of the record with this digest, or 0n. */
  async idOf(digest: string): Promise<bigint> {
    return this.core.read(() => this.core.contracts.records.recordIdOf(digest));
  }

  /** A page of a patient's record ids, oldest first (the chain pages them). */
  async idsOfPatient(patientId: bigint | number, page: Page = {}): Promise<{ ids: bigint[]; total: number }> {
    const { offset, limit } = pageOf(page);
    const [ids, total] = await this.core.read(() =>
      this.core.contracts.records.recordsOfPatient(patientId, offset, limit),
    );
    return { ids: [...ids], total: Number(total) };
  }

  /** Whether `reader` may read the record for a purpose (name or number): the suite's single read rule. */
  async canRead(reader: string, recordId: bigint | number, purpose: string | number): Promise<boolean> {
    return this.core.read(() => this.core.contracts.records.canRead(reader, recordId, parsePurpose(purpose)));
  }
}
