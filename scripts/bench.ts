/**
 * Measures the gas of every user operation on the in-process Hardhat network and the code size of every contract,
 * prints tables against the issues' targets and the EIP-170 limit (with each transaction's data, raw and
 * compressed, which is most of its cost on a rollup), and writes bench/gas.json (committed, so a
 * review shows what a change costs; `npm run bench:check` holds CI to it).
 *
 *   npm run bench
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";

import { HISTORY, HISTORY_TOLERANCE, benchHistory } from "../bench/history";
import type { DocumentBench } from "../bench/documents";
import type { RelayerBench } from "../bench/relayer";
import { measureGas } from "../bench/measure";
import { contractSizes, sizeTable } from "../bench/sizes";
import type { GasRow } from "../bench/types";
import { HISTORY_PREFIX, SIZE_PREFIX, sizeEntry } from "./lib/gas-gate";
import { markdownTable, thousands } from "./lib/table";

function verdict(row: GasRow): string {
  if (row.target === undefined) return "";
  return row.gas <= row.target ? "met" : `MISSED by ${row.gas - row.target}`;
}

async function main(): Promise<void> {
  // A document of imaging size (issue 17), in a process of its own (its memory is the document's):
  // stored in the embedded IPFS node and opened. BENCH_DOCUMENT_MB=0 skips it.
  const documentMb = Number(process.env.BENCH_DOCUMENT_MB ?? 200);
  if (documentMb > 0) {
    const script = path.join(__dirname, "..", "bench", "documents.ts");
    const output = execFileSync(
      process.execPath,
      [require.resolve("ts-node/dist/bin"), "--transpile-only", script, String(documentMb)],
      { encoding: "utf8" },
    );
    const d = JSON.parse(output) as DocumentBench;
    console.log(`\n| a ${d.megabytes} MB document (${d.chunks} chunks) | time |`);
    console.log("|---|---|");
    console.log(`| encrypt (XChaCha20-Poly1305) | ${d.encryptMs} ms |`);
    console.log(`| store in the embedded IPFS node (UnixFS, blocks on disk, pinned) | ${d.storeMs} ms |`);
    console.log(`| read back, every block checked against its CID | ${d.readMs} ms |`);
    console.log(`| decrypt | ${d.decryptMs} ms |`);
    console.log(
      `| memory: resident with the document loaded, peak of the process | ${d.rssBeforeMb} MB, ${d.peakRssMb} MB |`,
    );
    const file = path.join(__dirname, "..", "bench", "documents.json");
    writeFileSync(file, JSON.stringify({ ...d, node: process.version, cpus: os.cpus().length }, null, 2) + "\n");
  }

  // The relayer service's latency (issue 18: under 200 ms on the local node), in a process of its own whose seed
  // writes to temporary folders. BENCH_RELAYER=0 skips it.
  if (process.env.BENCH_RELAYER !== "0") {
    const folders = mkdtempSync(path.join(os.tmpdir(), "miip-bench-relayer-"));
    try {
      const output = execFileSync(
        process.execPath,
        [require.resolve("hardhat/internal/cli/bootstrap"), "run", path.join(__dirname, "..", "bench", "relayer.ts")],
        {
          encoding: "utf8",
          env: {
            ...process.env,
            MIIP_DEPLOYMENTS: path.join(folders, "deployments"),
            MIIP_STORE: path.join(folders, "store"),
          },
        },
      );
      const r = JSON.parse(output.trim().split("\n").at(-1)!) as RelayerBench;
      console.log(
        `\n| the relayer: a valid request answered (checked, simulated, sent), ${r.requests} requests | time |`,
      );
      console.log("|---|---|");
      console.log(`| median / slowest | ${r.medianMs} ms / ${r.maxMs} ms (budget 200 ms) |`);
      const file = path.join(__dirname, "..", "bench", "relayer.json");
      writeFileSync(
        file,
        JSON.stringify({ ...r, budgetMs: 200, node: process.version, cpus: os.cpus().length }, null, 2) + "\n",
      );
    } finally {
      rmSync(folders, { recursive: true, force: true });
    }
  }

  const rows = await measureGas(hre);
  const sizes = await contractSizes(hre.artifacts);

  const table = markdownTable(
    [
      "operation",
      "gas",
      "target",
      "reference",
      "verdict",
      "calls (before issue 14)",
      "data bytes: calldata / signed / FastLZ / brotli",
    ],
    rows.map((r) => [
      r.operation,
      thousands(r.gas),
      r.target === undefined ? "" : thousands(r.target),
      r.reference ? `${thousands(r.reference.gas)} (${r.reference.name})` : "",
      verdict(r),
      r.calls === undefined ? "" : `${r.calls}${r.callsBefore === undefined ? "" : ` (${r.callsBefore})`}`,
      r.data === undefined ? "" : `${r.data.calldata} / ${r.data.signed} / ${r.data.fastlz} / ${r.data.brotli}`,
    ]),
  );
  for (const line of table) console.log(line);
  console.log("");
  for (const line of sizeTable(sizes)) console.log(line);

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
      rows.map((r) => [
        r.key,
        {
          gas: r.gas,
          target: r.target,
          reference: r.reference,
          note: r.note,
          calls: r.calls,
          callsBefore: r.callsBefore,
          data: r.data,
        },
      ]),
    ),
    ...Object.fromEntries(sizes.map((s) => [`${SIZE_PREFIX}${s.contract}`, sizeEntry(s)])),
    ...Object.fromEntries(
      history.map((h) => [`${HISTORY_PREFIX}${h.key}`, { fresh: h.fresh, after: h.after, changePercent: h.change }]),
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
