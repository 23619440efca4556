import { expect } from "chai";

import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { FILL_TYPES, INTAKE_TYPES, compactSignature, supplyDomain } from "../../config/eip712";
import { PURPOSES, RECORD_TYPES } from "../../config/roles";
import { buildSerialTree } from "../../packages/sdk/src/serials";
import { gtinWithCheckDigit } from "../../packages/sdk/src/gs1";
import { DAY, DEVICE_READINGS, NO_SIG, code, deviceKey, devicesFixture } from "../helpers/devices";
import { governorCall } from "../helpers/governance";
import { asPatient } from "../helpers/patients";

const coder = hre.ethers.AbiCoder.defaultAbiCoder();
const IST = (n: number) => BigInt(n) * 10n ** 18n;
const mappingSlot = (key: string, base: bigint) =>
  BigInt(hre.ethers.keccak256(coder.encode(["bytes32", "uint256"], [key, base])));
const hex32 = (v: bigint) => hre.ethers.toBeHex(v, 32);

/**
 * Issue 20's outside audit, each finding's attacker turned into a test against the deployed suite: a key the patient
 * made up passing for a device, a device's record that is only the patient's word, a stranger squatting a hospital's
 * digest, a lenient regulator re-approving a model, a rival regulator withdrawing one for good, a first anchor
 * reaching before the binding, notices to a hospital whose consent lapsed, a view saying a suspended writer may write,
 * and two storage changes that would have corrupted data written before the upgrade.
 */
describe("Patient-generated data: the outside audit's attacks", function () {
  it("a key the patient made up, or one provisioned for another model, binds nothing; nor does a suspended manufacturer's", async function () {
    const s = await devicesFixture();
    const { devices, participants, patients, ids } = s;
    const madeUp = deviceKey("made up");
    const forged = await s.signBinding(madeUp, patients.a);
    // The patient signs its own "provisioning": not the manufacturer's.
    const selfProvisioned = { ...forged, provisioning: await s.provision(madeUp.address, 1, madeUp) };
    await expect(
      s.asA("bindDevice", [selfProvisioned.binding, selfProvisioned.signature, selfProvisioned.provisioning]),
    )
      .to.be.revertedWithCustomError(devices, "DevicesNotProvisioned")
      .withArgs(madeUp.address, 1);
    // A key provisioned for model 1 presented as a model 2 device.
    await s.request(hre.ethers.id("pump"), [hre.ethers.id("p1")]);
    await devices.connect(s.regulator).approveModel(ids.manufacturer, hre.ethers.id("pump"), [hre.ethers.id("p1")]);
    const real = deviceKey("real cgm");
    const asPump = await s.signBinding(real, patients.a, { modelId: 2 });
    const wrongModel = { ...asPump, provisioning: await s.provision(real.address, 1) };
    await expect(s.asA("bindDevice", [wrongModel.binding, wrongModel.signature, wrongModel.provisioning]))
      .to.be.revertedWithCustomError(devices, "DevicesNotProvisioned")
      .withArgs(real.address, 2);
    await participants.connect(s.registrar).suspend(ids.manufacturer, code("counterfeits"));
    const good = await s.signBinding(real, patients.a);
    await expect(s.asA("bindDevice", [good.binding, good.signature, good.provisioning])).to.be.revertedWithCustomError(
      participants,
      "ParticipantsNotActive",
    );
    expect(await devices.deviceCount()).to.equal(0);
  });

  it("a device's record needs the device's signature and a model that stands: a device-only study buys no typed data", async function () {
    const s = await devicesFixture();
    const { devices, records, patients } = s;
    const key = deviceKey("cgm");
    await s.bind(key);
    const typed = await s.ownRecord(patients.a, "typed by the patient");
    await expect(s.asA("writeOwnRecord", [typed, 1, 0, NO_SIG]))
      .to.be.revertedWithCustomError(devices, "DevicesBadDeviceSignature")
      .withArgs(key.address);
    // Signed for another patient, or another digest: refused.
    const other = await s.ownRecord(patients.b, "typed by the patient");
    await expect(s.asA("writeOwnRecord", [typed, 1, 0, await s.signRecord(key, other)]))
      .to.be.revertedWithCustomError(devices, "DevicesBadDeviceSignature")
      .withArgs(key.address);
    await devices.connect(s.regulator).withdrawModel(1, code("recall"));
    await expect(s.asA("writeOwnRecord", [typed, 1, 0, await s.signRecord(key, typed)]))
      .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
      .withArgs(1, 0);
    expect(await records.recordCount()).to.equal(0);
  });

  it("a stranger writing a hospital's digest into its own stream first blocks nothing: digests of patients' streams are their own", async function () {
    const s = await devicesFixture();
    const { records, patients } = s;
    const digest = hre.ethers.id("the hospital's ciphertext");
    const now = await time.latest();
    // Patient B (anyone can become one) front-runs the hospital's registration with its digest.
    const squat = {
      patientId: patients.b,
      digest,
      recordType: RECORD_TYPES["lab-result"],
      issuedAt: now,
      uri: "ipfs://x",
    };
    await s.asB("writeOwnRecord", [squat, 0, 0, NO_SIG]);
    const hospitals = { ...squat, patientId: patients.a, uri: "ipfs://lab" };
    await records.connect(s.hospital).registerBatch([hospitals, { ...hospitals, digest: hre.ethers.id("second") }]);
    expect(await records.recordIdOf(digest)).to.equal(2);
    expect(await records.ownRecordIdOf(patients.b, digest)).to.equal(1);
    expect(await records.ownRecordIdOf(patients.a, digest)).to.equal(0);
    // Within one stream a digest is still written once.
    await expect(s.asB("writeOwnRecord", [squat, 0, 0, NO_SIG]))
      .to.be.revertedWithCustomError(records, "RecordsDuplicateDigest")
      .withArgs(0, digest, 1);
  });

  it("a hospital registering a digest equal to a patient's stream key blocks nothing: the two indexes are apart (second audit)", async function () {
    const s = await devicesFixture();
    const { records, patients } = s;
    const digest = hre.ethers.id("the patient's own note");
    const key = hre.ethers.keccak256(coder.encode(["uint64", "bytes32"], [patients.a, digest]));
    const now = await time.latest();
    await records.connect(s.hospital).register({
      patientId: patients.b,
      digest: key,
      recordType: RECORD_TYPES.diagnosis,
      issuedAt: now,
      uri: "ipfs://k",
    });
    const own = { patientId: patients.a, digest, recordType: DEVICE_READINGS, issuedAt: now, uri: "ipfs://own" };
    await s.asA("writeOwnRecord", [own, 0, 0, NO_SIG]);
    expect(await records.ownRecordIdOf(patients.a, digest)).to.equal(2);
    expect(await records.recordIdOf(key)).to.equal(1);
  });

  it("an anchor tells a suspended hospital nothing: it drops it (second audit)", async function () {
    const s = await devicesFixture();
    const { devices, participants, patients, ids } = s;
    const key = deviceKey("cgm");
    await s.bind(key);
    await devices.connect(s.hospital).follow(patients.a);
    await participants.connect(s.registrar).suspend(ids.hospital, code("review"));
    await expect(s.sendAnchor(key, await s.day(key, 1)))
      .to.emit(devices, "Unfollowed")
      .withArgs(patients.a, ids.hospital, 2)
      .and.not.to.emit(devices, "MonitoringNotice");
  });

  it("a lenient regulator cannot re-approve a model another approved, to take over its patches", async function () {
    const s = await devicesFixture();
    const { devices, ids } = s;
    await expect(
      devices
        .connect(s.otherRegulator)
        .approveModel(ids.manufacturer, hre.ethers.id("CGM technical file"), [hre.ethers.id("refused patch")]),
    )
      .to.be.revertedWithCustomError(devices, "DevicesModelExists")
      .withArgs(1);
    expect(await devices.modelCount()).to.equal(1);
  });

  it("a rival regulator's withdrawal of a model is undone by governance after its delay, naming the withdrawal; not before it", async function () {
    const s = await devicesFixture();
    const { devices, manager, deployer } = s;
    const WHOLE = await devices.WHOLE_MODEL();
    const key = deviceKey("cgm");
    await s.bind(key);
    // Armed in advance for a withdrawal that has not happened: refused when executed.
    const early = devices.interface.encodeFunctionData("restoreModel", [1, 1, code("early")]);
    await expect(governorCall(manager, deployer, devices, early))
      .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
      .withArgs(1, WHOLE, 1, 0);
    await expect(devices.connect(s.otherRegulator).withdrawModel(1, code("rival")))
      .to.emit(devices, "ModelWithdrawn")
      .withArgs(1, s.ids.regulator2, 1, code("rival"));
    const w = await devices.withdrawalOf(1, WHOLE);
    expect([w.withdrawnAt, w.regulatorId, w.serial]).to.deep.equal([BigInt(await time.latest()), s.ids.regulator2, 1n]);
    await expect(devices.connect(deployer).restoreModel(1, 1, code("x"))).to.be.revertedWithCustomError(
      manager,
      "AccessManagerNotScheduled",
    );
    // Naming another withdrawal (a guess of a later one) is refused too.
    const guess = devices.interface.encodeFunctionData("restoreModel", [1, 2, code("guess")]);
    await expect(governorCall(manager, deployer, devices, guess))
      .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
      .withArgs(1, WHOLE, 2, 1);
    const data = devices.interface.encodeFunctionData("restoreModel", [1, 1, code("mistaken")]);
    await expect(governorCall(manager, deployer, devices, data))
      .to.emit(devices, "ModelRestored")
      .withArgs(1, 1, code("mistaken"));
    expect(await devices.isApproved(1, 0)).to.equal(true);
    expect((await devices.withdrawalOf(1, WHOLE)).withdrawnAt).to.equal(0);
    await expect(s.sendAnchor(key, await s.day(key, 1))).to.emit(devices, "ReadingsAnchored");
  });

  it("a rival regulator's withdrawal of a firmware version is undone by governance after its delay, naming the withdrawal; not before it", async function () {
    const s = await devicesFixture();
    const { devices, manager, deployer } = s;
    const key = deviceKey("cgm");
    await s.bind(key);
    // Armed in advance for a withdrawal that has not happened, or for a version that stands: refused when executed.
    const early = devices.interface.encodeFunctionData("restoreFirmware", [1, 0, 1, code("early")]);
    await expect(governorCall(manager, deployer, devices, early))
      .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
      .withArgs(1, 0, 1, 0);
    await expect(devices.connect(s.otherRegulator).withdrawFirmware(1, 0, code("rival")))
      .to.emit(devices, "FirmwareWithdrawn")
      .withArgs(1, 0, s.ids.regulator2, 1, code("rival"));
    expect((await devices.withdrawalOf(1, 0)).withdrawnAt).to.equal(await time.latest());
    await expect(s.sendAnchor(key, await s.day(key, 1)))
      .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
      .withArgs(1, 0);
    // Not by any key at once, not the deployer's, not a regulator's; not naming another withdrawal.
    await expect(devices.connect(deployer).restoreFirmware(1, 0, 1, code("x"))).to.be.revertedWithCustomError(
      manager,
      "AccessManagerNotScheduled",
    );
    await expect(devices.connect(s.regulator).restoreFirmware(1, 0, 1, code("x")))
      .to.be.revertedWithCustomError(devices, "AccessManagedUnauthorized")
      .withArgs(s.regulator.address);
    const guess = devices.interface.encodeFunctionData("restoreFirmware", [1, 0, 2, code("guess")]);
    await expect(governorCall(manager, deployer, devices, guess))
      .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
      .withArgs(1, 0, 2, 1);
    // Another version's withdrawal number does not restore this one.
    const other = devices.interface.encodeFunctionData("restoreFirmware", [1, 1, 1, code("other")]);
    await expect(governorCall(manager, deployer, devices, other))
      .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
      .withArgs(1, 1, 1, 0);
    expect(await devices.isApproved(1, 0)).to.equal(false);
    const data = devices.interface.encodeFunctionData("restoreFirmware", [1, 0, 1, code("mistaken")]);
    await expect(governorCall(manager, deployer, devices, data))
      .to.emit(devices, "FirmwareRestored")
      .withArgs(1, 0, 1, code("mistaken"));
    expect(await devices.isApproved(1, 0)).to.equal(true);
    const after = await devices.withdrawalOf(1, 0);
    expect([after.withdrawnAt, after.regulatorId, after.serial]).to.deep.equal([0n, 0n, 1n]);
    expect((await devices.getModel(1)).withdrawnFirmware).to.equal(0);
    await expect(s.sendAnchor(key, await s.day(key, 1))).to.emit(devices, "ReadingsAnchored");
    // The same restoration replayed is refused; the version can be withdrawn again (number 2), and an old
    // restoration (number 1) never undoes it.
    await expect(governorCall(manager, deployer, devices, data))
      .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
      .withArgs(1, 0, 1, 0);
    await expect(devices.connect(s.regulator).withdrawFirmware(1, 0, code("real recall")))
      .to.emit(devices, "FirmwareWithdrawn")
      .withArgs(1, 0, s.ids.regulator, 2, code("real recall"));
    const stale = devices.interface.encodeFunctionData("restoreFirmware", [1, 0, 1, code("stale")]);
    await expect(governorCall(manager, deployer, devices, stale))
      .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
      .withArgs(1, 0, 1, 2);
    expect(await devices.isApproved(1, 0)).to.equal(false);
  });

  it("a restoration armed for the right withdrawal still waits the notice period after it, for the guardian to see it", async function () {
    const s = await devicesFixture();
    const { devices, participants, manager, deployer } = s;
    const notice = await participants.onboardingDelay();
    const target = await devices.getAddress();
    for (const [withdraw, data] of [
      [
        () => devices.connect(s.otherRegulator).withdrawModel(1, code("rival")),
        devices.interface.encodeFunctionData("restoreModel", [1, 1, code("r")]),
      ],
      [
        () => devices.connect(s.otherRegulator).withdrawFirmware(1, 1, code("rival")),
        devices.interface.encodeFunctionData("restoreFirmware", [1, 1, 1, code("r")]),
      ],
    ] as const) {
      await withdraw();
      const withdrawnAt = BigInt(await time.latest());
      await manager.connect(deployer).schedule(target, data, 0);
      await time.increase(DAY);
      await expect(manager.connect(deployer).execute(target, data))
        .to.be.revertedWithCustomError(devices, "DevicesRestoreTooEarly")
        .withArgs(1, withdrawnAt, withdrawnAt + notice);
      await time.increaseTo(withdrawnAt + notice);
      await expect(manager.connect(deployer).execute(target, data)).to.emit(
        devices,
        data.startsWith(devices.interface.getFunction("restoreModel").selector) ? "ModelRestored" : "FirmwareRestored",
      );
    }
    expect(await devices.isApproved(1, 1)).to.equal(true);
  });

  it("a model whose regulator stops approving patches is handed to another regulator by governance only, after its delay", async function () {
    const s = await devicesFixture();
    const { devices, manager, deployer, participants, ids } = s;
    // The model's regulator is suspended: nobody can approve the patch its devices need.
    await participants.connect(s.registrar).suspend(ids.regulator, code("review"));
    await expect(devices.connect(s.otherRegulator).approveFirmware(1, hre.ethers.id("fw 2")))
      .to.be.revertedWithCustomError(devices, "DevicesNotModelRegulator")
      .withArgs(1, ids.regulator2);
    // Not at once, not by a regulator; not to an institution that is not an active regulator; not to its holder.
    await expect(devices.connect(deployer).reassignModel(1, ids.regulator2, code("x"))).to.be.revertedWithCustomError(
      manager,
      "AccessManagerNotScheduled",
    );
    await expect(devices.connect(s.otherRegulator).reassignModel(1, ids.regulator2, code("x")))
      .to.be.revertedWithCustomError(devices, "AccessManagedUnauthorized")
      .withArgs(s.otherRegulator.address);
    const toHospital = devices.interface.encodeFunctionData("reassignModel", [1, ids.hospital, code("x")]);
    await expect(governorCall(manager, deployer, devices, toHospital)).to.be.revertedWithCustomError(
      participants,
      "ParticipantsWrongKind",
    );
    const toSuspended = devices.interface.encodeFunctionData("reassignModel", [1, ids.regulator, code("x")]);
    await expect(governorCall(manager, deployer, devices, toSuspended)).to.be.revertedWithCustomError(
      participants,
      "ParticipantsNotActive",
    );
    const unknown = devices.interface.encodeFunctionData("reassignModel", [7, ids.regulator2, code("x")]);
    await expect(governorCall(manager, deployer, devices, unknown))
      .to.be.revertedWithCustomError(devices, "DevicesUnknownModel")
      .withArgs(7);
    expect((await devices.getModel(1)).regulatorId).to.equal(ids.regulator);
    const data = devices.interface.encodeFunctionData("reassignModel", [1, ids.regulator2, code("suspended")]);
    await expect(governorCall(manager, deployer, devices, data))
      .to.emit(devices, "ModelReassigned")
      .withArgs(1, ids.regulator, ids.regulator2, code("suspended"));
    expect((await devices.getModel(1)).regulatorId).to.equal(ids.regulator2);
    await expect(devices.connect(s.otherRegulator).approveFirmware(1, hre.ethers.id("fw 2")))
      .to.emit(devices, "FirmwareApproved")
      .withArgs(1, 2, hre.ethers.id("fw 2"), ids.regulator2);
    // Handing it to the regulator that holds it is refused; the old one, reinstated, approves nothing more.
    await expect(governorCall(manager, deployer, devices, data))
      .to.be.revertedWithCustomError(devices, "DevicesRegulatorUnchanged")
      .withArgs(1, ids.regulator2);
    const { statusChangedAt } = await participants.institution(ids.regulator);
    const reinstate = participants.interface.encodeFunctionData("reinstate", [
      ids.regulator,
      statusChangedAt,
      code("cleared"),
    ]);
    await governorCall(manager, deployer, participants, reinstate);
    await expect(devices.connect(s.regulator).approveFirmware(1, hre.ethers.id("fw 3")))
      .to.be.revertedWithCustomError(devices, "DevicesNotModelRegulator")
      .withArgs(1, ids.regulator);
    expect((await devices.getModel(1)).firmwareCount).to.equal(3);
  });

  it("a device's record cannot be dated before the device was bound, even after it anchored (second audit)", async function () {
    const s = await devicesFixture();
    const { devices, records, patients } = s;
    const key = deviceKey("cgm");
    await time.increase(30 * DAY);
    const deviceId = await s.bind(key);
    const boundAt = await time.latest();
    expect((await devices.deviceOf(key.address)).boundAt).to.equal(boundAt);
    await s.sendAnchor(key, await s.day(key, 1));
    // A "reading" from a month before the patient had the device, signed by it.
    const backdated = { ...(await s.ownRecord(patients.a, "last month")), issuedAt: boundAt - 10 * DAY };
    await expect(s.asA("writeOwnRecord", [backdated, deviceId, 0, await s.signRecord(key, backdated)]))
      .to.be.revertedWithCustomError(devices, "DevicesRecordBeforeBinding")
      .withArgs(deviceId, backdated.issuedAt, boundAt);
    const justBefore = { ...backdated, issuedAt: boundAt - 1 };
    await expect(s.asA("writeOwnRecord", [justBefore, deviceId, 0, await s.signRecord(key, justBefore)]))
      .to.be.revertedWithCustomError(devices, "DevicesRecordBeforeBinding")
      .withArgs(deviceId, boundAt - 1, boundAt);
    expect(await records.recordCount()).to.equal(0);
    // From the binding's second on, and the patient's own word about any time: accepted.
    const atBinding = { ...backdated, issuedAt: boundAt };
    await expect(s.asA("writeOwnRecord", [atBinding, deviceId, 0, await s.signRecord(key, atBinding)])).to.emit(
      records,
      "RecordSourced",
    );
    const ownWord = { ...(await s.ownRecord(patients.a, "diary")), issuedAt: boundAt - 10 * DAY };
    await expect(s.asA("writeOwnRecord", [ownWord, 0, 0, NO_SIG])).to.emit(records, "RecordSourced");
    expect(await records.recordCount()).to.equal(2);
  });

  it("a manufacturer's factory key keeps provisioning through a move of its account; only the manufacturer names it, and a new one voids the old (second audit)", async function () {
    const s = await devicesFixture();
    const { devices, participants, patients, ids } = s;
    const factory = deviceKey("factory HSM");
    const bindWith = async (key: ReturnType<typeof deviceKey>, maker: Parameters<typeof s.provision>[2]) => {
      const b = await s.signBinding(key, patients.a);
      return s.asA("bindDevice", [b.binding, b.signature, await s.provision(key.address, 1, maker)]);
    };
    // Nobody but the manufacturer names its provisioning key: not a stranger, not a regulator, not the hospital.
    for (const who of [s.stranger, s.regulator, s.hospital]) {
      await expect(devices.connect(who).setProvisioner(factory.address))
        .to.be.revertedWithCustomError(devices, "DevicesNotManufacturer")
        .withArgs(who.address);
    }
    expect(await devices.provisionerOf(ids.manufacturer)).to.equal(s.manufacturer.address);
    await expect(devices.connect(s.manufacturer).setProvisioner(factory.address))
      .to.emit(devices, "ProvisionerSet")
      .withArgs(ids.manufacturer, factory.address);
    expect(await devices.provisionerOf(ids.manufacturer)).to.equal(factory.address);
    await expect(devices.connect(s.manufacturer).setProvisioner(factory.address))
      .to.be.revertedWithCustomError(devices, "DevicesProvisionerUnchanged")
      .withArgs(ids.manufacturer, factory.address);
    // Zero gives the role back to the account; the key is named again.
    await devices.connect(s.manufacturer).setProvisioner(hre.ethers.ZeroAddress);
    expect(await devices.provisionerOf(ids.manufacturer)).to.equal(s.manufacturer.address);
    await devices.connect(s.manufacturer).setProvisioner(factory.address);
    // The manufacturer's account itself no longer provisions: only the key it named.
    const byAccount = deviceKey("provisioned by the account");
    await expect(bindWith(byAccount, s.manufacturer))
      .to.be.revertedWithCustomError(devices, "DevicesNotProvisioned")
      .withArgs(byAccount.address, 1);
    // The manufacturer moves its account: what its factory key provisioned still binds.
    const moved = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
    await s.deployer.sendTransaction({ to: moved.address, value: hre.ethers.parseEther("1") });
    await participants.connect(s.manufacturer).proposeAccount(moved.address);
    await participants.connect(moved).acceptAccount(ids.manufacturer);
    const shipped = deviceKey("shipped before the move");
    await expect(bindWith(shipped, factory)).to.emit(devices, "DeviceBound");
    // The old account names nothing any more; the new one replaces a leaked factory key, voiding its signatures.
    await expect(devices.connect(s.manufacturer).setProvisioner(s.manufacturer.address))
      .to.be.revertedWithCustomError(devices, "DevicesNotManufacturer")
      .withArgs(s.manufacturer.address);
    const factory2 = deviceKey("factory HSM 2");
    await devices.connect(moved).setProvisioner(factory2.address);
    const leaked = deviceKey("provisioned by the leaked key");
    await expect(bindWith(leaked, factory))
      .to.be.revertedWithCustomError(devices, "DevicesNotProvisioned")
      .withArgs(leaked.address, 1);
    await expect(bindWith(deviceKey("new line"), factory2)).to.emit(devices, "DeviceBound");
    // A suspended manufacturer's devices bind no more, whoever holds its key.
    await participants.connect(s.registrar).suspend(ids.manufacturer, code("counterfeits"));
    await expect(bindWith(deviceKey("after suspension"), factory2)).to.be.revertedWithCustomError(
      participants,
      "ParticipantsNotActive",
    );
    expect(await devices.deviceCount()).to.equal(2);
  });

  describe("third audit", function () {
    type Suite = Awaited<ReturnType<typeof devicesFixture>>;
    /** Governance moves the suspended manufacturer to its owner's new account (a funded key), after its delay. */
    async function recoverManufacturer({ participants, manager, deployer, ids }: Suite) {
      const owner = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
      await deployer.sendTransaction({ to: owner.address, value: hre.ethers.parseEther("1") });
      const recover = participants.interface.encodeFunctionData("recoverAccount", [ids.manufacturer, owner.address]);
      await governorCall(manager, deployer, participants, recover);
      return owner;
    }
    /** Governance gives the suspended manufacturer its rights back, naming the suspension, after its delay. */
    async function reinstateManufacturer({ participants, manager, deployer, ids }: Suite) {
      const { statusChangedAt } = await participants.institution(ids.manufacturer);
      const data = participants.interface.encodeFunctionData("reinstate", [
        ids.manufacturer,
        statusChangedAt,
        code("recovered"),
      ]);
      await governorCall(manager, deployer, participants, data);
    }

    it("F1: the owner of a manufacturer account recovered from a thief replaces the thief's provisioning key while suspended, before its reinstatement", async function () {
      const s = await devicesFixture();
      const { devices, participants, manager, deployer, patients, ids } = s;
      const thiefKey = deviceKey("thief's provisioning key");
      await devices.connect(s.manufacturer).setProvisioner(thiefKey.address); // the thief holds the account
      await participants.connect(s.registrar).suspend(ids.manufacturer, code("stolen"));
      // Suspended, the account (the thief's still) can only clear the key, never name another (re-audit).
      const another = deviceKey("thief's second key");
      await expect(devices.connect(s.manufacturer).setProvisioner(another.address))
        .to.be.revertedWithCustomError(devices, "DevicesSuspendedProvisioner")
        .withArgs(ids.manufacturer, another.address);
      const owner = await recoverManufacturer(s);
      // Suspended, the recovered owner clears the thief's key; the thief, holding the old account, no longer can.
      await expect(devices.connect(s.manufacturer).setProvisioner(thiefKey.address))
        .to.be.revertedWithCustomError(devices, "DevicesNotManufacturer")
        .withArgs(s.manufacturer.address);
      await expect(devices.connect(owner).setProvisioner(hre.ethers.ZeroAddress))
        .to.emit(devices, "ProvisionerSet")
        .withArgs(ids.manufacturer, hre.ethers.ZeroAddress);
      expect(await devices.provisionerOf(ids.manufacturer)).to.equal(owner.address);
      await reinstateManufacturer(s);
      // What the thief's key provisions binds nothing; the owner's provisioning binds.
      const fake = deviceKey("made up by the thief");
      const forged = await s.signBinding(fake, patients.a);
      await expect(
        s.asA("bindDevice", [forged.binding, forged.signature, await s.provision(fake.address, 1, thiefKey)]),
      )
        .to.be.revertedWithCustomError(devices, "DevicesNotProvisioned")
        .withArgs(fake.address, 1);
      const real = deviceKey("real, after the recovery");
      const b = await s.signBinding(real, patients.a);
      await expect(s.asA("bindDevice", [b.binding, b.signature, await s.provision(real.address, 1, owner)])).to.emit(
        devices,
        "DeviceBound",
      );
      // A retired manufacturer names nothing; nor does an institution of another kind.
      await expect(devices.connect(s.regulator).setProvisioner(thiefKey.address))
        .to.be.revertedWithCustomError(devices, "DevicesNotManufacturer")
        .withArgs(s.regulator.address);
      const retire = participants.interface.encodeFunctionData("retire", [ids.manufacturer, code("closed")]);
      await governorCall(manager, deployer, participants, retire);
      await expect(devices.connect(owner).setProvisioner(thiefKey.address))
        .to.be.revertedWithCustomError(devices, "DevicesNotManufacturer")
        .withArgs(owner.address);
    });

    it("F3: a genuine recall made while a rival's withdrawal stands is numbered on, so a restoration scheduled against the rival's no longer matches, even in the same block", async function () {
      const s = await devicesFixture();
      const { devices, participants, manager, deployer, ids } = s;
      const WHOLE = await devices.WHOLE_MODEL();
      await devices.connect(s.otherRegulator).withdrawFirmware(1, 1, code("rival"));
      const rivals = (await devices.withdrawalOf(1, 1)).withdrawnAt;
      const target = await devices.getAddress();
      const restore = devices.interface.encodeFunctionData("restoreFirmware", [1, 1, 1, code("mistaken")]);
      await manager.connect(deployer).schedule(target, restore, 0);
      // The rival cannot void the restoration by withdrawing again itself (re-audit): its withdrawal stands.
      await expect(devices.connect(s.otherRegulator).withdrawFirmware(1, 1, code("again")))
        .to.be.revertedWithCustomError(devices, "DevicesWithdrawalStands")
        .withArgs(1, 1, ids.regulator2);
      // The model's own regulator finds a real defect meanwhile: its recall is recorded as number 2.
      await time.increase(DAY);
      await expect(devices.connect(s.regulator).withdrawFirmware(1, 1, code("real defect")))
        .to.emit(devices, "FirmwareWithdrawn")
        .withArgs(1, 1, ids.regulator, 2, code("real defect"));
      await time.increaseTo(rivals + (await participants.onboardingDelay()));
      await expect(manager.connect(deployer).execute(target, restore))
        .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
        .withArgs(1, 1, 1, 2);
      expect(await devices.isApproved(1, 1)).to.equal(false);
      // A model's withdrawals, both mined in one block: still two numbers, and the rival's restoration fails.
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        await devices.connect(s.otherRegulator).withdrawModel(1, code("rival"));
        await devices.connect(s.regulator).withdrawModel(1, code("real"));
        await hre.network.provider.send("evm_mine", []);
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
      const model = await devices.withdrawalOf(1, WHOLE);
      expect([model.regulatorId, model.serial]).to.deep.equal([ids.regulator, 2n]);
      const restoreModel = devices.interface.encodeFunctionData("restoreModel", [1, 1, code("mistaken")]);
      await expect(governorCall(manager, deployer, devices, restoreModel))
        .to.be.revertedWithCustomError(devices, "DevicesWithdrawalMismatch")
        .withArgs(1, WHOLE, 1, 2);
      await expect(devices.connect(s.regulator).withdrawModel(1, code("again")))
        .to.be.revertedWithCustomError(devices, "DevicesWithdrawalStands")
        .withArgs(1, WHOLE, ids.regulator);
    });

    it("F4: a rival regulator cannot approve a model first, nor with its own firmware image: only the regulator the manufacturer asked, with the images it submitted", async function () {
      const s = await devicesFixture();
      const { devices, participants, ids } = s;
      const pump = hre.ethers.id("pump technical file");
      const submitted = [hre.ethers.id("pump fw 1.0")];
      // Nothing asked yet: nobody approves.
      await expect(devices.connect(s.regulator).approveModel(ids.manufacturer, pump, submitted))
        .to.be.revertedWithCustomError(devices, "DevicesNotRequested")
        .withArgs(ids.manufacturer, pump, ids.regulator);
      // Only an active manufacturer asks, only an active regulator; never for a model approved already.
      await expect(
        devices.connect(s.hospital).requestApproval(ids.regulator, pump, submitted),
      ).to.be.revertedWithCustomError(participants, "ParticipantsWrongKind");
      await expect(
        devices.connect(s.manufacturer).requestApproval(ids.hospital, pump, submitted),
      ).to.be.revertedWithCustomError(participants, "ParticipantsWrongKind");
      const cgm = hre.ethers.id("CGM technical file");
      await expect(devices.connect(s.manufacturer).requestApproval(ids.regulator, cgm, submitted))
        .to.be.revertedWithCustomError(devices, "DevicesModelExists")
        .withArgs(1);
      await expect(devices.connect(s.manufacturer).requestApproval(ids.regulator, pump, submitted))
        .to.emit(devices, "ApprovalRequested")
        .withArgs(ids.manufacturer, ids.regulator, pump, submitted);
      // The rival, watching, approves first with its own image, or with the submitted one: refused either way.
      await expect(devices.connect(s.otherRegulator).approveModel(ids.manufacturer, pump, [hre.ethers.id("rival fw")]))
        .to.be.revertedWithCustomError(devices, "DevicesNotRequested")
        .withArgs(ids.manufacturer, pump, ids.regulator2);
      await expect(devices.connect(s.otherRegulator).approveModel(ids.manufacturer, pump, submitted))
        .to.be.revertedWithCustomError(devices, "DevicesNotRequested")
        .withArgs(ids.manufacturer, pump, ids.regulator2);
      // The regulator asked cannot change the images either.
      await expect(
        devices.connect(s.regulator).approveModel(ids.manufacturer, pump, [...submitted, hre.ethers.id("x")]),
      )
        .to.be.revertedWithCustomError(devices, "DevicesNotRequested")
        .withArgs(ids.manufacturer, pump, ids.regulator);
      expect(await devices.modelCount()).to.equal(1);
      // The manufacturer may ask another regulator instead: the first one's approval is then refused.
      await devices.connect(s.manufacturer).requestApproval(ids.regulator2, pump, submitted);
      await expect(devices.connect(s.regulator).approveModel(ids.manufacturer, pump, submitted))
        .to.be.revertedWithCustomError(devices, "DevicesNotRequested")
        .withArgs(ids.manufacturer, pump, ids.regulator);
      await expect(devices.connect(s.otherRegulator).approveModel(ids.manufacturer, pump, submitted))
        .to.emit(devices, "ModelApproved")
        .withArgs(2, ids.manufacturer, ids.regulator2, pump);
      // The request is spent: the same approval again is refused as a model that exists.
      await expect(devices.connect(s.otherRegulator).approveModel(ids.manufacturer, pump, submitted))
        .to.be.revertedWithCustomError(devices, "DevicesModelExists")
        .withArgs(2);
    });

    it("F4 (re-audit): an approval request made from a stolen manufacturer account dies with the account's recovery", async function () {
      const s = await devicesFixture();
      const { devices, participants, ids } = s;
      const pump = hre.ethers.id("pump technical file");
      // The thief, holding the account, asks for the pump's approval with its own image.
      const thiefs = [hre.ethers.id("thief's image")];
      await devices.connect(s.manufacturer).requestApproval(ids.regulator, pump, thiefs);
      await participants.connect(s.registrar).suspend(ids.manufacturer, code("stolen"));
      const owner = await recoverManufacturer(s);
      await reinstateManufacturer(s);
      // The regulator approving the pending request: refused, it was made from the account the thief held.
      await expect(devices.connect(s.regulator).approveModel(ids.manufacturer, pump, thiefs))
        .to.be.revertedWithCustomError(devices, "DevicesNotRequested")
        .withArgs(ids.manufacturer, pump, ids.regulator);
      // The owner asks again with its real image, and the technical file is approved with it.
      const real = [hre.ethers.id("pump fw 1.0")];
      await devices.connect(owner).requestApproval(ids.regulator, pump, real);
      await expect(devices.connect(s.regulator).approveModel(ids.manufacturer, pump, real))
        .to.emit(devices, "FirmwareApproved")
        .withArgs(2, 0, real[0], ids.regulator);
    });

    it("F5: provisionerOf refuses an institution that is not a manufacturer, and an unknown id", async function () {
      const s = await devicesFixture();
      const { devices, participants, ids } = s;
      await expect(devices.provisionerOf(ids.hospital))
        .to.be.revertedWithCustomError(devices, "DevicesNotManufacturer")
        .withArgs(s.hospital.address);
      await expect(devices.provisionerOf(99))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(99);
      expect(await devices.provisionerOf(ids.manufacturer)).to.equal(s.manufacturer.address);
    });

    it("F6: a device's record names the firmware that measured it: a recalled version's data stays out, whatever its date", async function () {
      const s = await devicesFixture();
      const { devices, records, patients } = s;
      const key = deviceKey("cgm");
      const deviceId = await s.bind(key);
      await time.increase(DAY);
      const report = await s.ownRecord(patients.a, "measured on 1.0");
      // Not a version the device is not known to run yet (re-audit): it anchors on it first.
      const ahead = await s.ownRecord(patients.a, "claims 1.1 too soon");
      await expect(s.asA("writeOwnRecord", [ahead, deviceId, 1, await s.signRecord(key, ahead, 1)]))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotRun")
        .withArgs(key.address, 1, 0);
      // Version 0 is recalled; the device moves to 1 and anchors on it.
      await devices.connect(s.regulator).withdrawFirmware(1, 0, code("drift"));
      await s.sendAnchor(key, { ...(await s.day(key, 1)), firmware: 1 });
      await expect(s.asA("writeOwnRecord", [report, deviceId, 0, await s.signRecord(key, report, 0)]))
        .to.be.revertedWithCustomError(devices, "DevicesFirmwareNotApproved")
        .withArgs(1, 0);
      // Presented as measured on 1 with the device's signature for 0: not the device's word.
      await expect(s.asA("writeOwnRecord", [report, deviceId, 1, await s.signRecord(key, report, 0)]))
        .to.be.revertedWithCustomError(devices, "DevicesBadDeviceSignature")
        .withArgs(key.address);
      expect(await records.recordCount()).to.equal(0);
      const later = await s.ownRecord(patients.a, "measured on 1.1");
      await expect(s.asA("writeOwnRecord", [later, deviceId, 1, await s.signRecord(key, later, 1)])).to.emit(
        records,
        "RecordSourced",
      );
    });
  });

  it("a device's first anchor cannot reach back before its binding", async function () {
    const s = await devicesFixture();
    const { devices } = s;
    const key = deviceKey("cgm");
    await time.increase(30 * DAY);
    await s.bind(key);
    const boundAt = await time.latest();
    await time.increase(DAY);
    const years = { sequence: 1, from: boundAt - 5 * 365 * DAY, to: boundAt + DAY / 2 };
    await expect(s.sendAnchor(key, years))
      .to.be.revertedWithCustomError(devices, "DevicesInvalidPeriod")
      .withArgs(key.address, years.from, years.to, boundAt);
  });

  it("a hospital hears nothing more once its consent is revoked, or once its break-glass window closed: the anchor drops it", async function () {
    const s = await devicesFixture();
    const { devices, consent, participants, patients, ids } = s;
    const key = deviceKey("cgm");
    await s.bind(key);
    await devices.connect(s.hospital).follow(patients.a);
    await consent.connect(s.emergencyHospital).openEmergency(patients.a, code("er"));
    await devices.connect(s.emergencyHospital).follow(patients.a);
    const grantId = await consent.grantIdOf(patients.a, ids.hospital, PURPOSES.treatment, 1, DEVICE_READINGS);
    await asPatient(participants, s.patientA, patients.a, consent, "revoke", [grantId]);
    await time.increase(Number(await consent.emergencyWindow()) + 1);
    const anchored = s.sendAnchor(key, await s.day(key, 1));
    await expect(anchored)
      .to.emit(devices, "Unfollowed")
      .withArgs(patients.a, ids.hospital, 2)
      .and.to.emit(devices, "Unfollowed")
      .withArgs(patients.a, ids.second, 2)
      .and.not.to.emit(devices, "MonitoringNotice");
    expect(await devices.followersOf(patients.a)).to.deep.equal([]);
  });

  it("isWriter says false for a named writer that may not write (suspended)", async function () {
    const s = await devicesFixture();
    const { devices, participants, patients, ids } = s;
    await s.asA("setWriter", [ids.pharmacy, true]);
    expect(await devices.isWriter(patients.a, ids.pharmacy)).to.equal(true);
    expect(await devices.isWriter(patients.b, ids.pharmacy)).to.equal(false);
    await participants.connect(s.registrar).suspend(ids.pharmacy, code("review"));
    expect(await devices.isWriter(patients.a, ids.pharmacy)).to.equal(false);
  });

  describe("data written before the upgrade", function () {
    it("a unit dispensed before intake confirmations existed reads as not administered, and its intake is confirmable", async function () {
      const s = await devicesFixture();
      const { products, supply, ids } = s;
      await products.connect(s.registrar).assignPrefix(880646n, 6, ids.manufacturer);
      await time.increase(await s.participants.onboardingDelay());
      const gtin = gtinWithCheckDigit("0880646900123");
      await products.connect(s.manufacturer).registerProduct(gtin, 6, {
        name: "Amoxil",
        strength: "500 mg",
        form: "capsule",
        marketingAuthorisationHolder: "MIIP Pharma",
      });
      const serials = buildSerialTree(["U0", "U1"]);
      const now = await time.latest();
      await supply.connect(s.manufacturer).registerBatch({
        gtin,
        lot: code("LOT-A"),
        manufacturedAt: now - DAY,
        expiresAt: now + 365 * DAY,
        quantity: 10,
        tempMin: 200,
        tempMax: 800,
        humidityMin: 1000,
        humidityMax: 6000,
        serialRoot: serials.root,
        metadataURI: "",
        message: "",
      });
      await supply.connect(s.manufacturer).ship(1, ids.pharmacy, 5);
      const shipmentId = (await supply.queryFilter(supply.filters.Shipped())).at(-1)!.args.shipmentId;
      await supply.connect(s.pharmacy).accept(shipmentId);
      const domain = supplyDomain(31337n, await supply.getAddress());
      const prescription = new hre.ethers.Wallet(hre.ethers.id("old prescription"));
      const productSalt = hre.ethers.id("salt");
      const product = hre.ethers.keccak256(coder.encode(["uint64", "bytes32"], [gtin, productSalt]));
      await supply.connect(s.hospital).setAllowance(prescription.address, product, 1, 3, now + 365 * DAY, 0);
      const allowanceKey = hre.ethers.keccak256(
        coder.encode(["uint32", "address"], [ids.hospital, prescription.address]),
      );
      const fillsAfter = Number((await supply.getAllowance(allowanceKey)).fillsLeft) - 1;
      const deadline = (await time.latest()) + DAY;
      const fill = { allowanceKey, pharmacyId: ids.pharmacy, fillsAfter, deadline };
      const fillSignature = compactSignature(await prescription.signTypedData(domain, FILL_TYPES, fill));
      const unit = serials.unit("U1");
      await supply.connect(s.pharmacy).dispense(shipmentId, unit.index, unit.serial, unit.proof, {
        allowanceKey,
        productSalt,
        deadline,
        signature: fillSignature,
      });
      // The unit's slot as the implementation before intake wrote it: `reported` false, the key's 18 bytes after.
      const SUPPLY_LOCATION = 0x39c00a36e4100fbe8b4307efc2d9dd1336ddb38ffc3d26250f21b81aea81c200n;
      const unitKey = hre.ethers.keccak256(coder.encode(["uint64", "bytes32"], [gtin, unit.serial]));
      const slot = mappingSlot(unitKey, SUPPLY_LOCATION + 9n);
      const address = await supply.getAddress();
      const stored = BigInt(await hre.ethers.provider.getStorage(address, slot));
      expect(stored & 0xffffffffn, "the slot found is the unit's").to.equal(1n);
      const tag18 = BigInt(hre.ethers.dataSlice(allowanceKey, 0, 18));
      const oldLayout = (stored & ((1n << 104n) - 1n)) | (tag18 << 112n);
      expect(oldLayout, "the layout is unchanged: the new code wrote what the old one did").to.equal(stored);
      await hre.network.provider.send("hardhat_setStorageAt", [address, hex32(slot), hex32(oldLayout)]);
      expect((await supply.dispensedUnit(gtin, unit.serial)).administered).to.equal(false);
      const intake = { gtin, serial: unit.serial, hospitalId: ids.hospital, takenAt: await time.latest(), by: 0 };
      const signature = compactSignature(await prescription.signTypedData(domain, INTAKE_TYPES, intake));
      await expect(supply.confirmIntake(gtin, unit.serial, ids.hospital, intake.takenAt, 0, signature)).to.emit(
        supply,
        "IntakeConfirmed",
      );
    });

    it("a data request opened before requests named their sources still takes the hospital records it asked for", async function () {
      const s = await devicesFixture();
      const { market, records, ids, patients } = s;
      await time.increase(30 * DAY);
      const reserve = s.resolved.genesis.grants.findIndex((g) => g.category === s.resolved.genesis.reserveCategory);
      await s.distribution.release(reserve);
      await s.token.connect(s.treasury).transfer(s.researcher.address, IST(100));
      await s.token.connect(s.researcher).approve(await market.getAddress(), hre.ethers.MaxUint256);
      const now = await time.latest();
      await records.connect(s.hospital).register({
        patientId: patients.a,
        digest: hre.ethers.id("diagnosis"),
        recordType: RECORD_TYPES.diagnosis,
        issuedAt: now,
        uri: "ipfs://dx",
      });
      const price = IST(10);
      await market.connect(s.researcher).openRequest({
        recordTypes: 1n << BigInt(RECORD_TYPES.diagnosis),
        from: now - 30 * DAY,
        to: now + DAY,
        termsDigest: hre.ethers.id("terms"),
        deidentificationDigest: hre.ethers.id("rules"),
        price,
        maxContributions: 2,
        deadline: now + 30 * DAY,
        contestWindow: DAY,
        arbitratorId: ids.agency,
        sources: 1,
      });
      // The request as the implementation before sources stored it: the byte `sources` reads was never written.
      const MARKET_LOCATION = 0x81907a2c5902bcfe1188dfdc0f117529e9feb8dbcdcfcd661c501c3a5d877b00n;
      const slot = mappingSlot(hex32(1n), MARKET_LOCATION + 1n) + 5n;
      const address = await market.getAddress();
      const stored = BigInt(await hre.ethers.provider.getStorage(address, slot));
      expect(stored & ((1n << 96n) - 1n), "the slot found holds the price").to.equal(price);
      expect((stored >> 232n) & 0xffn, "and sources at byte 29").to.equal(1n);
      await hre.network.provider.send("hardhat_setStorageAt", [address, hex32(slot), hex32(stored & ~(0xffn << 232n))]);
      await asPatient(s.participants, s.patientA, patients.a, market, "optIn", [1]);
      await expect(
        asPatient(s.participants, s.patientA, patients.a, market, "contribute", [
          1,
          hre.ethers.id("c"),
          "ipfs://c",
          [1],
        ]),
      ).to.emit(market, "ContributionDelivered");
    });
  });
});
