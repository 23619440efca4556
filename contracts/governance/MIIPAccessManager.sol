// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

/**
 * @title MIIPAccessManager
 * @notice The one permission authority of the MIIP suite: every restricted function of every contract asks
 * it who may call, with which delay. Roles and their delays are set by the deployment (see `config/roles.ts`).
 * @dev OpenZeppelin's AccessManager, unchanged; this contract only gives it a name in our artifacts.
 */
contract MIIPAccessManager is AccessManager {
    /// @param initialAdmin Holder of the admin role (role 0); the deployment hands it to governance.
    constructor(address initialAdmin) AccessManager(initialAdmin) {}
}
