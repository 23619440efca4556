import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { SCOPES } from "../../config/eip712";
import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import {
  MaliciousPayee__factory,
  MockBlacklistToken__factory,
  MockERC20__factory,
  MockFeeToken__factory,
  MockHookToken__factory,
  MockNoReturnToken__factory,
  MockReentrantToken__factory,
  type ClaimEscrow,
} from "../../typechain-types";
import type { IClaimEscrow } from "../../typechain-types/contracts/claims/ClaimEscrow";
import { ENUM_LABELS } from "../../sdk/labels";
import { licence, onboard, onboardedFixture } from "../helpers/fixtures";
import {
  GUARDIAN_SALT,
  asGuardian,
  asPatient,
  guardianCommitment,
  registerPatients,
  relayedAsPatient,
  signedCall,
} from "../helpers/patients";

const DAY = 86_400;
const KRW = (n: number) => BigInt(n) * 10n ** 18n;
const Status = {
  None: 0,
  Pending: 1,
  Paid: 2,
  PartiallyApproved: 3,
  Rejected: 4,
  Escalated: 5,
  Disputed: 6,
  Settled: 7,
};
const code = (text: string) => hre.ethers.encodeBytes32String(text);
const bits = (...types: number[]) => types.reduce((acc, t) => acc | (1n << BigInt(t)), 0n);

/** For every token: the escrow's balance covers every programme's free and reserved funds and every credit. */
async function expectSolvent(claims: ClaimEscrow, tokens: string[]) {
  const count = Number(await claims.programmeCount());
  for (const tokenAddress of tokens) {
    let owed = await claims.totalCredits(tokenAddress);
    for (let id = 1; id <= count; id++) {
      const p = await claims.getProgramme(id);
      if (p.config.token === tokenAddress) owed += p.free + p.reserved;
    }
    const token = MockERC20__factory.connect(tokenAddress, hre.ethers.provider);
    expect(await token.balanceOf(await claims.getAddress())).to.be.gte(owed);
  }
}

/** The escrow under test, so that an afterEach can check the state each test leaves behind. */
const watched: { claims?: ClaimEscrow } = {};

/** Opens programme 2 paying in `token`: 10,000 deposited by the insurer, patient A enrolled. */
async function fundSecondProgramme(
  suite: {
    claims: ClaimEscrow;
    asInsurer: ClaimEscrow;
    insurer: HardhatEthersSigner;
    ids: { patientA: bigint };
    config: (o: Partial<IClaimEscrow.ProgrammeConfigStruct>) => IClaimEscrow.ProgrammeConfigStruct;
  },
  token: Awaited<ReturnType<MockERC20__factory["deploy"]>>,
) {
  await token.mint(suite.insurer.address, KRW(10_000));
  await token.connect(suite.insurer).approve(await suite.claims.getAddress(), KRW(10_000));
  await suite.asInsurer.openProgramme(suite.config({ token: await token.getAddress() }));
  await suite.asInsurer.deposit(2, KRW(10_000));
  await suite.asInsurer.enrol(2, suite.ids.patientA);
}

describe("ClaimEscrow", function () {
  afterEach("the escrow's balance covers every free and reserved fund and every credit", async function () {
    const claims = watched.claims;
    if (claims === undefined || (await hre.ethers.provider.getCode(await claims.getAddress())) === "0x") return;
    // Every token any programme pays in, as the escrow itself lists them.
    const tokens = new Set<string>();
    for (let id = 1n; id <= (await claims.programmeCount()); id++)
      tokens.add((await claims.getProgramme(id)).config.token);
    await expectSolvent(claims, [...tokens]);
  });

  async function escrowFixture() {
    const suite = await onboardedFixture();
    const { participants, registrar, records, consent, claims, hospital, insurer, patientA, deployer, agency, ids } =
      suite;
    await onboard(participants, registrar, {
      account: agency,
      kind: "public-health-agency",
      name: "NHIS Review Board",
    });
    const token = await new MockERC20__factory(deployer).deploy("Won stablecoin", "KRWx");
    watched.claims = claims;
    await token.mint(insurer.address, KRW(1_000_000));
    const config = (
      overrides: Partial<IClaimEscrow.ProgrammeConfigStruct> = {},
    ): IClaimEscrow.ProgrammeConfigStruct => ({
      token: token.target as string,
      coveredTypes: bits(
        RECORD_TYPES.diagnosis,
        RECORD_TYPES.prescription,
        RECORD_TYPES["lab-result"],
        RECORD_TYPES.imaging,
      ),
      perClaimCap: KRW(5_000),
      perPatientYearCap: KRW(10_000),
      autoApproveThreshold: KRW(1_000),
      copayBps: 2_000,
      filingWindowDays: 30,
      reviewDays: 14,
      disputeDays: 7,
      arbitrator: agency.address,
      openEnrolment: false,
      ...overrides,
    });
    const asInsurer = claims.connect(insurer);
    await asInsurer.openProgramme(config());
    await token.connect(insurer).approve(await claims.getAddress(), hre.ethers.MaxUint256);
    await asInsurer.deposit(1, KRW(50_000));
    await asInsurer.enrol(1, ids.patientA);
    await asInsurer.enrol(1, ids.patientB);
    await time.increase(60);
    let n = 0;
    const record = async (patientId: bigint, recordType: number) => {
      n += 1;
      return {
        patientId,
        digest: hre.ethers.id(`claim doc ${n}`),
        recordType,
        issuedAt: await time.latest(),
        uri: `ipfs://c${n}`,
      };
    };
    // Records 1-4: patient A (lab result, imaging, diagnosis, vaccination); 5: patient B (lab result).
    await records
      .connect(hospital)
      .registerBatch([
        await record(ids.patientA, RECORD_TYPES["lab-result"]),
        await record(ids.patientA, RECORD_TYPES.imaging),
        await record(ids.patientA, RECORD_TYPES.diagnosis),
        await record(ids.patientA, RECORD_TYPES.vaccination),
        await record(ids.patientB, RECORD_TYPES["lab-result"]),
      ]);
    /** The patient lets the insurer read all its records for insurance claims, through the directory's gateway. */
    const grantInsurer = async (patient: HardhatEthersSigner, patientId: bigint, lifetime = 365 * DAY) =>
      asPatient(participants, patient, patientId, consent, "grant", [
        {
          patientId,
          grantee: insurer.address,
          purpose: PURPOSES["insurance-claim"],
          scopeKind: SCOPES.allRecords,
          scope: [],
          expiresAt: (await time.latest()) + lifetime,
        },
      ]);
    await grantInsurer(patientA, ids.patientA);
    return { ...suite, token, config, record, grantInsurer, asInsurer, asHospital: claims.connect(hospital) };
  }

  /** Claim 1: record 2 (imaging), billed 3,000, due 2,400, pending. */
  async function pendingFixture() {
    const suite = await escrowFixture();
    await suite.asHospital.fileClaim(1, [2], KRW(3_000), suite.hospital.address);
    return suite;
  }

  describe("programmes and funds", function () {
    it("lets an active insurer open a programme and fund it", async function () {
      const { claims, token, ids, insurer } = await loadFixture(escrowFixture);
      const p = await claims.getProgramme(1);
      expect(p.insurerId).to.equal(ids.insurer);
      expect(p.free).to.equal(KRW(50_000));
      expect(p.config.copayBps).to.equal(2_000n);
      await expect(claims.connect(insurer).deposit(1, KRW(5)))
        .to.emit(claims, "Deposited")
        .withArgs(1, KRW(5), KRW(50_005));
      expect(await token.balanceOf(await claims.getAddress())).to.equal(KRW(50_005));
    });

    it("refuses a programme from a non-insurer, with a non-agency arbitrator, or with unusable settings", async function () {
      const { claims, participants, pharmacy, insurer, hospital, config } = await loadFixture(escrowFixture);
      await expect(claims.connect(pharmacy).openProgramme(config())).to.be.revertedWithCustomError(
        participants,
        "ParticipantsWrongKind",
      );
      await expect(claims.connect(insurer).openProgramme(config({ arbitrator: hospital.address })))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(hospital.address, KINDS.hospital, 1n << BigInt(KINDS["public-health-agency"]));
      const bad: [Partial<IClaimEscrow.ProgrammeConfigStruct>, string][] = [
        [{ token: hre.ethers.ZeroAddress }, "token"],
        [{ coveredTypes: 0 }, "coveredTypes"],
        [{ perClaimCap: 0, autoApproveThreshold: 0 }, "perClaimCap"],
        [{ perPatientYearCap: 0 }, "perPatientYearCap"],
        [{ autoApproveThreshold: KRW(6_000) }, "autoApproveThreshold"],
        [{ copayBps: 10_001 }, "copayBps"],
        [{ filingWindowDays: 0 }, "filingWindowDays"],
        [{ filingWindowDays: 366 }, "filingWindowDays"],
        [{ reviewDays: 0 }, "reviewDays"],
        [{ disputeDays: 0 }, "disputeDays"],
      ];
      for (const [overrides, setting] of bad) {
        // IClaimEscrow.ProgrammeSetting, named as the SDK names it.
        await expect(claims.connect(insurer).openProgramme(config(overrides)))
          .to.be.revertedWithCustomError(claims, "ClaimsInvalidConfiguration")
          .withArgs(ENUM_LABELS.ProgrammeSetting.indexOf(setting));
      }
      expect(await claims.programmeCount()).to.equal(1n);
    });

    it("lets the insurer withdraw only what is free, never what is reserved", async function () {
      const { claims, asInsurer, insurer, token } = await loadFixture(pendingFixture);
      const p = await claims.getProgramme(1);
      expect(p.reserved).to.equal(KRW(2_400));
      await expect(asInsurer.withdraw(1, p.free + 1n, insurer.address))
        .to.be.revertedWithCustomError(claims, "ClaimsInsufficientFree")
        .withArgs(1, p.free + 1n, p.free);
      const before = await token.balanceOf(insurer.address);
      await expect(asInsurer.withdraw(1, p.free, insurer.address))
        .to.emit(claims, "Withdrawn")
        .withArgs(1, insurer.address, p.free, 0);
      expect(await token.balanceOf(insurer.address)).to.equal(before + p.free);
      expect((await claims.getProgramme(1)).reserved).to.equal(KRW(2_400));
      await expectSolvent(claims, [await token.getAddress()]);
    });

    it("refuses funds operations by another insurer or a suspended one", async function () {
      const { claims, participants, registrar, insurer, ids, researcher } = await loadFixture(escrowFixture);
      await onboard(participants, registrar, { account: researcher, kind: "insurer", name: "Rival Insurance" });
      await expect(claims.connect(researcher).withdraw(1, 1, researcher.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNotProgrammeInsurer")
        .withArgs(1, researcher.address);
      await participants.connect(registrar).suspend(ids.insurer, code("audit"));
      await expect(claims.connect(insurer).withdraw(1, 1, insurer.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(insurer.address, 2);
      await expect(claims.connect(insurer).deposit(1, 1)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsNotActive",
      );
      expect((await claims.getProgramme(1)).free).to.equal(KRW(50_000));
      await expect(claims.connect(researcher).withdraw(9, 1, researcher.address))
        .to.be.revertedWithCustomError(claims, "ClaimsUnknownProgramme")
        .withArgs(9);
    });

    it("keeps paying a suspended insurer's programme from its escrow, while the insurer can no longer decide or withdraw", async function () {
      const {
        claims,
        participants,
        registrar,
        asInsurer,
        asHospital,
        hospital,
        insurer,
        agency,
        patientA,
        token,
        ids,
      } = await loadFixture(pendingFixture);
      await participants.connect(registrar).suspend(ids.insurer, code("audit"));
      // The consent check asks the read policy with the insurer's id: the patient's grant still stands.
      const hospitalBefore = await token.balanceOf(hospital.address);
      await expect(asHospital.fileClaim(1, [1], KRW(1_000), hospital.address))
        .to.emit(claims, "ClaimFiled")
        .withArgs(2, 1, ids.patientA, ids.hospital, [1], KRW(1_000), KRW(800), hospital.address, Status.Paid, 0);
      await asPatient(participants, patientA, ids.patientA, claims, "fileClaim", [1, [3], KRW(500), patientA.address]);
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(400));
      // The suspended insurer itself is refused: it decides nothing and withdraws nothing.
      const claim = await claims.getClaim(1);
      await expect(asInsurer.approve(1, KRW(2_400), code("ok")))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(insurer.address, 2);
      await expect(asInsurer.withdraw(1, 1, insurer.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(insurer.address, 2);
      expect(await claims.getClaim(1)).to.deep.equal(claim);
      // Its silence is overruled as any insurer's: the threshold's share is forced, the rest arbitrated.
      await time.increaseTo(claim.deadline + 1n);
      await asHospital.forceApproval(1);
      await claims.connect(agency).arbitrate(1, KRW(1_600), code("due-in-full"));
      expect(await token.balanceOf(hospital.address)).to.equal(hospitalBefore + KRW(800) + KRW(2_400));
      const p = await claims.getProgramme(1);
      expect([p.free, p.reserved]).to.deep.equal([KRW(50_000 - 800 - 400 - 2_400), 0n]);
      await expectSolvent(claims, [await token.getAddress()]);
    });

    it("refuses a token that charges a fee on transfer, and works with one that returns no boolean", async function () {
      const { claims, insurer, hospital, config, deployer } = await loadFixture(escrowFixture);
      const fee = await new MockFeeToken__factory(deployer).deploy();
      await fee.mint(insurer.address, KRW(100));
      await fee.connect(insurer).approve(await claims.getAddress(), KRW(100));
      await claims.connect(insurer).openProgramme(config({ token: await fee.getAddress() }));
      await expect(claims.connect(insurer).deposit(2, KRW(100)))
        .to.be.revertedWithCustomError(claims, "ClaimsFeeOnTransferToken")
        .withArgs(await fee.getAddress(), KRW(100), KRW(99));
      expect((await claims.getProgramme(2)).free).to.equal(0n);

      const usdt = await new MockNoReturnToken__factory(deployer).deploy();
      await usdt.mint(insurer.address, KRW(10_000));
      await usdt.connect(insurer).approve(await claims.getAddress(), KRW(10_000));
      await claims.connect(insurer).openProgramme(config({ token: await usdt.getAddress() }));
      await claims.connect(insurer).deposit(3, KRW(10_000));
      expect(await usdt.balanceOf(await claims.getAddress())).to.equal(KRW(10_000));
      await claims.connect(insurer).withdraw(3, KRW(1_000), hospital.address);
      expect(await usdt.balanceOf(hospital.address)).to.equal(KRW(1_000));
    });
  });

  describe("enrolment", function () {
    it("refuses to enrol twice, and ends cover for new treatments without touching filed claims", async function () {
      const { claims, asInsurer, asHospital, records, hospital, ids, record } = await loadFixture(pendingFixture);
      const [enrolledAt] = await claims.coverOf(1, ids.patientA);
      await expect(asInsurer.enrol(1, ids.patientA))
        .to.be.revertedWithCustomError(claims, "ClaimsAlreadyEnrolled")
        .withArgs(1, ids.patientA, enrolledAt);
      await expect(asInsurer.endCover(1, ids.patientA)).to.emit(claims, "CoverEnded").withArgs(1, ids.patientA);
      await asInsurer.approve(1, KRW(2_400), code("ok"));
      expect((await claims.getClaim(1)).status).to.equal(BigInt(Status.Paid));
      await time.increase(30);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis));
      await expect(asHospital.fileClaim(1, [6], KRW(100), hospital.address)).to.be.revertedWithCustomError(
        claims,
        "ClaimsNotCovered",
      );
      const [, endedAt] = await claims.coverOf(1, ids.patientA);
      await expect(asInsurer.endCover(1, ids.patientA))
        .to.be.revertedWithCustomError(claims, "ClaimsCoverAlreadyEnded")
        .withArgs(1, ids.patientA, endedAt);
    });

    it("enrols a patient by its id, for the insurer", async function () {
      const { claims, participants, asInsurer, signers } = await loadFixture(escrowFixture);
      const [newcomer] = await registerPatients(participants, signers[25]);
      await expect(asInsurer.enrol(1, newcomer)).to.emit(claims, "Enrolled").withArgs(1, newcomer, false);
      expect(await claims.coverOf(1, newcomer)).to.deep.equal([BigInt(await time.latest()), 0n]);
    });

    it("lets a patient join an open programme through the gateway, relayed so that it pays no gas; a replay, a late or forged request is refused", async function () {
      const { claims, participants, asInsurer, config, relayer, patientA, patientB, ids } =
        await loadFixture(escrowFixture);
      await asInsurer.openProgramme(config({ openEnrolment: true }));
      const data = claims.interface.encodeFunctionData("join", [2]);
      const balance = await hre.ethers.provider.getBalance(patientA.address);
      const signed = await signedCall(participants, patientA, { patientId: ids.patientA, target: claims, data });
      await expect(participants.connect(relayer).relay(signed.call, signed.signature))
        .to.emit(claims, "Enrolled")
        .withArgs(2, ids.patientA, true);
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(balance);
      expect(await claims.coverOf(2, ids.patientA)).to.deep.equal([BigInt(await time.latest()), 0n]);
      expect((await participants.patient(ids.patientA)).nonce).to.equal(1n);
      await expect(participants.connect(relayer).relay(signed.call, signed.signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidNonce")
        .withArgs(ids.patientA, 1, 0);
      const late = await signedCall(participants, patientB, {
        patientId: ids.patientB,
        target: claims,
        data,
        deadline: BigInt(await time.latest()) - 1n,
      });
      await expect(participants.connect(relayer).relay(late.call, late.signature))
        .to.be.revertedWithCustomError(participants, "PatientsSignatureExpired")
        .withArgs(late.call.deadline, (await time.latest()) + 1);
      // Patient A's key signs a join for patient B: the directory checks the signature against B's key.
      const forged = await signedCall(participants, patientA, { patientId: ids.patientB, target: claims, data });
      await expect(participants.connect(relayer).relay(forged.call, forged.signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
        .withArgs(patientB.address);
      expect(await claims.coverOf(2, ids.patientB)).to.deep.equal([0n, 0n]);
      expect((await participants.patient(ids.patientB)).nonce).to.equal(0n);
    });

    it("lets anyone relay a signed join only when enrolment is open", async function () {
      const { claims, participants, asInsurer, config, relayer, patientB, ids } = await loadFixture(escrowFixture);
      await asInsurer.openProgramme(config());
      await expect(relayedAsPatient(participants, patientB, relayer, ids.patientB, claims, "join", [2]))
        .to.be.revertedWithCustomError(claims, "ClaimsEnrolmentClosed")
        .withArgs(2);
      expect(await claims.coverOf(2, ids.patientB)).to.deep.equal([0n, 0n]);
      await asInsurer.openProgramme(config({ openEnrolment: true }));
      await expect(relayedAsPatient(participants, patientB, relayer, ids.patientB, claims, "join", [3]))
        .to.emit(claims, "Enrolled")
        .withArgs(3, ids.patientB, true);
      expect((await claims.coverOf(3, ids.patientB))[0]).to.be.greaterThan(0n);
    });

    it("lets a guardian with the act power join for the patient, and refuses one without it", async function () {
      const { claims, participants, asInsurer, config, patientA, guardian, signers, ids } =
        await loadFixture(escrowFixture);
      await asInsurer.openProgramme(config({ openEnrolment: true }));
      const recoverer = signers[24];
      const recovererSalt = hre.ethers.id("salt:recoverer");
      const recovererCommitment = guardianCommitment(ids.patientA, recoverer.address, recovererSalt);
      await participants.connect(patientA).setGuardian(recovererCommitment, 1 /* POWER_RECOVER */);
      await participants
        .connect(patientA)
        .setGuardian(guardianCommitment(ids.patientA, guardian.address, GUARDIAN_SALT), 2 /* POWER_ACT */);
      await expect(asGuardian(participants, recoverer, ids.patientA, recovererSalt, claims, "join", [2]))
        .to.be.revertedWithCustomError(participants, "PatientsGuardianLacksPower")
        .withArgs(ids.patientA, recovererCommitment, 2);
      expect(await claims.coverOf(2, ids.patientA)).to.deep.equal([0n, 0n]);
      await expect(asGuardian(participants, guardian, ids.patientA, GUARDIAN_SALT, claims, "join", [2]))
        .to.emit(claims, "Enrolled")
        .withArgs(2, ids.patientA, true);
    });

    it("takes no new patients once the programme is closed", async function () {
      const { claims, participants, asInsurer, config, patientA, signers, ids } = await loadFixture(escrowFixture);
      const [newcomer] = await registerPatients(participants, signers[25]);
      await expect(asInsurer.closeProgramme(1)).to.emit(claims, "ProgrammeClosed").withArgs(1);
      await expect(asInsurer.enrol(1, newcomer))
        .to.be.revertedWithCustomError(claims, "ClaimsProgrammeClosed")
        .withArgs(1);
      await expect(asInsurer.closeProgramme(1))
        .to.be.revertedWithCustomError(claims, "ClaimsProgrammeClosed")
        .withArgs(1);
      await asInsurer.openProgramme(config({ openEnrolment: true }));
      await asInsurer.closeProgramme(2);
      await expect(asPatient(participants, patientA, ids.patientA, claims, "join", [2]))
        .to.be.revertedWithCustomError(claims, "ClaimsProgrammeClosed")
        .withArgs(2);
      expect(await claims.coverOf(1, newcomer)).to.deep.equal([0n, 0n]);
      expect(await claims.coverOf(2, ids.patientA)).to.deep.equal([0n, 0n]);
    });
  });

  describe("small claims: checked and paid in the same transaction", function () {
    it("pays a claim at or under the threshold at once, net of co-payment", async function () {
      const { claims, asHospital, hospital, insurer, token, ids } = await loadFixture(escrowFixture);
      const before = await token.balanceOf(hospital.address);
      await expect(asHospital.fileClaim(1, [1], KRW(1_000), hospital.address))
        .to.emit(claims, "ClaimFiled")
        .withArgs(1, 1, ids.patientA, ids.hospital, [1], KRW(1_000), KRW(800), hospital.address, Status.Paid, 0)
        .and.not.to.emit(claims, "PaymentCredited");
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(800));
      // Paid at once: nothing stored for the claim itself; it reads as Paid and its details are in the event.
      const c = await claims.getClaim(1);
      expect([c.patientId, c.status, c.due]).to.deep.equal([0n, BigInt(Status.Paid), 0n]);
      await expect(claims.connect(insurer).approve(1, 1, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidStatus")
        .withArgs(1, Status.Paid);
      expect(await claims.claimOfRecord(1)).to.equal(1n);
      expect((await claims.getProgramme(1)).free).to.equal(KRW(50_000 - 800));
      expect(await claims.usedInYear(1, ids.patientA, 0)).to.equal(KRW(800));
      await expectSolvent(claims, [await token.getAddress()]);
    });

    it("lets the patient file too, for several records, and be paid", async function () {
      const { claims, participants, patientA, token, ids } = await loadFixture(escrowFixture);
      // Through the directory's gateway: the claim's hospital is the records' issuer.
      await expect(
        asPatient(participants, patientA, ids.patientA, claims, "fileClaim", [1, [1, 3], KRW(500), patientA.address]),
      )
        .to.emit(claims, "ClaimFiled")
        .withArgs(1, 1, ids.patientA, ids.hospital, [1, 3], KRW(500), KRW(400), patientA.address, Status.Paid, 0);
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(400));
      expect(await claims.claimOfRecord(3)).to.equal(1n);
    });

    it("refuses each fault and changes nothing", async function () {
      const { claims, participants, asHospital, hospital, secondHospital, patientA, ids, stranger } =
        await loadFixture(escrowFixture);
      const before = await claims.getProgramme(1);
      const file = (recordIds: number[], billed = KRW(500)) =>
        asHospital.fileClaim(1, recordIds, billed, hospital.address);
      await expect(file([1, 5]))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordPatientMismatch")
        .withArgs(5, ids.patientA);
      await expect(claims.connect(secondHospital).fileClaim(1, [1], KRW(500), secondHospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordIssuerMismatch")
        .withArgs(1, ids.hospital, ids.secondHospital);
      await expect(file([5]))
        .to.be.revertedWithCustomError(claims, "ClaimsNoConsent")
        .withArgs(5, ids.insurer);
      await expect(file([4]))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordTypeNotCovered")
        .withArgs(4, RECORD_TYPES.vaccination);
      await expect(file([1], 0n))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidAmount")
        .withArgs(0, KRW(5_000));
      await expect(file([1], KRW(5_001)))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidAmount")
        .withArgs(KRW(5_001), KRW(5_000));
      await expect(file([])).to.be.revertedWithCustomError(claims, "ClaimsInvalidRecordCount").withArgs(0);
      await expect(file(Array.from({ length: 11 }, () => 1)))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidRecordCount")
        .withArgs(11);
      await expect(asHospital.fileClaim(1, [1], KRW(1), hre.ethers.ZeroAddress)).to.be.revertedWithCustomError(
        claims,
        "ClaimsZeroPayee",
      );
      await expect(asHospital.fileClaim(7, [1], KRW(1), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsUnknownProgramme")
        .withArgs(7);
      // Neither a stranger nor the patient's own key, calling directly, files: the patient goes through the gateway.
      await expect(claims.connect(stranger).fileClaim(1, [1], KRW(1), stranger.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(stranger.address, 0);
      await expect(claims.connect(patientA).fileClaim(1, [1], KRW(1), patientA.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(patientA.address, 0);
      expect(await claims.claimCount()).to.equal(0n);
      expect(await claims.getProgramme(1)).to.deep.equal(before);
      expect(await claims.claimOfRecord(1)).to.equal(0n);
    });

    it("never pays a record twice, in any claim of any programme", async function () {
      const { claims, asHospital, asInsurer, hospital, config, ids } = await loadFixture(escrowFixture);
      await asHospital.fileClaim(1, [1], KRW(500), hospital.address);
      await expect(asHospital.fileClaim(1, [3, 1], KRW(500), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(1, 1);
      await expect(asHospital.fileClaim(1, [3, 3], KRW(500), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(3, 2);
      await asInsurer.openProgramme(config());
      await asInsurer.deposit(2, KRW(1_000));
      await asInsurer.enrol(2, ids.patientA);
      await expect(asHospital.fileClaim(2, [1], KRW(500), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(1, 1);
      expect(await claims.claimCount()).to.equal(1n);
    });

    it("refuses a treatment before cover or past the filing window, and a revoked consent", async function () {
      const { claims, consent, participants, asHospital, hospital, records, patientA, ids } =
        await loadFixture(escrowFixture);
      const [enrolledAt] = await claims.coverOf(1, ids.patientA);
      await records.connect(hospital).register({
        patientId: ids.patientA,
        digest: hre.ethers.id("before cover"),
        recordType: RECORD_TYPES.diagnosis,
        issuedAt: enrolledAt - 1n,
        uri: "ipfs://before",
      });
      await expect(asHospital.fileClaim(1, [6], KRW(100), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNotCovered")
        .withArgs(6, enrolledAt - 1n);
      const grantId = await consent.grantIdOf(
        ids.patientA,
        ids.insurer,
        PURPOSES["insurance-claim"],
        SCOPES.allRecords,
        0,
      );
      await asPatient(participants, patientA, ids.patientA, consent, "revoke", [grantId]);
      await expect(asHospital.fileClaim(1, [1], KRW(100), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNoConsent")
        .withArgs(1, ids.insurer);
      const r1 = await records.getRecord(1);
      await time.increaseTo(r1.issuedAt + 30n * BigInt(DAY) + 1n);
      await expect(asHospital.fileClaim(1, [1], KRW(100), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsFilingWindowClosed")
        .withArgs(1, r1.issuedAt + 30n * BigInt(DAY));
      expect(await claims.claimCount()).to.equal(0n);
    });

    it("keeps a patient within the yearly cap, and counts only what is finally paid", async function () {
      const { claims, asHospital, asInsurer, hospital, ids, records, record } = await loadFixture(escrowFixture);
      await records
        .connect(hospital)
        .registerBatch([
          await record(ids.patientA, RECORD_TYPES.diagnosis),
          await record(ids.patientA, RECORD_TYPES.diagnosis),
          await record(ids.patientA, RECORD_TYPES.diagnosis),
        ]);
      // 4,000 due each; 10,000 per year.
      await asHospital.fileClaim(1, [6], KRW(5_000), hospital.address);
      await asHospital.fileClaim(1, [7], KRW(5_000), hospital.address);
      expect(await claims.usedInYear(1, ids.patientA, 0)).to.equal(KRW(8_000));
      await expect(asHospital.fileClaim(1, [8], KRW(5_000), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsPatientYearCapExceeded")
        .withArgs(ids.patientA, 0, KRW(8_000), KRW(4_000), KRW(10_000));
      await asInsurer.reject(1, code("not-necessary"));
      await time.increase(8 * DAY);
      await claims.finalize(1);
      expect(await claims.usedInYear(1, ids.patientA, 0)).to.equal(KRW(4_000));
      await asHospital.fileClaim(1, [8], KRW(5_000), hospital.address);
    });
  });

  describe("larger claims: reviewed, disputed, arbitrated", function () {
    it("reserves a claim above the threshold and pays it when approved in full", async function () {
      const { claims, asInsurer, hospital, insurer, token, ids } = await loadFixture(pendingFixture);
      const c = await claims.getClaim(1);
      expect([c.patientId, c.hospitalId, c.status, c.billed, c.due]).to.deep.equal([
        ids.patientA,
        ids.hospital,
        BigInt(Status.Pending),
        KRW(3_000),
        KRW(2_400),
      ]);
      const before = await token.balanceOf(hospital.address);
      await expect(asInsurer.approve(1, KRW(2_400), code("ok")))
        .to.emit(claims, "ClaimDecided")
        .withArgs(1, Status.Paid, KRW(2_400), code("ok"), insurer.address);
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(2_400));
      expect((await claims.getProgramme(1)).reserved).to.equal(0n);
      await expectSolvent(claims, [await token.getAddress()]);
    });

    it("approves in part; the claimant disputes; the arbitrator's award is final", async function () {
      const { claims, asInsurer, asHospital, agency, hospital, token } = await loadFixture(pendingFixture);
      await asInsurer.approve(1, KRW(1_000), code("partial"));
      expect((await claims.getClaim(1)).status).to.equal(BigInt(Status.PartiallyApproved));
      await expect(asHospital.dispute(1))
        .to.emit(claims, "ClaimDecided")
        .withArgs(1, Status.Disputed, 0, hre.ethers.ZeroHash, hospital.address);
      const before = await token.balanceOf(hospital.address);
      await expect(claims.connect(agency).arbitrate(1, KRW(1_401), code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsAwardExceedsContested")
        .withArgs(1, KRW(1_401), KRW(1_400));
      await claims.connect(agency).arbitrate(1, KRW(900), code("fair-price"));
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(900));
      const c = await claims.getClaim(1);
      expect([c.status, c.paid]).to.deep.equal([BigInt(Status.Settled), KRW(1_900)]);
      const p = await claims.getProgramme(1);
      expect(p.reserved).to.equal(0n);
      expect(p.free).to.equal(KRW(50_000 - 1_900));
      await expect(claims.connect(agency).arbitrate(1, 0, code("again")))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidStatus")
        .withArgs(1, Status.Settled);
      await expectSolvent(claims, [await token.getAddress()]);
    });

    it("lets the claimant force the threshold's share when the insurer lets the deadline pass, and escalate the rest", async function () {
      const { claims, asHospital, agency, hospital, token } = await loadFixture(pendingFixture);
      const { deadline } = await claims.getClaim(1);
      await expect(asHospital.forceApproval(1))
        .to.be.revertedWithCustomError(claims, "ClaimsReviewDeadlineNotPassed")
        .withArgs(1, deadline);
      await time.increase(14 * DAY + 1);
      const before = await token.balanceOf(hospital.address);
      await expect(asHospital.forceApproval(1))
        .to.emit(claims, "ClaimDecided")
        .withArgs(1, Status.Escalated, KRW(800), hre.ethers.ZeroHash, hospital.address);
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(800));
      await claims.connect(agency).arbitrate(1, KRW(1_600), code("due-in-full"));
      expect((await claims.getClaim(1)).paid).to.equal(KRW(2_400));
      await expectSolvent(claims, [await token.getAddress()]);
    });

    it("closes an undisputed rejection after the window and returns the reservation", async function () {
      const { claims, asInsurer, asHospital } = await loadFixture(pendingFixture);
      await asInsurer.reject(1, code("not-covered"));
      const { deadline } = await claims.getClaim(1);
      await expect(claims.finalize(1))
        .to.be.revertedWithCustomError(claims, "ClaimsDisputeDeadlineNotPassed")
        .withArgs(1, deadline);
      await time.increase(7 * DAY + 1);
      await expect(asHospital.dispute(1))
        .to.be.revertedWithCustomError(claims, "ClaimsDisputeDeadlinePassed")
        .withArgs(1, deadline);
      await claims.finalize(1);
      const p = await claims.getProgramme(1);
      expect([p.free, p.reserved]).to.deep.equal([KRW(50_000), 0n]);
      expect((await claims.getClaim(1)).status).to.equal(BigInt(Status.Settled));
    });

    it("refuses approving more than claimed, acting on a settled claim, a stranger disputing, a non-arbitrator arbitrating, another insurer deciding", async function () {
      const { claims, asInsurer, asHospital, stranger, hospital, agency, participants, registrar, researcher } =
        await loadFixture(pendingFixture);
      await expect(asInsurer.approve(1, KRW(2_401), code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsApprovalExceedsClaim")
        .withArgs(1, KRW(2_401), KRW(2_400));
      await onboard(participants, registrar, { account: researcher, kind: "insurer", name: "Rival Insurance" });
      await expect(claims.connect(researcher).approve(1, 1, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsNotProgrammeInsurer")
        .withArgs(1, researcher.address);
      await expect(claims.connect(agency).arbitrate(1, 0, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidStatus")
        .withArgs(1, Status.Pending);
      await asInsurer.reject(1, code("no"));
      await expect(claims.connect(stranger).dispute(1))
        .to.be.revertedWithCustomError(claims, "ClaimsNotClaimant")
        .withArgs(stranger.address);
      await asHospital.dispute(1);
      await expect(claims.connect(hospital).arbitrate(1, 0, code("x"))).to.be.revertedWithCustomError(
        participants,
        "ParticipantsWrongKind",
      );
      await claims.connect(agency).arbitrate(1, 0, code("upheld"));
      await expect(asInsurer.approve(1, 1, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidStatus")
        .withArgs(1, Status.Settled);
      await expect(asHospital.dispute(1))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidStatus")
        .withArgs(1, Status.Settled);
      await expect(claims.getClaim(99)).to.be.revertedWithCustomError(claims, "ClaimsUnknownClaim").withArgs(99);
    });
  });

  describe("the patient as claimant, through the directory's gateway", function () {
    it("lets the patient force approval of its claim and dispute another through the gateway, relayed or not", async function () {
      const { claims, participants, asInsurer, hospital, patientA, relayer, token, ids } =
        await loadFixture(pendingFixture);
      // Claim 2: the patient's own, record 3 (diagnosis), billed 2,000, due 1,600, pending.
      await asPatient(participants, patientA, ids.patientA, claims, "fileClaim", [
        1,
        [3],
        KRW(2_000),
        patientA.address,
      ]);
      expect((await claims.getClaim(2)).patientId).to.equal(ids.patientA);
      await asInsurer.reject(2, code("no"));
      await expect(relayedAsPatient(participants, patientA, relayer, ids.patientA, claims, "dispute", [2]))
        .to.emit(claims, "ClaimDecided")
        .withArgs(2, Status.Disputed, 0, hre.ethers.ZeroHash, await participants.getAddress());
      await time.increase(14 * DAY + 1);
      const before = await token.balanceOf(hospital.address);
      await expect(asPatient(participants, patientA, ids.patientA, claims, "forceApproval", [1]))
        .to.emit(claims, "ClaimDecided")
        .withArgs(1, Status.Escalated, KRW(800), hre.ethers.ZeroHash, await participants.getAddress());
      // The payee the hospital named is paid, whoever forced the approval.
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(800));
    });

    it("refuses a patient filing, forcing or disputing another patient's claim through the gateway", async function () {
      const { claims, participants, asInsurer, asHospital, hospital, patientA, patientB, ids } =
        await loadFixture(pendingFixture);
      // Claim 2: record 3 (diagnosis), billed 3,000, rejected: open to a dispute.
      await asHospital.fileClaim(1, [3], KRW(3_000), hospital.address);
      await asInsurer.reject(2, code("no"));
      await time.increase(14 * DAY + 1);
      const [pending, rejected, programme] = [
        await claims.getClaim(1),
        await claims.getClaim(2),
        await claims.getProgramme(1),
      ];
      await expect(
        asPatient(participants, patientB, ids.patientB, claims, "fileClaim", [1, [1], KRW(500), patientB.address]),
      )
        .to.be.revertedWithCustomError(claims, "ClaimsRecordPatientMismatch")
        .withArgs(1, ids.patientB);
      const directory = await participants.getAddress();
      await expect(asPatient(participants, patientB, ids.patientB, claims, "forceApproval", [1]))
        .to.be.revertedWithCustomError(claims, "ClaimsNotClaimant")
        .withArgs(directory);
      await expect(asPatient(participants, patientB, ids.patientB, claims, "dispute", [2]))
        .to.be.revertedWithCustomError(claims, "ClaimsNotClaimant")
        .withArgs(directory);
      // The claim's own patient, calling directly instead of through the gateway, is no claimant either.
      await expect(claims.connect(patientA).dispute(2))
        .to.be.revertedWithCustomError(claims, "ClaimsNotClaimant")
        .withArgs(patientA.address);
      expect(await claims.getClaim(1)).to.deep.equal(pending);
      expect(await claims.getClaim(2)).to.deep.equal(rejected);
      expect(await claims.getProgramme(1)).to.deep.equal(programme);
      expect(await claims.claimCount()).to.equal(2n);
      expect(await claims.claimOfRecord(1)).to.equal(0n);
    });

    it("keeps the claim with the patient after it moves to a new key: the new key disputes it, the old key reaches nothing", async function () {
      const { claims, participants, asInsurer, patientA, signers, ids } = await loadFixture(pendingFixture);
      await asInsurer.reject(1, code("no"));
      const newKey = signers[26];
      await participants.connect(patientA).proposePatientAccount(newKey.address);
      await participants.connect(newKey).acceptPatientAccount(ids.patientA);
      expect(await participants.patientOf(patientA.address)).to.deep.equal([ids.patientA, false]);
      const claim = await claims.getClaim(1);
      expect(claim.patientId).to.equal(ids.patientA);
      await expect(asPatient(participants, patientA, ids.patientA, claims, "dispute", [1]))
        .to.be.revertedWithCustomError(participants, "PatientsNotPatient")
        .withArgs(patientA.address, ids.patientA);
      expect(await claims.getClaim(1)).to.deep.equal(claim);
      await expect(asPatient(participants, newKey, ids.patientA, claims, "dispute", [1]))
        .to.emit(claims, "ClaimDecided")
        .withArgs(1, Status.Disputed, 0, hre.ethers.ZeroHash, await participants.getAddress());
      expect((await claims.getClaim(1)).status).to.equal(BigInt(Status.Disputed));
    });
  });

  describe("more refusals", function () {
    it("refuses a claim for a patient not enrolled, a treatment after the programme closed, or without funds", async function () {
      const {
        claims,
        participants,
        asInsurer,
        asHospital,
        hospital,
        records,
        insurer,
        record,
        grantInsurer,
        signers,
        ids,
      } = await loadFixture(escrowFixture);
      const stranger = signers[27];
      const [strangerId] = await registerPatients(participants, stranger);
      await records.connect(hospital).register(await record(strangerId, RECORD_TYPES.diagnosis));
      await grantInsurer(stranger, strangerId, DAY);
      await expect(asHospital.fileClaim(1, [6], KRW(100), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNotEnrolled")
        .withArgs(1, strangerId);
      await expect(asInsurer.endCover(1, strangerId))
        .to.be.revertedWithCustomError(claims, "ClaimsNotEnrolled")
        .withArgs(1, strangerId);
      await expect(asInsurer.enrol(1, 0)).to.be.revertedWithCustomError(claims, "ClaimsUnknownPatient").withArgs(0);

      await asInsurer.closeProgramme(1);
      await time.increase(5);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis));
      await expect(asHospital.fileClaim(1, [7], KRW(100), hospital.address)).to.be.revertedWithCustomError(
        claims,
        "ClaimsNotCovered",
      );
      // Treatments before the closing are still claimable.
      await asHospital.fileClaim(1, [1], KRW(100), hospital.address);

      const p = await claims.getProgramme(1);
      await asInsurer.withdraw(1, p.free, insurer.address);
      await expect(asHospital.fileClaim(1, [3], KRW(100), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsInsufficientFree")
        .withArgs(1, KRW(80), 0);
      await expect(claims.getClaim(0)).to.be.revertedWithCustomError(claims, "ClaimsUnknownClaim").withArgs(0);
    });

    it("lets the patient act as claimant, and refuses another agency arbitrating or a suspended hospital disputing", async function () {
      const { claims, participants, registrar, asInsurer, patientA, hospital, ids, regulator } =
        await loadFixture(pendingFixture);
      await asInsurer.reject(1, code("no"));
      await participants.connect(registrar).suspend(ids.hospital, code("audit"));
      await expect(claims.connect(hospital).dispute(1))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, 2);
      await expect(asPatient(participants, patientA, ids.patientA, claims, "dispute", [1]))
        .to.emit(claims, "ClaimDecided")
        .withArgs(1, Status.Disputed, 0, hre.ethers.ZeroHash, await participants.getAddress());
      await onboard(participants, registrar, {
        account: regulator,
        kind: "public-health-agency",
        name: "Other Agency",
      });
      await expect(claims.connect(regulator).arbitrate(1, 0, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsNotArbitrator")
        .withArgs(1, regulator.address);
    });
  });

  describe("one error per wrong thing, and nothing changed", function () {
    it("refuses enrolling an unknown patient id with ClaimsUnknownPatient", async function () {
      const { claims, participants, asInsurer } = await loadFixture(escrowFixture);
      expect(await participants.patientCount()).to.equal(2n);
      for (const unknown of [0n, 3n, 2n ** 64n - 1n]) {
        await expect(asInsurer.enrol(1, unknown))
          .to.be.revertedWithCustomError(claims, "ClaimsUnknownPatient")
          .withArgs(unknown);
        expect(await claims.coverOf(1, unknown)).to.deep.equal([0n, 0n]);
      }
    });

    it("refuses a second enrolment with ClaimsAlreadyEnrolled, naming the first, even after the cover ended", async function () {
      const { claims, asInsurer, ids } = await loadFixture(escrowFixture);
      const [enrolledAt] = await claims.coverOf(1, ids.patientA);
      await expect(asInsurer.enrol(1, ids.patientA))
        .to.be.revertedWithCustomError(claims, "ClaimsAlreadyEnrolled")
        .withArgs(1, ids.patientA, enrolledAt);
      await asInsurer.endCover(1, ids.patientA);
      const cover = await claims.coverOf(1, ids.patientA);
      await expect(asInsurer.enrol(1, ids.patientA))
        .to.be.revertedWithCustomError(claims, "ClaimsAlreadyEnrolled")
        .withArgs(1, ids.patientA, enrolledAt);
      expect(await claims.coverOf(1, ids.patientA)).to.deep.equal(cover);
    });

    it("refuses a second join with ClaimsAlreadyEnrolled, naming the first enrolment, whoever made it", async function () {
      const { claims, participants, asInsurer, config, patientA, patientB, ids } = await loadFixture(escrowFixture);
      await asInsurer.openProgramme(config({ openEnrolment: true }));
      await asPatient(participants, patientA, ids.patientA, claims, "join", [2]);
      await asInsurer.enrol(2, ids.patientB);
      const [coverA, coverB] = [await claims.coverOf(2, ids.patientA), await claims.coverOf(2, ids.patientB)];
      await expect(asPatient(participants, patientA, ids.patientA, claims, "join", [2]))
        .to.be.revertedWithCustomError(claims, "ClaimsAlreadyEnrolled")
        .withArgs(2, ids.patientA, coverA[0]);
      await expect(asPatient(participants, patientB, ids.patientB, claims, "join", [2]))
        .to.be.revertedWithCustomError(claims, "ClaimsAlreadyEnrolled")
        .withArgs(2, ids.patientB, coverB[0]);
      await expect(asInsurer.enrol(2, ids.patientA))
        .to.be.revertedWithCustomError(claims, "ClaimsAlreadyEnrolled")
        .withArgs(2, ids.patientA, coverA[0]);
      expect(await claims.coverOf(2, ids.patientA)).to.deep.equal(coverA);
      expect(await claims.coverOf(2, ids.patientB)).to.deep.equal(coverB);
    });

    it("refuses ending the cover of, or filing for, a patient never enrolled with ClaimsNotEnrolled", async function () {
      const { claims, participants, asInsurer, asHospital, hospital, records, record, grantInsurer, signers } =
        await loadFixture(escrowFixture);
      const outsider = signers[27];
      const [outsiderId] = await registerPatients(participants, outsider);
      await records.connect(hospital).register(await record(outsiderId, RECORD_TYPES.diagnosis));
      await grantInsurer(outsider, outsiderId, DAY);
      const programme = await claims.getProgramme(1);
      await expect(asInsurer.endCover(1, outsiderId))
        .to.be.revertedWithCustomError(claims, "ClaimsNotEnrolled")
        .withArgs(1, outsiderId);
      await expect(asHospital.fileClaim(1, [6], KRW(100), hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNotEnrolled")
        .withArgs(1, outsiderId);
      await expect(
        asPatient(participants, outsider, outsiderId, claims, "fileClaim", [1, [6], KRW(100), outsider.address]),
      )
        .to.be.revertedWithCustomError(claims, "ClaimsNotEnrolled")
        .withArgs(1, outsiderId);
      expect(await claims.coverOf(1, outsiderId)).to.deep.equal([0n, 0n]);
      expect(await claims.claimCount()).to.equal(0n);
      expect(await claims.claimOfRecord(6)).to.equal(0n);
      expect(await claims.getProgramme(1)).to.deep.equal(programme);
    });

    it("refuses ending a cover twice with ClaimsCoverAlreadyEnded, keeping the first end", async function () {
      const { claims, asInsurer, ids } = await loadFixture(escrowFixture);
      await asInsurer.endCover(1, ids.patientB);
      const cover = await claims.coverOf(1, ids.patientB);
      await time.increase(DAY);
      await expect(asInsurer.endCover(1, ids.patientB))
        .to.be.revertedWithCustomError(claims, "ClaimsCoverAlreadyEnded")
        .withArgs(1, ids.patientB, cover[1]);
      expect(await claims.coverOf(1, ids.patientB)).to.deep.equal(cover);
    });

    it("refuses a join to a programme without open enrolment with ClaimsEnrolmentClosed, leaving the patient's nonce unspent", async function () {
      const { claims, participants, relayer, patientA, ids } = await loadFixture(escrowFixture);
      const nonce = (await participants.patient(ids.patientA)).nonce;
      const [enrolledAt] = await claims.coverOf(1, ids.patientA);
      // Programme 1 has no open enrolment: its insurer enrolled patient A, who cannot join it itself.
      await expect(relayedAsPatient(participants, patientA, relayer, ids.patientA, claims, "join", [1]))
        .to.be.revertedWithCustomError(claims, "ClaimsEnrolmentClosed")
        .withArgs(1);
      expect((await participants.patient(ids.patientA)).nonce).to.equal(nonce);
      expect(await claims.coverOf(1, ids.patientA)).to.deep.equal([enrolledAt, 0n]);
      await expect(asPatient(participants, patientA, ids.patientA, claims, "join", [9]))
        .to.be.revertedWithCustomError(claims, "ClaimsUnknownProgramme")
        .withArgs(9);
    });

    it("refuses a join that does not come through the directory's gateway with PatientsNotThroughGateway", async function () {
      const { claims, participants, asInsurer, config, patientA, relayer, ids } = await loadFixture(escrowFixture);
      await asInsurer.openProgramme(config({ openEnrolment: true }));
      for (const caller of [patientA, relayer]) {
        await expect(claims.connect(caller).join(2))
          .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
          .withArgs(caller.address);
      }
      expect(await claims.coverOf(2, ids.patientA)).to.deep.equal([0n, 0n]);
    });

    it("refuses forcing approval before the review deadline with ClaimsReviewDeadlineNotPassed", async function () {
      const { claims, asHospital } = await loadFixture(pendingFixture);
      const claim = await claims.getClaim(1);
      const programme = await claims.getProgramme(1);
      await time.increaseTo(claim.deadline - 1n);
      await expect(asHospital.forceApproval(1))
        .to.be.revertedWithCustomError(claims, "ClaimsReviewDeadlineNotPassed")
        .withArgs(1, claim.deadline);
      expect(await claims.getClaim(1)).to.deep.equal(claim);
      expect(await claims.getProgramme(1)).to.deep.equal(programme);
    });

    it("refuses a dispute after the dispute deadline with ClaimsDisputeDeadlinePassed", async function () {
      const { claims, asInsurer, asHospital } = await loadFixture(pendingFixture);
      await asInsurer.approve(1, KRW(1_000), code("partly"));
      const claim = await claims.getClaim(1);
      await time.increaseTo(claim.deadline + 1n);
      await expect(asHospital.dispute(1))
        .to.be.revertedWithCustomError(claims, "ClaimsDisputeDeadlinePassed")
        .withArgs(1, claim.deadline);
      expect(await claims.getClaim(1)).to.deep.equal(claim);
    });

    it("refuses a claimant that is no claimant with ClaimsNotClaimant, and its suspended hospital with ParticipantsNotActive", async function () {
      const { claims, participants, registrar, asInsurer, hospital, secondHospital, patientB, ids } =
        await loadFixture(pendingFixture);
      await asInsurer.reject(1, code("no"));
      const claim = await claims.getClaim(1);
      await expect(claims.connect(secondHospital).dispute(1))
        .to.be.revertedWithCustomError(claims, "ClaimsNotClaimant")
        .withArgs(secondHospital.address);
      await expect(asPatient(participants, patientB, ids.patientB, claims, "dispute", [1]))
        .to.be.revertedWithCustomError(claims, "ClaimsNotClaimant")
        .withArgs(await participants.getAddress());
      await participants.connect(registrar).suspend(ids.hospital, code("audit"));
      await expect(claims.connect(hospital).dispute(1))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, 2);
      expect(await claims.getClaim(1)).to.deep.equal(claim);
    });

    it("refuses finalizing before the dispute deadline with ClaimsDisputeDeadlineNotPassed", async function () {
      const { claims, asInsurer } = await loadFixture(pendingFixture);
      await asInsurer.approve(1, KRW(1_000), code("partly"));
      const claim = await claims.getClaim(1);
      const programme = await claims.getProgramme(1);
      await time.increaseTo(claim.deadline - 1n);
      await expect(claims.finalize(1))
        .to.be.revertedWithCustomError(claims, "ClaimsDisputeDeadlineNotPassed")
        .withArgs(1, claim.deadline);
      expect(await claims.getClaim(1)).to.deep.equal(claim);
      expect(await claims.getProgramme(1)).to.deep.equal(programme);
    });
  });

  describe("payments cannot be trapped, and nobody re-enters", function () {
    it("credits a payee whose transfer fails, and lets it withdraw elsewhere; other claims go on", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, asHospital, hospital, deployer, patientA, records, record, ids } = suite;
      const blk = await new MockBlacklistToken__factory(deployer).deploy();
      await fundSecondProgramme(suite, blk);
      await records
        .connect(hospital)
        .registerBatch([
          await record(ids.patientA, RECORD_TYPES.diagnosis),
          await record(ids.patientA, RECORD_TYPES.diagnosis),
        ]);
      await blk.setBlacklisted(hospital.address, true);
      await expect(asHospital.fileClaim(2, [6], KRW(1_000), hospital.address))
        .to.emit(claims, "PaymentCredited")
        .withArgs(1, hospital.address, KRW(800));
      expect(await claims.creditOf(await blk.getAddress(), hospital.address)).to.equal(KRW(800));
      await asHospital.fileClaim(2, [7], KRW(500), patientA.address);
      expect(await blk.balanceOf(patientA.address)).to.equal(KRW(400));
      await expectSolvent(claims, [await blk.getAddress()]);
      await expect(claims.connect(hospital).withdrawCredit(await blk.getAddress(), patientA.address))
        .to.emit(claims, "CreditWithdrawn")
        .withArgs(await blk.getAddress(), hospital.address, patientA.address, KRW(800));
      expect(await claims.totalCredits(await blk.getAddress())).to.equal(0n);
      await expect(claims.connect(hospital).withdrawCredit(await blk.getAddress(), patientA.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNoCredit")
        .withArgs(await blk.getAddress(), hospital.address);
    });

    it("turns a malicious payee's re-entry into a failed payment and a credit", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, asHospital, hospital, deployer, records, record, ids } = suite;
      const hook = await new MockHookToken__factory(deployer).deploy();
      await fundSecondProgramme(suite, hook);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis));
      const payee = await new MaliciousPayee__factory(deployer).deploy(
        await claims.getAddress(),
        await hook.getAddress(),
      );
      await hook.registerHook(await payee.getAddress());
      await expect(asHospital.fileClaim(2, [6], KRW(1_000), await payee.getAddress()))
        .to.emit(claims, "PaymentCredited")
        .withArgs(1, await payee.getAddress(), KRW(800));
      expect(await hook.balanceOf(await payee.getAddress())).to.equal(0n);
      expect(await claims.creditOf(await hook.getAddress(), await payee.getAddress())).to.equal(KRW(800));
      await expectSolvent(claims, [await hook.getAddress()]);
    });

    it("blocks a token that re-enters the escrow while it pays", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, asHospital, hospital, deployer, records, record, ids } = suite;
      const re = await new MockReentrantToken__factory(deployer).deploy();
      await fundSecondProgramme(suite, re);
      await records
        .connect(hospital)
        .registerBatch([
          await record(ids.patientA, RECORD_TYPES.diagnosis),
          await record(ids.patientA, RECORD_TYPES.diagnosis),
        ]);
      // During the payment the token tries to file the second record again through the escrow.
      await re.arm(
        await claims.getAddress(),
        claims.interface.encodeFunctionData("fileClaim", [2, [7], KRW(100), hospital.address]),
      );
      await asHospital.fileClaim(2, [6], KRW(1_000), hospital.address);
      expect(await re.blocked()).to.equal(1n);
      expect(await re.reentries()).to.equal(0n);
      expect(await claims.claimOfRecord(7)).to.equal(0n);
      await expectSolvent(claims, [await re.getAddress()]);
    });
  });
});
