import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { KINDS } from "../../config/roles";
import { DAY, KRW, NO_PERMIT, PayTo, escrowFixture, signBill } from "../helpers/claims";
import { onboard, onboardedFixture } from "../helpers/fixtures";
import { governorCall } from "../helpers/governance";
import { asPatient, guardianCommitment, salt } from "../helpers/patients";

const reason = (s: string) => hre.ethers.encodeBytes32String(s);
const RECOVER = 1;
const ACT = 2;

describe("Patients, the gateway and recovery against an outside audit (issue 14)", function () {
  describe("the gateway is never an institution", function () {
    it("refuses an institution rotating onto the directory, so that no patient can act as it through the gateway", async function () {
      const { participants, consent, hospital, patientA, ids } = await loadFixture(onboardedFixture);
      const directory = await participants.getAddress();
      await expect(participants.connect(hospital).proposeAccount(directory)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsAddressIsDirectory",
      );
      // Through the gateway the directory is no pending address of anyone's: acceptAccount finds nothing.
      await expect(
        asPatient(participants, patientA, ids.patientA, participants, "acceptAccount", [ids.hospital]),
      ).to.be.revertedWithCustomError(participants, "ParticipantsNoPendingRotation");
      await expect(
        asPatient(participants, patientA, ids.patientA, consent, "openEmergency", [ids.patientB, reason("x")]),
      )
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(directory, 0);
      expect(await participants.accountOf(ids.hospital)).to.equal(hospital.address);
    });

    it("refuses governance recovering an institution onto the directory's address", async function () {
      const { participants, manager, deployer, ids, pharmacy } = await loadFixture(onboardedFixture);
      const directory = await participants.getAddress();
      const data = participants.interface.encodeFunctionData("recoverAccount", [ids.pharmacy, directory]);
      await expect(governorCall(manager, deployer, participants, data)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsAddressIsDirectory",
      );
      expect(await participants.accountOf(ids.pharmacy)).to.equal(pharmacy.address);
    });

    it("refuses the registrar onboarding the directory's own address", async function () {
      const { participants, registrar } = await loadFixture(onboardedFixture);
      const directory = await participants.getAddress();
      await expect(
        participants.connect(registrar).register(directory, KINDS.hospital, hre.ethers.id("gw"), "Gateway", ""),
      ).to.be.revertedWithCustomError(participants, "ParticipantsAddressIsDirectory");
      expect(await participants.institutionCount()).to.equal(4n);
    });
  });

  describe("an address is an institution's or a patient's, never both", function () {
    it("refuses an institution's former address as a patient, after a rotation", async function () {
      const { participants, hospital, ids, signers } = await loadFixture(onboardedFixture);
      const next = signers[27];
      await participants.connect(hospital).proposeAccount(next.address);
      await participants.connect(next).acceptAccount(ids.hospital);
      await expect(participants.connect(hospital).registerPatient())
        .to.be.revertedWithCustomError(participants, "PatientsAccountIsInstitution")
        .withArgs(hospital.address, ids.hospital);
      expect(await participants.patientCount()).to.equal(2n);
    });
  });

  describe("claims through the gateway", function () {
    it("lets a guardian confirming the patient's claim pay only a party to the care, never itself", async function () {
      const { participants, claims, token, patientA, guardian, hospital, ids, bill } = await loadFixture(escrowFixture);
      await participants
        .connect(patientA)
        .setGuardian(guardianCommitment(ids.patientA, guardian.address, salt("g")), ACT);
      const b = await bill({ recordIds: [1], amount: KRW(1_000), payTo: PayTo.Patient });
      const signature = await signBill(claims, hospital, b);
      // Payees are parties, not addresses: the bill names the patient, so the guardian has no field to change.
      const confirm = claims.interface.encodeFunctionData("fileClaim", [b, signature, NO_PERMIT]);
      await participants.connect(guardian).execute(ids.patientA, salt("g"), claims, confirm);
      expect(await token.balanceOf(patientA.address)).to.equal(KRW(800));
      expect(await token.balanceOf(guardian.address)).to.equal(0n);
    });
  });

  describe("claims with patient ids", function () {
    it("refuses enrolment by an active insurer that does not run the programme", async function () {
      const { participants, claims, registrar, signers, ids, insurer } = await loadFixture(escrowFixture);
      const other = signers[26];
      await onboard(participants, registrar, { account: other, kind: "insurer", name: "Another insurer" });
      const before = await claims.coverOf(1, ids.patientB);
      await claims.connect(insurer).endCover(1, ids.patientB);
      const ended = await claims.coverOf(1, ids.patientB);
      expect(ended).to.not.deep.equal(before);
      await expect(claims.connect(other).enrol(1, ids.patientB))
        .to.be.revertedWithCustomError(claims, "ClaimsNotProgrammeInsurer")
        .withArgs(1, other.address);
      expect(await claims.coverOf(1, ids.patientB)).to.deep.equal(ended);
    });

    it("refuses a claim when the registry has no read policy: no consent can be shown", async function () {
      const { participants, records, claims, manager, deployer, insurer, bill, fileBoth } =
        await loadFixture(escrowFixture);
      const unset = records.interface.encodeFunctionData("setReadPolicy", [hre.ethers.ZeroAddress]);
      await governorCall(manager, deployer, records, unset);
      const insurerId = (await participants.memberOf(insurer.address)).id;
      await expect(fileBoth(await bill({ recordIds: [1], amount: KRW(100) })))
        .to.be.revertedWithCustomError(claims, "ClaimsNoConsent")
        .withArgs(1, insurerId);
    });
  });

  describe("recovery against a rogue registrar", function () {
    it("frees an armed recovery's address once the guardian role cancels a rogue onboarding of it, and it cannot be onboarded again", async function () {
      const { participants, registrar, deployer, patientA, ids, signers } = await loadFixture(onboardedFixture);
      const [g1, g2, newPhone, other] = [signers[24], signers[25], signers[27], signers[29]];
      await participants
        .connect(patientA)
        .setGuardian(guardianCommitment(ids.patientA, g1.address, salt("g1")), RECOVER);
      await participants
        .connect(patientA)
        .setGuardian(guardianCommitment(ids.patientA, g2.address, salt("g2")), RECOVER);
      await participants.connect(patientA).setRecoveryThreshold(2);
      const approveFor = async (account: string) => {
        const round = (await participants.patient(ids.patientA)).round;
        const data = participants.interface.encodeFunctionData("approveRecovery", [account, round]);
        await participants.connect(g1).execute(ids.patientA, salt("g1"), participants, data);
        await participants.connect(g2).execute(ids.patientA, salt("g2"), participants, data);
      };
      await approveFor(newPhone.address);
      // A rogue registrar onboards the armed address: pending, public, and it blocks the recovery meanwhile.
      await participants.connect(registrar).register(newPhone.address, KINDS.hospital, hre.ethers.id("l"), "X", "");
      const rogue = (await participants.memberOf(newPhone.address)).id;
      await participants.connect(other).voidRecovery(ids.patientA);
      // The guardian role (the deployer on localhost) cancels the onboarding: the address is free for the patient
      // again, and the registrar cannot onboard it a second time.
      await participants.connect(deployer).cancelOnboarding(rogue, reason("rogue"));
      await expect(
        participants.connect(registrar).register(newPhone.address, KINDS.hospital, hre.ethers.id("l2"), "Y", ""),
      )
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressTaken")
        .withArgs(newPhone.address, rogue);
      await approveFor(newPhone.address);
      await time.increase(3 * DAY);
      await participants.connect(newPhone).acceptPatientAccount(ids.patientA);
      expect(await participants.patientAccount(ids.patientA)).to.equal(newPhone.address);
    });
  });
});
