// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {SuiteService} from "../base/SuiteService.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";
import {ISupplyChain} from "../interfaces/ISupplyChain.sol";

/**
 * @title SupplyChain
 * @notice Batches, custody, devices, cold chain, recalls, dispensing and verification. See {ISupplyChain}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy, state in one ERC-7201 namespace. Units are tracked as
 * quantities per holder, and each unit's serial is a leaf `(index, serial)` of the batch's Merkle root, so a
 * batch of a million units costs what a batch of ten does; a dispensed unit sets one bit of a per-batch bitmap
 * by its index (a write to a word already in use for 255 units in 256, as the airdrop does). Devices sign with plain keys (IoT loggers hold a secp256k1 key), so readings are checked
 * with ECDSA, which refuses malleable signatures; signatures travel in EIP-2098 compact form (64 bytes), which
 * with a batch of 50 keeps a reading under 15,000 gas.
 */
contract SupplyChain is SuiteService, ISupplyChain {
    /**
     * @dev slot 0: manufacturerId (32) | gtin (64) | manufacturedAt (40) | expiresAt (40) | status (8) |
     *              tempMin | tempMax | humidityMin | humidityMax (16 each)
     *      slot 1: serialRoot
     *      slot 2: quantity | destroyed (64 each) | excursions (32) | recalledAt (40)
     *      slot 3: lot
     *      slot 4: quarantinedUnits (64)
     */
    struct BatchData {
        uint32 manufacturerId;
        uint64 gtin;
        uint40 manufacturedAt;
        uint40 expiresAt;
        BatchStatus status;
        int16 tempMin;
        int16 tempMax;
        uint16 humidityMin;
        uint16 humidityMax;
        bytes32 serialRoot;
        uint64 quantity;
        uint64 destroyed;
        uint32 excursions;
        uint40 recalledAt;
        bytes32 lot;
        uint64 quarantinedUnits;
    }

    /// @dev slot: batchId (64) | fromId (32) | toId (32) | quantity (64) | status (8) | quarantined (8) | shippedAt (40)
    struct ShipmentData {
        uint64 batchId;
        uint32 fromId;
        uint32 toId;
        uint64 quantity;
        ShipmentStatus status;
        bool quarantined;
        uint40 shippedAt;
    }

    /**
     * @dev slot: available (64) | quarantined (64) | dispensed (64). A pharmacy's dispensed count lives in the
     * slot dispensing already writes, rather than in a batch total that would cost a second write per unit.
     */
    struct Holding {
        uint64 available;
        uint64 quarantined;
        uint64 dispensed;
    }

    /// @dev slot 0: ownerId (32) | kind (8) | active (8) | lastSequence (64) | banned (8); slot 1: calibrationHash
    struct DeviceData {
        uint32 ownerId;
        DeviceKind kind;
        bool active;
        uint64 lastSequence;
        bool banned;
        bytes32 calibrationHash;
    }

    /// @custom:storage-location erc7201:miip.storage.SupplyChain
    struct SupplyStorage {
        uint64 batchCount;
        uint64 shipmentCount;
        mapping(uint256 batchId => BatchData) batches;
        mapping(bytes32 manufacturerProductLot => uint256 batchId) lots;
        mapping(uint256 shipmentId => ShipmentData) shipments;
        mapping(uint256 batchId => mapping(uint32 holderId => Holding)) holdings;
        mapping(address device => DeviceData) devices;
        mapping(uint256 batchId => mapping(uint256 word => uint256 bits)) dispensed;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.SupplyChain")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x39c00a36e4100fbe8b4307efc2d9dd1336ddb38ffc3d26250f21b81aea81c200;

    // Type strings are hashed at compile time; their length costs nothing at run time.
    // solhint-disable gas-small-strings
    /// @inheritdoc ISupplyChain
    bytes32 public constant READING_TYPEHASH =
        keccak256(
            "Reading(address device,uint256 shipmentId,int16 temperature,uint16 humidity,uint40 timestamp,uint64 sequence)"
        );
    // solhint-enable gas-small-strings
    bytes32 private constant NAME_HASH = keccak256("MIIP Supply Chain");

    /// @inheritdoc ISupplyChain
    uint256 public constant MAX_READINGS = 200;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_, IRecordRegistry records_) SuiteService(participants_, records_) {}

    /**
     * @notice Sets the access manager; once, through the proxy.
     * @param initialAuthority The suite's access manager.
     */
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISupplyChain
    function batchCount() external view returns (uint256) {
        return _storage().batchCount;
    }

    /// @inheritdoc ISupplyChain
    function getBatch(uint256 batchId) external view returns (Batch memory) {
        BatchData storage b = _batch(batchId);
        return
            Batch({
                manufacturerId: b.manufacturerId,
                gtin: b.gtin,
                manufacturedAt: b.manufacturedAt,
                expiresAt: b.expiresAt,
                status: b.status,
                tempMin: b.tempMin,
                tempMax: b.tempMax,
                humidityMin: b.humidityMin,
                humidityMax: b.humidityMax,
                serialRoot: b.serialRoot,
                quantity: b.quantity,
                destroyed: b.destroyed,
                excursions: b.excursions,
                recalledAt: b.recalledAt,
                lot: b.lot
            });
    }

    /// @inheritdoc ISupplyChain
    function getShipment(uint256 shipmentId) external view returns (Shipment memory) {
        ShipmentData memory s = _shipment(shipmentId);
        return Shipment(s.batchId, s.fromId, s.toId, s.quantity, s.status, s.quarantined, s.shippedAt);
    }

    /// @inheritdoc ISupplyChain
    function holdingOf(uint256 batchId, uint32 holderId) external view returns (uint64 available, uint64 quarantined) {
        Holding memory h = _storage().holdings[batchId][holderId];
        return (h.available, h.quarantined);
    }

    /// @inheritdoc ISupplyChain
    function dispensedCount(uint256 batchId, uint32 pharmacyId) external view returns (uint64) {
        return _storage().holdings[batchId][pharmacyId].dispensed;
    }

    /// @inheritdoc ISupplyChain
    function getDevice(address device) external view returns (Device memory) {
        DeviceData memory d = _storage().devices[device];
        return Device(d.ownerId, d.kind, d.active, d.lastSequence, d.banned, d.calibrationHash);
    }

    /// @inheritdoc ISupplyChain
    function verify(
        uint256 batchId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof
    ) external view returns (Verification memory v) {
        BatchData storage b = _batch(batchId);
        v.genuine = index < b.quantity && MerkleProof.verifyCalldata(proof, b.serialRoot, _serialLeaf(index, serial));
        v.gtin = b.gtin;
        v.lot = b.lot;
        v.expiresAt = b.expiresAt;
        v.expired = block.timestamp >= b.expiresAt;
        v.recalled = b.status == BatchStatus.Recalled;
        v.quarantinedUnits = b.quarantinedUnits;
        v.excursions = b.excursions;
        v.dispensed = _storage().dispensed[batchId][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    // ---------------------------------------------------------------- batches

    /// @inheritdoc ISupplyChain
    function registerBatch(BatchInput calldata input) external returns (uint256 batchId) {
        (uint32 manufacturerId, ) = _participants.activeInstitution(msg.sender, Kinds.MANUFACTURER);
        if (input.quantity == 0) revert SupplyZeroQuantity();
        if (input.expiresAt <= input.manufacturedAt) revert SupplyInvalidDates(input.manufacturedAt, input.expiresAt);
        if (input.serialRoot == bytes32(0)) revert SupplyZeroSerialRoot();
        if (input.tempMin > input.tempMax) revert SupplyInvalidTemperatureRange(input.tempMin, input.tempMax);
        if (input.humidityMin > input.humidityMax) {
            revert SupplyInvalidHumidityRange(input.humidityMin, input.humidityMax);
        }
        SupplyStorage storage $ = _storage();
        bytes32 lotKey = keccak256(abi.encode(manufacturerId, input.gtin, input.lot));
        uint256 existing = $.lots[lotKey];
        if (existing != 0) revert SupplyDuplicateLot(input.gtin, input.lot, existing);
        batchId = ++$.batchCount;
        $.lots[lotKey] = batchId;
        BatchData storage b = $.batches[batchId];
        b.manufacturerId = manufacturerId;
        b.gtin = input.gtin;
        b.manufacturedAt = input.manufacturedAt;
        b.expiresAt = input.expiresAt;
        b.status = BatchStatus.Active;
        b.tempMin = input.tempMin;
        b.tempMax = input.tempMax;
        b.humidityMin = input.humidityMin;
        b.humidityMax = input.humidityMax;
        b.serialRoot = input.serialRoot;
        b.quantity = input.quantity;
        b.lot = input.lot;
        $.holdings[batchId][manufacturerId].available = input.quantity;
        emit BatchRegistered(
            batchId,
            manufacturerId,
            input.gtin,
            input.lot,
            input.quantity,
            input.manufacturedAt,
            input.expiresAt,
            input.serialRoot,
            input.metadataURI
        );
    }

    // ----------------------------------------------------------------- custody

    /// @inheritdoc ISupplyChain
    function ship(uint256 batchId, address to, uint64 quantity) external returns (uint256 shipmentId) {
        uint32 fromId = _activeId(msg.sender);
        IParticipantRegistry.Member memory receiver = _participants.memberOf(to);
        if (receiver.status != IParticipantRegistry.Status.Active) revert SupplyReceiverNotActive(to, receiver.status);
        SupplyStorage storage $ = _storage();
        if (_batch(batchId).status == BatchStatus.Recalled) revert SupplyRecalled(batchId);
        Holding storage h = $.holdings[batchId][fromId];
        uint64 available = h.available;
        if (quantity == 0) revert SupplyZeroQuantity();
        if (quantity > available) revert SupplyInsufficientHolding(batchId, fromId, quantity, available);
        // Cannot underflow: checked just above.
        unchecked {
            h.available = available - quantity;
        }
        shipmentId = ++$.shipmentCount;
        $.shipments[shipmentId] = ShipmentData({
            batchId: uint64(batchId),
            fromId: fromId,
            toId: receiver.id,
            quantity: quantity,
            status: ShipmentStatus.InTransit,
            quarantined: false,
            shippedAt: uint40(block.timestamp)
        });
        emit Shipped(shipmentId, batchId, fromId, receiver.id, quantity);
    }

    /// @inheritdoc ISupplyChain
    function accept(uint256 shipmentId) external {
        (ShipmentData storage s, uint32 caller) = _incoming(shipmentId);
        s.status = ShipmentStatus.Accepted;
        _credit(s.batchId, caller, s.quantity, s.quarantined);
        emit ShipmentAccepted(shipmentId, s.batchId, caller, s.quarantined);
    }

    /// @inheritdoc ISupplyChain
    function refuse(uint256 shipmentId) external {
        (ShipmentData storage s, ) = _incoming(shipmentId);
        s.status = ShipmentStatus.Refused;
        _credit(s.batchId, s.fromId, s.quantity, s.quarantined);
        emit ShipmentRefused(shipmentId, s.batchId, s.fromId);
    }

    // -------------------------------------------------------------- dispensing

    /// @inheritdoc ISupplyChain
    function dispense(
        uint256 batchId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof,
        uint256 prescriptionId
    ) external returns (bool) {
        (uint32 pharmacyId, ) = _participants.activeInstitution(msg.sender, Kinds.PHARMACY);
        _checkUnit(batchId, index, serial, proof);
        if (!_markDispensed(batchId, index)) {
            emit CounterfeitAlert(batchId, serial, pharmacyId);
            return false;
        }
        _takeUnit(batchId, pharmacyId);
        uint64 patientId = prescriptionId == 0 ? 0 : _checkPrescription(prescriptionId, pharmacyId);
        emit Dispensed(batchId, serial, pharmacyId, patientId, prescriptionId);
        return true;
    }

    // ---------------------------------------------------------- devices, cold chain

    /// @inheritdoc ISupplyChain
    function registerDevice(address device, DeviceKind kind, bytes32 calibrationHash) external {
        uint32 ownerId = _activeId(msg.sender);
        DeviceData storage d = _storage().devices[device];
        if (d.ownerId != 0 && d.ownerId != ownerId) revert SupplyNotDeviceOwner(device, d.ownerId);
        // Governance's revocation is not the owner's to undo.
        if (d.banned) revert SupplyDeviceBanned(device);
        if (device == address(0)) revert SupplyZeroDevice();
        if (calibrationHash == bytes32(0)) revert SupplyEmptyCalibration(device);
        d.ownerId = ownerId;
        d.kind = kind;
        d.active = true;
        d.calibrationHash = calibrationHash;
        emit DeviceRegistered(device, ownerId, kind, calibrationHash);
    }

    /// @inheritdoc ISupplyChain
    function revokeDevice(address device) external {
        uint32 caller = _activeId(msg.sender);
        DeviceData storage d = _activeDevice(device);
        if (d.ownerId != caller) revert SupplyNotDeviceOwner(device, d.ownerId);
        d.active = false;
        emit DeviceRevoked(device, msg.sender);
    }

    /// @inheritdoc ISupplyChain
    /// @custom:restricted GUARDIAN
    function revokeDeviceByGovernance(address device) external restricted {
        DeviceData storage d = _activeDevice(device);
        d.active = false;
        d.banned = true;
        emit DeviceRevoked(device, msg.sender);
    }

    /// @inheritdoc ISupplyChain
    function submitReadings(Reading[] calldata readings, Signature[] calldata signatures) external {
        uint256 count = readings.length;
        if (count == 0 || count > MAX_READINGS || count != signatures.length) {
            revert SupplyInvalidReadingBatch(count, signatures.length);
        }
        bytes32 domain = _domainSeparator(NAME_HASH);
        for (uint256 i = 0; i < count; ++i) {
            _record(readings[i], signatures[i], domain);
        }
    }

    // ----------------------------------------------------------- quarantine, recalls

    /// @inheritdoc ISupplyChain
    function resolveQuarantine(uint256 batchId, uint32 holderId, uint64 quantity, bool destroy) external {
        BatchData storage b = _batchAuthority(batchId);
        Holding storage h = _storage().holdings[batchId][holderId];
        uint64 quarantined = h.quarantined;
        if (quantity == 0) revert SupplyZeroQuantity();
        if (quantity > quarantined) revert SupplyInsufficientQuarantined(batchId, holderId, quantity, quarantined);
        // Cannot underflow: checked just above; quarantinedUnits is the sum of every holder's quarantined units.
        unchecked {
            h.quarantined = quarantined - quantity;
            b.quarantinedUnits -= quantity;
        }
        if (destroy) b.destroyed += quantity;
        else h.available += quantity;
        emit QuarantineResolved(batchId, holderId, quantity, destroy, msg.sender);
    }

    /// @inheritdoc ISupplyChain
    function recall(uint256 batchId, bytes32 reasonCode) external {
        BatchData storage b = _batchAuthority(batchId);
        if (b.status == BatchStatus.Recalled) revert SupplyRecalled(batchId);
        b.status = BatchStatus.Recalled;
        b.recalledAt = uint40(block.timestamp);
        emit BatchRecalled(batchId, reasonCode, msg.sender);
    }

    /// @inheritdoc ISupplyChain
    /// @custom:restricted GOVERNOR
    function withdrawRecall(uint256 batchId, uint40 recalledAt, bytes32 reasonCode) external restricted {
        BatchData storage b = _batch(batchId);
        if (b.status != BatchStatus.Recalled) revert SupplyNotRecalled(batchId);
        // A withdrawal scheduled before this recall cannot know its time: its delay did not run after the recall.
        if (b.recalledAt != recalledAt) revert SupplyRecallMismatch(batchId, recalledAt, b.recalledAt);
        // Even one armed for the right time waits the notice period, during which the guardian can cancel it.
        uint40 withdrawableAt = recalledAt + _participants.onboardingDelay();
        if (block.timestamp < withdrawableAt) revert SupplyRecallTooRecent(batchId, recalledAt, withdrawableAt);
        b.status = BatchStatus.Active;
        b.recalledAt = 0;
        emit RecallWithdrawn(batchId, reasonCode);
    }

    /// @inheritdoc ISupplyChain
    function noticeHolders(uint256 batchId, uint32[] calldata holderIds) external {
        if (_batch(batchId).status != BatchStatus.Recalled) revert SupplyNotRecalled(batchId);
        mapping(uint32 => Holding) storage holdings = _storage().holdings[batchId];
        for (uint256 i = 0; i < holderIds.length; ++i) {
            Holding memory h = holdings[holderIds[i]];
            if (h.available != 0 || h.quarantined != 0) {
                emit RecallNotice(batchId, holderIds[i], h.available, h.quarantined);
            }
        }
    }

    // --------------------------------------------------------------- internals

    function _record(Reading calldata r, Signature calldata signature, bytes32 domain) private {
        DeviceData storage d = _storage().devices[r.device];
        _checkReading(d, r, signature, domain);
        d.lastSequence = r.sequence;
        emit ReadingRecorded(r.shipmentId, r.device, r.sequence, r.temperature, r.humidity, r.timestamp);
        _applyReading(r);
    }

    /// @dev The device is active, the reading is not from the future nor a replay, and the device signed it.
    function _checkReading(
        DeviceData storage d,
        Reading calldata r,
        Signature calldata signature,
        bytes32 domain
    ) private view {
        if (!d.active) revert SupplyUnknownDevice(r.device);
        if (r.timestamp > block.timestamp) revert SupplyReadingInFuture(r.device, r.timestamp, block.timestamp);
        uint64 last = d.lastSequence;
        if (r.sequence <= last) revert SupplyStaleSequence(r.device, r.sequence, last);
        bytes32 structHash = keccak256(
            abi.encode(READING_TYPEHASH, r.device, r.shipmentId, r.temperature, r.humidity, r.timestamp, r.sequence)
        );
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(
            MessageHashUtils.toTypedDataHash(domain, structHash),
            signature.r,
            signature.vs
        );
        if (err != ECDSA.RecoverError.NoError || signer != r.device) {
            revert SupplyInvalidReadingSignature(r.device, r.sequence);
        }
    }

    /// @dev Quarantines the shipment's goods when the reading is out of the batch's range.
    function _applyReading(Reading calldata r) private {
        SupplyStorage storage $ = _storage();
        ShipmentData storage s = $.shipments[r.shipmentId];
        ShipmentStatus status = s.status;
        if (status != ShipmentStatus.InTransit) {
            if (status == ShipmentStatus.None) revert SupplyUnknownShipment(r.shipmentId);
            revert SupplyNotInTransit(r.shipmentId, status);
        }
        BatchData storage b = $.batches[s.batchId];
        if (
            r.temperature < b.tempMin ||
            r.temperature > b.tempMax ||
            r.humidity < b.humidityMin ||
            r.humidity > b.humidityMax
        ) {
            s.quarantined = true;
            ++b.excursions;
            emit Excursion(r.shipmentId, s.batchId, r.device, r.temperature, r.humidity);
        }
    }

    /// @dev The unit can be dispensed: its batch is not recalled nor expired, and its serial is in the batch.
    function _checkUnit(uint256 batchId, uint256 index, bytes32 serial, bytes32[] calldata proof) private view {
        BatchData storage b = _batch(batchId);
        if (b.status == BatchStatus.Recalled) revert SupplyRecalled(batchId);
        if (block.timestamp >= b.expiresAt) revert SupplyExpired(batchId, b.expiresAt);
        if (!MerkleProof.verifyCalldata(proof, b.serialRoot, _serialLeaf(index, serial))) {
            revert SupplyInvalidSerial(batchId, serial);
        }
    }

    /// @dev Sets the unit's dispensed bit; false if it was already set.
    function _markDispensed(uint256 batchId, uint256 index) private returns (bool) {
        mapping(uint256 => uint256) storage bitmap = _storage().dispensed[batchId];
        uint256 bits = bitmap[index >> 8];
        uint256 mask = 1 << (index & 0xff);
        if (bits & mask != 0) return false;
        bitmap[index >> 8] = bits | mask;
        return true;
    }

    /// @dev Takes one available unit from the pharmacy's holding.
    function _takeUnit(uint256 batchId, uint32 pharmacyId) private {
        Holding storage h = _storage().holdings[batchId][pharmacyId];
        uint64 available = h.available;
        if (available == 0) {
            if (h.quarantined != 0) revert SupplyQuarantined(batchId, pharmacyId);
            revert SupplyInsufficientHolding(batchId, pharmacyId, 1, 0);
        }
        // Cannot underflow: available is at least 1; dispensed never exceeds the batch's quantity.
        unchecked {
            h.available = available - 1;
            ++h.dispensed;
        }
    }

    function _credit(uint256 batchId, uint32 holderId, uint64 quantity, bool quarantined) private {
        SupplyStorage storage $ = _storage();
        Holding storage h = $.holdings[batchId][holderId];
        if (quarantined) {
            h.quarantined += quantity;
            $.batches[batchId].quarantinedUnits += quantity;
        } else {
            h.available += quantity;
        }
    }

    /// @dev A shipment in transit addressed to the caller, an active institution.
    function _incoming(uint256 shipmentId) private view returns (ShipmentData storage s, uint32 caller) {
        caller = _activeId(msg.sender);
        s = _storage().shipments[shipmentId];
        ShipmentStatus status = s.status;
        if (status == ShipmentStatus.None) revert SupplyUnknownShipment(shipmentId);
        if (s.toId != caller) revert SupplyNotReceiver(shipmentId, caller);
        if (status != ShipmentStatus.InTransit) revert SupplyNotInTransit(shipmentId, status);
    }

    /// @dev The batch, if the caller is active and its manufacturer or a regulator.
    function _batchAuthority(uint256 batchId) private view returns (BatchData storage b) {
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

    /// @dev The prescription's patient, if the record is a prescription the pharmacy may read for treatment.
    function _checkPrescription(uint256 recordId, uint32 pharmacyId) private view returns (uint64 patientId) {
        uint8 recordType;
        (patientId, , recordType, ) = _records.recordHeader(recordId);
        if (recordType != 2) revert SupplyRecordNotPrescription(recordId, recordType);
        // The registry's read policy (consent), asked with the pharmacy's id: a pharmacy never issues records.
        if (!_consentAllows(pharmacyId, recordId, patientId, recordType, IRecordRegistry.Purpose.Treatment)) {
            revert SupplyNoPrescriptionConsent(recordId, msg.sender);
        }
    }

    function _activeId(address account) private view returns (uint32) {
        IParticipantRegistry.Member memory m = _participants.memberOf(account);
        if (m.status != IParticipantRegistry.Status.Active)
            revert IParticipantRegistry.ParticipantsNotActive(account, m.status);
        return m.id;
    }

    function _activeDevice(address device) private view returns (DeviceData storage d) {
        d = _storage().devices[device];
        if (!d.active) revert SupplyUnknownDevice(device);
    }

    function _batch(uint256 batchId) private view returns (BatchData storage b) {
        b = _storage().batches[batchId];
        if (b.status == BatchStatus.None) revert SupplyUnknownBatch(batchId);
    }

    function _shipment(uint256 shipmentId) private view returns (ShipmentData memory s) {
        s = _storage().shipments[shipmentId];
        if (s.status == ShipmentStatus.None) revert SupplyUnknownShipment(shipmentId);
    }

    function _serialLeaf(uint256 index, bytes32 serial) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, serial))));
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() private pure returns (SupplyStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
