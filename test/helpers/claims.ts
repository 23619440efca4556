import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";

import { SCOPES } from "../../config/eip712";
import { PURPOSES, RECORD_TYPES } from "../../config/roles";
import { MockERC20__factory, type ClaimEscrow } from "../../typechain-types";
import type { IClaimEscrow, IClaimProgrammes } from "../../typechain-types/contracts/claims/ClaimEscrow";
import { onboard, onboardedFixture } from "./fixtures";
import { asPatient } from "./patients";

export const DAY = 86_400;
export const KRW = (n: number) => BigInt(n) * 10n ** 18n;
export const Status = {
  None: 0,
  Pending: 1,
  Paid: 2,
  PartiallyApproved: 3,
  Rejected: 4,
  Escalated: 5,
  Disputed: 6,
  Settled: 7,
};
export const PayTo = { Hospital: 0, Patient: 1 };
export const Party = { Anyone: 0, Patient: 1, Hospital: 2, Insurer: 3, Arbitrator: 4 };
export const NO_PERMIT: IClaimEscrow.CopayPermitStruct = {
  deadline: 0,
  v: 0,
  r: hre.ethers.ZeroHash,
  s: hre.ethers.ZeroHash,
};
export const code = (text: string) => hre.ethers.encodeBytes32String(text);
export const bits = (...types: number[]) => types.reduce((acc, t) => acc | (1n << BigInt(t)), 0n);

/**
 * The EIP-712 type a hospital signs to attest a bill, written here from the contract's typehash on purpose rather
 * than imported from config/eip712.ts: the escrow's tests then also catch the SDK's copy drifting from the contract
 * (test/sdk/client.test.ts "signs bills as the escrow hashes them …" checks that copy against BILL_TYPEHASH).
 */
export const BILL_TYPES = {
  Bill: [
    { name: "programmeId", type: "uint256" },
    { name: "recordIds", type: "uint256[]" },
    { name: "amount", type: "uint96" },
    { name: "payTo", type: "uint8" },
    { name: "billDigest", type: "bytes32" },
    { name: "expiresAt", type: "uint40" },
  ],
};

/** The hospital's EIP-712 signature of a bill, for the escrow at its proxy. */
export async function signBill(claims: ClaimEscrow, signer: Signer, bill: IClaimEscrow.BillStruct): Promise<string> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  const domain = { name: "MIIP Claims", version: "1", chainId, verifyingContract: await claims.getAddress() };
  return signer.signTypedData(domain, BILL_TYPES, bill);
}

/** For every token: the escrow's balance covers every programme's free and reserved funds and every credit. */
export async function solvency(claims: ClaimEscrow, tokenAddress: string): Promise<{ balance: bigint; owed: bigint }> {
  let owed = await claims.totalCredits(tokenAddress);
  const count = Number(await claims.programmeCount());
  for (let id = 1; id <= count; id++) {
    const p = await claims.getProgramme(id);
    if (p.config.token === tokenAddress) owed += p.free + p.reserved;
  }
  const token = MockERC20__factory.connect(tokenAddress, hre.ethers.provider);
  return { balance: await token.balanceOf(await claims.getAddress()), owed };
}

/** The escrow of the last fixture built, so that a test file's afterEach can check the state a test leaves. */
export const lastEscrow: { claims?: ClaimEscrow } = {};

/**
 * The suite with an agency, a won stablecoin, programme 1 (50,000 deposited; threshold 1,000; co-payment 20%;
 * closed enrolment) with patients A and B enrolled, records 1-4 of patient A (lab result, imaging, diagnosis,
 * vaccination) and 5 of patient B (lab result) by the hospital, and patient A's consent for the insurer.
 */
async function escrowBuilt() {
  const suite = await onboardedFixture();
  const { participants, registrar, records, consent, claims, hospital, insurer, patientA, deployer, agency, ids } =
    suite;
  await onboard(participants, registrar, { account: agency, kind: "public-health-agency", name: "NHIS Review Board" });
  lastEscrow.claims = claims;
  const token = await new MockERC20__factory(deployer).deploy("Won stablecoin", "KRWx");
  await token.mint(insurer.address, KRW(1_000_000));
  const config = (
    overrides: Partial<IClaimProgrammes.ProgrammeConfigStruct> = {},
  ): IClaimProgrammes.ProgrammeConfigStruct => ({
    token: token.target as string,
    coveredTypes: bits(
      RECORD_TYPES.diagnosis,
      RECORD_TYPES.prescription,
      RECORD_TYPES["lab-result"],
      RECORD_TYPES.imaging,
    ),
    perClaimCap: KRW(5_000),
    perPatientYearCap: KRW(10_000),
    autoApproveThreshold: KRW(1_000),
    copayBps: 2_000,
    filingWindowDays: 30,
    reviewDays: 14,
    disputeDays: 7,
    arbitrationDays: 21,
    arbitrator: agency.address,
    openEnrolment: false,
    copayOnChain: false,
    ...overrides,
  });
  const asInsurer = claims.connect(insurer);
  const asHospital = claims.connect(hospital);
  await asInsurer.openProgramme(config());
  await token.connect(insurer).approve(await claims.getAddress(), hre.ethers.MaxUint256);
  await asInsurer.deposit(1, KRW(50_000));
  await asInsurer.enrol(1, ids.patientA);
  await asInsurer.enrol(1, ids.patientB);
  await time.increase(60);
  let n = 0;
  const record = async (patientId: bigint, recordType: number) => {
    n += 1;
    return {
      patientId,
      digest: hre.ethers.id(`claim doc ${n}`),
      recordType,
      issuedAt: await time.latest(),
      uri: `ipfs://c${n}`,
    };
  };
  await records
    .connect(hospital)
    .registerBatch([
      await record(ids.patientA, RECORD_TYPES["lab-result"]),
      await record(ids.patientA, RECORD_TYPES.imaging),
      await record(ids.patientA, RECORD_TYPES.diagnosis),
      await record(ids.patientA, RECORD_TYPES.vaccination),
      await record(ids.patientB, RECORD_TYPES["lab-result"]),
    ]);
  /** The patient lets the insurer read all its records for insurance claims, through the directory's gateway. */
  const grantInsurer = async (patient: HardhatEthersSigner, patientId: bigint, lifetime = 365 * DAY) =>
    asPatient(participants, patient, patientId, consent, "grant", [
      {
        patientId,
        grantee: insurer.address,
        purpose: PURPOSES["insurance-claim"],
        scopeKind: SCOPES.allRecords,
        scope: [],
        expiresAt: (await time.latest()) + lifetime,
      },
    ]);
  await grantInsurer(patientA, ids.patientA);

  /** A bill of programme 1 paying the hospital, valid 30 days; override any field. */
  const bill = async (overrides: Partial<IClaimEscrow.BillStruct> = {}): Promise<IClaimEscrow.BillStruct> => ({
    programmeId: 1,
    recordIds: [1],
    amount: KRW(1_000),
    payTo: PayTo.Hospital,
    billDigest: hre.ethers.id(
      `itemised bill ${JSON.stringify(overrides, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`,
    ),
    expiresAt: (await time.latest()) + 30 * DAY,
    ...overrides,
  });
  /** The hospital attests by calling. */
  const hospitalFiles = (b: IClaimEscrow.BillStruct, from: HardhatEthersSigner = hospital) =>
    claims.connect(from).fileClaim(b, "0x", NO_PERMIT);
  /** The patient attests through the gateway (its own key), with the hospital's signature when given. */
  const patientFiles = (
    b: IClaimEscrow.BillStruct,
    signature = "0x",
    patient: HardhatEthersSigner = patientA,
    patientId: bigint = ids.patientA,
    permit: IClaimEscrow.CopayPermitStruct = NO_PERMIT,
  ) => asPatient(participants, patient, patientId, claims, "fileClaim", [b, signature, permit]);
  /** Both parties in one action: the hospital signs the bill, patient A files it with the signature. */
  const fileBoth = async (b: IClaimEscrow.BillStruct, patient = patientA, patientId = ids.patientA) =>
    patientFiles(b, await signBill(claims, hospital, b), patient, patientId);

  return {
    ...suite,
    token,
    config,
    record,
    grantInsurer,
    asInsurer,
    asHospital,
    bill,
    hospitalFiles,
    patientFiles,
    fileBoth,
  };
}

/** Claim 2: record 2 (imaging) billed 3,000 (due 2,400), attested by both, pending review. */
async function pendingBuilt() {
  const suite = await escrowFixture();
  await suite.fileBoth(await suite.bill({ recordIds: [2], amount: KRW(3_000) }));
  return suite;
}

/** The escrow fixture, built once per test process and restored from its snapshot after (see loadFixture). */
export async function escrowFixture() {
  return loadFixture(escrowBuilt);
}

/** The pending claim, built once per test process and restored from its snapshot after (see loadFixture). */
export async function pendingFixture() {
  return loadFixture(pendingBuilt);
}
