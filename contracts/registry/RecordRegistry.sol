// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReadPolicy} from "../interfaces/IReadPolicy.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";
import {RecordTypes} from "../libraries/RecordTypes.sol";
import {PackedIdList} from "../libraries/PackedIdList.sol";

/**
 * @title RecordRegistry
 * @notice The registry of electronic medical records. See {IRecordRegistry}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy, upgrades only through the access manager; all state in
 * one ERC-7201 namespace. Gas choices, measured in bench/:
 *  - one record is one packed slot (`Core`, version links included) plus the digest's slot (which makes
 *    duplicates impossible and answers "which record is this document?"); the digest and URI live in the event;
 *  - the record counter, the pause flag and the enabled types share one slot (`Config`), read once per
 *    write; this is why the pause is ours and not OpenZeppelin's PausableUpgradeable (one slot read less);
 *  - the patient's and the issuer's lists are {PackedIdList}s, six ids to a slot;
 *  - the participant directory's address is an immutable of the implementation (it is a proxy whose address
 *    never changes), so it costs no storage read; one call to it answers both "is the caller an active
 *    hospital?" and "how many patient ids exist?", which is all a write needs to check about the patient.
 */
contract RecordRegistry is Initializable, AccessManagedUpgradeable, UUPSUpgradeable, IRecordRegistry {
    using PackedIdList for PackedIdList.List;

    /**
     * @dev slot: patientId (64) | issuer (32) | recordType (8) | issuedAt (32) | supersedes (40) | supersededBy (40) |
     * firstVersion (40). `issuedAt` is kept in 32 bits: it is never in the future (checked at every write), so it
     * fits until 2106, and that leaves room for the first version of an amendment chain in the same slot, which
     * is what makes a chain one treatment for the claim escrow at no extra read.
     */
    struct Core {
        uint64 patientId;
        uint32 issuer;
        uint8 recordType;
        uint32 issuedAt;
        uint40 supersedes;
        uint40 supersededBy;
        uint40 firstVersion;
    }

    /// @dev slot: lastId (40) | recordTypes bitmap (128, bit t set = type t enabled) | pausedAt (40, 0 = not paused)
    struct Config {
        uint40 lastId;
        uint128 recordTypes;
        uint40 pausedAt;
    }

    /// @custom:storage-location erc7201:miip.storage.RecordRegistry
    struct RecordStorage {
        Config config;
        IReadPolicy readPolicy;
        mapping(uint256 recordId => Core) records;
        mapping(bytes32 digest => uint256 recordId) idOfDigest;
        mapping(uint64 patientId => PackedIdList.List) byPatient;
        mapping(uint32 issuer => PackedIdList.List) byIssuer;
        /// @dev The device registry, the one writer of records that are not a hospital's (named once).
        address patientStreams;
        /// @dev Where a record that is not a hospital's comes from (a hospital's record has none: its issuer says).
        mapping(uint256 recordId => SourceData) sources;
        /// @dev Patient-stream digests, per patient (keyed by patient and digest): apart from hospitals' digests, so
        /// that neither can take the other's first.
        mapping(bytes32 patientDigest => uint256 recordId) ownDigests;
    }

    /// @dev A patient-stream record's source and the device's or writer's id. One slot.
    struct SourceData {
        Source source;
        uint64 sourceId;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.RecordRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x74801998a812fc8e82d602af62ee7de6ada5bd2ae34568c01b8887ef25cc2300;

    /// @inheritdoc IRecordRegistry
    uint256 public constant MAX_BATCH = 200;

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IParticipantRegistry private immutable _participants;

    /// @param participants_ The participant directory (its proxy), fixed for this implementation.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_) {
        _participants = participants_;
        _disableInitializers();
    }

    /**
     * @notice Sets the access manager and enables the initial record types; called once through the proxy.
     * @param initialAuthority The suite's access manager.
     * @param recordTypes The record types to enable.
     * @param labels Their names.
     */
    function initialize(
        address initialAuthority,
        uint8[] calldata recordTypes,
        bytes32[] calldata labels
    ) external initializer {
        __AccessManaged_init(initialAuthority);
        for (uint256 i = 0; i < recordTypes.length; ++i) {
            _setRecordType(recordTypes[i], true, labels[i]);
        }
    }

    /// @inheritdoc IRecordRegistry
    function participants() external view returns (IParticipantRegistry) {
        return _participants;
    }

    /// @inheritdoc IRecordRegistry
    function readPolicy() external view returns (IReadPolicy) {
        return _storage().readPolicy;
    }

    /// @inheritdoc IRecordRegistry
    function pausedAt() external view returns (uint40) {
        return _storage().config.pausedAt;
    }

    /// @inheritdoc IRecordRegistry
    function patientStreams() external view returns (address) {
        return _storage().patientStreams;
    }

    /// @inheritdoc IRecordRegistry
    function sourceOf(uint256 recordId) external view returns (Source source, uint64 sourceId) {
        RecordStorage storage $ = _storage();
        Core memory c = _core($, recordId);
        if (c.issuer != 0) return (Source.Hospital, c.issuer);
        SourceData memory data = $.sources[recordId];
        return (data.source, data.sourceId);
    }

    /// @inheritdoc IRecordRegistry
    function paused() external view returns (bool) {
        return _storage().config.pausedAt != 0;
    }

    /// @inheritdoc IRecordRegistry
    function isRecordType(uint8 recordType) public view returns (bool) {
        return RecordTypes.contains(_storage().config.recordTypes, recordType);
    }

    /// @inheritdoc IRecordRegistry
    function recordCount() external view returns (uint256) {
        return _storage().config.lastId;
    }

    /// @inheritdoc IRecordRegistry
    function getRecord(uint256 recordId) external view returns (Record memory) {
        Core memory c = _core(_storage(), recordId);
        return
            Record(
                recordId,
                c.patientId,
                c.issuer,
                c.recordType,
                c.issuedAt,
                c.supersedes,
                c.supersededBy,
                c.firstVersion
            );
    }

    /// @inheritdoc IRecordRegistry
    function recordHeader(
        uint256 recordId
    ) external view returns (uint64 patientId, uint32 issuer, uint8 recordType, uint40 issuedAt) {
        Core memory c = _core(_storage(), recordId);
        return (c.patientId, c.issuer, c.recordType, c.issuedAt);
    }

    /// @inheritdoc IRecordRegistry
    function treatment(
        uint256 recordId
    ) external view returns (uint64 patientId, uint32 issuer, uint8 recordType, uint256 treatmentId, uint40 treatedAt) {
        RecordStorage storage $ = _storage();
        Core memory c = _core($, recordId);
        treatmentId = c.firstVersion;
        // A chain's patient, issuer and type never change (an amendment copies them); its date is the first
        // version's, so an amendment cannot move a treatment into a filing window, a cover or a policy year.
        treatedAt = treatmentId == recordId ? c.issuedAt : $.records[treatmentId].issuedAt;
        return (c.patientId, c.issuer, c.recordType, treatmentId, treatedAt);
    }

    /// @inheritdoc IRecordRegistry
    function recordIdOf(bytes32 digest) external view returns (uint256) {
        return _storage().idOfDigest[digest];
    }

    /// @inheritdoc IRecordRegistry
    function ownRecordIdOf(uint64 patientId, bytes32 digest) external view returns (uint256) {
        return _storage().ownDigests[_ownDigestKey(patientId, digest)];
    }

    /// @inheritdoc IRecordRegistry
    function recordsOfPatient(
        uint64 patientId,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 total) {
        return _storage().byPatient[patientId].page(offset, limit);
    }

    /// @inheritdoc IRecordRegistry
    function recordsOfIssuer(
        uint32 issuer,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 total) {
        return _storage().byIssuer[issuer].page(offset, limit);
    }

    /// @inheritdoc IRecordRegistry
    function canRead(address reader, uint256 recordId, Purpose purpose) external view returns (bool) {
        RecordStorage storage $ = _storage();
        Core memory c = _core($, recordId);
        IParticipantRegistry.Member memory m = _participants.memberOf(reader);
        if (m.status == IParticipantRegistry.Status.Active) {
            if (m.id == c.issuer) return true;
            IReadPolicy policy = $.readPolicy;
            return address(policy) != address(0) && policy.allows(m.id, recordId, c.patientId, c.recordType, purpose);
        }
        // Not an active institution: only the patient, at its current address.
        return _participants.patientAccount(c.patientId) == reader;
    }

    /// @inheritdoc IRecordRegistry
    function register(RecordInput calldata record) external returns (uint256 recordId) {
        RecordStorage storage $ = _storage();
        Config memory config = _writable($);
        (uint32 issuer, , uint64 patients) = _participants.activeInstitutionAndPatients(msg.sender, Kinds.HOSPITAL);
        recordId = config.lastId + 1;
        Core memory core = Core(record.patientId, issuer, record.recordType, 0, 0, 0, uint40(recordId));
        _store(config.recordTypes, patients, 0, recordId, core, record.issuedAt, record.digest, record.uri);
        $.config.lastId = uint40(recordId);
    }

    /// @inheritdoc IRecordRegistry
    function registerBatch(RecordInput[] calldata records) external returns (uint256 firstId) {
        uint256 size = records.length;
        if (size == 0 || size > MAX_BATCH) revert RecordsInvalidBatchSize(size);
        RecordStorage storage $ = _storage();
        Config memory config = _writable($);
        (uint32 issuer, , uint64 patients) = _participants.activeInstitutionAndPatients(msg.sender, Kinds.HOSPITAL);
        firstId = config.lastId + 1;
        for (uint256 i = 0; i < size; ++i) {
            RecordInput calldata r = records[i];
            Core memory core = Core(r.patientId, issuer, r.recordType, 0, 0, 0, uint40(firstId + i));
            _store(config.recordTypes, patients, i, firstId + i, core, r.issuedAt, r.digest, r.uri);
        }
        $.config.lastId = uint40(firstId + size - 1);
    }

    /// @inheritdoc IRecordRegistry
    function amend(
        uint256 recordId,
        bytes32 digest,
        uint40 issuedAt,
        string calldata uri
    ) external returns (uint256 newId) {
        RecordStorage storage $ = _storage();
        Config memory config = _writable($);
        Core memory core = _amendable($, recordId);
        newId = config.lastId + 1;
        // Ids are below 2^40: lastId is a uint40. The patient is the amended record's, so no count is needed.
        core.supersedes = uint40(recordId);
        _store(config.recordTypes, type(uint64).max, 0, newId, core, issuedAt, digest, uri);
        $.config.lastId = uint40(newId);
        $.records[recordId].supersededBy = uint40(newId);
    }

    /// @inheritdoc IRecordRegistry
    function registerSourced(
        RecordInput calldata record,
        Source source,
        uint64 sourceId
    ) external returns (uint256 recordId) {
        RecordStorage storage $ = _storage();
        // Before the device registry is named, patientStreams is zero, which no caller is.
        if (msg.sender != $.patientStreams) revert RecordsNotPatientStreams(msg.sender);
        if (source == Source.Hospital) revert RecordsInvalidSource(source);
        Config memory config = _writable($);
        recordId = config.lastId + 1;
        // Issuer 0: no hospital documented it. The device registry checked the patient (the one acting, or the one
        // that named the writer), so no patient count is needed.
        Core memory core = Core(record.patientId, 0, record.recordType, 0, 0, 0, uint40(recordId));
        _store(config.recordTypes, type(uint64).max, 0, recordId, core, record.issuedAt, record.digest, record.uri);
        $.config.lastId = uint40(recordId);
        $.sources[recordId] = SourceData(source, sourceId);
        emit RecordSourced(recordId, record.patientId, source, sourceId);
    }

    /// @inheritdoc IRecordRegistry
    /// @custom:restricted GOVERNOR
    function setPatientStreams(address streams) external restricted {
        RecordStorage storage $ = _storage();
        if ($.patientStreams != address(0)) revert RecordsPatientStreamsAlreadySet($.patientStreams);
        if (streams == address(0)) revert RecordsNotPatientStreams(streams);
        $.patientStreams = streams;
        emit PatientStreamsSet(streams);
    }

    /// @inheritdoc IRecordRegistry
    /// @custom:restricted GOVERNOR
    function setRecordType(uint8 recordType, bool enabled, bytes32 label) external restricted {
        _setRecordType(recordType, enabled, label);
    }

    /// @inheritdoc IRecordRegistry
    /// @custom:restricted GOVERNOR
    function setReadPolicy(IReadPolicy policy) external restricted {
        _storage().readPolicy = policy;
        emit ReadPolicySet(address(policy));
    }

    /// @inheritdoc IRecordRegistry
    /// @custom:restricted GUARDIAN
    function pause() external restricted {
        Config storage config = _storage().config;
        if (config.pausedAt != 0) revert RecordsPaused();
        config.pausedAt = uint40(block.timestamp);
        emit Paused(msg.sender);
    }

    /// @inheritdoc IRecordRegistry
    /// @custom:restricted GOVERNOR
    function unpause(uint40 pausedAt_) external restricted {
        Config storage config = _storage().config;
        if (config.pausedAt == 0) revert RecordsNotPaused();
        // An unpause scheduled before this pause cannot know its time: its delay did not run after the pause.
        if (config.pausedAt != pausedAt_) revert RecordsPauseMismatch(pausedAt_, config.pausedAt);
        // Even one armed for the right time waits the notice period, during which the guardian can cancel it.
        uint40 resumableAt = pausedAt_ + _participants.onboardingDelay();
        if (block.timestamp < resumableAt) revert RecordsPauseTooRecent(pausedAt_, resumableAt);
        config.pausedAt = 0;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc UUPSUpgradeable
    /// @custom:restricted GOVERNOR
    /// @custom:oz-upgrades-unsafe-allow-reachable delegatecall
    function upgradeToAndCall(address newImplementation, bytes memory data) public payable override {
        // Overridden only so that this contract's compiled documentation names the role: solc does not carry
        // custom NatSpec tags through @inheritdoc. The check itself is {_authorizeUpgrade}'s.
        super.upgradeToAndCall(newImplementation, data);
    }

    /// @dev Upgrades go through the access manager like every other restricted call; see {upgradeToAndCall}.
    function _authorizeUpgrade(address) internal override restricted {}

    /// @dev Validates and stores one record; `index` names the entry in errors, `patients` is the patient count.
    function _store(
        uint128 recordTypes,
        uint64 patients,
        uint256 index,
        uint256 recordId,
        Core memory core,
        uint40 issuedAt,
        bytes32 digest,
        string calldata uri
    ) private {
        _validate(recordTypes, patients, index, core, issuedAt, digest, uri);
        // Fits: checked not to be in the future (see {Core}).
        core.issuedAt = uint32(issuedAt);
        RecordStorage storage $ = _storage();
        _indexDigest($, core, digest, index, recordId);
        $.records[recordId] = core;
        $.byPatient[core.patientId].push(recordId);
        // A patient-stream record has no issuer, and no list of its own: its source's event indexes it.
        if (core.issuer != 0) $.byIssuer[core.issuer].push(recordId);
        emit RecordRegistered(
            recordId,
            core.patientId,
            core.issuer,
            core.recordType,
            issuedAt,
            digest,
            uri,
            core.supersedes
        );
    }

    function _validate(
        uint128 recordTypes,
        uint64 patients,
        uint256 index,
        Core memory core,
        uint40 issuedAt,
        bytes32 digest,
        string calldata uri
    ) private view {
        uint64 patientId = core.patientId;
        if (patientId == 0 || patientId > patients) revert RecordsUnknownPatient(index, patientId);
        if (digest == bytes32(0)) revert RecordsEmptyDigest(index);
        if (bytes(uri).length == 0) revert RecordsEmptyURI(index);
        uint8 recordType = core.recordType;
        if (!RecordTypes.contains(recordTypes, recordType)) revert RecordsUnknownRecordType(index, recordType);
        if (issuedAt == 0 || issuedAt > block.timestamp) revert RecordsInvalidTime(index, issuedAt, block.timestamp);
    }

    /// @dev The record to amend, if the caller is its active issuing hospital and it is the latest version.
    function _amendable(RecordStorage storage $, uint256 recordId) private view returns (Core memory core) {
        (uint32 issuer, ) = _participants.activeInstitution(msg.sender, Kinds.HOSPITAL);
        core = _core($, recordId);
        if (core.issuer != issuer) revert RecordsNotIssuer(recordId, core.issuer, issuer);
        if (core.supersededBy != 0) revert RecordsAlreadySuperseded(recordId, core.supersededBy);
    }

    /**
     * @dev Indexes a new record's digest, refusing a duplicate. A hospital's digest is unique suite-wide; a
     * patient-stream record's within its patient's stream only, so that nobody (any address can become a patient)
     * takes a hospital's digest first and blocks its record.
     */
    function _indexDigest(
        RecordStorage storage $,
        Core memory core,
        bytes32 digest,
        uint256 index,
        uint256 recordId
    ) private {
        mapping(bytes32 => uint256) storage index_ = $.idOfDigest;
        bytes32 key = digest;
        if (core.issuer == 0) {
            index_ = $.ownDigests;
            key = _ownDigestKey(core.patientId, digest);
        }
        uint256 existing = index_[key];
        if (existing != 0) revert RecordsDuplicateDigest(index, digest, existing);
        index_[key] = recordId;
    }

    /// @dev Where a patient-stream record's digest is indexed in {RecordStorage.ownDigests}.
    function _ownDigestKey(uint64 patientId, bytes32 digest) private pure returns (bytes32) {
        return keccak256(abi.encode(patientId, digest));
    }

    function _setRecordType(uint8 recordType, bool enabled, bytes32 label) private {
        if (recordType == 0 || recordType >= RecordTypes.COUNT) revert RecordsInvalidRecordType(recordType);
        Config storage config = _storage().config;
        uint128 bit = uint128(1) << recordType;
        config.recordTypes = enabled ? config.recordTypes | bit : config.recordTypes & ~bit;
        emit RecordTypeSet(recordType, enabled, label);
    }

    /// @dev The config slot, read once per write; reverts while paused.
    function _writable(RecordStorage storage $) private view returns (Config memory config) {
        config = $.config;
        if (config.pausedAt != 0) revert RecordsPaused();
    }

    function _core(RecordStorage storage $, uint256 recordId) private view returns (Core memory c) {
        c = $.records[recordId];
        if (c.patientId == 0) revert RecordsUnknownRecord(recordId);
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() private pure returns (RecordStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
