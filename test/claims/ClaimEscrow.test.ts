import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { FunctionFragment, Interface, ParamType } from "ethers";

import { SCOPES } from "../../config/eip712";
import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import {
  MockBlacklistToken__factory,
  MockERC20__factory,
  MockFeeToken__factory,
  MockNoReturnToken__factory,
  MockReentrantToken__factory,
  type ClaimEscrow,
} from "../../typechain-types";
import type { IClaimEscrow, IClaimProgrammes } from "../../typechain-types/contracts/claims/ClaimEscrow";
import { ENUM_LABELS } from "../../packages/sdk/src/labels";
import {
  BILL_TYPES,
  DAY,
  KRW,
  NO_PERMIT,
  Party,
  PayTo,
  Status,
  bits,
  code,
  escrowFixture,
  lastEscrow,
  pendingFixture,
  signBill,
  solvency,
} from "../helpers/claims";
import { onboard } from "../helpers/fixtures";
import { delayedCall } from "../helpers/governance";
import {
  GUARDIAN_SALT,
  asGuardian,
  asPatient,
  guardianCommitment,
  registerPatients,
  relayedAsPatient,
  signedCall,
} from "../helpers/patients";

/** The zero value of an ABI parameter: enough to reach a function's first check. */
function zeroOf(p: ParamType): unknown {
  if (p.isTuple()) return p.components.map(zeroOf);
  if (p.isArray()) return [];
  if (p.type === "address") return hre.ethers.ZeroAddress;
  if (p.type === "bool") return false;
  if (p.type.startsWith("bytes"))
    return p.type === "bytes" ? "0x" : hre.ethers.zeroPadBytes("0x", Number(p.type.slice(5)));
  return 0;
}

/** For every token: the escrow's balance covers every programme's free and reserved funds and every credit. */
async function expectSolvent(claims: ClaimEscrow, tokens: string[]) {
  for (const token of tokens) {
    const { balance, owed } = await solvency(claims, token);
    expect(balance).to.be.gte(owed);
  }
}

/**
 * Opens programme 2 paying in `token`: 10,000 deposited by the insurer, patient A enrolled; then, once the
 * cover has started, the hospital registers `diagnoses` diagnosis records of patient A (ids 6, 7, ...).
 */
async function fundSecondProgramme(
  suite: Awaited<ReturnType<typeof escrowFixture>>,
  token: Awaited<ReturnType<MockERC20__factory["deploy"]>>,
  diagnoses: number,
) {
  await token.mint(suite.insurer.address, KRW(10_000));
  await token.connect(suite.insurer).approve(await suite.claims.getAddress(), KRW(10_000));
  await suite.asInsurer.openProgramme(suite.config({ token: await token.getAddress() }));
  await suite.asInsurer.deposit(2, KRW(10_000));
  await suite.asInsurer.enrol(2, suite.ids.patientA);
  await time.increase(60);
  const batch = [];
  for (let i = 0; i < diagnoses; i++) batch.push(await suite.record(suite.ids.patientA, RECORD_TYPES.diagnosis));
  await suite.records.connect(suite.hospital).registerBatch(batch);
}

describe("ClaimEscrow", function () {
  afterEach("the escrow's balance covers every free and reserved fund and every credit", async function () {
    const claims = lastEscrow.claims;
    if (claims === undefined || (await hre.ethers.provider.getCode(await claims.getAddress())) === "0x") return;
    // Every token any programme pays in, as the escrow itself lists them.
    const tokens = new Set<string>();
    for (let id = 1n; id <= (await claims.programmeCount()); id++)
      tokens.add((await claims.getProgramme(id)).config.token);
    await expectSolvent(claims, [...tokens]);
  });

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
      const bad: [Partial<IClaimProgrammes.ProgrammeConfigStruct>, string][] = [
        [{ token: hre.ethers.ZeroAddress }, "token"],
        [{ coveredTypes: 0 }, "coveredTypes"],
        [{ perClaimCap: 0, autoApproveThreshold: 0 }, "perClaimCap"],
        [{ perPatientYearCap: 0 }, "perPatientYearCap"],
        [{ autoApproveThreshold: KRW(6_000) }, "autoApproveThreshold"],
        [{ copayBps: 10_001 }, "copayBps"],
        [{ filingWindowDays: 0 }, "filingWindowDays"],
        [{ filingWindowDays: 366 }, "filingWindowDays"],
        [{ reviewDays: 0 }, "reviewDays"],
        [{ reviewDays: 91 }, "reviewDays"],
        [{ disputeDays: 0 }, "disputeDays"],
        [{ disputeDays: 91 }, "disputeDays"],
        [{ arbitrationDays: 0 }, "arbitrationDays"],
        [{ arbitrationDays: 91 }, "arbitrationDays"],
      ];
      for (const [overrides, setting] of bad) {
        // IClaimEscrow.ProgrammeSetting, named as the SDK names it.
        await expect(claims.connect(insurer).openProgramme(config(overrides)))
          .to.be.revertedWithCustomError(claims, "ClaimsInvalidConfiguration")
          .withArgs(ENUM_LABELS.ProgrammeSetting.indexOf(setting));
      }
      expect(await claims.programmeCount()).to.equal(1n);
    });

    it("lets the insurer withdraw only what is free, never what is reserved, and only after a notice", async function () {
      const { claims, asInsurer, insurer, token } = await loadFixture(pendingFixture);
      const p = await claims.getProgramme(1);
      expect(p.reserved).to.equal(KRW(2_400));
      await expect(asInsurer.announceWithdrawal(1, p.free + 1n, insurer.address))
        .to.be.revertedWithCustomError(claims, "ClaimsInsufficientFree")
        .withArgs(1, p.free + 1n, p.free);
      await expect(asInsurer.announceWithdrawal(1, 0, insurer.address))
        .to.be.revertedWithCustomError(claims, "ClaimsZeroWithdrawal")
        .withArgs(1);
      await expect(asInsurer.withdraw(1))
        .to.be.revertedWithCustomError(claims, "ClaimsNoWithdrawalAnnounced")
        .withArgs(1);
      const notice = await claims.WITHDRAWAL_NOTICE();
      expect(notice).to.equal(7n * BigInt(DAY));
      // The time is the announcing block's own: read before the transaction is mined, it would race it.
      const announcing = await asInsurer.announceWithdrawal(1, p.free, insurer.address);
      const announcedAt = BigInt((await announcing.getBlock())!.timestamp);
      await expect(announcing)
        .to.emit(claims, "WithdrawalAnnounced")
        .withArgs(1, insurer.address, p.free, announcedAt + notice);
      const announced = (await claims.getProgramme(1)).withdrawal;
      expect([announced.amount, announced.to]).to.deep.equal([p.free, insurer.address]);
      // The announced funds stay free during the notice.
      expect((await claims.getProgramme(1)).free).to.equal(p.free);
      await time.increaseTo(announced.executableAt - 2n);
      await expect(asInsurer.withdraw(1))
        .to.be.revertedWithCustomError(claims, "ClaimsWithdrawalNotDue")
        .withArgs(1, announced.executableAt);
      const before = await token.balanceOf(insurer.address);
      await time.increaseTo(announced.executableAt);
      await expect(asInsurer.withdraw(1)).to.emit(claims, "Withdrawn").withArgs(1, insurer.address, p.free, 0);
      expect(await token.balanceOf(insurer.address)).to.equal(before + p.free);
      const after = await claims.getProgramme(1);
      expect([after.reserved, after.withdrawal.amount, after.withdrawal.executableAt]).to.deep.equal([
        KRW(2_400),
        0n,
        0n,
      ]);
      await expect(asInsurer.withdraw(1)).to.be.revertedWithCustomError(claims, "ClaimsNoWithdrawalAnnounced");
    });

    it("lets claims be filed against announced funds: a withdrawal cannot front-run a filing", async function () {
      const { claims, asInsurer, insurer, token, bill, fileBoth, hospital } = await loadFixture(escrowFixture);
      // The insurer announces it takes everything; the hospital's signed bill is filed during the notice.
      await asInsurer.announceWithdrawal(1, KRW(50_000), insurer.address);
      const before = await token.balanceOf(hospital.address);
      await fileBoth(await bill({ amount: KRW(1_000) }));
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(800));
      await time.increase(7 * DAY);
      // The withdrawal takes what is still free: the claim's share stayed with the claim.
      await expect(asInsurer.withdraw(1))
        .to.emit(claims, "Withdrawn")
        .withArgs(1, insurer.address, KRW(50_000 - 800), 0);
      expect(await token.balanceOf(await claims.getAddress())).to.equal(0n);
    });

    it("refuses funds operations by another insurer or a suspended one", async function () {
      const { claims, participants, registrar, insurer, ids, researcher } = await loadFixture(escrowFixture);
      await onboard(participants, registrar, { account: researcher, kind: "insurer", name: "Rival Insurance" });
      await expect(claims.connect(researcher).announceWithdrawal(1, 1, researcher.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNotProgrammeInsurer")
        .withArgs(1, researcher.address);
      await participants.connect(registrar).suspend(ids.insurer, code("audit"));
      await expect(claims.connect(insurer).announceWithdrawal(1, 1, insurer.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(insurer.address, 2);
      await expect(claims.connect(insurer).deposit(1, 1)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsNotActive",
      );
      expect((await claims.getProgramme(1)).free).to.equal(KRW(50_000));
      await expect(claims.connect(researcher).announceWithdrawal(9, 1, researcher.address))
        .to.be.revertedWithCustomError(claims, "ClaimsUnknownProgramme")
        .withArgs(9);
    });

    it("keeps paying a suspended insurer's programme from its escrow, while the insurer can no longer decide or withdraw", async function () {
      const {
        claims,
        participants,
        registrar,
        asInsurer,
        hospital,
        insurer,
        agency,
        patientA,
        token,
        ids,
        bill,
        fileBoth,
      } = await loadFixture(pendingFixture);
      await participants.connect(registrar).suspend(ids.insurer, code("audit"));
      // The consent check asks the read policy with the insurer's id: the patient's grant still stands.
      const hospitalBefore = await token.balanceOf(hospital.address);
      const small = await bill({ recordIds: [1], amount: KRW(1_000) });
      await expect(fileBoth(small)).to.emit(claims, "ClaimFiled");
      await fileBoth(await bill({ recordIds: [3], amount: KRW(500), payTo: PayTo.Patient }));
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(400));
      // The suspended insurer itself is refused: it decides nothing and withdraws nothing.
      const claim = await claims.getClaim(2);
      await expect(asInsurer.approve(2, KRW(2_400), code("ok")))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(insurer.address, 2);
      await expect(asInsurer.announceWithdrawal(1, 1, insurer.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(insurer.address, 2);
      expect(await claims.getClaim(2)).to.deep.equal(claim);
      // Its silence is overruled as any insurer's: the threshold's share by default, the rest arbitrated.
      await time.increaseTo(claim.deadline + 1n);
      await claims.connect(hospital).applyDefault(2);
      await claims.connect(agency).arbitrate(2, KRW(1_600), code("due-in-full"));
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
      await claims.connect(insurer).announceWithdrawal(3, KRW(1_000), hospital.address);
      await time.increase(7 * DAY);
      await claims.connect(insurer).withdraw(3);
      expect(await usdt.balanceOf(hospital.address)).to.equal(KRW(1_000));
    });
  });

  describe("enrolment", function () {
    it("refuses to enrol twice, and ends cover for new treatments without touching filed claims", async function () {
      const { claims, asInsurer, records, hospital, ids, record, bill, fileBoth } = await loadFixture(pendingFixture);
      const [enrolledAt] = await claims.coverOf(1, ids.patientA);
      await expect(asInsurer.enrol(1, ids.patientA))
        .to.be.revertedWithCustomError(claims, "ClaimsAlreadyEnrolled")
        .withArgs(1, ids.patientA, enrolledAt);
      await expect(asInsurer.endCover(1, ids.patientA)).to.emit(claims, "CoverEnded").withArgs(1, ids.patientA);
      await asInsurer.approve(2, KRW(2_400), code("ok"));
      expect((await claims.getClaim(2)).status).to.equal(BigInt(Status.Paid));
      await time.increase(30);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis));
      await expect(fileBoth(await bill({ recordIds: [6], amount: KRW(100) }))).to.be.revertedWithCustomError(
        claims,
        "ClaimsNotCovered",
      );
      const [, endedAt] = await claims.coverOf(1, ids.patientA);
      await expect(asInsurer.endCover(1, ids.patientA))
        .to.be.revertedWithCustomError(claims, "ClaimsCoverAlreadyEnded")
        .withArgs(1, ids.patientA, endedAt);
    });

    it("enrols a patient again after its cover ended, keeping the previous cover's treatments claimable", async function () {
      const { claims, asInsurer, records, hospital, ids, record, bill, fileBoth } = await loadFixture(escrowFixture);
      const [firstStart] = await claims.coverOf(1, ids.patientA);
      await asInsurer.endCover(1, ids.patientA);
      const [, firstEnd] = await claims.coverOf(1, ids.patientA);
      await time.increase(DAY);
      // A treatment between the two covers is not covered.
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6
      await expect(asInsurer.enrol(1, ids.patientA)).to.emit(claims, "Enrolled").withArgs(1, ids.patientA, false);
      const secondStart = BigInt(await time.latest());
      expect(await claims.coverOf(1, ids.patientA)).to.deep.equal([secondStart, 0n, firstStart, firstEnd]);
      await time.increase(60);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 7
      // Record 1 was treated in the first cover, record 7 in the second: both are claimable; 6 is not.
      await fileBoth(await bill({ recordIds: [1], amount: KRW(100) }));
      await fileBoth(await bill({ recordIds: [7], amount: KRW(100) }));
      await expect(fileBoth(await bill({ recordIds: [6], amount: KRW(100) })))
        .to.be.revertedWithCustomError(claims, "ClaimsNotCovered")
        .withArgs(6, (await records.getRecord(6)).issuedAt);
      // A third cover would forget the first while its treatments may still be filed: refused until then.
      await asInsurer.endCover(1, ids.patientA);
      const claimableUntil = firstEnd + 30n * BigInt(DAY);
      await expect(asInsurer.enrol(1, ids.patientA))
        .to.be.revertedWithCustomError(claims, "ClaimsPreviousCoverClaimable")
        .withArgs(1, ids.patientA, claimableUntil);
      await time.increaseTo(claimableUntil + 1n);
      await asInsurer.enrol(1, ids.patientA);
      const [, , previousStart] = await claims.coverOf(1, ids.patientA);
      expect(previousStart).to.equal(secondStart);
    });

    it("enrols a patient by its id, for the insurer", async function () {
      const { claims, participants, asInsurer, signers } = await loadFixture(escrowFixture);
      const [newcomer] = await registerPatients(participants, signers[25]);
      await expect(asInsurer.enrol(1, newcomer)).to.emit(claims, "Enrolled").withArgs(1, newcomer, false);
      expect(await claims.coverOf(1, newcomer)).to.deep.equal([BigInt(await time.latest()), 0n, 0n, 0n]);
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
      expect(await claims.coverOf(2, ids.patientA)).to.deep.equal([BigInt(await time.latest()), 0n, 0n, 0n]);
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
        // The refusal names the time it was checked at: the pending block's, later than the deadline.
        .withArgs(late.call.deadline, (now: bigint) => now > late.call.deadline);
      // Patient A's key signs a join for patient B: the directory checks the signature against B's key.
      const forged = await signedCall(participants, patientA, { patientId: ids.patientB, target: claims, data });
      await expect(participants.connect(relayer).relay(forged.call, forged.signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
        .withArgs(patientB.address);
      expect(await claims.coverOf(2, ids.patientB)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect((await participants.patient(ids.patientB)).nonce).to.equal(0n);
    });

    it("lets anyone relay a signed join only when enrolment is open", async function () {
      const { claims, participants, asInsurer, config, relayer, patientB, ids } = await loadFixture(escrowFixture);
      await asInsurer.openProgramme(config());
      await expect(relayedAsPatient(participants, patientB, relayer, ids.patientB, claims, "join", [2]))
        .to.be.revertedWithCustomError(claims, "ClaimsEnrolmentClosed")
        .withArgs(2);
      expect(await claims.coverOf(2, ids.patientB)).to.deep.equal([0n, 0n, 0n, 0n]);
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
      expect(await claims.coverOf(2, ids.patientA)).to.deep.equal([0n, 0n, 0n, 0n]);
      await expect(asGuardian(participants, guardian, ids.patientA, GUARDIAN_SALT, claims, "join", [2]))
        .to.emit(claims, "Enrolled")
        .withArgs(2, ids.patientA, true);
    });

    it("refuses to enrol a patient id nobody holds, and to end a cover that never began", async function () {
      const { claims, participants, asInsurer, signers, ids } = await loadFixture(escrowFixture);
      const [newcomer] = await registerPatients(participants, signers[25]);
      const unknown = newcomer + 1n;
      for (const patient of [0n, unknown]) {
        await expect(asInsurer.enrol(1, patient))
          .to.be.revertedWithCustomError(claims, "ClaimsUnknownPatient")
          .withArgs(patient);
        expect(await claims.coverOf(1, patient)).to.deep.equal([0n, 0n, 0n, 0n]);
      }
      await expect(asInsurer.endCover(1, newcomer))
        .to.be.revertedWithCustomError(claims, "ClaimsNotEnrolled")
        .withArgs(1, newcomer);
      expect(await claims.coverOf(1, newcomer)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect((await claims.coverOf(1, ids.patientA))[0]).to.not.equal(0n);
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
      expect(await claims.coverOf(1, newcomer)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await claims.coverOf(2, ids.patientA)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("covers no treatment given after the programme closed, even for a patient still enrolled", async function () {
      const { claims, asInsurer, records, record, hospital, ids, bill, fileBoth } = await loadFixture(escrowFixture);
      await asInsurer.closeProgramme(1);
      await time.increase(60);
      const late = await record(ids.patientA, RECORD_TYPES.diagnosis);
      await records.connect(hospital).register(late); // 6
      expect((await claims.coverOf(1, ids.patientA))[1]).to.equal(0n); // the cover itself never ended
      await expect(fileBoth(await bill({ recordIds: [6], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsNotCovered")
        .withArgs(6, late.issuedAt);
      expect(await claims.claimOfRecord(6)).to.equal(0n);
      // A treatment from before the closing stays claimable.
      await expect(fileBoth(await bill({ recordIds: [1], amount: KRW(500) }))).to.emit(claims, "ClaimFiled");
    });
  });

  describe("both parties attest before any payment", function () {
    it("files and pays a small claim in one relayed action: the hospital's signed bill, confirmed by the patient", async function () {
      const { claims, participants, hospital, relayer, patientA, token, ids, bill } = await loadFixture(escrowFixture);
      const b = await bill({ recordIds: [1, 3], amount: KRW(1_000) });
      const signature = await signBill(claims, hospital, b);
      const hash = await claims.billHash(b);
      const before = await token.balanceOf(hospital.address);
      const eth = await hre.ethers.provider.getBalance(patientA.address);
      const tx = relayedAsPatient(participants, patientA, relayer, ids.patientA, claims, "fileClaim", [
        b,
        signature,
        NO_PERMIT,
      ]);
      await expect(tx)
        .to.emit(claims, "ClaimFiled")
        .withArgs(1, 1, ids.patientA, hash, ids.hospital, Status.Paid, KRW(800), 0, 0, anyValue)
        .and.not.to.emit(claims, "BillAttested");
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(eth);
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(800));
      // The claim's id is its first record's treatment; its view tells the real amounts, paid at filing.
      const c = await claims.getClaim(1);
      expect([c.patientId, c.hospitalId, c.status, c.payTo, c.billed, c.due, c.paid, c.deadline]).to.deep.equal([
        ids.patientA,
        ids.hospital,
        BigInt(Status.Paid),
        BigInt(PayTo.Hospital),
        KRW(1_000),
        KRW(800),
        KRW(800),
        0n,
      ]);
      expect([await claims.claimOfRecord(1), await claims.claimOfRecord(3)]).to.deep.equal([1n, 1n]);
      expect((await claims.getProgramme(1)).free).to.equal(KRW(50_000 - 800));
      expect(await claims.usedInYear(1, ids.patientA, 0)).to.equal(KRW(800));
      // Nothing of the bill itself is kept when both attest in one call.
      expect(await claims.billState(hash)).to.deep.equal([false, false, false]);
    });

    it("lets either party start: the other's attestation files the claim", async function () {
      const { claims, participants, relayer, patientA, ids, bill, hospitalFiles, token, hospital } =
        await loadFixture(escrowFixture);
      // The hospital starts on chain: nothing is paid, the bill waits for the patient.
      const first = await bill({ recordIds: [1], amount: KRW(500) });
      const hash = await claims.billHash(first);
      await expect(hospitalFiles(first))
        .to.emit(claims, "BillAttested")
        .withArgs(hash, 1, ids.patientA, ids.hospital, Party.Hospital, anyValue)
        .and.not.to.emit(claims, "ClaimFiled");
      expect(await claims.billState(hash)).to.deep.equal([true, false, false]);
      expect(await claims.claimOfRecord(1)).to.equal(0n);
      const before = await token.balanceOf(hospital.address);
      await expect(
        relayedAsPatient(participants, patientA, relayer, ids.patientA, claims, "fileClaim", [first, "0x", NO_PERMIT]),
      )
        .to.emit(claims, "ClaimFiled")
        .withArgs(1, 1, ids.patientA, hash, ids.hospital, Status.Paid, KRW(400), 0, 0, anyValue);
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(400));
      // Filed: nothing of the bill waits any more; its claim is found by its first record; attesting it again
      // is refused.
      expect(await claims.billState(hash)).to.deep.equal([false, false, false]);
      expect(await claims.claimOfRecord(1)).to.equal(1n);
      await expect(hospitalFiles(first))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(1, 1);
      expect(await claims.billState(hash)).to.deep.equal([false, false, false]);
      // The patient starts (gaslessly): the hospital's call files it.
      const second = await bill({ recordIds: [3], amount: KRW(500), payTo: PayTo.Patient });
      await expect(
        relayedAsPatient(participants, patientA, relayer, ids.patientA, claims, "fileClaim", [second, "0x", NO_PERMIT]),
      )
        .to.emit(claims, "BillAttested")
        .withArgs(await claims.billHash(second), 1, ids.patientA, ids.hospital, Party.Patient, anyValue);
      await expect(hospitalFiles(second)).to.emit(claims, "ClaimFiled");
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(400));
    });

    it("files a bill whose insured share rounds to nothing as paid, moving no token; nothing is left to default", async function () {
      const { claims, token, ids, bill, fileBoth, stranger } = await loadFixture(escrowFixture);
      const before = await token.balanceOf(await claims.getAddress());
      // 1 wei at a 20% co-payment: the insurer owes 0.8 wei, which rounds down to nothing.
      await expect(fileBoth(await bill({ recordIds: [1], amount: 1n })))
        .to.emit(claims, "ClaimFiled")
        .withArgs(1, 1, ids.patientA, anyValue, ids.hospital, Status.Paid, 0, 0, 0, anyValue)
        .and.not.to.emit(token, "Transfer");
      expect(await token.balanceOf(await claims.getAddress())).to.equal(before);
      expect(await claims.claimOfRecord(1)).to.equal(1n);
      await expect(claims.connect(stranger).applyDefault(1))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidStatus")
        .withArgs(1, Status.Paid);
    });

    it("publishes the domain hospitals sign bills in (ERC-5267), so that a wallet shows whom it signs for", async function () {
      const { claims } = await loadFixture(escrowFixture);
      const { chainId } = await hre.ethers.provider.getNetwork();
      const domain = await claims.eip712Domain();
      expect([domain.fields, domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
        "0x0f",
        "MIIP Claims",
        "1",
        chainId,
        await claims.getAddress(),
      ]);
      expect([domain.salt, domain.extensions]).to.deep.equal([hre.ethers.ZeroHash, []]);
      // What the domain says is what the escrow checks: a bill signed with it is the bill's hash.
      const b = { programmeId: 1, recordIds: [1], amount: 5n, payTo: 0, billDigest: hre.ethers.ZeroHash, expiresAt: 9 };
      expect(
        hre.ethers.TypedDataEncoder.hash(
          {
            name: domain.name,
            version: domain.version,
            chainId: domain.chainId,
            verifyingContract: domain.verifyingContract,
          },
          BILL_TYPES,
          b,
        ),
      ).to.equal(await claims.billHash(b));
    });

    it("gives a hospital alone nothing: its record and its bill wait for the patient", async function () {
      const { claims, bill, hospitalFiles, token, hospital } = await loadFixture(escrowFixture);
      const before = await token.balanceOf(hospital.address);
      const b = await bill({ recordIds: [1], amount: KRW(1_000) });
      await hospitalFiles(b);
      await expect(hospitalFiles(b))
        .to.be.revertedWithCustomError(claims, "ClaimsBillAlreadyAttested")
        .withArgs(await claims.billHash(b), Party.Hospital);
      expect(await token.balanceOf(hospital.address)).to.equal(before);
      expect((await claims.getProgramme(1)).free).to.equal(KRW(50_000));
    });

    it("lets nobody change the amount or the payee the hospital attested: other terms are another bill", async function () {
      const { claims, hospital, secondHospital, bill, patientFiles, hospitalFiles, token } =
        await loadFixture(escrowFixture);
      const attested = await bill({ recordIds: [1], amount: KRW(500) });
      const signature = await signBill(claims, hospital, attested);
      // The patient files the hospital's signature with a larger amount, or with itself as payee: refused.
      for (const changed of [
        { ...attested, amount: KRW(1_000) },
        { ...attested, payTo: PayTo.Patient },
      ]) {
        await expect(patientFiles(changed, signature))
          .to.be.revertedWithCustomError(claims, "ClaimsBadHospitalSignature")
          .withArgs(await claims.billHash(changed));
      }
      // Another hospital's signature does not attest this hospital's records.
      await expect(patientFiles(attested, await signBill(claims, secondHospital, attested)))
        .to.be.revertedWithCustomError(claims, "ClaimsBadHospitalSignature")
        .withArgs(await claims.billHash(attested));
      // The hospital attested on chain; the patient confirming other terms only starts another bill.
      await hospitalFiles(attested);
      const outbid = { ...attested, payTo: PayTo.Patient };
      await expect(patientFiles(outbid)).to.emit(claims, "BillAttested").and.not.to.emit(claims, "ClaimFiled");
      expect(await token.balanceOf(await claims.getAddress())).to.equal(KRW(50_000));
      // The attested bill is still there, on its terms.
      await expect(patientFiles(attested)).to.emit(claims, "ClaimFiled");
      expect((await claims.getClaim(1)).payTo).to.equal(BigInt(PayTo.Hospital));
    });

    it("refuses a stranger, another patient or another hospital as a party to the bill", async function () {
      const { claims, participants, stranger, secondHospital, patientB, ids, bill, patientFiles } =
        await loadFixture(escrowFixture);
      const b = await bill();
      await expect(claims.connect(stranger).fileClaim(b, "0x", NO_PERMIT))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(stranger.address, 0);
      await expect(claims.connect(secondHospital).fileClaim(b, "0x", NO_PERMIT))
        .to.be.revertedWithCustomError(claims, "ClaimsNotBillParty")
        .withArgs(secondHospital.address);
      await expect(patientFiles(b, "0x", patientB, ids.patientB))
        .to.be.revertedWithCustomError(claims, "ClaimsNotBillParty")
        .withArgs(await participants.getAddress());
      await expect(claims.connect(secondHospital).cancelBill(b))
        .to.be.revertedWithCustomError(claims, "ClaimsNotBillParty")
        .withArgs(secondHospital.address);
      expect(await claims.billState(await claims.billHash(b))).to.deep.equal([false, false, false]);
    });

    it("lets a party cancel a bill it does not want: a squatting bill blocks nothing, and its signature is void", async function () {
      const { claims, participants, patientA, hospital, ids, bill, fileBoth, patientFiles, hospitalFiles } =
        await loadFixture(escrowFixture);
      // The hospital signs a tiny bill for record 2; the patient declines it.
      const tiny = await bill({ recordIds: [2], amount: 1n });
      const signature = await signBill(claims, hospital, tiny);
      const hash = await claims.billHash(tiny);
      await expect(asPatient(participants, patientA, ids.patientA, claims, "cancelBill", [tiny]))
        .to.emit(claims, "BillCancelled")
        .withArgs(hash, Party.Patient);
      await expect(patientFiles(tiny, signature))
        .to.be.revertedWithCustomError(claims, "ClaimsBillCancelled")
        .withArgs(hash);
      await expect(hospitalFiles(tiny)).to.be.revertedWithCustomError(claims, "ClaimsBillCancelled").withArgs(hash);
      await expect(claims.connect(hospital).cancelBill(tiny)).to.be.revertedWithCustomError(
        claims,
        "ClaimsBillCancelled",
      );
      expect(await claims.billState(hash)).to.deep.equal([false, false, true]);
      // The treatment is still claimable with the right bill; once filed, its bills cannot be cancelled.
      const right = await bill({ recordIds: [2], amount: KRW(800) });
      await fileBoth(right);
      await expect(claims.connect(hospital).cancelBill(right))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(2, 2);
    });

    it("refuses an expired bill, a replayed relayed confirmation and a suspended hospital's bill", async function () {
      const { claims, participants, registrar, relayer, patientA, hospital, ids, bill, patientFiles, hospitalFiles } =
        await loadFixture(escrowFixture);
      const late = await bill({ expiresAt: (await time.latest()) + 10 });
      await time.increase(11);
      await expect(patientFiles(late, await signBill(claims, hospital, late)))
        .to.be.revertedWithCustomError(claims, "ClaimsBillExpired")
        .withArgs(late.expiresAt);
      // A relayed confirmation is used once (the directory's nonce).
      const b = await bill({ recordIds: [1], amount: KRW(100) });
      const { call, signature } = await signedCall(participants, patientA, {
        patientId: ids.patientA,
        target: claims,
        data: claims.interface.encodeFunctionData("fileClaim", [b, "0x", NO_PERMIT]),
      });
      await participants.connect(relayer).relay(call, signature);
      await expect(participants.connect(relayer).relay(call, signature)).to.be.revertedWithCustomError(
        participants,
        "PatientsInvalidNonce",
      );
      // The hospital attested, then was suspended: its bill can no longer be filed, nor its signature used.
      const attested = await bill({ recordIds: [2], amount: KRW(100) });
      await hospitalFiles(attested);
      await participants.connect(registrar).suspend(ids.hospital, code("audit"));
      await expect(patientFiles(attested))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, 2);
      const signed = await bill({ recordIds: [3], amount: KRW(100) });
      await expect(patientFiles(signed, await signBill(claims, hospital, signed)))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, 2);
      await expect(hospitalFiles(signed)).to.be.revertedWithCustomError(participants, "ParticipantsNotActive");
      expect(await claims.claimOfRecord(2)).to.equal(0n);
      expect((await claims.getProgramme(1)).free).to.equal(KRW(50_000));
    });

    it("lets a guardian with the act power confirm for the patient; the payee stays the attested party", async function () {
      const { claims, participants, patientA, guardian, hospital, token, ids, bill } = await loadFixture(escrowFixture);
      await participants
        .connect(patientA)
        .setGuardian(guardianCommitment(ids.patientA, guardian.address, GUARDIAN_SALT), 2 /* POWER_ACT */);
      const b = await bill({ recordIds: [1], amount: KRW(500), payTo: PayTo.Patient });
      await asGuardian(participants, guardian, ids.patientA, GUARDIAN_SALT, claims, "fileClaim", [
        b,
        await signBill(claims, hospital, b),
        NO_PERMIT,
      ]);
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(400));
      expect(await token.balanceOf(guardian.address)).to.equal(0n);
    });

    it("pays the party where it is when the payment is made: a patient who moved to a new key is paid there", async function () {
      const { claims, participants, asInsurer, patientA, signers, token, ids, bill, fileBoth } =
        await loadFixture(escrowFixture);
      await fileBoth(await bill({ recordIds: [2], amount: KRW(3_000), payTo: PayTo.Patient }));
      const newKey = signers[26];
      await participants.connect(patientA).proposePatientAccount(newKey.address);
      await participants.connect(newKey).acceptPatientAccount(ids.patientA);
      await asInsurer.approve(2, KRW(2_400), code("ok"));
      expect(await token.balanceOf(newKey.address)).to.equal(KRW(2_400));
      expect(await token.balanceOf(patientA.address)).to.equal(0n);
    });
  });

  describe("one treatment, one payment", function () {
    it("refuses a claim on a correction of a claimed record, and on the original of a claimed correction", async function () {
      const { claims, records, hospital, bill, fileBoth } = await loadFixture(escrowFixture);
      await fileBoth(await bill({ recordIds: [1], amount: KRW(500) }));
      // The hospital corrects the claimed record: the correction is the same treatment.
      await records.connect(hospital).amend(1, hre.ethers.id("corrected"), await time.latest(), "ipfs://corrected"); // 6
      expect(await claims.claimOfRecord(6)).to.equal(1n);
      await expect(fileBoth(await bill({ recordIds: [6], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(6, 1);
      // The other way round: the correction is claimed first, the original is refused.
      await records.connect(hospital).amend(3, hre.ethers.id("corrected 3"), await time.latest(), "ipfs://c3"); // 7
      await fileBoth(await bill({ recordIds: [7], amount: KRW(500) }));
      expect(await claims.claimOfRecord(3)).to.equal(3n);
      await expect(fileBoth(await bill({ recordIds: [3], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(3, 3);
      expect((await claims.getProgramme(1)).free).to.equal(KRW(50_000 - 800));
    });

    it("refuses two versions of one treatment in one bill, and a treatment claimed in another programme", async function () {
      const { claims, records, hospital, asInsurer, config, ids, bill, fileBoth } = await loadFixture(escrowFixture);
      await records.connect(hospital).amend(2, hre.ethers.id("corrected 2"), await time.latest(), "ipfs://c2"); // 6
      await expect(fileBoth(await bill({ recordIds: [2, 6], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(6, 2);
      await expect(fileBoth(await bill({ recordIds: [1, 3, 1], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(1, 1);
      await fileBoth(await bill({ recordIds: [1], amount: KRW(500) }));
      await asInsurer.openProgramme(config());
      await asInsurer.deposit(2, KRW(1_000));
      await asInsurer.enrol(2, ids.patientA);
      await expect(fileBoth(await bill({ programmeId: 2, recordIds: [1], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordAlreadyClaimed")
        .withArgs(1, 1);
    });

    it("dates a treatment by its first version: an amendment cannot move it into the filing window", async function () {
      const { claims, records, hospital, bill, fileBoth } = await loadFixture(escrowFixture);
      const first = await records.getRecord(1);
      await time.increase(31 * DAY);
      await records.connect(hospital).amend(1, hre.ethers.id("redated"), await time.latest(), "ipfs://redated"); // 6
      const windowEnd = first.issuedAt + 30n * BigInt(DAY);
      await expect(fileBoth(await bill({ recordIds: [6], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsFilingWindowClosed")
        .withArgs(6, windowEnd);
      expect((await records.getRecord(6)).firstVersion).to.equal(1n);
      const t = await records.treatment(6);
      expect([t.treatmentId, t.treatedAt]).to.deep.equal([1n, first.issuedAt]);
    });

    it("keeps a pending claim on its attested terms when one of its records is corrected", async function () {
      const { claims, records, hospital, asInsurer, token } = await loadFixture(pendingFixture);
      await records.connect(hospital).amend(2, hre.ethers.id("corrected 2"), await time.latest(), "ipfs://c2");
      expect(await claims.claimOfRecord(6)).to.equal(2n);
      const before = await token.balanceOf(hospital.address);
      await asInsurer.approve(2, KRW(2_400), code("ok"));
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(2_400));
    });

    it("keeps every record of a claim in one policy year", async function () {
      const { claims, records, hospital, asInsurer, ids, record, bill, fileBoth, config, grantInsurer, patientA } =
        await loadFixture(escrowFixture);
      // Programme 2 has a one-year filing window: a treatment of year 0 and one of year 1 can be billed together.
      await asInsurer.openProgramme(config({ filingWindowDays: 365 }));
      await asInsurer.deposit(2, KRW(10_000));
      await asInsurer.enrol(2, ids.patientA);
      await time.increase(60);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6: year 0
      await time.increaseTo((await claims.getProgramme(2)).startedAt + 365n * BigInt(DAY) + 1n);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 7: year 1
      await grantInsurer(patientA, ids.patientA); // the fixture's consent lasted a year
      await expect(fileBoth(await bill({ programmeId: 2, recordIds: [6, 7], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsPolicyYearMismatch")
        .withArgs(7, 1, 0);
      await fileBoth(await bill({ programmeId: 2, recordIds: [7], amount: KRW(500) }));
      expect((await claims.getClaim(7)).year).to.equal(1n);
      expect(await claims.usedInYear(2, ids.patientA, 1)).to.equal(KRW(400));
    });
  });

  describe("refusals at filing: one error per wrong thing, and nothing changed", function () {
    it("refuses each fault of the records, the amount and the programme", async function () {
      const { claims, asInsurer, records, secondHospital, ids, bill, fileBoth, config, record, patientB } =
        await loadFixture(escrowFixture);
      await records.connect(secondHospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6
      const before = await claims.getProgramme(1);
      const file = async (o: Partial<IClaimEscrow.BillStruct>) => fileBoth(await bill(o));
      await expect(file({ recordIds: [1, 5] }))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordPatientMismatch")
        .withArgs(5, ids.patientA);
      await expect(file({ recordIds: [1, 6] }))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordIssuerMismatch")
        .withArgs(6, ids.secondHospital, ids.hospital);
      await expect(fileBoth(await bill({ recordIds: [5] }), patientB, ids.patientB))
        .to.be.revertedWithCustomError(claims, "ClaimsNoConsent")
        .withArgs(5, ids.insurer);
      await expect(file({ recordIds: [4] }))
        .to.be.revertedWithCustomError(claims, "ClaimsRecordTypeNotCovered")
        .withArgs(4, RECORD_TYPES.vaccination);
      await expect(file({ amount: 0n }))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidAmount")
        .withArgs(0, KRW(5_000));
      await expect(file({ amount: KRW(5_001) }))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidAmount")
        .withArgs(KRW(5_001), KRW(5_000));
      await expect(file({ recordIds: [] }))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidRecordCount")
        .withArgs(0);
      await expect(file({ recordIds: Array.from({ length: 11 }, () => 1) }))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidRecordCount")
        .withArgs(11);
      await expect(file({ programmeId: 7 }))
        .to.be.revertedWithCustomError(claims, "ClaimsUnknownProgramme")
        .withArgs(7);
      await asInsurer.openProgramme(config());
      await expect(file({ programmeId: 2 }))
        .to.be.revertedWithCustomError(claims, "ClaimsNotEnrolled")
        .withArgs(2, ids.patientA);
      await asInsurer.enrol(2, ids.patientA);
      const [enrolledAt] = await claims.coverOf(2, ids.patientA);
      await expect(file({ programmeId: 2, recordIds: [1] }))
        .to.be.revertedWithCustomError(claims, "ClaimsNotCovered")
        .withArgs(1, (await records.getRecord(1)).issuedAt);
      expect(enrolledAt).to.be.greaterThan((await records.getRecord(1)).issuedAt);
      expect(await claims.getProgramme(1)).to.deep.equal(before);
      expect(await claims.claimOfRecord(1)).to.equal(0n);
    });

    it("refuses a treatment past the filing window, a revoked consent, and a claim the free funds cannot cover", async function () {
      const {
        claims,
        consent,
        participants,
        asInsurer,
        records,
        hospital,
        patientA,
        ids,
        bill,
        fileBoth,
        config,
        record,
      } = await loadFixture(escrowFixture);
      const grantId = await consent.grantIdOf(
        ids.patientA,
        ids.insurer,
        PURPOSES["insurance-claim"],
        SCOPES.allRecords,
        0,
      );
      await asPatient(participants, patientA, ids.patientA, consent, "revoke", [grantId]);
      await expect(fileBoth(await bill({ recordIds: [1] })))
        .to.be.revertedWithCustomError(claims, "ClaimsNoConsent")
        .withArgs(1, ids.insurer);
      await time.increase(31 * DAY);
      const issuedAt = (await records.getRecord(1)).issuedAt;
      await expect(fileBoth(await bill({ recordIds: [1] })))
        .to.be.revertedWithCustomError(claims, "ClaimsFilingWindowClosed")
        .withArgs(1, issuedAt + 30n * BigInt(DAY));
      // Programme 2 holds 100: a claim due 400 is refused.
      await asInsurer.openProgramme(config());
      await asInsurer.deposit(2, KRW(100));
      await asInsurer.enrol(2, ids.patientA);
      await time.increase(60);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6
      await asPatient(participants, patientA, ids.patientA, consent, "grant", [
        {
          patientId: ids.patientA,
          grantee: await participants.accountOf(ids.insurer),
          purpose: PURPOSES["insurance-claim"],
          scopeKind: SCOPES.allRecords,
          scope: [],
          expiresAt: (await time.latest()) + 365 * DAY,
        },
      ]);
      await expect(fileBoth(await bill({ programmeId: 2, recordIds: [6], amount: KRW(500) })))
        .to.be.revertedWithCustomError(claims, "ClaimsInsufficientFree")
        .withArgs(2, KRW(400), KRW(100));
      expect(await claims.claimOfRecord(6)).to.equal(0n);
    });

    it("keeps a patient within the yearly cap, and counts only what is finally paid", async function () {
      const { claims, asInsurer, records, hospital, ids, bill, fileBoth, record } = await loadFixture(escrowFixture);
      await records
        .connect(hospital)
        .registerBatch([
          await record(ids.patientA, RECORD_TYPES.diagnosis),
          await record(ids.patientA, RECORD_TYPES.diagnosis),
          await record(ids.patientA, RECORD_TYPES.diagnosis),
        ]); // 6, 7, 8
      // 4,000 due each; 10,000 per year.
      await fileBoth(await bill({ recordIds: [6], amount: KRW(5_000) }));
      await fileBoth(await bill({ recordIds: [7], amount: KRW(5_000) }));
      await expect(fileBoth(await bill({ recordIds: [8], amount: KRW(5_000) })))
        .to.be.revertedWithCustomError(claims, "ClaimsPatientYearCapExceeded")
        .withArgs(ids.patientA, 0, KRW(8_000), KRW(4_000), KRW(10_000));
      // A rejection that stands gives the allowance back.
      await asInsurer.reject(6, code("not-covered"));
      await time.increase(7 * DAY + 1);
      await claims.applyDefault(6);
      expect(await claims.usedInYear(1, ids.patientA, 0)).to.equal(KRW(4_000));
      await fileBoth(await bill({ recordIds: [8], amount: KRW(5_000) }));
    });

    it("covers every record type the registry accepts: the type range is one constant", async function () {
      const { claims, records, manager, deployer, asInsurer, hospital, ids, bill, fileBoth, config, token } =
        await loadFixture(escrowFixture);
      await delayedCall(
        manager,
        deployer,
        records,
        records.interface.encodeFunctionData("setRecordType", [
          127,
          true,
          hre.ethers.encodeBytes32String("wearable-summary"),
        ]),
      );
      await asInsurer.openProgramme(config({ coveredTypes: bits(127) }));
      await asInsurer.deposit(2, KRW(1_000));
      await asInsurer.enrol(2, ids.patientA);
      await time.increase(60);
      await records.connect(hospital).register({
        patientId: ids.patientA,
        digest: hre.ethers.id("type 127"),
        recordType: 127,
        issuedAt: await time.latest(),
        uri: "ipfs://t127",
      }); // 6
      const before = await token.balanceOf(hospital.address);
      await fileBoth(await bill({ programmeId: 2, recordIds: [6], amount: KRW(100) }));
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(80));
      expect((await claims.getProgramme(2)).config.coveredTypes).to.equal(1n << 127n);
    });
  });

  describe("reviews, disputes and arbitration", function () {
    it("reserves a claim above the threshold and pays it when approved in full", async function () {
      const { claims, asInsurer, hospital, token, ids } = await loadFixture(pendingFixture);
      const c = await claims.getClaim(2);
      expect([c.status, c.due, c.paid]).to.deep.equal([BigInt(Status.Pending), KRW(2_400), 0n]);
      expect((await claims.getProgramme(1)).reserved).to.equal(KRW(2_400));
      const before = await token.balanceOf(hospital.address);
      await expect(asInsurer.approve(2, KRW(2_400), code("ok")))
        .to.emit(claims, "ClaimDecided")
        .withArgs(2, Status.Paid, KRW(2_400), code("ok"), hre.ethers.ZeroHash, 0, Party.Insurer);
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(2_400));
      expect((await claims.getProgramme(1)).reserved).to.equal(0n);
      expect(await claims.usedInYear(1, ids.patientA, 0)).to.equal(KRW(2_400));
    });

    it("approves in part; a claimant disputes with evidence; the arbitrator's award is final", async function () {
      const { claims, participants, asInsurer, agency, patientA, hospital, token, ids } =
        await loadFixture(pendingFixture);
      await asInsurer.approve(2, KRW(1_000), code("partly"));
      const evidence = hre.ethers.id("itemised bill and discharge letter");
      const tx = asPatient(participants, patientA, ids.patientA, claims, "dispute", [2, code("underpaid"), evidence]);
      await expect(tx)
        .to.emit(claims, "ClaimDecided")
        .withArgs(
          2,
          Status.Disputed,
          0,
          code("underpaid"),
          evidence,
          BigInt(await time.latest()) + 1n + 21n * BigInt(DAY),
          Party.Patient,
        );
      const before = await token.balanceOf(hospital.address);
      await expect(claims.connect(agency).arbitrate(2, KRW(1_400) + 1n, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsAwardExceedsContested")
        .withArgs(2, KRW(1_400) + 1n, KRW(1_400));
      await claims.connect(agency).arbitrate(2, KRW(1_000), code("award"));
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(1_000));
      const c = await claims.getClaim(2);
      expect([c.status, c.paid, c.deadline]).to.deep.equal([BigInt(Status.Settled), KRW(2_000), 0n]);
      expect((await claims.getProgramme(1)).free).to.equal(KRW(50_000 - 2_000));
      expect(await claims.usedInYear(1, ids.patientA, 0)).to.equal(KRW(2_000));
    });

    it("refuses approving more than due, acting on a settled claim, a stranger disputing, a non-arbitrator arbitrating, another insurer deciding", async function () {
      const { claims, participants, registrar, asInsurer, agency, stranger, researcher, hospital, signers } =
        await loadFixture(pendingFixture);
      await expect(asInsurer.approve(2, KRW(2_401), code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsApprovalExceedsClaim")
        .withArgs(2, KRW(2_401), KRW(2_400));
      await onboard(participants, registrar, { account: researcher, kind: "insurer", name: "Rival" });
      await expect(claims.connect(researcher).reject(2, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsNotProgrammeInsurer")
        .withArgs(1, researcher.address);
      await asInsurer.reject(2, code("no"));
      await expect(claims.connect(stranger).dispute(2, code("x"), hre.ethers.ZeroHash))
        .to.be.revertedWithCustomError(claims, "ClaimsNotClaimant")
        .withArgs(stranger.address);
      await claims.connect(hospital).dispute(2, code("wrong"), hre.ethers.id("evidence"));
      const other = signers[27];
      await onboard(participants, registrar, { account: other, kind: "public-health-agency", name: "Other board" });
      await expect(claims.connect(other).arbitrate(2, 0, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsNotArbitrator")
        .withArgs(2, other.address);
      await claims.connect(agency).arbitrate(2, 0, code("stands"));
      await expect(asInsurer.approve(2, 1, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidStatus")
        .withArgs(2, Status.Settled);
      await expect(claims.applyDefault(2))
        .to.be.revertedWithCustomError(claims, "ClaimsInvalidStatus")
        .withArgs(2, Status.Settled);
      await expect(claims.getClaim(99)).to.be.revertedWithCustomError(claims, "ClaimsUnknownClaim").withArgs(99);
    });

    it("refuses a suspended hospital disputing, and a patient disputing another patient's claim", async function () {
      const { claims, participants, registrar, asInsurer, hospital, patientB, ids } = await loadFixture(pendingFixture);
      await asInsurer.reject(2, code("no"));
      await expect(
        asPatient(participants, patientB, ids.patientB, claims, "dispute", [2, code("x"), hre.ethers.ZeroHash]),
      )
        .to.be.revertedWithCustomError(claims, "ClaimsNotClaimant")
        .withArgs(await participants.getAddress());
      await participants.connect(registrar).suspend(ids.hospital, code("audit"));
      await expect(claims.connect(hospital).dispute(2, code("x"), hre.ethers.ZeroHash))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, 2);
      expect((await claims.getClaim(2)).status).to.equal(BigInt(Status.Rejected));
    });
  });

  describe("deadlines bind everyone", function () {
    it("refuses the insurer's decision after the review deadline; anyone then applies the default outcome", async function () {
      const { claims, asInsurer, stranger, hospital, token } = await loadFixture(pendingFixture);
      const { deadline } = await claims.getClaim(2);
      await expect(claims.connect(stranger).applyDefault(2))
        .to.be.revertedWithCustomError(claims, "ClaimsDeadlineNotPassed")
        .withArgs(2, deadline);
      await time.increaseTo(deadline + 1n);
      await expect(asInsurer.approve(2, KRW(100), code("late")))
        .to.be.revertedWithCustomError(claims, "ClaimsDeadlinePassed")
        .withArgs(2, deadline);
      await expect(asInsurer.reject(2, code("late")))
        .to.be.revertedWithCustomError(claims, "ClaimsDeadlinePassed")
        .withArgs(2, deadline);
      const before = await token.balanceOf(hospital.address);
      // The threshold's share (800) is paid, the rest escalated with an arbitration deadline from the review deadline.
      await expect(claims.connect(stranger).applyDefault(2))
        .to.emit(claims, "ClaimDecided")
        .withArgs(
          2,
          Status.Escalated,
          KRW(800),
          hre.ethers.ZeroHash,
          hre.ethers.ZeroHash,
          deadline + 21n * BigInt(DAY),
          Party.Anyone,
        );
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(800));
      expect((await claims.getProgramme(1)).reserved).to.equal(KRW(1_600));
    });

    it("pays the rest of an escalated claim when the arbitrator lets its deadline pass, and refuses it a late award", async function () {
      const { claims, agency, stranger, hospital, token } = await loadFixture(pendingFixture);
      await time.increaseTo((await claims.getClaim(2)).deadline + 1n);
      await claims.applyDefault(2);
      const { deadline } = await claims.getClaim(2);
      await time.increaseTo(deadline + 1n);
      await expect(claims.connect(agency).arbitrate(2, 0, code("late")))
        .to.be.revertedWithCustomError(claims, "ClaimsDeadlinePassed")
        .withArgs(2, deadline);
      const before = await token.balanceOf(hospital.address);
      await expect(claims.connect(stranger).applyDefault(2))
        .to.emit(claims, "ClaimDecided")
        .withArgs(2, Status.Settled, KRW(1_600), hre.ethers.ZeroHash, hre.ethers.ZeroHash, 0, Party.Anyone);
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(1_600));
      expect((await claims.getProgramme(1)).reserved).to.equal(0n);
    });

    it("settles a claim nobody touched, past both deadlines, in one call", async function () {
      const { claims, hospital, token } = await loadFixture(pendingFixture);
      await time.increase(14 * DAY + 21 * DAY + 2);
      const before = await token.balanceOf(hospital.address);
      await claims.applyDefault(2);
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(2_400));
      expect((await claims.getClaim(2)).status).to.equal(BigInt(Status.Settled));
    });

    it("lets an undisputed decision stand after the dispute window, and a disputed one when the arbitrator is silent", async function () {
      const { claims, asInsurer, hospital, ids, bill, fileBoth } = await loadFixture(pendingFixture);
      await fileBoth(await bill({ recordIds: [3], amount: KRW(2_000) })); // 3: due 1,600
      await asInsurer.approve(2, KRW(1_000), code("partly"));
      await asInsurer.reject(3, code("no"));
      await claims.connect(hospital).dispute(3, code("wrong"), hre.ethers.id("evidence"));
      const { deadline } = await claims.getClaim(2);
      await expect(claims.applyDefault(2))
        .to.be.revertedWithCustomError(claims, "ClaimsDeadlineNotPassed")
        .withArgs(2, deadline);
      await time.increaseTo(deadline + 1n);
      await expect(claims.connect(hospital).dispute(2, code("late"), hre.ethers.ZeroHash))
        .to.be.revertedWithCustomError(claims, "ClaimsDeadlinePassed")
        .withArgs(2, deadline);
      await claims.applyDefault(2);
      await time.increaseTo((await claims.getClaim(3)).deadline + 1n);
      await claims.applyDefault(3);
      const [two, three] = [await claims.getClaim(2), await claims.getClaim(3)];
      expect([two.status, two.paid, three.status, three.paid]).to.deep.equal([
        BigInt(Status.Settled),
        KRW(1_000),
        BigInt(Status.Settled),
        0n,
      ]);
      const p = await claims.getProgramme(1);
      expect([p.free, p.reserved]).to.deep.equal([KRW(49_000), 0n]);
      expect(await claims.usedInYear(1, ids.patientA, 0)).to.equal(KRW(1_000));
    });

    it("lets governance replace a silent arbitrator, only after the access manager's delay", async function () {
      const {
        claims,
        manager,
        deployer,
        participants,
        registrar,
        agency,
        stranger,
        asInsurer,
        hospital,
        signers,
        ids,
      } = await loadFixture(pendingFixture);
      const successor = signers[27];
      const successorId = (
        await onboard(participants, registrar, {
          account: successor,
          kind: "public-health-agency",
          name: "Successor board",
        })
      )[0];
      await asInsurer.reject(2, code("no"));
      await claims.connect(hospital).dispute(2, code("wrong"), hre.ethers.id("evidence"));
      const data = claims.interface.encodeFunctionData("replaceArbitrator", [1, successor.address]);
      // Not directly, not by the insurer, not by the governor without its delay.
      await expect(
        claims.connect(asInsurer.runner as HardhatEthersSigner).replaceArbitrator(1, successor.address),
      ).to.be.revertedWithCustomError(claims, "AccessManagedUnauthorized");
      await expect(claims.connect(stranger).replaceArbitrator(1, successor.address)).to.be.revertedWithCustomError(
        claims,
        "AccessManagedUnauthorized",
      );
      await expect(manager.connect(deployer).execute(await claims.getAddress(), data)).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotScheduled",
      );
      const agencyId = (await participants.memberOf(agency.address)).id;
      await expect(delayedCall(manager, deployer, claims, data))
        .to.emit(claims, "ArbitratorReplaced")
        .withArgs(1, agencyId, successorId);
      expect((await claims.getProgramme(1)).config.arbitrator).to.equal(successor.address);
      await expect(claims.connect(agency).arbitrate(2, 0, code("x")))
        .to.be.revertedWithCustomError(claims, "ClaimsNotArbitrator")
        .withArgs(2, agency.address);
      await claims.connect(successor).arbitrate(2, KRW(2_400), code("due"));
      expect((await claims.getClaim(2)).status).to.equal(BigInt(Status.Settled));
      expect(ids.insurer).to.be.greaterThan(0n);
    });
  });

  describe("the co-payment, on chain", function () {
    /** Programme 2 moves co-payments on chain; record 6 is a fresh treatment of patient A, who holds 300. */
    async function copayFixture() {
      const suite = await escrowFixture();
      const { asInsurer, config, records, record, hospital, token, patientA, ids } = suite;
      await asInsurer.openProgramme(config({ copayOnChain: true }));
      await asInsurer.deposit(2, KRW(10_000));
      await asInsurer.enrol(2, ids.patientA);
      await time.increase(60);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6
      await token.mint(patientA.address, KRW(300));
      /** The patient's EIP-2612 permit letting the escrow take `value`. */
      const permit = async (value: bigint) => {
        const deadline = (await time.latest()) + DAY;
        const { chainId } = await hre.ethers.provider.getNetwork();
        const signature = hre.ethers.Signature.from(
          await patientA.signTypedData(
            { name: "Won stablecoin", version: "1", chainId, verifyingContract: await token.getAddress() },
            {
              Permit: [
                { name: "owner", type: "address" },
                { name: "spender", type: "address" },
                { name: "value", type: "uint256" },
                { name: "nonce", type: "uint256" },
                { name: "deadline", type: "uint256" },
              ],
            },
            {
              owner: patientA.address,
              spender: await suite.claims.getAddress(),
              value,
              nonce: await token.nonces(patientA.address),
              deadline,
            },
          ),
        );
        return { deadline, v: signature.v, r: signature.r, s: signature.s };
      };
      return { ...suite, permit };
    }

    it("moves the patient's share to the hospital with a permit, in the same relayed action that pays the claim", async function () {
      const { claims, participants, relayer, patientA, hospital, token, ids, bill, permit } =
        await loadFixture(copayFixture);
      const b = await bill({ programmeId: 2, recordIds: [6], amount: KRW(1_000) });
      const before = await token.balanceOf(hospital.address);
      const eth = await hre.ethers.provider.getBalance(patientA.address);
      await expect(
        relayedAsPatient(participants, patientA, relayer, ids.patientA, claims, "fileClaim", [
          b,
          await signBill(claims, hospital, b),
          await permit(KRW(200)),
        ]),
      )
        .to.emit(claims, "ClaimFiled")
        .withArgs(
          6,
          2,
          ids.patientA,
          await claims.billHash(b),
          ids.hospital,
          Status.Paid,
          KRW(800),
          0,
          KRW(200),
          anyValue,
        );
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(1_000));
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(100));
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(eth);
    });

    it("runs the patient's permit with its confirmation when the patient attests first; the hospital's call then moves the share", async function () {
      const { claims, participants, relayer, patientA, hospital, token, ids, bill, permit, hospitalFiles } =
        await loadFixture(copayFixture);
      const b = await bill({ programmeId: 2, recordIds: [6], amount: KRW(1_000) });
      await expect(
        relayedAsPatient(participants, patientA, relayer, ids.patientA, claims, "fileClaim", [
          b,
          "0x",
          await permit(KRW(200)),
        ]),
      )
        .to.emit(claims, "BillAttested")
        .withArgs(await claims.billHash(b), 2, ids.patientA, ids.hospital, Party.Patient, anyValue)
        .and.to.emit(token, "Approval")
        .withArgs(patientA.address, await claims.getAddress(), KRW(200));
      // Nothing moved yet: the bill waits for the hospital.
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(300));
      expect(await claims.claimOfRecord(6)).to.equal(0n);
      const before = await token.balanceOf(hospital.address);
      await expect(hospitalFiles(b)).to.emit(claims, "ClaimFiled");
      expect(await token.balanceOf(hospital.address)).to.equal(before + KRW(1_000));
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(100));
    });

    it("refuses the claim while the co-payment cannot move, survives a front-run permit, and takes none when the patient is paid", async function () {
      const { claims, relayer, patientA, hospital, token, ids, bill, permit, patientFiles, records, record } =
        await loadFixture(copayFixture);
      const b = await bill({ programmeId: 2, recordIds: [6], amount: KRW(1_000) });
      const signature = await signBill(claims, hospital, b);
      await expect(patientFiles(b, signature)).to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance");
      expect(await claims.claimOfRecord(6)).to.equal(0n);
      // Someone submits the patient's permit first: the permit call fails inside, the allowance is there anyway.
      const p = await permit(KRW(200));
      await token
        .connect(relayer)
        .permit(patientA.address, await claims.getAddress(), KRW(200), p.deadline, p.v, p.r, p.s);
      await expect(patientFiles(b, signature, patientA, ids.patientA, p)).to.emit(claims, "ClaimFiled");
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(100));
      // A claim paying the patient (who paid the hospital in full) moves no co-payment.
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 7
      const own = await bill({ programmeId: 2, recordIds: [7], amount: KRW(500), payTo: PayTo.Patient });
      await expect(patientFiles(own, await signBill(claims, hospital, own)))
        .to.emit(claims, "ClaimFiled")
        .withArgs(7, 2, ids.patientA, anyValue, ids.hospital, Status.Paid, KRW(400), 0, 0, anyValue);
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(500));
    });
  });

  describe("payments cannot be trapped, and nobody re-enters", function () {
    it("credits a payee whose transfer fails, and lets it withdraw elsewhere; other claims go on", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, hospital, deployer, patientA, ids, bill, fileBoth } = suite;
      const blk = await new MockBlacklistToken__factory(deployer).deploy();
      await fundSecondProgramme(suite, blk, 2); // records 6, 7
      await blk.setBlacklisted(hospital.address, true);
      await expect(fileBoth(await bill({ programmeId: 2, recordIds: [6], amount: KRW(1_000) })))
        .to.emit(claims, "PaymentCredited")
        .withArgs(6, PayTo.Hospital, ids.hospital, hospital.address, KRW(800));
      expect(await claims.creditOf(await blk.getAddress(), PayTo.Hospital, ids.hospital)).to.equal(KRW(800));
      await fileBoth(await bill({ programmeId: 2, recordIds: [7], amount: KRW(500), payTo: PayTo.Patient }));
      expect(await blk.balanceOf(patientA.address)).to.equal(KRW(400));
      await expectSolvent(claims, [await blk.getAddress()]);
      await expect(claims.connect(hospital).withdrawCredit(await blk.getAddress(), patientA.address))
        .to.emit(claims, "CreditWithdrawn")
        .withArgs(await blk.getAddress(), PayTo.Hospital, ids.hospital, patientA.address, KRW(800));
      expect(await claims.totalCredits(await blk.getAddress())).to.equal(0n);
      await expect(claims.connect(hospital).withdrawCredit(await blk.getAddress(), patientA.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNoCredit")
        .withArgs(await blk.getAddress(), PayTo.Hospital, ids.hospital);
    });

    it("blocks a token that re-enters the escrow while it pays", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, hospital, deployer, ids, bill, fileBoth } = suite;
      const re = await new MockReentrantToken__factory(deployer).deploy();
      await fundSecondProgramme(suite, re, 2); // records 6, 7
      // During the payment the token tries to attest another bill through the escrow.
      await re.arm(
        await claims.getAddress(),
        claims.interface.encodeFunctionData("fileClaim", [
          await bill({ programmeId: 2, recordIds: [7] }),
          "0x",
          NO_PERMIT,
        ]),
      );
      await fileBoth(await bill({ programmeId: 2, recordIds: [6], amount: KRW(1_000) }));
      expect(await re.blocked()).to.equal(1n);
      expect(await re.reentries()).to.equal(0n);
      expect(await claims.claimOfRecord(7)).to.equal(0n);
      await expectSolvent(claims, [await re.getAddress()]);
    });

    it("pays a credit only to its holder: not to a guardian, nor to an institution's former address", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, participants, hospital, deployer, patientA, guardian, signers, ids, bill } = suite;
      const blk = await new MockBlacklistToken__factory(deployer).deploy();
      await fundSecondProgramme(suite, blk, 2); // records 6, 7
      await blk.setBlacklisted(patientA.address, true);
      await blk.setBlacklisted(hospital.address, true);
      await suite.fileBoth(await bill({ programmeId: 2, recordIds: [6], amount: KRW(500), payTo: PayTo.Patient }));
      await suite.fileBoth(await bill({ programmeId: 2, recordIds: [7], amount: KRW(500) }));
      const token = await blk.getAddress();
      expect(await claims.creditOf(token, PayTo.Patient, ids.patientA)).to.equal(KRW(400));
      expect(await claims.creditOf(token, PayTo.Hospital, ids.hospital)).to.equal(KRW(400));
      // A guardian, even one with the act power, cannot take the patient's money.
      await participants
        .connect(patientA)
        .setGuardian(guardianCommitment(ids.patientA, guardian.address, GUARDIAN_SALT), 2 /* POWER_ACT */);
      await expect(
        asGuardian(participants, guardian, ids.patientA, GUARDIAN_SALT, claims, "withdrawCredit", [
          token,
          guardian.address,
        ]),
      )
        .to.be.revertedWithCustomError(claims, "ClaimsNotCreditHolder")
        .withArgs(await participants.getAddress());
      // The hospital moves to a new address: the old one no longer holds the credit.
      const next = signers[27];
      await participants.connect(hospital).proposeAccount(next.address);
      await participants.connect(next).acceptAccount(ids.hospital);
      await expect(claims.connect(hospital).withdrawCredit(token, hospital.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNotCreditHolder")
        .withArgs(hospital.address);
      expect(await claims.creditOf(token, PayTo.Patient, ids.patientA)).to.equal(KRW(400));
      expect(await claims.creditOf(token, PayTo.Hospital, ids.hospital)).to.equal(KRW(400));
      // Each holder takes its own.
      await claims.connect(next).withdrawCredit(token, next.address);
      await asPatient(participants, patientA, ids.patientA, claims, "withdrawCredit", [token, signers[28].address]);
      expect(await blk.balanceOf(next.address)).to.equal(KRW(400));
      expect(await blk.balanceOf(signers[28].address)).to.equal(KRW(400));
      expect(await claims.totalCredits(token)).to.equal(0n);
    });

    it("guards every function that moves tokens: a token re-entering the same function is refused each time", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, asInsurer, agency, insurer, hospital, deployer, stranger, ids, bill, fileBoth } = suite;
      const re = await new MockReentrantToken__factory(deployer).deploy();
      await fundSecondProgramme(suite, re, 4); // records 6, 7, 8, 9
      const escrow = await claims.getAddress();
      const guard = claims.interface.getError("ReentrancyGuardReentrantCall")!.selector;
      /** Arms the token to call `fn` again while `fn` moves tokens, runs `act`, and checks the guard stopped it. */
      const reenters = async (fn: string, args: unknown[], act: () => Promise<unknown>) => {
        const blocked = await re.blocked();
        await re.arm(escrow, (claims.interface as Interface).encodeFunctionData(fn, args));
        await act();
        await re.arm(hre.ethers.ZeroAddress, "0x");
        expect(await re.blocked(), fn).to.equal(blocked + 1n);
        expect(await re.lastError(), fn).to.equal(guard);
      };
      await re.mint(insurer.address, KRW(1_000));
      await re.connect(insurer).approve(escrow, KRW(1_000));
      await reenters("deposit", [2, 1], () => asInsurer.deposit(2, KRW(1_000)));
      // Claims 6 to 9 wait for review (above the threshold).
      for (const id of [6, 7, 8, 9])
        await fileBoth(await bill({ programmeId: 2, recordIds: [id], amount: KRW(2_000) }));
      await reenters("approve", [7, 1, code("x")], () => asInsurer.approve(6, KRW(1_600), code("ok")));
      await asInsurer.approve(7, KRW(1_000), code("part"));
      await asPatient(suite.participants, suite.patientA, ids.patientA, claims, "dispute", [7, code("no"), code("e")]);
      await reenters("arbitrate", [7, 1, code("x")], () => claims.connect(agency).arbitrate(7, KRW(600), code("aw")));
      await time.increaseTo((await claims.getClaim(8)).deadline + 1n);
      await reenters("applyDefault", [9], () => claims.connect(stranger).applyDefault(8));
      await asInsurer.announceWithdrawal(2, KRW(1_000), insurer.address);
      await time.increase(await claims.WITHDRAWAL_NOTICE());
      await reenters("withdraw", [2], () => asInsurer.withdraw(2));
      // A credit: the hospital's transfer fails once, then it withdraws to an address that accepts.
      await re.refuse(hospital.address);
      await claims.connect(stranger).applyDefault(9);
      expect(await claims.creditOf(await re.getAddress(), PayTo.Hospital, ids.hospital)).to.not.equal(0n);
      await re.refuse(hre.ethers.ZeroAddress);
      const reToken = await re.getAddress();
      await reenters("withdrawCredit", [reToken, stranger.address], () =>
        claims.connect(hospital).withdrawCredit(reToken, hospital.address),
      );
      expect(await re.reentries()).to.equal(0n);
      expect(await claims.totalCredits(await re.getAddress())).to.equal(0n);
    });

    it("refuses a direct call to any function of the escrow's second implementation", async function () {
      const { claims, insurer } = await loadFixture(escrowFixture);
      const extension = await (
        await hre.ethers.getContractFactory("ClaimEscrowExtension")
      ).deploy(await claims.patientGateway(), hre.ethers.ZeroAddress);
      // Every function the escrow hands to its extension: those both declare, apart from the proxy machinery.
      const own = new Set(["upgradeToAndCall", "initialize", "setAuthority"]);
      const delegated = extension.interface.fragments.filter(
        (f): f is FunctionFragment =>
          f.type === "function" &&
          (f as FunctionFragment).stateMutability === "nonpayable" &&
          !own.has((f as FunctionFragment).name) &&
          (claims.interface as Interface).getFunction((f as FunctionFragment).selector) !== null,
      );
      expect(delegated.map((f) => f.name)).to.include.members(["openProgramme", "approve", "applyDefault"]);
      for (const fn of delegated) {
        const data = (extension.interface as Interface).encodeFunctionData(fn, fn.inputs.map(zeroOf));
        await expect(
          insurer.sendTransaction({ to: await extension.getAddress(), data }),
          fn.name,
        ).to.be.revertedWithCustomError(extension, "ClaimsNotThroughEscrow");
      }
    });
  });
});
