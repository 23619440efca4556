import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { RECORD_TYPES } from "../../config/roles";
import { MockBlacklistToken__factory, MockERC20__factory, type ClaimEscrow } from "../../typechain-types";
import type { IClaimProgrammes } from "../../typechain-types/contracts/claims/ClaimEscrow";
import { DAY, KRW, NO_PERMIT, PayTo, code, escrowFixture, signBill } from "../helpers/claims";
import { asPatient, guardianCommitment } from "../helpers/patients";

/**
 * An outside audit of the claim escrow (issue 15) proved four findings with these tests, each asserting the safe
 * behaviour the documentation promises (so each failed while its finding was present). They stay as regression
 * tests, with the refusals the fixes added.
 */

const RECOVER = 1;

/** Opens programme 2 paying in `token`: `amount` deposited by the insurer, patient A enrolled. */
async function openSecondProgramme(
  suite: {
    claims: ClaimEscrow;
    asInsurer: ClaimEscrow;
    insurer: HardhatEthersSigner;
    ids: { patientA: bigint };
    config: (o?: Partial<IClaimProgrammes.ProgrammeConfigStruct>) => IClaimProgrammes.ProgrammeConfigStruct;
  },
  token: { getAddress(): Promise<string>; mint(to: string, amount: bigint): Promise<unknown> } & {
    connect(s: HardhatEthersSigner): { approve(spender: string, amount: bigint): Promise<unknown> };
  },
  amount: bigint,
  overrides: Partial<IClaimProgrammes.ProgrammeConfigStruct> = {},
) {
  await token.mint(suite.insurer.address, amount);
  await token.connect(suite.insurer).approve(await suite.claims.getAddress(), hre.ethers.MaxUint256);
  await suite.asInsurer.openProgramme(suite.config({ token: await token.getAddress(), ...overrides }));
  const id = await suite.claims.programmeCount();
  await suite.asInsurer.deposit(id, amount);
  await suite.asInsurer.enrol(id, suite.ids.patientA);
  return id;
}

describe("ClaimEscrow against an outside audit (issue 15)", function () {
  describe("F1 - an announced withdrawal never expires", function () {
    it("F1: lets an announced withdrawal lapse after its window, so that it cannot front-run a filing months later", async function () {
      const { claims, participants, patientA, asInsurer, insurer, records, hospital, record, ids, bill } =
        await loadFixture(escrowFixture);
      const { free } = await claims.getProgramme(1);
      // Day 0: the insurer announces it takes everything, then simply never executes it. The announcement is public;
      // claimants see the notice pass and nothing happen.
      await asInsurer.announceWithdrawal(1, free, insurer.address);
      await time.increase(60 * DAY);
      // Two months later: a fresh treatment, a bill the hospital signed, the patient's confirmation in the mempool.
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6
      const b = await bill({ recordIds: [6], amount: KRW(1_000) });
      const signature = await signBill(claims, hospital, b);
      const data = claims.interface.encodeFunctionData("fileClaim", [b, signature, NO_PERMIT]);
      // One block: the patient's confirmation is sent, the insurer sees it and outbids it with the two-month-old
      // announcement (no new notice).
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        const filing = await participants
          .connect(patientA)
          .execute(ids.patientA, hre.ethers.ZeroHash, await claims.getAddress(), data, {
            gasLimit: 1_500_000,
            maxPriorityFeePerGas: hre.ethers.parseUnits("1", "gwei"),
            maxFeePerGas: hre.ethers.parseUnits("100", "gwei"),
          });
        const frontRun = await asInsurer.withdraw(1, {
          gasLimit: 500_000,
          maxPriorityFeePerGas: hre.ethers.parseUnits("50", "gwei"),
          maxFeePerGas: hre.ethers.parseUnits("100", "gwei"),
        });
        await hre.network.provider.send("evm_mine", []);
        await hre.network.provider.send("evm_setAutomine", [true]);
        const [filed, withdrawn] = await Promise.all([
          hre.ethers.provider.getTransactionReceipt(filing.hash),
          hre.ethers.provider.getTransactionReceipt(frontRun.hash),
        ]);
        expect(filed!.blockNumber).to.equal(withdrawn!.blockNumber);
        // SAFE: the notice protects the filing (a stale announcement must be re-announced, with a fresh notice),
        // so the patient's confirmation files and pays the claim.
        expect(filed!.status, "the filing was front-run by a withdrawal announced two months earlier").to.equal(1);
        expect(await claims.claimOfRecord(6)).to.equal(6n);
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
      // The stale announcement is refused, naming when it lapsed; a new one needs a new notice.
      const { withdrawal } = await claims.getProgramme(1);
      const lapsedAt = withdrawal.executableAt + (await claims.WITHDRAWAL_WINDOW());
      await expect(asInsurer.withdraw(1))
        .to.be.revertedWithCustomError(claims, "ClaimsWithdrawalLapsed")
        .withArgs(1, lapsedAt);
      await asInsurer.announceWithdrawal(1, KRW(100), insurer.address);
      await expect(asInsurer.withdraw(1)).to.be.revertedWithCustomError(claims, "ClaimsWithdrawalNotDue");
      await time.increase(7 * DAY);
      await expect(asInsurer.withdraw(1)).to.emit(claims, "Withdrawn").withArgs(1, insurer.address, KRW(100), anyValue);
    });
  });

  describe("F2 - credits belong to an address, not to the party", function () {
    it("F2: keeps a patient's credited reimbursement with the patient: after a recovery the old key and a guardian take nothing, the new key withdraws it", async function () {
      const suite = await loadFixture(escrowFixture);
      const {
        claims,
        participants,
        deployer,
        patientA,
        guardian,
        hospital,
        records,
        record,
        ids,
        bill,
        fileBoth,
        signers,
      } = suite;
      const thief = signers[26];
      const newPhone = signers[27];
      const blk = await new MockBlacklistToken__factory(deployer).deploy();
      const programmeId = await openSecondProgramme(suite, blk, KRW(10_000));
      // The patient has a recovery guardian, as the suite recommends.
      const guardianSalt = hre.ethers.id("salt:recovery");
      await participants
        .connect(patientA)
        .setGuardian(guardianCommitment(ids.patientA, guardian.address, guardianSalt), RECOVER);
      await participants.connect(patientA).setRecoveryThreshold(1);
      await time.increase(60);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6
      // The patient's key leaks; the stablecoin issuer blacklists the compromised address, so the reimbursement
      // cannot be transferred to it and becomes a credit of that address.
      await blk.setBlacklisted(patientA.address, true);
      await expect(fileBoth(await bill({ programmeId, recordIds: [6], amount: KRW(500), payTo: PayTo.Patient })))
        .to.emit(claims, "PaymentCredited")
        .withArgs(6, PayTo.Patient, ids.patientA, patientA.address, KRW(400));
      expect(await claims.creditOf(await blk.getAddress(), PayTo.Patient, ids.patientA)).to.equal(KRW(400));
      // The patient recovers its id onto a new key through its guardian (the documented answer to a lost key).
      const round = (await participants.patient(ids.patientA)).round;
      await participants
        .connect(guardian)
        .execute(
          ids.patientA,
          guardianSalt,
          participants,
          participants.interface.encodeFunctionData("approveRecovery", [newPhone.address, round]),
        );
      await time.increase(3 * DAY);
      await participants.connect(newPhone).acceptPatientAccount(ids.patientA);
      expect(await participants.patientAccount(ids.patientA)).to.equal(newPhone.address);
      // SAFE ("payees are parties, not addresses"; "the old address can never act"): the former key cannot take
      // patient 1's reimbursement, and patient 1 at its current key can.
      await expect(claims.connect(patientA).withdrawCredit(await blk.getAddress(), thief.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNotCreditHolder")
        .withArgs(patientA.address);
      await expect(
        asPatient(participants, patientA, ids.patientA, claims, "withdrawCredit", [
          await blk.getAddress(),
          thief.address,
        ]),
      ).to.be.reverted;
      // A guardian cannot move the patient's money either.
      await expect(
        participants
          .connect(guardian)
          .execute(
            ids.patientA,
            guardianSalt,
            claims,
            claims.interface.encodeFunctionData("withdrawCredit", [await blk.getAddress(), guardian.address]),
          ),
      ).to.be.reverted;
      expect(await blk.balanceOf(thief.address)).to.equal(0n);
      await expect(
        asPatient(participants, newPhone, ids.patientA, claims, "withdrawCredit", [
          await blk.getAddress(),
          newPhone.address,
        ]),
      )
        .to.emit(claims, "CreditWithdrawn")
        .withArgs(await blk.getAddress(), PayTo.Patient, ids.patientA, newPhone.address, KRW(400));
      expect(await claims.totalCredits(await blk.getAddress())).to.equal(0n);
    });
    it("F2: keeps a hospital's credited payment with the hospital: after a rotation only its current key withdraws it", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, participants, deployer, hospital, records, record, ids, bill, fileBoth, signers } = suite;
      const thief = signers[26];
      const newKey = signers[27];
      const blk = await new MockBlacklistToken__factory(deployer).deploy();
      const programmeId = await openSecondProgramme(suite, blk, KRW(10_000));
      await time.increase(60);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6
      // The hospital's key leaks and the stablecoin blacklists it: the hospital's payment becomes a credit there.
      await blk.setBlacklisted(hospital.address, true);
      await expect(fileBoth(await bill({ programmeId, recordIds: [6], amount: KRW(1_000) })))
        .to.emit(claims, "PaymentCredited")
        .withArgs(6, PayTo.Hospital, ids.hospital, hospital.address, KRW(800));
      // The hospital moves to a new key, as the directory lets it.
      await participants.connect(hospital).proposeAccount(newKey.address);
      await participants.connect(newKey).acceptAccount(ids.hospital);
      expect(await participants.accountOf(ids.hospital)).to.equal(newKey.address);
      // SAFE: the payment is the hospital's (the party's), so only its current key withdraws it.
      await expect(claims.connect(hospital).withdrawCredit(await blk.getAddress(), thief.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNotCreditHolder")
        .withArgs(hospital.address);
      expect(await blk.balanceOf(thief.address)).to.equal(0n);
      await expect(claims.connect(newKey).withdrawCredit(await blk.getAddress(), newKey.address))
        .to.emit(claims, "CreditWithdrawn")
        .withArgs(await blk.getAddress(), PayTo.Hospital, ids.hospital, newKey.address, KRW(800));
      await expect(claims.connect(newKey).withdrawCredit(await blk.getAddress(), newKey.address))
        .to.be.revertedWithCustomError(claims, "ClaimsNoCredit")
        .withArgs(await blk.getAddress(), PayTo.Hospital, ids.hospital);
    });
  });

  describe("F3 - the insurer can make the release of a reserve overflow", function () {
    it("F3: refuses a deposit that would take free and reserved funds past 2^128 - 1, so that every settlement can still release its reserve", async function () {
      const suite = await loadFixture(escrowFixture);
      const { claims, asInsurer, deployer, hospital, records, record, ids, bill, fileBoth } = suite;
      // Any ERC-20 is accepted; this one has a large supply (as many meme or rebasing-unit tokens do).
      const big = await new MockERC20__factory(deployer).deploy("Big", "BIG");
      const programmeId = await openSecondProgramme(suite, big, KRW(10_000));
      await time.increase(60);
      await records.connect(hospital).register(await record(ids.patientA, RECORD_TYPES.diagnosis)); // 6
      await fileBoth(await bill({ programmeId, recordIds: [6], amount: KRW(3_000) })); // due 2,400, reserved
      const p = await claims.getProgramme(programmeId);
      // Free and reserved together stay within 128 bits: topping free up to 2^128 - 1 is refused.
      const top = 2n ** 128n - 1n - p.free;
      await big.mint(suite.insurer.address, top);
      const fits = 2n ** 128n - 1n - p.free - p.reserved;
      await expect(asInsurer.deposit(programmeId, top))
        .to.be.revertedWithCustomError(claims, "ClaimsDepositTooLarge")
        .withArgs(programmeId, top, fits);
      await asInsurer.deposit(programmeId, fits);
      await asInsurer.reject(6, code("no"));
      await time.increase(8 * DAY);
      // SAFE: after the dispute window anyone settles it; the reserve returns and the yearly cap is freed.
      await expect(claims.applyDefault(6)).to.emit(claims, "ClaimDecided");
      expect(await claims.usedInYear(programmeId, ids.patientA, 0)).to.equal(0n);
    });
  });

  describe("F4 - the escrow's implementation works as a second, unrelated escrow", function () {
    it("F4: refuses to run programmes on the bare implementation contract: only the proxy is the escrow", async function () {
      const { claims, participants, insurer, config } = await loadFixture(escrowFixture);
      const slot = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
      const implementation = hre.ethers.getAddress(
        "0x" + (await hre.ethers.provider.getStorage(await claims.getAddress(), slot)).slice(26),
      );
      const bare = claims.attach(implementation) as ClaimEscrow;
      // SAFE: only the proxy is the escrow; the implementation refuses to act as one (as the extension refuses
      // a direct call), so no shadow escrow with its own treatments, bills and funds can exist beside it.
      await expect(bare.connect(insurer).openProgramme(config())).to.be.revertedWithCustomError(
        bare,
        "UUPSUnauthorizedCallContext",
      );
      expect(await bare.programmeCount()).to.equal(0n);
      // (Had it been opened, a patient could act on it through the gateway as on the real escrow.)
      expect(await bare.patientGateway()).to.equal(await participants.getAddress());
    });
  });
});
