import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { buildSerialTree, gtin14, reasonCode } from "../../sdk";
import { ProductsApi } from "../../sdk/api/products";
import type { Demo } from "./context";

/**
 * A medicine from factory to patient: its product licensed to its maker with its leaflets, a serialised batch, shipped manufacturer to distributor to pharmacy with
 * signed cold-chain readings along the way, one excursion that quarantines a shipment, a unit verified and
 * dispensed, a second dispense of the same serial flagged, a recall withdrawn by governance after its delay, and
 * the batch's provenance (which keeps both).
 */
export async function supplyChapter({ n, miip, as, who, onboard }: Demo): Promise<void> {
  const manufacturer = as("manufacturer");
  const distributor = as("distributor");
  const pharmacy = as("pharmacy");
  const regulator = as("regulator");
  const idOf = async (name: "manufacturer" | "distributor" | "pharmacy") =>
    (await miip.participants.memberOf(who(name).address))!.id;

  n.section("Drug supply chain: a serialised batch leaves the factory");
  await onboard(
    { account: "manufacturer", kind: "manufacturer", name: "Hanmi Pharma", licence: "MFDS-M-0101" },
    { account: "distributor", kind: "distributor", name: "Cold Logistics", licence: "MFDS-D-0202" },
    { account: "regulator", kind: "regulator", name: "Drug Safety Ministry", licence: "MFDS" },
  );

  n.section("Products owned by their makers: a GS1 company prefix, master data, leaflets");
  const gtin = gtin14("8806469001235");
  const licensed = await n.step(
    "the registrar licenses GS1 company prefix 8806469 to Hanmi Pharma",
    as("registrar").products.assignPrefix("8806469", await idOf("manufacturer")),
  );
  const product = {
    name: "Insulin glargine Hanmi",
    strength: "100 units/ml",
    form: "solution for injection in a pre-filled pen",
    marketingAuthorisationHolder: "Hanmi Pharm. Co., Ltd.",
  };
  await n.refused("registering a product before the licence takes effect (the guardian can still cancel it)", () =>
    manufacturer.products.register(gtin, 7, product),
  );
  await time.increaseTo(licensed.effectiveAt);
  await n.step(`Hanmi registers GTIN ${gtin} with its master data`, manufacturer.products.register(gtin, 7, product));
  const leafletKo = "인슐린 글라진 한미 — 사용설명서 v1";
  await n.step(
    "and publishes its Korean leaflet (only the digest and the URI go on chain)",
    manufacturer.products.publishLeaflet(gtin, "ko", leafletKo, "ipfs://bafkrei-insulin-leaflet-ko-v1"),
  );
  await n.step(
    "and its English one",
    manufacturer.products.publishLeaflet(
      gtin,
      "en",
      "Insulin glargine Hanmi: leaflet v1",
      "ipfs://bafkrei-insulin-leaflet-en-v1",
    ),
  );
  await n.refused("the distributor publishing a leaflet for Hanmi's product", () =>
    distributor.products.publishLeaflet(gtin, "en", "forged leaflet", "ipfs://forged"),
  );
  const shownFr = await miip.products.currentLeaflet(gtin, "fr");
  n.say(
    `  a French phone asks for the leaflet: none in French, the first published (${shownFr.language} v${shownFr.version}) is shown; it matches its digest: ${ProductsApi.matches(shownFr, leafletKo)}`,
  );

  const serials = buildSerialTree(Array.from({ length: 1_000 }, (_, i) => `(21)KR${String(i).padStart(8, "0")}`));
  n.say(`  1,000 unit serials -> Merkle root ${serials.root} (npm run serials)`);
  const now = await time.latest();
  const { batchId } = await n.step(
    "register insulin batch LOT-2611-A: 1,000 units, 2-8 °C, 10-60% RH",
    manufacturer.supply.registerBatch({
      gtin,
      lot: "LOT-2611-A",
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

  n.section("Custody in two steps, with a logger signing readings on the way");
  const logger = new hre.ethers.Wallet(hre.ethers.id("demo cold-chain logger"));
  await n.step(
    `the distributor registers logger ${logger.address.slice(0, 10)}…`,
    distributor.supply.registerDevice(logger.address, "combined-logger", hre.ethers.id("calibration 2026-11")),
  );
  const first = await n.step(
    "ship 600 units to the distributor",
    manufacturer.supply.ship(batchId, who("distributor").address, 600),
  );
  const ok = await miip.supply.signReadings(
    logger,
    [410, 455, 520].map((t) => ({ shipmentId: first.shipmentId, temperature: t, humidity: 4500 })),
  );
  await n.step("a gateway submits 3 readings (4.1-5.2 °C)", as("relayer").supply.submitReadings(ok));
  await n.step("the distributor accepts", distributor.supply.accept(first.shipmentId));
  const second = await n.step(
    "ship 200 units on to the pharmacy",
    distributor.supply.ship(batchId, who("pharmacy").address, 200),
  );
  const third = await n.step(
    "ship 100 more units to the pharmacy",
    distributor.supply.ship(batchId, who("pharmacy").address, 100),
  );
  const warm = await miip.supply.signReadings(
    logger,
    [610, 1140].map((t) => ({ shipmentId: third.shipmentId, temperature: t, humidity: 4500 })),
  );
  const submitted = await n.step(
    "the van's cooler fails: a reading of 11.4 °C on the second",
    as("relayer").supply.submitReadings(warm),
  );
  n.say(
    `  excursions: ${submitted.excursions.map((e) => `shipment ${e.shipmentId} at ${e.temperature / 100} °C`).join(", ")}`,
  );
  await n.refused("replaying the same readings", () => as("relayer").supply.submitReadings(warm));
  await n.step(`the pharmacy accepts shipment ${second.shipmentId}`, pharmacy.supply.accept(second.shipmentId));
  const quarantined = await n.step(
    `and shipment ${third.shipmentId}, which arrives quarantined`,
    pharmacy.supply.accept(third.shipmentId),
  );
  n.say(`  quarantined on arrival: ${quarantined.quarantined}`);
  const holding = await miip.supply.holdingOf(batchId, who("pharmacy").address);
  n.say(`  the pharmacy holds ${holding.available} units available, ${holding.quarantined} quarantined`);
  await n.step(
    "the regulator destroys the 100 quarantined units",
    regulator.supply.resolveQuarantine(batchId, await idOf("pharmacy"), 100, true),
  );

  n.section("A patient's pack: verified by anyone, dispensed once");
  const serial = "(21)KR00000042";
  const unit = serials.unit(serial);
  const v = await miip.supply.verify(batchId, unit);
  n.say(
    `  verify ${serial}: genuine ${v.genuine}, expired ${v.expired}, recalled ${v.recalled}, excursions ${v.excursions}, dispensed ${v.dispensed}`,
  );
  await n.step(
    `the pharmacy dispenses ${serial} over the counter (no patient named on chain)`,
    pharmacy.supply.dispense({ batchId, unit }),
  );
  const again = await n.step(
    "the same serial presented again: counterfeit alert, nothing dispensed",
    pharmacy.supply.dispense({ batchId, unit }),
  );
  n.say(`  dispensed ${again.dispensed}, counterfeit alert ${again.counterfeit}`);
  n.say(
    `  verify a forged serial: genuine ${(await miip.supply.verify(batchId, { ...unit, serial: "(21)KR99999999" })).genuine}`,
  );

  n.section("A recall");
  await n.step("the regulator recalls LOT-2611-A", regulator.supply.recall(batchId, "STERILITY"));
  await n.step(
    "current holders are named",
    miip.supply.noticeHolders(batchId, [await idOf("manufacturer"), await idOf("distributor"), await idOf("pharmacy")]),
  );
  const other = serials.unit("(21)KR00000043");
  await n.refused("dispensing from the recalled batch", () => pharmacy.supply.dispense({ batchId, unit: other }));
  n.say(`  verify (21)KR00000043: recalled ${(await miip.supply.verify(batchId, other)).recalled}`);

  n.section("A mistaken recall is withdrawn, by governance and only after its public delay");
  const governance = as("deployer").governance;
  const withdraw = await governance.withdrawRecall(batchId, "TEST-RESULT-CLEARED");
  const { recalledAt } = await miip.contracts.supply.getBatch(batchId);
  const cleared = reasonCode("TEST-RESULT-CLEARED");
  await n.refused("withdrawing the recall at once", () =>
    as("deployer").send(() => as("deployer").contracts.supply.withdrawRecall(batchId, recalledAt, cleared)),
  );
  await n.refused("the regulator withdrawing it", () =>
    regulator.send(() => regulator.contracts.supply.withdrawRecall(batchId, recalledAt, cleared)),
  );
  const scheduled = await n.step(`the governor schedules: ${withdraw.label}`, governance.schedule(withdraw));
  n.say(`  public in OperationScheduled ${scheduled.operationId.slice(0, 18)}…; the guardian role could cancel it`);
  await n.refused("executing it before the delay", () => governance.execute(withdraw));
  n.say("  a withdrawal also waits the suite's notice period after the recall, so it cannot be armed in advance");
  await time.increaseTo(scheduled.readyAt);
  await n.step("after the delay the governor executes it", governance.execute(withdraw));
  n.say(`  verify (21)KR00000043: recalled ${(await miip.supply.verify(batchId, other)).recalled}`);
  await n.step("the pharmacy dispenses (21)KR00000043 again", pharmacy.supply.dispense({ batchId, unit: other }));
  const provenance = await miip.history.batchProvenance(batchId, { limit: 100 });
  n.say(`  the batch's provenance, from events (${provenance.total}):`);
  const counts = new Map<string, number>();
  for (const e of provenance.entries) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
  n.say(`    ${[...counts].map(([event, count]) => (count > 1 ? `${event} ×${count}` : event)).join(", ")}`);
}
