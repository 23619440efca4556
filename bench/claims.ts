import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface } from "ethers";

import { type BillMessage, SCOPES } from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES } from "../config/roles";
import { MockERC20__factory } from "../typechain-types";
import {
  NO_PERMIT,
  copayPermit,
  freshSuite,
  gasOf,
  measure,
  onboardAll,
  relayed,
  signBill,
  viaGateway,
  type GasRow,
} from "./types";

/** Issue 15's ceiling for a small claim from its first filing to its payment, every transaction counted. */
const SMALL_CLAIM_TARGET = 175_000;

/**
 * The claim operations of issues 5 and 15, on the suite as deployed, paying in a plain ERC-20 stablecoin (with
 * EIP-2612 permits). A claim needs both parties' attestation of the same bill: in the measured flow the hospital
 * signs the bill off chain (no transaction) and the patient, whose phone holds no ETH, files it with that
 * signature through the directory's gateway, relayed: one transaction files, checks and pays a small claim. The
 * small claim is the steady state (the patient already has a claim this policy year, the hospital already holds
 * the token); the first claim of a year is reported too.
 */
export async function benchClaims(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants, records, consent, claims } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, hospital, insurer, agency, patient, relayer, deployer] = [
    who("registrar"),
    who("hospital"),
    who("insurer"),
    who("agency"),
    who("patientA"),
    who("relayer"),
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
  const escrow = await claims.getAddress();
  await token.mint(insurer.address, 1_000_000n * unit);
  await token.mint(hospital.address, 1n);
  await token.mint(patient.address, 10_000n * unit);
  await token.connect(insurer).approve(escrow, hre.ethers.MaxUint256);
  const asInsurer = claims.connect(insurer);
  const asHospital = claims.connect(hospital);
  // Programme 1 leaves co-payments off chain; programme 2 moves them from the patient to the hospital.
  for (const copayOnChain of [false, true]) {
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
      arbitrationDays: 21,
      arbitrator: agency.address,
      openEnrolment: false,
      copayOnChain,
    });
  }
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
  await asInsurer.deposit(2, 100_000n * unit);
  await asInsurer.enrol(2, patientId);

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
    Array.from({ length: 10 }, (_, i) => ({
      patientId,
      digest: hre.ethers.id(`bench claim ${i}`),
      recordType: RECORD_TYPES["lab-result"],
      issuedAt: now,
      uri: `ipfs://bafkrei${hre.ethers.id(`claim cid ${i}`).slice(2, 54)}`,
    })),
  );
  const bill = async (programmeId: number, recordId: number, amount: bigint): Promise<BillMessage> => ({
    programmeId: BigInt(programmeId),
    recordIds: [BigInt(recordId)],
    amount,
    payTo: 0,
    billDigest: hre.ethers.id(`itemised bill for record ${recordId}`),
    expiresAt: BigInt((await time.latest()) + 7 * 86_400),
  });
  const encode = (fn: string, args: readonly unknown[]) =>
    (claims.interface as unknown as Interface).encodeFunctionData(fn, args);
  /** The patient's attestation, relayed: carrying the hospital's signature (and a co-payment permit) when given. */
  const patientFiles = (b: BillMessage, signature: string, permit = NO_PERMIT) =>
    relayed(hre, participants, patient, relayer, patientId, escrow, encode("fileClaim", [b, signature, permit]));
  /** Both attestations in one relayed action: the hospital signs off chain, the patient files with it. */
  const signedAndRelayed = async (b: BillMessage, permit = NO_PERMIT) =>
    patientFiles(b, await signBill(hre, claims, hospital, b), permit);

  const first = await gasOf(signedAndRelayed(await bill(1, 1, 800n * unit)));
  const small = await measure(hre, signedAndRelayed(await bill(1, 2, 800n * unit)));
  rows.push({
    key: "claims.smallClaim.signedRelayed",
    operation: "small claim, both attestations: the hospital signs, the patient files relayed; checked and paid",
    gas: small.gas,
    calls: small.calls,
    target: SMALL_CLAIM_TARGET,
    note:
      "issue 15: from the first filing to the payment, every transaction counted: the hospital's signature costs " +
      "no gas, the patient's relayed attestation files, checks and pays (replaces the hospital-only claims.smallClaim); " +
      `the patient's first claim of a policy year: ${first}`,
  });
  rows.push({
    key: "claims.smallClaim.signedRelayed.firstOfYear",
    operation: "small claim, both attestations, patient's first of the year",
    gas: first,
  });

  // The same with the co-payment moved on chain (programme 2), the patient's permit in its attestation.
  const copay = 160n * unit; // 20% of 800
  await signedAndRelayed(await bill(2, 3, 800n * unit), await copayPermit(hre, token, patient, escrow, copay));
  const permitted = await measure(
    hre,
    signedAndRelayed(await bill(2, 4, 800n * unit), await copayPermit(hre, token, patient, escrow, copay)),
  );
  rows.push({
    key: "claims.smallClaim.copayPermit",
    operation: "small claim with its co-payment moved by the patient's permit, one relayed action",
    gas: permitted.gas,
    calls: permitted.calls,
    note:
      `issue 15: as claims.smallClaim.signedRelayed (whose ${SMALL_CLAIM_TARGET} target is for the claim alone), ` +
      `plus ${permitted.gas - small.gas} for the patient's EIP-2612 permit (a signature check, its nonce, the ` +
      "allowance) and the co-payment's transfer to the hospital",
  });

  // Two transactions: the hospital attests on chain, the patient's relayed attestation files and pays.
  const twoSteps = await bill(1, 5, 800n * unit);
  const hospitalGas = await gasOf(asHospital.fileClaim(twoSteps, "0x", NO_PERMIT));
  const patientGas = await gasOf(patientFiles(twoSteps, "0x"));
  rows.push({
    key: "claims.smallClaim.twoSteps",
    operation: "small claim, the hospital attests on chain, the patient confirms relayed (both transactions)",
    gas: hospitalGas + patientGas,
    note: `the hospital's attestation ${hospitalGas}, the patient's confirmation (files and pays) ${patientGas}`,
  });

  const large = await measure(hre, signedAndRelayed(await bill(1, 6, 3_000n * unit)));
  rows.push({
    key: "claims.largeClaim.signedRelayed",
    operation: "large claim, both attestations in one relayed action, filed and reserved",
    ...large,
  });
  rows.push({
    key: "claims.approve",
    operation: "insurer approves a large claim in full",
    gas: await gasOf(asInsurer.approve(6, 2_400n * unit, hre.ethers.encodeBytes32String("ok"))),
  });

  // The insurer stays silent past its review: anyone applies the default outcome, then again after arbitration.
  await signedAndRelayed(await bill(1, 7, 3_000n * unit));
  await time.increase(14 * 86_400 + 1);
  rows.push({
    key: "claims.applyDefault",
    operation: "default outcome of an unreviewed claim: the threshold's share paid, the rest escalated",
    gas: await gasOf(claims.connect(relayer).applyDefault(7)),
  });
  await time.increase(21 * 86_400);
  rows.push({
    key: "claims.applyDefault.escalated",
    operation: "default outcome of an escalated claim nobody arbitrated: the rest paid, settled",
    gas: await gasOf(claims.connect(relayer).applyDefault(7)),
  });
  return rows;
}
