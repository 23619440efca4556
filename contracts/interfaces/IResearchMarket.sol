// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IResearchMarket
 * @notice A market for de-identified data, paying patients in IST. A researcher (or manufacturer) opens a request:
 * the record types and period it wants, the digests of its terms and of its de-identification requirements, a price
 * per contribution, a maximum number of contributions and a deadline; the whole budget is escrowed at opening.
 * Patients (or their guardians) opt in through the directory's gateway, gaslessly: the opt-in is their consent,
 * scoped to the request, for research, ending with it, withdrawn at will until they deliver. A contribution is a
 * de-identified copy of the patient's own records, encrypted for the researcher off chain: on chain only its digest
 * (its address in the event), checked against 1 to 20 of the patient's hospital-written records of the requested
 * types within the period, which are not stored. The researcher may contest it within the contest window, with a
 * reason and an evidence digest; the public-health agency decides before its own deadline, and its silence pays the
 * patient. Otherwise the contribution is accepted when the window ends, and anyone settles it. Closing (by the
 * researcher, or by anyone after the deadline) refunds only the remainder: what is owed for contributions still
 * being decided stays until they are.
 * @dev Money: the market's IST balance covers, for every request, its funds less what was paid and refunded (an
 * invariant after every step); for each request, paid + price × pending + refunded never exceeds funded. Patients
 * are paid at the address they have when the payment is made.
 */
interface IResearchMarket {
    /// @notice Where a contribution stands. Paid and Rejected are final.
    enum ContributionStatus {
        None,
        Delivered,
        Contested,
        Paid,
        Rejected
    }

    /**
     * @notice What a researcher asks for.
     * @param recordTypes The record types wanted, as a bit mask (bit t for record type t).
     * @param from The first second of the period the source records were issued in.
     * @param to The last second of that period.
     * @param termsDigest The digest of the terms the researcher is bound by (kept off chain, public).
     * @param deidentificationDigest The digest of its de-identification requirements.
     * @param price The IST paid per accepted contribution.
     * @param maxContributions The most contributions it buys.
     * @param deadline The last second a contribution may be delivered.
     * @param contestWindow How long after a delivery the researcher may contest it, in seconds.
     * @param arbitratorId The public-health agency that decides contests (named at opening, as a claim programme
     * names its arbitrator, so that patients see who decides before they opt in).
     * @param sources The record sources accepted, as a bit mask (bit s for `IRecordRegistry.Source` s: 1 a
     * hospital's records only; 15 also what patients, their devices and their writers wrote), so that a study buys
     * patient-generated data knowingly and a patient cannot sell a lab result it wrote itself as a hospital's.
     */
    struct RequestInput {
        uint128 recordTypes;
        uint40 from;
        uint40 to;
        bytes32 termsDigest;
        bytes32 deidentificationDigest;
        uint96 price;
        uint32 maxContributions;
        uint40 deadline;
        uint32 contestWindow;
        uint32 arbitratorId;
        uint8 sources;
    }

    /// @notice A request that cannot be opened as given.
    /// @param field The first field that is wrong ("recordTypes", "period", "price", "maxContributions",
    /// "deadline", "contestWindow", "sources").
    error MarketInvalidRequest(bytes32 field);
    /// @notice The escrow received another amount than the budget: a token that takes a fee on transfer.
    /// @param expected The budget.
    /// @param received What arrived.
    error MarketFeeOnTransfer(uint256 expected, uint256 received);
    /// @notice No request has this id.
    /// @param requestId The id.
    error MarketUnknownRequest(uint256 requestId);
    /// @notice The request is closed, or past its deadline.
    /// @param requestId The request.
    /// @param deadline Its deadline.
    error MarketRequestClosed(uint256 requestId, uint40 deadline);
    /// @notice The request is not closed yet: nothing is refunded before it closes.
    /// @param requestId The request.
    error MarketRequestNotClosed(uint256 requestId);
    /// @notice The request's researcher is suspended: it is refunded nothing until it is reinstated (or retired).
    /// @param researcherId The researcher.
    error MarketResearcherSuspended(uint32 researcherId);
    /// @notice The request's researcher is not active (suspended, its key perhaps taken, or retired): its request takes
    /// no new opt-in or contribution, and it contests nothing and closes nothing before the deadline.
    /// @param researcherId The researcher.
    error MarketResearcherNotActive(uint32 researcherId);
    /// @notice The caller is not the public-health agency the request named to decide its contests.
    /// @param caller The caller.
    error MarketNotArbitrator(address caller);
    /// @notice The researcher contests a contribution it never logged reading.
    /// @param contributionId The contribution.
    error MarketContestWithoutRead(uint256 contributionId);
    /// @notice A contribution's sources must name distinct treatments, in ascending order of treatment id (so that one
    /// treatment, or two versions of it, is never counted twice).
    /// @param recordId The first record out of order.
    error MarketSourcesNotAscending(uint256 recordId);
    /// @notice The patient did not opt in to the request, or withdrew.
    /// @param requestId The request.
    /// @param patientId The patient.
    error MarketNotOptedIn(uint256 requestId, uint64 patientId);
    /// @notice The patient already delivered a contribution to the request: it can neither withdraw nor deliver again.
    /// @param requestId The request.
    /// @param patientId The patient.
    error MarketAlreadyDelivered(uint256 requestId, uint64 patientId);
    /// @notice The request has all the contributions it buys.
    /// @param requestId The request.
    /// @param maxContributions Its maximum.
    error MarketFull(uint256 requestId, uint32 maxContributions);
    /// @notice A contribution names no source record, or more than 20.
    /// @param count How many it named.
    error MarketInvalidSourceCount(uint256 count);
    /// @notice A source record is not the patient's, not of a requested type, outside the period, or from a source
    /// (a hospital, the patient, its device, its writer) the request does not accept.
    /// @param recordId The record.
    error MarketSourceNotEligible(uint256 recordId);
    /// @notice No contribution has this id.
    /// @param contributionId The id.
    error MarketUnknownContribution(uint256 contributionId);
    /// @notice The contribution is not in the status the call needs.
    /// @param contributionId The contribution.
    /// @param status Its status.
    error MarketInvalidStatus(uint256 contributionId, ContributionStatus status);
    /// @notice The caller is not the request's researcher.
    /// @param caller The caller.
    error MarketNotResearcher(address caller);
    /// @notice The contest window of the contribution has passed, or the agency's deadline has.
    /// @param contributionId The contribution.
    /// @param deadline The deadline that passed.
    error MarketDeadlinePassed(uint256 contributionId, uint40 deadline);
    /// @notice The contribution's deadline has not come: it cannot be settled by default yet.
    /// @param contributionId The contribution.
    /// @param deadline When it can.
    error MarketDeadlineNotReached(uint256 contributionId, uint40 deadline);
    /// @notice Nothing is left to refund.
    /// @param requestId The request.
    error MarketNothingToRefund(uint256 requestId);

    /// @notice A request was opened and its budget escrowed.
    /// @param requestId The new request.
    /// @param researcherId The researcher's institution id.
    /// @param input What it asks for.
    event RequestOpened(uint256 indexed requestId, uint32 indexed researcherId, RequestInput input);
    /// @notice A patient opted in (the patient's consent, for research, ending with the request).
    /// @param requestId The request.
    /// @param patientId The patient.
    /// @param actor Zero for the patient's own key; a guardian's commitment otherwise.
    event OptedIn(uint256 indexed requestId, uint64 indexed patientId, bytes32 actor);
    /// @notice A patient withdrew before delivering.
    /// @param requestId The request.
    /// @param patientId The patient.
    /// @param actor Who acted for the patient (zero: its own key).
    event OptInWithdrawn(uint256 indexed requestId, uint64 indexed patientId, bytes32 actor);
    /// @notice A patient delivered a contribution.
    /// @param contributionId The new contribution.
    /// @param requestId The request.
    /// @param patientId The patient.
    /// @param digest The digest of the encrypted de-identified copy.
    /// @param uri Where it is (an IPFS address).
    /// @param sources How many source records (distinct treatments) it was checked against. Their ids are in the
    /// transaction's calldata, as every argument is: an observer learns which records a patient contributed from.
    /// @param contestBy The last second the researcher may contest it.
    event ContributionDelivered(
        uint256 indexed contributionId,
        uint256 indexed requestId,
        uint64 indexed patientId,
        bytes32 digest,
        string uri,
        uint8 sources,
        uint40 contestBy
    );
    /// @notice The researcher read a contribution (what the patient's access trail shows).
    /// @param contributionId The contribution.
    /// @param patientId Its patient.
    /// @param researcherId The reader.
    event ContributionRead(uint256 indexed contributionId, uint64 indexed patientId, uint32 indexed researcherId);
    /// @notice The researcher contested a contribution.
    /// @param contributionId The contribution.
    /// @param reasonCode Why (a short code).
    /// @param evidence The digest of the evidence, kept off chain.
    /// @param arbitrateBy The agency's deadline; its silence pays the patient.
    event ContributionContested(
        uint256 indexed contributionId,
        bytes32 reasonCode,
        bytes32 evidence,
        uint40 arbitrateBy
    );
    /// @notice A contribution was decided: paid (accepted early, by the agency, or by default) or rejected.
    /// @param contributionId The contribution.
    /// @param requestId Its request.
    /// @param patientId Its patient.
    /// @param status Paid or Rejected.
    /// @param paid The IST paid to the patient (0 if rejected).
    /// @param payee The patient's address when paid (zero if rejected).
    event ContributionDecided(
        uint256 indexed contributionId,
        uint256 indexed requestId,
        uint64 indexed patientId,
        ContributionStatus status,
        uint256 paid,
        address payee
    );
    /// @notice A request was closed: no more opt-ins or contributions.
    /// @param requestId The request.
    /// @param byResearcher Whether its researcher closed it (else anyone, after the deadline).
    event RequestClosed(uint256 indexed requestId, bool byResearcher);
    /// @notice The remainder (or part of it, as contributions are decided) went back to the researcher.
    /// @param requestId The request.
    /// @param amount The amount refunded now.
    /// @param to The researcher's address.
    /// @param refundedTotal All refunded so far.
    event Refunded(uint256 indexed requestId, uint256 amount, address to, uint256 refundedTotal);

    /**
     * @notice An active researcher or manufacturer opens a request and escrows its whole budget (price × maximum)
     * in IST, which it approved to this contract.
     * @param input What it asks for.
     * @return requestId The new request.
     */
    function openRequest(RequestInput calldata input) external returns (uint256 requestId);

    /**
     * @notice A patient (or a guardian with the act power) opts in, through the directory's gateway: its consent to
     * contribute to this request, for research, until the request closes. Refused while the researcher is not active.
     * @param requestId The request.
     */
    function optIn(uint256 requestId) external;

    /**
     * @notice A patient (or a guardian) withdraws its opt-in, through the gateway, before delivering.
     * @param requestId The request.
     */
    function withdrawOptIn(uint256 requestId) external;

    /**
     * @notice A patient (or a guardian) delivers its contribution, through the gateway: the digest and address of a
     * de-identified copy encrypted for the researcher, checked against 1 to 20 of its own records of the requested
     * types and sources whose treatment (the first version's date) falls within the period, distinct treatments in ascending order
     * of treatment id (checked, not stored; they are public in the calldata). Refused while the researcher is
     * suspended.
     * @param requestId The request.
     * @param digest The digest of the encrypted copy.
     * @param uri Where it is.
     * @param sourceRecordIds The records it was made from.
     * @return contributionId The new contribution.
     */
    function contribute(
        uint256 requestId,
        bytes32 digest,
        string calldata uri,
        uint256[] calldata sourceRecordIds
    ) external returns (uint256 contributionId);

    /**
     * @notice The request's researcher records that it read a contribution (the patient's access trail shows it); a
     * contest needs it first.
     * @param contributionId The contribution.
     */
    function logRead(uint256 contributionId) external;

    /**
     * @notice The request's researcher accepts a contribution before its contest window ends: the patient is paid now.
     * @param contributionId The contribution.
     */
    function accept(uint256 contributionId) external;

    /**
     * @notice The request's researcher, active, contests a contribution within its window, having logged reading it,
     * with a reason and the digest of its evidence; the request's public-health agency then decides.
     * @param contributionId The contribution.
     * @param reasonCode Why.
     * @param evidence The evidence's digest.
     */
    function contest(uint256 contributionId, bytes32 reasonCode, bytes32 evidence) external;

    /**
     * @notice The public-health agency the request named, active, decides a contested contribution before its
     * deadline.
     * @param contributionId The contribution.
     * @param pay Whether the patient is paid (else the contribution is rejected and its price refundable).
     */
    function arbitrate(uint256 contributionId, bool pay) external;

    /**
     * @notice Anyone settles a contribution whose deadline passed with nobody acting: a delivered one after its
     * contest window, a contested one after the agency's deadline. Either way the patient is paid.
     * @param contributionId The contribution.
     */
    function settle(uint256 contributionId) external;

    /**
     * @notice The researcher closes its request at any time (while active), or anyone after the deadline: no more
     * opt-ins or contributions; the remainder is refunded at once unless the researcher is suspended (then it waits).
     * @param requestId The request.
     */
    function close(uint256 requestId) external;

    /**
     * @notice Anyone sends a closed request's remainder back to its researcher, unless it is suspended: funded − paid
     * − price × pending − refunded. Callable again as contributions still pending are decided (a rejected one's price becomes
     * refundable).
     * @param requestId The request.
     * @return amount The amount refunded now.
     */
    function refund(uint256 requestId) external returns (uint256 amount);

    /**
     * @notice A request's terms and counters.
     * @param requestId The request.
     * @return researcherId Its researcher.
     * @return input What it asks for.
     * @return closed Whether it is closed.
     * @return delivered Contributions delivered.
     * @return pending Contributions delivered or contested, not yet decided.
     * @return paid IST paid to patients.
     * @return refunded IST refunded to the researcher.
     */
    function getRequest(
        uint256 requestId
    )
        external
        view
        returns (
            uint32 researcherId,
            RequestInput memory input,
            bool closed,
            uint32 delivered,
            uint32 pending,
            uint256 paid,
            uint256 refunded
        );

    /**
     * @notice What a closed request would refund now (nothing while its researcher is suspended).
     * @param requestId The request.
     * @return The remainder.
     */
    function refundable(uint256 requestId) external view returns (uint256);

    /**
     * @notice Whether a patient's opt-in to a request stands (not withdrawn, and the request still open: the consent
     * ends with it), and whether it delivered.
     * @param requestId The request.
     * @param patientId The patient.
     * @return optedIn Whether it is in.
     * @return delivered Whether it delivered.
     */
    function participation(uint256 requestId, uint64 patientId) external view returns (bool optedIn, bool delivered);

    /**
     * @notice A contribution as stored (its digest and address are in {ContributionDelivered}).
     * @param patientId The patient who delivered it.
     * @param requestId The request.
     * @param status Where it stands.
     * @param contestBy The last second the researcher may contest it.
     * @param arbitrateBy The last second the agency may decide it, once contested (0 before).
     * @param read Whether the researcher logged reading it.
     */
    struct Contribution {
        uint64 patientId;
        uint64 requestId;
        ContributionStatus status;
        uint40 contestBy;
        uint40 arbitrateBy;
        bool read;
    }

    /// @notice A contribution.
    /// @dev Reverts with {MarketUnknownContribution}.
    /// @param contributionId The contribution.
    function getContribution(uint256 contributionId) external view returns (Contribution memory);

    /// @notice The number of requests opened; ids run from 1 to it.
    function requestCount() external view returns (uint256);

    /// @notice The number of contributions delivered; ids run from 1 to it.
    function contributionCount() external view returns (uint256);
}
