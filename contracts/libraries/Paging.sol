// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title Paging
 * @notice The one rule every paged view of the suite follows: a page starts at `offset`, holds at most `limit`
 * items, and a page past the end is empty rather than an error.
 */
library Paging {
    /**
     * @notice The end (exclusive) of the page `[offset, offset + limit)` of a list of `total` items, clamped to the
     * list; equal to `offset` (an empty page) when `offset` is past the end.
     * @dev Written so that no `offset` or `limit`, however large, overflows.
     */
    function end(uint256 total, uint256 offset, uint256 limit) internal pure returns (uint256) {
        if (offset >= total) return offset;
        return total - offset < limit ? total : offset + limit;
    }
}
