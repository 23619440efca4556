/**
 * The suite from a terminal, for operators who prefer one: every user operation of every contract, through
 * the SDK, against the deployment of the selected network.
 *
 *   npx hardhat record:add --patient 0x… --file report.pdf --type lab --from hospital --network localhost
 *   npx hardhat help record:add
 *
 * `--from` picks the acting account: a name from config/localAccounts.ts on local chains, an address the node
 * holds the key of, or (by default) the first account, which on a testnet is DEPLOYER_PRIVATE_KEY's.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { AttestResult, MIIP } from "../packages/sdk/src";

import {
  InputError,
  accountOf,
  action,
  address,
  amount,
  connect,
  done,
  integer,
  integers,
  pageArgs,
  patientIdOf,
  readInput,
  readJson,
  shown,
  signerFor,
  units,
  when,
} from "./cli";

type Args = Record<string, string | undefined>;

const FROM = "Acting account: a local account name (hospital, patientA, …), an address, or the first account";
const PATIENT = "The patient: its id, or its current address (or local account name)";

/**
 * The client a patient action goes out with: `--from` as the patient's key, or as a guardian of `--patient`
 * with `--salt`; with `--gasless`, signed by `--from` and sent by the local `relayer` account.
 */
async function patientClient(hre: HardhatRuntimeEnvironment, args: Args) {
  let miip = await connect(hre, args.from);
  if (args.salt) {
    if (!args.patient) throw new InputError("--salt (acting as a guardian) needs --patient");
    miip = miip.forPatient(await patientIdOf(hre, args.patient, "patient"), args.salt);
  } else if (args.patient) {
    throw new InputError("--patient is for a guardian acting for a patient: give its --salt too");
  }
  if (args.gasless) miip = miip.gasless(await signerFor(hre, "relayer"));
  return miip;
}

/** An account's encryption public key: given, or derived when this network holds the account's key. */
async function publicKeyOf(hre: HardhatRuntimeEnvironment, account: string, given: string | undefined) {
  if (given) return given;
  const signers = await hre.ethers.getSigners();
  const signer = signers.find((s) => s.address.toLowerCase() === account.toLowerCase());
  if (!signer) {
    throw new InputError(`no encryption key for ${account}: pass its public key (npx hardhat keys:show on its side)`);
  }
  const miip = await connect(hre, signer.address);
  return (await miip.documents.encryptionKey()).publicKey;
}

function scopeOf(args: Args) {
  const chosen = [args.all ? "all" : "", args.types ? "types" : "", args.records ? "records" : ""].filter(Boolean);
  if (chosen.length !== 1) throw new InputError("give exactly one of --all, --types or --records");
  if (args.all) return { kind: "all-records" as const };
  if (args.types) return { kind: "record-type" as const, types: args.types.split(",").map((t) => t.trim()) };
  return { kind: "record" as const, ids: integers(args.records, "records") };
}

async function expiryOf(hre: HardhatRuntimeEnvironment, days: string | undefined): Promise<number> {
  const block = await hre.ethers.provider.getBlock("latest");
  return (block?.timestamp ?? 0) + Number(integer(days ?? "30", "days")) * 86_400;
}

// --- deployment and keys ---------------------------------------------------------------------------------

task("deployment:show", "Prints the suite's addresses on the selected network").setAction(
  action(async (_args: Args, hre) => {
    const miip = await connect(hre);
    for (const [name, value] of Object.entries(miip.deployment)) console.log(`${name.padEnd(20)} ${value}`);
  }),
);

task(
  "governance:check",
  "Reads the deployed governance back (roles, members, delays, cancellers, function roles, onboarding delay) and compares it with config/roles.ts and the parameter file",
)
  .addOptionalParam("parameters", "The parameter file (default: deploy/parameters/<network>.json, or MIIP_PARAMETERS)")
  .setAction(
    action(async (args: Args, hre) => {
      const { loadDeployment } = await import("../packages/sdk/src/node");
      const { deploymentsDir } = await import("../scripts/lib/locations");
      const { loadParameters, resolveParameters } = await import("../scripts/lib/parameters");
      const { expectedGovernance, governanceDifferences, readGovernance } = await import("../scripts/lib/governance");
      const network = hre.network.name === "hardhat" ? "localhost" : hre.network.name;
      const deployment = loadDeployment(network, deploymentsDir());
      const file =
        args.parameters ?? process.env.MIIP_PARAMETERS ?? path.join("deploy", "parameters", `${network}.json`);
      const [deployer, ...rest] = await hre.ethers.getSigners();
      const resolved = resolveParameters(
        loadParameters(file),
        {
          deployer: deployer.address,
          accounts: [deployer, ...rest].map((s) => s.address),
          now: deployment.listingTime ?? 0,
          listingNow: deployment.listingTime,
          baseDir: path.dirname(file),
          chainId: deployment.chainId,
        },
        file,
      );
      const actual = await readGovernance(hre.ethers.provider, deployment);
      for (const [role, { members, canceller }] of Object.entries(actual.roles)) {
        const held = Object.entries(members).map(([account, delay]) => `${account} (delay ${delay / 3600} h)`);
        console.log(`${role.padEnd(10)} ${held.join(", ") || "nobody"}; scheduled calls cancelled by ${canceller}`);
      }
      for (const [contract, functions] of Object.entries(actual.functions)) {
        const delay = actual.targetAdminDelays[contract];
        const mapped = Object.entries(functions).map(([fn, role]) => `${fn}: ${role}`);
        console.log(
          `${contract.padEnd(20)} admin delay ${delay.set / 3600} h from ${when(delay.since)}; ${mapped.join(", ")}`,
        );
      }
      console.log(`onboarding delay     ${actual.onboardingDelay / 3600} h`);
      const problems = governanceDifferences(actual, expectedGovernance(resolved));
      if (problems.length > 0) {
        throw new InputError(`governance differs from ${file} and config/roles.ts: ${problems.join("; ")}`);
      }
      console.log(`governance matches ${file} and config/roles.ts`);
    }),
  );

task("keys:show", "Prints the account's encryption public key, for others to share documents with it")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      console.log(`${await miip.address()}  ${(await miip.documents.encryptionKey()).publicKey}`);
    }),
  );

// --- participants ----------------------------------------------------------------------------------------

task("institution:add", "The registrar onboards an institution (only the licence's hash goes on chain)")
  .addParam("account", "The institution's address")
  .addParam(
    "kind",
    "hospital, pharmacy, insurer, public-health-agency, researcher, manufacturer, distributor, regulator",
  )
  .addParam("licence", "Its licence number")
  .addParam("name", "Its display name")
  .addOptionalParam("metadata", "A metadata URI", "")
  .addOptionalParam("from", FROM, "registrar")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const account = await accountOf(hre, args.account, "account");
      const r = await miip.participants.register({
        account,
        kind: args.kind!,
        licence: args.licence!,
        name: args.name!,
        metadataURI: args.metadata,
      });
      done(
        `institution ${r.institutionId} onboarded: ${args.name} (${args.kind}) at ${account}, pending until ${when(r.activatesAt)} (the guardian role can cancel it until it is activated)`,
        r,
      );
    }),
  );

task("institution:activate", "Anyone activates a pending institution once its onboarding delay has passed")
  .addParam("id", "The institution's id")
  .addOptionalParam("from", FROM, "registrar")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = Number(integer(args.id, "id"));
      done(`institution ${id} is active`, await miip.participants.activate(id));
    }),
  );

task("institution:cancel", "The guardian role stops a pending onboarding for good")
  .addParam("id", "The institution's id")
  .addParam("reason", "A reason code")
  .addOptionalParam("from", FROM, "deployer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = Number(integer(args.id, "id"));
      done(
        `onboarding of institution ${id} cancelled (${args.reason})`,
        await miip.participants.cancelOnboarding(id, args.reason!),
      );
    }),
  );

task("institution:list", "Lists the participant directory, a page at a time")
  .addOptionalParam("offset", "First entry", "0")
  .addOptionalParam("limit", "Entries per page", "20")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const page = await miip.participants.list(pageArgs(args));
      console.log(`${page.total} institutions`);
      for (const i of page.entries) {
        console.log(`  #${i.id} ${i.name.padEnd(28)} ${i.kind.padEnd(21)} ${i.status.padEnd(9)} ${i.account}`);
      }
    }),
  );

// --- records ---------------------------------------------------------------------------------------------

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

// --- consent ---------------------------------------------------------------------------------------------

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

task("consent:submit", "The grantee submits a patient's signed consent and pays its gas")
  .addParam("file", "The signed consent (from consent:sign)")
  .addOptionalParam("from", FROM, "pharmacy")
  .setAction(
    action(async (args: Args, hre) => {
      const raw = readJson(args.file, "file") as {
        request: Record<string, string | string[] | number>;
        nonce: string;
        deadline: string;
        signature: string;
      };
      if (!raw?.request || !raw.signature) throw new InputError(`--file: ${args.file} is not a signed consent`);
      const r = raw.request;
      const miip = await connect(hre, args.from);
      const result = await miip.consent.submitSigned({
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
      });
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
      const { sha256Hex } = await import("../packages/sdk/src/crypto/cid");
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

// --- patients --------------------------------------------------------------------------------------------

task("patient:register", "An address becomes a patient (its own signature; --gasless: the relayer pays)")
  .addFlag("gasless", "Sign only: the relayer account submits and pays")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = args.gasless
        ? await (await connect(hre, "relayer")).patients.submitRegistration(await miip.patients.signRegistration())
        : await miip.patients.register();
      done(`patient ${r.patientId} registered for ${await miip.address()}`, r);
    }),
  );

task("patient:show", "A patient: its address, pending changes, guardians count, recovery threshold and round")
  .addParam("patient", PATIENT)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const p = await miip.patients.get(await patientIdOf(hre, args.patient, "patient"));
      console.log(`patient ${p.patientId}: ${p.account}`);
      if (p.incomingAccount !== "0x0000000000000000000000000000000000000000" && p.incomingDueAt === 0) {
        console.log(`  proposed new address ${p.incomingAccount}`);
      }
      console.log(
        `  ${p.guardianCount} guardians (${p.recoverers} may recover), threshold ${p.threshold}, round ${p.round}`,
      );
      if (p.incomingDueAt > 0)
        console.log(`  recovery to ${p.incomingAccount} can be accepted from ${when(p.incomingDueAt)}`);
    }),
  );

task("patient:rotate", "The patient proposes a new address; the new address accepts with --accept")
  .addParam("to", "The new address (or local account name)")
  .addFlag("accept", "Run as the new address: accept the patient's account")
  .addOptionalParam("patient", "The patient (for --accept)")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const to = await accountOf(hre, args.to, "to");
      if (args.accept) {
        const patientId = await patientIdOf(hre, args.patient, "patient");
        const miip = await connect(hre, to);
        const r = args.gasless
          ? await (
              await connect(hre, "relayer")
            ).patients.submitAcceptance(await miip.patients.signAcceptance(patientId))
          : await miip.patients.acceptAccount(patientId);
        done(`patient ${patientId} now acts from ${to}`, r);
        return;
      }
      const miip = await patientClient(hre, args);
      done(`patient ${await miip.patients.myId()} proposed to move to ${to}`, await miip.patients.proposeAccount(to));
    }),
  );

task("patient:guardian", "The patient appoints a guardian (prints the salt to give the guardian privately)")
  .addParam("guardian", "The guardian's address (or local account name)")
  .addOptionalParam("powers", "recover, act, or recover,act", "recover")
  .addOptionalParam("guardianSalt", "The appointment's salt (a random one when absent)")
  .addFlag("remove", "Remove the guardian instead (needs --guardian-salt)")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const { guardianCommitment } = await import("../packages/sdk/src/core");
      const miip = await patientClient(hre, args);
      const guardian = await accountOf(hre, args.guardian, "guardian");
      if (args.remove) {
        if (!args.guardianSalt) throw new InputError("--remove needs the guardian's --guardian-salt");
        const commitment = guardianCommitment(await miip.patients.myId(), guardian, args.guardianSalt);
        done(`guardian ${commitment} removed`, await miip.patients.removeGuardian(commitment));
        return;
      }
      const powers = (args.powers ?? "recover").split(",").map((p) => p.trim()) as ("recover" | "act")[];
      const r = await miip.patients.appointGuardian(guardian, powers, { salt: args.guardianSalt });
      done(
        `guardian appointed (${powers.join(", ")}): commitment ${r.commitment}; give the guardian its salt ${r.salt}`,
        r,
      );
    }),
  );

task("patient:threshold", "The patient sets how many guardians must approve a recovery (0: off)")
  .addParam("threshold", "How many")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const threshold = Number(integer(args.threshold, "threshold"));
      done(`recovery threshold set to ${threshold}`, await miip.patients.setRecoveryThreshold(threshold));
    }),
  );

task("patient:recover", "A guardian approves a new address for a patient who lost its key")
  .addParam("patient", PATIENT)
  .addParam("to", "The patient's new address (or local account name)")
  .addParam("salt", "The guardian's salt")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "guardian")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const to = await accountOf(hre, args.to, "to");
      const r = await miip.patients.approveRecovery(to);
      done(
        r.armed ? `recovery to ${to} armed: it can be accepted from ${when(r.dueAt!)}` : `recovery to ${to} approved`,
        r,
      );
    }),
  );

task("patient:cancel-recovery", "The patient's current key ends a recovery round (every approval is void)")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      done(`recovery round of patient ${await miip.patients.myId()} closed`, await miip.patients.cancelRecovery());
    }),
  );

task("access:log", "An institution logs its read of a record (refused without a live right)")
  .addParam("record", "The record id, or several comma-separated")
  .addOptionalParam("purpose", "treatment, insurance-claim, research, public-health", "treatment")
  .addOptionalParam("from", FROM, "pharmacy")
  .setAction(
    action(async (args: Args, hre) => {
      const ids = integers(args.record, "record");
      const miip = await connect(hre, args.from);
      const r =
        ids.length === 1
          ? await miip.consent.logAccess(ids[0], args.purpose!)
          : await miip.consent.logAccessBatch(ids, args.purpose!);
      done(`read of record ${ids.join(", ")} logged for ${args.purpose}`, r);
    }),
  );

task("access:trail", "A patient's access trail, rebuilt from events nobody can alter")
  .addParam("patient", PATIENT)
  .addOptionalParam("offset", "First entry", "0")
  .addOptionalParam("limit", "Entries per page", "20")
  .setAction(
    action(async (args: Args, hre) => {
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const miip = await connect(hre);
      const page = await miip.history.accessTrail(patientId, pageArgs(args));
      console.log(`patient ${patientId}: ${page.total} reads`);
      const { PURPOSE_NAMES } = await import("../packages/sdk/src/labels");
      for (const e of page.entries) {
        console.log(
          `  ${when(e.timestamp)}  institution ${e.args.readerId} read #${e.args.recordId} for ${PURPOSE_NAMES[Number(e.args.purpose)]}`,
        );
      }
    }),
  );

// --- claims ----------------------------------------------------------------------------------------------

task("claim:enrol", "The insurer enrols a patient in its programme")
  .addParam("programme", "The programme id")
  .addParam("patient", PATIENT)
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      done(
        `patient ${patientId} enrolled in programme ${args.programme}`,
        await miip.claims.enrol(integer(args.programme, "programme"), patientId),
      );
    }),
  );

/**
 * A bill from `--bill`: a JSON file (from claim:bill, signed or not) or the hash of a bill a party attested on
 * chain (read from its event).
 */
async function billArg(miip: MIIP, value: string | undefined) {
  const { billFromJson } = await import("../packages/sdk/src");
  if (value !== undefined && /^0x[0-9a-fA-F]{64}$/.test(value)) {
    return { bill: (await miip.claims.attestedBill(value)).bill, signature: undefined };
  }
  const raw = readJson(value, "bill");
  try {
    return billFromJson(raw);
  } catch (error) {
    throw new InputError(`--bill: ${value} is not a bill (${(error as Error).message})`);
  }
}

/** The digest of the itemised bill (or of dispute evidence): `--<file>` read and digested, or `--<digest>` given. */
async function digestArg(args: Args, file: string, digest: string, fallback?: () => Uint8Array) {
  const { billDigest } = await import("../packages/sdk/src");
  const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (args[file] && args[digest]) throw new InputError(`give one of ${flag(file)} or ${flag(digest)}`);
  if (args[file]) return billDigest(new Uint8Array(readInput(args[file], file)));
  if (args[digest]) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(args[digest]!)) throw new InputError(`${flag(digest)}: not 32 bytes of hex`);
    return args[digest]!;
  }
  if (fallback) return billDigest(fallback());
  throw new InputError(`give ${flag(file)} (the document, digested here) or ${flag(digest)}`);
}

function payToArg(value: string | undefined): "hospital" | "patient" {
  if (value === "hospital" || value === "patient") return value;
  throw new InputError(`--pay-to: "${value}" is neither hospital nor patient`);
}

/** One line for an attestation: the claim it filed, or the party the bill waits for. */
function attested(r: AttestResult): string {
  if (r.status === "waiting") {
    return r.waitingFor === "patient"
      ? `bill ${r.billHash} attested by the hospital; it waits for patient ${r.patientId} (claim:confirm --bill ${r.billHash})`
      : `bill ${r.billHash} attested by patient ${r.patientId}; it waits for the hospital (claim:bill)`;
  }
  const copaid = r.copaid > 0n ? `, co-paid ${units(r.copaid)}` : "";
  return `claim ${r.claimId}: ${r.status}, due ${units(r.due)}, paid now ${units(r.paidNow)}${copaid}`;
}

task(
  "claim:bill",
  "The hospital bills records to a programme: attests the bill on chain (it waits for the patient), or signs it off chain (--sign) for the patient to file",
)
  .addParam("programme", "The programme id")
  .addParam("records", "Record ids, comma-separated (one patient's, issued by --from)")
  .addParam("amount", "Amount billed, in IST (e.g. 250)")
  .addOptionalParam("payTo", "Who is paid: hospital, or patient (who already paid the hospital)", "hospital")
  .addOptionalParam("itemised", "The itemised bill (its encrypted file): only its digest goes on chain")
  .addOptionalParam("digest", "The itemised bill's digest, instead of --itemised")
  .addOptionalParam("days", "Days the bill can be attested", "7")
  .addFlag("sign", "Sign the bill off chain (no gas) instead of attesting it on chain; needs --out")
  .addOptionalParam("out", "Where to write the bill (JSON) for the patient")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      if (args.sign && !args.out) throw new InputError("--sign needs --out: the patient files the signed bill");
      const { billToJson } = await import("../packages/sdk/src");
      const miip = await connect(hre, args.from);
      const bill = await miip.claims.bill({
        programmeId: integer(args.programme, "programme"),
        recordIds: integers(args.records, "records"),
        amount: amount(args.amount, "amount"),
        payTo: payToArg(args.payTo),
        billDigest: await digestArg(args, "itemised", "digest"),
        expiresAt: await expiryOf(hre, args.days),
      });
      if (args.sign) {
        const signed = await miip.claims.signBill(bill);
        writeFileSync(args.out!, billToJson(signed) + "\n");
        const { patientId } = await miip.records.get(bill.recordIds[0]);
        console.log(
          `bill ${signed.billHash} signed for patient ${patientId}, written to ${shown(args.out!)}: the patient files it (claim:confirm --bill ${shown(args.out!)})`,
        );
        return;
      }
      const r = await miip.claims.attest(bill, { by: "institution" });
      if (args.out) writeFileSync(args.out, billToJson(bill) + "\n");
      done(attested(r), r);
    }),
  );

task(
  "claim:confirm",
  "The patient (or a guardian) attests a bill the hospital attested or signed: the claim is filed, a small one paid with its co-payment",
)
  .addParam("bill", "The bill: a file from claim:bill (signed or not), or the hash of a bill attested on chain")
  .addOptionalParam("patient", "Whose bill, when a guardian acts (default: --from's own)")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const { bill, signature } = await billArg(miip, args.bill);
      const r = await miip.claims.attest(bill, { by: "patient", hospitalSignature: signature });
      done(attested(r), r);
    }),
  );

task(
  "claim:file",
  "Both parties at once, when this node holds both keys: the hospital signs the bill, the patient files it; a small claim is paid at once",
)
  .addParam("programme", "The programme id")
  .addParam("records", "Record ids, comma-separated")
  .addParam("billed", "Amount billed, in IST (e.g. 250)")
  .addOptionalParam("payTo", "Who is paid: hospital, or patient (who already paid the hospital)", "hospital")
  .addOptionalParam("itemised", "The itemised bill (default: a one-line bill naming the records and the amount)")
  .addOptionalParam("digest", "The itemised bill's digest, instead of --itemised")
  .addOptionalParam("patientFrom", "The patient's key (default: the records' patient's current address, if held here)")
  .addFlag("gasless", "The patient signs only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const hospital = await connect(hre, args.from);
      const recordIds = integers(args.records, "records");
      const billed = amount(args.billed, "billed");
      const { patientId } = await hospital.records.get(recordIds[0]);
      const patientAccount = args.patientFrom
        ? await accountOf(hre, args.patientFrom, "patient-from")
        : (await hospital.patients.get(patientId)).account;
      const held = (await hre.ethers.getSigners()).some((s) => s.address === patientAccount);
      if (!held) {
        throw new InputError(
          `this node holds no key for patient ${patientId} (${patientAccount}): bill it with claim:bill, the patient confirms with claim:confirm`,
        );
      }
      const line = `records ${recordIds.join(", ")}: ${units(billed)}`;
      const bill = await hospital.claims.bill({
        programmeId: integer(args.programme, "programme"),
        recordIds,
        amount: billed,
        payTo: payToArg(args.payTo),
        billDigest: await digestArg(args, "itemised", "digest", () => new TextEncoder().encode(line)),
      });
      const signed = await hospital.claims.signBill(bill);
      let patient = await connect(hre, patientAccount);
      if (args.gasless) patient = patient.gasless(await signerFor(hre, "relayer"));
      const r = await patient.claims.attest(signed, { by: "patient" });
      done(attested(r), r);
    }),
  );

task("claim:cancel", "A party cancels a bill before it is filed (the hospital, or the patient through the gateway)")
  .addParam("bill", "The bill: a file from claim:bill, or the hash of a bill attested on chain")
  .addOptionalParam("patient", "Whose bill, when a guardian acts")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "A patient signs only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const { bill } = await billArg(miip, args.bill);
      done(`bill ${miip.claims.billHash(bill)} cancelled`, await miip.claims.cancelBill(bill));
    }),
  );

task("claim:decide", "The insurer approves (in full or part) or rejects a pending claim")
  .addParam("claim", "The claim id")
  .addOptionalParam("approve", "Amount approved, in IST")
  .addFlag("reject", "Reject instead")
  .addOptionalParam("reason", "A reason code", "reviewed")
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      if (!!args.approve === !!args.reject) throw new InputError("give exactly one of --approve <amount> or --reject");
      const miip = await connect(hre, args.from);
      const id = integer(args.claim, "claim");
      const r = args.reject
        ? await miip.claims.reject(id, args.reason!)
        : await miip.claims.approve(id, amount(args.approve, "approve"), args.reason);
      done(`claim ${id}: ${r.status}, paid now ${units(r.paidNow)}`, r);
    }),
  );

task("claim:dispute", "A claimant disputes a partial approval or a rejection, with the digest of its evidence")
  .addParam("claim", "The claim id")
  .addParam("reason", "A reason code")
  .addOptionalParam("evidence", "The evidence file (kept off chain; only its digest goes on chain)")
  .addOptionalParam("evidenceDigest", "The evidence's digest, instead of --evidence")
  .addOptionalParam("patient", "Whose claim, when a guardian acts")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "A patient signs only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const id = integer(args.claim, "claim");
      const evidence = await digestArg(args, "evidence", "evidenceDigest");
      const r = await miip.claims.dispute(id, args.reason!, evidence);
      done(`claim ${id}: ${r.status}; the arbitrator decides by ${when(r.deadline)}`, r);
    }),
  );

task("claim:default", "Anyone applies the default outcome of a claim whose current step's deadline has passed")
  .addParam("claim", "The claim id")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = integer(args.claim, "claim");
      const r = await miip.claims.applyDefault(id);
      const next = r.deadline === 0 ? "final" : `next deadline ${when(r.deadline)}`;
      done(`claim ${id}: ${r.status}, paid now ${units(r.paidNow)}; ${next}`, r);
    }),
  );

task(
  "claim:withdraw",
  "The insurer announces a withdrawal of free funds (--amount), or executes the announced one once its notice has passed",
)
  .addParam("programme", "The programme id")
  .addOptionalParam("amount", "Announce a withdrawal of this much, in IST; without it, execute the announced one")
  .addOptionalParam("to", "The recipient (default: --from)")
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = integer(args.programme, "programme");
      if (args.amount) {
        const to = args.to ? await accountOf(hre, args.to, "to") : undefined;
        const r = await miip.claims.announceWithdrawal(id, amount(args.amount, "amount"), to);
        done(
          `withdrawal of ${units(r.amount)} to ${r.to} announced; run again without --amount after ${when(r.executableAt)}`,
          r,
        );
      } else {
        if (args.to) throw new InputError("--to goes with --amount: the recipient is named when announcing");
        const r = await miip.claims.withdraw(id);
        done(`withdrew ${units(r.amount)} to ${r.to}; ${units(r.free)} free`, r);
      }
    }),
  );

task(
  "claim:replace-arbitrator",
  "Governance replaces a programme's arbitrator: the first run schedules it (public for the governor's delay), a run after the delay executes it",
)
  .addParam("programme", "The programme id")
  .addParam("arbitrator", "The new arbitrator: an active public-health agency's address (or local account name)")
  .addOptionalParam("from", FROM, "deployer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const arbitrator = await accountOf(hre, args.arbitrator, "arbitrator");
      const call = miip.governance.replaceArbitrator(integer(args.programme, "programme"), arbitrator);
      const { readyAt } = await miip.governance.status(await miip.address(), call);
      if (readyAt === 0) {
        const scheduled = await miip.governance.schedule(call);
        done(`scheduled: ${call.label}; run again after ${when(scheduled.readyAt)} to execute it`, scheduled);
      } else {
        done(`executed: ${call.label}`, await miip.governance.execute(call));
      }
    }),
  );

task("claim:programme", "A programme: its settings, funds, arbitrator and announced withdrawal")
  .addParam("programme", "The programme id")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const p = await miip.claims.programme(integer(args.programme, "programme"));
      console.log(
        `programme ${p.programmeId} of insurer ${p.insurerId}: free ${units(p.free)}, reserved ${units(p.reserved)}${p.closedAt ? `, closed at ${when(p.closedAt)}` : ""}`,
      );
      console.log(
        `  covers ${p.coveredTypes.join(", ")}; paid at once up to ${units(p.autoApproveThreshold)}, cap ${units(p.perClaimCap)} a claim, ${units(p.perPatientYearCap)} a patient-year`,
      );
      console.log(
        `  co-payment ${p.copayBps / 100}%${p.copayOnChain ? " (moved on chain)" : ""}; review ${p.reviewDays} d, dispute ${p.disputeDays} d, arbitration ${p.arbitrationDays} d by institution ${p.arbitratorId} (${p.arbitrator})`,
      );
      if (p.withdrawal) {
        console.log(
          `  withdrawal of ${units(p.withdrawal.amount)} to ${p.withdrawal.to} announced, executable from ${when(p.withdrawal.executableAt)}`,
        );
      }
    }),
  );

task("claim:show", "A claim and its timeline")
  .addParam("claim", "The claim id")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const id = integer(args.claim, "claim");
      const c = await miip.claims.get(id);
      const deadline = c.deadline ? `; current step until ${when(c.deadline)}` : "";
      console.log(
        `claim ${id}: ${c.status}; billed ${units(c.billed)}, due ${units(c.due)}, paid ${units(c.paid)} to the ${c.payTo}; patient ${c.patientId}${deadline}`,
      );
      const { enumLabel } = await import("../packages/sdk/src/labels");
      for (const e of (await miip.history.claimTimeline(id)).entries) {
        const status = e.args.status === undefined ? "" : ` ${enumLabel("ClaimStatus", e.args.status as bigint)}`;
        const by = e.args.by === undefined ? "" : ` by ${enumLabel("Party", e.args.by as bigint)}`;
        console.log(`  ${when(e.timestamp)}  ${e.event}${status}${by}`);
      }
    }),
  );

// --- products ----------------------------------------------------------------------------------------------

/** A GTIN as printed (8, 12, 13 or 14 digits, check digit last), checked here before anything is sent. */
async function gtinArg(value: string | undefined): Promise<bigint> {
  if (value === undefined || value === "") throw new InputError("--gtin is required");
  const { gtin14 } = await import("../packages/sdk/src/gs1");
  try {
    return gtin14(value);
  } catch (error) {
    throw new InputError(`--gtin: ${(error as Error).message}`);
  }
}

/** The institution id named by `--manufacturer`: an id, or an address or local account name. */
async function institutionIdOf(hre: HardhatRuntimeEnvironment, miip: MIIP, value: string | undefined) {
  if (value !== undefined && /^\d+$/.test(value)) return BigInt(value);
  const account = await accountOf(hre, value, "manufacturer");
  const member = await miip.participants.memberOf(account);
  if (member === undefined) throw new InputError(`--manufacturer: ${account} is no institution`);
  return BigInt(member.id);
}

task(
  "product:prefix",
  "The registrar licenses a GS1 company prefix to a manufacturer (effective after the onboarding delay)",
)
  .addParam("prefix", "The company prefix as printed, 6 to 12 digits, leading zeros included (0614141)")
  .addParam("manufacturer", "The manufacturer: its id, address or local account name")
  .addOptionalParam("from", FROM, "registrar")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const { parsePrefix } = await import("../packages/sdk/src/api/products");
      try {
        parsePrefix(args.prefix ?? "");
      } catch (error) {
        throw new InputError(`--prefix: ${(error as Error).message}`);
      }
      const manufacturerId = await institutionIdOf(hre, miip, args.manufacturer);
      const r = await miip.products.assignPrefix(args.prefix!, manufacturerId);
      done(`prefix ${args.prefix} licensed to institution ${manufacturerId}, effective ${when(r.effectiveAt)}`, r);
    }),
  );

task("product:register", "The holder of a GTIN's company prefix registers the product with its master data")
  .addParam("gtin", "The GTIN as printed (8, 12, 13 or 14 digits)")
  .addParam("prefixDigits", "How many digits the company prefix inside the GTIN has (6 to 12)")
  .addParam("name", "Trade name")
  .addParam("form", "Pharmaceutical form (capsule, film-coated tablet, ...)")
  .addOptionalParam("strength", "Strength (500 mg)", "")
  .addOptionalParam("holder", "Marketing authorisation holder", "")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const gtin = await gtinArg(args.gtin);
      const digits = Number(integer(args.prefixDigits, "prefix-digits"));
      const miip = await connect(hre, args.from);
      const r = await miip.products.register(gtin, digits, {
        name: args.name ?? "",
        strength: args.strength ?? "",
        form: args.form ?? "",
        marketingAuthorisationHolder: args.holder ?? "",
      });
      done(`product ${gtin} registered: ${args.name}`, r);
    }),
  );

task("product:leaflet", "The product's owner publishes a new version of its leaflet in a language")
  .addParam("gtin", "The GTIN as printed")
  .addParam("language", "ISO 639-1 code (ko, en)")
  .addParam("file", "The leaflet document: only its keccak256 goes on chain")
  .addParam("uri", "Where the document is served")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const gtin = await gtinArg(args.gtin);
      const language = args.language ?? "";
      if (!/^[a-z]{2}$/.test(language)) throw new InputError(`--language: "${language}" is not an ISO 639-1 code`);
      const document = readInput(args.file, "file");
      const miip = await connect(hre, args.from);
      const r = await miip.products.publishLeaflet(gtin, language, document, args.uri ?? "");
      done(`leaflet ${language} v${r.version} of ${gtin} published (digest ${r.digest})`, r);
    }),
  );

task("product:show", "A product: its owner, master data and current leaflet in a language")
  .addParam("gtin", "The GTIN as printed")
  .addOptionalParam("language", "The leaflet's language (falls back to the product's first)", "ko")
  .setAction(
    action(async (args: Args, hre) => {
      const gtin = await gtinArg(args.gtin);
      const miip = await connect(hre);
      const p = await miip.products.get(gtin);
      const d = p.data;
      console.log(
        `product ${gtin}: ${d.name}${d.strength ? ` ${d.strength}` : ""}, ${d.form}; manufacturer ${p.manufacturerId}` +
          `${d.marketingAuthorisationHolder ? `; authorisation holder ${d.marketingAuthorisationHolder}` : ""}`,
      );
      const { total } = await miip.products.languages(gtin);
      if (total === 0) {
        console.log("  no leaflet published");
        return;
      }
      const l = await miip.products.currentLeaflet(gtin, args.language ?? "ko");
      console.log(`  leaflet ${l.language} v${l.version} (${when(l.publishedAt)}): ${l.uri}  digest ${l.digest}`);
    }),
  );

// --- supply chain ----------------------------------------------------------------------------------------

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
          const r = await miip.supply[name](id);
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
      const { DEVICE_KIND_NAMES, parseDeviceKind } = await import("../packages/sdk/src/labels");
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
      const { parsePackCode } = await import("../packages/sdk/src/gs1");
      let pack;
      try {
        pack = parsePackCode(args.pack ?? "");
      } catch (error) {
        throw new InputError(`--pack: ${(error as Error).message}`);
      }
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
      const { allowanceKey, prescriptionKey } = await import("../packages/sdk/src");
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

task(
  "supply:withdraw-recall",
  "Governance withdraws a recall: the first run schedules it (public for the governor's delay), a run after the delay executes it",
)
  .addParam("batch", "The batch id")
  .addParam("reason", "A reason code")
  .addOptionalParam("from", FROM, "deployer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const call = await miip.governance.withdrawRecall(integer(args.batch, "batch"), args.reason!);
      const { readyAt } = await miip.governance.status(await miip.address(), call);
      if (readyAt === 0) {
        const scheduled = await miip.governance.schedule(call);
        done(`scheduled: ${call.label}; run again after ${when(scheduled.readyAt)} to execute it`, scheduled);
      } else {
        done(`executed: ${call.label}`, await miip.governance.execute(call));
      }
    }),
  );

// --- token -----------------------------------------------------------------------------------------------

task("airdrop:claim", "Claims an account's genesis airdrop leaves (anyone may submit; tokens go to the account)")
  .addParam("account", "The account (or local account name)")
  .addOptionalParam("proofs", "The claim's proofs file (default: the network's claim.proofs.json)")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const { deploymentsDir } = await import("../scripts/lib/locations");
      const network = hre.network.name === "hardhat" ? "localhost" : hre.network.name;
      const file = args.proofs ?? path.join(deploymentsDir(), network, "claim.proofs.json");
      const proofs = readJson(file, "proofs") as {
        claims?: Record<string, { index: string; amount: string; proof: string[] }[]>;
      };
      const account = await accountOf(hre, args.account, "account");
      const leaves = Object.entries(proofs?.claims ?? {}).find(([a]) => a.toLowerCase() === account.toLowerCase())?.[1];
      if (!leaves) throw new InputError(`${account} has no leaf in ${shown(file)}`);
      const miip = await connect(hre, args.from);
      for (const leaf of leaves) {
        if (await miip.token.isClaimed(leaf.index)) {
          console.log(`leaf ${leaf.index} already claimed`);
          continue;
        }
        done(
          `leaf ${leaf.index}: ${units(BigInt(leaf.amount))} to ${account}`,
          await miip.token.claimAirdrop({ ...leaf, account }),
        );
      }
    }),
  );

task("vesting:release", "Releases what a vesting grant has vested (anyone may; tokens go to the beneficiary)")
  .addParam("grant", "The grant id")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.token.release(integer(args.grant, "grant"));
      done(`grant ${args.grant}: released ${units(r.amount)} (total ${units(r.releasedTotal)})`, r);
    }),
  );

task("balance", "An account's IST balance")
  .addParam("account", "The account (or local account name)")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const account = await accountOf(hre, args.account, "account");
      console.log(`${account}: ${units(await miip.token.balanceOf(account))}`);
    }),
  );

// Used by the tasks above only through `connect`; kept exported for the seeded node.
export { signerFor };
