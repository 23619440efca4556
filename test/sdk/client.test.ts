import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import {
  MIIP,
  MIIPClientError,
  MIIPError,
  DeploymentError,
  buildSerialTree,
  isMIIPError,
  parseDeviceKind,
} from "../../sdk";
import { deploymentOf } from "../../scripts/lib/deploy";
import { demoProgramme } from "../../scripts/lib/seed";
import { onboardedFixture } from "../helpers/fixtures";

const DAY = 86_400;
const IST = (n: number) => BigInt(n) * 10n ** 18n;

/** Runs a call that must be refused and returns the MIIPError it is refused with. */
async function refusal(call: () => Promise<unknown>): Promise<MIIPError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof MIIPError) return error;
    throw error;
  }
  throw new Error("the call was not refused");
}

describe("SDK client", function () {
  async function sdkFixture() {
    const suite = await onboardedFixture();
    const deployment = await deploymentOf(suite, 0);
    const miip = await MIIP.connect(suite.signers[0], deployment);
    const as = (signer: (typeof suite.signers)[number]) => miip.as(signer);
    return { ...suite, deployment, miip, as };
  }

  async function recordsFixture() {
    const f = await sdkFixture();
    const asHospital = f.as(f.hospital);
    const now = await time.latest();
    const doc = (n: number) => ({
      patient: f.patientA.address,
      digest: hre.ethers.id(`document ${n}`),
      recordType: n % 2 === 0 ? "prescription" : "lab-result",
      issuedAt: now - 3600,
      uri: `ipfs://bafkreidoc${n}`,
    });
    const { recordIds } = await asHospital.records.registerBatch([1, 2, 3, 4].map(doc));
    return { ...f, asHospital, doc, recordIds };
  }

  describe("connecting", function () {
    it("refuses a deployment on another chain, and malformed deployment files", async function () {
      const { deployment, signers } = await loadFixture(sdkFixture);
      await expect(MIIP.connect(signers[0], { ...deployment, chainId: 1 })).to.be.rejectedWith(
        MIIPClientError,
        "the deployment is on chain 1, the provider on chain 31337",
      );
      await expect(MIIP.connect(signers[0], { ...deployment, RecordRegistry: "0x12" })).to.be.rejectedWith(
        DeploymentError,
        'RecordRegistry must be an address, got "0x12"',
      );
      await expect(MIIP.connect(signers[0], "nope")).to.be.rejectedWith(DeploymentError, "not a JSON object");
    });

    it("reads with a provider and refuses to write without a signer", async function () {
      const { deployment, patientA } = await loadFixture(recordsFixture);
      const reader = await MIIP.connect(hre.ethers.provider, deployment);
      expect((await reader.records.idsOfPatient(patientA.address)).total).to.equal(4);
      await expect(reader.consent.setGuardian(patientA.address)).to.be.rejectedWith(
        MIIPClientError,
        "writes and signatures need a signer",
      );
    });
  });

  describe("participants and records", function () {
    it("onboards, lists and looks up institutions", async function () {
      const { miip, registrar, manufacturer, ids } = await loadFixture(sdkFixture);
      const { institutionId, activatesAt, gasUsed } = await miip
        .as(registrar)
        .participants.register({ account: manufacturer.address, kind: "manufacturer", licence: "M-1", name: "Hanmi" });
      expect(institutionId).to.equal(5);
      expect(gasUsed > 0n).to.equal(true);
      expect(activatesAt).to.equal((await time.latest()) + (await miip.participants.onboardingDelay()));
      expect(await miip.participants.memberOf(manufacturer.address)).to.deep.equal({
        id: 5,
        kind: "manufacturer",
        status: "pending",
      });
      const early = await refusal(() => miip.participants.activate(institutionId));
      expect(early.name).to.equal("ParticipantsOnboardingNotDue");
      expect(early.message).to.contain(`institution 5`);
      await time.increaseTo(activatesAt);
      await miip.participants.activate(institutionId);
      expect((await miip.participants.get(institutionId)).status).to.equal("active");
      expect(await miip.participants.memberOf(registrar.address)).to.equal(undefined);
      const page = await miip.participants.list({ offset: 1, limit: 2 });
      expect(page.total).to.equal(5);
      expect(page.entries.map((i) => i.id)).to.deep.equal([Number(ids.pharmacy), Number(ids.insurer)]);
      expect((await miip.participants.get(institutionId)).licenceHash).to.equal(hre.ethers.id("M-1"));
    });

    it("registers, amends and reads records, returning their ids", async function () {
      const { asHospital, recordIds, patientA, doc } = await loadFixture(recordsFixture);
      expect(recordIds).to.deep.equal([1n, 2n, 3n, 4n]);
      const { recordId } = await asHospital.records.register(doc(5));
      expect(recordId).to.equal(5n);
      const amended = await asHospital.records.amend(1, { digest: hre.ethers.id("corrected"), uri: "ipfs://fixed" });
      expect(amended.recordId).to.equal(6n);
      expect(await asHospital.records.get(1)).to.include({ supersededBy: 6n, recordTypeName: "lab-result" });
      expect(await asHospital.records.idOf(hre.ethers.id("corrected"))).to.equal(6n);
      expect(await asHospital.records.idsOfPatient(patientA.address, { offset: 4, limit: 10 })).to.deep.equal({
        ids: [5n, 6n],
        total: 6,
      });
      expect(await asHospital.records.canRead(patientA.address, 1, "treatment")).to.equal(true);
    });

    it("returns refusals as typed errors, also when another contract of the suite refuses", async function () {
      const { asHospital, as, pharmacy, doc, miip } = await loadFixture(recordsFixture);
      const duplicate = await refusal(() => asHospital.records.register(doc(1)));
      expect(duplicate.name).to.equal("RecordsDuplicateDigest");
      expect(duplicate.source).to.equal("RecordRegistry");
      expect(duplicate.args.existingId).to.equal(1n);
      expect(String(duplicate)).to.equal(
        `RecordsDuplicateDigest: entry 0: digest ${hre.ethers.id("document 1")} is already record 1`,
      );
      const wrongKind = await refusal(() => as(pharmacy).records.register(doc(9)));
      expect(wrongKind.name).to.equal("ParticipantsWrongKind");
      expect(wrongKind.source).to.equal("ParticipantRegistry");
      expect(String(wrongKind)).to.equal(`ParticipantsWrongKind: ${pharmacy.address} is a pharmacy, not a hospital`);
      const unknown = await refusal(() => miip.records.get(99));
      expect(String(unknown)).to.equal("RecordsUnknownRecord: there is no record 99");
      expect(isMIIPError(unknown, "RecordsUnknownRecord")).to.equal(true);
      expect(isMIIPError(unknown, "RecordsPaused")).to.equal(false);
      await expect(asHospital.records.register({ ...doc(10), recordType: "x-ray" })).to.be.rejectedWith(
        RangeError,
        'unknown record type "x-ray"',
      );
    });
  });

  describe("consent", function () {
    it("signs consent for the patient, has the pharmacy submit it, logs reads and revokes", async function () {
      const { as, patientA, pharmacy, miip } = await loadFixture(recordsFixture);
      const expiresAt = (await time.latest()) + 30 * DAY;
      const request = {
        grantee: pharmacy.address,
        purpose: "treatment",
        scope: { kind: "record-type" as const, types: ["prescription"] },
        expiresAt,
      };
      const signed = await as(patientA).consent.sign(request);
      expect(signed.nonce).to.equal(0n);
      const before = await hre.ethers.provider.getBalance(patientA.address);
      const { grantIds } = await as(pharmacy).consent.submitSigned(signed);
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(before);
      expect(grantIds).to.deep.equal(
        await miip.consent.grantIdOf(patientA.address, pharmacy.address, "treatment", request.scope),
      );
      const replay = await refusal(() => as(pharmacy).consent.submitSigned(signed));
      expect(String(replay)).to.equal(
        `ConsentInvalidNonce: grant ${grantIds[0]} is at version 1; the signature names 0 (used or cancelled)`,
      );

      const { basis } = await as(pharmacy).consent.logAccess(2, "treatment");
      expect(basis).to.equal(grantIds[0]);
      await as(pharmacy).consent.logAccessBatch([2, 4], "treatment");
      const denied = await refusal(() => as(pharmacy).consent.logAccess(1, "treatment"));
      expect(String(denied)).to.equal(
        `ConsentNoLiveRight: ${pharmacy.address} has no live right to read record 1 for treatment`,
      );

      expect(await miip.consent.getGrant(grantIds[0])).to.deep.include({ live: true, revoked: false, version: 1n });
      await as(patientA).consent.revoke(grantIds[0]);
      expect(await miip.consent.getGrant(grantIds[0])).to.deep.include({ live: false, revoked: true });
      expect((await refusal(() => as(pharmacy).consent.logAccess(2, "treatment"))).name).to.equal("ConsentNoLiveRight");

      const trail = await miip.history.accessTrail(patientA.address, { offset: 1, limit: 5 });
      expect(trail.total).to.equal(3);
      expect(trail.entries.map((e) => e.args.recordId)).to.deep.equal([2n, 4n]);
      expect(trail.entries[0].event).to.equal("AccessLogged");
      expect(trail.entries[0].timestamp).to.be.greaterThan(0);
      const history = await miip.history.consentHistory(patientA.address);
      expect(history.entries.map((e) => e.event)).to.deep.equal(["ConsentGranted", "ConsentRevoked"]);
    });

    it("refuses a signature by anyone but the patient, cancels an unused one, and prints times", async function () {
      const { as, patientA, patientB, pharmacy } = await loadFixture(recordsFixture);
      const now = await time.latest();
      const request = {
        patient: patientA.address,
        grantee: pharmacy.address,
        purpose: 0,
        scope: { kind: "all-records" as const },
        expiresAt: now + DAY,
      };
      await expect(as(patientB).consent.sign(request)).to.be.rejectedWith(MIIPClientError, "only the patient signs");
      const signed = await as(patientA).consent.sign(request, { deadline: now + 600 });
      await as(patientA).consent.cancelSignature(signed);
      expect((await refusal(() => as(pharmacy).consent.submitSigned(signed))).name).to.equal("ConsentInvalidNonce");

      await time.setNextBlockTimestamp(now + 1000);
      const past = await refusal(() => as(patientA).consent.grant({ ...request, expiresAt: now + 10 }));
      const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
      expect(String(past)).to.equal(
        `ConsentExpiryNotInFuture: expiry ${iso(now + 10)} is not after now (${iso(now + 1000)})`,
      );
    });

    it("lets a guardian grant, and a hospital open and the patient close emergency access", async function () {
      const { as, patientB, guardian, pharmacy, hospital, miip } = await loadFixture(recordsFixture);
      await as(patientB).consent.setGuardian(guardian.address);
      expect(await miip.consent.guardianOf(patientB.address)).to.equal(guardian.address);
      const { grantIds } = await as(guardian)
        .consent.grant({
          patient: patientB.address,
          grantee: pharmacy.address,
          purpose: "research",
          scope: { kind: "record", ids: [] },
          expiresAt: (await time.latest()) + DAY,
        })
        .catch(async (e: MIIPError) => {
          expect(e.name).to.equal("ConsentInvalidScopeSize");
          return as(guardian).consent.grant({
            patient: patientB.address,
            grantee: pharmacy.address,
            purpose: "research",
            scope: { kind: "all-records" },
            expiresAt: (await time.latest()) + DAY,
          });
        });
      expect(grantIds).to.have.length(1);
      const { expiresAt } = await as(hospital).consent.openEmergency(patientB.address, "unconscious");
      expect(expiresAt).to.equal((await time.latest()) + 24 * 3600);
      await as(patientB).consent.closeEmergency(patientB.address, hospital.address);
      const events = (await miip.history.consentHistory(patientB.address)).entries.map((e) => e.event);
      expect(events).to.deep.equal(["GuardianSet", "ConsentGranted", "EmergencyAccessOpened", "EmergencyAccessClosed"]);
    });
  });

  describe("history", function () {
    it("pages a patient's records with their digests and URIs, whatever the block range per query", async function () {
      const { miip, patientA, deployment, signers } = await loadFixture(recordsFixture);
      const page = await miip.history.recordsOfPatient(patientA.address, { offset: 1, limit: 2 });
      expect(page.total).to.equal(4);
      expect(page.entries.map((e) => [e.id, e.recordTypeName, e.digest, e.uri])).to.deep.equal([
        [2n, "prescription", hre.ethers.id("document 2"), "ipfs://bafkreidoc2"],
        [3n, "lab-result", hre.ethers.id("document 3"), "ipfs://bafkreidoc3"],
      ]);
      const narrow = await MIIP.connect(signers[0], deployment, { maxBlockRange: 2 });
      expect(await narrow.history.recordsOfPatient(patientA.address, { offset: 1, limit: 2 })).to.deep.equal(page);
      expect((await miip.history.recordsOfPatient(patientA.address, { offset: 9 })).entries).to.deep.equal([]);
      expect(await miip.history.documentOf(3)).to.deep.equal({
        patient: patientA.address,
        digest: hre.ethers.id("document 3"),
        uri: "ipfs://bafkreidoc3",
      });
      expect((await refusal(() => miip.history.documentOf(42))).name).to.equal("RecordsUnknownRecord");
    });
  });

  describe("claims", function () {
    it("runs a programme: deposit, enrolment by signature, a small claim paid, a large one arbitrated", async function () {
      const f = await loadFixture(recordsFixture);
      const { as, insurer, hospital, patientA, agency, registrar, miip, treasury, resolved } = f;
      const { institutionId: agencyId } = await as(registrar).participants.register({
        account: agency.address,
        kind: "public-health-agency",
        licence: "NHIS",
        name: "NHIS",
      });
      await time.increase(7 * DAY);
      await miip.participants.activate(agencyId);
      const reserveGrant = resolved.genesis.grants.findIndex((g) => g.category === resolved.genesis.reserveCategory);
      await miip.token.release(reserveGrant);
      await as(treasury).token.transfer(insurer.address, IST(10_000));
      const { programmeId } = await as(insurer).claims.openProgramme({
        ...demoProgramme(agency.address, true),
        coveredTypes: ["lab-result", "prescription"],
      });
      const { free } = await as(insurer).claims.deposit(programmeId, IST(10_000));
      expect(free).to.equal(IST(10_000));

      const join = await as(patientA).claims.signJoin(programmeId);
      await as(hospital).claims.submitJoin(join);
      await as(patientA).consent.grant({
        grantee: insurer.address,
        purpose: "insurance-claim",
        scope: { kind: "all-records" },
        expiresAt: (await time.latest()) + 365 * DAY,
      });

      // Cover starts at enrolment: the care claimed for comes after it.
      await time.increase(60);
      const treated = await f.asHospital.records.registerBatch(
        [5, 6, 7].map((i) => ({ ...f.doc(i), issuedAt: undefined })),
      );
      const [visit, surgery, scan] = treated.recordIds;
      const small = await as(hospital).claims.file({ programmeId, recordIds: [visit], billed: IST(250) });
      expect(small).to.deep.include({ status: "paid", due: IST(200), paidNow: IST(200) });
      expect(await miip.claims.get(small.claimId)).to.deep.include({
        status: "paid",
        patient: patientA.address,
        billed: IST(250),
        paid: IST(200),
        payee: hospital.address,
      });
      const again = await refusal(() =>
        as(hospital).claims.file({ programmeId, recordIds: [visit], billed: IST(250) }),
      );
      expect(String(again)).to.equal(`ClaimsRecordAlreadyClaimed: record ${visit} is already in claim 1`);

      const large = await as(hospital).claims.file({ programmeId, recordIds: [surgery, scan], billed: IST(4_000) });
      expect(large).to.deep.include({ status: "pending", paidNow: 0n });
      expect(await as(insurer).claims.approve(large.claimId, IST(2_000), "OVERBILLED")).to.deep.include({
        status: "partially-approved",
        paidNow: IST(2_000),
      });
      const settled = await refusal(() => as(insurer).claims.reject(large.claimId, "late"));
      expect(String(settled)).to.equal(`ClaimsInvalidStatus: claim ${large.claimId} is partially-approved`);
      expect((await as(hospital).claims.dispute(large.claimId)).status).to.equal("disputed");
      expect(await as(agency).claims.arbitrate(large.claimId, IST(500), "PARTLY")).to.deep.include({
        status: "settled",
        paidNow: IST(500),
      });
      expect(await miip.claims.get(large.claimId)).to.deep.include({ status: "settled", paid: IST(2_500) });
      const timeline = await miip.history.claimTimeline(large.claimId);
      expect(timeline.entries.map((e) => [e.event, e.args.status])).to.deep.equal([
        ["ClaimFiled", 1n],
        ["ClaimDecided", 3n],
        ["ClaimDecided", 6n],
        ["ClaimDecided", 7n],
      ]);
      await as(insurer).claims.withdraw(programmeId, IST(1));
      expect((await refusal(() => as(insurer).claims.withdrawCredit())).name).to.equal("ClaimsNoCredit");
    });
  });

  describe("supply chain", function () {
    it("follows a batch from factory to patient with signed readings, a counterfeit and a recall", async function () {
      const { as, registrar, manufacturer, distributor, pharmacy, regulator, patientA, miip } =
        await loadFixture(sdkFixture);
      for (const [account, kind] of [
        [manufacturer, "manufacturer"],
        [distributor, "distributor"],
        [regulator, "regulator"],
      ] as const) {
        const { institutionId, activatesAt } = await as(registrar).participants.register({
          account: account.address,
          kind,
          licence: kind,
          name: kind,
        });
        await time.increaseTo(activatesAt);
        await miip.participants.activate(institutionId);
      }
      const serials = buildSerialTree(["KR001", "KR002", "KR003"]);
      const now = await time.latest();
      const { batchId } = await as(manufacturer).supply.registerBatch({
        gtin: 8806469001234n,
        lot: "LOT-A",
        manufacturedAt: now - DAY,
        expiresAt: now + 365 * DAY,
        quantity: 3,
        tempMin: 200,
        tempMax: 800,
        humidityMin: 1000,
        humidityMax: 6000,
        serialRoot: serials.root,
        metadataURI: "ipfs://meta",
      });
      const logger = hre.ethers.Wallet.createRandom();
      await as(distributor).supply.registerDevice(logger.address, "temperature-logger", hre.ethers.id("calibration"));
      expect((await miip.contracts.supply.getDevice(logger.address)).kind).to.equal(1n);
      expect(parseDeviceKind("combined")).to.equal(3);
      expect(() => parseDeviceKind("fridge")).to.throw(RangeError, "unknown device kind");
      expect(() => parseDeviceKind(0)).to.throw(RangeError, "not one of 1..3");
      const { shipmentId } = await as(manufacturer).supply.ship(batchId, distributor.address, 3);
      const readings = await miip.supply.signReadings(logger, [
        { shipmentId, temperature: 450, humidity: 4000 },
        { shipmentId, temperature: 1200, humidity: 4000 },
      ]);
      expect(readings.readings.map((r) => r.sequence)).to.deep.equal([1n, 2n]);
      const submitted = await miip.supply.submitReadings(readings);
      expect(submitted).to.deep.include({ recorded: 2, excursions: [{ shipmentId, temperature: 1200 }] });
      const stale = await refusal(() => miip.supply.submitReadings(readings));
      expect(stale.name).to.equal("SupplyStaleSequence");
      expect((await as(distributor).supply.accept(shipmentId)).quarantined).to.equal(true);
      const distributorId = (await miip.participants.memberOf(distributor.address))!.id;
      await as(regulator).supply.resolveQuarantine(batchId, distributorId, 3, false);
      expect(await miip.supply.holdingOf(batchId, distributor.address)).to.deep.equal({
        available: 3n,
        quarantined: 0n,
      });
      const second = await as(distributor).supply.ship(batchId, pharmacy.address, 2);
      const short = await refusal(() => as(distributor).supply.ship(batchId, pharmacy.address, 2));
      expect(short.name).to.equal("SupplyInsufficientHolding");
      await as(pharmacy).supply.refuse(second.shipmentId);
      const third = await as(distributor).supply.ship(batchId, pharmacy.address, 2);
      expect((await as(pharmacy).supply.accept(third.shipmentId)).quarantined).to.equal(false);

      const unit = serials.unit("KR002");
      expect(await miip.supply.verify(batchId, unit)).to.deep.include({ genuine: true, dispensed: false });
      expect(await as(pharmacy).supply.dispense({ batchId, unit, patient: patientA.address })).to.deep.include({
        dispensed: true,
        counterfeit: false,
      });
      expect(await as(pharmacy).supply.dispense({ batchId, unit, patient: patientA.address })).to.deep.include({
        dispensed: false,
        counterfeit: true,
      });
      expect(await miip.supply.verify(batchId, { ...unit, serial: "KR999" })).to.deep.include({ genuine: false });
      await as(regulator).supply.recall(batchId, "STERILITY");
      const ids = await Promise.all(
        [manufacturer, distributor, pharmacy].map(async (a) => (await miip.participants.memberOf(a.address))!.id),
      );
      // The manufacturer shipped everything: only the distributor and the pharmacy hold units to recall.
      expect((await miip.supply.noticeHolders(batchId, ids)).notified).to.equal(2);
      const recalled = await refusal(() =>
        as(pharmacy).supply.dispense({ batchId, unit: serials.unit("KR003"), patient: patientA.address }),
      );
      expect(String(recalled)).to.equal(`SupplyRecalled: batch ${batchId} is recalled`);
      await as(distributor).supply.revokeDevice(logger.address);

      const provenance = await miip.history.batchProvenance(batchId, { limit: 100 });
      expect(provenance.entries.map((e) => e.event)).to.deep.equal([
        "BatchRegistered",
        "Shipped",
        "ReadingRecorded",
        "ReadingRecorded",
        "Excursion",
        "ShipmentAccepted",
        "QuarantineResolved",
        "Shipped",
        "ShipmentRefused",
        "Shipped",
        "ShipmentAccepted",
        "Dispensed",
        "CounterfeitAlert",
        "BatchRecalled",
        "RecallNotice",
        "RecallNotice",
      ]);
      const page = await miip.history.batchProvenance(batchId, { offset: 15, limit: 5 });
      expect([page.total, page.entries.length]).to.deep.equal([16, 1]);
    });
  });

  describe("token", function () {
    it("claims an airdrop leaf for its holder, releases vesting and lists grants", async function () {
      const { miip, resolved, signers } = await loadFixture(sdkFixture);
      const [account, [leaf]] = Object.entries(resolved.claim!.proofs.claims)[0];
      const relayer = miip.as(signers[18]);
      const { amount } = await relayer.token.claimAirdrop({ ...leaf, account });
      expect(amount).to.equal(BigInt(leaf.amount));
      expect(await miip.token.isClaimed(leaf.index)).to.equal(true);
      expect(await miip.token.balanceOf(account)).to.be.greaterThanOrEqual(amount);
      const again = await refusal(() => relayer.token.claimAirdrop({ ...leaf, account }));
      expect(String(again)).to.equal(`MerkleClaimAlreadyClaimed: airdrop leaf ${leaf.index} was already claimed`);

      const grant = resolved.genesis.grants[0];
      const { ids, total } = await miip.token.grantsOf(grant.beneficiary);
      expect(ids[0]).to.equal(0n);
      expect(total).to.be.greaterThanOrEqual(1);
      const early = await refusal(() => miip.token.release(0));
      expect(early.name).to.equal("DistributionNothingToRelease");
      expect(String(early)).to.match(
        /^DistributionNothingToRelease: grant 0 has nothing to release before \d{4}-\d\d-\d\dT/,
      );
      const g = await miip.contracts.distribution.getGrant(0);
      await time.increaseTo(g.start + g.cliff + 30n * BigInt(DAY));
      const releasable = await miip.token.releasable(0);
      const released = await relayer.token.release(0);
      expect(released.amount >= releasable).to.equal(true);
      expect(released.releasedTotal).to.equal(released.amount);
    });
  });
});
