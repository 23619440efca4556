/**
 * The gas gate of `npm run bench:check`: compares a fresh measurement (the gas of every bench operation, the code
 * size of every contract) with the committed snapshot bench/gas.json. A row that grows by more than 1% fails, so a
 * commit that makes an operation dearer or a contract bigger must update the snapshot too (`npm run bench`), and
 * the cost shows in review. Pure: scripts/bench-check.ts measures and prints, test/scripts/gas-gate.test.ts
 * checks the thresholds.
 */
import { markdownTable, thousands } from "./table";

/** A row may grow by this much, in percent of its snapshot, and pass; exactly 1% passes. */
export const TOLERANCE_PERCENT = 1;
/** EIP-170: the largest runtime code an account may hold; a bigger contract cannot be deployed. */
export const RUNTIME_LIMIT = 24_576;
/** EIP-3860 (Shanghai): the largest initcode a creation may carry (the artifact's, before constructor arguments). */
export const INITCODE_LIMIT = 49_152;

/** gas.json keys under which the bench stores contract sizes, beside the operations' own keys. */
export const SIZE_PREFIX = "size.";
/** gas.json keys of the history bench, which the gate does not measure (it takes 40 seconds more). */
export const HISTORY_PREFIX = "history.";

/** A contract's code, in bytes. */
export interface ContractSize {
  /** Deployed (runtime) code, which EIP-170 limits. */
  runtime: number;
  /** Creation code, which EIP-3860 limits and deployment pays for. */
  initcode: number;
}

/** What the gate compares: gas per operation key, sizes per contract name, in the bench's order. */
export interface Measurement {
  gas: Record<string, number>;
  sizes: Record<string, ContractSize>;
}

/** The gas.json entry of a contract's size, with its margins so that a reviewer sees the room left. */
export function sizeEntry(size: ContractSize) {
  return {
    runtime: size.runtime,
    runtimeMarginToEip170: RUNTIME_LIMIT - size.runtime,
    initcode: size.initcode,
    initcodeMarginToEip3860: INITCODE_LIMIT - size.initcode,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(entry: Record<string, unknown>, field: string, key: string): number {
  const value = entry[field];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`bench/gas.json: "${key}" has no ${field} (a number), found ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The gas and size rows of a gas.json, as `npm run bench` writes it. History rows are skipped: the gate does
 * not measure them. A malformed entry is an error rather than a row to skip, so that a hand edit cannot switch
 * the gate off for an operation.
 */
export function parseSnapshot(json: unknown): Measurement {
  if (!isRecord(json)) throw new Error("bench/gas.json: not a JSON object");
  const snapshot: Measurement = { gas: {}, sizes: {} };
  for (const [key, entry] of Object.entries(json)) {
    if (key.startsWith(HISTORY_PREFIX)) continue;
    if (!isRecord(entry)) throw new Error(`bench/gas.json: "${key}" is not an object`);
    if (key.startsWith(SIZE_PREFIX)) {
      snapshot.sizes[key.slice(SIZE_PREFIX.length)] = {
        runtime: count(entry, "runtime", key),
        initcode: count(entry, "initcode", key),
      };
    } else {
      snapshot.gas[key] = count(entry, "gas", key);
    }
  }
  return snapshot;
}

export type Verdict = "grew" | "improved" | "new" | "missing" | "over limit";

/** A row that moved, or that fails whatever the snapshot says. */
export interface GateRow {
  /** The operation's gas.json key, or `size.<Contract>.runtime` / `size.<Contract>.initcode`. */
  name: string;
  snapshot?: number;
  measured?: number;
  verdict: Verdict;
  /** For sizes: the limit the row is held to. */
  limit?: { name: string; bytes: number };
}

export function fails(row: GateRow): boolean {
  return row.verdict !== "improved";
}

function judge(
  name: string,
  snapshot: number | undefined,
  measured: number | undefined,
  limit?: GateRow["limit"],
): GateRow | undefined {
  // Over the limit fails even when the snapshot says the same: such a contract cannot be deployed at all.
  if (measured !== undefined && limit !== undefined && measured > limit.bytes) {
    return { name, snapshot, measured, verdict: "over limit", limit };
  }
  if (snapshot === undefined) return { name, measured, verdict: "new", limit };
  if (measured === undefined) return { name, snapshot, verdict: "missing", limit };
  // In integers, so that exactly 1% is exactly at the threshold (no floating-point rounding either way).
  if (measured * 100 > snapshot * (100 + TOLERANCE_PERCENT)) {
    return { name, snapshot, measured, verdict: "grew", limit };
  }
  if (measured * 100 < snapshot * (100 - TOLERANCE_PERCENT)) {
    return { name, snapshot, measured, verdict: "improved", limit };
  }
  return undefined;
}

/** Every key of either side, the measurement's order first, then what only the snapshot has. */
function keysOf(measured: Record<string, unknown>, snapshot: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(measured), ...Object.keys(snapshot)])];
}

/** The rows that moved by more than 1% either way, are new or missing, or are over a size limit. */
export function compare(snapshot: Measurement, measured: Measurement): GateRow[] {
  const rows: (GateRow | undefined)[] = [];
  for (const key of keysOf(measured.gas, snapshot.gas)) {
    rows.push(judge(key, snapshot.gas[key], measured.gas[key]));
  }
  for (const contract of keysOf(measured.sizes, snapshot.sizes)) {
    const before = snapshot.sizes[contract];
    const after = measured.sizes[contract];
    const name = `${SIZE_PREFIX}${contract}`;
    rows.push(judge(`${name}.runtime`, before?.runtime, after?.runtime, { name: "EIP-170", bytes: RUNTIME_LIMIT }));
    rows.push(
      judge(`${name}.initcode`, before?.initcode, after?.initcode, { name: "EIP-3860", bytes: INITCODE_LIMIT }),
    );
  }
  return rows.filter((r): r is GateRow => r !== undefined);
}

/**
 * The change in percent, to two decimals; more when two would read as exactly the tolerance for a row past it
 * (1,001 gas on 100,000 reads +1.001%, not a +1.00% that would contradict its verdict).
 */
export function percentChange(snapshot: number, measured: number): string {
  if (snapshot === 0) return measured === 0 ? "0.00%" : "n/a";
  const percent = (100 * (measured - snapshot)) / snapshot;
  let digits = 2;
  let text = percent.toFixed(digits);
  while (Math.abs(Number(text)) === TOLERANCE_PERCENT && Math.abs(percent) !== TOLERANCE_PERCENT && digits < 6) {
    digits += 1;
    text = percent.toFixed(digits);
  }
  if (Number(text) === 0) return `${(0).toFixed(digits)}%`;
  return `${percent > 0 ? "+" : ""}${text}%`;
}

function verdictText(row: GateRow): string {
  switch (row.verdict) {
    case "grew":
      return `FAIL: grew by more than ${TOLERANCE_PERCENT}%`;
    case "improved":
      return "improved: update the snapshot with npm run bench";
    case "new":
      return "FAIL: not in the snapshot";
    case "missing":
      return "FAIL: in the snapshot, not measured";
    case "over limit":
      return row.limit
        ? `FAIL: over the ${row.limit.name} limit of ${thousands(row.limit.bytes)} bytes`
        : "FAIL: over its limit";
  }
}

/** The table `npm run bench:check` prints: one line per row that moved. */
export function formatRows(rows: readonly GateRow[]): string[] {
  const cell = (n: number | undefined) => (n === undefined ? "-" : thousands(n));
  return markdownTable(
    ["operation or contract", "snapshot", "measured", "change", "verdict"],
    rows.map((r) => [
      r.name,
      cell(r.snapshot),
      cell(r.measured),
      r.snapshot !== undefined && r.measured !== undefined ? percentChange(r.snapshot, r.measured) : "",
      verdictText(r),
    ]),
  );
}

/** The gate's whole answer: whether it passes, and what to print. */
export function gate(snapshot: Measurement, measured: Measurement): { ok: boolean; lines: string[] } {
  const rows = compare(snapshot, measured);
  const failing = rows.filter(fails);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const operations = plural(Object.keys(measured.gas).length, "operation");
  const counted = `${operations}, ${plural(Object.keys(measured.sizes).length, "contract")}`;
  if (rows.length === 0) {
    return { ok: true, lines: [`gas and sizes within ${TOLERANCE_PERCENT}% of bench/gas.json (${counted})`] };
  }
  const lines = [...formatRows(rows), ""];
  if (failing.length > 0) {
    lines.push(
      `${failing.length} row(s) fail the gas gate (${counted} measured). If the change is intended, ` +
        "run npm run bench and commit bench/gas.json with it, so that the cost shows in review.",
    );
  } else {
    lines.push(
      `nothing grew by more than ${TOLERANCE_PERCENT}% (${counted} measured); ${rows.length} row(s) improved: ` +
        "update the snapshot with npm run bench",
    );
  }
  return { ok: failing.length === 0, lines };
}
