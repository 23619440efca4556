// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title PatientCalls
 * @notice The one layout of a patient action forwarded by the directory's gateway, ERC-2771 style: the
 * calldata, then the patient id (8 bytes), the actor (32 bytes: zero for the patient's own key, else the
 * guardian's commitment) and the actor's powers (1 byte). A service reads the suffix only when the caller is the
 * directory, which always appends it last, so whatever a signer puts in `data` cannot stand in for it.
 */
library PatientCalls {
    /// @notice Bytes appended to the calldata.
    uint256 internal constant SUFFIX_LENGTH = 41;

    /// @notice A guardian's power to approve a recovery of the patient's account.
    uint8 internal constant POWER_RECOVER = 1;
    /// @notice A guardian's power to act for the patient on the services.
    uint8 internal constant POWER_ACT = 2;
    /// @notice Powers of the patient's own key: everything a guardian could be given.
    uint8 internal constant ALL_POWERS = POWER_RECOVER | POWER_ACT;

    /// @notice The calldata a target receives.
    function encode(
        bytes calldata data,
        uint64 patientId,
        bytes32 actor,
        uint8 powers
    ) internal pure returns (bytes memory) {
        return abi.encodePacked(data, patientId, actor, powers);
    }

    /**
     * @notice The patient, actor and powers appended to this call's calldata. Only meaningful when the caller is
     * the directory; callers check that first.
     */
    function decode() internal pure returns (uint64 patientId, bytes32 actor, uint8 powers) {
        uint256 n = msg.data.length;
        patientId = uint64(bytes8(msg.data[n - 41:n - 33]));
        actor = bytes32(msg.data[n - 33:n - 1]);
        powers = uint8(msg.data[n - 1]);
    }
}
