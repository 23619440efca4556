import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, toUtf8Bytes } from "ethers";

import { reasonCode, simulateGlucose, utf8 } from "../../packages/sdk/src";
import { date } from "./narrator";
import type { Demo } from "./context";

const DAY = 86_400;

/**
 * Patient-generated data (issue 20): the regulator approves a continuous glucose monitor and its firmware; the
 * manufacturer provisions a monitor's key; a patient discharged with it binds it from a phone holding no ETH, lets
 * the hospital follow it under a treatment consent, and the phone anchors a day of encrypted readings that the
 * hospital decrypts and watches (alerts happen in its client, never on chain). A recalled patch, a made-up device,
 * a record the device did not sign and a lost monitor are refused.
 */
export async function devicesChapter({ n, miip, as, who, keyOf }: Demo): Promise<void> {
  const hospital = as("hospital");
  const relayer = as("relayer");
  n.section("Patient-generated data: a glucose monitor's readings, anchored encrypted, followed by the hospital");

  const manufacturerId = (await miip.participants.memberOf(who("manufacturer").address))!.id;
  const firmware = ["CGM-90 firmware 1.0", "CGM-90 firmware 1.1"].map((f) => keccak256(toUtf8Bytes(f)));
  const cgm = { modelDigest: keccak256(toUtf8Bytes("Hanmi CGM-90 technical file v3")), firmwareDigests: firmware };
  const regulatorId = (await miip.participants.memberOf(who("regulator").address))!.id;
  await n.step(
    "Hanmi Pharma asks the drug safety ministry to approve its CGM-90 glucose monitor, firmware 1.0 and 1.1",
    as("manufacturer").devices.requestApproval({ regulatorId, ...cgm }),
  );
  await n.refused("approving it with another firmware image than the one submitted", () =>
    as("regulator").devices.approveModel({
      manufacturerId,
      modelDigest: cgm.modelDigest,
      firmwareDigests: [keccak256(toUtf8Bytes("unreviewed image"))],
    }),
  );
  const { modelId } = await n.step(
    "the ministry approves it as submitted",
    as("regulator").devices.approveModel({ manufacturerId, ...cgm }),
  );
  // The monitor's key is made in its secure element at the factory; the manufacturer signs it for the model.
  const monitor = hre.ethers.Wallet.createRandom();
  const provisioning = await as("manufacturer").devices.provision(monitor.address, Number(modelId));
  n.say(`  the factory provisions monitor ${monitor.address.slice(0, 10)}… for model ${modelId} (a signature, no gas)`);

  // Park Jiwoo is discharged with the monitor; her phone holds a key and no ETH.
  const phone = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
  const patient = miip.as(phone).gasless(who("relayer"));
  const { patientId } = await n.step(
    "Park Jiwoo's phone (0 ETH) signs her registration; the hospital submits it",
    hospital.patients.submitRegistration(await miip.as(phone).patients.signRegistration()),
  );
  const { deviceId } = await n.step(
    `patient ${patientId} binds the monitor: its own signature and the factory's, relayed`,
    patient.devices.bind({ device: monitor, provisioning, modelId: Number(modelId), firmware: 0 }),
  );
  const now = await time.latest();
  await n.step(
    "she consents to Seoul General following her device readings for treatment, 90 days, relayed",
    patient.consent.grant({
      grantee: who("hospital").address,
      purpose: "treatment",
      scope: { kind: "record-type", types: ["device-readings"] },
      expiresAt: now + 90 * DAY,
    }),
  );
  await n.step(
    `Seoul General follows patient ${patientId}'s devices (checked against her consent)`,
    hospital.devices.follow(patientId),
  );

  // A day of readings, one every five minutes; the phone seals them for her and the hospital.
  const from = (await patient.devices.device(monitor.address)).lastEnd + 1;
  const to = from + DAY - 1;
  await time.increaseTo(to);
  const readings = simulateGlucose({ seed: `Park Jiwoo ${date(from)}`, from, to });
  const patientKey = (await miip.as(phone).documents.encryptionKey()).publicKey;
  const hospitalKey = (await keyOf("hospital")).publicKey;
  const anchored = await n.step(
    `the phone seals ${readings.length} readings of ${date(from)}; the monitor signs the anchor; a relayer sends it`,
    relayer.devices.anchorReadings({
      device: monitor,
      readings,
      from,
      to,
      kind: "glucose",
      unit: "mg/dL",
      patientPublicKey: patientKey,
      recipients: [{ account: who("hospital").address, publicKey: hospitalKey }],
    }),
  );
  n.say(
    `  on chain: the ciphertext's digest ${anchored.batchDigest.slice(0, 12)}…, ${readings.length} readings, the period, firmware 0; no value`,
  );
  const notices = await hospital.devices.notices();
  n.say(
    `  Seoul General is told: patient ${notices.at(-1)!.patientId}, device ${notices.at(-1)!.deviceId}, anchor ${notices.at(-1)!.sequence}`,
  );
  const batch = await hospital.devices.readings(deviceId, anchored.sequence);
  const values = batch.readings.map(([, v]) => v);
  const inRange = values.filter((v) => v >= 70 && v <= 180).length;
  n.say(
    `  its client decrypts them: ${Math.min(...values)}–${Math.max(...values)} mg/dL, ` +
      `${Math.round((100 * inRange) / values.length)}% in range; its alerts run there, never on chain`,
  );

  await n.step(
    "the monitor signs its monthly report; she writes it to her own stream, relayed",
    patient.devices.writeOwn({
      document: utf8(`CGM-90 report, patient ${patientId}: ${Math.round((100 * inRange) / values.length)}% in range`),
      recordType: "device-readings",
      device: monitor,
    }),
  );
  const records = await patient.history.recordsOfPatient(patientId);
  const last = records.entries.at(-1)!;
  n.say(
    `  record ${last.id} says its source: ${last.source} ${last.sourceId} (no hospital issued it: never a treatment)`,
  );

  await n.refused("the phone writes a record as from a device she never bound", () =>
    patient.devices.writeOwn({
      document: utf8("typed by hand"),
      recordType: "device-readings",
      device: hre.ethers.Wallet.createRandom(),
    }),
  );
  const madeUp = hre.ethers.Wallet.createRandom();
  await n.refused("a key nobody provisioned is bound as a CGM-90", async () =>
    patient.devices.bind({ device: madeUp, provisioning, modelId: Number(modelId), firmware: 0 }),
  );
  await n.step(
    "the regulator withdraws firmware 1.1 (a recalled patch); her monitor, on 1.0, goes on",
    as("regulator").devices.withdrawFirmware(modelId, 1, "battery drain"),
  );

  // She loses the monitor: revoked at once; what it anchored before stands.
  await n.step("she loses the monitor and revokes it from her phone, relayed", patient.devices.revoke(monitor.address));
  const next = to + 1;
  await time.increaseTo(next + 3600);
  await n.refused("whoever holds it anchors another hour", () =>
    relayer.devices.anchorReadings({
      device: monitor,
      readings: simulateGlucose({ seed: "thief", from: next, to: next + 3600 }),
      from: next,
      to: next + 3600,
      kind: "glucose",
      unit: "mg/dL",
      patientPublicKey: patientKey,
    }),
  );
  n.say(`  her first day stays readable: ${(await patient.devices.anchors(deviceId)).length} anchor`);

  n.section("A patch withdrawn by mistake is restored by governance, naming the withdrawal, after its notice");
  const governance = as("deployer").governance;
  const restore = await governance.restoreFirmware(modelId, 1, "battery-drain-not-confirmed");
  const { serial } = await miip.contracts.devices.withdrawalOf(modelId, 1);
  await n.refused("the regulator restoring the patch itself", () =>
    as("regulator").send(() =>
      as("regulator").contracts.devices.restoreFirmware(modelId, 1, serial, reasonCode("mine")),
    ),
  );
  const scheduled = await n.step(`the governor schedules: ${restore.label}`, governance.schedule(restore));
  n.say(`  public in OperationScheduled ${scheduled.operationId.slice(0, 18)}…; the guardian role could cancel it`);
  await n.refused("executing it before the delay", () => governance.execute(restore));
  n.say("  it also waits the suite's notice period after the withdrawal, so it cannot be armed in advance");
  await time.increaseTo(scheduled.readyAt);
  await n.step("after both the governor executes it", governance.execute(restore));
  n.say(`  CGM-90 firmware approved again: ${(await miip.devices.model(modelId)).approvedFirmware.join(", ")}`);
}
