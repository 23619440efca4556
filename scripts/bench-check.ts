/**
 * The gas gate (CI): measures every operation and contract size exactly as `npm run bench` does and compares them
 * with the committed bench/gas.json. Fails when a row grows by more than 1%, is new or missing, or a contract is
 * over EIP-170's 24,576 bytes; prints the rows that moved. Never writes the snapshot: `npm run bench` does.
 *
 *   npm run bench:check
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import hre from "hardhat";

import { measureGas } from "../bench/measure";
import { contractSizes } from "../bench/sizes";
import { gate, parseSnapshot, type Measurement } from "./lib/gas-gate";

async function main(): Promise<void> {
  // Read first: a missing or malformed snapshot should fail before a minute of measuring.
  const file = path.join(__dirname, "..", "bench", "gas.json");
  const snapshot = parseSnapshot(JSON.parse(readFileSync(file, "utf8")));

  const started = Date.now();
  const rows = await measureGas(hre);
  const sizes = await contractSizes(hre.artifacts);
  const measured: Measurement = {
    gas: Object.fromEntries(rows.map((r) => [r.key, r.gas])),
    sizes: Object.fromEntries(sizes.map((s) => [s.contract, { runtime: s.runtime, initcode: s.initcode }])),
  };

  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`measured ${rows.length} operations and ${sizes.length} contracts in ${seconds} s`);
  // Everything on stdout, in order: CI logs interleave stderr unpredictably; the exit code is the verdict.
  const { ok, lines } = gate(snapshot, measured);
  for (const line of lines) console.log(line);
  if (!ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
