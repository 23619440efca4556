// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IPatientDirectory} from "../interfaces/IPatientDirectory.sol";
import {PatientCalls} from "../libraries/PatientCalls.sol";
import {Signatures} from "../libraries/Signatures.sol";

/**
 * @title PatientDirectory
 * @notice The patient half of the participant directory: ids, addresses, guardians, recovery, and the gateway
 * every patient action goes through. See {IPatientDirectory}.
 * @dev Its own ERC-7201 namespace, so adding it to the deployed directory moves no existing slot. The patient's
 * address and its nonce share one slot, so a relayed call reads and bumps its nonce for one storage write on a
 * slot it had to read anyway. An address's entry packs the patient id with a "former" flag: a former address is
 * never free again, so a lost key that is found cannot come back as anyone.
 */
abstract contract PatientDirectory is IPatientDirectory, IERC5267 {
    /**
     * @dev slot 0: account (160) | nonce (48) | incomingDueAt (40)
     *      slot 1: incomingAccount (160) | guardianCount (8) | recoverers (8) | threshold (8) | indexes (8) | round (32)
     * `indexes` has bit i set when a guardian holds index i + 1; approvals are bitmaps over the same indexes. The
     * address that may take over next is one field for both ways in: a rotation the patient proposed
     * (`incomingDueAt` zero) or a recovery that reached its threshold (from `incomingDueAt`). Arming a recovery
     * therefore writes two slots that already hold values, not a new one. The registration time is in the
     * `PatientRegistered` event only.
     */
    struct PatientData {
        address account;
        uint48 nonce;
        uint40 incomingDueAt;
        address incomingAccount;
        uint8 guardianCount;
        uint8 recoverers;
        uint8 threshold;
        uint8 indexes;
        uint32 round;
    }

    /// @dev Approvals of one address in one round: a bitmap over guardian indexes, and its population count.
    struct Candidate {
        uint8 bitmap;
        uint8 count;
    }

    /// @custom:storage-location erc7201:miip.storage.Patients
    struct PatientStorage {
        uint64 count;
        mapping(address account => uint256 entry) accounts;
        mapping(uint64 patientId => PatientData) patients;
        mapping(uint64 patientId => mapping(bytes32 commitment => Guardian)) guardians;
        mapping(bytes32 patientRoundAccount => Candidate) candidates;
    }

    /// @dev `patientGateway()`, which every service of the suite answers with this directory's address.
    bytes4 private constant PATIENT_GATEWAY_SELECTOR = bytes4(keccak256("patientGateway()"));

    // keccak256(abi.encode(uint256(keccak256("miip.storage.Patients")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x8da6aed3996201f74cb8c5b91385977eaf42ba81bac4ed221a7e22993cf0b500;

    /// @dev Set in an account's entry above its 64-bit patient id once the patient moved away from it.
    uint256 private constant FORMER = 1 << 64;
    /// @dev Set instead, above an institution id, for an address an institution moved away from: no patient's.
    uint256 private constant FORMER_INSTITUTION = 1 << 65;

    /// @inheritdoc IPatientDirectory
    uint8 public constant POWER_RECOVER = PatientCalls.POWER_RECOVER;
    /// @inheritdoc IPatientDirectory
    uint8 public constant POWER_ACT = PatientCalls.POWER_ACT;
    /// @inheritdoc IPatientDirectory
    uint8 public constant MAX_GUARDIANS = 8;
    /// @inheritdoc IPatientDirectory
    uint40 public constant RECOVERY_DELAY = 3 days;

    // Type strings are hashed at compile time; their length costs nothing at run time.
    // solhint-disable gas-small-strings
    /// @inheritdoc IPatientDirectory
    bytes32 public constant REGISTER_TYPEHASH = keccak256("RegisterPatient(address account,uint256 deadline)");
    /// @inheritdoc IPatientDirectory
    bytes32 public constant ACCEPT_TYPEHASH =
        keccak256("AcceptPatientAccount(uint64 patientId,address account,uint256 deadline)");
    /// @inheritdoc IPatientDirectory
    bytes32 public constant CALL_TYPEHASH =
        keccak256(
            "Call(uint64 patientId,address guardian,bytes32 salt,address target,bytes data,uint256 nonce,uint256 deadline)"
        );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    // solhint-enable gas-small-strings
    string private constant DOMAIN_NAME = "MIIP Participants";
    bytes32 private constant NAME_HASH = keccak256("MIIP Participants");
    bytes32 private constant VERSION_HASH = keccak256("1");

    // ------------------------------------------------------------------ views

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

    /// @inheritdoc IPatientDirectory
    function patientCount() external view returns (uint64) {
        return _patientCount();
    }

    /// @inheritdoc IPatientDirectory
    function patientOf(address account) external view returns (uint64 patientId, bool current) {
        uint256 entry = _patients().accounts[account];
        if (entry & FORMER_INSTITUTION != 0) return (0, false);
        return (uint64(entry), entry != 0 && entry & FORMER == 0);
    }

    /// @inheritdoc IPatientDirectory
    function patient(uint64 patientId) external view returns (Patient memory) {
        PatientData storage p = _patientData(patientId);
        return
            Patient({
                account: p.account,
                nonce: p.nonce,
                incomingAccount: p.incomingAccount,
                incomingDueAt: p.incomingDueAt,
                guardianCount: p.guardianCount,
                recoverers: p.recoverers,
                threshold: p.threshold,
                round: p.round
            });
    }

    /// @inheritdoc IPatientDirectory
    function patientAccount(uint64 patientId) public view returns (address) {
        return _patientData(patientId).account;
    }

    /// @inheritdoc IPatientDirectory
    function guardian(uint64 patientId, bytes32 commitment) external view returns (Guardian memory) {
        return _patients().guardians[patientId][commitment];
    }

    /// @inheritdoc IPatientDirectory
    function recoveryApprovals(uint64 patientId, address account) external view returns (uint8) {
        PatientData storage p = _patientData(patientId);
        return _patients().candidates[_candidateKey(patientId, p.round, account)].count;
    }

    /// @inheritdoc IPatientDirectory
    function guardianCommitment(uint64 patientId, address guardianAccount, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(patientId, guardianAccount, salt));
    }

    // ----------------------------------------------------------- registration

    /// @inheritdoc IPatientDirectory
    function registerPatient() external returns (uint64) {
        // The gateway calls the directory with a suffix naming an existing patient; it cannot register itself.
        if (msg.sender == address(this)) revert PatientsNestedCall();
        return _register(msg.sender);
    }

    /// @inheritdoc IPatientDirectory
    function registerPatientBySig(
        address account,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64) {
        _checkSignature(account, keccak256(abi.encode(REGISTER_TYPEHASH, account, deadline)), deadline, signature);
        return _register(account);
    }

    // ------------------------------------------------------ address changes

    /// @inheritdoc IPatientDirectory
    function proposePatientAccount(address pending) external {
        (uint64 patientId, PatientData storage p) = _patientItself();
        if (pending != address(0)) _checkFree(pending);
        emit PatientAccountProposed(patientId, pending);
        // The patient holds its key: whatever a recovery was doing is moot, and the round ends with it.
        _closeRound(patientId, p);
        p.incomingAccount = pending;
    }

    /// @inheritdoc IPatientDirectory
    function acceptPatientAccount(uint64 patientId) external {
        if (msg.sender == address(this)) revert PatientsNestedCall();
        _accept(patientId, msg.sender);
    }

    /// @inheritdoc IPatientDirectory
    function acceptPatientAccountBySig(
        uint64 patientId,
        address account,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash = keccak256(abi.encode(ACCEPT_TYPEHASH, patientId, account, deadline));
        _checkSignature(account, structHash, deadline, signature);
        _accept(patientId, account);
    }

    // --------------------------------------------------- guardians, recovery

    /// @inheritdoc IPatientDirectory
    function setGuardian(bytes32 commitment, uint8 powers) external {
        (uint64 patientId, PatientData storage p) = _patientItself();
        if (commitment == bytes32(0)) revert PatientsInvalidCommitment();
        if (powers > PatientCalls.ALL_POWERS) revert PatientsInvalidPowers(powers);
        Guardian storage g = _patients().guardians[patientId][commitment];
        uint8 index = g.index;
        uint8 recoverers = p.recoverers;
        if (index == 0) {
            if (powers == 0) revert PatientsNotGuardian(patientId, commitment);
            if (p.guardianCount == MAX_GUARDIANS) revert PatientsTooManyGuardians(patientId);
            index = _freeIndex(p.indexes);
            p.indexes |= uint8(1 << (index - 1));
            ++p.guardianCount;
        } else if (powers == 0) {
            p.indexes &= ~uint8(1 << (index - 1));
            --p.guardianCount;
            index = 0;
        }
        // Cannot overflow or underflow: at most MAX_GUARDIANS guardians, and only a recoverer leaves the count.
        unchecked {
            if (g.powers & POWER_RECOVER != 0) --recoverers;
            if (powers & POWER_RECOVER != 0) ++recoverers;
        }
        if (p.threshold > recoverers) revert PatientsInvalidThreshold(patientId, p.threshold, recoverers);
        p.recoverers = recoverers;
        // The nonce stays with the commitment: a guardian removed and appointed again cannot have its old
        // signed requests replayed.
        g.index = index;
        g.powers = powers;
        emit GuardianSet(patientId, commitment, powers);
        _closeRound(patientId, p);
    }

    /// @inheritdoc IPatientDirectory
    function setRecoveryThreshold(uint8 threshold) external {
        (uint64 patientId, PatientData storage p) = _patientItself();
        if (threshold > p.recoverers) revert PatientsInvalidThreshold(patientId, threshold, p.recoverers);
        p.threshold = threshold;
        emit RecoveryThresholdSet(patientId, threshold);
        _closeRound(patientId, p);
    }

    /// @inheritdoc IPatientDirectory
    function approveRecovery(address account, uint32 round) external {
        if (msg.sender != address(this)) revert PatientsNotThroughGateway(msg.sender);
        (uint64 patientId, bytes32 actor, uint8 powers) = PatientCalls.decode();
        if (actor == bytes32(0)) revert PatientsNotGuardian(patientId, actor);
        if (powers & POWER_RECOVER == 0) revert PatientsGuardianLacksPower(patientId, actor, POWER_RECOVER);
        PatientStorage storage $ = _patients();
        PatientData storage p = $.patients[patientId];
        uint8 threshold = p.threshold;
        if (threshold == 0) revert PatientsRecoveryOff(patientId);
        if (round != p.round) revert PatientsWrongRound(patientId, round, p.round);
        if (p.incomingDueAt != 0) revert PatientsRecoveryArmed(patientId, p.incomingAccount);
        if (account == address(0) || account == address(this)) revert PatientsInvalidAccount(account);
        Candidate storage c = $.candidates[_candidateKey(patientId, round, account)];
        uint8 bit = uint8(1 << ($.guardians[patientId][actor].index - 1));
        if (c.bitmap & bit != 0) revert PatientsAlreadyApproved(patientId, actor, account);
        c.bitmap |= bit;
        // Cannot overflow: one bit per guardian, at most MAX_GUARDIANS.
        uint8 approvals;
        unchecked {
            approvals = c.count + 1;
        }
        c.count = approvals;
        emit RecoveryApproved(patientId, round, actor, account, approvals);
        if (approvals >= threshold) {
            // Only an address that can still be accepted is armed: an armed round takes no other address.
            _checkFree(account);
            // Cannot overflow a 40-bit time before the year 36812.
            uint40 dueAt = uint40(block.timestamp) + RECOVERY_DELAY;
            p.incomingAccount = account;
            p.incomingDueAt = dueAt;
            emit RecoveryArmed(patientId, round, account, dueAt);
        }
    }

    /// @inheritdoc IPatientDirectory
    function cancelRecovery() external {
        (uint64 patientId, PatientData storage p) = _patientItself();
        _closeRound(patientId, p);
    }

    /// @inheritdoc IPatientDirectory
    function voidRecovery(uint64 patientId) external {
        PatientData storage p = _patientData(patientId);
        address armed = p.incomingAccount;
        if (p.incomingDueAt == 0) revert PatientsNoRecovery(patientId);
        if (_isFree(armed)) revert PatientsRecoveryStillValid(patientId, armed);
        _closeRound(patientId, p);
    }

    // ---------------------------------------------------------------- gateway

    /// @inheritdoc IPatientDirectory
    function execute(
        uint64 patientId,
        bytes32 salt,
        address target,
        bytes calldata data
    ) external returns (bytes memory) {
        if (msg.sender == address(this)) revert PatientsNestedCall();
        PatientData storage p = _patientData(patientId);
        if (salt == bytes32(0)) {
            if (msg.sender != p.account) revert PatientsNotPatient(msg.sender, patientId);
            return _forward(target, PatientCalls.encode(data, patientId, 0, PatientCalls.ALL_POWERS));
        }
        bytes32 commitment = guardianCommitment(patientId, msg.sender, salt);
        Guardian storage g = _patients().guardians[patientId][commitment];
        if (g.index == 0) revert PatientsNotGuardian(patientId, commitment);
        return _forward(target, PatientCalls.encode(data, patientId, commitment, g.powers));
    }

    /// @inheritdoc IPatientDirectory
    function relay(Call calldata call, bytes calldata signature) external returns (bytes memory) {
        if (msg.sender == address(this)) revert PatientsNestedCall();
        if (block.timestamp > call.deadline) revert PatientsSignatureExpired(call.deadline, block.timestamp);
        uint64 patientId = call.patientId;
        PatientData storage p = _patientData(patientId);
        address signer;
        bytes32 actor;
        uint8 powers;
        uint48 expected;
        // The nonce is bumped before the call (effects first); a failing call reverts it with everything else.
        if (call.guardian == address(0)) {
            signer = p.account;
            powers = PatientCalls.ALL_POWERS;
            expected = p.nonce;
            if (call.nonce != expected) revert PatientsInvalidNonce(patientId, expected, call.nonce);
            // Cannot overflow: 2^48 requests by one key.
            unchecked {
                p.nonce = expected + 1;
            }
        } else {
            signer = call.guardian;
            actor = guardianCommitment(patientId, signer, call.salt);
            Guardian storage g = _patients().guardians[patientId][actor];
            if (g.index == 0) revert PatientsNotGuardian(patientId, actor);
            powers = g.powers;
            expected = g.nonce;
            if (call.nonce != expected) revert PatientsInvalidNonce(patientId, expected, call.nonce);
            // Cannot overflow: as above.
            unchecked {
                g.nonce = expected + 1;
            }
        }
        if (!Signatures.isValid(signer, _typedDigest(_callHash(call)), signature)) {
            revert PatientsInvalidSignature(signer);
        }
        return _forward(call.target, PatientCalls.encode(call.data, patientId, actor, powers));
    }

    // -------------------------------------------------------------- internals

    /**
     * @dev Calls the target if it is this directory or names it as its patient gateway. Whoever signs can only
     * act as itself, but the call comes from the directory: a contract that does not expect the suffix (a token
     * the directory was sent by mistake, an approval someone gave it) must never receive one. The check warms the
     * target and its implementation, so the call that follows pays less for them.
     */
    function _forward(address target, bytes memory data) private returns (bytes memory) {
        if (target != address(this)) {
            (bool ok, bytes memory answer) = target.staticcall(abi.encodeWithSelector(PATIENT_GATEWAY_SELECTOR));
            if (!ok || answer.length != 32 || abi.decode(answer, (address)) != address(this)) {
                revert PatientsUntrustedTarget(target);
            }
        }
        return Address.functionCall(target, data);
    }

    /// @dev The institution at `account` (0 if none): an address is never both an institution and a patient.
    function _institutionAt(address account) internal view virtual returns (uint32);

    /// @dev For the directory's own helpers that answer an institution and the patient count in one call.
    function _patientCount() internal view returns (uint64) {
        return _patients().count;
    }

    /// @dev The patient `account` is or was the address of (0 if none): an address is never both.
    function _patientAt(address account) internal view returns (uint64) {
        uint256 entry = _patients().accounts[account];
        return entry & FORMER_INSTITUTION == 0 ? uint64(entry) : 0;
    }

    /**
     * @dev Marks an address an institution moved away from, so that no patient ever takes it (the old key may be
     * the compromised one). It shares the patients' entry, read anyway when an address is checked for a patient.
     */
    function _markFormerInstitution(address account, uint32 institutionId) internal {
        _patients().accounts[account] = FORMER_INSTITUTION | institutionId;
    }

    /// @dev The patient a directory function acts for: the gateway's suffix, or the caller's own current address.
    function _patientItself() private view returns (uint64 patientId, PatientData storage p) {
        PatientStorage storage $ = _patients();
        if (msg.sender == address(this)) {
            bytes32 actor;
            (patientId, actor, ) = PatientCalls.decode();
            if (actor != bytes32(0)) revert PatientsGuardianCannotManage(patientId, actor);
        } else {
            uint256 entry = $.accounts[msg.sender];
            // A former or an institution's address is no patient's current address (its id bits say nothing).
            patientId = entry & FORMER_INSTITUTION == 0 ? uint64(entry) : 0;
            if (patientId == 0 || entry & FORMER != 0) revert PatientsNotPatient(msg.sender, patientId);
        }
        p = $.patients[patientId];
    }

    function _register(address account) private returns (uint64 patientId) {
        _checkFree(account);
        PatientStorage storage $ = _patients();
        patientId = ++$.count;
        $.accounts[account] = patientId;
        $.patients[patientId].account = account;
        emit PatientRegistered(patientId, account);
    }

    function _accept(uint64 patientId, address account) private {
        PatientData storage p = _patientData(patientId);
        // `account` is never zero: a caller, or the signer of a valid signature.
        if (account != p.incomingAccount) revert PatientsNothingToAccept(patientId, account);
        // A rotation the patient proposed is taken at once; a recovery from its due time.
        uint40 dueAt = p.incomingDueAt;
        bool recovered = dueAt != 0;
        if (block.timestamp < dueAt) revert PatientsRecoveryNotDue(patientId, dueAt);
        // The address may have become someone else's since it was proposed or approved.
        _checkFree(account);
        PatientStorage storage $ = _patients();
        address previous = p.account;
        $.accounts[previous] = FORMER | patientId;
        $.accounts[account] = patientId;
        p.account = account;
        p.incomingAccount = address(0);
        p.incomingDueAt = 0;
        emit PatientAccountChanged(patientId, previous, account, recovered);
        _closeRound(patientId, p);
    }

    /**
     * @dev Ends the current recovery round: approvals name their round, so none of them counts any more. An armed
     * recovery ends with it; an address the patient proposed stays proposed.
     */
    function _closeRound(uint64 patientId, PatientData storage p) private {
        uint32 round = p.round;
        // Cannot overflow: 2^32 changes to one patient's guardians.
        unchecked {
            p.round = round + 1;
        }
        // The incoming address first: it shares the round's slot, so a round with nothing armed reads no other.
        if (p.incomingAccount != address(0) && p.incomingDueAt != 0) {
            p.incomingAccount = address(0);
            p.incomingDueAt = 0;
        }
        emit RecoveryRoundClosed(patientId, round);
    }

    function _isFree(address account) private view returns (bool) {
        return _patients().accounts[account] == 0 && _institutionAt(account) == 0;
    }

    /// @dev Callers never pass zero: a caller, a valid signature's signer, or an address they refused zero for.
    function _checkFree(address account) private view {
        if (account == address(this)) revert PatientsInvalidAccount(account);
        uint256 entry = _patients().accounts[account];
        if (entry & FORMER_INSTITUTION != 0) revert PatientsAccountIsInstitution(account, uint32(entry));
        if (entry != 0) revert PatientsAccountTaken(account, uint64(entry));
        uint32 institutionId = _institutionAt(account);
        if (institutionId != 0) revert PatientsAccountIsInstitution(account, institutionId);
    }

    function _checkSignature(
        address signer,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) private view {
        if (block.timestamp > deadline) revert PatientsSignatureExpired(deadline, block.timestamp);
        if (!Signatures.isValid(signer, _typedDigest(structHash), signature)) revert PatientsInvalidSignature(signer);
    }

    function _callHash(Call calldata call) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    CALL_TYPEHASH,
                    call.patientId,
                    call.guardian,
                    call.salt,
                    call.target,
                    keccak256(call.data),
                    call.nonce,
                    call.deadline
                )
            );
    }

    function _typedDigest(bytes32 structHash) private view returns (bytes32) {
        bytes32 domain = keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
        return MessageHashUtils.toTypedDataHash(domain, structHash);
    }

    /// @dev The lowest index (from 1) whose bit is clear; the caller made sure one is.
    function _freeIndex(uint8 indexes) private pure returns (uint8 index) {
        index = 1;
        while (indexes & 1 != 0) {
            indexes >>= 1;
            ++index;
        }
    }

    function _candidateKey(uint64 patientId, uint32 round, address account) private pure returns (bytes32) {
        return keccak256(abi.encode(patientId, round, account));
    }

    function _patientData(uint64 patientId) private view returns (PatientData storage p) {
        p = _patients().patients[patientId];
        if (p.account == address(0)) revert PatientsUnknownPatient(patientId);
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _patients() private pure returns (PatientStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
