import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, Wallet, keccak256, type BaseWallet } from "ethers";

import {
  ADVERSE_EVENT_REPORT_TYPES,
  FILL_TYPES,
  DEVICE_REGISTRATION_TYPES,
  READING_TYPES,
  compactSignature,
  supplyDomain,
} from "../../config/eip712";
import { gtin14 } from "../../packages/sdk/src/gs1";
import { buildSerialTree, type SerialTree } from "../../packages/sdk/src/serials";
import type { ParticipantRegistry, ProductRegistry, SupplyChain } from "../../typechain-types";
import type { ISupplyChainTypes } from "../../typechain-types/contracts/supply/SupplyChain";
import { onboard, onboardedFixture } from "./fixtures";

const abi = AbiCoder.defaultAbiCoder();

export const DAY = 86_400;
/**
 * The id of a shipment sent from `sourceId` when it had taken back `returnsBefore` returned shipments and had
 * `remainingBefore` units, as the contract derives it (a batch's origin has the batch's id).
 */
export const childId = (sourceId: bigint, returnsBefore: bigint | number, remainingBefore: bigint | number) =>
  BigInt(keccak256(abi.encode(["uint256", "uint16", "uint40"], [sourceId, returnsBefore, remainingBefore])));
export const code = (text: string) => hre.ethers.encodeBytes32String(text);
export const ShipmentStatus = { None: 0, Origin: 1, InTransit: 2, Accepted: 3, Returned: 4 } as const;
export const Reporter = { None: 0, Hospital: 1, Pharmacy: 2, Patient: 3 } as const;
export const SERIALS = Array.from({ length: 100 }, (_, i) => `SN-${String(i + 1).padStart(4, "0")}`);
/** The maker's company prefix 8806469 (7 digits) and its product, GTIN 8806469001235. */
export const PREFIX = 8806469n;
export const GTIN = gtin14("8806469001235");
export const LOT = code("LOT-2026-11-A");
/** The salt of the tests' allowances' product commitment. */
export const SALT = hre.ethers.id("product salt");
export const PRODUCT = {
  name: "Insulin glargine",
  strength: "100 U/mL",
  form: "solution for injection",
  marketingAuthorisationHolder: "Hanmi Pharm. Co., Ltd.",
};

/** A prescription's key pair: derived from its secret, it stands for the prescription on chain (never the patient). */
export function prescriptionKey(secret: string): BaseWallet {
  return new Wallet(keccak256(abi.encode(["string", "bytes32"], ["MIIP prescription key", hre.ethers.id(secret)])));
}

/** The allowance key of a prescription set by `hospitalId`: keccak256(abi.encode(hospitalId, keyAddress)). */
export function allowanceKey(hospitalId: bigint, keyAddress: string): string {
  return keccak256(abi.encode(["uint32", "address"], [hospitalId, keyAddress]));
}

/** Over the counter: no allowance (the rest of the request is ignored). */
export const OTC: ISupplyChainTypes.FillRequestStruct = {
  allowanceKey: hre.ethers.ZeroHash,
  productSalt: hre.ethers.ZeroHash,
  deadline: 0,
  signature: { r: hre.ethers.ZeroHash, vs: hre.ethers.ZeroHash },
};

/** The product, hidden: keccak256(abi.encode(gtin, salt)). */
export function productCommitment(gtin: bigint, salt: string): string {
  return keccak256(abi.encode(["uint64", "bytes32"], [gtin, salt]));
}

/**
 * Licenses company prefix 8806469 to the manufacturer, waits for it to take effect, and registers product GTIN
 * 8806469001235 under it: what a manufacturer needs before any batch.
 */
export async function ownProduct(
  suite: { participants: ParticipantRegistry; products: ProductRegistry; registrar: HardhatEthersSigner },
  manufacturer: HardhatEthersSigner,
): Promise<bigint> {
  const { id } = await suite.participants.memberOf(manufacturer.address);
  await suite.products.connect(suite.registrar).assignPrefix(PREFIX, 7, id);
  await time.increase(await suite.participants.onboardingDelay());
  await suite.products.connect(manufacturer).registerProduct(GTIN, 7, PRODUCT);
  return GTIN;
}

/**
 * The supply chain with its parties: a manufacturer owning prefix 8806469 and product GTIN 8806469001235, a
 * rival manufacturer, a distributor, a second pharmacy and a regulator onboarded; batch 1 (100 units, lot
 * LOT-2026-11-A) registered, its units at its origin shipment (id 1, the batch's); one logger each for the distributor, the
 * manufacturer and the rival, registered with the device's own signature.
 */
async function supplyBuilt() {
  const suite = await onboardedFixture();
  const { participants, registrar, products, supply, manufacturer, distributor, regulator, signers } = suite;
  const rival = signers[24];
  const secondPharmacy = signers[25];
  const [manufacturerId, distributorId, regulatorId, rivalId, secondPharmacyId] = await onboard(
    participants,
    registrar,
    { account: manufacturer, kind: "manufacturer", name: "Hanmi Pharma" },
    { account: distributor, kind: "distributor", name: "Cold Logistics" },
    { account: regulator, kind: "regulator", name: "Drug Safety Ministry" },
    { account: rival, kind: "manufacturer", name: "Rival Generics" },
    { account: secondPharmacy, kind: "pharmacy", name: "Mapo Pharmacy" },
  );
  const ids = {
    ...suite.ids,
    manufacturer: manufacturerId,
    distributor: distributorId,
    regulator: regulatorId,
    rival: rivalId,
    secondPharmacy: secondPharmacyId,
  };
  await products.connect(registrar).assignPrefix(PREFIX, 7, manufacturerId);
  await time.increase(await participants.onboardingDelay());
  await products.connect(manufacturer).registerProduct(GTIN, 7, PRODUCT);
  const serials = buildSerialTree(SERIALS);
  const now = await time.latest();
  const input = (overrides: Partial<ISupplyChainTypes.BatchInputStruct> = {}): ISupplyChainTypes.BatchInputStruct => ({
    gtin: GTIN,
    lot: LOT,
    manufacturedAt: now - DAY,
    expiresAt: now + 365 * DAY,
    quantity: 100,
    tempMin: 200,
    tempMax: 800,
    humidityMin: 1000,
    humidityMax: 6000,
    serialRoot: serials.root,
    metadataURI: "ipfs://bafy-batch",
    message: "Keep refrigerated (2-8 °C). Do not freeze.",
    ...overrides,
  });
  const asManufacturer = supply.connect(manufacturer);
  await asManufacturer.registerBatch(input());
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const domain = supplyDomain(chainId, await supply.getAddress());

  /** The device's own signature over its registration by `ownerId`, at its current nonce (or `nonce`). */
  const deviceConsent = async (device: BaseWallet, ownerId: bigint, kind = 3, calibration = "v1", nonce?: bigint) =>
    compactSignature(
      await device.signTypedData(domain, DEVICE_REGISTRATION_TYPES, {
        device: device.address,
        ownerId,
        kind,
        calibrationHash: hre.ethers.id(`calibration ${calibration}`),
        nonce: nonce ?? (await supply.getDevice(device.address)).nonce,
      }),
    );
  /** `owner` registers `device` with the device's signature. */
  const registerDevice = async (owner: HardhatEthersSigner, ownerId: bigint, device: BaseWallet, calibration = "v1") =>
    supply
      .connect(owner)
      .registerDevice(
        device.address,
        3,
        hre.ethers.id(`calibration ${calibration}`),
        await deviceConsent(device, ownerId, 3, calibration),
      );
  const devices = {
    distributor: new Wallet(hre.ethers.id("device key 1")) as BaseWallet,
    manufacturer: new Wallet(hre.ethers.id("device key 2")) as BaseWallet,
    rival: new Wallet(hre.ethers.id("device key 3")) as BaseWallet,
  };
  await registerDevice(distributor, distributorId, devices.distributor);
  await registerDevice(manufacturer, manufacturerId, devices.manufacturer);
  await registerDevice(rival, rivalId, devices.rival);

  /** A reading signed by `device` (now, unless `timestamp` is given). */
  const reading = async (
    shipmentId: bigint | number,
    temperature: number,
    humidity: number,
    sequence: number,
    device: BaseWallet = devices.distributor,
    timestamp?: number,
  ) => {
    const r = {
      device: device.address,
      shipmentId: BigInt(shipmentId),
      temperature,
      humidity,
      timestamp: BigInt(timestamp ?? (await time.latest())),
      sequence: BigInt(sequence),
    };
    return { r, signature: compactSignature(await device.signTypedData(domain, READING_TYPES, r)) };
  };
  /** Submits readings (from anyone: `stranger` by default). */
  const submit = async (...items: Awaited<ReturnType<typeof reading>>[]) =>
    supply.connect(suite.stranger).submitReadings(
      items.map((i) => i.r),
      items.map((i) => i.signature),
    );
  /** A patient's signed adverse-event report on a unit, by the prescription's key. */
  const patientReport = async (key: BaseWallet, serial: string, hospitalId: bigint, digest: string, uri: string) =>
    compactSignature(
      await key.signTypedData(domain, ADVERSE_EVENT_REPORT_TYPES, { gtin: GTIN, serial, hospitalId, digest, uri }),
    );
  /**
   * What pharmacy `pharmacyId` shows to dispense under the prescription of `key` set by `hospitalId`: the salt and
   * the patient's `Fill` signature, for the fill the allowance is at now (the one a dispense would open, or the
   * current one), valid for an hour; each part can be overridden to forge one.
   */
  const fillRequest = async (
    key: BaseWallet,
    hospitalId: bigint,
    pharmacyId: bigint,
    overrides: { salt?: string; deadline?: number; fillsAfter?: number; allowanceKey?: string } = {},
  ): Promise<ISupplyChainTypes.FillRequestStruct> => {
    const allowance = overrides.allowanceKey ?? allowanceKey(hospitalId, key.address);
    let fillsAfter = overrides.fillsAfter;
    if (fillsAfter === undefined) {
      const a = await supply.getAllowance(allowance);
      fillsAfter = Math.max(0, Number(a.unitsLeftInFill === 0n ? a.fillsLeft - 1n : a.fillsLeft));
    }
    const deadline = overrides.deadline ?? (await time.latest()) + 3_600;
    const signature = compactSignature(
      await key.signTypedData(domain, FILL_TYPES, { allowanceKey: allowance, pharmacyId, fillsAfter, deadline }),
    );
    return { allowanceKey: allowance, productSalt: overrides.salt ?? SALT, deadline, signature };
  };
  /** Unit `label`'s index, serial and proof in batch 1's tree (or `tree`). */
  const unit = (label: string, tree: SerialTree = serials) => tree.unit(label);
  return {
    ...suite,
    rival,
    secondPharmacy,
    ids,
    serials,
    input,
    domain,
    devices,
    deviceConsent,
    registerDevice,
    reading,
    submit,
    patientReport,
    fillRequest,
    unit,
    asManufacturer,
  };
}

/**
 * Units on their way: `first` (60 units from batch 1's origin, manufacturer to distributor, with the
 * distributor's logger assigned) accepted; `second` (30 of them, distributor to pharmacy) accepted. The origin
 * keeps 40, `first` keeps 30.
 */
async function stockedBuilt() {
  const suite = await supplyFixture();
  const { supply, asManufacturer, distributor, pharmacy, ids, devices } = suite;
  const origin = 1n;
  const first = childId(origin, 0, 100);
  const second = childId(first, 0, 60);
  await asManufacturer.ship(origin, ids.distributor, 60);
  await supply.connect(distributor).assignDevice(first, devices.distributor.address);
  await supply.connect(distributor).accept(first);
  await supply.connect(distributor).ship(first, ids.pharmacy, 30);
  await supply.connect(pharmacy).accept(second);
  return { ...suite, first, second };
}

/** Every unit of a batch is somewhere: in a shipment (held or in transit), dispensed or destroyed. */
export async function unitsAccounted(supply: SupplyChain, batchId: bigint) {
  const batch = await supply.getBatch(batchId);
  let inShipments = (await supply.getShipment(batchId)).remaining;
  for (const e of await supply.queryFilter(supply.filters.Shipped(undefined, batchId))) {
    inShipments += (await supply.getShipment(e.args.shipmentId)).remaining;
  }
  const dispensed = BigInt((await supply.queryFilter(supply.filters.Dispensed(batchId))).length);
  return { quantity: batch.quantity, inShipments, dispensed, destroyed: batch.destroyed };
}

/** The supply fixture, built once per test process and restored from its snapshot after (see loadFixture). */
export async function supplyFixture() {
  return loadFixture(supplyBuilt);
}

/** The stocked fixture, built once per test process and restored from its snapshot after (see loadFixture). */
export async function stockedFixture() {
  return loadFixture(stockedBuilt);
}
