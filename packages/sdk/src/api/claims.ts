import { Contract, type Interface, Signature, TypedDataEncoder, ZeroHash, isHexString } from "ethers";

import { BILL_TYPES, type BillMessage, claimsDomain } from "../eip712.ts";
import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed } from "../core.ts";
import { sha256Hex } from "../crypto/cid.ts";
import { enumLabel, parseRecordType, recordTypeName } from "../labels.ts";
import { reasonCode } from "./consent.ts";
import { NO_PERMIT, type TokenPermit, approveIfShort, patientPermit } from "./permit.ts";
import type { HistoryApi } from "./history.ts";

const BPS = 10_000n;
const DAY = 86_400;

/** An insurer's programme, in the units a person thinks in; amounts are token base units. */
export interface ProgrammeInput {
  /** The ERC-20 it pays in; the suite's IST when absent. */
  token?: string;
  /** Record types (names or numbers) the programme covers. */
  coveredTypes: (string | number)[];
  perClaimCap: bigint;
  perPatientYearCap: bigint;
  /** Claims billing at most this are checked and paid when filed. */
  autoApproveThreshold: bigint;
  /** The patient's share, in basis points. */
  copayBps: number;
  filingWindowDays: number;
  /** Days the insurer has to decide a larger claim (1 to 90). */
  reviewDays: number;
  /** Days the claimants have to dispute a partial approval or a rejection (1 to 90). */
  disputeDays: number;
  /** Days the arbitrator has to settle an escalated or disputed claim (1 to 90). */
  arbitrationDays: number;
  /** The public-agency arbitrator's address. */
  arbitrator: string;
  openEnrolment: boolean;
  /**
   * Whether a claim paying the hospital also moves the patient's co-payment to the hospital, in the programme's
   * token, when it is filed (the patient's attestation carries a permit for it). False when absent.
   */
  copayOnChain?: boolean;
}

/** A programme as the escrow keeps it, with its covered types named. */
export interface ProgrammeView {
  programmeId: bigint;
  insurerId: number;
  arbitratorId: number;
  /** The arbitrator's current address. */
  arbitrator: string;
  token: string;
  coveredTypes: string[];
  perClaimCap: bigint;
  perPatientYearCap: bigint;
  autoApproveThreshold: bigint;
  copayBps: number;
  filingWindowDays: number;
  reviewDays: number;
  disputeDays: number;
  arbitrationDays: number;
  openEnrolment: boolean;
  copayOnChain: boolean;
  startedAt: number;
  /** When it stopped covering new treatments; 0 while open. */
  closedAt: number;
  /** Funds not reserved for claims (an announced withdrawal included until it is executed). */
  free: bigint;
  reserved: bigint;
  /** The insurer's announced withdrawal, if any. */
  withdrawal?: { amount: bigint; executableAt: number; to: string };
}

/** Who a claim pays: the hospital, or the patient who already paid the hospital. */
export type Payee = "hospital" | "patient";

const PAY_TO: Record<Payee, number> = { hospital: 0, patient: 1 };

/**
 * A bill both parties to the care attest: the records of one patient's treatment by one hospital, the amount
 * billed, who is paid, the digest of the itemised bill (kept encrypted off chain, see {@link billDigest}), and
 * the last second it can be attested. The hospital and the patient must attest the very same bill: build it
 * once (`claims.bill`) and pass it between them (`billToJson` / `billFromJson`).
 */
export interface Bill {
  programmeId: bigint;
  recordIds: bigint[];
  amount: bigint;
  payTo: Payee;
  billDigest: string;
  expiresAt: number;
}

/** What `claims.bill` completes into a {@link Bill}. */
export interface BillInput {
  programmeId: bigint | number;
  recordIds: (bigint | number)[];
  amount: bigint;
  /** The hospital when absent. */
  payTo?: Payee;
  /** The digest of the itemised bill's encrypted bytes ({@link billDigest}). */
  billDigest: string;
  /** The chain's now plus seven days when absent. */
  expiresAt?: number;
}

/** A bill with the hospital's EIP-712 signature: what the patient's attestation carries to file it at once. */
export interface SignedBill {
  bill: Bill;
  /** The bill's EIP-712 hash, which names it on chain. */
  billHash: string;
  signature: string;
}

/** An EIP-2612 permit by the patient for the co-payment, as `fileClaim` takes it. */
export type CopayPermit = TokenPermit;

/** A claim as the escrow keeps it, with its status and payee named. */
export interface ClaimView {
  claimId: bigint;
  patientId: bigint;
  programmeId: number;
  hospitalId: number;
  status: string;
  /** The party paid: payments go to its address at the time they are made. */
  payTo: Payee;
  /** That party's current address. */
  payee: string;
  year: number;
  billed: bigint;
  due: bigint;
  paid: bigint;
  /** The deadline of the current step (0 once final, or when paid at filing). */
  deadline: number;
}

/**
 * Who makes a party's move: the hospital itself (a direct call), or the patient through the directory's
 * gateway (sent by its key, or relayed with `miip.gasless`). By default the patient when the client acts for a
 * patient (`gasless` or `forPatient`) or its signer is a patient's current address, else the institution.
 */
export interface ClaimantOption {
  by?: "patient" | "institution";
}

/** How a party attests a bill. */
export interface AttestOptions extends ClaimantOption {
  /**
   * The hospital's signature of the bill, carried by the patient's attestation so that one action files the
   * claim (taken from a {@link SignedBill} when one is attested).
   */
  hospitalSignature?: string;
  /**
   * The patient's permit for the co-payment. "auto" (the default): when the programme moves co-payments on chain,
   * the bill pays the hospital, the signer is the patient's own key and its allowance is short, the patient signs
   * an EIP-2612 permit for exactly the co-payment, which moves in the same action. "none": the patient's existing
   * allowance is used.
   */
  copayPermit?: "auto" | "none" | CopayPermit;
}

/** What an attestation did: filed the claim (and paid it, when small), or left the bill waiting for the other party. */
export interface AttestResult extends TxInfo {
  /** The claim's id (the treatment id of its first record); 0n while the bill waits. */
  claimId: bigint;
  billHash: string;
  /** The bill's patient. */
  patientId: bigint;
  /** "paid" (at filing), "pending" (reserved for review) or "waiting" (for the other party's attestation). */
  status: string;
  /** Whose attestation the bill waits for. */
  waitingFor?: "hospital" | "patient";
  /** The escrow's share (billed less the co-payment); 0n while waiting. */
  due: bigint;
  /** Paid (or credited) at filing. */
  paidNow: bigint;
  /** The co-payment moved from the patient to the hospital at filing. */
  copaid: bigint;
}

/** What a decision on a claim did. */
export interface DecisionResult extends TxInfo {
  status: string;
  paidNow: bigint;
  /** The deadline of the next step; 0 once final. */
  deadline: number;
}

/**
 * The digest a bill names its itemised document by (and a dispute its evidence): SHA-256 of the bytes kept off
 * chain, the encrypted document as records name theirs, so that the digest reveals nothing of the care.
 */
export function billDigest(document: Uint8Array): string {
  return sha256Hex(document);
}

/** The bill as `fileClaim` and the EIP-712 signature take it. */
export function billMessage(bill: Bill): BillMessage {
  if (!(bill.payTo in PAY_TO)) throw new MIIPClientError(`a bill pays "hospital" or "patient", not "${bill.payTo}"`);
  return {
    programmeId: BigInt(bill.programmeId),
    recordIds: bill.recordIds.map(BigInt),
    amount: BigInt(bill.amount),
    payTo: PAY_TO[bill.payTo],
    billDigest: bill.billDigest,
    expiresAt: BigInt(bill.expiresAt),
  };
}

/** A bill (or a signed one) as JSON, to hand from one party to the other (a file, a QR code, a message). */
export function billToJson(value: Bill | SignedBill): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Reads a bill, or a signed bill, written by {@link billToJson}; a MIIPClientError for anything else. */
export function billFromJson(json: unknown): { bill: Bill; signature?: string } {
  const value = (typeof json === "string" ? JSON.parse(json) : json) as Record<string, unknown> | null;
  const raw = (value && typeof value.bill === "object" ? value.bill : value) as Record<string, unknown> | null;
  const integer = (x: unknown) => typeof x === "number" || (typeof x === "string" && /^\d+$/.test(x));
  if (
    !raw ||
    !integer(raw.programmeId) ||
    !Array.isArray(raw.recordIds) ||
    !raw.recordIds.every(integer) ||
    !integer(raw.amount) ||
    !(typeof raw.payTo === "string" && raw.payTo in PAY_TO) ||
    !(typeof raw.billDigest === "string" && isHexString(raw.billDigest, 32)) ||
    !integer(raw.expiresAt)
  ) {
    throw new MIIPClientError("not a bill: programmeId, recordIds, amount, payTo, billDigest and expiresAt expected");
  }
  const bill: Bill = {
    programmeId: BigInt(raw.programmeId as string),
    recordIds: (raw.recordIds as string[]).map(BigInt),
    amount: BigInt(raw.amount as string),
    payTo: raw.payTo as Payee,
    billDigest: raw.billDigest,
    expiresAt: Number(raw.expiresAt),
  };
  const signature = value && typeof value.signature === "string" ? value.signature : undefined;
  return { bill, signature };
}

/**
 * Insurance claims in escrow: programmes, funds, enrolment, bills both parties attest, reviews, disputes,
 * arbitration, default outcomes, credits.
 */
export class ClaimsApi {
  constructor(
    private readonly core: Core,
    private readonly history: HistoryApi,
  ) {}

  // ------------------------------------------------------------------------------------ the insurer

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
      arbitrationDays: input.arbitrationDays,
      arbitrator: input.arbitrator,
      openEnrolment: input.openEnrolment,
      copayOnChain: input.copayOnChain ?? false,
    };
    const info = await this.core.send(() => this.core.contracts.claims.openProgramme(config));
    return { ...info, programmeId: eventNamed(info, "ProgrammeOpened").programmeId as bigint };
  }

  /** The insurer stops covering new treatments; claims already filed go on. */
  async closeProgramme(programmeId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.claims.closeProgramme(programmeId));
  }

  /**
   * The insurer deposits into its programme, approving the escrow first when its allowance is short (that
   * approval is a transaction of its own, included in the result's gas).
   */
  async deposit(programmeId: bigint | number, amount: bigint): Promise<TxInfo & { free: bigint }> {
    const { config } = await this.core.read(() => this.core.contracts.claims.getProgramme(programmeId));
    const approvalGas = await approveIfShort(this.core, config.token, this.core.deployment.ClaimEscrow, amount);
    const info = await this.core.send(() => this.core.contracts.claims.deposit(programmeId, amount));
    return { ...info, gasUsed: info.gasUsed + approvalGas, free: eventNamed(info, "Deposited").free as bigint };
  }

  /**
   * The insurer announces a withdrawal of free funds (to itself by default), executable after the escrow's
   * notice (`withdraw`): until then the funds stay free and claims are filed against them.
   */
  async announceWithdrawal(
    programmeId: bigint | number,
    amount: bigint,
    to?: string,
  ): Promise<TxInfo & { amount: bigint; to: string; executableAt: number }> {
    const recipient = to ?? (await this.core.address());
    const info = await this.core.send(() =>
      this.core.contracts.claims.announceWithdrawal(programmeId, amount, recipient),
    );
    const announced = eventNamed(info, "WithdrawalAnnounced");
    return { ...info, amount, to: recipient, executableAt: Number(announced.executableAt) };
  }

  /**
   * The insurer executes its announced withdrawal once the notice has passed: the amount announced, or what is
   * still free if claims took part of it meanwhile.
   */
  async withdraw(programmeId: bigint | number): Promise<TxInfo & { amount: bigint; to: string; free: bigint }> {
    const info = await this.core.send(() => this.core.contracts.claims.withdraw(programmeId));
    const withdrawn = eventNamed(info, "Withdrawn");
    return {
      ...info,
      amount: withdrawn.amount as bigint,
      to: withdrawn.to as string,
      free: withdrawn.free as bigint,
    };
  }

  /** The insurer enrols a patient (by id); treatments from now on are covered. */
  async enrol(programmeId: bigint | number, patientId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.claims.enrol(programmeId, patientId));
  }

  /** The insurer ends a patient's cover for new treatments; claims already filed go on. */
  async endCover(programmeId: bigint | number, patientId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.claims.endCover(programmeId, patientId));
  }

  /** The patient joins a programme with open enrolment, through the gateway (relayed with `miip.gasless`). */
  async join(programmeId: bigint | number): Promise<TxInfo> {
    return this.core.sendPatient("ClaimEscrow", this.encode("join", [programmeId]));
  }

  // ------------------------------------------------------------------------------------ bills

  /** Completes a bill: the hospital as payee and an expiry seven days from the chain's now unless given. */
  async bill(input: BillInput): Promise<Bill> {
    if (!isHexString(input.billDigest, 32)) {
      throw new MIIPClientError(`billDigest must be 32 bytes of hex (billDigest(document)), got "${input.billDigest}"`);
    }
    return {
      programmeId: BigInt(input.programmeId),
      recordIds: input.recordIds.map(BigInt),
      amount: input.amount,
      payTo: input.payTo ?? "hospital",
      billDigest: input.billDigest,
      expiresAt: input.expiresAt ?? (await this.core.now()) + 7 * DAY,
    };
  }

  /** A bill's EIP-712 hash in this deployment's escrow domain: what the hospital signs, and what names the bill. */
  billHash(bill: Bill): string {
    return TypedDataEncoder.hash(this.domain(), BILL_TYPES, billMessage(bill));
  }

  /**
   * The hospital signs a bill off chain (EIP-712, domain "MIIP Claims" of the escrow): no gas, and the patient's
   * attestation carrying the signature files the claim, and pays a small one, in one action.
   */
  async signBill(bill: Bill): Promise<SignedBill> {
    const signature = await this.core.signer.signTypedData(this.domain(), BILL_TYPES, billMessage(bill));
    return { bill, billHash: this.billHash(bill), signature };
  }

  /**
   * A party attests a bill. The hospital calls the escrow itself; the patient attests through the directory's
   * gateway (relayed, the patient needs no ETH, with `miip.gasless(relayer)`), carrying the hospital's signature
   * when it has one (pass the {@link SignedBill}) and, for a co-payment moved on chain, its own permit for it.
   * When the other party's attestation is there (on chain, or as the signature), the claim is filed: a small one
   * is paid at once, a larger one reserved for review. Otherwise the bill waits (`status` "waiting").
   */
  async attest(bill: Bill | SignedBill, options: AttestOptions = {}): Promise<AttestResult> {
    const signed = "bill" in bill ? bill : undefined;
    const plain = signed ? signed.bill : (bill as Bill);
    const message = billMessage(plain);
    const hospitalSignature = options.hospitalSignature ?? signed?.signature;
    const byPatient = hospitalSignature !== undefined ? options.by !== "institution" : await this.byPatient(options);
    let info: TxInfo;
    if (byPatient) {
      if (plain.payTo === "hospital") await this.refuseIfInvoicePaid(plain);
      const permit = await this.copayPermit(plain, options.copayPermit ?? "auto");
      info = await this.core.sendPatient(
        "ClaimEscrow",
        this.encode("fileClaim", [message, hospitalSignature ?? "0x", permit]),
      );
    } else {
      if (hospitalSignature !== undefined) {
        throw new MIIPClientError("the hospital attests by calling: its own signature is for the patient to carry");
      }
      info = await this.core.send(() => this.core.contracts.claims.fileClaim(message, "0x", NO_PERMIT));
    }
    const filed = info.events.find((e) => e.name === "ClaimFiled");
    if (!filed) {
      const attested = eventNamed(info, "BillAttested");
      const by = enumLabel("Party", attested.by as bigint);
      return {
        ...info,
        claimId: 0n,
        billHash: attested.billHash as string,
        patientId: attested.patient as bigint,
        status: "waiting",
        waitingFor: by === "hospital" ? "patient" : "hospital",
        due: 0n,
        paidNow: 0n,
        copaid: 0n,
      };
    }
    const a = filed.args;
    const status = enumLabel("ClaimStatus", a.status as bigint);
    return {
      ...info,
      claimId: a.claimId as bigint,
      billHash: a.billHash as string,
      patientId: a.patient as bigint,
      status,
      due: a.due as bigint,
      // A claim paid at once says so in ClaimFiled (status paid): its whole share was paid (or credited).
      paidNow: status === "paid" ? (a.due as bigint) : 0n,
      copaid: a.copaid as bigint,
    };
  }

  /** A party to a bill (the hospital, or the patient through the gateway) cancels it before it is filed. */
  async cancelBill(bill: Bill, option: ClaimantOption = {}): Promise<TxInfo> {
    const message = billMessage(bill);
    return (await this.byPatient(option))
      ? this.core.sendPatient("ClaimEscrow", this.encode("cancelBill", [message]))
      : this.core.send(() => this.core.contracts.claims.cancelBill(message));
  }

  /**
   * Where a bill stands: which party's attestation waits on chain for the other's (nothing waits once it is
   * filed), whether it was cancelled, and (given the bill) the claim that holds its first record's treatment,
   * if filed (0n otherwise).
   */
  async billState(
    bill: Bill | string,
  ): Promise<{ billHash: string; hospital: boolean; patient: boolean; cancelled: boolean; claimId?: bigint }> {
    const { claims } = this.core.contracts;
    const billHash = typeof bill === "string" ? bill : this.billHash(bill);
    const [hospital, patient, cancelled] = await this.core.read(() => claims.billState(billHash));
    if (typeof bill === "string") return { billHash, hospital, patient, cancelled };
    const claimId = await this.core.read(() => claims.claimOfRecord(bill.recordIds[0]));
    return { billHash, hospital, patient, cancelled, claimId };
  }

  /**
   * A bill one party attested on chain, found by its hash in its `BillAttested` event: what the other party
   * reviews before attesting it too. A MIIPClientError when no party attested it.
   */
  async attestedBill(billHash: string): Promise<{ bill: Bill; by: string; patientId: bigint; hospitalId: number }> {
    const { claims } = this.core.contracts;
    const logs = await this.history.logs(claims, claims.filters.BillAttested(billHash));
    const last = logs.at(-1);
    if (!last) throw new MIIPClientError(`no party attested bill ${billHash} on chain`);
    const b = last.args.bill;
    return {
      bill: {
        programmeId: b.programmeId,
        recordIds: [...b.recordIds],
        amount: b.amount,
        payTo: enumLabel("PayTo", b.payTo) as Payee,
        billDigest: b.billDigest,
        expiresAt: Number(b.expiresAt),
      },
      by: enumLabel("Party", last.args.by),
      patientId: last.args.patient,
      hospitalId: Number(last.args.hospitalId),
    };
  }

  // ------------------------------------------------------------------------------------ decisions

  /** The insurer approves a pending claim before its review deadline, in full or in part. */
  async approve(claimId: bigint | number, amount: bigint, reason = "approved"): Promise<DecisionResult> {
    return this.decided(
      await this.core.send(() => this.core.contracts.claims.approve(claimId, amount, reasonCode(reason))),
    );
  }

  /** The insurer rejects a pending claim before its review deadline, with a reason code. */
  async reject(claimId: bigint | number, reason: string): Promise<DecisionResult> {
    return this.decided(await this.core.send(() => this.core.contracts.claims.reject(claimId, reasonCode(reason))));
  }

  /**
   * A claimant (the hospital, or the patient through the gateway) disputes a partial approval or a rejection
   * within the dispute window, naming its evidence by digest ({@link billDigest} of the evidence kept off chain).
   */
  async dispute(
    claimId: bigint | number,
    reason: string,
    evidenceDigest: string,
    option: ClaimantOption = {},
  ): Promise<DecisionResult> {
    const args = [claimId, reasonCode(reason), evidenceDigest] as const;
    return this.decided(
      (await this.byPatient(option))
        ? await this.core.sendPatient("ClaimEscrow", this.encode("dispute", args))
        : await this.core.send(() => this.core.contracts.claims.dispute(...args)),
    );
  }

  /** The programme's arbitrator settles an escalated or disputed claim before its deadline; final. */
  async arbitrate(claimId: bigint | number, award: bigint, reason: string): Promise<DecisionResult> {
    return this.decided(
      await this.core.send(() => this.core.contracts.claims.arbitrate(claimId, award, reasonCode(reason))),
    );
  }

  /**
   * Anyone applies a claim's default outcome once its current step's deadline has passed: a pending claim the
   * insurer did not review pays its threshold share and goes to the arbitrator; an undisputed decision stands;
   * an escalated claim the arbitrator did not settle pays the rest; a disputed one keeps the insurer's decision.
   */
  async applyDefault(claimId: bigint | number): Promise<DecisionResult> {
    return this.decided(await this.core.send(() => this.core.contracts.claims.applyDefault(claimId)));
  }

  /**
   * A party withdraws what could not be transferred to it (a credit follows the party, not the address): an
   * institution from its current address, a patient with its own key through the gateway (relayed with
   * `miip.gasless`; a guardian cannot). To the signer's address unless `to` is given; the suite's IST by default.
   */
  async withdrawCredit(token?: string, to?: string, option: ClaimantOption = {}): Promise<TxInfo> {
    const args = [token ?? this.core.deployment.INSSETToken, to ?? (await this.core.address())] as const;
    return (await this.byPatient(option))
      ? this.core.sendPatient("ClaimEscrow", this.encode("withdrawCredit", args))
      : this.core.send(() => this.core.contracts.claims.withdrawCredit(...args));
  }

  /** A party's credit: what failed to reach the hospital (by institution id) or the patient (by patient id). */
  async creditOf(party: Payee, id: bigint | number, token?: string): Promise<bigint> {
    return this.core.read(() =>
      this.core.contracts.claims.creditOf(token ?? this.core.deployment.INSSETToken, PAY_TO[party], id),
    );
  }

  // ------------------------------------------------------------------------------------ views

  /** One claim, with its real amounts even when paid at filing; a MIIPError `ClaimsUnknownClaim` if none. */
  async get(claimId: bigint | number): Promise<ClaimView> {
    const { claims, participants } = this.core.contracts;
    const c = await this.core.read(() => claims.getClaim(claimId));
    const payTo = enumLabel("PayTo", c.payTo) as Payee;
    const payee =
      payTo === "hospital"
        ? await participants.accountOf(c.hospitalId)
        : await participants.patientAccount(c.patientId);
    return {
      claimId: BigInt(claimId),
      patientId: c.patientId,
      programmeId: Number(c.programmeId),
      hospitalId: Number(c.hospitalId),
      status: enumLabel("ClaimStatus", c.status),
      payTo,
      payee,
      year: Number(c.year),
      billed: c.billed,
      due: c.due,
      paid: c.paid,
      deadline: Number(c.deadline),
    };
  }

  /** The claim that claimed a record's treatment, whichever version of it is named; 0n if none. */
  async claimOfRecord(recordId: bigint | number): Promise<bigint> {
    return this.core.read(() => this.core.contracts.claims.claimOfRecord(recordId));
  }

  /** A programme; a MIIPError `ClaimsUnknownProgramme` if none. */
  async programme(programmeId: bigint | number): Promise<ProgrammeView> {
    const p = await this.core.read(() => this.core.contracts.claims.getProgramme(programmeId));
    const c = p.config;
    const coveredTypes: string[] = [];
    for (let t = 1; t < 128; t++) if ((c.coveredTypes >> BigInt(t)) & 1n) coveredTypes.push(recordTypeName(t));
    return {
      programmeId: BigInt(programmeId),
      insurerId: Number(p.insurerId),
      arbitratorId: Number(p.arbitratorId),
      arbitrator: c.arbitrator,
      token: c.token,
      coveredTypes,
      perClaimCap: c.perClaimCap,
      perPatientYearCap: c.perPatientYearCap,
      autoApproveThreshold: c.autoApproveThreshold,
      copayBps: Number(c.copayBps),
      filingWindowDays: Number(c.filingWindowDays),
      reviewDays: Number(c.reviewDays),
      disputeDays: Number(c.disputeDays),
      arbitrationDays: Number(c.arbitrationDays),
      openEnrolment: c.openEnrolment,
      copayOnChain: c.copayOnChain,
      startedAt: Number(p.startedAt),
      closedAt: Number(p.closedAt),
      free: p.free,
      reserved: p.reserved,
      withdrawal:
        p.withdrawal.executableAt === 0n
          ? undefined
          : { amount: p.withdrawal.amount, executableAt: Number(p.withdrawal.executableAt), to: p.withdrawal.to },
    };
  }

  /** A patient's cover periods in a programme: the current (or last) one and the one before (0: none, or running). */
  async cover(programmeId: bigint | number, patientId: bigint | number) {
    const [enrolledAt, endedAt, previousEnrolledAt, previousEndedAt] = await this.core.read(() =>
      this.core.contracts.claims.coverOf(programmeId, patientId),
    );
    return {
      enrolledAt: Number(enrolledAt),
      endedAt: Number(endedAt),
      previousEnrolledAt: Number(previousEnrolledAt),
      previousEndedAt: Number(previousEndedAt),
    };
  }

  // ------------------------------------------------------------------------------------ internals

  private domain() {
    return claimsDomain(this.core.chainId, this.core.deployment.ClaimEscrow);
  }

  private encode(fn: string, args: readonly unknown[]): string {
    return (this.core.contracts.claims.interface as Interface).encodeFunctionData(fn, args);
  }

  /** Whether this client's move is the patient's: as told, in a patient mode, or when the signer is a patient's. */
  private async byPatient(option: ClaimantOption): Promise<boolean> {
    if (option.by !== undefined) return option.by === "patient";
    const mode = this.core.patientMode;
    if (mode.relayer !== undefined || mode.patientId !== undefined) return true;
    const [, current] = await this.core.contracts.participants.patientOf(await this.core.address());
    return current;
  }

  private decided(info: TxInfo): DecisionResult {
    const decided = eventNamed(info, "ClaimDecided");
    return {
      ...info,
      status: enumLabel("ClaimStatus", decided.status as bigint),
      paidNow: decided.paidNow as bigint,
      deadline: Number(decided.deadline),
    };
  }

  /**
   * The permit the patient's attestation carries for the bill's co-payment, when one is needed and the signer
   * can give it: the programme moves co-payments on chain, the bill pays the hospital, there is a co-payment,
   * the patient's allowance to the escrow is short, the signer is the patient's own current key (a guardian
   * cannot sign for the patient's tokens) and the token has EIP-2612 permits.
   */
  /**
   * The patient's check before attesting a bill that pays the hospital: if the patient already paid an invoice
   * for one of its treatments (`invoices.pay`), the hospital was paid for that care, and the claim must pay the
   * patient instead. The chain does not make this check (the escrow does not read invoices): the patient's
   * attestation is what stops a hospital from being paid twice this way.
   */
  private async refuseIfInvoicePaid(bill: Bill): Promise<void> {
    const { payments } = this.core.contracts;
    for (const recordId of bill.recordIds) {
      const key = await this.core.read(() => payments.careKey(0, 0, "0x" + recordId.toString(16).padStart(64, "0")));
      const invoiceId = await payments.invoiceOfCare(key);
      if (invoiceId !== 0n && (await payments.getInvoice(invoiceId)).status === 2n) {
        throw new MIIPClientError(
          `record ${recordId}: the patient paid invoice ${invoiceId} for this treatment; a claim must pay the patient (payTo "patient")`,
        );
      }
    }
  }

  private async copayPermit(bill: Bill, choice: "auto" | "none" | CopayPermit): Promise<CopayPermit> {
    if (choice === "none") return NO_PERMIT;
    if (typeof choice === "object") return choice;
    if (bill.payTo !== "hospital") return NO_PERMIT;
    const { config } = await this.core.read(() => this.core.contracts.claims.getProgramme(bill.programmeId));
    if (!config.copayOnChain) return NO_PERMIT;
    const amount = BigInt(bill.amount);
    const copay = amount - (amount * (BPS - BigInt(config.copayBps))) / BPS;
    return patientPermit(this.core, config.token, this.core.deployment.ClaimEscrow, copay);
  }
}
