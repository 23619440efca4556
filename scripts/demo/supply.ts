import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { READING_TYPES, compactSignature, supplyDomain } from "../../config/eip712";
import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import { KINDS } from "../../config/roles";
import type { Suite } from "../lib/deploy";
import { buildSerialTree } from "../lib/merkle";
import type { Narrator } from "./narrator";

/**
 * A medicine from factory to patient: a serialised batch, shipped manufacturer to distributor to pharmacy with
 * signed cold-chain readings along the way, one excursion that quarantines a shipment, a unit verified and
 * dispensed, a second dispense of the same serial flagged, and a recall.
 */
export async function supplyChapter(n: Narrator, suite: Suite): Promise<void> {
  const { supply, participants } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, manufacturer, distributor, pharmacy, regulator, patient] = [
    who("registrar"),
    who("manufacturer"),
    who("distributor"),
    who("pharmacy"),
    who("regulator"),
    who("patientA"),
  ];
  const code = hre.ethers.encodeBytes32String;
  const idOf = async (account: { address: string }) => (await participants.memberOf(account.address)).id;

  n.section("Drug supply chain: a serialised batch leaves the factory");
  const asRegistrar = participants.connect(registrar);
  await n.step(
    "onboard Hanmi Pharma (manufacturer)",
    asRegistrar.register(manufacturer.address, KINDS.manufacturer, hre.ethers.id("MFDS-M-0101"), "Hanmi Pharma", ""),
  );
  await n.step(
    "onboard Cold Logistics (distributor)",
    asRegistrar.register(distributor.address, KINDS.distributor, hre.ethers.id("MFDS-D-0202"), "Cold Logistics", ""),
  );
  await n.step(
    "onboard the drug safety ministry (regulator)",
    asRegistrar.register(regulator.address, KINDS.regulator, hre.ethers.id("MFDS"), "Drug Safety Ministry", ""),
  );
  const serials = buildSerialTree(Array.from({ length: 1_000 }, (_, i) => `(21)KR${String(i).padStart(8, "0")}`));
  n.say(`  1,000 unit serials -> Merkle root ${serials.root} (npm run serials)`);
  const now = await time.latest();
  await n.step(
    "register insulin batch LOT-2611-A: 1,000 units, 2-8 °C, 10-60% RH",
    supply.connect(manufacturer).registerBatch({
      gtin: 8806469001234n,
      lot: code("LOT-2611-A"),
      manufacturedAt: now - 86_400,
      expiresAt: now + 365 * 86_400,
      quantity: 1_000,
      tempMin: 200,
      tempMax: 800,
      humidityMin: 1000,
      humidityMax: 6000,
      serialRoot: serials.root,
      metadataURI: "ipfs://bafkrei-insulin-lot-2611-a",
    }),
  );
  const batchId = await supply.batchCount();

  n.section("Custody in two steps, with a logger signing readings on the way");
  const logger = new hre.ethers.Wallet(hre.ethers.id("demo cold-chain logger"));
  await n.step(
    `the distributor registers logger ${logger.address.slice(0, 10)}…`,
    supply.connect(distributor).registerDevice(logger.address, 3, hre.ethers.id("calibration 2026-11")),
  );
  await n.step(
    "ship 600 units to the distributor",
    supply.connect(manufacturer).ship(batchId, distributor.address, 600),
  );
  const domain = supplyDomain((await hre.ethers.provider.getNetwork()).chainId, await supply.getAddress());
  let sequence = Number((await supply.getDevice(logger.address)).lastSequence);
  const sign = async (shipmentId: bigint, temperatures: number[]) => {
    const timestamp = BigInt(await time.latest());
    const readings = temperatures.map((temperature) => ({
      device: logger.address,
      shipmentId,
      temperature,
      humidity: 4500,
      timestamp,
      sequence: BigInt(++sequence),
    }));
    const signatures = await Promise.all(
      readings.map(async (r) => compactSignature(await logger.signTypedData(domain, READING_TYPES, r))),
    );
    return { readings, signatures };
  };
  const shipment1 = (await supply.queryFilter(supply.filters.Shipped(undefined, batchId))).at(-1)!.args.shipmentId;
  const ok = await sign(shipment1, [410, 455, 520]);
  await n.step("a gateway submits 3 readings (4.1-5.2 °C)", supply.submitReadings(ok.readings, ok.signatures));
  await n.step("the distributor accepts", supply.connect(distributor).accept(shipment1));
  await n.step("ship 200 units on to the pharmacy", supply.connect(distributor).ship(batchId, pharmacy.address, 200));
  const shipment2 = (await supply.queryFilter(supply.filters.Shipped(undefined, batchId))).at(-1)!.args.shipmentId;
  await n.step("ship 100 more units to the pharmacy", supply.connect(distributor).ship(batchId, pharmacy.address, 100));
  const shipment3 = (await supply.queryFilter(supply.filters.Shipped(undefined, batchId))).at(-1)!.args.shipmentId;
  const warm = await sign(shipment3, [610, 1140]);
  await n.step(
    "the van's cooler fails: a reading of 11.4 °C on the second",
    supply.submitReadings(warm.readings, warm.signatures),
  );
  n.say(`  shipment ${shipment3} quarantined: ${(await supply.getShipment(shipment3)).quarantined}`);
  const replay = warm;
  await n.refused("replaying the same readings", [supply], () =>
    supply.submitReadings(replay.readings, replay.signatures),
  );
  await n.step(`the pharmacy accepts shipment ${shipment2}`, supply.connect(pharmacy).accept(shipment2));
  await n.step(`and shipment ${shipment3}, which arrives quarantined`, supply.connect(pharmacy).accept(shipment3));
  const pharmacyId = await idOf(pharmacy);
  const [available, quarantined] = await supply.holdingOf(batchId, pharmacyId);
  n.say(`  the pharmacy holds ${available} units available, ${quarantined} quarantined`);
  await n.step(
    "the regulator destroys the 100 quarantined units",
    supply.connect(regulator).resolveQuarantine(batchId, pharmacyId, 100, true),
  );

  n.section("A patient's pack: verified by anyone, dispensed once");
  const serial = "(21)KR00000042";
  const [index, leaf, proof] = [serials.indexOf(serial), serials.serialOf(serial), serials.proofOf(serial)];
  const v = await supply.verify(batchId, index, leaf, proof);
  n.say(
    `  verify ${serial}: genuine ${v.genuine}, expired ${v.expired}, recalled ${v.recalled}, excursions ${v.excursions}, dispensed ${v.dispensed}`,
  );
  await n.step(
    `the pharmacy dispenses ${serial} to patient A`,
    supply.connect(pharmacy).dispense(batchId, index, leaf, proof, patient.address, 0),
  );
  await n.step(
    "the same serial presented again: counterfeit alert, nothing dispensed",
    supply.connect(pharmacy).dispense(batchId, index, leaf, proof, patient.address, 0),
  );
  const fake = hre.ethers.id("(21)KR99999999");
  n.say(`  verify a forged serial: genuine ${(await supply.verify(batchId, index, fake, proof)).genuine}`);

  n.section("A recall");
  await n.step("the regulator recalls LOT-2611-A", supply.connect(regulator).recall(batchId, code("STERILITY")));
  await n.step(
    "current holders are named",
    supply.noticeHolders(batchId, [await idOf(manufacturer), await idOf(distributor), pharmacyId]),
  );
  const other = "(21)KR00000043";
  await n.refused("dispensing from the recalled batch", [supply, participants], () =>
    supply
      .connect(pharmacy)
      .dispense(batchId, serials.indexOf(other), serials.serialOf(other), serials.proofOf(other), patient.address, 0),
  );
  n.say(
    `  verify ${other}: recalled ${(await supply.verify(batchId, serials.indexOf(other), serials.serialOf(other), serials.proofOf(other))).recalled}`,
  );
}
