// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";

/**
 * @notice Test-only: an "upgrade" of RecordRegistry that reorders its namespace, which would make every record
 * read as garbage. The storage layout check must refuse it.
 */
contract RecordRegistryBadV2 is Initializable, AccessManagedUpgradeable, UUPSUpgradeable {
    struct Config {
        uint40 lastId;
        bool paused;
        uint128 recordTypes;
    }

    /// @custom:storage-location erc7201:miip.storage.RecordRegistry
    struct RecordStorage {
        address readPolicy;
        Config config;
    }

    /// @dev Same constructor signature as RecordRegistry, so that the layout check compares like with like.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address) {
        _disableInitializers();
    }

    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    function _authorizeUpgrade(address) internal override restricted {}
}
