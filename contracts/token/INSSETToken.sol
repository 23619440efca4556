// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title INSSET (IST)
 * @notice The MIIP platform token: a fixed-supply ERC-20 with EIP-2612 permit, so a patient can approve
 * a spender with a signature and never needs ETH for it.
 * @dev The whole supply is minted once, in the constructor, to the genesis holder (the {ISTDistribution}
 * contract that deploys this token and holds the three-year distribution). There is no mint function,
 * no owner and no pause: once deployed, nobody can change the supply or freeze a holder.
 */
contract INSSETToken is ERC20, ERC20Permit {
    /**
     * @param genesisHolder Receives the whole supply; in the suite this is the distribution contract.
     * @param supply The total supply, in the smallest unit (18 decimals).
     */
    constructor(address genesisHolder, uint256 supply) ERC20("INSSET", "IST") ERC20Permit("INSSET") {
        _mint(genesisHolder, supply);
    }
}
