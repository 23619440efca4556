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
  integer,
  pageArgs,
  PATIENT,
  patientIdOf,
  publicKeyOf,
  readInput,
  shown,
  when,
} from "../cli";

task("record:add", "A hospital encrypts a document, stores it, and registers the record for the patient")
  .addParam("patient", PATIENT)
  .addParam("file", "The document; it is encrypted before it leaves this process")
  .addParam("type", "Record type: diagnosis, prescription, lab-result (or lab), imaging, vaccination, …")
  .addOptionalParam("patientKey", "The patient's encryption public key (derived when this node holds the key)")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const document = readInput(args.file, "file");
      const miip = await connect(hre, args.from);
      const account = (await miip.patients.get(patientId)).account;
      const patientPublicKey = await publicKeyOf(hre, account, args.patientKey);
      const r = await miip.documents.add({
        patientId,
        patientPublicKey,
        document: new Uint8Array(document),
        recordType: args.type!,
      });
      done(`record ${r.recordId} registered for patient ${patientId}: ${shown(args.file!)} encrypted, ${r.uri}`, r);
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
