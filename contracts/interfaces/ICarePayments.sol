// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title ICarePayments
 * @notice Invoices for care, paid by the patient in one gasless action. An active hospital or pharmacy issues an
 * invoice to a patient id for care it documented (a record it issued, or a dispensing it made): the token, the
 * amount, the due date and the digest of the itemised bill kept off chain. One invoice is open per reference at a
 * time. The patient (or a guardian with the act power) pays it through the directory's gateway, with an EIP-2612
 * permit for exactly what is due in the same action: the amount less the co-payment the claim escrow already moved
 * for the same treatment. Paid once; cancelled only by its issuer and only before it is paid; overdue is a view,
 * never a state that changes what is owed. Receipts are events indexed by patient id and institution id.
 * @dev Work in progress (issue 19): not yet implemented or deployed. Tokens that take a fee on transfer are refused
 * at payment (the institution must receive exactly what is due).
 */
interface ICarePayments {
    /// @notice Where an invoice stands. Paid and Cancelled are final.
    enum InvoiceStatus {
        None,
        Open,
        Paid,
        Cancelled
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

    /// @notice The caller is not an active hospital or pharmacy.
    /// @param caller The caller.
    error PaymentsNotIssuer(address caller);
    /// @notice The invoice's reference is not care the issuer documented (a record of another issuer or patient).
    /// @param careRef The reference.
    error PaymentsReferenceNotIssuers(bytes32 careRef);
    /// @notice An invoice is already open for this reference.
    /// @param careRef The reference.
    /// @param invoiceId The open invoice.
    error PaymentsReferenceOpen(bytes32 careRef, uint256 invoiceId);
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
    /// @notice The institution received another amount than was due: a token that takes a fee on transfer.
    /// @param due What was due.
    /// @param received What arrived.
    error PaymentsFeeOnTransfer(uint256 due, uint256 received);
    /// @notice An invoice of no amount, or due in the past.
    /// @param field The first wrong field ("amount", "dueAt").
    error PaymentsInvalidInvoice(bytes32 field);

    /// @notice An invoice was issued.
    /// @param invoiceId The new invoice.
    /// @param patientId The patient.
    /// @param institutionId The issuer.
    /// @param token The token.
    /// @param amount The amount billed.
    /// @param dueAt When it is due.
    /// @param billDigest The itemised bill's digest.
    /// @param careRef What it bills (a record id, or a dispensing's key).
    event InvoiceIssued(
        uint256 indexed invoiceId,
        uint64 indexed patientId,
        uint32 indexed institutionId,
        IERC20 token,
        uint256 amount,
        uint40 dueAt,
        bytes32 billDigest,
        bytes32 careRef
    );
    /// @notice A receipt: an invoice was paid.
    /// @param invoiceId The invoice.
    /// @param patientId The patient.
    /// @param institutionId The issuer, paid at its current address.
    /// @param token The token.
    /// @param paid What the patient paid.
    /// @param copaidBefore The co-payment the claim escrow had already moved for the same treatment.
    /// @param actor Zero for the patient's own key; a guardian's commitment otherwise.
    event InvoicePaid(
        uint256 indexed invoiceId,
        uint64 indexed patientId,
        uint32 indexed institutionId,
        IERC20 token,
        uint256 paid,
        uint256 copaidBefore,
        bytes32 actor
    );
    /// @notice The issuer cancelled an open invoice.
    /// @param invoiceId The invoice.
    /// @param institutionId The issuer.
    event InvoiceCancelled(uint256 indexed invoiceId, uint32 indexed institutionId);
}
