import { encodeBytes32String, type Signer, isHexString } from "ethers";

import { READING_TYPES, compactSignature, supplyDomain } from "../../config/eip712";
import type { Core, TxInfo } from "../core";
import { eventNamed, eventsNamed } from "../core";
import { type DeviceKindName, parseDeviceKind } from "../labels";
import { type UnitProof, serialHash } from "../serials";
import { reasonCode } from "./consent";

/** A batch to register; temperatures in hundredths of a degree Celsius, humidity in hundredths of a percent. */
export interface BatchInput {
  gtin: bigint;
  /** The lot code ("LOT-2611-A") or its bytes32. */
  lot: string;
  manufacturedAt: number;
  expiresAt: number;
  quantity: number;
  tempMin: number;
  tempMax: number;
  humidityMin: number;
  humidityMax: number;
  /** The root of the batch's serial tree (see buildSerialTree). */
  serialRoot: string;
  metadataURI: string;
}

/** One cold-chain reading, before its device signs it. */
export interface ReadingInput {
  shipmentId: bigint | number;
  /** Hundredths of a degree Celsius. */
  temperature: number;
  /** Hundredths of a percent relative humidity. */
  humidity: number;
  /** When measured (unix); the chain's now when absent. */
  timestamp?: number;
}

/** Readings signed by their device (EIP-712, EIP-2098 compact), for any gateway to submit. */
export interface SignedReadings {
  readings: {
    device: string;
    shipmentId: bigint;
    temperature: number;
    humidity: number;
    timestamp: bigint;
    sequence: bigint;
  }[];
  signatures: { r: string; vs: string }[];
}

/** What anyone learns by checking a unit. */
export interface UnitVerification {
  genuine: boolean;
  gtin: bigint;
  lot: string;
  expiresAt: number;
  expired: boolean;
  recalled: boolean;
  quarantinedUnits: bigint;
  excursions: number;
  dispensed: boolean;
}

function lotCode(lot: string): string {
  return isHexString(lot, 32) ? lot : encodeBytes32String(lot);
}

/** The drug supply chain: batches, custody in two steps, device readings, dispensing, verification, recalls. */
export class SupplyApi {
  constructor(private readonly core: Core) {}

  /** An active manufacturer registers a batch; returns its id. */
  async registerBatch(input: BatchInput): Promise<TxInfo & { batchId: bigint }> {
    const info = await this.core.send(() =>
      this.core.contracts.supply.registerBatch({ ...input, lot: lotCode(input.lot) }),
    );
    return { ...info, batchId: eventNamed(info, "BatchRegistered").batchId as bigint };
  }

  /** A holder ships units of a batch to another institution (by address); returns the shipment id. */
  async ship(batchId: bigint | number, to: string, quantity: number): Promise<TxInfo & { shipmentId: bigint }> {
    const info = await this.core.send(() => this.core.contracts.supply.ship(batchId, to, quantity));
    return { ...info, shipmentId: eventNamed(info, "Shipped").shipmentId as bigint };
  }

  /** The receiver accepts a shipment; `quarantined` if a reading on the way was out of range. */
  async accept(shipmentId: bigint | number): Promise<TxInfo & { quarantined: boolean }> {
    const info = await this.core.send(() => this.core.contracts.supply.accept(shipmentId));
    return { ...info, quarantined: eventNamed(info, "ShipmentAccepted").quarantined as boolean };
  }

  /** The receiver refuses a shipment; the units go back to the sender. */
  async refuse(shipmentId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.refuse(shipmentId));
  }

  /** An institution registers an IoT device it owns; `kind` by name ("combined-logger") or number. */
  async registerDevice(device: string, kind: DeviceKindName | number, calibrationHash: string): Promise<TxInfo> {
    const code = parseDeviceKind(kind);
    return this.core.send(() => this.core.contracts.supply.registerDevice(device, code, calibrationHash));
  }

  /** The owner revokes a device (lost, tampered, recalibration due). */
  async revokeDevice(device: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.revokeDevice(device));
  }

  /**
   * A device signs readings with consecutive sequence numbers after the last the chain accepted. `device` is
   * the device's own key (an ethers Wallet on the logger); the client's signer is not involved.
   */
  async signReadings(device: Signer, inputs: ReadingInput[]): Promise<SignedReadings> {
    const address = await device.getAddress();
    let sequence = (await this.core.contracts.supply.getDevice(address)).lastSequence;
    const now = await this.core.now();
    const domain = supplyDomain(this.core.chainId, this.core.deployment.SupplyChain);
    const readings = inputs.map((r) => ({
      device: address,
      shipmentId: BigInt(r.shipmentId),
      temperature: r.temperature,
      humidity: r.humidity,
      timestamp: BigInt(r.timestamp ?? now),
      sequence: ++sequence,
    }));
    const signatures = [];
    for (const reading of readings) {
      signatures.push(compactSignature(await device.signTypedData(domain, READING_TYPES, reading)));
    }
    return { readings, signatures };
  }

  /** Anyone (a gateway) submits signed readings; returns how many were recorded and the excursions found. */
  async submitReadings(
    signed: SignedReadings,
  ): Promise<TxInfo & { recorded: number; excursions: { shipmentId: bigint; temperature: number }[] }> {
    const info = await this.core.send(() =>
      this.core.contracts.supply.submitReadings(signed.readings, signed.signatures),
    );
    return {
      ...info,
      recorded: eventsNamed(info, "ReadingRecorded").length,
      excursions: eventsNamed(info, "Excursion").map((e) => ({
        shipmentId: e.shipmentId as bigint,
        temperature: Number(e.temperature),
      })),
    };
  }

  /**
   * A pharmacy dispenses one unit, under a prescription (to its patient) or over the counter (naming nobody on
   * chain). `dispensed` is false, with `counterfeit` true, when the serial was already dispensed: the chain
   * raised a CounterfeitAlert instead of reverting, so the alert stays.
   */
  async dispense(input: {
    batchId: bigint | number;
    unit: UnitProof;
    prescriptionId?: bigint | number;
  }): Promise<TxInfo & { dispensed: boolean; counterfeit: boolean }> {
    const { unit } = input;
    const info = await this.core.send(() =>
      this.core.contracts.supply.dispense(
        input.batchId,
        unit.index,
        serialHash(unit.serial),
        unit.proof,
        input.prescriptionId ?? 0,
      ),
    );
    const counterfeit = info.events.some((e) => e.name === "CounterfeitAlert");
    return { ...info, dispensed: !counterfeit, counterfeit };
  }

  /** Anyone checks a unit: genuine, expired, recalled, quarantined units, excursions, already dispensed. */
  async verify(batchId: bigint | number, unit: UnitProof): Promise<UnitVerification> {
    const v = await this.core.read(() =>
      this.core.contracts.supply.verify(batchId, unit.index, serialHash(unit.serial), unit.proof),
    );
    return {
      genuine: v.genuine,
      gtin: v.gtin,
      lot: v.lot,
      expiresAt: Number(v.expiresAt),
      expired: v.expired,
      recalled: v.recalled,
      quarantinedUnits: v.quarantinedUnits,
      excursions: Number(v.excursions),
      dispensed: v.dispensed,
    };
  }

  /** The manufacturer or a regulator recalls a batch with a reason code. */
  async recall(batchId: bigint | number, reason: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.recall(batchId, reasonCode(reason)));
  }

  /** Anyone emits the recall notices naming current holders (by institution id). */
  async noticeHolders(batchId: bigint | number, holderIds: number[]): Promise<TxInfo & { notified: number }> {
    const info = await this.core.send(() => this.core.contracts.supply.noticeHolders(batchId, holderIds));
    return { ...info, notified: eventsNamed(info, "RecallNotice").length };
  }

  /** A regulator releases or destroys quarantined units at a holder. */
  async resolveQuarantine(batchId: bigint | number, holderId: number, quantity: number, destroy: boolean) {
    return this.core.send(() => this.core.contracts.supply.resolveQuarantine(batchId, holderId, quantity, destroy));
  }

  /** Units of a batch an institution (by address) holds: available and quarantined. */
  async holdingOf(batchId: bigint | number, holder: string): Promise<{ available: bigint; quarantined: bigint }> {
    const { id } = await this.core.contracts.participants.memberOf(holder);
    const [available, quarantined] = await this.core.contracts.supply.holdingOf(batchId, id);
    return { available, quarantined };
  }
}
