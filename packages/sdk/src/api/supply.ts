import {
  AbiCoder,
  BaseWallet,
  SigningKey,
  encodeBytes32String,
  decodeBytes32String,
  isAddress,
  isHexString,
  keccak256,
  toUtf8Bytes,
  toUtf8String,
  type Signer,
} from "ethers";

import {
  ADVERSE_EVENT_REPORT_TYPES,
  FILL_TYPES,
  INTAKE_TYPES,
  DEVICE_REGISTRATION_TYPES,
  READING_TYPES,
  compactSignature,
  supplyDomain,
} from "../eip712.ts";
import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed, eventsNamed } from "../core.ts";
import { shortId } from "../errors.ts";
import { type PackCode, checkPackField, languageCode } from "../gs1.ts";
import { type DeviceKindName, parseDeviceKind } from "../labels.ts";
import { type UnitProof, serialHash } from "../units.ts";
import { reasonCode } from "./consent.ts";

const abi = AbiCoder.defaultAbiCoder();

/** A batch to register; temperatures in hundredths of a degree Celsius, humidity in hundredths of a percent. */
export interface BatchInput {
  /** The product's GTIN-14, registered to the manufacturer in the product registry. */
  gtin: bigint;
  /** The lot as printed ("LOT-2611-A") or its bytes32. */
  lot: string;
  manufacturedAt: number;
  /** The end of the day printed as the pack's expiry (see gs1Date). */
  expiresAt: number;
  quantity: number;
  tempMin: number;
  tempMax: number;
  humidityMin: number;
  humidityMax: number;
  /** The root of the batch's serial tree (see buildSerialTree). */
  serialRoot: string;
  metadataURI: string;
  /** A public note for whoever checks a pack (storage advice); empty by default. */
  message?: string;
}

/** One cold-chain reading, before its device signs it. */
export interface ReadingInput {
  shipmentId: bigint;
  /** Hundredths of a degree Celsius. */
  temperature: number;
  /** Hundredths of a percent relative humidity. */
  humidity: number;
  /** The device's counter for this shipment: each value once, in any order. */
  sequence: number | bigint;
  /** When measured (unix); the chain's now when absent. */
  timestamp?: number;
}

/** Readings signed by their device (EIP-712, EIP-2098 compact), for anyone to submit. */
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

/** A patient's signed consent that one pharmacy open (or take over) a fill of their prescription. */
export interface FillAuthorization {
  allowanceKey: string;
  pharmacyId: bigint;
  /** The fill it is for: the allowance's fills left once that fill is open. */
  fillsAfter: number;
  deadline: number;
  signature: { r: string; vs: string };
}

/** A prescription's fill allowance, as its hospital sets it. */
export interface AllowanceInput {
  /**
   * The address of the patient's key for this prescription, from the patient's app (`prescriptionKey(secret)
   * .address`): the secret stays on the patient's phone, never with the hospital, the pharmacy or in the document,
   * so that only the patient can open a fill ({@link SupplyApi.authorizeFill}) or report as the patient.
   */
  keyAddress: string;
  /** The product prescribed, and the salt that hides it on chain (32 bytes hex, in the document too). */
  gtin: bigint;
  productSalt: string;
  unitsPerFill: number;
  fills: number;
  /** Last moment it may be used (unix). */
  validUntil: number;
  /** Least time between two fills, in seconds (0: none). */
  refillInterval?: number;
}

/** What anyone learns about a pack from its printed codes. */
export interface PackVerification {
  /** The batch its GTIN and lot name (0n: none: the pack is not genuine). */
  batchId: bigint;
  /** Genuine serial of that batch, and the printed expiry is the batch's. */
  authentic: boolean;
  genuine: boolean;
  expiryMatches: boolean;
  manufacturerId: number;
  manufacturer: string;
  product: { name: string; strength: string; form: string; marketingAuthorisationHolder: string };
  expiresAt: number;
  expired: boolean;
  recalled: boolean;
  recallMessage: string;
  batchMessage: string;
  excursions: number;
  adverseEvents: number;
  /** Dispensed before (under any lot): a pack presented again is a copy, or this one is. */
  dispensed: boolean;
  dispensedBatch: bigint;
  dispensedBy: number;
  dispensedAt: number;
  /** The current leaflet, in the language asked for or the product's first (version 0: none). */
  leaflet: { language: string; version: number; digest: string; uri: string };
}

/** A unit a patient received under one of their prescriptions, and its batch's recall state. */
export interface ReceivedUnit {
  batchId: bigint;
  serial: string;
  pharmacyId: number;
  allowanceKey: string;
  blockNumber: number;
  recalled: boolean;
  recallMessage: string;
}

function lotCode(lot: string): string {
  return isHexString(lot, 32) ? lot : encodeBytes32String(lot);
}

/**
 * The patient's key for one prescription, derived from a secret only the patient's phone keeps: its address, which
 * the patient's app gives the hospital, goes into the allowance's key; its private key signs the patient's consent
 * to each fill and the patient's adverse-event reports. Neither names the patient. Whoever holds the secret can
 * fill the prescription: it goes in no document the hospital or the pharmacy reads.
 */
export function prescriptionKey(secret: string): BaseWallet {
  if (!isHexString(secret, 32)) throw new MIIPClientError("a prescription's secret is 32 bytes of hex");
  // A BaseWallet, not a Wallet: the latter brings keystores and randomness the SDK's browser bundle avoids.
  return new BaseWallet(
    new SigningKey(keccak256(abi.encode(["string", "bytes32"], ["MIIP prescription key", secret]))),
  );
}

/** The allowance key of a prescription set by hospital `hospitalId`: keccak256(abi.encode(hospitalId, keyAddress)). */
export function allowanceKey(hospitalId: bigint | number, keyAddress: string): string {
  return keccak256(abi.encode(["uint32", "address"], [hospitalId, keyAddress]));
}

/** The product hidden in an allowance: keccak256(abi.encode(gtin, salt)) (the chain keeps its first 9 bytes). */
export function productCommitment(gtin: bigint, salt: string): string {
  return keccak256(abi.encode(["uint64", "bytes32"], [gtin, salt]));
}

/**
 * A shipment's id, as the chain derives it from its source, the source's units before it left and the returned
 * shipments the source had taken back by then (0 unless a shipment from it was refused or reclaimed): all three
 * are in the shipment's `Shipped` event.
 */
export function shipmentIdOf(
  sourceId: bigint,
  remainingBefore: bigint | number,
  returnsBefore: bigint | number = 0,
): bigint {
  return BigInt(keccak256(abi.encode(["uint256", "uint16", "uint40"], [sourceId, returnsBefore, remainingBefore])));
}

/**
 * The drug supply chain: batches of owned products, custody in shipments, devices bound to shipments, cold-chain
 * readings, prescriptions with fill allowances, dispensing, verification from the pack, recalls, adverse events.
 */
export class SupplyApi {
  constructor(private readonly core: Core) {}

  private get domain() {
    return supplyDomain(this.core.chainId, this.core.deployment.SupplyChain);
  }

  private async institutionId(who: string | number | bigint): Promise<bigint> {
    if (typeof who !== "string") return BigInt(who);
    if (!isAddress(who)) throw new MIIPClientError(`not an address or an institution id: ${who}`);
    return (await this.core.contracts.participants.memberOf(who)).id;
  }

  // ---------------------------------------------------------------- batches and custody

  /** The manufacturer that owns the GTIN registers a batch; its units sit at its origin (id = batch id). */
  async registerBatch(input: BatchInput): Promise<TxInfo & { batchId: bigint; origin: bigint }> {
    if (!isHexString(input.lot, 32)) {
      // The lot goes on chain for good and on every pack: one that no scanner reads back is refused here.
      try {
        checkPackField("10", input.lot);
      } catch (error) {
        throw new MIIPClientError((error as Error).message);
      }
    }
    const info = await this.core.send(() =>
      this.core.contracts.supply.registerBatch({ ...input, lot: lotCode(input.lot), message: input.message ?? "" }),
    );
    const batchId = eventNamed(info, "BatchRegistered").batchId as bigint;
    return { ...info, batchId, origin: batchId };
  }

  /** A holder ships units from a shipment it holds (or a batch's origin) to an institution (address or id). */
  async ship(
    sourceId: bigint | number,
    to: string | number | bigint,
    quantity: number,
  ): Promise<TxInfo & { shipmentId: bigint }> {
    const toId = await this.institutionId(to);
    const info = await this.core.send(() => this.core.contracts.supply.ship(sourceId, toId, quantity));
    return { ...info, shipmentId: eventNamed(info, "Shipped").shipmentId as bigint };
  }

  /** The receiver accepts a shipment; `quarantined` if a reading on the way was out of range. */
  async accept(shipmentId: bigint): Promise<TxInfo & { quarantined: boolean }> {
    const info = await this.core.send(() => this.core.contracts.supply.accept(shipmentId));
    return { ...info, quarantined: eventNamed(info, "ShipmentAccepted").quarantined as boolean };
  }

  /**
   * Where a shipment's units came from, from its `Shipped` event: the source, and the returns into it and its units
   * before it left, which name the shipment on chain (`keccak256(abi.encode(sourceId, returns, remaining))`) and
   * which refusing or reclaiming it takes.
   */
  async sourceOf(shipmentId: bigint): Promise<{ sourceId: bigint; sourceReturns: bigint; sourceRemaining: bigint }> {
    const supply = this.core.contracts.supply;
    const logs = await this.core.read(() => supply.queryFilter(supply.filters.Shipped(shipmentId), 0));
    if (logs.length === 0)
      throw new MIIPClientError(`no shipment ${shortId(shipmentId)} left any holder on this chain`);
    const { sourceId, sourceReturns, sourceRemaining } = logs[0].args;
    return { sourceId, sourceReturns, sourceRemaining };
  }

  /**
   * The receiver refuses a shipment; its units go back into the shipment they left (unless a reading quarantined
   * them: they then stay in it, quarantined, with the sender). `returned` is the units put back.
   */
  async refuse(shipmentId: bigint): Promise<TxInfo & { returned: number }> {
    const s = await this.sourceOf(shipmentId);
    const info = await this.core.send(() =>
      this.core.contracts.supply.refuse(s.sourceId, s.sourceReturns, s.sourceRemaining),
    );
    return { ...info, returned: Number(eventNamed(info, "ShipmentRefused").returned) };
  }

  /**
   * The sender takes back a shipment not accepted within the timeout (at once if the receiver is not active); its
   * units go back into their source, as for a refusal.
   */
  async reclaim(shipmentId: bigint): Promise<TxInfo & { returned: number }> {
    const s = await this.sourceOf(shipmentId);
    const info = await this.core.send(() =>
      this.core.contracts.supply.reclaim(s.sourceId, s.sourceReturns, s.sourceRemaining),
    );
    return { ...info, returned: Number(eventNamed(info, "ShipmentReclaimed").returned) };
  }

  /** A shipment, with who holds it now (0: in transit). */
  async shipment(shipmentId: bigint) {
    const s = await this.core.read(() => this.core.contracts.supply.getShipment(shipmentId));
    const holder = await this.core.read(() => this.core.contracts.supply.holderOf(shipmentId));
    return {
      batchId: s.batchId,
      fromId: Number(s.fromId),
      toId: Number(s.toId),
      quantity: Number(s.quantity),
      remaining: Number(s.remaining),
      status: Number(s.status),
      quarantined: s.quarantined,
      shippedAt: Number(s.shippedAt),
      endedAt: Number(s.endedAt),
      holderId: Number(holder),
    };
  }

  // ---------------------------------------------------------------- devices and readings

  /**
   * The device's consent to be registered by institution `ownerId`: an EIP-712 signature by the device's own key,
   * made on the device (here, by its Signer).
   */
  async deviceConsent(
    device: Signer,
    ownerId: bigint | number,
    kind: DeviceKindName | number,
    calibrationHash: string,
  ): Promise<{ r: string; vs: string }> {
    const address = await device.getAddress();
    const { nonce } = await this.core.contracts.supply.getDevice(address);
    return compactSignature(
      await device.signTypedData(this.domain, DEVICE_REGISTRATION_TYPES, {
        device: address,
        ownerId,
        kind: parseDeviceKind(kind),
        calibrationHash,
        nonce,
      }),
    );
  }

  /** The signer's institution registers a device with the device's consent ({@link deviceConsent}). */
  async registerDevice(
    device: string,
    kind: DeviceKindName | number,
    calibrationHash: string,
    consent: { r: string; vs: string },
  ): Promise<TxInfo> {
    const code = parseDeviceKind(kind);
    return this.core.send(() => this.core.contracts.supply.registerDevice(device, code, calibrationHash, consent));
  }

  /** The owner revokes a device (lost, tampered, recalibration due): readings it took before still count. */
  async revokeDevice(device: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.revokeDevice(device));
  }

  /** The shipment's sender or receiver assigns one of its devices to it while it is in transit. */
  async assignDevice(shipmentId: bigint, device: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.assignDevice(shipmentId, device));
  }

  /** A device signs readings (`device` is the logger's own key; the client's signer is not involved). */
  async signReadings(device: Signer, inputs: ReadingInput[]): Promise<SignedReadings> {
    const address = await device.getAddress();
    const now = await this.core.now();
    const readings = inputs.map((r) => ({
      device: address,
      shipmentId: r.shipmentId,
      temperature: r.temperature,
      humidity: r.humidity,
      timestamp: BigInt(r.timestamp ?? now),
      sequence: BigInt(r.sequence),
    }));
    const signatures = [];
    for (const reading of readings) {
      signatures.push(compactSignature(await device.signTypedData(this.domain, READING_TYPES, reading)));
    }
    return { readings, signatures };
  }

  /** Anyone submits signed readings; returns how many were recorded, the excursions and late quarantines. */
  async submitReadings(signed: SignedReadings): Promise<
    TxInfo & {
      recorded: number;
      excursions: { shipmentId: bigint; temperature: number; humidity: number }[];
      late: { shipmentId: bigint; quarantined: number; flagged: number }[];
    }
  > {
    const info = await this.core.send(() =>
      this.core.contracts.supply.submitReadings(signed.readings, signed.signatures),
    );
    return {
      ...info,
      recorded: eventsNamed(info, "ReadingRecorded").length,
      excursions: eventsNamed(info, "Excursion").map((e) => ({
        shipmentId: e.shipmentId as bigint,
        temperature: Number(e.temperature),
        humidity: Number(e.humidity),
      })),
      late: eventsNamed(info, "LateExcursion").map((e) => ({
        shipmentId: e.shipmentId as bigint,
        quarantined: Number(e.quarantined),
        flagged: Number(e.flagged),
      })),
    };
  }

  // ---------------------------------------------------------------- prescriptions and dispensing

  /** The hospital sets a prescription's fill allowance; returns its key (what the pharmacy presents). */
  async setAllowance(input: AllowanceInput): Promise<TxInfo & { key: string }> {
    const info = await this.core.send(() =>
      this.core.contracts.supply.setAllowance(
        input.keyAddress,
        productCommitment(input.gtin, input.productSalt),
        input.unitsPerFill,
        input.fills,
        input.validUntil,
        input.refillInterval ?? 0,
      ),
    );
    return { ...info, key: eventNamed(info, "AllowanceSet").key as string };
  }

  /** The hospital that set an allowance cancels it. */
  async cancelAllowance(key: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.cancelAllowance(key));
  }

  /** Governance (the guardian role) revokes an allowance at once, with a reason code (text or bytes32). */
  async revokeAllowance(key: string, reason: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.revokeAllowance(key, reasonCode(reason)));
  }

  /**
   * The patient's consent that one pharmacy fill their prescription, signed with the prescription's key (on the
   * patient's phone; never the patient's own key): what a pharmacy shows to open a fill, or to go on with a fill
   * another pharmacy opened. It names the fill it is for, read from the allowance now, and lasts `validFor` seconds
   * (15 minutes by default): enough for the counter, too little to be kept.
   */
  async authorizeFill(input: {
    secret: string;
    hospitalId: bigint | number;
    pharmacy: string | number | bigint;
    validFor?: number;
  }): Promise<FillAuthorization> {
    const key = prescriptionKey(input.secret);
    const allowanceKeyValue = allowanceKey(input.hospitalId, key.address);
    const pharmacyId = await this.institutionId(input.pharmacy);
    const a = await this.allowance(allowanceKeyValue);
    const opening = a.unitsLeftInFill === 0;
    if (opening && a.fillsLeft === 0) throw new MIIPClientError("this prescription has no fill left");
    const fillsAfter = opening ? a.fillsLeft - 1 : a.fillsLeft;
    const now = await this.core.now();
    const deadline = now + (input.validFor ?? 15 * 60);
    const signature = compactSignature(
      await key.signTypedData(this.domain, FILL_TYPES, {
        allowanceKey: allowanceKeyValue,
        pharmacyId,
        fillsAfter,
        deadline,
      }),
    );
    return { allowanceKey: allowanceKeyValue, pharmacyId, fillsAfter, deadline, signature };
  }

  /** An allowance's state. */
  async allowance(key: string) {
    const a = await this.core.read(() => this.core.contracts.supply.getAllowance(key));
    return {
      hospitalId: Number(a.hospitalId),
      unitsPerFill: Number(a.unitsPerFill),
      fillsLeft: Number(a.fillsLeft),
      unitsLeftInFill: Number(a.unitsLeftInFill),
      validUntil: Number(a.validUntil),
      refillInterval: Number(a.refillInterval),
      lastFillAt: Number(a.lastFillAt),
      fillPharmacyId: Number(a.fillPharmacyId),
    };
  }

  /**
   * A pharmacy dispenses one unit from a shipment it holds, under an allowance (the product salt from the
   * prescription, and the patient's {@link SupplyApi.authorizeFill} to open a fill or take over one) or over the
   * counter. The pharmacy a fill is bound to dispenses the rest of it with the key alone. `dispensed` is false, with
   * `counterfeit` true, when this GTIN and serial was dispensed before under any lot: the chain raised a
   * CounterfeitAlert instead of reverting.
   */
  async dispense(input: {
    shipmentId: bigint;
    unit: UnitProof;
    allowance?: { key: string; productSalt: string; authorization?: FillAuthorization };
  }): Promise<TxInfo & { dispensed: boolean; counterfeit: boolean }> {
    const { unit, allowance } = input;
    const zero = `0x${"00".repeat(32)}`;
    if (
      allowance?.authorization &&
      allowance.authorization.allowanceKey.toLowerCase() !== allowance.key.toLowerCase()
    ) {
      throw new MIIPClientError("the patient's authorisation is for another prescription");
    }
    const fill = {
      allowanceKey: allowance?.key ?? zero,
      productSalt: allowance?.productSalt ?? zero,
      deadline: allowance?.authorization?.deadline ?? 0,
      signature: allowance?.authorization?.signature ?? { r: zero, vs: zero },
    };
    const info = await this.core.send(() =>
      this.core.contracts.supply.dispense(input.shipmentId, unit.index, serialHash(unit.serial), unit.proof, fill),
    );
    const counterfeit = info.events.some((e) => e.name === "CounterfeitAlert");
    return { ...info, dispensed: !counterfeit, counterfeit };
  }

  /**
   * Checks a pack from its printed codes (see parsePackCode) with the unit's index and proof published by its
   * maker: genuine or not, the maker, the product, the expiry, the leaflet, recall state and message, dispensed.
   */
  async verifyPack(
    pack: PackCode,
    unit: Pick<UnitProof, "index" | "proof">,
    language = "ko",
  ): Promise<PackVerification> {
    const v = await this.core.read(() =>
      this.core.contracts.verifier.verify(
        { gtin: pack.gtin, lot: lotCode(pack.lot), serial: serialHash(pack.serial), expiry: pack.expiry },
        unit.index,
        unit.proof,
        languageCode(language),
      ),
    );
    return {
      batchId: v.batchId,
      authentic: v.genuine && v.expiryMatches,
      genuine: v.genuine,
      expiryMatches: v.expiryMatches,
      manufacturerId: Number(v.manufacturerId),
      manufacturer: v.manufacturerName,
      product: {
        name: v.product.name,
        strength: v.product.strength,
        form: v.product.form,
        marketingAuthorisationHolder: v.product.marketingAuthorisationHolder,
      },
      expiresAt: Number(v.expiresAt),
      expired: v.expired,
      recalled: v.recalled,
      recallMessage: v.recallMessage,
      batchMessage: v.batchMessage,
      excursions: Number(v.excursions),
      adverseEvents: Number(v.adverseEvents),
      dispensed: v.dispensed,
      dispensedBatch: v.dispensedBatch,
      dispensedBy: Number(v.dispensedBy),
      dispensedAt: Number(v.dispensedAt),
      leaflet: {
        language: v.leafletVersion === 0n ? "" : toUtf8String(v.leafletLanguage),
        version: Number(v.leafletVersion),
        digest: v.leaflet.digest,
        uri: v.leaflet.uri,
      },
    };
  }

  /**
   * What a patient received under its prescriptions, found from their keys alone (the wallet knows each
   * prescription's secret; the chain never names the patient), with each unit's batch recall state and message.
   */
  async receivedUnits(prescriptions: { secret: string; hospitalId: bigint | number }[]): Promise<ReceivedUnit[]> {
    const supply = this.core.contracts.supply;
    const units: ReceivedUnit[] = [];
    for (const p of prescriptions) {
      const key = allowanceKey(p.hospitalId, prescriptionKey(p.secret).address);
      const events = await supply.queryFilter(
        supply.filters.Dispensed(undefined, key),
        this.core.deployment.startBlock,
      );
      for (const e of events) {
        const batch = await supply.getBatch(e.args.batchId);
        const [, recallMessage] = await supply.messagesOf(e.args.batchId);
        units.push({
          batchId: e.args.batchId,
          serial: e.args.serial,
          pharmacyId: Number(e.args.pharmacyId),
          allowanceKey: key,
          blockNumber: e.blockNumber,
          recalled: batch.status === 2n,
          recallMessage,
        });
      }
    }
    return units;
  }

  // ---------------------------------------------------------------- recalls and adverse events

  /** The manufacturer or a regulator recalls a batch, with a message to patients. */
  async recall(batchId: bigint | number, reason: string, message: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.recall(batchId, reasonCode(reason), message));
  }

  /** Anyone names the holders of a recalled batch's units, from its shipments' ids. */
  async noticeHolders(batchId: bigint | number, shipmentIds: bigint[]): Promise<TxInfo & { notified: number }> {
    const info = await this.core.send(() => this.core.contracts.supply.noticeHolders(batchId, shipmentIds));
    return { ...info, notified: eventsNamed(info, "RecallNotice").length };
  }

  /** The manufacturer or a regulator resolves a shipment's quarantine: destroys `destroy` units, releases the rest. */
  async resolveQuarantine(shipmentId: bigint, destroy: number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.supply.resolveQuarantine(shipmentId, destroy));
  }

  /** A hospital or pharmacy reports an adverse event against a batch (the encrypted report's digest and URI). */
  async reportAdverseEvent(batchId: bigint | number, document: Uint8Array | string, uri: string): Promise<TxInfo> {
    const digest = keccak256(typeof document === "string" ? toUtf8Bytes(document) : document);
    return this.core.send(() => this.core.contracts.supply.reportAdverseEvent(batchId, digest, uri));
  }

  /**
   * A patient's report on a unit they received, signed with their prescription's key (never their own) and sent
   * by the client's signer, who may be any relayer: the patient pays no gas and is never named.
   */
  async reportAsPatient(input: {
    secret: string;
    hospitalId: bigint | number;
    gtin: bigint;
    serial: string;
    document: Uint8Array | string;
    uri: string;
  }): Promise<TxInfo & { count: number }> {
    const digest = keccak256(typeof input.document === "string" ? toUtf8Bytes(input.document) : input.document);
    const serial = serialHash(input.serial);
    const signature = compactSignature(
      await prescriptionKey(input.secret).signTypedData(this.domain, ADVERSE_EVENT_REPORT_TYPES, {
        gtin: input.gtin,
        serial,
        hospitalId: input.hospitalId,
        digest,
        uri: input.uri,
      }),
    );
    const info = await this.core.send(() =>
      this.core.contracts.supply.reportAdverseEventAsPatient(
        input.gtin,
        serial,
        input.hospitalId,
        digest,
        input.uri,
        signature,
      ),
    );
    return { ...info, count: Number(eventNamed(info, "AdverseEventReported").count) };
  }

  /**
   * A patient confirms it took a unit it received (an administered state, once per unit), signed with its
   * prescription's key (by its app, or by a smart-pill dispenser the app gave the key) and sent by the client's signer,
   * who may be any relayer: the patient is never named; the prescribing hospital sees it by its allowance.
   */
  async confirmIntake(input: {
    secret: string;
    hospitalId: bigint | number;
    gtin: bigint;
    serial: string;
    takenAt?: number;
    by?: "patient" | "device";
  }): Promise<TxInfo> {
    const serial = serialHash(input.serial);
    const takenAt = input.takenAt ?? (await this.core.now());
    const by = input.by === "device" ? 1 : 0;
    const message = { gtin: input.gtin, serial, hospitalId: input.hospitalId, takenAt, by };
    const signature = compactSignature(
      await prescriptionKey(input.secret).signTypedData(this.domain, INTAKE_TYPES, message),
    );
    return this.core.send(() =>
      this.core.contracts.supply.confirmIntake(input.gtin, serial, input.hospitalId, takenAt, by, signature),
    );
  }

  /** A batch, with its lot decoded. */
  async batch(batchId: bigint | number) {
    const b = await this.core.read(() => this.core.contracts.supply.getBatch(batchId));
    const [message, recallMessage] = await this.core.read(() => this.core.contracts.supply.messagesOf(batchId));
    return {
      manufacturerId: Number(b.manufacturerId),
      gtin: b.gtin,
      lot: decodeBytes32String(b.lot),
      quantity: Number(b.quantity),
      expiresAt: Number(b.expiresAt),
      recalled: b.status === 2n,
      destroyed: Number(b.destroyed),
      excursions: Number(b.excursions),
      adverseEvents: Number(b.adverseEvents),
      message,
      recallMessage,
    };
  }
}
