// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";

/**
 * @notice Bench reference only: the plain OpenZeppelin MerkleProof + BitMaps distributor that the airdrop
 * gas target is set against. Never deployed by `deploy/`.
 */
contract ReferenceMerkleDistributor {
    using SafeERC20 for IERC20;
    using BitMaps for BitMaps.BitMap;

    error AlreadyClaimed(uint256 index);
    error InvalidProof();

    IERC20 public immutable token;
    bytes32 public immutable merkleRoot;
    BitMaps.BitMap private _claimed;

    constructor(IERC20 token_, bytes32 merkleRoot_) {
        token = token_;
        merkleRoot = merkleRoot_;
    }

    function claim(uint256 index, address account, uint256 amount, bytes32[] memory proof) external {
        if (_claimed.get(index)) revert AlreadyClaimed(index);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))));
        if (!MerkleProof.verify(proof, merkleRoot, leaf)) revert InvalidProof();
        _claimed.set(index);
        token.safeTransfer(account, amount);
    }
}
