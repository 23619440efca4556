// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {SuiteService} from "../base/SuiteService.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {IResearchMarket} from "../interfaces/IResearchMarket.sol";
import {Kinds} from "../libraries/Kinds.sol";

/**
 * @title ResearchMarket
 * @notice See {IResearchMarket}.
 * @dev State in the ERC-7201 namespace `miip.storage.ResearchMarket`. A request's budget is never a stored number:
 * it is price × maximum, and what may be refunded is always computed from the counters, so that no path can refund
 * what is owed (Panacea's bug #572 refunded the whole budget instead of the remainder).
 */
contract ResearchMarket is SuiteService, ReentrancyGuardTransient, IResearchMarket {
    using SafeERC20 for IERC20;

    /// @dev A request and its counters; `input` as opened.
    struct RequestData {
        uint32 researcherId;
        bool closed;
        uint32 delivered;
        uint32 pending;
        uint128 paid;
        uint128 refunded;
        RequestInput input;
    }

    /// @dev A contribution: whose, to which request, where it stands, and its deadlines.
    struct ContributionData {
        uint64 patientId;
        uint64 requestId;
        ContributionStatus status;
        uint40 contestBy;
        uint40 arbitrateBy;
        bool read;
    }

    /// @custom:storage-location erc7201:miip.storage.ResearchMarket
    struct MarketStorage {
        uint64 requestCount;
        uint64 contributionCount;
        mapping(uint256 requestId => RequestData) requests;
        mapping(uint256 contributionId => ContributionData) contributions;
        /// @dev Two bits per patient (0: not in; 1: opted in; 2: delivered, final), 128 patients a word: a patient
        /// whose neighbours by id already took part in the request writes a word that is not zero (5,000 gas, not
        /// 20,000).
        mapping(uint256 requestId => mapping(uint256 word => uint256 bits)) participation;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.ResearchMarket")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x81907a2c5902bcfe1188dfdc0f117529e9feb8dbcdcfcd661c501c3a5d877b00;

    uint256 private constant OPTED_IN = 1;
    uint256 private constant DELIVERED = 2;
    /// @notice The most source records a contribution names.
    uint256 public constant MAX_SOURCES = 20;
    /// @notice How long the public-health agency has to decide a contested contribution.
    uint40 public constant ARBITRATION_PERIOD = 21 days;
    /// @notice The longest contest window a request may set.
    uint32 public constant MAX_CONTEST_WINDOW = 30 days;
    /// @dev Every record source (hospital, patient, device, writer), as a request's bit mask.
    uint8 private constant ALL_SOURCES = 15;

    /// @notice The token patients are paid in (IST).
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IERC20 public immutable token;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @param token_ The IST token.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IParticipantRegistry participants_,
        IRecordRegistry records_,
        IERC20 token_
    ) SuiteService(participants_, records_) {
        token = token_;
    }

    /// @notice Sets the access manager.
    /// @param authority The suite's access manager.
    function initialize(address authority) external initializer {
        __AccessManaged_init(authority);
    }

    /// @inheritdoc IResearchMarket
    function openRequest(RequestInput calldata input) external nonReentrant returns (uint256 requestId) {
        (uint32 researcherId, ) = _participants.activeInstitution(msg.sender, Kinds.RESEARCHER | Kinds.MANUFACTURER);
        if (input.recordTypes == 0) revert MarketInvalidRequest("recordTypes");
        if (input.from > input.to) revert MarketInvalidRequest("period");
        if (input.price == 0) revert MarketInvalidRequest("price");
        if (input.maxContributions == 0) revert MarketInvalidRequest("maxContributions");
        if (input.deadline <= block.timestamp) revert MarketInvalidRequest("deadline");
        if (input.contestWindow == 0 || input.contestWindow > MAX_CONTEST_WINDOW) {
            revert MarketInvalidRequest("contestWindow");
        }
        if (input.sources == 0 || input.sources > ALL_SOURCES) revert MarketInvalidRequest("sources");
        // The arbitrator must be an active public-health agency now (the directory's errors otherwise).
        _participants.activeAccountOf(input.arbitratorId, Kinds.PUBLIC_HEALTH_AGENCY);
        MarketStorage storage $ = _storage();
        requestId = ++$.requestCount;
        RequestData storage request = $.requests[requestId];
        request.researcherId = researcherId;
        request.input = input;
        emit RequestOpened(requestId, researcherId, input);
        uint256 budget = uint256(input.price) * input.maxContributions;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), budget);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != budget) revert MarketFeeOnTransfer(budget, received);
    }

    /// @inheritdoc IResearchMarket
    function optIn(uint256 requestId) external {
        (uint64 patientId, bytes32 actor) = _patientAction();
        _open(requestId);
        MarketStorage storage $ = _storage();
        if (_state($, requestId, patientId) == DELIVERED) revert MarketAlreadyDelivered(requestId, patientId);
        _setState($, requestId, patientId, OPTED_IN);
        emit OptedIn(requestId, patientId, actor);
    }

    /// @inheritdoc IResearchMarket
    function withdrawOptIn(uint256 requestId) external {
        (uint64 patientId, bytes32 actor) = _patientAction();
        MarketStorage storage $ = _storage();
        uint256 state = _state($, requestId, patientId);
        if (state == DELIVERED) revert MarketAlreadyDelivered(requestId, patientId);
        if (state != OPTED_IN) revert MarketNotOptedIn(requestId, patientId);
        _setState($, requestId, patientId, 0);
        emit OptInWithdrawn(requestId, patientId, actor);
    }

    /// @inheritdoc IResearchMarket
    function contribute(
        uint256 requestId,
        bytes32 digest,
        string calldata uri,
        uint256[] calldata sourceRecordIds
    ) external returns (uint256 contributionId) {
        (uint64 patientId, ) = _patientAction();
        uint40 contestBy;
        (contributionId, contestBy) = _deliver(requestId, patientId, sourceRecordIds);
        emit ContributionDelivered(
            contributionId,
            requestId,
            patientId,
            digest,
            uri,
            uint8(sourceRecordIds.length),
            contestBy
        );
    }

    /// @dev Checks a delivery (opted in, not delivered, room left, 1 to 20 eligible sources) and records it.
    function _deliver(
        uint256 requestId,
        uint64 patientId,
        uint256[] calldata sourceRecordIds
    ) private returns (uint256 contributionId, uint40 contestBy) {
        RequestData storage request = _open(requestId);
        MarketStorage storage $ = _storage();
        uint256 state = _state($, requestId, patientId);
        if (state == DELIVERED) revert MarketAlreadyDelivered(requestId, patientId);
        if (state != OPTED_IN) revert MarketNotOptedIn(requestId, patientId);
        if (request.delivered >= request.input.maxContributions) {
            revert MarketFull(requestId, request.input.maxContributions);
        }
        uint256 count = sourceRecordIds.length;
        if (count == 0 || count > MAX_SOURCES) revert MarketInvalidSourceCount(count);
        uint256 lastTreatment;
        for (uint256 i; i < count; ++i) {
            uint256 treatmentId = _checkSource(request.input, patientId, sourceRecordIds[i]);
            if (treatmentId <= lastTreatment) revert MarketSourcesNotAscending(sourceRecordIds[i]);
            lastTreatment = treatmentId;
        }
        _setState($, requestId, patientId, DELIVERED);
        ++request.delivered;
        ++request.pending;
        contributionId = ++$.contributionCount;
        contestBy = uint40(block.timestamp) + request.input.contestWindow;
        $.contributions[contributionId] = ContributionData({
            patientId: patientId,
            requestId: uint64(requestId),
            status: ContributionStatus.Delivered,
            contestBy: contestBy,
            arbitrateBy: 0,
            read: false
        });
    }

    /// @inheritdoc IResearchMarket
    function logRead(uint256 contributionId) external {
        ContributionData storage c = _contribution(contributionId);
        uint32 researcherId = _researcherOf(uint256(c.requestId));
        c.read = true;
        emit ContributionRead(contributionId, c.patientId, researcherId);
    }

    /// @inheritdoc IResearchMarket
    function accept(uint256 contributionId) external nonReentrant {
        ContributionData storage c = _contribution(contributionId);
        _researcherOf(uint256(c.requestId));
        if (c.status != ContributionStatus.Delivered) revert MarketInvalidStatus(contributionId, c.status);
        _pay(contributionId, c);
    }

    /// @inheritdoc IResearchMarket
    function contest(uint256 contributionId, bytes32 reasonCode, bytes32 evidence) external {
        ContributionData storage c = _contribution(contributionId);
        uint32 researcherId = _researcherOf(uint256(c.requestId));
        if (_statusOf(researcherId) != IParticipantRegistry.Status.Active)
            revert MarketResearcherNotActive(researcherId);
        if (c.status != ContributionStatus.Delivered) revert MarketInvalidStatus(contributionId, c.status);
        if (block.timestamp > c.contestBy) revert MarketDeadlinePassed(contributionId, c.contestBy);
        if (!c.read) revert MarketContestWithoutRead(contributionId);
        c.status = ContributionStatus.Contested;
        c.arbitrateBy = uint40(block.timestamp) + ARBITRATION_PERIOD;
        emit ContributionContested(contributionId, reasonCode, evidence, c.arbitrateBy);
    }

    /// @inheritdoc IResearchMarket
    function arbitrate(uint256 contributionId, bool pay) external nonReentrant {
        (uint32 agencyId, ) = _participants.activeInstitution(msg.sender, Kinds.PUBLIC_HEALTH_AGENCY);
        ContributionData storage c = _contribution(contributionId);
        if (_storage().requests[c.requestId].input.arbitratorId != agencyId) revert MarketNotArbitrator(msg.sender);
        if (c.status != ContributionStatus.Contested) revert MarketInvalidStatus(contributionId, c.status);
        if (block.timestamp > c.arbitrateBy) revert MarketDeadlinePassed(contributionId, c.arbitrateBy);
        if (pay) {
            _pay(contributionId, c);
        } else {
            c.status = ContributionStatus.Rejected;
            RequestData storage request = _storage().requests[c.requestId];
            --request.pending;
            emit ContributionDecided(
                contributionId,
                c.requestId,
                c.patientId,
                ContributionStatus.Rejected,
                0,
                address(0)
            );
        }
    }

    /// @inheritdoc IResearchMarket
    function settle(uint256 contributionId) external nonReentrant {
        ContributionData storage c = _contribution(contributionId);
        uint40 deadline;
        if (c.status == ContributionStatus.Delivered) deadline = c.contestBy;
        else if (c.status == ContributionStatus.Contested) deadline = c.arbitrateBy;
        else revert MarketInvalidStatus(contributionId, c.status);
        if (block.timestamp <= deadline) revert MarketDeadlineNotReached(contributionId, deadline);
        _pay(contributionId, c);
    }

    /// @inheritdoc IResearchMarket
    function close(uint256 requestId) external nonReentrant {
        RequestData storage request = _request(requestId);
        if (request.closed) revert MarketRequestClosed(requestId, request.input.deadline);
        bool byResearcher = _isResearcher(request.researcherId);
        if (!byResearcher && block.timestamp <= request.input.deadline) revert MarketNotResearcher(msg.sender);
        IParticipantRegistry.Status status = _statusOf(request.researcherId);
        bool suspended = status == IParticipantRegistry.Status.Suspended;
        // A researcher that is not active (suspended: its key perhaps taken; retired) cannot close early; after the
        // deadline anyone closes, and a suspended researcher's remainder waits until it is reinstated (or retired).
        if (byResearcher && status != IParticipantRegistry.Status.Active && block.timestamp <= request.input.deadline) {
            revert MarketResearcherNotActive(request.researcherId);
        }
        request.closed = true;
        emit RequestClosed(requestId, byResearcher);
        if (!suspended && _remainder(request) != 0) _refund(requestId, request);
    }

    /// @inheritdoc IResearchMarket
    function refund(uint256 requestId) external nonReentrant returns (uint256 amount) {
        RequestData storage request = _request(requestId);
        if (!request.closed) revert MarketRequestNotClosed(requestId);
        if (_remainder(request) == 0) revert MarketNothingToRefund(requestId);
        if (_suspended(request.researcherId)) revert MarketResearcherSuspended(request.researcherId);
        amount = _refund(requestId, request);
    }

    /// @inheritdoc IResearchMarket
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
        )
    {
        RequestData storage r = _request(requestId);
        return (r.researcherId, r.input, r.closed, r.delivered, r.pending, r.paid, r.refunded);
    }

    /// @inheritdoc IResearchMarket
    function refundable(uint256 requestId) external view returns (uint256) {
        RequestData storage r = _request(requestId);
        return r.closed && !_suspended(r.researcherId) ? _remainder(r) : 0;
    }

    /// @inheritdoc IResearchMarket
    function participation(uint256 requestId, uint64 patientId) external view returns (bool optedIn, bool delivered) {
        MarketStorage storage $ = _storage();
        uint256 state = _state($, requestId, patientId);
        RequestData storage request = $.requests[requestId];
        bool open = !request.closed && block.timestamp <= request.input.deadline;
        return (state == OPTED_IN && open, state == DELIVERED);
    }

    /// @inheritdoc IResearchMarket
    function getContribution(uint256 contributionId) external view returns (Contribution memory) {
        ContributionData storage c = _contribution(contributionId);
        return
            Contribution({
                patientId: c.patientId,
                requestId: c.requestId,
                status: c.status,
                contestBy: c.contestBy,
                arbitrateBy: c.arbitrateBy,
                read: c.read
            });
    }

    /// @inheritdoc IResearchMarket
    function requestCount() external view returns (uint256) {
        return _storage().requestCount;
    }

    /// @inheritdoc IResearchMarket
    function contributionCount() external view returns (uint256) {
        return _storage().contributionCount;
    }

    /// @dev Pays a delivered or contested contribution's price to its patient's current address.
    function _pay(uint256 contributionId, ContributionData storage c) private {
        RequestData storage request = _storage().requests[c.requestId];
        uint256 price = request.input.price;
        c.status = ContributionStatus.Paid;
        --request.pending;
        request.paid += uint128(price);
        address payee = _participants.patientAccount(c.patientId);
        emit ContributionDecided(contributionId, c.requestId, c.patientId, ContributionStatus.Paid, price, payee);
        token.safeTransfer(payee, price);
    }

    /// @dev Sends the remainder to the researcher's current address.
    function _refund(uint256 requestId, RequestData storage request) private returns (uint256 amount) {
        amount = _remainder(request);
        request.refunded += uint128(amount);
        address to = _participants.accountOf(request.researcherId);
        emit Refunded(requestId, amount, to, request.refunded);
        token.safeTransfer(to, amount);
    }

    /// @dev What a closed request holds beyond what it paid, owes to pending contributions, and refunded.
    function _remainder(RequestData storage r) private view returns (uint256) {
        uint256 price = r.input.price;
        uint256 funded = price * r.input.maxContributions;
        return funded - r.paid - price * r.pending - r.refunded;
    }

    /// @dev A source record must be the patient's, of a requested type and source, for a treatment in the period:
    /// the treatment's date is its first version's, so an amendment cannot move old care into the period.
    function _checkSource(
        RequestInput storage input,
        uint64 patientId,
        uint256 recordId
    ) private view returns (uint256 treatmentId) {
        (uint64 owner, uint32 issuer, uint8 recordType, uint256 treatment, uint40 treatedAt) = _records.treatment(
            recordId
        );
        if (
            owner != patientId ||
            (input.recordTypes >> recordType) & 1 == 0 ||
            treatedAt < input.from ||
            treatedAt > input.to
        ) revert MarketSourceNotEligible(recordId);
        // A hospital's record (bit 0) costs nothing more to check; a patient-stream record's source is asked.
        uint8 source;
        if (issuer == 0) {
            (IRecordRegistry.Source s, ) = _records.sourceOf(recordId);
            source = uint8(s);
        }
        // A request opened before requests named their sources holds 0: it took a hospital's records only.
        uint8 accepted = input.sources == 0 ? 1 : input.sources;
        if ((accepted >> source) & 1 == 0) revert MarketSourceNotEligible(recordId);
        return treatment;
    }

    /// @dev A request taking opt-ins and contributions: not closed, not past its deadline, its researcher not
    /// suspended (a suspended researcher buys nothing more; what it already bought still settles).
    function _open(uint256 requestId) private view returns (RequestData storage request) {
        request = _request(requestId);
        if (request.closed || block.timestamp > request.input.deadline) {
            revert MarketRequestClosed(requestId, request.input.deadline);
        }
        if (_statusOf(request.researcherId) != IParticipantRegistry.Status.Active) {
            revert MarketResearcherNotActive(request.researcherId);
        }
    }

    /// @dev An institution's status (one directory read of its current address's membership).
    function _statusOf(uint32 institutionId) private view returns (IParticipantRegistry.Status) {
        return _participants.statusOf(institutionId);
    }

    /// @dev Whether an institution is suspended: its refunds wait (a retired one's go to its last address).
    function _suspended(uint32 institutionId) private view returns (bool) {
        return _statusOf(institutionId) == IParticipantRegistry.Status.Suspended;
    }

    function _request(uint256 requestId) private view returns (RequestData storage request) {
        request = _storage().requests[requestId];
        if (request.researcherId == 0) revert MarketUnknownRequest(requestId);
    }

    function _contribution(uint256 contributionId) private view returns (ContributionData storage c) {
        c = _storage().contributions[contributionId];
        if (c.status == ContributionStatus.None) revert MarketUnknownContribution(contributionId);
    }

    /// @dev The request's researcher id, if the caller is its researcher's current address; reverts otherwise.
    function _researcherOf(uint256 requestId) private view returns (uint32 researcherId) {
        researcherId = _storage().requests[requestId].researcherId;
        if (!_isResearcher(researcherId)) revert MarketNotResearcher(msg.sender);
    }

    function _isResearcher(uint32 researcherId) private view returns (bool) {
        return _participants.memberOf(msg.sender).id == researcherId;
    }

    function _state(MarketStorage storage $, uint256 requestId, uint64 patientId) private view returns (uint256) {
        return ($.participation[requestId][patientId >> 7] >> ((patientId & 127) << 1)) & 3;
    }

    function _setState(MarketStorage storage $, uint256 requestId, uint64 patientId, uint256 state) private {
        uint256 shift = (uint256(patientId) & 127) << 1;
        mapping(uint256 => uint256) storage words = $.participation[requestId];
        uint256 word = patientId >> 7;
        words[word] = (words[word] & ~(uint256(3) << shift)) | (state << shift);
    }

    function _storage() private pure returns (MarketStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
