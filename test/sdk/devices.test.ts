import { expect } from "chai";
import path from "node:path";

import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import {
  MIIP,
  MIIPClientError,
  MemoryBlobStore,
  MemoryKeyShareStore,
  answerPairing,
  cidFromUri,
  fromUtf8,
  loadDeployment,
  simulateGlucose,
  utf8,
} from "../../packages/sdk/src/node";
import { isolatedCliFolders, seededFixture } from "../helpers/tasks";

const DAY = 86_400;

describe("SDK: patient-generated data, through the client a dApp uses", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  async function setup() {
    await loadFixture(seededFixture);
    const signers = await hre.ethers.getSigners();
    const who = (name: LocalAccountName) => signers[LOCAL_ACCOUNTS[name]];
    const deployment = loadDeployment("localhost", path.join(folders.dir, "deployments"));
    const store = new MemoryBlobStore();
    const shares = new MemoryKeyShareStore();
    const miip = await MIIP.connect(signers[0], deployment, { store, shares });
    const as = (name: LocalAccountName) => miip.as(who(name));
    // The glucose monitor's key, in its secure element; the manufacturer provisioned it for model 1 at production.
    const monitor = new hre.ethers.Wallet(hre.ethers.id("sdk test glucose monitor"));
    const provisioning = await as("manufacturer").devices.provision(monitor.address, 1);
    const patient = as("patientA");
    const { deviceId } = await patient.devices.bind({ device: monitor, provisioning, modelId: 1, firmware: 0 });
    const patientKey = await patient.documents.encryptionKey();
    const hospitalKey = await as("hospital").documents.encryptionKey();
    return { who, deployment, store, shares, miip, as, monitor, patient, deviceId, patientKey, hospitalKey };
  }

  it("binds a provisioned monitor, anchors a day of encrypted readings, and lets the following hospital decrypt them while its consent stands", async function () {
    const s = await setup();
    const { as, patient, monitor, deviceId, who } = s;
    expect((await patient.devices.list()).map((d) => [d.deviceId, d.status])).to.deep.equal([[deviceId, "bound"]]);
    // The patient lets its hospital follow its device readings for treatment; the hospital follows.
    const now = await time.latest();
    const { grantIds } = await patient.consent.grant({
      grantee: who("hospital").address,
      purpose: "treatment",
      scope: { kind: "record-type", types: ["device-readings"] },
      expiresAt: now + 90 * DAY,
    });
    const patientId = await patient.patients.myId();
    await as("hospital").devices.follow(patientId);
    expect(await patient.devices.followers(patientId)).to.have.length(1);
    // A day of readings, every 15 minutes, sealed for the patient and the hospital; the monitor signs the anchor.
    const from = Number((await patient.devices.device(monitor.address)).lastEnd) + 1;
    const to = from + DAY - 1;
    await time.increaseTo(to);
    const readings = simulateGlucose({ seed: "patient A, day 1", from, to, intervalMinutes: 15 });
    const anchored = await patient.devices.anchorReadings({
      device: monitor,
      readings,
      from,
      to,
      kind: "glucose",
      unit: "mg/dL",
      patientPublicKey: s.patientKey.publicKey,
      recipients: [{ account: who("hospital").address, publicKey: s.hospitalKey.publicKey }],
    });
    expect(anchored.sequence).to.equal(1);
    // Nothing measured is on chain, nor in the store: the anchor holds a digest, the store a ciphertext.
    const [anchor] = await patient.devices.anchors(deviceId);
    expect([anchor.count, anchor.from, anchor.to, anchor.firmware]).to.deep.equal([readings.length, from, to, 0]);
    const ciphertext = await s.store.get(cidFromUri(anchored.uri));
    expect(Buffer.from(ciphertext).includes(Buffer.from('"readings"'))).to.equal(false);
    // The hospital is told and decrypts; the patient too.
    const notices = await as("hospital").devices.notices();
    expect(notices.map((n) => [n.patientId, n.deviceId, n.sequence])).to.deep.equal([[patientId, deviceId, 1]]);
    const opened = await as("hospital").devices.readings(deviceId, 1);
    expect(opened.readings).to.deep.equal(readings);
    expect((await patient.devices.readings(deviceId, 1)).unit).to.equal("mg/dL");
    // The patient's client seals nothing for a hospital without consent (second audit).
    await expect(
      patient.devices.anchorReadings({
        device: monitor,
        readings: [[to + 1, 100]],
        from: to + 1,
        to: to + 1,
        kind: "glucose",
        unit: "mg/dL",
        patientPublicKey: s.patientKey.publicKey,
        recipients: [{ account: who("emergencyHospital").address, publicKey: s.hospitalKey.publicKey }],
      }),
    ).to.be.rejectedWith(MIIPClientError, /may not read patient/);
    // A hospital without consent cannot, even with a share it was somehow given; nor can the first once revoked.
    await expect(as("emergencyHospital").devices.readings(deviceId, 1)).to.be.rejectedWith(
      MIIPClientError,
      /may not read patient/,
    );
    await patient.consent.revoke(grantIds[0]);
    await expect(as("hospital").devices.readings(deviceId, 1)).to.be.rejectedWith(MIIPClientError, /may not read/);
  });

  it("refuses a batch whose stored ciphertext is not the anchored one, and a batch for a device that is not bound", async function () {
    const s = await setup();
    const { patient, monitor, deviceId } = s;
    const from = Number((await patient.devices.device(monitor.address)).lastEnd) + 1;
    const to = from + 3600;
    await time.increaseTo(to);
    const readings = simulateGlucose({ seed: "tamper", from, to });
    const { uri } = await patient.devices.anchorReadings({
      device: monitor,
      readings,
      from,
      to,
      kind: "glucose",
      unit: "mg/dL",
      patientPublicKey: s.patientKey.publicKey,
    });
    // A store (faulty or hostile) answers other bytes under the anchored CID.
    expect(cidFromUri(uri)).to.be.a("string");
    const lying = {
      put: (bytes: Uint8Array) => s.store.put(bytes),
      has: (cid: string) => s.store.has(cid),
      get: async (cid: string) => {
        const bytes = Uint8Array.from(await s.store.get(cid));
        bytes[bytes.length - 1] ^= 1;
        return bytes;
      },
    };
    const reader = await MIIP.connect(s.who("patientA"), s.deployment, {
      store: lying as unknown as MemoryBlobStore,
      shares: s.shares,
    });
    await expect(reader.devices.readings(deviceId, 1)).to.be.rejectedWith(MIIPClientError, /not the anchored one/);
    await patient.devices.revoke(monitor.address);
    await expect(
      patient.devices.anchorReadings({
        device: monitor,
        readings,
        from: to + 1,
        to: to + 2,
        kind: "glucose",
        unit: "mg/dL",
        patientPublicKey: s.patientKey.publicKey,
      }),
    ).to.be.rejectedWith(MIIPClientError, /is revoked, not bound/);
  });

  it("writes the patient's own documents (from itself and from its monitor, which signs them) that say their source, and a writer's", async function () {
    const s = await setup();
    const { as, patient, monitor, who } = s;
    const patientId = await patient.patients.myId();
    const diary = await patient.devices.writeOwn({ document: utf8("I felt dizzy after lunch"), recordType: 1 });
    const report = await patient.devices.writeOwn({
      document: utf8("CGM-90 monthly report: time in range 82%"),
      recordType: "device-readings",
      device: monitor,
    });
    const { entries } = await patient.history.recordsOfPatient(patientId);
    const own = entries.filter((e) => e.id === diary.recordId || e.id === report.recordId);
    expect(own.map((e) => [e.source, e.issuer])).to.deep.equal([
      ["patient", 0],
      ["device", 0],
    ]);
    expect(own[1].sourceId).to.equal(Number((await patient.devices.device(monitor.address)).deviceId));
    // A device's record dated in the past names the firmware that measured it: the client will not guess it.
    await expect(
      patient.devices.writeOwn({
        document: utf8("last week's report"),
        recordType: "device-readings",
        device: monitor,
        issuedAt: (await time.latest()) - 60,
      }),
    ).to.be.rejectedWith(MIIPClientError, /names the firmware version that measured it/);
    expect(fromUtf8(await patient.documents.open(report.recordId, { purpose: "treatment" }))).to.include("82%");
    // A writer the patient names (its pharmacy's app) writes into its stream, until removed.
    const pharmacyId = Number((await patient.participants.memberOf(who("pharmacy").address))!.id);
    await patient.devices.setWriter(pharmacyId, true);
    const written = await as("pharmacy").devices.writeFor({
      patientId,
      patientPublicKey: s.patientKey.publicKey,
      document: utf8("blood pressure log, week 48"),
      recordType: "device-readings",
    });
    expect(fromUtf8(await patient.documents.open(written.recordId, { purpose: "treatment" }))).to.include("week 48");
    await patient.devices.setWriter(pharmacyId, false);
    await expect(
      as("pharmacy").devices.writeFor({
        patientId,
        patientPublicKey: s.patientKey.publicKey,
        document: utf8("after removal"),
        recordType: "device-readings",
      }),
    ).to.be.rejected.and.eventually.include({ name: "DevicesWriterNotNamed" });
  });

  it("pairs a device that keeps its key: the phone's request, the device's signed answer, checked before anything is sent", async function () {
    const s = await setup();
    const { as, patient, deployment } = s;
    const pump = new hre.ethers.Wallet(hre.ethers.id("sdk test paired monitor"));
    const provisioning = await as("manufacturer").devices.provision(pump.address, 1);
    const own = { modelId: 1, firmware: 0, provisioning };
    const request = await patient.devices.pairingRequest(300);
    // It travels as JSON, both ways.
    expect(JSON.parse(JSON.stringify(request))).to.deep.equal(request);
    expect(request.patientId).to.equal((await patient.patients.myId()).toString());
    const answer = await answerPairing(pump, request, own);
    const before = await hre.ethers.provider.getBlockNumber();
    // Refused in the client, nothing sent: an answer for patient B, signed by another key, for another registry,
    // or after its deadline.
    const forB = await answerPairing(
      pump,
      { ...request, patientId: (await as("patientB").patients.myId()).toString() },
      own,
    );
    await expect(patient.devices.bindAnswer(forB)).to.be.rejectedWith(MIIPClientError, /for patient 2, not 1/);
    const impostor = new hre.ethers.Wallet(hre.ethers.id("impostor"));
    const forged = { ...answer, signature: (await answerPairing(impostor, request, own)).signature };
    await expect(patient.devices.bindAnswer(forged)).to.be.rejectedWith(MIIPClientError, /not signed by device/);
    const elsewhere = await answerPairing(pump, { ...request, registry: deployment.RecordRegistry }, own);
    await expect(patient.devices.bindAnswer({ ...elsewhere, binding: answer.binding })).to.be.rejectedWith(
      MIIPClientError,
      /not signed by device/,
    );
    const garbled = { ...answer, signature: { r: "0x" + "00".repeat(32), vs: "0x" + "00".repeat(32) } };
    await expect(patient.devices.bindAnswer(garbled)).to.be.rejectedWith(MIIPClientError, /not signed by device/);
    expect(await hre.ethers.provider.getBlockNumber()).to.equal(before);
    const bound = await patient.devices.bindAnswer(answer);
    expect(bound.address).to.equal(pump.address);
    expect((await patient.devices.device(pump.address)).status).to.equal("bound");
    // The same answer again is refused by the chain (a key binds once); a late one by the client.
    await expect(patient.devices.bindAnswer(answer)).to.be.rejected.and.eventually.include({ name: "DevicesKeyUsed" });
    const late = await answerPairing(new hre.ethers.Wallet(hre.ethers.id("late")), request, own);
    await time.increase(600);
    await expect(patient.devices.bindAnswer(late)).to.be.rejectedWith(MIIPClientError, /pairing request expired/);
  });

  it("lists the writers a patient named and did not remove, a suspended one included and marked, from their events", async function () {
    const s = await setup();
    const { as, patient, who } = s;
    const idOf = async (name: LocalAccountName) => Number((await patient.participants.memberOf(who(name).address))!.id);
    const [pharmacyId, hospitalId, insurerId] = [await idOf("pharmacy"), await idOf("hospital"), await idOf("insurer")];
    expect(await patient.devices.writers()).to.deep.equal([]);
    await patient.devices.setWriter(pharmacyId, true);
    await patient.devices.setWriter(hospitalId, true);
    await patient.devices.setWriter(insurerId, true);
    await patient.devices.setWriter(pharmacyId, false);
    await patient.devices.setWriter(pharmacyId, true);
    await patient.devices.setWriter(insurerId, false);
    await as("registrar").participants.suspend(hospitalId, "audit");
    const patientId = await patient.patients.myId();
    // In order of the current naming; the suspended hospital stays named, and says it may not write.
    const expected = [
      { writerId: hospitalId, mayWrite: false, status: "suspended" },
      { writerId: pharmacyId, mayWrite: true, status: "active" },
    ];
    expect(await patient.devices.writers()).to.deep.equal(expected);
    expect(await as("stranger").devices.writers(patientId)).to.deep.equal(expected);
    // The chain agrees, writer by writer.
    for (const { writerId, mayWrite } of expected) {
      expect(await patient.devices.isWriter(patientId, writerId)).to.equal(mayWrite);
    }
    expect(await patient.devices.isWriter(patientId, insurerId)).to.equal(false);
  });
});
