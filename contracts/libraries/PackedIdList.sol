// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Paging} from "./Paging.sol";

/**
 * @title PackedIdList
 * @notice An append-only list of 40-bit ids, packed six to a storage slot, with paged reads.
 * @dev Why not `uint256[]`: a plain array spends a new storage slot (22,100 gas) on every push, and the
 * registry keeps two lists per record (the patient's and the issuer's). Packed, five pushes in six write a
 * slot that already holds data (5,000 gas), and the length shares the first slot with the first ids.
 *
 * Layout, slot `k` of `list.slots`:
 *  k = 0:  length (40) | id[0] (40) | id[1] | id[2] | id[3] | id[4]        (bits 0-39 length, then ids)
 *  k >= 1: id[6k-1] (40) | id[6k] | ... | id[6k+4]                         (six ids, from bit 0)
 * The slot and offset of element `i` follow from `i + 1` (the length occupies position 0 of slot 0).
 */
library PackedIdList {
    struct List {
        mapping(uint256 slot => uint256 packed) slots;
    }

    uint256 private constant WIDTH = 40;
    uint256 private constant PER_SLOT = 6;
    uint256 private constant MASK = (1 << WIDTH) - 1;

    /// @notice Number of ids in the list.
    function length(List storage list) internal view returns (uint256) {
        return list.slots[0] & MASK;
    }

    /// @notice Appends an id (which must fit in 40 bits; callers allocate ids below 2^40).
    function push(List storage list, uint256 id) internal {
        uint256 head = list.slots[0];
        uint256 len = head & MASK;
        // Position of the new element: the length takes position 0 of slot 0.
        uint256 position = len + 1;
        uint256 slot = position / PER_SLOT;
        uint256 shift = (position % PER_SLOT) * WIDTH;
        // Cannot overflow: a 40-bit length would need 2^40 pushes, each at least 5,000 gas.
        unchecked {
            ++head;
        }
        if (slot == 0) {
            list.slots[0] = head | (id << shift);
        } else {
            list.slots[0] = head;
            list.slots[slot] |= id << shift;
        }
    }

    /**
     * @notice A page of ids in insertion order.
     * @return ids At most `limit` ids from `offset`; empty when `offset` is past the end.
     * @return total The length of the list.
     */
    function page(
        List storage list,
        uint256 offset,
        uint256 limit
    ) internal view returns (uint256[] memory ids, uint256 total) {
        total = length(list);
        uint256 end = Paging.end(total, offset, limit);
        ids = new uint256[](end - offset);
        uint256 cachedSlot = type(uint256).max;
        uint256 word;
        for (uint256 i = offset; i < end; ++i) {
            uint256 position = i + 1;
            uint256 slot = position / PER_SLOT;
            if (slot != cachedSlot) {
                word = list.slots[slot];
                cachedSlot = slot;
            }
            ids[i - offset] = (word >> ((position % PER_SLOT) * WIDTH)) & MASK;
        }
    }
}
