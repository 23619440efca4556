// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IParticipantRegistry} from "../../contracts/interfaces/IParticipantRegistry.sol";
import {IResearchMarket} from "../../contracts/interfaces/IResearchMarket.sol";
import {ResearchMarket} from "../../contracts/market/ResearchMarket.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the research market as its users do, in IST: two researchers open requests (prices, sizes,
 * deadlines and contest windows at random); three patients opt in, withdraw and contribute through the directory's
 * gateway, from their own lab results, others' records or records of other types; researchers accept and contest;
 * the agency pays or rejects; anyone settles after a deadline; requests are closed by their researcher or by anyone
 * after the deadline, and refunded again as pending contributions are decided; a researcher is suspended and
 * reinstated mid-flow; time moves.
 *
 * The handler keeps a model (ghost) of every request and contribution: what was escrowed, what each patient and
 * researcher received (measured on their balances), and how many times each contribution was paid. It notes the
 * first breach of the API's rules in {violation}.
 */
contract MarketHandler is SuiteDeployer {
    uint256 public constant PATIENTS = 3;
    uint256 public constant RESEARCHERS = 2;
    uint8 internal constant LAB = 3;
    uint8 internal constant OTHER_TYPE = 1;

    ResearchMarket public market;
    address public agency = address(0xA6E);
    uint32 public agencyId;
    address public hospital = address(0x4057);
    address[RESEARCHERS] public researchers = [address(0x5E51), address(0x5E52)];
    uint32[RESEARCHERS] public researcherIds;
    bool[RESEARCHERS] public suspended;
    uint40[RESEARCHERS] internal suspendedAt;
    address[PATIENTS] public patients = [address(0xB0B1), address(0xB0B2), address(0xB0B3)];
    uint64[PATIENTS] public patientIds;
    /// Each patient's lab result (eligible) and a record of another type (not).
    uint256[PATIENTS] internal labOf;
    uint256[PATIENTS] internal otherOf;

    struct GhostRequest {
        uint8 researcher;
        uint256 price;
        uint256 funded;
        uint256 paid;
        uint256 refunded;
        uint32 max;
        uint32 delivered;
    }
    GhostRequest[] internal requests;
    /// Per contribution: its request (index + 1) and how many times a payment reached its patient.
    uint256[] public contributionRequest;
    mapping(uint256 contributionId => uint256) public paidCount;
    mapping(uint256 requestIndex => mapping(uint256 patient => uint256)) public deliveries;

    string public violation;
    uint256 public calls;
    uint256 public reachedPaid;
    uint256 public reachedRejected;
    uint256 public reachedRefundAfterClose;

    constructor() {
        _deploySuite(_plainGenesis(address(this), 1e27));
        VM.warp(block.timestamp + 1);
        distribution.release(0);
        market = ResearchMarket(
            address(
                new ERC1967Proxy(
                    address(new ResearchMarket(participants, records, IERC20(address(token)))),
                    abi.encodeCall(ResearchMarket.initialize, (address(manager)))
                )
            )
        );
        agencyId = _onboard(agency, IParticipantRegistry.Kind.PublicHealthAgency);
        _onboard(hospital, IParticipantRegistry.Kind.Hospital);
        for (uint256 i = 0; i < RESEARCHERS; ++i) {
            researcherIds[i] = _onboard(researchers[i], IParticipantRegistry.Kind.Researcher);
            token.transfer(researchers[i], 1_000_000e18);
            VM.prank(researchers[i]);
            token.approve(address(market), type(uint256).max);
        }
        for (uint256 p = 0; p < PATIENTS; ++p) {
            patientIds[p] = _registerPatient(patients[p]);
            labOf[p] = _record(hospital, patientIds[p], LAB, p);
            otherOf[p] = _record(hospital, patientIds[p], OTHER_TYPE, 100 + p);
        }
    }

    function marketAddress() external view returns (address) {
        return address(market);
    }

    function tokenAddress() external view returns (address) {
        return address(token);
    }

    function requestCount() external view returns (uint256) {
        return requests.length;
    }

    function ghost(uint256 i) external view returns (GhostRequest memory) {
        return requests[i];
    }

    function contributionCount() external view returns (uint256) {
        return contributionRequest.length;
    }

    // ------------------------------------------------------------------ actions

    function open(uint256 seed) external {
        ++calls;
        if (requests.length >= 8) return;
        uint8 r = uint8(seed % RESEARCHERS);
        IResearchMarket.RequestInput memory input = IResearchMarket.RequestInput({
            recordTypes: uint128(1) << LAB,
            from: uint40(block.timestamp - 3_650 days),
            to: uint40(block.timestamp + 3_650 days),
            termsDigest: keccak256(abi.encode(seed)),
            deidentificationDigest: bytes32(uint256(1)),
            price: uint96(((seed >> 8) % 100) + 1) * 1e18,
            maxContributions: uint32(((seed >> 16) % 3) + 1),
            deadline: uint40(block.timestamp + ((seed >> 24) % 20 days) + 1 hours),
            contestWindow: uint32(((seed >> 48) % 7 days) + 1 hours),
            arbitratorId: agencyId,
            sources: 1
        });
        VM.prank(researchers[r]);
        try market.openRequest(input) returns (uint256 id) {
            if (suspended[r]) _fail("a suspended researcher opened a request");
            if (id != requests.length + 1) _fail("request ids are not sequential");
            uint256 funded = uint256(input.price) * input.maxContributions;
            requests.push(GhostRequest(r, input.price, funded, 0, 0, input.maxContributions, 0));
        } catch {
            if (!suspended[r]) _fail("an active researcher could not open a valid request");
        }
    }

    function optIn(uint256 seed) external {
        ++calls;
        if (requests.length == 0) return;
        uint256 p = seed % PATIENTS;
        uint256 r = (seed >> 8) % requests.length;
        try this.asPatient(p, abi.encodeCall(IResearchMarket.optIn, (r + 1))) {} catch {}
    }

    function withdraw(uint256 seed) external {
        ++calls;
        if (requests.length == 0) return;
        uint256 p = seed % PATIENTS;
        uint256 r = (seed >> 8) % requests.length;
        (, bool deliveredBefore) = market.participation(r + 1, patientIds[p]);
        try this.asPatient(p, abi.encodeCall(IResearchMarket.withdrawOptIn, (r + 1))) {
            if (deliveredBefore) _fail("a patient withdrew after delivering");
        } catch {}
    }

    function contribute(uint256 seed) external {
        ++calls;
        if (requests.length == 0) return;
        uint256 p = seed % PATIENTS;
        uint256 r = (seed >> 8) % requests.length;
        uint256 pick = (seed >> 16) % 4;
        // The patient's own lab result, its record of another type, or another patient's lab result.
        uint256 source = pick < 2
            ? labOf[p]
            : pick == 2
                ? otherOf[p]
                : labOf[(p + 1) % PATIENTS];
        uint256[] memory sources = new uint256[](1);
        sources[0] = source;
        // Most deliveries come from patients who opt in just before (as the app does); a quarter try without.
        if ((seed >> 32) % 4 != 0) {
            try this.asPatient(p, abi.encodeCall(IResearchMarket.optIn, (r + 1))) {} catch {}
        }
        (bool optedIn, ) = market.participation(r + 1, patientIds[p]);
        bytes memory call = abi.encodeCall(
            IResearchMarket.contribute,
            (r + 1, keccak256(abi.encode(seed)), "ipfs://c", sources)
        );
        try this.asPatient(p, call) returns (bytes memory result) {
            uint256 id = abi.decode(result, (uint256));
            if (source != labOf[p]) _fail("a contribution from a record not the patient's lab result was taken");
            if (suspended[requests[r].researcher]) _fail("a suspended researcher's request took a contribution");
            if (!optedIn) _fail("a contribution without an opt-in was taken");
            if (++deliveries[r][p] > 1) _fail("a patient delivered twice to one request");
            if (++requests[r].delivered > requests[r].max) _fail("more contributions than the maximum");
            if (id != contributionRequest.length + 1) _fail("contribution ids are not sequential");
            contributionRequest.push(r + 1);
        } catch {}
    }

    /// A patient's action through the gateway (external so that a refusal reverts only this call).
    function asPatient(uint256 p, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == address(this), "self only");
        return _execute(patients[p], patientIds[p], bytes32(0), address(market), data);
    }

    function accept(uint256 seed) external {
        ++calls;
        uint256 id = _pickContribution(seed);
        if (id == 0) return;
        GhostRequest storage g = requests[contributionRequest[id - 1] - 1];
        address by = seed % 5 == 0 ? researchers[(g.researcher + 1) % RESEARCHERS] : researchers[g.researcher];
        _paying(id, by, abi.encodeCall(IResearchMarket.accept, (id)));
    }

    function contest(uint256 seed) external {
        ++calls;
        uint256 id = _pickContribution(seed);
        if (id == 0) return;
        GhostRequest storage g = requests[contributionRequest[id - 1] - 1];
        // Most contests follow a logged read (as the SDK opens a contribution); some try without one.
        if ((seed >> 8) % 4 != 0) {
            VM.prank(researchers[g.researcher]);
            try market.logRead(id) {} catch {}
        }
        IResearchMarket.Contribution memory before = market.getContribution(id);
        VM.prank(researchers[g.researcher]);
        try market.contest(id, bytes32("reason"), bytes32(seed)) {
            if (before.status != IResearchMarket.ContributionStatus.Delivered) {
                _fail("contested twice or after decision");
            }
            if (block.timestamp > before.contestBy) _fail("contested after the window");
            if (!before.read) _fail("contested without a logged read");
            if (suspended[g.researcher]) _fail("a suspended researcher contested");
        } catch {}
    }

    function arbitrate(uint256 seed) external {
        ++calls;
        uint256 id = _pickContribution(seed);
        if (id == 0) return;
        if (seed % 2 == 0) {
            _paying(id, agency, abi.encodeCall(IResearchMarket.arbitrate, (id, true)));
            return;
        }
        IResearchMarket.Contribution memory before = market.getContribution(id);
        VM.prank(agency);
        try market.arbitrate(id, false) {
            if (before.status != IResearchMarket.ContributionStatus.Contested) _fail("rejected what was not contested");
            if (block.timestamp > before.arbitrateBy) _fail("arbitrated after the deadline");
            ++reachedRejected;
        } catch {}
    }

    function settle(uint256 seed) external {
        ++calls;
        uint256 id = _pickContribution(seed);
        if (id == 0) return;
        _paying(id, address(0xCAFE), abi.encodeCall(IResearchMarket.settle, (id)));
    }

    function close(uint256 seed) external {
        ++calls;
        if (requests.length == 0) return;
        uint256 r = seed % requests.length;
        GhostRequest storage g = requests[r];
        // Researchers close now and then; anyone tries after the deadline.
        address by = (seed >> 8) % 3 == 0 ? researchers[g.researcher] : address(0xCAFE);
        uint256 expected = _remainder(g, r + 1);
        uint256 beforeBalance = token.balanceOf(researchers[g.researcher]);
        VM.prank(by);
        try market.close(r + 1) {
            uint256 got = token.balanceOf(researchers[g.researcher]) - beforeBalance;
            // A suspended researcher is refunded nothing until it is reinstated; otherwise exactly the remainder.
            if (got != (suspended[g.researcher] ? 0 : expected)) {
                _fail("closing refunded another amount than the remainder");
            }
            g.refunded += got;
        } catch {}
    }

    function refund(uint256 seed) external {
        ++calls;
        if (requests.length == 0) return;
        uint256 r = seed % requests.length;
        GhostRequest storage g = requests[r];
        uint256 expected = _remainder(g, r + 1);
        uint256 beforeBalance = token.balanceOf(researchers[g.researcher]);
        VM.prank(address(0xCAFE));
        try market.refund(r + 1) returns (uint256 amount) {
            uint256 got = token.balanceOf(researchers[g.researcher]) - beforeBalance;
            if (got != expected || amount != expected) _fail("a refund paid another amount than the remainder");
            if (suspended[g.researcher]) _fail("a suspended researcher was refunded");
            if (got == 0) _fail("a refund of nothing succeeded");
            g.refunded += got;
            ++reachedRefundAfterClose;
        } catch {}
    }

    function suspendResearcher(uint256 seed) external {
        ++calls;
        uint256 r = seed % RESEARCHERS;
        if (!suspended[r]) {
            participants.suspend(researcherIds[r], bytes32("audit"));
            suspended[r] = true;
            suspendedAt[r] = uint40(block.timestamp);
        } else if (block.timestamp > suspendedAt[r] + 2 days) {
            try participants.reinstate(researcherIds[r], suspendedAt[r], bytes32("cleared")) {
                suspended[r] = false;
            } catch {}
        }
    }

    function wait(uint256 seed) external {
        ++calls;
        VM.warp(block.timestamp + (seed % 10 days));
    }

    // ------------------------------------------------------------------ helpers

    /// A call that may pay a contribution's patient: checks the payment against the model.
    function _paying(uint256 id, address by, bytes memory data) internal {
        IResearchMarket.Contribution memory before = market.getContribution(id);
        uint256 r = contributionRequest[id - 1] - 1;
        GhostRequest storage g = requests[r];
        address patient = participants.patientAccount(before.patientId);
        uint256 beforeBalance = token.balanceOf(patient);
        VM.prank(by);
        (bool ok, ) = address(market).call(data);
        if (!ok) return;
        uint256 got = token.balanceOf(patient) - beforeBalance;
        if (got != g.price) _fail("a payment was not the request's price");
        if (++paidCount[id] > 1) _fail("a contribution was paid twice");
        if (
            before.status != IResearchMarket.ContributionStatus.Delivered &&
            before.status != IResearchMarket.ContributionStatus.Contested
        ) {
            _fail("a decided contribution was paid");
        }
        g.paid += got;
        ++reachedPaid;
    }

    /// What a closed request may refund, by the model: funded - paid - price x pending - refunded.
    function _remainder(GhostRequest storage g, uint256 requestId) internal view returns (uint256) {
        (, , , , uint32 pending, , ) = market.getRequest(requestId);
        return g.funded - g.paid - g.price * pending - g.refunded;
    }

    function _pickContribution(uint256 seed) internal view returns (uint256) {
        if (contributionRequest.length == 0) return 0;
        return (seed % contributionRequest.length) + 1;
    }

    function _fail(string memory what) internal {
        if (bytes(violation).length == 0) violation = what;
    }
}

contract MarketInvariants {
    MarketHandler internal handler;

    function setUp() external {
        handler = new MarketHandler();
    }

    function targetContracts() external view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    function targetSelectors() external view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = MarketHandler.open.selector;
        selectors[1] = MarketHandler.open.selector;
        selectors[2] = MarketHandler.optIn.selector;
        selectors[3] = MarketHandler.optIn.selector;
        selectors[4] = MarketHandler.withdraw.selector;
        selectors[5] = MarketHandler.contribute.selector;
        selectors[6] = MarketHandler.contribute.selector;
        selectors[7] = MarketHandler.accept.selector;
        selectors[8] = MarketHandler.contest.selector;
        selectors[9] = MarketHandler.arbitrate.selector;
        selectors[10] = MarketHandler.settle.selector;
        selectors[11] = MarketHandler.close.selector;
        selectors[12] = MarketHandler.refund.selector;
        selectors[13] = MarketHandler.suspendResearcher.selector;
        selectors[14] = MarketHandler.wait.selector;
        selectors[15] = MarketHandler.wait.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /**
     * After every step: the handler saw no breach; the market's IST balance is exactly what every request was
     * funded with less what it paid and refunded, and covers every pending contribution; for every request, paid +
     * price x pending + refunded never exceeds funded, paid is the price times the contributions paid, and a closed
     * request's refundable amount is exactly its remainder; no contribution was paid twice.
     */
    function invariant_market() external view {
        string memory violation = handler.violation();
        if (bytes(violation).length != 0) revert(violation);
        IResearchMarket market = IResearchMarket(handler.marketAddress());
        uint256 held;
        uint256 pendingOwed;
        for (uint256 i = 0; i < handler.requestCount(); ++i) {
            MarketHandler.GhostRequest memory g = handler.ghost(i);
            (, , bool closed, uint32 delivered, uint32 pending, uint256 paid, uint256 refunded) = market.getRequest(
                i + 1
            );
            require(paid == g.paid, "a request's paid differs from what patients received");
            require(refunded == g.refunded, "a request's refunded differs from what its researcher received");
            require(delivered == g.delivered && delivered <= g.max, "deliveries differ from the model");
            require(paid + g.price * pending + refunded <= g.funded, "a request owes more than it was funded with");
            uint256 remainder = g.funded - paid - g.price * pending - refunded;
            bool waits = handler.suspended(g.researcher);
            require(
                market.refundable(i + 1) == (closed && !waits ? remainder : 0),
                "refundable is not the remainder (nothing while the researcher is suspended)"
            );
            held += g.funded - paid - refunded;
            pendingOwed += g.price * pending;
        }
        uint256 balance = IERC20(handler.tokenAddress()).balanceOf(address(market));
        require(balance == held, "the market's balance differs from its books");
        require(balance >= pendingOwed, "the market does not cover pending contributions");
        for (uint256 id = 1; id <= handler.contributionCount(); ++id) {
            require(handler.paidCount(id) <= 1, "a contribution was paid twice");
        }
    }

    /// The campaign reaches payments, rejections and refunds after closing (else the invariant proves little).
    function test_reachesPaymentsRejectionsAndRefunds() external {
        // First, the path a refund after closing takes: a request of 3 places (open's seed fields: price, size,
        // deadline, contest window), one contribution contested, the request closed (two places back), the
        // contribution rejected by the agency, and its price refunded.
        handler.open((uint256(2) << 16) | (uint256(10 days) << 24) | (uint256(1 days) << 48));
        handler.contribute(uint256(1) << 32);
        handler.contest(256);
        handler.close(0);
        handler.arbitrate(1);
        handler.refund(0);
        require(handler.reachedRefundAfterClose() == 1, "the directed refund after closing did not happen");
        for (uint256 i = 0; i < 600; ++i) {
            uint256 seed = uint256(keccak256(abi.encode(i)));
            uint256 action = seed % 20;
            if (action < 2) handler.open(seed);
            else if (action < 8) handler.contribute(seed);
            else if (action < 10) handler.accept(seed);
            else if (action < 12) handler.contest(seed);
            else if (action < 14) handler.arbitrate(seed);
            else if (action < 15) handler.settle(seed);
            else if (action < 16) handler.close(seed);
            else if (action < 17) handler.refund(seed);
            else handler.wait(seed % 2 days);
        }
        require(bytes(handler.violation()).length == 0, handler.violation());
        require(handler.reachedPaid() > 0, "no contribution was paid");
        require(handler.reachedRejected() > 0, "no contribution was rejected");
        require(handler.reachedRefundAfterClose() > 0, "no refund after closing");
        this.invariant_market();
    }
}
