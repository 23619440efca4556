// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IClaimProgrammes
 * @notice The insurer's side of the claim escrow: programmes, their funds, enrolment and cover. Part of
 * {IClaimEscrow}, at the escrow's address; the escrow's implementation hands these functions to a second
 * implementation sharing its storage (the escrow's code would not fit in one contract).
 */
interface IClaimProgrammes {
    /// @notice This implementation runs only inside the escrow (delegated to); a direct call is refused.
    error ClaimsNotThroughEscrow();

    /// @notice A setting of {ProgrammeConfig}, to name the one that is unusable.
    enum ProgrammeSetting {
        Token,
        CoveredTypes,
        PerClaimCap,
        PerPatientYearCap,
        AutoApproveThreshold,
        CopayBps,
        FilingWindowDays,
        ReviewDays,
        DisputeDays,
        ArbitrationDays
    }

    /**
     * @notice What an insurer sets when it opens a programme.
     * @param token The payment token (IST or any ERC-20 without transfer fees).
     * @param coveredTypes Bitmap of covered record types (bit t = type t), as wide as the registry's types.
     * @param perClaimCap Largest amount billed in one claim.
     * @param perPatientYearCap Largest total paid (and reserved) per patient per policy year.
     * @param autoApproveThreshold Claims billing at most this much are approved and paid at once.
     * @param copayBps The patient's share, in basis points; the escrow pays the rest.
     * @param filingWindowDays Days after the treatment during which a claim can be filed (1 to 365).
     * @param reviewDays Days the insurer has to decide a larger claim (1 to 90).
     * @param disputeDays Days the claimants have to dispute a partial approval or a rejection (1 to 90).
     * @param arbitrationDays Days the arbitrator has to settle an escalated or disputed claim (1 to 90).
     * @param arbitrator The public health agency whose decision on a dispute is final.
     * @param openEnrolment Whether patients may join themselves (through the directory's gateway, so also
     * gaslessly); else only the insurer enrols.
     * @param copayOnChain Whether a claim paying the hospital also moves the patient's co-payment to the
     * hospital, in the programme's token, when the claim is filed.
     */
    struct ProgrammeConfig {
        IERC20 token;
        uint128 coveredTypes;
        uint96 perClaimCap;
        uint96 perPatientYearCap;
        uint96 autoApproveThreshold;
        uint16 copayBps;
        uint16 filingWindowDays;
        uint16 reviewDays;
        uint16 disputeDays;
        uint16 arbitrationDays;
        address arbitrator;
        bool openEnrolment;
        bool copayOnChain;
    }

    /**
     * @notice A withdrawal the insurer announced.
     * @param amount The amount announced (what is still free at execution, if less, is withdrawn).
     * @param executableAt When it may be executed.
     * @param to The recipient.
     */
    struct Withdrawal {
        uint128 amount;
        uint40 executableAt;
        address to;
    }

    /**
     * @notice A programme as stored.
     * @param insurerId The insurer's institution id.
     * @param arbitratorId The arbitrator's institution id.
     * @param startedAt When it opened; policy years count from here.
     * @param closedAt When it stopped covering new treatments (0 while open).
     * @param free Deposited funds not reserved for claims (announced withdrawals included until executed).
     * @param reserved Funds reserved for pending, escalated or disputed claims.
     * @param withdrawal The announced withdrawal (all zero if none).
     * @param config The insurer's settings; `arbitrator` is the current arbitrator's current address.
     */
    struct Programme {
        uint32 insurerId;
        uint32 arbitratorId;
        uint40 startedAt;
        uint40 closedAt;
        uint128 free;
        uint128 reserved;
        Withdrawal withdrawal;
        ProgrammeConfig config;
    }

    /// @notice The caller is not the programme's insurer (at its current address).
    /// @param programmeId The programme.
    /// @param caller Who called.
    error ClaimsNotProgrammeInsurer(uint256 programmeId, address caller);

    /// @notice A programme setting is unusable: a zero token, no covered type, a zero cap, a threshold above the
    /// per-claim cap, a co-payment above 100%, a filing window outside 1-365 days, a review, dispute or
    /// arbitration period outside 1-90 days.
    /// @param setting Which one.
    error ClaimsInvalidConfiguration(ProgrammeSetting setting);

    /// @notice No programme has this id.
    /// @param programmeId The id.
    error ClaimsUnknownProgramme(uint256 programmeId);

    /// @notice The programme no longer takes new patients or treatments.
    /// @param programmeId The programme.
    error ClaimsProgrammeClosed(uint256 programmeId);

    /// @notice The token moved a different amount than asked (a fee on transfer); such tokens are refused.
    /// @param token The token.
    /// @param expected The amount sent.
    /// @param received The amount that arrived.
    error ClaimsFeeOnTransferToken(IERC20 token, uint256 expected, uint256 received);

    /// @notice The programme's free and reserved funds together would pass 2^128 - 1 (kept so, that no
    /// settlement can overflow).
    /// @param programmeId The programme.
    /// @param amount The deposit.
    /// @param room What the programme can still take.
    error ClaimsDepositTooLarge(uint256 programmeId, uint256 amount, uint256 room);

    /// @notice Not enough free funds.
    /// @param programmeId The programme.
    /// @param requested The amount needed.
    /// @param free The free funds.
    error ClaimsInsufficientFree(uint256 programmeId, uint256 requested, uint256 free);

    /// @notice A withdrawal of nothing was announced.
    /// @param programmeId The programme.
    error ClaimsZeroWithdrawal(uint256 programmeId);

    /// @notice No withdrawal is announced.
    /// @param programmeId The programme.
    error ClaimsNoWithdrawalAnnounced(uint256 programmeId);

    /// @notice The announced withdrawal was not executed within its window; announce it again.
    /// @param programmeId The programme.
    /// @param lapsedAt When it lapsed.
    error ClaimsWithdrawalLapsed(uint256 programmeId, uint256 lapsedAt);

    /// @notice The withdrawal's notice has not ended.
    /// @param programmeId The programme.
    /// @param executableAt When it may be executed.
    error ClaimsWithdrawalNotDue(uint256 programmeId, uint40 executableAt);

    /// @notice No patient has this id.
    /// @param patientId The id.
    error ClaimsUnknownPatient(uint64 patientId);

    /// @notice The programme does not let patients join themselves: its insurer enrols them.
    /// @param programmeId The programme.
    error ClaimsEnrolmentClosed(uint256 programmeId);

    /// @notice The patient's cover in the programme is running.
    /// @param programmeId The programme.
    /// @param patient The patient.
    /// @param enrolledAt When it started.
    error ClaimsAlreadyEnrolled(uint256 programmeId, uint64 patient, uint40 enrolledAt);

    /// @notice The patient could still file claims for treatments of its previous cover, which a new cover
    /// would forget (two periods are kept: the current and the previous one).
    /// @param programmeId The programme.
    /// @param patient The patient.
    /// @param claimableUntil When the filing window of that cover's last treatments closes.
    error ClaimsPreviousCoverClaimable(uint256 programmeId, uint64 patient, uint256 claimableUntil);

    /// @notice The patient was never enrolled in the programme.
    /// @param programmeId The programme.
    /// @param patient The patient.
    error ClaimsNotEnrolled(uint256 programmeId, uint64 patient);

    /// @notice The patient's cover in the programme has already ended.
    /// @param programmeId The programme.
    /// @param patient The patient.
    /// @param endedAt When it ended.
    error ClaimsCoverAlreadyEnded(uint256 programmeId, uint64 patient, uint40 endedAt);

    /// @notice A programme was opened.
    /// @param programmeId Its id.
    /// @param insurerId The insurer.
    /// @param token The payment token.
    /// @param config Its settings.
    event ProgrammeOpened(
        uint256 indexed programmeId,
        uint32 indexed insurerId,
        IERC20 indexed token,
        ProgrammeConfig config
    );

    /// @notice A programme stopped covering new treatments (claims already filed go on).
    /// @param programmeId The programme.
    event ProgrammeClosed(uint256 indexed programmeId);

    /// @notice Governance replaced a programme's arbitrator; it settles every claim still escalated or disputed.
    /// @param programmeId The programme.
    /// @param previousId The arbitrator replaced.
    /// @param arbitratorId The new arbitrator.
    event ArbitratorReplaced(uint256 indexed programmeId, uint32 previousId, uint32 arbitratorId);

    /// @notice Funds were deposited.
    /// @param programmeId The programme.
    /// @param amount The amount.
    /// @param free Free funds after the deposit.
    event Deposited(uint256 indexed programmeId, uint256 amount, uint256 free);

    /// @notice The insurer announced a withdrawal (replacing any earlier announcement).
    /// @param programmeId The programme.
    /// @param to The recipient.
    /// @param amount The amount.
    /// @param executableAt When it may be executed.
    event WithdrawalAnnounced(uint256 indexed programmeId, address indexed to, uint256 amount, uint40 executableAt);

    /// @notice Free funds were withdrawn.
    /// @param programmeId The programme.
    /// @param to The recipient.
    /// @param amount The amount.
    /// @param free Free funds after the withdrawal.
    event Withdrawn(uint256 indexed programmeId, address indexed to, uint256 amount, uint256 free);

    /// @notice A patient was enrolled; treatments from now on are covered.
    /// @param programmeId The programme.
    /// @param patient The patient.
    /// @param byPatient True when the patient joined (open enrolment), false when the insurer enrolled it.
    event Enrolled(uint256 indexed programmeId, uint64 indexed patient, bool byPatient);

    /// @notice A patient's cover ended for new treatments; claims already filed go on.
    /// @param programmeId The programme.
    /// @param patient The patient.
    event CoverEnded(uint256 indexed programmeId, uint64 indexed patient);

    /// @notice How long an announced withdrawal waits before it can be executed.
    function WITHDRAWAL_NOTICE() external view returns (uint40);

    /// @notice How long an announced withdrawal stays executable after its notice; then it lapses, so that an
    /// announcement is never a standing option to empty the programme in front of a filing.
    function WITHDRAWAL_WINDOW() external view returns (uint40);

    /// @notice Number of programmes; ids run from 1.
    function programmeCount() external view returns (uint256);

    /// @notice A programme by id.
    /// @dev Reverts with {ClaimsUnknownProgramme}.
    /// @param programmeId The id.
    function getProgramme(uint256 programmeId) external view returns (Programme memory);

    /**
     * @notice A patient's cover periods in a programme: the current (or last) one and the one before it
     * (0 if none / not ended).
     * @param programmeId The programme.
     * @param patient The patient.
     */
    function coverOf(
        uint256 programmeId,
        uint64 patient
    ) external view returns (uint40 enrolledAt, uint40 endedAt, uint40 previousEnrolledAt, uint40 previousEndedAt);

    /// @notice Paid and reserved for a patient in a policy year.
    /// @param programmeId The programme.
    /// @param patient The patient.
    /// @param year The policy year.
    function usedInYear(uint256 programmeId, uint64 patient, uint16 year) external view returns (uint256);

    /**
     * @notice An active insurer opens a programme.
     * @dev Reverts with the participant directory's errors for a caller that is not an active insurer or an
     * arbitrator that is not an active public health agency, or {ClaimsInvalidConfiguration}. Emits
     * {ProgrammeOpened}.
     * @param config Its settings.
     * @return programmeId Its id.
     */
    function openProgramme(ProgrammeConfig calldata config) external returns (uint256 programmeId);

    /// @notice The insurer stops covering new treatments. Emits {ProgrammeClosed}.
    /// @dev Reverts with {ClaimsNotProgrammeInsurer} or {ClaimsProgrammeClosed}.
    /// @param programmeId The programme.
    function closeProgramme(uint256 programmeId) external;

    /**
     * @notice The insurer deposits into the programme's escrow (pulled with `transferFrom`).
     * @dev Reverts with {ClaimsNotProgrammeInsurer}, {ClaimsDepositTooLarge} or {ClaimsFeeOnTransferToken}.
     * Emits {Deposited}.
     * @param programmeId The programme.
     * @param amount The amount.
     */
    function deposit(uint256 programmeId, uint256 amount) external;

    /**
     * @notice The insurer announces a withdrawal of free funds, executable after {WITHDRAWAL_NOTICE}; until then
     * the funds stay free and claims are filed against them, so no withdrawal can front-run a filing.
     * @dev Reverts with {ClaimsNotProgrammeInsurer}, {ClaimsZeroWithdrawal} or {ClaimsInsufficientFree}.
     * Emits {WithdrawalAnnounced}.
     * @param programmeId The programme.
     * @param amount The amount.
     * @param to The recipient.
     */
    function announceWithdrawal(uint256 programmeId, uint128 amount, address to) external;

    /**
     * @notice The insurer executes its announced withdrawal, within {WITHDRAWAL_WINDOW} after its notice: the
     * amount announced, or what is still free if claims took part of it during the notice.
     * @dev Reverts with {ClaimsNotProgrammeInsurer}, {ClaimsNoWithdrawalAnnounced}, {ClaimsWithdrawalNotDue} or
     * {ClaimsWithdrawalLapsed}.
     * Emits {Withdrawn}.
     * @param programmeId The programme.
     */
    function withdraw(uint256 programmeId) external;

    /// @notice The insurer enrols a patient; treatments from now on are covered.
    /// @dev Reverts with {ClaimsNotProgrammeInsurer}, {ClaimsProgrammeClosed}, {ClaimsUnknownPatient},
    /// {ClaimsAlreadyEnrolled} or {ClaimsPreviousCoverClaimable}. Emits {Enrolled}.
    /// @param programmeId The programme.
    /// @param patient The patient.
    function enrol(uint256 programmeId, uint64 patient) external;

    /**
     * @notice A patient (or a guardian with the act power) joins a programme with open enrolment, through the
     * directory's gateway: relayed, the patient needs no ETH. A patient whose cover ended may join again.
     * @dev Reverts with `PatientsNotThroughGateway`, `PatientsGuardianLacksPower`, {ClaimsUnknownProgramme},
     * {ClaimsEnrolmentClosed}, {ClaimsProgrammeClosed}, {ClaimsAlreadyEnrolled} or
     * {ClaimsPreviousCoverClaimable}. Emits {Enrolled}.
     * @param programmeId The programme.
     */
    function join(uint256 programmeId) external;

    /// @notice The insurer ends a patient's cover for new treatments; claims already filed go on.
    /// @dev Reverts with {ClaimsNotProgrammeInsurer}, {ClaimsNotEnrolled} or {ClaimsCoverAlreadyEnded}.
    /// Emits {CoverEnded}.
    /// @param programmeId The programme.
    /// @param patient The patient.
    function endCover(uint256 programmeId, uint64 patient) external;
}
