/** The command line: records. */

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { task } from "hardhat/config";

import {
  action,
  Args,
  connect,
  done,
  FROM,
  governed,
  governedFlags,
  InputError,
  integer,
  pageArgs,
  PATIENT,
  patientIdOf,
  publicKeyOf,
  readInput,
  shown,
  when,
} from "../cli";

task(
  "record:add",
  "A hospital encrypts documents, stores them, and registers their records for the patient (several: one transaction)",
)
  .addParam("patient", PATIENT)
  .addParam("file", "The document (several: comma-separated); each is encrypted before it leaves this process")
  .addParam(
    "type",
    "Record type: diagnosis, prescription, lab-result (or lab), imaging, vaccination, … (several: one per file, comma-separated)",
  )
  .addOptionalParam("patientKey", "The patient's encryption public key (derived when this node holds the key)")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const files = args.file!.split(",").map((f) => f.trim());
      const types = args.type!.split(",").map((t) => t.trim());
      if (types.length !== files.length) {
        throw new InputError(`--type: ${types.length} types for ${files.length} files (one per file)`);
      }
      const documents = files.map((file) => new Uint8Array(readInput(file, "file")));
      const miip = await connect(hre, args.from);
      const account = (await miip.patients.get(patientId)).account;
      const patientPublicKey = await publicKeyOf(hre, account, args.patientKey);
      const inputs = documents.map((document, i) => ({ patientId, patientPublicKey, document, recordType: types[i] }));
      if (inputs.length === 1) {
        const r = await miip.documents.add(inputs[0]);
        done(`record ${r.recordId} registered for patient ${patientId}: ${shown(files[0])} encrypted, ${r.uri}`, r);
        return;
      }
      const r = await miip.documents.addBatch(inputs);
      for (const [i, recordId] of r.recordIds.entries()) {
        console.log(
          `record ${recordId} registered for patient ${patientId}: ${shown(files[i])} encrypted, ${r.uris[i]}`,
        );
      }
      done(`${r.recordIds.length} records in one transaction`, r);
    }),
  );

task(
  "record:amend",
  "The issuing hospital registers a corrected document for a record; the old version stays as history",
)
  .addParam("record", "The record id to correct")
  .addParam("file", "The corrected document; it is encrypted before it leaves this process")
  .addOptionalParam("patientKey", "The patient's encryption public key (derived when this node holds the key)")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const recordId = integer(args.record, "record");
      const document = new Uint8Array(readInput(args.file, "file"));
      const miip = await connect(hre, args.from);
      const { patientId } = await miip.records.get(recordId);
      const account = (await miip.patients.get(patientId)).account;
      const patientPublicKey = await publicKeyOf(hre, account, args.patientKey);
      const r = await miip.documents.amend(recordId, { patientId, patientPublicKey, document });
      done(`record ${r.recordId} corrects record ${recordId}: ${shown(args.file!)} encrypted, ${r.uri}`, r);
    }),
  );

task("record:list", "Lists a patient's records with their digests and document URIs")
  .addParam("patient", PATIENT)
  .addOptionalParam("offset", "First record", "0")
  .addOptionalParam("limit", "Records per page", "20")
  .setAction(
    action(async (args: Args, hre) => {
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const miip = await connect(hre);
      const page = await miip.history.recordsOfPatient(patientId, pageArgs(args));
      console.log(`patient ${patientId}: ${page.total} records`);
      for (const r of page.entries) {
        const version = r.supersededBy
          ? ` (superseded by ${r.supersededBy})`
          : r.supersedes
            ? ` (corrects ${r.supersedes})`
            : "";
        console.log(
          `  #${r.id} ${r.recordTypeName.padEnd(17)} institution ${r.issuer}  ${when(r.issuedAt)}  ${r.uri}${version}`,
        );
      }
    }),
  );

task("record:open", "Decrypts a record's document for a reader with a live right to it")
  .addParam("record", "The record id")
  .addParam("out", "Where to write the decrypted document")
  .addOptionalParam("purpose", "treatment, insurance-claim, research, public-health", "treatment")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const plain = await miip.documents.open(integer(args.record, "record"), { purpose: args.purpose! });
      mkdirSync(path.dirname(path.resolve(args.out!)), { recursive: true });
      writeFileSync(args.out!, plain);
      console.log(`record ${args.record} decrypted to ${shown(args.out!)} (${plain.length} bytes)`);
    }),
  );

task("record:pause", "The guardian role pauses record writes at once; governance resumes them (record:unpause)")
  .addOptionalParam("from", FROM, "deployer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      done("record writes paused; record:unpause resumes them after governance's delay", await miip.records.pause());
    }),
  );

governedFlags(
  task(
    "record:unpause",
    "Governance resumes the record registry's writes after a pause: the first run schedules it (public for the governor's delay), a run after the delay executes it",
  ),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await connect(hre, args.from);
    await governed(hre, miip, await miip.governance.unpause(), args);
  }),
);
