import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { ist } from "../lib/parameters";
import { billDigest, utf8 } from "../../packages/sdk/src";
import { date } from "./narrator";
import type { Demo } from "./context";

const IST = (x: number) => BigInt(x) * 10n ** 18n;
const DAY = 86_400;

/** A lab result as the hospital's laboratory system exports it: FHIR, naming the patient every way it can. */
function labResult(name: string, phone: string, hba1c: number): Uint8Array {
  return utf8(
    JSON.stringify({
      resourceType: "Observation",
      id: `obs-${name.replace(/\W/g, "").toLowerCase()}`,
      status: "final",
      identifier: [{ system: "urn:seoul-general:lab", value: `L-${phone.slice(-4)}` }],
      code: { coding: [{ system: "http://loinc.org", code: "4548-4", display: "Hemoglobin A1c" }] },
      subject: { reference: "Patient/seoul-general-1187", display: name },
      effectiveDateTime: "2026-11-20T08:10:00+09:00",
      performer: [{ display: "Dr. Kim Minsu" }],
      valueQuantity: { value: hba1c, unit: "%", system: "http://unitsofmeasure.org", code: "%" },
      note: [{ text: `${name} fasted 10 h; call back on ${phone}` }],
      contained: [{ resourceType: "Patient", name: [{ text: name }], birthDate: "1958-03-02", gender: "male" }],
    }),
  );
}

/**
 * The research data market and payments for care (issue 19): a study buys de-identified lab results, paying each
 * patient in IST; patients take part from phones holding no ETH; the study contests one contribution and the
 * agency's silence pays the patient; closing returns only the remainder. Then a patient pays a hospital's invoice
 * with a permit, without ETH.
 */
export async function marketChapter({ n, miip, as, who, onboard }: Demo): Promise<void> {
  const provider = hre.ethers.provider;
  const hospital = as("hospital");
  const lab = as("studyLab");
  const relayer = who("relayer");

  n.section("Research data: a study buys de-identified lab results and pays the patients in IST");
  await onboard({
    account: "studyLab",
    kind: "researcher",
    name: "KAIST Clinical Research",
    licence: "IRB-KAIST-2026-114",
  });
  await n.step("the study's grant buys 1,000 IST", as("treasury").token.transfer(who("studyLab").address, IST(1_000)));

  // Three patients with phones that hold a key and no ETH; each had an HbA1c test at the hospital.
  const people = [
    ["Choi Seojun", "010-2231-7780", 6.4],
    ["Jung Minji", "010-5512-0093", 7.1],
    ["Kang Doyoon", "010-8820-4415", 5.9],
  ] as const;
  const phones = people.map(() => hre.ethers.Wallet.createRandom().connect(provider));
  const patients = phones.map((phone) => miip.as(phone).gasless(relayer));
  const ids: bigint[] = [];
  const labs: bigint[] = [];
  for (const [i, [name, phone, value]] of people.entries()) {
    const { patientId } = await n.step(
      `${name.split(" ")[0]}'s phone (0 ETH) signs its registration; the hospital submits it`,
      hospital.patients.submitRegistration(await miip.as(phones[i]).patients.signRegistration()),
    );
    ids.push(patientId);
    const { recordId } = await n.step(
      `the hospital's laboratory files patient ${patientId}'s HbA1c result (FHIR, encrypted)`,
      hospital.documents.add({
        patientId,
        patientPublicKey: (await miip.as(phones[i]).documents.encryptionKey()).publicKey,
        document: labResult(name, phone, value),
        recordType: "lab-result",
      }),
    );
    labs.push(recordId);
  }

  const now = await time.latest();
  const { requestId, budget } = await n.step(
    "the study opens a request: lab results of the past year, 25 IST each, at most 5, 30 days, contest window 7 days, the NHIS board deciding contests",
    lab.market.openRequest({
      recordTypes: ["lab-result"],
      from: now - 365 * DAY,
      to: now,
      terms: utf8("KAIST diabetes cohort 2026: no re-identification, no onward transfer, deletion after 3 years"),
      deidentification: utf8("HIPAA Safe Harbor on FHIR R4: direct identifiers removed, dates to the year"),
      price: IST(25),
      maxContributions: 5,
      deadline: now + 30 * DAY,
      arbitratorId: (await miip.participants.memberOf(who("agency").address))!.id,
    }),
  );
  n.say(`  ${ist(budget)} escrowed in the market; only the terms' and the de-identification rules' digests on chain`);

  const studyKey = (await lab.documents.encryptionKey()).publicKey;
  const contributions: bigint[] = [];
  for (const [i, patient] of patients.entries()) {
    await n.step(
      `patient ${ids[i]} opts in (its consent, for research, ending with the request; relayed)`,
      patient.market.optIn(requestId),
    );
    let removed: string[] = [];
    const delivered = await n.step(
      `patient ${ids[i]}'s phone de-identifies its lab result, seals it for the study and delivers it (relayed)`,
      patient.market.contribute({
        requestId,
        recordIds: [labs[i]],
        researcherPublicKey: studyKey,
        review: (copies) => {
          removed = copies[0].removed;
          return true;
        },
      }),
    );
    if (i === 0) {
      n.say(`  taken out before sealing: ${removed.join("; ")}`);
      n.say("  (the chain cannot check de-identification: the terms' digest is what binds the study)");
    }
    contributions.push(delivered.contributionId);
  }
  n.say(
    `  ETH on the three phones: ${(await Promise.all(phones.map((p) => provider.getBalance(p.address)))).join(", ")} wei`,
  );
  await n.refused(`patient ${ids[0]} delivering a second contribution to the same request`, () =>
    patients[0].market.contribute({ requestId, recordIds: [labs[0]], researcherPublicKey: studyKey }),
  );

  const opened = await n.step(
    `the study opens contribution ${contributions[0]} (the read enters the patient's access trail)`,
    lab.market.open(contributions[0]),
  );
  const copy = JSON.parse(opened.documents[0].document) as {
    valueQuantity: { value: number };
    effectiveDateTime: string;
  };
  n.say(
    `  it reads HbA1c ${copy.valueQuantity.value} % measured in ${copy.effectiveDateTime}; the name "${people[0][0]}" appears ${opened.documents[0].document.includes(people[0][0]) ? "in it" : "nowhere"}`,
  );
  const trail = await miip.history.accessTrail(ids[0]);
  n.say(`  patient ${ids[0]}'s access trail: ${trail.entries.map((e) => e.event).join(", ")}`);
  for (const c of contributions.slice(0, 2)) {
    const paid = await n.step(`the study accepts contribution ${c}: the patient is paid at once`, lab.market.accept(c));
    n.say(`  ${ist(paid.paid)} to ${paid.to}`);
  }
  await n.refused(`the study contesting contribution ${contributions[2]} without having read it`, () =>
    lab.market.contest(contributions[2], "not-fasting", billDigest(utf8("unread"))),
  );
  await n.step(`the study opens contribution ${contributions[2]}`, lab.market.open(contributions[2]));
  await n.step(
    `the study contests contribution ${contributions[2]}: "not fasting", with its evidence's digest`,
    lab.market.contest(contributions[2], "not-fasting", billDigest(utf8("lab note: sample drawn 2 h after breakfast"))),
  );
  n.say("  the public-health agency has 21 days to decide; it does not act, and the clock moves past its deadline");
  await time.increase(22 * DAY);
  await n.refused("a refund before the request is closed", () => lab.market.refund(requestId));
  const settled = await n.step(
    `anyone settles contribution ${contributions[2]}: the agency's silence pays the patient`,
    miip.market.settle(contributions[2]),
  );
  n.say(`  ${ist(settled.paid)} to patient ${ids[2]}`);
  const closed = await n.step(
    "the study closes its request: only the two unused places come back",
    lab.market.close(requestId),
  );
  const r = await lab.market.request(requestId);
  n.say(
    `  funded ${ist(r.budget)} = paid ${ist(r.paid)} to 3 patients + refunded ${ist(closed.refunded)}; refundable now ${ist(r.refundable)}`,
  );
  await n.refused("refunding the request a second time", () => lab.market.refund(requestId));

  n.section("Payments for care: a patient pays the hospital's invoice with its research earnings, without ETH");
  const phone = phones[0];
  const { invoiceId } = await n.step(
    `the hospital invoices patient ${ids[0]} 20 IST for the HbA1c test (record #${labs[0]}), due in 30 days`,
    hospital.invoices.issue({
      patientId: ids[0],
      recordId: labs[0],
      amount: IST(20),
      bill: utf8("Seoul General Hospital — HbA1c 12 IST; phlebotomy 8 IST"),
    }),
  );
  await n.refused("the hospital billing the same test a second time", () =>
    hospital.invoices.issue({ patientId: ids[0], recordId: labs[0], amount: IST(20), bill: utf8("again") }),
  );
  n.say(
    `  patient ${ids[0]} holds ${ist(await miip.token.balanceOf(phone.address))} (its research earnings) and ${await provider.getBalance(phone.address)} wei`,
  );
  const paid = await n.step(
    `patient ${ids[0]} pays it: one action signed on the phone, its permit for exactly 20 IST inside, relayed`,
    patients[0].invoices.pay(invoiceId),
  );
  const invoice = await miip.invoices.get(invoiceId);
  n.say(`  invoice ${invoiceId}: ${invoice.status}, ${ist(paid.paid)}; due ${date(invoice.dueAt)}`);
  const receipts = await miip.invoices.receipts({ institutionId: invoice.institutionId });
  n.say(
    `  the hospital's books: ${receipts.total} receipt(s) indexed by institution; the patient's portal finds it by patient id`,
  );
  await n.refused("paying the invoice a second time", () => patients[0].invoices.pay(invoiceId));
}
