// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IISTDistribution} from "../../contracts/interfaces/IISTDistribution.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the IST distribution and token with random releases, revocations, genesis claims (genuine,
 * repeated and inflated), transfers, sweeps and the passing of three years, and counts what was paid.
 */
contract TokenHandler is SuiteDeployer {
    uint96 public constant SUPPLY = 1_000_000e18;
    uint256 public constant LEAVES = 4;
    uint256 public constant GRANTS = 4;

    address public treasury = address(0x7EA5);
    address[LEAVES] public claimants;
    uint256[LEAVES] public amounts;
    bytes32[LEAVES] internal leaves;
    bytes32 public root;
    uint256 public claimTotal;

    /// How many times each leaf paid out, by the Claimed events' amounts the handler saw succeed.
    mapping(uint256 => uint256) public paidCount;
    uint256 public paidTotal;
    uint256 public swept;
    uint256 public calls;

    constructor() {
        for (uint256 i = 0; i < LEAVES; ++i) {
            claimants[i] = address(uint160(0xC1A1 + i));
            amounts[i] = (i + 1) * 1_000e18;
            claimTotal += amounts[i];
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(i, claimants[i], amounts[i]))));
        }
        root = _hash(_hash(leaves[0], leaves[1]), _hash(leaves[2], leaves[3]));

        IISTDistribution.Genesis memory g;
        g.supply = SUPPLY;
        g.listingTime = uint40(START);
        g.reserveCategory = 2;
        g.categories = new IISTDistribution.CategoryConfig[](3);
        g.categories[0] = IISTDistribution.CategoryConfig(
            "investors",
            IISTDistribution.CategoryKind.Vesting,
            400_000e18,
            180 days,
            730 days,
            0
        );
        g.categories[1] = IISTDistribution.CategoryConfig(
            "airdrop",
            IISTDistribution.CategoryKind.Pool,
            100_000e18,
            0,
            0,
            uint96(claimTotal)
        );
        g.categories[2] = IISTDistribution.CategoryConfig(
            "reserve",
            IISTDistribution.CategoryKind.Vesting,
            500_000e18,
            0,
            1095 days,
            0
        );
        g.grants = new IISTDistribution.GrantConfig[](GRANTS);
        for (uint256 i = 0; i < GRANTS; ++i) {
            // Grants 1 and 3 are revocable; grant 3 is the reserve's.
            g.grants[i] = IISTDistribution.GrantConfig(
                address(uint160(0xB0B0 + i)),
                i == 3 ? 2 : 0,
                i == 3 ? 100_000e18 : uint96((i + 1) * 50_000e18),
                i % 2 == 1
            );
        }
        g.claimRoot = root;
        g.claimDeadline = uint64(START + 365 days);
        g.claimTreasury = treasury;
        _deploySuite(g);
    }

    function release(uint256 grantId) external {
        calls++;
        try distribution.release(grantId % GRANTS) {} catch {}
    }

    function revoke(uint256 grantId) external {
        calls++;
        try distribution.revoke(grantId % GRANTS) {} catch {}
    }

    function claim(uint256 index, bool inflate, uint8 proofVariant) external {
        calls++;
        index %= LEAVES;
        uint256 amount = amounts[index] + (inflate ? 1 : 0);
        bytes32[] memory proof = _proof(index);
        if (proofVariant % 5 == 0) proof[0] = keccak256("forged");
        try token.claim(index, claimants[index], amount, proof) {
            paidCount[index] += 1;
            paidTotal += amount;
        } catch {}
    }

    function transfer(uint256 from, uint256 to, uint256 amount) external {
        calls++;
        address sender = claimants[from % LEAVES];
        uint256 balance = token.balanceOf(sender);
        if (balance == 0) return;
        VM.prank(sender);
        token.transfer(claimants[to % LEAVES], amount % (balance + 1));
    }

    function sweep() external {
        calls++;
        VM.prank(treasury);
        try token.sweep() returns (uint256 amount) {
            swept += amount;
        } catch {}
    }

    function wait(uint32 seconds_) external {
        calls++;
        VM.warp(block.timestamp + (seconds_ % 60 days));
    }

    function _proof(uint256 index) private view returns (bytes32[] memory proof) {
        proof = new bytes32[](2);
        proof[0] = leaves[index ^ 1];
        proof[1] = index < 2 ? _hash(leaves[2], leaves[3]) : _hash(leaves[0], leaves[1]);
    }

    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    function tokenAddress() external view returns (address) {
        return address(token);
    }

    function distributionAddress() external view returns (address) {
        return address(distribution);
    }
}

interface TokenView {
    function totalSupply() external view returns (uint256);

    function unclaimed() external view returns (uint256);
}

contract TokenInvariants {
    TokenHandler internal handler;

    function setUp() external {
        handler = new TokenHandler();
    }

    function targetContracts() external view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The supply never changes; no grant releases more than it vested or vests more than it holds; no
    /// airdrop leaf pays twice, none pays more than its amount, and what was claimed plus what is left plus
    /// what was swept is the claim's total.
    function invariant_distribution() external view {
        TokenView token = TokenView(handler.tokenAddress());
        require(token.totalSupply() == handler.SUPPLY(), "supply changed");
        IISTDistribution distribution = IISTDistribution(handler.distributionAddress());
        for (uint256 i = 0; i < handler.GRANTS(); ++i) {
            IISTDistribution.Grant memory g = distribution.getGrant(i);
            uint256 vested = distribution.vestedAmount(i, uint64(block.timestamp));
            require(vested <= g.total, "vested more than the grant");
            require(g.released <= vested, "released more than vested");
            require(g.released + distribution.releasable(i) == vested, "releasable is not vested minus released");
        }
        for (uint256 i = 0; i < handler.LEAVES(); ++i) {
            require(handler.paidCount(i) <= 1, "a leaf paid twice");
        }
        require(handler.paidTotal() + token.unclaimed() + handler.swept() == handler.claimTotal(), "claim accounting");
    }
}
