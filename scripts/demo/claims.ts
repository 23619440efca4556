import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { SCOPES } from "../../config/eip712";
import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import type { Suite } from "../lib/deploy";
import { ist } from "../lib/parameters";
import type { Narrator } from "./narrator";

/**
 * Insurance claims paid in IST: the insurer funds an escrow, a hospital files a small claim that is paid at
 * once, and a large one that is partly approved, disputed and settled by the public-agency arbitrator.
 */
export async function claimsChapter(n: Narrator, suite: Suite): Promise<void> {
  const { claims, token, distribution, participants, records, consent, resolved } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [treasury, insurer, hospital, agency, registrar, patient] = [
    who("treasury"),
    who("insurer"),
    who("hospital"),
    who("agency"),
    who("registrar"),
    who("patientB"),
  ];
  const escrow = await claims.getAddress();

  n.section("Insurance claims: the insurer funds an escrow in IST");
  const reserveGrant = resolved.genesis.grants.findIndex((g) => g.category === resolved.genesis.reserveCategory);
  await n.step("the ecosystem treasury releases its vested IST", distribution.release(reserveGrant));
  await n.step(
    "the treasury sells 100,000 IST to the insurer",
    token.connect(treasury).transfer(insurer.address, 100_000n * 10n ** 18n),
  );
  await n.step(
    "the registrar onboards the NHIS review board (public health agency, arbitrator)",
    participants
      .connect(registrar)
      .register(agency.address, KINDS["public-health-agency"], hre.ethers.id("NHIS-ARB-01"), "NHIS Review Board", ""),
  );
  const IST = (x: number) => BigInt(x) * 10n ** 18n;
  await n.step(
    "the insurer opens a programme: threshold 300 IST, cap 5,000 IST, co-payment 20%",
    claims.connect(insurer).openProgramme({
      token: await token.getAddress(),
      coveredTypes: [
        RECORD_TYPES.diagnosis,
        RECORD_TYPES.prescription,
        RECORD_TYPES["lab-result"],
        RECORD_TYPES.imaging,
        RECORD_TYPES["discharge-summary"],
      ].reduce((acc, t) => acc | (1n << BigInt(t)), 0n),
      perClaimCap: IST(5_000),
      perPatientYearCap: IST(20_000),
      autoApproveThreshold: IST(300),
      copayBps: 2_000,
      filingWindowDays: 90,
      reviewDays: 14,
      disputeDays: 7,
      arbitrator: agency.address,
      openEnrolment: false,
    }),
  );
  const programmeId = await claims.programmeCount();
  await n.step("the insurer approves the escrow", token.connect(insurer).approve(escrow, IST(50_000)));
  await n.step("and deposits 50,000 IST", claims.connect(insurer).deposit(programmeId, IST(50_000)));
  await n.step("the insurer enrols patient B", claims.connect(insurer).enrol(programmeId, patient.address));

  const balances = async (label: string) => {
    const p = await claims.getProgramme(programmeId);
    n.say(
      `  ${label}: hospital ${ist(await token.balanceOf(hospital.address))}, escrow free ${ist(p.free)}, reserved ${ist(p.reserved)}`,
    );
  };
  await balances("before");

  n.section("A small claim, checked by the chain and paid at once");
  await n.step(
    "patient B lets the insurer read their records for insurance claims",
    consent.connect(patient).grant({
      patient: patient.address,
      grantee: insurer.address,
      purpose: PURPOSES["insurance-claim"],
      scopeKind: SCOPES.allRecords,
      scope: [],
      expiresAt: (await time.latest()) + 365 * 86_400,
    }),
  );
  const visit = async (type: keyof typeof RECORD_TYPES, label: string) => {
    const digest = hre.ethers.sha256(hre.ethers.toUtf8Bytes(`${label} ${await time.latest()}`));
    await records.connect(hospital).register({
      patient: patient.address,
      digest,
      recordType: RECORD_TYPES[type],
      issuedAt: await time.latest(),
      uri: `ipfs://bafkrei${hre.ethers.id(label).slice(2, 54)}`,
    });
    return records.recordIdOf(digest);
  };
  const outpatient = await visit("diagnosis", "outpatient visit");
  await n.step(
    `the hospital files record #${outpatient}, billed 250 IST, payee the hospital`,
    claims.connect(hospital).fileClaim(programmeId, [outpatient], IST(250), hospital.address),
  );
  await balances("after the small claim (200 IST paid, 50 IST co-payment)");
  await n.refused(`filing record #${outpatient} again`, [claims], () =>
    claims.connect(hospital).fileClaim(programmeId, [outpatient], IST(250), hospital.address),
  );

  n.section("A large claim: reviewed, partly approved, disputed, arbitrated");
  const surgery = await visit("discharge-summary", "surgery discharge");
  await n.step(
    `the hospital files record #${surgery}, billed 4,000 IST`,
    claims.connect(hospital).fileClaim(programmeId, [surgery], IST(4_000), hospital.address),
  );
  const claimId = await claims.claimCount();
  await balances(`claim ${claimId} pending (3,200 IST reserved)`);
  await n.refused("the insurer approving more than the claim", [claims], () =>
    claims.connect(insurer).approve(claimId, IST(3_201), hre.ethers.encodeBytes32String("x")),
  );
  await n.step(
    "the insurer approves 2,000 IST (reason: over-billing)",
    claims.connect(insurer).approve(claimId, IST(2_000), hre.ethers.encodeBytes32String("OVERBILLED-ITEMS")),
  );
  await n.step("the hospital disputes the rest", claims.connect(hospital).dispute(claimId));
  await n.step(
    "the NHIS review board awards 900 IST more; final",
    claims.connect(agency).arbitrate(claimId, IST(900), hre.ethers.encodeBytes32String("PARTLY-JUSTIFIED")),
  );
  const c = await claims.getClaim(claimId);
  n.say(`  claim ${claimId}: paid ${ist(c.paid)} of ${ist(c.due)} due; status settled`);
  await balances("after");
  await n.refused("acting on the settled claim", [claims], () => claims.connect(hospital).dispute(claimId));
}
