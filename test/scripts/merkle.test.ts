import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import {
  CsvError,
  LEAF_ENCODING,
  SERIAL_ENCODING,
  buildAirdropTree,
  buildSerialTree,
  parseAirdropCsv,
  proofsFile,
} from "../../scripts/lib/merkle";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const C = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const D = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";

function problemsOf(text: string) {
  try {
    parseAirdropCsv(text, "test.csv");
  } catch (error) {
    if (error instanceof CsvError) return error.problems;
    throw error;
  }
  throw new Error("the CSV was accepted");
}

describe("airdrop CSV and Merkle tree (scripts/lib/merkle.ts)", function () {
  it("reads address,amount lines with a header, comments and blank lines, amounts in whole IST", function () {
    const leaves = parseAirdropCsv(`address,amount\n# survey wave 1\n${A},10\n\n${B},0.5\n`);
    expect(leaves).to.deep.equal([
      [0n, A, 10n * 10n ** 18n],
      [1n, B, 5n * 10n ** 17n],
    ]);
  });

  it("numbers leaves from a given first index, so several CSVs share one tree", function () {
    expect(parseAirdropCsv(`${A},1`, "x", 7)[0][0]).to.equal(7n);
  });

  it("reports every bad line with its number", function () {
    const problems = problemsOf(
      [
        "address,amount",
        `${A},10`,
        "0x1234,5",
        `${B},-3`,
        `${C},abc`,
        `${A},4`,
        `${B}`,
        `0x0000000000000000000000000000000000000000,1`,
        `${D},0`,
        `${A.toLowerCase().replace("c8", "C8")},1`,
      ].join("\n"),
    );
    expect(problems.map((p) => p.line)).to.deep.equal([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(problems[0].message).to.match(/not an address/);
    expect(problems[1].message).to.match(/negative/);
    expect(problems[2].message).to.match(/not a decimal number/);
    expect(problems[3].message).to.match(/duplicate address .* \(first on line 2\)/);
    expect(problems[4].message).to.match(/expected "address,amount"/);
    expect(problems[5].message).to.match(/zero address/);
    expect(problems[6].message).to.match(/zero/);
  });

  it("refuses a file without claims", function () {
    expect(problemsOf("address,amount\n")[0].message).to.match(/no claims/);
  });

  it("builds an OpenZeppelin standard tree whose proofs verify and whose file lists every claim", function () {
    const tree = buildAirdropTree(parseAirdropCsv(`${A},10\n${B},20`));
    const file = proofsFile(tree);
    expect(file.count).to.equal(2);
    expect(file.total).to.equal((30n * 10n ** 18n).toString());
    const claim = file.claims[A][0];
    expect(
      StandardMerkleTree.verify(file.root, [...LEAF_ENCODING], [claim.index, A, claim.amount], claim.proof),
    ).to.equal(true);
  });

  describe("npm run merkle", function () {
    const cli = (args: string[]) =>
      execFileSync(
        process.execPath,
        [require.resolve("ts-node/dist/bin"), "--transpile-only", "scripts/merkle.ts", ...args],
        {
          encoding: "utf8",
          stdio: "pipe",
        },
      );

    it("writes the root and proofs of a good CSV", function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), "miip-merkle-"));
      const input = path.join(dir, "round.csv");
      writeFileSync(input, `address,amount\n${A},10\n${B},20\n`);
      const out = cli([input]);
      const file = JSON.parse(readFileSync(path.join(dir, "round.proofs.json"), "utf8"));
      expect(out).to.contain(file.root);
      expect(out).to.contain("claims 2, total 30.0 IST");
    });

    it("reports bad lines and writes nothing", function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), "miip-merkle-"));
      const input = path.join(dir, "round.csv");
      writeFileSync(input, `${A},10\n${A},20\n`);
      let stderr = "";
      try {
        cli([input]);
      } catch (error) {
        stderr = (error as { stderr: string }).stderr;
      }
      expect(stderr).to.contain("line 2: duplicate address");
      expect(stderr).to.contain("nothing was written");
      expect(existsSync(path.join(dir, "round.proofs.json"))).to.equal(false);
    });
  });

  describe("batch serials", function () {
    it("builds a tree of (index, serial) leaves whose proofs verify, and refuses a duplicate serial", function () {
      const tree = buildSerialTree(["SN-1", "SN-2", "SN-3"]);
      expect(tree.indexOf("SN-2")).to.equal(1);
      expect(
        StandardMerkleTree.verify(tree.root, [...SERIAL_ENCODING], [1n, tree.serialOf("SN-2")], tree.proofOf("SN-2")),
      ).to.equal(true);
      expect(() => buildSerialTree(["A", "B", "A"])).to.throw("serial A appears twice");
      expect(() => tree.proofOf("SN-9")).to.throw("not in the batch");
    });
  });
});
