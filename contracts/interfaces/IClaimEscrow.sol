// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IClaimProgrammes} from "./IClaimProgrammes.sol";

/**
 * @title IClaimEscrow
 * @notice Insurance claims that nobody can game. An insurer's money waits in escrow. A claim exists only when
 * both parties to the care attested the same bill: the issuing hospital (the amount, who is paid, and the digest
 * of the itemised bill kept encrypted off chain) and the patient (through the directory's gateway, so gaslessly).
 * Either may attest first; the other's attestation files the claim. A small claim is then approved and paid at
 * once; a larger one is reserved and reviewed. An amendment chain of records is one treatment, paid at most
 * once. Every deadline binds every party: after it, anyone applies the default outcome, so every reserved amount
 * is settled within `reviewDays + disputeDays + arbitrationDays` of its filing without any single party's help.
 * @dev Money: for every token, the escrow's balance covers every programme's free and reserved funds plus the
 * credits of payees whose transfer failed (an invariant after every step). Tokens that take a fee on transfer
 * are refused at deposit; tokens that return no boolean work through SafeERC20. A payee that cannot receive never
 * blocks a claim: its payment becomes a credit it withdraws later. Payees are parties, not addresses: a claim
 * pays the hospital or the patient at the address each has when the payment is made.
 */
interface IClaimEscrow is IClaimProgrammes {
    /// @notice Where a claim stands. Paid and Settled are final.
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

    /// @notice Who a claim pays: the hospital, or the patient who already paid the hospital.
    enum PayTo {
        Hospital,
        Patient
    }

    /// @notice Who acted, for indexers: a default outcome is applied by anyone.
    enum Party {
        Anyone,
        Patient,
        Hospital,
        Insurer,
        Arbitrator
    }

    /**
     * @notice A bill both parties attest. Its EIP-712 hash names it; the hospital may attest it by signature.
     * @param programmeId The programme.
     * @param recordIds The treatment records (1 to 10), all of one patient and one hospital.
     * @param amount The amount billed.
     * @param payTo Who is paid: the hospital, or the patient who already paid the hospital.
     * @param billDigest The digest of the itemised bill, kept encrypted off chain as evidence.
     * @param expiresAt The last second at which the bill can be attested.
     */
    struct Bill {
        uint256 programmeId;
        uint256[] recordIds;
        uint96 amount;
        PayTo payTo;
        bytes32 billDigest;
        uint40 expiresAt;
    }

    /**
     * @notice An optional EIP-2612 permit by the patient for the co-payment, run before the co-payment moves
     * (a zero `deadline` means none: the patient's existing allowance is used).
     * @param deadline The permit's deadline.
     * @param v Signature.
     * @param r Signature.
     * @param s Signature.
     */
    struct CopayPermit {
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /**
     * @notice A claim as stored, with what it derives from its programme.
     * @param patientId Whose treatment.
     * @param programmeId The programme.
     * @param hospitalId The hospital that issued the records.
     * @param status Where it stands.
     * @param payTo Who is paid.
     * @param year The policy year of its treatments.
     * @param billed The amount billed.
     * @param due The escrow's share (billed less co-payment).
     * @param paid What has been paid (or credited) so far.
     * @param deadline The deadline of the current step (0 once final or when paid at filing): review while
     * pending, dispute after a partial approval or a rejection, arbitration while escalated or disputed.
     */
    struct Claim {
        uint64 patientId;
        uint32 programmeId;
        uint32 hospitalId;
        ClaimStatus status;
        PayTo payTo;
        uint16 year;
        uint96 billed;
        uint96 due;
        uint96 paid;
        uint40 deadline;
    }

    /// @notice A bill names no record, or too many.
    /// @param count The number of records.
    error ClaimsInvalidRecordCount(uint256 count);

    /// @notice The bill can no longer be attested.
    /// @param expiresAt When it expired.
    error ClaimsBillExpired(uint40 expiresAt);

    /// @notice A party to the bill cancelled it.
    /// @param billHash The bill.
    error ClaimsBillCancelled(bytes32 billHash);

    /// @notice This party already attested the bill.
    /// @param billHash The bill.
    /// @param by The party.
    error ClaimsBillAlreadyAttested(bytes32 billHash, Party by);

    /// @notice The caller is neither the bill's patient (through the gateway) nor its issuing hospital.
    /// @param caller Who called (the directory when the gateway forwarded another patient's action).
    error ClaimsNotBillParty(address caller);

    /// @notice The hospital's signature is not its current address's signature of this bill.
    /// @param billHash The bill.
    error ClaimsBadHospitalSignature(bytes32 billHash);

    /// @notice A record is not the claim's patient's.
    /// @param recordId The record.
    /// @param patient The claim's patient.
    error ClaimsRecordPatientMismatch(uint256 recordId, uint64 patient);

    /// @notice The record is not a hospital's: the patient, its device or a writer it named wrote it, and only care
    /// a hospital documented is a treatment.
    /// @param recordId The record.
    error ClaimsRecordNotClinical(uint256 recordId);

    /// @notice A record was not issued by the claim's hospital.
    /// @param recordId The record.
    /// @param issuer Its issuer.
    /// @param hospitalId The claim's hospital.
    error ClaimsRecordIssuerMismatch(uint256 recordId, uint32 issuer, uint32 hospitalId);

    /// @notice The insurer holds no live consent to read the record for an insurance claim.
    /// @param recordId The record.
    /// @param insurerId The insurer's institution id.
    error ClaimsNoConsent(uint256 recordId, uint32 insurerId);

    /// @notice The treatment the record documents (any version of its amendment chain) was already claimed,
    /// in this or another claim, of this or another programme.
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
    /// @param treatedAt When the treatment took place (its first version's date).
    error ClaimsNotCovered(uint256 recordId, uint40 treatedAt);

    /// @notice The filing window after the treatment has passed.
    /// @param recordId The record.
    /// @param deadline The last second at which it could be claimed.
    error ClaimsFilingWindowClosed(uint256 recordId, uint256 deadline);

    /// @notice A record's treatment falls in another policy year than the claim's first record's.
    /// @param recordId The record.
    /// @param year Its policy year.
    /// @param claimYear The claim's policy year.
    error ClaimsPolicyYearMismatch(uint256 recordId, uint16 year, uint16 claimYear);

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

    /// @notice The deadline of the claim's current step has passed: the review (for the insurer's decision),
    /// the dispute window (for a dispute) or the arbitration (for the arbitrator's award). Its default outcome
    /// applies instead ({applyDefault}).
    /// @param claimId The claim.
    /// @param deadline The deadline.
    error ClaimsDeadlinePassed(uint256 claimId, uint40 deadline);

    /// @notice The deadline of the claim's current step has not passed, so its default outcome does not apply.
    /// @param claimId The claim.
    /// @param deadline The deadline.
    error ClaimsDeadlineNotPassed(uint256 claimId, uint40 deadline);

    /// @notice The arbitrator awarded more than is still contested.
    /// @param claimId The claim.
    /// @param award The award.
    /// @param contested The contested amount.
    error ClaimsAwardExceedsContested(uint256 claimId, uint256 award, uint256 contested);

    /// @notice The caller is not the programme's arbitrator.
    /// @param claimId The claim.
    /// @param caller Who called.
    error ClaimsNotArbitrator(uint256 claimId, address caller);

    /// @notice The party has no credit to withdraw in this token.
    /// @param token The token.
    /// @param party The kind of party.
    /// @param id Its id (a hospital's institution id, a patient's id).
    error ClaimsNoCredit(IERC20 token, PayTo party, uint64 id);

    /// @notice The caller cannot withdraw a party's credit: it is neither an institution at its current address
    /// nor a patient's own key through the gateway (a guardian cannot move the patient's money).
    /// @param caller Who called.
    error ClaimsNotCreditHolder(address caller);

    /**
     * @notice One party attested a bill on chain; it waits for the other.
     * @param billHash The bill's EIP-712 hash.
     * @param programmeId The programme.
     * @param patient The patient.
     * @param hospitalId The issuing hospital.
     * @param by Who attested.
     * @param bill The bill.
     */
    event BillAttested(
        bytes32 indexed billHash,
        uint256 indexed programmeId,
        uint64 indexed patient,
        uint32 hospitalId,
        Party by,
        Bill bill
    );

    /// @notice A party to a bill cancelled it: it can no longer be attested.
    /// @param billHash The bill.
    /// @param by Who cancelled.
    event BillCancelled(bytes32 indexed billHash, Party by);

    /**
     * @notice A claim was filed: both parties attested its bill.
     * @param claimId Its id (the treatment id of its first record).
     * @param programmeId The programme.
     * @param patient The patient.
     * @param billHash The bill's EIP-712 hash.
     * @param hospitalId The issuing hospital.
     * @param status Paid (at once) or Pending.
     * @param due The escrow's share (billed less co-payment).
     * @param deadline The review deadline (0 when paid at once).
     * @param copaid The co-payment moved from the patient to the hospital (0 if none).
     * @param bill The bill: records, amount billed, who is paid, the itemised bill's digest.
     */
    event ClaimFiled(
        uint256 indexed claimId,
        uint256 indexed programmeId,
        uint64 indexed patient,
        bytes32 billHash,
        uint32 hospitalId,
        ClaimStatus status,
        uint256 due,
        uint40 deadline,
        uint256 copaid,
        Bill bill
    );

    /**
     * @notice A claim was decided or moved on.
     * @param claimId The claim.
     * @param status Its new status.
     * @param paidNow Paid (or credited) by this step.
     * @param reasonCode Why (a code from the insurer's or arbitrator's published list; zero for none).
     * @param evidence The digest of the evidence a dispute brings (zero for other steps).
     * @param deadline The deadline of the next step (0 once final).
     * @param by Who acted.
     */
    event ClaimDecided(
        uint256 indexed claimId,
        ClaimStatus status,
        uint256 paidNow,
        bytes32 reasonCode,
        bytes32 evidence,
        uint40 deadline,
        Party by
    );

    /**
     * @notice A payment's transfer failed (a payee that cannot receive, a blacklisting token), so the amount was
     * credited to the party, which withdraws it from its current address with {withdrawCredit}: a credit
     * follows the party, not the address it failed to reach.
     * @param claimId The claim.
     * @param party Who is owed: the hospital or the patient.
     * @param id Its id.
     * @param payee The address the transfer failed to reach.
     * @param amount The amount credited.
     */
    event PaymentCredited(uint256 indexed claimId, PayTo party, uint64 indexed id, address payee, uint256 amount);

    /// @notice A party withdrew its credit.
    /// @param token The token.
    /// @param party The kind of party.
    /// @param id Its id.
    /// @param to Where it went.
    /// @param amount The amount.
    event CreditWithdrawn(IERC20 indexed token, PayTo party, uint64 indexed id, address to, uint256 amount);

    /// @notice The EIP-712 type of a {Bill}, which the hospital signs.
    function BILL_TYPEHASH() external view returns (bytes32);

    /// @notice A claim by id, with its real amounts and status, including a claim paid at filing.
    /// @dev Reverts with {ClaimsUnknownClaim}.
    /// @param claimId The id (the treatment id of its first record).
    function getClaim(uint256 claimId) external view returns (Claim memory);

    /// @notice The claim that claimed a record's treatment, whichever version was named (0 if none).
    /// @dev Reverts with the registry's `RecordsUnknownRecord`.
    /// @param recordId Any version of the record.
    function claimOfRecord(uint256 recordId) external view returns (uint256);

    /**
     * @notice What this escrow has sent the hospital for a treatment, so that an invoice for the same care is not
     * paid twice: the claim that claimed it, the programme's token, the co-payment it moved from the patient (when
     * the programme moves co-payments on chain) plus what it paid or credited, and whether that is final. A claim
     * that pays the patient sends the hospital nothing (final, zero); a claim paying the hospital is final once Paid
     * or Settled.
     * @param treatmentId The treatment: the first version of a record's amendment chain
     * ({IRecordRegistry-treatment}).
     * @return claimId The claim (0 if none: nothing sent, final).
     * @return token The programme's token (zero if no claim).
     * @return sent What reached the hospital (or its credit) for the claim.
     * @return settled Whether nothing more can reach the hospital for the claim.
     */
    function sentToHospital(
        uint256 treatmentId
    ) external view returns (uint256 claimId, IERC20 token, uint256 sent, bool settled);

    /// @notice The EIP-712 hash of a bill (what the hospital signs, and what names the bill in events).
    /// @param bill The bill.
    function billHash(Bill calldata bill) external view returns (bytes32);

    /// @notice Which parties' attestations of a bill wait on chain for the other's, and whether it was cancelled.
    /// Once the bill is filed nothing of it waits (its claim is `claimOfRecord` of its first record).
    /// @param billHash_ The bill.
    /// @return hospital The hospital attested it on chain.
    /// @return patient The patient attested it.
    /// @return cancelled A party cancelled it.
    function billState(bytes32 billHash_) external view returns (bool hospital, bool patient, bool cancelled);

    /// @notice A party's credit in a token (payments whose transfer failed).
    /// @param token The token.
    /// @param party The kind of party.
    /// @param id Its id (a hospital's institution id, a patient's id).
    function creditOf(IERC20 token, PayTo party, uint64 id) external view returns (uint256);

    /// @notice All credits in a token.
    /// @param token The token.
    function totalCredits(IERC20 token) external view returns (uint256);

    /**
     * @notice A party attests a bill; when the other party's attestation is already there, the claim is filed.
     * The patient attests through the directory's gateway (its key, a guardian with the act power, or a
     * relayed signature); the issuing hospital attests by calling, by an earlier call, or by its EIP-712
     * signature of the bill (`hospitalSignature`, checked against its current address), which the patient's
     * attestation carries, so that one relayed action files and pays a small claim. Filing checks: the records
     * exist, are the patient's and the hospital's, the hospital is active, the insurer may read them for an
     * insurance claim, the treatments are covered, of one policy year and within the filing window, no version
     * of them was ever claimed, the amount within the caps and the free funds. At or under the threshold the
     * claim is paid at once; above it, reserved for review. When the programme moves co-payments on chain and
     * the claim pays the hospital, the co-payment moves from the patient's current address to the hospital's
     * (after `copayPermit`, when given).
     * @dev Reverts with {ClaimsUnknownProgramme}, {ClaimsInvalidRecordCount}, {ClaimsBillExpired},
     * {ClaimsBillCancelled}, {ClaimsNotBillParty}, {ClaimsBillAlreadyAttested}, {ClaimsBadHospitalSignature},
     * the directory's errors for a hospital that is not active, the record checks' errors
     * ({ClaimsRecordNotClinical}, {ClaimsRecordAlreadyClaimed}, {ClaimsRecordPatientMismatch}, {ClaimsRecordIssuerMismatch},
     * {ClaimsRecordTypeNotCovered}, {ClaimsNotEnrolled}, {ClaimsNotCovered}, {ClaimsFilingWindowClosed},
     * {ClaimsPolicyYearMismatch}, {ClaimsNoConsent}), {ClaimsInvalidAmount}, {ClaimsPatientYearCapExceeded} or
     * {ClaimsInsufficientFree}. Emits {BillAttested} when waiting, {ClaimFiled} when filed.
     * @param bill The bill.
     * @param hospitalSignature The hospital's signature of the bill, when the patient files with it (else empty).
     * @param copayPermit The patient's permit for the co-payment (zero deadline for none).
     * @return claimId The claim's id, 0 when the bill now waits for the other party.
     */
    function fileClaim(
        Bill calldata bill,
        bytes calldata hospitalSignature,
        CopayPermit calldata copayPermit
    ) external returns (uint256 claimId);

    /**
     * @notice A party to a bill (its hospital, or its patient through the gateway) cancels it before it is
     * filed: an attestation or a signature given for it can no longer be used.
     * @dev Reverts with {ClaimsInvalidRecordCount}, {ClaimsNotBillParty}, {ClaimsBillCancelled} or
     * {ClaimsRecordAlreadyClaimed} (once filed, a bill is a claim). Emits {BillCancelled}.
     * @param bill The bill.
     */
    function cancelBill(Bill calldata bill) external;

    /**
     * @notice The insurer approves a pending claim, before the review deadline, in full or in part (an amount
     * up to its payable share). A partial approval opens the dispute window for the rest.
     * @dev Reverts with {ClaimsUnknownClaim}, {ClaimsInvalidStatus}, {ClaimsNotProgrammeInsurer},
     * {ClaimsDeadlinePassed} or {ClaimsApprovalExceedsClaim}. Emits {ClaimDecided}.
     * @param claimId The claim.
     * @param amount The amount approved.
     * @param reasonCode Why.
     */
    function approve(uint256 claimId, uint96 amount, bytes32 reasonCode) external;

    /// @notice The insurer rejects a pending claim before the review deadline; the dispute window opens.
    /// @dev Reverts with {ClaimsUnknownClaim}, {ClaimsInvalidStatus}, {ClaimsNotProgrammeInsurer} or
    /// {ClaimsDeadlinePassed}. Emits {ClaimDecided}.
    /// @param claimId The claim.
    /// @param reasonCode Why.
    function reject(uint256 claimId, bytes32 reasonCode) external;

    /**
     * @notice A claimant (the patient through the gateway, or the active issuing hospital) disputes a partial
     * approval or a rejection within the dispute window, with the digest of its evidence; the arbitration
     * deadline starts.
     * @dev Reverts with {ClaimsUnknownClaim}, {ClaimsInvalidStatus}, {ClaimsNotClaimant}, the directory's
     * `ParticipantsNotActive` for a suspended hospital, or {ClaimsDeadlinePassed}. Emits {ClaimDecided}.
     * @param claimId The claim.
     * @param reasonCode Why.
     * @param evidence The digest of the evidence (kept off chain).
     */
    function dispute(uint256 claimId, bytes32 reasonCode, bytes32 evidence) external;

    /**
     * @notice The programme's arbitrator settles an escalated or disputed claim before the arbitration
     * deadline; final.
     * @dev Reverts with {ClaimsUnknownClaim}, {ClaimsInvalidStatus}, the directory's errors for a caller that
     * is not an active public health agency, {ClaimsNotArbitrator}, {ClaimsDeadlinePassed} or
     * {ClaimsAwardExceedsContested}. Emits {ClaimDecided}.
     * @param claimId The claim.
     * @param award The amount awarded, up to what is contested.
     * @param reasonCode Why.
     */
    function arbitrate(uint256 claimId, uint96 award, bytes32 reasonCode) external;

    /**
     * @notice Anyone applies a claim's default outcome once the deadline of its current step has passed: the
     * party that did not act loses its say. A pending claim the insurer did not decide: its threshold share is
     * paid and the rest escalated to the arbitrator (deadline: review deadline plus arbitration days). An
     * undisputed partial approval or rejection: it stands. An escalated claim the arbitrator did not settle:
     * the rest is paid (the insurer never reviewed it). A disputed claim the arbitrator did not settle: the
     * insurer's decision stands. What a claim no longer needs returns to the programme's free funds.
     * @dev Reverts with {ClaimsUnknownClaim}, {ClaimsInvalidStatus} or {ClaimsDeadlineNotPassed}. Emits
     * {ClaimDecided}.
     * @param claimId The claim.
     */
    function applyDefault(uint256 claimId) external;

    /**
     * @notice Governance replaces a programme's arbitrator (after the access manager's delay): the insurer
     * cannot choose who judges its disputes once they exist, and a suspended or silent agency can be replaced.
     * @dev Reverts with {ClaimsUnknownProgramme} or the directory's errors for an arbitrator that is not an
     * active public health agency. Emits {ArbitratorReplaced}.
     * @custom:restricted GOVERNOR
     * @param programmeId The programme.
     * @param arbitrator The new arbitrator's address.
     */
    function replaceArbitrator(uint256 programmeId, address arbitrator) external;

    /**
     * @notice A party withdraws what failed to reach it: an institution from its current address (whatever its
     * status: the money is owed for care given), a patient with its own key through the directory's gateway
     * (relayed or not; not a guardian). A former address withdraws nothing.
     * @dev Reverts with {ClaimsNotCreditHolder} or {ClaimsNoCredit}. Emits {CreditWithdrawn}.
     * @param token The token.
     * @param to Where to send it.
     */
    function withdrawCredit(IERC20 token, address to) external;

    /// @notice The invoices contract was named already (it is named once, at deployment).
    /// @param current The one named.
    error ClaimsCarePaymentsAlreadySet(address current);

    /// @notice The hospital's late attestation would file a claim paying it for a treatment its patient already paid
    /// by invoice: the claim must pay the patient instead.
    /// @param recordId The record.
    /// @param invoiceId The paid invoice.
    error ClaimsTreatmentPaidByInvoice(uint256 recordId, uint256 invoiceId);

    /// @notice The invoices contract was named.
    /// @param carePayments Its address.
    event CarePaymentsSet(address carePayments);

    /**
     * @notice Names the invoices contract, once (the deployment does, before it hands the function to governance):
     * a hospital attesting, after its patient, a bill that pays the hospital for care the patient already paid by
     * invoice is refused. (When the patient files, its own client makes that check.)
     * @dev Reverts with {ClaimsCarePaymentsAlreadySet}. Emits {CarePaymentsSet}.
     * @custom:restricted GOVERNOR
     * @param carePayments_ The invoices contract (its proxy).
     */
    function setCarePayments(address carePayments_) external;

    /// @notice The invoices contract named (zero before).
    function carePayments() external view returns (address);
}
