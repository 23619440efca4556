import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { ACCEPT_PATIENT_ACCOUNT_TYPES, REGISTER_PATIENT_TYPES, participantsDomain } from "../../config/eip712";
import { KINDS } from "../../config/roles";
import { licence, onboardedFixture } from "../helpers/fixtures";
import { guardianCommitment, salt, signedCall } from "../helpers/patients";

const RECOVER = 1;
const ACT = 2;
const DAY = 86_400;
const RECOVERY_DELAY = 3 * DAY;

async function patientsFixture() {
  const suite = await onboardedFixture();
  const { participants, signers } = suite;
  // The fixture registered patientA and patientB, each with its own transaction.
  const [alice, bob] = [suite.ids.patientA, suite.ids.patientB];
  const service = await (
    await hre.ethers.getContractFactory("MockPatientService")
  ).deploy(await participants.getAddress());
  // Three guardians for Alice (accounts not otherwise used by the fixture) and her new phone.
  const [g1, g2, g3, newPhone, thief] = [signers[24], signers[25], signers[26], signers[27], signers[29]];
  return { ...suite, alice, bob, service, g1, g2, g3, newPhone, thief };
}

/** Alice appoints three guardians who may recover her account (the first may also act for her) and needs two. */
async function guardedFixture() {
  const f = await loadFixture(patientsFixture);
  const { participants, patientA, alice, g1, g2, g3 } = f;
  await participants.connect(patientA).setGuardian(guardianCommitment(alice, g1.address, salt("g1")), RECOVER | ACT);
  await participants.connect(patientA).setGuardian(guardianCommitment(alice, g2.address, salt("g2")), RECOVER);
  await participants.connect(patientA).setGuardian(guardianCommitment(alice, g3.address, salt("g3")), RECOVER);
  await participants.connect(patientA).setRecoveryThreshold(2);
  return f;
}

/** A guardian approves `account` for the patient in the current round, with its own key through the gateway. */
async function approve(
  participants: Awaited<ReturnType<typeof patientsFixture>>["participants"],
  guardianSigner: HardhatEthersSigner,
  label: string,
  patientId: bigint,
  account: string,
  round?: bigint,
) {
  const r = round ?? (await participants.patient(patientId)).round;
  const data = participants.interface.encodeFunctionData("approveRecovery", [account, r]);
  return participants.connect(guardianSigner).execute(patientId, salt(label), participants, data);
}

describe("PatientDirectory (patients in the participant directory)", function () {
  describe("registration", function () {
    it("gives a patient a permanent id on its key's own transaction, and an address belongs to one patient only", async function () {
      const { participants, patientA, alice, stranger } = await loadFixture(patientsFixture);
      expect(alice).to.equal(1n);
      expect(await participants.patientCount()).to.equal(2n);
      const [id, current] = await participants.patientOf(patientA.address);
      expect([id, current]).to.deep.equal([alice, true]);
      expect(await participants.patientAccount(alice)).to.equal(patientA.address);
      await expect(participants.connect(patientA).registerPatient())
        .to.be.revertedWithCustomError(participants, "PatientsAccountTaken")
        .withArgs(patientA.address, alice);
      await expect(participants.patient(99))
        .to.be.revertedWithCustomError(participants, "PatientsUnknownPatient")
        .withArgs(99);
      expect(await participants.patientOf(stranger.address)).to.deep.equal([0n, false]);
    });

    it("registers a patient on its own signature sent by a hospital, gaslessly, once, and refuses a signature by anyone else or too late", async function () {
      const { participants, hospital, stranger, thief } = await loadFixture(patientsFixture);
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      const domain = participantsDomain(chainId, await participants.getAddress());
      const deadline = BigInt((await time.latest()) + 600);
      const balance = await hre.ethers.provider.getBalance(stranger.address);
      const forged = await thief.signTypedData(domain, REGISTER_PATIENT_TYPES, { account: stranger.address, deadline });
      await expect(participants.connect(hospital).registerPatientBySig(stranger.address, deadline, forged))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
        .withArgs(stranger.address);
      const signature = await stranger.signTypedData(domain, REGISTER_PATIENT_TYPES, {
        account: stranger.address,
        deadline,
      });
      await expect(participants.connect(hospital).registerPatientBySig(stranger.address, deadline, signature))
        .to.emit(participants, "PatientRegistered")
        .withArgs(3, stranger.address);
      expect(await hre.ethers.provider.getBalance(stranger.address)).to.equal(balance);
      // Replayed: the address is taken, so nothing happens twice.
      await expect(participants.connect(hospital).registerPatientBySig(stranger.address, deadline, signature))
        .to.be.revertedWithCustomError(participants, "PatientsAccountTaken")
        .withArgs(stranger.address, 3);
      // Too late.
      const late = await thief.signTypedData(domain, REGISTER_PATIENT_TYPES, { account: thief.address, deadline });
      await time.increaseTo(deadline);
      await expect(participants.registerPatientBySig(thief.address, deadline, late))
        .to.be.revertedWithCustomError(participants, "PatientsSignatureExpired")
        .withArgs(deadline, deadline + 1n);
      expect(await participants.patientCount()).to.equal(3n);
    });

    it("registers a contract wallet on its ERC-1271 signature", async function () {
      const { participants, stranger, relayer } = await loadFixture(patientsFixture);
      const wallet = await (await hre.ethers.getContractFactory("MockERC1271Wallet")).deploy(stranger.address);
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      const deadline = BigInt((await time.latest()) + 600);
      const signature = await stranger.signTypedData(
        participantsDomain(chainId, await participants.getAddress()),
        REGISTER_PATIENT_TYPES,
        { account: await wallet.getAddress(), deadline },
      );
      await participants.connect(relayer).registerPatientBySig(await wallet.getAddress(), deadline, signature);
      expect((await participants.patientOf(await wallet.getAddress())).patientId).to.equal(3n);
    });

    it("refuses the zero address and the directory itself as a patient's address", async function () {
      const { participants, patientA, alice, service } = await loadFixture(patientsFixture);
      const self = await participants.getAddress();
      await expect(participants.connect(patientA).proposePatientAccount(self))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidAccount")
        .withArgs(self);
      // Through the gateway, the directory would be the caller of registerPatient: refused.
      const data = participants.interface.encodeFunctionData("registerPatient");
      await expect(
        participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, participants, data),
      ).to.be.revertedWithCustomError(participants, "PatientsNestedCall");
      expect(await service.gateway()).to.equal(self);
    });
  });

  describe("an address is an institution's or a patient's, never both", function () {
    it("refuses an active institution's address as a patient, and a patient's address as an institution", async function () {
      const { participants, hospital, registrar, patientA, alice, ids } = await loadFixture(patientsFixture);
      await expect(participants.connect(hospital).registerPatient())
        .to.be.revertedWithCustomError(participants, "PatientsAccountIsInstitution")
        .withArgs(hospital.address, ids.hospital);
      await expect(participants.connect(registrar).register(patientA.address, KINDS.hospital, licence("x"), "Fake", ""))
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressIsPatient")
        .withArgs(patientA.address, alice);
      expect(await participants.patientCount()).to.equal(2n);
      expect(await participants.institutionCount()).to.equal(4n);
    });

    it("refuses a rotation of either kind onto the other kind's address", async function () {
      const { participants, hospital, patientA, alice, ids, newPhone } = await loadFixture(patientsFixture);
      await expect(participants.connect(patientA).proposePatientAccount(hospital.address))
        .to.be.revertedWithCustomError(participants, "PatientsAccountIsInstitution")
        .withArgs(hospital.address, ids.hospital);
      await expect(participants.connect(hospital).proposeAccount(patientA.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressIsPatient")
        .withArgs(patientA.address, alice);
      // An address proposed to a patient and then onboarded as an institution cannot complete the rotation.
      await participants.connect(patientA).proposePatientAccount(newPhone.address);
      await participants.connect(hospital).proposeAccount(newPhone.address);
      await participants.connect(newPhone).acceptAccount(ids.hospital);
      await expect(participants.connect(newPhone).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsAccountIsInstitution")
        .withArgs(newPhone.address, ids.hospital);
      expect(await participants.patientAccount(alice)).to.equal(patientA.address);
      // A patient's former address stays the patient's: no institution can move there.
      const fresh = (await hre.ethers.getSigners())[22]; // the local "researcher" account, not onboarded here
      await participants.connect(patientA).proposePatientAccount(fresh.address);
      await participants.connect(fresh).acceptPatientAccount(alice);
      await expect(participants.connect(newPhone).proposeAccount(patientA.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressIsPatient")
        .withArgs(patientA.address, alice);
    });
  });

  describe("edges of the gateway and the account changes", function () {
    it("publishes its EIP-712 domain for wallets (ERC-5267)", async function () {
      const { participants } = await loadFixture(patientsFixture);
      const domain = await participants.eip712Domain();
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      expect([domain.fields, domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
        "0x0f",
        "MIIP Participants",
        "1",
        chainId,
        await participants.getAddress(),
      ]);
    });

    it("lets the patient withdraw a proposal with the zero address, after which the proposed address cannot accept", async function () {
      const { participants, patientA, alice, newPhone } = await loadFixture(patientsFixture);
      await participants.connect(patientA).proposePatientAccount(newPhone.address);
      await expect(participants.connect(patientA).proposePatientAccount(hre.ethers.ZeroAddress))
        .to.emit(participants, "PatientAccountProposed")
        .withArgs(alice, hre.ethers.ZeroAddress);
      await expect(participants.connect(newPhone).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsNothingToAccept")
        .withArgs(alice, newPhone.address);
    });

    it("refuses the gateway calling into itself: accepting an account, or relaying", async function () {
      const { participants, patientA, alice, service } = await loadFixture(patientsFixture);
      const accept = participants.interface.encodeFunctionData("acceptPatientAccount", [alice]);
      await expect(
        participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, participants, accept),
      ).to.be.revertedWithCustomError(participants, "PatientsNestedCall");
      const data = service.interface.encodeFunctionData("act", [1]);
      const inner = await signedCall(participants, patientA, { patientId: alice, target: service, data, nonce: 1n });
      const relay = participants.interface.encodeFunctionData("relay", [inner.call, inner.signature]);
      await expect(
        participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, participants, relay),
      ).to.be.revertedWithCustomError(participants, "PatientsNestedCall");
    });

    it("refuses a service that names another directory as its gateway", async function () {
      const { participants, patientA, alice, stranger } = await loadFixture(patientsFixture);
      const elsewhere = await (await hre.ethers.getContractFactory("MockPatientService")).deploy(stranger.address);
      const data = elsewhere.interface.encodeFunctionData("act", [1]);
      await expect(participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, elsewhere, data))
        .to.be.revertedWithCustomError(participants, "PatientsUntrustedTarget")
        .withArgs(await elsewhere.getAddress());
    });
  });

  describe("rotation", function () {
    it("moves a patient to a new address in two steps; the old address can never act, nor be anyone's again", async function () {
      const { participants, patientA, alice, newPhone, service } = await loadFixture(patientsFixture);
      await expect(participants.connect(patientA).proposePatientAccount(newPhone.address))
        .to.emit(participants, "PatientAccountProposed")
        .withArgs(alice, newPhone.address);
      const round = (await participants.patient(alice)).round;
      await expect(participants.connect(newPhone).acceptPatientAccount(alice))
        .to.emit(participants, "PatientAccountChanged")
        .withArgs(alice, patientA.address, newPhone.address, false)
        .and.to.emit(participants, "RecoveryRoundClosed")
        .withArgs(alice, round);
      expect(await participants.patientOf(patientA.address)).to.deep.equal([alice, false]);
      expect(await participants.patientOf(newPhone.address)).to.deep.equal([alice, true]);
      const data = service.interface.encodeFunctionData("act", [1]);
      await expect(participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, service, data))
        .to.be.revertedWithCustomError(participants, "PatientsNotPatient")
        .withArgs(patientA.address, alice);
      const old = await signedCall(participants, patientA, { patientId: alice, target: service, data });
      await expect(participants.relay(old.call, old.signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
        .withArgs(newPhone.address);
      await expect(participants.connect(patientA).registerPatient())
        .to.be.revertedWithCustomError(participants, "PatientsAccountTaken")
        .withArgs(patientA.address, alice);
      await expect(participants.connect(patientA).proposePatientAccount(patientA.address))
        .to.be.revertedWithCustomError(participants, "PatientsNotPatient")
        .withArgs(patientA.address, alice);
      await expect(participants.connect(newPhone).execute(alice, hre.ethers.ZeroHash, service, data))
        .to.emit(service, "Acted")
        .withArgs(alice, hre.ethers.ZeroHash, 3, 1);
    });

    it("lets only the proposed address accept, by its transaction or its signature sent by anyone", async function () {
      const { participants, patientA, alice, newPhone, thief, relayer } = await loadFixture(patientsFixture);
      await participants.connect(patientA).proposePatientAccount(newPhone.address);
      await expect(participants.connect(thief).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsNothingToAccept")
        .withArgs(alice, thief.address);
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      const domain = participantsDomain(chainId, await participants.getAddress());
      const deadline = BigInt((await time.latest()) + 600);
      const forged = await thief.signTypedData(domain, ACCEPT_PATIENT_ACCOUNT_TYPES, {
        patientId: alice,
        account: newPhone.address,
        deadline,
      });
      await expect(participants.connect(relayer).acceptPatientAccountBySig(alice, newPhone.address, deadline, forged))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
        .withArgs(newPhone.address);
      expect(await participants.patientAccount(alice)).to.equal(patientA.address);
      const signature = await newPhone.signTypedData(domain, ACCEPT_PATIENT_ACCOUNT_TYPES, {
        patientId: alice,
        account: newPhone.address,
        deadline,
      });
      await participants.connect(relayer).acceptPatientAccountBySig(alice, newPhone.address, deadline, signature);
      expect(await participants.patientAccount(alice)).to.equal(newPhone.address);
      // Replayed: nothing is pending any more.
      await expect(
        participants.connect(relayer).acceptPatientAccountBySig(alice, newPhone.address, deadline, signature),
      )
        .to.be.revertedWithCustomError(participants, "PatientsNothingToAccept")
        .withArgs(alice, newPhone.address);
    });

    it("fails safe when someone takes the proposed address first: the patient keeps its address", async function () {
      const { participants, patientA, alice, newPhone } = await loadFixture(patientsFixture);
      await participants.connect(patientA).proposePatientAccount(newPhone.address);
      // Front-run: the proposed address registers as a patient of its own before accepting.
      await participants.connect(newPhone).registerPatient();
      await expect(participants.connect(newPhone).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsAccountTaken")
        .withArgs(newPhone.address, 3);
      expect(await participants.patientAccount(alice)).to.equal(patientA.address);
      await expect(participants.connect(patientA).proposePatientAccount(newPhone.address))
        .to.be.revertedWithCustomError(participants, "PatientsAccountTaken")
        .withArgs(newPhone.address, 3);
    });
  });

  describe("guardians", function () {
    it("publishes only a commitment per guardian, never its address", async function () {
      const { participants, patientA, alice, g1 } = await loadFixture(patientsFixture);
      const commitment = guardianCommitment(alice, g1.address, salt("g1"));
      const tx = await participants.connect(patientA).setGuardian(commitment, RECOVER);
      await expect(tx).to.emit(participants, "GuardianSet").withArgs(alice, commitment, RECOVER);
      const receipt = await tx.wait();
      const needle = g1.address.slice(2).toLowerCase();
      for (const log of receipt!.logs) {
        expect(log.data.toLowerCase()).to.not.include(needle);
        for (const topic of log.topics) expect(topic.toLowerCase()).to.not.include(needle);
      }
      const entry = await participants.guardian(alice, commitment);
      expect([entry.index, entry.powers]).to.deep.equal([1n, BigInt(RECOVER)]);
      const p = await participants.patient(alice);
      expect([p.guardianCount, p.recoverers, p.threshold]).to.deep.equal([1n, 1n, 0n]);
    });

    it("refuses a zero commitment, unknown powers, a ninth guardian, removing an unknown one and a threshold above the recoverers", async function () {
      const { participants, patientA, alice } = await loadFixture(patientsFixture);
      await expect(
        participants.connect(patientA).setGuardian(hre.ethers.ZeroHash, RECOVER),
      ).to.be.revertedWithCustomError(participants, "PatientsInvalidCommitment");
      const c = (i: number) => hre.ethers.id(`guardian ${i}`);
      await expect(participants.connect(patientA).setGuardian(c(0), 4))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidPowers")
        .withArgs(4);
      await expect(participants.connect(patientA).setGuardian(c(0), 0))
        .to.be.revertedWithCustomError(participants, "PatientsNotGuardian")
        .withArgs(alice, c(0));
      await expect(participants.connect(patientA).setRecoveryThreshold(1))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidThreshold")
        .withArgs(alice, 1, 0);
      for (let i = 0; i < 8; i++) await participants.connect(patientA).setGuardian(c(i), i < 2 ? ACT : RECOVER);
      await expect(participants.connect(patientA).setGuardian(c(8), RECOVER))
        .to.be.revertedWithCustomError(participants, "PatientsTooManyGuardians")
        .withArgs(alice);
      await participants.connect(patientA).setRecoveryThreshold(6);
      // Taking away a recoverer would leave the threshold above the recoverers.
      await expect(participants.connect(patientA).setGuardian(c(5), 0))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidThreshold")
        .withArgs(alice, 6, 5);
      await expect(participants.connect(patientA).setGuardian(c(5), ACT))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidThreshold")
        .withArgs(alice, 6, 5);
      // A guardian without the recover power leaves freely; its index is reused.
      await participants.connect(patientA).setGuardian(c(0), 0);
      await participants.connect(patientA).setGuardian(c(9), ACT);
      expect((await participants.guardian(alice, c(9))).index).to.equal(1n);
      const p = await participants.patient(alice);
      expect([p.guardianCount, p.recoverers, p.threshold]).to.deep.equal([8n, 6n, 6n]);
    });

    it("lets a guardian with the act power act for the patient, and no guardian manage the patient's identity", async function () {
      const { participants, alice, g1, g2, service, newPhone } = await guardedFixture();
      const data = service.interface.encodeFunctionData("act", [7]);
      const c1 = guardianCommitment(alice, g1.address, salt("g1"));
      await expect(participants.connect(g1).execute(alice, salt("g1"), service, data))
        .to.emit(service, "Acted")
        .withArgs(alice, c1, RECOVER | ACT, 7);
      // The suffix says what g2 may do; a service refuses an actor without the act power.
      const c2 = guardianCommitment(alice, g2.address, salt("g2"));
      await expect(participants.connect(g2).execute(alice, salt("g2"), service, data))
        .to.emit(service, "Acted")
        .withArgs(alice, c2, RECOVER, 7);
      // A wrong salt is no guardian.
      await expect(participants.connect(g1).execute(alice, salt("g2"), service, data))
        .to.be.revertedWithCustomError(participants, "PatientsNotGuardian")
        .withArgs(alice, guardianCommitment(alice, g1.address, salt("g2")));
      for (const call of [
        participants.interface.encodeFunctionData("proposePatientAccount", [newPhone.address]),
        participants.interface.encodeFunctionData("setGuardian", [hre.ethers.id("x"), ACT]),
        participants.interface.encodeFunctionData("setRecoveryThreshold", [1]),
        participants.interface.encodeFunctionData("cancelRecovery"),
      ]) {
        await expect(participants.connect(g1).execute(alice, salt("g1"), participants, call))
          .to.be.revertedWithCustomError(participants, "PatientsGuardianCannotManage")
          .withArgs(alice, c1);
      }
    });
  });

  describe("recovery", function () {
    it("recovers a lost key with two of three guardians after the delay; the old key can do nothing after", async function () {
      const { participants, patientA, alice, g1, g3, newPhone, service } = await guardedFixture();
      await expect(approve(participants, g1, "g1", alice, newPhone.address))
        .to.emit(participants, "RecoveryApproved")
        .withArgs(alice, 4, guardianCommitment(alice, g1.address, salt("g1")), newPhone.address, 1);
      // One approval is fewer than the threshold: nothing to accept.
      await expect(participants.connect(newPhone).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsNothingToAccept")
        .withArgs(alice, newPhone.address);
      const second = approve(participants, g3, "g3", alice, newPhone.address);
      await expect(second).to.emit(participants, "RecoveryArmed");
      const dueAt = (await time.latest()) + RECOVERY_DELAY;
      const armed = await participants.patient(alice);
      expect([armed.incomingAccount, armed.incomingDueAt]).to.deep.equal([newPhone.address, BigInt(dueAt)]);
      expect(await participants.recoveryApprovals(alice, newPhone.address)).to.equal(2n);
      await expect(participants.connect(newPhone).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsRecoveryNotDue")
        .withArgs(alice, dueAt);
      await time.increaseTo(dueAt);
      await expect(participants.connect(newPhone).acceptPatientAccount(alice))
        .to.emit(participants, "PatientAccountChanged")
        .withArgs(alice, patientA.address, newPhone.address, true);
      const data = service.interface.encodeFunctionData("act", [1]);
      await expect(participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, service, data))
        .to.be.revertedWithCustomError(participants, "PatientsNotPatient")
        .withArgs(patientA.address, alice);
      await expect(participants.connect(patientA).cancelRecovery())
        .to.be.revertedWithCustomError(participants, "PatientsNotPatient")
        .withArgs(patientA.address, alice);
      // The guardians stay the patient's.
      expect((await participants.patient(alice)).guardianCount).to.equal(3n);
    });

    it("lets the old key cancel during the delay, after which the approvals count for nothing", async function () {
      const { participants, patientA, alice, g1, g2, thief } = await guardedFixture();
      await approve(participants, g1, "g1", alice, thief.address);
      await approve(participants, g2, "g2", alice, thief.address);
      const round = (await participants.patient(alice)).round;
      await expect(participants.connect(patientA).cancelRecovery())
        .to.emit(participants, "RecoveryRoundClosed")
        .withArgs(alice, round);
      await time.increase(RECOVERY_DELAY);
      await expect(participants.connect(thief).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsNothingToAccept")
        .withArgs(alice, thief.address);
      await expect(approve(participants, g1, "g1", alice, thief.address, round))
        .to.be.revertedWithCustomError(participants, "PatientsWrongRound")
        .withArgs(alice, round, round + 1n);
      expect(await participants.recoveryApprovals(alice, thief.address)).to.equal(0n);
      expect(await participants.patientAccount(alice)).to.equal(patientA.address);
    });

    it("does not let one guardian block the others by proposing its own address first", async function () {
      const { participants, alice, g1, g2, g3, thief, newPhone } = await guardedFixture();
      await approve(participants, g1, "g1", alice, thief.address);
      await expect(approve(participants, g1, "g1", alice, thief.address))
        .to.be.revertedWithCustomError(participants, "PatientsAlreadyApproved")
        .withArgs(alice, guardianCommitment(alice, g1.address, salt("g1")), thief.address);
      await approve(participants, g2, "g2", alice, newPhone.address);
      await expect(approve(participants, g3, "g3", alice, newPhone.address)).to.emit(participants, "RecoveryArmed");
      // Once armed, no other address can be approved in the round.
      await expect(approve(participants, g3, "g3", alice, thief.address))
        .to.be.revertedWithCustomError(participants, "PatientsRecoveryArmed")
        .withArgs(alice, newPhone.address);
      await time.increase(RECOVERY_DELAY);
      await expect(participants.connect(thief).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsNothingToAccept")
        .withArgs(alice, thief.address);
      await participants.connect(newPhone).acceptPatientAccount(alice);
      expect(await participants.patientAccount(alice)).to.equal(newPhone.address);
    });

    it("accepts approvals only through the gateway, from guardians with the recover power, while recovery is on", async function () {
      const { participants, patientA, alice, g1, newPhone } = await guardedFixture();
      await expect(participants.connect(g1).approveRecovery(newPhone.address, 0))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(g1.address);
      // The patient's own key is no guardian.
      const round = (await participants.patient(alice)).round;
      const data = participants.interface.encodeFunctionData("approveRecovery", [newPhone.address, round]);
      await expect(participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, participants, data))
        .to.be.revertedWithCustomError(participants, "PatientsNotGuardian")
        .withArgs(alice, hre.ethers.ZeroHash);
      // A guardian who may only act.
      const actor = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
      await patientA.sendTransaction({ to: actor.address, value: hre.ethers.parseEther("1") });
      const commitment = guardianCommitment(alice, actor.address, salt("actor"));
      await participants.connect(patientA).setGuardian(commitment, ACT);
      const later = (await participants.patient(alice)).round;
      await expect(
        participants
          .connect(actor)
          .execute(
            alice,
            salt("actor"),
            participants,
            participants.interface.encodeFunctionData("approveRecovery", [newPhone.address, later]),
          ),
      )
        .to.be.revertedWithCustomError(participants, "PatientsGuardianLacksPower")
        .withArgs(alice, commitment, RECOVER);
      // Recovery off.
      await participants.connect(patientA).setRecoveryThreshold(0);
      await expect(approve(participants, g1, "g1", alice, newPhone.address))
        .to.be.revertedWithCustomError(participants, "PatientsRecoveryOff")
        .withArgs(alice);
      await participants.connect(patientA).setRecoveryThreshold(2);
      // A taken address may collect approvals, but the one that would arm it is refused: an armed round takes no
      // other address, so only an address that can still be accepted is armed.
      await approve(participants, g1, "g1", alice, patientA.address);
      const g2 = (await hre.ethers.getSigners())[25];
      await expect(approve(participants, g2, "g2", alice, patientA.address))
        .to.be.revertedWithCustomError(participants, "PatientsAccountTaken")
        .withArgs(patientA.address, alice);
      expect((await participants.patient(alice)).incomingDueAt).to.equal(0n);
    });

    it("refuses approving the zero address or the directory as a patient's new address", async function () {
      const { participants, alice, g1 } = await guardedFixture();
      for (const account of [hre.ethers.ZeroAddress, await participants.getAddress()]) {
        await expect(approve(participants, g1, "g1", alice, account))
          .to.be.revertedWithCustomError(participants, "PatientsInvalidAccount")
          .withArgs(account);
      }
    });

    it("lets anyone void an armed recovery whose address was taken since, so that the guardians are not locked out", async function () {
      const { participants, alice, g1, g2, g3, newPhone, relayer, thief } = await guardedFixture();
      await expect(participants.connect(relayer).voidRecovery(alice))
        .to.be.revertedWithCustomError(participants, "PatientsNoRecovery")
        .withArgs(alice);
      await approve(participants, g1, "g1", alice, newPhone.address);
      await approve(participants, g2, "g2", alice, newPhone.address);
      await expect(participants.connect(relayer).voidRecovery(alice))
        .to.be.revertedWithCustomError(participants, "PatientsRecoveryStillValid")
        .withArgs(alice, newPhone.address);
      // The armed address becomes a patient of its own (by mistake, or by whoever holds it): it can never accept.
      await participants.connect(newPhone).registerPatient();
      await time.increase(RECOVERY_DELAY);
      await expect(participants.connect(newPhone).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsAccountTaken")
        .withArgs(newPhone.address, 3);
      const round = (await participants.patient(alice)).round;
      await expect(participants.connect(relayer).voidRecovery(alice))
        .to.emit(participants, "RecoveryRoundClosed")
        .withArgs(alice, round);
      await approve(participants, g1, "g1", alice, thief.address);
      await expect(approve(participants, g3, "g3", alice, thief.address)).to.emit(participants, "RecoveryArmed");
    });

    it("keeps an address the patient proposed through a change of guardians, and replaces an armed recovery with it", async function () {
      const { participants, patientA, alice, g1, g2, newPhone, thief } = await guardedFixture();
      await approve(participants, g1, "g1", alice, thief.address);
      await approve(participants, g2, "g2", alice, thief.address);
      // The patient still holds its key: proposing ends the round, and the armed address with it.
      await participants.connect(patientA).proposePatientAccount(newPhone.address);
      const p = await participants.patient(alice);
      expect([p.incomingAccount, p.incomingDueAt]).to.deep.equal([newPhone.address, 0n]);
      await participants.connect(patientA).setRecoveryThreshold(1);
      expect((await participants.patient(alice)).incomingAccount).to.equal(newPhone.address);
      await time.increase(RECOVERY_DELAY);
      await expect(participants.connect(thief).acceptPatientAccount(alice))
        .to.be.revertedWithCustomError(participants, "PatientsNothingToAccept")
        .withArgs(alice, thief.address);
      await participants.connect(newPhone).acceptPatientAccount(alice);
      expect(await participants.patientAccount(alice)).to.equal(newPhone.address);
    });

    it("ends the round when the guardians change, so a removed guardian's approval cannot be inherited", async function () {
      const { participants, patientA, alice, g1, g2, newPhone, thief } = await guardedFixture();
      await approve(participants, g1, "g1", alice, thief.address);
      const round = (await participants.patient(alice)).round;
      await participants.connect(patientA).setGuardian(guardianCommitment(alice, g1.address, salt("g1")), 0);
      await participants
        .connect(patientA)
        .setGuardian(guardianCommitment(alice, newPhone.address, salt("new")), RECOVER);
      expect((await participants.patient(alice)).round).to.equal(round + 2n);
      await approve(participants, g2, "g2", alice, thief.address);
      expect(await participants.recoveryApprovals(alice, thief.address)).to.equal(1n);
    });

    it("lets a recovery be completed gaslessly by the new key's signature, sent by a guardian", async function () {
      const { participants, alice, g1, g2, g3, newPhone } = await guardedFixture();
      await approve(participants, g1, "g1", alice, newPhone.address);
      await approve(participants, g2, "g2", alice, newPhone.address);
      await time.increase(RECOVERY_DELAY);
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      const deadline = BigInt((await time.latest()) + 600);
      const signature = await newPhone.signTypedData(
        participantsDomain(chainId, await participants.getAddress()),
        ACCEPT_PATIENT_ACCOUNT_TYPES,
        { patientId: alice, account: newPhone.address, deadline },
      );
      await participants.connect(g3).acceptPatientAccountBySig(alice, newPhone.address, deadline, signature);
      expect(await participants.patientAccount(alice)).to.equal(newPhone.address);
    });
  });

  describe("relayed calls", function () {
    it("forwards a patient's signed request sent by anyone, with the patient id appended, and consumes its nonce", async function () {
      const { participants, patientA, alice, relayer, service } = await loadFixture(patientsFixture);
      const balance = await hre.ethers.provider.getBalance(patientA.address);
      const data = service.interface.encodeFunctionData("act", [21]);
      const { call, signature } = await signedCall(participants, patientA, { patientId: alice, target: service, data });
      expect(await participants.connect(relayer).relay.staticCall(call, signature)).to.equal(
        hre.ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [42]),
      );
      await expect(participants.connect(relayer).relay(call, signature))
        .to.emit(service, "Acted")
        .withArgs(alice, hre.ethers.ZeroHash, 3, 21);
      expect((await participants.patient(alice)).nonce).to.equal(1n);
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(balance);
      await expect(participants.connect(relayer).relay(call, signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidNonce")
        .withArgs(alice, 1, 0);
    });

    it("refuses a request that is expired, signed by someone else, or changed in its action, target or patient", async function () {
      const { participants, patientA, alice, bob, relayer, service, thief } = await loadFixture(patientsFixture);
      const data = service.interface.encodeFunctionData("act", [1]);
      const signed = await signedCall(participants, patientA, { patientId: alice, target: service, data });
      const byThief = await signedCall(participants, thief, { patientId: alice, target: service, data });
      await expect(participants.connect(relayer).relay(byThief.call, byThief.signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
        .withArgs(patientA.address);
      const changed = [
        { ...signed.call, data: service.interface.encodeFunctionData("act", [2]) },
        { ...signed.call, target: thief.address },
        { ...signed.call, patientId: bob, nonce: 0n },
      ];
      const signers = [patientA.address, patientA.address, (await participants.patient(bob)).account];
      for (const [i, call] of changed.entries()) {
        await expect(participants.connect(relayer).relay(call, signed.signature))
          .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
          .withArgs(signers[i]);
      }
      await time.increaseTo(signed.call.deadline);
      await expect(participants.connect(relayer).relay(signed.call, signed.signature))
        .to.be.revertedWithCustomError(participants, "PatientsSignatureExpired")
        .withArgs(signed.call.deadline, signed.call.deadline + 1n);
      expect((await participants.patient(alice)).nonce).to.equal(0n);
    });

    it("refuses a request signed for another chain or another directory", async function () {
      const { participants, patientA, alice, relayer, service } = await loadFixture(patientsFixture);
      const data = service.interface.encodeFunctionData("act", [1]);
      const otherChain = await signedCall(
        participants,
        patientA,
        { patientId: alice, target: service, data },
        {
          chainId: 11155111n,
        },
      );
      const otherContract = await signedCall(
        participants,
        patientA,
        { patientId: alice, target: service, data },
        {
          verifyingContract: await service.getAddress(),
        },
      );
      for (const { call, signature } of [otherChain, otherContract]) {
        await expect(participants.connect(relayer).relay(call, signature))
          .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
          .withArgs(patientA.address);
      }
    });

    it("reverts everything, nonce included, when the call fails, passing on the target's error", async function () {
      const { participants, patientA, alice, relayer, service } = await loadFixture(patientsFixture);
      const data = service.interface.encodeFunctionData("refuse", [5]);
      const { call, signature } = await signedCall(participants, patientA, { patientId: alice, target: service, data });
      await expect(participants.connect(relayer).relay(call, signature))
        .to.be.revertedWithCustomError(service, "Refused")
        .withArgs(5);
      expect((await participants.patient(alice)).nonce).to.equal(0n);
    });

    it("relays a guardian's request under the guardian's own nonce, kept when the guardian is removed and appointed again", async function () {
      const { participants, patientA, alice, g1, relayer, service } = await guardedFixture();
      const data = service.interface.encodeFunctionData("act", [3]);
      const spec = { patientId: alice, target: service, data, guardian: g1.address, salt: salt("g1") };
      const first = await signedCall(participants, g1, spec);
      await expect(participants.connect(relayer).relay(first.call, first.signature))
        .to.emit(service, "Acted")
        .withArgs(alice, guardianCommitment(alice, g1.address, salt("g1")), RECOVER | ACT, 3);
      expect((await participants.patient(alice)).nonce).to.equal(0n);
      const c1 = guardianCommitment(alice, g1.address, salt("g1"));
      expect((await participants.guardian(alice, c1)).nonce).to.equal(1n);
      await participants.connect(patientA).setGuardian(c1, 0);
      await expect(participants.connect(relayer).relay(first.call, first.signature))
        .to.be.revertedWithCustomError(participants, "PatientsNotGuardian")
        .withArgs(alice, c1);
      await participants.connect(patientA).setGuardian(c1, ACT);
      await expect(participants.connect(relayer).relay(first.call, first.signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidNonce")
        .withArgs(alice, 1, 0);
    });

    it("relays guardians' recovery approvals in parallel, each under its own nonce", async function () {
      const { participants, alice, g1, g2, relayer, newPhone } = await guardedFixture();
      const round = (await participants.patient(alice)).round;
      const data = participants.interface.encodeFunctionData("approveRecovery", [newPhone.address, round]);
      const a = await signedCall(participants, g1, {
        patientId: alice,
        target: participants,
        data,
        guardian: g1.address,
        salt: salt("g1"),
      });
      const b = await signedCall(participants, g2, {
        patientId: alice,
        target: participants,
        data,
        guardian: g2.address,
        salt: salt("g2"),
      });
      await participants.connect(relayer).relay(b.call, b.signature);
      await expect(participants.connect(relayer).relay(a.call, a.signature)).to.emit(participants, "RecoveryArmed");
    });

    it("lets a contract wallet be a patient: its transactions through the gateway and its ERC-1271 signatures", async function () {
      const { participants, stranger, relayer, service } = await loadFixture(patientsFixture);
      const wallet = await (await hre.ethers.getContractFactory("MockERC1271Wallet")).deploy(stranger.address);
      await wallet.connect(stranger).call(participants, participants.interface.encodeFunctionData("registerPatient"));
      const id = (await participants.patientOf(await wallet.getAddress())).patientId;
      const data = service.interface.encodeFunctionData("act", [9]);
      const direct = participants.interface.encodeFunctionData("execute", [
        id,
        hre.ethers.ZeroHash,
        await service.getAddress(),
        data,
      ]);
      await expect(wallet.connect(stranger).call(participants, direct))
        .to.emit(service, "Acted")
        .withArgs(id, hre.ethers.ZeroHash, 3, 9);
      const { call, signature } = await signedCall(participants, stranger, { patientId: id, target: service, data });
      await expect(participants.connect(relayer).relay(call, signature))
        .to.emit(service, "Acted")
        .withArgs(id, hre.ethers.ZeroHash, 3, 9);
    });

    it("calls only contracts that name it as their gateway: a token sent to the directory by mistake stays put", async function () {
      const { participants, patientA, alice, deployer, relayer } = await loadFixture(patientsFixture);
      const token = await (await hre.ethers.getContractFactory("MockERC20")).deploy("Won", "KRWx");
      await token.mint(await participants.getAddress(), 1_000n);
      const steal = token.interface.encodeFunctionData("transfer", [patientA.address, 1_000n]);
      await expect(participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, token, steal))
        .to.be.revertedWithCustomError(participants, "PatientsUntrustedTarget")
        .withArgs(await token.getAddress());
      const signed = await signedCall(participants, patientA, { patientId: alice, target: token, data: steal });
      await expect(participants.connect(relayer).relay(signed.call, signed.signature))
        .to.be.revertedWithCustomError(participants, "PatientsUntrustedTarget")
        .withArgs(await token.getAddress());
      // Nor an address without code.
      await expect(participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, deployer.address, "0x"))
        .to.be.revertedWithCustomError(participants, "PatientsUntrustedTarget")
        .withArgs(deployer.address);
      expect(await token.balanceOf(await participants.getAddress())).to.equal(1_000n);
      expect((await participants.patient(alice)).nonce).to.equal(0n);
    });

    it("gives the gateway no power of its own: it is no institution and holds no role", async function () {
      const { participants, patientA, alice, records } = await loadFixture(patientsFixture);
      const registerInstitution = participants.interface.encodeFunctionData("register", [
        patientA.address,
        KINDS.hospital,
        licence("fake"),
        "Fake",
        "",
      ]);
      await expect(
        participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, participants, registerInstitution),
      ).to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized");
      const nested = participants.interface.encodeFunctionData("execute", [
        alice,
        hre.ethers.ZeroHash,
        await records.getAddress(),
        "0x",
      ]);
      await expect(
        participants.connect(patientA).execute(alice, hre.ethers.ZeroHash, participants, nested),
      ).to.be.revertedWithCustomError(participants, "PatientsNestedCall");
      expect(await participants.institutionCount()).to.equal(4n);
    });
  });
});
