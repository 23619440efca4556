import { expect } from "chai";
import { execFile } from "node:child_process";
import path from "node:path";

import hre from "hardhat";

import { isCoverageRun } from "../../tasks/compiler";

const ROOT = path.join(__dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");

/**
 * `npm run demo` is the first thing a newcomer runs. Each chapter checks itself (a step that should be refused
 * and is not stops the demo), so running it whole, as a newcomer would, is the test.
 */
describe("npm run demo", function () {
  this.timeout(180_000);

  it("walks through every chapter to the gas summary and exits 0", async function () {
    // Under solidity-coverage a second Hardhat process would compile its own uninstrumented artifacts.
    if (isCoverageRun(hre)) this.skip();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(HARDHAT, ["run", "scripts/demo.ts"], { cwd: ROOT, maxBuffer: 10 * 1024 * 1024 }, (error, out, err) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }),
      );
    });
    expect(code, stderr).to.equal(0);
    for (const chapter of [
      "Deploying from deploy/parameters/localhost.json",
      "Consent without gas",
      "Security: who may do what",
      "Summary: the gas of every step",
    ]) {
      expect(stdout).to.contain(chapter);
    }
    // Every refusal is printed with its decoded custom error, never a raw revert.
    const refusals = stdout.split("\n").filter((line) => line.trimStart().startsWith("✗"));
    expect(refusals.length).to.be.greaterThan(20);
    for (const line of refusals) expect(line).to.match(/: [A-Z][A-Za-z0-9]+: /);
    expect(stdout).to.match(/total\s+[\d,]+\s+\(\d+ transactions\)/);
  });
});
