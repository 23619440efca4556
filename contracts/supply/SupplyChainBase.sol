// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {SuiteService} from "../base/SuiteService.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {ISupplyChainTypes} from "../interfaces/ISupplyChainTypes.sol";
import {Kinds} from "../libraries/Kinds.sol";

/**
 * @title SupplyChainBase
 * @notice What the supply chain's two implementations share: its storage, its constants and the checks both
 * make. {SupplyChain} runs the hot paths (custody, dispensing, readings, views); {SupplyChainExtension} the rest,
 * by delegatecall on the same proxy storage.
 * @dev State lives in one ERC-7201 namespace. Each record is packed so that a hot path reads and writes as few
 * slots as it can: a shipment is one slot (everything shipping, accepting and dispensing touch), a batch's first
 * slot holds everything shipping and dispensing check, a dispensed unit is one slot.
 */
abstract contract SupplyChainBase is SuiteService, ISupplyChainTypes {
    /**
     * @dev slot 0: manufacturerId (32) | gtin (64) | expiresAt (40) | status (8) | quantity (40) |
     *              adverseEvents (32) | manufacturedAt (40): everything shipping and dispensing read
     *      slot 1: serialRoot
     *      slot 2: tempMin | tempMax | humidityMin | humidityMax (16 each) | destroyed (40) | excursions (32) |
     *              recalledAt (40)
     *      slot 3: lot
     */
    struct BatchData {
        uint32 manufacturerId;
        uint64 gtin;
        uint40 expiresAt;
        BatchStatus status;
        uint40 quantity;
        uint32 adverseEvents;
        uint40 manufacturedAt;
        bytes32 serialRoot;
        int16 tempMin;
        int16 tempMax;
        uint16 humidityMin;
        uint16 humidityMax;
        uint40 destroyed;
        uint32 excursions;
        uint40 recalledAt;
        bytes32 lot;
    }

    /**
     * @dev One slot: batchId (32) | fromId (32) | toId (32) | quantity (32) | remaining (32) | returnCount (16) |
     * status (8) | quarantined (8) | shippedAt (32) | endedAt (32). Times in 32 bits last until 2106; a batch has at
     * most 2^32 - 1 units. `returnCount` counts the refused or reclaimed shipments whose units came back into this one.
     */
    struct ShipmentData {
        uint32 batchId;
        uint32 fromId;
        uint32 toId;
        uint32 quantity;
        uint32 remaining;
        uint16 returnCount;
        ShipmentStatus status;
        bool quarantined;
        uint32 shippedAt;
        uint32 endedAt;
    }

    /// @dev slot 0: ownerId (32) | kind (8) | active (8) | banned (8) | nonce (64) | revokedAt (40) | tenure (64);
    ///      slot 1: calibrationHash. `tenure` is the registration (the nonce after it) that began the current
    ///      owner's unbroken holding of the key: a recalibration by an owner holding it continues it, a registration
    ///      after a revocation or by another owner begins a new one.
    struct DeviceData {
        uint32 ownerId;
        DeviceKind kind;
        bool active;
        bool banned;
        uint64 nonce;
        uint40 revokedAt;
        uint64 tenure;
        bytes32 calibrationHash;
    }

    /**
     * @dev One slot, the one dispensing reads and writes: hospitalId (32) | unitsPerFill (8) | fillsLeft (8) |
     * unitsLeftInFill (8) | validUntil (32, 0 once cancelled or revoked) | refillInterval (32) | lastFillAt (32) |
     * fillPharmacyId (32) | productCommitment (72): the commitment's first 9 bytes. Finding another product and
     * salt that match them takes 2^72 hashes, for a gain a pharmacy has without it (it can always sell over the
     * counter): the allowance bounds what a prescription backs, and a second slot would cost every prescribed unit
     * 2,100 gas. Units are packs: 255 per fill is more than any prescription needs.
     */
    struct AllowanceData {
        uint32 hospitalId;
        uint8 unitsPerFill;
        uint8 fillsLeft;
        uint8 unitsLeftInFill;
        uint32 validUntil;
        uint32 refillInterval;
        uint32 lastFillAt;
        uint32 fillPharmacyId;
        bytes9 productCommitment;
    }

    /**
     * @dev One slot: batchId (32) | pharmacyId (32) | dispensedAt (40) | flags (8) | keyTag (144), the first 18 bytes
     * of the allowance key it was dispensed under (0 over the counter), which a patient's report or intake
     * confirmation proves against: a forged match would take 2^144 tries. `flags` was the `reported` bool before
     * intake confirmations: bit 0 reported (what that bool stored as 1), bit 1 administered, so a unit dispensed
     * before the upgrade reads as it was.
     */
    struct UnitData {
        uint32 batchId;
        uint32 pharmacyId;
        uint40 dispensedAt;
        /// @custom:oz-retyped-from bool
        uint8 flags;
        bytes18 keyTag;
    }

    /// @dev How a device's tenure ended: when its owner revoked it, and who that owner was (whose status still
    /// decides whether the readings the tenure speaks for count). One slot.
    struct TenureEnd {
        uint40 revokedAt;
        uint32 ownerId;
    }

    /// @custom:storage-location erc7201:miip.storage.SupplyChain
    struct SupplyStorage {
        uint32 batchCount;
        mapping(uint256 batchId => BatchData) batches;
        mapping(bytes32 gtinLot => uint256 batchId) lots;
        mapping(uint256 shipmentId => ShipmentData) shipments;
        mapping(address device => DeviceData) devices;
        // The device's tenure (see DeviceData) under which a party assigned it: a key taken over after a
        // revocation does not inherit the old tenure's assignments beyond it, and a recalibration ends none.
        mapping(uint256 shipmentId => mapping(address device => uint64 tenure)) assigned;
        mapping(address device => mapping(uint64 tenure => TenureEnd)) tenureEnds;
        // The sequence numbers each device has sent for each shipment, as a bitmap keyed by
        // keccak256(abi.encode(device, shipmentId, sequence >> 8)): they count in any order, and a later one never
        // blocks an earlier one. One flat mapping costs one hash per reading.
        mapping(bytes32 deviceShipmentWord => uint256 bits) sequences;
        mapping(bytes32 key => AllowanceData) allowances;
        mapping(bytes32 gtinSerial => UnitData) units;
        mapping(uint256 batchId => string) batchMessages;
        mapping(uint256 batchId => string) recallMessages;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.SupplyChain")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x39c00a36e4100fbe8b4307efc2d9dd1336ddb38ffc3d26250f21b81aea81c200;

    // The values {SupplyChain} publishes under the names of {ISupplyChain}.
    // Type strings are hashed at compile time; their length costs nothing at run time.
    // solhint-disable gas-small-strings
    bytes32 internal constant READING_TYPE =
        keccak256(
            "Reading(address device,uint256 shipmentId,int16 temperature,uint16 humidity,uint40 timestamp,uint64 sequence)"
        );
    bytes32 internal constant DEVICE_REGISTRATION_TYPE =
        keccak256("DeviceRegistration(address device,uint32 ownerId,uint8 kind,bytes32 calibrationHash,uint64 nonce)");
    bytes32 internal constant REPORT_TYPE =
        keccak256("AdverseEventReport(uint64 gtin,bytes32 serial,uint32 hospitalId,bytes32 digest,string uri)");
    uint8 internal constant REPORTED = 1;
    uint8 internal constant ADMINISTERED = 2;
    bytes32 internal constant INTAKE_TYPE =
        keccak256("IntakeConfirmation(uint64 gtin,bytes32 serial,uint32 hospitalId,uint40 takenAt,uint8 by)");
    bytes32 internal constant FILL_TYPE =
        keccak256("Fill(bytes32 allowanceKey,uint32 pharmacyId,uint8 fillsAfter,uint40 deadline)");
    // solhint-enable gas-small-strings
    uint256 internal constant READINGS_LIMIT = 200;
    uint256 internal constant MESSAGE_LIMIT = 512;
    uint256 internal constant TIMEOUT = 14 days;
    uint256 internal constant WINDOW = 3 days;

    string internal constant DOMAIN_NAME = "MIIP Supply Chain";
    bytes32 internal constant NAME_HASH = keccak256("MIIP Supply Chain");

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IProductRegistry internal immutable _products;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @param products_ The product registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IParticipantRegistry participants_,
        IRecordRegistry records_,
        IProductRegistry products_
    ) SuiteService(participants_, records_) {
        _products = products_;
    }

    // --------------------------------------------------------------- internals

    /**
     * @dev A new shipment's id: the hash of where its units come from, the returns into that source so far and
     * its units left, before it left. Between two returns a source's remaining units only decrease, each shipment
     * taking at least one, and each return counts: no two shipments from one source share that triple, so ids are
     * unique without a counter, whose slot would cost every shipment a write. An origin's id is its batch's (below
     * 2^32; a hash falls there with odds of 2^-224).
     */
    function _childId(uint256 sourceId, uint16 returnsBefore, uint40 remainingBefore) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(sourceId, returnsBefore, remainingBefore)));
    }

    /// @dev The caller's institution id, if it is active and of one of `kinds`; the directory's errors otherwise.
    function _callerId(uint256 kinds) internal view returns (uint32 id) {
        (id, ) = _participants.activeInstitution(msg.sender, kinds);
    }

    /// @dev Whether institution `id` is active, of any kind: one call that reverts otherwise.
    function _isActive(uint32 id) internal view returns (bool) {
        try _participants.activeAccountOf(id, Kinds.ANY) returns (address) {
            return true;
        } catch {
            return false;
        }
    }

    /// @dev Who holds a shipment's remaining units: its receiver once accepted (an origin's is its manufacturer),
    /// its sender once returned, nobody in transit.
    function _holder(ShipmentData memory s) internal pure returns (uint32) {
        if (s.status == ShipmentStatus.Accepted || s.status == ShipmentStatus.Origin) return s.toId;
        if (s.status == ShipmentStatus.Returned) return s.fromId;
        return 0;
    }

    /// @dev The batch, if the caller is active and its manufacturer or a regulator.
    function _batchAuthority(uint256 batchId) internal view returns (BatchData storage b) {
        b = _batch(batchId);
        IParticipantRegistry.Member memory m = _participants.memberOf(msg.sender);
        if (m.status != IParticipantRegistry.Status.Active) {
            revert IParticipantRegistry.ParticipantsNotActive(msg.sender, m.status);
        }
        bool manufacturer = m.id == b.manufacturerId && m.kind == IParticipantRegistry.Kind.Manufacturer;
        if (!manufacturer && m.kind != IParticipantRegistry.Kind.Regulator) {
            revert SupplyNotManufacturerOrRegulator(batchId, msg.sender);
        }
    }

    function _batch(uint256 batchId) internal view returns (BatchData storage b) {
        b = _storage().batches[batchId];
        if (b.status == BatchStatus.None) revert SupplyUnknownBatch(batchId);
    }

    function _shipment(uint256 shipmentId) internal view returns (ShipmentData storage s) {
        s = _storage().shipments[shipmentId];
        if (s.status == ShipmentStatus.None) revert SupplyUnknownShipment(shipmentId);
    }

    /// @dev Who signed the EIP-712 struct `structHash` in this service's domain (compact signature); zero if the
    /// signature is malformed.
    function _recover(bytes32 structHash, Signature calldata signature) internal view returns (address signer) {
        ECDSA.RecoverError err;
        (signer, err, ) = ECDSA.tryRecover(
            MessageHashUtils.toTypedDataHash(_domainSeparator(NAME_HASH), structHash),
            signature.r,
            signature.vs
        );
        if (err != ECDSA.RecoverError.NoError) signer = address(0);
    }

    /// @dev A unit's key: its GTIN and serial, whatever lot it claims.
    function _unitKey(uint64 gtin, bytes32 serial) internal pure returns (bytes32) {
        return keccak256(abi.encode(gtin, serial));
    }

    function _lotKey(uint64 gtin, bytes32 lot) internal pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    /// @dev A string the chain stores or emits for everyone to read: at most {MAX_MESSAGE_LENGTH} bytes.
    function _checkMessage(string calldata message) internal pure {
        if (bytes(message).length > MESSAGE_LIMIT) revert SupplyMessageTooLong(bytes(message).length);
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() internal pure returns (SupplyStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
