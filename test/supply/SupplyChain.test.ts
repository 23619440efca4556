import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { Wallet, type FunctionFragment, type Interface, type ParamType } from "ethers";

import { ADVERSE_EVENT_REPORT_TYPES, INTAKE_TYPES, compactSignature } from "../../config/eip712";
import { KINDS } from "../../config/roles";
import { buildSerialTree } from "../../packages/sdk/src/serials";
import { governorCall } from "../helpers/governance";
import {
  DAY,
  GTIN,
  LOT,
  OTC,
  Reporter,
  SALT,
  SERIALS,
  ShipmentStatus,
  allowanceKey,
  code,
  prescriptionKey,
  productCommitment,
  childId,
  stockedFixture,
  supplyFixture,
  unitsAccounted,
} from "../helpers/supply";

/** A zero value of an ABI parameter, to call a function with arguments that do not matter. */
function zeroOf(p: ParamType): unknown {
  if (p.isTuple()) return p.components.map(zeroOf);
  if (p.isArray()) return [];
  if (p.type === "address") return hre.ethers.ZeroAddress;
  if (p.type === "bool") return false;
  if (p.type === "string") return "";
  if (p.type.startsWith("bytes")) return hre.ethers.zeroPadBytes("0x", Number(p.type.slice(5)));
  return 0;
}
/** Batch 1's origin (a batch's origin shipment has the batch's id). */
const ORIGIN = 1n;
const HOT = 5_000; // 50 °C, in hundredths of a degree
const OK = 500;
const DRY = 3_000;

describe("SupplyChain", function () {
  afterEach("every unit of batch 1 is in a shipment, dispensed or destroyed", async function () {
    const supply = lastSupply;
    if (supply === undefined) return;
    const u = await unitsAccounted(supply, 1n);
    expect(u.inShipments + u.dispensed + u.destroyed).to.equal(u.quantity);
  });
  let lastSupply: Awaited<ReturnType<typeof supplyFixture>>["supply"] | undefined;
  const load = async <T extends { supply: Awaited<ReturnType<typeof supplyFixture>>["supply"] }>(
    fixture: () => Promise<T>,
  ) => {
    const suite = await loadFixture(fixture);
    lastSupply = suite.supply;
    return suite;
  };

  /** The hospital's prescription for the GTIN: 2 units per fill, 2 fills, 30 days apart, valid 90 days. */
  async function prescribedFixture() {
    const suite = await stockedFixture();
    const key = prescriptionKey("prescription of patient A");
    await suite.supply
      .connect(suite.hospital)
      .setAllowance(key.address, productCommitment(GTIN, SALT), 2, 2, (await time.latest()) + 90 * DAY, 30 * DAY);
    return { ...suite, key, allowance: allowanceKey(suite.ids.hospital, key.address) };
  }

  describe("batches: only the GTIN's owner registers them", function () {
    it("registers a batch of the manufacturer's own GTIN, its units at an origin shipment it holds", async function () {
      const { supply, ids, serials } = await load(supplyFixture);
      const b = await supply.getBatch(1);
      expect([b.manufacturerId, b.gtin, b.quantity, b.serialRoot, b.status]).to.deep.equal([
        ids.manufacturer,
        GTIN,
        100n,
        serials.root,
        1n,
      ]);
      const origin = await supply.getShipment(ORIGIN);
      expect([origin.status, origin.remaining, origin.fromId, origin.toId]).to.deep.equal([
        BigInt(ShipmentStatus.Origin),
        100n,
        ids.manufacturer,
        ids.manufacturer,
      ]);
      expect(await supply.holderOf(ORIGIN)).to.equal(ids.manufacturer);
      expect(await supply.batchOfLot(GTIN, LOT)).to.equal(1n);
      expect(await supply.messagesOf(1)).to.deep.equal(["Keep refrigerated (2-8 °C). Do not freeze.", ""]);
    });

    it("refuses a batch of a GTIN owned by someone else, or not registered, and keeps every batch as it was", async function () {
      const { supply, participants, rival, distributor, input, ids } = await load(supplyFixture);
      // The rival registers "the same GTIN and serial root under a new lot": it does not own the GTIN.
      await expect(supply.connect(rival).registerBatch(input({ lot: code("RIVAL-1") })))
        .to.be.revertedWithCustomError(supply, "SupplyNotProductOwner")
        .withArgs(GTIN, ids.rival, ids.manufacturer);
      await expect(supply.connect(rival).registerBatch(input({ gtin: 8806469009996n })))
        .to.be.revertedWithCustomError(supply, "SupplyNotProductOwner")
        .withArgs(8806469009996n, ids.rival, 0);
      await expect(supply.connect(distributor).registerBatch(input({ lot: code("x") })))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(distributor.address, KINDS.distributor, 1n << BigInt(KINDS.manufacturer));
      expect(await supply.batchCount()).to.equal(1n);
      expect(await supply.batchOfLot(GTIN, code("RIVAL-1"))).to.equal(0n);
    });

    it("refuses zero units, bad dates, no serial root, inverted ranges, a long message and a duplicate lot", async function () {
      const { supply, asManufacturer, input } = await load(supplyFixture);
      await expect(asManufacturer.registerBatch(input({ lot: code("z"), quantity: 0 }))).to.be.revertedWithCustomError(
        supply,
        "SupplyZeroQuantity",
      );
      const i = input({ lot: code("d") });
      await expect(asManufacturer.registerBatch({ ...i, expiresAt: i.manufacturedAt }))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidDates")
        .withArgs(i.manufacturedAt, i.manufacturedAt);
      await expect(
        asManufacturer.registerBatch(input({ lot: code("r"), serialRoot: hre.ethers.ZeroHash })),
      ).to.be.revertedWithCustomError(supply, "SupplyZeroSerialRoot");
      await expect(asManufacturer.registerBatch(input({ lot: code("t"), tempMin: 900 })))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidTemperatureRange")
        .withArgs(900, 800);
      await expect(asManufacturer.registerBatch(input({ lot: code("h"), humidityMin: 7000 })))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidHumidityRange")
        .withArgs(7000, 6000);
      await expect(asManufacturer.registerBatch(input({ lot: code("m"), message: "x".repeat(513) })))
        .to.be.revertedWithCustomError(supply, "SupplyMessageTooLong")
        .withArgs(513);
      await expect(asManufacturer.registerBatch(input()))
        .to.be.revertedWithCustomError(supply, "SupplyDuplicateLot")
        .withArgs(GTIN, LOT, 1);
      expect(await supply.batchCount()).to.equal(1n);
      await expect(supply.getBatch(2)).to.be.revertedWithCustomError(supply, "SupplyUnknownBatch").withArgs(2);
    });
  });

  describe("custody in shipments", function () {
    it("ships from what a holder holds, by receiver id; the receiver accepts; remaining units stay counted", async function () {
      const { supply, asManufacturer, distributor, pharmacy, ids } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      const b = childId(a, 0, 60);
      await expect(asManufacturer.ship(ORIGIN, ids.distributor, 60))
        .to.emit(supply, "Shipped")
        .withArgs(a, 1, ids.manufacturer, ORIGIN, 0, 100, ids.distributor, 60);
      expect(await supply.holderOf(a)).to.equal(0n); // in transit: nobody holds it
      await expect(supply.connect(distributor).accept(a))
        .to.emit(supply, "ShipmentAccepted")
        .withArgs(a, 1, ids.distributor, false);
      await supply.connect(distributor).ship(a, ids.pharmacy, 25);
      await supply.connect(pharmacy).accept(b);
      const [origin, second, third] = [
        await supply.getShipment(ORIGIN),
        await supply.getShipment(a),
        await supply.getShipment(b),
      ];
      expect([origin.remaining, second.remaining, third.remaining]).to.deep.equal([40n, 35n, 25n]);
      expect([second.status, second.endedAt]).to.deep.equal([
        BigInt(ShipmentStatus.Accepted),
        BigInt(await time.latest()) - 2n,
      ]);
      expect([await supply.holderOf(a), await supply.holderOf(b)]).to.deep.equal([ids.distributor, ids.pharmacy]);
    });

    it("refuses shipping what the caller does not hold, to nobody or itself, more than remains, or nothing", async function () {
      const { supply, asManufacturer, distributor, pharmacy, ids, first } = await load(stockedFixture);
      const c = childId(ORIGIN, 0, 40);
      // The pharmacy holds shipment 2, not 1 (the distributor's) nor the manufacturer's origin.
      for (const source of [ORIGIN, first]) {
        await expect(supply.connect(pharmacy).ship(source, ids.hospital, 1))
          .to.be.revertedWithCustomError(supply, "SupplyNotHolder")
          .withArgs(source, ids.pharmacy);
      }
      await asManufacturer.ship(ORIGIN, ids.distributor, 5); // c, in transit
      await expect(supply.connect(distributor).ship(c, ids.hospital, 1))
        .to.be.revertedWithCustomError(supply, "SupplyNotHolder")
        .withArgs(c, ids.distributor);
      for (const to of [0n, ids.distributor]) {
        await expect(supply.connect(distributor).ship(first, to, 1))
          .to.be.revertedWithCustomError(supply, "SupplyInvalidReceiver")
          .withArgs(to);
      }
      await expect(supply.connect(distributor).ship(first, ids.hospital, 31))
        .to.be.revertedWithCustomError(supply, "SupplyInsufficientUnits")
        .withArgs(first, 31, 30);
      await expect(supply.connect(distributor).ship(first, ids.hospital, 0)).to.be.revertedWithCustomError(
        supply,
        "SupplyZeroQuantity",
      );
      await expect(supply.connect(distributor).ship(99, ids.hospital, 1))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownShipment")
        .withArgs(99);
      expect((await supply.getShipment(first)).remaining).to.equal(30n);
      expect((await supply.queryFilter(supply.filters.Shipped(undefined, 1))).length).to.equal(3);
    });

    it("lets only the receiver accept or refuse, once; refused units go back into their source, under new ids", async function () {
      const { supply, asManufacturer, distributor, pharmacy, ids } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await expect(asManufacturer.ship(ORIGIN, ids.distributor, 10))
        .to.emit(supply, "Shipped")
        .withArgs(a, 1, ids.manufacturer, ORIGIN, 0, 100, ids.distributor, 10);
      await expect(supply.connect(pharmacy).accept(a))
        .to.be.revertedWithCustomError(supply, "SupplyNotReceiver")
        .withArgs(a, ids.pharmacy);
      await expect(supply.connect(pharmacy).refuse(ORIGIN, 0, 100))
        .to.be.revertedWithCustomError(supply, "SupplyNotReceiver")
        .withArgs(a, ids.pharmacy);
      // The shipment is named by its source and the source's units when it left: a wrong pair names nothing.
      await expect(supply.connect(distributor).refuse(ORIGIN, 0, 99))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownShipment")
        .withArgs(childId(ORIGIN, 0, 99));
      await expect(supply.connect(distributor).refuse(ORIGIN, 0, 100))
        .to.emit(supply, "ShipmentRefused")
        .withArgs(a, 1, ids.manufacturer, ORIGIN, 10);
      await expect(supply.connect(distributor).accept(a))
        .to.be.revertedWithCustomError(supply, "SupplyNotInTransit")
        .withArgs(a, ShipmentStatus.Returned);
      await expect(supply.connect(distributor).refuse(ORIGIN, 0, 100))
        .to.be.revertedWithCustomError(supply, "SupplyNotInTransit")
        .withArgs(a, ShipmentStatus.Returned);
      expect(await supply.holderOf(a)).to.equal(ids.manufacturer);
      const [origin, returned] = [await supply.getShipment(ORIGIN), await supply.getShipment(a)];
      expect([origin.quantity, origin.remaining, returned.quantity, returned.remaining]).to.deep.equal([
        100n,
        100n,
        10n,
        0n,
      ]);
      // The origin has 100 units left again, as when `a` left, and one return: the next shipment's id is its own.
      const b = childId(ORIGIN, 1, 100);
      expect(b).to.not.equal(a);
      await expect(asManufacturer.ship(ORIGIN, ids.pharmacy, 10))
        .to.emit(supply, "Shipped")
        .withArgs(b, 1, ids.manufacturer, ORIGIN, 1, 100, ids.pharmacy, 10);
      expect((await supply.getShipment(a)).status).to.equal(BigInt(ShipmentStatus.Returned));
      expect(await unitsAccounted(supply, 1n)).to.deep.equal({
        quantity: 100n,
        inShipments: 100n,
        dispensed: 0n,
        destroyed: 0n,
      });
    });
  });

  describe("nothing stuck: the sender reclaims", function () {
    it("refuses a reclaim before the timeout while the receiver is active, allows it after; the receiver can no longer accept", async function () {
      const { supply, asManufacturer, distributor, ids } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      const reclaimableAt = BigInt(await time.latest()) + (await supply.SHIPMENT_TIMEOUT());
      await expect(asManufacturer.reclaim(ORIGIN, 0, 100))
        .to.be.revertedWithCustomError(supply, "SupplyReclaimTooEarly")
        .withArgs(a, reclaimableAt);
      await expect(supply.connect(distributor).reclaim(ORIGIN, 0, 100))
        .to.be.revertedWithCustomError(supply, "SupplyNotSender")
        .withArgs(a, ids.distributor);
      expect((await supply.getShipment(a)).status).to.equal(BigInt(ShipmentStatus.InTransit));
      await time.increaseTo(reclaimableAt);
      await expect(asManufacturer.reclaim(ORIGIN, 0, 100))
        .to.emit(supply, "ShipmentReclaimed")
        .withArgs(a, 1, ids.manufacturer, ORIGIN, 10);
      await expect(supply.connect(distributor).accept(a))
        .to.be.revertedWithCustomError(supply, "SupplyNotInTransit")
        .withArgs(a, ShipmentStatus.Returned);
      await expect(asManufacturer.reclaim(ORIGIN, 0, 100))
        .to.be.revertedWithCustomError(supply, "SupplyNotInTransit")
        .withArgs(a, ShipmentStatus.Returned);
      expect(await supply.holderOf(a)).to.equal(ids.manufacturer);
      expect((await supply.getShipment(ORIGIN)).remaining).to.equal(100n);
    });

    it("reclaims at once from a receiver that is suspended or was never an institution", async function () {
      const { supply, asManufacturer, participants, registrar, ids } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      const b = childId(ORIGIN, 0, 90);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      await asManufacturer.ship(ORIGIN, 999, 10); // b: no such institution
      await participants.connect(registrar).suspend(ids.distributor, code("audit"));
      await expect(asManufacturer.reclaim(ORIGIN, 0, 100)).to.emit(supply, "ShipmentReclaimed");
      await expect(asManufacturer.reclaim(ORIGIN, 0, 90)).to.emit(supply, "ShipmentReclaimed");
      expect((await supply.getShipment(ORIGIN)).remaining).to.equal(100n);
      expect((await supply.getShipment(a)).remaining + (await supply.getShipment(b)).remaining).to.equal(0n);
    });
  });

  describe("devices bound to what they measure", function () {
    it("registers a device only with its own signature over the registration, once per signature", async function () {
      const { supply, distributor, rival, ids, deviceConsent, devices } = await load(supplyFixture);
      const fresh = new Wallet(hre.ethers.id("device key 4"));
      const calibration = hre.ethers.id("calibration v1");
      // The institution's own signature, or the device's signature for another owner, is not the device's consent.
      const byOwner = await deviceConsent(new Wallet(hre.ethers.id("not the device")), ids.distributor);
      await expect(supply.connect(distributor).registerDevice(fresh.address, 3, calibration, byOwner))
        .to.be.revertedWithCustomError(supply, "SupplyBadDeviceSignature")
        .withArgs(fresh.address);
      const forRival = await deviceConsent(fresh, ids.rival);
      await expect(supply.connect(distributor).registerDevice(fresh.address, 3, calibration, forRival))
        .to.be.revertedWithCustomError(supply, "SupplyBadDeviceSignature")
        .withArgs(fresh.address);
      const consent = await deviceConsent(fresh, ids.distributor);
      await expect(supply.connect(distributor).registerDevice(fresh.address, 3, calibration, consent))
        .to.emit(supply, "DeviceRegistered")
        .withArgs(fresh.address, ids.distributor, 3, calibration, 0);
      // The same signature cannot register it again (its nonce moved on), nor can a rival take it while it is active.
      await expect(supply.connect(distributor).registerDevice(fresh.address, 3, calibration, consent))
        .to.be.revertedWithCustomError(supply, "SupplyBadDeviceSignature")
        .withArgs(fresh.address);
      await expect(
        supply.connect(rival).registerDevice(fresh.address, 3, calibration, await deviceConsent(fresh, ids.rival)),
      )
        .to.be.revertedWithCustomError(supply, "SupplyNotDeviceOwner")
        .withArgs(fresh.address, ids.distributor);
      const d = await supply.getDevice(fresh.address);
      expect([d.ownerId, d.active, d.nonce]).to.deep.equal([ids.distributor, true, 1n]);
      void devices;
    });

    it("refuses a device at the zero address, of no kind or without calibration", async function () {
      const { supply, distributor, ids, deviceConsent } = await load(supplyFixture);
      const fresh = new Wallet(hre.ethers.id("device key 5"));
      const sig = await deviceConsent(fresh, ids.distributor);
      await expect(
        supply.connect(distributor).registerDevice(hre.ethers.ZeroAddress, 3, hre.ethers.id("c"), sig),
      ).to.be.revertedWithCustomError(supply, "SupplyInvalidDevice");
      await expect(
        supply.connect(distributor).registerDevice(fresh.address, 0, hre.ethers.id("c"), sig),
      ).to.be.revertedWithCustomError(supply, "SupplyInvalidDevice");
      await expect(supply.connect(distributor).registerDevice(fresh.address, 3, hre.ethers.ZeroHash, sig))
        .to.be.revertedWithCustomError(supply, "SupplyEmptyCalibration")
        .withArgs(fresh.address);
      expect((await supply.getDevice(fresh.address)).kind).to.equal(0n);
    });

    it("keeps a governance ban for good: no re-registration, no reading, whatever the owner signs", async function () {
      const { supply, deployer, distributor, asManufacturer, ids, devices, registerDevice, reading, submit } =
        await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const earlier = await reading(a, OK, DRY, 1);
      await expect(supply.connect(distributor).revokeDeviceByGovernance(devices.distributor.address))
        .to.be.revertedWithCustomError(supply, "AccessManagedUnauthorized")
        .withArgs(distributor.address);
      await expect(supply.connect(deployer).revokeDeviceByGovernance(devices.distributor.address))
        .to.emit(supply, "DeviceRevoked")
        .withArgs(devices.distributor.address, deployer.address, true);
      await expect(registerDevice(distributor, ids.distributor, devices.distributor, "v2"))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceBanned")
        .withArgs(devices.distributor.address);
      await expect(submit(earlier))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceBanned")
        .withArgs(devices.distributor.address);
      await expect(supply.connect(deployer).revokeDeviceByGovernance(devices.distributor.address))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceBanned")
        .withArgs(devices.distributor.address);
      await expect(
        supply.connect(deployer).revokeDeviceByGovernance(Wallet.createRandom().address),
      ).to.be.revertedWithCustomError(supply, "SupplyUnknownDevice");
      const d = await supply.getDevice(devices.distributor.address);
      expect([d.active, d.banned]).to.deep.equal([false, true]);
    });

    it("silences the devices of a suspended owner: their readings are refused", async function () {
      const { supply, participants, registrar, distributor, asManufacturer, ids, devices, reading, submit } =
        await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const r = await reading(a, OK, DRY, 1);
      await participants.connect(registrar).suspend(ids.distributor, code("audit"));
      await expect(submit(r))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceOwnerNotActive")
        .withArgs(devices.distributor.address, ids.distributor);
      expect(await supply.sequenceUsed(a, devices.distributor.address, 1)).to.equal(false);
    });

    it("lets an owner revoke its device: readings taken before still count, later ones do not", async function () {
      const { supply, distributor, asManufacturer, ids, devices, reading, submit } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const before = await reading(a, OK, DRY, 1);
      await time.increase(60);
      await expect(asManufacturer.revokeDevice(devices.distributor.address))
        .to.be.revertedWithCustomError(supply, "SupplyNotDeviceOwner")
        .withArgs(devices.distributor.address, ids.distributor);
      await expect(supply.connect(distributor).revokeDevice(devices.distributor.address))
        .to.emit(supply, "DeviceRevoked")
        .withArgs(devices.distributor.address, distributor.address, false);
      const after = await reading(a, OK, DRY, 2);
      await expect(submit(after))
        .to.be.revertedWithCustomError(supply, "SupplyReadingOutsideShipment")
        .withArgs(a, devices.distributor.address, after.r.timestamp);
      await expect(submit(before)).to.emit(supply, "ReadingRecorded");
      await expect(supply.connect(distributor).revokeDevice(devices.distributor.address))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownDevice")
        .withArgs(devices.distributor.address);
    });

    it("keeps a revoked registration's assignments to the time of its revocation, whoever registers the key next (audit F3)", async function () {
      const { supply, distributor, rival, asManufacturer, ids, devices, deviceConsent, reading, submit } =
        await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 60);
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const before = await reading(a, OK, DRY, 1);
      await time.increase(60);
      // The logger is stolen; its owner revokes it; the thief (a rival holding the key) registers it again.
      await supply.connect(distributor).revokeDevice(devices.distributor.address);
      await time.increase(60);
      const forged = await reading(a, HOT, DRY, 7);
      await supply
        .connect(rival)
        .registerDevice(
          devices.distributor.address,
          3,
          hre.ethers.id("calibration v1"),
          await deviceConsent(devices.distributor, ids.rival),
        );
      await expect(submit(forged))
        .to.be.revertedWithCustomError(supply, "SupplyReadingOutsideShipment")
        .withArgs(a, devices.distributor.address, forged.r.timestamp);
      expect((await supply.getShipment(a)).quarantined).to.equal(false);
      // What the device measured before the revocation still counts.
      await expect(submit(before)).to.emit(supply, "ReadingRecorded");
      // The shipment keeps its assignment, under the tenure that ended at the revocation.
      expect(await supply.isAssigned(a, devices.distributor.address)).to.equal(true);
    });

    it("refuses a rival's device: it cannot be assigned to someone else's shipment, and its readings do not count", async function () {
      const { supply, rival, distributor, asManufacturer, ids, devices, reading, submit } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 60); // a
      // The attack: a competitor signs a 50 °C reading for someone else's shipment.
      await expect(supply.connect(rival).assignDevice(a, devices.rival.address))
        .to.be.revertedWithCustomError(supply, "SupplyNotShipmentParty")
        .withArgs(a, ids.rival);
      await expect(submit(await reading(a, HOT, DRY, 1, devices.rival)))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceNotAssigned")
        .withArgs(devices.rival.address, a);
      // A party cannot assign a device it does not own either.
      await expect(supply.connect(distributor).assignDevice(a, devices.rival.address))
        .to.be.revertedWithCustomError(supply, "SupplyNotDeviceOwner")
        .withArgs(devices.rival.address, ids.rival);
      await supply.connect(distributor).accept(a);
      expect((await supply.getShipment(a)).quarantined).to.equal(false);
      expect((await supply.getBatch(1)).excursions).to.equal(0n);
    });

    it("assigns a party's own active device once, while the shipment is in transit", async function () {
      const { supply, distributor, asManufacturer, ids, devices } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      await expect(asManufacturer.assignDevice(a, devices.manufacturer.address))
        .to.emit(supply, "DeviceAssigned")
        .withArgs(a, devices.manufacturer.address, ids.manufacturer);
      await expect(asManufacturer.assignDevice(a, devices.manufacturer.address))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceAlreadyAssigned")
        .withArgs(devices.manufacturer.address, a);
      await expect(asManufacturer.assignDevice(a, Wallet.createRandom().address)).to.be.revertedWithCustomError(
        supply,
        "SupplyUnknownDevice",
      );
      await supply.connect(distributor).accept(a);
      await expect(supply.connect(distributor).assignDevice(a, devices.distributor.address))
        .to.be.revertedWithCustomError(supply, "SupplyNotInTransit")
        .withArgs(a, ShipmentStatus.Accepted);
      await expect(asManufacturer.assignDevice(ORIGIN, devices.manufacturer.address))
        .to.be.revertedWithCustomError(supply, "SupplyNotInTransit")
        .withArgs(ORIGIN, ShipmentStatus.Origin);
      expect(await supply.isAssigned(a, devices.distributor.address)).to.equal(false);
    });
  });

  describe("a cold chain nobody can silence", function () {
    it("takes sequence numbers per device and shipment, in any order: a later reading never blocks an earlier one", async function () {
      const { supply, distributor, asManufacturer, ids, devices, reading, submit } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      const b = childId(ORIGIN, 0, 90);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // b
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      await supply.connect(distributor).assignDevice(b, devices.distributor.address);
      const excursion = await reading(a, HOT, DRY, 5);
      await time.increase(60);
      // The attack: an in-range reading with a higher sequence submitted first.
      await submit(await reading(a, OK, DRY, 9));
      await submit(await reading(b, OK, DRY, 5)); // the same sequence on another shipment is another reading
      await expect(submit(excursion))
        .to.emit(supply, "Excursion")
        .withArgs(a, 1, devices.distributor.address, HOT, DRY);
      await expect(submit(await reading(a, OK, DRY, 9)))
        .to.be.revertedWithCustomError(supply, "SupplyDuplicateSequence")
        .withArgs(devices.distributor.address, a, 9);
      expect((await supply.getShipment(a)).quarantined).to.equal(true);
      expect((await supply.getShipment(b)).quarantined).to.equal(false);
    });

    it("accepts readings after delivery within the window: a late excursion quarantines what the holder still has and flags the rest", async function () {
      const { supply, distributor, pharmacy, asManufacturer, ids, devices, reading, submit } =
        await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      const b = childId(a, 0, 60);
      await asManufacturer.ship(ORIGIN, ids.distributor, 60); // a
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const excursion = await reading(a, HOT, DRY, 1);
      // The receiver accepts before the readings land and passes 20 units on at once.
      await supply.connect(distributor).accept(a);
      await supply.connect(distributor).ship(a, ids.pharmacy, 20); // b
      await supply.connect(pharmacy).accept(b);
      await time.increase(2 * DAY);
      await expect(submit(excursion)).to.emit(supply, "LateExcursion").withArgs(a, 1, 40, 20);
      const s = await supply.getShipment(a);
      expect([s.quarantined, s.remaining]).to.deep.equal([true, 40n]);
      await expect(supply.connect(distributor).ship(a, ids.pharmacy, 1))
        .to.be.revertedWithCustomError(supply, "SupplyShipmentQuarantined")
        .withArgs(a);
      expect((await supply.getBatch(1)).excursions).to.equal(1n);
    });

    it("closes the window after READING_WINDOW and refuses readings outside the shipment's life", async function () {
      const { supply, distributor, asManufacturer, ids, devices, reading, submit } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      const shippedAt = await time.latest();
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const early = await reading(a, OK, DRY, 1, devices.distributor, shippedAt - 1);
      await expect(submit(early))
        .to.be.revertedWithCustomError(supply, "SupplyReadingOutsideShipment")
        .withArgs(a, devices.distributor.address, shippedAt - 1);
      const future = await reading(a, OK, DRY, 2, devices.distributor, shippedAt + 3_600);
      await expect(submit(future))
        .to.be.revertedWithCustomError(supply, "SupplyReadingOutsideShipment")
        .withArgs(a, devices.distributor.address, shippedAt + 3_600);
      await supply.connect(distributor).accept(a);
      const endedAt = await time.latest();
      await time.increase(60);
      const afterEnd = await reading(a, OK, DRY, 3);
      await expect(submit(afterEnd))
        .to.be.revertedWithCustomError(supply, "SupplyReadingOutsideShipment")
        .withArgs(a, devices.distributor.address, afterEnd.r.timestamp);
      const last = await reading(a, HOT, DRY, 4, devices.distributor, endedAt);
      await time.increaseTo(BigInt(endedAt) + (await supply.READING_WINDOW()) + 1n);
      await expect(submit(last))
        .to.be.revertedWithCustomError(supply, "SupplyReadingWindowClosed")
        .withArgs(a, BigInt(endedAt) + (await supply.READING_WINDOW()));
      expect((await supply.getShipment(a)).quarantined).to.equal(false);
    });

    it("refuses forged signatures, unknown devices and malformed submissions, all or none", async function () {
      const { supply, distributor, asManufacturer, ids, devices, reading, submit, stranger } =
        await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const good = await reading(a, OK, DRY, 1);
      const forged = { ...(await reading(a, OK, DRY, 2)) };
      forged.r = { ...forged.r, temperature: 100 };
      await expect(submit(good, forged))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingSignature")
        .withArgs(devices.distributor.address, 2);
      expect(await supply.sequenceUsed(a, devices.distributor.address, 1)).to.equal(false);
      const unknown = await reading(a, OK, DRY, 1, new Wallet(hre.ethers.id("never registered")));
      await expect(submit(unknown)).to.be.revertedWithCustomError(supply, "SupplyUnknownDevice");
      await expect(supply.connect(stranger).submitReadings([], []))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingBatch")
        .withArgs(0, 0);
      await expect(supply.connect(stranger).submitReadings([good.r], [good.signature, good.signature]))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingBatch")
        .withArgs(1, 2);
      const tooMany = Array.from({ length: 201 }, () => good);
      await expect(
        supply.connect(stranger).submitReadings(
          tooMany.map((x) => x.r),
          tooMany.map((x) => x.signature),
        ),
      )
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingBatch")
        .withArgs(201, 201);
    });

    it("quarantines in transit: the receiver accepts quarantined units; only the maker or a regulator resolves, after arrival", async function () {
      const { supply, distributor, regulator, rival, asManufacturer, ids, devices, reading, submit } =
        await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 60); // a
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      await submit(await reading(a, OK, 500, 1)); // humidity too low
      await expect(supply.connect(regulator).resolveQuarantine(a, 0))
        .to.be.revertedWithCustomError(supply, "SupplyStillInTransit")
        .withArgs(a);
      await expect(supply.connect(distributor).accept(a))
        .to.emit(supply, "ShipmentAccepted")
        .withArgs(a, 1, ids.distributor, true);
      await expect(supply.connect(rival).resolveQuarantine(a, 0))
        .to.be.revertedWithCustomError(supply, "SupplyNotManufacturerOrRegulator")
        .withArgs(1, rival.address);
      await expect(supply.connect(regulator).resolveQuarantine(a, 61))
        .to.be.revertedWithCustomError(supply, "SupplyInsufficientUnits")
        .withArgs(a, 61, 60);
      await expect(supply.connect(regulator).resolveQuarantine(a, 10))
        .to.emit(supply, "QuarantineResolved")
        .withArgs(a, 1, 10, 50, regulator.address);
      await expect(supply.connect(regulator).resolveQuarantine(a, 1))
        .to.be.revertedWithCustomError(supply, "SupplyNotQuarantined")
        .withArgs(a);
      expect([(await supply.getShipment(a)).remaining, (await supply.getBatch(1)).destroyed]).to.deep.equal([50n, 10n]);
      await expect(supply.connect(distributor).ship(a, ids.pharmacy, 50)).to.emit(supply, "Shipped");
    });
  });

  describe("prescriptions with limits, and privacy at the counter", function () {
    it("dispenses under an allowance without naming the patient; the patient's wallet finds its units by the key", async function () {
      const { supply, pharmacy, patientA, ids, unit, allowance, key, fillRequest, second } =
        await load(prescribedFixture);
      const u = unit("SN-0001");
      const tx = supply
        .connect(pharmacy)
        .dispense(second, u.index, u.serial, u.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      await expect(tx).to.emit(supply, "Dispensed").withArgs(1, allowance, ids.pharmacy, u.serial);
      const receipt = await (await tx).wait();
      const sent = await hre.ethers.provider.getTransaction(receipt!.hash);
      // Neither the patient's address nor its id, nor the GTIN, appears in the call or its logs.
      const logs = receipt!.logs.map((l) => l.topics.join("") + l.data).join("");
      for (const text of [sent!.data, logs]) {
        expect(text.toLowerCase()).to.not.include(patientA.address.slice(2).toLowerCase());
        expect(text.toLowerCase()).to.not.include(GTIN.toString(16).padStart(16, "0"));
      }
      const mine = await supply.queryFilter(supply.filters.Dispensed(undefined, allowance));
      expect(mine.map((e) => e.args.batchId)).to.deep.equal([1n]);
      const a = await supply.getAllowance(allowance);
      expect([a.fillsLeft, a.unitsLeftInFill]).to.deep.equal([1n, 1n]);
    });

    it("refuses a second fill before its interval, and any fill past the last one", async function () {
      const { supply, pharmacy, ids, unit, allowance, key, fillRequest, second } = await load(prescribedFixture);
      const give = async (label: string) => {
        const u = unit(label);
        return supply
          .connect(pharmacy)
          .dispense(second, u.index, u.serial, u.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      };
      await give("SN-0001");
      await give("SN-0002"); // fill 1 used up
      const refillAt = (await supply.getAllowance(allowance)).lastFillAt + 30n * BigInt(DAY);
      await expect(give("SN-0003"))
        .to.be.revertedWithCustomError(supply, "SupplyRefillTooEarly")
        .withArgs(allowance, refillAt);
      await time.increaseTo(refillAt);
      await give("SN-0003");
      await give("SN-0004"); // fill 2 used up
      await time.increase(31 * DAY);
      await expect(give("SN-0005"))
        .to.be.revertedWithCustomError(supply, "SupplyAllowanceExhausted")
        .withArgs(allowance);
      expect((await supply.dispensedUnit(GTIN, unit("SN-0005").serial)).batchId).to.equal(0n);
    });

    it("names the next fill's time for any refill interval, however long (audit F6)", async function () {
      const { supply, hospital, pharmacy, ids, unit, fillRequest, second } = await load(stockedFixture);
      const key = prescriptionKey("long interval");
      await supply
        .connect(hospital)
        .setAllowance(key.address, productCommitment(GTIN, SALT), 1, 2, (await time.latest()) + 90 * DAY, 0xffffffff);
      const allowance = allowanceKey(ids.hospital, key.address);
      const [u1, u2] = [unit("SN-0001"), unit("SN-0002")];
      await supply
        .connect(pharmacy)
        .dispense(second, u1.index, u1.serial, u1.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      const refillAt = (await supply.getAllowance(allowance)).lastFillAt + 0xffffffffn;
      await expect(
        supply
          .connect(pharmacy)
          .dispense(second, u2.index, u2.serial, u2.proof, await fillRequest(key, ids.hospital, ids.pharmacy)),
      )
        .to.be.revertedWithCustomError(supply, "SupplyRefillTooEarly")
        .withArgs(allowance, refillAt);
    });

    it("refuses another product, an expired or cancelled allowance, and an unknown key", async function () {
      const { supply, pharmacy, hospital, secondHospital, ids, unit, allowance, key, fillRequest, second } =
        await load(prescribedFixture);
      const u = unit("SN-0001");
      await expect(
        supply
          .connect(pharmacy)
          .dispense(
            second,
            u.index,
            u.serial,
            u.proof,
            await fillRequest(key, ids.hospital, ids.pharmacy, { salt: hre.ethers.id("other salt") }),
          ),
      )
        .to.be.revertedWithCustomError(supply, "SupplyAllowanceProductMismatch")
        .withArgs(allowance);
      const unknown = hre.ethers.id("no such key");
      await expect(
        supply
          .connect(pharmacy)
          .dispense(
            second,
            u.index,
            u.serial,
            u.proof,
            await fillRequest(key, ids.hospital, ids.pharmacy, { allowanceKey: unknown, fillsAfter: 1 }),
          ),
      )
        .to.be.revertedWithCustomError(supply, "SupplyUnknownAllowance")
        .withArgs(unknown);
      await expect(supply.connect(secondHospital).cancelAllowance(allowance))
        .to.be.revertedWithCustomError(supply, "SupplyNotAllowanceIssuer")
        .withArgs(allowance, ids.secondHospital);
      const validUntil = (await supply.getAllowance(allowance)).validUntil;
      await time.increaseTo(validUntil + 1n);
      await expect(
        supply
          .connect(pharmacy)
          .dispense(second, u.index, u.serial, u.proof, await fillRequest(key, ids.hospital, ids.pharmacy)),
      )
        .to.be.revertedWithCustomError(supply, "SupplyAllowanceExpired")
        .withArgs(allowance, validUntil);
      await expect(supply.connect(hospital).cancelAllowance(allowance))
        .to.emit(supply, "AllowanceCancelled")
        .withArgs(allowance, ids.hospital);
      await expect(supply.getAllowance(allowance)).to.be.revertedWithCustomError(supply, "SupplyUnknownAllowance");
      await expect(supply.connect(hospital).cancelAllowance(allowance)).to.be.revertedWithCustomError(
        supply,
        "SupplyUnknownAllowance",
      );
      // A key is used once: the hospital cannot set it again after cancelling.
      await expect(
        supply.connect(hospital).setAllowance(key.address, productCommitment(GTIN, SALT), 1, 1, validUntil + 1000n, 0),
      )
        .to.be.revertedWithCustomError(supply, "SupplyAllowanceExists")
        .withArgs(allowance);
    });

    it("binds the key to its hospital: another hospital cannot take it first; only hospitals set allowances, with sane terms", async function () {
      const { supply, participants, hospital, secondHospital, pharmacy, ids } = await load(stockedFixture);
      const key = prescriptionKey("front-run me");
      const terms = [productCommitment(GTIN, SALT), 1, 1, (await time.latest()) + DAY, 0] as const;
      // A rival hospital front-runs with the same key address: it gets its own key, not the prescription's.
      await expect(supply.connect(secondHospital).setAllowance(key.address, ...terms))
        .to.emit(supply, "AllowanceSet")
        .withArgs(allowanceKey(ids.secondHospital, key.address), ids.secondHospital, 1, 1, terms[3], 0);
      await expect(supply.connect(hospital).setAllowance(key.address, ...terms))
        .to.emit(supply, "AllowanceSet")
        .withArgs(allowanceKey(ids.hospital, key.address), ids.hospital, 1, 1, terms[3], 0);
      await expect(supply.connect(pharmacy).setAllowance(key.address, ...terms))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(pharmacy.address, KINDS.pharmacy, 1n << BigInt(KINDS.hospital));
      const now = await time.latest();
      for (const bad of [
        [hre.ethers.ZeroAddress, productCommitment(GTIN, SALT), 1, 1, now + DAY, 0],
        [key.address, hre.ethers.ZeroHash, 1, 1, now + DAY, 0],
        [key.address, productCommitment(GTIN, SALT), 0, 1, now + DAY, 0],
        [key.address, productCommitment(GTIN, SALT), 1, 0, now + DAY, 0],
        [key.address, productCommitment(GTIN, SALT), 1, 1, now, 0],
      ] as const) {
        await expect(supply.connect(hospital).setAllowance(...bad)).to.be.revertedWithCustomError(
          supply,
          "SupplyInvalidAllowance",
        );
      }
    });
  });

  describe("a serial is dispensed once, whatever lot it claims", function () {
    it("raises a counterfeit alert for the same GTIN and serial under another lot, naming the first batch", async function () {
      const { supply, asManufacturer, pharmacy, distributor, ids, input, unit, second } = await load(stockedFixture);
      const t = childId(2n, 0, 100);
      // A second lot reusing the serials (a maker's mistake, or a copy printed from a stolen list).
      await asManufacturer.registerBatch(input({ lot: code("LOT-2026-11-B") })); // batch 2, origin 2n
      await asManufacturer.ship(2n, ids.pharmacy, 10); // t
      await supply.connect(pharmacy).accept(t);
      const u = unit("SN-0007");
      await supply.connect(pharmacy).dispense(second, u.index, u.serial, u.proof, OTC);
      await expect(supply.connect(pharmacy).dispense(t, u.index, u.serial, u.proof, OTC))
        .to.emit(supply, "CounterfeitAlert")
        .withArgs(2, u.serial, ids.pharmacy, 1);
      expect((await supply.getShipment(t)).remaining).to.equal(10n);
      const d = await supply.dispensedUnit(GTIN, u.serial);
      expect([d.batchId, d.pharmacyId]).to.deep.equal([1n, ids.pharmacy]);
      void distributor;
    });

    it("dispenses only from a shipment the pharmacy holds, not quarantined, with units left", async function () {
      const { supply, participants, pharmacy, secondPharmacy, distributor, ids, unit, first, second } =
        await load(stockedFixture);
      const c = childId(first, 0, 30);
      const u = unit("SN-0001");
      const none = hre.ethers.ZeroHash;
      // Another pharmacy cannot dispense from the first pharmacy's shelf.
      await expect(supply.connect(secondPharmacy).dispense(second, u.index, u.serial, u.proof, OTC))
        .to.be.revertedWithCustomError(supply, "SupplyNotHolder")
        .withArgs(second, ids.secondPharmacy);
      await expect(supply.connect(distributor).dispense(first, u.index, u.serial, u.proof, OTC))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(distributor.address, KINDS.distributor, 1n << BigInt(KINDS.pharmacy));
      await supply.connect(distributor).ship(first, ids.pharmacy, 1); // c
      await supply.connect(pharmacy).accept(c);
      await supply.connect(pharmacy).dispense(c, u.index, u.serial, u.proof, OTC);
      const v = unit("SN-0002");
      await expect(supply.connect(pharmacy).dispense(c, v.index, v.serial, v.proof, OTC))
        .to.be.revertedWithCustomError(supply, "SupplyInsufficientUnits")
        .withArgs(c, 1, 0);
    });

    it("refuses an index beyond the batch's quantity, a wrong proof, a recalled or an expired batch", async function () {
      const { supply, asManufacturer, pharmacy, regulator, ids, input, second } = await load(stockedFixture);
      const t = childId(2n, 0, 50);
      // Batch 2 declares 50 units but its tree holds 100 serials: units 50 to 99 are not part of it.
      const tree = buildSerialTree(SERIALS);
      await asManufacturer.registerBatch(input({ lot: code("LOT-50"), quantity: 50, serialRoot: tree.root })); // origin 2n
      await asManufacturer.ship(2n, ids.pharmacy, 50); // t
      await supply.connect(pharmacy).accept(t);
      const none = hre.ethers.ZeroHash;
      const beyond = tree.unit("SN-0071");
      await expect(supply.connect(pharmacy).dispense(t, beyond.index, beyond.serial, beyond.proof, OTC))
        .to.be.revertedWithCustomError(supply, "SupplyIndexOutOfRange")
        .withArgs(2, 70, 50);
      const u = tree.unit("SN-0001");
      await expect(supply.connect(pharmacy).dispense(t, u.index + 1, u.serial, u.proof, OTC))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidSerial")
        .withArgs(2, u.serial);
      await supply.connect(regulator).recall(2, code("STERILITY"), "Return to your pharmacy.");
      await expect(supply.connect(pharmacy).dispense(t, u.index, u.serial, u.proof, OTC))
        .to.be.revertedWithCustomError(supply, "SupplyRecalled")
        .withArgs(2);
      const b = await supply.getBatch(1);
      await time.increaseTo(b.expiresAt);
      const w = tree.unit("SN-0003");
      await expect(supply.connect(pharmacy).dispense(second, w.index, w.serial, w.proof, OTC))
        .to.be.revertedWithCustomError(supply, "SupplyExpired")
        .withArgs(1, b.expiresAt);
      await expect(supply.connect(pharmacy).ship(second, ids.hospital, 1))
        .to.be.revertedWithCustomError(supply, "SupplyExpired")
        .withArgs(1, b.expiresAt);
    });
  });

  describe("verification from the pack's printed codes", function () {
    it("answers genuine, maker, product, expiry, leaflet, dispensed state, recall and message, without a batch id", async function () {
      const { supply, verifier, products, manufacturer, pharmacy, regulator, unit, second } =
        await load(stockedFixture);
      await products
        .connect(manufacturer)
        .publishLeaflet(GTIN, "0x6b6f", hre.ethers.id("leaflet ko v1"), "ipfs://leaflet-ko-1");
      const u = unit("SN-0001");
      const b = await supply.getBatch(1);
      const printed = Number(new Date(Number(b.expiresAt) * 1000).toISOString().slice(2, 10).replace(/-/g, ""));
      const pack = { gtin: GTIN, lot: LOT, serial: u.serial, expiry: printed };
      let v = await verifier.verify(pack, u.index, u.proof, "0x656e");
      expect([v.batchId, v.genuine, v.expiryMatches, v.manufacturerName, v.product.name]).to.deep.equal([
        1n,
        true,
        true,
        "Hanmi Pharma",
        "Insulin glargine",
      ]);
      expect([v.leafletLanguage, v.leafletVersion, v.leaflet.uri]).to.deep.equal(["0x6b6f", 1n, "ipfs://leaflet-ko-1"]);
      expect([v.dispensed, v.recalled, v.batchMessage]).to.deep.equal([
        false,
        false,
        "Keep refrigerated (2-8 °C). Do not freeze.",
      ]);
      await supply.connect(pharmacy).dispense(second, u.index, u.serial, u.proof, OTC);
      await supply.connect(regulator).recall(1, code("STERILITY"), "Stop using it and bring it back.");
      v = await verifier.verify(pack, u.index, u.proof, "0x656e");
      expect([v.dispensed, v.dispensedBatch, v.recalled, v.recallMessage]).to.deep.equal([
        true,
        1n,
        true,
        "Stop using it and bring it back.",
      ]);
      // A wrong expiry, a wrong index and an unknown lot each show.
      expect(
        (await verifier.verify({ ...pack, expiry: printed + 1 }, u.index, u.proof, "0x656e")).expiryMatches,
      ).to.equal(false);
      expect((await verifier.verify(pack, u.index + 1, u.proof, "0x656e")).genuine).to.equal(false);
      const unknown = await verifier.verify({ ...pack, lot: code("FAKE") }, u.index, u.proof, "0x656e");
      expect([unknown.batchId, unknown.genuine, unknown.dispensed]).to.deep.equal([0n, false, true]);
    });

    it("answers for a product with no leaflet yet, and names the contracts it reads; devices sign in the supply chain's domain", async function () {
      const { supply, verifier, products, participants, unit, domain } = await load(stockedFixture);
      const u = unit("SN-0003");
      const b = await supply.getBatch(1);
      const printed = Number(new Date(Number(b.expiresAt - 1n) * 1000).toISOString().slice(2, 10).replace(/-/g, ""));
      const v = await verifier.verify(
        { gtin: GTIN, lot: LOT, serial: u.serial, expiry: printed },
        u.index,
        u.proof,
        "0x6b6f",
      );
      expect([v.genuine, v.expiryMatches, v.leafletVersion, v.leaflet.uri]).to.deep.equal([true, true, 0n, ""]);
      expect([await verifier.supply(), await verifier.products(), await verifier.participants()]).to.deep.equal([
        await supply.getAddress(),
        await products.getAddress(),
        await participants.getAddress(),
      ]);
      expect(await supply.products()).to.equal(await products.getAddress());
      const d = await supply.eip712Domain();
      expect([d.name, d.version, d.chainId, d.verifyingContract]).to.deep.equal([
        domain.name,
        domain.version,
        domain.chainId,
        domain.verifyingContract,
      ]);
      // Thirty-day months.
      const endOf = (iso: string) => BigInt(Date.parse(`${iso}T00:00:00Z`) / 1000) + 86_400n;
      expect(await verifier.expiryMatches(270400, endOf("2027-04-30"))).to.equal(true);
      expect(await verifier.expiryMatches(270431, endOf("2027-04-30"))).to.equal(false);
    });

    it("reads GS1 expiry dates: day 00 is the month's last, leap years, invalid dates never match", async function () {
      const { verifier } = await load(supplyFixture);
      const endOf = (iso: string) => BigInt(Date.parse(`${iso}T00:00:00Z`) / 1000) + 86_400n;
      const cases: [number, bigint, boolean][] = [
        [271231, endOf("2027-12-31"), true],
        [271200, endOf("2027-12-31"), true],
        [280200, endOf("2028-02-29"), true], // a leap year
        [270200, endOf("2027-02-28"), true],
        [270229, endOf("2027-03-01"), false], // no 29 February in 2027
        [270400, endOf("2027-04-30"), true], // thirty-day months
        [270600, endOf("2027-06-30"), true],
        [270931, endOf("2027-09-30"), false],
        [271100, endOf("2027-11-30"), true],
        [270131, endOf("2027-01-31"), true],
        [271301, endOf("2027-12-31"), false], // no month 13, no month 0, no seventh digit
        [270001, endOf("2027-01-01"), false],
        [1271231, endOf("2027-12-31"), false],
        [271230, endOf("2027-12-31"), false],
        // An expiry at midnight is the end of the day before: it matches one printed day, not two (audit F7).
        [280101, endOf("2027-12-31"), false],
      ];
      for (const [printed, expiresAt, matches] of cases) {
        expect(await verifier.expiryMatches(printed, expiresAt), String(printed)).to.equal(matches);
      }
      // The same answers to a contract that asks in a transaction.
      const caller = await (await hre.ethers.getContractFactory("PackCheckCaller")).deploy();
      const receipt = await (
        await caller.check(
          await verifier.getAddress(),
          cases.map((c) => c[0]),
          cases.map((c) => c[1]),
        )
      ).wait();
      const answers = receipt!.logs.map((l) => caller.interface.parseLog(l)!.args.matches as boolean);
      expect(answers).to.deep.equal(cases.map((c) => c[2]));
    });
  });

  describe("adverse events and recalls that reach the patient", function () {
    it("takes reports from active hospitals and pharmacies, counts them, refuses strangers and empty reports", async function () {
      const { supply, participants, hospital, pharmacy, distributor, ids } = await load(stockedFixture);
      const digest = hre.ethers.id("encrypted report 1");
      await expect(supply.connect(hospital).reportAdverseEvent(1, digest, "ipfs://ae-1"))
        .to.emit(supply, "AdverseEventReported")
        .withArgs(1, Reporter.Hospital, ids.hospital, 1, digest, "ipfs://ae-1");
      await expect(supply.connect(pharmacy).reportAdverseEvent(1, digest, "ipfs://ae-2"))
        .to.emit(supply, "AdverseEventReported")
        .withArgs(1, Reporter.Pharmacy, ids.pharmacy, 2, digest, "ipfs://ae-2");
      await expect(supply.connect(distributor).reportAdverseEvent(1, digest, "ipfs://x"))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(
          distributor.address,
          KINDS.distributor,
          (1n << BigInt(KINDS.hospital)) | (1n << BigInt(KINDS.pharmacy)),
        );
      await expect(
        supply.connect(hospital).reportAdverseEvent(1, hre.ethers.ZeroHash, "ipfs://x"),
      ).to.be.revertedWithCustomError(supply, "SupplyInvalidReport");
      await expect(supply.connect(hospital).reportAdverseEvent(1, digest, "")).to.be.revertedWithCustomError(
        supply,
        "SupplyInvalidReport",
      );
      await expect(supply.connect(hospital).reportAdverseEvent(9, digest, "ipfs://x"))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownBatch")
        .withArgs(9);
      expect((await supply.getBatch(1)).adverseEvents).to.equal(2n);
    });

    it("lets a patient report on a unit they received, once, signed by the prescription's key, naming nobody", async function () {
      const { supply, pharmacy, stranger, relayer, ids, unit, key, fillRequest, patientReport, second } =
        await load(prescribedFixture);
      const u = unit("SN-0001");
      const v = unit("SN-0002");
      await supply
        .connect(pharmacy)
        .dispense(second, u.index, u.serial, u.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      await supply.connect(pharmacy).dispense(second, v.index, v.serial, v.proof, OTC);
      const digest = hre.ethers.id("my reaction");
      const sig = await patientReport(key, u.serial, ids.hospital, digest, "ipfs://ae-p");
      // Someone else's key, another unit, a unit sold over the counter, a unit never dispensed: refused.
      const other = await patientReport(prescriptionKey("someone else"), u.serial, ids.hospital, digest, "ipfs://ae-p");
      await expect(
        supply
          .connect(stranger)
          .reportAdverseEventAsPatient(GTIN, u.serial, ids.hospital, digest, "ipfs://ae-p", other),
      )
        .to.be.revertedWithCustomError(supply, "SupplyNotUnitsPatient")
        .withArgs(GTIN, u.serial);
      // The signature binds the content: a relayer cannot swap in another report.
      await expect(
        supply
          .connect(relayer)
          .reportAdverseEventAsPatient(GTIN, u.serial, ids.hospital, hre.ethers.id("junk"), "ipfs://ae-p", sig),
      )
        .to.be.revertedWithCustomError(supply, "SupplyNotUnitsPatient")
        .withArgs(GTIN, u.serial);
      const otc = await patientReport(key, v.serial, ids.hospital, digest, "ipfs://ae-p");
      await expect(
        supply.connect(relayer).reportAdverseEventAsPatient(GTIN, v.serial, ids.hospital, digest, "ipfs://ae-p", otc),
      )
        .to.be.revertedWithCustomError(supply, "SupplyNotUnitsPatient")
        .withArgs(GTIN, v.serial);
      const w = unit("SN-0009");
      await expect(
        supply.connect(relayer).reportAdverseEventAsPatient(GTIN, w.serial, ids.hospital, digest, "ipfs://ae-p", sig),
      )
        .to.be.revertedWithCustomError(supply, "SupplyNotDispensed")
        .withArgs(GTIN, w.serial);
      expect((await supply.getBatch(1)).adverseEvents).to.equal(0n);
      await expect(
        supply.connect(relayer).reportAdverseEventAsPatient(GTIN, u.serial, ids.hospital, digest, "ipfs://ae-p", sig),
      )
        .to.emit(supply, "AdverseEventReported")
        .withArgs(1, Reporter.Patient, 0, 1, digest, "ipfs://ae-p");
      await expect(
        supply.connect(relayer).reportAdverseEventAsPatient(GTIN, u.serial, ids.hospital, digest, "ipfs://ae-p", sig),
      )
        .to.be.revertedWithCustomError(supply, "SupplyAlreadyReported")
        .withArgs(GTIN, u.serial);
      expect((await supply.dispensedUnit(GTIN, u.serial)).reported).to.equal(true);
    });

    it("lets a patient (or a smart pill with the prescription's key) confirm it took a unit it received, once, naming nobody; the prescribing hospital sees it by its allowance", async function () {
      const { supply, pharmacy, relayer, ids, unit, key, fillRequest, second, domain } = await load(prescribedFixture);
      const u = unit("SN-0001");
      const v = unit("SN-0002");
      await supply
        .connect(pharmacy)
        .dispense(second, u.index, u.serial, u.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      await supply.connect(pharmacy).dispense(second, v.index, v.serial, v.proof, OTC);
      const dispensedAt = Number((await supply.dispensedUnit(GTIN, u.serial)).dispensedAt);
      const intake = async (signer: Wallet, serial: string, takenAt: number, by = 0) => {
        const message = { gtin: GTIN, serial, hospitalId: ids.hospital, takenAt, by };
        const signature = compactSignature(await signer.signTypedData(domain, INTAKE_TYPES, message));
        return supply.connect(relayer).confirmIntake(GTIN, serial, ids.hospital, takenAt, by, signature);
      };
      const now = await time.latest();
      // Someone else's prescription key, a unit sold over the counter, a unit never dispensed: refused.
      await expect(intake(prescriptionKey("someone else") as Wallet, u.serial, now))
        .to.be.revertedWithCustomError(supply, "SupplyNotUnitsPatient")
        .withArgs(GTIN, u.serial);
      await expect(intake(key as Wallet, v.serial, now))
        .to.be.revertedWithCustomError(supply, "SupplyNotUnitsPatient")
        .withArgs(GTIN, v.serial);
      await expect(intake(key as Wallet, unit("SN-0009").serial, now))
        .to.be.revertedWithCustomError(supply, "SupplyNotDispensed")
        .withArgs(GTIN, unit("SN-0009").serial);
      // Taken before it was dispensed, or in the future: refused.
      await expect(intake(key as Wallet, u.serial, dispensedAt - 1))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidIntakeTime")
        .withArgs(GTIN, u.serial, dispensedAt - 1, dispensedAt);
      await expect(intake(key as Wallet, u.serial, now + 3600))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidIntakeTime")
        .withArgs(GTIN, u.serial, now + 3600, dispensedAt);
      // The signature binds the time and who confirms: a relayer cannot change either.
      const message = { gtin: GTIN, serial: u.serial, hospitalId: ids.hospital, takenAt: now, by: 1 };
      const signature = compactSignature(await key.signTypedData(domain, INTAKE_TYPES, message));
      await expect(supply.connect(relayer).confirmIntake(GTIN, u.serial, ids.hospital, dispensedAt, 1, signature))
        .to.be.revertedWithCustomError(supply, "SupplyNotUnitsPatient")
        .withArgs(GTIN, u.serial);
      await expect(supply.connect(relayer).confirmIntake(GTIN, u.serial, ids.hospital, now, 0, signature))
        .to.be.revertedWithCustomError(supply, "SupplyNotUnitsPatient")
        .withArgs(GTIN, u.serial);
      expect((await supply.dispensedUnit(GTIN, u.serial)).administered).to.equal(false);
      await expect(supply.connect(relayer).confirmIntake(GTIN, u.serial, ids.hospital, now, 1, signature))
        .to.emit(supply, "IntakeConfirmed")
        .withArgs(allowanceKey(ids.hospital, key.address), 1, u.serial, now, 1);
      const after = await supply.dispensedUnit(GTIN, u.serial);
      expect([after.administered, after.reported]).to.deep.equal([true, false]);
      await expect(intake(key as Wallet, u.serial, now))
        .to.be.revertedWithCustomError(supply, "SupplyAlreadyAdministered")
        .withArgs(GTIN, u.serial);
      // The unit's adverse-event report is still the patient's to make: the two flags share the unit's slot.
      const digest = hre.ethers.id("nausea");
      const report = compactSignature(
        await key.signTypedData(domain, ADVERSE_EVENT_REPORT_TYPES, {
          gtin: GTIN,
          serial: u.serial,
          hospitalId: ids.hospital,
          digest,
          uri: "ipfs://ae",
        }),
      );
      await supply
        .connect(relayer)
        .reportAdverseEventAsPatient(GTIN, u.serial, ids.hospital, digest, "ipfs://ae", report);
      const both = await supply.dispensedUnit(GTIN, u.serial);
      expect([both.administered, both.reported]).to.deep.equal([true, true]);
    });

    it("turns reports into a recall whose message the patient's wallet finds from its key alone", async function () {
      const { supply, pharmacy, regulator, hospital, ids, unit, allowance, key, fillRequest, second } =
        await load(prescribedFixture);
      const u = unit("SN-0001");
      await supply
        .connect(pharmacy)
        .dispense(second, u.index, u.serial, u.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      await supply.connect(hospital).reportAdverseEvent(1, hre.ethers.id("r"), "ipfs://ae");
      await expect(
        supply.connect(regulator).recall(1, code("ADVERSE-EVENTS"), "Stop using this pen; see your pharmacist."),
      )
        .to.emit(supply, "BatchRecalled")
        .withArgs(1, code("ADVERSE-EVENTS"), regulator.address, 1, "Stop using this pen; see your pharmacist.");
      // The wallet knows only its allowance key: its units, then their batches' recall messages.
      const received = await supply.queryFilter(supply.filters.Dispensed(undefined, allowance));
      const notices = [];
      for (const e of received) {
        const b = await supply.getBatch(e.args.batchId);
        if (b.status === 2n) notices.push((await supply.messagesOf(e.args.batchId))[1]);
      }
      expect(notices).to.deep.equal(["Stop using this pen; see your pharmacist."]);
    });
  });

  describe("recalls", function () {
    it("lets the maker or a regulator recall, once, with a message; nothing ships; holders are named by shipment", async function () {
      const { supply, asManufacturer, manufacturer, distributor, rival, regulator, ids, first, second } =
        await load(stockedFixture);
      const c = childId(first, 0, 30);
      await expect(supply.connect(rival).recall(1, code("x"), ""))
        .to.be.revertedWithCustomError(supply, "SupplyNotManufacturerOrRegulator")
        .withArgs(1, rival.address);
      await expect(supply.connect(regulator).noticeHolders(1, [ORIGIN]))
        .to.be.revertedWithCustomError(supply, "SupplyNotRecalled")
        .withArgs(1);
      await expect(asManufacturer.recall(1, code("x"), "y".repeat(513)))
        .to.be.revertedWithCustomError(supply, "SupplyMessageTooLong")
        .withArgs(513);
      await supply.connect(distributor).ship(first, ids.hospital, 5); // c, in transit
      await expect(asManufacturer.recall(1, code("CONTAMINATION"), "Return all units."))
        .to.emit(supply, "BatchRecalled")
        .withArgs(1, code("CONTAMINATION"), manufacturer.address, 0, "Return all units.");
      await expect(supply.connect(regulator).recall(1, code("again"), ""))
        .to.be.revertedWithCustomError(supply, "SupplyRecalled")
        .withArgs(1);
      await expect(supply.connect(distributor).ship(first, ids.hospital, 1))
        .to.be.revertedWithCustomError(supply, "SupplyRecalled")
        .withArgs(1);
      const tx = supply.connect(regulator).noticeHolders(1, [ORIGIN, first, second, c, 99]);
      await expect(tx).to.emit(supply, "RecallNotice").withArgs(1, ORIGIN, ids.manufacturer, 40, false);
      await expect(tx).to.emit(supply, "RecallNotice").withArgs(1, first, ids.distributor, 25, false);
      await expect(tx).to.emit(supply, "RecallNotice").withArgs(1, second, ids.pharmacy, 30, false);
      await expect(tx).to.emit(supply, "RecallNotice").withArgs(1, c, ids.hospital, 5, false);
      expect((await (await tx).wait())!.logs.length).to.equal(4);
    });

    it("withdraws a recall only through governance after its public delay, and clears its message", async function () {
      const { supply, participants, manager, deployer, regulator, distributor, ids, first } =
        await load(stockedFixture);
      await supply.connect(regulator).recall(1, code("STERILITY"), "Return it.");
      const { recalledAt } = await supply.getBatch(1);
      await expect(supply.connect(regulator).withdrawRecall(1, recalledAt, code("x")))
        .to.be.revertedWithCustomError(supply, "AccessManagedUnauthorized")
        .withArgs(regulator.address);
      const data = supply.interface.encodeFunctionData("withdrawRecall", [1, recalledAt, code("TEST-CLEARED")]);
      await manager.connect(deployer).schedule(await supply.getAddress(), data, 0);
      await time.increase(DAY);
      const withdrawableAt = recalledAt + (await participants.onboardingDelay());
      await expect(manager.connect(deployer).execute(await supply.getAddress(), data))
        .to.be.revertedWithCustomError(supply, "SupplyRecallTooRecent")
        .withArgs(1, recalledAt, withdrawableAt);
      await time.increaseTo(withdrawableAt);
      await expect(manager.connect(deployer).execute(await supply.getAddress(), data))
        .to.emit(supply, "RecallWithdrawn")
        .withArgs(1, code("TEST-CLEARED"));
      expect(await supply.messagesOf(1)).to.deep.equal(["Keep refrigerated (2-8 °C). Do not freeze.", ""]);
      await expect(supply.connect(distributor).ship(first, ids.hospital, 1)).to.emit(supply, "Shipped");
    });

    it("refuses a withdrawal of a batch not recalled, of no batch, or armed for another recall", async function () {
      const { supply, manager, deployer, regulator, second } = await load(stockedFixture);
      const notRecalled = supply.interface.encodeFunctionData("withdrawRecall", [1, 0, code("x")]);
      await expect(governorCall(manager, deployer, supply, notRecalled))
        .to.be.revertedWithCustomError(supply, "SupplyNotRecalled")
        .withArgs(1);
      const unknown = supply.interface.encodeFunctionData("withdrawRecall", [99, 0, code("x")]);
      await expect(governorCall(manager, deployer, supply, unknown))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownBatch")
        .withArgs(99);
      const guess = BigInt((await time.latest()) + 60);
      const armed = supply.interface.encodeFunctionData("withdrawRecall", [1, guess, code("x")]);
      await manager.connect(deployer).schedule(await supply.getAddress(), armed, 0);
      await time.increase(DAY);
      await supply.connect(regulator).recall(1, code("STERILITY"), "");
      const { recalledAt } = await supply.getBatch(1);
      await expect(manager.connect(deployer).execute(await supply.getAddress(), armed))
        .to.be.revertedWithCustomError(supply, "SupplyRecallMismatch")
        .withArgs(1, guess, recalledAt);
    });

    it("holds a withdrawal armed for the recall's exact time for the notice period after the recall", async function () {
      const { supply, participants, manager, deployer, regulator } = await load(stockedFixture);
      // Block times are guessable: the governor arms a withdrawal for it, and the recall lands at that time.
      const at = (await time.latest()) + 2 * DAY;
      const armed = supply.interface.encodeFunctionData("withdrawRecall", [1, at, code("x")]);
      await manager.connect(deployer).schedule(await supply.getAddress(), armed, 0);
      await time.setNextBlockTimestamp(at);
      await supply.connect(regulator).recall(1, code("STERILITY"), "Return it.");
      const withdrawableAt = BigInt(at) + (await participants.onboardingDelay());
      await expect(manager.connect(deployer).execute(await supply.getAddress(), armed))
        .to.be.revertedWithCustomError(supply, "SupplyRecallTooRecent")
        .withArgs(1, at, withdrawableAt);
      expect((await supply.getBatch(1)).status).to.equal(2n); // still Recalled, for the guardian to cancel meanwhile
    });
  });

  describe("the second implementation", function () {
    it("refuses a direct call to any function it runs: only through the supply chain's proxy", async function () {
      const { supply, participants, records, products, manufacturer } = await load(supplyFixture);
      const extension = await (
        await hre.ethers.getContractFactory("SupplyChainExtension")
      ).deploy(await participants.getAddress(), await records.getAddress(), await products.getAddress());
      // Every function the supply chain hands to its extension: those both declare, but the proxy machinery.
      const own = new Set(["upgradeToAndCall", "initialize", "setAuthority"]);
      const delegated = extension.interface.fragments.filter(
        (f): f is FunctionFragment =>
          f.type === "function" &&
          (f as FunctionFragment).stateMutability === "nonpayable" &&
          !own.has((f as FunctionFragment).name) &&
          (supply.interface as Interface).getFunction((f as FunctionFragment).selector) !== null,
      );
      expect(delegated.map((f) => f.name)).to.include.members([
        "registerBatch",
        "refuse",
        "reclaim",
        "revokeAllowance",
        "withdrawRecall",
      ]);
      expect(delegated).to.have.length(17);
      for (const fn of delegated) {
        const data = (extension.interface as Interface).encodeFunctionData(fn, fn.inputs.map(zeroOf));
        await expect(
          manufacturer.sendTransaction({ to: await extension.getAddress(), data }),
          fn.name,
        ).to.be.revertedWithCustomError(extension, "SupplyNotThroughSupplyChain");
      }
    });
  });

  describe("at the edges: every refusal, also to a contract asking in a transaction", function () {
    it("reads a run of readings from one device across shipments, cold and damp excursions, and a second excursion", async function () {
      const { supply, distributor, asManufacturer, ids, devices, reading, submit } = await load(supplyFixture);
      const [a, b] = [childId(ORIGIN, 0, 100), childId(ORIGIN, 0, 90)];
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // a
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // b
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      await supply.connect(distributor).assignDevice(b, devices.distributor.address);
      // One submission: a run for a, the same device for b, then a again. The time taken is read before the
      // submission is sent: read after, it races the transaction's own block.
      const takenAt = await time.latest();
      const onB = await reading(b, OK, DRY, 1, devices.distributor, takenAt);
      await expect(submit(await reading(a, OK, DRY, 1), onB, await reading(a, OK, DRY, 2)))
        .to.emit(supply, "ReadingRecorded")
        .withArgs(b, devices.distributor.address, 1, OK, DRY, takenAt);
      // Too cold on a (1 °C under a 2 °C floor), then too damp on it: counted twice, quarantined once.
      await expect(submit(await reading(a, 100, DRY, 3)))
        .to.emit(supply, "Excursion")
        .withArgs(a, 1, devices.distributor.address, 100, DRY);
      await expect(submit(await reading(a, OK, 7_000, 4)))
        .to.emit(supply, "Excursion")
        .withArgs(a, 1, devices.distributor.address, OK, 7_000);
      await expect(submit(await reading(b, OK, 7_000, 2)))
        .to.emit(supply, "Excursion")
        .withArgs(b, 1, devices.distributor.address, OK, 7_000);
      expect((await supply.getBatch(1)).excursions).to.equal(3n);
      expect([(await supply.getShipment(a)).quarantined, (await supply.getShipment(b)).quarantined]).to.deep.equal([
        true,
        true,
      ]);
    });

    it("refuses a reading whose signature is malformed, and a quarantined shelf at the counter", async function () {
      const { supply, distributor, pharmacy, ids, devices, reading, submit, unit, first } = await load(stockedFixture);
      const c = childId(first, 0, 30);
      await supply.connect(distributor).ship(first, ids.pharmacy, 10);
      await supply.connect(distributor).assignDevice(c, devices.distributor.address);
      const zero = { r: hre.ethers.ZeroHash, vs: hre.ethers.ZeroHash };
      await expect(submit({ ...(await reading(c, HOT, DRY, 1)), signature: zero }))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidReadingSignature")
        .withArgs(devices.distributor.address, 1);
      await submit(await reading(c, HOT, DRY, 1));
      await expect(supply.connect(pharmacy).accept(c))
        .to.emit(supply, "ShipmentAccepted")
        .withArgs(c, 1, ids.pharmacy, true);
      const u = unit("SN-0001");
      await expect(supply.connect(pharmacy).dispense(c, u.index, u.serial, u.proof, OTC))
        .to.be.revertedWithCustomError(supply, "SupplyShipmentQuarantined")
        .withArgs(c);
      expect((await supply.getShipment(c)).remaining).to.equal(10n);
    });

    it("refuses bad terms, unknown keys and long reports; answers a contract's transaction as it answers a call", async function () {
      const { supply, hospital, pharmacy, stranger, ids } = await load(stockedFixture);
      const key = prescriptionKey("edges");
      const terms = (validUntil: bigint) => [key.address, productCommitment(GTIN, SALT), 1, 1, validUntil, 0] as const;
      await expect(supply.connect(hospital).setAllowance(...terms(2n ** 32n))).to.be.revertedWithCustomError(
        supply,
        "SupplyInvalidAllowance",
      );
      const unknown = allowanceKey(ids.hospital, key.address);
      await expect(supply.connect(hospital).cancelAllowance(unknown))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownAllowance")
        .withArgs(unknown);
      // A contract reading an allowance in a transaction gets the same refusal as a call.
      const read = {
        to: await supply.getAddress(),
        data: supply.interface.encodeFunctionData("getAllowance", [unknown]),
      };
      await expect(stranger.sendTransaction(read))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownAllowance")
        .withArgs(unknown);
      await supply.connect(hospital).setAllowance(...terms(BigInt(await time.latest()) + BigInt(DAY)));
      await supply.connect(hospital).cancelAllowance(unknown);
      await expect(stranger.sendTransaction(read))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownAllowance")
        .withArgs(unknown);
      const digest = hre.ethers.id("report");
      await expect(
        supply.connect(pharmacy).reportAdverseEvent(1, digest, "ipfs://" + "x".repeat(506)),
      ).to.be.revertedWithCustomError(supply, "SupplyInvalidReport");
      await expect(supply.connect(pharmacy).reportAdverseEvent(1, digest, "ipfs://" + "x".repeat(505)))
        .to.emit(supply, "AdverseEventReported")
        .withArgs(1, Reporter.Pharmacy, ids.pharmacy, 1, digest, "ipfs://" + "x".repeat(505));
    });

    it("takes a batch without a note; names in a recall's notices only the shipments of that batch still holding units", async function () {
      const {
        supply,
        asManufacturer,
        distributor,
        regulator,
        secondPharmacy,
        participants,
        registrar,
        ids,
        input,
        first,
      } = await load(stockedFixture);
      await asManufacturer.registerBatch(input({ lot: code("NO-NOTE"), message: "" })); // batch 2
      expect(await supply.messagesOf(2)).to.deep.equal(["", ""]);
      // A shipment from `first` refused: its units are back in `first`, it holds none itself.
      const back = childId(first, 0, 30);
      await supply.connect(distributor).ship(first, ids.secondPharmacy, 5);
      await supply.connect(secondPharmacy).refuse(first, 0, 30);
      const pending = childId(first, 1, 30);
      await supply.connect(distributor).ship(first, ids.pharmacy, 5);
      await supply.connect(regulator).recall(1, code("CHECK"), "");
      const tx = supply.connect(regulator).noticeHolders(1, [back, 2n, first, pending]);
      await expect(tx).to.emit(supply, "RecallNotice").withArgs(1, first, ids.distributor, 25, false);
      await expect(tx).to.emit(supply, "RecallNotice").withArgs(1, pending, ids.pharmacy, 5, false);
      const notices = (await (await tx).wait())!.logs.length;
      expect(notices).to.equal(2);
      // A suspended regulator decides nothing on a batch.
      await participants.connect(registrar).suspend(ids.regulator, code("audit"));
      await expect(supply.connect(regulator).resolveQuarantine(first, 0))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(regulator.address, 2);
    });

    it("is initialised once, through its proxy", async function () {
      const { supply, deployer } = await load(supplyFixture);
      await expect(supply.connect(deployer).initialize(deployer.address)).to.be.revertedWithCustomError(
        supply,
        "InvalidInitialization",
      );
    });
  });
});
