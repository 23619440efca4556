// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IISTDistribution
 * @notice The three-year distribution of the IST supply: the genesis holder of the token, the vesting vault
 * of every beneficiary, and the pools that fund the token's genesis Merkle claim and later distributions.
 * @dev The supply is split into categories (investors, development company, partners, advisors, airdrop,
 * demand-survey participants, platform/ecosystem reserve, ...). A category is either:
 *  - `Vesting`: its tokens are granted to beneficiaries, each grant vesting linearly from its start with the
 *    category's cliff and duration (nothing before the cliff; at the cliff, what has accrued since the start);
 *  - `Pool`: part of its tokens can fund the genesis Merkle claim built into the token (airdrop and
 *    demand-survey rewards); governance hands the rest to later distributions.
 * The sum of the categories is the token's whole supply, checked at construction.
 */
interface IISTDistribution {
    /// @notice How a category's tokens leave the distribution.
    enum CategoryKind {
        Vesting,
        Pool
    }

    /**
     * @notice One slice of the supply, as the parameter file describes it.
     * @param label Short ASCII name, e.g. "investors", as a bytes32 string (ethers `encodeBytes32String`).
     * @param kind Vesting or Pool.
     * @param amount Tokens of the category, 18 decimals.
     * @param cliff Seconds after a grant's start before anything vests (Vesting only, else 0).
     * @param duration Seconds from a grant's start until everything has vested (Vesting only, else 0).
     * @param claimAmount Tokens of the category placed in the token's genesis claim (Pool only, else 0).
     */
    struct CategoryConfig {
        bytes32 label;
        CategoryKind kind;
        uint96 amount;
        uint32 cliff;
        uint32 duration;
        uint96 claimAmount;
    }

    /**
     * @notice Everything the deployment's parameter file decides.
     * @param supply The total supply the file declares; the categories must add up to it exactly.
     * @param listingTime When vesting starts.
     * @param reserveCategory Index of the Vesting category that revoked tokens return to.
     * @param categories The categories, in order; their indexes are their ids.
     * @param grants The grants to create at genesis, all starting at the listing.
     * @param claimRoot Merkle root of the genesis claim (airdrop and survey leaves), zero for none.
     * @param claimDeadline Last second at which genesis claims are accepted.
     * @param claimTreasury Receives, and alone may sweep, what is not claimed.
     */
    struct Genesis {
        uint256 supply;
        uint40 listingTime;
        uint8 reserveCategory;
        CategoryConfig[] categories;
        GrantConfig[] grants;
        bytes32 claimRoot;
        uint64 claimDeadline;
        address claimTreasury;
    }

    /**
     * @notice A grant written by the deployment from the parameter file.
     * @param beneficiary Receives the vested tokens.
     * @param category Index of a Vesting category.
     * @param amount Tokens granted.
     * @param revocable Whether governance may revoke the unvested part (team members who leave).
     */
    struct GrantConfig {
        address beneficiary;
        uint8 category;
        uint96 amount;
        bool revocable;
    }

    /**
     * @notice A category as stored: its configuration and what is still not granted or released.
     * @param label Short ASCII name.
     * @param kind Vesting or Pool.
     * @param cliff Cliff of the category's grants, in seconds.
     * @param duration Vesting duration of the category's grants, in seconds.
     * @param amount Tokens assigned to the category at genesis.
     * @param unallocated Tokens neither granted (Vesting), placed in the claim nor released (Pool) yet;
     * revocations add back here for the reserve category.
     */
    struct Category {
        bytes32 label;
        CategoryKind kind;
        uint32 cliff;
        uint32 duration;
        uint96 amount;
        uint96 unallocated;
    }

    /**
     * @notice A vesting grant.
     * @dev Storage layout, two slots:
     *  slot 0: beneficiary (160) | start (40) | category (8) | revocable (8) | revoked (8)
     *  slot 1: total (96) | released (96) | cliff (32) | duration (32)
     * The schedule is copied from the category into the grant so that a release reads two slots only.
     * After a revocation `total` is what had vested at that moment and nothing more vests.
     */
    struct Grant {
        address beneficiary;
        uint40 start;
        uint8 category;
        bool revocable;
        bool revoked;
        uint96 total;
        uint96 released;
        uint32 cliff;
        uint32 duration;
    }

    /// @notice The categories do not add up to the supply the deployment declared.
    /// @param expected The declared total supply.
    /// @param actual The sum of the categories.
    error DistributionSupplyMismatch(uint256 expected, uint256 actual);

    /// @notice A category's schedule is impossible for its kind: a Vesting category needs a duration and a cliff
    /// no longer than it; a Pool has no schedule.
    /// @param category Index of the category.
    /// @param kind Its kind.
    /// @param cliff Cliff in seconds.
    /// @param duration Duration in seconds.
    error DistributionInvalidSchedule(uint256 category, CategoryKind kind, uint32 cliff, uint32 duration);

    /// @notice A category places more tokens in the genesis claim than it may: nothing for a Vesting category, at
    /// most its amount for a Pool.
    /// @param category Index of the category.
    /// @param claimAmount Tokens it places in the claim.
    /// @param maximum The most it may place.
    error DistributionInvalidClaimShare(uint256 category, uint256 claimAmount, uint256 maximum);

    /// @notice No category has this index.
    /// @param category The index asked for.
    error DistributionUnknownCategory(uint256 category);

    /// @notice The category is of the other kind than the operation needs.
    /// @param category Index of the category.
    /// @param kind Its actual kind.
    error DistributionWrongCategoryKind(uint256 category, CategoryKind kind);

    /// @notice The category has fewer unallocated tokens than asked for.
    /// @param category Index of the category.
    /// @param requested Tokens asked for.
    /// @param available Tokens still unallocated.
    error DistributionCategoryExhausted(uint256 category, uint256 requested, uint256 available);

    /// @notice The beneficiary or recipient is the zero address.
    error DistributionZeroBeneficiary();

    /// @notice A grant or release of zero tokens.
    error DistributionZeroAmount();

    /// @notice A grant would start before the listing, when the distribution begins.
    /// @param start The requested start.
    /// @param listingTime The listing time.
    error DistributionStartBeforeListing(uint256 start, uint256 listingTime);

    /// @notice No grant has this id.
    /// @param grantId The id asked for.
    error DistributionUnknownGrant(uint256 grantId);

    /// @notice Nothing has vested beyond what was already released (for instance, before the cliff).
    /// @param grantId The grant.
    /// @param vestingResumesAt The earliest time at which more will have vested (0 if nothing ever will).
    error DistributionNothingToRelease(uint256 grantId, uint256 vestingResumesAt);

    /// @notice The grant was made irrevocable.
    /// @param grantId The grant.
    error DistributionGrantNotRevocable(uint256 grantId);

    /// @notice The grant was already revoked.
    /// @param grantId The grant.
    error DistributionGrantAlreadyRevoked(uint256 grantId);

    /**
     * @notice A category was set up at genesis.
     * @param category Index of the category.
     * @param label Short ASCII name.
     * @param kind Vesting or Pool.
     * @param amount Tokens of the category.
     * @param cliff Cliff in seconds.
     * @param duration Duration in seconds.
     * @param claimAmount Tokens of the category placed in the token's genesis claim.
     */
    event CategoryConfigured(
        uint256 indexed category,
        bytes32 label,
        CategoryKind kind,
        uint256 amount,
        uint32 cliff,
        uint32 duration,
        uint256 claimAmount
    );

    /**
     * @notice A vesting grant was created.
     * @param grantId Sequential id of the grant.
     * @param beneficiary Receives the vested tokens.
     * @param category Vesting category it was taken from.
     * @param amount Tokens granted.
     * @param start Vesting start.
     * @param cliff Cliff in seconds.
     * @param duration Duration in seconds.
     * @param revocable Whether it can be revoked.
     */
    event GrantCreated(
        uint256 indexed grantId,
        address indexed beneficiary,
        uint256 indexed category,
        uint256 amount,
        uint40 start,
        uint32 cliff,
        uint32 duration,
        bool revocable
    );

    /**
     * @notice Vested tokens were paid to a grant's beneficiary.
     * @param grantId The grant.
     * @param beneficiary Who received them.
     * @param amount Tokens paid now.
     * @param releasedTotal Tokens paid for this grant so far, this payment included.
     */
    event TokensReleased(uint256 indexed grantId, address indexed beneficiary, uint256 amount, uint256 releasedTotal);

    /**
     * @notice A grant was revoked: what had vested stays with the beneficiary, the rest returns to the reserve.
     * @param grantId The grant.
     * @param beneficiary Its beneficiary.
     * @param vested Tokens vested at revocation; the grant's new total.
     * @param returned Unvested tokens credited back to the reserve category.
     * @param reserveCategory The category credited.
     */
    event GrantRevoked(
        uint256 indexed grantId,
        address indexed beneficiary,
        uint256 vested,
        uint256 returned,
        uint256 reserveCategory
    );

    /**
     * @notice Tokens of a Pool category were handed to a distribution contract or account.
     * @param category The Pool category.
     * @param to The recipient, for instance a later distribution contract.
     * @param amount Tokens transferred.
     */
    event PoolReleased(uint256 indexed category, address indexed to, uint256 amount);

    /// @notice The IST token this contract created and distributes.
    function token() external view returns (IERC20);

    /// @notice When the distribution starts; no grant vests from before it.
    function listingTime() external view returns (uint40);

    /// @notice The category that revoked, unvested tokens return to.
    function reserveCategory() external view returns (uint8);

    /// @notice Number of categories.
    function categoryCount() external view returns (uint256);

    /// @notice A category by index.
    /// @param category Index of the category.
    function getCategory(uint256 category) external view returns (Category memory);

    /// @notice Number of grants ever created; ids run from 0 to `grantCount() - 1`.
    function grantCount() external view returns (uint256);

    /// @notice A grant by id.
    /// @param grantId The grant.
    function getGrant(uint256 grantId) external view returns (Grant memory);

    /**
     * @notice A page of the grant ids of a beneficiary, oldest first.
     * @param beneficiary The beneficiary.
     * @param offset Index of the first id in the beneficiary's list.
     * @param limit Maximum number of ids returned.
     * @return ids The page; empty when `offset` is past the end.
     * @return total The length of the whole list.
     */
    function grantsOf(
        address beneficiary,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 total);

    /**
     * @notice Tokens of a grant vested at a given time, released or not.
     * @param grantId The grant.
     * @param timestamp The time asked about.
     */
    function vestedAmount(uint256 grantId, uint64 timestamp) external view returns (uint256);

    /// @notice Tokens of a grant that {release} would pay now.
    /// @param grantId The grant.
    function releasable(uint256 grantId) external view returns (uint256);

    /**
     * @notice Pays a grant's beneficiary what has vested and not been paid yet.
     * @dev Anyone may call it (a relayer, a wallet service); the tokens only ever go to the beneficiary.
     * Reverts with {DistributionUnknownGrant} or {DistributionNothingToRelease}. Emits {TokensReleased}.
     * @param grantId The grant.
     * @return amount Tokens paid.
     */
    function release(uint256 grantId) external returns (uint256 amount);

    /**
     * @notice Creates a grant from a Vesting category's unallocated tokens, for instance for a new team member.
     * @dev Reverts with {DistributionZeroBeneficiary}, {DistributionZeroAmount},
     * {DistributionUnknownCategory}, {DistributionWrongCategoryKind}, {DistributionCategoryExhausted} or
     * {DistributionStartBeforeListing}. Emits {GrantCreated}.
     * @param beneficiary Receives the vested tokens.
     * @param category A Vesting category.
     * @param amount Tokens granted.
     * @param start Vesting start, not before the listing.
     * @param revocable Whether the unvested part can later be revoked.
     * @return grantId The new grant's id.
     * @custom:restricted TREASURER
     */
    function createGrant(
        address beneficiary,
        uint8 category,
        uint96 amount,
        uint40 start,
        bool revocable
    ) external returns (uint256 grantId);

    /**
     * @notice Revokes a revocable grant: vesting stops now, the vested part stays releasable by the
     * beneficiary, and the unvested part returns to the reserve category's unallocated tokens.
     * @dev Reverts with {DistributionUnknownGrant}, {DistributionGrantNotRevocable} or
     * {DistributionGrantAlreadyRevoked}. Emits {GrantRevoked}.
     * @param grantId The grant.
     * @custom:restricted TREASURER
     */
    function revoke(uint256 grantId) external;

    /**
     * @notice Hands tokens of a Pool category to a later distribution (a contract or a multisig).
     * @dev Reverts with {DistributionZeroBeneficiary}, {DistributionZeroAmount},
     * {DistributionUnknownCategory}, {DistributionWrongCategoryKind} or {DistributionCategoryExhausted}.
     * Emits {PoolReleased}.
     * @param category A Pool category.
     * @param to The recipient.
     * @param amount Tokens to transfer.
     * @custom:restricted TREASURER
     */
    function releasePool(uint8 category, address to, uint96 amount) external;
}
