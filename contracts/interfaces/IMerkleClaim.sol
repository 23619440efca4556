// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IMerkleClaim
 * @notice The genesis claim built into the IST token: airdrop and demand-survey rewards, each leaf paid once,
 * always to its own account, until a deadline; then the treasury sweeps what is left.
 * @dev Leaves are OpenZeppelin StandardMerkleTree leaves of `(uint256 index, address account, uint256 amount)`:
 * `keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))))`. `npm run merkle` and the deployment
 * build the root and the proofs from CSVs of `address,amount`. Root, total, deadline and treasury are fixed at
 * deployment: nobody can re-root the claim under its claimants.
 */
interface IMerkleClaim {
    /// @notice A setting of the claim fixed at deployment, to name the one that is unusable.
    enum MerkleClaimSetting {
        Root,
        Deadline,
        Treasury
    }

    /// @notice The leaf at this index was already paid.
    /// @param index The leaf index.
    error MerkleClaimAlreadyClaimed(uint256 index);

    /// @notice The proof does not lead from this leaf to the root.
    /// @param index The claimed leaf index.
    /// @param account The claimed account.
    /// @param amount The claimed amount.
    error MerkleClaimInvalidProof(uint256 index, address account, uint256 amount);

    /// @notice The claim deadline has passed.
    /// @param deadline The last second (unix time) at which claims were accepted.
    error MerkleClaimWindowClosed(uint256 deadline);

    /// @notice Unclaimed tokens can only be swept after the deadline.
    /// @param deadline The last second (unix time) at which claims are accepted.
    error MerkleClaimWindowOpen(uint256 deadline);

    /// @notice Only the treasury may sweep.
    /// @param caller Who tried.
    /// @param treasury The treasury.
    error MerkleClaimUnauthorizedSweeper(address caller, address treasury);

    /// @notice The claim was configured with an unusable value: tokens set aside without a root, a deadline not in
    /// the future, or a zero treasury.
    /// @param setting Which one.
    error MerkleClaimInvalidConfiguration(MerkleClaimSetting setting);

    /**
     * @notice A leaf was paid.
     * @param account The leaf's account, who received the tokens (also the `to` of the Transfer event).
     * @param index The leaf index.
     * @param amount Tokens paid.
     */
    event Claimed(address indexed account, uint256 index, uint256 amount);

    /**
     * @notice What was not claimed by the deadline went to the treasury.
     * @param treasury The recipient.
     * @param amount Tokens swept.
     */
    event Swept(address indexed treasury, uint256 amount);

    /// @notice The Merkle root of the claim's leaves (zero when the deployment has no claim).
    function merkleRoot() external view returns (bytes32);

    /// @notice The last second (unix time) at which claims are accepted.
    function claimDeadline() external view returns (uint64);

    /// @notice Who receives what is not claimed, and alone may sweep it.
    function claimTreasury() external view returns (address);

    /// @notice Tokens still waiting to be claimed (held by the token contract itself).
    function unclaimed() external view returns (uint256);

    /// @notice Whether the leaf at `index` was paid.
    /// @param index The leaf index.
    function isClaimed(uint256 index) external view returns (bool);

    /**
     * @notice Pays a leaf to its own account. Anyone may submit it, so a relayer can pay the gas.
     * @dev Reverts with {MerkleClaimWindowClosed}, {MerkleClaimAlreadyClaimed} or {MerkleClaimInvalidProof}.
     * Emits {Claimed} and the ERC-20 Transfer from the token contract to `account`.
     * @param index The leaf index.
     * @param account The leaf's account; the tokens go there whoever submits.
     * @param amount The leaf's amount.
     * @param proof The Merkle proof of the leaf.
     */
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof) external;

    /**
     * @notice After the deadline, sends everything still unclaimed to the treasury.
     * @dev Only the treasury. Reverts with {MerkleClaimUnauthorizedSweeper} or {MerkleClaimWindowOpen}.
     * Emits {Swept}.
     * @return amount Tokens swept.
     */
    function sweep() external returns (uint256 amount);
}
