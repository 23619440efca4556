/**
 * Fails when the contracts' coverage falls below the gate: 100% of lines and functions, at least 95% of
 * branches, for the suite as a whole and for every contract file. Reads coverage/coverage-summary.json,
 * which `npm run coverage` writes.
 *
 *   npm run coverage:gate      (coverage, then this check; CI runs it)
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

type Metric = { pct: number; covered: number; total: number };
type Summary = Record<string, { lines: Metric; functions: Metric; branches: Metric; statements: Metric }>;

export const GATE = { lines: 100, functions: 100, branches: 95 } as const;

/** The files (or the total) below the gate, one line each. */
export function belowGate(summary: Summary, root: string): string[] {
  const problems: string[] = [];
  for (const [file, metrics] of Object.entries(summary)) {
    const name = file === "total" ? "all contracts" : path.relative(root, file);
    for (const [metric, minimum] of Object.entries(GATE) as [keyof typeof GATE, number][]) {
      const m = metrics[metric];
      if (m.total > 0 && m.pct < minimum) {
        problems.push(`${name}: ${metric} ${m.pct}% (${m.covered}/${m.total}), the gate is ${minimum}%`);
      }
    }
  }
  return problems;
}

function main(): number {
  const root = path.join(__dirname, "..");
  const file = path.join(root, "coverage", "coverage-summary.json");
  if (!existsSync(file)) {
    console.error("error: no coverage/coverage-summary.json; run npm run coverage first");
    return 1;
  }
  const summary = JSON.parse(readFileSync(file, "utf8")) as Summary;
  const problems = belowGate(summary, root);
  const total = summary.total;
  console.log(
    `coverage: lines ${total.lines.pct}%, functions ${total.functions.pct}%, branches ${total.branches.pct}% ` +
      `(gate: ${GATE.lines}/${GATE.functions}/${GATE.branches})`,
  );
  for (const problem of problems) console.error(`below the gate: ${problem}`);
  return problems.length === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
