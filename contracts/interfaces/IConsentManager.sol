// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "./IParticipantRegistry.sol";
import {IReadPolicy} from "./IReadPolicy.sol";
import {IRecordRegistry} from "./IRecordRegistry.sol";

/**
 * @title IConsentManager
 * @notice The patient's consent: who may read which of the patient's records, for what, until when; bounded
 * break-glass emergency access; and the access trail that no one can alter.
 * @dev Everything is keyed by the patient's id, so a rotation or a recovery of the patient's address changes
 * nothing here. A grant gives one institution (by its permanent id, so it follows address rotation) one purpose
 * over one scope: all the patient's records, one record type, or one record. Granting several types or records
 * in one call creates one grant per item. A grant's id is derived from what it is:
 * `keccak256(abi.encode(patientId, granteeId, purpose, scopeKind, scopeRef))`, so granting the same thing again
 * updates it in place and different purposes coexist. Each grant keeps a version, bumped by every change; a
 * signed consent names the version it expects as its nonce, which makes replays, reused nonces and cancelled
 * signatures fail without any extra storage.
 *
 * Patient actions (grant, revoke, cancel a signature, close or block emergency access) come only through the
 * participant directory's gateway, which names the patient and the actor: the patient's own key, or a guardian
 * the patient gave the act power. They can be relayed, so the patient needs no ETH. A signed consent presented
 * by the grantee ({grantBySig}) is the other way in, for the patient's key only.
 *
 * Break-glass is bounded: a patient (or guardian) can close a hospital's emergency access and block that
 * hospital, or block named hospitals in advance; a hospital opens at most {EMERGENCY_CAP} times per
 * {EMERGENCY_PERIOD} per patient; every opening must be justified (the digest of an encrypted note kept off
 * chain) within {JUSTIFICATION_WINDOW}, and a missed justification is flagged publicly for the regulator.
 *
 * This contract is the record registry's read policy: `RecordRegistry.canRead` asks {allows} for every active
 * institution other than the issuing hospital.
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
     * @notice A grant as stored: patientId (64) | expiresAt (40) | version (48) | revoked (8), sharing its slot
     * with the emergency fields of {EmergencyState} for break-glass entries.
     * @param patientId Whose records (zero: no such grant).
     * @param expiresAt Last second at which it is live.
     * @param version Bumped by every change; the nonce a signed consent must name.
     * @param revoked Whether the patient (or a guardian) revoked or closed it.
     */
    struct Grant {
        uint64 patientId;
        uint40 expiresAt;
        uint48 version;
        bool revoked;
    }

    /**
     * @notice The bounds of one hospital's break-glass access to one patient.
     * @param periodStart When the current counting period started (periods are {EMERGENCY_PERIOD} long and
     * start at the first opening after the previous one ended).
     * @param openings Openings in the current period.
     * @param blocked Whether the patient blocked this hospital's break-glass access.
     * @param justifyBy The deadline of the justification owed for the openings so far (zero: none owed).
     */
    struct EmergencyState {
        uint40 periodStart;
        uint8 openings;
        bool blocked;
        uint40 justifyBy;
    }

    /**
     * @notice What a patient (or guardian, or signature) consents to.
     * @param patientId Whose records.
     * @param grantee The institution's current address (the grant is stored against its permanent id).
     * @param purpose Why the grantee may read: treatment, insurance claim, research, public health.
     * @param scopeKind AllRecords, RecordType or Record.
     * @param scope The record types or record ids (empty for AllRecords).
     * @param expiresAt Last second of the grant; in the future.
     */
    struct GrantRequest {
        uint64 patientId;
        address grantee;
        IRecordRegistry.Purpose purpose;
        ScopeKind scopeKind;
        uint256[] scope;
        uint40 expiresAt;
    }

    /// @notice The request names another patient than the one the gateway says is acting.
    /// @param acting The patient acting.
    /// @param named The patient the request names.
    error ConsentPatientMismatch(uint64 acting, uint64 named);

    /// @notice The grant is another patient's.
    /// @param grantId The grant.
    /// @param acting The patient acting.
    error ConsentNotPatientsGrant(bytes32 grantId, uint64 acting);

    /// @notice The grantee is not an active institution.
    /// @param grantee The address given.
    /// @param status Its status.
    error ConsentGranteeNotActive(address grantee, IParticipantRegistry.Status status);

    /// @notice The expiry is not in the future.
    /// @param expiresAt The expiry given.
    /// @param now The block's time.
    error ConsentExpiryNotInFuture(uint40 expiresAt, uint256 now);

    /// @notice AllRecords takes no scope items; RecordType and Record take at least one.
    /// @param scopeKind The scope kind.
    error ConsentInvalidScopeSize(ScopeKind scopeKind);

    /// @notice Emergency entries are opened by hospitals, not granted.
    /// @param scopeKind The scope kind.
    error ConsentScopeNotGrantable(ScopeKind scopeKind);

    /// @notice A record type outside 1..127.
    /// @param recordType The type.
    error ConsentInvalidRecordType(uint256 recordType);

    /// @notice The record is not the patient's.
    /// @param recordId The record.
    /// @param patientId The patient.
    error ConsentRecordNotPatients(uint256 recordId, uint64 patientId);

    /// @notice No grant has this id (a cancelled nonce and a break-glass entry are not grants: the latter is
    /// closed with {closeEmergency}).
    /// @param grantId The id.
    error ConsentUnknownGrant(bytes32 grantId);

    /// @notice The grant is already revoked.
    /// @param grantId The id.
    error ConsentAlreadyRevoked(bytes32 grantId);

    /// @notice The signature's deadline has passed.
    /// @param deadline The deadline.
    /// @param now The block's time.
    error ConsentSignatureExpired(uint256 deadline, uint256 now);

    /// @notice The signature is not the patient's current key's (ECDSA or ERC-1271).
    /// @param signer The patient's current address.
    error ConsentInvalidSignature(address signer);

    /// @notice The nonce is not the grant's current version (replayed, cancelled or stale).
    /// @param grantId The request's first grant.
    /// @param expected Its version.
    /// @param given The nonce signed.
    error ConsentInvalidNonce(bytes32 grantId, uint48 expected, uint48 given);

    /// @notice The emergency window is outside one hour to seven days.
    /// @param window The window given.
    error ConsentInvalidEmergencyWindow(uint256 window);

    /// @notice No patient has this id.
    /// @param patientId The id.
    error ConsentUnknownPatient(uint64 patientId);

    /// @notice The hospital's emergency access to the patient is already open.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    /// @param expiresAt When it closes.
    error ConsentEmergencyAlreadyOpen(uint64 patientId, uint32 hospitalId, uint40 expiresAt);

    /// @notice The hospital has no open emergency access to the patient.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    error ConsentNoOpenEmergency(uint64 patientId, uint32 hospitalId);

    /// @notice The patient blocked this hospital's break-glass access.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    error ConsentEmergencyBlocked(uint64 patientId, uint32 hospitalId);

    /// @notice The hospital opened emergency access to the patient {EMERGENCY_CAP} times this period.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    /// @param periodEndsAt When the period ends.
    error ConsentEmergencyCapReached(uint64 patientId, uint32 hospitalId, uint40 periodEndsAt);

    /// @notice The hospital owes no justification for the patient.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    error ConsentNothingToJustify(uint64 patientId, uint32 hospitalId);

    /// @notice The justification comes after its deadline: the opening is (or can be) flagged instead.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    /// @param justifyBy The deadline.
    error ConsentJustificationLate(uint64 patientId, uint32 hospitalId, uint40 justifyBy);

    /// @notice The justification's deadline has not passed: nothing to flag yet.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    /// @param justifyBy The deadline.
    error ConsentJustificationNotDue(uint64 patientId, uint32 hospitalId, uint40 justifyBy);

    /// @notice A justification must be the digest of a note, not zero.
    error ConsentEmptyJustification();

    /// @notice The reader has no live grant or emergency access covering the record and purpose.
    /// @param reader The reader's address.
    /// @param recordId The record.
    /// @param purpose The purpose.
    error ConsentNoLiveRight(address reader, uint256 recordId, IRecordRegistry.Purpose purpose);

    /**
     * @notice A grant was created or renewed.
     * @param grantId Its id.
     * @param patientId Whose records.
     * @param granteeId The institution's id.
     * @param purpose The purpose.
     * @param scopeKind The scope kind.
     * @param scopeRef The record type or record id (0 for AllRecords).
     * @param expiresAt Its expiry.
     * @param version Its version after this change.
     * @param actor Who consented: zero for the patient's key (directly or by signature), else the guardian's
     * commitment.
     */
    event ConsentGranted(
        bytes32 indexed grantId,
        uint64 indexed patientId,
        uint32 indexed granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef,
        uint40 expiresAt,
        uint48 version,
        bytes32 actor
    );

    /**
     * @notice A grant was revoked; effective in this block.
     * @param grantId Its id.
     * @param patientId Whose records.
     * @param actor Zero for the patient's key, else the guardian's commitment.
     */
    event ConsentRevoked(bytes32 indexed grantId, uint64 indexed patientId, bytes32 actor);

    /**
     * @notice A patient cancelled an unused signed consent by bumping the grant's version.
     * @param grantId The grant the signature named.
     * @param patientId The patient.
     * @param version The grant's new version.
     */
    event ConsentNonceCancelled(bytes32 indexed grantId, uint64 indexed patientId, uint48 version);

    /**
     * @notice A hospital opened break-glass access to a patient's records for treatment: the patient's app and
     * the regulator watch this event.
     * @param patientId The patient.
     * @param hospitalId The hospital.
     * @param reasonCode Why, as a code (no free text on chain).
     * @param expiresAt When it closes by itself.
     * @param justifyBy When the hospital's justification is due.
     * @param openings Openings by this hospital for this patient in the current period, this one included.
     * @param hospitalCount How many times this hospital has opened emergency access, this one included.
     */
    event EmergencyAccessOpened(
        uint64 indexed patientId,
        uint32 indexed hospitalId,
        bytes32 reasonCode,
        uint40 expiresAt,
        uint40 justifyBy,
        uint8 openings,
        uint256 hospitalCount
    );

    /**
     * @notice The patient (or a guardian) closed a hospital's emergency access.
     * @param patientId The patient.
     * @param hospitalId The hospital.
     * @param actor Zero for the patient's key, else the guardian's commitment.
     */
    event EmergencyAccessClosed(uint64 indexed patientId, uint32 indexed hospitalId, bytes32 actor);

    /**
     * @notice The patient (or a guardian) blocked or unblocked a hospital's break-glass access.
     * @param patientId The patient.
     * @param hospitalId The hospital.
     * @param blocked Whether it is blocked now.
     * @param actor Zero for the patient's key, else the guardian's commitment.
     */
    event EmergencyBlockSet(uint64 indexed patientId, uint32 indexed hospitalId, bool blocked, bytes32 actor);

    /**
     * @notice A hospital justified its emergency openings for a patient in time.
     * @param patientId The patient.
     * @param hospitalId The hospital.
     * @param justification Digest of the encrypted note kept off chain.
     */
    event EmergencyJustified(uint64 indexed patientId, uint32 indexed hospitalId, bytes32 justification);

    /**
     * @notice A hospital missed the deadline to justify its emergency openings for a patient: public, for the
     * regulator.
     * @param patientId The patient.
     * @param hospitalId The hospital.
     * @param justifyBy The deadline it missed.
     * @param hospitalMissed How many justifications this hospital has missed, this one included.
     */
    event EmergencyJustificationMissed(
        uint64 indexed patientId,
        uint32 indexed hospitalId,
        uint40 justifyBy,
        uint256 hospitalMissed
    );

    /**
     * @notice Governance changed the length of emergency access.
     * @param window The new window, in seconds.
     */
    event EmergencyWindowSet(uint256 window);

    /**
     * @notice An institution read a record under a grant or emergency access.
     * @param patientId Whose record.
     * @param recordId The record.
     * @param readerId The institution's id.
     * @param purpose The purpose.
     * @param basis The grant id it read under (the emergency entry's id for break-glass).
     */
    event AccessLogged(
        uint64 indexed patientId,
        uint256 indexed recordId,
        uint32 indexed readerId,
        IRecordRegistry.Purpose purpose,
        bytes32 basis
    );

    /// @notice The EIP-712 type hash of a signed consent (see config/eip712.ts).
    // solhint-disable-next-line func-name-mixedcase
    function CONSENT_TYPEHASH() external view returns (bytes32);

    /// @notice The most times a hospital may open emergency access to one patient in one period.
    // solhint-disable-next-line func-name-mixedcase
    function EMERGENCY_CAP() external view returns (uint8);

    /// @notice The period over which {EMERGENCY_CAP} counts, in seconds.
    // solhint-disable-next-line func-name-mixedcase
    function EMERGENCY_PERIOD() external view returns (uint40);

    /// @notice Seconds a hospital has, from an opening, to justify it.
    // solhint-disable-next-line func-name-mixedcase
    function JUSTIFICATION_WINDOW() external view returns (uint40);

    /// @notice The id of the grant of patient `patientId` to institution `granteeId` for `purpose` over one
    /// scope item.
    /// @param patientId Whose records.
    /// @param granteeId The institution's id.
    /// @param purpose The purpose.
    /// @param scopeKind The scope kind.
    /// @param scopeRef The record type or record id (0 for AllRecords and Emergency).
    function grantIdOf(
        uint64 patientId,
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

    /// @notice The bounds of a hospital's break-glass access to a patient (zeros if it never opened or was
    /// never blocked).
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    function emergencyState(uint64 patientId, uint32 hospitalId) external view returns (EmergencyState memory);

    /// @notice How long emergency access lasts, in seconds.
    function emergencyWindow() external view returns (uint256);

    /// @notice How many times a hospital has opened emergency access.
    /// @param hospitalId The hospital.
    function emergencyCount(uint32 hospitalId) external view returns (uint256);

    /// @notice How many emergency justifications a hospital missed (flagged with {flagMissedJustification}, or
    /// by its next opening).
    /// @param hospitalId The hospital.
    function missedJustifications(uint32 hospitalId) external view returns (uint256);

    /**
     * @notice The patient, or a guardian with the act power, grants access. Through the directory's gateway.
     * @dev Reverts with `PatientsNotThroughGateway`, `PatientsGuardianLacksPower`, {ConsentPatientMismatch},
     * {ConsentScopeNotGrantable}, {ConsentGranteeNotActive}, {ConsentExpiryNotInFuture},
     * {ConsentInvalidScopeSize}, {ConsentInvalidRecordType} or {ConsentRecordNotPatients}; a purpose or scope
     * kind outside its enum fails ABI decoding. Emits {ConsentGranted} per scope item.
     * @param request What is granted.
     * @return grantIds One id per scope item.
     */
    function grant(GrantRequest calldata request) external returns (bytes32[] memory grantIds);

    /**
     * @notice Anyone (typically the grantee) submits a consent the patient's current key signed off chain
     * (EIP-712, or ERC-1271 for contract wallets), so the patient needs no ETH.
     * @dev As {grant} (but any caller), plus `PatientsUnknownPatient`, {ConsentSignatureExpired},
     * {ConsentInvalidNonce} and {ConsentInvalidSignature}.
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
     * @notice The patient, or a guardian with the act power, revokes a grant, effective in this block. Through
     * the gateway.
     * @dev Reverts with `PatientsNotThroughGateway`, `PatientsGuardianLacksPower`, {ConsentUnknownGrant},
     * {ConsentNotPatientsGrant} or {ConsentAlreadyRevoked}. Emits {ConsentRevoked}.
     * @param grantId The grant.
     */
    function revoke(bytes32 grantId) external;

    /**
     * @notice The patient, or a guardian with the act power, cancels an unused signed consent by bumping the
     * version of the grant it names first. Through the gateway: the patient is the one acting, so nobody can
     * bump another patient's grants.
     * @dev Reverts with `PatientsNotThroughGateway` or `PatientsGuardianLacksPower`. Emits
     * {ConsentNonceCancelled}.
     * @param granteeId The institution's id.
     * @param purpose The purpose.
     * @param scopeKind The scope kind.
     * @param scopeRef The record type or record id (0 for AllRecords).
     */
    function cancelNonce(
        uint32 granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef
    ) external;

    /**
     * @notice An active hospital opens break-glass access to a patient's records, for treatment, for the
     * emergency window, when the patient cannot consent; it owes a justification within
     * {JUSTIFICATION_WINDOW}. An earlier opening whose justification is overdue is flagged first.
     * @dev Reverts with the participant directory's errors for a caller that is not an active hospital,
     * {ConsentUnknownPatient}, {ConsentEmergencyAlreadyOpen}, {ConsentEmergencyBlocked} or
     * {ConsentEmergencyCapReached}. Emits {EmergencyAccessOpened} (and {EmergencyJustificationMissed}).
     * @param patientId The patient.
     * @param reasonCode Why, as a code.
     * @return expiresAt When it closes by itself.
     */
    function openEmergency(uint64 patientId, bytes32 reasonCode) external returns (uint40 expiresAt);

    /**
     * @notice The hospital justifies its emergency openings for a patient, before the deadline, with the digest
     * of an encrypted note kept off chain. A suspended hospital still can: accountability outlives a suspension.
     * @dev Reverts with {ConsentEmptyJustification}, {ConsentNothingToJustify} or {ConsentJustificationLate}.
     * Emits {EmergencyJustified}.
     * @param patientId The patient.
     * @param justification The note's digest.
     */
    function justifyEmergency(uint64 patientId, bytes32 justification) external;

    /**
     * @notice Anyone flags a justification the hospital missed: the hospital's public count goes up.
     * @dev Reverts with {ConsentNothingToJustify} or {ConsentJustificationNotDue}. Emits
     * {EmergencyJustificationMissed}.
     * @param patientId The patient.
     * @param hospitalId The hospital.
     */
    function flagMissedJustification(uint64 patientId, uint32 hospitalId) external;

    /**
     * @notice The patient, or a guardian with the act power, closes a hospital's emergency access at once, and
     * may block the hospital from opening it again. Through the gateway.
     * @dev Reverts with `PatientsNotThroughGateway`, `PatientsGuardianLacksPower` or {ConsentNoOpenEmergency}.
     * Emits {EmergencyAccessClosed} (and {EmergencyBlockSet}).
     * @param hospitalId The hospital.
     * @param blockHospital Whether to block it as well.
     */
    function closeEmergency(uint32 hospitalId, bool blockHospital) external;

    /**
     * @notice The patient, or a guardian with the act power, blocks (or unblocks) a hospital's break-glass
     * access in advance; blocking also closes any access open now. Through the gateway.
     * @dev Reverts with `PatientsNotThroughGateway` or `PatientsGuardianLacksPower`. Emits {EmergencyBlockSet}
     * (and {EmergencyAccessClosed}).
     * @param hospitalId The hospital.
     * @param blocked Whether it is blocked.
     */
    function setEmergencyBlock(uint32 hospitalId, bool blocked) external;

    /**
     * @notice An institution records, in an event nobody can alter, that it read a record under a live grant or
     * emergency access.
     * @dev Reverts with the participant directory's errors for a caller that is not an active institution,
     * `RecordsUnknownRecord`, or {ConsentNoLiveRight}. Emits {AccessLogged}.
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
