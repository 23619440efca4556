// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PatientCalls} from "../libraries/PatientCalls.sol";

/// @notice Test double: a service that takes patient actions from the directory's gateway and reports what it was
/// told, so tests can see exactly which patient, actor and powers the gateway appended.
contract MockPatientService {
    address public immutable gateway;

    event Acted(uint64 patientId, bytes32 actor, uint8 powers, uint256 value);

    error Refused(uint256 value);

    constructor(address gateway_) {
        gateway = gateway_;
    }

    function patientGateway() external view returns (address) {
        return gateway;
    }

    function act(uint256 value) external returns (uint256) {
        require(msg.sender == gateway, "not the gateway");
        (uint64 patientId, bytes32 actor, uint8 powers) = PatientCalls.decode();
        emit Acted(patientId, actor, powers, value);
        return value * 2;
    }

    function refuse(uint256 value) external pure {
        revert Refused(value);
    }
}
