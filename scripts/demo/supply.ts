import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import {
  formatPackCode,
  gs1Date,
  gtin14,
  parsePackCode,
  allowanceKey,
  prescriptionKey,
  reasonCode,
} from "../../packages/sdk/src";
import { buildSerialTree } from "../../packages/sdk/src/serials";
import { ProductsApi } from "../../packages/sdk/src/api/products";
import type { Demo } from "./context";

/**
 * A medicine from factory to patient, against participants who would bend the rules: its product licensed to its
 * maker with its leaflets; a serialised batch shipped manufacturer to distributor to pharmacy with a logger its
 * own parties assigned (a rival's device refused); an excursion that arrives after delivery and still quarantines
 * the units the pharmacy has; a pack verified from its printed codes and dispensed under a prescription's fill
 * allowance (a second fill refused); a patient's adverse-event report and a recall whose message reaches the
 * patient's wallet; a recall withdrawn by governance after its delay; a shipment reclaimed from a silent receiver.
 */
export async function supplyChapter({ n, miip, as, who, onboard }: Demo): Promise<void> {
  const manufacturer = as("manufacturer");
  const distributor = as("distributor");
  const pharmacy = as("pharmacy");
  const regulator = as("regulator");
  // The demo's rival manufacturer runs on the `researcher` local account (the demo onboards no researcher).
  const rival = as("researcher");
  const idOf = async (name: "manufacturer" | "distributor" | "pharmacy" | "hospital" | "researcher") =>
    (await miip.participants.memberOf(who(name).address))!.id;

  n.section("Drug supply chain: a serialised batch leaves the factory");
  await onboard(
    { account: "manufacturer", kind: "manufacturer", name: "Hanmi Pharma", licence: "MFDS-M-0101" },
    { account: "distributor", kind: "distributor", name: "Cold Logistics", licence: "MFDS-D-0202" },
    { account: "regulator", kind: "regulator", name: "Drug Safety Ministry", licence: "MFDS" },
    { account: "researcher", kind: "manufacturer", name: "Rival Generics", licence: "MFDS-M-0303" },
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

  const serials = buildSerialTree(Array.from({ length: 1_000 }, (_, i) => `KR${String(i).padStart(8, "0")}`));
  n.say(`  1,000 unit serials -> Merkle root ${serials.root} (npm run serials)`);
  const now = await time.latest();
  const expiresAt = now + 365 * 86_400;
  const { batchId, origin } = await n.step(
    "register insulin batch LOT-2611-A: 1,000 units, 2-8 °C, 10-60% RH, with a note for whoever checks a pack",
    manufacturer.supply.registerBatch({
      gtin,
      lot: "LOT-2611-A",
      manufacturedAt: now - 86_400,
      expiresAt,
      quantity: 1_000,
      tempMin: 200,
      tempMax: 800,
      humidityMin: 1000,
      humidityMax: 6000,
      serialRoot: serials.root,
      metadataURI: "ipfs://bafkrei-insulin-lot-2611-a",
      message: "Keep refrigerated (2-8 °C). Do not freeze.",
    }),
  );
  await n.refused("a rival registering a batch of Hanmi's GTIN", () =>
    rival.supply.registerBatch({
      gtin,
      lot: "LOT-FAKE",
      manufacturedAt: now - 86_400,
      expiresAt,
      quantity: 1_000,
      tempMin: 200,
      tempMax: 800,
      humidityMin: 1000,
      humidityMax: 6000,
      serialRoot: serials.root,
      metadataURI: "",
    }),
  );

  n.section("Devices bound to their shipments, and a cold chain nobody can silence");
  const logger = new hre.ethers.Wallet(hre.ethers.id("demo cold-chain logger"));
  const calibration = hre.ethers.id("calibration 2026-11");
  const consent = await miip.supply.deviceConsent(logger, await idOf("distributor"), "combined-logger", calibration);
  await n.step(
    `the distributor registers logger ${logger.address.slice(0, 10)}…, which signs its own consent`,
    distributor.supply.registerDevice(logger.address, "combined-logger", calibration, consent),
  );
  await n.refused("the rival claiming the distributor's logger", async () =>
    rival.supply.registerDevice(
      logger.address,
      "combined-logger",
      calibration,
      await miip.supply.deviceConsent(logger, await idOf("researcher"), "combined-logger", calibration),
    ),
  );
  const rivalLogger = new hre.ethers.Wallet(hre.ethers.id("rival's logger"));
  await n.step(
    "the rival registers a logger of its own",
    rival.supply.registerDevice(
      rivalLogger.address,
      "combined-logger",
      calibration,
      await miip.supply.deviceConsent(rivalLogger, await idOf("researcher"), "combined-logger", calibration),
    ),
  );
  const first = await n.step(
    "ship 600 units from the factory to the distributor",
    manufacturer.supply.ship(origin, who("distributor").address, 600),
  );
  await n.step(
    "the distributor assigns its logger to the shipment",
    distributor.supply.assignDevice(first.shipmentId, logger.address),
  );
  await n.refused("the rival assigning its logger to someone else's shipment", () =>
    rival.supply.assignDevice(first.shipmentId, rivalLogger.address),
  );
  const sabotage = await miip.supply.signReadings(rivalLogger, [
    { shipmentId: first.shipmentId, temperature: 5000, humidity: 4500, sequence: 1 },
  ]);
  await n.refused("the rival's logger reporting 50 °C for that shipment", () =>
    as("relayer").supply.submitReadings(sabotage),
  );
  const fine = await miip.supply.signReadings(
    logger,
    [410, 455, 520].map((t, i) => ({ shipmentId: first.shipmentId, temperature: t, humidity: 4500, sequence: i + 1 })),
  );
  await n.step("a gateway submits 3 readings (4.1-5.2 °C)", as("relayer").supply.submitReadings(fine));
  await n.step("the distributor accepts", distributor.supply.accept(first.shipmentId));
  const second = await n.step(
    "ship 200 units on to the pharmacy",
    distributor.supply.ship(first.shipmentId, who("pharmacy").address, 200),
  );
  await n.step("with the logger assigned", distributor.supply.assignDevice(second.shipmentId, logger.address));
  const van = await miip.supply.signReadings(
    logger,
    [610, 1140, 590].map((t, i) => ({
      shipmentId: second.shipmentId,
      temperature: t,
      humidity: 4500,
      sequence: i + 1,
    })),
  );
  const only = (i: number) => ({ readings: [van.readings[i]], signatures: [van.signatures[i]] });
  await n.step("the gateway submits the first reading (6.1 °C)", as("relayer").supply.submitReadings(only(0)));
  await n.step(
    "and the third (5.9 °C), before the second: a later reading never blocks an earlier one",
    as("relayer").supply.submitReadings(only(2)),
  );
  await n.step("the pharmacy accepts before the rest of the readings land", pharmacy.supply.accept(second.shipmentId));
  const counter = serials.unit("KR00000007");
  await n.step(
    "and sells one pack over the counter",
    pharmacy.supply.dispense({ shipmentId: second.shipmentId, unit: counter }),
  );
  const late = await n.step(
    "the van's 11.4 °C reading arrives within the window after delivery",
    as("relayer").supply.submitReadings(only(1)),
  );
  n.say(
    `  late excursion: ${late.late.map((l) => `${l.quarantined} units quarantined at the pharmacy, ${l.flagged} already gone on (flagged)`).join(", ")}`,
  );
  await n.refused("dispensing from the quarantined shipment", () =>
    pharmacy.supply.dispense({ shipmentId: second.shipmentId, unit: serials.unit("KR00000008") }),
  );
  await n.step(
    "the regulator destroys the 199 quarantined units",
    regulator.supply.resolveQuarantine(second.shipmentId, 199),
  );
  const third = await n.step(
    "the distributor sends 100 fresh units",
    distributor.supply.ship(first.shipmentId, who("pharmacy").address, 100),
  );
  await n.step("the pharmacy accepts them", pharmacy.supply.accept(third.shipmentId));

  n.section("A patient's pack: checked from its printed codes, dispensed under a prescription with limits");
  // The patient's phone keeps the prescription's secret; the hospital gets only its key's address.
  const secret = hre.ethers.id("patient A's insulin prescription");
  const productSalt = hre.ethers.id("its product salt");
  n.say(`  patient A's phone derives a key for the prescription and shows the hospital its address only`);
  await n.step(
    "the hospital sets the prescription's fill allowance: 1 pen, 1 fill, 30 days (no patient, record or GTIN on chain)",
    as("hospital").supply.setAllowance({
      keyAddress: prescriptionKey(secret).address,
      gtin,
      productSalt,
      unitsPerFill: 1,
      fills: 1,
      validUntil: now + 30 * 86_400,
    }),
  );
  const hospitalId = await idOf("hospital");
  const printed = formatPackCode({ gtin, expiry: gs1Date(expiresAt), lot: "LOT-2611-A", serial: "KR00000042" });
  n.say(`  printed under the pack's DataMatrix: ${printed}`);
  const unit = serials.unit("KR00000042");
  const checked = await miip.supply.verifyPack(parsePackCode(printed), unit, "ko");
  n.say(
    `  anyone checks it: authentic ${checked.authentic}, ${checked.product.name} by ${checked.manufacturer}, ` +
      `note "${checked.batchMessage}", leaflet ${checked.leaflet.language} v${checked.leaflet.version} ${checked.leaflet.uri}`,
  );
  const key = allowanceKey(hospitalId, prescriptionKey(secret).address);
  await n.refused(
    "the pharmacy using the prescription's allowance key and salt (from its document) without the patient",
    () => pharmacy.supply.dispense({ shipmentId: third.shipmentId, unit, allowance: { key, productSalt } }),
  );
  const authorization = await miip.supply.authorizeFill({
    secret,
    hospitalId,
    pharmacy: who("pharmacy").address,
  });
  n.say(
    `  at the counter, patient A's phone signs with the prescription's key (no wallet, no gas): this pharmacy, ` +
      `this fill (${authorization.fillsAfter} after it), for 15 minutes`,
  );
  const allowance = { key, productSalt, authorization };
  await n.step(
    "the pharmacy dispenses it against the allowance, with the patient's signature",
    pharmacy.supply.dispense({ shipmentId: third.shipmentId, unit, allowance }),
  );
  n.say("  the signature, key and salt are now public: they open nothing more, for this pharmacy or any other");
  await n.refused("a second fill of the same prescription", () =>
    pharmacy.supply.dispense({ shipmentId: third.shipmentId, unit: serials.unit("KR00000043"), allowance }),
  );
  const again = await n.step(
    "the same serial presented again: counterfeit alert, nothing dispensed",
    pharmacy.supply.dispense({ shipmentId: third.shipmentId, unit }),
  );
  n.say(`  dispensed ${again.dispensed}, counterfeit alert ${again.counterfeit}`);
  n.say(
    `  a forged serial: genuine ${(await miip.supply.verifyPack({ ...parsePackCode(printed), serial: "KR99999999" }, unit)).genuine}`,
  );

  await n.step(
    "patient A confirms it took the pen, signed with the prescription's key and relayed: its hospital sees it by its allowance",
    as("relayer").supply.confirmIntake({ secret, hospitalId, gtin, serial: "KR00000042" }),
  );
  await n.refused("a second confirmation of the same pen", () =>
    as("relayer").supply.confirmIntake({ secret, hospitalId, gtin, serial: "KR00000042" }),
  );

  n.section("An adverse event, a recall, and the message in the patient's wallet");
  const report = await n.step(
    "patient A reports a reaction, signed with the prescription's key and relayed: no patient named, no gas",
    as("relayer").supply.reportAsPatient({
      secret,
      hospitalId,
      gtin,
      serial: "KR00000042",
      document: "encrypted adverse-event report",
      uri: "ipfs://bafkrei-ae-report-1",
    }),
  );
  await n.step(
    "the hospital files its own report",
    as("hospital").supply.reportAdverseEvent(batchId, "encrypted clinical report", "ipfs://bafkrei-ae-report-2"),
  );
  n.say(`  reports against LOT-2611-A: ${report.count + 1}`);
  await n.step(
    "the regulator recalls LOT-2611-A, with a message to patients",
    regulator.supply.recall(
      batchId,
      "ADVERSE-EVENTS",
      "Stop using pens of lot LOT-2611-A; your pharmacy will replace them.",
    ),
  );
  const received = await miip.supply.receivedUnits([{ secret, hospitalId }]);
  n.say(
    `  patient A's wallet, from the prescription's key alone: ${received.map((u) => `batch ${u.batchId}: ${u.recalled ? `RECALLED: ${u.recallMessage}` : "fine"}`).join("; ")}`,
  );
  const holders = await n.step(
    "current holders are named from the batch's shipments",
    miip.supply.noticeHolders(batchId, [origin, first.shipmentId, second.shipmentId, third.shipmentId]),
  );
  n.say(`  ${holders.notified} holders named`);
  const other = serials.unit("KR00000044");
  await n.refused("dispensing from the recalled batch", () =>
    pharmacy.supply.dispense({ shipmentId: third.shipmentId, unit: other }),
  );

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
  n.say(`  KR00000044: recalled ${(await miip.supply.batch(batchId)).recalled}`);
  await n.step(
    "the pharmacy dispenses KR00000044 again",
    pharmacy.supply.dispense({ shipmentId: third.shipmentId, unit: other }),
  );

  n.section("Nothing stuck: a shipment the receiver never accepts goes back to its sender");
  const silent = await n.step(
    "the distributor ships 10 units to the rival, which never answers",
    distributor.supply.ship(first.shipmentId, who("researcher").address, 10),
  );
  await n.refused("reclaiming them at once", () => distributor.supply.reclaim(silent.shipmentId));
  await time.increase(await miip.contracts.supply.SHIPMENT_TIMEOUT());
  const back = await n.step(
    "after the 14-day timeout the distributor reclaims them",
    distributor.supply.reclaim(silent.shipmentId),
  );
  n.say(
    `  ${back.returned} units back in the shipment they left (${(await miip.supply.shipment(first.shipmentId)).remaining} there now), ` +
      "where a late excursion of that shipment would still find them",
  );
  const parked = await n.step(
    "the distributor ships 5 units to institution 999, which does not exist",
    distributor.supply.ship(first.shipmentId, 999, 5),
  );
  const parkedBack = await n.step(
    "and reclaims them at once (nobody can accept them)",
    distributor.supply.reclaim(parked.shipmentId),
  );
  n.say(
    `  ${parkedBack.returned} units back in their source: units parked elsewhere stay within a late excursion's reach`,
  );

  n.section("Governance stops the prescriptions of a hospital it no longer trusts");
  const doubtful = hre.ethers.id("a prescription from a suspended hospital");
  const set = await n.step(
    "the hospital sets another allowance",
    as("hospital").supply.setAllowance({
      keyAddress: prescriptionKey(doubtful).address,
      gtin,
      productSalt,
      unitsPerFill: 1,
      fills: 3,
      validUntil: (await time.latest()) + 90 * 86_400,
    }),
  );
  await n.refused("the pharmacy revoking it", () => pharmacy.supply.revokeAllowance(set.key, "FRAUD"));
  await n.step("the guardian role revokes it at once", as("deployer").supply.revokeAllowance(set.key, "FRAUD"));
  await n.refused("a fill under it", () =>
    pharmacy.supply.dispense({
      shipmentId: third.shipmentId,
      unit: serials.unit("KR00000045"),
      allowance: { key: set.key, productSalt },
    }),
  );
  const provenance = await miip.history.batchProvenance(batchId, { limit: 200 });
  n.say(`  the batch's provenance, from events (${provenance.total}):`);
  const counts = new Map<string, number>();
  for (const e of provenance.entries) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
  n.say(`    ${[...counts].map(([event, count]) => (count > 1 ? `${event} ×${count}` : event)).join(", ")}`);
}
