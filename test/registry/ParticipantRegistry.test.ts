import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { Result } from "ethers";

import { KINDS, ROLES } from "../../config/roles";
import { deploySuiteFixture, licence, onboardedFixture } from "../helpers/fixtures";
import { adminCall, governorCall } from "../helpers/governance";
import { registerPatients } from "../helpers/patients";

const Status = { None: 0, Active: 1, Suspended: 2, Retired: 3, Pending: 4, Cancelled: 5 } as const;
const DAY = 86_400;
/** localhost.json's onboarding delay: two days, longer than the governor's one. */
const ONBOARDING = 2 * DAY;
const reason = (text: string) => hre.ethers.encodeBytes32String(text);
/** A set of kinds as `activeInstitution` takes it: bit k for kind k. */
const kinds = (...names: (keyof typeof KINDS)[]) => names.reduce((set, name) => set | (1n << BigInt(KINDS[name])), 0n);
const HOSPITALS = kinds("hospital");

describe("ParticipantRegistry", function () {
  describe("onboarding", function () {
    it("onboards an institution as pending and public, with nothing personal on chain, and with no right until activated", async function () {
      const { participants, registrar, hospital, stranger } = await loadFixture(deploySuiteFixture);
      const delay = await participants.onboardingDelay();
      expect(delay).to.equal(BigInt(ONBOARDING));
      const register = await participants
        .connect(registrar)
        .register(hospital.address, KINDS.hospital, licence("H-1"), "Seoul General", "ipfs://m");
      const registeredAt = await time.latest();
      await expect(register)
        .to.emit(participants, "InstitutionRegistered")
        .withArgs(
          1,
          hospital.address,
          KINDS.hospital,
          licence("H-1"),
          registeredAt + ONBOARDING,
          "Seoul General",
          "ipfs://m",
        );
      expect(await participants.institutionCount()).to.equal(1n);
      const member = await participants.memberOf(hospital.address);
      expect([member.id, member.kind, member.status]).to.deep.equal([
        1n,
        BigInt(KINDS.hospital),
        BigInt(Status.Pending),
      ]);
      const institution = await participants.institution(1);
      expect(institution.account).to.equal(hospital.address);
      expect(institution.licenceHash).to.equal(licence("H-1"));
      expect(institution.registeredAt).to.equal(registeredAt);
      expect(institution.activatesAt).to.equal(registeredAt + ONBOARDING);
      expect(institution.status).to.equal(BigInt(Status.Pending));
      await expect(participants.activeInstitution(hospital.address, HOSPITALS))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Pending);
      expect(await participants.isActive(hospital.address, KINDS.hospital)).to.equal(false);

      // Nobody's silence holds it back: once the delay has passed, anyone (here a stranger) activates it.
      await time.increaseTo(registeredAt + ONBOARDING);
      await expect(participants.connect(stranger).activate(1))
        .to.emit(participants, "InstitutionStatusChanged")
        .withArgs(1, Status.Pending, Status.Active, hre.ethers.ZeroHash);
      expect(await participants.activeInstitution(hospital.address, HOSPITALS)).to.deep.equal([
        1n,
        BigInt(KINDS.hospital),
      ]);
      expect(await participants.isActive(hospital.address, KINDS.hospital)).to.equal(true);
      expect(await participants.isActive(hospital.address, KINDS.pharmacy)).to.equal(false);
      expect((await participants.institution(1)).status).to.equal(BigInt(Status.Active));
    });

    it("refuses an activation before the delay has passed, and of an institution that is not pending", async function () {
      const { participants, registrar, hospital, ids } = await loadFixture(onboardedFixture);
      await participants
        .connect(registrar)
        .register(hre.ethers.Wallet.createRandom().address, KINDS.regulator, licence("r"), "R", "");
      const id = await participants.institutionCount();
      const { activatesAt } = await participants.institution(id);
      await time.increaseTo(activatesAt - 2n);
      await expect(participants.activate(id))
        .to.be.revertedWithCustomError(participants, "ParticipantsOnboardingNotDue")
        .withArgs(id, activatesAt);
      expect((await participants.institution(id)).status).to.equal(BigInt(Status.Pending));
      await expect(participants.activate(ids.hospital))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(ids.hospital, Status.Active);
      await expect(participants.activate(99))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(99);
      // Nor can the registrar shortcut the delay with any other status change.
      await expect(participants.connect(registrar).suspend(id, reason("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(id, Status.Pending);
      expect((await participants.institution(id)).status).to.equal(BigInt(Status.Pending));
    });

    it("lets the guardian role cancel a pending onboarding for good, even past its time, and nobody else", async function () {
      const { participants, registrar, deployer, hospital, stranger } = await loadFixture(deploySuiteFixture);
      await participants
        .connect(registrar)
        .register(hospital.address, KINDS.hospital, licence("h"), "Fake General", "");
      for (const caller of [registrar, hospital, stranger]) {
        await expect(participants.connect(caller).cancelOnboarding(1, reason("x")))
          .to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
      expect((await participants.institution(1)).status).to.equal(BigInt(Status.Pending));
      await time.increase(ONBOARDING);
      // deployer holds GUARDIAN in localhost.json
      await expect(participants.connect(deployer).cancelOnboarding(1, reason("forged-licence")))
        .to.emit(participants, "InstitutionStatusChanged")
        .withArgs(1, Status.Pending, Status.Cancelled, reason("forged-licence"));
      await expect(participants.activate(1))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(1, Status.Cancelled);
      await expect(participants.connect(deployer).cancelOnboarding(1, reason("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(1, Status.Cancelled);
      await expect(
        participants.connect(registrar).register(hospital.address, KINDS.hospital, licence("h"), "Again", ""),
      )
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressTaken")
        .withArgs(hospital.address, 1);
      expect(await participants.isActive(hospital.address, KINDS.hospital)).to.equal(false);
    });

    it("refuses to cancel an institution that is already active: suspension is the registrar's tool then", async function () {
      const { participants, deployer, ids } = await loadFixture(onboardedFixture);
      await expect(participants.connect(deployer).cancelOnboarding(ids.hospital, reason("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(ids.hospital, Status.Active);
      expect((await participants.institution(ids.hospital)).status).to.equal(BigInt(Status.Active));
    });

    it("lets only the governor change the onboarding delay, within bounds, for later onboardings only", async function () {
      const { participants, manager, registrar, deployer, hospital, pharmacy } = await loadFixture(deploySuiteFixture);
      await participants.connect(registrar).register(hospital.address, KINDS.hospital, licence("h"), "H", "");
      const before = (await participants.institution(1)).activatesAt;
      await expect(participants.connect(registrar).setOnboardingDelay(4 * DAY))
        .to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized")
        .withArgs(registrar.address);
      await expect(participants.connect(deployer).setOnboardingDelay(4 * DAY)).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotScheduled",
      );
      for (const delay of [DAY - 1, 30 * DAY + 1]) {
        const data = participants.interface.encodeFunctionData("setOnboardingDelay", [delay]);
        await expect(governorCall(manager, deployer, participants, data))
          .to.be.revertedWithCustomError(participants, "ParticipantsInvalidOnboardingDelay")
          .withArgs(delay, DAY, 30 * DAY);
      }
      expect(await participants.onboardingDelay()).to.equal(BigInt(ONBOARDING));
      const data = participants.interface.encodeFunctionData("setOnboardingDelay", [3 * DAY]);
      await expect(governorCall(manager, deployer, participants, data))
        .to.emit(participants, "OnboardingDelaySet")
        .withArgs(3 * DAY);
      expect(await participants.onboardingDelay()).to.equal(BigInt(3 * DAY));
      expect((await participants.institution(1)).activatesAt).to.equal(before);
      await participants.connect(registrar).register(pharmacy.address, KINDS.pharmacy, licence("p"), "P", "");
      expect((await participants.institution(2)).activatesAt).to.equal(BigInt((await time.latest()) + 3 * DAY));
    });

    it("refuses a second onboarding of the same address, a zero address, no kind, no licence", async function () {
      const { participants, registrar, hospital, ids } = await loadFixture(onboardedFixture);
      const asRegistrar = participants.connect(registrar);
      await expect(asRegistrar.register(hospital.address, KINDS.pharmacy, licence("x"), "Again", ""))
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressTaken")
        .withArgs(hospital.address, ids.hospital);
      await expect(
        asRegistrar.register(hre.ethers.ZeroAddress, KINDS.pharmacy, licence("x"), "Zero", ""),
      ).to.be.revertedWithCustomError(participants, "ParticipantsZeroAddress");
      const fresh = hre.ethers.Wallet.createRandom().address;
      await expect(asRegistrar.register(fresh, 0, licence("x"), "None", "")).to.be.revertedWithCustomError(
        participants,
        "ParticipantsInvalidKind",
      );
      await expect(
        asRegistrar.register(fresh, KINDS.pharmacy, hre.ethers.ZeroHash, "No licence", ""),
      ).to.be.revertedWithCustomError(participants, "ParticipantsEmptyLicence");
      expect(await participants.institutionCount()).to.equal(4n);
      expect((await participants.memberOf(fresh)).id).to.equal(0n);
      expect((await participants.memberOf(hospital.address)).kind).to.equal(BigInt(KINDS.hospital));
    });

    it("refuses onboarding by anyone but the registrar", async function () {
      const { participants, hospital, stranger } = await loadFixture(onboardedFixture);
      await expect(participants.connect(hospital).register(stranger.address, KINDS.pharmacy, licence("x"), "Rogue", ""))
        .to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized")
        .withArgs(hospital.address);
      expect(await participants.institutionCount()).to.equal(4n);
    });

    it("pages institutions by id and answers an empty page past the end", async function () {
      const { participants } = await loadFixture(onboardedFixture);
      const [firstTwo, total] = await participants.institutions(0, 2);
      expect(total).to.equal(4n);
      expect(firstTwo.map((i) => i.id)).to.deep.equal([1n, 2n]);
      const [rest] = await participants.institutions(2, 10);
      expect(rest.map((i) => i.name)).to.deep.equal(["Hanguk Life Insurance", "Busan Medical Centre"]);
      const [empty, stillTotal] = await participants.institutions(4, 10);
      expect(empty).to.deep.equal([]);
      expect(stillTotal).to.equal(4n);
      await expect(participants.institution(5))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(5);
    });

    it("lets the registrar update a profile and nobody else", async function () {
      const { participants, registrar, hospital, ids } = await loadFixture(onboardedFixture);
      await expect(participants.connect(registrar).updateProfile(ids.hospital, "Seoul General (new wing)", "ipfs://m2"))
        .to.emit(participants, "InstitutionProfileUpdated")
        .withArgs(ids.hospital, "Seoul General (new wing)", "ipfs://m2");
      await expect(
        participants.connect(hospital).updateProfile(ids.hospital, "Mine", ""),
      ).to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized");
      expect((await participants.institution(ids.hospital)).name).to.equal("Seoul General (new wing)");
      await expect(participants.connect(registrar).updateProfile(99, "x", ""))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(99);
    });
  });

  describe("status", function () {
    it("suspends at once: the institution fails every check", async function () {
      const { participants, registrar, hospital, ids } = await loadFixture(onboardedFixture);
      await expect(participants.connect(registrar).suspend(ids.hospital, reason("licence-review")))
        .to.emit(participants, "InstitutionStatusChanged")
        .withArgs(ids.hospital, Status.Active, Status.Suspended, reason("licence-review"));
      await expect(participants.activeInstitution(hospital.address, HOSPITALS))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Suspended);
      expect(await participants.isActive(hospital.address, KINDS.hospital)).to.equal(false);
      expect((await participants.institution(ids.hospital)).status).to.equal(BigInt(Status.Suspended));
    });

    it("refuses to suspend twice, an unknown institution, or for a non-registrar", async function () {
      const { participants, registrar, hospital, ids } = await loadFixture(onboardedFixture);
      await participants.connect(registrar).suspend(ids.hospital, reason("r"));
      await expect(participants.connect(registrar).suspend(ids.hospital, reason("r")))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(ids.hospital, Status.Suspended);
      await expect(participants.connect(registrar).suspend(77, reason("r")))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(77);
      await expect(participants.connect(hospital).suspend(ids.pharmacy, reason("r"))).to.be.revertedWithCustomError(
        participants,
        "AccessManagedUnauthorized",
      );
      expect((await participants.institution(ids.pharmacy)).status).to.equal(BigInt(Status.Active));
    });

    it("reinstates only through the governor's delay, naming the suspension it undoes", async function () {
      const { participants, manager, registrar, deployer, hospital, ids } = await loadFixture(onboardedFixture);
      await participants.connect(registrar).suspend(ids.hospital, reason("r"));
      const { statusChangedAt: suspendedAt } = await participants.institution(ids.hospital);
      expect(suspendedAt).to.equal(BigInt(await time.latest()));
      const data = participants.interface.encodeFunctionData("reinstate", [
        ids.hospital,
        suspendedAt,
        reason("cleared"),
      ]);
      await expect(
        participants.connect(deployer).reinstate(ids.hospital, suspendedAt, reason("cleared")),
      ).to.be.revertedWithCustomError(manager, "AccessManagerNotScheduled");
      await expect(
        participants.connect(registrar).reinstate(ids.hospital, suspendedAt, reason("cleared")),
      ).to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized");
      expect((await participants.memberOf(hospital.address)).status).to.equal(BigInt(Status.Suspended));

      await manager.connect(deployer).schedule(await participants.getAddress(), data, 0);
      await expect(
        manager.connect(deployer).execute(await participants.getAddress(), data),
      ).to.be.revertedWithCustomError(manager, "AccessManagerNotReady");
      // After the governor's delay, the suspension has not yet stood for the notice period.
      await time.increase(24 * 3600);
      const reinstatableAt = suspendedAt + BigInt(ONBOARDING);
      await expect(manager.connect(deployer).execute(await participants.getAddress(), data))
        .to.be.revertedWithCustomError(participants, "ParticipantsSuspensionTooRecent")
        .withArgs(ids.hospital, suspendedAt, reinstatableAt);
      await time.increaseTo(reinstatableAt);
      await expect(manager.connect(deployer).execute(await participants.getAddress(), data))
        .to.emit(participants, "InstitutionStatusChanged")
        .withArgs(ids.hospital, Status.Suspended, Status.Active, reason("cleared"));
      expect(await participants.isActive(hospital.address, KINDS.hospital)).to.equal(true);
    });

    it("refuses a reinstatement armed before the suspension it would undo", async function () {
      const { participants, manager, registrar, deployer, hospital, ids } = await loadFixture(onboardedFixture);
      // A captured governor key schedules a reinstatement in advance, guessing the suspension's time.
      const guess = BigInt((await time.latest()) + 30);
      const armed = participants.interface.encodeFunctionData("reinstate", [ids.hospital, guess, reason("x")]);
      await manager.connect(deployer).schedule(await participants.getAddress(), armed, 0);
      await time.increase(24 * 3600);
      await participants.connect(registrar).suspend(ids.hospital, reason("breach"));
      const { statusChangedAt } = await participants.institution(ids.hospital);
      await expect(manager.connect(deployer).execute(await participants.getAddress(), armed))
        .to.be.revertedWithCustomError(participants, "ParticipantsSuspensionMismatch")
        .withArgs(ids.hospital, guess, statusChangedAt);
      expect((await participants.memberOf(hospital.address)).status).to.equal(BigInt(Status.Suspended));
    });

    it("holds even a reinstatement armed for the suspension's exact time for the notice period, when the guardian can cancel it", async function () {
      const { participants, manager, registrar, deployer, governance, hospital, ids, signers } =
        await loadFixture(onboardedFixture);
      const guardian = signers[25];
      await adminCall(
        manager,
        governance,
        manager.interface.encodeFunctionData("grantRole", [ROLES.GUARDIAN, guardian.address, 0]),
      );
      // The governor guesses the block time of the suspension (12-second slots make it guessable) and arms for it.
      const at = (await time.latest()) + 3 * DAY;
      const armed = participants.interface.encodeFunctionData("reinstate", [ids.hospital, at, reason("x")]);
      await manager.connect(deployer).schedule(await participants.getAddress(), armed, 0);
      await time.setNextBlockTimestamp(at);
      await participants.connect(registrar).suspend(ids.hospital, reason("breach"));
      await expect(manager.connect(deployer).execute(await participants.getAddress(), armed))
        .to.be.revertedWithCustomError(participants, "ParticipantsSuspensionTooRecent")
        .withArgs(ids.hospital, at, at + ONBOARDING);
      // The notice period is the guardian's window to see the ready operation and cancel it.
      await expect(manager.connect(guardian).cancel(deployer.address, await participants.getAddress(), armed)).to.emit(
        manager,
        "OperationCanceled",
      );
      await time.increaseTo(at + ONBOARDING);
      await expect(
        manager.connect(deployer).execute(await participants.getAddress(), armed),
      ).to.be.revertedWithCustomError(manager, "AccessManagerNotScheduled");
      expect((await participants.memberOf(hospital.address)).status).to.equal(BigInt(Status.Suspended));
    });

    it("refuses to reinstate an active institution", async function () {
      const { participants, manager, deployer, ids } = await loadFixture(onboardedFixture);
      const { statusChangedAt } = await participants.institution(ids.hospital);
      const data = participants.interface.encodeFunctionData("reinstate", [ids.hospital, statusChangedAt, reason("x")]);
      await expect(governorCall(manager, deployer, participants, data))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(ids.hospital, Status.Active);
    });

    it("retires for good: no rights, the address stays taken, no way back", async function () {
      const { participants, manager, registrar, deployer, pharmacy, ids } = await loadFixture(onboardedFixture);
      const retire = participants.interface.encodeFunctionData("retire", [ids.pharmacy, reason("closed")]);
      await expect(governorCall(manager, deployer, participants, retire))
        .to.emit(participants, "InstitutionStatusChanged")
        .withArgs(ids.pharmacy, Status.Active, Status.Retired, reason("closed"));
      expect(await participants.isActive(pharmacy.address, KINDS.pharmacy)).to.equal(false);
      await expect(
        participants.connect(registrar).register(pharmacy.address, KINDS.pharmacy, licence("p"), "Reborn", ""),
      )
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressTaken")
        .withArgs(pharmacy.address, ids.pharmacy);
      await expect(governorCall(manager, deployer, participants, retire))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(ids.pharmacy, Status.Retired);
      const { statusChangedAt } = await participants.institution(ids.pharmacy);
      const reinstate = participants.interface.encodeFunctionData("reinstate", [
        ids.pharmacy,
        statusChangedAt,
        reason("x"),
      ]);
      await expect(governorCall(manager, deployer, participants, reinstate))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(ids.pharmacy, Status.Retired);
      await expect(participants.connect(registrar).suspend(ids.pharmacy, reason("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(ids.pharmacy, Status.Retired);
    });

    it("lets governance retire a pending institution, and refuses to retire a cancelled one", async function () {
      const { participants, manager, registrar, deployer, hospital, stranger } = await loadFixture(deploySuiteFixture);
      await participants.connect(registrar).register(hospital.address, KINDS.hospital, licence("h"), "H", "");
      await participants.connect(registrar).register(stranger.address, KINDS.insurer, licence("i"), "I", "");
      const retire = participants.interface.encodeFunctionData("retire", [1, reason("duplicate")]);
      await expect(governorCall(manager, deployer, participants, retire))
        .to.emit(participants, "InstitutionStatusChanged")
        .withArgs(1, Status.Pending, Status.Retired, reason("duplicate"));
      await participants.connect(deployer).cancelOnboarding(2, reason("x"));
      const retireCancelled = participants.interface.encodeFunctionData("retire", [2, reason("x")]);
      await expect(governorCall(manager, deployer, participants, retireCancelled))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(2, Status.Cancelled);
      expect((await participants.institution(2)).status).to.equal(BigInt(Status.Cancelled));
    });

    it("refuses a retirement by the registrar or the institution itself", async function () {
      const { participants, registrar, pharmacy, ids } = await loadFixture(onboardedFixture);
      for (const caller of [registrar, pharmacy]) {
        await expect(participants.connect(caller).retire(ids.pharmacy, reason("x")))
          .to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
      expect(await participants.isActive(pharmacy.address, KINDS.pharmacy)).to.equal(true);
    });
  });

  describe("the check every contract makes (activeInstitution)", function () {
    it("accepts an active institution of any kind in the set, and refuses another kind naming its kind and the set", async function () {
      const { participants, hospital, pharmacy, insurer, secondHospital, ids } = await loadFixture(onboardedFixture);
      const careGivers = kinds("hospital", "pharmacy");
      expect(careGivers).to.equal(0b110n);
      expect(await participants.activeInstitution(hospital.address, careGivers)).to.deep.equal([
        BigInt(ids.hospital),
        BigInt(KINDS.hospital),
      ]);
      expect(await participants.activeInstitution(secondHospital.address, careGivers)).to.deep.equal([
        BigInt(ids.secondHospital),
        BigInt(KINDS.hospital),
      ]);
      expect(await participants.activeInstitution(pharmacy.address, careGivers)).to.deep.equal([
        BigInt(ids.pharmacy),
        BigInt(KINDS.pharmacy),
      ]);
      await expect(participants.activeInstitution(insurer.address, careGivers))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(insurer.address, KINDS.insurer, careGivers);
      // A single kind is the set of one; the empty set takes nobody; the full set takes every kind.
      await expect(participants.activeInstitution(pharmacy.address, HOSPITALS))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(pharmacy.address, KINDS.pharmacy, HOSPITALS);
      await expect(participants.activeInstitution(hospital.address, 0n))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(hospital.address, KINDS.hospital, 0n);
      expect(await participants.activeInstitution(insurer.address, hre.ethers.MaxUint256)).to.deep.equal([
        BigInt(ids.insurer),
        BigInt(KINDS.insurer),
      ]);
    });

    it("answers an institution's current address by id only while it is active and of an allowed kind (activeAccountOf)", async function () {
      const { participants, registrar, hospital, signers, ids } = await loadFixture(onboardedFixture);
      expect(await participants.activeAccountOf(ids.hospital, HOSPITALS)).to.equal(hospital.address);
      await expect(participants.activeAccountOf(ids.hospital, kinds("pharmacy")))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(hospital.address, KINDS.hospital, kinds("pharmacy"));
      await expect(participants.activeAccountOf(99, HOSPITALS))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(99);
      // After a rotation it names the new address; once suspended, it refuses.
      const next = signers[27];
      await participants.connect(hospital).proposeAccount(next.address);
      await participants.connect(next).acceptAccount(ids.hospital);
      expect(await participants.activeAccountOf(ids.hospital, HOSPITALS)).to.equal(next.address);
      await participants.connect(registrar).suspend(ids.hospital, hre.ethers.encodeBytes32String("audit"));
      await expect(participants.activeAccountOf(ids.hospital, HOSPITALS))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(next.address, Status.Suspended);
    });

    it("answers an institution's status by id, as its current address's, whatever it is, and refuses an unknown id (statusOf)", async function () {
      const { participants, manager, registrar, deployer, hospital, signers, ids } =
        await loadFixture(onboardedFixture);
      expect(await participants.statusOf(ids.hospital)).to.equal(Status.Active);
      await expect(participants.statusOf(99))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(99);
      // Through a rotation, a suspension and a retirement it says what the institution's current address says.
      const next = signers[27];
      await participants.connect(hospital).proposeAccount(next.address);
      await participants.connect(next).acceptAccount(ids.hospital);
      await participants.connect(registrar).suspend(ids.hospital, reason("audit"));
      expect(await participants.statusOf(ids.hospital)).to.equal(Status.Suspended);
      expect((await participants.memberOf(next.address)).status).to.equal(Status.Suspended);
      const retire = participants.interface.encodeFunctionData("retire", [ids.hospital, reason("closed")]);
      await governorCall(manager, deployer, participants, retire);
      expect(await participants.statusOf(ids.hospital)).to.equal(Status.Retired);
      // A pending onboarding is pending.
      const newcomer = signers[26];
      await participants.connect(registrar).register(newcomer.address, KINDS.pharmacy, licence("n"), "New", "");
      const { id } = await participants.memberOf(newcomer.address);
      expect(await participants.statusOf(id)).to.equal(Status.Pending);
    });

    it("refuses an address that is no active institution before looking at its kind, whatever the set", async function () {
      const { participants, registrar, hospital, patientA, stranger, ids } = await loadFixture(onboardedFixture);
      // Bit 0 stands for `None`: setting it (or every bit) lets no unknown address through.
      for (const set of [1n, hre.ethers.MaxUint256]) {
        for (const account of [stranger, patientA]) {
          await expect(participants.activeInstitution(account.address, set))
            .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
            .withArgs(account.address, Status.None);
        }
      }
      await participants.connect(registrar).suspend(ids.hospital, reason("r"));
      await expect(participants.activeInstitution(hospital.address, kinds("pharmacy")))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Suspended);
    });

    it("answers the patient count with the active institution, for callers that write for patient ids", async function () {
      const { participants, registrar, hospital, pharmacy, insurer, signers, ids } =
        await loadFixture(onboardedFixture);
      const careGivers = kinds("hospital", "pharmacy");
      expect(await participants.patientCount()).to.equal(2n);
      expect(await participants.activeInstitutionAndPatients(hospital.address, careGivers)).to.deep.equal([
        BigInt(ids.hospital),
        BigInt(KINDS.hospital),
        2n,
      ]);
      await registerPatients(participants, signers[27], signers[29]);
      expect(await participants.activeInstitutionAndPatients(pharmacy.address, careGivers)).to.deep.equal([
        BigInt(ids.pharmacy),
        BigInt(KINDS.pharmacy),
        4n,
      ]);
      await expect(participants.activeInstitutionAndPatients(insurer.address, careGivers))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(insurer.address, KINDS.insurer, careGivers);
      await participants.connect(registrar).suspend(ids.hospital, reason("r"));
      await expect(participants.activeInstitutionAndPatients(hospital.address, careGivers))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Suspended);
    });
  });

  describe("address rotation", function () {
    it("moves an institution to a new address in two steps, keeping its id", async function () {
      const { participants, hospital, ids, signers } = await loadFixture(onboardedFixture);
      const next = signers[13];
      await expect(participants.connect(hospital).proposeAccount(next.address))
        .to.emit(participants, "AccountRotationProposed")
        .withArgs(ids.hospital, hospital.address, next.address);
      expect((await participants.institution(ids.hospital)).pendingAccount).to.equal(next.address);
      expect(await participants.isActive(hospital.address, KINDS.hospital)).to.equal(true);

      await expect(participants.connect(next).acceptAccount(ids.hospital))
        .to.emit(participants, "AccountRotated")
        .withArgs(ids.hospital, hospital.address, next.address);
      expect(await participants.activeInstitution(next.address, HOSPITALS)).to.deep.equal([
        BigInt(ids.hospital),
        BigInt(KINDS.hospital),
      ]);
      expect((await participants.memberOf(hospital.address)).id).to.equal(0n);
      await expect(participants.activeInstitution(hospital.address, HOSPITALS))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.None);
      const institution = await participants.institution(ids.hospital);
      expect(institution.account).to.equal(next.address);
      expect(institution.pendingAccount).to.equal(hre.ethers.ZeroAddress);
    });

    it("refuses an acceptance by another address, a proposal to a taken address, and one from a non-institution", async function () {
      const { participants, hospital, pharmacy, stranger, ids, signers } = await loadFixture(onboardedFixture);
      const next = signers[13];
      await expect(participants.connect(hospital).proposeAccount(pharmacy.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressTaken")
        .withArgs(pharmacy.address, ids.pharmacy);
      await expect(participants.connect(stranger).proposeAccount(next.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(stranger.address, Status.None);
      await expect(participants.connect(next).acceptAccount(ids.hospital))
        .to.be.revertedWithCustomError(participants, "ParticipantsNoPendingRotation")
        .withArgs(ids.hospital);
      await participants.connect(hospital).proposeAccount(next.address);
      await expect(participants.connect(stranger).acceptAccount(ids.hospital))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotPendingAccount")
        .withArgs(ids.hospital, stranger.address);
      await expect(participants.connect(next).acceptAccount(42))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(42);
      expect((await participants.institution(ids.hospital)).account).to.equal(hospital.address);
    });

    it("tells an acceptance with no rotation pending (ParticipantsNoPendingRotation) from one by the wrong address", async function () {
      const { participants, hospital, stranger, ids, signers } = await loadFixture(onboardedFixture);
      const next = signers[13];
      const before = await participants.institution(ids.hospital);
      await expect(participants.connect(next).acceptAccount(ids.hospital))
        .to.be.revertedWithCustomError(participants, "ParticipantsNoPendingRotation")
        .withArgs(ids.hospital);
      await participants.connect(hospital).proposeAccount(next.address);
      await expect(participants.connect(stranger).acceptAccount(ids.hospital))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotPendingAccount")
        .withArgs(ids.hospital, stranger.address);
      // Every field as it was, but the proposed address.
      const fields = (i: object) => (i as unknown as Result).toObject();
      expect(fields(await participants.institution(ids.hospital))).to.deep.equal({
        ...fields(before),
        pendingAccount: next.address,
      });
      expect((await participants.memberOf(next.address)).id).to.equal(0n);
    });

    it("lets a proposal be cancelled, and refuses to accept once the address was taken meanwhile", async function () {
      const { participants, registrar, hospital, ids, signers } = await loadFixture(onboardedFixture);
      const next = signers[13];
      await participants.connect(hospital).proposeAccount(next.address);
      await expect(participants.connect(hospital).proposeAccount(hre.ethers.ZeroAddress))
        .to.emit(participants, "AccountRotationProposed")
        .withArgs(ids.hospital, hospital.address, hre.ethers.ZeroAddress);
      await expect(participants.connect(next).acceptAccount(ids.hospital))
        .to.be.revertedWithCustomError(participants, "ParticipantsNoPendingRotation")
        .withArgs(ids.hospital);

      await participants.connect(hospital).proposeAccount(next.address);
      // A registration takes the address at once, even while it is pending.
      await participants.connect(registrar).register(next.address, KINDS.pharmacy, licence("n"), "Squatter", "");
      await expect(participants.connect(next).acceptAccount(ids.hospital))
        .to.be.revertedWithCustomError(participants, "ParticipantsAddressTaken")
        .withArgs(next.address, 5);
    });

    it("does not let a suspended institution escape its suspension by moving", async function () {
      const { participants, registrar, hospital, ids, signers } = await loadFixture(onboardedFixture);
      const next = signers[13];
      await participants.connect(hospital).proposeAccount(next.address);
      await participants.connect(registrar).suspend(ids.hospital, reason("r"));
      await expect(participants.connect(next).acceptAccount(ids.hospital))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Suspended);
      await expect(participants.connect(hospital).proposeAccount(next.address))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(hospital.address, Status.Suspended);
    });

    it("lets governance recover an institution whose key is lost, after the delay", async function () {
      const { participants, manager, deployer, registrar, hospital, ids, signers } =
        await loadFixture(onboardedFixture);
      const next = signers[13];
      await expect(
        participants.connect(registrar).recoverAccount(ids.hospital, next.address),
      ).to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized");
      const data = participants.interface.encodeFunctionData("recoverAccount", [ids.hospital, next.address]);
      await expect(governorCall(manager, deployer, participants, data))
        .to.emit(participants, "AccountRotated")
        .withArgs(ids.hospital, hospital.address, next.address);
      expect(await participants.activeInstitution(next.address, HOSPITALS)).to.deep.equal([
        BigInt(ids.hospital),
        BigInt(KINDS.hospital),
      ]);
      const zero = participants.interface.encodeFunctionData("recoverAccount", [ids.hospital, hre.ethers.ZeroAddress]);
      await expect(governorCall(manager, deployer, participants, zero)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsZeroAddress",
      );
    });

    it("refuses to recover a retired or cancelled institution: its address stays taken for good", async function () {
      const { participants, manager, registrar, deployer, pharmacy, stranger, ids, signers } =
        await loadFixture(onboardedFixture);
      const retire = participants.interface.encodeFunctionData("retire", [ids.pharmacy, reason("closed")]);
      await governorCall(manager, deployer, participants, retire);
      await participants.connect(registrar).register(stranger.address, KINDS.hospital, licence("s"), "S", "");
      const cancelled = await participants.institutionCount();
      await participants.connect(deployer).cancelOnboarding(cancelled, reason("rogue"));
      const next = signers[13].address;
      for (const [id, status] of [
        [ids.pharmacy, Status.Retired],
        [cancelled, Status.Cancelled],
      ] as const) {
        const recover = participants.interface.encodeFunctionData("recoverAccount", [id, next]);
        await expect(governorCall(manager, deployer, participants, recover))
          .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
          .withArgs(id, status);
      }
      expect((await participants.institution(ids.pharmacy)).account).to.equal(pharmacy.address);
      expect((await participants.institution(cancelled)).account).to.equal(stranger.address);
      expect((await participants.memberOf(next)).id).to.equal(0n);
    });
  });
});
