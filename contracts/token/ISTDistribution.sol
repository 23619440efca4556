// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IISTDistribution} from "../interfaces/IISTDistribution.sol";
import {Paging} from "../libraries/Paging.sol";
import {INSSETToken} from "./INSSETToken.sol";

/**
 * @title ISTDistribution
 * @notice Genesis holder of the IST supply, vesting vault of all its beneficiaries, and keeper of the pools.
 * @dev Why the distribution creates the token: the token must mint its whole supply once, to the
 * distribution, and the distribution must know the token. Creating the token here makes that one atomic
 * step with no window in which a deployer key holds the supply and no one-shot setter to trust.
 *
 * Why one vault for every beneficiary instead of one OpenZeppelin VestingWallet each: a grant costs two
 * storage slots here instead of a contract deployment (about 25x cheaper to create), revocation needs
 * no extra contract, and a repeat release measures below VestingWallet's (see bench/gas.json).
 *
 * Why no reentrancy guard: the only token this contract ever moves is the one its constructor created,
 * a plain OpenZeppelin ERC-20 with no hooks or callbacks, and every transfer comes after the state change
 * it pays for. There is no call out through which anyone could come back in.
 */
contract ISTDistribution is IISTDistribution, AccessManaged {
    using SafeERC20 for IERC20;

    IERC20 private immutable _token;
    uint40 private immutable _listingTime;
    uint8 private immutable _reserveCategory;

    Category[] private _categories;
    uint256 private _grantCount;
    mapping(uint256 grantId => Grant) private _grants;
    mapping(address beneficiary => uint256[] grantIds) private _grantsOf;

    /**
     * @param initialAuthority The suite's access manager.
     * @param genesis What the parameter file decides: supply, listing, categories, grants and the claim.
     */
    constructor(address initialAuthority, Genesis memory genesis) AccessManaged(initialAuthority) {
        uint256 supply;
        uint256 claimTotal;
        for (uint256 i = 0; i < genesis.categories.length; ++i) {
            CategoryConfig memory c = genesis.categories[i];
            _addCategory(i, c);
            supply += c.amount;
            claimTotal += c.claimAmount;
        }
        if (supply != genesis.supply) revert DistributionSupplyMismatch(genesis.supply, supply);
        // Grants and category balances are uint96; a supply that fits makes every sum of them fit too.
        SafeCast.toUint96(supply);
        _checkCategory(genesis.reserveCategory, CategoryKind.Vesting);

        _listingTime = genesis.listingTime;
        _reserveCategory = genesis.reserveCategory;
        _token = IERC20(
            address(
                new INSSETToken(
                    address(this),
                    supply,
                    genesis.claimRoot,
                    claimTotal,
                    genesis.claimDeadline,
                    genesis.claimTreasury
                )
            )
        );

        for (uint256 i = 0; i < genesis.grants.length; ++i) {
            GrantConfig memory g = genesis.grants[i];
            _createGrant(g.beneficiary, g.category, g.amount, genesis.listingTime, g.revocable);
        }
    }

    /// @inheritdoc IISTDistribution
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IISTDistribution
    function listingTime() external view returns (uint40) {
        return _listingTime;
    }

    /// @inheritdoc IISTDistribution
    function reserveCategory() external view returns (uint8) {
        return _reserveCategory;
    }

    /// @inheritdoc IISTDistribution
    function categoryCount() external view returns (uint256) {
        return _categories.length;
    }

    /// @inheritdoc IISTDistribution
    function getCategory(uint256 category) external view returns (Category memory) {
        if (category >= _categories.length) revert DistributionUnknownCategory(category);
        return _categories[category];
    }

    /// @inheritdoc IISTDistribution
    function grantCount() external view returns (uint256) {
        return _grantCount;
    }

    /// @inheritdoc IISTDistribution
    function getGrant(uint256 grantId) external view returns (Grant memory) {
        return _grant(grantId);
    }

    /// @inheritdoc IISTDistribution
    function grantsOf(
        address beneficiary,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 total) {
        uint256[] storage all = _grantsOf[beneficiary];
        total = all.length;
        uint256 end = Paging.end(total, offset, limit);
        ids = new uint256[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            ids[i - offset] = all[i];
        }
    }

    /// @inheritdoc IISTDistribution
    function vestedAmount(uint256 grantId, uint64 timestamp) external view returns (uint256) {
        return _vested(_grant(grantId), timestamp);
    }

    /// @inheritdoc IISTDistribution
    function releasable(uint256 grantId) external view returns (uint256) {
        Grant memory g = _grant(grantId);
        return _vested(g, block.timestamp) - g.released;
    }

    /// @inheritdoc IISTDistribution
    function release(uint256 grantId) external returns (uint256 amount) {
        // One copy of the grant's two slots; every field below is read from memory.
        Grant memory g = _grants[grantId];
        if (g.beneficiary == address(0)) revert DistributionUnknownGrant(grantId);
        // _vested never exceeds `total`, a uint96, so the cast is lossless.
        uint96 vested = uint96(_vested(g, block.timestamp));
        if (vested <= g.released) revert DistributionNothingToRelease(grantId, _nextVestingTime(g));
        // Cannot underflow: checked just above.
        unchecked {
            amount = vested - g.released;
        }
        _grants[grantId].released = vested;
        emit TokensReleased(grantId, g.beneficiary, amount, vested);
        _token.safeTransfer(g.beneficiary, amount);
    }

    /// @inheritdoc IISTDistribution
    /// @custom:restricted TREASURER
    function createGrant(
        address beneficiary,
        uint8 category,
        uint96 amount,
        uint40 start,
        bool revocable
    ) external restricted returns (uint256 grantId) {
        if (start < _listingTime) revert DistributionStartBeforeListing(start, _listingTime);
        return _createGrant(beneficiary, category, amount, start, revocable);
    }

    /// @inheritdoc IISTDistribution
    /// @custom:restricted TREASURER
    function revoke(uint256 grantId) external restricted {
        Grant memory g = _grant(grantId);
        if (!g.revocable) revert DistributionGrantNotRevocable(grantId);
        if (g.revoked) revert DistributionGrantAlreadyRevoked(grantId);
        // _vested never exceeds `total`, a uint96.
        uint96 vested = uint96(_vested(g, block.timestamp));
        uint96 returned;
        // Cannot underflow: vested <= total.
        unchecked {
            returned = g.total - vested;
        }
        Grant storage stored = _grants[grantId];
        stored.total = vested;
        stored.revoked = true;
        uint8 reserve = _reserveCategory;
        // Cannot overflow: the sum of all categories is the supply, which fits in uint96 (checked at genesis).
        unchecked {
            _categories[reserve].unallocated += returned;
        }
        emit GrantRevoked(grantId, g.beneficiary, vested, returned, reserve);
    }

    /// @inheritdoc IISTDistribution
    /// @custom:restricted TREASURER
    function releasePool(uint8 category, address to, uint96 amount) external restricted {
        if (to == address(0)) revert DistributionZeroBeneficiary();
        _take(category, CategoryKind.Pool, amount);
        emit PoolReleased(category, to, amount);
        _token.safeTransfer(to, amount);
    }

    function _addCategory(uint256 index, CategoryConfig memory c) private {
        bool isVesting = c.kind == CategoryKind.Vesting;
        bool validSchedule = isVesting ? c.duration != 0 && c.cliff <= c.duration : (c.cliff | c.duration) == 0;
        if (!validSchedule) revert DistributionInvalidSchedule(index, c.kind, c.cliff, c.duration);
        uint96 maxClaim = isVesting ? 0 : c.amount;
        if (c.claimAmount > maxClaim) revert DistributionInvalidClaimShare(index, c.claimAmount, maxClaim);
        _categories.push(Category(c.label, c.kind, c.cliff, c.duration, c.amount, c.amount - c.claimAmount));
        emit CategoryConfigured(index, c.label, c.kind, c.amount, c.cliff, c.duration, c.claimAmount);
    }

    function _createGrant(
        address beneficiary,
        uint8 category,
        uint96 amount,
        uint40 start,
        bool revocable
    ) private returns (uint256 grantId) {
        if (beneficiary == address(0)) revert DistributionZeroBeneficiary();
        Category storage c = _take(category, CategoryKind.Vesting, amount);
        uint32 cliff = c.cliff;
        uint32 duration = c.duration;
        grantId = _grantCount;
        _grantCount = grantId + 1;
        _grants[grantId] = (
            Grant({
                beneficiary: beneficiary,
                start: start,
                category: category,
                revocable: revocable,
                revoked: false,
                total: amount,
                released: 0,
                cliff: cliff,
                duration: duration
            })
        );
        _grantsOf[beneficiary].push(grantId);
        emit GrantCreated(grantId, beneficiary, category, amount, start, cliff, duration, revocable);
    }

    /// @dev Takes `amount` out of a category's unallocated tokens after checking its kind.
    function _take(uint8 category, CategoryKind kind, uint96 amount) private returns (Category storage c) {
        if (amount == 0) revert DistributionZeroAmount();
        c = _checkCategory(category, kind);
        uint96 available = c.unallocated;
        if (amount > available) revert DistributionCategoryExhausted(category, amount, available);
        // Cannot underflow: checked just above.
        unchecked {
            c.unallocated = available - amount;
        }
    }

    function _checkCategory(uint256 category, CategoryKind kind) private view returns (Category storage c) {
        if (category >= _categories.length) revert DistributionUnknownCategory(category);
        c = _categories[category];
        if (c.kind != kind) revert DistributionWrongCategoryKind(category, c.kind);
    }

    /// @dev A grant by id; a grant exists if and only if its beneficiary is set (zero is refused at creation).
    function _grant(uint256 grantId) private view returns (Grant memory g) {
        g = _grants[grantId];
        if (g.beneficiary == address(0)) revert DistributionUnknownGrant(grantId);
    }

    /// @dev Linear vesting from `start` over `duration`, nothing before `start + cliff`; frozen once revoked.
    function _vested(Grant memory g, uint256 timestamp) private pure returns (uint256) {
        uint256 total = g.total;
        if (g.revoked) return total;
        uint256 start = g.start;
        if (timestamp < start + g.cliff) return 0;
        uint256 elapsed = timestamp - start;
        uint256 duration = g.duration;
        if (elapsed >= duration) return total;
        return (total * elapsed) / duration;
    }

    /// @dev The earliest time at which a grant will have more vested than now, or 0 if it never will.
    function _nextVestingTime(Grant memory g) private view returns (uint256) {
        if (g.revoked) return 0;
        uint256 cliffEnd = uint256(g.start) + g.cliff;
        if (block.timestamp < cliffEnd) return cliffEnd;
        if (block.timestamp >= uint256(g.start) + g.duration) return 0;
        return block.timestamp + 1;
    }
}
