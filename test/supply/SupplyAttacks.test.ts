import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import {
  DAY,
  GTIN,
  OTC,
  SALT,
  allowanceKey,
  childId,
  code,
  prescriptionKey,
  productCommitment,
  stockedFixture,
  supplyFixture,
  unitsAccounted,
} from "../helpers/supply";

/**
 * The outside audit's attacks on the supply chain (notes: F1, F2, F4, F5), each written as the participant who
 * gains by it would run it, against the real deployment: each must now fail, or, for what the chain cannot hide,
 * show exactly what is public.
 */
const ORIGIN = 1n;
const HOT = 5_000;
const OK = 500;
const DRY = 3_000;
const ZERO_SIGNATURE = { r: hre.ethers.ZeroHash, vs: hre.ethers.ZeroHash };
/** The bound pharmacy going on with its fill: the key and salt, no signature. */
const OTC_FILL = (allowanceKey: string) => ({ ...OTC, allowanceKey, productSalt: SALT });

// keccak256(abi.encode(uint256(keccak256("miip.storage.SupplyChain")) - 1)) & ~bytes32(uint256(0xff)): the
// supply chain's storage; its shipments mapping is the fourth field.
const STORAGE = 0x39c00a36e4100fbe8b4307efc2d9dd1336ddb38ffc3d26250f21b81aea81c200n;
const SHIPMENTS_SLOT = STORAGE + 3n;

describe("SupplyChain against the participants who gain by breaking it", function () {
  afterEach("every unit of batch 1 is in a shipment, dispensed or destroyed", async function () {
    if (lastSupply === undefined) return;
    const u = await unitsAccounted(lastSupply, 1n);
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

  /**
   * The patient's prescription (2 units per fill, 2 fills, 30 days apart) at the hospital; a second pharmacy, a
   * rival of the patient's own, holds 10 units of the same batch (shipped from `first`).
   */
  async function prescribedFixture() {
    const suite = await stockedFixture();
    const key = prescriptionKey("prescription of patient A");
    await suite.supply
      .connect(suite.hospital)
      .setAllowance(key.address, productCommitment(GTIN, SALT), 2, 2, (await time.latest()) + 90 * DAY, 30 * DAY);
    const rivalStock = childId(suite.first, 0, 30);
    await suite.supply.connect(suite.distributor).ship(suite.first, suite.ids.secondPharmacy, 10);
    await suite.supply.connect(suite.secondPharmacy).accept(rivalStock);
    return { ...suite, key, allowance: allowanceKey(suite.ids.hospital, key.address), rivalStock };
  }

  describe("F1: a rival pharmacy that saw one fill cannot use the prescription", function () {
    it("refuses the key and salt read from an earlier fill, and the patient's signature for another pharmacy", async function () {
      const { supply, pharmacy, secondPharmacy, ids, unit, allowance, key, fillRequest, second, rivalStock } =
        await load(prescribedFixture);
      const u1 = unit("SN-0001");
      const signed = await fillRequest(key, ids.hospital, ids.pharmacy);
      const tx = await supply.connect(pharmacy).dispense(second, u1.index, u1.serial, u1.proof, signed);
      // Everything the patient's pharmacy sent is public: key, salt, and the patient's signature.
      const sent = supply.interface.parseTransaction({ data: (await tx.getTransaction())!.data })!;
      const leaked = sent.args[4];
      expect(leaked.allowanceKey).to.equal(allowance);
      const copy = {
        allowanceKey: leaked.allowanceKey,
        productSalt: leaked.productSalt,
        deadline: leaked.deadline,
        signature: { r: leaked.signature.r, vs: leaked.signature.vs },
      };
      const r1 = unit("SN-0040");
      const stolen = [rivalStock, r1.index, r1.serial, r1.proof] as const;
      // The rival goes on with the fill the patient's pharmacy opened: with no signature, or the copied one.
      for (const attempt of [{ ...copy, signature: ZERO_SIGNATURE }, copy]) {
        await expect(supply.connect(secondPharmacy).dispense(...stolen, attempt))
          .to.be.revertedWithCustomError(supply, "SupplyInvalidFillSignature")
          .withArgs(allowance, ids.secondPharmacy, 1);
      }
      // Nor can it open the next fill once the interval has passed, before the patient comes back.
      await supply
        .connect(pharmacy)
        .dispense(second, unit("SN-0002").index, unit("SN-0002").serial, unit("SN-0002").proof, {
          ...copy,
          signature: ZERO_SIGNATURE,
        }); // the patient's pharmacy ends fill 1 with the key alone
      await time.increase(30 * DAY);
      await expect(supply.connect(secondPharmacy).dispense(...stolen, copy))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidFillSignature")
        .withArgs(allowance, ids.secondPharmacy, 0);
      // The patient's own pharmacy with its old signature: past its deadline, and for the last fill.
      const u3 = unit("SN-0003");
      await expect(supply.connect(pharmacy).dispense(second, u3.index, u3.serial, u3.proof, copy))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidFillSignature")
        .withArgs(allowance, ids.pharmacy, 0);
      // Not even the patient's own pharmacy opens fill 2 without the patient: a signature for fill 1, however
      // fresh, is not one for fill 2.
      const spent = await fillRequest(key, ids.hospital, ids.pharmacy, { fillsAfter: 1 });
      await expect(supply.connect(pharmacy).dispense(second, u3.index, u3.serial, u3.proof, spent))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidFillSignature")
        .withArgs(allowance, ids.pharmacy, 0);
      await supply
        .connect(pharmacy)
        .dispense(second, u3.index, u3.serial, u3.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      const mine = await supply.queryFilter(supply.filters.Dispensed(undefined, allowance));
      expect(mine.map((e) => e.args.pharmacyId)).to.deep.equal([ids.pharmacy, ids.pharmacy, ids.pharmacy]);
      expect((await supply.dispensedUnit(GTIN, r1.serial)).batchId).to.equal(0n);
    });

    it("refuses a signature by any key but the prescription's, a malformed one, and one past its deadline", async function () {
      const { supply, pharmacy, ids, unit, allowance, key, fillRequest, second } = await load(prescribedFixture);
      const u = unit("SN-0001");
      const give = (fill: Awaited<ReturnType<typeof fillRequest>>) =>
        supply.connect(pharmacy).dispense(second, u.index, u.serial, u.proof, fill);
      // Someone else's prescription key signs for this allowance.
      const other = await fillRequest(prescriptionKey("another prescription"), ids.hospital, ids.pharmacy, {
        allowanceKey: allowance,
      });
      await expect(give(other))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidFillSignature")
        .withArgs(allowance, ids.pharmacy, 1);
      const signed = await fillRequest(key, ids.hospital, ids.pharmacy);
      await expect(give({ ...signed, signature: ZERO_SIGNATURE }))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidFillSignature")
        .withArgs(allowance, ids.pharmacy, 1);
      // The deadline is signed: a later one is another message, by nobody.
      await expect(give({ ...signed, deadline: BigInt(signed.deadline) + 1n }))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidFillSignature")
        .withArgs(allowance, ids.pharmacy, 1);
      await time.increaseTo(BigInt(signed.deadline) + 1n);
      await expect(give(signed))
        .to.be.revertedWithCustomError(supply, "SupplyFillSignatureExpired")
        .withArgs(allowance, signed.deadline);
      const a = await supply.getAllowance(allowance);
      expect([a.fillsLeft, a.unitsLeftInFill, a.lastFillAt, a.fillPharmacyId]).to.deep.equal([2n, 0n, 0n, 0n]);
    });

    it("lets the patient move a fill to another pharmacy, which then needs nothing more for it", async function () {
      const { supply, pharmacy, secondPharmacy, ids, unit, allowance, key, fillRequest, second, rivalStock } =
        await load(prescribedFixture);
      const u1 = unit("SN-0001");
      await supply
        .connect(pharmacy)
        .dispense(second, u1.index, u1.serial, u1.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      expect((await supply.getAllowance(allowance)).fillPharmacyId).to.equal(ids.pharmacy);
      // Out of stock at the first pharmacy: the patient signs for the second one to finish fill 1.
      const moved = await fillRequest(key, ids.hospital, ids.secondPharmacy);
      const r = unit("SN-0040");
      await expect(supply.connect(secondPharmacy).dispense(rivalStock, r.index, r.serial, r.proof, moved))
        .to.emit(supply, "Dispensed")
        .withArgs(1, allowance, ids.secondPharmacy, r.serial);
      const a = await supply.getAllowance(allowance);
      expect([a.fillsLeft, a.unitsLeftInFill, a.fillPharmacyId]).to.deep.equal([1n, 0n, ids.secondPharmacy]);
      // That signature named fill 1 (1 fill after it): one like it, however fresh, cannot open fill 2.
      await time.increase(30 * DAY);
      const r2 = unit("SN-0041");
      const again = await fillRequest(key, ids.hospital, ids.secondPharmacy, { fillsAfter: 1 });
      await expect(supply.connect(secondPharmacy).dispense(rivalStock, r2.index, r2.serial, r2.proof, again))
        .to.be.revertedWithCustomError(supply, "SupplyInvalidFillSignature")
        .withArgs(allowance, ids.secondPharmacy, 0);
    });

    it("keeps over-the-counter sales free of any prescription", async function () {
      const { supply, pharmacy, ids, unit, second } = await load(prescribedFixture);
      const u = unit("SN-0001");
      await expect(supply.connect(pharmacy).dispense(second, u.index, u.serial, u.proof, OTC))
        .to.emit(supply, "Dispensed")
        .withArgs(1, hre.ethers.ZeroHash, ids.pharmacy, u.serial);
    });
  });

  describe("F2: a holder cannot take units out of a late excursion's reach", function () {
    /** Shipment `a` (60 units, manufacturer to distributor) heated in transit; the reading is not in yet. */
    async function heatedFixture() {
      const suite = await supplyFixture();
      const { supply, asManufacturer, distributor, ids, devices, reading } = suite;
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 60);
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const excursion = await reading(a, HOT, DRY, 1);
      await supply.connect(distributor).accept(a);
      return { ...suite, a, excursion };
    }

    it("brings units shipped nowhere and reclaimed at once back into the shipment the reading then quarantines", async function () {
      const { supply, distributor, pharmacy, ids, a, excursion, submit } = await load(heatedFixture);
      const parked = childId(a, 0, 60);
      await supply.connect(distributor).ship(a, 999, 60); // no such institution: reclaimable at once
      await expect(supply.connect(distributor).reclaim(a, 0, 60))
        .to.emit(supply, "ShipmentReclaimed")
        .withArgs(parked, 1, ids.distributor, a, 60);
      await time.increase(DAY);
      await expect(submit(excursion)).to.emit(supply, "LateExcursion").withArgs(a, 1, 60, 0);
      const [held, gone] = [await supply.getShipment(a), await supply.getShipment(parked)];
      expect([held.quarantined, held.remaining, gone.remaining]).to.deep.equal([true, 60n, 0n]);
      await expect(supply.connect(distributor).ship(a, ids.pharmacy, 60))
        .to.be.revertedWithCustomError(supply, "SupplyShipmentQuarantined")
        .withArgs(a);
      await expect(supply.connect(distributor).ship(parked, ids.pharmacy, 1))
        .to.be.revertedWithCustomError(supply, "SupplyInsufficientUnits")
        .withArgs(parked, 1, 0);
      expect(await supply.holderOf(parked)).to.equal(ids.distributor);
      void pharmacy;
    });

    it("does the same for a receiver that refuses at once to help the sender", async function () {
      const { supply, distributor, secondPharmacy, ids, a, excursion, submit } = await load(heatedFixture);
      const parked = childId(a, 0, 60);
      await supply.connect(distributor).ship(a, ids.secondPharmacy, 60);
      await expect(supply.connect(secondPharmacy).refuse(a, 0, 60))
        .to.emit(supply, "ShipmentRefused")
        .withArgs(parked, 1, ids.distributor, a, 60);
      await expect(submit(excursion)).to.emit(supply, "LateExcursion").withArgs(a, 1, 60, 0);
      expect((await supply.getShipment(a)).quarantined).to.equal(true);
    });

    it("keeps a quarantined shipment's units in it when it comes back: a return launders no quarantine", async function () {
      const { supply, asManufacturer, distributor, ids, devices, reading, submit } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10);
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      await submit(await reading(a, HOT, DRY, 1));
      // The receiver reads the heat and refuses (its reading landed first, as it should).
      await expect(supply.connect(distributor).refuse(ORIGIN, 0, 100))
        .to.emit(supply, "ShipmentRefused")
        .withArgs(a, 1, ids.manufacturer, ORIGIN, 0);
      const [back, origin] = [await supply.getShipment(a), await supply.getShipment(ORIGIN)];
      expect([back.quarantined, back.remaining, origin.remaining, origin.quarantined]).to.deep.equal([
        true,
        10n,
        90n,
        false,
      ]);
      expect(await supply.holderOf(a)).to.equal(ids.manufacturer);
      await expect(asManufacturer.ship(a, ids.pharmacy, 1))
        .to.be.revertedWithCustomError(supply, "SupplyShipmentQuarantined")
        .withArgs(a);
    });

    it("shows what a reading after the return does: it flags the returned shipment, whose units are back in their source", async function () {
      const { supply, asManufacturer, distributor, ids, devices, reading, submit } = await load(supplyFixture);
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10);
      await supply.connect(distributor).assignDevice(a, devices.distributor.address);
      const late = await reading(a, HOT, DRY, 1);
      await supply.connect(distributor).refuse(ORIGIN, 0, 100);
      // Within the window the reading still counts, on the shipment it was taken for: flagged, nothing held.
      await expect(submit(late)).to.emit(supply, "LateExcursion").withArgs(a, 1, 0, 10);
      expect((await supply.getShipment(ORIGIN)).quarantined).to.equal(false);
    });

    it("stops returns into one source at 65,535: its later shipments can still be accepted", async function () {
      const { supply, asManufacturer, distributor, ids } = await load(supplyFixture);
      await asManufacturer.ship(ORIGIN, ids.distributor, 10);
      // 65,535 returns into the origin, written straight into its slot (bits 160 to 175).
      const slot = BigInt(
        hre.ethers.keccak256(
          hre.ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [ORIGIN, SHIPMENTS_SLOT]),
        ),
      );
      const address = await supply.getAddress();
      const word = BigInt(await hre.ethers.provider.getStorage(address, slot));
      await hre.network.provider.send("hardhat_setStorageAt", [
        address,
        hre.ethers.toQuantity(slot),
        hre.ethers.toBeHex(word | (0xffffn << 160n), 32),
      ]);
      await expect(supply.connect(distributor).refuse(ORIGIN, 0, 100))
        .to.be.revertedWithCustomError(supply, "SupplyTooManyReturns")
        .withArgs(ORIGIN);
      await expect(supply.connect(distributor).accept(childId(ORIGIN, 0, 100))).to.emit(supply, "ShipmentAccepted");
    });

    it("refuses a batch of 2^32 units or more, which one shipment could not count", async function () {
      const { supply, asManufacturer, input } = await load(supplyFixture);
      await expect(asManufacturer.registerBatch(input({ lot: code("HUGE"), quantity: 2n ** 32n })))
        .to.be.revertedWithCustomError(supply, "SupplyBatchTooLarge")
        .withArgs(2n ** 32n);
      expect(await supply.batchCount()).to.equal(1n);
    });
  });

  describe("A1: a device's revocation ends every assignment of its owner's holding, through recalibrations", function () {
    it("refuses readings after the revocation for a shipment assigned before a recalibration, whoever holds the key next", async function () {
      const {
        supply,
        distributor,
        rival,
        asManufacturer,
        ids,
        devices,
        registerDevice,
        deviceConsent,
        reading,
        submit,
      } = await load(supplyFixture);
      const logger = devices.distributor;
      const [a, b] = [childId(ORIGIN, 0, 100), childId(ORIGIN, 0, 40)];
      await asManufacturer.ship(ORIGIN, ids.distributor, 60); // a
      await asManufacturer.ship(ORIGIN, ids.distributor, 10); // b
      await supply.connect(distributor).assignDevice(a, logger.address);
      // A routine recalibration (a new registration by the same owner), then b.
      await registerDevice(distributor, ids.distributor, logger, "v2");
      await expect(supply.connect(distributor).assignDevice(a, logger.address))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceAlreadyAssigned")
        .withArgs(logger.address, a);
      await supply.connect(distributor).assignDevice(b, logger.address);
      const before = await reading(a, OK, DRY, 1, logger); // taken while the logger was the distributor's
      await time.increase(60);
      await supply.connect(distributor).revokeDevice(logger.address);
      const revokedAt = (await supply.getDevice(logger.address)).revokedAt;
      await time.increase(3_600);
      // The key's next holder registers it and signs readings dated after the revocation: for neither shipment.
      await supply
        .connect(rival)
        .registerDevice(logger.address, 3, hre.ethers.id("calibration v1"), await deviceConsent(logger, ids.rival));
      for (const [shipment, sequence] of [
        [a, 7],
        [b, 7],
      ] as const) {
        const forged = await reading(shipment, HOT, DRY, sequence, logger);
        expect(forged.r.timestamp).to.be.greaterThan(revokedAt);
        await expect(submit(forged))
          .to.be.revertedWithCustomError(supply, "SupplyReadingOutsideShipment")
          .withArgs(shipment, logger.address, forged.r.timestamp);
      }
      // What it measured before the revocation still counts.
      await expect(submit(before)).to.emit(supply, "ReadingRecorded");
      expect([(await supply.getShipment(a)).quarantined, (await supply.getShipment(b)).quarantined]).to.deep.equal([
        false,
        false,
      ]);
    });
  });

  describe("R3: a device's revocation and its owner's status follow the tenure it was assigned under", function () {
    it("assigns a device to a shipment once: assigned again after a revocation, it would speak for the gap", async function () {
      const { supply, distributor, asManufacturer, ids, devices, registerDevice, reading, submit } =
        await load(supplyFixture);
      const logger = devices.distributor;
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 60);
      await supply.connect(distributor).assignDevice(a, logger.address);
      await supply.connect(distributor).revokeDevice(logger.address);
      await time.increase(60);
      const gap = await reading(a, HOT, DRY, 1, logger); // signed after the revocation
      await registerDevice(distributor, ids.distributor, logger, "v2"); // a new tenure
      await expect(supply.connect(distributor).assignDevice(a, logger.address))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceAlreadyAssigned")
        .withArgs(logger.address, a);
      await expect(submit(gap))
        .to.be.revertedWithCustomError(supply, "SupplyReadingOutsideShipment")
        .withArgs(a, logger.address, gap.r.timestamp);
      expect((await supply.getShipment(a)).quarantined).to.equal(false);
    });

    it("asks the owner that held the device then, not whoever holds its key now, whether its readings count", async function () {
      const {
        supply,
        participants,
        registrar,
        distributor,
        rival,
        asManufacturer,
        ids,
        devices,
        deviceConsent,
        reading,
        submit,
      } = await load(supplyFixture);
      const logger = devices.distributor;
      const a = childId(ORIGIN, 0, 100);
      await asManufacturer.ship(ORIGIN, ids.distributor, 60);
      await supply.connect(distributor).assignDevice(a, logger.address);
      const heat = await reading(a, HOT, DRY, 1, logger); // taken while the distributor held it
      await time.increase(60);
      await supply.connect(distributor).revokeDevice(logger.address);
      await supply
        .connect(rival)
        .registerDevice(logger.address, 3, hre.ethers.id("calibration v1"), await deviceConsent(logger, ids.rival));
      // The key's new holder suspended: the distributor's reading still counts.
      await participants.connect(registrar).suspend(ids.rival, code("audit"));
      const snapshot = await hre.network.provider.send("evm_snapshot");
      await expect(submit(heat)).to.emit(supply, "Excursion").withArgs(a, 1, logger.address, HOT, DRY);
      await hre.network.provider.send("evm_revert", [snapshot]);
      // The distributor suspended: its devices are silent, whoever holds the key now.
      await participants.connect(registrar).suspend(ids.distributor, code("audit"));
      await expect(submit(heat))
        .to.be.revertedWithCustomError(supply, "SupplyDeviceOwnerNotActive")
        .withArgs(logger.address, ids.distributor);
    });
  });

  describe("F4: governance stops the prescriptions of a hospital it no longer trusts", function () {
    it("lets only the guardian revoke an allowance, at once, even when its hospital is suspended", async function () {
      const {
        supply,
        participants,
        registrar,
        deployer,
        hospital,
        pharmacy,
        ids,
        unit,
        allowance,
        key,
        fillRequest,
        second,
      } = await load(prescribedFixture);
      await participants.connect(registrar).suspend(ids.hospital, code("fraudulent prescribing"));
      // The suspended hospital cannot cancel; the registrar and the hospital cannot revoke.
      await expect(supply.connect(hospital).cancelAllowance(allowance)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsNotActive",
      );
      for (const who of [hospital, registrar]) {
        await expect(supply.connect(who).revokeAllowance(allowance, code("fraud")))
          .to.be.revertedWithCustomError(supply, "AccessManagedUnauthorized")
          .withArgs(who.address);
      }
      await expect(supply.connect(deployer).revokeAllowance(allowance, code("fraud")))
        .to.emit(supply, "AllowanceRevoked")
        .withArgs(allowance, ids.hospital, code("fraud"));
      const u = unit("SN-0001");
      await expect(
        supply
          .connect(pharmacy)
          .dispense(
            second,
            u.index,
            u.serial,
            u.proof,
            await fillRequest(key, ids.hospital, ids.pharmacy, { fillsAfter: 1 }),
          ),
      )
        .to.be.revertedWithCustomError(supply, "SupplyUnknownAllowance")
        .withArgs(allowance);
      await expect(supply.getAllowance(allowance))
        .to.be.revertedWithCustomError(supply, "SupplyUnknownAllowance")
        .withArgs(allowance);
      for (const gone of [allowance, hre.ethers.id("no such allowance")]) {
        await expect(supply.connect(deployer).revokeAllowance(gone, code("fraud")))
          .to.be.revertedWithCustomError(supply, "SupplyUnknownAllowance")
          .withArgs(gone);
      }
    });
  });

  describe("A4: a suspended hospital's prescriptions open no fill", function () {
    it("refuses to open or move a fill while the prescriber is suspended; a fill already open is finished", async function () {
      const {
        supply,
        participants,
        registrar,
        pharmacy,
        secondPharmacy,
        ids,
        unit,
        allowance,
        key,
        fillRequest,
        second,
        rivalStock,
      } = await load(prescribedFixture);
      const u1 = unit("SN-0001");
      await supply
        .connect(pharmacy)
        .dispense(second, u1.index, u1.serial, u1.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      await participants.connect(registrar).suspend(ids.hospital, code("fraudulent prescribing"));
      // Moving the open fill to another pharmacy, even with the patient's signature: refused.
      const r = unit("SN-0040");
      const moved = await fillRequest(key, ids.hospital, ids.secondPharmacy);
      await expect(supply.connect(secondPharmacy).dispense(rivalStock, r.index, r.serial, r.proof, moved))
        .to.be.revertedWithCustomError(supply, "SupplyPrescriberNotActive")
        .withArgs(allowance, ids.hospital);
      // The fill already open at the patient's pharmacy is finished there.
      const u2 = unit("SN-0002");
      await supply.connect(pharmacy).dispense(second, u2.index, u2.serial, u2.proof, OTC_FILL(allowance));
      // The next fill does not open, whoever signs.
      await time.increase(30 * DAY);
      const u3 = unit("SN-0003");
      await expect(
        supply
          .connect(pharmacy)
          .dispense(second, u3.index, u3.serial, u3.proof, await fillRequest(key, ids.hospital, ids.pharmacy)),
      )
        .to.be.revertedWithCustomError(supply, "SupplyPrescriberNotActive")
        .withArgs(allowance, ids.hospital);
      // Nothing was taken from the allowance by the refused attempts.
      const a = await supply.getAllowance(allowance);
      expect([a.fillsLeft, a.unitsLeftInFill]).to.deep.equal([1n, 0n]);
    });
  });

  describe("F5: what an allowance hides, and from when it no longer can", function () {
    it("shows only a commitment when set; the first fill's transaction reveals the product to anyone", async function () {
      const { supply, hospital, pharmacy, ids, unit, fillRequest, second } = await load(stockedFixture);
      const key = prescriptionKey("what is public");
      const set = await supply
        .connect(hospital)
        .setAllowance(key.address, productCommitment(GTIN, SALT), 1, 1, (await time.latest()) + DAY, 0);
      const gtinHex = GTIN.toString(16);
      const receipt = (await set.wait())!;
      const logs = receipt.logs.map((l) => l.topics.join("") + l.data).join("");
      for (const text of [set.data, logs]) expect(text.toLowerCase()).to.not.include(gtinHex);
      // The first fill sends the salt in clear, and the batch names the GTIN: the commitment opens.
      const u = unit("SN-0001");
      const fill = await supply
        .connect(pharmacy)
        .dispense(second, u.index, u.serial, u.proof, await fillRequest(key, ids.hospital, ids.pharmacy));
      const salt = supply.interface.parseTransaction({ data: fill.data })!.args[4].productSalt;
      const gtin = (await supply.getBatch(1)).gtin;
      const stored = (await supply.getAllowance(allowanceKey(ids.hospital, key.address))).productCommitment;
      expect(productCommitment(gtin, salt).slice(0, 20)).to.equal(stored);
    });
  });
});
