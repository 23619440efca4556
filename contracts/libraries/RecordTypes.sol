// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title RecordTypes
 * @notice The range of record types, shared by every contract that keeps a set of them: the registry enables
 * types 1 to `COUNT - 1`, and a claim programme's covered types are a bitmap of the same width, so every type
 * the registry accepts can be covered.
 */
library RecordTypes {
    /// @notice Types run below this (type 0 is reserved); a bitmap of types is a `uint128`.
    uint256 internal constant COUNT = 128;

    /// @notice Whether `recordType` is in `bitmap` (false outside the range).
    function contains(uint128 bitmap, uint8 recordType) internal pure returns (bool) {
        return recordType < COUNT && (bitmap >> recordType) & 1 == 1;
    }
}
