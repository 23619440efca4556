// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {ERC20MerkleClaim} from "./extensions/ERC20MerkleClaim.sol";

/**
 * @title INSSET (IST)
 * @notice The MIIP platform token: a fixed-supply ERC-20 with EIP-2612 permit, so a patient can approve a
 * spender with a signature and never needs ETH for it, and the genesis Merkle claim of the airdrop and of
 * the demand-survey rewards.
 * @dev The whole supply is minted once, in the constructor: the claim's total to the token itself, the rest
 * to the genesis holder (the {ISTDistribution} contract that deploys this token and holds the three-year
 * distribution). There is no mint function, no owner and no pause: once deployed, nobody can change the
 * supply, freeze a holder or re-root the claim.
 */
contract INSSETToken is ERC20, ERC20Permit, ERC20MerkleClaim {
    /// @notice The claim's total exceeds the supply.
    /// @param claimTotal Tokens reserved for the claim.
    /// @param supply The total supply.
    error ISTClaimExceedsSupply(uint256 claimTotal, uint256 supply);

    /**
     * @param genesisHolder Receives the supply less the claim's total; in the suite, the distribution contract.
     * @param supply The total supply, in the smallest unit (18 decimals).
     * @param claimRoot Merkle root of the genesis claim, or zero for none.
     * @param claimTotal Sum of the claim's leaves, held by the token until claimed or swept.
     * @param claimDeadline Last second at which claims are accepted.
     * @param claimTreasury Receives what is not claimed.
     */
    constructor(
        address genesisHolder,
        uint256 supply,
        bytes32 claimRoot,
        uint256 claimTotal,
        uint64 claimDeadline,
        address claimTreasury
    ) ERC20("INSSET", "IST") ERC20Permit("INSSET") ERC20MerkleClaim(claimRoot, claimDeadline, claimTreasury) {
        if (claimTotal > supply) revert ISTClaimExceedsSupply(claimTotal, supply);
        if (claimRoot == bytes32(0) && claimTotal != 0) revert MerkleClaimInvalidConfiguration(MerkleClaimSetting.Root);
        _mint(genesisHolder, supply - claimTotal);
        if (claimTotal != 0) _mint(address(this), claimTotal);
    }
}
