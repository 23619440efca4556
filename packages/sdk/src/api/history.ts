import type { BaseContract, ContractEventName, EventLog, Log } from "ethers";

import { type Core, MIIPClientError } from "../core.ts";
import { RECORD_SOURCE_NAMES, type RecordSourceName, recordTypeName } from "../labels.ts";
import { type Page, type Paged, pageOf } from "./paging.ts";

/** One event in a history, in chain order, with when it happened. */
export interface HistoryEntry {
  event: string;
  args: Record<string, unknown>;
  blockNumber: number;
  timestamp: number;
  transactionHash: string;
  logIndex: number;
}

/** A patient's record with what only its event holds: the document's digest and where it lives. */
export interface RecordEntry {
  id: bigint;
  issuer: number;
  recordType: number;
  recordTypeName: string;
  issuedAt: number;
  digest: string;
  uri: string;
  supersedes: bigint;
  supersededBy: bigint;
  /** Where it comes from: a hospital (its issuer), or the patient's own stream (the patient, a device, a writer). */
  source: RecordSourceName;
  /** The device's id for a device, the writer's institution id for a writer, the issuer for a hospital, else 0. */
  sourceId: number;
  transactionHash: string;
}

/**
 * Histories rebuilt from events, which nobody can alter: a patient's records and access trail, a batch's
 * provenance, a claim's timeline. Every query starts at the deployment's block and pages its result; on
 * providers that cap `eth_getLogs` ranges, set `maxBlockRange` on the client.
 */
export class HistoryApi {
  private readonly blockTimes = new Map<number, number>();

  constructor(
    private readonly core: Core,
    private readonly maxBlockRange: number,
  ) {}

  /** Logs matching a filter from the deployment's block to the latest, in ranges the provider accepts. */
  async logs(contract: BaseContract, filter: ContractEventName): Promise<EventLog[]> {
    const latest = await this.core.provider.getBlockNumber();
    const found: EventLog[] = [];
    for (let from = this.core.deployment.startBlock; from <= latest; from += this.maxBlockRange) {
      // The last range runs to the node's latest block, not to the number read above: a provider may answer that
      // number from a cache a second old, and a transaction this client just sent would be missed.
      const last = from + this.maxBlockRange > latest;
      const to = last ? "latest" : from + this.maxBlockRange - 1;
      for (const log of await contract.queryFilter(filter, from, to)) {
        if ("args" in log) found.push(log);
      }
    }
    return found;
  }

  private async timestampOf(blockNumber: number): Promise<number> {
    let time = this.blockTimes.get(blockNumber);
    if (time === undefined) {
      const block = await this.core.provider.getBlock(blockNumber);
      time = block?.timestamp ?? 0;
      this.blockTimes.set(blockNumber, time);
    }
    return time;
  }

  private async entries(logs: (EventLog | Log)[]): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    for (const log of logs) {
      const decoded = this.core.decodeLog(log);
      if (!decoded) continue;
      entries.push({
        event: decoded.name,
        args: decoded.args,
        blockNumber: log.blockNumber,
        timestamp: await this.timestampOf(log.blockNumber),
        transactionHash: log.transactionHash,
        logIndex: log.index,
      });
    }
    return entries;
  }

  /** A page of decoded entries from logs, oldest first. */
  async page(logs: EventLog[], page: Page): Promise<Paged<HistoryEntry>> {
    return this.paged(logs, page);
  }

  private async paged(logs: EventLog[], page: Page): Promise<Paged<HistoryEntry>> {
    const { offset, limit } = pageOf(page);
    const ordered = [...logs].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    return { entries: await this.entries(ordered.slice(offset, offset + limit)), total: ordered.length, offset };
  }

  /**
   * A page of a patient's records, oldest first: the registry pages the ids, the page's `RecordRegistered`
   * events give each document's digest and URI.
   */
  async recordsOfPatient(patientId: bigint | number, page: Page = {}): Promise<Paged<RecordEntry>> {
    const { offset, limit } = pageOf(page);
    const { records } = this.core.contracts;
    const [ids, total] = await records.recordsOfPatient(patientId, offset, limit);
    if (ids.length === 0) return { entries: [], total: Number(total), offset };
    const logs = await this.logs(records, records.filters.RecordRegistered([...ids] as unknown as bigint));
    const byId = new Map(logs.map((log) => [log.args[0] as bigint, log]));
    // The page's records read side by side: one round trip's latency for the page, not one per record.
    const entries = await Promise.all(
      ids.map(async (id): Promise<RecordEntry> => {
        const [record, log] = [await records.getRecord(id), byId.get(id)];
        // A hospital's record is its issuer's; only a patient-stream record (issuer 0) asks for its source.
        const [source, sourceId] = record.issuer === 0n ? await records.sourceOf(id) : [0n, record.issuer];
        return {
          id,
          issuer: Number(record.issuer),
          recordType: Number(record.recordType),
          recordTypeName: recordTypeName(record.recordType),
          issuedAt: Number(record.issuedAt),
          digest: (log?.args[5] as string) ?? "",
          uri: (log?.args[6] as string) ?? "",
          supersedes: record.supersedes,
          supersededBy: record.supersededBy,
          source: RECORD_SOURCE_NAMES[Number(source)] ?? "hospital",
          sourceId: Number(sourceId),
          transactionHash: log?.transactionHash ?? "",
        };
      }),
    );
    return { entries, total: Number(total), offset };
  }

  /** A record's document pointer and digest, from its `RecordRegistered` event. */
  async documentOf(recordId: bigint | number): Promise<{ digest: string; uri: string; patientId: bigint }> {
    const { records } = this.core.contracts;
    const [log] = await this.logs(records, records.filters.RecordRegistered(recordId));
    if (!log) {
      await this.core.read(() => records.recordHeader(recordId)); // raises RecordsUnknownRecord
      throw new MIIPClientError(`record ${recordId} exists but its event is before the deployment's start block`);
    }
    return { patientId: log.args[1] as bigint, digest: log.args[5] as string, uri: log.args[6] as string };
  }

  /**
   * A patient's access trail, oldest first: every logged read of their records (the consent manager's
   * `AccessLogged`) and every read of their research contributions a researcher logged (the market's
   * `ContributionRead`).
   */
  async accessTrail(patientId: bigint | number, page: Page = {}): Promise<Paged<HistoryEntry>> {
    const { consent, market } = this.core.contracts;
    const [records, contributions] = await Promise.all([
      this.logs(consent, consent.filters.AccessLogged(patientId)),
      this.logs(market, market.filters.ContributionRead(undefined, patientId)),
    ]);
    return this.paged([...records, ...contributions], page);
  }

  /**
   * A patient's consent history: grants, revocations, cancelled signatures, and every break-glass event
   * (openings, closings, blocks, justifications given or missed): what the patient's app shows and notifies.
   */
  async consentHistory(patientId: bigint | number, page: Page = {}): Promise<Paged<HistoryEntry>> {
    const { consent } = this.core.contracts;
    const f = consent.filters;
    const logs = [
      ...(await this.logs(consent, f.ConsentGranted(undefined, patientId))),
      ...(await this.logs(consent, f.ConsentRevoked(undefined, patientId))),
      ...(await this.logs(consent, f.ConsentNonceCancelled(undefined, patientId))),
      ...(await this.logs(consent, f.EmergencyAccessOpened(patientId))),
      ...(await this.logs(consent, f.EmergencyAccessClosed(patientId))),
      ...(await this.logs(consent, f.EmergencyBlockSet(patientId))),
      ...(await this.logs(consent, f.EmergencyJustified(patientId))),
      ...(await this.logs(consent, f.EmergencyJustificationMissed(patientId))),
    ];
    return this.paged(logs, page);
  }

  /**
   * A patient's account history in the directory: registration, address changes, guardians (by commitment),
   * the recovery threshold, and every recovery approval, arming and closed round.
   */
  async accountHistory(patientId: bigint | number, page: Page = {}): Promise<Paged<HistoryEntry>> {
    const { participants } = this.core.contracts;
    const f = participants.filters;
    const logs = [
      ...(await this.logs(participants, f.PatientRegistered(patientId))),
      ...(await this.logs(participants, f.PatientAccountProposed(patientId))),
      ...(await this.logs(participants, f.PatientAccountChanged(patientId))),
      ...(await this.logs(participants, f.GuardianSet(patientId))),
      ...(await this.logs(participants, f.RecoveryThresholdSet(patientId))),
      ...(await this.logs(participants, f.RecoveryApproved(patientId))),
      ...(await this.logs(participants, f.RecoveryArmed(patientId))),
      ...(await this.logs(participants, f.RecoveryRoundClosed(patientId))),
    ];
    return this.paged(logs, page);
  }

  /**
   * A batch's provenance: registration, every shipment and its acceptance or refusal, every device reading on
   * its shipments, excursions, quarantine decisions, recalls, their withdrawals and notices, dispensing and counterfeit
   * alerts — in chain order.
   */
  async batchProvenance(batchId: bigint | number, page: Page = {}): Promise<Paged<HistoryEntry>> {
    const { supply } = this.core.contracts;
    const f = supply.filters;
    const shipped = await this.logs(supply, f.Shipped(undefined, batchId));
    const shipmentIds = shipped.map((log) => log.args[0] as bigint);
    // Readings and device assignments are indexed by shipment: one query names all of the batch's shipments.
    const byShipment = shipmentIds as unknown as bigint;
    const perShipment =
      shipmentIds.length === 0
        ? []
        : [
            ...(await this.logs(supply, f.DeviceAssigned(byShipment))),
            ...(await this.logs(supply, f.ReadingRecorded(byShipment))),
          ];
    const logs = [
      ...(await this.logs(supply, f.BatchRegistered(batchId))),
      ...shipped,
      ...perShipment,
      ...(await this.logs(supply, f.ShipmentAccepted(undefined, batchId))),
      ...(await this.logs(supply, f.ShipmentRefused(undefined, batchId))),
      ...(await this.logs(supply, f.ShipmentReclaimed(undefined, batchId))),
      ...(await this.logs(supply, f.Excursion(undefined, batchId))),
      ...(await this.logs(supply, f.LateExcursion(undefined, batchId))),
      ...(await this.logs(supply, f.QuarantineResolved(undefined, batchId))),
      ...(await this.logs(supply, f.AdverseEventReported(batchId))),
      ...(await this.logs(supply, f.BatchRecalled(batchId))),
      ...(await this.logs(supply, f.RecallWithdrawn(batchId))),
      ...(await this.logs(supply, f.RecallNotice(batchId))),
      ...(await this.logs(supply, f.Dispensed(batchId))),
      ...(await this.logs(supply, f.CounterfeitAlert(batchId))),
    ];
    return this.paged(logs, page);
  }

  /**
   * A claim's timeline: the attestation that waited for the other party (if any), the filing, every decision
   * (review, dispute with its evidence digest, arbitration, default outcomes), credits.
   */
  async claimTimeline(claimId: bigint | number, page: Page = {}): Promise<Paged<HistoryEntry>> {
    const { claims } = this.core.contracts;
    const f = claims.filters;
    const filed = await this.logs(claims, f.ClaimFiled(claimId));
    const attested = filed.length === 0 ? [] : await this.logs(claims, f.BillAttested(filed[0].args.billHash));
    const logs = [
      ...attested,
      ...filed,
      ...(await this.logs(claims, f.ClaimDecided(claimId))),
      ...(await this.logs(claims, f.PaymentCredited(claimId))),
    ];
    return this.paged(logs, page);
  }
}
