/** The command line: consent. */

import { writeFileSync } from "node:fs";

import { task } from "hardhat/config";

import {
  accountOf,
  action,
  address,
  Args,
  connect,
  done,
  expiryOf,
  FROM,
  InputError,
  integer,
  PATIENT,
  patientClient,
  patientIdOf,
  publicKeyOf,
  readInput,
  readJson,
  scopeOf,
  shown,
  when,
} from "../cli";

function withScope(t: ReturnType<typeof task>) {
  return t
    .addParam("grantee", "The institution's address (or local account name)")
    .addOptionalParam("purpose", "treatment, insurance-claim, research, public-health", "treatment")
    .addFlag("all", "All the patient's records")
    .addOptionalParam("types", "Record types, comma-separated (prescription,lab-result)")
    .addOptionalParam("records", "Record ids, comma-separated")
    .addOptionalParam("days", "How many days the grant lasts", "30");
}

withScope(task("consent:grant", "The patient (or a guardian) grants an institution access"))
  .addOptionalParam("patient", "Whose records, when a guardian acts (default: --from's own)")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const grantee = await accountOf(hre, args.grantee, "grantee");
      const r = await miip.consent.grant({
        grantee,
        purpose: args.purpose!,
        scope: scopeOf(args),
        expiresAt: await expiryOf(hre, args.days),
      });
      done(`granted ${grantee} ${args.purpose}: ${r.grantIds.join(", ")}`, r);
    }),
  );

withScope(task("consent:sign", "The patient signs a consent off chain (no gas) and saves it for the grantee"))
  .addParam("out", "Where to write the signed consent (JSON)")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const grantee = await accountOf(hre, args.grantee, "grantee");
      const signed = await miip.consent.sign({
        grantee,
        purpose: args.purpose!,
        scope: scopeOf(args),
        expiresAt: await expiryOf(hre, args.days),
      });
      writeFileSync(
        args.out!,
        JSON.stringify(signed, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2),
      );
      console.log(`signed consent for ${grantee} written to ${shown(args.out!)}; valid until ${when(signed.deadline)}`);
    }),
  );

/** A signed consent from the file consent:sign wrote. */
function signedConsentOf(file: string | undefined) {
  const raw = readJson(file, "file") as {
    request: Record<string, string | string[] | number>;
    nonce: string;
    deadline: string;
    signature: string;
  };
  if (!raw?.request || !raw.signature) throw new InputError(`--file: ${file} is not a signed consent`);
  const r = raw.request;
  return {
    request: {
      patientId: BigInt(r.patientId as string),
      grantee: r.grantee as string,
      purpose: Number(r.purpose),
      scopeKind: Number(r.scopeKind),
      scope: (r.scope as string[]).map(BigInt),
      expiresAt: BigInt(r.expiresAt as string),
    },
    nonce: BigInt(raw.nonce),
    deadline: BigInt(raw.deadline),
    signature: raw.signature,
  };
}

task("consent:submit", "The grantee submits a patient's signed consent and pays its gas")
  .addParam("file", "The signed consent (from consent:sign)")
  .addOptionalParam("from", FROM, "pharmacy")
  .setAction(
    action(async (args: Args, hre) => {
      const signed = signedConsentOf(args.file);
      const miip = await connect(hre, args.from);
      const result = await miip.consent.submitSigned(signed);
      const r = signed.request;
      done(`consent of patient ${r.patientId} submitted: ${result.grantIds.join(", ")}`, result);
    }),
  );

task("consent:revoke", "The patient (or a guardian) revokes a grant, effective in this block")
  .addParam("grant", "The grant id (0x…)")
  .addOptionalParam("patient", "Whose grant, when a guardian acts (default: --from's own)")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(args.grant ?? ""))
        throw new InputError(`--grant: "${args.grant}" is not a grant id`);
      const miip = await patientClient(hre, args);
      done(`grant ${args.grant} revoked`, await miip.consent.revoke(args.grant!));
    }),
  );

task("consent:share", "The patient wraps a record's document key for a grantee (after granting it access)")
  .addParam("record", "The record id")
  .addParam("grantee", "The grantee's address (or local account name)")
  .addParam("grant", "The grant the grantee reads under")
  .addOptionalParam("granteeKey", "The grantee's encryption public key (derived when this node holds the key)")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const grantee = await accountOf(hre, args.grantee, "grantee");
      const granteePublicKey = await publicKeyOf(hre, grantee, args.granteeKey);
      const miip = await connect(hre, args.from);
      await miip.documents.share({
        recordId: integer(args.record, "record"),
        grantee,
        granteePublicKey,
        grantId: args.grant!,
      });
      console.log(`record ${args.record}'s key wrapped for ${grantee} under grant ${args.grant}`);
    }),
  );

task("emergency:open", "An active hospital opens break-glass access to a patient's records")
  .addParam("patient", PATIENT)
  .addParam("reason", "A short reason code (unconscious, …)")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const r = await miip.consent.openEmergency(patientId, args.reason!);
      done(
        `emergency access to patient ${patientId} open until ${when(r.expiresAt)}; justification due by ${when(r.justifyBy)}`,
        r,
      );
    }),
  );

task("emergency:justify", "The hospital justifies its break-glass access with the digest of its encrypted note")
  .addParam("patient", PATIENT)
  .addParam("note", "The encrypted note (a file); only its SHA-256 goes on chain")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const { sha256Hex } = await import("../../packages/sdk/src/crypto/cid");
      const miip = await connect(hre, args.from);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const digest = sha256Hex(new Uint8Array(readInput(args.note, "note")));
      done(
        `emergency access to patient ${patientId} justified (${digest})`,
        await miip.consent.justifyEmergency(patientId, digest),
      );
    }),
  );

task("emergency:close", "The patient (or a guardian) closes a hospital's emergency access, and may block it")
  .addParam("hospital", "The hospital's address (or local account name)")
  .addFlag("block", "Also block the hospital from opening it again")
  .addOptionalParam("patient", "Whose access, when a guardian acts (default: --from's own)")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const hospital = await accountOf(hre, args.hospital, "hospital");
      const r = await miip.consent.closeEmergency(hospital, { block: Boolean(args.block) });
      done(`emergency access of ${hospital} closed${args.block ? " and blocked" : ""}`, r);
    }),
  );

task("emergency:block", "The patient (or a guardian) blocks or unblocks a hospital's break-glass access")
  .addParam("hospital", "The hospital's address (or local account name)")
  .addFlag("unblock", "Lift the block instead")
  .addOptionalParam("patient", "Whose access, when a guardian acts (default: --from's own)")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const hospital = await accountOf(hre, args.hospital, "hospital");
      const r = await miip.consent.setEmergencyBlock(hospital, !args.unblock);
      done(`break-glass access of ${hospital} ${args.unblock ? "unblocked" : "blocked"}`, r);
    }),
  );

task(
  "consent:cancel",
  "The patient (or a guardian) cancels a signed consent nobody has submitted yet: the grantee can no longer use it",
)
  .addParam("file", "The signed consent (from consent:sign)")
  .addOptionalParam("patient", "Whose consent, when a guardian acts (default: --from's own)")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const signed = signedConsentOf(args.file);
      const miip = await patientClient(hre, args);
      done(
        `the signed consent of patient ${signed.request.patientId} for ${signed.request.grantee} is cancelled`,
        await miip.consent.cancelSignature(signed),
      );
    }),
  );

task("emergency:flag", "Anyone flags a break-glass access whose hospital missed its justification deadline")
  .addParam("patient", PATIENT)
  .addParam("hospital", "The hospital's address (or local account name)")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const hospital = await accountOf(hre, args.hospital, "hospital");
      const miip = await connect(hre, args.from);
      done(
        `missed justification flagged: ${hospital} on patient ${patientId}`,
        await miip.consent.flagMissedJustification(patientId, hospital),
      );
    }),
  );
