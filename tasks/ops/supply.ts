/** The command line: supply. */

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { task } from "hardhat/config";

import {
  accountOf,
  action,
  address,
  Args,
  connect,
  done,
  FROM,
  governed,
  governedFlags,
  gtinArg,
  InputError,
  institutionIdOf,
  integer,
  integers,
  pageArgs,
  readInput,
  readJson,
  shown,
  units,
  when,
} from "../cli";

/** A patient's fill authorisation, as supply:authorize-fill prints it (JSON). */
function parseAuthorization(json: string) {
  let a;
  try {
    a = JSON.parse(json);
  } catch {
    throw new Error("--authorization is not the JSON supply:authorize-fill prints");
  }
  return {
    allowanceKey: bytes32Arg(a.allowanceKey, "authorization.allowanceKey"),
    pharmacyId: BigInt(a.pharmacyId),
    fillsAfter: Number(a.fillsAfter),
    deadline: Number(a.deadline),
    signature: {
      r: bytes32Arg(a.signature?.r, "authorization.signature.r"),
      vs: bytes32Arg(a.signature?.vs, "authorization.signature.vs"),
    },
  };
}

/** A 32-byte hex secret or salt from a flag (a prescription's secret, a product salt). */
function bytes32Arg(value: string | undefined, flag: string): string {
  if (value === undefined || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new InputError(`--${flag}: give 32 bytes of hex (0x followed by 64 hex digits)`);
  }
  return value;
}

/** The GS1 element string printed on a pack (`--pack`), parsed; an InputError naming the flag otherwise. */
async function packArg(value: string | undefined) {
  const { parsePackCode } = await import("../../packages/sdk/src/gs1");
  try {
    return parsePackCode(value ?? "");
  } catch (error) {
    throw new InputError(`--pack: ${(error as Error).message}`);
  }
}

task(
  "supply:ship",
  "The holder of a shipment (or of a batch's origin, whose id is the batch's) ships some of its units",
)
  .addParam("source", "The shipment the units come from (a batch id for its origin stock)")
  .addParam("to", "The receiver: its address, a local account name, or its institution id")
  .addParam("quantity", "How many units")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const to = /^[0-9]+$/.test(args.to ?? "") ? BigInt(args.to!) : await accountOf(hre, args.to, "to");
      const r = await miip.supply.ship(integer(args.source, "source"), to, Number(integer(args.quantity, "quantity")));
      done(`shipment ${r.shipmentId}: ${args.quantity} units to ${args.to}`, r);
    }),
  );

for (const [name, verb] of [
  ["accept", "accepts"],
  ["refuse", "refuses"],
  ["reclaim", "reclaims"],
] as const) {
  task(
    `supply:${name}`,
    name === "reclaim"
      ? "The sender takes back a shipment not accepted within the timeout (at once if the receiver is not active)"
      : `The receiver ${verb} a shipment`,
  )
    .addParam("shipment", "The shipment id")
    .addOptionalParam("from", FROM, name === "reclaim" ? "manufacturer" : "distributor")
    .setAction(
      action(async (args: Args, hre) => {
        const miip = await connect(hre, args.from);
        const id = integer(args.shipment, "shipment");
        if (name === "accept") {
          const r = await miip.supply.accept(id);
          done(`shipment ${id} accepted${r.quarantined ? ", quarantined (a reading was out of range)" : ""}`, r);
        } else {
          const r = name === "refuse" ? await miip.supply.refuse(id) : await miip.supply.reclaim(id);
          const back =
            r.returned > 0 ? `${r.returned} unit(s) back in their source` : "its units stay in it, quarantined";
          done(`shipment ${id} ${name === "refuse" ? "refused" : "reclaimed"}: ${back}`, r);
        }
      }),
    );
}

task("device:add", "An institution registers an IoT device (a cold-chain logger), with the device's own consent")
  .addOptionalParam("deviceKey", "The logger's private key, to sign its consent here (local tests and demos)")
  .addOptionalParam("consent", "Or: a JSON file { device, signature } the logger signed (device:consent)")
  .addOptionalParam("kind", "temperature-logger, humidity-logger or combined-logger (or 1-3)", "combined-logger")
  .addOptionalParam("calibration", "The calibration certificate's text or id; only its hash goes on chain", "")
  .addOptionalParam("from", FROM, "distributor")
  .setAction(
    action(async (args: Args, hre) => {
      const { DEVICE_KIND_NAMES, parseDeviceKind } = await import("../../packages/sdk/src/labels");
      let kind: number;
      try {
        kind = parseDeviceKind(args.kind ?? "");
      } catch (error) {
        throw new InputError(`--kind: ${(error as Error).message}`);
      }
      const miip = await connect(hre, args.from);
      const calibration = hre.ethers.id(args.calibration ?? "");
      let device: string;
      let signature: { r: string; vs: string };
      if (args.deviceKey !== undefined) {
        if (!/^0x[0-9a-fA-F]{64}$/.test(args.deviceKey)) throw new InputError("--device-key: 32 bytes of hex");
        const wallet = new hre.ethers.Wallet(args.deviceKey);
        const owner = await miip.participants.memberOf(await miip.address());
        if (!owner) throw new InputError(`--from: ${await miip.address()} is no institution`);
        device = wallet.address;
        signature = await miip.supply.deviceConsent(wallet, owner.id, kind, calibration);
      } else {
        const raw = readJson(args.consent, "consent") as { device?: string; signature?: { r: string; vs: string } };
        if (!raw?.signature) throw new InputError(`--consent: ${args.consent} holds no signature`);
        device = address(raw.device, "consent's device");
        signature = raw.signature;
      }
      done(
        `device ${device} registered (${DEVICE_KIND_NAMES[kind]})`,
        await miip.supply.registerDevice(device, kind, calibration, signature),
      );
    }),
  );

task("device:assign", "A shipment's sender or receiver assigns one of its devices to it while it is in transit")
  .addParam("shipment", "The shipment id")
  .addParam("device", "The device's address")
  .addOptionalParam("from", FROM, "distributor")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const device = address(args.device, "device");
      done(
        `device ${device} assigned to shipment ${args.shipment}`,
        await miip.supply.assignDevice(integer(args.shipment, "shipment"), device),
      );
    }),
  );

task("device:revoke", "The owner revokes a device: its later readings are refused, earlier ones still count")
  .addParam("device", "The device's address")
  .addOptionalParam("from", FROM, "distributor")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const device = address(args.device, "device");
      done(`device ${device} revoked`, await miip.supply.revokeDevice(device));
    }),
  );

task("supply:readings", "Anyone submits device-signed cold-chain readings (JSON from a logger)")
  .addParam("file", "Signed readings: { readings: [...], signatures: [...] }")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const raw = readJson(args.file, "file") as {
        readings?: Record<string, string | number>[];
        signatures?: { r: string; vs: string }[];
      };
      if (!Array.isArray(raw?.readings) || !Array.isArray(raw.signatures))
        throw new InputError(`--file: ${args.file} holds no signed readings`);
      const miip = await connect(hre, args.from);
      const r = await miip.supply.submitReadings({
        readings: raw.readings.map((x) => ({
          device: String(x.device),
          shipmentId: BigInt(x.shipmentId),
          temperature: Number(x.temperature),
          humidity: Number(x.humidity),
          timestamp: BigInt(x.timestamp),
          sequence: BigInt(x.sequence),
        })),
        signatures: raw.signatures,
      });
      const late = r.late.map((l) => `; shipment ${l.shipmentId}: ${l.quarantined} units quarantined late`).join("");
      done(`${r.recorded} readings recorded, ${r.excursions.length} excursions${late}`, r);
    }),
  );

/** A unit's index and proof from the serials file `npm run serials` writes (`units: [{ serial, index, leaf, proof }]`). */
function unitOf(file: string | undefined, serial: string | undefined) {
  if (!serial) throw new InputError("--serial is required");
  const data = readJson(file, "serials") as {
    units?: { serial: string; index: number; leaf: string; proof: string[] }[];
  };
  const unit = Array.isArray(data?.units) ? data.units.find((u) => u.serial === serial) : undefined;
  if (!unit) throw new InputError(`--serial: ${serial} is not in ${file}`);
  return { index: unit.index, serial: unit.serial, proof: unit.proof };
}

task("supply:verify", "Anyone checks a pack from its printed codes: genuine, maker, product, expiry, leaflet, recall")
  .addParam("pack", 'The GS1 element string printed on the pack, e.g. "(01)08806469001235(17)271231(10)LOT-A(21)KR01"')
  .addParam("serials", "The batch's serials file, published by its maker (the unit's index and proof)")
  .addOptionalParam("language", "The leaflet's language", "ko")
  .setAction(
    action(async (args: Args, hre) => {
      const pack = await packArg(args.pack);
      const miip = await connect(hre);
      const v = await miip.supply.verifyPack(pack, unitOf(args.serials, pack.serial), args.language);
      if (v.batchId === 0n) {
        console.log(`${pack.serial}: NOT GENUINE: no batch ${pack.lot} of ${pack.gtin} exists`);
        return;
      }
      const verdict = v.authentic ? "genuine" : v.genuine ? "genuine serial, WRONG EXPIRY printed" : "NOT GENUINE";
      console.log(`${pack.serial}: ${verdict}; ${v.product.name} ${v.product.strength}, made by ${v.manufacturer}`);
      console.log(`  batch ${v.batchId}, expires ${when(v.expiresAt)}${v.expired ? " (EXPIRED)" : ""}`);
      if (v.batchMessage) console.log(`  note: ${v.batchMessage}`);
      if (v.recalled) console.log(`  RECALLED: ${v.recallMessage}`);
      if (v.dispensed) console.log(`  already dispensed at ${when(v.dispensedAt)} by institution ${v.dispensedBy}`);
      if (v.excursions > 0) console.log(`  cold chain: ${v.excursions} readings out of range on its batch`);
      if (v.leaflet.version > 0)
        console.log(`  leaflet (${v.leaflet.language} v${v.leaflet.version}): ${v.leaflet.uri}`);
    }),
  );

task("supply:allow", "A hospital sets a prescription's fill allowance: no patient, record or product in clear")
  .addParam(
    "keyAddress",
    "The address of the patient's key for this prescription (supply:prescription-key prints it on the patient's side)",
  )
  .addParam("gtin", "The product prescribed")
  .addParam("productSalt", "The salt hiding the product (32 bytes hex, in the document too)")
  .addOptionalParam("units", "Units per fill", "1")
  .addOptionalParam("fills", "Number of fills", "1")
  .addOptionalParam("validDays", "Days it stays valid", "30")
  .addOptionalParam("refillDays", "Least days between two fills", "0")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.supply.setAllowance({
        keyAddress: await accountOf(hre, args.keyAddress, "key-address"),
        gtin: await gtinArg(args.gtin),
        productSalt: bytes32Arg(args.productSalt, "product-salt"),
        unitsPerFill: Number(integer(args.units, "units")),
        fills: Number(integer(args.fills, "fills")),
        validUntil: (await miip.now()) + Number(integer(args.validDays, "valid-days")) * 86_400,
        refillInterval: Number(integer(args.refillDays, "refill-days")) * 86_400,
      });
      done(`allowance ${r.key} set: ${args.fills} fill(s) of ${args.units} unit(s)`, r);
    }),
  );

task(
  "supply:dispense",
  "A pharmacy dispenses one unit from a shipment it holds, under an allowance or over the counter",
)
  .addParam("shipment", "The shipment the unit is taken from")
  .addParam("serial", "The unit's serial, as printed (AI 21)")
  .addParam("serials", "The batch's serials file")
  .addOptionalParam("allowance", "The prescription's allowance key (from its document); none: over the counter")
  .addOptionalParam("productSalt", "The product salt (from the prescription's document)")
  .addOptionalParam(
    "authorization",
    "The patient's signed consent to this fill (the JSON supply:authorize-fill prints on the patient's side): needed to open a fill, or to take over one another pharmacy opened",
  )
  .addOptionalParam("from", FROM, "pharmacy")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const allowance =
        args.allowance === undefined
          ? undefined
          : {
              key: bytes32Arg(args.allowance, "allowance"),
              productSalt: bytes32Arg(args.productSalt, "product-salt"),
              authorization: args.authorization === undefined ? undefined : parseAuthorization(args.authorization),
            };
      const r = await miip.supply.dispense({
        shipmentId: integer(args.shipment, "shipment"),
        unit: unitOf(args.serials, args.serial),
        allowance,
      });
      done(
        r.dispensed ? `${args.serial} dispensed` : `${args.serial} was already dispensed: COUNTERFEIT ALERT raised`,
        r,
      );
    }),
  );

task(
  "supply:prescription-key",
  "The patient's app derives its key for a prescription from a secret it keeps: prints the address the hospital needs",
)
  .addParam("secret", "The secret (32 bytes hex) the patient's phone keeps for this prescription")
  .addOptionalParam("hospital", "The prescribing hospital's institution id: also prints the allowance key")
  .setAction(
    action(async (args: Args) => {
      const { allowanceKey, prescriptionKey } = await import("../../packages/sdk/src");
      const address = prescriptionKey(bytes32Arg(args.secret, "secret")).address;
      console.log(`key address ${address} (give it to the prescribing hospital; keep the secret)`);
      if (args.hospital !== undefined) {
        console.log(`allowance key ${allowanceKey(integer(args.hospital, "hospital"), address)}`);
      }
    }),
  );

task(
  "supply:authorize-fill",
  "The patient's phone signs, with the prescription's key, that one pharmacy may fill the prescription now (no gas)",
)
  .addParam("secret", "The prescription's secret")
  .addParam("hospital", "The prescribing hospital's institution id")
  .addParam("pharmacy", "The pharmacy: its address, a local account name, or its institution id")
  .addOptionalParam("validFor", "Seconds the signature lasts", "900")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const pharmacy = /^[0-9]+$/.test(args.pharmacy ?? "")
        ? BigInt(args.pharmacy!)
        : await accountOf(hre, args.pharmacy, "pharmacy");
      const a = await miip.supply.authorizeFill({
        secret: bytes32Arg(args.secret, "secret"),
        hospitalId: integer(args.hospital, "hospital"),
        pharmacy,
        validFor: Number(integer(args.validFor, "valid-for")),
      });
      console.log(`fill with ${a.fillsAfter} fill(s) after it, for pharmacy ${a.pharmacyId}, until ${a.deadline}:`);
      console.log(JSON.stringify({ ...a, pharmacyId: a.pharmacyId.toString() }));
    }),
  );

for (const [name, what, from] of [
  ["cancel-allowance", "The hospital that set a prescription's allowance cancels it", "hospital"],
  ["revoke-allowance", "Governance (the guardian role) revokes a prescription's allowance at once", "deployer"],
] as const) {
  task(`supply:${name}`, what)
    .addParam("key", "The allowance key")
    .addOptionalParam("reason", "Why (revoke only)", "revoked")
    .addOptionalParam("from", FROM, from)
    .setAction(
      action(async (args: Args, hre) => {
        const miip = await connect(hre, args.from);
        const key = bytes32Arg(args.key, "key");
        const r =
          name === "cancel-allowance"
            ? await miip.supply.cancelAllowance(key)
            : await miip.supply.revokeAllowance(key, args.reason!);
        done(`allowance ${key} ${name === "cancel-allowance" ? "cancelled" : "revoked"}`, r);
      }),
    );
}

task("supply:received", "A patient's wallet lists the units dispensed under its prescriptions, with any recall")
  .addParam("secret", "The prescription's secret")
  .addParam("hospital", "The prescribing hospital's institution id")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const units = await miip.supply.receivedUnits([
        { secret: bytes32Arg(args.secret, "secret"), hospitalId: integer(args.hospital, "hospital") },
      ]);
      console.log(`${units.length} unit(s) received under this prescription`);
      for (const u of units) {
        console.log(`  batch ${u.batchId}${u.recalled ? `: RECALLED: ${u.recallMessage}` : ""}`);
      }
    }),
  );

task("supply:provenance", "A batch's provenance, from its events")
  .addParam("batch", "The batch id")
  .addOptionalParam("offset", "First entry", "0")
  .addOptionalParam("limit", "Entries per page", "50")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const page = await miip.history.batchProvenance(integer(args.batch, "batch"), pageArgs(args));
      console.log(`batch ${args.batch}: ${page.total} events`);
      for (const e of page.entries) console.log(`  ${when(e.timestamp)}  ${e.event}`);
    }),
  );

task("supply:recall", "The manufacturer or a regulator recalls a batch, with a message to patients")
  .addParam("batch", "The batch id")
  .addParam("reason", "A reason code")
  .addOptionalParam("message", "What patients holding it should do", "")
  .addOptionalParam("from", FROM, "regulator")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      done(
        `batch ${args.batch} recalled (${args.reason})`,
        await miip.supply.recall(integer(args.batch, "batch"), args.reason!, args.message ?? ""),
      );
    }),
  );

task("supply:report", "A hospital or pharmacy reports an adverse event against a batch (an encrypted report)")
  .addParam("batch", "The batch id")
  .addParam("file", "The encrypted report (only its digest goes on chain)")
  .addParam("uri", "Where the encrypted report lives")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.supply.reportAdverseEvent(
        integer(args.batch, "batch"),
        readInput(args.file, "file"),
        args.uri!,
      );
      done(`adverse event reported against batch ${args.batch}`, r);
    }),
  );

governedFlags(
  task(
    "supply:withdraw-recall",
    "Governance withdraws a recall: the first run schedules it (public for the governor's delay), a run after the delay executes it",
  )
    .addParam("batch", "The batch id")
    .addParam("reason", "A reason code"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await connect(hre, args.from);
    const call = await miip.governance.withdrawRecall(integer(args.batch, "batch"), args.reason!);
    await governed(hre, miip, call, args);
  }),
);

/** A day as YYYY-MM-DD, as unix seconds at its start (UTC). */
function dayArg(value: string | undefined, flag: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? "");
  const at = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  // Date.UTC reads years 0 to 99 as 1900 to 1999: no medicine is made or expires before 1970.
  if (!match || Number(match[1]) < 1970 || Number.isNaN(at) || new Date(at).getUTCDate() !== Number(match[3])) {
    throw new InputError(`--${flag}: "${value}" is not a day (YYYY-MM-DD)`);
  }
  return at / 1000;
}

/** Degrees or percent with up to two decimals, in the hundredths the chain keeps. */
function hundredths(value: string | undefined, flag: string): number {
  if (!/^-?\d+(\.\d{1,2})?$/.test(value ?? ""))
    throw new InputError(`--${flag}: "${value}" is not a number like 2 or -20.5`);
  return Math.round(Number(value) * 100);
}

task(
  "supply:batch",
  "The manufacturer that owns a GTIN registers a batch from its serials; writes the serials file it publishes for pack checks",
)
  .addParam("gtin", "The GTIN as printed (8, 12, 13 or 14 digits)")
  .addParam("lot", "The lot as printed (up to 20 characters)")
  .addParam("expires", "The expiry printed on the packs (YYYY-MM-DD): valid to the end of that day")
  .addParam("serials", "A text file of the batch's serials, one per line: its quantity is their number")
  .addParam("tempMin", "Lowest storage temperature, °C (e.g. 2)")
  .addParam("tempMax", "Highest storage temperature, °C (e.g. 8)")
  .addOptionalParam("humidityMin", "Lowest relative humidity, %", "0")
  .addOptionalParam("humidityMax", "Highest relative humidity, %", "100")
  .addOptionalParam("manufactured", "The day it was made (YYYY-MM-DD; default: now)")
  .addOptionalParam("uri", "Where the batch's public metadata lives", "")
  .addOptionalParam("message", "A public note for whoever checks a pack (storage advice)", "")
  .addOptionalParam(
    "out",
    "Where to write the published serials file, before the batch is sent (default: beside the network's documents)",
  )
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const { serialsFile } = await import("../../packages/sdk/src/serials");
      const { checkPackField } = await import("../../packages/sdk/src/gs1");
      const { deploymentNetwork, storeDir } = await import("../../scripts/lib/locations");
      const gtin = await gtinArg(args.gtin);
      const serials = readInput(args.serials, "serials")
        .toString("utf8")
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean);
      if (serials.length === 0) throw new InputError(`--serials: ${args.serials} lists no serial`);
      if (new Set(serials).size !== serials.length) throw new InputError(`--serials: ${args.serials} repeats a serial`);
      // What goes on chain for good, and on every pack: checked before anything is sent.
      try {
        checkPackField("10", args.lot!);
      } catch (error) {
        throw new InputError(`--lot: ${(error as Error).message}`);
      }
      for (const [line, serial] of serials.entries()) {
        try {
          checkPackField("21", serial);
        } catch (error) {
          throw new InputError(`--serials: ${args.serials}, serial ${line + 1}: ${(error as Error).message}`);
        }
      }
      const published = serialsFile(serials);
      const miip = await connect(hre, args.from);
      const network = deploymentNetwork(hre.network.name);
      const out =
        args.out ??
        path.join(storeDir(network), `batch-${gtin}-${args.lot!.replace(/[^A-Za-z0-9._-]/g, "_")}.serials.json`);
      // The serials file first: a batch on chain whose serials file could not be written could never be verified.
      mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      writeFileSync(out, JSON.stringify(published, null, 2) + "\n");
      const r = await miip.supply.registerBatch({
        gtin,
        lot: args.lot!,
        manufacturedAt: args.manufactured ? dayArg(args.manufactured, "manufactured") : await miip.now(),
        expiresAt: dayArg(args.expires, "expires") + 86_400,
        quantity: serials.length,
        tempMin: hundredths(args.tempMin, "temp-min"),
        tempMax: hundredths(args.tempMax, "temp-max"),
        humidityMin: hundredths(args.humidityMin, "humidity-min"),
        humidityMax: hundredths(args.humidityMax, "humidity-max"),
        serialRoot: published.root,
        metadataURI: args.uri!,
        message: args.message!,
      });
      done(`batch ${r.batchId}: ${serials.length} units of ${gtin}, lot ${args.lot}; serials file ${shown(out)}`, r);
    }),
  );

task(
  "supply:resolve-quarantine",
  "The manufacturer or a regulator resolves a shipment's quarantine: destroys some units, releases the rest",
)
  .addParam("shipment", "The shipment id")
  .addParam("destroy", "How many of its units are destroyed (the rest are released)")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const destroy = Number(integer(args.destroy, "destroy"));
      const r = await miip.supply.resolveQuarantine(integer(args.shipment, "shipment"), destroy);
      done(`shipment ${args.shipment}: quarantine resolved, ${destroy} units destroyed`, r);
    }),
  );

task("supply:notice-holders", "Anyone names the holders of a recalled batch's units, from its shipments' ids")
  .addParam("batch", "The recalled batch's id")
  .addParam("shipments", "Shipment ids, comma-separated (supply:provenance lists them)")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.supply.noticeHolders(integer(args.batch, "batch"), integers(args.shipments, "shipments"));
      done(`batch ${args.batch}: ${r.notified} holders noticed`, r);
    }),
  );

task(
  "supply:intake",
  "A patient confirms it took a unit it received, signed with the prescription's key; a relayer sends it",
)
  .addParam("secret", "The prescription's secret (kept by the patient's wallet; never sent)")
  .addParam("hospital", "The prescribing hospital: its id, address or local account name")
  .addParam("pack", "The GS1 element string printed on the pack")
  .addFlag("device", "Confirmed by a smart-pill dispenser holding the prescription's key, not by the patient")
  .addOptionalParam("from", FROM, "relayer")
  .setAction(
    action(async (args: Args, hre) => {
      const pack = await packArg(args.pack);
      const miip = await connect(hre, args.from);
      const r = await miip.supply.confirmIntake({
        secret: bytes32Arg(args.secret, "secret"),
        hospitalId: await institutionIdOf(hre, miip, args.hospital, "hospital"),
        gtin: pack.gtin,
        serial: pack.serial,
        by: args.device ? "device" : "patient",
      });
      done(`intake of ${pack.serial} confirmed, naming nobody`, r);
    }),
  );

task(
  "supply:report-as-patient",
  "A patient reports an adverse event on a unit they received, signed with the prescription's key; a relayer sends it",
)
  .addParam("secret", "The prescription's secret (kept by the patient's wallet; never sent)")
  .addParam("hospital", "The prescribing hospital: its id, address or local account name")
  .addParam("pack", "The GS1 element string printed on the pack")
  .addParam("file", "The encrypted report (only its digest goes on chain)")
  .addParam("uri", "Where the encrypted report lives")
  .addOptionalParam("from", FROM, "relayer")
  .setAction(
    action(async (args: Args, hre) => {
      const pack = await packArg(args.pack);
      const miip = await connect(hre, args.from);
      const r = await miip.supply.reportAsPatient({
        secret: bytes32Arg(args.secret, "secret"),
        hospitalId: await institutionIdOf(hre, miip, args.hospital, "hospital"),
        gtin: pack.gtin,
        serial: pack.serial,
        document: new Uint8Array(readInput(args.file, "file")),
        uri: args.uri!,
      });
      done(`adverse event reported on ${pack.serial} (report ${r.count} on its batch), naming nobody`, r);
    }),
  );
