import type { Interface } from "ethers";

import { IERC20__factory } from "../../typechain-types/factories/@openzeppelin/contracts/token/ERC20/IERC20__factory";
import type { Core, TxInfo } from "../core";
import { eventNamed } from "../core";
import { enumLabel, parseRecordType } from "../labels";
import { reasonCode } from "./consent";
import type { HistoryApi } from "./history";

/** An insurer's programme, in the units a person thinks in; amounts are token base units. */
export interface ProgrammeInput {
  /** The ERC-20 it pays in; the suite's IST when absent. */
  token?: string;
  /** Record types (names or numbers) the programme covers. */
  coveredTypes: (string | number)[];
  perClaimCap: bigint;
  perPatientYearCap: bigint;
  /** Claims whose amount due is at most this are checked and paid at once. */
  autoApproveThreshold: bigint;
  /** The patient's share, in basis points. */
  copayBps: number;
  filingWindowDays: number;
  reviewDays: number;
  disputeDays: number;
  /** The public-agency arbitrator's address. */
  arbitrator: string;
  openEnrolment: boolean;
}

/** A claim as the escrow keeps it, with its status named. */
export interface ClaimView {
  claimId: bigint;
  patientId: bigint;
  programmeId: number;
  hospitalId: number;
  status: string;
  year: number;
  billed: bigint;
  due: bigint;
  paid: bigint;
  deadline: number;
  payee: string;
}

/**
 * Who makes a claimant's move: the hospital itself (a direct call), or the patient through the directory's
 * gateway (sent by its key, or relayed with `miip.gasless`). By default the patient when the client acts for a
 * patient (`gasless` or `forPatient`), else the institution.
 */
export interface ClaimantOption {
  by?: "patient" | "institution";
}

/** Insurance claims in escrow: programmes, deposits, enrolment, claims, reviews, disputes, credits. */
export class ClaimsApi {
  constructor(
    private readonly core: Core,
    private readonly history: HistoryApi,
  ) {}

  /** An active insurer opens a programme; returns its id. */
  async openProgramme(input: ProgrammeInput): Promise<TxInfo & { programmeId: bigint }> {
    const coveredTypes = input.coveredTypes.reduce<bigint>((mask, t) => mask | (1n << BigInt(parseRecordType(t))), 0n);
    const config = {
      token: input.token ?? this.core.deployment.INSSETToken,
      coveredTypes,
      perClaimCap: input.perClaimCap,
      perPatientYearCap: input.perPatientYearCap,
      autoApproveThreshold: input.autoApproveThreshold,
      copayBps: input.copayBps,
      filingWindowDays: input.filingWindowDays,
      reviewDays: input.reviewDays,
      disputeDays: input.disputeDays,
      arbitrator: input.arbitrator,
      openEnrolment: input.openEnrolment,
    };
    const info = await this.core.send(() => this.core.contracts.claims.openProgramme(config));
    return { ...info, programmeId: eventNamed(info, "ProgrammeOpened").programmeId as bigint };
  }

  /**
   * The insurer deposits into its programme, approving the escrow first when its allowance is short (that
   * approval is a transaction of its own, included in the result's gas).
   */
  async deposit(programmeId: bigint | number, amount: bigint): Promise<TxInfo & { free: bigint }> {
    const { config } = await this.core.read(() => this.core.contracts.claims.getProgramme(programmeId));
    const owner = await this.core.address();
    const token = IERC20__factory.connect(config.token, this.core.signer);
    let approvalGas = 0n;
    if ((await token.allowance(owner, this.core.deployment.ClaimEscrow)) < amount) {
      approvalGas = (await this.core.send(() => token.approve(this.core.deployment.ClaimEscrow, amount))).gasUsed;
    }
    const info = await this.core.send(() => this.core.contracts.claims.deposit(programmeId, amount));
    return { ...info, gasUsed: info.gasUsed + approvalGas, free: eventNamed(info, "Deposited").free as bigint };
  }

  /** The insurer withdraws unreserved funds. */
  async withdraw(programmeId: bigint | number, amount: bigint, to?: string): Promise<TxInfo> {
    const recipient = to ?? (await this.core.address());
    return this.core.send(() => this.core.contracts.claims.withdraw(programmeId, amount, recipient));
  }

  /** The insurer enrols a patient (by id). */
  async enrol(programmeId: bigint | number, patientId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.claims.enrol(programmeId, patientId));
  }

  /** The patient joins a programme with open enrolment, through the gateway (relayed with `miip.gasless`). */
  async join(programmeId: bigint | number): Promise<TxInfo> {
    return this.core.sendPatient("ClaimEscrow", this.encode("join", [programmeId]));
  }

  private byPatient(option: ClaimantOption): boolean {
    if (option.by !== undefined) return option.by === "patient";
    const mode = this.core.patientMode;
    return mode.relayer !== undefined || mode.patientId !== undefined;
  }

  private encode(fn: string, args: readonly unknown[]): string {
    return (this.core.contracts.claims.interface as Interface).encodeFunctionData(fn, args);
  }

  /**
   * The hospital (or the patient, through the gateway) files a claim for records; a small claim is checked and
   * paid in the same transaction (`paidNow` > 0, status "paid"), a large one waits for review ("pending").
   */
  async file(
    input: {
      programmeId: bigint | number;
      recordIds: (bigint | number)[];
      billed: bigint;
      payee?: string;
    },
    option: ClaimantOption = {},
  ): Promise<TxInfo & { claimId: bigint; status: string; due: bigint; paidNow: bigint }> {
    const byPatient = this.byPatient(option);
    // A patient's claim pays the patient's current address by default, never a guardian's or a relayer's.
    const payee =
      input.payee ??
      (byPatient
        ? await this.core.contracts.participants.patientAccount(await this.core.patientId())
        : await this.core.address());
    const args = [input.programmeId, input.recordIds, input.billed, payee] as const;
    const info = byPatient
      ? await this.core.sendPatient("ClaimEscrow", this.encode("fileClaim", args))
      : await this.core.send(() => this.core.contracts.claims.fileClaim(...args));
    const filed = eventNamed(info, "ClaimFiled");
    const status = enumLabel("ClaimStatus", filed.status as bigint);
    // A claim paid at once says so in ClaimFiled (status paid); nothing else is stored or emitted for it.
    const paidNow = status === "paid" ? (filed.due as bigint) : 0n;
    return { ...info, claimId: filed.claimId as bigint, status, due: filed.due as bigint, paidNow };
  }

  private async decide(info: TxInfo): Promise<TxInfo & { status: string; paidNow: bigint }> {
    const decided = eventNamed(info, "ClaimDecided");
    return { ...info, status: enumLabel("ClaimStatus", decided.status as bigint), paidNow: decided.paidNow as bigint };
  }

  /** The insurer approves a pending claim, in full or in part (with a reason code for the rest). */
  async approve(claimId: bigint | number, amount: bigint, reason = "approved") {
    return this.decide(
      await this.core.send(() => this.core.contracts.claims.approve(claimId, amount, reasonCode(reason))),
    );
  }

  /** The insurer rejects a pending claim with a reason code. */
  async reject(claimId: bigint | number, reason: string) {
    return this.decide(await this.core.send(() => this.core.contracts.claims.reject(claimId, reasonCode(reason))));
  }

  /** The claimant forces approval of a claim the insurer left unreviewed past its deadline. */
  async forceApproval(claimId: bigint | number, option: ClaimantOption = {}) {
    return this.decide(
      this.byPatient(option)
        ? await this.core.sendPatient("ClaimEscrow", this.encode("forceApproval", [claimId]))
        : await this.core.send(() => this.core.contracts.claims.forceApproval(claimId)),
    );
  }

  /** The claimant disputes a partial approval or a rejection. */
  async dispute(claimId: bigint | number, option: ClaimantOption = {}) {
    return this.decide(
      this.byPatient(option)
        ? await this.core.sendPatient("ClaimEscrow", this.encode("dispute", [claimId]))
        : await this.core.send(() => this.core.contracts.claims.dispute(claimId)),
    );
  }

  /** Anyone settles a claim whose dispute window passed. */
  async finalize(claimId: bigint | number) {
    return this.decide(await this.core.send(() => this.core.contracts.claims.finalize(claimId)));
  }

  /** The programme's arbitrator awards part or all of the contested amount; final. */
  async arbitrate(claimId: bigint | number, award: bigint, reason: string) {
    return this.decide(
      await this.core.send(() => this.core.contracts.claims.arbitrate(claimId, award, reasonCode(reason))),
    );
  }

  /** A payee whose payment could not be transferred withdraws the credit kept for it. */
  async withdrawCredit(token?: string, to?: string): Promise<TxInfo> {
    const recipient = to ?? (await this.core.address());
    return this.core.send(() =>
      this.core.contracts.claims.withdrawCredit(token ?? this.core.deployment.INSSETToken, recipient),
    );
  }

  /**
   * One claim; a MIIPError `ClaimsUnknownClaim` if there is none. A claim paid at once stores nothing but its
   * status, so its details come from its `ClaimFiled` event (its `year` and `deadline` read 0).
   */
  async get(claimId: bigint | number): Promise<ClaimView> {
    const { claims } = this.core.contracts;
    const c = await this.core.read(() => claims.getClaim(claimId));
    if (c.patientId === 0n) {
      const [filed] = await this.history.logs(claims, claims.filters.ClaimFiled(claimId));
      const a = filed.args;
      return {
        claimId: BigInt(claimId),
        patientId: a.patient,
        programmeId: Number(a.programmeId),
        hospitalId: Number(a.hospitalId),
        status: enumLabel("ClaimStatus", a.status),
        year: 0,
        billed: a.billed,
        due: a.due,
        paid: a.due,
        deadline: 0,
        payee: a.payee,
      };
    }
    return {
      claimId: BigInt(claimId),
      patientId: c.patientId,
      programmeId: Number(c.programmeId),
      hospitalId: Number(c.hospitalId),
      status: enumLabel("ClaimStatus", c.status),
      year: Number(c.year),
      billed: c.billed,
      due: c.due,
      paid: c.paid,
      deadline: Number(c.deadline),
      payee: c.payee,
    };
  }
}
