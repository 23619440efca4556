// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PackVerifier} from "../supply/PackVerifier.sol";

/**
 * @notice Test double: a contract that checks printed expiry dates through the pack verifier in a transaction,
 * as another contract of a pharmacy or an insurer would, and logs each answer.
 */
contract PackCheckCaller {
    /// @notice One answer of {PackVerifier.expiryMatches}.
    /// @param printed The printed date (YYMMDD).
    /// @param expiresAt The batch's expiry.
    /// @param matches The answer.
    event Checked(uint32 printed, uint40 expiresAt, bool matches);

    /// @notice Asks the verifier about each (printed, expiresAt) pair and logs the answers.
    /// @param verifier The pack verifier.
    /// @param printed Printed dates.
    /// @param expiresAt Expiries, one per printed date.
    function check(PackVerifier verifier, uint32[] calldata printed, uint40[] calldata expiresAt) external {
        for (uint256 i = 0; i < printed.length; ++i) {
            emit Checked(printed[i], expiresAt[i], verifier.expiryMatches(printed[i], expiresAt[i]));
        }
    }
}
