/**
 * Measures the gas of every user operation on the in-process Hardhat network, prints a table against the
 * issues' targets and writes bench/gas.json (committed, so a review shows what a change costs).
 *
 *   npm run bench
 */
import { writeFileSync } from "node:fs";
import path from "node:path";

import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { HISTORY, HISTORY_TOLERANCE, benchHistory } from "../bench/history";
import { benchIST } from "../bench/ist";
import { benchClaims } from "../bench/claims";
import { benchConsent } from "../bench/consent";
import { benchRegistry } from "../bench/registry";
import { benchSupply } from "../bench/supply";
import type { GasRow } from "../bench/types";

/** 2030-01-01T00:00:00Z: later than any wall clock this bench will run under, so the clock can move there. */
const BENCH_EPOCH = 1_893_456_000;

function verdict(row: GasRow): string {
  if (row.target === undefined) return "";
  return row.gas <= row.target ? "met" : `MISSED by ${row.gas - row.target}`;
}

async function main(): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error("the bench runs on the in-process hardhat network only");
  // A fixed clock, so that timestamps in calldata (and so the gas of every run) are the same every time.
  await time.increaseTo(BENCH_EPOCH);
  const rows: GasRow[] = [
    ...(await benchIST(hre)),
    ...(await benchRegistry(hre)),
    ...(await benchConsent(hre)),
    ...(await benchClaims(hre)),
    ...(await benchSupply(hre)),
  ];

  const table = rows.map((r) => ({
    operation: r.operation,
    gas: r.gas.toLocaleString("en-US"),
    target: r.target?.toLocaleString("en-US") ?? "",
    reference: r.reference ? `${r.reference.gas.toLocaleString("en-US")} (${r.reference.name})` : "",
    verdict: verdict(r),
  }));
  const headers = ["operation", "gas", "target", "reference", "verdict"] as const;
  const widths = headers.map((h) => Math.max(h.length, ...table.map((t) => t[h].length)));
  const line = (cells: readonly string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(line(headers));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const t of table) console.log(line(headers.map((h) => t[h])));

  // Gas must not grow with history (issue 8): the same operations, fresh and after 10,000 of everything.
  // BENCH_HISTORY=0 skips this part (about 40 seconds).
  const history = process.env.BENCH_HISTORY === "0" ? [] : await benchHistory(hre, (l) => console.log(l));
  if (history.length > 0) {
    console.log(
      `\n| operation (average of 6) | fresh | after ${HISTORY.toLocaleString("en-US")} of each | change | verdict |`,
    );
    console.log("|---|---|---|---|---|");
    for (const h of history) {
      const ok = Math.abs(h.change) < HISTORY_TOLERANCE;
      console.log(
        `| ${h.operation} | ${h.fresh.toLocaleString("en-US")} | ${h.after.toLocaleString("en-US")} | ${h.change}% | ${ok ? "within 5%" : "GROWS"} |`,
      );
    }
  }

  const snapshot = {
    ...Object.fromEntries(
      rows.map((r) => [r.key, { gas: r.gas, target: r.target, reference: r.reference, note: r.note }]),
    ),
    ...Object.fromEntries(
      history.map((h) => [`history.${h.key}`, { fresh: h.fresh, after: h.after, changePercent: h.change }]),
    ),
  };
  const file = path.join(__dirname, "..", "bench", "gas.json");
  writeFileSync(file, JSON.stringify(snapshot, null, 2) + "\n");
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  const missed = rows.filter((r) => r.target !== undefined && r.gas > r.target);
  if (missed.length > 0) console.log(`${missed.length} target(s) missed: ${missed.map((r) => r.key).join(", ")}`);
  const grows = history.filter((h) => Math.abs(h.change) >= HISTORY_TOLERANCE);
  if (grows.length > 0) {
    console.error(`gas grows with history: ${grows.map((h) => `${h.key} ${h.change}%`).join(", ")}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
