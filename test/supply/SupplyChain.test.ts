import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseWallet } from "ethers";

import { READING_TYPES, SCOPES, compactSignature, supplyDomain } from "../../config/eip712";
import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import { buildSerialTree } from "../../scripts/lib/merkle";
import type { SupplyChain } from "../../typechain-types";
import type { ISupplyChain } from "../../typechain-types/contracts/supply/SupplyChain";
import { licence, onboard, onboardedFixture } from "../helpers/fixtures";
import { governorCall } from "../helpers/governance";
import { asPatient } from "../helpers/patients";

const DAY = 86_400;
const code = (text: string) => hre.ethers.encodeBytes32String(text);
const ShipmentStatus = { None: 0, InTransit: 1, Accepted: 2, Refused: 3 } as const;
const SERIALS = Array.from({ length: 100 }, (_, i) => `SN-${String(i + 1).padStart(4, "0")}`);

/** Every unit of a batch is somewhere: held (available or quarantined), in transit, dispensed or destroyed. */
async function expectConserved(supply: SupplyChain, batchId: bigint, holderIds: bigint[]) {
  const batch = await supply.getBatch(batchId);
  let held = 0n;
  for (const id of holderIds) {
    const [available, quarantined] = await supply.holdingOf(batchId, id);
    held += available + quarantined;
  }
  const shipped = await supply.queryFilter(supply.filters.Shipped(undefined, batchId));
  for (const event of shipped) {
    const s = await supply.getShipment(event.args.shipmentId);
    if (s.status === BigInt(ShipmentStatus.InTransit)) held += s.quantity;
  }
  let dispensed = 0n;
  for (const id of holderIds) dispensed += await supply.dispensedCount(batchId, id);
  expect(held + dispensed + batch.destroyed).to.equal(batch.quantity);
}

describe("SupplyChain", function () {
  async function supplyFixture() {
    const suite = await onboardedFixture();
    const { participants, registrar, supply, manufacturer, distributor, regulator } = suite;
    const [manufacturerId, distributorId, regulatorId] = await onboard(
      participants,
      registrar,
      { account: manufacturer, kind: "manufacturer", name: "Hanmi Pharma" },
      { account: distributor, kind: "distributor", name: "Cold Logistics" },
      { account: regulator, kind: "regulator", name: "Drug Safety Ministry" },
    );
    const ids = { ...suite.ids, manufacturer: manufacturerId, distributor: distributorId, regulator: regulatorId };
    const serials = buildSerialTree(SERIALS);
    const now = await time.latest();
    const input = (overrides: Partial<ISupplyChain.BatchInputStruct> = {}): ISupplyChain.BatchInputStruct => ({
      gtin: 8806469001234n,
      lot: code("LOT-2026-11-A"),
      manufacturedAt: now - DAY,
      expiresAt: now + 365 * DAY,
      quantity: 100,
      tempMin: 200,
      tempMax: 800,
      humidityMin: 1000,
      humidityMax: 6000,
      serialRoot: serials.root,
      metadataURI: "ipfs://bafy-batch",
      ...overrides,
    });
    await supply.connect(manufacturer).registerBatch(input());
    const device = new hre.ethers.Wallet(hre.ethers.id("device key 1")) as BaseWallet;
    await supply.connect(distributor).registerDevice(device.address, 3, hre.ethers.id("calibration v1"));
    const chainId = (await hre.ethers.provider.getNetwork()).chainId;
    const domain = supplyDomain(chainId, await supply.getAddress());
    const reading = async (
      shipmentId: bigint | number,
      temperature: number,
      humidity: number,
      sequence: number,
      signer = device,
    ) => {
      const r = {
        device: signer.address,
        shipmentId: BigInt(shipmentId),
        temperature,
        humidity,
        timestamp: BigInt(await time.latest()),
        sequence: BigInt(sequence),
      };
      return { r, signature: compactSignature(await signer.signTypedData(domain, READING_TYPES, r)) };
    };
    return { ...suite, ids, serials, input, device, reading, domain, asManufacturer: supply.connect(manufacturer) };
  }

  /** 100 units: 60 shipped to the distributor and accepted, then 30 to the pharmacy, accepted. */
  async function stockedFixture() {
    const suite = await supplyFixture();
    const { supply, asManufacturer, distributor, pharmacy } = suite;
    await asManufacturer.ship(1, distributor.address, 60);
    await supply.connect(distributor).accept(1);
    await supply.connect(distributor).ship(1, pharmacy.address, 30);
    await supply.connect(pharmacy).accept(2);
    return suite;
  }

  const holders = (ids: { manufacturer: bigint; distributor: bigint; pharmacy: bigint; hospital: bigint }) => [
    ids.manufacturer,
    ids.distributor,
    ids.pharmacy,
    ids.hospital,
  ];

  describe("batches", function () {
    it("lets an active manufacturer register a batch whose units it holds", async function () {
      const { supply, ids, serials } = await loadFixture(supplyFixture);
      const b = await supply.getBatch(1);
      expect([b.manufacturerId, b.quantity, b.serialRoot, b.status]).to.deep.equal([
        ids.manufacturer,
        100n,
        serials.root,
        1n,
      ]);
      expect(await supply.holdingOf(1, ids.manufacturer)).to.deep.equal([100n, 0n]);
    });

    it("refuses a non-manufacturer, zero units, an expiry before manufacture, a duplicate lot, no serial root", async function () {
      const { supply, participants, asManufacturer, distributor, input } = await loadFixture(supplyFixture);
      await expect(supply.connect(distributor).registerBatch(input({ lot: code("other") })))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(distributor.address, KINDS.distributor, 1n << BigInt(KINDS.manufacturer));
      await expect(asManufacturer.registerBatch(input({ lot: code("z"), quantity: 0 }))).to.be.revertedWithCustomError(
        supply,
        "SupplyZeroQuantity",
      );
      const i = input({ lot: code("d") });
      await expect(asManufacturer.registerBatch({ ...i, expiresAt: i.manufacturedAt }))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidDates")
        .withArgs(i.manufacturedAt, i.manufacturedAt);
      await expect(asManufacturer.registerBatch(input()))
        .to.be.revertedWithCustomError(supply, "SupplyDuplicateLot")
        .withArgs(8806469001234n, code("LOT-2026-11-A"), 1);
      await expect(
        asManufacturer.registerBatch(input({ lot: code("r"), serialRoot: hre.ethers.ZeroHash })),
      ).to.be.revertedWithCustomError(supply, "SupplyZeroSerialRoot");
      expect(await supply.batchCount()).to.equal(1n);
    });
  });

  describe("custody", function () {
    it("moves exact quantities in two steps, split and merged, and conserves every unit", async function () {
      const { supply, asManufacturer, distributor, pharmacy, hospital, ids } = await loadFixture(supplyFixture);
      await expect(asManufacturer.ship(1, distributor.address, 60))
        .to.emit(supply, "Shipped")
        .withArgs(1, 1, ids.manufacturer, ids.distributor, 60);
      expect(await supply.holdingOf(1, ids.manufacturer)).to.deep.equal([40n, 0n]);
      expect(await supply.holdingOf(1, ids.distributor)).to.deep.equal([0n, 0n]);
      await expectConserved(supply, 1n, holders(ids));
      await expect(supply.connect(distributor).accept(1))
        .to.emit(supply, "ShipmentAccepted")
        .withArgs(1, 1, ids.distributor, false);
      await supply.connect(distributor).ship(1, pharmacy.address, 20);
      await supply.connect(distributor).ship(1, pharmacy.address, 10);
      await supply.connect(distributor).ship(1, hospital.address, 5);
      await supply.connect(pharmacy).accept(2);
      await supply.connect(pharmacy).accept(3);
      expect(await supply.holdingOf(1, ids.pharmacy)).to.deep.equal([30n, 0n]);
      await expectConserved(supply, 1n, holders(ids));
      await expect(supply.connect(hospital).refuse(4))
        .to.emit(supply, "ShipmentRefused")
        .withArgs(4, 1, ids.distributor);
      // 60 received, 35 shipped, the refused 5 back: 30.
      expect(await supply.holdingOf(1, ids.distributor)).to.deep.equal([30n, 0n]);
      await expectConserved(supply, 1n, holders(ids));
    });

    it("refuses shipping more than held, to a suspended or unknown receiver, and accepting someone else's shipment", async function () {
      const { supply, participants, registrar, asManufacturer, distributor, pharmacy, stranger, ids } =
        await loadFixture(supplyFixture);
      await expect(asManufacturer.ship(1, distributor.address, 101))
        .to.be.revertedWithCustomError(supply, "SupplyInsufficientHolding")
        .withArgs(1, ids.manufacturer, 101, 100);
      await expect(asManufacturer.ship(1, stranger.address, 1))
        .to.be.revertedWithCustomError(supply, "SupplyReceiverNotActive")
        .withArgs(stranger.address, 0);
      await participants.connect(registrar).suspend(ids.pharmacy, code("audit"));
      await expect(asManufacturer.ship(1, pharmacy.address, 1))
        .to.be.revertedWithCustomError(supply, "SupplyReceiverNotActive")
        .withArgs(pharmacy.address, 2);
      await asManufacturer.ship(1, distributor.address, 10);
      await expect(supply.connect(stranger).accept(1)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsNotActive",
      );
      await expect(asManufacturer.accept(1))
        .to.be.revertedWithCustomError(supply, "SupplyNotReceiver")
        .withArgs(1, ids.manufacturer);
      await supply.connect(distributor).accept(1);
      await expect(supply.connect(distributor).accept(1))
        .to.be.revertedWithCustomError(supply, "SupplyNotInTransit")
        .withArgs(1, ShipmentStatus.Accepted);
      await expect(supply.connect(distributor).accept(9))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownShipment")
        .withArgs(9);
      expect(await supply.holdingOf(1, ids.manufacturer)).to.deep.equal([90n, 0n]);
    });
  });

  describe("devices and the cold chain", function () {
    it("records signed readings; one out of range quarantines the shipment's goods until a regulator acts", async function () {
      const { supply, asManufacturer, distributor, regulator, manufacturer, reading, device, ids } =
        await loadFixture(supplyFixture);
      await asManufacturer.ship(1, distributor.address, 50);
      const ok = await reading(1, 450, 4000, 1);
      const hot = await reading(1, 1200, 4000, 2);
      await expect(supply.submitReadings([ok.r, hot.r], [ok.signature, hot.signature]))
        .to.emit(supply, "ReadingRecorded")
        .withArgs(1, device.address, 1, 450, 4000, ok.r.timestamp)
        .and.to.emit(supply, "Excursion")
        .withArgs(1, 1, device.address, 1200, 4000);
      expect((await supply.getShipment(1)).quarantined).to.equal(true);
      await supply.connect(distributor).accept(1);
      expect(await supply.holdingOf(1, ids.distributor)).to.deep.equal([0n, 50n]);
      expect((await supply.getDevice(device.address)).lastSequence).to.equal(2n);
      await expect(supply.connect(distributor).resolveQuarantine(1, ids.distributor, 10, false))
        .to.be.revertedWithCustomError(supply, "SupplyNotManufacturerOrRegulator")
        .withArgs(1, distributor.address);
      await expect(supply.connect(regulator).resolveQuarantine(1, ids.distributor, 40, false))
        .to.emit(supply, "QuarantineResolved")
        .withArgs(1, ids.distributor, 40, false, regulator.address);
      await supply.connect(manufacturer).resolveQuarantine(1, ids.distributor, 10, true);
      expect(await supply.holdingOf(1, ids.distributor)).to.deep.equal([40n, 0n]);
      const b = await supply.getBatch(1);
      expect([b.destroyed, b.excursions]).to.deep.equal([10n, 1n]);
      await expect(supply.connect(regulator).resolveQuarantine(1, ids.distributor, 1, true))
        .to.be.revertedWithCustomError(supply, "SupplyInsufficientQuarantined")
        .withArgs(1, ids.distributor, 1, 0);
    });

    it("refuses unknown and revoked devices, replays, out-of-order and future readings, forged signatures", async function () {
      const { supply, asManufacturer, distributor, deployer, reading, device, domain } =
        await loadFixture(supplyFixture);
      await asManufacturer.ship(1, distributor.address, 50);
      const first = await reading(1, 450, 4000, 5);
      await supply.submitReadings([first.r], [first.signature]);
      await expect(supply.submitReadings([first.r], [first.signature]))
        .to.be.revertedWithCustomError(supply, "SupplyStaleSequence")
        .withArgs(device.address, 5, 5);
      const older = await reading(1, 450, 4000, 4);
      await expect(supply.submitReadings([older.r], [older.signature]))
        .to.be.revertedWithCustomError(supply, "SupplyStaleSequence")
        .withArgs(device.address, 4, 5);
      const future = await reading(1, 450, 4000, 6);
      const futureR = { ...future.r, timestamp: future.r.timestamp + 3600n };
      await expect(
        supply.submitReadings(
          [futureR],
          [compactSignature(await device.signTypedData(domain, READING_TYPES, futureR))],
        ),
      ).to.be.revertedWithCustomError(supply, "SupplyReadingInFuture");
      const stranger = new hre.ethers.Wallet(hre.ethers.id("unregistered"));
      const unknown = await reading(1, 450, 4000, 1, stranger);
      await expect(supply.submitReadings([unknown.r], [unknown.signature]))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownDevice")
        .withArgs(stranger.address);
      const forged = await reading(1, 450, 4000, 7);
      await expect(
        supply.submitReadings(
          [forged.r],
          [compactSignature(await stranger.signTypedData(domain, READING_TYPES, forged.r))],
        ),
      )
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingSignature")
        .withArgs(device.address, 7);
      const otherContract = { ...domain, verifyingContract: await distributor.getAddress() };
      await expect(
        supply.submitReadings(
          [forged.r],
          [compactSignature(await device.signTypedData(otherContract, READING_TYPES, forged.r))],
        ),
      ).to.be.revertedWithCustomError(supply, "SupplyInvalidReadingSignature");
      await expect(supply.submitReadings([forged.r], []))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingBatch")
        .withArgs(1, 0);
      await expect(supply.connect(deployer).revokeDevice(device.address)).to.be.reverted;
      await expect(supply.connect(distributor).revokeDevice(device.address))
        .to.emit(supply, "DeviceRevoked")
        .withArgs(device.address, distributor.address);
      await expect(supply.submitReadings([forged.r], [forged.signature])).to.be.revertedWithCustomError(
        supply,
        "SupplyUnknownDevice",
      );
      expect((await supply.getDevice(device.address)).lastSequence).to.equal(5n);
    });

    it("records a calibration change as a new registration, by the owner only; governance can revoke", async function () {
      const { supply, distributor, manufacturer, deployer, device, ids } = await loadFixture(supplyFixture);
      await expect(supply.connect(distributor).registerDevice(device.address, 3, hre.ethers.id("calibration v2")))
        .to.emit(supply, "DeviceRegistered")
        .withArgs(device.address, ids.distributor, 3, hre.ethers.id("calibration v2"));
      await expect(supply.connect(manufacturer).registerDevice(device.address, 3, hre.ethers.id("mine")))
        .to.be.revertedWithCustomError(supply, "SupplyNotDeviceOwner")
        .withArgs(device.address, ids.distributor);
      await expect(supply.connect(manufacturer).revokeDevice(device.address))
        .to.be.revertedWithCustomError(supply, "SupplyNotDeviceOwner")
        .withArgs(device.address, ids.distributor);
      await expect(supply.connect(distributor).revokeDeviceByGovernance(device.address)).to.be.revertedWithCustomError(
        supply,
        "AccessManagedUnauthorized",
      );
      await supply.connect(deployer).revokeDeviceByGovernance(device.address);
      expect((await supply.getDevice(device.address)).active).to.equal(false);
    });

    it("keeps a governance revocation: the owner cannot bring the revoked key back, even with a new calibration", async function () {
      const { supply, distributor, deployer, device } = await loadFixture(supplyFixture);
      const before = await supply.getDevice(device.address);
      await supply.connect(deployer).revokeDeviceByGovernance(device.address);
      for (const calibration of [before.calibrationHash, hre.ethers.id("recalibrated")]) {
        await expect(supply.connect(distributor).registerDevice(device.address, 3, calibration))
          .to.be.revertedWithCustomError(supply, "SupplyDeviceBanned")
          .withArgs(device.address);
      }
      expect((await supply.getDevice(device.address)).active).to.equal(false);
      expect((await supply.getDevice(device.address)).banned).to.equal(true);
      // A new key, registered by its owner, works: the ban is on the compromised key, not on the owner.
      const fresh = hre.ethers.Wallet.createRandom().address;
      await expect(supply.connect(distributor).registerDevice(fresh, 3, hre.ethers.id("new logger"))).to.emit(
        supply,
        "DeviceRegistered",
      );
      // The owner's own revocation, by contrast, is the owner's to undo.
      await supply.connect(distributor).revokeDevice(fresh);
      await expect(supply.connect(distributor).registerDevice(fresh, 3, hre.ethers.id("new logger"))).to.emit(
        supply,
        "DeviceRegistered",
      );
    });
  });

  describe("dispensing and verification", function () {
    it("dispenses a genuine unit once; the second time raises a counterfeit alert and changes nothing", async function () {
      const { supply, pharmacy, serials, ids } = await loadFixture(stockedFixture);
      const serial = serials.serialOf("SN-0007");
      const proof = serials.proofOf("SN-0007");
      const index = serials.indexOf("SN-0007");
      // Without a prescription the event names no patient (id 0).
      await expect(supply.connect(pharmacy).dispense(1, index, serial, proof, 0))
        .to.emit(supply, "Dispensed")
        .withArgs(1, serial, ids.pharmacy, 0, 0);
      expect(await supply.holdingOf(1, ids.pharmacy)).to.deep.equal([29n, 0n]);
      const v = await supply.verify(1, index, serial, proof);
      expect([v.genuine, v.dispensed, v.recalled]).to.deep.equal([true, true, false]);
      expect(await supply.connect(pharmacy).dispense.staticCall(1, index, serial, proof, 0)).to.equal(false);
      await expect(supply.connect(pharmacy).dispense(1, index, serial, proof, 0))
        .to.emit(supply, "CounterfeitAlert")
        .withArgs(1, serial, ids.pharmacy);
      expect(await supply.holdingOf(1, ids.pharmacy)).to.deep.equal([29n, 0n]);
      expect(await supply.dispensedCount(1, ids.pharmacy)).to.equal(1n);
      await expectConserved(supply, 1n, holders(ids));
    });

    it("answers anyone's check of a unit, genuine or not", async function () {
      const { supply, serials } = await loadFixture(stockedFixture);
      const fake = hre.ethers.id("SN-9999");
      const v = await supply.verify(1, 0, fake, serials.proofOf("SN-0001"));
      expect([v.genuine, v.dispensed]).to.deep.equal([false, false]);
      const real = await supply.verify(1, 1, serials.serialOf("SN-0002"), serials.proofOf("SN-0002"));
      expect((await supply.verify(1, 2, serials.serialOf("SN-0002"), serials.proofOf("SN-0002"))).genuine).to.equal(
        false,
      );
      expect([real.genuine, real.gtin, real.expired]).to.deep.equal([true, 8806469001234n, false]);
    });

    it("refuses a wrong proof, a non-pharmacy, a pharmacy without stock, quarantined, recalled or expired goods", async function () {
      const {
        supply,
        participants,
        pharmacy,
        hospital,
        regulator,
        serials,
        ids,
        input,
        asManufacturer,
        distributor,
        reading,
      } = await loadFixture(stockedFixture);
      const s = serials.serialOf("SN-0010");
      await expect(supply.connect(pharmacy).dispense(1, 9, s, serials.proofOf("SN-0011"), 0))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidSerial")
        .withArgs(1, s);
      await expect(
        supply.connect(hospital).dispense(1, 9, s, serials.proofOf("SN-0010"), 0),
      ).to.be.revertedWithCustomError(participants, "ParticipantsWrongKind");
      // A second batch, quarantined on its way to the pharmacy.
      await asManufacturer.registerBatch(input({ lot: code("LOT-B") }));
      await asManufacturer.ship(2, pharmacy.address, 5);
      const hot = await reading(3, 1500, 4000, 1);
      await supply.submitReadings([hot.r], [hot.signature]);
      await supply.connect(pharmacy).accept(3);
      await expect(supply.connect(pharmacy).dispense(2, 9, s, serials.proofOf("SN-0010"), 0))
        .to.be.revertedWithCustomError(supply, "SupplyQuarantined")
        .withArgs(2, ids.pharmacy);
      // A third batch the pharmacy never received.
      await asManufacturer.registerBatch(input({ lot: code("LOT-C") }));
      await expect(supply.connect(pharmacy).dispense(3, 9, s, serials.proofOf("SN-0010"), 0))
        .to.be.revertedWithCustomError(supply, "SupplyInsufficientHolding")
        .withArgs(3, ids.pharmacy, 1, 0);
      await supply.connect(regulator).recall(1, code("CONTAMINATION"));
      await expect(supply.connect(pharmacy).dispense(1, 9, s, serials.proofOf("SN-0010"), 0))
        .to.be.revertedWithCustomError(supply, "SupplyRecalled")
        .withArgs(1);
      const expiry = (await supply.getBatch(3)).expiresAt;
      await time.increaseTo(expiry);
      await expect(supply.connect(pharmacy).dispense(3, 9, s, serials.proofOf("SN-0010"), 0))
        .to.be.revertedWithCustomError(supply, "SupplyExpired")
        .withArgs(3, expiry);
      void distributor;
    });

    it("checks a named prescription: a prescription, readable by the pharmacy, and dispenses to its patient", async function () {
      const { supply, participants, records, consent, hospital, pharmacy, patientA, patientB, serials, ids } =
        await loadFixture(stockedFixture);
      await records.connect(hospital).register({
        patientId: ids.patientA,
        digest: hre.ethers.id("rx"),
        recordType: RECORD_TYPES.prescription,
        issuedAt: await time.latest(),
        uri: "ipfs://rx",
      });
      const s = serials.serialOf("SN-0020");
      const proof = serials.proofOf("SN-0020");
      const grantPrescriptions = async (patient: HardhatEthersSigner, patientId: bigint) =>
        asPatient(participants, patient, patientId, consent, "grant", [
          {
            patientId,
            grantee: pharmacy.address,
            purpose: PURPOSES.treatment,
            scopeKind: SCOPES.recordType,
            scope: [RECORD_TYPES.prescription],
            expiresAt: (await time.latest()) + DAY,
          },
        ]);
      await expect(supply.connect(pharmacy).dispense(1, 19, s, proof, 1))
        .to.be.revertedWithCustomError(supply, "SupplyNoPrescriptionConsent")
        .withArgs(1, pharmacy.address);
      // Another patient's consent does not open patient A's prescription.
      await grantPrescriptions(patientB, ids.patientB);
      await expect(supply.connect(pharmacy).dispense(1, 19, s, proof, 1))
        .to.be.revertedWithCustomError(supply, "SupplyNoPrescriptionConsent")
        .withArgs(1, pharmacy.address);
      expect((await supply.verify(1, 19, s, proof)).dispensed).to.equal(false);
      await grantPrescriptions(patientA, ids.patientA);
      // The event names the prescription's patient, by id: the pharmacy names nobody itself.
      await expect(supply.connect(pharmacy).dispense(1, 19, s, proof, 1))
        .to.emit(supply, "Dispensed")
        .withArgs(1, s, ids.pharmacy, ids.patientA, 1);
      expect((await supply.verify(1, 19, s, proof)).dispensed).to.equal(true);
      expect(await supply.dispensedCount(1, ids.pharmacy)).to.equal(1n);
    });
  });

  describe("recalls", function () {
    it("lets the manufacturer or a regulator recall; nothing ships or is dispensed; holders are named", async function () {
      const { supply, asManufacturer, manufacturer, distributor, pharmacy, hospital, regulator, ids, serials } =
        await loadFixture(stockedFixture);
      await expect(supply.connect(distributor).recall(1, code("x")))
        .to.be.revertedWithCustomError(supply, "SupplyNotManufacturerOrRegulator")
        .withArgs(1, distributor.address);
      await expect(supply.connect(regulator).noticeHolders(1, [ids.manufacturer]))
        .to.be.revertedWithCustomError(supply, "SupplyNotRecalled")
        .withArgs(1);
      await expect(asManufacturer.recall(1, code("CONTAMINATION")))
        .to.emit(supply, "BatchRecalled")
        .withArgs(1, code("CONTAMINATION"), manufacturer.address);
      await expect(supply.connect(regulator).recall(1, code("again")))
        .to.be.revertedWithCustomError(supply, "SupplyRecalled")
        .withArgs(1);
      await expect(supply.connect(distributor).ship(1, hospital.address, 1))
        .to.be.revertedWithCustomError(supply, "SupplyRecalled")
        .withArgs(1);
      await expect(
        supply.connect(regulator).noticeHolders(1, [ids.manufacturer, ids.distributor, ids.pharmacy, ids.hospital]),
      )
        .to.emit(supply, "RecallNotice")
        .withArgs(1, ids.pharmacy, 30, 0);
      expect((await supply.verify(1, 0, serials.serialOf("SN-0001"), serials.proofOf("SN-0001"))).recalled).to.equal(
        true,
      );
      void pharmacy;
    });
    it("withdraws a recall only through governance after its public delay; the batch's history keeps both", async function () {
      const { supply, participants, manager, deployer, manufacturer, distributor, regulator, hospital, serials } =
        await loadFixture(stockedFixture);
      await supply.connect(regulator).recall(1, code("STERILITY"));
      const { recalledAt } = await supply.getBatch(1);
      expect(recalledAt).to.equal(BigInt(await time.latest()));
      for (const caller of [regulator, manufacturer, distributor]) {
        await expect(supply.connect(caller).withdrawRecall(1, recalledAt, code("x")))
          .to.be.revertedWithCustomError(supply, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
      // The governor's own key, undelayed, is refused too: only schedule + delay + execute works.
      await expect(supply.connect(deployer).withdrawRecall(1, recalledAt, code("x"))).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotScheduled",
      );
      const data = supply.interface.encodeFunctionData("withdrawRecall", [1, recalledAt, code("TEST-CLEARED")]);
      await manager.connect(deployer).schedule(await supply.getAddress(), data, 0);
      await expect(manager.connect(deployer).execute(await supply.getAddress(), data)).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotReady",
      );
      expect((await supply.getBatch(1)).status).to.equal(2n); // Recalled
      await time.increase(DAY);
      // The governor's delay has passed, the notice period since the recall (the onboarding delay) not yet.
      const withdrawableAt = recalledAt + (await participants.onboardingDelay());
      await expect(manager.connect(deployer).execute(await supply.getAddress(), data))
        .to.be.revertedWithCustomError(supply, "SupplyRecallTooRecent")
        .withArgs(1, recalledAt, withdrawableAt);
      await time.increaseTo(withdrawableAt);
      await expect(manager.connect(deployer).execute(await supply.getAddress(), data))
        .to.emit(supply, "RecallWithdrawn")
        .withArgs(1, code("TEST-CLEARED"));
      expect((await supply.getBatch(1)).status).to.equal(1n); // Active
      expect((await supply.getBatch(1)).recalledAt).to.equal(0n);
      expect((await supply.verify(1, 0, serials.serialOf("SN-0001"), serials.proofOf("SN-0001"))).recalled).to.equal(
        false,
      );
      await expect(supply.connect(distributor).ship(1, hospital.address, 1)).to.emit(supply, "Shipped");
      const recalled = await supply.queryFilter(supply.filters.BatchRecalled(1));
      const withdrawn = await supply.queryFilter(supply.filters.RecallWithdrawn(1));
      expect([recalled.length, withdrawn.length]).to.deep.equal([1, 1]);
      expect(withdrawn[0].blockNumber).to.be.greaterThan(recalled[0].blockNumber);
    });

    it("refuses to withdraw a recall of a batch that is not recalled, or of no batch", async function () {
      const { supply, manager, deployer } = await loadFixture(stockedFixture);
      const notRecalled = supply.interface.encodeFunctionData("withdrawRecall", [1, 0, code("x")]);
      await expect(governorCall(manager, deployer, supply, notRecalled))
        .to.be.revertedWithCustomError(supply, "SupplyNotRecalled")
        .withArgs(1);
      const unknown = supply.interface.encodeFunctionData("withdrawRecall", [99, 0, code("x")]);
      await expect(governorCall(manager, deployer, supply, unknown))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownBatch")
        .withArgs(99);
      expect((await supply.getBatch(1)).status).to.equal(1n);
    });

    it("refuses a withdrawal armed before the recall it would undo: the delay runs after the recall", async function () {
      const { supply, manager, deployer, regulator } = await loadFixture(stockedFixture);
      // A captured governor key schedules a withdrawal while nothing is recalled, guessing the recall's time.
      const guess = BigInt((await time.latest()) + 60);
      const armed = supply.interface.encodeFunctionData("withdrawRecall", [1, guess, code("x")]);
      await manager.connect(deployer).schedule(await supply.getAddress(), armed, 0);
      await time.increase(DAY);
      await supply.connect(regulator).recall(1, code("STERILITY"));
      const { recalledAt } = await supply.getBatch(1);
      await expect(manager.connect(deployer).execute(await supply.getAddress(), armed))
        .to.be.revertedWithCustomError(supply, "SupplyRecallMismatch")
        .withArgs(1, guess, recalledAt);
      expect((await supply.getBatch(1)).status).to.equal(2n); // still Recalled
    });

    it("holds a withdrawal armed for the recall's exact time for the notice period after the recall", async function () {
      const { supply, participants, manager, deployer, regulator } = await loadFixture(stockedFixture);
      // 12-second slots make a recall's block time guessable: the governor arms for it, and the recall lands there.
      const at = (await time.latest()) + 2 * DAY;
      const armed = supply.interface.encodeFunctionData("withdrawRecall", [1, at, code("x")]);
      await manager.connect(deployer).schedule(await supply.getAddress(), armed, 0);
      await time.setNextBlockTimestamp(at);
      await supply.connect(regulator).recall(1, code("STERILITY"));
      const withdrawableAt = BigInt(at) + (await participants.onboardingDelay());
      await expect(manager.connect(deployer).execute(await supply.getAddress(), armed))
        .to.be.revertedWithCustomError(supply, "SupplyRecallTooRecent")
        .withArgs(1, at, withdrawableAt);
      expect((await supply.getBatch(1)).status).to.equal(2n); // still Recalled, for the guardian to cancel meanwhile
    });
  });

  describe("more refusals", function () {
    it("refuses unusable ranges, empty shipments, device registrations and reading batches", async function () {
      const { supply, asManufacturer, distributor, input, reading, device, ids } = await loadFixture(supplyFixture);
      await expect(asManufacturer.registerBatch(input({ lot: code("t"), tempMin: 900 })))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidTemperatureRange")
        .withArgs(900, 800);
      await expect(asManufacturer.registerBatch(input({ lot: code("h"), humidityMin: 7000 })))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidHumidityRange")
        .withArgs(7000, 6000);
      await expect(asManufacturer.ship(1, distributor.address, 0)).to.be.revertedWithCustomError(
        supply,
        "SupplyZeroQuantity",
      );
      expect(await supply.holdingOf(1, ids.manufacturer)).to.deep.equal([100n, 0n]);
      await expect(asManufacturer.ship(7, distributor.address, 1))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownBatch")
        .withArgs(7);
      await expect(
        supply.connect(distributor).registerDevice(hre.ethers.ZeroAddress, 1, hre.ethers.id("c")),
      ).to.be.revertedWithCustomError(supply, "SupplyZeroDevice");
      const other = hre.ethers.Wallet.createRandom().address;
      await expect(supply.connect(distributor).registerDevice(other, 1, hre.ethers.ZeroHash))
        .to.be.revertedWithCustomError(supply, "SupplyEmptyCalibration")
        .withArgs(other);
      await expect(supply.connect(distributor).revokeDevice(other)).to.be.revertedWithCustomError(
        supply,
        "SupplyUnknownDevice",
      );
      await expect(supply.submitReadings([], []))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingBatch")
        .withArgs(0, 0);
      const one = await reading(1, 500, 4000, 1);
      const tooMany = Array.from({ length: 201 }, () => one.r);
      await expect(
        supply.submitReadings(
          tooMany,
          Array.from({ length: 201 }, () => one.signature),
        ),
      )
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingBatch")
        .withArgs(201, 201);
      await expect(supply.submitReadings([one.r], [one.signature]))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownShipment")
        .withArgs(1);
      await expect(supply.getShipment(1)).to.be.revertedWithCustomError(supply, "SupplyUnknownShipment").withArgs(1);
      await expect(supply.getBatch(9)).to.be.revertedWithCustomError(supply, "SupplyUnknownBatch").withArgs(9);
      expect((await supply.getDevice(device.address)).lastSequence).to.equal(0n);
    });

    it("quarantines on low temperature and humidity too, refuses readings for delivered goods, skips holders with nothing", async function () {
      const { supply, asManufacturer, distributor, regulator, manufacturer, reading, ids } =
        await loadFixture(supplyFixture);
      await asManufacturer.ship(1, distributor.address, 10);
      await asManufacturer.ship(1, distributor.address, 10);
      const cold = await reading(1, 100, 4000, 1);
      const dry = await reading(2, 500, 500, 2);
      await supply.submitReadings([cold.r, dry.r], [cold.signature, dry.signature]);
      expect((await supply.getShipment(1)).quarantined).to.equal(true);
      expect((await supply.getShipment(2)).quarantined).to.equal(true);
      await supply.connect(distributor).accept(1);
      const late = await reading(1, 500, 4000, 3);
      await expect(supply.submitReadings([late.r], [late.signature]))
        .to.be.revertedWithCustomError(supply, "SupplyNotInTransit")
        .withArgs(1, ShipmentStatus.Accepted);
      await expect(
        supply.connect(regulator).resolveQuarantine(1, ids.distributor, 0, false),
      ).to.be.revertedWithCustomError(supply, "SupplyZeroQuantity");
      await supply.connect(manufacturer).recall(1, code("x"));
      const tx = await supply.noticeHolders(1, [ids.pharmacy, ids.distributor]);
      const receipt = await tx.wait();
      const notices = receipt!.logs.filter((l) => supply.interface.parseLog(l)?.name === "RecallNotice");
      expect(notices).to.have.length(1);
    });

    it("refuses a record that is not a prescription, and a recall by another manufacturer", async function () {
      const {
        supply,
        participants,
        registrar,
        records,
        consent,
        hospital,
        pharmacy,
        patientA,
        serials,
        stranger,
        ids,
      } = await loadFixture(stockedFixture);
      await records.connect(hospital).register({
        patientId: ids.patientA,
        digest: hre.ethers.id("lab"),
        recordType: RECORD_TYPES["lab-result"],
        issuedAt: await time.latest(),
        uri: "ipfs://lab",
      });
      await asPatient(participants, patientA, ids.patientA, consent, "grant", [
        {
          patientId: ids.patientA,
          grantee: pharmacy.address,
          purpose: PURPOSES.treatment,
          scopeKind: SCOPES.allRecords,
          scope: [],
          expiresAt: (await time.latest()) + DAY,
        },
      ]);
      const s = "SN-0030";
      await expect(supply.connect(pharmacy).dispense(1, serials.indexOf(s), serials.serialOf(s), serials.proofOf(s), 1))
        .to.be.revertedWithCustomError(supply, "SupplyRecordNotPrescription")
        .withArgs(1, RECORD_TYPES["lab-result"]);
      await onboard(participants, registrar, { account: stranger, kind: "manufacturer", name: "Rival Pharma" });
      await expect(supply.connect(stranger).recall(1, code("x")))
        .to.be.revertedWithCustomError(supply, "SupplyNotManufacturerOrRegulator")
        .withArgs(1, stranger.address);
    });
  });

  describe("one error per wrong thing, and nothing changed", function () {
    it("refuses a batch without a serial root, or with an inverted temperature or humidity range", async function () {
      const { supply, asManufacturer, input } = await loadFixture(supplyFixture);
      await expect(
        asManufacturer.registerBatch(input({ lot: code("r"), serialRoot: hre.ethers.ZeroHash })),
      ).to.be.revertedWithCustomError(supply, "SupplyZeroSerialRoot");
      await expect(asManufacturer.registerBatch(input({ lot: code("t"), tempMin: 801 })))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidTemperatureRange")
        .withArgs(801, 800);
      await expect(asManufacturer.registerBatch(input({ lot: code("h"), humidityMax: 999 })))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidHumidityRange")
        .withArgs(1000, 999);
      expect(await supply.batchCount()).to.equal(1n);
    });

    it("refuses shipping or resolving zero units with SupplyZeroQuantity", async function () {
      const { supply, asManufacturer, distributor, regulator, reading, ids } = await loadFixture(supplyFixture);
      await expect(asManufacturer.ship(1, distributor.address, 0)).to.be.revertedWithCustomError(
        supply,
        "SupplyZeroQuantity",
      );
      await asManufacturer.ship(1, distributor.address, 10);
      const hot = await reading(1, 1200, 4000, 1);
      await supply.submitReadings([hot.r], [hot.signature]);
      await supply.connect(distributor).accept(1);
      await expect(
        supply.connect(regulator).resolveQuarantine(1, ids.distributor, 0, true),
      ).to.be.revertedWithCustomError(supply, "SupplyZeroQuantity");
      expect(await supply.holdingOf(1, ids.manufacturer)).to.deep.equal([90n, 0n]);
      expect(await supply.holdingOf(1, ids.distributor)).to.deep.equal([0n, 10n]);
      expect(await supply.batchCount()).to.equal(1n);
    });

    it("refuses releasing more than is quarantined with SupplyInsufficientQuarantined, whatever is available", async function () {
      const { supply, asManufacturer, distributor, regulator, reading, ids } = await loadFixture(supplyFixture);
      await asManufacturer.ship(1, distributor.address, 10);
      const hot = await reading(1, 1200, 4000, 1);
      await supply.submitReadings([hot.r], [hot.signature]);
      await supply.connect(distributor).accept(1);
      await asManufacturer.ship(1, distributor.address, 20);
      await supply.connect(distributor).accept(2);
      await expect(supply.connect(regulator).resolveQuarantine(1, ids.distributor, 11, false))
        .to.be.revertedWithCustomError(supply, "SupplyInsufficientQuarantined")
        .withArgs(1, ids.distributor, 11, 10);
      expect(await supply.holdingOf(1, ids.distributor)).to.deep.equal([20n, 10n]);
      expect((await supply.getBatch(1)).destroyed).to.equal(0n);
    });

    it("refuses registering the zero address, or a device without calibration, keeping the devices as they were", async function () {
      const { supply, distributor, device } = await loadFixture(supplyFixture);
      const before = await supply.getDevice(device.address);
      await expect(
        supply.connect(distributor).registerDevice(hre.ethers.ZeroAddress, 3, hre.ethers.id("c")),
      ).to.be.revertedWithCustomError(supply, "SupplyZeroDevice");
      await expect(supply.connect(distributor).registerDevice(device.address, 3, hre.ethers.ZeroHash))
        .to.be.revertedWithCustomError(supply, "SupplyEmptyCalibration")
        .withArgs(device.address);
      expect(await supply.getDevice(device.address)).to.deep.equal(before);
      expect((await supply.getDevice(hre.ethers.ZeroAddress)).ownerId).to.equal(0n);
    });

    it("refuses a recall by a suspended regulator with ParticipantsNotActive, by a distributor with SupplyNotManufacturerOrRegulator", async function () {
      const { supply, participants, registrar, distributor, regulator, ids } = await loadFixture(stockedFixture);
      await expect(supply.connect(distributor).recall(1, code("x")))
        .to.be.revertedWithCustomError(supply, "SupplyNotManufacturerOrRegulator")
        .withArgs(1, distributor.address);
      await participants.connect(registrar).suspend(ids.regulator, code("audit"));
      await expect(supply.connect(regulator).recall(1, code("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(regulator.address, 2);
      expect((await supply.getBatch(1)).status).to.equal(1n);
    });

    it("refuses notices for a batch that is not recalled with SupplyNotRecalled", async function () {
      const { supply, regulator, ids } = await loadFixture(stockedFixture);
      await expect(supply.connect(regulator).noticeHolders(1, [ids.distributor, ids.pharmacy]))
        .to.be.revertedWithCustomError(supply, "SupplyNotRecalled")
        .withArgs(1);
      expect((await supply.getBatch(1)).status).to.equal(1n);
    });

    it("refuses a prescription the pharmacy may not read, or a record that is not a prescription, each by name", async function () {
      const { supply, participants, records, consent, hospital, pharmacy, patientA, serials, ids } =
        await loadFixture(stockedFixture);
      const now = await time.latest();
      const rx = (text: string, recordType: number) =>
        records.connect(hospital).register({
          patientId: ids.patientA,
          digest: hre.ethers.id(text),
          recordType,
          issuedAt: now,
          uri: `ipfs://${text}`,
        });
      await rx("rx", RECORD_TYPES.prescription);
      await rx("lab", RECORD_TYPES["lab-result"]);
      const unit = "SN-0040";
      const dispense = (recordId: number) =>
        supply
          .connect(pharmacy)
          .dispense(1, serials.indexOf(unit), serials.serialOf(unit), serials.proofOf(unit), recordId);
      await expect(dispense(1))
        .to.be.revertedWithCustomError(supply, "SupplyNoPrescriptionConsent")
        .withArgs(1, pharmacy.address);
      await asPatient(participants, patientA, ids.patientA, consent, "grant", [
        {
          patientId: ids.patientA,
          grantee: pharmacy.address,
          purpose: PURPOSES.treatment,
          scopeKind: SCOPES.allRecords,
          scope: [],
          expiresAt: (await time.latest()) + DAY,
        },
      ]);
      await expect(dispense(2))
        .to.be.revertedWithCustomError(supply, "SupplyRecordNotPrescription")
        .withArgs(2, RECORD_TYPES["lab-result"]);
      expect(await supply.holdingOf(1, ids.pharmacy)).to.deep.equal([30n, 0n]);
      expect(await supply.dispensedCount(1, ids.pharmacy)).to.equal(0n);
      expect(
        (await supply.verify(1, serials.indexOf(unit), serials.serialOf(unit), serials.proofOf(unit))).dispensed,
      ).to.equal(false);
    });
  });
});
