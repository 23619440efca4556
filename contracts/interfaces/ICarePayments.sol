// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title ICarePayments
 * @notice Invoices for care, paid by the patient in one gasless action. An active hospital or pharmacy issues an
 * invoice to a patient id: the token, the amount, the due date, the digest of the itemised bill kept off chain, and
 * what it bills. A hospital bills a record it issued for that patient (checked here); one invoice stands per
 * treatment (an amendment chain is one treatment) until it is cancelled, so the same care is not billed twice. A
 * pharmacy bills a dispensing by an opaque reference (the chain names no patient beside a medicine: the reference is
 * a salted commitment the itemised bill reveals to the patient, checked by the patient's client, not here); one
 * invoice stands per reference and issuer. The patient (or a guardian with the act power) pays through the
 * directory's gateway, with an EIP-2612 permit for exactly what is due in the same action. What is due is the amount
 * less what the claim escrow already sent the hospital for the same treatment (the co-payment it moved and what the
 * insurer paid), each claim's sum deducted once across invoices; while a claim paying the hospital is undecided the
 * invoice cannot be paid. Paid once; cancelled only by its issuer and only before it is paid; overdue is a view,
 * never a state that changes what is owed; an issuer that is not active is not paid until it is again (the patient
 * keeps the tokens: nothing is locked). Receipts are events indexed by patient id and institution id.
 * @dev No token is held by this contract: a payment moves from the patient's current address to the issuer's. A
 * token that takes a fee on transfer is refused at payment (the institution must receive exactly what is due).
 */
interface ICarePayments {
    /// @notice Where an invoice stands. Paid and Cancelled are final.
    enum InvoiceStatus {
        None,
        Open,
        Paid,
        Cancelled
    }

    /// @notice What an invoice bills: a record the hospital issued (checked on chain), or a dispensing named by an
    /// opaque reference.
    enum CareKind {
        Record,
        Dispensing
    }

    /**
     * @notice An invoice as issued.
     * @param patientId The patient billed.
     * @param token The token (IST or another ERC-20 without a fee on transfer).
     * @param amount The amount billed.
     * @param dueAt When it is due (later than issuance).
     * @param billDigest The digest of the itemised bill, kept encrypted off chain.
     * @param kind What it bills.
     * @param careRef The record's id (as bytes32) for a record; the dispensing's salted commitment otherwise.
     */
    struct InvoiceInput {
        uint64 patientId;
        IERC20 token;
        uint96 amount;
        uint40 dueAt;
        bytes32 billDigest;
        CareKind kind;
        bytes32 careRef;
    }

    /**
     * @notice An invoice as stored.
     * @param patientId The patient billed.
     * @param institutionId The issuer.
     * @param status Where it stands.
     * @param kind What it bills.
     * @param dueAt When it is due.
     * @param token The token.
     * @param amount The amount billed.
     * @param paid What the patient paid (0 until paid).
     * @param billDigest The itemised bill's digest.
     * @param careRef The reference.
     * @param treatmentId For a record, its treatment (the first version of its amendment chain); 0 otherwise.
     */
    struct Invoice {
        uint64 patientId;
        uint32 institutionId;
        InvoiceStatus status;
        CareKind kind;
        uint40 dueAt;
        IERC20 token;
        uint96 amount;
        uint96 paid;
        bytes32 billDigest;
        bytes32 careRef;
        uint256 treatmentId;
    }

    /**
     * @notice An EIP-2612 permit of the patient's current address for the invoice's token, for exactly what is due.
     * @param deadline The permit's deadline (0: no permit, the patient's existing allowance is used).
     * @param v Signature part.
     * @param r Signature part.
     * @param s Signature part.
     */
    struct PaymentPermit {
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice The record billed is not one the issuer wrote for this patient.
    /// @param recordId The record.
    /// @param patientId The patient billed.
    /// @param institutionId The issuer.
    error PaymentsNotIssuersRecord(uint256 recordId, uint64 patientId, uint32 institutionId);
    /// @notice A hospital billed a dispensing, or a pharmacy a record.
    /// @param institutionId The issuer.
    /// @param kind What it billed.
    error PaymentsWrongCareKind(uint32 institutionId, CareKind kind);
    /// @notice An invoice stands (open or paid) for this care.
    /// @param careKey The care's key ({careKey}).
    /// @param invoiceId The standing invoice.
    error PaymentsCareAlreadyInvoiced(bytes32 careKey, uint256 invoiceId);
    /// @notice No patient has this id.
    /// @param patientId The id.
    error PaymentsUnknownPatient(uint64 patientId);
    /// @notice No invoice has this id.
    /// @param invoiceId The id.
    error PaymentsUnknownInvoice(uint256 invoiceId);
    /// @notice The invoice is not open (paid or cancelled).
    /// @param invoiceId The invoice.
    /// @param status Its status.
    error PaymentsNotOpen(uint256 invoiceId, InvoiceStatus status);
    /// @notice The payer is not the invoice's patient (or a guardian acting for it).
    /// @param invoiceId The invoice.
    /// @param patientId The patient acting.
    error PaymentsNotPatient(uint256 invoiceId, uint64 patientId);
    /// @notice The caller is not the invoice's issuer (at its current address).
    /// @param invoiceId The invoice.
    /// @param caller The caller.
    error PaymentsNotIssuer(uint256 invoiceId, address caller);
    /// @notice A claim paying the hospital for the same treatment is not decided yet: what the invoice deducts is
    /// not known.
    /// @param invoiceId The invoice.
    /// @param claimId The claim.
    error PaymentsClaimUndecided(uint256 invoiceId, uint256 claimId);
    /// @notice The claim escrow sent the hospital money for this treatment in another token than the invoice's.
    /// @param invoiceId The invoice.
    /// @param claimToken The claim's token.
    error PaymentsClaimInOtherToken(uint256 invoiceId, IERC20 claimToken);
    /// @notice The institution received another amount than was due: a token that takes a fee on transfer.
    /// @param due What was due.
    /// @param received What arrived.
    error PaymentsFeeOnTransfer(uint256 due, uint256 received);
    /// @notice An invoice of no amount or no token, due now or in the past, or without a bill or reference.
    /// @param field The first wrong field ("amount", "token", "dueAt", "billDigest", "careRef").
    error PaymentsInvalidInvoice(bytes32 field);

    /// @notice An invoice was issued.
    /// @param invoiceId The new invoice.
    /// @param patientId The patient.
    /// @param institutionId The issuer.
    /// @param token The token.
    /// @param amount The amount billed.
    /// @param dueAt When it is due.
    /// @param billDigest The itemised bill's digest.
    /// @param kind What it bills.
    /// @param careRef The record id, or the dispensing's commitment.
    event InvoiceIssued(
        uint256 indexed invoiceId,
        uint64 indexed patientId,
        uint32 indexed institutionId,
        IERC20 token,
        uint256 amount,
        uint40 dueAt,
        bytes32 billDigest,
        CareKind kind,
        bytes32 careRef
    );
    /// @notice A receipt: an invoice was paid.
    /// @param invoiceId The invoice.
    /// @param patientId The patient.
    /// @param institutionId The issuer, paid at its current address.
    /// @param token The token.
    /// @param paid What the patient paid.
    /// @param deducted What the claim escrow had already sent the hospital for the same treatment, deducted here.
    /// @param claimId That claim (0 if none).
    /// @param actor Zero for the patient's own key; a guardian's commitment otherwise.
    event InvoicePaid(
        uint256 indexed invoiceId,
        uint64 indexed patientId,
        uint32 indexed institutionId,
        IERC20 token,
        uint256 paid,
        uint256 deducted,
        uint256 claimId,
        bytes32 actor
    );
    /// @notice The issuer cancelled an open invoice.
    /// @param invoiceId The invoice.
    /// @param patientId The patient.
    /// @param institutionId The issuer.
    /// @param reasonCode Why.
    event InvoiceCancelled(
        uint256 indexed invoiceId,
        uint64 indexed patientId,
        uint32 indexed institutionId,
        bytes32 reasonCode
    );

    /**
     * @notice An active hospital bills a record it wrote for the patient, or an active pharmacy a dispensing.
     * @dev Reverts with the directory's errors for a caller that is not an active hospital or pharmacy, or
     * {PaymentsInvalidInvoice}, {PaymentsWrongCareKind}, {PaymentsUnknownPatient}, {PaymentsNotIssuersRecord} or
     * {PaymentsCareAlreadyInvoiced}. Emits {InvoiceIssued}.
     * @param input The invoice.
     * @return invoiceId Its id (from 1).
     */
    function issue(InvoiceInput calldata input) external returns (uint256 invoiceId);

    /**
     * @notice The issuer cancels an open invoice; the care it billed may be invoiced again.
     * @dev Reverts with {PaymentsUnknownInvoice}, {PaymentsNotIssuer} or {PaymentsNotOpen}. Emits
     * {InvoiceCancelled}.
     * @param invoiceId The invoice.
     * @param reasonCode Why.
     */
    function cancel(uint256 invoiceId, bytes32 reasonCode) external;

    /**
     * @notice The patient pays an open invoice through the directory's gateway: what is due ({amountDue}) moves
     * from the patient's current address to the issuer's current address, after the permit when one is given (a
     * permit that fails, already used by a front-runner, is ignored: the allowance decides).
     * @dev Reverts with {IPatientDirectory-PatientsNotThroughGateway}, {PaymentsUnknownInvoice}, {PaymentsNotOpen},
     * {PaymentsNotPatient}, {PaymentsClaimUndecided}, {PaymentsClaimInOtherToken}, the directory's errors for an
     * issuer that is not active, the token's errors, or {PaymentsFeeOnTransfer}. Emits {InvoicePaid}.
     * @param invoiceId The invoice.
     * @param permit The permit (a zero deadline for none).
     * @return paid What the patient paid.
     */
    function pay(uint256 invoiceId, PaymentPermit calldata permit) external returns (uint256 paid);

    /// @notice An invoice.
    /// @dev Reverts with {PaymentsUnknownInvoice}.
    /// @param invoiceId The invoice.
    function getInvoice(uint256 invoiceId) external view returns (Invoice memory);

    /**
     * @notice What paying an open invoice would move now: the amount less what the claim escrow sent the hospital
     * for the same treatment and no earlier invoice deducted.
     * @dev Reverts with {PaymentsUnknownInvoice}, {PaymentsNotOpen}, {PaymentsClaimUndecided} or
     * {PaymentsClaimInOtherToken}: a view that cannot give the true amount refuses.
     * @param invoiceId The invoice.
     * @return due What the patient would pay.
     * @return deducted What is deducted.
     * @return claimId The claim deducted from (0 if none).
     */
    function amountDue(uint256 invoiceId) external view returns (uint256 due, uint256 deducted, uint256 claimId);

    /// @notice Whether an open invoice is past its due date (a view only: it changes nothing owed).
    /// @dev Reverts with {PaymentsUnknownInvoice}.
    /// @param invoiceId The invoice.
    function isOverdue(uint256 invoiceId) external view returns (bool);

    /// @notice The invoice standing (open or paid) for a care key, 0 if none.
    /// @param careKey The key ({careKey}).
    function invoiceOfCare(bytes32 careKey) external view returns (uint256);

    /**
     * @notice The key one invoice stands per: the treatment for a record (so that every version of an amendment
     * chain is the same care), the issuer and reference for a dispensing.
     * @dev Reverts with the registry's `RecordsUnknownRecord` for a record that does not exist.
     * @param institutionId The issuer.
     * @param kind What is billed.
     * @param careRef The reference.
     */
    function careKey(uint32 institutionId, CareKind kind, bytes32 careRef) external view returns (bytes32);

    /// @notice What the claim escrow sent for a claim's treatments that invoices already deducted.
    /// @param claimId The claim.
    function deductedFromClaim(uint256 claimId) external view returns (uint256);

    /// @notice The number of invoices issued; ids run from 1 to it.
    function invoiceCount() external view returns (uint256);

    /// @notice The paid invoice that stands for a treatment (0 if none): the claim escrow refuses a hospital's late
    /// attestation of a bill paying it for care its patient already paid by invoice.
    /// @param treatmentId The treatment (the first version of a record's amendment chain).
    function paidInvoiceOf(uint256 treatmentId) external view returns (uint256 invoiceId);
}
