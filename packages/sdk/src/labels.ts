/**
 * Names for the numbers the contracts use, in one place: what the SDK prints, what the tasks accept, and what
 * the error decoder writes in its messages. The numbering follows the Solidity enums and config/roles.ts.
 */
import { institutionKinds as KINDS, purposes as PURPOSES, recordTypes as RECORD_TYPES } from "@miip/contracts";

function invert<T extends Record<string, number>>(table: T): Record<number, keyof T & string> {
  return Object.fromEntries(Object.entries(table).map(([name, id]) => [id, name]));
}

/** IoT device kinds, as numbered in ISupplyChain.DeviceKind. */
export const DEVICE_KINDS = {
  "temperature-logger": 1,
  "humidity-logger": 2,
  "combined-logger": 3,
} as const;

export type DeviceKindName = keyof typeof DEVICE_KINDS;

/** Where a record comes from, as numbered in IRecordRegistry.Source: only a hospital's documents care. */
export const RECORD_SOURCES = {
  hospital: 0,
  patient: 1,
  device: 2,
  writer: 3,
} as const;

export type RecordSourceName = keyof typeof RECORD_SOURCES;
export const RECORD_SOURCE_NAMES = invert(RECORD_SOURCES);

/** A bit set of record sources (bit s for source s), as a data request names the sources it accepts. */
export function sourcesMask(sources: readonly RecordSourceName[]): number {
  if (sources.length === 0) throw new RangeError("name at least one record source");
  let mask = 0;
  for (const source of sources) {
    const bit = RECORD_SOURCES[source];
    if (bit === undefined)
      throw new RangeError(`unknown record source "${source}" (one of ${Object.keys(RECORD_SOURCES).join(", ")})`);
    mask |= 1 << bit;
  }
  return mask;
}

/** The sources of a bit set, by name. */
export function sourcesOf(mask: number): RecordSourceName[] {
  return (Object.entries(RECORD_SOURCES) as [RecordSourceName, number][])
    .filter(([, bit]) => (mask >> bit) & 1)
    .map(([name]) => name);
}

export const KIND_NAMES: Record<number, string> = { 0: "none", ...invert(KINDS) };
export const PURPOSE_NAMES = invert(PURPOSES);
export const RECORD_TYPE_NAMES = invert(RECORD_TYPES);
export const DEVICE_KIND_NAMES: Record<number, string> = { 0: "none", ...invert(DEVICE_KINDS) };

/** Enums whose values the error decoder names, keyed by the type name in the ABI's `internalType`. */
export const ENUM_LABELS: Record<string, readonly string[]> = {
  Kind: Object.values(KIND_NAMES),
  Status: ["none", "active", "suspended", "retired", "pending", "cancelled"],
  Purpose: Object.values(PURPOSE_NAMES),
  ScopeKind: ["all-records", "record-type", "record", "emergency"],
  ClaimStatus: ["none", "pending", "paid", "partially-approved", "rejected", "escalated", "disputed", "settled"],
  PayTo: ["hospital", "patient"],
  Party: ["anyone", "patient", "hospital", "insurer", "arbitrator"],
  BatchStatus: ["none", "active", "recalled"],
  ShipmentStatus: ["none", "origin", "in-transit", "accepted", "returned"],
  Reporter: ["none", "hospital", "pharmacy", "patient"],
  CategoryKind: ["vesting", "pool"],
  DeviceKind: Object.values(DEVICE_KIND_NAMES),
  /** IDeviceRegistry.DeviceStatus: a personal device. */
  DeviceStatus: ["none", "bound", "revoked"],
  Source: Object.values(RECORD_SOURCE_NAMES),
  IntakeBy: ["patient", "device"],
  ProgrammeSetting: [
    "token",
    "coveredTypes",
    "perClaimCap",
    "perPatientYearCap",
    "autoApproveThreshold",
    "copayBps",
    "filingWindowDays",
    "reviewDays",
    "disputeDays",
    "arbitrationDays",
  ],
  MerkleClaimSetting: ["root", "deadline", "treasury"],
  ContributionStatus: ["none", "delivered", "contested", "paid", "rejected"],
  InvoiceStatus: ["none", "open", "paid", "cancelled"],
  CareKind: ["record", "dispensing"],
  /** IProductRegistry.Field: the master data field a refusal names. */
  Field: ["name", "strength", "form", "marketing-authorisation-holder"],
};

/** The label of an enum value, or the number itself when out of range. */
export function enumLabel(enumName: string, value: bigint | number): string {
  return ENUM_LABELS[enumName]?.[Number(value)] ?? String(value);
}

/** A record type's name, or `type <n>` for a type governance added after this SDK was built. */
export function recordTypeName(recordType: bigint | number): string {
  return RECORD_TYPE_NAMES[Number(recordType)] ?? `type ${recordType}`;
}

/** Parses a record type given as a name ("lab-result") or a number ("3"). */
export function parseRecordType(value: string | number): number {
  if (typeof value === "number" || /^\d+$/.test(value)) {
    const n = Number(value);
    if (n >= 1 && n <= 127) return n;
    throw new RangeError(`record type ${value} is outside 1..127`);
  }
  const exact = (RECORD_TYPES as Record<string, number>)[value];
  if (exact !== undefined) return exact;
  // A unique prefix is enough on a command line: "lab" is lab-result, "discharge" the discharge summary.
  const matches = Object.entries(RECORD_TYPES).filter(([name]) => name.startsWith(value));
  if (matches.length === 1) return matches[0][1];
  throw new RangeError(`unknown record type "${value}" (one of ${Object.keys(RECORD_TYPES).join(", ")})`);
}

/** Parses a read purpose given as a name ("treatment") or a number. */
export function parsePurpose(value: string | number): number {
  if (typeof value === "number" || /^\d+$/.test(value)) {
    const n = Number(value);
    if (n in PURPOSE_NAMES) return n;
    throw new RangeError(`purpose ${value} is not one of 0..${Object.keys(PURPOSE_NAMES).length - 1}`);
  }
  const id = (PURPOSES as Record<string, number>)[value];
  if (id === undefined) {
    throw new RangeError(`unknown purpose "${value}" (one of ${Object.keys(PURPOSES).join(", ")})`);
  }
  return id;
}

/** Parses an institution kind given as a name ("pharmacy") or a number. */
export function parseKind(value: string | number): number {
  if (typeof value === "number" || /^\d+$/.test(value)) {
    const n = Number(value);
    if (n >= 1 && n in KIND_NAMES) return n;
    throw new RangeError(`institution kind ${value} is not one of 1..${Object.keys(KINDS).length}`);
  }
  const id = (KINDS as Record<string, number>)[value];
  if (id === undefined) {
    throw new RangeError(`unknown institution kind "${value}" (one of ${Object.keys(KINDS).join(", ")})`);
  }
  return id;
}

/** Parses an IoT device kind given as a name ("combined-logger", or a unique prefix: "temp") or a number. */
export function parseDeviceKind(value: string | number): number {
  if (typeof value === "number" || /^\d+$/.test(value)) {
    const n = Number(value);
    if (n >= 1 && n in DEVICE_KIND_NAMES) return n;
    throw new RangeError(`device kind ${value} is not one of 1..${Object.keys(DEVICE_KINDS).length}`);
  }
  const matches = Object.entries(DEVICE_KINDS).filter(([name]) => name.startsWith(value));
  if (matches.length === 1) return matches[0][1];
  throw new RangeError(`unknown device kind "${value}" (one of ${Object.keys(DEVICE_KINDS).join(", ")})`);
}

/** Unix seconds as an ISO-8601 instant without milliseconds, e.g. 2026-11-20T10:00:00Z. */
export function isoTime(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}
