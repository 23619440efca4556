// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IClaimEscrow} from "../interfaces/IClaimEscrow.sol";
import {SuiteService} from "../base/SuiteService.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReadPolicy} from "../interfaces/IReadPolicy.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";

/**
 * @title ClaimEscrow
 * @notice Insurance claim escrow. See {IClaimEscrow}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy, state in one ERC-7201 namespace; the reentrancy guard is
 * OpenZeppelin's transient one (no storage). Every function that moves tokens is `nonReentrant` and changes
 * all state before the transfer. Payments use `trySafeTransfer`: a failed transfer becomes a credit, so no payee
 * can block a claim. A claim paid at once stores nothing of its own: its records are marked as claimed, its
 * details are in its `ClaimFiled` event, and a known id with no stored status reads as Paid (so any later
 * action on it is refused as acting on a settled claim). That keeps the automatic small claim under 150,000 gas.
 */
contract ClaimEscrow is SuiteService, ReentrancyGuardTransient, IClaimEscrow {
    using SafeERC20 for IERC20;

    /**
     * @dev slot 0: token (160) | insurerId (32) | arbitratorId (32) | copayBps (16) | openEnrolment (8)
     *      slot 1: coveredTypes (64) | perClaimCap (96) | filingWindowDays | reviewDays | disputeDays (16 each) | closedAt (40)
     *      slot 2: perPatientYearCap (96) | autoApproveThreshold (96) | startedAt (40)
     *      slot 3: free (128) | reserved (128)
     */
    struct ProgrammeData {
        IERC20 token;
        uint32 insurerId;
        uint32 arbitratorId;
        uint16 copayBps;
        bool openEnrolment;
        uint64 coveredTypes;
        uint96 perClaimCap;
        uint16 filingWindowDays;
        uint16 reviewDays;
        uint16 disputeDays;
        uint40 closedAt;
        uint96 perPatientYearCap;
        uint96 autoApproveThreshold;
        uint40 startedAt;
        uint128 free;
        uint128 reserved;
    }

    /**
     * @dev slot 0: patientId (64) | programmeId (32) | hospitalId (32) | status (8) | year (16)
     *      slot 1: billed (96) | payable (96) | deadline (40)      written only for claims not paid at once
     *      slot 2: payee (160) | paid (96)                          written only for claims not paid at once
     */
    struct ClaimData {
        uint64 patientId;
        uint32 programmeId;
        uint32 hospitalId;
        ClaimStatus status;
        uint16 year;
        uint96 billed;
        uint96 due;
        uint40 deadline;
        address payee;
        uint96 paid;
    }

    /// @dev What the escrow checks about a record (IRecordRegistry.recordHeader).
    struct Header {
        uint64 patient;
        uint32 issuer;
        uint8 recordType;
        uint40 issuedAt;
    }

    /// @dev What admitting a claim established, passed in memory to keep the stack shallow.
    struct Filing {
        uint256 claimId;
        uint64 patient;
        uint32 hospitalId;
        uint16 year;
        uint96 due;
    }

    /// @dev What every record of a claim is checked against, in memory to keep the stack shallow.
    struct RecordContext {
        uint256 programmeId;
        Cover cover;
        uint32 insurerId;
        IReadPolicy policy;
        uint40 closedAt;
        uint64 coveredTypes;
        uint256 window;
        uint64 patient;
        uint32 hospitalId;
    }

    /// @dev slot: enrolledAt (40) | endedAt (40)
    struct Cover {
        uint40 enrolledAt;
        uint40 endedAt;
    }

    /// @custom:storage-location erc7201:miip.storage.ClaimEscrow
    struct EscrowStorage {
        uint32 programmeCount;
        uint64 claimCount;
        mapping(uint256 programmeId => ProgrammeData) programmes;
        mapping(uint256 claimId => ClaimData) claims;
        mapping(uint256 recordId => uint256 claimId) claimOfRecord;
        mapping(bytes32 programmePatient => Cover) covers;
        mapping(bytes32 programmePatientYear => uint256 used) used;
        mapping(IERC20 token => mapping(address payee => uint256 amount)) credits;
        mapping(IERC20 token => uint256 amount) totalCredits;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.ClaimEscrow")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xeebd7f3615ccac2c9fdf98b6f2a3470635434c4e7089460830e84c0802e28600;

    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_RECORDS = 10;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_, IRecordRegistry records_) SuiteService(participants_, records_) {}

    /**
     * @notice Sets the access manager; once, through the proxy.
     * @param initialAuthority The suite's access manager.
     */
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IClaimEscrow
    function programmeCount() external view returns (uint256) {
        return _storage().programmeCount;
    }

    /// @inheritdoc IClaimEscrow
    function getProgramme(uint256 programmeId) external view returns (Programme memory) {
        ProgrammeData storage p = _programme(programmeId);
        return
            Programme({
                insurerId: p.insurerId,
                arbitratorId: p.arbitratorId,
                startedAt: p.startedAt,
                closedAt: p.closedAt,
                free: p.free,
                reserved: p.reserved,
                config: ProgrammeConfig({
                    token: p.token,
                    coveredTypes: p.coveredTypes,
                    perClaimCap: p.perClaimCap,
                    perPatientYearCap: p.perPatientYearCap,
                    autoApproveThreshold: p.autoApproveThreshold,
                    copayBps: p.copayBps,
                    filingWindowDays: p.filingWindowDays,
                    reviewDays: p.reviewDays,
                    disputeDays: p.disputeDays,
                    arbitrator: address(0),
                    openEnrolment: p.openEnrolment
                })
            });
    }

    /// @inheritdoc IClaimEscrow
    function claimCount() external view returns (uint256) {
        return _storage().claimCount;
    }

    /// @inheritdoc IClaimEscrow
    function getClaim(uint256 claimId) external view returns (Claim memory) {
        (ClaimData storage c, ClaimStatus status) = _claim(claimId);
        return
            Claim({
                patientId: c.patientId,
                programmeId: c.programmeId,
                hospitalId: c.hospitalId,
                status: status,
                year: c.year,
                billed: c.billed,
                due: c.due,
                paid: c.paid,
                deadline: c.deadline,
                payee: c.payee
            });
    }

    /// @inheritdoc IClaimEscrow
    function claimOfRecord(uint256 recordId) external view returns (uint256) {
        return _storage().claimOfRecord[recordId];
    }

    /// @inheritdoc IClaimEscrow
    function coverOf(uint256 programmeId, uint64 patient) external view returns (uint40 enrolledAt, uint40 endedAt) {
        Cover memory c = _storage().covers[_coverKey(programmeId, patient)];
        return (c.enrolledAt, c.endedAt);
    }

    /// @inheritdoc IClaimEscrow
    function usedInYear(uint256 programmeId, uint64 patient, uint16 year) external view returns (uint256) {
        return _storage().used[_usageKey(programmeId, patient, year)];
    }

    /// @inheritdoc IClaimEscrow
    function creditOf(IERC20 token, address payee) external view returns (uint256) {
        return _storage().credits[token][payee];
    }

    /// @inheritdoc IClaimEscrow
    function totalCredits(IERC20 token) external view returns (uint256) {
        return _storage().totalCredits[token];
    }

    // ------------------------------------------------------- programmes and funds

    /// @inheritdoc IClaimEscrow
    function openProgramme(ProgrammeConfig calldata config) external returns (uint256 programmeId) {
        (uint32 insurerId, ) = _participants.activeInstitution(msg.sender, Kinds.INSURER);
        (uint32 arbitratorId, ) = _participants.activeInstitution(config.arbitrator, Kinds.PUBLIC_HEALTH_AGENCY);
        _checkConfig(config);
        EscrowStorage storage $ = _storage();
        programmeId = ++$.programmeCount;
        ProgrammeData storage p = $.programmes[programmeId];
        p.token = config.token;
        p.insurerId = insurerId;
        p.arbitratorId = arbitratorId;
        p.copayBps = config.copayBps;
        p.openEnrolment = config.openEnrolment;
        p.coveredTypes = config.coveredTypes;
        p.perClaimCap = config.perClaimCap;
        p.filingWindowDays = config.filingWindowDays;
        p.reviewDays = config.reviewDays;
        p.disputeDays = config.disputeDays;
        p.perPatientYearCap = config.perPatientYearCap;
        p.autoApproveThreshold = config.autoApproveThreshold;
        p.startedAt = uint40(block.timestamp);
        emit ProgrammeOpened(programmeId, insurerId, config.token, config);
    }

    /// @inheritdoc IClaimEscrow
    function closeProgramme(uint256 programmeId) external {
        ProgrammeData storage p = _insurerProgramme(programmeId);
        if (p.closedAt != 0) revert ClaimsProgrammeClosed(programmeId);
        p.closedAt = uint40(block.timestamp);
        emit ProgrammeClosed(programmeId);
    }

    /// @inheritdoc IClaimEscrow
    function deposit(uint256 programmeId, uint256 amount) external nonReentrant {
        ProgrammeData storage p = _insurerProgramme(programmeId);
        IERC20 token = p.token;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert ClaimsFeeOnTransferToken(token, amount, received);
        // The credited amount is what arrived; a deposit larger than 2^128 would have to exist first.
        uint128 free = p.free + uint128(amount);
        p.free = free;
        emit Deposited(programmeId, amount, free);
    }

    /// @inheritdoc IClaimEscrow
    function withdraw(uint256 programmeId, uint256 amount, address to) external nonReentrant {
        ProgrammeData storage p = _insurerProgramme(programmeId);
        uint128 free = p.free;
        if (amount > free) revert ClaimsInsufficientFree(programmeId, amount, free);
        // Cannot underflow: checked just above.
        unchecked {
            free -= uint128(amount);
        }
        p.free = free;
        emit Withdrawn(programmeId, to, amount, free);
        p.token.safeTransfer(to, amount);
    }

    // ------------------------------------------------------------- enrolment

    /// @inheritdoc IClaimEscrow
    function enrol(uint256 programmeId, uint64 patient) external {
        ProgrammeData storage p = _programme(programmeId);
        (uint32 caller, , uint64 patients) = _participants.activeInstitutionAndPatients(msg.sender, Kinds.INSURER);
        if (caller != p.insurerId) revert ClaimsNotProgrammeInsurer(programmeId, msg.sender);
        if (patient == 0 || patient > patients) revert ClaimsUnknownPatient(patient);
        _enrol(p, programmeId, patient, false);
    }

    /// @inheritdoc IClaimEscrow
    function join(uint256 programmeId) external {
        (uint64 patient, ) = _patientAction();
        ProgrammeData storage p = _programme(programmeId);
        if (!p.openEnrolment) revert ClaimsEnrolmentClosed(programmeId);
        _enrol(p, programmeId, patient, true);
    }

    /// @inheritdoc IClaimEscrow
    function endCover(uint256 programmeId, uint64 patient) external {
        _insurerProgramme(programmeId);
        Cover storage c = _storage().covers[_coverKey(programmeId, patient)];
        if (c.enrolledAt == 0) revert ClaimsNotEnrolled(programmeId, patient);
        if (c.endedAt != 0) revert ClaimsCoverAlreadyEnded(programmeId, patient, c.endedAt);
        c.endedAt = uint40(block.timestamp);
        emit CoverEnded(programmeId, patient);
    }

    // ----------------------------------------------------------------- claims

    /// @inheritdoc IClaimEscrow
    function fileClaim(
        uint256 programmeId,
        uint256[] calldata recordIds,
        uint96 billed,
        address payee
    ) external nonReentrant returns (uint256 claimId) {
        ProgrammeData storage p = _programme(programmeId);
        if (payee == address(0)) revert ClaimsZeroPayee();
        if (msg.sender == address(_participants)) _checkPatientPayee(payee);
        if (billed == 0 || billed > p.perClaimCap) revert ClaimsInvalidAmount(billed, p.perClaimCap);
        Filing memory f = _admit(p, programmeId, recordIds, billed);
        claimId = f.claimId;
        if (billed <= p.autoApproveThreshold) {
            // Paid at once: nothing is stored for the claim itself (its records are marked as claimed); its
            // details are in the event, and no later action can apply to it.
            emit ClaimFiled(
                claimId,
                programmeId,
                f.patient,
                f.hospitalId,
                recordIds,
                billed,
                f.due,
                payee,
                ClaimStatus.Paid,
                0
            );
            _pay(p.token, claimId, payee, f.due);
        } else {
            _reserve(p, programmeId, f, recordIds, billed, payee);
        }
    }

    /// @inheritdoc IClaimEscrow
    function approve(uint256 claimId, uint96 amount, bytes32 reasonCode) external nonReentrant {
        ClaimData storage c = _claimIn(claimId, ClaimStatus.Pending, ClaimStatus.Pending);
        ProgrammeData storage p = _insurerProgramme(c.programmeId);
        uint96 due = c.due;
        if (amount > due) revert ClaimsApprovalExceedsClaim(claimId, amount, due);
        ClaimStatus status = amount == due ? ClaimStatus.Paid : ClaimStatus.PartiallyApproved;
        c.status = status;
        c.paid = amount;
        p.reserved -= amount;
        if (status == ClaimStatus.PartiallyApproved) {
            c.deadline = uint40(block.timestamp + uint256(p.disputeDays) * 1 days);
        }
        emit ClaimDecided(claimId, status, amount, reasonCode, msg.sender);
        _pay(p.token, claimId, c.payee, amount);
    }

    /// @inheritdoc IClaimEscrow
    function reject(uint256 claimId, bytes32 reasonCode) external {
        ClaimData storage c = _claimIn(claimId, ClaimStatus.Pending, ClaimStatus.Pending);
        ProgrammeData storage p = _insurerProgramme(c.programmeId);
        c.status = ClaimStatus.Rejected;
        c.deadline = uint40(block.timestamp + uint256(p.disputeDays) * 1 days);
        emit ClaimDecided(claimId, ClaimStatus.Rejected, 0, reasonCode, msg.sender);
    }

    /// @inheritdoc IClaimEscrow
    function forceApproval(uint256 claimId) external nonReentrant {
        ClaimData storage c = _claimIn(claimId, ClaimStatus.Pending, ClaimStatus.Pending);
        _checkClaimant(c);
        if (block.timestamp <= c.deadline) revert ClaimsReviewDeadlineNotPassed(claimId, c.deadline);
        ProgrammeData storage p = _storage().programmes[c.programmeId];
        uint96 due = c.due;
        // The threshold's share, at most `due`: the claim billed more than the threshold, at the same co-payment.
        uint96 amount = uint96((uint256(p.autoApproveThreshold) * (BPS - p.copayBps)) / BPS);
        ClaimStatus status = amount == due ? ClaimStatus.Paid : ClaimStatus.Escalated;
        c.status = status;
        c.paid = amount;
        p.reserved -= amount;
        emit ClaimDecided(claimId, status, amount, bytes32(0), msg.sender);
        _pay(p.token, claimId, c.payee, amount);
    }

    /// @inheritdoc IClaimEscrow
    function dispute(uint256 claimId) external {
        ClaimData storage c = _claimIn(claimId, ClaimStatus.PartiallyApproved, ClaimStatus.Rejected);
        _checkClaimant(c);
        if (block.timestamp > c.deadline) revert ClaimsDisputeDeadlinePassed(claimId, c.deadline);
        c.status = ClaimStatus.Disputed;
        emit ClaimDecided(claimId, ClaimStatus.Disputed, 0, bytes32(0), msg.sender);
    }

    /// @inheritdoc IClaimEscrow
    function finalize(uint256 claimId) external {
        ClaimData storage c = _claimIn(claimId, ClaimStatus.PartiallyApproved, ClaimStatus.Rejected);
        if (block.timestamp <= c.deadline) revert ClaimsDisputeDeadlineNotPassed(claimId, c.deadline);
        _release(c, c.due - c.paid);
        c.status = ClaimStatus.Settled;
        emit ClaimDecided(claimId, ClaimStatus.Settled, 0, bytes32(0), msg.sender);
    }

    /// @inheritdoc IClaimEscrow
    function arbitrate(uint256 claimId, uint96 award, bytes32 reasonCode) external nonReentrant {
        ClaimData storage c = _claimIn(claimId, ClaimStatus.Escalated, ClaimStatus.Disputed);
        ProgrammeData storage p = _storage().programmes[c.programmeId];
        (uint32 caller, ) = _participants.activeInstitution(msg.sender, Kinds.PUBLIC_HEALTH_AGENCY);
        if (caller != p.arbitratorId) revert ClaimsNotArbitrator(claimId, msg.sender);
        uint96 contested = c.due - c.paid;
        if (award > contested) revert ClaimsAwardExceedsContested(claimId, award, contested);
        p.reserved -= award;
        c.paid += award;
        _release(c, contested - award);
        c.status = ClaimStatus.Settled;
        emit ClaimDecided(claimId, ClaimStatus.Settled, award, reasonCode, msg.sender);
        _pay(p.token, claimId, c.payee, award);
    }

    /// @inheritdoc IClaimEscrow
    function withdrawCredit(IERC20 token, address to) external nonReentrant {
        EscrowStorage storage $ = _storage();
        uint256 amount = $.credits[token][msg.sender];
        if (amount == 0) revert ClaimsNoCredit(token, msg.sender);
        $.credits[token][msg.sender] = 0;
        $.totalCredits[token] -= amount;
        emit CreditWithdrawn(token, msg.sender, to, amount);
        token.safeTransfer(to, amount);
    }

    // -------------------------------------------------------------- internals

    /**
     * @dev Everything a claim must pass before it exists: its records, the filer, the patient's yearly cap and
     * the programme's free funds (taken here, for the claim's share).
     */
    function _admit(
        ProgrammeData storage p,
        uint256 programmeId,
        uint256[] calldata recordIds,
        uint96 billed
    ) private returns (Filing memory f) {
        EscrowStorage storage $ = _storage();
        uint256 count = recordIds.length;
        if (count == 0 || count > MAX_RECORDS) revert ClaimsInvalidRecordCount(count);
        Header memory first = _header(recordIds[0]);
        f.patient = first.patient;
        if (msg.sender == address(_participants)) {
            // The patient files, through the gateway: its own records, at their issuer.
            (uint64 patient, ) = _patientAction();
            if (patient != first.patient) revert ClaimsRecordPatientMismatch(recordIds[0], patient);
            f.hospitalId = first.issuer;
        } else {
            (f.hospitalId, ) = _participants.activeInstitution(msg.sender, Kinds.HOSPITAL);
        }
        f.claimId = ++$.claimCount;
        _checkRecords($, p, programmeId, recordIds, first, f.hospitalId, f.claimId);
        f.due = uint96((uint256(billed) * (BPS - p.copayBps)) / BPS);
        f.year = uint16((first.issuedAt - p.startedAt) / 365 days);
        _use($, p, programmeId, f.patient, f.year, f.due);
        uint128 free = p.free;
        if (f.due > free) revert ClaimsInsufficientFree(programmeId, f.due, free);
        // Cannot underflow: checked just above.
        unchecked {
            p.free = free - f.due;
        }
    }

    /// @dev Keeps a claim above the threshold for review: its share reserved, its review deadline set.
    function _reserve(
        ProgrammeData storage p,
        uint256 programmeId,
        Filing memory f,
        uint256[] calldata recordIds,
        uint96 billed,
        address payee
    ) private {
        uint40 deadline = uint40(block.timestamp + uint256(p.reviewDays) * 1 days);
        p.reserved += f.due;
        ClaimData storage c = _storage().claims[f.claimId];
        c.patientId = f.patient;
        c.programmeId = uint32(programmeId);
        c.hospitalId = f.hospitalId;
        c.year = f.year;
        c.status = ClaimStatus.Pending;
        c.billed = billed;
        c.due = f.due;
        c.deadline = deadline;
        c.payee = payee;
        emit ClaimFiled(
            f.claimId,
            programmeId,
            f.patient,
            f.hospitalId,
            recordIds,
            billed,
            f.due,
            payee,
            ClaimStatus.Pending,
            deadline
        );
    }

    /// @dev Checks every record of a claim and marks it claimed.
    function _checkRecords(
        EscrowStorage storage $,
        ProgrammeData storage p,
        uint256 programmeId,
        uint256[] calldata recordIds,
        Header memory first,
        uint32 hospitalId,
        uint256 claimId
    ) private {
        RecordContext memory ctx = RecordContext({
            programmeId: programmeId,
            cover: $.covers[_coverKey(programmeId, first.patient)],
            insurerId: p.insurerId,
            // The registry's read policy (consent), asked once per claim, then with ids only.
            policy: _records.readPolicy(),
            closedAt: p.closedAt,
            coveredTypes: p.coveredTypes,
            window: uint256(p.filingWindowDays) * 1 days,
            patient: first.patient,
            hospitalId: hospitalId
        });
        for (uint256 i = 0; i < recordIds.length; ++i) {
            uint256 recordId = recordIds[i];
            // First of all: no record is ever claimed twice, whatever else is wrong with the claim.
            uint256 previous = $.claimOfRecord[recordId];
            if (previous != 0) revert ClaimsRecordAlreadyClaimed(recordId, previous);
            _checkRecord(ctx, recordId, i == 0 ? first : _header(recordId));
            $.claimOfRecord[recordId] = claimId;
        }
    }

    function _checkRecord(RecordContext memory ctx, uint256 recordId, Header memory r) private view {
        if (r.patient != ctx.patient) revert ClaimsRecordPatientMismatch(recordId, ctx.patient);
        if (r.issuer != ctx.hospitalId) revert ClaimsRecordIssuerMismatch(recordId, r.issuer, ctx.hospitalId);
        if (r.recordType >= 64 || (ctx.coveredTypes >> r.recordType) & 1 == 0) {
            revert ClaimsRecordTypeNotCovered(recordId, r.recordType);
        }
        Cover memory cover = ctx.cover;
        if (cover.enrolledAt == 0) revert ClaimsNotEnrolled(ctx.programmeId, ctx.patient);
        if (
            r.issuedAt < cover.enrolledAt ||
            (cover.endedAt != 0 && r.issuedAt >= cover.endedAt) ||
            (ctx.closedAt != 0 && r.issuedAt >= ctx.closedAt)
        ) revert ClaimsNotCovered(recordId, r.issuedAt);
        if (block.timestamp > r.issuedAt + ctx.window)
            revert ClaimsFilingWindowClosed(recordId, r.issuedAt + ctx.window);
        if (
            address(ctx.policy) == address(0) ||
            !ctx.policy.allows(ctx.insurerId, recordId, r.patient, r.recordType, IRecordRegistry.Purpose.InsuranceClaim)
        ) revert ClaimsNoConsent(recordId, ctx.insurerId);
    }

    /// @dev Counts `amount` against the patient's yearly cap.
    function _use(
        EscrowStorage storage $,
        ProgrammeData storage p,
        uint256 programmeId,
        uint64 patient,
        uint16 year,
        uint96 amount
    ) private {
        bytes32 key = _usageKey(programmeId, patient, year);
        uint256 used = $.used[key];
        uint256 cap = p.perPatientYearCap;
        if (used + amount > cap) revert ClaimsPatientYearCapExceeded(patient, year, used, amount, cap);
        $.used[key] = used + amount;
    }

    /// @dev Returns what a claim no longer needs from its reservation to the programme's free funds and the
    /// patient's yearly allowance.
    function _release(ClaimData storage c, uint96 amount) private {
        if (amount == 0) return;
        EscrowStorage storage $ = _storage();
        ProgrammeData storage p = $.programmes[c.programmeId];
        p.reserved -= amount;
        p.free += amount;
        $.used[_usageKey(c.programmeId, c.patientId, c.year)] -= amount;
    }

    /// @dev Pays, or credits the payee when the transfer fails (a blacklisting token, a payee that reverts).
    function _pay(IERC20 token, uint256 claimId, address payee, uint256 amount) private {
        if (amount == 0) return;
        if (!token.trySafeTransfer(payee, amount)) {
            EscrowStorage storage $ = _storage();
            $.credits[token][payee] += amount;
            $.totalCredits[token] += amount;
            emit PaymentCredited(claimId, payee, amount);
        }
    }

    function _enrol(ProgrammeData storage p, uint256 programmeId, uint64 patient, bool byPatient) private {
        if (p.closedAt != 0) revert ClaimsProgrammeClosed(programmeId);
        Cover storage c = _storage().covers[_coverKey(programmeId, patient)];
        if (c.enrolledAt != 0) revert ClaimsAlreadyEnrolled(programmeId, patient, c.enrolledAt);
        c.enrolledAt = uint40(block.timestamp);
        emit Enrolled(programmeId, patient, byPatient);
    }

    function _checkConfig(ProgrammeConfig calldata config) private pure {
        if (address(config.token) == address(0)) revert ClaimsInvalidConfiguration(ProgrammeSetting.Token);
        if (config.coveredTypes == 0) revert ClaimsInvalidConfiguration(ProgrammeSetting.CoveredTypes);
        if (config.perClaimCap == 0) revert ClaimsInvalidConfiguration(ProgrammeSetting.PerClaimCap);
        if (config.perPatientYearCap == 0) revert ClaimsInvalidConfiguration(ProgrammeSetting.PerPatientYearCap);
        if (config.autoApproveThreshold > config.perClaimCap)
            revert ClaimsInvalidConfiguration(ProgrammeSetting.AutoApproveThreshold);
        if (config.copayBps > BPS) revert ClaimsInvalidConfiguration(ProgrammeSetting.CopayBps);
        if (config.filingWindowDays == 0 || config.filingWindowDays > 365) {
            revert ClaimsInvalidConfiguration(ProgrammeSetting.FilingWindowDays);
        }
        if (config.reviewDays == 0) revert ClaimsInvalidConfiguration(ProgrammeSetting.ReviewDays);
        if (config.disputeDays == 0) revert ClaimsInvalidConfiguration(ProgrammeSetting.DisputeDays);
    }

    /// @dev A guardian filing for the patient has the patient paid, at its current address; the patient chooses.
    function _checkPatientPayee(address payee) private view {
        (uint64 patient, bytes32 actor) = _patientAction();
        if (actor == bytes32(0)) return;
        address account = _participants.patientAccount(patient);
        if (payee != account) revert ClaimsPayeeNotPatient(payee, account);
    }

    /// @dev The claim's patient (through the gateway), or its hospital at its current address while active.
    function _checkClaimant(ClaimData storage c) private view {
        if (msg.sender == address(_participants)) {
            (uint64 patient, ) = _patientAction();
            if (patient != c.patientId) revert ClaimsNotClaimant(msg.sender);
            return;
        }
        IParticipantRegistry.Member memory m = _participants.memberOf(msg.sender);
        if (m.id != c.hospitalId) revert ClaimsNotClaimant(msg.sender);
        if (m.status != IParticipantRegistry.Status.Active) {
            revert IParticipantRegistry.ParticipantsNotActive(msg.sender, m.status);
        }
    }

    /// @dev The programme, if the caller is its insurer, active, at its current address.
    function _insurerProgramme(uint256 programmeId) private view returns (ProgrammeData storage p) {
        p = _programme(programmeId);
        (uint32 caller, ) = _participants.activeInstitution(msg.sender, Kinds.INSURER);
        if (caller != p.insurerId) revert ClaimsNotProgrammeInsurer(programmeId, msg.sender);
    }

    function _programme(uint256 programmeId) private view returns (ProgrammeData storage p) {
        p = _storage().programmes[programmeId];
        if (p.insurerId == 0) revert ClaimsUnknownProgramme(programmeId);
    }

    /// @dev A claim and its status; a known id with nothing stored is a claim paid at once.
    function _claim(uint256 claimId) private view returns (ClaimData storage c, ClaimStatus status) {
        EscrowStorage storage $ = _storage();
        c = $.claims[claimId];
        status = c.status;
        if (status == ClaimStatus.None) {
            if (claimId == 0 || claimId > $.claimCount) revert ClaimsUnknownClaim(claimId);
            status = ClaimStatus.Paid;
        }
    }

    /// @dev The claim, if its status is `a` or `b`.
    function _claimIn(uint256 claimId, ClaimStatus a, ClaimStatus b) private view returns (ClaimData storage c) {
        ClaimStatus status;
        (c, status) = _claim(claimId);
        if (status != a && status != b) revert ClaimsInvalidStatus(claimId, status);
    }

    function _header(uint256 recordId) private view returns (Header memory h) {
        (h.patient, h.issuer, h.recordType, h.issuedAt) = _records.recordHeader(recordId);
    }

    function _coverKey(uint256 programmeId, uint64 patient) private pure returns (bytes32) {
        return keccak256(abi.encode(programmeId, patient));
    }

    function _usageKey(uint256 programmeId, uint64 patient, uint16 year) private pure returns (bytes32) {
        return keccak256(abi.encode(programmeId, patient, year));
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() private pure returns (EscrowStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
