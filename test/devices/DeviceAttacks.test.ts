import { expect } from "chai";

import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { PURPOSES, RECORD_TYPES, ROLES } from "../../config/roles";
import { DeviceRegistry__factory } from "../../typechain-types";
import { KRW, escrowFixture } from "../helpers/claims";
import { DAY, DEVICE_READINGS, NO_SIG, code, deviceKey, devicesFixture } from "../helpers/devices";
import { governorCall } from "../helpers/governance";
import { openRequestFixture } from "../helpers/market";
import { asPatient } from "../helpers/patients";
import { isolatedCliFolders } from "../helpers/tasks";

/**
 * Issue 20's rules, each from the side of the participant who gains by breaking it, against the deployment users
 * get: a patient (or a writer it named) inventing care to be paid for it, or selling its own notes as a hospital's
 * results; a stranger, a rival or a thief using a device that is not theirs; a hospital following a patient's
 * devices without consent or after it lapsed; the deployer's key re-pointing who writes patients' streams.
 */
describe("Patient-generated data: the attackers' side", function () {
  describe("a patient or its writer inventing care", function () {
    it("the escrow refuses a record the patient, its device or its writer wrote, alone or beside a hospital's, whoever files", async function () {
      const s = await escrowFixture();
      const { claims, devices, participants, patientA, hospital, ids } = s;
      const record = await s.record(ids.patientA, RECORD_TYPES["lab-result"]);
      await asPatient(participants, patientA, ids.patientA, devices, "writeOwnRecord", [record, 0, 0, NO_SIG]);
      const own = await s.records.recordCount();
      // The hospital, named as a writer, writes into the stream too: still not care it documented.
      await asPatient(participants, patientA, ids.patientA, devices, "setWriter", [ids.hospital, true]);
      await devices.connect(hospital).writeRecord(await s.record(ids.patientA, RECORD_TYPES.imaging));
      const written = await s.records.recordCount();
      for (const recordIds of [[own], [written], [1n, own]]) {
        const bill = await s.bill({ recordIds, amount: KRW(500) });
        const refused = recordIds.length === 1 ? recordIds[0] : own;
        await expect(s.fileBoth(bill))
          .to.be.revertedWithCustomError(claims, "ClaimsRecordNotClinical")
          .withArgs(refused);
        if (recordIds.length === 1) {
          // Either party attesting alone is refused at once: the bill's first record is no treatment.
          await expect(s.hospitalFiles(bill))
            .to.be.revertedWithCustomError(claims, "ClaimsRecordNotClinical")
            .withArgs(refused);
          await expect(s.patientFiles(bill)).to.be.revertedWithCustomError(claims, "ClaimsRecordNotClinical");
        } else {
          // Beside a hospital's record, the hospital's attestation may wait; the claim is never filed.
          await s.hospitalFiles(bill);
          await expect(s.patientFiles(bill))
            .to.be.revertedWithCustomError(claims, "ClaimsRecordNotClinical")
            .withArgs(refused);
        }
      }
      expect(await claims.claimOfRecord(own)).to.equal(0);
      // Nor can the hospital invoice what it wrote as the patient's writer: it is not a record it issued.
      await expect(
        s.payments.connect(hospital).issue({
          patientId: ids.patientA,
          token: await s.token.getAddress(),
          amount: KRW(100),
          dueAt: (await time.latest()) + 30 * DAY,
          billDigest: hre.ethers.id("invoice"),
          kind: 0,
          careRef: hre.ethers.toBeHex(written, 32),
        }),
      )
        .to.be.revertedWithCustomError(s.payments, "PaymentsNotIssuersRecord")
        .withArgs(written, ids.patientA, ids.hospital);
      expect(await s.payments.invoiceCount()).to.equal(0);
      // Its own records still are care: the same bill with the hospital's record alone is paid.
      await s.fileBoth(await s.bill({ recordIds: [1], amount: KRW(500) }));
      expect((await claims.getClaim(1)).status).to.equal(2);
    });
  });

  describe("a patient selling its own notes as a hospital's results", function () {
    let folders: ReturnType<typeof isolatedCliFolders>;
    before(() => (folders = isolatedCliFolders({ shared: true })));
    after(() => folders.restore());

    it("a request buys a hospital's records only unless it names the patient-generated sources it accepts", async function () {
      const s = await openRequestFixture(folders.dir);
      const { market, participants, records, patientA, patientId, input, deployment } = s;
      const devices = DeviceRegistry__factory.connect(deployment.DeviceRegistry, patientA);
      const now = await time.latest();
      const selfReported = {
        patientId,
        digest: hre.ethers.id("my own glucose lab result"),
        recordType: RECORD_TYPES["lab-result"],
        issuedAt: now,
        uri: "ipfs://self-reported",
      };
      await asPatient(participants, patientA, patientId, devices, "writeOwnRecord", [selfReported, 0, 0, NO_SIG]);
      const own = await records.recordCount();
      await s.asA("optIn", [1]);
      await expect(s.asA("contribute", [1, hre.ethers.id("c"), "ipfs://c", [own]]))
        .to.be.revertedWithCustomError(market, "MarketSourceNotEligible")
        .withArgs(own);
      expect((await market.getRequest(1)).delivered).to.equal(0);
      // A request that names patients' own records (sources 1 | 2: hospital and patient) takes it, knowingly.
      await expect(market.openRequest({ ...input, sources: 0 }))
        .to.be.revertedWithCustomError(market, "MarketInvalidRequest")
        .withArgs(hre.ethers.encodeBytes32String("sources"));
      await expect(market.openRequest({ ...input, sources: 16 }))
        .to.be.revertedWithCustomError(market, "MarketInvalidRequest")
        .withArgs(hre.ethers.encodeBytes32String("sources"));
      await market.openRequest({ ...input, sources: 3 });
      await s.asA("optIn", [2]);
      await expect(s.asA("contribute", [2, hre.ethers.id("c"), "ipfs://c", [own]])).to.emit(
        market,
        "ContributionDelivered",
      );
      // A device's records need the device bit: the patient-only request (sources 2) refuses a hospital's record.
      await market.openRequest({ ...input, sources: 2 });
      await s.asA("optIn", [3]);
      await expect(s.asA("contribute", [3, hre.ethers.id("c"), "ipfs://c", [1]]))
        .to.be.revertedWithCustomError(market, "MarketSourceNotEligible")
        .withArgs(1);
    });
  });

  describe("a device that is not theirs", function () {
    it("a stranger cannot bind its device to a patient, nor a relayer bind a device the patient did not ask for", async function () {
      const s = await devicesFixture();
      const { devices, participants, patients } = s;
      const spy = deviceKey("spy");
      const { binding, signature, provisioning } = await s.signBinding(spy, patients.a);
      // The stranger acting as patient A at the gateway is not patient A.
      await expect(
        participants
          .connect(s.stranger)
          .execute(
            patients.a,
            hre.ethers.ZeroHash,
            await devices.getAddress(),
            devices.interface.encodeFunctionData("bindDevice", [binding, signature, provisioning]),
          ),
      ).to.be.revertedWithCustomError(participants, "PatientsNotPatient");
      // Patient B binding a device signed for A, or A binding one the device signed for B: refused.
      await expect(s.asB("bindDevice", [binding, signature, provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesPatientMismatch")
        .withArgs(patients.b, patients.a);
      expect((await devices.deviceOf(spy.address)).status).to.equal(0);
    });

    it("a rival's device bound to its own patient cannot anchor into, or be named in, another patient's stream", async function () {
      const s = await devicesFixture();
      const { devices, patients } = s;
      const rival = deviceKey("rival cgm");
      await s.bind(rival, "b");
      await devices.connect(s.hospital).follow(patients.a);
      // Its anchors are its patient's: patient A's follower hears nothing of them.
      await expect(s.sendAnchor(rival, await s.day(rival, 1)))
        .to.emit(devices, "ReadingsAnchored")
        .withArgs(
          1,
          patients.b,
          1,
          (v: bigint) => v > 0n,
          (v: bigint) => v > 0n,
          96,
          0,
          (v: string) => v.length === 66,
          "ipfs://batch-1",
        )
        .and.not.to.emit(devices, "MonitoringNotice");
      await expect(s.asA("writeOwnRecord", [await s.ownRecord(patients.a, "rival data"), 1, 0, NO_SIG]))
        .to.be.revertedWithCustomError(devices, "DevicesNotPatientsDevice")
        .withArgs(rival.address, patients.a);
      await expect(s.asA("revokeDevice", [rival.address]))
        .to.be.revertedWithCustomError(devices, "DevicesNotPatientsDevice")
        .withArgs(rival.address, patients.a);
      expect((await devices.deviceOf(rival.address)).status).to.equal(1);
    });

    it("a thief with a stolen device writes nothing after the patient revokes it, and cannot rebind it to itself", async function () {
      const s = await devicesFixture();
      const { devices, patients } = s;
      const stolen = deviceKey("stolen cgm");
      await s.bind(stolen);
      await s.asA("revokeDevice", [stolen.address]);
      // The thief holds the device (its key): it signs an anchor and a binding to the thief's own patient id.
      await expect(s.sendAnchor(stolen, await s.day(stolen, 1), s.stranger))
        .to.be.revertedWithCustomError(devices, "DevicesNotBound")
        .withArgs(stolen.address, 2);
      const rebind = await s.signBinding(stolen, patients.b);
      await expect(s.asB("bindDevice", [rebind.binding, rebind.signature, rebind.provisioning]))
        .to.be.revertedWithCustomError(devices, "DevicesKeyUsed")
        .withArgs(stolen.address, 2);
    });

    it("a recalled patch stops the data it would feed, and the device cannot claim an older version to get round it", async function () {
      const s = await devicesFixture();
      const { devices, regulator } = s;
      const key = deviceKey("patched cgm");
      await s.bind(key);
      await s.sendAnchor(key, { ...(await s.day(key, 1)), firmware: 1 });
      await devices.connect(regulator).withdrawFirmware(1, 1, code("unsafe patch"));
      await time.increase(DAY);
      const next = await s.day(key, 2);
      await expect(s.sendAnchor(key, { ...next, firmware: 1 }))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 1);
      await expect(s.sendAnchor(key, { ...next, firmware: 0 }))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareRollback")
        .withArgs(key.address, 0, 1);
      // A new approved patch lets it anchor again.
      await devices.connect(regulator).approveFirmware(1, hre.ethers.id("fw 1.2"));
      await s.sendAnchor(key, { ...next, firmware: 2 });
      expect((await devices.deviceOf(key.address)).sequence).to.equal(2);
    });
  });

  describe("a hospital following without consent", function () {
    it("no basis, no following; once the grant expires, anyone drops the hospital that stayed silent", async function () {
      const s = await devicesFixture();
      const { devices, consent, participants, patients, ids } = s;
      await expect(devices.connect(s.emergencyHospital).follow(patients.a))
        .to.be.revertedWithCustomError(devices, "DevicesNoTreatmentConsent")
        .withArgs(patients.a, ids.second);
      // A grant for another purpose (research) or another record type is no basis.
      await asPatient(participants, s.patientA, patients.a, consent, "grant", [
        {
          patientId: patients.a,
          grantee: s.emergencyHospital.address,
          purpose: PURPOSES.research,
          scopeKind: 0,
          scope: [],
          expiresAt: s.far,
        },
      ]);
      await asPatient(participants, s.patientA, patients.a, consent, "grant", [
        {
          patientId: patients.a,
          grantee: s.emergencyHospital.address,
          purpose: PURPOSES.treatment,
          scopeKind: 1,
          scope: [RECORD_TYPES.imaging],
          expiresAt: s.far,
        },
      ]);
      await expect(devices.connect(s.emergencyHospital).follow(patients.a)).to.be.revertedWithCustomError(
        devices,
        "DevicesNoTreatmentConsent",
      );
      // A short treatment grant over the device readings: it follows, then the grant ends and it says nothing.
      await asPatient(participants, s.patientA, patients.a, consent, "grant", [
        {
          patientId: patients.a,
          grantee: s.emergencyHospital.address,
          purpose: PURPOSES.treatment,
          scopeKind: 1,
          scope: [DEVICE_READINGS],
          expiresAt: (await time.latest()) + DAY,
        },
      ]);
      await devices.connect(s.emergencyHospital).follow(patients.a);
      await time.increase(2 * DAY);
      await expect(devices.connect(s.stranger).dropLapsedFollower(patients.a, ids.second))
        .to.emit(devices, "Unfollowed")
        .withArgs(patients.a, ids.second, 2);
      const key = deviceKey("cgm");
      await s.bind(key);
      await expect(s.sendAnchor(key, await s.day(key, 1))).not.to.emit(devices, "MonitoringNotice");
    });

    it("a suspended hospital's following lapses (anyone drops it); a suspended writer writes nothing", async function () {
      const s = await devicesFixture();
      const { devices, participants, patients, ids } = s;
      await devices.connect(s.hospital).follow(patients.a);
      await s.asA("setWriter", [ids.second, true]);
      await participants.connect(s.registrar).suspend(ids.hospital, code("review"));
      await participants.connect(s.registrar).suspend(ids.second, code("review"));
      await expect(devices.connect(s.stranger).dropLapsedFollower(patients.a, ids.hospital))
        .to.emit(devices, "Unfollowed")
        .withArgs(patients.a, ids.hospital, 2);
      await expect(
        devices.connect(s.emergencyHospital).writeRecord(await s.ownRecord(patients.a, "while suspended")),
      ).to.be.revertedWithCustomError(participants, "ParticipantsNotActive");
      expect(await s.records.recordCount()).to.equal(0);
    });
  });

  describe("the deployer's or governance's key", function () {
    it("cannot re-point who writes patients' streams: named once at deployment; the deploying key, no longer admin, is refused at once, and even the governor through its delay", async function () {
      const s = await devicesFixture();
      const { records, manager, devices, deployer } = s;
      expect(await records.patientStreams()).to.equal(await devices.getAddress());
      // On localhost the deploying key is also the governor (deploy/parameters/localhost.json): it has no admin role
      // left, so its direct call is refused, and its governor's call waits the delay and still fails.
      const [isAdmin] = await manager.hasRole(ROLES.ADMIN, deployer.address);
      expect(isAdmin).to.equal(false);
      await expect(records.connect(deployer).setPatientStreams(deployer.address)).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotScheduled",
      );
      const data = records.interface.encodeFunctionData("setPatientStreams", [s.stranger.address]);
      await expect(governorCall(manager, deployer, records, data))
        .to.be.revertedWithCustomError(records, "RecordsPatientStreamsAlreadySet")
        .withArgs(await devices.getAddress());
      expect(await records.patientStreams()).to.equal(await devices.getAddress());
      await expect(records.connect(s.stranger).registerSourced(await s.ownRecord(s.patients.a, "forged"), 1, 0))
        .to.be.revertedWithCustomError(records, "RecordsNotPatientStreams")
        .withArgs(s.stranger.address);
    });
  });
});
