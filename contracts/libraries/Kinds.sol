// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";

/**
 * @title Kinds
 * @notice Sets of institution kinds, as {IParticipantRegistry.activeInstitution} takes them: bit k for `Kind` k.
 */
library Kinds {
    uint256 internal constant HOSPITAL = 1 << uint8(IParticipantRegistry.Kind.Hospital);
    uint256 internal constant PHARMACY = 1 << uint8(IParticipantRegistry.Kind.Pharmacy);
    uint256 internal constant INSURER = 1 << uint8(IParticipantRegistry.Kind.Insurer);
    uint256 internal constant PUBLIC_HEALTH_AGENCY = 1 << uint8(IParticipantRegistry.Kind.PublicHealthAgency);
    uint256 internal constant RESEARCHER = 1 << uint8(IParticipantRegistry.Kind.Researcher);
    uint256 internal constant MANUFACTURER = 1 << uint8(IParticipantRegistry.Kind.Manufacturer);
    uint256 internal constant DISTRIBUTOR = 1 << uint8(IParticipantRegistry.Kind.Distributor);
    uint256 internal constant REGULATOR = 1 << uint8(IParticipantRegistry.Kind.Regulator);
    /// @notice Any kind: `None` never comes with the `Active` status, so every bit may be set.
    uint256 internal constant ANY = type(uint256).max;
}
