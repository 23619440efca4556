// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {ICarePayments} from "../interfaces/ICarePayments.sol";
import {IClaimEscrow} from "../interfaces/IClaimEscrow.sol";
import {ClaimEscrowBase} from "./ClaimEscrowBase.sol";
import {IClaimProgrammes} from "../interfaces/IClaimProgrammes.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReadPolicy} from "../interfaces/IReadPolicy.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";
import {RecordTypes} from "../libraries/RecordTypes.sol";
import {Signatures} from "../libraries/Signatures.sol";

/**
 * @title ClaimEscrow
 * @notice Insurance claim escrow. See {IClaimEscrow}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy, state in one ERC-7201 namespace; the reentrancy guard is
 * OpenZeppelin's transient one (no storage). Every function that moves tokens is `nonReentrant` and changes
 * all state before the transfer. Payments use `trySafeTransfer`: a failed transfer becomes a credit, so no payee
 * can block a claim. A claim's id is the treatment id of its first record, and its first storage slot is also
 * what marks that treatment as claimed, so a claim paid at once writes one slot of its own; its other records'
 * treatments point to it. A bill attested by signature and filed in the same call stores nothing of its own.
 */
contract ClaimEscrow is ClaimEscrowBase, IClaimEscrow, IERC5267 {
    using SafeERC20 for IERC20;

    /// @dev What the escrow checks about a record (IRecordRegistry.treatment).
    struct Treatment {
        uint64 patient;
        uint32 issuer;
        uint8 recordType;
        uint256 id;
        uint40 treatedAt;
    }

    /// @dev What every record of a claim is checked against, in memory to keep the stack shallow.
    struct Filing {
        uint256 claimId;
        uint256 programmeId;
        Cover cover;
        uint32 insurerId;
        IReadPolicy policy;
        uint64 patient;
        uint32 hospitalId;
        uint16 year;
        uint96 due;
        uint96 copay;
        uint40 deadline;
        bool permit;
        address hospitalAccount;
        address patientAccount;
        bytes32 billHash;
    }

    /// @inheritdoc IClaimEscrow
    // Type strings are hashed at compile time; their length costs nothing at run time.
    // solhint-disable gas-small-strings
    bytes32 public constant BILL_TYPEHASH =
        keccak256(
            "Bill(uint256 programmeId,uint256[] recordIds,uint96 amount,uint8 payTo,bytes32 billDigest,uint40 expiresAt)"
        );
    // solhint-enable gas-small-strings

    string private constant DOMAIN_NAME = "MIIP Claims";
    bytes32 private constant NAME_HASH = keccak256("MIIP Claims");
    uint256 private constant MAX_RECORDS = 10;
    uint8 private constant BY_HOSPITAL = 1;
    uint8 private constant BY_PATIENT = 2;
    uint8 private constant BY_BOTH = 3;
    uint8 private constant CANCELLED = 4;

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable _programmes;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @param programmes_ The {ClaimEscrowExtension} implementation the insurer's functions run in.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IParticipantRegistry participants_,
        IRecordRegistry records_,
        address programmes_
    ) ClaimEscrowBase(participants_, records_) {
        _programmes = programmes_;
    }

    /**
     * @notice Sets the access manager; once, through the proxy.
     * @param initialAuthority The suite's access manager.
     */
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    /// @inheritdoc IERC5267
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", DOMAIN_NAME, "1", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IClaimEscrow
    function getClaim(uint256 claimId) external view returns (Claim memory claim) {
        ClaimData storage c = _claim(claimId);
        claim = Claim({
            patientId: c.patientId,
            programmeId: c.programmeId,
            hospitalId: c.hospitalId,
            status: c.status,
            payTo: c.payTo,
            year: c.year,
            billed: c.billed,
            due: c.due,
            paid: c.paid,
            deadline: c.deadline
        });
        if (claim.status == ClaimStatus.Paid && claim.paid == 0) {
            // Paid at filing: only the first slot was written; its share follows from the programme's
            // co-payment, which never changes, and all of it was paid.
            claim.due = _due(_storage().programmes[c.programmeId], c.billed);
            claim.paid = claim.due;
        }
    }

    /// @inheritdoc IClaimEscrow
    function claimOfRecord(uint256 recordId) external view returns (uint256) {
        (, , , uint256 treatmentId, ) = _records.treatment(recordId);
        return _claimOfTreatment(_storage(), treatmentId);
    }

    /// @inheritdoc IClaimEscrow
    function sentToHospital(
        uint256 treatmentId
    ) external view returns (uint256 claimId, IERC20 token, uint256 sent, bool settled) {
        EscrowStorage storage $ = _storage();
        claimId = _claimOfTreatment($, treatmentId);
        if (claimId == 0) return (0, IERC20(address(0)), 0, true);
        ClaimData storage c = $.claims[claimId];
        ProgrammeData storage p = $.programmes[c.programmeId];
        token = p.token;
        if (c.payTo != PayTo.Hospital) return (claimId, token, 0, true);
        uint96 billed = c.billed;
        ClaimStatus status = c.status;
        // The same rule as {_file}: the co-payment moved at filing when the programme moves it on chain.
        if (p.copayOnChain) sent = billed - _due(p, billed);
        // Paid at filing: only the first slot was written, and all of the escrow's share was paid (see getClaim).
        sent += status == ClaimStatus.Paid && c.paid == 0 ? _due(p, billed) : c.paid;
        settled = status == ClaimStatus.Paid || status == ClaimStatus.Settled;
    }

    /// @inheritdoc IClaimEscrow
    function billHash(Bill calldata bill) external view returns (bytes32) {
        return _billHash(bill);
    }

    /// @inheritdoc IClaimEscrow
    function billState(bytes32 billHash_) external view returns (bool hospital, bool patient, bool cancelled) {
        uint8 state = _storage().bills[billHash_];
        return (state & BY_HOSPITAL != 0, state & BY_PATIENT != 0, state & CANCELLED != 0);
    }

    /// @inheritdoc IClaimEscrow
    function creditOf(IERC20 token, PayTo party, uint64 id) external view returns (uint256) {
        return _storage().credits[token][_partyKey(party, id)];
    }

    /// @inheritdoc IClaimEscrow
    function totalCredits(IERC20 token) external view returns (uint256) {
        return _storage().totalCredits[token];
    }

    // ------------------------------------------------- the insurer's functions, in ClaimEscrowExtension

    /// @inheritdoc IClaimProgrammes
    function openProgramme(ProgrammeConfig calldata) external returns (uint256) {
        _delegate();
    }

    /// @inheritdoc IClaimProgrammes
    function closeProgramme(uint256) external {
        _delegate();
    }

    /// @inheritdoc IClaimProgrammes
    function deposit(uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc IClaimProgrammes
    function announceWithdrawal(uint256, uint128, address) external {
        _delegate();
    }

    /// @inheritdoc IClaimProgrammes
    function withdraw(uint256) external {
        _delegate();
    }

    /// @inheritdoc IClaimProgrammes
    function enrol(uint256, uint64) external {
        _delegate();
    }

    /// @inheritdoc IClaimProgrammes
    function join(uint256) external {
        _delegate();
    }

    /// @inheritdoc IClaimProgrammes
    function endCover(uint256, uint64) external {
        _delegate();
    }

    // ------------------------------------------------------------- bills and claims

    /// @inheritdoc IClaimEscrow
    function fileClaim(
        Bill calldata bill,
        bytes calldata hospitalSignature,
        CopayPermit calldata copayPermit
    ) external nonReentrant returns (uint256 claimId) {
        ProgrammeData storage p = _programme(bill.programmeId);
        if (block.timestamp > bill.expiresAt) revert ClaimsBillExpired(bill.expiresAt);
        Treatment memory first = _firstTreatment(bill);
        Filing memory f;
        f.billHash = _billHash(bill);
        EscrowStorage storage $ = _storage();
        uint8 state = $.bills[f.billHash];
        if (state & CANCELLED != 0) revert ClaimsBillCancelled(f.billHash);
        uint8 side;
        if (msg.sender == address(_participants)) {
            side = BY_PATIENT;
            _checkPatientParty(first.patient);
            if (hospitalSignature.length != 0) {
                f.hospitalAccount = _participants.activeAccountOf(first.issuer, Kinds.HOSPITAL);
                if (!Signatures.isValid(f.hospitalAccount, f.billHash, hospitalSignature)) {
                    revert ClaimsBadHospitalSignature(f.billHash);
                }
                state |= BY_HOSPITAL;
            }
        } else {
            side = BY_HOSPITAL;
            (uint32 hospitalId, ) = _participants.activeInstitution(msg.sender, Kinds.HOSPITAL);
            if (hospitalId != first.issuer) revert ClaimsNotBillParty(msg.sender);
            f.hospitalAccount = msg.sender;
        }
        if (state & side != 0) revert ClaimsBillAlreadyAttested(f.billHash, _party(side));
        // The patient's permit runs with the patient's attestation, whether it files the claim or waits; as an
        // interaction, after every state change.
        bool permit = side == BY_PATIENT && copayPermit.deadline != 0;
        if (permit) f.patientAccount = _participants.patientAccount(first.patient);
        if (state | side != BY_BOTH) {
            // A bill whose treatment is claimed (this bill, filed, or another) can no longer wait for anyone.
            uint256 claimed = _claimOfTreatment($, first.id);
            if (claimed != 0) revert ClaimsRecordAlreadyClaimed(bill.recordIds[0], claimed);
            _wait(f.billHash, state | side, bill, first, _party(side));
            if (permit) _permitCopay(p, bill, f.patientAccount, copayPermit);
            return 0;
        }
        // Filed: what waited on chain is cleared (`state` may hold a signature only: read storage itself).
        if ($.bills[f.billHash] != 0) delete $.bills[f.billHash];
        _checkFilingHospital($, bill, first, f, side);
        f.permit = permit;
        claimId = _file(p, bill, first, f, copayPermit);
    }

    /**
     * @dev A hospital that attested earlier must still be active when its claim is filed. A hospital filing what its
     * patient attested earlier is checked against the invoices contract: the patient is not here to check that it did
     * not pay the same care by invoice since.
     */
    function _checkFilingHospital(
        EscrowStorage storage $,
        Bill calldata bill,
        Treatment memory first,
        Filing memory f,
        uint8 side
    ) private view {
        if (f.hospitalAccount == address(0)) {
            f.hospitalAccount = _participants.activeAccountOf(first.issuer, Kinds.HOSPITAL);
        }
        if (side == BY_HOSPITAL && bill.payTo == PayTo.Hospital) _refuseInvoiced($, bill);
    }

    /// @dev Refuses a bill one of whose treatments its patient already paid by invoice.
    function _refuseInvoiced(EscrowStorage storage $, Bill calldata bill) private view {
        address invoices = $.carePayments;
        if (invoices == address(0)) return;
        for (uint256 i; i < bill.recordIds.length; ++i) {
            (, , , uint256 treatmentId, ) = _records.treatment(bill.recordIds[i]);
            uint256 invoiceId = ICarePayments(invoices).paidInvoiceOf(treatmentId);
            if (invoiceId != 0) revert ClaimsTreatmentPaidByInvoice(bill.recordIds[i], invoiceId);
        }
    }

    /// @inheritdoc IClaimEscrow
    /// @custom:restricted GOVERNOR
    function setCarePayments(address carePayments_) external restricted {
        EscrowStorage storage $ = _storage();
        if ($.carePayments != address(0)) revert ClaimsCarePaymentsAlreadySet($.carePayments);
        $.carePayments = carePayments_;
        emit CarePaymentsSet(carePayments_);
    }

    /// @inheritdoc IClaimEscrow
    function carePayments() external view returns (address) {
        return _storage().carePayments;
    }

    /// @dev Keeps one party's attestation until the other's files the claim.
    function _wait(bytes32 hash, uint8 state, Bill calldata bill, Treatment memory first, Party by) private {
        _storage().bills[hash] = state;
        emit BillAttested(hash, bill.programmeId, first.patient, first.issuer, by, bill);
    }

    /// @inheritdoc IClaimEscrow
    function cancelBill(Bill calldata bill) external {
        Treatment memory first = _firstTreatment(bill);
        bytes32 hash = _billHash(bill);
        Party by;
        if (msg.sender == address(_participants)) {
            _checkPatientParty(first.patient);
            by = Party.Patient;
        } else {
            (uint32 hospitalId, ) = _participants.activeInstitution(msg.sender, Kinds.HOSPITAL);
            if (hospitalId != first.issuer) revert ClaimsNotBillParty(msg.sender);
            by = Party.Hospital;
        }
        EscrowStorage storage $ = _storage();
        uint8 state = $.bills[hash];
        if (state & CANCELLED != 0) revert ClaimsBillCancelled(hash);
        uint256 claimed = _claimOfTreatment($, first.id);
        if (claimed != 0) revert ClaimsRecordAlreadyClaimed(bill.recordIds[0], claimed);
        $.bills[hash] = state | CANCELLED;
        emit BillCancelled(hash, by);
    }

    /// @inheritdoc IClaimEscrow
    /// @custom:restricted GOVERNOR
    function replaceArbitrator(uint256 programmeId, address arbitrator) external restricted {
        ProgrammeData storage p = _programme(programmeId);
        (uint32 arbitratorId, ) = _participants.activeInstitution(arbitrator, Kinds.PUBLIC_HEALTH_AGENCY);
        emit ArbitratorReplaced(programmeId, p.arbitratorId, arbitratorId);
        p.arbitratorId = arbitratorId;
    }

    /// @inheritdoc IClaimEscrow
    function withdrawCredit(IERC20 token, address to) external nonReentrant {
        (PayTo party, uint64 id) = _creditHolder();
        EscrowStorage storage $ = _storage();
        uint256 key = _partyKey(party, id);
        uint256 amount = $.credits[token][key];
        if (amount == 0) revert ClaimsNoCredit(token, party, id);
        $.credits[token][key] = 0;
        $.totalCredits[token] -= amount;
        emit CreditWithdrawn(token, party, id, to, amount);
        token.safeTransfer(to, amount);
    }

    /// @dev The party withdrawing: the patient's own key through the gateway, or an institution at its current
    /// address (any status). A guardian, a former address or a stranger is refused.
    function _creditHolder() private view returns (PayTo party, uint64 id) {
        if (msg.sender == address(_participants)) {
            bytes32 actor;
            (id, actor) = _patientAction();
            if (actor != bytes32(0)) revert ClaimsNotCreditHolder(msg.sender);
            return (PayTo.Patient, id);
        }
        // The directory maps an institution's current address only: a former one has no id any more.
        uint32 institution = _participants.memberOf(msg.sender).id;
        if (institution == 0) revert ClaimsNotCreditHolder(msg.sender);
        return (PayTo.Hospital, institution);
    }

    /// @inheritdoc IClaimEscrow
    function approve(uint256, uint96, bytes32) external {
        _delegate();
    }

    /// @inheritdoc IClaimEscrow
    function reject(uint256, bytes32) external {
        _delegate();
    }

    /// @inheritdoc IClaimEscrow
    function dispute(uint256, bytes32, bytes32) external {
        _delegate();
    }

    /// @inheritdoc IClaimEscrow
    function arbitrate(uint256, uint96, bytes32) external {
        _delegate();
    }

    /// @inheritdoc IClaimEscrow
    function applyDefault(uint256) external {
        _delegate();
    }

    // -------------------------------------------------------------- internals

    /**
     * @dev Runs the current call in {ClaimEscrowExtension} on this proxy's storage and returns what it returns
     * (or reverts with its error). It never returns to the caller's Solidity code.
     * @custom:oz-upgrades-unsafe-allow delegatecall
     */
    function _delegate() private {
        // Only through the proxy: the bare implementation must not run programmes on its own storage.
        _checkProxy();
        address target = _programmes;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    /**
     * @dev Files a claim both parties attested: checks its records and amounts, takes its share from the free
     * funds, pays it at once or reserves it, and moves the co-payment.
     */
    function _file(
        ProgrammeData storage p,
        Bill calldata bill,
        Treatment memory first,
        Filing memory f,
        CopayPermit calldata copayPermit
    ) private returns (uint256 claimId) {
        uint96 amount = bill.amount;
        if (amount == 0 || amount > p.perClaimCap) revert ClaimsInvalidAmount(amount, p.perClaimCap);
        EscrowStorage storage $ = _storage();
        claimId = first.id;
        f.claimId = claimId;
        f.programmeId = bill.programmeId;
        f.patient = first.patient;
        f.hospitalId = first.issuer;
        f.insurerId = p.insurerId;
        f.cover = $.covers[_coverKey(bill.programmeId, first.patient)];
        // The registry's read policy (consent), asked once per claim, then with ids only.
        f.policy = _records.readPolicy();
        _checkRecords($, p, bill, first, f);
        f.due = _due(p, amount);
        f.copay = amount - f.due;
        _use($, p, f);
        uint128 free = p.free;
        if (f.due > free) revert ClaimsInsufficientFree(bill.programmeId, f.due, free);
        // Cannot underflow: checked just above.
        unchecked {
            p.free = free - f.due;
        }
        ClaimData storage c = $.claims[claimId];
        bool paidNow = amount <= p.autoApproveThreshold;
        if (paidNow) {
            c.status = ClaimStatus.Paid;
        } else {
            f.deadline = _after(p.reviewDays);
            p.reserved += f.due;
            c.due = f.due;
            c.deadline = f.deadline;
        }
        if (!p.copayOnChain || bill.payTo == PayTo.Patient) f.copay = 0;
        _announce(f, bill, c.status);
        _moveFunds(p, bill, f, paidNow, copayPermit);
    }

    /// @dev The interactions of a filing, last: the co-payment from the patient's current address, then the
    /// payment of a claim paid at once.
    function _moveFunds(
        ProgrammeData storage p,
        Bill calldata bill,
        Filing memory f,
        bool paidNow,
        CopayPermit calldata copayPermit
    ) private {
        if ((f.copay != 0 || (paidNow && bill.payTo == PayTo.Patient)) && f.patientAccount == address(0)) {
            f.patientAccount = _participants.patientAccount(f.patient);
        }
        if (f.copay != 0) {
            if (f.permit) _permitCopay(p, bill, f.patientAccount, copayPermit);
            p.token.safeTransferFrom(f.patientAccount, f.hospitalAccount, f.copay);
        }
        if (paidNow) {
            bool toHospital = bill.payTo == PayTo.Hospital;
            _pay(
                p.token,
                f.claimId,
                bill.payTo,
                toHospital ? f.hospitalId : f.patient,
                toHospital ? f.hospitalAccount : f.patientAccount,
                f.due
            );
        }
    }

    function _announce(Filing memory f, Bill calldata bill, ClaimStatus status) private {
        emit ClaimFiled(
            f.claimId,
            f.programmeId,
            f.patient,
            f.billHash,
            f.hospitalId,
            status,
            f.due,
            f.deadline,
            f.copay,
            bill
        );
    }

    /**
     * @dev Checks every record of a claim and marks its treatment claimed. The claim's own slot is written
     * first (pending until {_file} decides), so a second version of the first treatment in the same bill is
     * refused like any claimed treatment.
     */
    function _checkRecords(
        EscrowStorage storage $,
        ProgrammeData storage p,
        Bill calldata bill,
        Treatment memory first,
        Filing memory f
    ) private {
        uint256 claimed = _claimOfTreatment($, first.id);
        if (claimed != 0) revert ClaimsRecordAlreadyClaimed(bill.recordIds[0], claimed);
        f.year = _checkRecord(p, f, bill.recordIds[0], first);
        ClaimData storage c = $.claims[f.claimId];
        c.patientId = f.patient;
        c.programmeId = uint32(f.programmeId);
        c.hospitalId = f.hospitalId;
        c.status = ClaimStatus.Pending;
        c.payTo = bill.payTo;
        c.year = f.year;
        c.billed = bill.amount;
        for (uint256 i = 1; i < bill.recordIds.length; ++i) {
            uint256 recordId = bill.recordIds[i];
            Treatment memory t = _treatment(recordId);
            claimed = _claimOfTreatment($, t.id);
            if (claimed != 0) revert ClaimsRecordAlreadyClaimed(recordId, claimed);
            if (t.patient != f.patient) revert ClaimsRecordPatientMismatch(recordId, f.patient);
            if (t.issuer != f.hospitalId) revert ClaimsRecordIssuerMismatch(recordId, t.issuer, f.hospitalId);
            uint16 year = _checkRecord(p, f, recordId, t);
            if (year != f.year) revert ClaimsPolicyYearMismatch(recordId, year, f.year);
            $.claimOfTreatment[t.id] = f.claimId;
        }
    }

    /// @dev A record's type, cover, filing window and consent; returns the policy year of its treatment.
    function _checkRecord(
        ProgrammeData storage p,
        Filing memory f,
        uint256 recordId,
        Treatment memory t
    ) private view returns (uint16 year) {
        if (!RecordTypes.contains(p.coveredTypes, t.recordType)) {
            revert ClaimsRecordTypeNotCovered(recordId, t.recordType);
        }
        Cover memory cover = f.cover;
        if (cover.enrolledAt == 0) revert ClaimsNotEnrolled(f.programmeId, f.patient);
        uint40 at = t.treatedAt;
        bool covered = (at >= cover.enrolledAt && (cover.endedAt == 0 || at < cover.endedAt)) ||
            (at >= cover.previousEnrolledAt && at < cover.previousEndedAt);
        uint32 closedAt = p.closedAt;
        if (!covered || (closedAt != 0 && at >= closedAt)) revert ClaimsNotCovered(recordId, at);
        uint256 windowEnd = uint256(at) + uint256(p.filingWindowDays) * 1 days;
        if (block.timestamp > windowEnd) revert ClaimsFilingWindowClosed(recordId, windowEnd);
        if (
            address(f.policy) == address(0) ||
            !f.policy.allows(f.insurerId, recordId, t.patient, t.recordType, IRecordRegistry.Purpose.InsuranceClaim)
        ) revert ClaimsNoConsent(recordId, f.insurerId);
        // Covered treatments are never before the programme started (enrolment is after it).
        year = uint16((at - p.startedAt) / 365 days);
    }

    /// @dev Counts the claim's share against the patient's yearly cap.
    function _use(EscrowStorage storage $, ProgrammeData storage p, Filing memory f) private {
        bytes32 key = _usageKey(f.programmeId, f.patient, f.year);
        uint256 used = $.used[key];
        uint256 cap = p.perPatientYearCap;
        if (used + f.due > cap) revert ClaimsPatientYearCapExceeded(f.patient, f.year, used, f.due, cap);
        $.used[key] = used + f.due;
    }

    /**
     * @dev Runs the patient's permit for the bill's co-payment. A failure is ignored: someone may have used the
     * permit already (front-running it does not block the claim), and the transfer checks the allowance anyway.
     */
    function _permitCopay(
        ProgrammeData storage p,
        Bill calldata bill,
        address owner,
        CopayPermit calldata permit
    ) private {
        uint256 copay = bill.amount - _due(p, bill.amount);
        // solhint-disable-next-line no-empty-blocks
        try
            IERC20Permit(address(p.token)).permit(
                owner,
                address(this),
                copay,
                permit.deadline,
                permit.v,
                permit.r,
                permit.s
            )
        {} catch {}
    }

    /// @dev The caller, through the gateway, acts for `patient` (with the act power).
    function _checkPatientParty(uint64 patient) private view {
        (uint64 actor, ) = _patientAction();
        if (actor != patient) revert ClaimsNotBillParty(msg.sender);
    }

    /// @dev The claim that has a treatment: its own claim (its id), or the claim it is a later record of.
    function _claimOfTreatment(EscrowStorage storage $, uint256 treatmentId) private view returns (uint256) {
        if ($.claims[treatmentId].status != ClaimStatus.None) return treatmentId;
        return $.claimOfTreatment[treatmentId];
    }

    function _firstTreatment(Bill calldata bill) private view returns (Treatment memory) {
        uint256 count = bill.recordIds.length;
        if (count == 0 || count > MAX_RECORDS) revert ClaimsInvalidRecordCount(count);
        return _treatment(bill.recordIds[0]);
    }

    /// @dev A record's treatment; a record no hospital documented (issuer 0: the patient's, its device's or its
    /// writer's) is never one.
    function _treatment(uint256 recordId) private view returns (Treatment memory t) {
        (t.patient, t.issuer, t.recordType, t.id, t.treatedAt) = _records.treatment(recordId);
        if (t.issuer == 0) revert ClaimsRecordNotClinical(recordId);
    }

    /// @dev The bill's EIP-712 hash in this escrow's domain.
    function _billHash(Bill calldata bill) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                BILL_TYPEHASH,
                bill.programmeId,
                keccak256(abi.encodePacked(bill.recordIds)),
                bill.amount,
                bill.payTo,
                bill.billDigest,
                bill.expiresAt
            )
        );
        return MessageHashUtils.toTypedDataHash(_domainSeparator(NAME_HASH), structHash);
    }

    function _party(uint8 side) private pure returns (Party) {
        return side == BY_PATIENT ? Party.Patient : Party.Hospital;
    }
}
