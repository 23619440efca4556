import { time } from "@nomicfoundation/hardhat-network-helpers";

import { ist } from "../lib/parameters";
import { demoProgramme } from "../lib/seed";
import { utf8 } from "../../sdk";
import type { Demo } from "./context";

const IST = (x: number) => BigInt(x) * 10n ** 18n;

/**
 * Insurance claims paid in IST: the insurer funds an escrow, a hospital files a small claim that is paid at
 * once, and a large one that is partly approved, disputed and settled by the public-agency arbitrator.
 */
export async function claimsChapter({ n, miip, as, who, keyOf, suite, onboard, patientId }: Demo): Promise<void> {
  const { resolved } = suite;
  const insurer = as("insurer");
  const hospital = as("hospital");
  const patient = await patientId("patientB");

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
    "the insurer opens a programme: threshold 300 IST, cap 5,000 IST, co-payment 20%",
    insurer.claims.openProgramme(demoProgramme(who("agency").address, false)),
  );
  await n.step(
    "the insurer approves the escrow and deposits 50,000 IST",
    insurer.claims.deposit(programmeId, IST(50_000)),
  );
  await n.step("the insurer enrols patient B", insurer.claims.enrol(programmeId, patient));

  const balances = async (label: string) => {
    const p = await miip.contracts.claims.getProgramme(programmeId);
    n.say(
      `  ${label}: hospital ${ist(await miip.token.balanceOf(who("hospital").address))}, escrow free ${ist(p.free)}, reserved ${ist(p.reserved)}`,
    );
  };
  await balances("before");

  n.section("A small claim, checked by the chain and paid at once");
  await n.step(
    "patient B lets the insurer read their records for insurance claims",
    as("patientB").consent.grant({
      grantee: who("insurer").address,
      purpose: "insurance-claim",
      scope: { kind: "all-records" },
      expiresAt: (await time.latest()) + 365 * 86_400,
    }),
  );
  const patientKey = (await keyOf("patientB")).publicKey;
  const visit = async (type: string, text: string) =>
    (
      await hospital.documents.add({
        patientId: patient,
        patientPublicKey: patientKey,
        document: utf8(`Seoul General Hospital: ${text}`),
        recordType: type,
      })
    ).recordId;
  const outpatient = await visit("diagnosis", "outpatient visit, acute bronchitis");
  const small = await n.step(
    `the hospital files record #${outpatient}, billed 250 IST, payee the hospital`,
    hospital.claims.file({ programmeId, recordIds: [outpatient], billed: IST(250) }),
  );
  n.say(`  claim ${small.claimId}: ${small.status}, ${ist(small.paidNow)} paid in the same transaction`);
  await balances("after the small claim (200 IST paid, 50 IST co-payment)");
  await n.refused(`filing record #${outpatient} again`, () =>
    hospital.claims.file({ programmeId, recordIds: [outpatient], billed: IST(250) }),
  );

  n.section("A large claim: reviewed, partly approved, disputed, arbitrated");
  const surgery = await visit("discharge-summary", "laparoscopic appendectomy, discharged day 2");
  const large = await n.step(
    `the hospital files record #${surgery}, billed 4,000 IST`,
    hospital.claims.file({ programmeId, recordIds: [surgery], billed: IST(4_000) }),
  );
  await balances(`claim ${large.claimId} ${large.status} (${ist(large.due)} reserved)`);
  await n.refused("the insurer approving more than the claim", () =>
    insurer.claims.approve(large.claimId, IST(3_201), "x"),
  );
  await n.step(
    "the insurer approves 2,000 IST (reason: over-billing)",
    insurer.claims.approve(large.claimId, IST(2_000), "OVERBILLED-ITEMS"),
  );
  await n.step("the hospital disputes the rest", hospital.claims.dispute(large.claimId));
  await n.step(
    "the NHIS review board awards 900 IST more; final",
    as("agency").claims.arbitrate(large.claimId, IST(900), "PARTLY-JUSTIFIED"),
  );
  const c = await miip.claims.get(large.claimId);
  n.say(`  claim ${large.claimId}: paid ${ist(c.paid)} of ${ist(c.due)} due; status ${c.status}`);
  await balances("after");
  await n.refused("acting on the settled claim", () => hospital.claims.dispute(large.claimId));
  const timeline = await miip.history.claimTimeline(large.claimId);
  n.say(`  its timeline, from events: ${timeline.entries.map((e) => e.event).join(" → ")}`);
}
