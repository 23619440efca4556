// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IPatientDirectory} from "../interfaces/IPatientDirectory.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {PatientCalls} from "../libraries/PatientCalls.sol";

/**
 * @title SuiteService
 * @notice What the consent manager, the claim escrow and the supply chain have in common: they sit behind a
 * UUPS proxy upgraded only through the suite's access manager, they ask the participant directory and the record
 * registry, and they check EIP-712 signatures for their own domain.
 * @dev No storage of its own (each service keeps its state in its own ERC-7201 namespace). The directory and the
 * registry are proxies whose addresses never change, so they are immutables of the implementation and cost no
 * storage read. The EIP-712 domain is built from constants, the chain id and the proxy's address: OpenZeppelin's
 * EIP712Upgradeable would read the name and version strings from storage on every check.
 */
abstract contract SuiteService is Initializable, AccessManagedUpgradeable, UUPSUpgradeable {
    bytes32 private constant DOMAIN_TYPEHASH =
        // solhint-disable-next-line gas-small-strings
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IParticipantRegistry internal immutable _participants;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IRecordRegistry internal immutable _records;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_, IRecordRegistry records_) {
        _participants = participants_;
        _records = records_;
        _disableInitializers();
    }

    /// @inheritdoc UUPSUpgradeable
    /// @custom:restricted GOVERNOR
    /// @custom:oz-upgrades-unsafe-allow-reachable delegatecall
    function upgradeToAndCall(address newImplementation, bytes memory data) public payable override {
        // Overridden only so that this contract's compiled documentation names the role: solc does not carry
        // custom NatSpec tags through @inheritdoc. The check itself is {_authorizeUpgrade}'s.
        super.upgradeToAndCall(newImplementation, data);
    }

    /**
     * @notice The participant directory, whose gateway this service takes patient actions from: the gateway
     * forwards a patient's action only to a contract that names it here.
     */
    function patientGateway() external view returns (address) {
        return address(_participants);
    }

    /// @dev Upgrades go through the access manager like every other restricted call; see {upgradeToAndCall}.
    function _authorizeUpgrade(address) internal override restricted {}

    /**
     * @dev The patient acting, and who acts for it (zero: the patient's own key; else a guardian's commitment),
     * for a patient action: it must come through the directory's gateway, from an actor with the act power.
     */
    function _patientAction() internal view returns (uint64 patientId, bytes32 actor) {
        if (msg.sender != address(_participants)) revert IPatientDirectory.PatientsNotThroughGateway(msg.sender);
        uint8 powers;
        (patientId, actor, powers) = PatientCalls.decode();
        if (powers & PatientCalls.POWER_ACT == 0) {
            revert IPatientDirectory.PatientsGuardianLacksPower(patientId, actor, PatientCalls.POWER_ACT);
        }
    }

    /// @dev The EIP-712 domain separator of this service (version "1"), for the proxy users sign for.
    function _domainSeparator(bytes32 nameHash) internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, nameHash, VERSION_HASH, block.chainid, address(this)));
    }
}
