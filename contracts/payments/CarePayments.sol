// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {SuiteService} from "../base/SuiteService.sol";
import {ICarePayments} from "../interfaces/ICarePayments.sol";
import {IClaimEscrow} from "../interfaces/IClaimEscrow.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";

/**
 * @title CarePayments
 * @notice See {ICarePayments}.
 * @dev State in the ERC-7201 namespace `miip.storage.CarePayments`. The contract never holds a token: a payment
 * moves from the patient's current address to the issuer's, so nothing here can be locked. What is due is computed
 * at payment from the claim escrow's own books ({IClaimEscrow-sentToHospital}), never taken from the issuer.
 */
contract CarePayments is SuiteService, ReentrancyGuardTransient, ICarePayments {
    using SafeERC20 for IERC20;

    /// @dev Two slots hold what a payment reads: slot 0: patientId (64) | institutionId (32) | status (8) | kind (8) |
    /// dueAt (40) | treatmentId (104: a record's treatment, kept so that a payment asks the escrow without asking the
    /// registry again); slot 1: token | amount (96). What the patient paid is the amount less what was deducted,
    /// which is written only when a claim's payment was deducted (most payments write one slot).
    struct InvoiceData {
        uint64 patientId;
        uint32 institutionId;
        InvoiceStatus status;
        CareKind kind;
        uint40 dueAt;
        uint104 treatmentId;
        IERC20 token;
        uint96 amount;
        bytes32 billDigest;
        bytes32 careRef;
    }

    /// @custom:storage-location erc7201:miip.storage.CarePayments
    struct PaymentsStorage {
        uint256 invoiceCount;
        mapping(uint256 invoiceId => InvoiceData) invoices;
        mapping(bytes32 careKey => uint256 invoiceId) invoiceOfCare;
        mapping(uint256 claimId => uint256 deducted) deductedFromClaim;
        mapping(uint256 invoiceId => uint256 deducted) deductedOf;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.CarePayments")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x24db34136559a43122751d20d88f762c9e733d5a72ac5dc55862f4a6d2521e00;

    /// @notice The claim escrow whose payments for the same treatment an invoice deducts.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IClaimEscrow public immutable claims;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @param claims_ The claim escrow (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IParticipantRegistry participants_,
        IRecordRegistry records_,
        IClaimEscrow claims_
    ) SuiteService(participants_, records_) {
        claims = claims_;
    }

    /// @notice Sets the access manager.
    /// @param authority The suite's access manager.
    function initialize(address authority) external initializer {
        __AccessManaged_init(authority);
    }

    /// @inheritdoc ICarePayments
    function issue(InvoiceInput calldata input) external returns (uint256 invoiceId) {
        (uint32 institutionId, uint256 treatmentId, bytes32 key) = _checkIssue(input);
        PaymentsStorage storage $ = _storage();
        uint256 standing = $.invoiceOfCare[key];
        if (standing != 0) revert PaymentsCareAlreadyInvoiced(key, standing);
        invoiceId = ++$.invoiceCount;
        $.invoiceOfCare[key] = invoiceId;
        $.invoices[invoiceId] = InvoiceData({
            patientId: input.patientId,
            institutionId: institutionId,
            status: InvoiceStatus.Open,
            kind: input.kind,
            dueAt: input.dueAt,
            // Record ids count up from 1: a treatment id never reaches 2^104 (SafeCast refuses if it did).
            treatmentId: SafeCast.toUint104(treatmentId),
            token: input.token,
            amount: input.amount,
            billDigest: input.billDigest,
            careRef: input.careRef
        });
        emit InvoiceIssued(
            invoiceId,
            input.patientId,
            institutionId,
            input.token,
            input.amount,
            input.dueAt,
            input.billDigest,
            input.kind,
            input.careRef
        );
    }

    /// @dev The caller's institution and the care's key, once the invoice is checked: an active hospital billing
    /// a record it wrote for the patient, or an active pharmacy billing a dispensing.
    function _checkIssue(
        InvoiceInput calldata input
    ) private view returns (uint32 institutionId, uint256 treatmentId, bytes32 key) {
        IParticipantRegistry.Kind kind;
        uint64 patients;
        (institutionId, kind, patients) = _participants.activeInstitutionAndPatients(
            msg.sender,
            Kinds.HOSPITAL | Kinds.PHARMACY
        );
        if (input.amount == 0) revert PaymentsInvalidInvoice("amount");
        if (address(input.token) == address(0)) revert PaymentsInvalidInvoice("token");
        if (input.dueAt <= block.timestamp) revert PaymentsInvalidInvoice("dueAt");
        if (input.billDigest == bytes32(0)) revert PaymentsInvalidInvoice("billDigest");
        if (input.careRef == bytes32(0)) revert PaymentsInvalidInvoice("careRef");
        bool byHospital = kind == IParticipantRegistry.Kind.Hospital;
        if (byHospital != (input.kind == CareKind.Record)) revert PaymentsWrongCareKind(institutionId, input.kind);
        if (input.patientId == 0 || input.patientId > patients) revert PaymentsUnknownPatient(input.patientId);
        if (!byHospital) return (institutionId, 0, _dispensingKey(institutionId, input.careRef));
        uint256 recordId = uint256(input.careRef);
        uint64 patientId;
        uint32 issuer;
        (patientId, issuer, , treatmentId, ) = _records.treatment(recordId);
        if (patientId != input.patientId || issuer != institutionId) {
            revert PaymentsNotIssuersRecord(recordId, input.patientId, institutionId);
        }
        key = _recordKey(treatmentId);
    }

    /// @inheritdoc ICarePayments
    function cancel(uint256 invoiceId, bytes32 reasonCode) external {
        InvoiceData storage invoice = _invoice(invoiceId);
        // The issuer at its current address, whatever its status: a suspended hospital may still withdraw a bill.
        if (_participants.memberOf(msg.sender).id != invoice.institutionId) {
            revert PaymentsNotIssuer(invoiceId, msg.sender);
        }
        if (invoice.status != InvoiceStatus.Open) revert PaymentsNotOpen(invoiceId, invoice.status);
        invoice.status = InvoiceStatus.Cancelled;
        delete _storage().invoiceOfCare[_keyOf(invoice)];
        emit InvoiceCancelled(invoiceId, invoice.patientId, invoice.institutionId, reasonCode);
    }

    /// @inheritdoc ICarePayments
    function pay(uint256 invoiceId, PaymentPermit calldata permit) external nonReentrant returns (uint256 paid) {
        (uint64 patientId, bytes32 actor) = _patientAction();
        InvoiceData storage invoice = _invoice(invoiceId);
        if (invoice.status != InvoiceStatus.Open) revert PaymentsNotOpen(invoiceId, invoice.status);
        if (invoice.patientId != patientId) revert PaymentsNotPatient(invoiceId, patientId);
        uint32 institutionId = invoice.institutionId;
        // An issuer that is not active (suspended: perhaps its key was taken) is not paid until it is again.
        address to = _participants.activeAccountOf(institutionId, Kinds.HOSPITAL | Kinds.PHARMACY);
        (uint256 due, uint256 deducted, uint256 claimId) = _amountDue(invoiceId, invoice);
        IERC20 token = invoice.token;
        // Effects before the transfer: a token calling back finds the invoice paid.
        invoice.status = InvoiceStatus.Paid;
        paid = due;
        if (deducted != 0) {
            PaymentsStorage storage $ = _storage();
            $.deductedFromClaim[claimId] += deducted;
            $.deductedOf[invoiceId] = deducted;
        }
        emit InvoicePaid(invoiceId, patientId, institutionId, token, due, deducted, claimId, actor);
        if (due != 0) _collect(token, _participants.patientAccount(patientId), to, due, permit);
    }

    /// @dev Moves `due` from the patient to the issuer, after the permit, checking that all of it arrived.
    function _collect(IERC20 token, address from, address to, uint256 due, PaymentPermit calldata permit) private {
        if (permit.deadline != 0) {
            // A permit already used (a front-runner submitted it) must not block the payment: the allowance decides.
            // solhint-disable-next-line no-empty-blocks
            try
                IERC20Permit(address(token)).permit(
                    from,
                    address(this),
                    due,
                    permit.deadline,
                    permit.v,
                    permit.r,
                    permit.s
                )
            {} catch {}
        }
        uint256 before = token.balanceOf(to);
        token.safeTransferFrom(from, to, due);
        uint256 received = token.balanceOf(to) - before;
        if (received != due) revert PaymentsFeeOnTransfer(due, received);
    }

    /// @inheritdoc ICarePayments
    function getInvoice(uint256 invoiceId) external view returns (Invoice memory) {
        InvoiceData storage i = _invoice(invoiceId);
        return
            Invoice({
                patientId: i.patientId,
                institutionId: i.institutionId,
                status: i.status,
                kind: i.kind,
                dueAt: i.dueAt,
                token: i.token,
                amount: i.amount,
                // Cannot truncate: what was deducted is at most the amount, a uint96.
                paid: i.status == InvoiceStatus.Paid ? uint96(i.amount - _storage().deductedOf[invoiceId]) : 0,
                billDigest: i.billDigest,
                careRef: i.careRef,
                treatmentId: i.treatmentId
            });
    }

    /// @inheritdoc ICarePayments
    function amountDue(uint256 invoiceId) external view returns (uint256 due, uint256 deducted, uint256 claimId) {
        InvoiceData storage invoice = _invoice(invoiceId);
        if (invoice.status != InvoiceStatus.Open) revert PaymentsNotOpen(invoiceId, invoice.status);
        return _amountDue(invoiceId, invoice);
    }

    /// @inheritdoc ICarePayments
    function isOverdue(uint256 invoiceId) external view returns (bool) {
        InvoiceData storage invoice = _invoice(invoiceId);
        return invoice.status == InvoiceStatus.Open && block.timestamp > invoice.dueAt;
    }

    /// @inheritdoc ICarePayments
    function invoiceOfCare(bytes32 key) external view returns (uint256) {
        return _storage().invoiceOfCare[key];
    }

    /// @inheritdoc ICarePayments
    function careKey(uint32 institutionId, CareKind kind, bytes32 careRef) external view returns (bytes32) {
        if (kind == CareKind.Dispensing) return _dispensingKey(institutionId, careRef);
        (, , , uint256 treatmentId, ) = _records.treatment(uint256(careRef));
        return _recordKey(treatmentId);
    }

    /// @inheritdoc ICarePayments
    function deductedFromClaim(uint256 claimId) external view returns (uint256) {
        return _storage().deductedFromClaim[claimId];
    }

    /// @inheritdoc ICarePayments
    function invoiceCount() external view returns (uint256) {
        return _storage().invoiceCount;
    }

    /// @inheritdoc ICarePayments
    function paidInvoiceOf(uint256 treatmentId) external view returns (uint256 invoiceId) {
        PaymentsStorage storage $ = _storage();
        invoiceId = $.invoiceOfCare[_recordKey(treatmentId)];
        if (invoiceId != 0 && $.invoices[invoiceId].status != InvoiceStatus.Paid) invoiceId = 0;
    }

    /**
     * @dev What paying the invoice moves: for a record, the amount less what the escrow sent the hospital for the
     * claim of its treatment and earlier invoices have not deducted yet (a claim covers up to ten treatments, each
     * perhaps invoiced: its sum is deducted once in all).
     */
    function _amountDue(
        uint256 invoiceId,
        InvoiceData storage invoice
    ) private view returns (uint256 due, uint256 deducted, uint256 claimId) {
        due = invoice.amount;
        if (invoice.kind != CareKind.Record) return (due, 0, 0);
        IERC20 claimToken;
        uint256 sent;
        bool settled;
        (claimId, claimToken, sent, settled) = claims.sentToHospital(invoice.treatmentId);
        if (claimId == 0) return (due, 0, 0);
        if (!settled) revert PaymentsClaimUndecided(invoiceId, claimId);
        uint256 left = sent - _storage().deductedFromClaim[claimId];
        if (left == 0) return (due, 0, claimId);
        if (claimToken != invoice.token) revert PaymentsClaimInOtherToken(invoiceId, claimToken);
        deducted = left < due ? left : due;
        due -= deducted;
    }

    function _keyOf(InvoiceData storage invoice) private view returns (bytes32) {
        if (invoice.kind == CareKind.Dispensing) return _dispensingKey(invoice.institutionId, invoice.careRef);
        return _recordKey(invoice.treatmentId);
    }

    function _invoice(uint256 invoiceId) private view returns (InvoiceData storage invoice) {
        invoice = _storage().invoices[invoiceId];
        if (invoice.status == InvoiceStatus.None) revert PaymentsUnknownInvoice(invoiceId);
    }

    function _recordKey(uint256 treatmentId) private pure returns (bytes32) {
        return keccak256(abi.encode(CareKind.Record, treatmentId));
    }

    function _dispensingKey(uint32 institutionId, bytes32 careRef) private pure returns (bytes32) {
        return keccak256(abi.encode(CareKind.Dispensing, institutionId, careRef));
    }

    function _storage() private pure returns (PaymentsStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
