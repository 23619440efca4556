// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SupplyChainBase} from "./SupplyChainBase.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";

/**
 * @title SupplyChainExtension
 * @notice The supply chain's second implementation: batch registration, reclaiming, fill allowances, devices,
 * quarantine, recalls and adverse events (see {ISupplyChain} for each function).
 * @dev Runs only by delegatecall from {SupplyChain}'s implementation, on the supply chain proxy's storage; called
 * directly it refuses every state change ({SupplyNotThroughSupplyChain}). It holds no state of its own; replacing
 * it means deploying a new supply chain implementation that names it.
 */
contract SupplyChainExtension is SupplyChainBase {
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable _self = address(this);

    /// @dev Refuses a direct call: only the supply chain's implementation delegates here.
    modifier onlyDelegated() {
        if (address(this) == _self) revert SupplyNotThroughSupplyChain();
        _;
    }

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @param products_ The product registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IParticipantRegistry participants_,
        IRecordRegistry records_,
        IProductRegistry products_
    ) SupplyChainBase(participants_, records_, products_) {}

    // ---------------------------------------------------------------- batches

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function registerBatch(BatchInput calldata input) external onlyDelegated returns (uint256 batchId) {
        uint32 manufacturerId = _callerId(Kinds.MANUFACTURER);
        uint32 owner = _products.ownerOf(input.gtin);
        if (owner != manufacturerId) revert SupplyNotProductOwner(input.gtin, manufacturerId, owner);
        _checkBatch(input);
        SupplyStorage storage $ = _storage();
        bytes32 lotKey = _lotKey(input.gtin, input.lot);
        uint256 existing = $.lots[lotKey];
        if (existing != 0) revert SupplyDuplicateLot(input.gtin, input.lot, existing);
        batchId = ++$.batchCount;
        uint256 origin = batchId;
        $.lots[lotKey] = batchId;
        BatchData storage b = $.batches[batchId];
        b.manufacturerId = manufacturerId;
        b.gtin = input.gtin;
        b.expiresAt = input.expiresAt;
        b.status = BatchStatus.Active;
        b.quantity = input.quantity;
        b.manufacturedAt = input.manufacturedAt;
        b.serialRoot = input.serialRoot;
        b.tempMin = input.tempMin;
        b.tempMax = input.tempMax;
        b.humidityMin = input.humidityMin;
        b.humidityMax = input.humidityMax;
        b.lot = input.lot;
        $.shipments[origin] = ShipmentData({
            batchId: uint32(batchId),
            fromId: manufacturerId,
            toId: manufacturerId,
            quantity: uint32(input.quantity),
            remaining: uint32(input.quantity),
            returnCount: 0,
            status: ShipmentStatus.Origin,
            quarantined: false,
            shippedAt: uint32(block.timestamp),
            endedAt: 0
        });
        if (bytes(input.message).length != 0) $.batchMessages[batchId] = input.message;
        _announce(batchId, manufacturerId, input);
    }

    // ---------------------------------------------------------------- custody

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function refuse(uint256 sourceId, uint16 sourceReturns, uint40 sourceRemaining) external onlyDelegated {
        uint32 caller = _callerId(Kinds.ANY);
        uint256 shipmentId = _childId(sourceId, sourceReturns, sourceRemaining);
        ShipmentData storage s = _shipment(shipmentId);
        if (s.toId != caller) revert SupplyNotReceiver(shipmentId, caller);
        if (s.status != ShipmentStatus.InTransit) revert SupplyNotInTransit(shipmentId, s.status);
        uint40 returned = _return(s, sourceId);
        emit ShipmentRefused(shipmentId, s.batchId, s.fromId, sourceId, returned);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function reclaim(uint256 sourceId, uint16 sourceReturns, uint40 sourceRemaining) external onlyDelegated {
        uint32 caller = _callerId(Kinds.ANY);
        uint256 shipmentId = _childId(sourceId, sourceReturns, sourceRemaining);
        ShipmentData storage s = _shipment(shipmentId);
        if (s.fromId != caller) revert SupplyNotSender(shipmentId, caller);
        if (s.status != ShipmentStatus.InTransit) revert SupplyNotInTransit(shipmentId, s.status);
        uint40 reclaimableAt = uint40(s.shippedAt + TIMEOUT);
        // A receiver that is not active cannot accept: waiting for it would only keep the units stuck.
        if (block.timestamp < reclaimableAt && _isActive(s.toId))
            revert SupplyReclaimTooEarly(shipmentId, reclaimableAt);
        uint40 returned = _return(s, sourceId);
        emit ShipmentReclaimed(shipmentId, s.batchId, caller, sourceId, returned);
    }

    // ------------------------------------------------------------ prescriptions

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function setAllowance(
        address keyAddress,
        bytes32 productCommitment,
        uint8 unitsPerFill,
        uint8 fills,
        uint40 validUntil,
        uint32 refillInterval
    ) external onlyDelegated returns (bytes32 key) {
        uint32 hospitalId = _callerId(Kinds.HOSPITAL);
        if (
            keyAddress == address(0) ||
            productCommitment == bytes32(0) ||
            unitsPerFill == 0 ||
            fills == 0 ||
            validUntil <= block.timestamp ||
            validUntil > type(uint32).max
        ) revert SupplyInvalidAllowance();
        // The hospital is part of the key: another hospital cannot take a prescription's key first.
        key = keccak256(abi.encode(hospitalId, keyAddress));
        AllowanceData storage a = _storage().allowances[key];
        if (a.hospitalId != 0) revert SupplyAllowanceExists(key);
        a.hospitalId = hospitalId;
        a.unitsPerFill = unitsPerFill;
        a.fillsLeft = fills;
        a.validUntil = uint32(validUntil);
        a.refillInterval = refillInterval;
        a.productCommitment = bytes9(productCommitment);
        emit AllowanceSet(key, hospitalId, unitsPerFill, fills, validUntil, refillInterval);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function cancelAllowance(bytes32 key) external onlyDelegated {
        uint32 caller = _callerId(Kinds.ANY);
        AllowanceData storage a = _storage().allowances[key];
        uint32 hospitalId = a.hospitalId;
        if (hospitalId == 0 || a.validUntil == 0) revert SupplyUnknownAllowance(key);
        if (hospitalId != caller) revert SupplyNotAllowanceIssuer(key, caller);
        a.validUntil = 0;
        emit AllowanceCancelled(key, hospitalId);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    /// @custom:restricted GUARDIAN
    function revokeAllowance(bytes32 key, bytes32 reasonCode) external onlyDelegated restricted {
        AllowanceData storage a = _storage().allowances[key];
        uint32 hospitalId = a.hospitalId;
        if (hospitalId == 0 || a.validUntil == 0) revert SupplyUnknownAllowance(key);
        a.validUntil = 0;
        emit AllowanceRevoked(key, hospitalId, reasonCode);
    }

    // --------------------------------------------------------------- devices

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function registerDevice(
        address device,
        DeviceKind kind,
        bytes32 calibrationHash,
        Signature calldata deviceSignature
    ) external onlyDelegated {
        uint32 ownerId = _callerId(Kinds.ANY);
        if (device == address(0) || kind == DeviceKind.None) revert SupplyInvalidDevice();
        if (calibrationHash == bytes32(0)) revert SupplyEmptyCalibration(device);
        DeviceData storage d = _storage().devices[device];
        // Governance's revocation is not the owner's to undo.
        if (d.banned) revert SupplyDeviceBanned(device);
        if (d.active && d.ownerId != ownerId) revert SupplyNotDeviceOwner(device, d.ownerId);
        uint64 nonce = d.nonce;
        bytes32 structHash = keccak256(
            abi.encode(DEVICE_REGISTRATION_TYPE, device, ownerId, kind, calibrationHash, nonce)
        );
        if (_recover(structHash, deviceSignature) != device) revert SupplyBadDeviceSignature(device);
        // A recalibration by the owner holding the key (an active key is its owner's alone) keeps its tenure, whose
        // assignments end at the same revocation; any other registration begins a new one.
        if (!d.active) d.tenure = nonce + 1;
        d.ownerId = ownerId;
        d.kind = kind;
        d.active = true;
        d.nonce = nonce + 1;
        d.calibrationHash = calibrationHash;
        emit DeviceRegistered(device, ownerId, kind, calibrationHash, nonce);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function revokeDevice(address device) external onlyDelegated {
        uint32 caller = _callerId(Kinds.ANY);
        DeviceData storage d = _storage().devices[device];
        if (!d.active) revert SupplyUnknownDevice(device);
        if (d.ownerId != caller) revert SupplyNotDeviceOwner(device, d.ownerId);
        d.active = false;
        d.revokedAt = uint40(block.timestamp);
        // Kept per tenure: readings for shipments assigned under it, through any recalibration, stop here, even
        // after the key is registered again (by its owner, or by whoever holds it next).
        _storage().tenureEnds[device][d.tenure] = TenureEnd(uint40(block.timestamp), d.ownerId);
        emit DeviceRevoked(device, msg.sender, false);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    /// @custom:restricted GUARDIAN
    function revokeDeviceByGovernance(address device) external onlyDelegated restricted {
        DeviceData storage d = _storage().devices[device];
        if (d.kind == DeviceKind.None) revert SupplyUnknownDevice(device);
        if (d.banned) revert SupplyDeviceBanned(device);
        d.active = false;
        d.banned = true;
        emit DeviceRevoked(device, msg.sender, true);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function assignDevice(uint256 shipmentId, address device) external onlyDelegated {
        uint32 caller = _callerId(Kinds.ANY);
        ShipmentData storage s = _shipment(shipmentId);
        if (s.status != ShipmentStatus.InTransit) revert SupplyNotInTransit(shipmentId, s.status);
        if (caller != s.fromId && caller != s.toId) revert SupplyNotShipmentParty(shipmentId, caller);
        SupplyStorage storage $ = _storage();
        DeviceData storage d = $.devices[device];
        if (!d.active) revert SupplyUnknownDevice(device);
        if (d.ownerId != caller) revert SupplyNotDeviceOwner(device, d.ownerId);
        mapping(address => uint64) storage assigned = $.assigned[shipmentId];
        // Once per shipment: a device assigned again under a later tenure would speak for the gap after its
        // revocation, where nothing it signs may count.
        if (assigned[device] != 0) revert SupplyDeviceAlreadyAssigned(device, shipmentId);
        assigned[device] = d.tenure;
        emit DeviceAssigned(shipmentId, device, caller);
    }

    // ------------------------------------------------- quarantine, recalls, reports

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function resolveQuarantine(uint256 shipmentId, uint40 destroy) external onlyDelegated {
        ShipmentData storage s = _shipment(shipmentId);
        BatchData storage b = _batchAuthority(s.batchId);
        if (!s.quarantined) revert SupplyNotQuarantined(shipmentId);
        if (s.status == ShipmentStatus.InTransit) revert SupplyStillInTransit(shipmentId);
        uint32 remaining = s.remaining;
        if (destroy > remaining) revert SupplyInsufficientUnits(shipmentId, destroy, remaining);
        // Cannot underflow: checked just above.
        unchecked {
            s.remaining = remaining - uint32(destroy);
        }
        s.quarantined = false;
        b.destroyed += destroy;
        emit QuarantineResolved(shipmentId, s.batchId, destroy, remaining - destroy, msg.sender);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function recall(uint256 batchId, bytes32 reasonCode, string calldata message) external onlyDelegated {
        BatchData storage b = _batchAuthority(batchId);
        if (b.status == BatchStatus.Recalled) revert SupplyRecalled(batchId);
        _checkMessage(message);
        b.status = BatchStatus.Recalled;
        b.recalledAt = uint40(block.timestamp);
        _storage().recallMessages[batchId] = message;
        emit BatchRecalled(batchId, reasonCode, msg.sender, b.adverseEvents, message);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    /// @custom:restricted GOVERNOR
    function withdrawRecall(uint256 batchId, uint40 recalledAt, bytes32 reasonCode) external onlyDelegated restricted {
        BatchData storage b = _batch(batchId);
        if (b.status != BatchStatus.Recalled) revert SupplyNotRecalled(batchId);
        // A withdrawal scheduled before this recall cannot know its time: its delay did not run after the recall.
        if (b.recalledAt != recalledAt) revert SupplyRecallMismatch(batchId, recalledAt, b.recalledAt);
        // Even one armed for the right time waits the notice period, during which the guardian can cancel it.
        uint40 withdrawableAt = recalledAt + _participants.onboardingDelay();
        if (block.timestamp < withdrawableAt) revert SupplyRecallTooRecent(batchId, recalledAt, withdrawableAt);
        b.status = BatchStatus.Active;
        b.recalledAt = 0;
        delete _storage().recallMessages[batchId];
        emit RecallWithdrawn(batchId, reasonCode);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function noticeHolders(uint256 batchId, uint256[] calldata shipmentIds) external onlyDelegated {
        if (_batch(batchId).status != BatchStatus.Recalled) revert SupplyNotRecalled(batchId);
        mapping(uint256 => ShipmentData) storage shipments = _storage().shipments;
        for (uint256 i = 0; i < shipmentIds.length; ++i) {
            ShipmentData memory s = shipments[shipmentIds[i]];
            if (s.batchId != batchId || s.remaining == 0) continue;
            uint32 holder = s.status == ShipmentStatus.InTransit ? s.toId : _holder(s);
            emit RecallNotice(batchId, shipmentIds[i], holder, s.remaining, s.quarantined);
        }
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function reportAdverseEvent(uint256 batchId, bytes32 digest, string calldata uri) external onlyDelegated {
        (uint32 reporterId, IParticipantRegistry.Kind kind) = _participants.activeInstitution(
            msg.sender,
            Kinds.HOSPITAL | Kinds.PHARMACY
        );
        BatchData storage b = _batch(batchId);
        _checkReport(digest, uri);
        uint32 count = ++b.adverseEvents;
        Reporter reporter = kind == IParticipantRegistry.Kind.Hospital ? Reporter.Hospital : Reporter.Pharmacy;
        emit AdverseEventReported(batchId, reporter, reporterId, count, digest, uri);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function reportAdverseEventAsPatient(
        uint64 gtin,
        bytes32 serial,
        uint32 hospitalId,
        bytes32 digest,
        string calldata uri,
        Signature calldata signature
    ) external onlyDelegated {
        _checkReport(digest, uri);
        SupplyStorage storage $ = _storage();
        UnitData storage u = $.units[_unitKey(gtin, serial)];
        uint32 batchId = u.batchId;
        if (batchId == 0) revert SupplyNotDispensed(gtin, serial);
        if (u.flags & REPORTED != 0) revert SupplyAlreadyReported(gtin, serial);
        bytes32 structHash = keccak256(
            abi.encode(REPORT_TYPE, gtin, serial, hospitalId, digest, keccak256(bytes(uri)))
        );
        address keyAddress = _recover(structHash, signature);
        // Over the counter the tag is zero, and no key hashes to a tag of zero.
        if (u.keyTag == bytes18(0) || u.keyTag != bytes18(keccak256(abi.encode(hospitalId, keyAddress)))) {
            revert SupplyNotUnitsPatient(gtin, serial);
        }
        u.flags |= REPORTED;
        uint32 count = ++$.batches[batchId].adverseEvents;
        emit AdverseEventReported(batchId, Reporter.Patient, 0, count, digest, uri);
    }

    /// @dev Implements {ISupplyChain}'s function of this name; see there.
    function confirmIntake(
        uint64 gtin,
        bytes32 serial,
        uint32 hospitalId,
        uint40 takenAt,
        IntakeBy by,
        Signature calldata signature
    ) external onlyDelegated {
        UnitData storage u = _storage().units[_unitKey(gtin, serial)];
        uint32 batchId = u.batchId;
        if (batchId == 0) revert SupplyNotDispensed(gtin, serial);
        if (u.flags & ADMINISTERED != 0) revert SupplyAlreadyAdministered(gtin, serial);
        if (takenAt < u.dispensedAt || takenAt > block.timestamp) {
            revert SupplyInvalidIntakeTime(gtin, serial, takenAt, u.dispensedAt);
        }
        address keyAddress = _recover(
            keccak256(abi.encode(INTAKE_TYPE, gtin, serial, hospitalId, takenAt, by)),
            signature
        );
        bytes32 allowanceKey = keccak256(abi.encode(hospitalId, keyAddress));
        // Over the counter the tag is zero, and no key hashes to a tag of zero.
        if (u.keyTag == bytes18(0) || u.keyTag != bytes18(allowanceKey)) revert SupplyNotUnitsPatient(gtin, serial);
        u.flags |= ADMINISTERED;
        emit IntakeConfirmed(allowanceKey, batchId, serial, takenAt, by);
    }

    // --------------------------------------------------------------- internals

    function _checkBatch(BatchInput calldata input) private pure {
        if (input.quantity == 0) revert SupplyZeroQuantity();
        if (input.quantity > type(uint32).max) revert SupplyBatchTooLarge(input.quantity);
        if (input.expiresAt <= input.manufacturedAt) revert SupplyInvalidDates(input.manufacturedAt, input.expiresAt);
        if (input.serialRoot == bytes32(0)) revert SupplyZeroSerialRoot();
        if (input.tempMin > input.tempMax) revert SupplyInvalidTemperatureRange(input.tempMin, input.tempMax);
        if (input.humidityMin > input.humidityMax) {
            revert SupplyInvalidHumidityRange(input.humidityMin, input.humidityMax);
        }
        _checkMessage(input.message);
    }

    function _announce(uint256 batchId, uint32 manufacturerId, BatchInput calldata input) private {
        emit BatchRegistered(
            batchId,
            manufacturerId,
            input.gtin,
            input.lot,
            input.quantity,
            input.manufacturedAt,
            input.expiresAt,
            input.serialRoot,
            input.metadataURI,
            input.message
        );
    }

    function _checkReport(bytes32 digest, string calldata uri) private pure {
        uint256 length = bytes(uri).length;
        if (digest == bytes32(0) || length == 0 || length > MESSAGE_LIMIT) revert SupplyInvalidReport();
    }

    /**
     * @dev Ends a shipment in transit as returned, and puts its units back into its source (which the caller named
     * and its id proved), held by the same sender: a late excursion of the source then finds them, where a
     * shipment sent nowhere and taken back at once would have kept them out of its reach. A shipment a reading
     * quarantined keeps its units, quarantined. Returns the units put back.
     */
    function _return(ShipmentData storage s, uint256 sourceId) private returns (uint32 returned) {
        s.status = ShipmentStatus.Returned;
        s.endedAt = uint32(block.timestamp);
        if (s.quarantined) return 0;
        ShipmentData storage source = _storage().shipments[sourceId];
        uint16 count = source.returnCount;
        // The count names the source's next shipments: it cannot wrap. Only the source's holder makes returns
        // this many; past them the units of its shipments cannot come back (accepted, or returned quarantined).
        if (count == type(uint16).max) revert SupplyTooManyReturns(sourceId);
        returned = s.remaining;
        s.remaining = 0;
        source.returnCount = count + 1;
        // Cannot overflow: the units were the source's, which never had more than its batch.
        unchecked {
            source.remaining += returned;
        }
    }
}
