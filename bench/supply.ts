import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, Wallet, keccak256 } from "ethers";

import {
  ADVERSE_EVENT_REPORT_TYPES,
  INTAKE_TYPES,
  DEVICE_REGISTRATION_TYPES,
  FILL_TYPES,
  READING_TYPES,
  compactSignature,
  supplyDomain,
} from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS } from "../config/roles";
import { buildSerialTree } from "../scripts/lib/merkle";
import { gtinWithCheckDigit, languageCode } from "../packages/sdk/src/gs1";
import { freshSuite, gasOf, measure, onboardAll, type GasRow } from "./types";

const abi = AbiCoder.defaultAbiCoder();

/**
 * The supply-chain operations of issues 6 and 16, on the suite as deployed: a product with its leaflet, a batch of
 * 1,000 serialised units (a proof of 10), shipped manufacturer to distributor to pharmacy, a device registered
 * with its own signature and assigned to a shipment, readings in a batch of 50, a prescription's fill allowance,
 * a unit dispensed against it, adverse-event reports, a reclaim and a recall.
 */
export async function benchSupply(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants, products, supply } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, manufacturer, distributor, pharmacy, regulator, hospital, relayer] = [
    who("registrar"),
    who("manufacturer"),
    who("distributor"),
    who("pharmacy"),
    who("regulator"),
    who("hospital"),
    who("relayer"),
  ];
  await onboardAll(participants, registrar, [
    [manufacturer, KINDS.manufacturer, "Hanmi Pharma"],
    [distributor, KINDS.distributor, "Cold Logistics"],
    [pharmacy, KINDS.pharmacy, "Gangnam Onnuri Pharmacy"],
    [regulator, KINDS.regulator, "Drug Safety Ministry"],
    [hospital, KINDS.hospital, "Seoul General Hospital"],
  ]);
  const idOf = async (account: { address: string }) => (await participants.memberOf(account.address)).id;
  const [manufacturerId, distributorId, pharmacyId, hospitalId] = await Promise.all(
    [manufacturer, distributor, pharmacy, hospital].map(idOf),
  );
  const rows: GasRow[] = [];
  // The manufacturer's company prefix 880646 (the registrar's licence, effective after the onboarding delay),
  // then its product with master data and a leaflet.
  await products.connect(registrar).assignPrefix(880646n, 6, manufacturerId);
  await time.increase(await participants.onboardingDelay());
  const gtin = gtinWithCheckDigit("0880646900123");
  rows.push({
    key: "products.registerProduct",
    operation: "register a product with its master data",
    gas: await gasOf(
      products.connect(manufacturer).registerProduct(gtin, 6, {
        name: "Amoxicillin Hanmi",
        strength: "500 mg",
        form: "capsule",
        marketingAuthorisationHolder: "Hanmi Pharm. Co., Ltd.",
      }),
    ),
  });
  rows.push({
    key: "products.publishLeaflet",
    operation: "publish a leaflet version (a language's first)",
    gas: await gasOf(
      products
        .connect(manufacturer)
        .publishLeaflet(gtin, languageCode("ko"), hre.ethers.id("leaflet ko v1"), "ipfs://bafkreileafletkov1"),
    ),
  });
  const serials = buildSerialTree(Array.from({ length: 1000 }, (_, i) => `SN-${i}`));
  const now = await time.latest();
  const batch = {
    gtin,
    lot: hre.ethers.encodeBytes32String("LOT-2026-11-A"),
    manufacturedAt: now - 86_400,
    expiresAt: now + 365 * 86_400,
    quantity: 1_000,
    tempMin: 200,
    tempMax: 800,
    humidityMin: 1000,
    humidityMax: 6000,
    serialRoot: serials.root,
    metadataURI: "ipfs://bafkreibatchmetadata",
    message: "",
  };
  rows.push({
    key: "supply.registerBatch",
    operation: "register a batch (any size: a Merkle root) with its origin stock",
    gas: await gasOf(supply.connect(manufacturer).registerBatch(batch)),
  });

  // Batch 1's origin (id 1) to the distributor, then on to the pharmacy: a shipment's id is the hash of its
  // source, the returns into that source and its units before it left.
  const childId = (source: bigint, returns: number, remaining: number) =>
    BigInt(keccak256(abi.encode(["uint256", "uint16", "uint40"], [source, returns, remaining])));
  const toDistributor = childId(1n, 0, 1_000);
  const toPharmacy = childId(toDistributor, 0, 600);
  const ship = await measure(hre, supply.connect(manufacturer).ship(1, distributorId, 600));
  const accept = await measure(hre, supply.connect(distributor).accept(toDistributor));
  rows.push({ key: "supply.ship", operation: "ship (manufacturer to distributor)", ...ship });
  rows.push({ key: "supply.accept", operation: "accept (the receiver holds the shipment)", ...accept });
  rows.push({
    key: "supply.shipPlusAccept",
    operation: "ship plus accept",
    gas: ship.gas + accept.gas,
    calls: ship.calls + accept.calls,
    target: 120_000,
  });

  const domain = supplyDomain((await hre.ethers.provider.getNetwork()).chainId, await supply.getAddress());
  const device = new Wallet(hre.ethers.id("bench device"));
  const calibration = hre.ethers.id("calibration");
  const consent = compactSignature(
    await device.signTypedData(domain, DEVICE_REGISTRATION_TYPES, {
      device: device.address,
      ownerId: distributorId,
      kind: 3,
      calibrationHash: calibration,
      nonce: 0,
    }),
  );
  rows.push({
    key: "supply.registerDevice",
    operation: "register a device with its own signature",
    gas: await gasOf(supply.connect(distributor).registerDevice(device.address, 3, calibration, consent)),
  });
  await supply.connect(distributor).ship(toDistributor, pharmacyId, 300);
  rows.push({
    key: "supply.assignDevice",
    operation: "assign a device to a shipment (sender or receiver)",
    gas: await gasOf(supply.connect(distributor).assignDevice(toPharmacy, device.address)),
  });
  const timestamp = BigInt(await time.latest());
  const readings = Array.from({ length: 50 }, (_, i) => ({
    device: device.address,
    shipmentId: toPharmacy,
    temperature: 400 + (i % 7),
    humidity: 4000,
    timestamp,
    sequence: BigInt(i + 1),
  }));
  const signatures = await Promise.all(
    readings.map(async (r) => compactSignature(await device.signTypedData(domain, READING_TYPES, r))),
  );
  const readingsGas = await gasOf(supply.connect(relayer).submitReadings(readings, signatures));
  rows.push({
    key: "supply.reading.perReadingIn50",
    operation: "device reading, in a batch of 50",
    gas: Math.round(readingsGas / 50),
    target: 15_000,
  });
  await supply.connect(pharmacy).accept(toPharmacy);

  // A prescription's allowance: 2 units per fill, 30 fills, under the hospital's key for the prescription.
  const key = new Wallet(hre.ethers.id("bench prescription"));
  const salt = hre.ethers.id("bench product salt");
  const commitment = keccak256(abi.encode(["uint64", "bytes32"], [gtin, salt]));
  rows.push({
    key: "supply.setAllowance",
    operation: "a hospital sets a prescription's fill allowance",
    gas: await gasOf(supply.connect(hospital).setAllowance(key.address, commitment, 2, 30, now + 400 * 86_400, 0)),
  });
  const allowance = keccak256(abi.encode(["uint32", "address"], [hospitalId, key.address]));
  const zero = hre.ethers.ZeroHash;
  // The patient's signature opening fill number `fillsAfter` at the pharmacy (what their phone shows at the counter).
  const authorisation = async (fillsAfter: number) => {
    const deadline = (await time.latest()) + 900;
    const fill = { allowanceKey: allowance, pharmacyId, fillsAfter, deadline };
    return { deadline, signature: compactSignature(await key.signTypedData(domain, FILL_TYPES, fill)) };
  };
  const give = async (label: string, fillsAfter?: number) => {
    const signed =
      fillsAfter === undefined ? { deadline: 0, signature: { r: zero, vs: zero } } : await authorisation(fillsAfter);
    return supply
      .connect(pharmacy)
      .dispense(toPharmacy, serials.indexOf(label), serials.serialOf(label), serials.proofOf(label), {
        allowanceKey: allowance,
        productSalt: salt,
        ...signed,
      });
  };
  const overTheCounter = (label: string) =>
    supply
      .connect(pharmacy)
      .dispense(toPharmacy, serials.indexOf(label), serials.serialOf(label), serials.proofOf(label), {
        allowanceKey: zero,
        productSalt: zero,
        deadline: 0,
        signature: { r: zero, vs: zero },
      });
  await give("SN-501", 29); // fill 1 opens at the pharmacy
  await give("SN-503"); // and ends there
  rows.push({
    key: "supply.dispense",
    operation: "dispense one unit with its proof under the allowance, opening a fill with the patient's signature",
    ...(await measure(hre, give("SN-500", 28))),
    callsBefore: 1,
    target: 80_000,
  });
  rows.push({
    key: "supply.dispense.sameFill",
    operation: "dispense the next unit of a fill at the pharmacy it is bound to (no signature)",
    gas: await gasOf(give("SN-504")),
  });
  rows.push({
    key: "supply.dispense.overTheCounter",
    operation: "dispense one unit with its proof, no prescription",
    gas: await gasOf(overTheCounter("SN-502")),
  });
  rows.push({
    key: "supply.reportAdverseEvent",
    operation: "a hospital reports an adverse event (digest and URI)",
    gas: await gasOf(
      supply.connect(hospital).reportAdverseEvent(1, hre.ethers.id("report"), "ipfs://bafkreiadverseevent"),
    ),
  });
  const serial = serials.serialOf("SN-500");
  const report = { gtin, serial, hospitalId, digest: hre.ethers.id("my report"), uri: "ipfs://bafkreipatientreport" };
  const reportSignature = compactSignature(await key.signTypedData(domain, ADVERSE_EVENT_REPORT_TYPES, report));
  rows.push({
    key: "supply.reportAdverseEventAsPatient",
    operation: "a patient's report on a unit received (signed by the prescription's key, relayed)",
    gas: await gasOf(
      supply
        .connect(relayer)
        .reportAdverseEventAsPatient(gtin, serial, hospitalId, report.digest, report.uri, reportSignature),
    ),
  });
  // The patient confirms it took the other unit of its fill (SN-504), the same key signing.
  const taken = serials.serialOf("SN-504");
  const takenAt = await time.latest();
  const intake = { gtin, serial: taken, hospitalId, takenAt, by: 0 };
  const intakeSignature = compactSignature(await key.signTypedData(domain, INTAKE_TYPES, intake));
  rows.push({
    key: "supply.confirmIntake",
    operation: "a patient confirms it took a dispensed unit (signed by the prescription's key, relayed)",
    gas: await gasOf(supply.connect(relayer).confirmIntake(gtin, taken, hospitalId, takenAt, 0, intakeSignature)),
    note: "issue 20: one flag in the unit's slot; the prescribing hospital sees it by its allowance's key",
  });
  await supply.connect(manufacturer).ship(1, distributorId, 10);
  await time.increase(await supply.SHIPMENT_TIMEOUT());
  rows.push({
    key: "supply.reclaim",
    operation: "the sender reclaims a shipment not accepted in time",
    gas: await gasOf(supply.connect(manufacturer).reclaim(1n, 0, 400)),
  });
  rows.push({
    key: "supply.recall",
    operation: "recall a batch with a message to patients",
    gas: await gasOf(
      supply
        .connect(regulator)
        .recall(1, hre.ethers.encodeBytes32String("CONTAMINATION"), "Stop using it; bring it to your pharmacy."),
    ),
  });
  return rows;
}
