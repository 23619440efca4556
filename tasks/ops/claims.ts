/** The command line: claims. */

import { writeFileSync } from "node:fs";

import { task } from "hardhat/config";

import type { AttestResult, MIIP } from "../../packages/sdk/src";

import {
  accountOf,
  action,
  address,
  amount,
  Args,
  connect,
  done,
  expiryOf,
  FROM,
  governed,
  governedFlags,
  heldSigner,
  InputError,
  integer,
  integers,
  Money,
  moneyOf,
  PATIENT,
  patientClient,
  patientIdOf,
  programmeMoney,
  readInput,
  readJson,
  shown,
  signerFor,
  units,
  when,
} from "../cli";

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
  const { billFromJson } = await import("../../packages/sdk/src");
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
  const { billDigest } = await import("../../packages/sdk/src");
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
function attested(r: AttestResult, money: Money): string {
  if (r.status === "waiting") {
    return r.waitingFor === "patient"
      ? `bill ${r.billHash} attested by the hospital; it waits for patient ${r.patientId} (claim:confirm --bill ${r.billHash})`
      : `bill ${r.billHash} attested by patient ${r.patientId}; it waits for the hospital (claim:bill)`;
  }
  const copaid = r.copaid > 0n ? `, co-paid ${money.show(r.copaid)}` : "";
  return `claim ${r.claimId}: ${r.status}, due ${money.show(r.due)}, paid now ${money.show(r.paidNow)}${copaid}`;
}

task(
  "claim:bill",
  "The hospital bills records to a programme: attests the bill on chain (it waits for the patient), or signs it off chain (--sign) for the patient to file",
)
  .addParam("programme", "The programme id")
  .addParam("records", "Record ids, comma-separated (one patient's, issued by --from)")
  .addParam("amount", "Amount billed, in the programme's token (e.g. 250)")
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
      const { billToJson } = await import("../../packages/sdk/src");
      const miip = await connect(hre, args.from);
      const money = await programmeMoney(hre, miip, integer(args.programme, "programme"));
      const bill = await miip.claims.bill({
        programmeId: integer(args.programme, "programme"),
        recordIds: integers(args.records, "records"),
        amount: money.parse(args.amount, "amount"),
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
      done(attested(r, money), r);
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
      const money = await programmeMoney(hre, miip, bill.programmeId);
      const r = await miip.claims.attest(bill, { by: "patient", hospitalSignature: signature });
      done(attested(r, money), r);
    }),
  );

task(
  "claim:file",
  "Both parties at once, when this node holds both keys: the hospital signs the bill, the patient files it; a small claim is paid at once",
)
  .addParam("programme", "The programme id")
  .addParam("records", "Record ids, comma-separated")
  .addParam("billed", "Amount billed, in the programme's token (e.g. 250)")
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
      const money = await programmeMoney(hre, hospital, integer(args.programme, "programme"));
      const billed = money.parse(args.billed, "billed");
      const { patientId } = await hospital.records.get(recordIds[0]);
      const patientAccount = args.patientFrom
        ? await accountOf(hre, args.patientFrom, "patient-from")
        : (await hospital.patients.get(patientId)).account;
      if (!(await heldSigner(hre, patientAccount))) {
        throw new InputError(
          `this node holds no key for patient ${patientId} (${patientAccount}): bill it with claim:bill, the patient confirms with claim:confirm`,
        );
      }
      const line = `records ${recordIds.join(", ")}: ${money.show(billed)}`;
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
      done(attested(r, money), r);
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
  .addOptionalParam("approve", "Amount approved, in the programme's token")
  .addFlag("reject", "Reject instead")
  .addOptionalParam("reason", "A reason code", "reviewed")
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      if (!!args.approve === !!args.reject) throw new InputError("give exactly one of --approve <amount> or --reject");
      const miip = await connect(hre, args.from);
      const id = integer(args.claim, "claim");
      const money = await programmeMoney(hre, miip, (await miip.claims.get(id)).programmeId);
      const r = args.reject
        ? await miip.claims.reject(id, args.reason!)
        : await miip.claims.approve(id, money.parse(args.approve, "approve"), args.reason);
      done(`claim ${id}: ${r.status}, paid now ${money.show(r.paidNow)}`, r);
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
      const money = await programmeMoney(hre, miip, (await miip.claims.get(id)).programmeId);
      const r = await miip.claims.applyDefault(id);
      const next = r.deadline === 0 ? "final" : `next deadline ${when(r.deadline)}`;
      done(`claim ${id}: ${r.status}, paid now ${money.show(r.paidNow)}; ${next}`, r);
    }),
  );

task(
  "claim:withdraw",
  "The insurer announces a withdrawal of free funds (--amount), or executes the announced one once its notice has passed",
)
  .addParam("programme", "The programme id")
  .addOptionalParam(
    "amount",
    "Announce a withdrawal of this much, in the programme's token; without it, execute the announced one",
  )
  .addOptionalParam("to", "The recipient (default: --from)")
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = integer(args.programme, "programme");
      const money = await programmeMoney(hre, miip, id);
      if (args.amount) {
        const to = args.to ? await accountOf(hre, args.to, "to") : undefined;
        const r = await miip.claims.announceWithdrawal(id, money.parse(args.amount, "amount"), to);
        done(
          `withdrawal of ${money.show(r.amount)} to ${r.to} announced; run again without --amount after ${when(r.executableAt)}`,
          r,
        );
      } else {
        if (args.to) throw new InputError("--to goes with --amount: the recipient is named when announcing");
        const r = await miip.claims.withdraw(id);
        done(`withdrew ${money.show(r.amount)} to ${r.to}; ${money.show(r.free)} free`, r);
      }
    }),
  );

governedFlags(
  task(
    "claim:replace-arbitrator",
    "Governance replaces a programme's arbitrator: the first run schedules it (public for the governor's delay), a run after the delay executes it",
  )
    .addParam("programme", "The programme id")
    .addParam("arbitrator", "The new arbitrator: an active public-health agency's address (or local account name)"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await connect(hre, args.from);
    const arbitrator = await accountOf(hre, args.arbitrator, "arbitrator");
    const call = miip.governance.replaceArbitrator(integer(args.programme, "programme"), arbitrator);
    await governed(hre, miip, call, args);
  }),
);

task("claim:programme", "A programme: its settings, funds, arbitrator and announced withdrawal")
  .addParam("programme", "The programme id")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const p = await miip.claims.programme(integer(args.programme, "programme"));
      const money = await moneyOf(hre, p.token);
      console.log(
        `programme ${p.programmeId} of insurer ${p.insurerId}: free ${money.show(p.free)}, reserved ${money.show(p.reserved)}${p.closedAt ? `, closed at ${when(p.closedAt)}` : ""}`,
      );
      console.log(
        `  pays in ${money.symbol} (${p.token}); covers ${p.coveredTypes.join(", ")}; paid at once up to ${money.show(p.autoApproveThreshold)}, cap ${money.show(p.perClaimCap)} a claim, ${money.show(p.perPatientYearCap)} a patient-year`,
      );
      console.log(
        `  co-payment ${p.copayBps / 100}%${p.copayOnChain ? " (moved on chain)" : ""}; review ${p.reviewDays} d, dispute ${p.disputeDays} d, arbitration ${p.arbitrationDays} d by institution ${p.arbitratorId} (${p.arbitrator})`,
      );
      if (p.withdrawal) {
        console.log(
          `  withdrawal of ${money.show(p.withdrawal.amount)} to ${p.withdrawal.to} announced, executable from ${when(p.withdrawal.executableAt)}`,
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
      const money = await programmeMoney(hre, miip, c.programmeId);
      const deadline = c.deadline ? `; current step until ${when(c.deadline)}` : "";
      console.log(
        `claim ${id}: ${c.status}; billed ${money.show(c.billed)}, due ${money.show(c.due)}, paid ${money.show(c.paid)} to the ${c.payTo}; patient ${c.patientId}${deadline}`,
      );
      const { enumLabel } = await import("../../packages/sdk/src/labels");
      for (const e of (await miip.history.claimTimeline(id)).entries) {
        const status = e.args.status === undefined ? "" : ` ${enumLabel("ClaimStatus", e.args.status as bigint)}`;
        const by = e.args.by === undefined ? "" : ` by ${enumLabel("Party", e.args.by as bigint)}`;
        console.log(`  ${when(e.timestamp)}  ${e.event}${status}${by}`);
      }
    }),
  );

/** A whole number of days from a flag, in the range the escrow accepts for it. */
function days(value: string | undefined, flag: string): number {
  return Number(integer(value, flag));
}

task("claim:open-programme", "An active insurer opens an insurance programme; prints its id")
  .addParam("types", "Record types it covers, comma-separated (diagnosis,prescription,lab-result,…)")
  .addParam("perClaim", "Most it pays for one claim, in the token's units (e.g. 5000)")
  .addParam("perYear", "Most it pays for one patient in a year, in the token")
  .addParam("arbitrator", "The public-health agency that arbitrates: its address (or local account name)")
  .addOptionalParam("autoApprove", "Claims billing at most this are checked and paid when filed", "0")
  .addOptionalParam("copayBps", "The patient's share, in basis points (2000: 20 %)", "0")
  .addOptionalParam("filingDays", "Days after a treatment within which its claim can be filed", "90")
  .addOptionalParam("reviewDays", "Days the insurer has to decide a larger claim (1 to 90)", "14")
  .addOptionalParam("disputeDays", "Days a claimant has to dispute a decision (1 to 90)", "7")
  .addOptionalParam("arbitrationDays", "Days the arbitrator has to settle (1 to 90)", "21")
  .addOptionalParam("token", "The ERC-20 it pays in (default: the suite's IST)")
  .addFlag("openEnrolment", "Patients may join themselves (claim:join)")
  .addFlag("copayOnChain", "A claim paying the hospital also moves the patient's co-payment, with the patient's permit")
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const token = args.token ? address(args.token, "token") : miip.deployment.INSSETToken;
      const money = await moneyOf(hre, token); // caps in the token's own decimals, never 18 assumed
      const r = await miip.claims.openProgramme({
        token,
        coveredTypes: args.types!.split(",").map((t) => t.trim()),
        perClaimCap: money.parse(args.perClaim, "per-claim"),
        perPatientYearCap: money.parse(args.perYear, "per-year"),
        autoApproveThreshold: money.parse(args.autoApprove, "auto-approve"),
        copayBps: Number(integer(args.copayBps, "copay-bps")),
        filingWindowDays: days(args.filingDays, "filing-days"),
        reviewDays: days(args.reviewDays, "review-days"),
        disputeDays: days(args.disputeDays, "dispute-days"),
        arbitrationDays: days(args.arbitrationDays, "arbitration-days"),
        arbitrator: await accountOf(hre, args.arbitrator, "arbitrator"),
        openEnrolment: Boolean(args.openEnrolment),
        copayOnChain: Boolean(args.copayOnChain),
      });
      done(
        `programme ${r.programmeId} opened, paying in ${money.symbol}; fund it with claim:deposit --programme ${r.programmeId}`,
        r,
      );
    }),
  );

task("claim:deposit", "The insurer funds its programme (approving the escrow first when needed)")
  .addParam("programme", "The programme id")
  .addParam("amount", "Amount, in the programme's token (e.g. 50000)")
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const programmeId = integer(args.programme, "programme");
      const money = await programmeMoney(hre, miip, programmeId);
      const value = money.parse(args.amount, "amount");
      const r = await miip.claims.deposit(programmeId, value);
      done(`programme ${programmeId} funded with ${money.show(value)}: ${money.show(r.free)} free`, r);
    }),
  );

task("claim:close-programme", "The insurer stops covering new treatments; claims already filed go on")
  .addParam("programme", "The programme id")
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      done(
        `programme ${args.programme} closed to new treatments`,
        await miip.claims.closeProgramme(integer(args.programme, "programme")),
      );
    }),
  );

task("claim:end-cover", "The insurer ends a patient's cover for new treatments; claims already filed go on")
  .addParam("programme", "The programme id")
  .addParam("patient", PATIENT)
  .addOptionalParam("from", FROM, "insurer")
  .setAction(
    action(async (args: Args, hre) => {
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const miip = await connect(hre, args.from);
      done(
        `patient ${patientId}'s cover by programme ${args.programme} ended`,
        await miip.claims.endCover(integer(args.programme, "programme"), patientId),
      );
    }),
  );

task("claim:join", "The patient joins a programme with open enrolment (--gasless: the relayer pays)")
  .addParam("programme", "The programme id")
  .addOptionalParam("patient", "Whose cover, when a guardian acts (default: --from's own)")
  .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const r = await miip.claims.join(integer(args.programme, "programme"));
      done(`patient ${await miip.patients.myId()} joined programme ${args.programme}`, r);
    }),
  );

task("claim:arbitrate", "The programme's arbitrator settles an escalated or disputed claim before its deadline; final")
  .addParam("claim", "The claim id")
  .addParam("award", "Amount awarded, in the programme's token (0: nothing)")
  .addOptionalParam("reason", "A reason code", "arbitrated")
  .addOptionalParam("from", FROM, "agency")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = integer(args.claim, "claim");
      const money = await programmeMoney(hre, miip, (await miip.claims.get(id)).programmeId);
      const r = await miip.claims.arbitrate(id, money.parse(args.award, "award"), args.reason!);
      done(`claim ${id}: ${r.status}, paid now ${money.show(r.paidNow)}`, r);
    }),
  );

task(
  "claim:withdraw-credit",
  "A party withdraws what the escrow could not transfer to it (an institution, or a patient through the gateway)",
)
  .addOptionalParam("token", "The token (default: the suite's IST)")
  .addOptionalParam("to", "Where to send it (default: the acting account)")
  .addFlag("gasless", "As a patient: sign only, the relayer account sends and pays")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      let miip = await connect(hre, args.from);
      if (args.gasless) miip = miip.gasless(await signerFor(hre, "relayer"));
      const token = args.token ? address(args.token, "token") : undefined;
      const to = args.to ? await accountOf(hre, args.to, "to") : undefined;
      done(`credit withdrawn to ${to ?? (await miip.address())}`, await miip.claims.withdrawCredit(token, to));
    }),
  );
