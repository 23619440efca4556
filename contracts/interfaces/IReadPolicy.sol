// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRecordRegistry} from "./IRecordRegistry.sol";

/**
 * @title IReadPolicy
 * @notice The seam through which the record registry (and the services that know an institution's id) ask
 * whether an institution other than the issuing hospital may read a record. The consent contract implements it.
 * @dev Ids in, no address: the caller has already asked the participant directory that the reader is an active
 * institution, so the policy does not ask again.
 */
interface IReadPolicy {
    /**
     * @notice Whether the active institution `readerId` may read the record for `purpose`.
     * @param readerId The institution asking to read, which the caller checked is active.
     * @param recordId The record.
     * @param patientId The record's patient.
     * @param recordType The record's type.
     * @param purpose The purpose of the read.
     */
    function allows(
        uint32 readerId,
        uint256 recordId,
        uint64 patientId,
        uint8 recordType,
        IRecordRegistry.Purpose purpose
    ) external view returns (bool);
}
