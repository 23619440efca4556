// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IISTAirdrop} from "../interfaces/IISTAirdrop.sol";

/**
 * @title ISTAirdrop
 * @notice One Merkle claim round: each leaf pays once, always to its own account, until the deadline; then
 * governance sweeps the rest to the treasury.
 * @dev One contract per round keeps the round's funds equal to the contract's balance, so a claim writes only
 * the claimed bit (no running total) and a sweep needs no bookkeeping. Root, deadline and treasury are
 * immutable: a round cannot be re-rooted under its claimants. Gas choices, measured against a plain
 * OpenZeppelin MerkleProof + BitMaps distributor in bench/: the proof is verified from calldata, and the
 * claimed bitmap is read and written once.
 */
contract ISTAirdrop is IISTAirdrop, AccessManaged {
    using SafeERC20 for IERC20;

    IERC20 private immutable _token;
    bytes32 private immutable _merkleRoot;
    uint64 private immutable _deadline;
    address private immutable _treasury;

    mapping(uint256 wordIndex => uint256 bits) private _claimedBits;

    /**
     * @param initialAuthority The suite's access manager.
     * @param token_ The token paid out.
     * @param merkleRoot_ Root of the round's leaves.
     * @param deadline_ Last second at which claims are accepted; must be in the future.
     * @param treasury_ Receives what was not claimed.
     */
    constructor(
        address initialAuthority,
        IERC20 token_,
        bytes32 merkleRoot_,
        uint64 deadline_,
        address treasury_
    ) AccessManaged(initialAuthority) {
        if (address(token_) == address(0)) revert AirdropInvalidConfiguration("token");
        if (treasury_ == address(0)) revert AirdropInvalidConfiguration("treasury");
        if (merkleRoot_ == bytes32(0)) revert AirdropInvalidConfiguration("root");
        if (deadline_ <= block.timestamp) revert AirdropInvalidConfiguration("deadline");
        _token = token_;
        _merkleRoot = merkleRoot_;
        _deadline = deadline_;
        _treasury = treasury_;
    }

    /// @inheritdoc IISTAirdrop
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IISTAirdrop
    function merkleRoot() external view returns (bytes32) {
        return _merkleRoot;
    }

    /// @inheritdoc IISTAirdrop
    function deadline() external view returns (uint64) {
        return _deadline;
    }

    /// @inheritdoc IISTAirdrop
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IISTAirdrop
    function isClaimed(uint256 index) external view returns (bool) {
        return _claimedBits[index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @inheritdoc IISTAirdrop
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof) external {
        if (block.timestamp > _deadline) revert AirdropClaimWindowClosed(_deadline);
        uint256 word = index >> 8;
        uint256 mask = 1 << (index & 0xff);
        uint256 bits = _claimedBits[word];
        if (bits & mask != 0) revert AirdropAlreadyClaimed(index);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))));
        if (!MerkleProof.verifyCalldata(proof, _merkleRoot, leaf)) {
            revert AirdropInvalidProof(index, account, amount);
        }
        _claimedBits[word] = bits | mask;
        emit Claimed(index, account, amount, msg.sender);
        // The bit is set before the transfer, so a token that called back could not claim the leaf again.
        _token.safeTransfer(account, amount);
    }

    /// @inheritdoc IISTAirdrop
    function sweep() external restricted returns (uint256 amount) {
        if (block.timestamp <= _deadline) revert AirdropClaimWindowOpen(_deadline);
        amount = _token.balanceOf(address(this));
        emit Swept(_treasury, amount);
        _token.safeTransfer(_treasury, amount);
    }
}
