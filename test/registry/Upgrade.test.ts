import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre, { upgrades } from "hardhat";

import { KINDS, RECORD_TYPES } from "../../config/roles";
import {
  ConsentManager__factory,
  ParticipantRegistryV2__factory,
  RecordRegistryV2__factory,
  type ParticipantRegistry,
  type RecordRegistry,
} from "../../typechain-types";
import { onboardedFixture } from "../helpers/fixtures";
import { governorCall } from "../helpers/governance";
import { GUARDIAN_SALT, asPatient, guardianCommitment } from "../helpers/patients";

/** Everything readable about the registries, to compare before and after an upgrade. */
async function stateOf(
  participants: ParticipantRegistry,
  records: RecordRegistry,
  patients: bigint[],
  guardians: { patientId: bigint; commitment: string }[],
) {
  const [institutions] = await participants.institutions(0, 100);
  const count = Number(await records.recordCount());
  const all = [];
  for (let id = 1; id <= count; id++) all.push(await records.getRecord(id));
  const lists = [];
  for (const patient of patients) lists.push(await records.recordsOfPatient(patient, 0, 100));
  for (const institution of institutions) lists.push(await records.recordsOfIssuer(institution.id, 0, 100));
  const members = [];
  for (const institution of institutions) members.push(await participants.memberOf(institution.account));
  const patientEntries = [];
  for (const patientId of patients) {
    const patient = await participants.patient(patientId);
    patientEntries.push([...patient, [...(await participants.patientOf(patient.account))]]);
  }
  const guardianEntries = [];
  for (const { patientId, commitment } of guardians) {
    guardianEntries.push([...(await participants.guardian(patientId, commitment))]);
  }
  return {
    institutions: institutions.map((i) => [...i]),
    members: members.map((m) => [...m]),
    patientCount: await participants.patientCount(),
    patients: patientEntries,
    guardians: guardianEntries,
    records: all.map((r) => [...r]),
    lists,
    types: await Promise.all(Object.values(RECORD_TYPES).map((t) => records.isRecordType(t))),
  };
}

describe("registry upgrades", function () {
  async function populatedFixture() {
    const suite = await onboardedFixture();
    const { records, participants, hospital, secondHospital, registrar, patientA, patientB, guardian, signers, ids } =
      suite;
    const now = await time.latest();
    const input = (i: number) => ({
      patientId: i % 3 === 0 ? ids.patientB : ids.patientA,
      digest: hre.ethers.id(`document ${i}`),
      recordType: (i % 7) + 1,
      issuedAt: now - i,
      uri: `ipfs://bafy${i}`,
    });
    await records.connect(hospital).registerBatch(Array.from({ length: 20 }, (_, i) => input(i)));
    await records.connect(secondHospital).register(input(20));
    await records.connect(hospital).amend(2, hre.ethers.id("amended"), now, "ipfs://amended");
    await participants.connect(registrar).suspend(ids.pharmacy, hre.ethers.encodeBytes32String("audit"));
    // Patients with some history in the directory: patient 1 has a guardian, patient 2 moved to a new address.
    const commitment = guardianCommitment(ids.patientA, guardian.address, GUARDIAN_SALT);
    await participants.connect(patientA).setGuardian(commitment, 2);
    await participants.connect(patientB).proposePatientAccount(signers[27].address);
    await participants.connect(signers[27]).acceptPatientAccount(ids.patientB);
    return {
      ...suite,
      patients: [ids.patientA, ids.patientB],
      guardians: [{ patientId: ids.patientA, commitment }],
    };
  }

  // The record registry's implementation takes the participant directory's proxy as a constructor argument.
  const withDirectory = { kind: "uups" as const, constructorArgs: ["0x000000000000000000000000000000000000dEaD"] };

  it("passes OpenZeppelin's upgrade-safety validation for the registries, the consent manager, the escrow and the supply chain", async function () {
    await upgrades.validateImplementation(await hre.ethers.getContractFactory("ParticipantRegistry"), { kind: "uups" });
    await upgrades.validateImplementation(await hre.ethers.getContractFactory("RecordRegistry"), withDirectory);
    const withDirectoryAndRecords = {
      ...withDirectory,
      constructorArgs: [...withDirectory.constructorArgs, ...withDirectory.constructorArgs],
    };
    await upgrades.validateImplementation(
      await hre.ethers.getContractFactory("ConsentManager"),
      withDirectoryAndRecords,
    );
    // The escrow delegates its insurer's functions to its second implementation (annotated in the code); the
    // second implementation holds only immutables and is checked the same way.
    const escrowArgs = {
      ...withDirectory,
      constructorArgs: [...withDirectoryAndRecords.constructorArgs, "0x000000000000000000000000000000000000dEaD"],
    };
    await upgrades.validateImplementation(await hre.ethers.getContractFactory("ClaimEscrow"), escrowArgs);
    // It is never initialised itself: it runs on the escrow proxy's storage, which the escrow initialises.
    const extensionArgs = { ...withDirectoryAndRecords, unsafeAllow: ["missing-initializer" as const] };
    await upgrades.validateImplementation(await hre.ethers.getContractFactory("ClaimEscrowExtension"), extensionArgs);
    await upgrades.validateImplementation(
      await hre.ethers.getContractFactory("ProductRegistry"),
      withDirectoryAndRecords,
    );
    // The supply chain, like the escrow, runs its colder functions in a second implementation it names.
    const dead = "0x000000000000000000000000000000000000dEaD";
    const withProducts = { ...withDirectory, constructorArgs: [dead, dead, dead] };
    const supplyArgs = { ...withDirectory, constructorArgs: [dead, dead, dead, dead] };
    await upgrades.validateImplementation(await hre.ethers.getContractFactory("SupplyChain"), supplyArgs);
    const supplyExtensionArgs = { ...withProducts, unsafeAllow: ["missing-initializer" as const] };
    await upgrades.validateImplementation(
      await hre.ethers.getContractFactory("SupplyChainExtension"),
      supplyExtensionArgs,
    );
    await upgrades.validateUpgrade(
      await hre.ethers.getContractFactory("RecordRegistry"),
      await hre.ethers.getContractFactory("RecordRegistryV2"),
      withDirectory,
    );
    await upgrades.validateUpgrade(
      await hre.ethers.getContractFactory("ParticipantRegistry"),
      await hre.ethers.getContractFactory("ParticipantRegistryV2"),
      { kind: "uups" },
    );
  });

  it("refuses, in the layout check, an upgrade that would reorder the record storage", async function () {
    await expect(
      upgrades.validateUpgrade(
        await hre.ethers.getContractFactory("RecordRegistry"),
        await hre.ethers.getContractFactory("RecordRegistryBadV2"),
        withDirectory,
      ),
    ).to.be.rejectedWith(/New storage layout is incompatible|Deleted|Upgraded/);
  });

  it("upgrades both registries through governance and keeps every record and participant", async function () {
    const { records, participants, manager, deployer, hospital, patients, guardians } =
      await loadFixture(populatedFixture);
    const before = await stateOf(participants, records, patients, guardians);

    const recordsV2 = await new RecordRegistryV2__factory(deployer).deploy(await participants.getAddress());
    const participantsV2 = await new ParticipantRegistryV2__factory(deployer).deploy();
    const upgradeRecords = records.interface.encodeFunctionData("upgradeToAndCall", [
      await recordsV2.getAddress(),
      recordsV2.interface.encodeFunctionData("initializeV2"),
    ]);
    const upgradeParticipants = participants.interface.encodeFunctionData("upgradeToAndCall", [
      await participantsV2.getAddress(),
      "0x",
    ]);
    await governorCall(manager, deployer, records, upgradeRecords);
    await governorCall(manager, deployer, participants, upgradeParticipants);

    const asV2 = RecordRegistryV2__factory.connect(await records.getAddress(), deployer);
    expect(await asV2.version()).to.equal("2");
    expect(await asV2.upgradedAt()).to.be.greaterThan(0n);
    expect(await ParticipantRegistryV2__factory.connect(await participants.getAddress(), deployer).version()).to.equal(
      "2",
    );
    expect(await stateOf(participants, records, patients, guardians)).to.deep.equal(before);

    // And the upgraded registry keeps working: ids continue, checks still apply.
    await records.connect(hospital).register({
      patientId: patients[0],
      digest: hre.ethers.id("after upgrade"),
      recordType: RECORD_TYPES.vaccination,
      issuedAt: await time.latest(),
      uri: "ipfs://after",
    });
    expect(await records.recordCount()).to.equal(BigInt(before.records.length + 1));
    expect(await participants.isActive(hospital.address, KINDS.hospital)).to.equal(true);
  });

  it("refuses an upgrade by anyone but the governor, and one not waited for", async function () {
    const { records, participants, manager, deployer, hospital } = await loadFixture(populatedFixture);
    const v2 = await new RecordRegistryV2__factory(deployer).deploy(await participants.getAddress());
    await expect(records.connect(hospital).upgradeToAndCall(await v2.getAddress(), "0x"))
      .to.be.revertedWithCustomError(records, "AccessManagedUnauthorized")
      .withArgs(hospital.address);
    const participantsV2 = await new ParticipantRegistryV2__factory(deployer).deploy();
    await expect(participants.connect(hospital).upgradeToAndCall(await participantsV2.getAddress(), "0x"))
      .to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized")
      .withArgs(hospital.address);
    expect(await upgrades.erc1967.getImplementationAddress(await participants.getAddress())).to.not.equal(
      await participantsV2.getAddress(),
    );
    await expect(records.connect(deployer).upgradeToAndCall(await v2.getAddress(), "0x")).to.be.revertedWithCustomError(
      manager,
      "AccessManagerNotScheduled",
    );
    const slot = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
    const implementation = await hre.ethers.provider.getStorage(await records.getAddress(), slot);
    expect(hre.ethers.getAddress("0x" + implementation.slice(26))).to.not.equal(await v2.getAddress());
  });

  it("upgrades the consent manager through governance and keeps every grant", async function () {
    const { consent, records, participants, manager, deployer, patientA, insurer, ids } =
      await loadFixture(populatedFixture);
    const expiresAt = (await time.latest()) + 30 * 86_400;
    await asPatient(participants, patientA, ids.patientA, consent, "grant", [
      {
        patientId: ids.patientA,
        grantee: insurer.address,
        purpose: 0,
        scopeKind: 0,
        scope: [],
        expiresAt,
      },
    ]);
    const [recordIds] = await records.recordsOfPatient(ids.patientA, 0, 100);
    const before = await Promise.all(recordIds.map((id) => records.canRead(insurer.address, id, 0)));
    const next = await new ConsentManager__factory(deployer).deploy(
      await participants.getAddress(),
      await records.getAddress(),
    );
    const data = consent.interface.encodeFunctionData("upgradeToAndCall", [await next.getAddress(), "0x"]);
    await governorCall(manager, deployer, consent, data);
    expect(await upgrades.erc1967.getImplementationAddress(await consent.getAddress())).to.equal(
      await next.getAddress(),
    );
    expect(await Promise.all(recordIds.map((id) => records.canRead(insurer.address, id, 0)))).to.deep.equal(before);
    expect(before.every(Boolean)).to.equal(true);
    expect(await consent.emergencyWindow()).to.equal(24n * 3600n);
  });

  it("refuses a consent-manager upgrade by anyone but the governor", async function () {
    const { consent, manager, hospital, deployer } = await loadFixture(populatedFixture);
    const implementation = await upgrades.erc1967.getImplementationAddress(await consent.getAddress());
    await expect(consent.connect(hospital).upgradeToAndCall(implementation, "0x"))
      .to.be.revertedWithCustomError(consent, "AccessManagedUnauthorized")
      .withArgs(hospital.address);
    await expect(consent.connect(deployer).upgradeToAndCall(implementation, "0x")).to.be.revertedWithCustomError(
      manager,
      "AccessManagerNotScheduled",
    );
  });

  it("refuses a supply-chain upgrade by anyone but the governor, and a second initialisation", async function () {
    const { supply, manager, hospital } = await loadFixture(populatedFixture);
    const implementation = await upgrades.erc1967.getImplementationAddress(await supply.getAddress());
    await expect(supply.connect(hospital).upgradeToAndCall(implementation, "0x"))
      .to.be.revertedWithCustomError(supply, "AccessManagedUnauthorized")
      .withArgs(hospital.address);
    await expect(supply.initialize(await manager.getAddress())).to.be.revertedWithCustomError(
      supply,
      "InvalidInitialization",
    );
  });

  it("refuses an escrow upgrade by anyone but the governor, and a second initialisation", async function () {
    const { claims, manager, hospital } = await loadFixture(populatedFixture);
    const implementation = await upgrades.erc1967.getImplementationAddress(await claims.getAddress());
    await expect(claims.connect(hospital).upgradeToAndCall(implementation, "0x"))
      .to.be.revertedWithCustomError(claims, "AccessManagedUnauthorized")
      .withArgs(hospital.address);
    await expect(claims.initialize(await manager.getAddress())).to.be.revertedWithCustomError(
      claims,
      "InvalidInitialization",
    );
  });

  it("cannot be initialised twice, neither the proxy nor the implementation", async function () {
    const { records, participants, consent, manager } = await loadFixture(populatedFixture);
    await expect(consent.initialize(await manager.getAddress(), 3600)).to.be.revertedWithCustomError(
      consent,
      "InvalidInitialization",
    );
    await expect(participants.initialize(await manager.getAddress(), 86_400)).to.be.revertedWithCustomError(
      participants,
      "InvalidInitialization",
    );
    await expect(records.initialize(await manager.getAddress(), [], [])).to.be.revertedWithCustomError(
      records,
      "InvalidInitialization",
    );
    const implementation = await upgrades.erc1967.getImplementationAddress(await records.getAddress());
    const bare = records.attach(implementation) as RecordRegistry;
    await expect(bare.initialize(await manager.getAddress(), [], [])).to.be.revertedWithCustomError(
      records,
      "InvalidInitialization",
    );
  });
});
