import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import { shipmentIdOf } from "../../packages/sdk/src";
import { isolatedCliFolders, runTask, seededFixture } from "../helpers/tasks";

const DAY = 86_400;

/**
 * The tasks as an operator runs them against `npm run node`, in this process: the seeded chain is a fixture, each
 * task runs as `npx hardhat <task>` would (its output and exit code captured), and what it did is read back.
 */
describe("command line: the operations, against the seeded chain", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  const file = (name: string, content: string) => {
    const at = path.join(folders.dir, name);
    writeFileSync(at, content);
    return at;
  };
  /** A task that succeeds: nothing on stderr, exit code 0; returns what it printed. */
  const ok = async (name: string, args: Record<string, string | boolean> = {}) => {
    const run = await runTask(name, args);
    expect(run.stderr, `${name}: ${run.stderr}`).to.equal("");
    expect(run.code, name).to.equal(0);
    return run.stdout;
  };
  /** A task that is refused: exit code 1, one `error:` line, nothing else. */
  const fails = async (name: string, args: Record<string, string | boolean> = {}) => {
    const run = await runTask(name, args);
    expect(run.code, `${name}: ${run.stdout}`).to.equal(1);
    expect(run.stderr.trim().split("\n"), run.stderr).to.have.length(1);
    expect(run.stderr).to.match(/^error: /);
    return run.stderr.trim();
  };
  /** Moves the chain's clock to the time a scheduling task said to run again after. */
  const travelPast = async (scheduled: string) => {
    const at = /run again after (\S+);?/.exec(scheduled)?.[1] ?? /run again after (\S+)/.exec(scheduled)?.[1];
    expect(at, scheduled).to.be.a("string");
    await time.increaseTo(Date.parse(at!.replace(/[;,]$/, "")) / 1000 + 1);
  };
  const account = async (name: keyof typeof LOCAL_ACCOUNTS) => (await hre.ethers.getSigners())[LOCAL_ACCOUNTS[name]];

  it("suspends, renames and rotates an institution; reinstates it through governance's delay, cancelling a first try", async function () {
    await loadFixture(seededFixture);
    expect(await ok("institution:suspend", { institution: "pharmacy", reason: "audit" })).to.match(
      /^institution 3 suspended \(audit\)/,
    );
    expect(await fails("consent:submit", { file: file("none.json", "{}") })).to.equal(
      `error: --file: ${path.join(folders.dir, "none.json")} is not a signed consent`,
    );
    expect(await ok("institution:reinstate", { institution: "3", reason: "audit-passed" })).to.match(
      /^scheduled: .*; run again after \d{4}-/,
    );
    expect(await ok("institution:reinstate", { institution: "3", reason: "audit-passed", cancel: true })).to.match(
      /^cancelled: .* \(scheduled by 0x/,
    );
    expect(await fails("institution:reinstate", { institution: "3", reason: "audit-passed", cancel: true })).to.match(
      /^error: nothing to cancel: .* is not scheduled by 0x/,
    );
    await travelPast(await ok("institution:reinstate", { institution: "3", reason: "audit-passed" }));
    expect(await ok("institution:reinstate", { institution: "3", reason: "audit-passed" })).to.match(/^executed: /);
    expect(await ok("institution:list")).to.match(/pharmacy.*active|active.*pharmacy/i);

    expect(
      await ok("institution:profile", { institution: "hospital", name: "Seoul General", uri: "ipfs://h" }),
    ).to.match(/^institution 1 is now "Seoul General"/);
    const stranger = await account("stranger");
    expect(await ok("institution:rotate", { to: "stranger", from: "hospital" })).to.match(
      /^institution 1 proposed to move to 0x.*; it accepts with --accept --institution 1/,
    );
    expect(await ok("institution:rotate", { to: "stranger", accept: true, institution: "1" })).to.match(
      new RegExp(`^institution 1 now acts from ${stranger.address}`),
    );
    expect(await ok("institution:onboarding-delay", { hours: "48" })).to.match(/^scheduled: /);
  });

  it("withdraws a device model's firmware and the model as a regulator; governance restores each by its withdrawal and hands the model on", async function () {
    await loadFixture(seededFixture);
    // A new model: the manufacturer asks the regulator, which approves it as submitted (and nothing else).
    const pump = { technicalFile: file("pump.txt", "insulin pump technical file"), firmware: hre.ethers.id("pump fw") };
    expect(await ok("patient-device:request-approval", { regulator: "regulator", ...pump })).to.match(
      /^approval of model 0x[0-9a-f]{64} asked of institution \d+, 1 firmware version\(s\)/,
    );
    expect(
      await fails("patient-device:approve-model", {
        manufacturer: "manufacturer",
        ...pump,
        firmware: hre.ethers.id("x"),
      }),
    ).to.match(/^error: DevicesNotRequested/);
    expect(await ok("patient-device:approve-model", { manufacturer: "manufacturer", ...pump })).to.match(
      /^model 2 approved with 1 firmware version\(s\)/,
    );
    expect(await ok("patient-device:withdraw-firmware", { model: "1", firmware: "1", reason: "bad-patch" })).to.match(
      /^model 1: firmware version 1 withdrawn/,
    );
    expect(await ok("patient-device:model", { model: "1" })).to.match(/firmware approved: 0$/m);
    const scheduled = await ok("patient-device:restore-firmware", { model: "1", firmware: "1", reason: "cleared" });
    expect(scheduled).to.match(
      /^scheduled: restore firmware version 1 of device model 1, its withdrawal 1 at \d+ \(cleared\)/,
    );
    await travelPast(scheduled);
    expect(await ok("patient-device:restore-firmware", { model: "1", firmware: "1", reason: "cleared" })).to.match(
      /^executed: restore firmware version 1 of device model 1/,
    );
    expect(await ok("patient-device:model", { model: "1" })).to.match(/firmware approved: 0, 1$/m);
    expect(await fails("patient-device:restore-firmware", { model: "1", firmware: "1", reason: "again" })).to.equal(
      "error: firmware version 1 of device model 1 is not withdrawn",
    );

    await ok("patient-device:withdraw-model", { model: "1", reason: "rival" });
    const restore = await ok("patient-device:restore-model", { model: "1", reason: "mistaken" });
    expect(restore).to.match(/^scheduled: restore device model 1, its withdrawal 1 at \d+ \(mistaken\)/);
    expect(await ok("patient-device:restore-model", { model: "1", reason: "mistaken", cancel: true })).to.match(
      /^cancelled: restore device model 1/,
    );
    await travelPast(await ok("patient-device:restore-model", { model: "1", reason: "mistaken" }));
    await ok("patient-device:restore-model", { model: "1", reason: "mistaken" });
    expect(await ok("patient-device:model", { model: "1" })).not.to.match(/withdrawn/);

    // A second regulator, onboarded; the model is handed to it.
    const lab = (await account("studyLab")).address;
    const added = await ok("institution:add", {
      account: lab,
      kind: "regulator",
      licence: "REG-2",
      name: "Second Agency",
    });
    const [, id, until] = /^institution (\d+) onboarded: .* pending until (\S+) /.exec(added)!;
    await time.increaseTo(Date.parse(until!) / 1000 + 1);
    await ok("institution:activate", { id: id! });
    const hand = await ok("patient-device:reassign-model", { model: "1", regulator: String(id), reason: "relocated" });
    expect(hand).to.match(new RegExp(`^scheduled: hand device model 1 to regulator ${id} \\(relocated\\)`));
    await travelPast(hand);
    await ok("patient-device:reassign-model", { model: "1", regulator: String(id), reason: "relocated" });
    expect(await ok("patient-device:model", { model: "1" })).to.match(new RegExp(`approved by institution ${id}`));

    // The manufacturer names its factory's provisioning key, then gives the role back to its account.
    const factory = (await account("stranger")).address;
    expect(await ok("patient-device:provisioner", { key: "stranger" })).to.match(
      new RegExp(`^devices are provisioned by ${factory}`),
    );
    expect(await ok("patient-device:provisioner", { clear: true })).to.match(
      /^devices are provisioned by the manufacturer's account/,
    );
    expect(await fails("patient-device:provisioner")).to.equal("error: give one of --key or --clear");

    // The writers a patient named are listed with its devices, a suspended one marked.
    expect(await ok("stream:writer", { writer: "pharmacy" })).to.match(/^institution 3 named/);
    expect(await ok("patient-device:list", { patient: "patientA" })).to.match(/writers named: 3$/m);
    await ok("institution:suspend", { institution: "pharmacy", reason: "audit" });
    expect(await ok("patient-device:list", { patient: "patientA" })).to.match(
      /writers named: 3 \(suspended: cannot write until reinstated\)$/m,
    );
  });

  it("adds several records in one transaction, amends one, and pauses record writes until governance resumes them", async function () {
    await loadFixture(seededFixture);
    const [a, b] = [file("a.txt", "lab: HbA1c 6.0 %"), file("b.txt", "imaging: chest X-ray, clear")];
    expect(await fails("record:add", { patient: "patientA", file: `${a},${b}`, type: "lab" })).to.equal(
      "error: --type: 1 types for 2 files (one per file)",
    );
    const added = await ok("record:add", { patient: "patientA", file: `${a},${b}`, type: "lab,imaging" });
    expect(added).to.match(/^record 5 registered for patient 1: .*a\.txt encrypted, ipfs:\/\/\S+\nrecord 6 registered/);
    expect(added).to.match(/2 records in one transaction {2}\(gas /);
    expect(
      await ok("record:amend", { record: "6", file: file("b2.txt", "imaging: chest X-ray, small nodule") }),
    ).to.match(/^record 7 corrects record 6: .*b2\.txt encrypted/);
    const out = path.join(folders.dir, "opened.txt");
    await ok("record:open", { record: "7", out, from: "patientA" });
    expect(await ok("record:list", { patient: "patientA" })).to.match(/#6 imaging .*\(superseded by 7\)/);

    expect(await ok("record:pause")).to.match(/^record writes paused/);
    expect(await fails("record:add", { patient: "patientA", file: a, type: "lab" })).to.match(/^error: RecordsPaused/);
    const scheduled = await ok("record:unpause");
    await travelPast(scheduled);
    expect(await ok("record:unpause")).to.match(/^executed: resume record writes paused at \d+/);
    await ok("record:add", { patient: "patientA", file: a, type: "lab" });
  });

  it("cancels a signed consent before it is used, and flags a break-glass access left unjustified", async function () {
    await loadFixture(seededFixture);
    const signed = path.join(folders.dir, "consent.json");
    await ok("consent:sign", { grantee: "researcher", purpose: "research", all: true, out: signed, from: "patientB" });
    expect(await ok("consent:cancel", { file: signed, from: "patientB", gasless: true })).to.match(
      /^the signed consent of patient 2 for 0x[0-9a-fA-F]{40} is cancelled/,
    );
    expect(await fails("consent:submit", { file: signed, from: "researcher" })).to.match(/^error: Consent\w+: /);

    await ok("emergency:open", { patient: "patientB", reason: "unconscious", from: "emergencyHospital" });
    expect(await fails("emergency:flag", { patient: "patientB", hospital: "emergencyHospital" })).to.match(
      /^error: Consent\w+: /,
    );
    await time.increase(8 * DAY);
    expect(await ok("emergency:flag", { patient: "patientB", hospital: "emergencyHospital" })).to.match(
      /^missed justification flagged: 0x[0-9a-fA-F]{40} on patient 2/,
    );
  });

  it("opens, funds and closes a programme; a patient joins it without gas, loses cover; arbitration settles a dispute", async function () {
    await loadFixture(seededFixture);
    const opened = await ok("claim:open-programme", {
      types: "lab-result,imaging",
      perClaim: "1000",
      perYear: "5000",
      arbitrator: "agency",
      autoApprove: "100",
      copayBps: "1000",
      openEnrolment: true,
    });
    expect(opened).to.match(/^programme 2 opened, paying in IST; fund it with claim:deposit --programme 2/);
    expect(await ok("claim:deposit", { programme: "2", amount: "2000" })).to.match(
      /^programme 2 funded with 2,000 IST: 2,000 IST free/,
    );
    expect(await ok("claim:join", { programme: "2", from: "patientB", gasless: true })).to.match(
      /^patient 2 joined programme 2/,
    );
    expect(await ok("claim:end-cover", { programme: "2", patient: "patientB" })).to.match(
      /^patient 2's cover by programme 2 ended/,
    );
    expect(await ok("claim:close-programme", { programme: "2" })).to.match(/^programme 2 closed to new treatments/);
    expect(await fails("claim:join", { programme: "2", from: "patientA" })).to.match(/^error: Claims\w+: /);

    // Programme 1 (seeded): a bill above its automatic threshold, confirmed by the patient, rejected, disputed,
    // and settled by the arbitrator.
    const digest = "0x" + "cd".repeat(32);
    const billed = await ok("claim:bill", { programme: "1", records: "1", amount: "1000", digest });
    const hash = /^bill (0x[0-9a-f]{64})/.exec(billed)![1];
    const confirmed = await ok("claim:confirm", { bill: hash, from: "patientA", gasless: true });
    expect(confirmed).to.match(/^claim \d+: pending/);
    const claimId = /^claim (\d+)/.exec(confirmed)![1];
    await ok("claim:decide", { claim: claimId, reject: true });
    await ok("claim:dispute", { claim: claimId, reason: "covered", evidenceDigest: "0x" + "ee".repeat(32) });
    expect(await fails("claim:arbitrate", { claim: claimId, award: "800", from: "insurer" })).to.match(
      /^error: ParticipantsWrongKind: 0x[0-9a-fA-F]{40} /,
    );
    expect(await ok("claim:arbitrate", { claim: claimId, award: "800", reason: "partly-covered" })).to.match(
      new RegExp(`^claim ${claimId}: settled, paid now 800 IST`),
    );
    expect(await fails("claim:withdraw-credit", { from: "hospital" })).to.match(/^error: Claims\w+: /);
  });

  it("corrects a product, cancels a pending prefix licence, registers a batch from its serials, and notices holders of a recall", async function () {
    await loadFixture(seededFixture);
    expect(
      await ok("product:update", {
        gtin: "08806469001235",
        name: "Metformin Hanmi XR",
        form: "extended-release tablet",
      }),
    ).to.match(/^product 8806469001235 updated: Metformin Hanmi XR/);
    await ok("product:prefix", { prefix: "8806470", manufacturer: "manufacturer" });
    expect(await ok("product:cancel-prefix", { prefix: "8806470", reason: "wrong-holder" })).to.match(
      /^licence of prefix 8806470 cancelled \(wrong-holder\)/,
    );
    const serials = file("serials.txt", ["SN001", "SN002", "SN003", ""].join("\n"));
    const out = path.join(folders.dir, "batch.serials.json");
    expect(
      await ok("supply:batch", {
        gtin: "08806469001235",
        lot: "LOT-CLI-1",
        expires: "2030-06-30",
        serials,
        tempMin: "2",
        tempMax: "25.5",
        message: "Keep dry.",
        out,
      }),
    ).to.match(/^batch 2: 3 units of 8806469001235, lot LOT-CLI-1; serials file .*batch\.serials\.json/);
    expect(
      await ok("supply:verify", { pack: "(01)08806469001235(17)300630(10)LOT-CLI-1(21)SN002", serials: out }),
    ).to.match(/genuine/i);
    expect(
      await fails("supply:batch", {
        gtin: "08806469001235",
        lot: "L",
        expires: "2030-02-30",
        serials,
        tempMin: "2",
        tempMax: "8",
      }),
    ).to.equal('error: --expires: "2030-02-30" is not a day (YYYY-MM-DD)');
    // A shipment's id is derived from where its units came from: batch 2's origin held 3 units.
    const shipped = shipmentIdOf(2n, 3);
    expect(await ok("supply:ship", { source: "2", to: "distributor", quantity: "2" })).to.match(
      new RegExp(`^shipment ${shipped}: 2 units to distributor`),
    );
    expect(await ok("supply:refuse", { shipment: String(shipped), from: "distributor" })).to.match(
      new RegExp(`^shipment ${shipped} refused: 2 unit\\(s\\) back in their source`),
    );
    expect(await fails("supply:refuse", { shipment: "999", from: "distributor" })).to.equal(
      "error: no shipment 999 left any holder on this chain",
    );
    // The seed's shipments of batch 1: 60 units to the distributor, 20 of them on to the pharmacy.
    const atDistributor = shipmentIdOf(1n, 100);
    const atPharmacy = shipmentIdOf(atDistributor, 60);
    await ok("supply:recall", { batch: "1", reason: "contamination", message: "Return your packs." });
    expect(await ok("supply:notice-holders", { batch: "1", shipments: `${atDistributor},${atPharmacy}` })).to.match(
      /^batch 1: 2 holders noticed/,
    );
    expect(await fails("supply:resolve-quarantine", { shipment: String(atPharmacy) })).to.match(
      /^error: --destroy is required/,
    );
    expect(await fails("supply:resolve-quarantine", { shipment: String(atPharmacy), destroy: "0" })).to.match(
      /^error: Supply\w+: /,
    );
    expect(
      await fails("supply:report-as-patient", {
        secret: "0x" + "11".repeat(32),
        hospital: "hospital",
        pack: "(01)08806469001235(17)300630(10)LOT-CLI-1(21)SN002",
        file: serials,
        uri: "ipfs://report",
      }),
    ).to.match(/^error: Supply\w+: /);
  });

  it("transfers IST, refusing more than the balance in one line", async function () {
    await loadFixture(seededFixture);
    const stranger = await account("stranger");
    expect(await ok("transfer", { to: "stranger", amount: "12.5", from: "patientA" })).to.match(
      new RegExp(`^12\\.5 IST sent to ${stranger.address}`),
    );
    expect(await ok("balance", { account: "stranger" })).to.match(/12\.5 IST/);
    expect(await fails("transfer", { to: "stranger", amount: "1000000", from: "patientA" })).to.match(
      /^error: ERC20InsufficientBalance: /,
    );
  });

  it("reads and prints a programme's amounts in its own token's decimals and symbol (audit 3: a 6-decimal stablecoin)", async function () {
    await loadFixture(seededFixture);
    const usdc = await (await hre.ethers.getContractFactory("MockSixDecimals")).deploy();
    const insurer = await account("insurer");
    await usdc.mint(insurer.address, 10_000n * 10n ** 6n);
    const opened = await ok("claim:open-programme", {
      types: "lab-result",
      perClaim: "5000",
      perYear: "20000",
      autoApprove: "100.5",
      arbitrator: "agency",
      token: await usdc.getAddress(),
    });
    const programmeId = /^programme (\d+) opened, paying in USDC/.exec(opened)![1];
    const { MIIP } = await import("../../packages/sdk/src");
    const deployment = JSON.parse(
      readFileSync(path.join(folders.dir, "deployments", "localhost", "addresses.json"), "utf8"),
    );
    const reader = await MIIP.connect(hre.ethers.provider, deployment);
    const p = await reader.claims.programme(BigInt(programmeId));
    expect([p.perClaimCap, p.perPatientYearCap, p.autoApproveThreshold]).to.deep.equal([
      5_000n * 10n ** 6n,
      20_000n * 10n ** 6n,
      100_500_000n,
    ]);
    expect(await ok("claim:programme", { programme: programmeId })).to.match(
      /paid at once up to 100\.5 USDC, cap 5,000 USDC a claim, 20,000 USDC a patient-year/,
    );
    expect(await ok("claim:deposit", { programme: programmeId, amount: "2500" })).to.match(
      new RegExp(`^programme ${programmeId} funded with 2,500 USDC: 2,500 USDC free`),
    );
    expect(await usdc.allowance(insurer.address, deployment.ClaimEscrow)).to.equal(0n); // approved exactly that
    expect(await usdc.balanceOf(deployment.ClaimEscrow)).to.equal(2_500n * 10n ** 6n);
    expect(await fails("claim:deposit", { programme: programmeId, amount: "0.0000001" })).to.equal(
      'error: --amount: "0.0000001" is not an amount (e.g. 250 or 12.5, at most 6 decimals)',
    );
    expect(
      await fails("claim:open-programme", {
        types: "lab-result",
        perClaim: "1",
        perYear: "1",
        arbitrator: "agency",
        token: (await account("stranger")).address,
      }),
    ).to.match(/^error: 0x[0-9a-fA-F]{40} answers no decimals\(\) and symbol\(\): not an ERC-20 token$/);
  });

  it("refuses a batch whose packs could never be read back, and writes its serials file before anything is sent (audit 4, 5)", async function () {
    await loadFixture(seededFixture);
    const serials = file("serials-ok.txt", "SN-1\nSN-2\n");
    const batch = (extra: Record<string, string>) => ({
      gtin: "08806469001235",
      lot: "LOT-OK",
      expires: "2030-06-30",
      serials,
      tempMin: "2",
      tempMax: "8",
      ...extra,
    });
    const { MIIP } = await import("../../packages/sdk/src");
    const deployment = JSON.parse(
      readFileSync(path.join(folders.dir, "deployments", "localhost", "addresses.json"), "utf8"),
    );
    const reader = await MIIP.connect(hre.ethers.provider, deployment);
    const batches = async () => (await reader.contracts.supply.batchCount()) as bigint;
    const before = await batches();
    expect(await fails("supply:batch", batch({ lot: "LOT-2030-06-KR-0000000001" }))).to.equal(
      'error: --lot: AI (10) must have 1 to 20 characters: "LOT-2030-06-KR-0000000001" has 25',
    );
    expect(await fails("supply:batch", batch({ serials: file("bad.txt", "SN-1\nSN (2)\n") }))).to.match(
      /^error: --serials: .*bad\.txt, serial 2: AI \(21\) takes GS1's printable characters .*, not "SN \(2\)"$/,
    );
    expect(await fails("supply:batch", batch({ expires: "0030-06-30" }))).to.equal(
      'error: --expires: "0030-06-30" is not a day (YYYY-MM-DD)',
    );
    const unwritable = path.join(serials, "under-a-file", "out.json");
    expect(await fails("supply:batch", batch({ out: unwritable }))).to.match(/^error: .*ENOTDIR/);
    expect(await batches()).to.equal(before); // nothing was sent
    await ok("supply:batch", batch({}));
    expect(await batches()).to.equal(before + 1n);
  });
});
