// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IISTAirdrop
 * @notice One Merkle distribution round of IST (the airdrop, or the demand-survey rewards).
 * @dev Leaves are OpenZeppelin StandardMerkleTree leaves of `(uint256 index, address account, uint256 amount)`:
 * `keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))))`. `scripts/merkle.ts` builds the
 * root and the proofs from a CSV of `address,amount`.
 */
interface IISTAirdrop {
    /// @notice The leaf at this index was already paid.
    /// @param index The leaf index.
    error AirdropAlreadyClaimed(uint256 index);

    /// @notice The proof does not lead from this leaf to the round's root.
    /// @param index The claimed leaf index.
    /// @param account The claimed account.
    /// @param amount The claimed amount.
    error AirdropInvalidProof(uint256 index, address account, uint256 amount);

    /// @notice The claim deadline has passed.
    /// @param deadline The last second at which claims were accepted.
    error AirdropClaimWindowClosed(uint256 deadline);

    /// @notice Unclaimed tokens can only be swept after the deadline.
    /// @param deadline The last second at which claims are accepted.
    error AirdropClaimWindowOpen(uint256 deadline);

    /// @notice A constructor argument is unusable.
    /// @param what Which one: "token", "treasury", "root" or "deadline".
    error AirdropInvalidConfiguration(bytes32 what);

    /**
     * @notice A leaf was paid.
     * @param index The leaf index.
     * @param account The leaf's account, who received the tokens.
     * @param amount Tokens paid.
     * @param submitter Who sent the transaction (the account itself, or a relayer paying the gas).
     */
    event Claimed(uint256 indexed index, address indexed account, uint256 amount, address submitter);

    /**
     * @notice What was not claimed by the deadline went to the treasury.
     * @param treasury The recipient.
     * @param amount Tokens swept.
     */
    event Swept(address indexed treasury, uint256 amount);

    /// @notice The token paid out.
    function token() external view returns (IERC20);

    /// @notice The Merkle root of the round's leaves.
    function merkleRoot() external view returns (bytes32);

    /// @notice The last second (unix time) at which claims are accepted.
    function deadline() external view returns (uint64);

    /// @notice Where unclaimed tokens go after the deadline.
    function treasury() external view returns (address);

    /// @notice Whether the leaf at `index` was paid.
    /// @param index The leaf index.
    function isClaimed(uint256 index) external view returns (bool);

    /**
     * @notice Pays a leaf to its own account. Anyone may submit it, so a relayer can pay the gas.
     * @dev Reverts with {AirdropClaimWindowClosed}, {AirdropAlreadyClaimed} or {AirdropInvalidProof}.
     * Emits {Claimed}.
     * @param index The leaf index.
     * @param account The leaf's account; the tokens go there whoever submits.
     * @param amount The leaf's amount.
     * @param proof The Merkle proof of the leaf.
     */
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof) external;

    /**
     * @notice After the deadline, sends what was not claimed to the treasury.
     * @dev Restricted by the access manager. Reverts with {AirdropClaimWindowOpen}. Emits {Swept}.
     * @return amount Tokens swept.
     */
    function sweep() external returns (uint256 amount);
}
