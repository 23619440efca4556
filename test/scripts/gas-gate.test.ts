import { readFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import {
  INITCODE_LIMIT,
  RUNTIME_LIMIT,
  compare,
  formatRows,
  gate,
  parseSnapshot,
  percentChange,
  sizeEntry,
  type Measurement,
} from "../../scripts/lib/gas-gate";

/** A measurement of one operation and one contract, the smallest the gate compares. */
function of(gas: Record<string, number>, sizes: Measurement["sizes"] = {}): Measurement {
  return { gas, sizes };
}

describe("gas gate (scripts/lib/gas-gate.ts)", function () {
  describe("gas rows", function () {
    const snapshot = of({ "ist.transfer": 100_000 });

    it("passes a growth of exactly 1% and prints no row", function () {
      const result = gate(snapshot, of({ "ist.transfer": 101_000 }));
      expect(compare(snapshot, of({ "ist.transfer": 101_000 }))).to.deep.equal([]);
      expect(result).to.deep.equal({
        ok: true,
        lines: ["gas and sizes within 1% of bench/gas.json (1 operation, 0 contracts)"],
      });
    });

    it("fails one gas past 1%", function () {
      const measured = of({ "ist.transfer": 101_001 });
      expect(compare(snapshot, measured)).to.deep.equal([
        { name: "ist.transfer", snapshot: 100_000, measured: 101_001, verdict: "grew", limit: undefined },
      ]);
      expect(gate(snapshot, measured).ok).to.equal(false);
    });

    it("does not print an improvement of exactly 1%", function () {
      expect(gate(snapshot, of({ "ist.transfer": 99_000 }))).to.deep.equal(
        gate(snapshot, of({ "ist.transfer": 100_000 })),
      );
    });

    it("passes an improvement of more than 1% but asks for a new snapshot", function () {
      const result = gate(snapshot, of({ "ist.transfer": 98_999 }));
      expect(result.ok).to.equal(true);
      expect(result.lines).to.deep.equal([
        "| operation or contract | snapshot | measured | change  | verdict                                          |",
        "|-----------------------|----------|----------|---------|--------------------------------------------------|",
        "| ist.transfer          | 100,000  | 98,999   | -1.001% | improved: update the snapshot with npm run bench |",
        "",
        "nothing grew by more than 1% (1 operation, 0 contracts measured); 1 row(s) improved: " +
          "update the snapshot with npm run bench",
      ]);
    });

    it("fails an operation new to the snapshot and one missing from the measurement", function () {
      const rows = compare(of({ a: 10, b: 20 }), of({ a: 10, c: 30 }));
      expect(rows.map((r) => [r.name, r.verdict])).to.deep.equal([
        ["c", "new"],
        ["b", "missing"],
      ]);
      expect(gate(of({ a: 10, b: 20 }), of({ a: 10, c: 30 })).ok).to.equal(false);
    });

    it("prints failures and improvements together, and fails", function () {
      const result = gate(
        of({ "records.register": 113_752, "consent.grant": 71_338, "supply.ship": 81_519 }),
        of({ "records.register": 116_027, "consent.grant": 70_000, "supply.recall": 45_450 }),
      );
      expect(result.ok).to.equal(false);
      expect(result.lines).to.deep.equal([
        "| operation or contract | snapshot | measured | change | verdict                                          |",
        "|-----------------------|----------|----------|--------|--------------------------------------------------|",
        "| records.register      | 113,752  | 116,027  | +2.00% | FAIL: grew by more than 1%                       |",
        "| consent.grant         | 71,338   | 70,000   | -1.88% | improved: update the snapshot with npm run bench |",
        "| supply.recall         | -        | 45,450   |        | FAIL: not in the snapshot                        |",
        "| supply.ship           | 81,519   | -        |        | FAIL: in the snapshot, not measured              |",
        "",
        "3 row(s) fail the gas gate (3 operations, 0 contracts measured). If the change is intended, " +
          "run npm run bench and commit bench/gas.json with it, so that the cost shows in review.",
      ]);
    });
  });

  describe("contract sizes", function () {
    const escrow = { runtime: 24_000, initcode: 25_000 };

    it("passes sizes within 1%, fails a runtime or an initcode that grows by more", function () {
      const snapshot = of({}, { ClaimEscrow: escrow });
      expect(compare(snapshot, of({}, { ClaimEscrow: { runtime: 24_240, initcode: 25_250 } }))).to.deep.equal([]);
      const rows = compare(snapshot, of({}, { ClaimEscrow: { runtime: 24_241, initcode: 25_251 } }));
      expect(rows.map((r) => [r.name, r.snapshot, r.measured, r.verdict])).to.deep.equal([
        ["size.ClaimEscrow.runtime", 24_000, 24_241, "grew"],
        ["size.ClaimEscrow.initcode", 25_000, 25_251, "grew"],
      ]);
    });

    it("fails a contract over EIP-170 even when the snapshot holds the same size", function () {
      const over = { runtime: RUNTIME_LIMIT + 1, initcode: 30_000 };
      const result = gate(of({}, { Big: over }), of({}, { Big: over }));
      expect(result.ok).to.equal(false);
      expect(result.lines.slice(0, 3)).to.deep.equal([
        "| operation or contract | snapshot | measured | change | verdict                                      |",
        "|-----------------------|----------|----------|--------|----------------------------------------------|",
        "| size.Big.runtime      | 24,577   | 24,577   | 0.00%  | FAIL: over the EIP-170 limit of 24,576 bytes |",
      ]);
    });

    it("passes a contract exactly at the limits", function () {
      const full = { runtime: RUNTIME_LIMIT, initcode: INITCODE_LIMIT };
      expect(compare(of({}, { Full: full }), of({}, { Full: full }))).to.deep.equal([]);
    });

    it("fails an initcode over EIP-3860", function () {
      const rows = compare(of({}, {}), of({}, { Big: { runtime: 20_000, initcode: INITCODE_LIMIT + 1 } }));
      expect(rows.map((r) => [r.name, r.verdict, r.limit?.name])).to.deep.equal([
        ["size.Big.runtime", "new", "EIP-170"],
        ["size.Big.initcode", "over limit", "EIP-3860"],
      ]);
    });

    it("fails a contract new to the snapshot or gone from contracts/", function () {
      const rows = compare(of({}, { Old: escrow }), of({}, { New: escrow }));
      expect(rows.map((r) => [r.name, r.verdict])).to.deep.equal([
        ["size.New.runtime", "new"],
        ["size.New.initcode", "new"],
        ["size.Old.runtime", "missing"],
        ["size.Old.initcode", "missing"],
      ]);
    });

    it("reports a size that shrank by more than 1% as an improvement", function () {
      const rows = compare(
        of({}, { ClaimEscrow: escrow }),
        of({}, { ClaimEscrow: { runtime: 23_000, initcode: 25_000 } }),
      );
      expect(formatRows(rows)[2]).to.equal(
        "| size.ClaimEscrow.runtime | 24,000   | 23,000   | -4.17% | improved: update the snapshot with npm run bench |",
      );
    });
  });

  describe("the snapshot file", function () {
    it("reads gas and size entries, skips history, and reads back what the bench writes", function () {
      const json = {
        "ist.transfer": { gas: 51_471, target: 51_531, reference: { name: "OZ ERC20", gas: 51_459 } },
        "size.ClaimEscrow": sizeEntry({ runtime: 24_000, initcode: 25_000 }),
        "history.records.register": { fresh: 123_183, after: 123_185, changePercent: 0 },
      };
      expect(json["size.ClaimEscrow"]).to.deep.equal({
        runtime: 24_000,
        runtimeMarginToEip170: 576,
        initcode: 25_000,
        initcodeMarginToEip3860: 24_152,
      });
      expect(parseSnapshot(json)).to.deep.equal({
        gas: { "ist.transfer": 51_471 },
        sizes: { ClaimEscrow: { runtime: 24_000, initcode: 25_000 } },
      });
    });

    it("refuses a malformed entry instead of skipping its row", function () {
      expect(() => parseSnapshot({ "ist.transfer": { gas: "51471" } })).to.throw(
        'bench/gas.json: "ist.transfer" has no gas (a number), found "51471"',
      );
      expect(() => parseSnapshot({ "size.X": { runtime: 1 } })).to.throw('"size.X" has no initcode');
      expect(() => parseSnapshot({ "ist.transfer": 51_471 })).to.throw('"ist.transfer" is not an object');
      expect(() => parseSnapshot([])).to.throw("not a JSON object");
    });

    it("parses the committed bench/gas.json, which passes against itself", function () {
      const file = path.join(__dirname, "..", "..", "bench", "gas.json");
      const snapshot = parseSnapshot(JSON.parse(readFileSync(file, "utf8")));
      expect(snapshot.gas["ist.transfer.new"]).to.be.a("number");
      expect(gate(snapshot, snapshot).ok).to.equal(true);
    });
  });

  it("prints the change to two decimals, or more when a row past 1% would read as exactly 1%", function () {
    expect(percentChange(111_477, 113_752)).to.equal("+2.04%");
    expect(percentChange(100_000, 101_000)).to.equal("+1.00%");
    expect(percentChange(100_000, 101_001)).to.equal("+1.001%");
    expect(percentChange(200_000, 202_001)).to.equal("+1.0005%");
    expect(percentChange(100_000, 98_999)).to.equal("-1.001%");
    expect(percentChange(100, 150)).to.equal("+50.00%");
    expect(percentChange(100_000, 99_999)).to.equal("0.00%");
    expect(percentChange(0, 5)).to.equal("n/a");
  });
});
