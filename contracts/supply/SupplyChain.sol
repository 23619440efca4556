// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {SupplyChainBase} from "./SupplyChainBase.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {ISupplyChain} from "../interfaces/ISupplyChain.sol";
import {Kinds} from "../libraries/Kinds.sol";

/**
 * @title SupplyChain
 * @notice Batches, custody, devices, cold chain, prescriptions, dispensing, recalls and adverse events. See
 * {ISupplyChain}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy. This implementation runs the hot paths (shipping,
 * accepting, dispensing, readings) and the views; the rest runs in {SupplyChainExtension} by delegatecall, which
 * keeps each implementation under the 24 KiB limit. Each unit's serial is a leaf `(index, serial)` of its batch's
 * Merkle root, so a batch of a million units costs what a batch of ten does. Devices sign with plain keys (IoT
 * loggers hold a secp256k1 key), checked with ECDSA, which refuses malleable signatures; signatures travel in
 * EIP-2098 compact form (64 bytes).
 */
contract SupplyChain is SupplyChainBase, ISupplyChain, IERC5267 {
    /// @inheritdoc ISupplyChain
    bytes32 public constant READING_TYPEHASH = READING_TYPE;
    /// @inheritdoc ISupplyChain
    bytes32 public constant DEVICE_REGISTRATION_TYPEHASH = DEVICE_REGISTRATION_TYPE;
    /// @inheritdoc ISupplyChain
    bytes32 public constant REPORT_TYPEHASH = REPORT_TYPE;
    /// @inheritdoc ISupplyChain
    bytes32 public constant FILL_TYPEHASH = FILL_TYPE;
    /// @inheritdoc ISupplyChain
    uint256 public constant MAX_READINGS = READINGS_LIMIT;
    /// @inheritdoc ISupplyChain
    uint256 public constant MAX_MESSAGE_LENGTH = MESSAGE_LIMIT;
    /// @inheritdoc ISupplyChain
    uint256 public constant SHIPMENT_TIMEOUT = TIMEOUT;
    /// @inheritdoc ISupplyChain
    uint256 public constant READING_WINDOW = WINDOW;

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable _extension;

    /// @dev What a run of readings from one device for one shipment share (see {_loadContext}).
    struct ReadingContext {
        address device;
        uint256 shipmentId;
        uint256 from;
        uint256 to;
        int16 tempMin;
        int16 tempMax;
        uint16 humidityMin;
        uint16 humidityMax;
    }

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @param products_ The product registry (its proxy).
    /// @param extension_ The {SupplyChainExtension} implementation the colder functions run in.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IParticipantRegistry participants_,
        IRecordRegistry records_,
        IProductRegistry products_,
        address extension_
    ) SupplyChainBase(participants_, records_, products_) {
        _extension = extension_;
    }

    /**
     * @notice Sets the access manager; once, through the proxy.
     * @param initialAuthority The suite's access manager.
     */
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    /// @inheritdoc IERC5267
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", DOMAIN_NAME, "1", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISupplyChain
    function products() external view returns (address) {
        return address(_products);
    }

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
                quantity: b.quantity,
                adverseEvents: b.adverseEvents,
                serialRoot: b.serialRoot,
                tempMin: b.tempMin,
                tempMax: b.tempMax,
                humidityMin: b.humidityMin,
                humidityMax: b.humidityMax,
                destroyed: b.destroyed,
                excursions: b.excursions,
                recalledAt: b.recalledAt,
                lot: b.lot
            });
    }

    /// @inheritdoc ISupplyChain
    function batchOfLot(uint64 gtin, bytes32 lot) external view returns (uint256) {
        return _storage().lots[_lotKey(gtin, lot)];
    }

    /// @inheritdoc ISupplyChain
    function messagesOf(uint256 batchId) external view returns (string memory message, string memory recallMessage) {
        _batch(batchId);
        SupplyStorage storage $ = _storage();
        return ($.batchMessages[batchId], $.recallMessages[batchId]);
    }

    /// @inheritdoc ISupplyChain
    function getShipment(uint256 shipmentId) external view returns (Shipment memory) {
        ShipmentData memory s = _shipment(shipmentId);
        return
            Shipment(
                s.batchId,
                s.fromId,
                s.toId,
                s.quantity,
                s.remaining,
                s.returnCount,
                s.status,
                s.quarantined,
                s.shippedAt,
                s.endedAt
            );
    }

    /// @inheritdoc ISupplyChain
    function holderOf(uint256 shipmentId) external view returns (uint32) {
        return _holder(_shipment(shipmentId));
    }

    /// @inheritdoc ISupplyChain
    function getDevice(address device) external view returns (Device memory) {
        DeviceData memory d = _storage().devices[device];
        return Device(d.ownerId, d.kind, d.active, d.banned, d.nonce, d.revokedAt, d.calibrationHash);
    }

    /// @inheritdoc ISupplyChain
    function isAssigned(uint256 shipmentId, address device) external view returns (bool) {
        return _storage().assigned[shipmentId][device] != 0;
    }

    /// @inheritdoc ISupplyChain
    function sequenceUsed(uint256 shipmentId, address device, uint64 sequence) external view returns (bool) {
        return _storage().sequences[_sequenceWord(device, shipmentId, sequence)] & (1 << (sequence & 0xff)) != 0;
    }

    /// @inheritdoc ISupplyChain
    function getAllowance(bytes32 key) external view returns (Allowance memory) {
        AllowanceData memory a = _storage().allowances[key];
        if (a.hospitalId == 0 || a.validUntil == 0) revert SupplyUnknownAllowance(key);
        return
            Allowance(
                a.hospitalId,
                a.unitsPerFill,
                a.fillsLeft,
                a.unitsLeftInFill,
                a.validUntil,
                a.refillInterval,
                a.lastFillAt,
                a.fillPharmacyId,
                a.productCommitment
            );
    }

    /// @inheritdoc ISupplyChain
    function dispensedUnit(uint64 gtin, bytes32 serial) external view returns (DispensedUnit memory) {
        UnitData memory u = _storage().units[_unitKey(gtin, serial)];
        return
            DispensedUnit(u.batchId, u.pharmacyId, u.dispensedAt, u.flags & REPORTED != 0, u.flags & ADMINISTERED != 0);
    }

    /// @inheritdoc ISupplyChain
    function isGenuine(
        uint256 batchId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof
    ) external view returns (bool) {
        BatchData storage b = _batch(batchId);
        return index < b.quantity && MerkleProof.verifyCalldata(proof, b.serialRoot, _serialLeaf(index, serial));
    }

    // ---------------------------------------------------------------- custody

    /// @inheritdoc ISupplyChain
    function ship(uint256 sourceId, uint32 toId, uint40 quantity) external returns (uint256 shipmentId) {
        uint32 fromId = _callerId(Kinds.ANY);
        SupplyStorage storage $ = _storage();
        ShipmentData storage source = $.shipments[sourceId];
        // One read of the source's slot serves every check below.
        ShipmentData memory s = source;
        if (s.status == ShipmentStatus.None) revert SupplyUnknownShipment(sourceId);
        if (_holder(s) != fromId) revert SupplyNotHolder(sourceId, fromId);
        if (toId == 0 || toId == fromId) revert SupplyInvalidReceiver(toId);
        if (s.quarantined) revert SupplyShipmentQuarantined(sourceId);
        _checkBatchUsable($.batches[s.batchId], s.batchId);
        if (quantity == 0) revert SupplyZeroQuantity();
        if (quantity > s.remaining) revert SupplyInsufficientUnits(sourceId, quantity, s.remaining);
        // Cannot underflow, and fits 32 bits: at most the source's remaining units, checked just above.
        unchecked {
            source.remaining = s.remaining - uint32(quantity);
        }
        // `s` keeps the source's state before the units left: what names the shipment.
        shipmentId = _childId(sourceId, s.returnCount, s.remaining);
        $.shipments[shipmentId] = ShipmentData({
            batchId: s.batchId,
            fromId: fromId,
            toId: toId,
            quantity: uint32(quantity),
            remaining: uint32(quantity),
            returnCount: 0,
            status: ShipmentStatus.InTransit,
            quarantined: false,
            shippedAt: uint32(block.timestamp),
            endedAt: 0
        });
        emit Shipped(shipmentId, s.batchId, fromId, sourceId, s.returnCount, s.remaining, toId, quantity);
    }

    /// @inheritdoc ISupplyChain
    function accept(uint256 shipmentId) external {
        (ShipmentData storage s, uint32 caller) = _incoming(shipmentId);
        s.status = ShipmentStatus.Accepted;
        s.endedAt = uint32(block.timestamp);
        emit ShipmentAccepted(shipmentId, s.batchId, caller, s.quarantined);
    }

    // -------------------------------------------------------------- dispensing

    /// @inheritdoc ISupplyChain
    function dispense(
        uint256 shipmentId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof,
        FillRequest calldata fill
    ) external returns (bool) {
        uint32 pharmacyId = _callerId(Kinds.PHARMACY);
        (uint32 batchId, uint64 gtin) = _checkUnit(shipmentId, pharmacyId, index, serial, proof);
        SupplyStorage storage $ = _storage();
        bytes32 unitKey = _unitKey(gtin, serial);
        uint32 firstBatch = $.units[unitKey].batchId;
        if (firstBatch != 0) {
            emit CounterfeitAlert(batchId, serial, pharmacyId, firstBatch);
            return false;
        }
        bytes32 allowanceKey = fill.allowanceKey;
        if (allowanceKey != bytes32(0)) _consume(fill, pharmacyId, gtin);
        // Cannot underflow: _checkUnit saw at least one unit remaining (the slot is warm: this costs little).
        unchecked {
            --$.shipments[shipmentId].remaining;
        }
        $.units[unitKey] = UnitData({
            batchId: batchId,
            pharmacyId: pharmacyId,
            dispensedAt: uint40(block.timestamp),
            flags: 0,
            keyTag: bytes18(allowanceKey)
        });
        emit Dispensed(batchId, allowanceKey, pharmacyId, serial);
        return true;
    }

    // ---------------------------------------------------------------- readings

    /// @inheritdoc ISupplyChain
    function submitReadings(Reading[] calldata readings, Signature[] calldata signatures) external {
        uint256 count = readings.length;
        if (count == 0 || count > READINGS_LIMIT || count != signatures.length) {
            revert SupplyInvalidReadingBatch(count, signatures.length);
        }
        bytes32 domain = _domainSeparator(NAME_HASH);
        // Readings come in runs from one device for one shipment: what they share is checked once per run.
        ReadingContext memory c;
        for (uint256 i = 0; i < count; ++i) {
            Reading calldata r = readings[i];
            if (r.device != c.device || r.shipmentId != c.shipmentId) _loadContext(c, r);
            if (r.timestamp < c.from || r.timestamp > c.to) {
                revert SupplyReadingOutsideShipment(r.shipmentId, r.device, r.timestamp);
            }
            _markSequence(r);
            _checkReadingSignature(r, signatures[i], domain);
            emit ReadingRecorded(r.shipmentId, r.device, r.sequence, r.temperature, r.humidity, r.timestamp);
            if (
                r.temperature < c.tempMin ||
                r.temperature > c.tempMax ||
                r.humidity < c.humidityMin ||
                r.humidity > c.humidityMax
            ) _excursion(r);
        }
    }

    // ------------------------------------------------------------- in SupplyChainExtension

    /// @inheritdoc ISupplyChain
    function registerBatch(BatchInput calldata) external returns (uint256) {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function refuse(uint256, uint16, uint40) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function reclaim(uint256, uint16, uint40) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function setAllowance(address, bytes32, uint8, uint8, uint40, uint32) external returns (bytes32) {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function cancelAllowance(bytes32) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    /// @custom:restricted GUARDIAN
    function revokeAllowance(bytes32, bytes32) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function registerDevice(address, DeviceKind, bytes32, Signature calldata) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function revokeDevice(address) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    /// @custom:restricted GUARDIAN
    function revokeDeviceByGovernance(address) external {
        // The role is checked in the extension (`restricted` reads the selector of this very call).
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function assignDevice(uint256, address) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function resolveQuarantine(uint256, uint40) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function recall(uint256, bytes32, string calldata) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    /// @custom:restricted GOVERNOR
    function withdrawRecall(uint256, uint40, bytes32) external {
        // The role is checked in the extension.
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function noticeHolders(uint256, uint256[] calldata) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function reportAdverseEvent(uint256, bytes32, string calldata) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function reportAdverseEventAsPatient(
        uint64,
        bytes32,
        uint32,
        bytes32,
        string calldata,
        Signature calldata
    ) external {
        _delegate();
    }

    /// @inheritdoc ISupplyChain
    function confirmIntake(uint64, bytes32, uint32, uint40, IntakeBy, Signature calldata) external {
        _delegate();
    }

    // --------------------------------------------------------------- internals

    /**
     * @dev Runs the current call in {SupplyChainExtension} on this proxy's storage and returns what it returns
     * (or reverts with its error). It never returns to the caller's Solidity code.
     * @custom:oz-upgrades-unsafe-allow delegatecall
     */
    function _delegate() private {
        // Only through the proxy: the bare implementation must not run on its own storage.
        _checkProxy();
        address target = _extension;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    /// @dev A shipment in transit addressed to the caller, an active institution.
    function _incoming(uint256 shipmentId) private view returns (ShipmentData storage s, uint32 caller) {
        caller = _callerId(Kinds.ANY);
        s = _shipment(shipmentId);
        if (s.toId != caller) revert SupplyNotReceiver(shipmentId, caller);
        if (s.status != ShipmentStatus.InTransit) revert SupplyNotInTransit(shipmentId, s.status);
    }

    /// @dev The batch neither recalled nor expired: its units may move and be dispensed.
    function _checkBatchUsable(BatchData storage b, uint256 batchId) private view {
        if (b.status == BatchStatus.Recalled) revert SupplyRecalled(batchId);
        if (block.timestamp >= b.expiresAt) revert SupplyExpired(batchId, b.expiresAt);
    }

    /**
     * @dev The unit can be dispensed by the pharmacy from the shipment: the pharmacy holds it, it is not
     * quarantined and has a unit left, its batch is usable, the index is below the batch's quantity and the serial
     * is proven.
     */
    function _checkUnit(
        uint256 shipmentId,
        uint32 pharmacyId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof
    ) private view returns (uint32 batchId, uint64 gtin) {
        ShipmentData memory s = _shipment(shipmentId);
        if (_holder(s) != pharmacyId) revert SupplyNotHolder(shipmentId, pharmacyId);
        if (s.quarantined) revert SupplyShipmentQuarantined(shipmentId);
        if (s.remaining == 0) revert SupplyInsufficientUnits(shipmentId, 1, 0);
        batchId = s.batchId;
        BatchData storage b = _storage().batches[batchId];
        _checkBatchUsable(b, batchId);
        if (index >= b.quantity) revert SupplyIndexOutOfRange(batchId, index, b.quantity);
        if (!MerkleProof.verifyCalldata(proof, b.serialRoot, _serialLeaf(index, serial))) {
            revert SupplyInvalidSerial(batchId, serial);
        }
        gtin = b.gtin;
    }

    /**
     * @dev Takes one unit from the allowance, opening its next fill if the current one is used up. Opening a fill,
     * or going on with one bound to another pharmacy, takes the prescription key's signature naming this pharmacy
     * and the fill (by the fills left once it is open), which binds the fill to it: a signature is good for one
     * fill, at one pharmacy, until its deadline.
     */
    function _consume(FillRequest calldata fill, uint32 pharmacyId, uint64 gtin) private {
        bytes32 key = fill.allowanceKey;
        AllowanceData storage slot = _storage().allowances[key];
        AllowanceData memory a = slot;
        if (a.hospitalId == 0 || a.validUntil == 0) revert SupplyUnknownAllowance(key);
        if (block.timestamp > a.validUntil) revert SupplyAllowanceExpired(key, a.validUntil);
        if (bytes9(keccak256(abi.encode(gtin, fill.productSalt))) != a.productCommitment) {
            revert SupplyAllowanceProductMismatch(key);
        }
        bool opening = a.unitsLeftInFill == 0;
        if (opening) {
            if (a.fillsLeft == 0) revert SupplyAllowanceExhausted(key);
            if (a.lastFillAt != 0 && block.timestamp < uint256(a.lastFillAt) + a.refillInterval) {
                revert SupplyRefillTooEarly(key, uint40(a.lastFillAt) + a.refillInterval);
            }
            // Cannot underflow: fillsLeft is at least 1.
            unchecked {
                --a.fillsLeft;
            }
            a.unitsLeftInFill = a.unitsPerFill;
            a.lastFillAt = uint32(block.timestamp);
        }
        if (opening || a.fillPharmacyId != pharmacyId) {
            // A fill opens, or moves, only while its prescriber is active: suspending a hospital stops every
            // prescription it wrote at once (a fill already open at a pharmacy may be finished there).
            if (!_isActive(a.hospitalId)) revert SupplyPrescriberNotActive(key, a.hospitalId);
            _checkFillSignature(fill, pharmacyId, a.fillsLeft, a.hospitalId);
            a.fillPharmacyId = pharmacyId;
        }
        // Cannot underflow: unitsLeftInFill is at least 1 here (unitsPerFill is never 0).
        unchecked {
            --a.unitsLeftInFill;
        }
        slot.fillsLeft = a.fillsLeft;
        slot.unitsLeftInFill = a.unitsLeftInFill;
        slot.lastFillAt = a.lastFillAt;
        slot.fillPharmacyId = a.fillPharmacyId;
    }

    /// @dev The prescription's key signed `Fill(key, pharmacyId, fillsAfter, deadline)` (a missing or wrong
    /// signature says so before any deadline), and the deadline holds.
    function _checkFillSignature(
        FillRequest calldata fill,
        uint32 pharmacyId,
        uint8 fillsAfter,
        uint32 hospitalId
    ) private view {
        bytes32 key = fill.allowanceKey;
        address signer = _recover(
            keccak256(abi.encode(FILL_TYPE, key, pharmacyId, fillsAfter, fill.deadline)),
            fill.signature
        );
        // The key is the hash of the hospital and the signer: only the prescription's key signs for it.
        if (signer == address(0) || keccak256(abi.encode(hospitalId, signer)) != key) {
            revert SupplyInvalidFillSignature(key, pharmacyId, fillsAfter);
        }
        if (block.timestamp > fill.deadline) revert SupplyFillSignatureExpired(key, fill.deadline);
    }

    /**
     * @dev Checks what a run of readings from `r`'s device for `r`'s shipment share, and keeps it in `c`: the
     * device is registered and not banned, assigned to the shipment by one of its parties, owned by an active
     * institution (the owner that held it under the tenure it was assigned under), and the shipment's reading window is
     * open. The readings' times must then fall from its departure to its end (or now), and before the device's
     * revocation by its owner: a revoked device still speaks for what it measured before.
     */
    function _loadContext(ReadingContext memory c, Reading calldata r) private view {
        SupplyStorage storage $ = _storage();
        DeviceData memory d = $.devices[r.device];
        if (d.banned) revert SupplyDeviceBanned(r.device);
        if (d.kind == DeviceKind.None) revert SupplyUnknownDevice(r.device);
        // Devices are assigned only to shipments in transit: an assigned device's shipment exists.
        uint64 tenure = $.assigned[r.shipmentId][r.device];
        if (tenure == 0) revert SupplyDeviceNotAssigned(r.device, r.shipmentId);
        // The tenure it was assigned under speaks until its revocation, if any, and only while the owner who held
        // the device then is active: whoever holds the key now.
        uint32 ownerId = d.ownerId;
        uint256 revokedAt = d.active ? 0 : d.revokedAt;
        if (tenure != d.tenure) {
            TenureEnd memory ended = $.tenureEnds[r.device][tenure];
            (ownerId, revokedAt) = (ended.ownerId, ended.revokedAt);
        }
        if (!_isActive(ownerId)) revert SupplyDeviceOwnerNotActive(r.device, ownerId);
        ShipmentData memory s = $.shipments[r.shipmentId];
        uint256 end = s.endedAt;
        if (end != 0 && block.timestamp > end + WINDOW) {
            revert SupplyReadingWindowClosed(r.shipmentId, uint40(end + WINDOW));
        }
        if (end == 0) end = block.timestamp;
        if (revokedAt != 0 && revokedAt <= end) end = revokedAt - 1;
        BatchData storage b = $.batches[s.batchId];
        c.device = r.device;
        c.shipmentId = r.shipmentId;
        c.from = s.shippedAt;
        c.to = end;
        c.tempMin = b.tempMin;
        c.tempMax = b.tempMax;
        c.humidityMin = b.humidityMin;
        c.humidityMax = b.humidityMax;
    }

    /// @dev Marks the reading's sequence number as used for its device and shipment; each counts once, in any order.
    function _markSequence(Reading calldata r) private {
        mapping(bytes32 => uint256) storage sequences = _storage().sequences;
        bytes32 word = _sequenceWord(r.device, r.shipmentId, r.sequence);
        uint256 bits = sequences[word];
        uint256 mask = 1 << (r.sequence & 0xff);
        if (bits & mask != 0) revert SupplyDuplicateSequence(r.device, r.shipmentId, r.sequence);
        sequences[word] = bits | mask;
    }

    /// @dev keccak256(abi.encode(device, shipmentId, sequence >> 8)), in scratch memory (see {_checkReadingSignature}).
    function _sequenceWord(address device, uint256 shipmentId, uint64 sequence) private pure returns (bytes32 word) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, device)
            mstore(add(ptr, 0x20), shipmentId)
            mstore(add(ptr, 0x40), shr(8, sequence))
            word := keccak256(ptr, 0x60)
        }
    }

    /**
     * @dev The device signed the reading (EIP-712 `Reading` in this service's domain). The struct's six words are
     * hashed straight from calldata, in scratch memory: fifty readings would otherwise grow memory by fifty
     * encodings. A reading whose calldata is not canonically encoded hashes to something its device never signed,
     * and is refused like any forgery.
     */
    function _checkReadingSignature(Reading calldata r, Signature calldata signature, bytes32 domain) private pure {
        bytes32 typeHash = READING_TYPE;
        bytes32 digest;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), r, 0xc0)
            let structHash := keccak256(ptr, 0xe0)
            mstore(ptr, 0x1901000000000000000000000000000000000000000000000000000000000000)
            mstore(add(ptr, 0x02), domain)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signature.r, signature.vs);
        if (err != ECDSA.RecoverError.NoError || signer != r.device) {
            revert SupplyInvalidReadingSignature(r.device, r.sequence);
        }
    }

    /**
     * @dev Quarantines the shipment's remaining units. In transit that is all of them; after it ended, the units its
     * holder still has, while those already passed on or dispensed are flagged in {LateExcursion}.
     */
    function _excursion(Reading calldata r) private {
        SupplyStorage storage $ = _storage();
        ShipmentData storage shipment = $.shipments[r.shipmentId];
        ShipmentData memory s = shipment;
        ++$.batches[s.batchId].excursions;
        emit Excursion(r.shipmentId, s.batchId, r.device, r.temperature, r.humidity);
        if (s.quarantined) return;
        shipment.quarantined = true;
        if (s.status != ShipmentStatus.InTransit) {
            emit LateExcursion(r.shipmentId, s.batchId, s.remaining, s.quantity - s.remaining);
        }
    }

    function _serialLeaf(uint256 index, bytes32 serial) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, serial))));
    }
}
