// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ClaimEscrowBase} from "./ClaimEscrowBase.sol";
import {IClaimEscrow} from "../interfaces/IClaimEscrow.sol";
import {IClaimProgrammes} from "../interfaces/IClaimProgrammes.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";

/**
 * @title ClaimEscrowExtension
 * @notice The claim escrow's second implementation: programmes, funds and enrolment ({IClaimProgrammes}), and
 * the decisions on a filed claim (review, dispute, arbitration, default outcomes; see {IClaimEscrow}).
 * @dev Runs only by delegatecall from {ClaimEscrow}'s implementation, on the escrow proxy's storage; called
 * directly it refuses every state change ({ClaimsNotThroughEscrow}), so no deposit can land in it. It holds no
 * state and no tokens of its own; replacing it means deploying a new escrow implementation that names it.
 */
contract ClaimEscrowExtension is ClaimEscrowBase {
    using SafeERC20 for IERC20;

    uint256 private constant MAX_STEP_DAYS = 90;

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable _self = address(this);

    /// @dev Refuses a direct call: only the escrow's implementation delegates here.
    modifier onlyDelegated() {
        if (address(this) == _self) revert ClaimsNotThroughEscrow();
        _;
    }

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IParticipantRegistry participants_,
        IRecordRegistry records_
    ) ClaimEscrowBase(participants_, records_) {}

    /// @inheritdoc IClaimProgrammes
    function openProgramme(ProgrammeConfig calldata config) external onlyDelegated returns (uint256 programmeId) {
        (uint32 insurerId, ) = _participants.activeInstitution(msg.sender, Kinds.INSURER);
        (uint32 arbitratorId, ) = _participants.activeInstitution(config.arbitrator, Kinds.PUBLIC_HEALTH_AGENCY);
        _checkConfig(config);
        EscrowStorage storage $ = _storage();
        programmeId = ++$.programmeCount;
        ProgrammeData storage p = $.programmes[programmeId];
        p.token = config.token;
        p.insurerId = insurerId;
        p.copayBps = config.copayBps;
        p.openEnrolment = config.openEnrolment;
        p.copayOnChain = config.copayOnChain;
        p.filingWindowDays = config.filingWindowDays;
        p.reviewDays = config.reviewDays;
        p.coveredTypes = config.coveredTypes;
        p.perClaimCap = config.perClaimCap;
        p.perPatientYearCap = config.perPatientYearCap;
        p.autoApproveThreshold = config.autoApproveThreshold;
        p.startedAt = uint40(block.timestamp);
        p.arbitratorId = arbitratorId;
        p.disputeDays = config.disputeDays;
        p.arbitrationDays = config.arbitrationDays;
        emit ProgrammeOpened(programmeId, insurerId, config.token, config);
    }

    /// @inheritdoc IClaimProgrammes
    function closeProgramme(uint256 programmeId) external onlyDelegated {
        ProgrammeData storage p = _insurerProgramme(programmeId);
        if (p.closedAt != 0) revert ClaimsProgrammeClosed(programmeId);
        p.closedAt = uint32(block.timestamp);
        emit ProgrammeClosed(programmeId);
    }

    /// @inheritdoc IClaimProgrammes
    function deposit(uint256 programmeId, uint256 amount) external onlyDelegated nonReentrant {
        ProgrammeData storage p = _insurerProgramme(programmeId);
        IERC20 token = p.token;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert ClaimsFeeOnTransferToken(token, amount, received);
        // Free and reserved together stay within 128 bits, so that no later release can overflow (and block a
        // settlement): a deposit that would pass it is refused.
        uint256 room = type(uint128).max - uint256(p.free) - p.reserved;
        if (amount > room) revert ClaimsDepositTooLarge(programmeId, amount, room);
        uint128 free = p.free + uint128(amount);
        p.free = free;
        emit Deposited(programmeId, amount, free);
    }

    /// @inheritdoc IClaimProgrammes
    function announceWithdrawal(uint256 programmeId, uint128 amount, address to) external onlyDelegated {
        ProgrammeData storage p = _insurerProgramme(programmeId);
        if (amount == 0) revert ClaimsZeroWithdrawal(programmeId);
        if (amount > p.free) revert ClaimsInsufficientFree(programmeId, amount, p.free);
        uint40 executableAt = uint40(block.timestamp) + WITHDRAWAL_NOTICE;
        p.withdrawalAmount = amount;
        p.withdrawalAt = executableAt;
        p.withdrawalTo = to;
        emit WithdrawalAnnounced(programmeId, to, amount, executableAt);
    }

    /// @inheritdoc IClaimProgrammes
    function withdraw(uint256 programmeId) external onlyDelegated nonReentrant {
        ProgrammeData storage p = _insurerProgramme(programmeId);
        uint40 executableAt = p.withdrawalAt;
        if (executableAt == 0) revert ClaimsNoWithdrawalAnnounced(programmeId);
        if (block.timestamp < executableAt) revert ClaimsWithdrawalNotDue(programmeId, executableAt);
        // An announcement is no standing option: it lapses after its window, and a new one needs a new notice.
        uint256 lapsesAt = uint256(executableAt) + WITHDRAWAL_WINDOW;
        if (block.timestamp > lapsesAt) revert ClaimsWithdrawalLapsed(programmeId, lapsesAt);
        uint128 free = p.free;
        uint128 amount = p.withdrawalAmount < free ? p.withdrawalAmount : free;
        address to = p.withdrawalTo;
        free -= amount;
        p.free = free;
        p.withdrawalAmount = 0;
        p.withdrawalAt = 0;
        p.withdrawalTo = address(0);
        emit Withdrawn(programmeId, to, amount, free);
        p.token.safeTransfer(to, amount);
    }

    /// @inheritdoc IClaimProgrammes
    function enrol(uint256 programmeId, uint64 patient) external onlyDelegated {
        ProgrammeData storage p = _programme(programmeId);
        (uint32 caller, , uint64 patients) = _participants.activeInstitutionAndPatients(msg.sender, Kinds.INSURER);
        if (caller != p.insurerId) revert ClaimsNotProgrammeInsurer(programmeId, msg.sender);
        if (patient == 0 || patient > patients) revert ClaimsUnknownPatient(patient);
        _enrol(p, programmeId, patient, false);
    }

    /// @inheritdoc IClaimProgrammes
    function join(uint256 programmeId) external onlyDelegated {
        (uint64 patient, ) = _patientAction();
        ProgrammeData storage p = _programme(programmeId);
        if (!p.openEnrolment) revert ClaimsEnrolmentClosed(programmeId);
        _enrol(p, programmeId, patient, true);
    }

    /// @inheritdoc IClaimProgrammes
    function endCover(uint256 programmeId, uint64 patient) external onlyDelegated {
        _insurerProgramme(programmeId);
        Cover storage c = _storage().covers[_coverKey(programmeId, patient)];
        if (c.enrolledAt == 0) revert ClaimsNotEnrolled(programmeId, patient);
        if (c.endedAt != 0) revert ClaimsCoverAlreadyEnded(programmeId, patient, c.endedAt);
        c.endedAt = uint40(block.timestamp);
        emit CoverEnded(programmeId, patient);
    }

    function _enrol(ProgrammeData storage p, uint256 programmeId, uint64 patient, bool byPatient) private {
        if (p.closedAt != 0) revert ClaimsProgrammeClosed(programmeId);
        Cover storage c = _storage().covers[_coverKey(programmeId, patient)];
        if (c.enrolledAt != 0) {
            if (c.endedAt == 0) revert ClaimsAlreadyEnrolled(programmeId, patient, c.enrolledAt);
            // Two periods are kept; the oldest is forgotten only once none of its treatments can be filed.
            if (c.previousEnrolledAt != 0) {
                uint256 claimableUntil = uint256(c.previousEndedAt) + uint256(p.filingWindowDays) * 1 days;
                if (block.timestamp <= claimableUntil) {
                    revert ClaimsPreviousCoverClaimable(programmeId, patient, claimableUntil);
                }
            }
            c.previousEnrolledAt = c.enrolledAt;
            c.previousEndedAt = c.endedAt;
            c.endedAt = 0;
        }
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
        _checkStep(config.reviewDays, ProgrammeSetting.ReviewDays);
        _checkStep(config.disputeDays, ProgrammeSetting.DisputeDays);
        _checkStep(config.arbitrationDays, ProgrammeSetting.ArbitrationDays);
    }

    /// @dev Each step of a claim lasts 1 to 90 days, so every reservation settles within 270 days.
    function _checkStep(uint16 days_, ProgrammeSetting setting) private pure {
        if (days_ == 0 || days_ > MAX_STEP_DAYS) revert ClaimsInvalidConfiguration(setting);
    }

    // ------------------------------------------------------------ decisions

    /// @dev Implements {IClaimEscrow}'s function of this name; see there.
    function approve(uint256 claimId, uint96 amount, bytes32 reasonCode) external onlyDelegated nonReentrant {
        ClaimData storage c = _claimIn(claimId, IClaimEscrow.ClaimStatus.Pending, IClaimEscrow.ClaimStatus.Pending);
        ProgrammeData storage p = _insurerProgramme(c.programmeId);
        _beforeDeadline(claimId, c);
        uint96 due = c.due;
        if (amount > due) revert IClaimEscrow.ClaimsApprovalExceedsClaim(claimId, amount, due);
        IClaimEscrow.ClaimStatus status = amount == due
            ? IClaimEscrow.ClaimStatus.Paid
            : IClaimEscrow.ClaimStatus.PartiallyApproved;
        uint40 deadline = status == IClaimEscrow.ClaimStatus.Paid ? 0 : _after(p.disputeDays);
        c.status = status;
        c.paid = amount;
        c.deadline = deadline;
        p.reserved -= amount;
        emit IClaimEscrow.ClaimDecided(
            claimId,
            status,
            amount,
            reasonCode,
            bytes32(0),
            deadline,
            IClaimEscrow.Party.Insurer
        );
        _payClaim(p.token, claimId, c, amount);
    }

    /// @dev Implements {IClaimEscrow}'s function of this name; see there.
    function reject(uint256 claimId, bytes32 reasonCode) external onlyDelegated {
        ClaimData storage c = _claimIn(claimId, IClaimEscrow.ClaimStatus.Pending, IClaimEscrow.ClaimStatus.Pending);
        ProgrammeData storage p = _insurerProgramme(c.programmeId);
        _beforeDeadline(claimId, c);
        uint40 deadline = _after(p.disputeDays);
        c.status = IClaimEscrow.ClaimStatus.Rejected;
        c.deadline = deadline;
        emit IClaimEscrow.ClaimDecided(
            claimId,
            IClaimEscrow.ClaimStatus.Rejected,
            0,
            reasonCode,
            bytes32(0),
            deadline,
            IClaimEscrow.Party.Insurer
        );
    }

    /// @dev Implements {IClaimEscrow}'s function of this name; see there.
    function dispute(uint256 claimId, bytes32 reasonCode, bytes32 evidence) external onlyDelegated {
        ClaimData storage c = _claimIn(
            claimId,
            IClaimEscrow.ClaimStatus.PartiallyApproved,
            IClaimEscrow.ClaimStatus.Rejected
        );
        IClaimEscrow.Party by = _checkClaimant(c);
        _beforeDeadline(claimId, c);
        uint40 deadline = _after(_storage().programmes[c.programmeId].arbitrationDays);
        c.status = IClaimEscrow.ClaimStatus.Disputed;
        c.deadline = deadline;
        emit IClaimEscrow.ClaimDecided(
            claimId,
            IClaimEscrow.ClaimStatus.Disputed,
            0,
            reasonCode,
            evidence,
            deadline,
            by
        );
    }

    /// @dev Implements {IClaimEscrow}'s function of this name; see there.
    function arbitrate(uint256 claimId, uint96 award, bytes32 reasonCode) external onlyDelegated nonReentrant {
        ClaimData storage c = _claimIn(claimId, IClaimEscrow.ClaimStatus.Escalated, IClaimEscrow.ClaimStatus.Disputed);
        ProgrammeData storage p = _storage().programmes[c.programmeId];
        (uint32 caller, ) = _participants.activeInstitution(msg.sender, Kinds.PUBLIC_HEALTH_AGENCY);
        if (caller != p.arbitratorId) revert IClaimEscrow.ClaimsNotArbitrator(claimId, msg.sender);
        _beforeDeadline(claimId, c);
        uint96 contested = c.due - c.paid;
        if (award > contested) revert IClaimEscrow.ClaimsAwardExceedsContested(claimId, award, contested);
        _settle(p, claimId, c, award, reasonCode, IClaimEscrow.Party.Arbitrator);
    }

    /// @dev Implements {IClaimEscrow}'s function of this name; see there.
    function applyDefault(uint256 claimId) external onlyDelegated nonReentrant {
        ClaimData storage c = _claim(claimId);
        IClaimEscrow.ClaimStatus status = c.status;
        if (status == IClaimEscrow.ClaimStatus.Paid || status == IClaimEscrow.ClaimStatus.Settled)
            revert IClaimEscrow.ClaimsInvalidStatus(claimId, status);
        uint40 deadline = c.deadline;
        if (block.timestamp <= deadline) revert IClaimEscrow.ClaimsDeadlineNotPassed(claimId, deadline);
        ProgrammeData storage p = _storage().programmes[c.programmeId];
        if (status == IClaimEscrow.ClaimStatus.Pending) {
            // The insurer let its review deadline pass: the threshold's share (what a small claim would have
            // been paid at once, at the same co-payment) is paid, the rest goes to the arbitrator.
            uint96 due = c.due;
            uint96 share = _due(p, p.autoApproveThreshold);
            uint40 arbitrationDeadline = deadline + uint40(p.arbitrationDays) * 1 days;
            if (share < due && block.timestamp <= arbitrationDeadline) {
                c.status = IClaimEscrow.ClaimStatus.Escalated;
                c.paid = share;
                c.deadline = arbitrationDeadline;
                p.reserved -= share;
                emit IClaimEscrow.ClaimDecided(
                    claimId,
                    IClaimEscrow.ClaimStatus.Escalated,
                    share,
                    0,
                    0,
                    arbitrationDeadline,
                    IClaimEscrow.Party.Anyone
                );
                _payClaim(p.token, claimId, c, share);
                return;
            }
            // Nobody reviewed and the arbitration deadline passed too: paid in full, as an escalated claim the
            // arbitrator did not settle.
            _settle(p, claimId, c, due, 0, IClaimEscrow.Party.Anyone);
        } else if (status == IClaimEscrow.ClaimStatus.Escalated) {
            // The insurer never reviewed it and the arbitrator did not settle it: the rest is paid.
            _settle(p, claimId, c, c.due - c.paid, 0, IClaimEscrow.Party.Anyone);
        } else {
            // An undisputed decision, or a disputed one the arbitrator did not settle: the decision stands.
            _settle(p, claimId, c, 0, 0, IClaimEscrow.Party.Anyone);
        }
    }

    /// @dev Closes a claim: pays `award` from its reservation, releases the rest, status Settled.
    function _settle(
        ProgrammeData storage p,
        uint256 claimId,
        ClaimData storage c,
        uint96 award,
        bytes32 reasonCode,
        IClaimEscrow.Party by
    ) private {
        uint96 contested = c.due - c.paid;
        p.reserved -= award;
        c.paid += award;
        c.status = IClaimEscrow.ClaimStatus.Settled;
        c.deadline = 0;
        _release(c, contested - award);
        emit IClaimEscrow.ClaimDecided(claimId, IClaimEscrow.ClaimStatus.Settled, award, reasonCode, bytes32(0), 0, by);
        _payClaim(p.token, claimId, c, award);
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

    /// @dev Pays a reviewed claim's party at its current address.
    function _payClaim(IERC20 token, uint256 claimId, ClaimData storage c, uint256 amount) private {
        if (amount == 0) return;
        bool toHospital = c.payTo == IClaimEscrow.PayTo.Hospital;
        address payee = toHospital ? _participants.accountOf(c.hospitalId) : _participants.patientAccount(c.patientId);
        _pay(token, claimId, c.payTo, toHospital ? c.hospitalId : c.patientId, payee, amount);
    }

    /// @dev The claim's patient (through the gateway), or its hospital at its current address while active.
    function _checkClaimant(ClaimData storage c) private view returns (IClaimEscrow.Party) {
        if (msg.sender == address(_participants)) {
            (uint64 patient, ) = _patientAction();
            if (patient != c.patientId) revert IClaimEscrow.ClaimsNotClaimant(msg.sender);
            return IClaimEscrow.Party.Patient;
        }
        IParticipantRegistry.Member memory m = _participants.memberOf(msg.sender);
        if (m.id != c.hospitalId) revert IClaimEscrow.ClaimsNotClaimant(msg.sender);
        if (m.status != IParticipantRegistry.Status.Active) {
            revert IParticipantRegistry.ParticipantsNotActive(msg.sender, m.status);
        }
        return IClaimEscrow.Party.Hospital;
    }

    /// @dev The current step's deadline binds the party that acts in it.
    function _beforeDeadline(uint256 claimId, ClaimData storage c) private view {
        uint40 deadline = c.deadline;
        if (block.timestamp > deadline) revert IClaimEscrow.ClaimsDeadlinePassed(claimId, deadline);
    }

    /// @dev The claim, if its status is `a` or `b`.
    function _claimIn(
        uint256 claimId,
        IClaimEscrow.ClaimStatus a,
        IClaimEscrow.ClaimStatus b
    ) private view returns (ClaimData storage c) {
        c = _claim(claimId);
        IClaimEscrow.ClaimStatus status = c.status;
        if (status != a && status != b) revert IClaimEscrow.ClaimsInvalidStatus(claimId, status);
    }
}
