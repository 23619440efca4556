// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "./IParticipantRegistry.sol";
import {IReadPolicy} from "./IReadPolicy.sol";

/**
 * @title IRecordRegistry
 * @notice Electronic medical records as the chain knows them: who they are about (a patient id, never an
 * address: the patient's address can change, the id cannot), who issued them (a hospital's institution id), their type and time, and the digest of the
 * encrypted document with a pointer to where it lives. Never the document, never a name or a diagnosis.
 * @dev Hospitals write, the patient owns, readers read by the patient's consent. Records are numbered from 1;
 * the id is the thread from hospital to consent to claim to dispensing. The digest and the URI are in the
 * {RecordRegistered} event, which carries everything an indexer needs; storage keeps what later transactions
 * check: patient, issuer, type, time, the digest's uniqueness and the version links.
 */
interface IRecordRegistry {
    /// @notice Why a record is read. The consent contract grants per purpose.
    enum Purpose {
        Treatment,
        InsuranceClaim,
        Research,
        PublicHealth
    }

    /**
     * @notice Where a record comes from, so that a reader can weigh it. Only a hospital's record documents care
     * (the claim escrow pays nothing else); the others are the patient's own stream, written through the device
     * registry: by the patient, from one of its bound devices, or by a writer (an institution) it named.
     */
    enum Source {
        Hospital,
        Patient,
        Device,
        Writer
    }

    /**
     * @notice A record to register.
     * @param patientId The patient's id (see {IPatientDirectory}).
     * @param digest Digest of the encrypted document (for instance its SHA-256).
     * @param recordType A type enabled by governance (1 diagnosis, 2 prescription, 3 lab result, 4 imaging,
     * 5 vaccination, 6 discharge summary, 7 claim document, more added without a redeploy).
     * @param issuedAt When the care the record documents took place (unix time, not in the future).
     * @param uri Where the encrypted document lives: an IPFS CIDv1 (`ipfs://b...`) or another URI.
     */
    struct RecordInput {
        uint64 patientId;
        bytes32 digest;
        uint8 recordType;
        uint40 issuedAt;
        string uri;
    }

    /**
     * @notice A record as stored.
     * @param id The record id.
     * @param patientId The patient's id.
     * @param issuer The issuing hospital's institution id (authorship survives address rotation).
     * @param recordType Its type.
     * @param issuedAt When the documented care took place.
     * @param supersedes The record this one corrects (0 if none).
     * @param supersededBy The record that corrects this one (0 if none).
     * @param firstVersion The first version of its amendment chain (its own id if it amends nothing): the
     * treatment the chain documents, which the claim escrow pays at most once.
     */
    struct Record {
        uint256 id;
        uint64 patientId;
        uint32 issuer;
        uint8 recordType;
        uint40 issuedAt;
        uint256 supersedes;
        uint256 supersededBy;
        uint256 firstVersion;
    }

    /// @notice No patient has this id.
    /// @param index Position in the batch (0 for a single registration).
    /// @param patientId The id.
    error RecordsUnknownPatient(uint256 index, uint64 patientId);

    /// @notice The digest is empty.
    /// @param index Position in the batch.
    error RecordsEmptyDigest(uint256 index);

    /// @notice The URI is empty.
    /// @param index Position in the batch.
    error RecordsEmptyURI(uint256 index);

    /// @notice The record type is not enabled.
    /// @param index Position in the batch.
    /// @param recordType The type.
    error RecordsUnknownRecordType(uint256 index, uint8 recordType);

    /// @notice The time of care is zero or in the future.
    /// @param index Position in the batch.
    /// @param issuedAt The time given.
    /// @param now The block time.
    error RecordsInvalidTime(uint256 index, uint40 issuedAt, uint256 now);

    /// @notice A record with this digest exists already.
    /// @param index Position in the batch.
    /// @param digest The digest.
    /// @param existingId The record that has it.
    error RecordsDuplicateDigest(uint256 index, bytes32 digest, uint256 existingId);

    /// @notice No record has this id.
    /// @param recordId The id.
    error RecordsUnknownRecord(uint256 recordId);

    /// @notice Only the issuing hospital may amend a record.
    /// @param recordId The record.
    /// @param issuer Its issuer.
    /// @param caller The institution id of the caller.
    error RecordsNotIssuer(uint256 recordId, uint32 issuer, uint32 caller);

    /// @notice The record was already corrected; amend the latest version.
    /// @param recordId The record.
    /// @param supersededBy The version that corrects it.
    error RecordsAlreadySuperseded(uint256 recordId, uint256 supersededBy);

    /// @notice An empty batch, or one larger than {MAX_BATCH}.
    /// @param size The batch size.
    error RecordsInvalidBatchSize(uint256 size);

    /// @notice Writes are paused: no record is written until governance unpauses (and pausing again is refused).
    error RecordsPaused();

    /// @notice An unpause was asked while writes are not paused.
    error RecordsNotPaused();

    /**
     * @notice An unpause names another pause than the current one: it was scheduled before the pause it would
     * end, so its delay did not run after that pause.
     * @param named The pause time the unpause names.
     * @param pausedAt The time of the current pause.
     */
    error RecordsPauseMismatch(uint40 named, uint40 pausedAt);

    /**
     * @notice The pause has not stood for the suite's notice period (the directory's onboarding delay) yet.
     * @param pausedAt When writes were paused.
     * @param resumableAt When they can be resumed.
     */
    error RecordsPauseTooRecent(uint40 pausedAt, uint40 resumableAt);

    /// @notice Only the device registry named by governance writes a record that is not a hospital's.
    /// @param caller The caller.
    error RecordsNotPatientStreams(address caller);

    /// @notice The device registry was named already (it is named once, at deployment).
    /// @param current The one named.
    error RecordsPatientStreamsAlreadySet(address current);

    /// @notice A sourced record names `Hospital` as its source: only a hospital's own call registers that.
    /// @param source The source given.
    error RecordsInvalidSource(Source source);

    /// @notice Record type 0 is reserved, and only types below 128 exist.
    /// @param recordType The type.
    error RecordsInvalidRecordType(uint8 recordType);

    /**
     * @notice A record was registered (`supersedes` = 0) or a corrected version issued.
     * @param recordId Its id.
     * @param patientId The patient's id.
     * @param issuer The issuing hospital's institution id.
     * @param recordType Its type.
     * @param issuedAt When the documented care took place.
     * @param digest Digest of the encrypted document.
     * @param uri Where the encrypted document lives.
     * @param supersedes The record it corrects, 0 if none.
     */
    event RecordRegistered(
        uint256 indexed recordId,
        uint64 indexed patientId,
        uint32 indexed issuer,
        uint8 recordType,
        uint40 issuedAt,
        bytes32 digest,
        string uri,
        uint256 supersedes
    );

    /**
     * @notice A record that is not a hospital's said where it comes from (emitted right after its
     * {RecordRegistered}, whose issuer is 0).
     * @param recordId The record.
     * @param patientId The patient.
     * @param source Its source (never `Hospital`).
     * @param sourceId The device's id for a device, the writer's institution id for a writer, 0 for the patient.
     */
    event RecordSourced(uint256 indexed recordId, uint64 indexed patientId, Source source, uint64 indexed sourceId);

    /// @notice Governance named the device registry, the one contract that writes patients' own streams.
    /// @param streams Its address.
    event PatientStreamsSet(address indexed streams);

    /**
     * @notice Governance enabled or disabled a record type.
     * @param recordType The type.
     * @param enabled Whether new records may have it.
     * @param label Its name, e.g. "lab-result".
     */
    event RecordTypeSet(uint8 indexed recordType, bool enabled, bytes32 label);

    /// @notice Governance set the contract answering reads beyond the patient and the issuer (consent).
    /// @param policy The new policy, or zero for none.
    event ReadPolicySet(address indexed policy);

    /// @notice Writes were paused.
    /// @param account Who paused.
    event Paused(address account);

    /// @notice Writes were resumed.
    /// @param account Who resumed.
    event Unpaused(address account);

    /// @notice The most records one batch may register.
    function MAX_BATCH() external view returns (uint256);

    /// @notice The participant directory this registry asks.
    function participants() external view returns (IParticipantRegistry);

    /// @notice The contract answering reads beyond the patient and the issuer (zero: none).
    function readPolicy() external view returns (IReadPolicy);

    /// @notice When writes were paused, or 0 when they are not: what an unpause names.
    function pausedAt() external view returns (uint40);

    /// @notice The device registry that writes patients' own streams (zero until named).
    function patientStreams() external view returns (address);

    /**
     * @notice Where a record comes from: (`Hospital`, the issuer's id) for a hospital's record, else its source
     * and the device's or the writer's id (0 for the patient).
     * @dev Reverts with {RecordsUnknownRecord}.
     * @param recordId The record.
     */
    function sourceOf(uint256 recordId) external view returns (Source source, uint64 sourceId);

    /// @notice Whether writes are paused. Reads never are.
    function paused() external view returns (bool);

    /// @notice Whether new records may have this type.
    /// @param recordType The type.
    function isRecordType(uint8 recordType) external view returns (bool);

    /// @notice Number of records; ids run from 1 to this number.
    function recordCount() external view returns (uint256);

    /// @notice A record by id.
    /// @dev Reverts with {RecordsUnknownRecord}.
    /// @param recordId The record.
    function getRecord(uint256 recordId) external view returns (Record memory);

    /**
     * @notice What other contracts check about a record, in one storage read.
     * @dev Reverts with {RecordsUnknownRecord}.
     * @param recordId The record.
     * @return patientId The patient's id.
     * @return issuer The issuing hospital's institution id.
     * @return recordType Its type.
     * @return issuedAt When the documented care took place.
     */
    function recordHeader(
        uint256 recordId
    ) external view returns (uint64 patientId, uint32 issuer, uint8 recordType, uint40 issuedAt);

    /**
     * @notice The treatment a record documents, as the claim escrow counts it: an amendment chain is one
     * treatment, named by its first version and dated by it.
     * @dev Reverts with {RecordsUnknownRecord}. Patient, issuer and type are the same for every version.
     * @param recordId Any version.
     * @return patientId The patient's id.
     * @return issuer The issuing hospital's institution id.
     * @return recordType Its type.
     * @return treatmentId The chain's first version (the record itself when it was never an amendment).
     * @return treatedAt The first version's date: an amendment corrects the document, not when care took place.
     */
    function treatment(
        uint256 recordId
    ) external view returns (uint64 patientId, uint32 issuer, uint8 recordType, uint256 treatmentId, uint40 treatedAt);

    /// @notice The id of the hospital's record with this digest, 0 if none: the integrity check of a document. A
    /// patient-stream record's digest is indexed within its patient's stream ({ownRecordIdOf}).
    /// @param digest The digest.
    function recordIdOf(bytes32 digest) external view returns (uint256);

    /// @notice The id of the patient-stream record (the patient's, its device's or its writer's) with this digest in
    /// this patient's stream, 0 if none.
    /// @param patientId The patient.
    /// @param digest The digest.
    function ownRecordIdOf(uint64 patientId, bytes32 digest) external view returns (uint256);

    /**
     * @notice A page of a patient's record ids, oldest first.
     * @param patientId The patient.
     * @param offset Index of the first id.
     * @param limit Maximum number of ids.
     * @return ids The page, empty past the end.
     * @return total Number of the patient's records.
     */
    function recordsOfPatient(
        uint64 patientId,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 total);

    /**
     * @notice A page of the record ids an institution issued, oldest first.
     * @param issuer The institution id.
     * @param offset Index of the first id.
     * @param limit Maximum number of ids.
     * @return ids The page, empty past the end.
     * @return total Number of records it issued.
     */
    function recordsOfIssuer(
        uint32 issuer,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 total);

    /**
     * @notice Whether `reader` may read a record for `purpose`: the single question every other contract and
     * every dApp asks. The patient may (at its current address only); the issuing hospital may while active (at whatever address it has
     * rotated to); anyone else only if the read policy (consent) allows it.
     * @dev Reverts with {RecordsUnknownRecord}.
     * @param reader Who wants to read.
     * @param recordId The record.
     * @param purpose Why.
     */
    function canRead(address reader, uint256 recordId, Purpose purpose) external view returns (bool);

    /**
     * @notice An active hospital registers a record for a patient.
     * @dev Reverts with {RecordsPaused}, the participant directory's errors for a caller that is not an
     * active hospital, {RecordsUnknownPatient}, {RecordsEmptyDigest}, {RecordsEmptyURI},
     * {RecordsUnknownRecordType}, {RecordsInvalidTime} or {RecordsDuplicateDigest}. Emits {RecordRegistered}.
     * @param record The record.
     * @return recordId Its id.
     */
    function register(RecordInput calldata record) external returns (uint256 recordId);

    /**
     * @notice Registers several records in one transaction; all of them or none.
     * @dev As {register}, with the offending entry's index in the error; and {RecordsInvalidBatchSize}.
     * @param records The records.
     * @return firstId The id of the first; the others follow consecutively.
     */
    function registerBatch(RecordInput[] calldata records) external returns (uint256 firstId);

    /**
     * @notice The issuing hospital issues a corrected version of a record: same patient and type, a new
     * document; the old record stays readable as history.
     * @dev Reverts as {register}, plus {RecordsUnknownRecord}, {RecordsNotIssuer} and
     * {RecordsAlreadySuperseded}. Emits {RecordRegistered} with `supersedes` set.
     * @param recordId The latest version of the record.
     * @param digest Digest of the corrected encrypted document.
     * @param issuedAt When the documented care took place.
     * @param uri Where the corrected document lives.
     * @return newId The corrected version's id.
     */
    function amend(
        uint256 recordId,
        bytes32 digest,
        uint40 issuedAt,
        string calldata uri
    ) external returns (uint256 newId);

    /**
     * @notice The device registry writes a record of a patient's own stream: its issuer is 0 (no hospital
     * documented it, so it is never a treatment and nobody amends it) and its source is stored. The registry
     * checked who writes for the patient; this contract checks the record as {register} does.
     * @dev Reverts with {RecordsPaused}, {RecordsNotPatientStreams}, {RecordsInvalidSource}, or as {register}.
     * Emits {RecordRegistered} and {RecordSourced}.
     * @param record The record.
     * @param source Its source (not `Hospital`).
     * @param sourceId The device's or the writer's id, 0 for the patient.
     * @return recordId Its id.
     */
    function registerSourced(
        RecordInput calldata record,
        Source source,
        uint64 sourceId
    ) external returns (uint256 recordId);

    /**
     * @notice Names the device registry, once (at deployment, before this function goes to its role).
     * @dev Reverts with {RecordsPatientStreamsAlreadySet}, or {RecordsNotPatientStreams} for zero. Emits
     * {PatientStreamsSet}.
     * @param streams The device registry (its proxy).
     * @custom:restricted GOVERNOR
     */
    function setPatientStreams(address streams) external;

    /**
     * @notice Enables or disables a record type for new records (existing records keep theirs).
     * @dev Reverts with {RecordsInvalidRecordType}. Emits {RecordTypeSet}.
     * @param recordType The type, 1 to 127.
     * @param enabled Whether new records may have it.
     * @param label Its name.
     * @custom:restricted GOVERNOR
     */
    function setRecordType(uint8 recordType, bool enabled, bytes32 label) external;

    /**
     * @notice Sets the contract that answers reads beyond the patient and the issuer.
     * @dev Emits {ReadPolicySet}.
     * @param policy The consent contract, or zero.
     * @custom:restricted GOVERNOR
     */
    function setReadPolicy(IReadPolicy policy) external;

    /// @notice Pauses writes.
    /// @dev Reverts with {RecordsPaused}. Emits {Paused}.
    /// @custom:restricted GUARDIAN
    function pause() external;

    /**
     * @notice Resumes writes, after the governor's public delay and no sooner than the suite's notice period (the
     * directory's onboarding delay) after the pause. The call names the pause it ends (its time, from
     * {pausedAt}), so that an unpause armed for another pause fails and the guardian role can tell which
     * scheduled unpause to cancel.
     * @dev Reverts with {RecordsNotPaused}, {RecordsPauseMismatch} or {RecordsPauseTooRecent}. Emits {Unpaused}.
     * @custom:restricted GOVERNOR
     * @param pausedAt The time of the pause ended.
     */
    function unpause(uint40 pausedAt) external;
}
