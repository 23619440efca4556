// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IConsentManager} from "../../contracts/interfaces/IConsentManager.sol";
import {IParticipantRegistry} from "../../contracts/interfaces/IParticipantRegistry.sol";
import {IPatientDirectory} from "../../contracts/interfaces/IPatientDirectory.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the consent manager with random grants (by the patient's key, by a guardian, by signature, by
 * people who may not: strangers, a patient's former addresses, other patients), revocations, cancelled nonces,
 * guardians, rotations of the patients' addresses, emergencies (opened, closed, blocked, justified, flagged),
 * suspensions and the passing of time, and keeps its own model of every grant: what was granted, until when,
 * whether revoked. Patients are ids in the participant directory; every patient action goes through its gateway.
 * The invariants compare every read right the registry answers with the model, check that a patient's former
 * addresses can do nothing for it, and that break-glass openings stay within their cap.
 */
contract ConsentHandler is SuiteDeployer {
    uint256 internal constant PATIENTS = 3;
    uint256 internal constant READERS = 4; // pharmacy, insurer, researcher, a second (emergency) hospital
    /// The hospitals that open break-glass access: readers[3] (whose access the model follows) and the issuer.
    uint256 internal constant EMERGENCY_HOSPITALS = 2;
    uint8 internal constant POWER_ACT = 2;
    bytes32 public constant GUARDIAN_SALT = keccak256("guardian salt");

    /// Each patient's id, its current address and key, and the addresses (and keys) it moved away from.
    uint64[PATIENTS] public patientIds;
    address[PATIENTS] public patients;
    uint256[PATIENTS] internal patientKeys;
    address[][PATIENTS] internal formerAccounts;
    uint256[][PATIENTS] internal formerKeys;
    uint256 internal nextKey = 0xB0B0000;
    address[READERS] public readers;
    address public hospital;
    address public guardian = address(0x6A4D);
    address public stranger = address(0x5743);
    uint256[][PATIENTS] internal recordsOf;
    uint8[] internal recordTypeOf; // by record id
    uint32[EMERGENCY_HOSPITALS] public emergencyHospitalIds;

    /// The model: a grant's last live second and whether it was revoked, by grant id.
    mapping(bytes32 => uint256) public modelExpiry;
    mapping(bytes32 => bool) public modelRevoked;
    mapping(address => bool) public suspended;
    /// The powers of the patient's guardian (the `guardian` address with GUARDIAN_SALT), 0 if none.
    uint8[PATIENTS] public modelGuardianPowers;
    /// Every grant (and break-glass entry) the handler saw created for the patient, once each.
    bytes32[][PATIENTS] internal grantsOf;
    mapping(bytes32 => bool) internal listed;

    /// Set if a grant was ever created by someone who may not create it.
    bool public unauthorisedGrant;
    /// Set if a grant was revoked, an emergency closed or blocked, or a nonce cancelled by someone who may not.
    bool public unauthorisedRevoke;
    /// Set if a patient's address changed other than by its own key's proposal accepted by the new address.
    bool public unauthorisedAccountChange;
    uint256 public calls;
    uint256 public rotations;
    /// The patient the last action was about, or PATIENTS when it could change anyone's rights (time passing,
    /// a suspension, another patient acting): the invariant re-derives that patient's rights, or everyone's.
    uint256 public touched = PATIENTS;

    /// The (patient, hospital) pairs whose break-glass access an action was about, and when each opening the
    /// handler saw succeed took place.
    bool[EMERGENCY_HOSPITALS][PATIENTS] public emergencyTouched;
    uint40[][EMERGENCY_HOSPITALS][PATIENTS] internal openedAt;

    constructor() {
        _deploySuite(_plainGenesis(address(this), 1e27));
        hospital = address(0x4057);
        _onboard(hospital, IParticipantRegistry.Kind.Hospital);
        IParticipantRegistry.Kind[READERS] memory kinds = [
            IParticipantRegistry.Kind.Pharmacy,
            IParticipantRegistry.Kind.Insurer,
            IParticipantRegistry.Kind.Researcher,
            IParticipantRegistry.Kind.Hospital
        ];
        for (uint256 i = 0; i < READERS; ++i) {
            readers[i] = address(uint160(0x7000 + i));
            _onboard(readers[i], kinds[i]);
        }
        emergencyHospitalIds[0] = participants.memberOf(readers[3]).id;
        emergencyHospitalIds[1] = participants.memberOf(hospital).id;
        recordTypeOf.push(0);
        for (uint256 p = 0; p < PATIENTS; ++p) {
            patientKeys[p] = 0xA11CE + p;
            patients[p] = VM.addr(patientKeys[p]);
            patientIds[p] = _registerPatient(patients[p]);
            for (uint8 t = 2; t <= 3; ++t) {
                uint256 id = _record(hospital, patientIds[p], t, recordTypeOf.length);
                recordsOf[p].push(id);
                recordTypeOf.push(t);
            }
        }
    }

    // ---- actions ----------------------------------------------------------------------------------------

    function grant(uint256 p, uint256 r, uint8 purpose, uint8 kind, uint256 ref, uint32 duration, uint8 by) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        IConsentManager.GrantRequest memory request = _request(p, r, purpose, kind, ref, duration);
        (bool ok, bool mayAct, uint256 acting, bytes memory result) = _actFor(
            p,
            by,
            abi.encodeCall(consent.grant, (request))
        );
        if (!ok) return;
        // The request names patient p: only p's key, or p's guardian with the act power, may make it.
        if (!mayAct || acting != p) unauthorisedGrant = true;
        _recordGrants(p, abi.decode(result, (bytes32[])), request.expiresAt);
    }

    /// A consent signed by the patient's current key, by a forged key, or by a key the patient moved away from,
    /// submitted by a stranger: only the first may create grants.
    function grantBySig(
        uint256 p,
        uint256 r,
        uint8 purpose,
        uint8 kind,
        uint256 ref,
        uint32 duration,
        uint8 signer
    ) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        IConsentManager.GrantRequest memory request = _request(p, r, purpose, kind, ref, duration);
        uint48 nonce = _nonce(request);
        uint256 deadline = block.timestamp + 1 hours;
        (bytes memory signature, bool byCurrentKey) = _sign(p, signer, request, nonce, deadline);
        VM.prank(stranger);
        try consent.grantBySig(request, nonce, deadline, signature) returns (bytes32[] memory ids) {
            if (!byCurrentKey) unauthorisedGrant = true;
            _recordGrants(p, ids, request.expiresAt);
        } catch {}
    }

    function revoke(uint256 p, uint256 r, uint8 purpose, uint8 kind, uint256 ref, uint8 by) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        IConsentManager.GrantRequest memory request = _request(p, r, purpose, kind, ref, 1);
        bytes32 id = consent.grantIdOf(
            request.patientId,
            participants.memberOf(request.grantee).id,
            request.purpose,
            request.scopeKind,
            request.scope.length == 0 ? 0 : request.scope[0]
        );
        (bool ok, bool mayAct, uint256 acting, ) = _actFor(p, by, abi.encodeCall(consent.revoke, (id)));
        if (!ok) return;
        if (!mayAct || acting != p) unauthorisedRevoke = true;
        modelRevoked[id] = true;
    }

    /// Cancels a signed consent's nonce: bumps a grant's version (of the patient acting), which changes no right.
    function cancelNonce(uint256 p, uint256 r, uint8 purpose, uint8 kind, uint256 ref, uint8 by) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        IConsentManager.ScopeKind scopeKind = IConsentManager.ScopeKind(kind % 4);
        uint256 scopeRef = scopeKind == IConsentManager.ScopeKind.AllRecords ||
            scopeKind == IConsentManager.ScopeKind.Emergency
            ? 0
            : scopeKind == IConsentManager.ScopeKind.RecordType
                ? 2 + (ref % 2)
                : 1 + (ref % (recordTypeOf.length - 1));
        uint32 granteeId = uint32(r % READERS) + 2; // onboarded after the hospital, in order
        bytes memory data = abi.encodeCall(
            consent.cancelNonce,
            (granteeId, IRecordRegistry.Purpose(purpose % 4), scopeKind, scopeRef)
        );
        (bool ok, bool mayAct, , ) = _actFor(p, by, data);
        // It acts on the grants of the patient the gateway names: whoever may act for that patient may cancel.
        if (ok && !mayAct) unauthorisedRevoke = true;
    }

    function setGuardian(uint256 p, uint8 powers) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        powers %= 4;
        bytes32 commitment = _guardianCommitment(patientIds[p], guardian, GUARDIAN_SALT);
        VM.prank(patients[p]);
        try participants.setGuardian(commitment, powers) {
            modelGuardianPowers[p] = powers;
        } catch {}
    }

    /**
     * The patient's address moves to a fresh key: proposed by its current key (directly or through the
     * gateway) and accepted by the new address. Other ways must fail: the guardian proposing through the
     * gateway, a former address (or a stranger) proposing, or a proposal of an address that is or was another
     * patient's (or this one's), or is an institution's.
     */
    function rotate(uint256 p, uint8 how) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        uint64 patientId = patientIds[p];
        address previous = patients[p];
        uint256 key = nextKey++;
        address fresh = VM.addr(key);
        uint256 mode = how % 5;
        if (mode == 0) {
            VM.prank(previous);
            try participants.proposePatientAccount(fresh) {} catch {}
        } else if (mode == 1) {
            bytes memory data = abi.encodeCall(participants.proposePatientAccount, (fresh));
            VM.prank(previous);
            try participants.execute(patientId, bytes32(0), address(participants), data) {} catch {}
        } else if (mode == 2) {
            bytes memory data = abi.encodeCall(participants.proposePatientAccount, (fresh));
            VM.prank(guardian);
            try participants.execute(patientId, GUARDIAN_SALT, address(participants), data) {} catch {}
        } else if (mode == 3) {
            uint256 n = formerAccounts[p].length;
            VM.prank(n == 0 ? stranger : formerAccounts[p][(how / 5) % n]);
            try participants.proposePatientAccount(fresh) {} catch {}
        } else {
            fresh = _takenAddress(p, how / 5);
            VM.prank(previous);
            try participants.proposePatientAccount(fresh) {} catch {}
        }
        VM.prank(fresh);
        try participants.acceptPatientAccount(patientId) {
            if (mode >= 2) {
                unauthorisedAccountChange = true;
                return;
            }
            formerAccounts[p].push(previous);
            formerKeys[p].push(patientKeys[p]);
            patients[p] = fresh;
            patientKeys[p] = key;
            rotations++;
        } catch {}
    }

    /// A hospital opens break-glass access: readers[3] (h even) or the issuing hospital.
    function openEmergency(uint256 p, uint8 h) external {
        calls++;
        p %= PATIENTS;
        h %= uint8(EMERGENCY_HOSPITALS);
        touched = p;
        emergencyTouched[p][h] = true;
        uint64 patientId = patientIds[p];
        VM.prank(_emergencyHospital(h));
        try consent.openEmergency(patientId, "code") returns (uint40 expiresAt) {
            openedAt[p][h].push(uint40(block.timestamp));
            bytes32 id = _emergencyId(p, h);
            _list(p, id);
            if (h == 0) {
                modelExpiry[id] = expiresAt;
                modelRevoked[id] = false;
            }
        } catch {}
    }

    function closeEmergency(uint256 p, uint8 h, bool blockHospital, uint8 by) external {
        calls++;
        p %= PATIENTS;
        h %= uint8(EMERGENCY_HOSPITALS);
        touched = p;
        emergencyTouched[p][h] = true;
        bytes memory data = abi.encodeCall(consent.closeEmergency, (emergencyHospitalIds[h], blockHospital));
        (bool ok, bool mayAct, uint256 acting, ) = _actFor(p, by, data);
        emergencyTouched[acting][h] = true;
        if (!ok) return;
        // It closes the emergency access to the patient the gateway names.
        if (!mayAct) unauthorisedRevoke = true;
        if (h == 0) modelRevoked[_emergencyId(acting, h)] = true;
    }

    function setEmergencyBlock(uint256 p, uint8 h, bool blocked, uint8 by) external {
        calls++;
        p %= PATIENTS;
        h %= uint8(EMERGENCY_HOSPITALS);
        touched = p;
        emergencyTouched[p][h] = true;
        bytes memory data = abi.encodeCall(consent.setEmergencyBlock, (emergencyHospitalIds[h], blocked));
        (bool ok, bool mayAct, uint256 acting, ) = _actFor(p, by, data);
        emergencyTouched[acting][h] = true;
        if (!ok) return;
        if (!mayAct) unauthorisedRevoke = true;
        // Blocking closes any access open now; unblocking opens nothing.
        if (blocked && h == 0) modelRevoked[_emergencyId(acting, h)] = true;
    }

    function justifyEmergency(uint256 p, uint8 h, bytes32 note) external {
        calls++;
        p %= PATIENTS;
        h %= uint8(EMERGENCY_HOSPITALS);
        touched = p;
        emergencyTouched[p][h] = true;
        uint64 patientId = patientIds[p];
        VM.prank(_emergencyHospital(h));
        try consent.justifyEmergency(patientId, note == bytes32(0) ? bytes32(uint256(1)) : note) {} catch {}
    }

    function flagMissedJustification(uint256 p, uint8 h) external {
        calls++;
        p %= PATIENTS;
        h %= uint8(EMERGENCY_HOSPITALS);
        touched = p;
        emergencyTouched[p][h] = true;
        VM.prank(stranger);
        try consent.flagMissedJustification(patientIds[p], emergencyHospitalIds[h]) {} catch {}
    }

    function suspendOrReinstate(uint256 r) external {
        calls++;
        touched = PATIENTS;
        address reader = readers[r % READERS];
        uint32 id = participants.memberOf(reader).id;
        if (suspended[reader]) {
            // A suspension stands for the notice period before a reinstatement; time moves on to it if needed.
            uint40 suspendedAt = participants.institution(id).statusChangedAt;
            uint256 reinstatableAt = uint256(suspendedAt) + participants.onboardingDelay();
            if (block.timestamp < reinstatableAt) VM.warp(reinstatableAt);
            participants.reinstate(id, suspendedAt, "back");
            suspended[reader] = false;
        } else {
            participants.suspend(id, "review");
            suspended[reader] = true;
        }
    }

    function wait(uint32 seconds_) external {
        calls++;
        touched = PATIENTS;
        VM.warp(block.timestamp + (seconds_ % 10 days));
    }

    // ---- the model's answer -----------------------------------------------------------------------------

    /// Whether the model says `reader` may read the patient's `index`-th record for `purpose`.
    function expected(uint256 p, uint256 index, uint256 r, uint8 purpose) public view returns (bool) {
        if (suspended[readers[r]]) return false;
        uint32 readerId = uint32(r + 2); // onboarded after the hospital, in order
        uint256 recordId = recordsOf[p][index];
        uint64 patientId = patientIds[p];
        if (_live(_id(patientId, readerId, purpose, IConsentManager.ScopeKind.AllRecords, 0))) return true;
        if (_live(_id(patientId, readerId, purpose, IConsentManager.ScopeKind.RecordType, recordTypeOf[recordId])))
            return true;
        if (_live(_id(patientId, readerId, purpose, IConsentManager.ScopeKind.Record, recordId))) return true;
        return purpose == 0 && _live(_id(patientId, readerId, 0, IConsentManager.ScopeKind.Emergency, 0));
    }

    /// A grant's id as IConsentManager documents it, computed here rather than asked of the contract.
    function _id(
        uint64 patientId,
        uint32 granteeId,
        uint8 purpose,
        IConsentManager.ScopeKind kind,
        uint256 ref
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(patientId, granteeId, purpose, kind, ref));
    }

    // ---- views for the invariants ------------------------------------------------------------------------

    function recordsAddress() external view returns (address) {
        return address(records);
    }

    function consentAddress() external view returns (address) {
        return address(consent);
    }

    function participantsAddress() external view returns (address) {
        return address(participants);
    }

    function recordOf(uint256 p, uint256 index) external view returns (uint256) {
        return recordsOf[p][index];
    }

    function formerCount(uint256 p) external view returns (uint256) {
        return formerAccounts[p].length;
    }

    function formerAccount(uint256 p, uint256 i) external view returns (address) {
        return formerAccounts[p][i];
    }

    function grantCount(uint256 p) external view returns (uint256) {
        return grantsOf[p].length;
    }

    function grantOf(uint256 p, uint256 i) external view returns (bytes32) {
        return grantsOf[p][i];
    }

    /// How many of the openings the handler saw succeed for the pair took place at or after `since`.
    function openingsSince(uint256 p, uint256 h, uint40 since) external view returns (uint256 count) {
        uint40[] storage times = openedAt[p][h];
        for (uint256 i = times.length; i > 0 && times[i - 1] >= since; --i) ++count;
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /**
     * Who acts in a patient action about patient `p`, by `by` (mostly those who may, as the original handler
     * did, so that the model holds many live grants): its key (3 in 8), its guardian (2 in 8; with the act
     * power or not, or not appointed), a stranger (calling the service directly, not through the gateway, or at
     * the gateway), a former address of the patient at the gateway (a stranger if it has none), or another
     * patient's key acting as that patient. Returns whether the call went through, whether the caller may act
     * for the patient the gateway named, and which patient that is.
     */
    function _actFor(
        uint256 p,
        uint8 by,
        bytes memory data
    ) private returns (bool ok, bool mayAct, uint256 acting, bytes memory result) {
        uint256 who = by % 8;
        uint256 pick = by / 8;
        acting = p;
        bytes32 salt;
        address caller;
        if (who < 3) {
            caller = patients[p];
            mayAct = true;
        } else if (who < 5) {
            caller = guardian;
            salt = GUARDIAN_SALT;
            mayAct = modelGuardianPowers[p] & POWER_ACT != 0;
        } else if (who == 5) {
            if (pick % 2 == 0) {
                VM.prank(stranger);
                (ok, result) = address(consent).call(data);
                return (ok, false, p, result);
            }
            caller = stranger;
        } else if (who == 6) {
            uint256 n = formerAccounts[p].length;
            caller = n == 0 ? stranger : formerAccounts[p][pick % n];
        } else {
            acting = (p + 1 + (pick % (PATIENTS - 1))) % PATIENTS;
            caller = patients[acting];
            mayAct = true;
            touched = PATIENTS;
        }
        VM.prank(caller);
        try participants.execute(patientIds[acting], salt, address(consent), data) returns (bytes memory r) {
            ok = true;
            result = r;
        } catch {}
    }

    /// An address that is, or was, a patient's, or an institution's: never one a patient can move to.
    function _takenAddress(uint256 p, uint256 seed) private view returns (address) {
        if (seed % 3 == 2) return readers[(seed / 3) % READERS];
        uint256 q = (p + seed) % PATIENTS;
        uint256 n = formerAccounts[q].length;
        return n == 0 || seed % 3 == 0 ? patients[q] : formerAccounts[q][(seed / 3) % n];
    }

    function _emergencyHospital(uint8 h) private view returns (address) {
        return h == 0 ? readers[3] : hospital;
    }

    function _live(bytes32 id) private view returns (bool) {
        return !modelRevoked[id] && modelExpiry[id] >= block.timestamp;
    }

    function _recordGrants(uint256 p, bytes32[] memory ids, uint40 expiresAt) private {
        for (uint256 i = 0; i < ids.length; ++i) {
            modelExpiry[ids[i]] = expiresAt;
            modelRevoked[ids[i]] = false;
            _list(p, ids[i]);
        }
    }

    function _list(uint256 p, bytes32 id) private {
        if (listed[id]) return;
        listed[id] = true;
        grantsOf[p].push(id);
    }

    function _emergencyId(uint256 p, uint8 h) private view returns (bytes32) {
        return
            _id(
                patientIds[p],
                emergencyHospitalIds[h],
                uint8(IRecordRegistry.Purpose.Treatment),
                IConsentManager.ScopeKind.Emergency,
                0
            );
    }

    function _request(
        uint256 p,
        uint256 r,
        uint8 purpose,
        uint8 kind,
        uint256 ref,
        uint32 duration
    ) private view returns (IConsentManager.GrantRequest memory request) {
        request.patientId = patientIds[p];
        request.grantee = readers[r % READERS];
        request.purpose = IRecordRegistry.Purpose(purpose % 4);
        request.scopeKind = IConsentManager.ScopeKind(kind % 3);
        if (request.scopeKind == IConsentManager.ScopeKind.RecordType) {
            request.scope = new uint256[](1);
            request.scope[0] = 2 + (ref % 2);
        } else if (request.scopeKind == IConsentManager.ScopeKind.Record) {
            // Mostly the patient's own records, sometimes another patient's (which must be refused).
            request.scope = new uint256[](1);
            request.scope[0] = 1 + (ref % (recordTypeOf.length - 1));
        }
        request.expiresAt = uint40(block.timestamp + 1 + (duration % 30 days));
    }

    /// The version of the request's first grant: the nonce a signed consent must name.
    function _nonce(IConsentManager.GrantRequest memory request) private view returns (uint48) {
        bytes32 first = consent.grantIdOf(
            request.patientId,
            participants.memberOf(request.grantee).id,
            request.purpose,
            request.scopeKind,
            request.scope.length == 0 ? 0 : request.scope[0]
        );
        return consent.getGrant(first).version;
    }

    /// A signature of the consent by patient p's current key (signer 0), a forged key (1) or a key the patient
    /// moved away from (2; forged if it has none).
    function _sign(
        uint256 p,
        uint8 signer,
        IConsentManager.GrantRequest memory request,
        uint48 nonce,
        uint256 deadline
    ) private view returns (bytes memory signature, bool byCurrentKey) {
        uint256 key = patientKeys[p];
        if (signer % 3 == 1) {
            key = 0xBAD;
        } else if (signer % 3 == 2) {
            uint256 n = formerKeys[p].length;
            key = n == 0 ? 0xBAD : formerKeys[p][(signer / 3) % n];
        }
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(key, _digest(request, nonce, deadline));
        return (abi.encodePacked(r, s, v), key == patientKeys[p]);
    }

    function _digest(
        IConsentManager.GrantRequest memory request,
        uint48 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("MIIP Consent"),
                keccak256("1"),
                block.chainid,
                address(consent)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                consent.CONSENT_TYPEHASH(),
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
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }
}

contract ConsentInvariants {
    ConsentHandler internal handler;

    function setUp() external {
        handler = new ConsentHandler();
    }

    /// Forge fuzzes only the handler, whose functions act as the suite's users.
    function targetContracts() external view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Every read right the registry answers is the one the model derives: no right after revocation or
    /// expiry, none for a suspended institution, exactly the scope and purpose granted. And only the patient,
    /// the patient's guardian (with the act power) or the patient's current key's signature created a grant;
    /// only they revoked one. Then the patients' former addresses ({_formerAddressesCannotAct}) and the bounds
    /// of break-glass ({_emergencyWithinCap}). (One invariant function, so that the 10,000 calls are made once
    /// and every property is checked after each: forge runs each invariant function's campaign anew, with the
    /// same calls.)
    function invariant_consent() external {
        _readRightsMatchTheModel();
        _formerAddressesCannotAct();
        _emergencyWithinCap();
    }

    function _readRightsMatchTheModel() private view {
        require(!handler.unauthorisedGrant(), "a grant was created by someone else");
        require(!handler.unauthorisedRevoke(), "a grant was revoked or an emergency closed by someone else");
        uint256 touched = handler.touched();
        for (uint256 p = 0; p < 3; ++p) {
            if (touched < 3 && p != touched) continue;
            for (uint256 i = 0; i < 2; ++i) {
                uint256 recordId = handler.recordOf(p, i);
                for (uint256 r = 0; r < 4; ++r) {
                    for (uint8 purpose = 0; purpose < 4; ++purpose) {
                        bool actual = _records().canRead(handler.readers(r), recordId, _purpose(purpose));
                        require(actual == handler.expected(p, i, r, purpose), "read right differs from the model");
                    }
                }
            }
        }
    }

    /// After any sequence of rotations (and refused attempts to take an address over), a patient is at the
    /// address the model says; no former address of a patient can act for it (the gateway refuses it with
    /// PatientsNotPatient) or read its records, while the current one can; and every grant of the patient still
    /// names its id.
    function _formerAddressesCannotAct() private {
        require(!handler.unauthorisedAccountChange(), "a patient's address was changed by someone else");
        IPatientDirectory directory = IPatientDirectory(handler.participantsAddress());
        IConsentManager consent = IConsentManager(handler.consentAddress());
        for (uint256 p = 0; p < 3; ++p) {
            uint64 patientId = handler.patientIds(p);
            address current = handler.patients(p);
            uint256 recordId = handler.recordOf(p, 0);
            require(directory.patientAccount(patientId) == current, "the patient's address differs from the model");
            (uint64 owner, bool isCurrent) = directory.patientOf(current);
            require(owner == patientId && isCurrent, "the patient's address does not name it");
            require(_records().canRead(current, recordId, 0), "the patient cannot read its own record");
            bytes memory data = abi.encodeCall(IConsentManager.grant, (_probe(patientId)));
            uint256 formers = handler.formerCount(p);
            for (uint256 i = 0; i < formers; ++i) {
                address former = handler.formerAccount(p, i);
                (owner, isCurrent) = directory.patientOf(former);
                require(owner == patientId && !isCurrent, "a former address is not marked former");
                VM.prank(former);
                try directory.execute(patientId, bytes32(0), address(consent), data) {
                    revert("a former address acted for its patient");
                } catch (bytes memory reason) {
                    require(
                        keccak256(reason) ==
                            keccak256(
                                abi.encodeWithSelector(IPatientDirectory.PatientsNotPatient.selector, former, patientId)
                            ),
                        "a former address was refused for another reason"
                    );
                }
                require(!_records().canRead(former, recordId, 0), "a former address reads the patient's record");
            }
            uint256 grants = handler.grantCount(p);
            for (uint256 i = 0; i < grants; ++i) {
                require(
                    consent.getGrant(handler.grantOf(p, i)).patientId == patientId,
                    "a grant no longer names its patient's id"
                );
            }
        }
    }

    /// Break-glass is bounded: for every (patient, hospital) pair the handler touched, the openings counted in
    /// the current period are at most EMERGENCY_CAP, and they are exactly the openings the handler saw succeed
    /// since that period started.
    function _emergencyWithinCap() private view {
        IConsentManager consent = IConsentManager(handler.consentAddress());
        uint8 cap = consent.EMERGENCY_CAP();
        for (uint256 p = 0; p < 3; ++p) {
            for (uint256 h = 0; h < 2; ++h) {
                if (!handler.emergencyTouched(p, h)) continue;
                IConsentManager.EmergencyState memory state = consent.emergencyState(
                    handler.patientIds(p),
                    handler.emergencyHospitalIds(h)
                );
                require(state.openings <= cap, "a hospital opened emergency access more often than the cap");
                require(
                    state.openings == handler.openingsSince(p, h, state.periodStart),
                    "openings in the period differ from those seen"
                );
            }
        }
    }

    /// What a former address tries to do for its patient: a grant the patient's key could make.
    function _probe(uint64 patientId) private view returns (IConsentManager.GrantRequest memory request) {
        request.patientId = patientId;
        request.grantee = handler.readers(0);
        request.purpose = IRecordRegistry.Purpose.Treatment;
        request.scopeKind = IConsentManager.ScopeKind.AllRecords;
        request.expiresAt = uint40(block.timestamp + 1 days);
    }

    function _records() private view returns (RecordsView) {
        return RecordsView(handler.recordsAddress());
    }

    function _purpose(uint8 p) private pure returns (uint8) {
        return p;
    }
}

interface RecordsView {
    function canRead(address reader, uint256 recordId, uint8 purpose) external view returns (bool);
}

/// The handler can reach what the new invariants are about: a rotation, and an opening up to the cap.
contract ConsentHandlerReach {
    function test_rotatesAndOpensUpToTheCap() external {
        ConsentHandler handler = new ConsentHandler();
        address before = handler.patients(0);
        handler.rotate(0, 0);
        require(handler.patients(0) != before && handler.rotations() == 1, "not rotated");
        handler.rotate(0, 1);
        require(handler.rotations() == 2, "not rotated through the gateway");
        for (uint8 how = 2; how < 5; ++how) handler.rotate(0, how);
        require(handler.rotations() == 2 && !handler.unauthorisedAccountChange(), "an address was taken over");
        // The rotated patient still grants (through the gateway) and signs with its current key.
        handler.grant(0, 0, 0, 0, 0, 1 days, 0);
        handler.grantBySig(0, 1, 0, 0, 0, 1 days, 0);
        require(handler.grantCount(0) == 2, "the rotated patient could not grant");
        handler.openEmergency(0, 0);
        handler.closeEmergency(0, 0, false, 0);
        handler.openEmergency(0, 0);
        handler.closeEmergency(0, 0, false, 0);
        handler.openEmergency(0, 0);
        require(handler.openingsSince(0, 0, 0) == 2, "not opened up to the cap");
    }
}
