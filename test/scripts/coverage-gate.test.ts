import { expect } from "chai";

import { belowGate } from "../../scripts/coverage-gate";

describe("coverage gate (scripts/coverage-gate.ts)", function () {
  const metric = (covered: number, total: number) => ({ covered, total, pct: total ? (100 * covered) / total : 100 });
  const entry = (lines: number, functions: number, branches: number) => ({
    lines: metric(lines, 100),
    statements: metric(lines, 100),
    functions: metric(functions, 100),
    branches: metric(branches, 100),
  });

  it("passes at 100% of lines and functions and 95% of branches", function () {
    expect(belowGate({ total: entry(100, 100, 95), "/r/contracts/A.sol": entry(100, 100, 100) }, "/r")).to.deep.equal(
      [],
    );
  });

  it("names each file and metric below the gate", function () {
    expect(belowGate({ total: entry(99, 100, 96), "/r/contracts/A.sol": entry(100, 98, 94) }, "/r")).to.deep.equal([
      "all contracts: lines 99% (99/100), the gate is 100%",
      "contracts/A.sol: functions 98% (98/100), the gate is 100%",
      "contracts/A.sol: branches 94% (94/100), the gate is 95%",
    ]);
  });
});
