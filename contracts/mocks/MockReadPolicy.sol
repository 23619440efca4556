// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IReadPolicy} from "../interfaces/IReadPolicy.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";

/// @notice Test double for the consent seam: allows exactly the (reader id, record, purpose) triples it was told.
contract MockReadPolicy is IReadPolicy {
    mapping(bytes32 key => bool allowed) private _allowed;

    function allow(uint32 readerId, uint256 recordId, IRecordRegistry.Purpose purpose) external {
        _allowed[keccak256(abi.encode(readerId, recordId, purpose))] = true;
    }

    function allows(
        uint32 readerId,
        uint256 recordId,
        uint64,
        uint8,
        IRecordRegistry.Purpose purpose
    ) external view returns (bool) {
        return _allowed[keccak256(abi.encode(readerId, recordId, purpose))];
    }
}
