// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRecordRegistry} from "./IRecordRegistry.sol";

/**
 * @title IReadPolicy
 * @notice The seam through which the record registry asks whether a reader other than the patient and the
 * issuing hospital may read a record. The consent contract implements it.
 */
interface IReadPolicy {
    /**
     * @notice Whether `reader` may read the record for `purpose`.
     * @param reader The address asking to read.
     * @param recordId The record.
     * @param patient The record's patient.
     * @param recordType The record's type.
     * @param purpose The purpose of the read.
     */
    function allows(
        address reader,
        uint256 recordId,
        address patient,
        uint8 recordType,
        IRecordRegistry.Purpose purpose
    ) external view returns (bool);
}
