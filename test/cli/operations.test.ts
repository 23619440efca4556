import { expect } from "chai";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { type TaskRun, isolatedCliFolders, runTask, seededFixture } from "../helpers/tasks";

/**
 * The command line as an operator uses it against `npm run node`, run in this process: the seeded chain is the
 * node's (scripts/lib/seed.ts), each task runs as `npx hardhat <task> --flag value … --network localhost` would,
 * from the same words, and the tests go on from one another as a session at a terminal does. test/e2e/cli.test.ts
 * starts the real node and runs tasks as processes.
 */
describe("command line: a session against the seeded node", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  let dir: string;

  /** `npx hardhat <name> --flag value --switch …`, in this process. */
  const task = (name: string, ...argv: string[]): Promise<TaskRun> => runTask(name, parseArgv(name, argv));
  const ok = async (...args: [string, ...string[]]) => {
    const run = await task(...args);
    expect(run.stderr, `${args.join(" ")}: ${run.stderr}`).to.equal("");
    expect(run.code, run.stdout).to.equal(0);
    return run.stdout;
  };
  /** A refusal: exit code 1 and exactly one line on stderr, no stack trace. */
  const fails = async (...args: [string, ...string[]]) => {
    const run = await task(...args);
    expect(run.code, run.stdout).to.equal(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^error: /);
    return lines[0];
  };

  before(async function () {
    folders = isolatedCliFolders({ shared: true });
    dir = folders.dir;
    await loadFixture(seededFixture);
  });
  after(() => folders.restore());

  it("adds an encrypted record from a file, and the patient (only) decrypts it", async function () {
    const report = path.join(dir, "report.txt");
    writeFileSync(report, "Complete blood count: within normal limits");
    const added = await ok("record:add", "--patient", "patientA", "--file", report, "--type", "lab");
    expect(added).to.match(/^record 5 registered for patient 1: .*report.txt encrypted, ipfs:\/\/bafkrei/);
    expect(added).to.match(/\(gas [\d,]+, tx 0x[0-9a-f]{64}\)/);
    const out = path.join(dir, "opened.txt");
    await ok("record:open", "--record", "5", "--from", "patientA", "--out", out);
    expect(readFileSync(out, "utf8")).to.equal("Complete blood count: within normal limits");
    const stored = readFileSync(report);
    // The embedded IPFS node's blocks (every document of the seed and this one): ciphertext, never the report.
    const blocks = path.join(dir, "store", "localhost", "ipfs", "blocks");
    const files = (readdirSync(blocks, { recursive: true }) as string[]).filter((name) => name.endsWith(".data"));
    expect(files.length).to.be.greaterThan(4);
    for (const name of files) expect(readFileSync(path.join(blocks, name)).includes(stored)).to.equal(false);
    expect(await fails("record:open", "--record", "5", "--from", "pharmacy", "--out", out)).to.include(
      "may not read record 5 for treatment",
    );
  });

  it("signs consent without gas, has the researcher submit it, shares the key and lets it decrypt", async function () {
    const signed = path.join(dir, "consent.json");
    expect(
      await ok(
        "consent:sign",
        "--grantee",
        "researcher",
        "--purpose",
        "research",
        "--records",
        "1",
        "--out",
        signed,
        "--from",
        "patientA",
      ),
    ).to.include("signed consent for");
    const submitted = await ok("consent:submit", "--file", signed, "--from", "researcher");
    const grant = /submitted: (0x[0-9a-f]{64})/.exec(submitted)![1];
    expect(await fails("consent:submit", "--file", signed, "--from", "researcher")).to.match(
      /^error: ConsentInvalidNonce: /,
    );
    await ok("consent:share", "--record", "1", "--grantee", "researcher", "--grant", grant, "--from", "patientA");
    const out = path.join(dir, "research.txt");
    await ok("record:open", "--record", "1", "--from", "researcher", "--purpose", "research", "--out", out);
    expect(readFileSync(out, "utf8")).to.include("HbA1c");
    expect(await ok("access:log", "--record", "1", "--purpose", "research", "--from", "researcher")).to.include(
      "read of record 1 logged for research",
    );
    expect(await ok("consent:revoke", "--grant", grant, "--from", "patientA")).to.include("revoked");
    expect(await fails("access:log", "--record", "1", "--purpose", "research", "--from", "researcher")).to.match(
      /^error: ConsentNoLiveRight: 0x[0-9a-fA-F]{40} has no live right to read record 1 for research$/,
    );
    expect(await ok("access:trail", "--patient", "1")).to.match(
      /^patient 1: 1 reads\n.*institution 6 read #1 for research/,
    );
  });

  it("bills a small claim, has the patient confirm it without gas, pays it with its co-payment, and shows its timeline", async function () {
    const provider = hre.ethers.provider;
    const patientB = (await hre.ethers.getSigners())[17].address;
    const itemised = path.join(dir, "itemised.txt");
    writeFileSync(itemised, "consultation 180; chest X-ray 70 (encrypted in real life)");
    const billed = await ok(
      "claim:bill",
      "--programme",
      "1",
      "--records",
      "3",
      "--amount",
      "250",
      "--itemised",
      itemised,
    );
    const [, hash] =
      /^bill (0x[0-9a-f]{64}) attested by the hospital; it waits for patient 2 \(claim:confirm --bill \1\)/.exec(
        billed,
      )!;
    const eth = await provider.getBalance(patientB);
    expect(await ok("claim:confirm", "--bill", hash, "--from", "patientB", "--gasless")).to.match(
      /^claim 3: paid, due 200 IST, paid now 200 IST, co-paid 50 IST  \(gas /,
    );
    expect(await provider.getBalance(patientB)).to.equal(eth);
    provider.destroy();
    expect(await ok("claim:show", "--claim", "3")).to.match(
      /^claim 3: paid; billed 250 IST, due 200 IST, paid 200 IST to the hospital; patient 2\n.*BillAttested by hospital\n.*ClaimFiled paid\n$/,
    );
    expect(await fails("claim:file", "--programme", "1", "--records", "3", "--billed", "250")).to.equal(
      "error: ClaimsRecordAlreadyClaimed: record 3 is already in claim 3",
    );
  });

  it("ships, accepts, verifies a pack from its printed codes and dispenses it under the seeded prescription", async function () {
    const { keccak256, toUtf8Bytes } = await import("ethers");
    const { MIIP, formatPackCode, gs1Date, shipmentIdOf } = await import("../../packages/sdk/src");
    const serials = path.join(dir, "store", "localhost", "batch-1.serials.json");
    // The seed's shipments: the origin (batch 1) sent 60 to the distributor, which sent 20 on to the pharmacy.
    const atDistributor = shipmentIdOf(1n, 100);
    const mine = shipmentIdOf(atDistributor, 40);
    expect(
      await ok(
        "supply:ship",
        "--source",
        String(atDistributor),
        "--to",
        "pharmacy",
        "--quantity",
        "10",
        "--from",
        "distributor",
      ),
    ).to.match(new RegExp(`^shipment ${mine}: 10 units to pharmacy`));
    expect(await ok("supply:accept", "--shipment", String(mine), "--from", "pharmacy")).to.match(
      new RegExp(`^shipment ${mine} accepted  \\(`),
    );
    const provider = hre.ethers.provider;
    const deployment = JSON.parse(readFileSync(path.join(dir, "deployments", "localhost", "addresses.json"), "utf8"));
    const reader = await MIIP.connect(provider, deployment);
    const { expiresAt, gtin } = await reader.supply.batch(1);
    provider.destroy();
    const pack = formatPackCode({ gtin, expiry: gs1Date(expiresAt), lot: "LOT-DEMO-1", serial: "KR00000007" });
    const verified = await ok("supply:verify", "--pack", pack, "--serials", serials);
    expect(verified).to.match(/^KR00000007: genuine; Metformin Hanmi 500 mg, made by Hanmi Pharma\n/);
    expect(verified).to.include("note: Store below 25 °C.");
    expect(verified).to.include("leaflet (ko v1): ipfs://bafkrei-leaflet-ko");
    const wrongExpiry = formatPackCode({ gtin, expiry: 991231, lot: "LOT-DEMO-1", serial: "KR00000007" });
    expect(await ok("supply:verify", "--pack", wrongExpiry, "--serials", serials)).to.include("WRONG EXPIRY");
    // Patient A's phone keeps the prescription's secret; the pharmacy reads the allowance key and the product
    // salt from the prescription's document.
    const patient = ["--secret", keccak256(toUtf8Bytes("seed prescription A")), "--hospital", "1"];
    const keys = await ok("supply:prescription-key", ...patient);
    expect(keys).to.match(/^key address 0x[0-9a-fA-F]{40} \(give it to the prescribing hospital; keep the secret\)\n/);
    const key = /allowance key (0x[0-9a-f]{64})/.exec(keys)![1];
    const document = ["--allowance", key, "--product-salt", keccak256(toUtf8Bytes("seed salt A"))];
    const give = (serial: string, ...extra: string[]) =>
      [
        "supply:dispense",
        "--shipment",
        String(mine),
        "--serial",
        serial,
        "--serials",
        serials,
        ...document,
        ...extra,
      ] as const;
    // Without the patient, the pharmacy cannot open the fill.
    expect(await fails(...give("KR00000007"))).to.match(/^error: SupplyInvalidFillSignature: the patient's signature/);
    // At the counter the patient's phone signs the fill for this pharmacy, as JSON the pharmacy passes on.
    const signed = await ok("supply:authorize-fill", ...patient, "--pharmacy", "pharmacy");
    expect(signed).to.match(/^fill with 2 fill\(s\) after it, for pharmacy \d+, until \d+:\n\{"allowanceKey":"0x/);
    const consent = signed.split("\n")[1];
    expect(JSON.parse(consent).allowanceKey).to.equal(key);
    expect(await ok(...give("KR00000007", "--authorization", consent))).to.match(/^KR00000007 dispensed  \(/);
    expect(await ok(...give("KR00000007"))).to.include("COUNTERFEIT ALERT");
    expect(await fails(...give("KR00000008", "--authorization", consent))).to.match(
      /^error: SupplyRefillTooEarly: allowance 0x[0-9a-f]{64}'s next fill opens at \d{4}-/,
    );
    expect(await ok("supply:received", ...patient)).to.match(
      /^1 unit\(s\) received under this prescription\n  batch 1\n$/,
    );
    // Governance revokes the prescription: no fill opens under it any more.
    expect(await ok("supply:revoke-allowance", "--key", key, "--reason", "FRAUD", "--from", "deployer")).to.match(
      new RegExp(`^allowance ${key} revoked  \\(`),
    );
    expect(await fails(...give("KR00000009"))).to.match(/^error: SupplyUnknownAllowance/);
    // Units refused go back into the shipment they left.
    const back = shipmentIdOf(mine, 9);
    await ok("supply:ship", "--source", String(mine), "--to", "distributor", "--quantity", "2", "--from", "pharmacy");
    expect(await ok("supply:refuse", "--shipment", String(back), "--from", "distributor")).to.match(
      new RegExp(`^shipment ${back} refused: 2 unit\\(s\\) back in their source  \\(`),
    );
    expect(await ok("supply:provenance", "--batch", "1")).to.match(/batch 1: 12 events/);
  });

  it("runs the operators' other tasks: onboarding, consent, emergencies, reviews, devices and recalls", async function () {
    const { Wallet } = await import("ethers");
    const { MIIP } = await import("../../packages/sdk/src");
    const newcomer = Wallet.createRandom().address;
    expect(
      await ok(
        "institution:add",
        "--account",
        newcomer,
        "--kind",
        "pharmacy",
        "--licence",
        "PH-9",
        "--name",
        "Busan Pharmacy",
      ),
    ).to.match(/^institution 10 onboarded: Busan Pharmacy \(pharmacy\)/);
    expect(await ok("keys:show", "--from", "pharmacy")).to.match(/^0x[0-9a-fA-F]{40}  0x0[23][0-9a-f]{64}\n$/);
    expect(await ok("patient:register", "--from", "stranger")).to.match(/^patient 3 registered for 0x[0-9a-fA-F]{40}/);
    const appointed = await ok("patient:guardian", "--guardian", "guardian", "--powers", "act", "--from", "patientB");
    const salt = /give the guardian its salt (0x[0-9a-f]{64})/.exec(appointed)![1];
    expect(appointed).to.match(/^guardian appointed \(act\): commitment 0x[0-9a-f]{64}; /);
    expect(
      await ok(
        "consent:grant",
        "--patient",
        "patientB",
        "--salt",
        salt,
        "--grantee",
        "pharmacy",
        "--types",
        "prescription",
        "--days",
        "7",
        "--from",
        "guardian",
      ),
    ).to.match(/^granted 0x[0-9a-fA-F]{40} treatment: 0x[0-9a-f]{64}/);
    expect(
      await ok("emergency:open", "--patient", "patientB", "--reason", "unconscious", "--from", "emergencyHospital"),
    ).to.match(/^emergency access to patient 2 open until \d{4}-[^;]+; justification due by \d{4}-/);
    expect(await ok("claim:enrol", "--programme", "1", "--patient", "stranger")).to.include(
      "patient 3 enrolled in programme 1",
    );
    expect(await fails("claim:enrol", "--programme", "1", "--patient", "2")).to.match(
      /^error: ClaimsAlreadyEnrolled: patient 2 is already enrolled in programme 1, since \d{4}-/,
    );
    expect(await ok("claim:file", "--programme", "1", "--records", "4", "--billed", "1000")).to.match(
      /^claim 4: pending, due 800 IST, paid now 0 IST, co-paid 200 IST  \(gas /,
    );
    expect(await fails("claim:decide", "--claim", "4", "--approve", "900")).to.match(
      /^error: ClaimsApprovalExceedsClaim: claim 4: /,
    );
    expect(await ok("claim:decide", "--claim", "4", "--approve", "500", "--reason", "PARTLY")).to.match(
      /^claim 4: partially-approved, paid now 500 IST/,
    );
    const notes = path.join(dir, "notes.txt");
    writeFileSync(notes, "operating notes: the extra 300 IST were justified");
    expect(
      await ok("claim:dispute", "--claim", "4", "--reason", "UNDERPAID", "--evidence", notes, "--from", "patientB"),
    ).to.match(/^claim 4: disputed; the arbitrator decides by \d{4}-/);
    expect(await fails("claim:default", "--claim", "4")).to.match(
      /^error: ClaimsDeadlineNotPassed: claim 4's current step runs until \d{4}-/,
    );

    const { shipmentIdOf } = await import("../../packages/sdk/src");
    const atDistributor = shipmentIdOf(1n, 100);
    const shipped = await ok(
      "supply:ship",
      "--source",
      String(atDistributor),
      "--to",
      "pharmacy",
      "--quantity",
      "5",
      "--from",
      "distributor",
    );
    const shipmentId = BigInt(/^shipment (\d+)/.exec(shipped)![1]);
    expect(shipmentId).to.equal(shipmentIdOf(atDistributor, 30));
    const logger = Wallet.createRandom();
    await ok("device:add", "--device-key", logger.privateKey, "--calibration", "cert 2026-11", "--from", "distributor");
    await ok("device:assign", "--shipment", String(shipmentId), "--device", logger.address, "--from", "distributor");
    const provider = hre.ethers.provider;
    const deployment = JSON.parse(readFileSync(path.join(dir, "deployments", "localhost", "addresses.json"), "utf8"));
    const reader = await MIIP.connect(provider, deployment);
    const signed = await reader.supply.signReadings(logger, [
      { shipmentId, temperature: 500, humidity: 4000, sequence: 1 },
      { shipmentId, temperature: 2950, humidity: 4000, sequence: 2 },
    ]);
    provider.destroy();
    const file = path.join(dir, "readings.json");
    writeFileSync(
      file,
      JSON.stringify(signed, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    );
    expect(await ok("supply:readings", "--file", file)).to.match(/^2 readings recorded, 1 excursions/);
    expect(await fails("supply:readings", "--file", file)).to.match(/^error: SupplyDuplicateSequence: /);
    expect(
      await ok("supply:recall", "--batch", "1", "--reason", "STERILITY", "--message", "Return it to your pharmacy."),
    ).to.include("batch 1 recalled");
    expect(await fails("device:add", "--device-key", "nope")).to.equal("error: --device-key: 32 bytes of hex");
  });

  it("registers a patient without gas, and its guardian closes a hospital's emergency access and blocks it", async function () {
    const provider = hre.ethers.provider;
    const account = (await hre.ethers.getSigners())[24].address;
    const before = await provider.getBalance(account);
    expect(await ok("patient:register", "--gasless", "--from", account)).to.match(
      new RegExp(`^patient 4 registered for ${account}  \\(gas `),
    );
    const appointed = await ok(
      "patient:guardian",
      "--guardian",
      "guardian",
      "--powers",
      "recover,act",
      "--gasless",
      "--from",
      account,
    );
    const salt = /give the guardian its salt (0x[0-9a-f]{64})/.exec(appointed)![1];
    expect(await provider.getBalance(account)).to.equal(before);
    expect(await ok("patient:show", "--patient", account)).to.match(
      new RegExp(`^patient 4: ${account}\\n  1 guardians \\(1 may recover\\), threshold 0, round 1\\n$`),
    );
    await ok("emergency:open", "--patient", "4", "--reason", "unconscious", "--from", "hospital");
    expect(
      await ok(
        "emergency:close",
        "--hospital",
        "hospital",
        "--block",
        "--patient",
        "4",
        "--salt",
        salt,
        "--from",
        "guardian",
      ),
    ).to.match(/^emergency access of 0x[0-9a-fA-F]{40} closed and blocked  \(/);
    expect(await fails("emergency:open", "--patient", "4", "--reason", "unconscious", "--from", "hospital")).to.equal(
      "error: ConsentEmergencyBlocked: patient 4 blocked institution 1's break-glass access",
    );
    provider.destroy();
  });

  it("onboards with notice, cancels a pending onboarding, and withdraws a recall through governance's delay", async function () {
    const { Wallet } = await import("ethers");
    const provider = hre.ethers.provider;
    const travel = async (seconds: number) => {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
    };
    const add = async (kind: string, name: string) => {
      const out = await ok(
        "institution:add",
        "--account",
        Wallet.createRandom().address,
        "--kind",
        kind,
        "--licence",
        name,
        "--name",
        name,
      );
      expect(out).to.match(
        / pending until \d{4}-\d\d-\d\dT[\d:]+Z \(the guardian role can cancel it until it is activated\)/,
      );
      return /^institution (\d+) onboarded/.exec(out)![1];
    };
    const rogue = await add("regulator", "Rogue Ministry");
    expect(await fails("institution:activate", "--id", rogue)).to.match(
      new RegExp(`^error: ParticipantsOnboardingNotDue: institution ${rogue} is pending until \\d{4}-`),
    );
    expect(await ok("institution:cancel", "--id", rogue, "--reason", "forged-licence")).to.match(
      new RegExp(`^onboarding of institution ${rogue} cancelled \\(forged-licence\\)`),
    );
    const carrier = await add("distributor", "Night Carrier");
    await travel(2 * 86_400);
    expect(await ok("institution:activate", "--id", carrier)).to.match(new RegExp(`^institution ${carrier} is active`));
    expect(await fails("institution:activate", "--id", rogue)).to.match(
      new RegExp(`^error: ParticipantsInvalidStatus: institution ${rogue} is cancelled`),
    );

    // Batch 1 was recalled above: the governor (the deployer on the local chain) schedules, waits, executes.
    expect(await ok("supply:withdraw-recall", "--batch", "1", "--reason", "CLEARED")).to.match(
      /^scheduled: withdraw the recall of batch 1 made at \d+ \(CLEARED\); run again after \d{4}-/,
    );
    await travel(3 * 86_400);
    expect(await ok("supply:withdraw-recall", "--batch", "1", "--reason", "CLEARED")).to.match(
      /^executed: withdraw the recall of batch 1 made at \d+ \(CLEARED\)/,
    );
    provider.destroy();
  });

  it("licenses a company prefix, registers a product after the notice, publishes its leaflet and shows it", async function () {
    const provider = hre.ethers.provider;
    expect(await ok("product:prefix", "--prefix", "0614141", "--manufacturer", "manufacturer")).to.match(
      /^prefix 0614141 licensed to institution \d+, effective \d{4}-\d\d-\d\dT[\d:]+Z/,
    );
    const register = ["--gtin", "00614141000012", "--prefix-digits", "7", "--name", "Amoxil", "--form", "capsule"];
    expect(await fails("product:register", ...register)).to.match(
      /^error: ProductsPrefixNotEffective: company prefix 0614141 is not in effect \(effective \d{4}-/,
    );
    await provider.send("evm_increaseTime", [3 * 86_400]);
    await provider.send("evm_mine", []);
    expect(await ok("product:register", ...register, "--strength", "500 mg")).to.match(
      /^product 614141000012 registered: Amoxil/,
    );
    const leaflet = path.join(dir, "leaflet-ko.txt");
    writeFileSync(leaflet, "아목실 캡슐 500 mg: 사용설명서");
    expect(
      await ok(
        "product:leaflet",
        "--gtin",
        "00614141000012",
        "--language",
        "ko",
        "--file",
        leaflet,
        "--uri",
        "ipfs://ko",
      ),
    ).to.match(/^leaflet ko v1 of 614141000012 published \(digest 0x[0-9a-f]{64}\)/);
    const shown = await ok("product:show", "--gtin", "00614141000012", "--language", "en");
    expect(shown).to.match(/^product 614141000012: Amoxil 500 mg, capsule; manufacturer \d+/);
    expect(shown).to.match(/\n {2}leaflet ko v1 \([^)]+\): ipfs:\/\/ko {2}digest 0x[0-9a-f]{64}/);
    expect(await fails("product:show", "--gtin", "00614141000013")).to.equal(
      "error: --gtin: wrong GTIN check digit in 00614141000013",
    );
    expect(
      await fails("product:leaflet", "--gtin", "00614141000012", "--language", "EN", "--file", leaflet, "--uri", "x"),
    ).to.equal('error: --language: "EN" is not an ISO 639-1 code');
    provider.destroy();
  });

  it("signs a bill off chain for the patient to file, cancels another, withdraws with notice, replaces the arbitrator and applies a default", async function () {
    const { Wallet } = await import("ethers");
    const provider = hre.ethers.provider;
    const travel = async (seconds: number) => {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
    };
    const signed = path.join(dir, "bill.json");
    const digest = "0x" + "ab".repeat(32);
    expect(
      await ok(
        "claim:bill",
        "--programme",
        "1",
        "--records",
        "5",
        "--amount",
        "100",
        "--digest",
        digest,
        "--sign",
        "--out",
        signed,
      ),
    ).to.match(/^bill 0x[0-9a-f]{64} signed for patient 1, written to .*bill.json: the patient files it/);
    expect(JSON.parse(readFileSync(signed, "utf8")).bill).to.deep.include({
      recordIds: ["5"],
      payTo: "hospital",
      billDigest: digest,
    });
    expect(await ok("claim:confirm", "--bill", signed, "--from", "patientA", "--gasless")).to.match(
      /^claim 5: paid, due 80 IST, paid now 80 IST, co-paid 20 IST/,
    );

    const draft = path.join(dir, "draft.json");
    const billed = await ok(
      "claim:bill",
      "--programme",
      "1",
      "--records",
      "1",
      "--amount",
      "120",
      "--digest",
      digest,
      "--out",
      draft,
    );
    const hash = /^bill (0x[0-9a-f]{64}) attested by the hospital/.exec(billed)![1];
    expect(await ok("claim:cancel", "--bill", draft, "--from", "patientA", "--gasless")).to.match(
      new RegExp(`^bill ${hash} cancelled  \\(gas `),
    );
    expect(await fails("claim:confirm", "--bill", hash, "--from", "patientA")).to.equal(
      `error: ClaimsBillCancelled: bill ${hash} was cancelled by a party to it`,
    );
    expect(await fails("claim:bill", "--programme", "1", "--records", "1", "--amount", "120")).to.equal(
      "error: give --itemised (the document, digested here) or --digest",
    );

    expect(await ok("claim:withdraw", "--programme", "1", "--amount", "100")).to.match(
      /^withdrawal of 100 IST to 0x[0-9a-fA-F]{40} announced; run again without --amount after \d{4}-/,
    );
    expect(await fails("claim:withdraw", "--programme", "1")).to.match(
      /^error: ClaimsWithdrawalNotDue: programme 1's announced withdrawal can be executed from \d{4}-/,
    );
    expect(await ok("claim:programme", "--programme", "1")).to.match(
      /withdrawal of 100 IST to 0x[0-9a-fA-F]{40} announced/,
    );

    // A second agency; governance replaces the programme's arbitrator through its delay.
    const tribunal = Wallet.createRandom().address;
    const added = await ok(
      "institution:add",
      "--account",
      tribunal,
      "--kind",
      "public-health-agency",
      "--licence",
      "HIRA",
      "--name",
      "HIRA Claims Tribunal",
    );
    const tribunalId = /^institution (\d+) onboarded/.exec(added)![1];
    await travel(7 * 86_400);
    expect(await ok("claim:withdraw", "--programme", "1")).to.match(
      /^withdrew 100 IST to 0x[0-9a-fA-F]{40}; [\d,.]+ IST free/,
    );
    await ok("institution:activate", "--id", tribunalId);
    expect(await ok("claim:replace-arbitrator", "--programme", "1", "--arbitrator", tribunal)).to.match(
      /^scheduled: replace the arbitrator of programme 1 with 0x[0-9a-fA-F]{40}; run again after \d{4}-/,
    );
    await travel(86_400);
    expect(await ok("claim:replace-arbitrator", "--programme", "1", "--arbitrator", tribunal)).to.match(
      /^executed: replace the arbitrator of programme 1/,
    );
    expect(await ok("claim:programme", "--programme", "1")).to.include(`by institution ${tribunalId} (${tribunal})`);

    // Claim 4 was disputed above; nobody arbitrated it within 21 days: the insurer's decision stands.
    await travel(21 * 86_400);
    expect(await ok("claim:default", "--claim", "4", "--from", "relayer")).to.match(
      /^claim 4: settled, paid now 0 IST; final/,
    );
    expect(await ok("claim:show", "--claim", "4")).to.match(
      /^claim 4: settled; billed 1,000 IST, due 800 IST, paid 500 IST to the hospital; patient 2\n.*ClaimFiled pending\n.*ClaimDecided partially-approved by insurer\n.*ClaimDecided disputed by patient\n.*ClaimDecided settled by anyone\n$/,
    );
    provider.destroy();
  });

  it("claims airdrop leaves for a holder and explains a release that is not due", async function () {
    const proofs = JSON.parse(readFileSync(path.join(dir, "deployments", "localhost", "claim.proofs.json"), "utf8"));
    const account = Object.keys(proofs.claims)[0];
    expect(await ok("airdrop:claim", "--account", account, "--from", "relayer")).to.match(/^leaf \d+: [\d,.]+ IST to /);
    expect(await ok("airdrop:claim", "--account", account)).to.match(/already claimed/);
    expect(await ok("balance", "--account", account)).to.match(/[\d,]+ IST/);
    expect(await fails("vesting:release", "--grant", "0")).to.match(
      /^error: DistributionNothingToRelease: grant 0 has nothing to release before \d{4}-/,
    );
  });

  it("answers bad input with one clear line", async function () {
    expect(await fails("record:add", "--patient", "0x12", "--file", "x", "--type", "lab")).to.equal(
      'error: --patient: "0x12" is not an address',
    );
    const file = path.join(dir, "note.txt");
    writeFileSync(file, "x");
    expect(await fails("record:add", "--patient", "patientA", "--file", file, "--type", "x-ray")).to.match(
      /^error: unknown record type "x-ray" \(one of diagnosis, prescription, lab-result/,
    );
    expect(
      await fails("record:add", "--patient", "patientA", "--file", path.join(dir, "missing.pdf"), "--type", "lab"),
    ).to.equal(`error: --file: no file ${path.join(dir, "missing.pdf")}`);
    expect(await fails("supply:ship", "--source", "one", "--to", "pharmacy", "--quantity", "1")).to.equal(
      'error: --source: "one" is not a whole number',
    );
    expect(await fails("consent:grant", "--grantee", "pharmacy", "--all", "--types", "lab")).to.equal(
      "error: give exactly one of --all, --types or --records",
    );
  });
});

/** Command-line words as Hardhat parses them for a task: `--pay-to x` is `payTo: "x"`, a switch is `true`. */
function parseArgv(name: string, argv: string[]): Record<string, string | boolean> {
  const params = hre.tasks[name]?.paramDefinitions ?? {};
  const args: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const param = argv[i].replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!argv[i].startsWith("--") || params[param] === undefined) throw new Error(`${name}: no flag ${argv[i]}`);
    args[param] = params[param].isFlag ? true : argv[++i];
  }
  return args;
}
