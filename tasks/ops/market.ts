/** The command line: the research data market and invoices for care. */

import { writeFileSync } from "node:fs";

import { task } from "hardhat/config";

import type { ContributionView, DataRequestView, InvoiceView } from "../../packages/sdk/src";

import {
  accountOf,
  action,
  Args,
  connect,
  done,
  FROM,
  InputError,
  integer,
  integers,
  moneyOf,
  pageArgs,
  PATIENT,
  patientClient,
  patientFlags,
  patientIdOf,
  publicKeyOf,
  readInput,
  shown,
  units,
  when,
} from "../cli";

const DAY = 86_400;

/** A document given as a file (digested here) or its 32-byte digest. */
function documentArg(args: Args, file: string, digest: string): Uint8Array | string {
  const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (args[file] && args[digest]) throw new InputError(`give one of ${flag(file)} or ${flag(digest)}`);
  if (args[file]) return new Uint8Array(readInput(args[file], file));
  if (args[digest] && /^0x[0-9a-fA-F]{64}$/.test(args[digest]!)) return args[digest]!;
  if (args[digest]) throw new InputError(`${flag(digest)}: not 32 bytes of hex`);
  throw new InputError(`give ${flag(file)} (the document, digested here) or ${flag(digest)}`);
}

/** An institution's id from a flag: the id itself, or an address (or local account name) of an institution. */
async function institutionIdOf(
  hre: Parameters<typeof connect>[0],
  miip: Awaited<ReturnType<typeof connect>>,
  value: string | undefined,
  flag: string,
): Promise<number> {
  if (value !== undefined && /^[0-9]+$/.test(value)) return Number(value);
  const member = await miip.participants.memberOf(await accountOf(hre, value, flag));
  if (!member) throw new InputError(`--${flag}: ${value} is no institution`);
  return member.id;
}

function requestLine(r: DataRequestView): string {
  const state = r.closed ? "closed" : r.open ? "open" : "full or past its deadline";
  return (
    `request ${r.requestId} by institution ${r.researcherId}: ${r.recordTypes.join(", ")} issued ${when(r.from)} to ${when(r.to)}, ` +
    `${units(r.price)} each, ${r.delivered}/${r.maxContributions} delivered (${r.pending} pending), paid ${units(r.paid)}, ` +
    `contests decided by institution ${r.arbitratorId}, ` +
    `refunded ${units(r.refunded)}, ${state} (deadline ${when(r.deadline)})`
  );
}

function contributionLine(c: ContributionView): string {
  const by =
    c.status === "delivered"
      ? `, contestable until ${when(c.contestBy)}`
      : c.status === "contested"
        ? `, the agency decides by ${when(c.arbitrateBy)}`
        : "";
  return `contribution ${c.contributionId} to request ${c.requestId} by patient ${c.patientId}: ${c.status}${by} (${c.uri})`;
}

task("market:open", "A researcher opens a data request and escrows its whole budget in IST")
  .addParam("types", "Record types wanted, comma-separated (lab-result,imaging)")
  .addParam("price", "IST paid per accepted contribution (e.g. 10)")
  .addParam("max", "The most contributions it buys")
  .addOptionalParam("days", "Days contributions are taken", "30")
  .addOptionalParam("since", "How many days back the source records may be issued", "365")
  .addOptionalParam("contestDays", "Days after a delivery the researcher may contest it", "7")
  .addOptionalParam("arbitrator", "The public-health agency deciding contests: its id, address or local name", "agency")
  .addOptionalParam("terms", "The terms it is bound by (a file, digested here)")
  .addOptionalParam("termsDigest", "The terms' digest, instead of --terms")
  .addOptionalParam("deidentification", "Its de-identification requirements (a file, digested here)")
  .addOptionalParam("deidentificationDigest", "Their digest, instead of --deidentification")
  .addOptionalParam("from", FROM, "researcher")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const now = await miip.now();
      const r = await miip.market.openRequest({
        recordTypes: args.types!.split(","),
        from: now - Number(integer(args.since, "since")) * DAY,
        to: now + Number(integer(args.days, "days")) * DAY,
        terms: documentArg(args, "terms", "termsDigest"),
        deidentification: documentArg(args, "deidentification", "deidentificationDigest"),
        price: (await moneyOf(hre, miip.deployment.INSSETToken)).parse(args.price, "price"),
        maxContributions: Number(integer(args.max, "max")),
        deadline: now + Number(integer(args.days, "days")) * DAY,
        contestWindowDays: Number(integer(args.contestDays, "contest-days")),
        arbitratorId: await institutionIdOf(hre, miip, args.arbitrator, "arbitrator"),
      });
      done(`request ${r.requestId} opened, ${units(r.budget)} escrowed`, r);
    }),
  );

task("market:requests", "Lists data requests, newest first")
  .addOptionalParam("offset", "Requests to skip", "0")
  .addOptionalParam("limit", "Requests to show", "20")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const { entries, total } = await miip.market.requests(pageArgs(args));
      for (const r of entries) console.log(requestLine(r));
      console.log(`${entries.length} of ${total} requests`);
    }),
  );

task("market:request", "Shows a request and its contributions")
  .addParam("request", "The request id")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const id = integer(args.request, "request");
      console.log(requestLine(await miip.market.request(id)));
      const { entries, total } = await miip.market.contributionsOf(id, { limit: 200 });
      for (const c of entries) console.log(`  ${contributionLine(c)}`);
      console.log(`${total} contributions; refundable now ${units((await miip.market.request(id)).refundable)}`);
    }),
  );

patientFlags(
  task("market:opt-in", "A patient opts in to a request: its consent, for research, ending with the request").addParam(
    "request",
    "The request id",
  ),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    done(`opted in to request ${args.request}`, await miip.market.optIn(integer(args.request, "request")));
  }),
);

patientFlags(
  task("market:withdraw", "A patient withdraws its opt-in before it delivers").addParam("request", "The request id"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    done(
      `opt-in to request ${args.request} withdrawn`,
      await miip.market.withdrawOptIn(integer(args.request, "request")),
    );
  }),
);

patientFlags(
  task(
    "market:contribute",
    "A patient contributes: its records opened, de-identified, shown (--preview), sealed for the researcher, registered",
  )
    .addParam("request", "The request id")
    .addParam("records", "The patient's record ids, comma-separated (of the requested types and period)")
    .addOptionalParam("researcherKey", "The researcher's encryption public key (derived when this node holds its key)")
    .addOptionalParam("preview", "Write the de-identified copies here and send nothing"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    const requestId = integer(args.request, "request");
    const request = await miip.market.request(requestId);
    const researcher = await miip.participants.get(request.researcherId);
    const researcherPublicKey = await publicKeyOf(hre, researcher.account, args.researcherKey);
    const { fromUtf8 } = await import("../../packages/sdk/src");
    const r = await miip.market
      .contribute({
        requestId,
        recordIds: integers(args.records, "records"),
        researcherPublicKey,
        review: (copies) => {
          if (!args.preview) return true;
          writeFileSync(
            args.preview,
            JSON.stringify(
              copies.map((c) => ({
                recordId: c.recordId.toString(),
                format: c.format,
                removed: c.removed,
                document: fromUtf8(c.document),
              })),
              null,
              2,
            ) + "\n",
          );
          return false;
        },
      })
      .catch((error: Error) => {
        if (args.preview && /review stopped/.test(error.message)) return undefined;
        throw error;
      });
    if (!r) {
      console.log(`de-identified copies written to ${shown(args.preview!)}; nothing was sent`);
      return;
    }
    done(`contribution ${r.contributionId} delivered to request ${requestId} (${r.uri})`, r);
  }),
);

task("market:read", "The researcher opens a contribution (the read enters the patient's access trail)")
  .addParam("contribution", "The contribution id")
  .addOptionalParam("out", "Where to write the de-identified documents (JSON)")
  .addOptionalParam("from", FROM, "researcher")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const opened = await miip.market.open(integer(args.contribution, "contribution"));
      const json = JSON.stringify(opened.documents, null, 2) + "\n";
      if (args.out) writeFileSync(args.out, json);
      else console.log(json.trimEnd());
      done(`contribution ${opened.contributionId} read${args.out ? `, written to ${shown(args.out)}` : ""}`, opened);
    }),
  );

task("market:accept", "The researcher accepts a contribution: the patient is paid at once")
  .addParam("contribution", "The contribution id")
  .addOptionalParam("from", FROM, "researcher")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.market.accept(integer(args.contribution, "contribution"));
      done(`contribution ${args.contribution} accepted: ${units(r.paid)} paid to ${r.to}`, r);
    }),
  );

task("market:contest", "The researcher contests a contribution within its window")
  .addParam("contribution", "The contribution id")
  .addParam("reason", "A reason code")
  .addOptionalParam("evidence", "The evidence (a file kept off chain, digested here)")
  .addOptionalParam("evidenceDigest", "The evidence's digest, instead of --evidence")
  .addOptionalParam("from", FROM, "researcher")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const evidence = documentArg(args, "evidence", "evidenceDigest");
      const { sha256Hex } = await import("../../packages/sdk/src");
      const digest = typeof evidence === "string" ? evidence : sha256Hex(evidence);
      const r = await miip.market.contest(integer(args.contribution, "contribution"), args.reason!, digest);
      done(`contribution ${args.contribution} contested; the agency decides by ${when(r.arbitrateBy)}`, r);
    }),
  );

task("market:arbitrate", "The public-health agency decides a contested contribution")
  .addParam("contribution", "The contribution id")
  .addParam("decision", "pay or reject")
  .addOptionalParam("from", FROM, "agency")
  .setAction(
    action(async (args: Args, hre) => {
      if (args.decision !== "pay" && args.decision !== "reject") {
        throw new InputError(`--decision: "${args.decision}" is neither pay nor reject`);
      }
      const miip = await connect(hre, args.from);
      const r = await miip.market.arbitrate(integer(args.contribution, "contribution"), args.decision === "pay");
      done(
        args.decision === "pay"
          ? `contribution ${args.contribution}: ${units(r.paid)} paid to ${r.to}`
          : `contribution ${args.contribution} rejected`,
        r,
      );
    }),
  );

task("market:settle", "Anyone applies what a passed deadline decided: the patient is paid")
  .addParam("contribution", "The contribution id")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.market.settle(integer(args.contribution, "contribution"));
      done(`contribution ${args.contribution} settled: ${units(r.paid)} paid to ${r.to}`, r);
    }),
  );

task("market:close", "The researcher closes its request (anyone after its deadline); the remainder is refunded")
  .addParam("request", "The request id")
  .addOptionalParam("from", FROM, "researcher")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.market.close(integer(args.request, "request"));
      done(`request ${args.request} closed, ${units(r.refunded)} refunded`, r);
    }),
  );

task("market:refund", "Anyone sends a closed request's remainder (grown since) back to its researcher")
  .addParam("request", "The request id")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.market.refund(integer(args.request, "request"));
      done(`request ${args.request}: ${units(r.refunded)} refunded`, r);
    }),
  );

task("market:earnings", "A patient's contributions and what they earned")
  .addOptionalParam("patient", PATIENT, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const { entries, total } = await miip.market.contributionsOfPatient(patientId, { limit: 200 });
      let earned = 0n;
      for (const c of entries) {
        console.log(contributionLine(c));
        if (c.status === "paid") earned += (await miip.market.request(c.requestId)).price;
      }
      console.log(`${total} contributions, ${units(earned)} earned`);
    }),
  );

// ------------------------------------------------------------------ invoices

async function invoiceLine(hre: Parameters<typeof connect>[0], i: InvoiceView): Promise<string> {
  const money = await moneyOf(hre, i.token);
  const paid = i.status === "paid" ? `, paid ${money.show(i.paid)}` : i.overdue ? ", OVERDUE" : "";
  return `invoice ${i.invoiceId} to patient ${i.patientId} by institution ${i.institutionId}: ${money.show(i.amount)} for a ${i.kind}, due ${when(i.dueAt)}, ${i.status}${paid}`;
}

task("invoice:issue", "A hospital bills a record it wrote for the patient, or a pharmacy a dispensing")
  .addParam("patient", PATIENT)
  .addParam("amount", "The amount, in the token (e.g. 80)")
  .addOptionalParam("record", "The record billed (a hospital)")
  .addOptionalParam("dispensing", "The dispensing's reference (a pharmacy; see dispensingReference)")
  .addOptionalParam("token", "The token's address (default IST)")
  .addOptionalParam("bill", "The itemised bill (a file kept off chain, digested here)")
  .addOptionalParam("billDigest", "The itemised bill's digest, instead of --bill")
  .addOptionalParam("days", "Days until it is due", "30")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const token = args.token ? await accountOf(hre, args.token, "token") : miip.deployment.INSSETToken;
      const r = await miip.invoices.issue({
        patientId: await patientIdOf(hre, args.patient, "patient"),
        amount: (await moneyOf(hre, token)).parse(args.amount, "amount"),
        token,
        bill: documentArg(args, "bill", "billDigest"),
        dueAt: (await miip.now()) + Number(integer(args.days, "days")) * DAY,
        recordId: args.record !== undefined ? integer(args.record, "record") : undefined,
        dispensing: args.dispensing,
      });
      done(`invoice ${r.invoiceId} issued`, r);
    }),
  );

patientFlags(
  task("invoice:pay", "The patient pays an invoice, its permit in the same action (no ETH with --gasless)")
    .addParam("invoice", "The invoice id")
    .addOptionalParam("gtin", "For a pharmacy's invoice: the GTIN of the unit received")
    .addOptionalParam("serial", "For a pharmacy's invoice: the unit's serial (32 bytes of hex)")
    .addOptionalParam("billSalt", "For a pharmacy's invoice: the salt its itemised bill gives"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await patientClient(hre, args);
    const invoice = await miip.invoices.get(integer(args.invoice, "invoice"));
    const money = await moneyOf(hre, invoice.token);
    const dispensing =
      args.gtin !== undefined
        ? { gtin: integer(args.gtin, "gtin"), serial: args.serial ?? "", salt: args.billSalt ?? "" }
        : undefined;
    const r = await miip.invoices.pay(invoice.invoiceId, { dispensing });
    const deducted = r.deducted > 0n ? ` (${money.show(r.deducted)} already paid through a claim)` : "";
    done(`invoice ${args.invoice} paid: ${money.show(r.paid)}${deducted}`, r);
  }),
);

task("invoice:cancel", "The issuer cancels an open invoice")
  .addParam("invoice", "The invoice id")
  .addParam("reason", "A reason code")
  .addOptionalParam("from", FROM, "hospital")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      done(
        `invoice ${args.invoice} cancelled`,
        await miip.invoices.cancel(integer(args.invoice, "invoice"), args.reason!),
      );
    }),
  );

task("invoice:list", "A patient's invoices (--patient) or an institution's (--institution), newest first")
  .addOptionalParam("patient", PATIENT)
  .addOptionalParam("institution", "The issuing institution's id")
  .addOptionalParam("offset", "Invoices to skip", "0")
  .addOptionalParam("limit", "Invoices to show", "20")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      if ((args.patient === undefined) === (args.institution === undefined)) {
        throw new InputError("give one of --patient or --institution");
      }
      const { entries, total } =
        args.patient !== undefined
          ? await miip.invoices.ofPatient(await patientIdOf(hre, args.patient, "patient"), pageArgs(args))
          : await miip.invoices.ofInstitution(Number(integer(args.institution, "institution")), pageArgs(args));
      for (const i of entries) console.log(await invoiceLine(hre, i));
      console.log(`${entries.length} of ${total} invoices`);
    }),
  );
