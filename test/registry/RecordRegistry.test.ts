import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import { MockReadPolicy__factory, type RecordRegistry } from "../../typechain-types";
import { onboardedFixture } from "../helpers/fixtures";
import { governorCall } from "../helpers/governance";
import { registerPatients } from "../helpers/patients";

const Status = { None: 0, Active: 1, Suspended: 2 } as const;
const Kind = { Hospital: 1, Pharmacy: 2 } as const;
/** The kinds a record write takes, as a bit set: hospitals only. */
const HOSPITALS = 1n << BigInt(Kind.Hospital);
const digestOf = (text: string) => hre.ethers.sha256(hre.ethers.toUtf8Bytes(text));
const uriOf = (text: string) => `ipfs://bafkrei${hre.ethers.id(text).slice(2, 54)}`;

describe("RecordRegistry", function () {
  async function recordsFixture() {
    const suite = await onboardedFixture();
    const now = await time.latest();
    const input = (
      text: string,
      patientId: bigint = suite.ids.patientA,
      type: number = RECORD_TYPES["lab-result"],
    ) => ({
      patientId,
      digest: digestOf(text),
      recordType: type,
      issuedAt: now - 3600,
      uri: uriOf(text),
    });
    return { ...suite, input, asHospital: suite.records.connect(suite.hospital) };
  }

  async function withRecordFixture() {
    const suite = await recordsFixture();
    await suite.asHospital.register(suite.input("blood panel"));
    return suite;
  }

  async function snapshot(records: RecordRegistry, patientId: bigint, issuer: bigint) {
    return {
      count: await records.recordCount(),
      patient: await records.recordsOfPatient(patientId, 0, 100),
      issuer: await records.recordsOfIssuer(issuer, 0, 100),
    };
  }

  describe("registration", function () {
    it("lets an active hospital register a record: digest and pointer only, the patient's and the issuer's lists", async function () {
      const { records, asHospital, input, ids } = await loadFixture(recordsFixture);
      const r = input("blood panel");
      await expect(asHospital.register(r))
        .to.emit(records, "RecordRegistered")
        .withArgs(1, ids.patientA, ids.hospital, r.recordType, r.issuedAt, r.digest, r.uri, 0);
      const record = await records.getRecord(1);
      expect(record.patientId).to.equal(ids.patientA);
      expect(record.issuer).to.equal(BigInt(ids.hospital));
      expect(record.recordType).to.equal(BigInt(r.recordType));
      expect(record.issuedAt).to.equal(BigInt(r.issuedAt));
      expect([record.supersedes, record.supersededBy]).to.deep.equal([0n, 0n]);
      expect(await records.recordIdOf(r.digest)).to.equal(1n);
      expect(await records.recordCount()).to.equal(1n);
      expect((await records.recordsOfPatient(ids.patientA, 0, 10))[0]).to.deep.equal([1n]);
      expect((await records.recordsOfIssuer(ids.hospital, 0, 10))[0]).to.deep.equal([1n]);
    });

    it("refuses each bad field and registers nothing", async function () {
      const { records, asHospital, input, ids } = await loadFixture(withRecordFixture);
      const before = await snapshot(records, ids.patientA, ids.hospital);
      const good = input("x-ray");
      await expect(asHospital.register({ ...good, patientId: 0n }))
        .to.be.revertedWithCustomError(records, "RecordsUnknownPatient")
        .withArgs(0, 0);
      await expect(asHospital.register({ ...good, digest: hre.ethers.ZeroHash }))
        .to.be.revertedWithCustomError(records, "RecordsEmptyDigest")
        .withArgs(0);
      await expect(asHospital.register({ ...good, uri: "" }))
        .to.be.revertedWithCustomError(records, "RecordsEmptyURI")
        .withArgs(0);
      for (const recordType of [0, 9, 127, 200]) {
        await expect(asHospital.register({ ...good, recordType }))
          .to.be.revertedWithCustomError(records, "RecordsUnknownRecordType")
          .withArgs(0, recordType);
      }
      const first = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(first);
      await expect(asHospital.register({ ...good, issuedAt: 0 }))
        .to.be.revertedWithCustomError(records, "RecordsInvalidTime")
        .withArgs(0, 0, first);
      const second = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(second);
      await expect(asHospital.register({ ...good, issuedAt: second + 1 }))
        .to.be.revertedWithCustomError(records, "RecordsInvalidTime")
        .withArgs(0, second + 1, second);
      await expect(asHospital.register(input("blood panel")))
        .to.be.revertedWithCustomError(records, "RecordsDuplicateDigest")
        .withArgs(0, digestOf("blood panel"), 1);
      expect(await snapshot(records, ids.patientA, ids.hospital)).to.deep.equal(before);
      expect(await records.recordIdOf(good.digest)).to.equal(0n);
    });

    it("refuses a record for an unknown patient id, zero or above the patient count, alone or in a batch", async function () {
      const { records, participants, asHospital, input, signers, ids } = await loadFixture(withRecordFixture);
      const before = await snapshot(records, ids.patientA, ids.hospital);
      const count = await participants.patientCount();
      expect(count).to.equal(2n);
      const [next, max] = [count + 1n, 2n ** 64n - 1n];
      for (const patientId of [0n, next, max]) {
        await expect(asHospital.register(input("unknown", patientId)))
          .to.be.revertedWithCustomError(records, "RecordsUnknownPatient")
          .withArgs(0, patientId);
        await expect(
          asHospital.registerBatch([input("first"), input("second", ids.patientB), input("unknown", patientId)]),
        )
          .to.be.revertedWithCustomError(records, "RecordsUnknownPatient")
          .withArgs(2, patientId);
      }
      expect(await snapshot(records, ids.patientA, ids.hospital)).to.deep.equal(before);
      expect(await records.recordsOfPatient(ids.patientB, 0, 10)).to.deep.equal([[], 0n]);
      expect(await records.recordsOfPatient(next, 0, 10)).to.deep.equal([[], 0n]);
      for (const text of ["unknown", "first", "second"]) expect(await records.recordIdOf(digestOf(text))).to.equal(0n);

      // The bound is the directory's count at the time of the write: once the id exists, the same record is taken.
      const [registered] = await registerPatients(participants, signers[27]);
      expect(registered).to.equal(next);
      const r = input("unknown", next);
      await expect(asHospital.register(r))
        .to.emit(records, "RecordRegistered")
        .withArgs(2, next, ids.hospital, r.recordType, r.issuedAt, r.digest, r.uri, 0);
      expect((await records.recordsOfPatient(next, 0, 10))[0]).to.deep.equal([2n]);
    });

    it("refuses writers that are not active hospitals: a pharmacy, a stranger, a suspended hospital", async function () {
      const { records, participants, registrar, pharmacy, stranger, hospital, input, ids } =
        await loadFixture(withRecordFixture);
      const before = await snapshot(records, ids.patientA, ids.hospital);
      const r = input("prescription", ids.patientA, RECORD_TYPES.prescription);
      await expect(records.connect(pharmacy).register(r))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(pharmacy.address, Kind.Pharmacy, HOSPITALS);
      await expect(records.connect(stranger).register(r))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(stranger.address, Status.None);
      await participants.connect(registrar).suspend(ids.hospital, hre.ethers.encodeBytes32String("audit"));
      await expect(records.connect(hospital).register(r))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Suspended);
      await expect(records.connect(hospital).registerBatch([r]))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Suspended);
      await expect(records.connect(hospital).amend(1, digestOf("fix"), r.issuedAt, uriOf("fix")))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Suspended);
      expect(await snapshot(records, ids.patientA, ids.hospital)).to.deep.equal(before);
    });
  });

  describe("batches", function () {
    it("registers many records in one transaction with consecutive ids", async function () {
      const { records, asHospital, input, ids } = await loadFixture(withRecordFixture);
      const batch = Array.from({ length: 12 }, (_, i) =>
        input(`batch ${i}`, i % 2 === 0 ? ids.patientA : ids.patientB),
      );
      await expect(asHospital.registerBatch(batch))
        .to.emit(records, "RecordRegistered")
        .withArgs(
          13,
          ids.patientB,
          ids.hospital,
          batch[11].recordType,
          batch[11].issuedAt,
          batch[11].digest,
          batch[11].uri,
          0,
        );
      expect(await records.recordCount()).to.equal(13n);
      const [ofA] = await records.recordsOfPatient(ids.patientA, 0, 100);
      expect(ofA).to.deep.equal([1n, 2n, 4n, 6n, 8n, 10n, 12n]);
      const [ofB] = await records.recordsOfPatient(ids.patientB, 0, 100);
      expect(ofB).to.deep.equal([3n, 5n, 7n, 9n, 11n, 13n]);
      expect((await records.recordsOfIssuer(ids.hospital, 0, 100))[1]).to.equal(13n);
    });

    it("refuses the whole batch when one entry is bad, naming the entry", async function () {
      const { records, asHospital, input, ids } = await loadFixture(withRecordFixture);
      const before = await snapshot(records, ids.patientA, ids.hospital);
      const batch = Array.from({ length: 5 }, (_, i) => input(`entry ${i}`));
      await expect(asHospital.registerBatch([...batch.slice(0, 3), { ...batch[3], patientId: 0n }]))
        .to.be.revertedWithCustomError(records, "RecordsUnknownPatient")
        .withArgs(3, 0);
      await expect(asHospital.registerBatch([...batch, input("blood panel")]))
        .to.be.revertedWithCustomError(records, "RecordsDuplicateDigest")
        .withArgs(5, digestOf("blood panel"), 1);
      await expect(asHospital.registerBatch([...batch, batch[1]]))
        .to.be.revertedWithCustomError(records, "RecordsDuplicateDigest")
        .withArgs(5, batch[1].digest, 3);
      expect(await snapshot(records, ids.patientA, ids.hospital)).to.deep.equal(before);
      expect(await records.recordIdOf(batch[0].digest)).to.equal(0n);
    });

    it("refuses an empty batch and one above the maximum", async function () {
      const { records, asHospital, input } = await loadFixture(recordsFixture);
      await expect(asHospital.registerBatch([]))
        .to.be.revertedWithCustomError(records, "RecordsInvalidBatchSize")
        .withArgs(0);
      const max = Number(await records.MAX_BATCH());
      const tooMany = Array.from({ length: max + 1 }, (_, i) => input(`many ${i}`));
      await expect(asHospital.registerBatch(tooMany))
        .to.be.revertedWithCustomError(records, "RecordsInvalidBatchSize")
        .withArgs(max + 1);
      expect(await records.recordCount()).to.equal(0n);
    });
  });

  describe("amendment", function () {
    it("issues a corrected version that points to the one it supersedes; the old stays readable", async function () {
      const { records, asHospital, ids } = await loadFixture(withRecordFixture);
      const issuedAt = (await time.latest()) - 60;
      await expect(asHospital.amend(1, digestOf("blood panel v2"), issuedAt, uriOf("v2")))
        .to.emit(records, "RecordRegistered")
        .withArgs(
          2,
          ids.patientA,
          ids.hospital,
          RECORD_TYPES["lab-result"],
          issuedAt,
          digestOf("blood panel v2"),
          uriOf("v2"),
          1,
        );
      const old = await records.getRecord(1);
      const corrected = await records.getRecord(2);
      expect(old.supersededBy).to.equal(2n);
      expect(corrected.supersedes).to.equal(1n);
      expect(corrected.patientId).to.equal(ids.patientA);
      expect(await records.recordIdOf(digestOf("blood panel"))).to.equal(1n);
      expect((await records.recordsOfPatient(ids.patientA, 0, 10))[0]).to.deep.equal([1n, 2n]);
    });

    it("refuses to amend someone else's record, an unknown record, or an old version", async function () {
      const { records, asHospital, secondHospital, ids } = await loadFixture(withRecordFixture);
      const issuedAt = (await time.latest()) - 60;
      await expect(records.connect(secondHospital).amend(1, digestOf("forged"), issuedAt, uriOf("forged")))
        .to.be.revertedWithCustomError(records, "RecordsNotIssuer")
        .withArgs(1, ids.hospital, ids.secondHospital);
      await expect(asHospital.amend(99, digestOf("nothing"), issuedAt, uriOf("nothing")))
        .to.be.revertedWithCustomError(records, "RecordsUnknownRecord")
        .withArgs(99);
      await asHospital.amend(1, digestOf("v2"), issuedAt, uriOf("v2"));
      const before = await snapshot(records, ids.patientA, ids.hospital);
      await expect(asHospital.amend(1, digestOf("v3"), issuedAt, uriOf("v3")))
        .to.be.revertedWithCustomError(records, "RecordsAlreadySuperseded")
        .withArgs(1, 2);
      expect(await snapshot(records, ids.patientA, ids.hospital)).to.deep.equal(before);
      expect((await records.getRecord(2)).supersededBy).to.equal(0n);
    });

    it("keeps authorship after the hospital rotates to a new address", async function () {
      const { records, participants, hospital, signers, ids } = await loadFixture(withRecordFixture);
      const next = signers[13];
      await participants.connect(hospital).proposeAccount(next.address);
      await participants.connect(next).acceptAccount(ids.hospital);
      const issuedAt = (await time.latest()) - 60;
      await records.connect(next).amend(1, digestOf("after rotation"), issuedAt, uriOf("after rotation"));
      expect((await records.getRecord(2)).issuer).to.equal(BigInt(ids.hospital));
      await expect(records.connect(hospital).amend(2, digestOf("old key"), issuedAt, uriOf("old key")))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.None);
    });
  });

  describe("pagination", function () {
    it("pages a patient with many records across storage words, and answers empty pages past the end", async function () {
      const { records, asHospital, input, ids } = await loadFixture(recordsFixture);
      await asHospital.registerBatch(Array.from({ length: 40 }, (_, i) => input(`many ${i}`)));
      const all = Array.from({ length: 40 }, (_, i) => BigInt(i + 1));
      const page = async (offset: number, limit: number) =>
        (await records.recordsOfPatient(ids.patientA, offset, limit))[0];
      expect(await page(0, 100)).to.deep.equal(all);
      for (const [offset, limit] of [
        [0, 5],
        [4, 3],
        [5, 6],
        [11, 13],
        [35, 10],
      ]) {
        expect(await page(offset, limit)).to.deep.equal(all.slice(offset, offset + limit));
      }
      expect(await page(40, 10)).to.deep.equal([]);
      expect(await page(1_000_000, 10)).to.deep.equal([]);
      expect(await page(3, 0)).to.deep.equal([]);
      const max = hre.ethers.MaxUint256;
      expect((await records.recordsOfPatient(ids.patientA, 35, max))[0]).to.deep.equal(all.slice(35));
      expect((await records.recordsOfPatient(ids.patientA, max, max))[0]).to.deep.equal([]);
      expect((await records.recordsOfPatient(ids.patientA, 40, 10))[1]).to.equal(40n);
      expect((await records.recordsOfIssuer(ids.hospital, 38, 10))[0]).to.deep.equal([39n, 40n]);
      expect(await records.recordsOfPatient(0, 0, 10)).to.deep.equal([[], 0n]);
      expect(await records.recordsOfPatient(ids.patientB, 0, 10)).to.deep.equal([[], 0n]);
    });
  });

  describe("read permission (the consent seam)", function () {
    it("lets the patient and the active issuing hospital read, and nobody else yet", async function () {
      const { records, patientA, patientB, hospital, secondHospital, pharmacy, stranger } =
        await loadFixture(withRecordFixture);
      for (const purpose of Object.values(PURPOSES)) {
        expect(await records.canRead(patientA.address, 1, purpose)).to.equal(true);
        expect(await records.canRead(hospital.address, 1, purpose)).to.equal(true);
        for (const other of [patientB, secondHospital, pharmacy, stranger]) {
          expect(await records.canRead(other.address, 1, purpose)).to.equal(false);
        }
      }
      await expect(records.canRead(patientA.address, 9, 0))
        .to.be.revertedWithCustomError(records, "RecordsUnknownRecord")
        .withArgs(9);
    });

    it("lets the patient read at its current address only: after a rotation the old address reads nothing, the new one reads", async function () {
      const { records, participants, asHospital, input, patientA, signers, ids } = await loadFixture(withRecordFixture);
      const newPhone = signers[27];
      await participants.connect(patientA).proposePatientAccount(newPhone.address);
      // A proposal alone moves nothing: the current address still reads, the proposed one not yet.
      expect(await records.canRead(patientA.address, 1, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(newPhone.address, 1, PURPOSES.treatment)).to.equal(false);
      await expect(participants.connect(newPhone).acceptPatientAccount(ids.patientA))
        .to.emit(participants, "PatientAccountChanged")
        .withArgs(ids.patientA, patientA.address, newPhone.address, false);
      for (const purpose of Object.values(PURPOSES)) {
        expect(await records.canRead(patientA.address, 1, purpose)).to.equal(false);
        expect(await records.canRead(newPhone.address, 1, purpose)).to.equal(true);
      }
      // The records stay under the same id, and the hospital goes on writing to it.
      expect((await records.getRecord(1)).patientId).to.equal(ids.patientA);
      await asHospital.register(input("after rotation"));
      expect(await records.recordsOfPatient(ids.patientA, 0, 10)).to.deep.equal([[1n, 2n], 2n]);
      expect(await records.canRead(newPhone.address, 2, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(patientA.address, 2, PURPOSES.treatment)).to.equal(false);
    });

    it("stops the issuing hospital reading while it is suspended", async function () {
      const { records, participants, registrar, hospital, ids } = await loadFixture(withRecordFixture);
      await participants.connect(registrar).suspend(ids.hospital, hre.ethers.encodeBytes32String("r"));
      expect(await records.canRead(hospital.address, 1, PURPOSES.treatment)).to.equal(false);
    });

    it("follows the issuing hospital to its new address", async function () {
      const { records, participants, hospital, signers, ids } = await loadFixture(withRecordFixture);
      const next = signers[13];
      await participants.connect(hospital).proposeAccount(next.address);
      await participants.connect(next).acceptAccount(ids.hospital);
      expect(await records.canRead(next.address, 1, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(hospital.address, 1, PURPOSES.treatment)).to.equal(false);
    });

    it("asks the read policy for everyone else once governance sets one", async function () {
      const { records, manager, deployer, pharmacy, stranger, ids } = await loadFixture(withRecordFixture);
      const policy = await new MockReadPolicy__factory(deployer).deploy();
      await policy.allow(ids.pharmacy, 1, PURPOSES.treatment);
      await expect(records.connect(deployer).setReadPolicy(await policy.getAddress())).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotScheduled",
      );
      const data = records.interface.encodeFunctionData("setReadPolicy", [await policy.getAddress()]);
      await expect(governorCall(manager, deployer, records, data))
        .to.emit(records, "ReadPolicySet")
        .withArgs(await policy.getAddress());
      expect(await records.readPolicy()).to.equal(await policy.getAddress());
      expect(await records.canRead(pharmacy.address, 1, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 1, PURPOSES.research)).to.equal(false);
      expect(await records.canRead(stranger.address, 1, PURPOSES.treatment)).to.equal(false);
    });
  });

  describe("record types", function () {
    it("lets governance add and retire types without a redeploy, after the delay", async function () {
      const { records, manager, deployer, asHospital, input } = await loadFixture(recordsFixture);
      const label = hre.ethers.encodeBytes32String("genomic-report");
      const add = records.interface.encodeFunctionData("setRecordType", [8, true, label]);
      await expect(governorCall(manager, deployer, records, add))
        .to.emit(records, "RecordTypeSet")
        .withArgs(8, true, label);
      expect(await records.isRecordType(8)).to.equal(true);
      await asHospital.register(input("genome", undefined, 8));

      const retire = records.interface.encodeFunctionData("setRecordType", [
        RECORD_TYPES.imaging,
        false,
        hre.ethers.ZeroHash,
      ]);
      await governorCall(manager, deployer, records, retire);
      await expect(asHospital.register(input("scan", undefined, RECORD_TYPES.imaging)))
        .to.be.revertedWithCustomError(records, "RecordsUnknownRecordType")
        .withArgs(0, RECORD_TYPES.imaging);
    });

    it("refuses type 0, types from 128, and anyone but the governor", async function () {
      const { records, manager, deployer, hospital } = await loadFixture(recordsFixture);
      for (const recordType of [0, 128, 255]) {
        const data = records.interface.encodeFunctionData("setRecordType", [recordType, true, hre.ethers.ZeroHash]);
        await expect(governorCall(manager, deployer, records, data))
          .to.be.revertedWithCustomError(records, "RecordsInvalidRecordType")
          .withArgs(recordType);
      }
      await expect(records.connect(hospital).setRecordType(9, true, hre.ethers.ZeroHash))
        .to.be.revertedWithCustomError(records, "AccessManagedUnauthorized")
        .withArgs(hospital.address);
      expect(await records.isRecordType(9)).to.equal(false);
      expect(await records.isRecordType(200)).to.equal(false);
    });
  });

  describe("pausing", function () {
    it("lets the guardian pause writes at once; reads go on; unpausing waits for the governor", async function () {
      const { records, participants, manager, deployer, asHospital, input, hospital, ids } =
        await loadFixture(withRecordFixture);
      await expect(records.connect(deployer).pause()).to.emit(records, "Paused").withArgs(deployer.address);
      expect(await records.paused()).to.equal(true);
      const issuedAt = (await time.latest()) - 60;
      await expect(asHospital.register(input("during pause"))).to.be.revertedWithCustomError(records, "RecordsPaused");
      await expect(asHospital.registerBatch([input("during pause")])).to.be.revertedWithCustomError(
        records,
        "RecordsPaused",
      );
      await expect(asHospital.amend(1, digestOf("p"), issuedAt, uriOf("p"))).to.be.revertedWithCustomError(
        records,
        "RecordsPaused",
      );
      expect(await records.recordCount()).to.equal(1n);
      expect((await records.getRecord(1)).patientId).to.equal(ids.patientA);
      expect(await records.canRead(hospital.address, 1, PURPOSES.treatment)).to.equal(true);
      expect((await records.recordsOfPatient(ids.patientA, 0, 10))[0]).to.deep.equal([1n]);
      await expect(records.connect(deployer).pause()).to.be.revertedWithCustomError(records, "RecordsPaused");

      const pausedAt = await records.pausedAt();
      const [pausedEvent] = await records.queryFilter(records.filters.Paused());
      expect(pausedAt).to.equal(BigInt((await pausedEvent.getBlock()).timestamp));
      await expect(records.connect(deployer).unpause(pausedAt)).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotScheduled",
      );
      const unpause = records.interface.encodeFunctionData("unpause", [pausedAt]);
      // The governor's delay passes before the pause has stood for the notice period (the onboarding delay).
      const resumableAt = pausedAt + (await participants.onboardingDelay());
      await expect(governorCall(manager, deployer, records, unpause))
        .to.be.revertedWithCustomError(records, "RecordsPauseTooRecent")
        .withArgs(pausedAt, resumableAt);
      await time.increaseTo(resumableAt);
      // Still scheduled (the failed execution consumed nothing): it runs now.
      await expect(manager.connect(deployer).execute(await records.getAddress(), unpause)).to.emit(records, "Unpaused");
      expect(await records.pausedAt()).to.equal(0n);
      await asHospital.register(input("after pause"));
      await expect(governorCall(manager, deployer, records, unpause)).to.be.revertedWithCustomError(
        records,
        "RecordsNotPaused",
      );
    });

    it("refuses an unpause armed before the pause it would end: its delay must run after the pause", async function () {
      const { records, manager, deployer } = await loadFixture(recordsFixture);
      // The governor schedules an unpause while nothing is paused, naming the pause time it hopes for.
      const guess = BigInt((await time.latest()) + 10);
      const armed = records.interface.encodeFunctionData("unpause", [guess]);
      await manager.connect(deployer).schedule(await records.getAddress(), armed, 0);
      await time.increase(86_400);
      await records.connect(deployer).pause();
      const pausedAt = await records.pausedAt();
      await expect(manager.connect(deployer).execute(await records.getAddress(), armed))
        .to.be.revertedWithCustomError(records, "RecordsPauseMismatch")
        .withArgs(guess, pausedAt);
      expect(await records.paused()).to.equal(true);
    });

    it("refuses a pause by anyone but the guardian", async function () {
      const { records, hospital } = await loadFixture(recordsFixture);
      await expect(records.connect(hospital).pause())
        .to.be.revertedWithCustomError(records, "AccessManagedUnauthorized")
        .withArgs(hospital.address);
      expect(await records.paused()).to.equal(false);
    });
  });

  it("points at the suite's participant directory", async function () {
    const { records, participants } = await loadFixture(recordsFixture);
    expect(await records.participants()).to.equal(await participants.getAddress());
    expect(KINDS.hospital).to.equal(Kind.Hospital);
  });
});
