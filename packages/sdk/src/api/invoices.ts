import { AbiCoder, type Interface, isHexString, keccak256 } from "ethers";

import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed } from "../core.ts";
import { sha256Hex } from "../crypto/cid.ts";
import { enumLabel } from "../labels.ts";
import { reasonCode } from "./consent.ts";
import type { HistoryApi, HistoryEntry } from "./history.ts";
import { type Page, type Paged, pageOf } from "./paging.ts";
import { NO_PERMIT, type TokenPermit, patientPermit } from "./permit.ts";

const DAY = 86_400;
const CARE_KINDS = { record: 0, dispensing: 1 } as const;

/** What an institution bills (see `invoices.issue`). */
export interface InvoiceInput {
  patientId: bigint | number;
  amount: bigint;
  /** IST when absent. */
  token?: string;
  /** The itemised bill (its bytes, kept encrypted off chain) or its 32-byte digest. */
  bill: Uint8Array | string;
  /** When it is due; the chain's now plus 30 days when absent. */
  dueAt?: number;
  /** A hospital bills a record it wrote for the patient ... */
  recordId?: bigint | number;
  /** ... a pharmacy a dispensing, by its salted commitment ({@link dispensingReference}). */
  dispensing?: string;
}

/** An invoice as the contract holds it, with what follows from it now. */
export interface InvoiceView {
  invoiceId: bigint;
  patientId: bigint;
  institutionId: number;
  /** "open", "paid" or "cancelled". */
  status: string;
  /** "record" or "dispensing". */
  kind: string;
  careRef: string;
  token: string;
  amount: bigint;
  paid: bigint;
  dueAt: number;
  billDigest: string;
  /** For a record, its treatment (the first version of its amendment chain); 0 otherwise. */
  treatmentId: bigint;
  overdue: boolean;
}

/**
 * The dispensed units a patient already paid a pharmacy for, kept on the patient's device (the chain cannot tell: a
 * salt hides the unit). Keys are `<pharmacy id>:<gtin>:<serial>`.
 */
export interface PaidUnitLedger {
  has(unitKey: string): boolean | Promise<boolean>;
  add(unitKey: string): void | Promise<void>;
}

/** The unit a pharmacy's invoice bills, as the patient knows it: its GTIN and serial, and the bill's salt. */
export interface DispensedUnitRef {
  gtin: bigint | number;
  serial: string;
  salt: string;
}

/**
 * The reference a pharmacy bills a dispensing by: `keccak256(abi.encode(gtin, serial, salt))`, with a random salt
 * the itemised bill gives the patient. The chain never sees the unit and the patient together; the patient's
 * client recomputes it from the unit it received and the bill's salt before paying.
 */
export function dispensingReference(gtin: bigint | number, serial: string, salt: string): string {
  if (!isHexString(serial, 32) || !isHexString(salt, 32)) {
    throw new MIIPClientError("a dispensing reference takes a 32-byte serial and a 32-byte salt");
  }
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "bytes32", "bytes32"], [gtin, serial, salt]));
}

/**
 * Invoices for care: a hospital bills a record it wrote, a pharmacy a dispensing; the patient pays in one gasless
 * action (its permit for exactly what is due rides along); what a claim already sent the hospital for the same
 * treatment is deducted by the contract. Receipts are the `InvoicePaid` events, by patient and by institution.
 */
export class InvoicesApi {
  constructor(
    private readonly core: Core,
    private readonly history: HistoryApi,
  ) {}

  private encode(fn: string, args: readonly unknown[]): string {
    return (this.core.contracts.payments.interface as Interface).encodeFunctionData(fn, args);
  }

  /** An active hospital or pharmacy issues an invoice. */
  async issue(input: InvoiceInput): Promise<TxInfo & { invoiceId: bigint }> {
    if ((input.recordId === undefined) === (input.dispensing === undefined)) {
      throw new MIIPClientError("an invoice bills either a record (recordId) or a dispensing (dispensing)");
    }
    const billDigest = typeof input.bill === "string" ? input.bill : sha256Hex(input.bill);
    if (!isHexString(billDigest, 32)) throw new MIIPClientError("bill: the bill's bytes or its 32-byte digest");
    const record = input.recordId !== undefined;
    const onChain = {
      patientId: input.patientId,
      token: input.token ?? this.core.deployment.INSSETToken,
      amount: input.amount,
      dueAt: input.dueAt ?? (await this.core.now()) + 30 * DAY,
      billDigest,
      kind: record ? CARE_KINDS.record : CARE_KINDS.dispensing,
      careRef: record ? "0x" + BigInt(input.recordId!).toString(16).padStart(64, "0") : input.dispensing!,
    };
    const info = await this.core.send(() => this.core.contracts.payments.issue(onChain));
    return { ...info, invoiceId: eventNamed(info, "InvoiceIssued").invoiceId as bigint };
  }

  /** An invoice. */
  async get(invoiceId: bigint | number): Promise<InvoiceView> {
    const { payments } = this.core.contracts;
    const [i, overdue] = await Promise.all([
      this.core.read(() => payments.getInvoice(invoiceId)),
      payments.isOverdue(invoiceId),
    ]);
    return {
      invoiceId: BigInt(invoiceId),
      patientId: i.patientId,
      institutionId: Number(i.institutionId),
      status: enumLabel("InvoiceStatus", i.status),
      kind: enumLabel("CareKind", i.kind),
      careRef: i.careRef,
      token: i.token,
      amount: i.amount,
      paid: i.paid,
      dueAt: Number(i.dueAt),
      billDigest: i.billDigest,
      treatmentId: i.treatmentId,
      overdue,
    };
  }

  /**
   * What paying an open invoice moves now: the amount less what the claim escrow already sent the hospital for
   * the same treatment (refused while such a claim is undecided).
   */
  async amountDue(invoiceId: bigint | number): Promise<{ due: bigint; deducted: bigint; claimId: bigint }> {
    const [due, deducted, claimId] = await this.core.read(() => this.core.contracts.payments.amountDue(invoiceId));
    return { due, deducted, claimId };
  }

  /**
   * The patient pays an invoice through the gateway (gasless with `miip.gasless(relayer)`): with `permit` "auto"
   * (the default) its client signs an EIP-2612 permit for exactly what is due when its allowance is short. The
   * client first checks what the chain cannot: a pharmacy's reference against the unit the patient received and
   * the bill's salt (`dispensing`, required for a dispensing), and, for a record, that the patient has no bill
   * waiting on chain that it attested and that would pay the hospital for the same treatment (the hospital
   * attesting it later would be paid twice; the escrow refuses that too). With `paidUnits`, the device's ledger of the
   * units it paid pharmacies for, a second bill for one unit is refused and a paid one is recorded.
   */
  async pay(
    invoiceId: bigint | number,
    options: { permit?: "auto" | "none" | TokenPermit; dispensing?: DispensedUnitRef; paidUnits?: PaidUnitLedger } = {},
  ): Promise<TxInfo & { paid: bigint; deducted: bigint }> {
    const invoice = await this.get(invoiceId);
    if (invoice.status !== "open") throw new MIIPClientError(`invoice ${invoiceId} is ${invoice.status}`);
    let unitKey: string | undefined;
    if (invoice.kind === "dispensing") {
      const unit = options.dispensing;
      if (!unit) {
        throw new MIIPClientError(
          `invoice ${invoiceId} bills a dispensing: give the unit received and the bill's salt (dispensing) to check it`,
        );
      }
      if (dispensingReference(unit.gtin, unit.serial, unit.salt) !== invoice.careRef.toLowerCase()) {
        throw new MIIPClientError(`invoice ${invoiceId} names another dispensing than the unit and salt given`);
      }
      // A pharmacy could bill the same unit again under a new salt: the device's ledger says whether it was paid.
      unitKey = `${invoice.institutionId}:${BigInt(unit.gtin)}:${unit.serial.toLowerCase()}`;
      if (await options.paidUnits?.has(unitKey)) {
        throw new MIIPClientError(
          `invoice ${invoiceId} bills a unit this patient already paid pharmacy ${invoice.institutionId} for`,
        );
      }
    } else {
      await this.refuseIfBillWaiting(invoice);
    }
    const { due } = await this.amountDue(invoiceId);
    const choice = options.permit ?? "auto";
    const permit =
      typeof choice === "object"
        ? choice
        : choice === "none"
          ? NO_PERMIT
          : await patientPermit(this.core, invoice.token, this.core.deployment.CarePayments, due);
    const info = await this.core.sendPatient("CarePayments", this.encode("pay", [invoiceId, permit]));
    const paid = eventNamed(info, "InvoicePaid");
    if (unitKey !== undefined) await options.paidUnits?.add(unitKey);
    return { ...info, paid: paid.paid as bigint, deducted: paid.deducted as bigint };
  }

  /** A bill the patient attested that waits for the hospital and would pay it for the invoice's treatment. */
  private async refuseIfBillWaiting(invoice: InvoiceView): Promise<void> {
    const { claims, records } = this.core.contracts;
    const logs = await this.history.logs(claims, claims.filters.BillAttested(undefined, undefined, invoice.patientId));
    const now = await this.core.now();
    for (const log of logs) {
      const bill = log.args.bill as unknown as { recordIds: bigint[]; payTo: bigint; expiresAt: bigint };
      if (enumLabel("Party", log.args.by as bigint) !== "patient" || bill.payTo !== 0n || bill.expiresAt < now)
        continue;
      const [hospital, patient, cancelled] = await claims.billState(log.args.billHash as string);
      if (!patient || hospital || cancelled) continue;
      for (const recordId of bill.recordIds) {
        const { treatmentId } = await records.treatment(recordId);
        if (treatmentId === invoice.treatmentId) {
          throw new MIIPClientError(
            `the patient attested bill ${log.args.billHash as string}, waiting for the hospital, which would pay it for this treatment: cancel it (claims.cancelBill) or file it first`,
          );
        }
      }
    }
  }

  /** The issuer cancels an open invoice. */
  async cancel(invoiceId: bigint | number, reason: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.payments.cancel(invoiceId, reasonCode(reason)));
  }

  /** A page of the invoices issued to a patient (the signer's by default), newest first. */
  async ofPatient(patientId?: bigint | number, page: Page = {}): Promise<Paged<InvoiceView>> {
    const id = patientId ?? (await this.core.patientId());
    const { payments } = this.core.contracts;
    const logs = await this.history.logs(payments, payments.filters.InvoiceIssued(undefined, id));
    return this.page(logs.map((log) => log.args.invoiceId as bigint).reverse(), page);
  }

  /** A page of the invoices an institution issued, newest first. */
  async ofInstitution(institutionId: number, page: Page = {}): Promise<Paged<InvoiceView>> {
    const { payments } = this.core.contracts;
    const logs = await this.history.logs(payments, payments.filters.InvoiceIssued(undefined, undefined, institutionId));
    return this.page(logs.map((log) => log.args.invoiceId as bigint).reverse(), page);
  }

  /** Receipts (`InvoicePaid`) of a patient or of an institution, oldest first: the portal's and the books'. */
  async receipts(
    party: { patientId?: bigint | number; institutionId?: number },
    page: Page = {},
  ): Promise<Paged<HistoryEntry>> {
    const { payments } = this.core.contracts;
    const filter = payments.filters.InvoicePaid(undefined, party.patientId, party.institutionId);
    const logs = await this.history.logs(payments, filter);
    return this.history.page(logs, page);
  }

  private async page(ids: bigint[], page: Page): Promise<Paged<InvoiceView>> {
    const { offset, limit } = pageOf(page);
    const entries = await Promise.all(ids.slice(offset, offset + limit).map((id) => this.get(id)));
    return { entries, total: ids.length, offset };
  }
}
