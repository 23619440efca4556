import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";

import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { isolatedCliFolders, runTask, seededFixture } from "../helpers/tasks";

const DAY = 86_400;
const digest = (label: string) => hre.ethers.id(label);

/**
 * The research market and invoices from a terminal, against the seeded chain: a researcher buys de-identified
 * data, patients take part without ETH, the agency decides a contest, what is left goes back; a hospital bills and
 * a patient pays without ETH.
 */
describe("command line: the research market and invoices", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  const ok = async (name: string, args: Record<string, string | boolean> = {}) => {
    const run = await runTask(name, args);
    expect(run.stderr, `${name}: ${run.stderr}`).to.equal("");
    expect(run.code, name).to.equal(0);
    return run.stdout;
  };
  const fails = async (name: string, args: Record<string, string | boolean> = {}) => {
    const run = await runTask(name, args);
    expect(run.code, `${name}: ${run.stdout}`).to.equal(1);
    expect(run.stderr.trim().split("\n"), run.stderr).to.have.length(1);
    return run.stderr.trim();
  };

  it("opens a request, takes gasless opt-ins and de-identified contributions, reads, contests, settles, pays and refunds the remainder", async function () {
    await loadFixture(seededFixture);
    // The seed: record 1 is patient A's lab result, 3 and 4 patient B's diagnosis and prescription.
    expect(
      await ok("market:open", {
        types: "lab-result,diagnosis",
        price: "10",
        max: "3",
        termsDigest: digest("terms"),
        deidentificationDigest: digest("safe harbor"),
      }),
    ).to.match(/^request 1 opened, 30(\.0)? IST escrowed/);
    expect(await ok("market:requests")).to.match(/request 1 by institution 6: diagnosis, lab-result .* open/);

    await ok("market:opt-in", { request: "1", gasless: true, from: "patientA" });
    const preview = path.join(folders.dir, "preview.json");
    expect(await ok("market:contribute", { request: "1", records: "1", preview, gasless: true })).to.match(
      /nothing was sent/,
    );
    const [copy] = JSON.parse(readFileSync(preview, "utf8"));
    expect(copy.format).to.equal("text");
    expect(await ok("market:contribute", { request: "1", records: "1", gasless: true })).to.match(
      /^contribution 1 delivered to request 1 \(ipfs:\/\//,
    );
    await ok("market:opt-in", { request: "1", gasless: true, from: "patientB" });
    await ok("market:contribute", { request: "1", records: "3", gasless: true, from: "patientB" });
    // Another patient's record, or a second contribution: refused with the contract's error.
    expect(await fails("market:contribute", { request: "1", records: "3", gasless: true, from: "patientB" })).to.match(
      /MarketAlreadyDelivered/,
    );

    const out = path.join(folders.dir, "contribution-1.json");
    expect(await ok("market:read", { contribution: "1", out })).to.match(/^contribution 1 read, written to/);
    expect(JSON.parse(readFileSync(out, "utf8"))[0].document).to.include("HbA1c 6.1 %");
    expect(
      await ok("market:contest", { contribution: "1", reason: "unreadable", evidenceDigest: digest("e") }),
    ).to.match(/contested; the agency decides by/);
    expect(await ok("market:arbitrate", { contribution: "1", decision: "reject" })).to.match(/rejected/);
    await time.increase(8 * DAY);
    expect(await ok("market:settle", { contribution: "2" })).to.match(/settled: 10(\.0)? IST paid to 0x/);
    expect(await ok("market:earnings", { patient: "patientB" })).to.match(/1 contributions, 10(\.0)? IST earned/);

    // A second request: an opt-in withdrawn, a contribution accepted at once.
    await ok("market:open", {
      types: "prescription",
      price: "5",
      max: "2",
      termsDigest: digest("terms 2"),
      deidentificationDigest: digest("safe harbor"),
    });
    await ok("market:opt-in", { request: "2", gasless: true, from: "patientA" });
    expect(await ok("market:withdraw", { request: "2", gasless: true, from: "patientA" })).to.match(/withdrawn/);
    await ok("market:opt-in", { request: "2", gasless: true, from: "patientB" });
    await ok("market:contribute", { request: "2", records: "4", gasless: true, from: "patientB" });
    expect(await ok("market:accept", { contribution: "3" })).to.match(/accepted: 5(\.0)? IST paid/);

    expect(await ok("market:close", { request: "1" })).to.match(/closed, 20(\.0)? IST refunded/);
    expect(await ok("market:close", { request: "2" })).to.match(/closed, 5(\.0)? IST refunded/);
    expect(await fails("market:refund", { request: "1" })).to.match(/MarketNothingToRefund/);
    expect(await ok("market:request", { request: "1" })).to.match(/2 contributions; refundable now 0(\.0)? IST$/m);
  });

  it("bills a record and a dispensing, lists them, and lets the patient pay without ETH", async function () {
    await loadFixture(seededFixture);
    expect(
      await ok("invoice:issue", { patient: "patientA", record: "2", amount: "80", billDigest: digest("itemised") }),
    ).to.match(/^invoice 1 issued/);
    expect(
      await ok("invoice:issue", {
        patient: "patientA",
        dispensing: digest("unit and salt"),
        amount: "12",
        billDigest: digest("pharmacy bill"),
        from: "pharmacy",
      }),
    ).to.match(/^invoice 2 issued/);
    expect(
      await fails("invoice:issue", { patient: "patientB", record: "2", amount: "1", billDigest: digest("x") }),
    ).to.match(/PaymentsNotIssuersRecord/);
    expect(await ok("invoice:list", { patient: "patientA" })).to.match(/invoice 2 .* open[\s\S]*invoice 1 .* open/);
    expect(await ok("invoice:pay", { invoice: "1", gasless: true })).to.match(/^invoice 1 paid: 80(\.0)? IST/);
    expect(await ok("invoice:cancel", { invoice: "2", reason: "dispensed-in-error", from: "pharmacy" })).to.match(
      /cancelled/,
    );
    const books = await ok("invoice:list", { institution: "1" });
    expect(books).to.match(/invoice 1 to patient 1 by institution 1: 80(\.0)? IST for a record, due .*, paid, paid 80/);
    expect(await fails("invoice:list", {})).to.match(/give one of --patient or --institution/);
  });
});
