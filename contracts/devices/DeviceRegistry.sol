// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {SuiteService} from "../base/SuiteService.sol";
import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReadPolicy} from "../interfaces/IReadPolicy.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";
import {Paging} from "../libraries/Paging.sol";

/**
 * @title DeviceRegistry
 * @notice See {IDeviceRegistry}.
 * @dev State in the ERC-7201 namespace `miip.storage.DeviceRegistry`. Gas choices for the daily anchor, the hot
 * path: a device is one slot (id, patient, model, firmware, status, sequence, last end), a model's checks one slot
 * (its withdrawn firmware a 128-bit set beside its ids), a patient's followers one slot (four ids); the batch's
 * digest and URI live in the event only. Devices sign compact signatures, checked with `ecrecover` alone: a device
 * is a key, never a contract wallet.
 */
contract DeviceRegistry is SuiteService, IDeviceRegistry {
    /// @dev A device: deviceId (64) | patientId (64) | modelId (32) | firmware (16) | status (8) | sequence (32) |
    /// lastEnd (40).
    struct DeviceData {
        uint64 deviceId;
        uint64 patientId;
        uint32 modelId;
        uint16 firmware;
        DeviceStatus status;
        uint32 sequence;
        uint40 lastEnd;
    }

    /// @dev A model's checks: manufacturerId (32) | regulatorId (32) | firmwareCount (16) | withdrawnAt (40, 0: not
    /// withdrawn) | withdrawnFirmware (128).
    struct ModelData {
        uint32 manufacturerId;
        uint32 regulatorId;
        uint16 firmwareCount;
        uint40 withdrawnAt;
        uint128 withdrawnFirmware;
    }

    /// @dev A device's key by its id, with its binding's time in the same slot (written once, at binding).
    struct DeviceKey {
        address device;
        uint40 boundAt;
    }

    /// @custom:storage-location erc7201:miip.storage.DeviceRegistry
    struct DevicesStorage {
        uint32 modelCount;
        uint64 deviceCount;
        mapping(uint256 modelId => ModelData) models;
        mapping(uint256 modelId => bytes32) modelDigests;
        mapping(address device => DeviceData) devices;
        mapping(uint64 deviceId => DeviceKey) deviceKeys;
        /// @dev Grows only by the patient's own bindings (each needs a new device key's signature); read by pages.
        mapping(uint64 patientId => address[]) patientDevices;
        mapping(uint64 patientId => mapping(uint32 writerId => bool)) writers;
        mapping(uint64 patientId => uint32[4]) followers;
        /// @dev A model by its manufacturer and technical file: one approval per model, by one regulator.
        mapping(bytes32 manufacturerDigest => uint256 modelId) modelOfDigest;
        /// @dev The standing withdrawal of each version, and of the whole model ({WHOLE_MODEL}), with its number,
        /// so that a restoration names it (the anchor reads the model's slot only).
        mapping(uint256 modelId => mapping(uint16 version => Withdrawal)) withdrawals;
        /// @dev The key each manufacturer named to provision its devices (zero: its institution account).
        mapping(uint32 manufacturerId => address) provisioners;
        /// @dev A manufacturer's pending request for a model's approval, by model: the hash of the regulator it
        /// chose and the firmware digests it submitted.
        mapping(bytes32 manufacturerDigest => bytes32) approvalRequests;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.DeviceRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xec5df179e5f97391ac80a973e5416209d4806d8e212618b21bdc1bc3710a9d00;

    bytes32 private constant NAME_HASH = keccak256("MIIP Devices");

    // solhint-disable gas-small-strings
    /// @inheritdoc IDeviceRegistry
    bytes32 public constant BINDING_TYPEHASH =
        keccak256("DeviceBinding(address device,uint64 patientId,uint32 modelId,uint16 firmware,uint40 deadline)");

    /// @inheritdoc IDeviceRegistry
    bytes32 public constant PROVISIONING_TYPEHASH = keccak256("DeviceProvisioning(address device,uint32 modelId)");

    /// @inheritdoc IDeviceRegistry
    bytes32 public constant RECORD_TYPEHASH =
        keccak256(
            "DeviceRecord(address device,uint64 patientId,bytes32 digest,uint8 recordType,uint40 issuedAt,uint16 firmware)"
        );

    /// @inheritdoc IDeviceRegistry
    bytes32 public constant ANCHOR_TYPEHASH =
        keccak256(
            "ReadingAnchor(address device,uint32 sequence,uint40 from,uint40 to,uint32 count,uint16 firmware,bytes32 batchDigest,bytes32 uriHash)"
        );
    // solhint-enable gas-small-strings

    /// @inheritdoc IDeviceRegistry
    uint256 public constant MAX_FOLLOWERS = 4;

    /// @inheritdoc IDeviceRegistry
    uint8 public constant DEVICE_READINGS = 8;

    /// @inheritdoc IDeviceRegistry
    uint16 public constant WHOLE_MODEL = type(uint16).max;

    /// @dev The most firmware versions of one model: its withdrawn set is 128 bits, in the model's slot.
    uint256 private constant MAX_FIRMWARE = 128;

    uint8 private constant BY_HOSPITAL = 0;
    uint8 private constant BY_PATIENT = 1;
    uint8 private constant BY_ANYONE = 2;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_, IRecordRegistry records_) SuiteService(participants_, records_) {}

    /// @notice Sets the access manager.
    /// @param authority The suite's access manager.
    function initialize(address authority) external initializer {
        __AccessManaged_init(authority);
    }

    // ------------------------------------------------------------------------------------------------- models

    /// @inheritdoc IDeviceRegistry
    function requestApproval(uint32 regulatorId, bytes32 modelDigest, bytes32[] calldata firmwareDigests) external {
        (uint32 manufacturerId, ) = _participants.activeInstitution(msg.sender, Kinds.MANUFACTURER);
        _participants.activeAccountOf(regulatorId, Kinds.REGULATOR);
        DevicesStorage storage $ = _storage();
        bytes32 key = keccak256(abi.encode(manufacturerId, modelDigest));
        uint256 existing = $.modelOfDigest[key];
        if (existing != 0) revert DevicesModelExists(existing);
        // Bound to the account that asked: a request a thief made from a stolen account dies with its recovery.
        $.approvalRequests[key] = keccak256(abi.encode(msg.sender, regulatorId, firmwareDigests));
        emit ApprovalRequested(manufacturerId, regulatorId, modelDigest, firmwareDigests);
    }

    /// @inheritdoc IDeviceRegistry
    function approveModel(
        uint32 manufacturerId,
        bytes32 modelDigest,
        bytes32[] calldata firmwareDigests
    ) external returns (uint256 modelId) {
        (uint32 regulatorId, ) = _participants.activeInstitution(msg.sender, Kinds.REGULATOR);
        address manufacturer = _participants.activeAccountOf(manufacturerId, Kinds.MANUFACTURER);
        uint256 count = firmwareDigests.length;
        if (modelDigest == bytes32(0) || count == 0) revert DevicesEmptyDigest();
        DevicesStorage storage $ = _storage();
        bytes32 key = keccak256(abi.encode(manufacturerId, modelDigest));
        uint256 existing = $.modelOfDigest[key];
        // A second regulator re-approving the same model would take over its patches (and approve one the first
        // refused): a model is approved once.
        if (existing != 0) revert DevicesModelExists(existing);
        // Only the regulator the manufacturer chose, and only the firmware it submitted: a rival regulator cannot
        // take the model first, nor put its own image in it.
        if ($.approvalRequests[key] != keccak256(abi.encode(manufacturer, regulatorId, firmwareDigests))) {
            revert DevicesNotRequested(manufacturerId, modelDigest, regulatorId);
        }
        delete $.approvalRequests[key];
        modelId = ++$.modelCount;
        if (count > MAX_FIRMWARE) revert DevicesTooManyFirmware(modelId);
        $.modelOfDigest[key] = modelId;
        $.models[modelId] = ModelData({
            manufacturerId: manufacturerId,
            regulatorId: regulatorId,
            firmwareCount: uint16(count),
            withdrawnAt: 0,
            withdrawnFirmware: 0
        });
        $.modelDigests[modelId] = modelDigest;
        emit ModelApproved(modelId, manufacturerId, regulatorId, modelDigest);
        for (uint256 i; i < count; ++i) {
            if (firmwareDigests[i] == bytes32(0)) revert DevicesEmptyDigest();
            emit FirmwareApproved(modelId, uint16(i), firmwareDigests[i], regulatorId);
        }
    }

    /// @inheritdoc IDeviceRegistry
    function approveFirmware(uint256 modelId, bytes32 firmwareDigest) external returns (uint16 firmware) {
        (uint32 regulatorId, ) = _participants.activeInstitution(msg.sender, Kinds.REGULATOR);
        ModelData storage model = _model(modelId);
        if (model.regulatorId != regulatorId) revert DevicesNotModelRegulator(modelId, regulatorId);
        if (model.withdrawnAt != 0) revert DevicesFirmwareNotApproved(modelId, model.firmwareCount);
        if (firmwareDigest == bytes32(0)) revert DevicesEmptyDigest();
        firmware = model.firmwareCount;
        if (firmware >= MAX_FIRMWARE) revert DevicesTooManyFirmware(modelId);
        model.firmwareCount = firmware + 1;
        emit FirmwareApproved(modelId, firmware, firmwareDigest, regulatorId);
    }

    /// @inheritdoc IDeviceRegistry
    function withdrawFirmware(uint256 modelId, uint16 firmware, bytes32 reasonCode) external {
        (uint32 regulatorId, ) = _participants.activeInstitution(msg.sender, Kinds.REGULATOR);
        ModelData storage model = _model(modelId);
        if (firmware >= model.firmwareCount) revert DevicesFirmwareNotApproved(modelId, firmware);
        model.withdrawnFirmware |= uint128(1) << firmware;
        uint32 serial = _recordWithdrawal(modelId, firmware, regulatorId);
        emit FirmwareWithdrawn(modelId, firmware, regulatorId, serial, reasonCode);
    }

    /// @inheritdoc IDeviceRegistry
    function withdrawModel(uint256 modelId, bytes32 reasonCode) external {
        (uint32 regulatorId, ) = _participants.activeInstitution(msg.sender, Kinds.REGULATOR);
        _model(modelId).withdrawnAt = uint40(block.timestamp);
        uint32 serial = _recordWithdrawal(modelId, WHOLE_MODEL, regulatorId);
        emit ModelWithdrawn(modelId, regulatorId, serial, reasonCode);
    }

    /// @inheritdoc IDeviceRegistry
    /// @custom:restricted GOVERNOR
    function restoreModel(uint256 modelId, uint32 serial, bytes32 reasonCode) external restricted {
        ModelData storage model = _model(modelId);
        _clearWithdrawal(modelId, WHOLE_MODEL, serial);
        model.withdrawnAt = 0;
        emit ModelRestored(modelId, serial, reasonCode);
    }

    /// @inheritdoc IDeviceRegistry
    /// @custom:restricted GOVERNOR
    function restoreFirmware(uint256 modelId, uint16 firmware, uint32 serial, bytes32 reasonCode) external restricted {
        ModelData storage model = _model(modelId);
        _clearWithdrawal(modelId, firmware, serial);
        // A withdrawn version is below the count (below 128), so the shift is within the set.
        model.withdrawnFirmware &= ~(uint128(1) << firmware);
        emit FirmwareRestored(modelId, firmware, serial, reasonCode);
    }

    /// @inheritdoc IDeviceRegistry
    /// @custom:restricted GOVERNOR
    function reassignModel(uint256 modelId, uint32 regulatorId, bytes32 reasonCode) external restricted {
        ModelData storage model = _model(modelId);
        _participants.activeAccountOf(regulatorId, Kinds.REGULATOR);
        uint32 from = model.regulatorId;
        if (from == regulatorId) revert DevicesRegulatorUnchanged(modelId, regulatorId);
        model.regulatorId = regulatorId;
        emit ModelReassigned(modelId, from, regulatorId, reasonCode);
    }

    // ------------------------------------------------------------------------------------------ manufacturers

    /// @inheritdoc IDeviceRegistry
    function setProvisioner(address key) external {
        IParticipantRegistry.Member memory m = _participants.memberOf(msg.sender);
        // A suspended manufacturer may still act here, to clear its key (below): the owner of an account governance
        // recovered from a thief clears the thief's key before it is reinstated.
        if (
            m.kind != IParticipantRegistry.Kind.Manufacturer ||
            (m.status != IParticipantRegistry.Status.Active && m.status != IParticipantRegistry.Status.Suspended)
        ) revert DevicesNotManufacturer(msg.sender);
        // Suspended, it may only clear it: a thief still holding a suspended account cannot name a key of its own
        // for the time after a reinstatement.
        if (m.status == IParticipantRegistry.Status.Suspended && key != address(0)) {
            revert DevicesSuspendedProvisioner(m.id, key);
        }
        uint32 manufacturerId = m.id;
        mapping(uint32 => address) storage provisioners = _storage().provisioners;
        if (provisioners[manufacturerId] == key) revert DevicesProvisionerUnchanged(manufacturerId, key);
        provisioners[manufacturerId] = key;
        emit ProvisionerSet(manufacturerId, key);
    }

    // ------------------------------------------------------------------------------------------------ devices

    /// @inheritdoc IDeviceRegistry
    function bindDevice(
        DeviceBinding calldata binding,
        Signature calldata signature,
        Signature calldata provisioning
    ) external returns (uint64 deviceId) {
        (uint64 patientId, bytes32 actor) = _patientAction();
        if (binding.patientId != patientId) revert DevicesPatientMismatch(patientId, binding.patientId);
        if (block.timestamp > binding.deadline) revert DevicesSignatureExpired(binding.deadline, block.timestamp);
        DevicesStorage storage $ = _storage();
        DeviceData storage d = $.devices[binding.device];
        if (d.status != DeviceStatus.None) revert DevicesKeyUsed(binding.device, d.status);
        _checkFirmware(binding.modelId, binding.firmware);
        bytes32 structHash = keccak256(
            abi.encode(
                BINDING_TYPEHASH,
                binding.device,
                binding.patientId,
                binding.modelId,
                binding.firmware,
                binding.deadline
            )
        );
        _checkSigner(binding.device, structHash, signature);
        _checkProvisioning(binding.device, binding.modelId, provisioning);
        deviceId = ++$.deviceCount;
        $.devices[binding.device] = DeviceData({
            deviceId: deviceId,
            patientId: patientId,
            modelId: binding.modelId,
            firmware: binding.firmware,
            status: DeviceStatus.Bound,
            sequence: 0,
            // Its first anchor starts after its binding: it cannot speak for a time it was nobody's, or unapproved.
            lastEnd: uint40(block.timestamp)
        });
        $.deviceKeys[deviceId] = DeviceKey(binding.device, uint40(block.timestamp));
        $.patientDevices[patientId].push(binding.device);
        emit DeviceBound(deviceId, patientId, binding.device, binding.modelId, binding.firmware, actor);
    }

    /// @inheritdoc IDeviceRegistry
    function revokeDevice(address device) external {
        (uint64 patientId, bytes32 actor) = _patientAction();
        DeviceData storage d = _patientsDevice(device, patientId);
        d.status = DeviceStatus.Revoked;
        emit DeviceRevoked(d.deviceId, patientId, actor);
    }

    /// @inheritdoc IDeviceRegistry
    function anchor(ReadingAnchor calldata anchor_, string calldata uri, Signature calldata signature) external {
        DeviceData storage d = _storage().devices[anchor_.device];
        DeviceData memory device = d;
        if (device.status != DeviceStatus.Bound) revert DevicesNotBound(anchor_.device, device.status);
        uint32 sequence = device.sequence + 1;
        if (anchor_.sequence != sequence) revert DevicesAnchorOutOfOrder(anchor_.device, anchor_.sequence, sequence);
        if (anchor_.from <= device.lastEnd || anchor_.to < anchor_.from || anchor_.to > block.timestamp) {
            revert DevicesInvalidPeriod(anchor_.device, anchor_.from, anchor_.to, device.lastEnd);
        }
        if (anchor_.count == 0 || anchor_.batchDigest == bytes32(0) || bytes(uri).length == 0) {
            revert DevicesEmptyAnchor(anchor_.device);
        }
        if (anchor_.firmware < device.firmware) {
            revert DevicesFirmwareRollback(anchor_.device, anchor_.firmware, device.firmware);
        }
        _checkFirmware(device.modelId, anchor_.firmware);
        _checkSigner(anchor_.device, _anchorHash(anchor_, uri), signature);
        d.sequence = sequence;
        d.lastEnd = anchor_.to;
        if (anchor_.firmware != device.firmware) d.firmware = anchor_.firmware;
        emit ReadingsAnchored(
            device.deviceId,
            device.patientId,
            sequence,
            anchor_.from,
            anchor_.to,
            anchor_.count,
            anchor_.firmware,
            anchor_.batchDigest,
            uri
        );
        _notify(device.patientId, device.deviceId, sequence);
    }

    // ------------------------------------------------------------------------------------------------ streams

    /// @inheritdoc IDeviceRegistry
    function setWriter(uint32 writerId, bool named) external {
        (uint64 patientId, bytes32 actor) = _patientAction();
        // Only an institution that is active now can be named; removal never depends on its status.
        if (named) _participants.activeAccountOf(writerId, Kinds.ANY);
        mapping(uint32 => bool) storage writers = _storage().writers[patientId];
        if (writers[writerId] == named) revert DevicesWriterUnchanged(patientId, writerId, named);
        writers[writerId] = named;
        emit WriterSet(patientId, writerId, named, actor);
    }

    /// @inheritdoc IDeviceRegistry
    function writeOwnRecord(
        IRecordRegistry.RecordInput calldata record,
        uint64 deviceId,
        uint16 firmware,
        Signature calldata deviceSignature
    ) external returns (uint256 recordId) {
        (uint64 patientId, ) = _patientAction();
        if (record.patientId != patientId) revert DevicesRecordPatientMismatch(patientId, record.patientId);
        if (deviceId == 0) return _records.registerSourced(record, IRecordRegistry.Source.Patient, 0);
        DeviceKey memory key = _storage().deviceKeys[deviceId];
        address device = key.device;
        if (device == address(0)) revert DevicesUnknownDevice(deviceId);
        DeviceData storage d = _patientsDevice(device, patientId);
        if (record.issuedAt < key.boundAt) revert DevicesRecordBeforeBinding(deviceId, record.issuedAt, key.boundAt);
        // A device's record is the device's word, not the patient's: it signs the document's digest and the firmware
        // version that measured it, which must be approved, of a model that still stands (a recalled version's
        // data stays out, whatever its date). Its digest is unique in the stream, so no signature counts twice.
        // Never a version newer than the device is known to run (its binding's, or its last anchor's).
        if (firmware > d.firmware) revert DevicesFirmwareNotRun(device, firmware, d.firmware);
        _checkFirmware(d.modelId, firmware);
        bytes32 structHash = keccak256(
            abi.encode(RECORD_TYPEHASH, device, patientId, record.digest, record.recordType, record.issuedAt, firmware)
        );
        _checkSigner(device, structHash, deviceSignature);
        return _records.registerSourced(record, IRecordRegistry.Source.Device, deviceId);
    }

    /// @inheritdoc IDeviceRegistry
    function writeRecord(IRecordRegistry.RecordInput calldata record) external returns (uint256 recordId) {
        (uint32 writerId, ) = _participants.activeInstitution(msg.sender, Kinds.ANY);
        if (!_storage().writers[record.patientId][writerId]) revert DevicesWriterNotNamed(record.patientId, writerId);
        return _records.registerSourced(record, IRecordRegistry.Source.Writer, writerId);
    }

    // --------------------------------------------------------------------------------------------- monitoring

    /// @inheritdoc IDeviceRegistry
    function follow(uint64 patientId) external {
        (uint32 hospitalId, ) = _participants.activeInstitution(msg.sender, Kinds.HOSPITAL);
        if (!_readPolicy().allows(hospitalId, 0, patientId, DEVICE_READINGS, IRecordRegistry.Purpose.Treatment)) {
            revert DevicesNoTreatmentConsent(patientId, hospitalId);
        }
        uint32[4] storage followers = _storage().followers[patientId];
        uint256 free = MAX_FOLLOWERS;
        for (uint256 i; i < MAX_FOLLOWERS; ++i) {
            uint32 follower = followers[i];
            if (follower == hospitalId) revert DevicesAlreadyFollowing(patientId, hospitalId);
            if (follower == 0 && free == MAX_FOLLOWERS) free = i;
        }
        if (free == MAX_FOLLOWERS) revert DevicesTooManyFollowers(patientId);
        followers[free] = hospitalId;
        emit Followed(patientId, hospitalId);
    }

    /// @inheritdoc IDeviceRegistry
    function unfollow(uint64 patientId) external {
        _removeFollower(patientId, _participants.memberOf(msg.sender).id, BY_HOSPITAL);
    }

    /// @inheritdoc IDeviceRegistry
    function dropFollower(uint32 hospitalId) external {
        (uint64 patientId, ) = _patientAction();
        _removeFollower(patientId, hospitalId, BY_PATIENT);
    }

    /// @inheritdoc IDeviceRegistry
    function dropLapsedFollower(uint64 patientId, uint32 hospitalId) external {
        if (_consented(_readPolicy(), patientId, hospitalId))
            revert DevicesFollowerStillConsented(patientId, hospitalId);
        _removeFollower(patientId, hospitalId, BY_ANYONE);
    }

    // -------------------------------------------------------------------------------------------------- views

    /// @inheritdoc IDeviceRegistry
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparator(NAME_HASH);
    }

    /// @inheritdoc IDeviceRegistry
    function getModel(uint256 modelId) external view returns (Model memory) {
        ModelData storage m = _model(modelId);
        return
            Model({
                manufacturerId: m.manufacturerId,
                regulatorId: m.regulatorId,
                firmwareCount: m.firmwareCount,
                withdrawnAt: m.withdrawnAt,
                withdrawnFirmware: m.withdrawnFirmware,
                modelDigest: _storage().modelDigests[modelId]
            });
    }

    /// @inheritdoc IDeviceRegistry
    function isApproved(uint256 modelId, uint16 firmware) public view returns (bool) {
        ModelData storage m = _storage().models[modelId];
        // A version below the count is below 128, so the shift is within the set.
        return m.firmwareCount > firmware && m.withdrawnAt == 0 && m.withdrawnFirmware & (uint128(1) << firmware) == 0;
    }

    /// @inheritdoc IDeviceRegistry
    function withdrawalOf(uint256 modelId, uint16 version) external view returns (Withdrawal memory) {
        return _storage().withdrawals[modelId][version];
    }

    /// @inheritdoc IDeviceRegistry
    function provisionerOf(uint32 manufacturerId) external view returns (address) {
        address account = _participants.accountOf(manufacturerId);
        if (_participants.memberOf(account).kind != IParticipantRegistry.Kind.Manufacturer) {
            revert DevicesNotManufacturer(account);
        }
        address named = _storage().provisioners[manufacturerId];
        return named != address(0) ? named : account;
    }

    /// @inheritdoc IDeviceRegistry
    function modelCount() external view returns (uint256) {
        return _storage().modelCount;
    }

    /// @inheritdoc IDeviceRegistry
    function deviceOf(address device) external view returns (Device memory) {
        DevicesStorage storage $ = _storage();
        DeviceData memory d = $.devices[device];
        uint40 boundAt = $.deviceKeys[d.deviceId].boundAt;
        return Device(d.deviceId, d.patientId, d.modelId, d.firmware, d.status, d.sequence, d.lastEnd, boundAt);
    }

    /// @inheritdoc IDeviceRegistry
    function deviceAddress(uint64 deviceId) external view returns (address device) {
        device = _storage().deviceKeys[deviceId].device;
        if (device == address(0)) revert DevicesUnknownDevice(deviceId);
    }

    /// @inheritdoc IDeviceRegistry
    function deviceCount() external view returns (uint256) {
        return _storage().deviceCount;
    }

    /// @inheritdoc IDeviceRegistry
    function devicesOf(
        uint64 patientId,
        uint256 offset,
        uint256 limit
    ) external view returns (address[] memory devices, uint256 total) {
        address[] storage all = _storage().patientDevices[patientId];
        total = all.length;
        uint256 end = Paging.end(total, offset, limit);
        devices = new address[](end - offset);
        for (uint256 i = offset; i < end; ++i) devices[i - offset] = all[i];
    }

    /// @inheritdoc IDeviceRegistry
    function isWriter(uint64 patientId, uint32 writerId) external view returns (bool) {
        if (!_storage().writers[patientId][writerId]) return false;
        return _participants.statusOf(writerId) == IParticipantRegistry.Status.Active;
    }

    /// @inheritdoc IDeviceRegistry
    function followersOf(uint64 patientId) external view returns (uint32[] memory hospitals) {
        uint32[4] memory all = _storage().followers[patientId];
        uint256 n;
        for (uint256 i; i < MAX_FOLLOWERS; ++i) if (all[i] != 0) ++n;
        hospitals = new uint32[](n);
        uint256 j;
        for (uint256 i; i < MAX_FOLLOWERS; ++i) {
            if (all[i] != 0) {
                hospitals[j] = all[i];
                ++j;
            }
        }
    }

    // --------------------------------------------------------------------------------------------- internals

    /**
     * @dev Tells each hospital following the patient of a new anchor, if it is active and its treatment basis still
     * holds (asked of the directory and the consent manager now, for each: at most four); one that is not (suspended
     * or retired, a grant revoked or expired, an emergency closed or past its window) is dropped instead, so that no
     * hospital hears of what it may not read.
     */
    function _notify(uint64 patientId, uint64 deviceId, uint32 sequence) private {
        uint32[4] storage stored = _storage().followers[patientId];
        uint32[4] memory followers = stored;
        IReadPolicy policy;
        for (uint256 i; i < MAX_FOLLOWERS; ++i) {
            uint32 hospitalId = followers[i];
            if (hospitalId == 0) continue;
            if (address(policy) == address(0)) policy = _readPolicy();
            if (_consented(policy, patientId, hospitalId)) {
                emit MonitoringNotice(patientId, hospitalId, deviceId, sequence);
            } else {
                stored[i] = 0;
                emit Unfollowed(patientId, hospitalId, BY_ANYONE);
            }
        }
    }

    function _removeFollower(uint64 patientId, uint32 hospitalId, uint8 by) private {
        uint32[4] storage followers = _storage().followers[patientId];
        for (uint256 i; i < MAX_FOLLOWERS; ++i) {
            if (hospitalId != 0 && followers[i] == hospitalId) {
                followers[i] = 0;
                emit Unfollowed(patientId, hospitalId, by);
                return;
            }
        }
        revert DevicesNotFollowing(patientId, hospitalId);
    }

    /// @dev The EIP-712 struct hash of an anchor, with its URI's hash (so a relayer cannot point it elsewhere).
    function _anchorHash(ReadingAnchor calldata a, string calldata uri) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    ANCHOR_TYPEHASH,
                    a.device,
                    a.sequence,
                    a.from,
                    a.to,
                    a.count,
                    a.firmware,
                    a.batchDigest,
                    keccak256(bytes(uri))
                )
            );
    }

    /// @dev Whether a following hospital may still read the patient's device readings: active, with a treatment basis.
    function _consented(IReadPolicy policy, uint64 patientId, uint32 hospitalId) private view returns (bool) {
        if (_participants.statusOf(hospitalId) != IParticipantRegistry.Status.Active) return false;
        return policy.allows(hospitalId, 0, patientId, DEVICE_READINGS, IRecordRegistry.Purpose.Treatment);
    }

    /// @dev Reverts unless `device` signed the struct `structHash` in this contract's domain.
    function _checkSigner(address device, bytes32 structHash, Signature calldata signature) private view {
        if (_signer(structHash, signature) != device) revert DevicesBadDeviceSignature(device);
    }

    /// @dev Who signed the struct `structHash` in this contract's domain (compact signature); zero if malformed.
    function _signer(bytes32 structHash, Signature calldata signature) private view returns (address signer) {
        bytes32 digest = MessageHashUtils.toTypedDataHash(_domainSeparator(NAME_HASH), structHash);
        ECDSA.RecoverError err;
        (signer, err, ) = ECDSA.tryRecover(digest, signature.r, signature.vs);
        if (err != ECDSA.RecoverError.NoError) signer = address(0);
    }

    /**
     * @dev Reverts unless the model's manufacturer, active, provisioned the device's key for this model (it signed
     * the key at production): a key the patient made up, or one provisioned for another model, binds nothing.
     */
    function _checkProvisioning(address device, uint32 modelId, Signature calldata provisioning) private view {
        DevicesStorage storage $ = _storage();
        uint32 manufacturerId = $.models[modelId].manufacturerId;
        // Only an active manufacturer's devices bind, whoever holds its provisioning key.
        address provisioner = _participants.activeAccountOf(manufacturerId, Kinds.MANUFACTURER);
        address named = $.provisioners[manufacturerId];
        if (named != address(0)) provisioner = named;
        bytes32 structHash = keccak256(abi.encode(PROVISIONING_TYPEHASH, device, modelId));
        if (_signer(structHash, provisioning) != provisioner) revert DevicesNotProvisioned(device, modelId);
    }

    /**
     * @dev Records a withdrawal of a version (or the whole model) by a regulator, numbered: another regulator's
     * recall while one stands is recorded too, and numbered on, so that a restoration scheduled against the first
     * (even in the same block) no longer matches. The same regulator's withdrawal again is refused: it would only
     * void governance's scheduled restoration.
     */
    function _recordWithdrawal(uint256 modelId, uint16 version, uint32 regulatorId) private returns (uint32 serial) {
        Withdrawal storage w = _storage().withdrawals[modelId][version];
        if (w.withdrawnAt != 0 && w.regulatorId == regulatorId)
            revert DevicesWithdrawalStands(modelId, version, regulatorId);
        serial = w.serial + 1;
        _storage().withdrawals[modelId][version] = Withdrawal(uint40(block.timestamp), regulatorId, serial);
    }

    /**
     * @dev Ends the standing withdrawal of a version (or the whole model) that a restoration names by its number, so
     * that one scheduled before it (or before a later one) cannot undo it; even then, no sooner than the suite's
     * notice period after it (as every undo of the suite), during which the guardian role can cancel it. The number
     * stays, so an old restoration never matches a later withdrawal.
     */
    function _clearWithdrawal(uint256 modelId, uint16 version, uint32 serial) private {
        Withdrawal storage w = _storage().withdrawals[modelId][version];
        uint40 at = w.withdrawnAt;
        if (at == 0 || w.serial != serial)
            revert DevicesWithdrawalMismatch(modelId, version, serial, at == 0 ? 0 : w.serial);
        uint40 restorableAt = at + _participants.onboardingDelay();
        if (block.timestamp < restorableAt) revert DevicesRestoreTooEarly(modelId, at, restorableAt);
        w.withdrawnAt = 0;
        w.regulatorId = 0;
    }

    /// @dev Reverts unless the firmware version of the model is approved and neither is withdrawn.
    function _checkFirmware(uint256 modelId, uint16 firmware) private view {
        if (!isApproved(modelId, firmware)) {
            if (modelId == 0 || modelId > _storage().modelCount) revert DevicesUnknownModel(modelId);
            revert DevicesFirmwareNotApproved(modelId, firmware);
        }
    }

    /// @dev A device bound to the patient acting; reverts otherwise.
    function _patientsDevice(address device, uint64 patientId) private view returns (DeviceData storage d) {
        d = _storage().devices[device];
        if (d.status != DeviceStatus.Bound) revert DevicesNotBound(device, d.status);
        if (d.patientId != patientId) revert DevicesNotPatientsDevice(device, patientId);
    }

    function _readPolicy() private view returns (IReadPolicy policy) {
        policy = _records.readPolicy();
        if (address(policy) == address(0)) revert DevicesNoReadPolicy();
    }

    function _model(uint256 modelId) private view returns (ModelData storage model) {
        model = _storage().models[modelId];
        if (model.regulatorId == 0) revert DevicesUnknownModel(modelId);
    }

    function _storage() private pure returns (DevicesStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
