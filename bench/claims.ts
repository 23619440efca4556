import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { SCOPES } from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES } from "../config/roles";
import { MockERC20__factory } from "../typechain-types";
import { freshSuite, gasOf, measure, onboardAll, viaGateway, type GasRow } from "./types";

/**
 * The claim operations of issue 5, on the suite as deployed, paying in a plain ERC-20 stablecoin. The small
 * claim is the steady state: the patient already has a claim this policy year and the hospital already holds
 * the token; the first claim of a year is reported too.
 */
export async function benchClaims(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants, records, consent, claims } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, hospital, insurer, agency, patient, deployer] = [
    who("registrar"),
    who("hospital"),
    who("insurer"),
    who("agency"),
    who("patientA"),
    who("deployer"),
  ];
  await (await participants.connect(patient).registerPatient()).wait();
  const patientId = 1n;
  await onboardAll(participants, registrar, [
    [hospital, KINDS.hospital, "Seoul General Hospital"],
    [insurer, KINDS.insurer, "Hanguk Life Insurance"],
    [agency, KINDS["public-health-agency"], "NHIS Review Board"],
  ]);
  const token = await new MockERC20__factory(deployer).deploy("Won stablecoin", "KRWx");
  const unit = 10n ** 18n;
  await token.mint(insurer.address, 1_000_000n * unit);
  await token.mint(hospital.address, 1n);
  await token.connect(insurer).approve(await claims.getAddress(), hre.ethers.MaxUint256);
  const asInsurer = claims.connect(insurer);
  await asInsurer.openProgramme({
    token: await token.getAddress(),
    coveredTypes: (1n << BigInt(RECORD_TYPES.diagnosis)) | (1n << BigInt(RECORD_TYPES["lab-result"])),
    perClaimCap: 5_000n * unit,
    perPatientYearCap: 50_000n * unit,
    autoApproveThreshold: 1_000n * unit,
    copayBps: 2_000,
    filingWindowDays: 30,
    reviewDays: 14,
    disputeDays: 7,
    arbitrator: agency.address,
    openEnrolment: false,
  });
  const rows: GasRow[] = [];
  rows.push({
    key: "claims.deposit",
    operation: "insurer deposit",
    gas: await gasOf(asInsurer.deposit(1, 100_000n * unit)),
  });
  rows.push({
    key: "claims.enrol",
    operation: "enrol a patient",
    ...(await measure(hre, asInsurer.enrol(1, patientId))),
    callsBefore: 1,
  });

  await viaGateway(
    participants,
    patient,
    patientId,
    await consent.getAddress(),
    consent.interface.encodeFunctionData("grant", [
      {
        patientId,
        grantee: insurer.address,
        purpose: PURPOSES["insurance-claim"],
        scopeKind: SCOPES.allRecords,
        scope: [],
        expiresAt: (await time.latest()) + 365 * 86_400,
      },
    ]),
  );
  await time.increase(60);
  const now = await time.latest();
  await records.connect(hospital).registerBatch(
    Array.from({ length: 4 }, (_, i) => ({
      patientId,
      digest: hre.ethers.id(`bench claim ${i}`),
      recordType: RECORD_TYPES["lab-result"],
      issuedAt: now,
      uri: `ipfs://bafkrei${hre.ethers.id(`claim cid ${i}`).slice(2, 54)}`,
    })),
  );
  const asHospital = claims.connect(hospital);
  const first = await gasOf(asHospital.fileClaim(1, [1], 800n * unit, hospital.address));
  const smallMeasured = await measure(hre, asHospital.fileClaim(1, [2], 800n * unit, hospital.address));
  const small = smallMeasured.gas;
  rows.push({
    key: "claims.smallClaim",
    operation: "small claim, filed, checked and paid",
    gas: small,
    calls: smallMeasured.calls,
    callsBefore: 8,
    target: 150_000,
    note: `from filing to payment, one transaction; the patient's first claim of a policy year: ${first}`,
  });
  rows.push({
    key: "claims.smallClaim.firstOfYear",
    operation: "small claim, patient's first of the year",
    gas: first,
  });
  rows.push({
    key: "claims.largeClaim",
    operation: "large claim, filed and reserved",
    ...(await measure(hre, asHospital.fileClaim(1, [3], 3_000n * unit, hospital.address))),
    callsBefore: 7,
  });
  rows.push({
    key: "claims.approve",
    operation: "insurer approves a large claim in full",
    gas: await gasOf(asInsurer.approve(3, 2_400n * unit, hre.ethers.encodeBytes32String("ok"))),
  });
  return rows;
}
