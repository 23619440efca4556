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
      "A small claim: billed by the hospital, confirmed by the patient, paid with its co-payment",
      "An amended record is the same treatment: it is paid once",
      "Silent parties: default outcomes, and governance replaces a silent arbitrator",
      "Products owned by their makers: a GS1 company prefix, master data, leaflets",
      "Devices bound to their shipments, and a cold chain nobody can silence",
      "A patient's pack: checked from its printed codes, dispensed under a prescription with limits",
      "An adverse event, a recall, and the message in the patient's wallet",
      "Nothing stuck: a shipment the receiver never accepts goes back to its sender",
      "Patient-generated data: a glucose monitor's readings, anchored encrypted, followed by the hospital",
      "A patch withdrawn by mistake is restored by governance, naming the withdrawal, after its notice",
      "Security: who may do what",
      "Summary: the gas of every step",
    ]) {
      expect(stdout).to.contain(chapter);
    }
    // Claims exist only when both parties attest a bill: the patient (no ETH) confirms the hospital's bill and
    // one relayed action files it, pays it and moves the co-payment; an amended record is the same treatment;
    // silent parties meet default outcomes, and governance replaces a silent arbitrator after its delay.
    expect(stdout).to.match(
      /a browser reads it through the gateway, every block checked against its CID: 3,670,057 bytes, sha-256 matches the chain: true/,
    );
    expect(stdout).to.match(
      /ipfs:\/\/bafybei[a-z2-7]+: a UnixFS file, 4 chunks of at most 1 MiB under one root, pinned/,
    );
    expect(stdout).to.match(/patient D confirms it: .* relayed\s+\(\d[\d,]* gas\)/);
    // The web app's path, headless: the document service and the relayer over HTTP.
    expect(stdout).to.match(/the hospital's browser finds the patient's key and checks its signature: true/);
    expect(stdout).to.match(
      /the phone opens it through the service, checked and decrypted: 1,300,000 bytes, identical: true/,
    );
    expect(stdout).to.match(/opens it under the grant: 1,300,000 bytes; the phone still holds 0 wei/);
    expect(stdout).to.match(
      /the hospital tries to replace the patient's copy of the key: .* 409: .*only its recipient/,
    );
    // A product belongs to its maker: the registrar's licence waits its notice, then only Hanmi publishes.
    expect(stdout).to.match(/✗ registering a product before the licence takes effect .*: ProductsPrefixNotEffective: /);
    expect(stdout).to.match(/✗ the distributor publishing a leaflet for Hanmi's product: ParticipantsWrongKind: /);
    expect(stdout).to.match(/none in French, the first published \(ko v1\) is shown; it matches its digest: true/);
    // The supply chain against dishonest participants (issue 16): a rival's device is refused; a late excursion
    // quarantines units already accepted; a pack is checked from its printed codes with its leaflet; a second fill
    // is refused; an adverse event leads to a recall whose message reaches the patient's wallet.
    expect(stdout).to.match(/✗ a rival registering a batch of Hanmi's GTIN: SupplyNotProductOwner: /);
    expect(stdout).to.match(/✗ the rival's logger reporting 50 °C for that shipment: SupplyDeviceNotAssigned: /);
    expect(stdout).to.match(/late excursion: 199 units quarantined at the pharmacy, 1 already gone on \(flagged\)/);
    expect(stdout).to.match(
      /anyone checks it: authentic true, Insulin glargine Hanmi by Hanmi Pharma, .* leaflet ko v1 ipfs:\/\//,
    );
    expect(stdout).to.match(/✗ a second fill of the same prescription: SupplyAllowanceExhausted: /);
    // Intake (issue 20): once per unit, by the prescription's key; a glucose monitor followed under consent.
    expect(stdout).to.match(/✗ a second confirmation of the same pen: SupplyAlreadyAdministered: /);
    expect(stdout).to.match(/its client decrypts them: \d+–\d+ mg\/dL, \d+% in range/);
    expect(stdout).to.match(/✗ a key nobody provisioned is bound as a CGM-90: DevicesNotProvisioned: /);
    expect(stdout).to.match(/✗ whoever holds it anchors another hour: MIIPClientError: .* is revoked, not bound/);
    expect(stdout).to.match(/✗ executing it before the delay: AccessManagerNotReady: /);
    expect(stdout).to.match(/CGM-90 firmware approved again: 0, 1/);
    expect(stdout).to.match(
      /patient A's wallet, from the prescription's key alone: batch 1: RECALLED: Stop using pens/,
    );
    expect(stdout).to.match(/✓ after the 14-day timeout the distributor reclaims them/);
    expect(stdout).to.match(
      /claim \d+ \(the treatment's id\): paid; the escrow paid 200 IST and patient D's 50 IST co-payment/,
    );
    expect(stdout).to.match(/after: hospital 250 IST, patient D 1,950 IST and 0 wei/);
    expect(stdout).to.match(
      /✗ filing it \(record #(\d+) amends #(\d+)\): ClaimsRecordAlreadyClaimed: record \1 is already in claim \2/,
    );
    expect(stdout).to.match(/✗ the insurer approving after its deadline: ClaimsDeadlinePassed: /);
    expect(stdout).to.match(/✓ the governor executes it: the HIRA tribunal arbitrates programme 1 /);
    expect(stdout).to.match(/✗ the replaced NHIS board arbitrating the claim: ClaimsNotArbitrator: /);
    expect(stdout).to.match(/claim \d+: settled, paid 1,600 IST of 1,600 IST, without the insurer or an arbitrator/);
    // Every refusal is printed with its decoded custom error, never a raw revert.
    const refusals = stdout.split("\n").filter((line) => line.trimStart().startsWith("✗"));
    expect(refusals.length).to.be.greaterThan(20);
    for (const line of refusals) expect(line).to.match(/: [A-Z][A-Za-z0-9]+: /);
    expect(stdout).to.match(/total\s+[\d,]+\s+\(\d+ transactions\)/);
  });
});
