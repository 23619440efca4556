import { expect } from "chai";

import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import {
  DEVICE_BINDING_TYPES,
  DEVICE_PROVISIONING_TYPES,
  DEVICE_RECORD_TYPES,
  READING_ANCHOR_TYPES,
  devicesDomain,
} from "../../config/eip712";
import { DAY, DEVICE_READINGS, NO_SIG, code, deviceKey, devicesFixture } from "../helpers/devices";
import { governorCall } from "../helpers/governance";
import { onboard } from "../helpers/fixtures";
import { GUARDIAN_SALT, asPatient, guardianCommitment } from "../helpers/patients";

const Source = { Hospital: 0, Patient: 1, Device: 2, Writer: 3 } as const;
const Status = { None: 0, Bound: 1, Revoked: 2 } as const;

describe("DeviceRegistry", function () {
  describe("models and firmware", function () {
    it("lets an active regulator approve a manufacturer's model with its firmware, each version an event", async function () {
      const { devices, regulator, ids, request } = await devicesFixture();
      const firmware = [hre.ethers.id("2.0"), hre.ethers.id("2.1"), hre.ethers.id("2.2")];
      await request(hre.ethers.id("pump"), firmware);
      await expect(devices.connect(regulator).approveModel(ids.manufacturer, hre.ethers.id("pump"), firmware))
        .to.emit(devices, "ModelApproved")
        .withArgs(2, ids.manufacturer, ids.regulator, hre.ethers.id("pump"))
        .and.to.emit(devices, "FirmwareApproved")
        .withArgs(2, 2, firmware[2], ids.regulator);
      const model = await devices.getModel(2);
      expect([model.manufacturerId, model.regulatorId, model.firmwareCount, model.withdrawnAt]).to.deep.equal([
        ids.manufacturer,
        ids.regulator,
        3n,
        0n,
      ]);
      expect(model.modelDigest).to.equal(hre.ethers.id("pump"));
      expect(await devices.modelCount()).to.equal(2);
      expect(await devices.isApproved(2, 2)).to.equal(true);
      expect(await devices.isApproved(2, 3)).to.equal(false);
      expect(await devices.isApproved(9, 0)).to.equal(false);
    });

    it("refuses a model from anyone but an active regulator, for anyone but an active manufacturer, or with an empty digest, no firmware or more than 128 versions", async function () {
      const { devices, regulator, manufacturer, participants, ids, request } = await devicesFixture();
      const fw = [hre.ethers.id("fw")];
      await expect(
        devices.connect(manufacturer).approveModel(ids.manufacturer, hre.ethers.id("self-approved"), fw),
      ).to.be.revertedWithCustomError(participants, "ParticipantsWrongKind");
      await expect(
        devices.connect(regulator).approveModel(ids.hospital, hre.ethers.id("m"), fw),
      ).to.be.revertedWithCustomError(participants, "ParticipantsWrongKind");
      await expect(
        devices.connect(regulator).approveModel(ids.manufacturer, hre.ethers.ZeroHash, fw),
      ).to.be.revertedWithCustomError(devices, "DevicesEmptyDigest");
      await expect(
        devices.connect(regulator).approveModel(ids.manufacturer, hre.ethers.id("m"), []),
      ).to.be.revertedWithCustomError(devices, "DevicesEmptyDigest");
      await request(hre.ethers.id("m"), [fw[0], hre.ethers.ZeroHash]);
      await expect(
        devices.connect(regulator).approveModel(ids.manufacturer, hre.ethers.id("m"), [fw[0], hre.ethers.ZeroHash]),
      ).to.be.revertedWithCustomError(devices, "DevicesEmptyDigest");
      const many = Array.from({ length: 129 }, (_, i) => hre.ethers.id(`fw ${i}`));
      await request(hre.ethers.id("m"), many);
      await expect(devices.connect(regulator).approveModel(ids.manufacturer, hre.ethers.id("m"), many))
        .to.be.revertedWithCustomError(devices, "DevicesTooManyFirmware")
        .withArgs(2);
      expect(await devices.modelCount()).to.equal(1);
      await expect(devices.getModel(2)).to.be.revertedWithCustomError(devices, "DevicesUnknownModel").withArgs(2);
    });

    it("lets only the model's own regulator approve a patch, up to 128 versions, never for a withdrawn model", async function () {
      const { devices, regulator, otherRegulator, ids, request } = await devicesFixture();
      await expect(devices.connect(regulator).approveFirmware(1, hre.ethers.id("fw 1.2")))
        .to.emit(devices, "FirmwareApproved")
        .withArgs(1, 2, hre.ethers.id("fw 1.2"), ids.regulator);
      await expect(devices.connect(otherRegulator).approveFirmware(1, hre.ethers.id("lenient")))
        .to.be.revertedWithCustomError(devices, "DevicesNotModelRegulator")
        .withArgs(1, ids.regulator2);
      await expect(devices.connect(regulator).approveFirmware(7, hre.ethers.id("x")))
        .to.be.revertedWithCustomError(devices, "DevicesUnknownModel")
        .withArgs(7);
      await expect(devices.connect(regulator).approveFirmware(1, hre.ethers.ZeroHash)).to.be.revertedWithCustomError(
        devices,
        "DevicesEmptyDigest",
      );
      const full = Array.from({ length: 128 }, (_, i) => hre.ethers.id(`fw ${i}`));
      await request(hre.ethers.id("full"), full);
      await devices.connect(regulator).approveModel(ids.manufacturer, hre.ethers.id("full"), full);
      await expect(devices.connect(regulator).approveFirmware(2, hre.ethers.id("one more")))
        .to.be.revertedWithCustomError(devices, "DevicesTooManyFirmware")
        .withArgs(2);
      await devices.connect(otherRegulator).withdrawModel(1, code("unsafe"));
      await expect(devices.connect(regulator).approveFirmware(1, hre.ethers.id("fw 1.3")))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 3);
      expect((await devices.getModel(1)).firmwareCount).to.equal(3);
    });

    it("lets any active regulator withdraw a firmware version or a model, numbering each withdrawal, once per regulator, and nobody else", async function () {
      const { devices, regulator, otherRegulator, manufacturer, participants, ids } = await devicesFixture();
      const WHOLE = await devices.WHOLE_MODEL();
      await expect(devices.connect(manufacturer).withdrawFirmware(1, 0, code("x"))).to.be.revertedWithCustomError(
        participants,
        "ParticipantsWrongKind",
      );
      await expect(devices.connect(otherRegulator).withdrawFirmware(1, 1, code("bad patch")))
        .to.emit(devices, "FirmwareWithdrawn")
        .withArgs(1, 1, ids.regulator2, 1, code("bad patch"));
      expect(await devices.isApproved(1, 1)).to.equal(false);
      expect(await devices.isApproved(1, 0)).to.equal(true);
      expect((await devices.getModel(1)).withdrawnFirmware).to.equal(2n);
      // The same regulator again: refused, nothing changes.
      await expect(devices.connect(otherRegulator).withdrawFirmware(1, 1, code("again")))
        .to.be.revertedWithCustomError(devices, "DevicesWithdrawalStands")
        .withArgs(1, 1, ids.regulator2);
      // A second regulator's recall of the same version is recorded as the next withdrawal.
      await expect(devices.connect(regulator).withdrawFirmware(1, 1, code("again")))
        .to.emit(devices, "FirmwareWithdrawn")
        .withArgs(1, 1, ids.regulator, 2, code("again"));
      const w = await devices.withdrawalOf(1, 1);
      expect([w.withdrawnAt, w.regulatorId, w.serial]).to.deep.equal([BigInt(await time.latest()), ids.regulator, 2n]);
      expect((await devices.getModel(1)).withdrawnFirmware).to.equal(2n);
      await expect(devices.connect(regulator).withdrawFirmware(1, 2, code("never approved")))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 2);
      await expect(devices.connect(regulator).withdrawFirmware(3, 0, code("x")))
        .to.be.revertedWithCustomError(devices, "DevicesUnknownModel")
        .withArgs(3);
      await expect(devices.connect(manufacturer).withdrawModel(1, code("x"))).to.be.revertedWithCustomError(
        participants,
        "ParticipantsWrongKind",
      );
      await expect(devices.connect(regulator).withdrawModel(1, code("recall")))
        .to.emit(devices, "ModelWithdrawn")
        .withArgs(1, ids.regulator, 1, code("recall"));
      expect(await devices.isApproved(1, 0)).to.equal(false);
      await expect(devices.connect(regulator).withdrawModel(1, code("again")))
        .to.be.revertedWithCustomError(devices, "DevicesWithdrawalStands")
        .withArgs(1, WHOLE, ids.regulator);
      await expect(devices.connect(otherRegulator).withdrawModel(1, code("again")))
        .to.emit(devices, "ModelWithdrawn")
        .withArgs(1, ids.regulator2, 2, code("again"));
      expect((await devices.getModel(1)).withdrawnAt).to.equal(await time.latest());
      expect((await devices.withdrawalOf(1, WHOLE)).serial).to.equal(2);
      await expect(devices.connect(regulator).withdrawModel(7, code("x")))
        .to.be.revertedWithCustomError(devices, "DevicesUnknownModel")
        .withArgs(7);
    });
  });

  describe("binding and revoking a personal device", function () {
    it("binds a device by the patient's action and the device's own signature, and lists it by pages", async function () {
      const s = await devicesFixture();
      const { devices, patients } = s;
      const key = deviceKey("cgm");
      const { binding, signature, provisioning } = await s.signBinding(key, patients.a);
      await expect(s.asA("bindDevice", [binding, signature, provisioning]))
        .to.emit(devices, "DeviceBound")
        .withArgs(1, patients.a, key.address, 1, 0, hre.ethers.ZeroHash);
      const d = await devices.deviceOf(key.address);
      // Its first anchor must start after the binding: lastEnd is the binding's time.
      expect([d.deviceId, d.patientId, d.modelId, d.firmware, d.status, d.sequence, d.lastEnd]).to.deep.equal([
        1n,
        patients.a,
        1n,
        0n,
        BigInt(Status.Bound),
        0n,
        BigInt(await time.latest()),
      ]);
      expect(await devices.deviceAddress(1)).to.equal(key.address);
      await expect(devices.deviceAddress(2)).to.be.revertedWithCustomError(devices, "DevicesUnknownDevice").withArgs(2);
      const second = deviceKey("bp cuff");
      const {
        binding: b2,
        signature: sig2,
        provisioning: p2,
      } = await s.signBinding(second, patients.a, { firmware: 1 });
      // A guardian with the act power binds for the patient; the event names its commitment.
      await expect(s.asGuardianOfA("bindDevice", [b2, sig2, p2]))
        .to.emit(devices, "DeviceBound")
        .withArgs(
          2,
          patients.a,
          second.address,
          1,
          1,
          guardianCommitment(patients.a, s.guardian.address, GUARDIAN_SALT),
        );
      expect(await devices.devicesOf(patients.a, 0, 10)).to.deep.equal([[key.address, second.address], 2n]);
      expect(await devices.devicesOf(patients.a, 1, 1)).to.deep.equal([[second.address], 2n]);
      expect(await devices.devicesOf(patients.a, 5, 1)).to.deep.equal([[], 2n]);
      expect(await devices.deviceCount()).to.equal(2);
      expect((await devices.deviceOf(deviceKey("unknown").address)).status).to.equal(Status.None);
    });

    it("refuses a binding sent directly, for another patient, expired, of a used key, an unknown model, an unapproved firmware, or without the device's signature", async function () {
      const s = await devicesFixture();
      const { devices, participants, patients, regulator } = s;
      const key = deviceKey("cgm");
      const good = await s.signBinding(key, patients.a);
      await expect(devices.bindDevice(good.binding, good.signature, good.provisioning))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(s.deployer.address);
      const forB = await s.signBinding(key, patients.b);
      await expect(s.asA("bindDevice", [forB.binding, forB.signature, forB.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesPatientMismatch")
        .withArgs(patients.a, patients.b);
      const late = await s.signBinding(key, patients.a, { deadline: (await time.latest()) - 1 });
      await expect(
        s.asA("bindDevice", [late.binding, late.signature, late.provisioning]),
      ).to.be.revertedWithCustomError(devices, "DevicesSignatureExpired");
      const none = await s.signBinding(key, patients.a, { modelId: 0 });
      await expect(s.asA("bindDevice", [none.binding, none.signature, none.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesUnknownModel")
        .withArgs(0);
      const unknown = await s.signBinding(key, patients.a, { modelId: 4 });
      await expect(s.asA("bindDevice", [unknown.binding, unknown.signature, unknown.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesUnknownModel")
        .withArgs(4);
      const notYet = await s.signBinding(key, patients.a, { firmware: 2 });
      await expect(s.asA("bindDevice", [notYet.binding, notYet.signature, notYet.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 2);
      await devices.connect(regulator).withdrawFirmware(1, 1, code("recalled patch"));
      const withdrawn = await s.signBinding(key, patients.a, { firmware: 1 });
      await expect(s.asA("bindDevice", [withdrawn.binding, withdrawn.signature, withdrawn.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 1);
      // The phone signs for a device it does not hold: the signature is not the device's.
      const forged = await s.signBinding(deviceKey("phone"), patients.a, { device: key.address });
      await expect(s.asA("bindDevice", [forged.binding, forged.signature, forged.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesBadDeviceSignature")
        .withArgs(key.address);
      expect(await devices.deviceCount()).to.equal(0);
      expect((await devices.deviceOf(key.address)).status).to.equal(Status.None);
      await s.asA("bindDevice", [good.binding, good.signature, good.provisioning]);
      await expect(s.asA("bindDevice", [good.binding, good.signature, good.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesKeyUsed")
        .withArgs(key.address, Status.Bound);
      expect(await devices.deviceCount()).to.equal(1);
    });

    it("revokes a lost device at once, by the patient or its guardian; later anchors are refused, earlier ones stand; the key is never bound again", async function () {
      const s = await devicesFixture();
      const { devices, patients } = s;
      const key = deviceKey("cgm");
      await s.bind(key);
      await s.sendAnchor(key, await s.day(key, 1));
      await expect(s.asB("revokeDevice", [key.address]))
        .to.be.revertedWithCustomError(devices, "DevicesNotPatientsDevice")
        .withArgs(key.address, patients.b);
      await expect(s.asGuardianOfA("revokeDevice", [key.address]))
        .to.emit(devices, "DeviceRevoked")
        .withArgs(1, patients.a, guardianCommitment(patients.a, s.guardian.address, GUARDIAN_SALT));
      const d = await devices.deviceOf(key.address);
      expect([d.status, d.sequence]).to.deep.equal([BigInt(Status.Revoked), 1n]);
      await time.increase(DAY);
      await expect(s.sendAnchor(key, await s.day(key, 2)))
        .to.be.revertedWithCustomError(devices, "DevicesNotBound")
        .withArgs(key.address, Status.Revoked);
      await expect(s.asA("revokeDevice", [key.address]))
        .to.be.revertedWithCustomError(devices, "DevicesNotBound")
        .withArgs(key.address, Status.Revoked);
      await expect(s.asA("revokeDevice", [deviceKey("never").address]))
        .to.be.revertedWithCustomError(devices, "DevicesNotBound")
        .withArgs(deviceKey("never").address, Status.None);
      const again = await s.signBinding(key, patients.a);
      await expect(s.asA("bindDevice", [again.binding, again.signature, again.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesKeyUsed")
        .withArgs(key.address, Status.Revoked);
      expect((await devices.queryFilter(devices.filters.ReadingsAnchored(1))).length).to.equal(1);
    });
  });

  describe("anchors of encrypted readings", function () {
    it("anchors a day of readings signed by the device, sent by anyone: the digest, count, period and firmware, never a value", async function () {
      const s = await devicesFixture();
      const { devices, patients } = s;
      const key = deviceKey("cgm");
      await s.bind(key);
      const period = await s.day(key, 1);
      const { anchor, uri, signature } = await s.signAnchor(key, { ...period, count: 288 });
      await expect(devices.connect(s.stranger).anchor(anchor, uri, signature))
        .to.emit(devices, "ReadingsAnchored")
        .withArgs(1, patients.a, 1, period.from, period.to, 288, 0, anchor.batchDigest, uri)
        .and.not.to.emit(devices, "MonitoringNotice");
      const d = await devices.deviceOf(key.address);
      expect([d.sequence, d.lastEnd]).to.deep.equal([1n, BigInt(period.to)]);
      // A patched device (firmware 1, approved) anchors on it from then on.
      await time.increase(DAY);
      await s.sendAnchor(key, { ...(await s.day(key, 2)), firmware: 1 });
      expect((await devices.deviceOf(key.address)).firmware).to.equal(1);
    });

    it("refuses an unbound device, a replayed or skipped sequence, an overlapping, inverted or future period, an empty anchor, a rollback, a withdrawn firmware or model, and a signature that is not the device's, changing nothing", async function () {
      const s = await devicesFixture();
      const { devices, regulator } = s;
      const key = deviceKey("cgm");
      await expect(s.sendAnchor(key, await s.day(key, 1)))
        .to.be.revertedWithCustomError(devices, "DevicesNotBound")
        .withArgs(key.address, Status.None);
      await s.bind(key);
      const first = await s.day(key, 1);
      await s.sendAnchor(key, { ...first, firmware: 1 });
      await time.increase(DAY);
      const next = await s.day(key, 2);
      await expect(s.sendAnchor(key, { ...first, firmware: 1 }))
        .to.be.revertedWithCustomError(devices, "DevicesAnchorOutOfOrder")
        .withArgs(key.address, 1, 2);
      await expect(s.sendAnchor(key, { ...next, sequence: 3, firmware: 1 }))
        .to.be.revertedWithCustomError(devices, "DevicesAnchorOutOfOrder")
        .withArgs(key.address, 3, 2);
      for (const [from, to] of [
        [first.to, next.to], // starts where the last one ended: overlaps it by a second
        [next.to, next.from], // ends before it starts
        [next.from, next.to + 60], // ends in the future
      ]) {
        await expect(s.sendAnchor(key, { sequence: 2, from, to, firmware: 1 }))
          .to.be.revertedWithCustomError(devices, "DevicesInvalidPeriod")
          .withArgs(key.address, from, to, first.to);
      }
      await expect(s.sendAnchor(key, { ...next, count: 0, firmware: 1 }))
        .to.be.revertedWithCustomError(devices, "DevicesEmptyAnchor")
        .withArgs(key.address);
      await expect(s.sendAnchor(key, { ...next, batchDigest: hre.ethers.ZeroHash, firmware: 1 }))
        .to.be.revertedWithCustomError(devices, "DevicesEmptyAnchor")
        .withArgs(key.address);
      const noUri = await s.signAnchor(key, { ...next, firmware: 1 }, "");
      await expect(devices.anchor(noUri.anchor, noUri.uri, noUri.signature))
        .to.be.revertedWithCustomError(devices, "DevicesEmptyAnchor")
        .withArgs(key.address);
      await expect(s.sendAnchor(key, { ...next, firmware: 0 }))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareRollback")
        .withArgs(key.address, 0, 1);
      await expect(s.sendAnchor(key, { ...next, firmware: 2 }))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 2);
      // A relayer pointing the batch elsewhere breaks the device's signature.
      const signed = await s.signAnchor(key, { ...next, firmware: 1 });
      await expect(devices.anchor(signed.anchor, "ipfs://elsewhere", signed.signature))
        .to.be.revertedWithCustomError(devices, "DevicesBadDeviceSignature")
        .withArgs(key.address);
      await expect(devices.anchor({ ...signed.anchor, count: 1 }, signed.uri, signed.signature))
        .to.be.revertedWithCustomError(devices, "DevicesBadDeviceSignature")
        .withArgs(key.address);
      await devices.connect(regulator).withdrawFirmware(1, 1, code("recalled patch"));
      await expect(devices.anchor(signed.anchor, signed.uri, signed.signature))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 1);
      expect((await devices.deviceOf(key.address)).sequence).to.equal(1);
      await devices.connect(regulator).approveFirmware(1, hre.ethers.id("fw 1.2"));
      await s.sendAnchor(key, { ...next, firmware: 2 });
      await devices.connect(regulator).withdrawModel(1, code("model recalled"));
      await time.increase(DAY);
      await expect(s.sendAnchor(key, { ...(await s.day(key, 3)), firmware: 2 }))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 2);
      const d = await devices.deviceOf(key.address);
      expect([d.sequence, d.firmware]).to.deep.equal([2n, 2n]);
    });
  });

  describe("the patient's own stream", function () {
    it("writes the patient's own records, from itself or its bound device, each saying its source; no hospital's list holds them", async function () {
      const s = await devicesFixture();
      const { devices, records, patients } = s;
      const key = deviceKey("cgm");
      await s.bind(key);
      const diary = await s.ownRecord(patients.a, "diary", 1);
      await expect(s.asA("writeOwnRecord", [diary, 0, 0, NO_SIG]))
        .to.emit(records, "RecordRegistered")
        .withArgs(1, patients.a, 0, 1, diary.issuedAt, diary.digest, diary.uri, 0)
        .and.to.emit(records, "RecordSourced")
        .withArgs(1, patients.a, Source.Patient, 0);
      const report = await s.ownRecord(patients.a, "monthly report");
      // The device's record is its word: the phone cannot write one in the device's name without it.
      await expect(s.asA("writeOwnRecord", [report, 1, 0, NO_SIG]))
        .to.be.revertedWithCustomError(devices, "DevicesBadDeviceSignature")
        .withArgs(key.address);
      await expect(s.asA("writeOwnRecord", [report, 1, 0, await s.signRecord(deviceKey("phone"), report)]))
        .to.be.revertedWithCustomError(devices, "DevicesBadDeviceSignature")
        .withArgs(key.address);
      await expect(s.asGuardianOfA("writeOwnRecord", [report, 1, 0, await s.signRecord(key, report)]))
        .to.emit(records, "RecordSourced")
        .withArgs(2, patients.a, Source.Device, 1);
      expect(await records.sourceOf(1)).to.deep.equal([BigInt(Source.Patient), 0n]);
      expect(await records.sourceOf(2)).to.deep.equal([BigInt(Source.Device), 1n]);
      expect((await records.getRecord(2)).issuer).to.equal(0);
      expect(await records.recordsOfPatient(patients.a, 0, 10)).to.deep.equal([[1n, 2n], 2n]);
      expect(await records.recordsOfIssuer(0, 0, 10)).to.deep.equal([[], 0n]);
      // Read under consent like any other: the patient, and the hospital its treatment grant names, may.
      expect(await records.canRead(s.patientA.address, 2, 0)).to.equal(true);
      expect(await records.canRead(s.hospital.address, 2, 0)).to.equal(true);
      expect(await records.canRead(s.emergencyHospital.address, 2, 0)).to.equal(false);
      // Nobody amends it: no hospital issued it.
      await expect(records.connect(s.hospital).amend(2, hre.ethers.id("amended"), diary.issuedAt, "ipfs://amended"))
        .to.be.revertedWithCustomError(records, "RecordsNotIssuer")
        .withArgs(2, 0, s.ids.hospital);
    });

    it("refuses a write for another patient, from an unknown, revoked or another patient's device, or that the registry refuses", async function () {
      const s = await devicesFixture();
      const { devices, records, patients } = s;
      const mine = deviceKey("cgm");
      const theirs = deviceKey("their cgm");
      await s.bind(mine);
      await s.bind(theirs, "b");
      await expect(s.asA("writeOwnRecord", [await s.ownRecord(patients.b, "for b"), 0, 0, NO_SIG]))
        .to.be.revertedWithCustomError(devices, "DevicesRecordPatientMismatch")
        .withArgs(patients.a, patients.b);
      await expect(s.asA("writeOwnRecord", [await s.ownRecord(patients.a, "x"), 9, 0, NO_SIG]))
        .to.be.revertedWithCustomError(devices, "DevicesUnknownDevice")
        .withArgs(9);
      await expect(s.asA("writeOwnRecord", [await s.ownRecord(patients.a, "x"), 2, 0, NO_SIG]))
        .to.be.revertedWithCustomError(devices, "DevicesNotPatientsDevice")
        .withArgs(theirs.address, patients.a);
      await expect(s.asA("writeOwnRecord", [await s.ownRecord(patients.a, "x", 99), 0, 0, NO_SIG]))
        .to.be.revertedWithCustomError(records, "RecordsUnknownRecordType")
        .withArgs(0, 99);
      await s.asA("revokeDevice", [mine.address]);
      await expect(s.asA("writeOwnRecord", [await s.ownRecord(patients.a, "x"), 1, 0, NO_SIG]))
        .to.be.revertedWithCustomError(devices, "DevicesNotBound")
        .withArgs(mine.address, Status.Revoked);
      await expect(
        records.registerSourced(await s.ownRecord(patients.a, "direct"), Source.Patient, 0),
      ).to.be.revertedWithCustomError(records, "RecordsNotPatientStreams");
      expect(await records.recordCount()).to.equal(0);
    });

    it("lets a writer the patient named write into its stream until removed; the record names the writer", async function () {
      const s = await devicesFixture();
      const { devices, records, participants, patients, ids } = s;
      const clinic = s.pharmacy; // any active institution the patient trusts: here its pharmacy's app
      await expect(devices.connect(clinic).writeRecord(await s.ownRecord(patients.a, "unnamed")))
        .to.be.revertedWithCustomError(devices, "DevicesWriterNotNamed")
        .withArgs(patients.a, ids.pharmacy);
      await expect(s.asA("setWriter", [ids.pharmacy, true]))
        .to.emit(devices, "WriterSet")
        .withArgs(patients.a, ids.pharmacy, true, hre.ethers.ZeroHash);
      expect(await devices.isWriter(patients.a, ids.pharmacy)).to.equal(true);
      await expect(s.asA("setWriter", [ids.pharmacy, true]))
        .to.be.revertedWithCustomError(devices, "DevicesWriterUnchanged")
        .withArgs(patients.a, ids.pharmacy, true);
      const record = await s.ownRecord(patients.a, "blood pressure log");
      await expect(devices.connect(clinic).writeRecord(record))
        .to.emit(records, "RecordSourced")
        .withArgs(1, patients.a, Source.Writer, ids.pharmacy);
      // Named by A, not by B.
      await expect(devices.connect(clinic).writeRecord(await s.ownRecord(patients.b, "for b")))
        .to.be.revertedWithCustomError(devices, "DevicesWriterNotNamed")
        .withArgs(patients.b, ids.pharmacy);
      await expect(s.asGuardianOfA("setWriter", [ids.pharmacy, false]))
        .to.emit(devices, "WriterSet")
        .withArgs(patients.a, ids.pharmacy, false, guardianCommitment(patients.a, s.guardian.address, GUARDIAN_SALT));
      await expect(devices.connect(clinic).writeRecord(await s.ownRecord(patients.a, "after removal")))
        .to.be.revertedWithCustomError(devices, "DevicesWriterNotNamed")
        .withArgs(patients.a, ids.pharmacy);
      await expect(s.asA("setWriter", [ids.pharmacy, false]))
        .to.be.revertedWithCustomError(devices, "DevicesWriterUnchanged")
        .withArgs(patients.a, ids.pharmacy, false);
      // Only an active institution can be named.
      await expect(s.asA("setWriter", [99, true])).to.be.revertedWithCustomError(
        participants,
        "ParticipantsUnknownInstitution",
      );
      expect(await records.recordCount()).to.equal(1);
    });
  });

  describe("remote monitoring", function () {
    it("lets a hospital with a treatment basis follow a patient's devices and be told of each anchor, until it, the patient or anyone after a lapse ends it", async function () {
      const s = await devicesFixture();
      const { devices, consent, patients, ids } = s;
      const key = deviceKey("cgm");
      await s.bind(key);
      await expect(devices.connect(s.hospital).follow(patients.a))
        .to.emit(devices, "Followed")
        .withArgs(patients.a, ids.hospital);
      expect(await devices.followersOf(patients.a)).to.deep.equal([ids.hospital]);
      await expect(s.sendAnchor(key, await s.day(key, 1)))
        .to.emit(devices, "MonitoringNotice")
        .withArgs(patients.a, ids.hospital, 1, 1);
      await expect(devices.connect(s.hospital).unfollow(patients.a))
        .to.emit(devices, "Unfollowed")
        .withArgs(patients.a, ids.hospital, 0);
      await expect(devices.connect(s.hospital).unfollow(patients.a))
        .to.be.revertedWithCustomError(devices, "DevicesNotFollowing")
        .withArgs(patients.a, ids.hospital);
      await devices.connect(s.hospital).follow(patients.a);
      await expect(s.asA("dropFollower", [ids.hospital]))
        .to.emit(devices, "Unfollowed")
        .withArgs(patients.a, ids.hospital, 1);
      await devices.connect(s.hospital).follow(patients.a);
      await expect(devices.connect(s.stranger).dropLapsedFollower(patients.a, ids.hospital))
        .to.be.revertedWithCustomError(devices, "DevicesFollowerStillConsented")
        .withArgs(patients.a, ids.hospital);
      const grantId = await consent.grantIdOf(patients.a, ids.hospital, 0, 1, DEVICE_READINGS);
      await asPatient(s.participants, s.patientA, patients.a, consent, "revoke", [grantId]);
      await expect(devices.connect(s.stranger).dropLapsedFollower(patients.a, ids.hospital))
        .to.emit(devices, "Unfollowed")
        .withArgs(patients.a, ids.hospital, 2);
      expect(await devices.followersOf(patients.a)).to.deep.equal([]);
      await time.increase(DAY);
      await expect(s.sendAnchor(key, await s.day(key, 2))).not.to.emit(devices, "MonitoringNotice");
      await expect(devices.connect(s.hospital).follow(patients.a))
        .to.be.revertedWithCustomError(devices, "DevicesNoTreatmentConsent")
        .withArgs(patients.a, ids.hospital);
    });

    it("refuses a hospital without a basis, a second follow, a fifth follower, and a pharmacy", async function () {
      const s = await devicesFixture();
      const { devices, consent, participants, patients, ids } = s;
      await expect(devices.connect(s.emergencyHospital).follow(patients.a))
        .to.be.revertedWithCustomError(devices, "DevicesNoTreatmentConsent")
        .withArgs(patients.a, ids.second);
      await expect(devices.connect(s.pharmacy).follow(patients.a)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsWrongKind",
      );
      await devices.connect(s.hospital).follow(patients.a);
      await expect(devices.connect(s.hospital).follow(patients.a))
        .to.be.revertedWithCustomError(devices, "DevicesAlreadyFollowing")
        .withArgs(patients.a, ids.hospital);
      // Break-glass access is a treatment basis too: four more hospitals open one; the fifth follower is refused.
      const more = s.signers.slice(25, 28); // three unnamed local accounts
      more.push(s.signers[29]);
      const moreIds = await onboard(
        participants,
        s.registrar,
        ...more.map((account, i) => ({ account, kind: "hospital" as const, name: `ER ${i}` })),
      );
      for (const h of [s.emergencyHospital, ...more]) await consent.connect(h).openEmergency(patients.a, code("er"));
      for (const h of [s.emergencyHospital, ...more.slice(0, 2)]) await devices.connect(h).follow(patients.a);
      await expect(devices.connect(more[2]).follow(patients.a))
        .to.be.revertedWithCustomError(devices, "DevicesTooManyFollowers")
        .withArgs(patients.a);
      expect(await devices.followersOf(patients.a)).to.deep.equal([ids.hospital, ids.second, moreIds[0], moreIds[1]]);
      // A slot freed is reused.
      await devices.connect(s.emergencyHospital).unfollow(patients.a);
      await devices.connect(more[2]).follow(patients.a);
      expect(await devices.followersOf(patients.a)).to.deep.equal([ids.hospital, moreIds[2], moreIds[0], moreIds[1]]);
    });
  });
});

describe("DeviceRegistry: what devices and the record registry take from each other", function () {
  it("signs with the EIP-712 types and domain the SDK uses", async function () {
    const { devices } = await devicesFixture();
    const hash = (types: Record<string, readonly { name: string; type: string }[]>) => {
      const [name] = Object.keys(types);
      return hre.ethers.id(
        hre.ethers.TypedDataEncoder.from(types as Record<string, { name: string; type: string }[]>).encodeType(name),
      );
    };
    expect(await devices.BINDING_TYPEHASH()).to.equal(hash(DEVICE_BINDING_TYPES));
    expect(await devices.PROVISIONING_TYPEHASH()).to.equal(hash(DEVICE_PROVISIONING_TYPES));
    expect(await devices.RECORD_TYPEHASH()).to.equal(hash(DEVICE_RECORD_TYPES));
    expect(await devices.ANCHOR_TYPEHASH()).to.equal(hash(READING_ANCHOR_TYPES));
    expect(await devices.domainSeparator()).to.equal(
      hre.ethers.TypedDataEncoder.hashDomain(devicesDomain(31337n, await devices.getAddress())),
    );
    expect(await devices.DEVICE_READINGS()).to.equal(DEVICE_READINGS);
    expect(await devices.MAX_FOLLOWERS()).to.equal(4);
  });

  it("the record registry refuses, from the device registry itself, a source that says hospital, and any write while paused", async function () {
    const s = await devicesFixture();
    const { devices, records, patients } = s;
    const at = await devices.getAddress();
    await hre.network.provider.send("hardhat_impersonateAccount", [at]);
    await hre.network.provider.send("hardhat_setBalance", [at, "0xde0b6b3a7640000"]);
    const asDevices = await hre.ethers.getSigner(at);
    const record = await s.ownRecord(patients.a, "as the device registry");
    await expect(records.connect(asDevices).registerSourced(record, Source.Hospital, 1))
      .to.be.revertedWithCustomError(records, "RecordsInvalidSource")
      .withArgs(Source.Hospital);
    await records.connect(s.deployer).pause(); // the guardian role (the deployer, on localhost)
    await expect(records.connect(asDevices).registerSourced(record, Source.Patient, 0)).to.be.revertedWithCustomError(
      records,
      "RecordsPaused",
    );
    await expect(s.asA("writeOwnRecord", [record, 0, 0, NO_SIG])).to.be.revertedWithCustomError(
      records,
      "RecordsPaused",
    );
    await hre.network.provider.send("hardhat_stopImpersonatingAccount", [at]);
    expect(await records.recordCount()).to.equal(0);
  });

  it("refuses to follow, or drop a lapsed follower, when governance took the registry's read policy away", async function () {
    const s = await devicesFixture();
    const { devices, records, manager, deployer, patients, ids } = s;
    await devices.connect(s.hospital).follow(patients.a);
    const none = records.interface.encodeFunctionData("setReadPolicy", [hre.ethers.ZeroAddress]);
    await governorCall(manager, deployer, records, none);
    await expect(devices.connect(s.hospital).follow(patients.b)).to.be.revertedWithCustomError(
      devices,
      "DevicesNoReadPolicy",
    );
    await expect(devices.dropLapsedFollower(patients.a, ids.hospital)).to.be.revertedWithCustomError(
      devices,
      "DevicesNoReadPolicy",
    );
    expect(await devices.followersOf(patients.a)).to.deep.equal([ids.hospital]);
  });

  it("names the device registry once, never zero (a registry whose streams are not named yet, as at deployment)", async function () {
    const s = await devicesFixture();
    const { records, manager, deployer } = s;
    // The registry's ERC-7201 slot 6 holds patientStreams: cleared, as before the Devices module named it.
    const base = 0x74801998a812fc8e82d602af62ee7de6ada5bd2ae34568c01b8887ef25cc2300n;
    const slot = hre.ethers.toBeHex(base + 6n, 32);
    await hre.network.provider.send("hardhat_setStorageAt", [await records.getAddress(), slot, hre.ethers.ZeroHash]);
    expect(await records.patientStreams()).to.equal(hre.ethers.ZeroAddress);
    const zero = records.interface.encodeFunctionData("setPatientStreams", [hre.ethers.ZeroAddress]);
    await expect(governorCall(manager, deployer, records, zero))
      .to.be.revertedWithCustomError(records, "RecordsNotPatientStreams")
      .withArgs(hre.ethers.ZeroAddress);
    const named = records.interface.encodeFunctionData("setPatientStreams", [await s.devices.getAddress()]);
    await expect(governorCall(manager, deployer, records, named))
      .to.emit(records, "PatientStreamsSet")
      .withArgs(await s.devices.getAddress());
  });
});
