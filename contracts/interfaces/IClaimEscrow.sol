// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IClaimEscrow
 * @notice Insurance claims that the chain checks by itself. An insurer's money waits in escrow; a small claim
 * about records the patient let the insurer read is approved and paid in the same transaction, a larger one is
 * reserved and reviewed, a silent insurer can be overruled, and a public-agency arbitrator settles disputes.
 * No record is ever claimed twice.
 * @dev Money: for every token, the escrow's balance covers every programme's free and reserved funds plus the
 * credits of payees whose transfer failed (tested as an invariant after every step). Tokens that take a fee on
 * transfer are refused at deposit; tokens that return no boolean work through SafeERC20. A payee that cannot
 * receive never blocks a claim: its payment becomes a credit it withdraws later.
 */
interface IClaimEscrow {
    /// @notice Where a claim stands. Paid, Settled are final.
    enum ClaimStatus {
        None,
        Pending,
        Paid,
        PartiallyApproved,
        Rejected,
        Escalated,
        Disputed,
        Settled
    }

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
        DisputeDays
    }

    /**
     * @notice What an insurer sets when it opens a programme.
     * @param token The payment token (IST or any ERC-20 without transfer fees).
     * @param coveredTypes Bitmap of covered record types (bit t = type t, types below 64).
     * @param perClaimCap Largest amount billed in one claim.
     * @param perPatientYearCap Largest total paid (and reserved) per patient per policy year.
     * @param autoApproveThreshold Claims billing at most this much are approved and paid at once.
     * @param copayBps The patient's share, in basis points; the escrow pays the rest.
     * @param filingWindowDays Days after the treatment during which a claim can be filed (at most 365).
     * @param reviewDays Days the insurer has to decide a larger claim.
     * @param disputeDays Days the claimant has to dispute a partial approval or a rejection.
     * @param arbitrator The public health agency whose decision on a dispute is final.
     * @param openEnrolment Whether patients may join themselves (through the directory's gateway, so also
     * gaslessly); else only the insurer enrols.
     */
    struct ProgrammeConfig {
        IERC20 token;
        uint64 coveredTypes;
        uint96 perClaimCap;
        uint96 perPatientYearCap;
        uint96 autoApproveThreshold;
        uint16 copayBps;
        uint16 filingWindowDays;
        uint16 reviewDays;
        uint16 disputeDays;
        address arbitrator;
        bool openEnrolment;
    }

    /**
     * @notice A programme as stored.
     * @param insurerId The insurer's institution id.
     * @param arbitratorId The arbitrator's institution id.
     * @param startedAt When it opened; policy years count from here.
     * @param closedAt When it stopped covering new treatments (0 while open).
     * @param free Deposited funds not reserved for pending claims.
     * @param reserved Funds reserved for pending, escalated or disputed claims.
     * @param config The insurer's settings.
     */
    struct Programme {
        uint32 insurerId;
        uint32 arbitratorId;
        uint40 startedAt;
        uint40 closedAt;
        uint128 free;
        uint128 reserved;
        ProgrammeConfig config;
    }

    /**
     * @notice A claim as stored.
     * @param patientId Whose treatment.
     * @param programmeId The programme.
     * @param hospitalId The hospital that issued the records.
     * @param status Where it stands.
     * @param year The policy year of the treatment.
     * @param billed The amount billed.
     * @param due The escrow's share (billed less co-payment).
     * @param paid What has been paid (or credited) so far.
     * @param deadline The review deadline while pending, the dispute deadline after a partial approval or a
     * rejection.
     * @param payee Who is paid.
     */
    struct Claim {
        uint64 patientId;
        uint32 programmeId;
        uint32 hospitalId;
        ClaimStatus status;
        uint16 year;
        uint96 billed;
        uint96 due;
        uint96 paid;
        uint40 deadline;
        address payee;
    }

    /// @notice The caller is not the programme's insurer (at its current address).
    /// @param programmeId The programme.
    /// @param caller Who called.
    error ClaimsNotProgrammeInsurer(uint256 programmeId, address caller);

    /// @notice A programme setting is unusable: a zero token, no covered type, a zero cap, a threshold above the
    /// per-claim cap, a co-payment above 100%, a filing window of 0 or more than 365 days, zero review or dispute
    /// days.
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

    /// @notice Not enough free funds.
    /// @param programmeId The programme.
    /// @param requested The amount needed.
    /// @param free The free funds.
    error ClaimsInsufficientFree(uint256 programmeId, uint256 requested, uint256 free);

    /// @notice No patient has this id.
    /// @param patientId The id.
    error ClaimsUnknownPatient(uint64 patientId);

    /// @notice The programme does not let patients join themselves: its insurer enrols them.
    /// @param programmeId The programme.
    error ClaimsEnrolmentClosed(uint256 programmeId);

    /// @notice The patient was already enrolled in the programme (once per programme, even after the cover ended).
    /// @param programmeId The programme.
    /// @param patient The patient.
    /// @param enrolledAt When the patient was enrolled.
    error ClaimsAlreadyEnrolled(uint256 programmeId, uint64 patient, uint40 enrolledAt);

    /// @notice The patient was never enrolled in the programme.
    /// @param programmeId The programme.
    /// @param patient The patient.
    error ClaimsNotEnrolled(uint256 programmeId, uint64 patient);

    /// @notice The patient's cover in the programme has already ended.
    /// @param programmeId The programme.
    /// @param patient The patient.
    /// @param endedAt When it ended.
    error ClaimsCoverAlreadyEnded(uint256 programmeId, uint64 patient, uint40 endedAt);

    /// @notice A guardian filing for a patient names another payee than the patient's current address.
    /// @param payee The payee named.
    /// @param patientAccount The patient's current address.
    error ClaimsPayeeNotPatient(address payee, address patientAccount);

    /// @notice A claim names no record, or too many.
    /// @param count The number of records.
    error ClaimsInvalidRecordCount(uint256 count);

    /// @notice A record is not the claim's patient's.
    /// @param recordId The record.
    /// @param patient The claim's patient.
    error ClaimsRecordPatientMismatch(uint256 recordId, uint64 patient);

    /// @notice A record was not issued by the claim's hospital.
    /// @param recordId The record.
    /// @param issuer Its issuer.
    /// @param hospitalId The claim's hospital.
    error ClaimsRecordIssuerMismatch(uint256 recordId, uint32 issuer, uint32 hospitalId);

    /// @notice The insurer holds no live consent to read the record for an insurance claim.
    /// @param recordId The record.
    /// @param insurerId The insurer's institution id.
    error ClaimsNoConsent(uint256 recordId, uint32 insurerId);

    /// @notice The record was already claimed, in this or another claim, of this or another programme.
    /// @param recordId The record.
    /// @param claimId The claim that has it.
    error ClaimsRecordAlreadyClaimed(uint256 recordId, uint256 claimId);

    /// @notice The record's type is not covered by the programme.
    /// @param recordId The record.
    /// @param recordType Its type.
    error ClaimsRecordTypeNotCovered(uint256 recordId, uint8 recordType);

    /// @notice The treatment falls outside the enrolled patient's cover: before enrolment, after the cover ended,
    /// or after the programme closed.
    /// @param recordId The record.
    /// @param treatedAt When the treatment took place.
    error ClaimsNotCovered(uint256 recordId, uint40 treatedAt);

    /// @notice The filing window after the treatment has passed.
    /// @param recordId The record.
    /// @param deadline The last second at which it could be claimed.
    error ClaimsFilingWindowClosed(uint256 recordId, uint256 deadline);

    /// @notice The amount is zero or above the per-claim cap.
    /// @param amount The amount.
    /// @param cap The cap.
    error ClaimsInvalidAmount(uint256 amount, uint256 cap);

    /// @notice The claim would take the patient over the programme's yearly cap.
    /// @param patient The patient.
    /// @param year The policy year.
    /// @param used Already paid or reserved this year.
    /// @param requested This claim's share.
    /// @param cap The cap.
    error ClaimsPatientYearCapExceeded(uint64 patient, uint16 year, uint256 used, uint256 requested, uint256 cap);

    /// @notice The caller is neither the claim's patient (through the directory's gateway) nor its hospital (a
    /// suspended hospital is refused with the participant directory's `ParticipantsNotActive`).
    /// @param caller Who called (the directory when the gateway forwarded another patient's action).
    error ClaimsNotClaimant(address caller);

    /// @notice The payee is the zero address.
    error ClaimsZeroPayee();

    /// @notice No claim has this id.
    /// @param claimId The id.
    error ClaimsUnknownClaim(uint256 claimId);

    /// @notice The claim is not in a status that allows this action.
    /// @param claimId The claim.
    /// @param status Its status.
    error ClaimsInvalidStatus(uint256 claimId, ClaimStatus status);

    /// @notice The insurer approved more than the claim's payable share.
    /// @param claimId The claim.
    /// @param approved The amount approved.
    /// @param due The payable share.
    error ClaimsApprovalExceedsClaim(uint256 claimId, uint256 approved, uint256 due);

    /// @notice The insurer's review deadline has not passed yet, so approval cannot be forced.
    /// @param claimId The claim.
    /// @param deadline The review deadline.
    error ClaimsReviewDeadlineNotPassed(uint256 claimId, uint40 deadline);

    /// @notice The dispute deadline has passed, so the decision can no longer be disputed.
    /// @param claimId The claim.
    /// @param deadline The dispute deadline.
    error ClaimsDisputeDeadlinePassed(uint256 claimId, uint40 deadline);

    /// @notice The dispute deadline has not passed yet, so the claimant may still dispute and the claim cannot be
    /// finalized.
    /// @param claimId The claim.
    /// @param deadline The dispute deadline.
    error ClaimsDisputeDeadlineNotPassed(uint256 claimId, uint40 deadline);

    /// @notice The arbitrator awarded more than is still contested.
    /// @param claimId The claim.
    /// @param award The award.
    /// @param contested The contested amount.
    error ClaimsAwardExceedsContested(uint256 claimId, uint256 award, uint256 contested);

    /// @notice The caller is not the programme's arbitrator.
    /// @param claimId The claim.
    /// @param caller Who called.
    error ClaimsNotArbitrator(uint256 claimId, address caller);

    /// @notice There is no credit to withdraw.
    /// @param token The token.
    /// @param payee The payee.
    error ClaimsNoCredit(IERC20 token, address payee);

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

    /// @notice Funds were deposited.
    /// @param programmeId The programme.
    /// @param amount The amount.
    /// @param free Free funds after the deposit.
    event Deposited(uint256 indexed programmeId, uint256 amount, uint256 free);

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

    /**
     * @notice A claim was filed.
     * @param claimId Its id.
     * @param programmeId The programme.
     * @param patient The patient.
     * @param hospitalId The issuing hospital.
     * @param recordIds The treatment records.
     * @param billed The amount billed.
     * @param due The escrow's share (billed less co-payment).
     * @param payee Who is paid.
     * @param status Paid (automatic) or Pending.
     * @param deadline The review deadline (0 when paid at once).
     */
    event ClaimFiled(
        uint256 indexed claimId,
        uint256 indexed programmeId,
        uint64 indexed patient,
        uint32 hospitalId,
        uint256[] recordIds,
        uint256 billed,
        uint256 due,
        address payee,
        ClaimStatus status,
        uint40 deadline
    );

    /**
     * @notice A claim was decided or moved on.
     * @param claimId The claim.
     * @param status Its new status.
     * @param paidNow Paid (or credited) by this step.
     * @param reasonCode Why (a code from the insurer's or arbitrator's published list; zero for none).
     * @param by Who acted.
     */
    event ClaimDecided(uint256 indexed claimId, ClaimStatus status, uint256 paidNow, bytes32 reasonCode, address by);

    /**
     * @notice A payment's transfer failed (a payee that cannot receive, a blacklisting token), so the amount was
     * credited to the payee, who withdraws it with {withdrawCredit}. Payments that go through need no event of
     * their own: `ClaimFiled` (status Paid) and `ClaimDecided` (paidNow) already say who was paid how much.
     * @param claimId The claim.
     * @param payee The payee.
     * @param amount The amount credited.
     */
    event PaymentCredited(uint256 indexed claimId, address indexed payee, uint256 amount);

    /// @notice A payee withdrew its credit.
    /// @param token The token.
    /// @param payee The payee.
    /// @param to Where it went.
    /// @param amount The amount.
    event CreditWithdrawn(IERC20 indexed token, address indexed payee, address to, uint256 amount);

    /// @notice Number of programmes; ids run from 1.
    function programmeCount() external view returns (uint256);

    /// @notice A programme by id.
    /// @param programmeId The id.
    function getProgramme(uint256 programmeId) external view returns (Programme memory);

    /// @notice Number of claims; ids run from 1.
    function claimCount() external view returns (uint256);

    /// @notice A claim by id. A claim paid at once keeps nothing in storage: it reads as status Paid with the
    /// other fields zero, and its details are in its `ClaimFiled` event.
    /// @param claimId The id.
    function getClaim(uint256 claimId) external view returns (Claim memory);

    /// @notice The claim that claimed a record (0 if none).
    /// @param recordId The record.
    function claimOfRecord(uint256 recordId) external view returns (uint256);

    /// @notice When a patient's cover started and ended (0 if not enrolled / not ended).
    /// @param programmeId The programme.
    /// @param patient The patient.
    function coverOf(uint256 programmeId, uint64 patient) external view returns (uint40 enrolledAt, uint40 endedAt);

    /// @notice Paid and reserved for a patient in a policy year.
    /// @param programmeId The programme.
    /// @param patient The patient.
    /// @param year The policy year.
    function usedInYear(uint256 programmeId, uint64 patient, uint16 year) external view returns (uint256);

    /// @notice A payee's credit in a token (payments whose transfer failed).
    /// @param token The token.
    /// @param payee The payee.
    function creditOf(IERC20 token, address payee) external view returns (uint256);

    /// @notice All credits in a token.
    /// @param token The token.
    function totalCredits(IERC20 token) external view returns (uint256);

    /**
     * @notice An active insurer opens a programme.
     * @dev Reverts with the participant directory's errors for a caller that is not an active insurer, or
     * {ClaimsInvalidConfiguration}. Emits {ProgrammeOpened}.
     * @param config Its settings.
     * @return programmeId Its id.
     */
    function openProgramme(ProgrammeConfig calldata config) external returns (uint256 programmeId);

    /// @notice The insurer stops covering new treatments. Emits {ProgrammeClosed}.
    /// @param programmeId The programme.
    function closeProgramme(uint256 programmeId) external;

    /**
     * @notice The insurer deposits into the programme's escrow (pulled with `transferFrom`).
     * @dev Reverts with {ClaimsNotProgrammeInsurer} or {ClaimsFeeOnTransferToken}. Emits {Deposited}.
     * @param programmeId The programme.
     * @param amount The amount.
     */
    function deposit(uint256 programmeId, uint256 amount) external;

    /**
     * @notice The insurer withdraws free funds (never what is reserved).
     * @dev Reverts with {ClaimsNotProgrammeInsurer} or {ClaimsInsufficientFree}. Emits {Withdrawn}.
     * @param programmeId The programme.
     * @param amount The amount.
     * @param to The recipient.
     */
    function withdraw(uint256 programmeId, uint256 amount, address to) external;

    /// @notice The insurer enrols a patient; treatments from now on are covered.
    /// @dev Reverts with {ClaimsNotProgrammeInsurer}, {ClaimsProgrammeClosed}, {ClaimsUnknownPatient} or
    /// {ClaimsAlreadyEnrolled}. Emits {Enrolled}.
    /// @param programmeId The programme.
    /// @param patient The patient.
    function enrol(uint256 programmeId, uint64 patient) external;

    /**
     * @notice A patient (or a guardian with the act power) joins a programme with open enrolment, through the
     * directory's gateway: relayed, the patient needs no ETH.
     * @dev Reverts with `PatientsNotThroughGateway`, `PatientsGuardianLacksPower`, {ClaimsUnknownProgramme},
     * {ClaimsEnrolmentClosed}, {ClaimsProgrammeClosed} or {ClaimsAlreadyEnrolled}. Emits {Enrolled}.
     * @param programmeId The programme.
     */
    function join(uint256 programmeId) external;

    /// @notice The insurer ends a patient's cover for new treatments; claims already filed go on.
    /// @dev Reverts with {ClaimsNotProgrammeInsurer}, {ClaimsNotEnrolled} or {ClaimsCoverAlreadyEnded}.
    /// Emits {CoverEnded}.
    /// @param programmeId The programme.
    /// @param patient The patient.
    function endCover(uint256 programmeId, uint64 patient) external;

    /**
     * @notice The issuing hospital (for its patient) or the patient (through the directory's gateway) files a
     * claim. Checked on chain: the records
     * exist, are the patient's and the hospital's, the insurer may read them for an insurance claim, the
     * treatments are covered and within the filing window, no record was ever claimed, the amount within the
     * caps. At or under the threshold the claim is paid at once, net of co-payment; above it, reserved.
     * A guardian filing for the patient has the patient paid: the payee must be the patient's current address.
     * @dev Reverts with {ClaimsUnknownProgramme}, {ClaimsZeroPayee}, {ClaimsPayeeNotPatient}, {ClaimsInvalidAmount},
     * {ClaimsInvalidRecordCount}, the participant directory's errors for a filer that is neither the patient
     * (through the gateway, with the act power) nor an active hospital, {ClaimsRecordAlreadyClaimed}, {ClaimsRecordPatientMismatch}, {ClaimsRecordIssuerMismatch},
     * {ClaimsRecordTypeNotCovered}, {ClaimsNotEnrolled}, {ClaimsNotCovered}, {ClaimsFilingWindowClosed},
     * {ClaimsNoConsent}, {ClaimsPatientYearCapExceeded} or {ClaimsInsufficientFree}. Emits {ClaimFiled}.
     * @param programmeId The programme.
     * @param recordIds The treatment records (1 to 10), all of one patient and one hospital.
     * @param billed The amount billed.
     * @param payee Who is paid (the hospital, or the patient who paid the hospital).
     * @return claimId Its id.
     */
    function fileClaim(
        uint256 programmeId,
        uint256[] calldata recordIds,
        uint96 billed,
        address payee
    ) external returns (uint256 claimId);

    /**
     * @notice The insurer approves a pending claim in full or in part (an amount up to its payable share).
     * A partial approval opens the dispute window for the rest.
     * @param claimId The claim.
     * @param amount The amount approved.
     * @param reasonCode Why.
     */
    function approve(uint256 claimId, uint96 amount, bytes32 reasonCode) external;

    /// @notice The insurer rejects a pending claim; the dispute window opens.
    /// @param claimId The claim.
    /// @param reasonCode Why.
    function reject(uint256 claimId, bytes32 reasonCode) external;

    /// @notice After the review deadline, the claimant forces approval up to the threshold's share and
    /// escalates the rest to the arbitrator.
    /// @dev Reverts with {ClaimsUnknownClaim}, {ClaimsInvalidStatus}, {ClaimsNotClaimant}, the directory's
    /// `ParticipantsNotActive` for a suspended hospital, or {ClaimsReviewDeadlineNotPassed}. Emits {ClaimDecided}.
    /// @param claimId The claim.
    function forceApproval(uint256 claimId) external;

    /// @notice The claimant disputes a partial approval or a rejection within the dispute window.
    /// @dev Reverts with {ClaimsUnknownClaim}, {ClaimsInvalidStatus}, {ClaimsNotClaimant}, the directory's
    /// `ParticipantsNotActive` for a suspended hospital, or {ClaimsDisputeDeadlinePassed}. Emits {ClaimDecided}.
    /// @param claimId The claim.
    function dispute(uint256 claimId) external;

    /// @notice After the dispute window, anyone closes an undisputed partial approval or rejection; what was
    /// contested returns to the programme's free funds.
    /// @dev Reverts with {ClaimsUnknownClaim}, {ClaimsInvalidStatus} or {ClaimsDisputeDeadlineNotPassed}.
    /// Emits {ClaimDecided}.
    /// @param claimId The claim.
    function finalize(uint256 claimId) external;

    /**
     * @notice The programme's arbitrator settles an escalated or disputed claim; final.
     * @param claimId The claim.
     * @param award The amount awarded, up to what is contested.
     * @param reasonCode Why.
     */
    function arbitrate(uint256 claimId, uint96 award, bytes32 reasonCode) external;

    /**
     * @notice A payee withdraws what failed to reach it.
     * @param token The token.
     * @param to Where to send it.
     */
    function withdrawCredit(IERC20 token, address to) external;
}
