// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IConsentManager} from "../interfaces/IConsentManager.sol";
import {SuiteService} from "../base/SuiteService.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReadPolicy} from "../interfaces/IReadPolicy.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";

/**
 * @title ConsentManager
 * @notice The patient's consent, guardians, emergency access and access trail. See {IConsentManager}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy, state in one ERC-7201 namespace. A grant is one storage
 * slot keyed by what it grants, so checking a read is at most four storage reads (all records, the record's
 * type, the record itself, emergency) after asking the participant directory that the reader is active.
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
    /// @custom:storage-location erc7201:miip.storage.ConsentManager
    struct ConsentStorage {
        mapping(bytes32 grantId => Grant) grants;
        mapping(address patient => address guardian) guardians;
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
            "Consent(address patient,address grantee,uint8 purpose,uint8 scopeKind,uint256[] scope,uint40 expiresAt,uint48 nonce,uint256 deadline)"
        );

    // solhint-enable gas-small-strings
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
        address patient,
        uint32 granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(patient, granteeId, purpose, scopeKind, scopeRef));
    }

    /// @inheritdoc IConsentManager
    function getGrant(bytes32 grantId) external view returns (Grant memory) {
        return _storage().grants[grantId];
    }

    /// @inheritdoc IConsentManager
    function isLive(bytes32 grantId) external view returns (bool) {
        return _isLive(_storage().grants[grantId]);
    }

    /// @inheritdoc IConsentManager
    function guardianOf(address patient) external view returns (address) {
        return _storage().guardians[patient];
    }

    /// @inheritdoc IConsentManager
    function emergencyWindow() external view returns (uint256) {
        return _storage().emergencyWindow;
    }

    /// @inheritdoc IConsentManager
    function emergencyCount(uint32 hospitalId) external view returns (uint256) {
        return _storage().emergencyCounts[hospitalId];
    }

    /// @inheritdoc IReadPolicy
    function allows(
        address reader,
        uint256 recordId,
        address patient,
        uint8 recordType,
        IRecordRegistry.Purpose purpose
    ) external view returns (bool) {
        IParticipantRegistry.Member memory m = _participants.memberOf(reader);
        if (m.status != IParticipantRegistry.Status.Active) return false;
        return _basis(patient, m.id, purpose, recordType, recordId) != bytes32(0);
    }

    /// @inheritdoc IConsentManager
    function grant(GrantRequest calldata request) external returns (bytes32[] memory grantIds) {
        _checkPatientOrGuardian(request.patient);
        uint32 granteeId = _checkRequest(request);
        return _write(request, granteeId);
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
            request.patient,
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
        if (!_isValidSignature(request.patient, digest, signature)) revert ConsentInvalidSignature(request.patient);
        return _write(request, granteeId);
    }

    /// @inheritdoc IConsentManager
    function revoke(bytes32 grantId) external {
        Grant storage g = _storage().grants[grantId];
        address patient = g.patient;
        if (patient == address(0)) revert ConsentUnknownGrant(grantId);
        _checkPatientOrGuardian(patient);
        if (g.revoked) revert ConsentAlreadyRevoked(grantId);
        g.revoked = true;
        // Cannot overflow: a 48-bit version would need 2^48 transactions on one grant.
        unchecked {
            ++g.version;
        }
        emit ConsentRevoked(grantId, patient, msg.sender);
    }

    /// @inheritdoc IConsentManager
    function cancelNonce(
        address patient,
        uint32 granteeId,
        IRecordRegistry.Purpose purpose,
        ScopeKind scopeKind,
        uint256 scopeRef
    ) external {
        _checkPatientOrGuardian(patient);
        bytes32 grantId = grantIdOf(patient, granteeId, purpose, scopeKind, scopeRef);
        Grant storage g = _storage().grants[grantId];
        g.patient = patient;
        uint48 version;
        // Cannot overflow: as in {revoke}.
        unchecked {
            version = ++g.version;
        }
        emit ConsentNonceCancelled(grantId, patient, version);
    }

    /// @inheritdoc IConsentManager
    function setGuardian(address guardian) external {
        if (guardian == msg.sender) revert ConsentInvalidGuardian(guardian);
        _storage().guardians[msg.sender] = guardian;
        emit GuardianSet(msg.sender, guardian);
    }

    /// @inheritdoc IConsentManager
    function openEmergency(address patient, bytes32 reasonCode) external returns (uint40 expiresAt) {
        uint32 hospitalId = _participants.requireActive(msg.sender, IParticipantRegistry.Kind.Hospital);
        ConsentStorage storage $ = _storage();
        bytes32 key = grantIdOf(patient, hospitalId, TREATMENT, ScopeKind.Emergency, 0);
        Grant storage g = $.grants[key];
        if (_isLive(g)) revert ConsentEmergencyAlreadyOpen(patient, hospitalId, g.expiresAt);
        // The window is at most seven days: no overflow of a 40-bit time before the year 36812.
        expiresAt = uint40(block.timestamp + $.emergencyWindow);
        uint48 version = g.version + 1;
        $.grants[key] = Grant(patient, expiresAt, version, false);
        uint256 count = ++$.emergencyCounts[hospitalId];
        emit EmergencyAccessOpened(patient, hospitalId, reasonCode, expiresAt, count);
    }

    /// @inheritdoc IConsentManager
    function closeEmergency(address patient, uint32 hospitalId) external {
        _checkPatientOrGuardian(patient);
        Grant storage g = _storage().grants[grantIdOf(patient, hospitalId, TREATMENT, ScopeKind.Emergency, 0)];
        if (!_isLive(g)) revert ConsentNoOpenEmergency(patient, hospitalId);
        g.revoked = true;
        // Cannot overflow: as in {revoke}.
        unchecked {
            ++g.version;
        }
        emit EmergencyAccessClosed(patient, hospitalId, msg.sender);
    }

    /// @inheritdoc IConsentManager
    function logAccess(uint256 recordId, IRecordRegistry.Purpose purpose) external {
        uint32 readerId = _activeReader();
        _log(readerId, recordId, purpose);
    }

    /// @inheritdoc IConsentManager
    function logAccessBatch(uint256[] calldata recordIds, IRecordRegistry.Purpose purpose) external {
        uint32 readerId = _activeReader();
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
        (address patient, , uint8 recordType, ) = _records.recordHeader(recordId);
        bytes32 basis = _basis(patient, readerId, purpose, recordType, recordId);
        if (basis == bytes32(0)) revert ConsentNoLiveRight(msg.sender, recordId, purpose);
        emit AccessLogged(patient, recordId, readerId, purpose, basis);
    }

    /// @dev The first live grant (or emergency entry) that lets institution `readerId` read the record, or zero.
    function _basis(
        address patient,
        uint32 readerId,
        IRecordRegistry.Purpose purpose,
        uint8 recordType,
        uint256 recordId
    ) private view returns (bytes32) {
        mapping(bytes32 => Grant) storage grants = _storage().grants;
        bytes32 key = grantIdOf(patient, readerId, purpose, ScopeKind.AllRecords, 0);
        if (_isLive(grants[key])) return key;
        key = grantIdOf(patient, readerId, purpose, ScopeKind.RecordType, recordType);
        if (_isLive(grants[key])) return key;
        key = grantIdOf(patient, readerId, purpose, ScopeKind.Record, recordId);
        if (_isLive(grants[key])) return key;
        if (purpose == TREATMENT) {
            key = grantIdOf(patient, readerId, TREATMENT, ScopeKind.Emergency, 0);
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
            } else if (_patientOf(ref) != request.patient) {
                revert ConsentRecordNotPatients(ref, request.patient);
            }
        }
        return m.id;
    }

    function _write(GrantRequest calldata request, uint32 granteeId) private returns (bytes32[] memory grantIds) {
        mapping(bytes32 => Grant) storage grants = _storage().grants;
        uint256 size = request.scope.length == 0 ? 1 : request.scope.length;
        grantIds = new bytes32[](size);
        for (uint256 i = 0; i < size; ++i) {
            uint256 ref = request.scope.length == 0 ? 0 : request.scope[i];
            bytes32 id = grantIdOf(request.patient, granteeId, request.purpose, request.scopeKind, ref);
            uint48 version = grants[id].version + 1;
            grants[id] = Grant(request.patient, request.expiresAt, version, false);
            grantIds[i] = id;
            emit ConsentGranted(
                id,
                request.patient,
                granteeId,
                request.purpose,
                request.scopeKind,
                ref,
                request.expiresAt,
                version,
                msg.sender
            );
        }
    }

    /**
     * @dev ECDSA first, then ERC-1271. OpenZeppelin's `isValidSignatureNow` asks for the signer's code size
     * first, a cold account access (2,600 gas) that every patient with an ordinary wallet would pay; trying
     * the signature first costs a smart-contract wallet one failed `ecrecover` instead. `tryRecover` refuses
     * malleable (high-s) signatures.
     */
    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature);
    }

    function _structHash(GrantRequest calldata request, uint48 nonce, uint256 deadline) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    CONSENT_TYPEHASH,
                    request.patient,
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

    function _patientOf(uint256 recordId) private view returns (address patient) {
        (patient, , , ) = _records.recordHeader(recordId);
    }

    function _activeReader() private view returns (uint32) {
        IParticipantRegistry.Member memory m = _participants.memberOf(msg.sender);
        if (m.status != IParticipantRegistry.Status.Active) revert ConsentInactiveReader(msg.sender, m.status);
        return m.id;
    }

    function _checkPatientOrGuardian(address patient) private view {
        if (msg.sender != patient && msg.sender != _storage().guardians[patient]) {
            revert ConsentNotPatientOrGuardian(msg.sender, patient);
        }
    }

    function _setEmergencyWindow(uint256 window) private {
        if (window < MIN_WINDOW || window > MAX_WINDOW) revert ConsentInvalidEmergencyWindow(window);
        // At most seven days: fits in 40 bits.
        _storage().emergencyWindow = uint40(window);
        emit EmergencyWindowSet(window);
    }

    function _isLive(Grant storage g) private view returns (bool) {
        return g.patient != address(0) && !g.revoked && g.expiresAt >= block.timestamp;
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() private pure returns (ConsentStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
