import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { READING_TYPES, compactSignature, supplyDomain } from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS } from "../config/roles";
import { buildSerialTree } from "../scripts/lib/merkle";
import { gtinWithCheckDigit, languageCode } from "../sdk/gs1";
import { freshSuite, gasOf, measure, onboardAll, type GasRow } from "./types";

/**
 * The supply-chain operations of issue 6, on the suite as deployed: a batch of 1,000 serialised units (a proof
 * of 10), shipped manufacturer to distributor to pharmacy, readings from one device in a batch of 50, a unit
 * dispensed, a recall.
 */
export async function benchSupply(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants, products, supply } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, manufacturer, distributor, pharmacy, regulator] = [
    who("registrar"),
    who("manufacturer"),
    who("distributor"),
    who("pharmacy"),
    who("regulator"),
  ];
  await onboardAll(participants, registrar, [
    [manufacturer, KINDS.manufacturer, "Hanmi Pharma"],
    [distributor, KINDS.distributor, "Cold Logistics"],
    [pharmacy, KINDS.pharmacy, "Gangnam Onnuri Pharmacy"],
    [regulator, KINDS.regulator, "Drug Safety Ministry"],
  ]);
  const rows: GasRow[] = [];
  // The manufacturer's company prefix 880646 (the registrar's licence, effective after the onboarding delay),
  // then its product with master data and a leaflet.
  await products.connect(registrar).assignPrefix(880646n, 6, (await participants.memberOf(manufacturer)).id);
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
    gtin: 8806469001234n,
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
  };
  rows.push({
    key: "supply.registerBatch",
    operation: "register a batch (any size: a Merkle root)",
    gas: await gasOf(supply.connect(manufacturer).registerBatch(batch)),
  });

  const ship = await gasOf(supply.connect(manufacturer).ship(1, distributor.address, 600));
  const accept = await gasOf(supply.connect(distributor).accept(1));
  rows.push({ key: "supply.ship", operation: "ship (manufacturer to distributor)", gas: ship });
  rows.push({ key: "supply.accept", operation: "accept (a new holder)", gas: accept });
  rows.push({ key: "supply.shipPlusAccept", operation: "ship plus accept", gas: ship + accept, target: 120_000 });

  const device = new hre.ethers.Wallet(hre.ethers.id("bench device"));
  await supply.connect(distributor).registerDevice(device.address, 3, hre.ethers.id("calibration"));
  await supply.connect(distributor).ship(1, pharmacy.address, 300);
  const domain = supplyDomain((await hre.ethers.provider.getNetwork()).chainId, await supply.getAddress());
  const timestamp = BigInt(await time.latest());
  const readings = Array.from({ length: 50 }, (_, i) => ({
    device: device.address,
    shipmentId: 2n,
    temperature: 400 + (i % 7),
    humidity: 4000,
    timestamp,
    sequence: BigInt(i + 1),
  }));
  const signatures = await Promise.all(
    readings.map(async (r) => compactSignature(await device.signTypedData(domain, READING_TYPES, r))),
  );
  const readingsGas = await gasOf(supply.submitReadings(readings, signatures));
  rows.push({
    key: "supply.reading.perReadingIn50",
    operation: "device reading, in a batch of 50",
    gas: Math.round(readingsGas / 50),
    target: 15_000,
  });
  await supply.connect(pharmacy).accept(2);

  // The unit dispensed is not the first of its 256-unit bitmap word, as for 255 units in 256.
  await supply
    .connect(pharmacy)
    .dispense(1, serials.indexOf("SN-501"), serials.serialOf("SN-501"), serials.proofOf("SN-501"), 0);
  const serial = serials.serialOf("SN-500");
  rows.push({
    key: "supply.dispense",
    operation: "dispense one unit with its proof (1,000 units)",
    ...(await measure(
      hre,
      supply.connect(pharmacy).dispense(1, serials.indexOf("SN-500"), serial, serials.proofOf("SN-500"), 0),
    )),
    callsBefore: 1,
    target: 80_000,
  });
  rows.push({
    key: "supply.recall",
    operation: "recall a batch",
    gas: await gasOf(supply.connect(regulator).recall(1, hre.ethers.encodeBytes32String("CONTAMINATION"))),
  });
  return rows;
}
