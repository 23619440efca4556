// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {ParticipantRegistry} from "../registry/ParticipantRegistry.sol";
import {RecordRegistry} from "../registry/RecordRegistry.sol";

/**
 * @notice Test-only second versions of the registries, to prove that an upgrade through governance keeps every
 * record and participant. New state goes in a new ERC-7201 namespace, as a real V2 would do.
 * They have no initializer of their own on purpose: the proxy already ran V1's; V2's new state is set by
 * `initializeV2`, a reinitializer passed to `upgradeToAndCall`.
 * @custom:oz-upgrades-unsafe-allow missing-initializer
 */
contract RecordRegistryV2 is RecordRegistry {
    /// @custom:storage-location erc7201:miip.storage.RecordRegistryV2
    struct V2Storage {
        uint256 upgradedAt;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.RecordRegistryV2")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant V2_LOCATION = 0x8469b8b38887f1c23c01319f59e94b9c142332a637c6b06b2df2a155d0099600;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_) RecordRegistry(participants_) {}

    function initializeV2() external reinitializer(2) {
        _v2().upgradedAt = block.timestamp;
    }

    function version() external pure returns (string memory) {
        return "2";
    }

    function upgradedAt() external view returns (uint256) {
        return _v2().upgradedAt;
    }

    function _v2() private pure returns (V2Storage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := V2_LOCATION
        }
    }
}

/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract ParticipantRegistryV2 is ParticipantRegistry {
    function version() external pure returns (string memory) {
        return "2";
    }
}
