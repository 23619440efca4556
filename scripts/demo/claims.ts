import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { ist } from "../lib/parameters";
import { demoProgramme } from "../lib/seed";
import { billDigest, encryptDocument, utf8 } from "../../packages/sdk/src";
import { date } from "./narrator";
import type { Demo } from "./context";

const IST = (x: number) => BigInt(x) * 10n ** 18n;

/** The digest an itemised bill or a piece of evidence is named by: its encrypted bytes', kept off chain. */
const sealedDigest = (text: string) => billDigest(encryptDocument(utf8(text)).ciphertext);

/**
 * Insurance claims paid in IST, which exist only when both parties to the care attest the same bill. The insurer
 * funds an escrow; a patient whose phone holds no ETH confirms a small bill the hospital attested, and one relayed
 * action files it, pays it and moves the co-payment; an amended record is refused as the same treatment; a large
 * claim is partly approved, disputed with evidence and arbitrated; and when the insurer and then the arbitrator
 * stay silent, anyone applies the default outcomes, while governance replaces the silent arbitrator after its
 * public delay.
 */
export async function claimsChapter({ n, miip, as, who, suite, onboard }: Demo): Promise<void> {
  const { resolved } = suite;
  const provider = hre.ethers.provider;
  const insurer = as("insurer");
  const hospital = as("hospital");
  const relayer = who("relayer");

  n.section("Insurance claims: the insurer funds an escrow in IST");
  const reserveGrant = resolved.genesis.grants.findIndex((g) => g.category === resolved.genesis.reserveCategory);
  await n.step("the ecosystem treasury releases its vested IST", miip.token.release(reserveGrant));
  await n.step(
    "the treasury sells 100,000 IST to the insurer",
    as("treasury").token.transfer(who("insurer").address, IST(100_000)),
  );
  await onboard({
    account: "agency",
    kind: "public-health-agency",
    name: "NHIS Review Board",
    licence: "NHIS-ARB-01",
  });
  const { programmeId } = await n.step(
    "the insurer opens a programme: threshold 300 IST, cap 5,000 IST, co-payment 20% moved on chain, 21 days to arbitrate",
    insurer.claims.openProgramme(demoProgramme(who("agency").address, false, true)),
  );
  await n.step(
    "the insurer approves the escrow and deposits 50,000 IST",
    insurer.claims.deposit(programmeId, IST(50_000)),
  );

  // Patient D: a phone with a key, some IST for co-payments, and no ETH at all.
  const phoneD = hre.ethers.Wallet.createRandom().connect(provider);
  const d = miip.as(phoneD);
  const patientD = d.gasless(relayer);
  const { patientId: idD } = await n.step(
    "patient D's phone (0 ETH) signs its registration; the hospital submits it",
    hospital.patients.submitRegistration(await d.patients.signRegistration()),
  );
  await n.step(`the insurer enrols patient ${idD}`, insurer.claims.enrol(programmeId, idD));
  await n.step(
    "patient D lets the insurer read their records for insurance claims (signed, relayed)",
    patientD.consent.grant({
      grantee: who("insurer").address,
      purpose: "insurance-claim",
      scope: { kind: "all-records" },
      expiresAt: (await time.latest()) + 365 * 86_400,
    }),
  );
  await n.step(
    "a relative sends patient D 2,000 IST for co-payments",
    as("treasury").token.transfer(phoneD.address, IST(2_000)),
  );
  const keyD = await d.documents.encryptionKey();
  const visit = async (type: string, text: string) =>
    (
      await hospital.documents.add({
        patientId: idD,
        patientPublicKey: keyD.publicKey,
        document: utf8(`Seoul General Hospital: ${text}`),
        recordType: type,
      })
    ).recordId;
  const balances = async (label: string) => {
    const p = await miip.claims.programme(programmeId);
    n.say(
      `  ${label}: hospital ${ist(await miip.token.balanceOf(who("hospital").address))}, patient D ${ist(await miip.token.balanceOf(phoneD.address))} ` +
        `and ${await provider.getBalance(phoneD.address)} wei; escrow free ${ist(p.free)}, reserved ${ist(p.reserved)}`,
    );
  };

  n.section("A small claim: billed by the hospital, confirmed by the patient, paid with its co-payment");
  const outpatient = await visit("diagnosis", "outpatient visit, acute bronchitis");
  const smallBill = await hospital.claims.bill({
    programmeId,
    recordIds: [outpatient],
    amount: IST(250),
    billDigest: sealedDigest("consultation 180 IST; chest X-ray 70 IST"),
  });
  n.say("  the itemised bill stays encrypted off chain: the bill names it by digest, with the amount and the payee");
  const billed = await n.step(
    `the hospital attests its bill for record #${outpatient}: 250 IST, paid to the hospital`,
    hospital.claims.attest(smallBill),
  );
  const state = await miip.claims.billState(billed.billHash);
  n.say(
    `  bill ${billed.billHash.slice(0, 10)}…: attested by the hospital ${state.hospital}, by the patient ${state.patient}; no claim exists yet`,
  );
  await balances("before");
  const seen = await d.claims.attestedBill(billed.billHash);
  n.say(
    `  patient D's app finds the bill by its hash: records ${seen.bill.recordIds.join(", ")}, ${ist(seen.bill.amount)}, paid to the ${seen.bill.payTo}`,
  );
  const small = await n.step(
    "patient D confirms it: one action signed on the phone, with a permit for the co-payment, relayed",
    patientD.claims.attest(seen.bill),
  );
  n.say(
    `  claim ${small.claimId} (the treatment's id): ${small.status}; the escrow paid ${ist(small.paidNow)} and patient D's ` +
      `${ist(small.copaid)} co-payment moved to the hospital, in one relayed transaction`,
  );
  await balances("after");

  n.section("An amended record is the same treatment: it is paid once");
  const corrected = await n.step(
    `the hospital corrects record #${outpatient} (a typo in the diagnosis)`,
    hospital.documents.amend(outpatient, {
      patientId: idD,
      patientPublicKey: keyD.publicKey,
      document: utf8("Seoul General Hospital: outpatient visit, acute bronchitis (corrected)"),
    }),
  );
  const again = await hospital.claims.signBill(
    await hospital.claims.bill({
      programmeId,
      recordIds: [corrected.recordId],
      amount: IST(250),
      billDigest: sealedDigest("consultation 180 IST; chest X-ray 70 IST (re-issued)"),
    }),
  );
  n.say(`  the hospital signs a bill for the corrected version #${corrected.recordId}, off chain`);
  await n.refused(`filing it (record #${corrected.recordId} amends #${outpatient})`, () =>
    patientD.claims.attest(again),
  );
  n.say(
    `  record #${corrected.recordId} belongs to claim ${await miip.claims.claimOfRecord(corrected.recordId)}, like its first version`,
  );

  n.section("A large claim: one relayed action files it; reviewed, partly approved, disputed, arbitrated");
  const surgery = await visit("discharge-summary", "laparoscopic appendectomy, discharged day 2");
  const surgeryBill = await hospital.claims.signBill(
    await hospital.claims.bill({
      programmeId,
      recordIds: [surgery],
      amount: IST(4_000),
      billDigest: sealedDigest("theatre 2,100 IST; anaesthesia 900 IST; ward, 2 nights 1,000 IST"),
    }),
  );
  n.say(`  the hospital signs its bill for record #${surgery} off chain: 4,000 IST (no transaction, no gas)`);
  const large = await n.step(
    "patient D files it with the hospital's signature and a co-payment permit, relayed",
    patientD.claims.attest(surgeryBill),
  );
  await balances(`claim ${large.claimId} ${large.status}: ${ist(large.due)} reserved, ${ist(large.copaid)} co-paid`);
  await n.refused("the insurer approving more than the claim", () =>
    insurer.claims.approve(large.claimId, IST(3_201), "x"),
  );
  await n.step(
    "the insurer approves 2,000 IST (reason: over-billing)",
    insurer.claims.approve(large.claimId, IST(2_000), "OVERBILLED-ITEMS"),
  );
  await n.step(
    "the hospital disputes the rest, naming its evidence (the operating notes, encrypted off chain) by digest",
    hospital.claims.dispute(
      large.claimId,
      "ITEMS-JUSTIFIED",
      sealedDigest("operating notes: complications, 40 min more"),
    ),
  );
  await n.step(
    "the NHIS review board awards 900 IST more; final",
    as("agency").claims.arbitrate(large.claimId, IST(900), "PARTLY-JUSTIFIED"),
  );
  const c = await miip.claims.get(large.claimId);
  n.say(`  claim ${large.claimId}: paid ${ist(c.paid)} of ${ist(c.due)} due to the ${c.payTo}; status ${c.status}`);
  await n.refused("acting on the settled claim", () =>
    hospital.claims.dispute(large.claimId, "AGAIN", sealedDigest("more notes")),
  );
  const timeline = await miip.history.claimTimeline(large.claimId);
  n.say(`  its timeline, from events: ${timeline.entries.map((e) => e.event).join(" → ")}`);

  n.section("Silent parties: default outcomes, and governance replaces a silent arbitrator");
  const scan = await visit("imaging", "abdominal CT, follow-up");
  const scanBill = await hospital.claims.signBill(
    await hospital.claims.bill({
      programmeId,
      recordIds: [scan],
      amount: IST(2_000),
      billDigest: sealedDigest("CT 1,600 IST; contrast 400 IST"),
    }),
  );
  const silent = await n.step(
    "patient D files a 2,000 IST bill the hospital signed, relayed",
    patientD.claims.attest(scanBill),
  );
  const filed = await miip.claims.get(silent.claimId);
  n.say(
    `  claim ${silent.claimId}: ${filed.status}, ${ist(filed.due)} reserved; the insurer must decide by ${date(filed.deadline)}`,
  );
  await n.refused("anyone applying the default outcome before that", () =>
    as("relayer").claims.applyDefault(silent.claimId),
  );
  await time.increaseTo(filed.deadline + 1);
  n.say("  … the insurer lets 14 days pass without a decision");
  await n.refused("the insurer approving after its deadline", () =>
    insurer.claims.approve(silent.claimId, IST(1_600), "late"),
  );
  const escalated = await n.step(
    "anyone (here the relayer) applies the default: the threshold's share is paid, the rest goes to the arbitrator",
    as("relayer").claims.applyDefault(silent.claimId),
  );
  n.say(
    `  claim ${silent.claimId}: ${escalated.status}, ${ist(escalated.paidNow)} paid now; the arbitrator has until ${date(escalated.deadline)}`,
  );
  const withdrawal = await n.step(
    "meanwhile the insurer announces a withdrawal of 10,000 IST: public for a 7-day notice, filings still draw on it",
    insurer.claims.announceWithdrawal(programmeId, IST(10_000)),
  );
  await n.refused("the insurer withdrawing at once", () => insurer.claims.withdraw(programmeId));
  n.say("  … the NHIS review board does not answer. The insurer may not pick a new judge for its own dispute;");
  n.say("  governance may, in public and after its delay. First, a second agency is onboarded:");
  const tribunal = (await hre.ethers.getSigners())[25];
  const registered = await n.step(
    "the registrar onboards the HIRA Claims Tribunal (public-health agency)",
    as("registrar").participants.register({
      account: tribunal.address,
      kind: "public-health-agency",
      licence: "HIRA-TRIB-02",
      name: "HIRA Claims Tribunal",
    }),
  );
  await time.increaseTo(registered.activatesAt);
  await n.step(
    `institution ${registered.institutionId} is activated after its onboarding delay`,
    miip.participants.activate(registered.institutionId),
  );
  const replace = miip.governance.replaceArbitrator(programmeId, tribunal.address);
  const governor = as("deployer");
  const scheduled = await n.step(
    `the governor schedules the replacement of programme ${programmeId}'s arbitrator in the access manager`,
    governor.governance.schedule(replace),
  );
  await n.refused("executing it before the delay", () => governor.governance.execute(replace));
  await time.increaseTo(scheduled.readyAt);
  n.say(`  … public for the governor's delay, until ${date(scheduled.readyAt)}; the guardian role could cancel it`);
  await n.step(
    `the governor executes it: the HIRA tribunal arbitrates programme ${programmeId}`,
    governor.governance.execute(replace),
  );
  await n.refused("the replaced NHIS board arbitrating the claim", () =>
    as("agency").claims.arbitrate(silent.claimId, IST(100), "LATE"),
  );
  n.say(`  the claim's deadline stays ${date(escalated.deadline)}: a new arbitrator does not restart the clock`);
  await time.increaseTo(withdrawal.executableAt);
  await n.step(
    `a week after its announcement (${date(withdrawal.executableAt)}), the insurer executes its withdrawal`,
    insurer.claims.withdraw(programmeId),
  );
  await time.increaseTo(escalated.deadline + 1);
  n.say("  … the arbitration deadline passes without an award");
  const settled = await n.step(
    "anyone applies the default: never reviewed, never arbitrated, so the rest is paid",
    as("relayer").claims.applyDefault(silent.claimId),
  );
  const last = await miip.claims.get(silent.claimId);
  n.say(
    `  claim ${silent.claimId}: ${settled.status}, paid ${ist(last.paid)} of ${ist(last.due)}, without the insurer or an arbitrator`,
  );
  await balances("at the end");
}
