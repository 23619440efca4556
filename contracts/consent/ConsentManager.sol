// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IConsentManager} from "../interfaces/IConsentManager.sol";
import {SuiteService} from "../base/SuiteService.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReadPolicy} from "../interfaces/IReadPolicy.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";
import {Signatures} from "../libraries/Signatures.sol";

/**
 * @title ConsentManager
 * @notice The patient's consent, bounded emergency access and access trail. See {IConsentManager}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy, state in one ERC-7201 namespace. A grant is one storage
 * slot keyed by what it grants, so checking a read is at most four storage reads (all records, the record's
 * type, the record itself, emergency) after asking the participant directory that the reader is active. A
 * break-glass entry keeps its bounds (period, openings, block, justification deadline) in the rest of the same
 * slot, so opening emergency access writes one slot, as it did before it was bounded. Patients are ids; their
 * actions arrive through the directory's gateway, which costs this contract no call to learn who is acting.
 * The access trail is events only: nobody can alter an event, and storing it would make every logged read
 * pay for a new slot. Nothing here can be paused: a patient must always be able to revoke.
 *
 * The EIP-712 domain is computed from constants, the chain id and the proxy's address rather than with
 * OpenZeppelin's EIP712Upgradeable, which reads the name and version strings from storage on every signature
 * check; measured in bench/, this keeps a signed consent within 10,000 gas of a plain one. Digests are still
 * built by OpenZeppelin's MessageHashUtils and checked by its SignatureChecker (ECDSA without malleable
 * signatures, or ERC-1271), and the domain is published through ERC-5267 for wallets.
 */
contract ConsentManager is SuiteService, IERC5267, IConsentManager {
    /**
     * @dev slot: patientId (64) | expiresAt (40) | version (48) | revoked (8) | periodStart (40) | openings (8) |
     * blocked (8) | justifyBy (40). The last four are used by break-glass entries only.
     */
    struct Entry {
        uint64 patientId;
        uint40 expiresAt;
        uint48 version;
        bool revoked;
        uint40 periodStart;
        uint8 openings;
        bool blocked;
        uint40 justifyBy;
    }

    /// @custom:storage-location erc7201:miip.storage.ConsentManager
    struct ConsentStorage {
        mapping(bytes32 grantId => Entry) grants;
        mapping(uint32 hospitalId => uint256 count) missedJustifications;
        mapping(uint32 hospitalId => uint256 count) emergencyCounts;
        uint40 emergencyWindow;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.ConsentManager")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xb6f50394584c99603a90835b168903faeb64569d1784b9298a5ba3f7eb979400;

    /// @inheritdoc IConsentManager
    // Type strings are hashed at compile time; their length costs nothing at run time.
    // solhint-disable gas-small-strings
    bytes32 public constant CONSENT_TYPEHASH =
        keccak256(
            "Consent(uint64 patientId,address grantee,uint8 purpose,uint8 scopeKind,uint256[] scope,uint40 expiresAt,uint48 nonce,uint256 deadline)"
        );

    // solhint-enable gas-small-strings
    /// @inheritdoc IConsentManager
    uint8 public constant EMERGENCY_CAP = 2;
    /// @inheritdoc IConsentManager
    uint40 public constant EMERGENCY_PERIOD = 30 days;
    /// @inheritdoc IConsentManager
    uint40 public constant JUSTIFICATION_WINDOW = 3 days;

    string private constant DOMAIN_NAME = "MIIP Consent";
    string private constant DOMAIN_VERSION = "1";
    bytes32 private constant NAME_HASH = keccak256("MIIP Consent");

    IRecordRegistry.Purpose private constant TREATMENT = IRecordRegistry.Purpose.Treatment;
    uint256 private constant MIN_WINDOW = 1 hours;
    uint256 private constant MAX_WINDOW = 7 days;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_, IRecordRegistry records_) SuiteService(participants_, records_) {}

    /**
     * @notice Sets the access manager and the emergency window; once, through the proxy.
     * @param initialAuthority The suite's access manager.
     * @param window How long emergency access lasts, in seconds.
     */
    function initialize(address initialAuthority, uint256 window) external initializer {
        __AccessManaged_init(initialAuthority);
        _setEmergencyWindow(window);
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
        return (hex"0f", DOMAIN_NAME, DOMAIN_VERSION, block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    /// @inheritdoc IConsentManager
    function grantIdOf(
        uint64 patientId,
        uint32 granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(patientId, granteeId, purpose, scopeKind, scopeRef));
    }

    /// @inheritdoc IConsentManager
    function getGrant(bytes32 grantId) external view returns (Grant memory) {
        Entry storage e = _storage().grants[grantId];
        return Grant(e.patientId, e.expiresAt, e.version, e.revoked);
    }

    /// @inheritdoc IConsentManager
    function isLive(bytes32 grantId) external view returns (bool) {
        return _isLive(_storage().grants[grantId]);
    }

    /// @inheritdoc IConsentManager
    function emergencyState(uint64 patientId, uint32 hospitalId) external view returns (EmergencyState memory) {
        Entry storage e = _storage().grants[_emergencyKey(patientId, hospitalId)];
        return EmergencyState(e.periodStart, e.openings, e.blocked, e.justifyBy);
    }

    /// @inheritdoc IConsentManager
    function emergencyWindow() external view returns (uint256) {
        return _storage().emergencyWindow;
    }

    /// @inheritdoc IConsentManager
    function emergencyCount(uint32 hospitalId) external view returns (uint256) {
        return _storage().emergencyCounts[hospitalId];
    }

    /// @inheritdoc IConsentManager
    function missedJustifications(uint32 hospitalId) external view returns (uint256) {
        return _storage().missedJustifications[hospitalId];
    }

    /// @inheritdoc IReadPolicy
    function allows(
        uint32 readerId,
        uint256 recordId,
        uint64 patientId,
        uint8 recordType,
        IRecordRegistry.Purpose purpose
    ) external view returns (bool) {
        return _basis(patientId, readerId, purpose, recordType, recordId) != bytes32(0);
    }

    /// @inheritdoc IConsentManager
    function grant(GrantRequest calldata request) external returns (bytes32[] memory grantIds) {
        (uint64 patientId, bytes32 actor) = _patientAction();
        if (request.patientId != patientId) revert ConsentPatientMismatch(patientId, request.patientId);
        uint32 granteeId = _checkRequest(request);
        return _write(request, granteeId, actor);
    }

    /// @inheritdoc IConsentManager
    function grantBySig(
        GrantRequest calldata request,
        uint48 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32[] memory grantIds) {
        if (block.timestamp > deadline) revert ConsentSignatureExpired(deadline, block.timestamp);
        uint32 granteeId = _checkRequest(request);
        bytes32 first = grantIdOf(
            request.patientId,
            granteeId,
            request.purpose,
            request.scopeKind,
            request.scope.length == 0 ? 0 : request.scope[0]
        );
        uint48 version = _storage().grants[first].version;
        if (version != nonce) revert ConsentInvalidNonce(first, version, nonce);
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            _domainSeparator(NAME_HASH),
            _structHash(request, nonce, deadline)
        );
        // The patient's key today: a signature by a key the patient moved away from is worth nothing.
        address signer = _participants.patientAccount(request.patientId);
        if (!Signatures.isValid(signer, digest, signature)) revert ConsentInvalidSignature(signer);
        return _write(request, granteeId, bytes32(0));
    }

    /// @inheritdoc IConsentManager
    function revoke(bytes32 grantId) external {
        (uint64 patientId, bytes32 actor) = _patientAction();
        Entry storage g = _storage().grants[grantId];
        uint64 owner = g.patientId;
        // A cancelled nonce leaves an entry that was never granted (no expiry), and a break-glass entry is closed
        // with {closeEmergency}, whose event the patient's app and the regulator watch: neither is a grant.
        if (owner == 0 || g.expiresAt == 0 || g.periodStart != 0) revert ConsentUnknownGrant(grantId);
        if (owner != patientId) revert ConsentNotPatientsGrant(grantId, patientId);
        if (g.revoked) revert ConsentAlreadyRevoked(grantId);
        g.revoked = true;
        // Cannot overflow: a 48-bit version would need 2^48 transactions on one grant.
        unchecked {
            ++g.version;
        }
        emit ConsentRevoked(grantId, patientId, actor);
    }

    /// @inheritdoc IConsentManager
    function cancelNonce(
        uint32 granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef
    ) external {
        (uint64 patientId, ) = _patientAction();
        bytes32 grantId = grantIdOf(patientId, granteeId, purpose, scopeKind, scopeRef);
        Entry storage g = _storage().grants[grantId];
        g.patientId = patientId;
        uint48 version;
        // Cannot overflow: as in {revoke}.
        unchecked {
            version = ++g.version;
        }
        emit ConsentNonceCancelled(grantId, patientId, version);
    }

    /// @inheritdoc IConsentManager
    function openEmergency(uint64 patientId, bytes32 reasonCode) external returns (uint40 expiresAt) {
        (uint32 hospitalId, , uint64 patients) = _participants.activeInstitutionAndPatients(msg.sender, Kinds.HOSPITAL);
        if (patientId == 0 || patientId > patients) revert ConsentUnknownPatient(patientId);
        ConsentStorage storage $ = _storage();
        Entry storage g = $.grants[_emergencyKey(patientId, hospitalId)];
        Entry memory e = g;
        if (_isLive(g)) revert ConsentEmergencyAlreadyOpen(patientId, hospitalId, e.expiresAt);
        if (e.blocked) revert ConsentEmergencyBlocked(patientId, hospitalId);
        uint40 now_ = uint40(block.timestamp);
        // A new period starts at the first opening after the last one ended.
        if (now_ >= e.periodStart + EMERGENCY_PERIOD) {
            e.periodStart = now_;
            e.openings = 0;
        }
        if (e.openings >= EMERGENCY_CAP) {
            revert ConsentEmergencyCapReached(patientId, hospitalId, e.periodStart + EMERGENCY_PERIOD);
        }
        // An earlier justification left overdue is flagged now; one still due keeps its (earlier) deadline and
        // covers this opening too.
        if (e.justifyBy != 0 && now_ > e.justifyBy) {
            _flagMissed($, patientId, hospitalId, e.justifyBy);
            e.justifyBy = 0;
        }
        if (e.justifyBy == 0) e.justifyBy = now_ + JUSTIFICATION_WINDOW;
        // The window is at most seven days: no overflow of a 40-bit time before the year 36812.
        expiresAt = now_ + $.emergencyWindow;
        e.patientId = patientId;
        e.expiresAt = expiresAt;
        ++e.version;
        e.revoked = false;
        ++e.openings;
        $.grants[_emergencyKey(patientId, hospitalId)] = e;
        uint256 count = ++$.emergencyCounts[hospitalId];
        emit EmergencyAccessOpened(patientId, hospitalId, reasonCode, expiresAt, e.justifyBy, e.openings, count);
    }

    /// @inheritdoc IConsentManager
    function justifyEmergency(uint64 patientId, bytes32 justification) external {
        if (justification == bytes32(0)) revert ConsentEmptyJustification();
        // By id and whatever its status: a hospital suspended since it opened still answers for it.
        uint32 hospitalId = _participants.memberOf(msg.sender).id;
        Entry storage g = _storage().grants[_emergencyKey(patientId, hospitalId)];
        uint40 justifyBy = g.justifyBy;
        if (justifyBy == 0) revert ConsentNothingToJustify(patientId, hospitalId);
        if (block.timestamp > justifyBy) revert ConsentJustificationLate(patientId, hospitalId, justifyBy);
        g.justifyBy = 0;
        emit EmergencyJustified(patientId, hospitalId, justification);
    }

    /// @inheritdoc IConsentManager
    function flagMissedJustification(uint64 patientId, uint32 hospitalId) external {
        ConsentStorage storage $ = _storage();
        Entry storage g = $.grants[_emergencyKey(patientId, hospitalId)];
        uint40 justifyBy = g.justifyBy;
        if (justifyBy == 0) revert ConsentNothingToJustify(patientId, hospitalId);
        if (block.timestamp <= justifyBy) revert ConsentJustificationNotDue(patientId, hospitalId, justifyBy);
        g.justifyBy = 0;
        _flagMissed($, patientId, hospitalId, justifyBy);
    }

    /// @inheritdoc IConsentManager
    function closeEmergency(uint32 hospitalId, bool blockHospital) external {
        (uint64 patientId, bytes32 actor) = _patientAction();
        Entry storage g = _storage().grants[_emergencyKey(patientId, hospitalId)];
        if (!_isLive(g)) revert ConsentNoOpenEmergency(patientId, hospitalId);
        _close(g, patientId, hospitalId, actor);
        if (blockHospital) {
            g.blocked = true;
            emit EmergencyBlockSet(patientId, hospitalId, true, actor);
        }
    }

    /// @inheritdoc IConsentManager
    function setEmergencyBlock(uint32 hospitalId, bool blocked) external {
        (uint64 patientId, bytes32 actor) = _patientAction();
        Entry storage g = _storage().grants[_emergencyKey(patientId, hospitalId)];
        if (blocked && _isLive(g)) _close(g, patientId, hospitalId, actor);
        g.patientId = patientId;
        g.blocked = blocked;
        emit EmergencyBlockSet(patientId, hospitalId, blocked, actor);
    }

    /// @inheritdoc IConsentManager
    function logAccess(uint256 recordId, IRecordRegistry.Purpose purpose) external {
        (uint32 readerId, ) = _participants.activeInstitution(msg.sender, Kinds.ANY);
        _log(readerId, recordId, purpose);
    }

    /// @inheritdoc IConsentManager
    function logAccessBatch(uint256[] calldata recordIds, IRecordRegistry.Purpose purpose) external {
        (uint32 readerId, ) = _participants.activeInstitution(msg.sender, Kinds.ANY);
        for (uint256 i = 0; i < recordIds.length; ++i) {
            _log(readerId, recordIds[i], purpose);
        }
    }

    /// @inheritdoc IConsentManager
    /// @custom:restricted GOVERNOR
    function setEmergencyWindow(uint256 window) external restricted {
        _setEmergencyWindow(window);
    }

    function _log(uint32 readerId, uint256 recordId, IRecordRegistry.Purpose purpose) private {
        (uint64 patientId, , uint8 recordType, ) = _records.recordHeader(recordId);
        bytes32 basis = _basis(patientId, readerId, purpose, recordType, recordId);
        if (basis == bytes32(0)) revert ConsentNoLiveRight(msg.sender, recordId, purpose);
        emit AccessLogged(patientId, recordId, readerId, purpose, basis);
    }

    function _close(Entry storage g, uint64 patientId, uint32 hospitalId, bytes32 actor) private {
        g.revoked = true;
        // Cannot overflow: as in {revoke}.
        unchecked {
            ++g.version;
        }
        emit EmergencyAccessClosed(patientId, hospitalId, actor);
    }

    function _flagMissed(ConsentStorage storage $, uint64 patientId, uint32 hospitalId, uint40 justifyBy) private {
        uint256 missed = ++$.missedJustifications[hospitalId];
        emit EmergencyJustificationMissed(patientId, hospitalId, justifyBy, missed);
    }

    /// @dev The first live grant (or emergency entry) that lets institution `readerId` read the record, or zero.
    function _basis(
        uint64 patientId,
        uint32 readerId,
        IRecordRegistry.Purpose purpose,
        uint8 recordType,
        uint256 recordId
    ) private view returns (bytes32) {
        mapping(bytes32 => Entry) storage grants = _storage().grants;
        bytes32 key = grantIdOf(patientId, readerId, purpose, ScopeKind.AllRecords, 0);
        if (_isLive(grants[key])) return key;
        key = grantIdOf(patientId, readerId, purpose, ScopeKind.RecordType, recordType);
        if (_isLive(grants[key])) return key;
        key = grantIdOf(patientId, readerId, purpose, ScopeKind.Record, recordId);
        if (_isLive(grants[key])) return key;
        if (purpose == TREATMENT) {
            key = _emergencyKey(patientId, readerId);
            if (_isLive(grants[key])) return key;
        }
        return bytes32(0);
    }

    /// @dev Validates a request and returns the grantee's institution id.
    function _checkRequest(GrantRequest calldata request) private view returns (uint32 granteeId) {
        if (request.scopeKind == ScopeKind.Emergency) revert ConsentScopeNotGrantable(request.scopeKind);
        IParticipantRegistry.Member memory m = _participants.memberOf(request.grantee);
        if (m.status != IParticipantRegistry.Status.Active) revert ConsentGranteeNotActive(request.grantee, m.status);
        if (request.expiresAt <= block.timestamp) revert ConsentExpiryNotInFuture(request.expiresAt, block.timestamp);
        uint256 size = request.scope.length;
        if ((request.scopeKind == ScopeKind.AllRecords) != (size == 0))
            revert ConsentInvalidScopeSize(request.scopeKind);
        for (uint256 i = 0; i < size; ++i) {
            uint256 ref = request.scope[i];
            if (request.scopeKind == ScopeKind.RecordType) {
                if (ref == 0 || ref > 127) revert ConsentInvalidRecordType(ref);
            } else {
                (uint64 owner, , , ) = _records.recordHeader(ref);
                if (owner != request.patientId) revert ConsentRecordNotPatients(ref, request.patientId);
            }
        }
        return m.id;
    }

    function _write(
        GrantRequest calldata request,
        uint32 granteeId,
        bytes32 actor
    ) private returns (bytes32[] memory grantIds) {
        uint256 size = request.scope.length == 0 ? 1 : request.scope.length;
        grantIds = new bytes32[](size);
        for (uint256 i = 0; i < size; ++i) {
            grantIds[i] = _writeOne(request, granteeId, request.scope.length == 0 ? 0 : request.scope[i], actor);
        }
    }

    function _writeOne(
        GrantRequest calldata request,
        uint32 granteeId,
        uint256 ref,
        bytes32 actor
    ) private returns (bytes32 id) {
        id = grantIdOf(request.patientId, granteeId, request.purpose, request.scopeKind, ref);
        Entry storage g = _storage().grants[id];
        uint48 version = g.version + 1;
        g.patientId = request.patientId;
        g.expiresAt = request.expiresAt;
        g.version = version;
        g.revoked = false;
        emit ConsentGranted(
            id,
            request.patientId,
            granteeId,
            request.purpose,
            request.scopeKind,
            ref,
            request.expiresAt,
            version,
            actor
        );
    }

    function _structHash(GrantRequest calldata request, uint48 nonce, uint256 deadline) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    CONSENT_TYPEHASH,
                    request.patientId,
                    request.grantee,
                    request.purpose,
                    request.scopeKind,
                    keccak256(abi.encodePacked(request.scope)),
                    request.expiresAt,
                    nonce,
                    deadline
                )
            );
    }

    function _setEmergencyWindow(uint256 window) private {
        if (window < MIN_WINDOW || window > MAX_WINDOW) revert ConsentInvalidEmergencyWindow(window);
        // At most seven days: fits in 40 bits.
        _storage().emergencyWindow = uint40(window);
        emit EmergencyWindowSet(window);
    }

    function _emergencyKey(uint64 patientId, uint32 hospitalId) private pure returns (bytes32) {
        return grantIdOf(patientId, hospitalId, TREATMENT, ScopeKind.Emergency, 0);
    }

    function _isLive(Entry storage g) private view returns (bool) {
        return g.patientId != 0 && !g.revoked && g.expiresAt >= block.timestamp;
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() private pure returns (ConsentStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
