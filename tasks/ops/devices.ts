/**
 * The command line: patient-generated data. Approved device models (regulators), personal devices provisioned by
 * their manufacturer and bound by their patient, anchors of encrypted readings, a hospital following a patient's
 * devices under its consent, and the records of a patient's own stream (`stream:*`). The supply chain's cold-chain
 * loggers are `device:*`.
 */

import { writeFileSync } from "node:fs";

import { task } from "hardhat/config";
import { Wallet, ZeroAddress, keccak256 } from "ethers";

import {
  accountOf,
  action,
  Args,
  connect,
  done,
  FROM,
  governed,
  governedFlags,
  InputError,
  institutionIdOf,
  integer,
  PATIENT,
  patientClient,
  patientFlags,
  patientIdOf,
  publicKeyOf,
  readInput,
  readJson,
  shown,
  when,
} from "../cli";

/** A digest given as a file (hashed here, keccak-256) or as 32 bytes of hex. */
function digestArg(args: Args, file: string, digest: string): string {
  if (args[file] && args[digest]) throw new InputError(`give one of --${file} or --${digest}`);
  if (args[file]) return keccak256(readInput(args[file], file));
  if (args[digest] && /^0x[0-9a-fA-F]{64}$/.test(args[digest]!)) return args[digest]!;
  throw new InputError(`give --${file} (a file, hashed here) or --${digest} (32 bytes of hex)`);
}

/** A device's key from its secret (32 bytes of hex): a simulated device, or one a test bench holds. */
function deviceKey(secret: string | undefined): Wallet {
  if (!secret || !/^0x[0-9a-fA-F]{64}$/.test(secret)) throw new InputError("--device-secret: 32 bytes of hex");
  return new Wallet(secret);
}

function provisioningArg(value: string | undefined): { r: string; vs: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value ?? "");
  } catch {
    throw new InputError("--provisioning: the JSON patient-device:provision printed ({ r, vs })");
  }
  const p = parsed as { r?: unknown; vs?: unknown };
  if (typeof p.r !== "string" || typeof p.vs !== "string") throw new InputError("--provisioning: { r, vs } expected");
  return { r: p.r, vs: p.vs };
}

/** The firmware digests of a task's --firmware flag: 32 bytes of hex each, comma-separated, version 0 first. */
function firmwareArg(args: Args): string[] {
  const firmwareDigests = args.firmware!.split(",").map((d) => d.trim());
  for (const d of firmwareDigests) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(d)) throw new InputError(`--firmware: ${d} is not 32 bytes of hex`);
  }
  return firmwareDigests;
}

task(
  "patient-device:request-approval",
  "A manufacturer asks the regulator it chooses to approve a model and its firmware",
)
  .addParam("regulator", "The regulator: its id, address or local account name")
  .addOptionalParam("technicalFile", "The model's technical file (hashed here)")
  .addOptionalParam("modelDigest", "Its digest, instead of --technical-file")
  .addParam("firmware", "The firmware images' digests (32 bytes of hex), comma-separated, version 0 first")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const firmwareDigests = firmwareArg(args);
      const regulatorId = Number(await institutionIdOf(hre, miip, args.regulator, "regulator"));
      const modelDigest = digestArg(args, "technicalFile", "modelDigest");
      const r = await miip.devices.requestApproval({ regulatorId, modelDigest, firmwareDigests });
      done(
        `approval of model ${modelDigest} asked of institution ${regulatorId}, ${firmwareDigests.length} firmware version(s)`,
        r,
      );
    }),
  );

task("patient-device:approve-model", "The regulator a manufacturer asked approves its device model and firmware")
  .addParam("manufacturer", "The manufacturer: its id, address or local account name")
  .addOptionalParam("technicalFile", "The model's technical file (hashed here)")
  .addOptionalParam("modelDigest", "Its digest, instead of --technical-file")
  .addParam("firmware", "The firmware images' digests (32 bytes of hex) as the manufacturer submitted them")
  .addOptionalParam("from", FROM, "regulator")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const firmwareDigests = firmwareArg(args);
      const r = await miip.devices.approveModel({
        manufacturerId: Number(await institutionIdOf(hre, miip, args.manufacturer, "manufacturer")),
        modelDigest: digestArg(args, "technicalFile", "modelDigest"),
        firmwareDigests,
      });
      done(`model ${r.modelId} approved with ${firmwareDigests.length} firmware version(s)`, r);
    }),
  );

task("patient-device:approve-firmware", "The model's regulator approves a new firmware version (a patch)")
  .addParam("model", "The model id")
  .addParam("digest", "The firmware image's digest (32 bytes of hex)")
  .addOptionalParam("from", FROM, "regulator")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.devices.approveFirmware(integer(args.model, "model"), digestArg(args, "", "digest"));
      done(`model ${args.model}: firmware version ${r.firmware} approved`, r);
    }),
  );

task("patient-device:withdraw-firmware", "A regulator withdraws a firmware version (a recalled patch)")
  .addParam("model", "The model id")
  .addParam("firmware", "The version")
  .addParam("reason", "Why (a short code)")
  .addOptionalParam("from", FROM, "regulator")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.devices.withdrawFirmware(
        integer(args.model, "model"),
        Number(integer(args.firmware, "firmware")),
        args.reason!,
      );
      done(`model ${args.model}: firmware version ${args.firmware} withdrawn`, r);
    }),
  );

task("patient-device:withdraw-model", "A regulator withdraws a whole device model")
  .addParam("model", "The model id")
  .addParam("reason", "Why (a short code)")
  .addOptionalParam("from", FROM, "regulator")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      done(
        `model ${args.model} withdrawn`,
        await miip.devices.withdrawModel(integer(args.model, "model"), args.reason!),
      );
    }),
  );

const GOVERNED = "the first run schedules it (public for the governor's delay), a run after the delay executes it";

governedFlags(
  task(
    "patient-device:restore-model",
    `Governance restores a withdrawn device model, naming its withdrawal: ${GOVERNED}`,
  )
    .addParam("model", "The model id")
    .addParam("reason", "Why (a short code)"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await connect(hre, args.from);
    const call = await miip.governance.restoreDeviceModel(integer(args.model, "model"), args.reason!);
    await governed(hre, miip, call, args);
  }),
);

governedFlags(
  task(
    "patient-device:restore-firmware",
    `Governance restores a withdrawn firmware version, naming its withdrawal: ${GOVERNED}`,
  )
    .addParam("model", "The model id")
    .addParam("firmware", "The version")
    .addParam("reason", "Why (a short code)"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await connect(hre, args.from);
    const version = Number(integer(args.firmware, "firmware"));
    const call = await miip.governance.restoreFirmware(integer(args.model, "model"), version, args.reason!);
    await governed(hre, miip, call, args);
  }),
);

governedFlags(
  task(
    "patient-device:reassign-model",
    `Governance hands a device model to another active regulator, which alone approves its patches: ${GOVERNED}`,
  )
    .addParam("model", "The model id")
    .addParam("regulator", "The regulator: its id, address or local account name")
    .addParam("reason", "Why (a short code)"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await connect(hre, args.from);
    const regulatorId = Number(await institutionIdOf(hre, miip, args.regulator, "regulator"));
    const call = miip.governance.reassignDeviceModel(integer(args.model, "model"), regulatorId, args.reason!);
    await governed(hre, miip, call, args);
  }),
);

task("patient-device:model", "Shows a device model and which firmware versions stand approved")
  .addParam("model", "The model id")
  .setAction(
    action(async (args: Args, hre) => {
      const m = await (await connect(hre)).devices.model(integer(args.model, "model"));
      console.log(
        `model ${m.modelId} of institution ${m.manufacturerId}, approved by institution ${m.regulatorId}` +
          `${m.withdrawn ? `, withdrawn ${when(m.withdrawnAt)}` : ""}; firmware approved: ${m.approvedFirmware.join(", ") || "none"}`,
      );
    }),
  );

task("patient-device:provision", "A manufacturer provisions a device key for a model, at production (prints JSON)")
  .addParam("device", "The device's address (its key)")
  .addParam("model", "The model id")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const device = await accountOf(hre, args.device, "device");
      console.log(JSON.stringify(await miip.devices.provision(device, Number(integer(args.model, "model")))));
    }),
  );

task("patient-device:provisioner", "A manufacturer names the key that provisions its devices (its factory's)")
  .addOptionalParam("key", "The provisioning key's address (or local account name)")
  .addFlag("clear", "Give the role back to the manufacturer's own account")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      if (!args.key === !args.clear) throw new InputError("give one of --key or --clear");
      const key = args.clear ? ZeroAddress : await accountOf(hre, args.key!, "key");
      const r = await miip.devices.setProvisioner(key);
      done(
        args.clear ? "devices are provisioned by the manufacturer's account" : `devices are provisioned by ${key}`,
        r,
      );
    }),
  );

patientFlags(
  task("patient-device:bind", "A patient binds a personal device (its key signs; its manufacturer provisioned it)")
    .addParam("deviceSecret", "The device's key (a simulated device: 32 bytes of hex)")
    .addParam("provisioning", "The manufacturer's provisioning, as patient-device:provision printed it")
    .addParam("model", "The model id")
    .addOptionalParam("firmware", "The firmware version it runs", "0"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    const r = await miip.devices.bind({
      device: deviceKey(args.deviceSecret),
      provisioning: provisioningArg(args.provisioning),
      modelId: Number(integer(args.model, "model")),
      firmware: Number(integer(args.firmware, "firmware")),
    });
    done(`device ${r.deviceId} (${r.address}) bound`, r);
  }),
);

patientFlags(
  task("patient-device:revoke", "A patient revokes a lost or stolen device, at once, for good").addParam(
    "device",
    "The device's address",
  ),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    done(`device ${args.device} revoked`, await miip.devices.revoke(await accountOf(hre, args.device, "device")));
  }),
);

task("patient-device:list", "A patient's devices, the hospitals following them and the writers it named")
  .addOptionalParam("patient", PATIENT, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const list = await miip.devices.list(patientId);
      for (const d of list) {
        console.log(
          `device ${d.deviceId} ${d.address}: model ${d.modelId} firmware ${d.firmware}, ${d.status}, bound ` +
            `${when(d.boundAt)}, ${d.sequence} anchor(s)${d.sequence ? `, the last ending ${when(d.lastEnd)}` : ""}`,
        );
      }
      const writers = (await miip.devices.writers(patientId)).map(
        (w) =>
          `${w.writerId}${w.mayWrite ? "" : w.status === "suspended" ? " (suspended: cannot write until reinstated)" : ` (${w.status}: cannot write)`}`,
      );
      console.log(
        `${list.length} device(s); followed by institution(s) ${(await miip.devices.followers(patientId)).join(", ") || "none"}; ` +
          `writers named: ${writers.join(", ") || "none"}`,
      );
    }),
  );

task("patient-device:anchor", "The patient's phone anchors a period of its device's encrypted readings")
  .addParam("deviceSecret", "The device's key (a simulated device: 32 bytes of hex)")
  .addOptionalParam("readings", "A JSON file of [time, value] pairs; or --simulate")
  .addOptionalParam("simulate", "Simulate a glucose monitor for this many hours after the device's last anchor")
  .addOptionalParam("kind", "What was measured", "glucose")
  .addOptionalParam("unit", "In what unit", "mg/dL")
  .addOptionalParam("patientKey", "The patient's encryption public key (derived when this node holds its key)")
  .addOptionalParam("share", "Following hospitals to seal it for, comma-separated (their accounts or local names)")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const device = deviceKey(args.deviceSecret);
      const current = await miip.devices.device(device.address);
      const { simulateGlucose } = await import("../../packages/sdk/src");
      let readings: (readonly [number, number])[];
      if (args.readings && args.simulate) throw new InputError("give one of --readings or --simulate");
      if (args.readings) {
        readings = readJson(args.readings, "readings") as [number, number][];
        if (!Array.isArray(readings)) throw new InputError("--readings: a JSON array of [time, value] pairs");
      } else {
        const from = current.lastEnd + 1;
        const hours = Number(integer(args.simulate ?? "24", "simulate"));
        readings = simulateGlucose({
          seed: `${device.address} ${current.sequence + 1}`,
          from,
          to: from + hours * 3600 - 1,
        });
      }
      if (readings.length === 0) throw new InputError("no readings to anchor");
      const owner = (await miip.patients.get(current.patientId)).account;
      const recipients = [];
      for (const name of (args.share ?? "").split(",").filter(Boolean)) {
        const account = await accountOf(hre, name.trim(), "share");
        recipients.push({ account, publicKey: await publicKeyOf(hre, account, undefined) });
      }
      const r = await miip.devices.anchorReadings({
        device,
        readings,
        from: readings[0][0],
        to: readings[readings.length - 1][0],
        kind: args.kind!,
        unit: args.unit!,
        patientPublicKey: await publicKeyOf(hre, owner, args.patientKey),
        recipients,
      });
      done(`device ${current.deviceId}: anchor ${r.sequence}, ${readings.length} readings sealed (${r.uri})`, r);
    }),
  );

task("patient-device:readings", "Opens a device's anchored batch (the patient, or a hospital under consent)")
  .addParam("device", "The device id")
  .addParam("sequence", "The anchor's number")
  .addOptionalParam("out", "Where to write the readings (JSON)")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const batch = await miip.devices.readings(
        integer(args.device, "device"),
        Number(integer(args.sequence, "sequence")),
      );
      const json = JSON.stringify(batch, null, 2) + "\n";
      if (args.out) writeFileSync(args.out, json);
      else console.log(json.trimEnd());
      const values = batch.readings.map(([, v]) => v);
      console.log(
        `${batch.readings.length} ${batch.kind} readings (${batch.unit}) from ${when(batch.from)} to ${when(batch.to)}: ` +
          `min ${Math.min(...values)}, max ${Math.max(...values)}${args.out ? `; written to ${shown(args.out)}` : ""}`,
      );
    }),
  );

task("patient-device:follow", "A hospital with the patient's treatment consent follows its devices")
  .addParam("patient", PATIENT)
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      done(`following patient ${patientId}'s devices`, await miip.devices.follow(patientId));
    }),
  );

task("patient-device:unfollow", "A hospital stops following a patient's devices")
  .addParam("patient", PATIENT)
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      done(`no longer following patient ${patientId}`, await miip.devices.unfollow(patientId));
    }),
  );

task("patient-device:notices", "The new anchors a hospital was told of")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const notices = await miip.devices.notices();
      for (const n of notices) console.log(`patient ${n.patientId}: device ${n.deviceId}, anchor ${n.sequence}`);
      console.log(`${notices.length} notice(s)`);
    }),
  );

patientFlags(
  task("patient-device:drop-follower", "A patient stops a hospital following its devices").addParam(
    "hospital",
    "The hospital: its id, address or local account name",
  ),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    const hospitalId = Number(await institutionIdOf(hre, miip, args.hospital, "hospital"));
    done(`institution ${hospitalId} no longer follows`, await miip.devices.dropFollower(hospitalId));
  }),
);

task("patient-device:drop-lapsed", "Anyone drops a follower whose consent lapsed")
  .addParam("patient", PATIENT)
  .addParam("hospital", "The hospital: its id, address or local account name")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const hospitalId = Number(await institutionIdOf(hre, miip, args.hospital, "hospital"));
      done(`institution ${hospitalId} dropped`, await miip.devices.dropLapsedFollower(patientId, hospitalId));
    }),
  );

patientFlags(
  task("stream:writer", "A patient names (or, with --remove, removes) a writer of its own record stream")
    .addParam("writer", "The institution: its id, address or local account name")
    .addFlag("remove", "Remove it"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    const writerId = Number(await institutionIdOf(hre, miip, args.writer, "writer"));
    const named = !args.remove;
    done(`institution ${writerId} ${named ? "named" : "removed"}`, await miip.devices.setWriter(writerId, named));
  }),
);

patientFlags(
  task("stream:write", "A patient writes an encrypted document of its own (with --device-secret: its device's, signed)")
    .addParam("file", "The document (encrypted here)")
    .addParam("type", "The record type (device-readings, lab-result, ...)")
    .addOptionalParam("deviceSecret", "The device's key, when the document is the device's"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    const r = await miip.devices.writeOwn({
      document: new Uint8Array(readInput(args.file, "file")),
      recordType: args.type!,
      device: args.deviceSecret ? deviceKey(args.deviceSecret) : undefined,
    });
    done(`record ${r.recordId} written to the patient's own stream (${r.uri})`, r);
  }),
);

task("stream:write-for", "A writer the patient named writes an encrypted document into the patient's stream")
  .addParam("patient", PATIENT)
  .addParam("file", "The document (encrypted here)")
  .addParam("type", "The record type")
  .addOptionalParam("patientKey", "The patient's encryption public key (derived when this node holds its key)")
  .addOptionalParam("from", FROM, "pharmacy")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const owner = (await miip.patients.get(patientId)).account;
      const r = await miip.devices.writeFor({
        patientId,
        patientPublicKey: await publicKeyOf(hre, owner, args.patientKey),
        document: new Uint8Array(readInput(args.file, "file")),
        recordType: args.type!,
      });
      done(`record ${r.recordId} written into patient ${patientId}'s stream (${r.uri})`, r);
    }),
  );
