// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IConsentManager} from "../../contracts/interfaces/IConsentManager.sol";
import {IParticipantRegistry} from "../../contracts/interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the consent manager with random grants (direct, by a guardian, by signature, by people who
 * may not), revocations, guardians, emergencies, suspensions and the passing of time, and keeps its own model
 * of every grant: what was granted, until when, whether revoked. The invariants compare every read right the
 * registry answers with the model.
 */
contract ConsentHandler is SuiteDeployer {
    uint256 internal constant PATIENTS = 3;
    uint256 internal constant READERS = 4; // pharmacy, insurer, researcher, a second (emergency) hospital

    address[PATIENTS] public patients;
    uint256[PATIENTS] internal patientKeys;
    address[READERS] public readers;
    address public hospital;
    address public guardian = address(0x6A4D);
    address public stranger = address(0x5743);
    uint256[][PATIENTS] internal recordsOf;
    uint8[] internal recordTypeOf; // by record id

    /// The model: a grant's last live second and whether it was revoked, by grant id.
    mapping(bytes32 => uint256) public modelExpiry;
    mapping(bytes32 => bool) public modelRevoked;
    mapping(address => bool) public suspended;
    mapping(address => address) public modelGuardian;

    /// Set if a grant was ever created by someone who may not create it.
    bool public unauthorisedGrant;
    uint256 public calls;
    /// The patient the last action was about, or PATIENTS when it could change anyone's rights (time passing,
    /// a suspension): the invariant re-derives that patient's rights, or everyone's.
    uint256 public touched = PATIENTS;

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
        recordTypeOf.push(0);
        for (uint256 p = 0; p < PATIENTS; ++p) {
            patientKeys[p] = 0xA11CE + p;
            patients[p] = VM.addr(patientKeys[p]);
            for (uint8 t = 2; t <= 3; ++t) {
                uint256 id = _record(hospital, patients[p], t, recordTypeOf.length);
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
        address caller = by % 3 == 0
            ? patients[p]
            : by % 3 == 1
                ? guardian
                : stranger;
        VM.prank(caller);
        try consent.grant(request) returns (bytes32[] memory ids) {
            if (caller != patients[p] && caller != modelGuardian[patients[p]]) unauthorisedGrant = true;
            _recordGrants(ids, request.expiresAt);
        } catch {}
    }

    function grantBySig(
        uint256 p,
        uint256 r,
        uint8 purpose,
        uint8 kind,
        uint256 ref,
        uint32 duration,
        bool forged
    ) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        IConsentManager.GrantRequest memory request = _request(p, r, purpose, kind, ref, duration);
        uint32 granteeId = participants.memberOf(request.grantee).id;
        bytes32 first = consent.grantIdOf(
            request.patient,
            granteeId,
            request.purpose,
            request.scopeKind,
            request.scope.length == 0 ? 0 : request.scope[0]
        );
        uint48 nonce = consent.getGrant(first).version;
        uint256 deadline = block.timestamp + 1 hours;
        uint256 key = forged ? 0xBAD : patientKeys[p];
        (uint8 v, bytes32 rr, bytes32 s) = VM.sign(key, _digest(request, nonce, deadline));
        VM.prank(stranger);
        try consent.grantBySig(request, nonce, deadline, abi.encodePacked(rr, s, v)) returns (bytes32[] memory ids) {
            if (forged) unauthorisedGrant = true;
            _recordGrants(ids, request.expiresAt);
        } catch {}
    }

    function revoke(uint256 p, uint256 r, uint8 purpose, uint8 kind, uint256 ref, bool asGuardian) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        IConsentManager.GrantRequest memory request = _request(p, r, purpose, kind, ref, 1);
        bytes32 id = consent.grantIdOf(
            request.patient,
            participants.memberOf(request.grantee).id,
            request.purpose,
            request.scopeKind,
            request.scope.length == 0 ? 0 : request.scope[0]
        );
        VM.prank(asGuardian ? guardian : patients[p]);
        try consent.revoke(id) {
            modelRevoked[id] = true;
        } catch {}
    }

    function setGuardian(uint256 p, bool appoint) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        address who = appoint ? guardian : address(0);
        VM.prank(patients[p]);
        try consent.setGuardian(who) {
            modelGuardian[patients[p]] = who;
        } catch {}
    }

    function openEmergency(uint256 p) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        VM.prank(readers[3]);
        try consent.openEmergency(patients[p], "code") returns (uint40 expiresAt) {
            bytes32 id = _emergencyId(p);
            modelExpiry[id] = expiresAt;
            modelRevoked[id] = false;
        } catch {}
    }

    function closeEmergency(uint256 p) external {
        calls++;
        p %= PATIENTS;
        touched = p;
        uint32 hospitalId = participants.memberOf(readers[3]).id;
        VM.prank(patients[p]);
        try consent.closeEmergency(patients[p], hospitalId) {
            modelRevoked[_emergencyId(p)] = true;
        } catch {}
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
        address patient = patients[p];
        if (_live(_id(patient, readerId, purpose, IConsentManager.ScopeKind.AllRecords, 0))) return true;
        if (_live(_id(patient, readerId, purpose, IConsentManager.ScopeKind.RecordType, recordTypeOf[recordId])))
            return true;
        if (_live(_id(patient, readerId, purpose, IConsentManager.ScopeKind.Record, recordId))) return true;
        return purpose == 0 && _live(_id(patient, readerId, 0, IConsentManager.ScopeKind.Emergency, 0));
    }

    /// A grant's id as IConsentManager documents it, computed here rather than asked of the contract.
    function _id(
        address patient,
        uint32 granteeId,
        uint8 purpose,
        IConsentManager.ScopeKind kind,
        uint256 ref
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(patient, granteeId, purpose, kind, ref));
    }

    function recordsAddress() external view returns (address) {
        return address(records);
    }

    function recordOf(uint256 p, uint256 index) external view returns (uint256) {
        return recordsOf[p][index];
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    function _live(bytes32 id) private view returns (bool) {
        return !modelRevoked[id] && modelExpiry[id] >= block.timestamp;
    }

    function _recordGrants(bytes32[] memory ids, uint40 expiresAt) private {
        for (uint256 i = 0; i < ids.length; ++i) {
            modelExpiry[ids[i]] = expiresAt;
            modelRevoked[ids[i]] = false;
        }
    }

    function _emergencyId(uint256 p) private view returns (bytes32) {
        uint32 hospitalId = participants.memberOf(readers[3]).id;
        return
            consent.grantIdOf(
                patients[p],
                hospitalId,
                IRecordRegistry.Purpose.Treatment,
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
        request.patient = patients[p];
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
    /// the patient's guardian or the patient's signature created a grant. (One invariant function, so that the
    /// 10,000 calls are made once and both properties are checked after each.)
    function invariant_consent() external view {
        require(!handler.unauthorisedGrant(), "a grant was created by someone else");
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
