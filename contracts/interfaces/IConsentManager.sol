// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "./IParticipantRegistry.sol";
import {IReadPolicy} from "./IReadPolicy.sol";
import {IRecordRegistry} from "./IRecordRegistry.sol";

/**
 * @title IConsentManager
 * @notice The patient's consent: who may read which of the patient's records, for what, until when; guardians
 * who act for a patient; break-glass emergency access; and the access trail that no one can alter.
 * @dev A grant gives one institution (by its permanent id, so it follows address rotation) one purpose over
 * one scope: all the patient's records, one record type, or one record. Granting several types or records
 * in one call creates one grant per item. A grant's id is derived from what it is:
 * `keccak256(abi.encode(patient, granteeId, purpose, scopeKind, scopeRef))`, so granting the same thing again
 * updates it in place and different purposes coexist. Each grant keeps a version, bumped by every change; a
 * signed consent names the version it expects as its nonce, which makes replays, reused nonces and cancelled
 * signatures fail without any extra storage.
 *
 * This contract is the record registry's read policy: `RecordRegistry.canRead` asks {allows} for every reader
 * other than the patient and the issuing hospital, and the other contracts of the suite ask `canRead`.
 */
interface IConsentManager is IReadPolicy {
    /// @notice What a grant covers. `Emergency` is the break-glass entry of a hospital.
    enum ScopeKind {
        AllRecords,
        RecordType,
        Record,
        Emergency
    }

    /**
     * @notice A grant as stored, in one slot: patient (160) | expiresAt (40) | version (48) | revoked (8).
     * @param patient Whose records.
     * @param expiresAt Last second at which it is live (0 once revoked or closed).
     * @param version Bumped by every change; the nonce a signed consent must name.
     * @param revoked Whether the patient (or guardian) revoked it.
     */
    struct Grant {
        address patient;
        uint40 expiresAt;
        uint48 version;
        bool revoked;
    }

    /**
     * @notice What a patient (or guardian, or signature) consents to.
     * @param patient Whose records.
     * @param grantee The institution's current address (the grant is stored against its permanent id).
     * @param purpose Why the grantee may read: treatment, insurance claim, research, public health.
     * @param scopeKind AllRecords, RecordType or Record.
     * @param scope The record types or record ids (empty for AllRecords).
     * @param expiresAt Last second of the grant; in the future.
     */
    struct GrantRequest {
        address patient;
        address grantee;
        IRecordRegistry.Purpose purpose;
        ScopeKind scopeKind;
        uint256[] scope;
        uint40 expiresAt;
    }

    /// @notice The caller is neither the patient nor the patient's guardian.
    /// @param caller Who called.
    /// @param patient The patient.
    error ConsentNotPatientOrGuardian(address caller, address patient);

    /// @notice The grantee is not an active institution (unknown, suspended or retired).
    /// @param grantee The address.
    /// @param status Its status in the participant directory.
    error ConsentGranteeNotActive(address grantee, IParticipantRegistry.Status status);

    /// @notice The expiry is not in the future.
    /// @param expiresAt The expiry given.
    /// @param now The block time.
    error ConsentExpiryNotInFuture(uint40 expiresAt, uint256 now);

    /// @notice A RecordType or Record grant without types or records, or an AllRecords grant with some.
    /// @param scopeKind The scope kind.
    error ConsentInvalidScopeSize(ScopeKind scopeKind);

    /// @notice The scope kind is not one a patient grants: `Emergency` is opened by a hospital with {openEmergency}.
    /// @param scopeKind The scope kind.
    error ConsentScopeNotGrantable(ScopeKind scopeKind);

    /// @notice A record type in the scope is not a valid type (1 to 127).
    /// @param recordType The type.
    error ConsentInvalidRecordType(uint256 recordType);

    /// @notice A record in the scope is not the patient's.
    /// @param recordId The record.
    /// @param patient The patient.
    error ConsentRecordNotPatients(uint256 recordId, address patient);

    /// @notice No grant has this id.
    /// @param grantId The id.
    error ConsentUnknownGrant(bytes32 grantId);

    /// @notice The grant is already revoked.
    /// @param grantId The id.
    error ConsentAlreadyRevoked(bytes32 grantId);

    /// @notice The signed consent's deadline has passed.
    /// @param deadline The deadline.
    /// @param now The block time.
    error ConsentSignatureExpired(uint256 deadline, uint256 now);

    /// @notice The signature is not the patient's for this consent, chain and contract.
    /// @param patient The patient it should be from.
    error ConsentInvalidSignature(address patient);

    /// @notice The signed nonce is not the grant's current version (used, cancelled, or superseded).
    /// @param grantId The first grant of the request.
    /// @param expected The current version.
    /// @param given The signed nonce.
    error ConsentInvalidNonce(bytes32 grantId, uint48 expected, uint48 given);

    /// @notice A patient cannot be their own guardian.
    /// @param guardian The address given.
    error ConsentInvalidGuardian(address guardian);

    /// @notice The emergency window must be between one hour and seven days.
    /// @param window The window given, in seconds.
    error ConsentInvalidEmergencyWindow(uint256 window);

    /// @notice This hospital already has open emergency access to the patient.
    /// @param patient The patient.
    /// @param hospitalId The hospital.
    /// @param expiresAt When it closes.
    error ConsentEmergencyAlreadyOpen(address patient, uint32 hospitalId, uint40 expiresAt);

    /// @notice There is no open emergency access to close.
    /// @param patient The patient.
    /// @param hospitalId The hospital.
    error ConsentNoOpenEmergency(address patient, uint32 hospitalId);

    /// @notice The reader is not an active institution.
    /// @param reader The address.
    /// @param status Its status in the participant directory.
    error ConsentInactiveReader(address reader, IParticipantRegistry.Status status);

    /// @notice The reader holds no live grant (or emergency access) covering this record and purpose.
    /// @param reader The reader.
    /// @param recordId The record.
    /// @param purpose The purpose.
    error ConsentNoLiveRight(address reader, uint256 recordId, IRecordRegistry.Purpose purpose);

    /**
     * @notice A grant was created or renewed.
     * @param grantId Its id.
     * @param patient Whose records.
     * @param granteeId The institution's id.
     * @param purpose The purpose.
     * @param scopeKind The scope kind.
     * @param scopeRef The record type or record id (0 for AllRecords).
     * @param expiresAt Its expiry.
     * @param version Its version after this change.
     * @param by Who acted: the patient, the guardian, or the submitter of a signed consent.
     */
    event ConsentGranted(
        bytes32 indexed grantId,
        address indexed patient,
        uint32 indexed granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef,
        uint40 expiresAt,
        uint48 version,
        address by
    );

    /**
     * @notice A grant was revoked; effective in this block.
     * @param grantId Its id.
     * @param patient Whose records.
     * @param by The patient or the guardian.
     */
    event ConsentRevoked(bytes32 indexed grantId, address indexed patient, address by);

    /**
     * @notice A patient cancelled an unused signed consent by bumping the grant's version.
     * @param grantId The grant the signature named.
     * @param patient The patient.
     * @param version The grant's new version.
     */
    event ConsentNonceCancelled(bytes32 indexed grantId, address indexed patient, uint48 version);

    /**
     * @notice A patient appointed (or removed: zero) a guardian.
     * @param patient The patient.
     * @param guardian The guardian.
     */
    event GuardianSet(address indexed patient, address indexed guardian);

    /**
     * @notice A hospital opened break-glass access to a patient's records for treatment.
     * @param patient The patient.
     * @param hospitalId The hospital.
     * @param reasonCode Why, as a code (no free text on chain).
     * @param expiresAt When it closes by itself.
     * @param hospitalCount How many times this hospital has opened emergency access, this one included.
     */
    event EmergencyAccessOpened(
        address indexed patient,
        uint32 indexed hospitalId,
        bytes32 reasonCode,
        uint40 expiresAt,
        uint256 hospitalCount
    );

    /**
     * @notice The patient (or guardian) closed emergency access.
     * @param patient The patient.
     * @param hospitalId The hospital.
     * @param by The patient or the guardian.
     */
    event EmergencyAccessClosed(address indexed patient, uint32 indexed hospitalId, address by);

    /**
     * @notice Governance changed the length of emergency access.
     * @param window The new window, in seconds.
     */
    event EmergencyWindowSet(uint256 window);

    /**
     * @notice An institution read a record under a grant or emergency access.
     * @param patient Whose record.
     * @param recordId The record.
     * @param readerId The institution's id.
     * @param purpose The purpose.
     * @param basis The grant id it read under (the emergency entry's id for break-glass).
     */
    event AccessLogged(
        address indexed patient,
        uint256 indexed recordId,
        uint32 indexed readerId,
        IRecordRegistry.Purpose purpose,
        bytes32 basis
    );

    /// @notice The EIP-712 type hash of a signed consent (see config/eip712.ts).
    // solhint-disable-next-line func-name-mixedcase
    function CONSENT_TYPEHASH() external view returns (bytes32);

    /// @notice The id of the grant of `patient` to institution `granteeId` for `purpose` over one scope item.
    /// @param patient Whose records.
    /// @param granteeId The institution's id.
    /// @param purpose The purpose.
    /// @param scopeKind The scope kind.
    /// @param scopeRef The record type or record id (0 for AllRecords and Emergency).
    function grantIdOf(
        address patient,
        uint32 granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef
    ) external pure returns (bytes32);

    /// @notice A grant by id (zeros if none).
    /// @param grantId The id.
    function getGrant(bytes32 grantId) external view returns (Grant memory);

    /// @notice Whether a grant is live now: exists, not revoked, not expired.
    /// @param grantId The id.
    function isLive(bytes32 grantId) external view returns (bool);

    /// @notice The patient's guardian (zero if none).
    /// @param patient The patient.
    function guardianOf(address patient) external view returns (address);

    /// @notice How long emergency access lasts, in seconds.
    function emergencyWindow() external view returns (uint256);

    /// @notice How many times a hospital has opened emergency access.
    /// @param hospitalId The hospital.
    function emergencyCount(uint32 hospitalId) external view returns (uint256);

    /**
     * @notice The patient, or the patient's guardian, grants access.
     * @dev Reverts with {ConsentNotPatientOrGuardian}, {ConsentScopeNotGrantable}, {ConsentGranteeNotActive},
     * {ConsentExpiryNotInFuture}, {ConsentInvalidScopeSize}, {ConsentInvalidRecordType} or
     * {ConsentRecordNotPatients}; a purpose or scope kind outside its enum fails ABI decoding. Emits
     * {ConsentGranted} per scope item.
     * @param request What is granted.
     * @return grantIds One id per scope item.
     */
    function grant(GrantRequest calldata request) external returns (bytes32[] memory grantIds);

    /**
     * @notice Anyone submits a consent the patient signed off chain (EIP-712, or ERC-1271 for contract wallets),
     * so the patient needs no ETH.
     * @dev As {grant}, plus {ConsentSignatureExpired}, {ConsentInvalidNonce} and {ConsentInvalidSignature}.
     * @param request What is granted.
     * @param nonce The current version of the request's first grant.
     * @param deadline Last second at which the signature may be submitted.
     * @param signature The patient's signature over the typed data.
     * @return grantIds One id per scope item.
     */
    function grantBySig(
        GrantRequest calldata request,
        uint48 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32[] memory grantIds);

    /**
     * @notice The patient, or the guardian, revokes a grant, effective in this block.
     * @dev Reverts with {ConsentUnknownGrant}, {ConsentNotPatientOrGuardian} or {ConsentAlreadyRevoked}.
     * Emits {ConsentRevoked}.
     * @param grantId The grant.
     */
    function revoke(bytes32 grantId) external;

    /**
     * @notice The patient, or the guardian, cancels an unused signed consent by bumping the version of the
     * grant it names first. The grant is named by its parts, not its id, so that nobody can bump another
     * patient's grants.
     * @dev Reverts with {ConsentNotPatientOrGuardian}. Emits {ConsentNonceCancelled}.
     * @param patient The patient.
     * @param granteeId The institution's id.
     * @param purpose The purpose.
     * @param scopeKind The scope kind.
     * @param scopeRef The record type or record id (0 for AllRecords).
     */
    function cancelNonce(
        address patient,
        uint32 granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef
    ) external;

    /**
     * @notice The patient appoints a guardian (a parent, a caregiver) who may grant and revoke on their behalf,
     * or removes the guardian with zero. Only the patient: a guardian cannot appoint another.
     * @dev Reverts with {ConsentInvalidGuardian}. Emits {GuardianSet}.
     * @param guardian The guardian, or zero.
     */
    function setGuardian(address guardian) external;

    /**
     * @notice An active hospital opens break-glass access to a patient's records, for treatment, for the
     * emergency window, when the patient cannot consent. Loud by design: an event the patient and the public
     * health agency watch, and a per-hospital counter.
     * @dev Reverts with the participant directory's errors for a caller that is not an active hospital, or
     * {ConsentEmergencyAlreadyOpen}. Emits {EmergencyAccessOpened}.
     * @param patient The patient.
     * @param reasonCode Why, as a code.
     * @return expiresAt When it closes by itself.
     */
    function openEmergency(address patient, bytes32 reasonCode) external returns (uint40 expiresAt);

    /**
     * @notice The patient, or the guardian, closes a hospital's emergency access at once.
     * @dev Reverts with {ConsentNotPatientOrGuardian} or {ConsentNoOpenEmergency}. Emits {EmergencyAccessClosed}.
     * @param patient The patient.
     * @param hospitalId The hospital.
     */
    function closeEmergency(address patient, uint32 hospitalId) external;

    /**
     * @notice An institution records, in an event nobody can alter, that it read a record under a live grant or
     * emergency access.
     * @dev Reverts with {ConsentInactiveReader}, `RecordsUnknownRecord`, or {ConsentNoLiveRight}.
     * Emits {AccessLogged}.
     * @param recordId The record read.
     * @param purpose Why.
     */
    function logAccess(uint256 recordId, IRecordRegistry.Purpose purpose) external;

    /**
     * @notice Records several reads in one transaction; all of them or none.
     * @dev As {logAccess}.
     * @param recordIds The records read.
     * @param purpose Why.
     */
    function logAccessBatch(uint256[] calldata recordIds, IRecordRegistry.Purpose purpose) external;

    /**
     * @notice Sets how long emergency access lasts.
     * @dev Reverts with {ConsentInvalidEmergencyWindow}. Emits {EmergencyWindowSet}.
     * @param window Seconds, from one hour to seven days.
     * @custom:restricted GOVERNOR
     */
    function setEmergencyWindow(uint256 window) external;
}
