// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IReadPolicy} from "../interfaces/IReadPolicy.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";

/// @notice Test double for the consent seam: allows exactly the (reader, record, purpose) triples it was told.
contract MockReadPolicy is IReadPolicy {
    mapping(bytes32 key => bool allowed) private _allowed;

    function allow(address reader, uint256 recordId, IRecordRegistry.Purpose purpose) external {
        _allowed[keccak256(abi.encode(reader, recordId, purpose))] = true;
    }

    function allows(
        address reader,
        uint256 recordId,
        address,
        uint8,
        IRecordRegistry.Purpose purpose
    ) external view returns (bool) {
        return _allowed[keccak256(abi.encode(reader, recordId, purpose))];
    }
}
