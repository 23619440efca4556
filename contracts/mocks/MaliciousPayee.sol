// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IClaimEscrow} from "../interfaces/IClaimEscrow.sol";

/**
 * @notice Test double: a payee that, when paid through a hook token, tries to re-enter the escrow (to withdraw a
 * credit it does not have, or to file again). The escrow's guard makes the re-entry revert, the payment fails,
 * and the escrow credits the payee instead.
 */
contract MaliciousPayee {
    IClaimEscrow public immutable escrow;
    IERC20 public immutable token;
    uint256 public attempts;

    constructor(IClaimEscrow escrow_, IERC20 token_) {
        escrow = escrow_;
        token = token_;
    }

    function onTokenReceived(address, uint256) external {
        attempts += 1;
        escrow.withdrawCredit(token, address(this));
    }
}
