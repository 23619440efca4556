// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IPatientDirectory
 * @notice Patients as permanent ids, and the one gateway through which every patient action reaches the suite.
 *
 * A patient registers once (the key signs its own registration, so it can be sent by anyone, gaslessly) and
 * keeps the id for life. Records, grants, claims and dispensing key on the id; the address is only how the
 * patient signs today. The patient moves to a new address in two steps (propose, then the new key accepts).
 * A patient who lost the key is recovered by guardians: the patient appoints up to {MAX_GUARDIANS}, each known
 * on chain only by a salted commitment, and sets how many must agree; once that many approve the same new
 * address, it can take effect after {RECOVERY_DELAY}, during which the patient's current key can cancel. The new
 * key accepts, as in a rotation. A former address can never act again, nor become anyone's address.
 *
 * Every patient action on the suite's services goes through {execute} (sent by the patient's key or a
 * guardian's) or {relay} (an EIP-712 request signed by either, sent by anyone). The gateway authenticates the
 * signer, consumes its nonce, and calls the service with the patient id, the actor and the actor's powers
 * appended to the calldata, ERC-2771 style; a service takes patient actions only from the gateway. A relayed
 * request names the chain and this contract (its EIP-712 domain), the target contract and the exact calldata
 * (hence the action), a nonce and a deadline. Signatures are ECDSA (no malleable ones) or ERC-1271, so a
 * contract wallet can be a patient or a guardian.
 */
interface IPatientDirectory {
    /**
     * @notice A patient as the directory describes it (its registration time is in {PatientRegistered}).
     * @param account The address that acts for the patient today.
     * @param nonce The next nonce a request signed by the patient's key must carry.
     * @param incomingAccount The address that may take over next (zero if none): one the patient proposed, or one
     * a recovery armed.
     * @param incomingDueAt Zero for an address the patient proposed (it may accept at once); for an armed
     * recovery, when its address may accept.
     * @param guardianCount How many guardians the patient has.
     * @param recoverers How many of them may approve a recovery.
     * @param threshold How many recoverers must approve the same address (zero: recovery is off).
     * @param round The recovery round: every approval names it, and any change to the guardians, the
     * threshold or the account (or a proposal by the patient's key) starts a new one, so approvals from before
     * count for nothing.
     */
    struct Patient {
        address account;
        uint48 nonce;
        address incomingAccount;
        uint40 incomingDueAt;
        uint8 guardianCount;
        uint8 recoverers;
        uint8 threshold;
        uint32 round;
    }

    /**
     * @notice A guardian entry, found by its commitment.
     * @param index Its place among the patient's guardians, from 1 (0: no such guardian).
     * @param powers What it may do: a bit set of {POWER_RECOVER} and {POWER_ACT}.
     * @param nonce The next nonce a request signed by this guardian for this patient must carry.
     */
    struct Guardian {
        uint8 index;
        uint8 powers;
        uint48 nonce;
    }

    /**
     * @notice A patient action signed off chain, for {relay}.
     * @param patientId The patient acted for.
     * @param guardian Zero when the patient's own key signs; otherwise the guardian's address.
     * @param salt The guardian's salt (zero for the patient): the guardian's commitment is
     * keccak256(abi.encode(patientId, guardian, salt)).
     * @param target The contract called: a service of the suite, or this directory.
     * @param data The calldata, selector included.
     * @param nonce The signer's nonce ({Patient.nonce} or {Guardian.nonce}).
     * @param deadline Last second at which the request may be sent.
     */
    struct Call {
        uint64 patientId;
        address guardian;
        bytes32 salt;
        address target;
        bytes data;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice No patient has this id.
    /// @param patientId The id.
    error PatientsUnknownPatient(uint64 patientId);

    /// @notice The address is, or was, a patient's address: an address belongs to at most one patient, once.
    /// @param account The address.
    /// @param patientId The patient it belongs or belonged to.
    error PatientsAccountTaken(address account, uint64 patientId);

    /// @notice The address is an institution's: an address acts as an institution or as a patient, never both.
    /// @param account The address.
    /// @param institutionId The institution it belongs to.
    error PatientsAccountIsInstitution(address account, uint32 institutionId);

    /// @notice An address that cannot be a patient's: zero, or this directory.
    /// @param account The address.
    error PatientsInvalidAccount(address account);

    /// @notice The function takes patient actions only through the gateway ({execute} or {relay}).
    /// @param caller Who called directly.
    error PatientsNotThroughGateway(address caller);

    /// @notice The caller is not the patient's current address (nor, where guardians may act, a guardian).
    /// @param caller Who called.
    /// @param patientId The patient.
    error PatientsNotPatient(address caller, uint64 patientId);

    /// @notice The directory calls itself only through the gateway, never into the gateway.
    error PatientsNestedCall();

    /// @notice The gateway calls only this directory and contracts that name it as their patient gateway
    /// (`patientGateway()`): never a token or any contract that would take the directory itself as the caller.
    /// @param target The contract named.
    error PatientsUntrustedTarget(address target);

    /// @notice No guardian of the patient has this commitment.
    /// @param patientId The patient.
    /// @param commitment The commitment.
    error PatientsNotGuardian(uint64 patientId, bytes32 commitment);

    /// @notice The guardian lacks the power the action needs.
    /// @param patientId The patient.
    /// @param commitment The guardian.
    /// @param power The power needed.
    error PatientsGuardianLacksPower(uint64 patientId, bytes32 commitment, uint8 power);

    /// @notice Only the patient's own key manages its identity (address, guardians, threshold, recovery).
    /// @param patientId The patient.
    /// @param guardian The guardian who tried.
    error PatientsGuardianCannotManage(uint64 patientId, bytes32 guardian);

    /// @notice A guardian's powers must be a non-empty subset of {POWER_RECOVER} and {POWER_ACT}.
    /// @param powers The powers given.
    error PatientsInvalidPowers(uint8 powers);

    /// @notice A commitment that cannot be a guardian's (zero).
    error PatientsInvalidCommitment();

    /// @notice The patient already has this guardian.
    /// @param patientId The patient.
    /// @param commitment The guardian.
    error PatientsGuardianExists(uint64 patientId, bytes32 commitment);

    /// @notice The patient already has {MAX_GUARDIANS} guardians.
    /// @param patientId The patient.
    error PatientsTooManyGuardians(uint64 patientId);

    /// @notice The threshold must be at most the number of recoverers (and a removal may not leave it above).
    /// @param patientId The patient.
    /// @param threshold The threshold asked for or in force.
    /// @param recoverers The recoverers there would be.
    error PatientsInvalidThreshold(uint64 patientId, uint8 threshold, uint8 recoverers);

    /// @notice The patient's threshold is zero: nobody can recover the account.
    /// @param patientId The patient.
    error PatientsRecoveryOff(uint64 patientId);

    /// @notice The approval names another recovery round than the current one.
    /// @param patientId The patient.
    /// @param given The round named.
    /// @param current The current round.
    error PatientsWrongRound(uint64 patientId, uint32 given, uint32 current);

    /// @notice This guardian already approved this address in this round.
    /// @param patientId The patient.
    /// @param commitment The guardian.
    /// @param account The address.
    error PatientsAlreadyApproved(uint64 patientId, bytes32 commitment, address account);

    /// @notice A recovery already reached the threshold for another address in this round.
    /// @param patientId The patient.
    /// @param armed The address it reached the threshold for.
    error PatientsRecoveryArmed(uint64 patientId, address armed);

    /// @notice No recovery reached the threshold in this round.
    /// @param patientId The patient.
    error PatientsNoRecovery(uint64 patientId);

    /// @notice The armed recovery's address can still be accepted: only its round's end (the patient's key, or a
    /// change of guardians) voids it.
    /// @param patientId The patient.
    /// @param account The armed address.
    error PatientsRecoveryStillValid(uint64 patientId, address account);

    /// @notice The recovery's delay has not passed.
    /// @param patientId The patient.
    /// @param dueAt When it can be accepted.
    error PatientsRecoveryNotDue(uint64 patientId, uint40 dueAt);

    /// @notice The address is neither the patient's proposed address nor its due recovery's.
    /// @param patientId The patient.
    /// @param account The address.
    error PatientsNothingToAccept(uint64 patientId, address account);

    /// @notice The signed request's deadline has passed.
    /// @param deadline The deadline.
    /// @param now The block's time.
    error PatientsSignatureExpired(uint256 deadline, uint256 now);

    /// @notice The signature is not the signer's (ECDSA or ERC-1271).
    /// @param signer Who should have signed.
    error PatientsInvalidSignature(address signer);

    /// @notice The request's nonce is not the signer's next one (replayed, or out of order).
    /// @param patientId The patient.
    /// @param expected The signer's next nonce.
    /// @param given The nonce the request carries.
    error PatientsInvalidNonce(uint64 patientId, uint256 expected, uint256 given);

    /**
     * @notice A patient id was created.
     * @param patientId The new id.
     * @param account Its first address.
     */
    event PatientRegistered(uint64 indexed patientId, address indexed account);

    /**
     * @notice The patient proposed to move to a new address (zero: withdrew its proposal).
     * @param patientId The patient.
     * @param pending The proposed address.
     */
    event PatientAccountProposed(uint64 indexed patientId, address indexed pending);

    /**
     * @notice The patient moved to a new address; the old one can never act again.
     * @param patientId The patient.
     * @param previous The old address.
     * @param account The new address.
     * @param recovered True when guardians recovered the account, false for a rotation by the patient.
     */
    event PatientAccountChanged(
        uint64 indexed patientId,
        address indexed previous,
        address indexed account,
        bool recovered
    );

    /**
     * @notice A guardian was appointed, or its powers changed (to zero: removed). Only its commitment is public.
     * @param patientId The patient.
     * @param commitment keccak256(abi.encode(patientId, guardian, salt)).
     * @param powers Its powers now.
     */
    event GuardianSet(uint64 indexed patientId, bytes32 indexed commitment, uint8 powers);

    /**
     * @notice The number of recoverers that must agree changed.
     * @param patientId The patient.
     * @param threshold The new threshold (zero: recovery off).
     */
    event RecoveryThresholdSet(uint64 indexed patientId, uint8 threshold);

    /**
     * @notice A guardian approved a new address for the patient in the current round.
     * @param patientId The patient.
     * @param round The round.
     * @param commitment The guardian.
     * @param account The address approved.
     * @param approvals How many recoverers approved this address in this round.
     */
    event RecoveryApproved(
        uint64 indexed patientId,
        uint32 round,
        bytes32 indexed commitment,
        address account,
        uint8 approvals
    );

    /**
     * @notice Enough recoverers approved `account`; it can accept from `dueAt`, unless the patient cancels first.
     * @param patientId The patient (notified: this is the event a patient's app watches).
     * @param round The round.
     * @param account The address.
     * @param dueAt When it can accept.
     */
    event RecoveryArmed(uint64 indexed patientId, uint32 round, address account, uint40 dueAt);

    /**
     * @notice A recovery round ended: cancelled by the patient, superseded by a change to the guardians or the
     * threshold, or closed by a change of address (a rotation, or the recovery itself).
     * @param patientId The patient.
     * @param round The round that ended (the next one starts).
     */
    event RecoveryRoundClosed(uint64 indexed patientId, uint32 round);

    /// @notice Power of a guardian to approve a recovery of the patient's account.
    function POWER_RECOVER() external view returns (uint8);

    /// @notice Power of a guardian to act for the patient on the services (grant, revoke, close emergencies …).
    function POWER_ACT() external view returns (uint8);

    /// @notice The most guardians a patient can have.
    function MAX_GUARDIANS() external view returns (uint8);

    /// @notice Seconds between a recovery reaching its threshold and its address being able to accept.
    function RECOVERY_DELAY() external view returns (uint40);

    /// @notice EIP-712 type of a self-registration: `RegisterPatient(address account,uint256 deadline)`.
    function REGISTER_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type of a new address accepting a patient's account:
    /// `AcceptPatientAccount(uint64 patientId,address account,uint256 deadline)`.
    function ACCEPT_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type of a relayed call (see {Call}).
    function CALL_TYPEHASH() external view returns (bytes32);

    /// @notice How many patient ids exist; ids run from 1.
    function patientCount() external view returns (uint64);

    /**
     * @notice The patient an address acts for.
     * @return patientId The patient (zero if the address never was a patient's).
     * @return current False if the address is a patient's former address, which can do nothing.
     */
    function patientOf(address account) external view returns (uint64 patientId, bool current);

    /// @notice A patient. Reverts with {PatientsUnknownPatient}.
    function patient(uint64 patientId) external view returns (Patient memory);

    /// @notice The patient's current address. Reverts with {PatientsUnknownPatient}.
    function patientAccount(uint64 patientId) external view returns (address);

    /// @notice A guardian of the patient, by commitment (index 0: none).
    function guardian(uint64 patientId, bytes32 commitment) external view returns (Guardian memory);

    /// @notice How many recoverers approved `account` in the patient's current round.
    function recoveryApprovals(uint64 patientId, address account) external view returns (uint8);

    /// @notice The commitment that stands for `guardianAccount` as a guardian of the patient.
    function guardianCommitment(
        uint64 patientId,
        address guardianAccount,
        bytes32 salt
    ) external pure returns (bytes32);

    /**
     * @notice The caller becomes a patient.
     * @dev Reverts with {PatientsAccountTaken}, {PatientsAccountIsInstitution} or {PatientsNestedCall}. Emits
     * {PatientRegistered}.
     * @return patientId The new id.
     */
    function registerPatient() external returns (uint64 patientId);

    /**
     * @notice `account` becomes a patient on its own signature, sent by anyone (a hospital at the first visit,
     * a relayer). No nonce: an address registers at most once.
     * @dev Reverts with {PatientsSignatureExpired}, {PatientsInvalidSignature}, {PatientsInvalidAccount},
     * {PatientsAccountTaken} or {PatientsAccountIsInstitution}. Emits {PatientRegistered}.
     * @return patientId The new id.
     */
    function registerPatientBySig(
        address account,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 patientId);

    /**
     * @notice The patient proposes to move to `pending` (zero withdraws the proposal). Through the gateway or by
     * the patient's key; never by a guardian. The recovery round ends: a patient holding its key needs none, and an
     * armed recovery is replaced by the proposal.
     * @dev Reverts with {PatientsNotPatient}, {PatientsGuardianCannotManage}, {PatientsInvalidAccount}, {PatientsAccountTaken} or
     * {PatientsAccountIsInstitution}. Emits
     * {PatientAccountProposed} and {RecoveryRoundClosed}.
     * @param pending The new address, which must accept.
     */
    function proposePatientAccount(address pending) external;

    /**
     * @notice The caller takes over the patient's account: as the address the patient proposed (a rotation), or
     * as the address a recovery armed, once due. The old address can never act again; the round ends.
     * @dev Reverts with {PatientsUnknownPatient}, {PatientsNothingToAccept}, {PatientsRecoveryNotDue},
     * {PatientsAccountTaken} or {PatientsAccountIsInstitution}. Emits {PatientAccountChanged}.
     * @param patientId The patient.
     */
    function acceptPatientAccount(uint64 patientId) external;

    /**
     * @notice As {acceptPatientAccount}, on `account`'s signature, sent by anyone: the new key needs no gas.
     * @dev Also reverts with {PatientsSignatureExpired} or {PatientsInvalidSignature}.
     */
    function acceptPatientAccountBySig(
        uint64 patientId,
        address account,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /**
     * @notice The patient appoints a guardian, or changes its powers (zero removes it). The pending recovery
     * round ends. Through the gateway or by the patient's key.
     * @dev Reverts with {PatientsNotPatient}, {PatientsGuardianCannotManage}, {PatientsInvalidCommitment},
     * {PatientsInvalidPowers}, {PatientsNotGuardian} (removing an unknown one), {PatientsTooManyGuardians} or
     * {PatientsInvalidThreshold} (the threshold would exceed the recoverers). Emits {GuardianSet} and
     * {RecoveryRoundClosed}.
     * @param commitment keccak256(abi.encode(patientId, guardian, salt)), computed off chain.
     * @param powers The guardian's powers (zero: remove).
     */
    function setGuardian(bytes32 commitment, uint8 powers) external;

    /**
     * @notice The patient sets how many recoverers must approve the same address (zero: recovery off). The
     * pending round ends.
     * @dev Reverts with {PatientsNotPatient}, {PatientsGuardianCannotManage} or {PatientsInvalidThreshold}.
     * Emits {RecoveryThresholdSet} and {RecoveryRoundClosed}.
     * @param threshold The threshold.
     */
    function setRecoveryThreshold(uint8 threshold) external;

    /**
     * @notice A guardian with {POWER_RECOVER} approves `account` as the patient's new address in `round`. The
     * approval that reaches the threshold arms the recovery, if the address is still free (it replaces an address
     * the patient proposed: a patient who holds its key proposes again, which ends the round). Through the gateway only (sent by the guardian's
     * key with {execute}, or relayed).
     * @dev Reverts with {PatientsNotThroughGateway}, {PatientsNotGuardian} (the patient's own key),
     * {PatientsGuardianLacksPower}, {PatientsRecoveryOff}, {PatientsWrongRound}, {PatientsInvalidAccount},
     * {PatientsAccountTaken}, {PatientsAccountIsInstitution}, {PatientsRecoveryArmed} or {PatientsAlreadyApproved}. Emits {RecoveryApproved},
     * and {RecoveryArmed} when the threshold is reached.
     * @param account The new address.
     * @param round The current round ({Patient.round}).
     */
    function approveRecovery(address account, uint32 round) external;

    /**
     * @notice The patient's current key ends the recovery round: every approval so far counts for nothing.
     * @dev Reverts with {PatientsNotPatient} or {PatientsGuardianCannotManage}. Emits {RecoveryRoundClosed}.
     */
    function cancelRecovery() external;

    /**
     * @notice Anyone ends a round whose armed recovery can never complete because its address was taken since (it
     * registered as a patient, or became an institution's): without this a patient who lost the key, and so cannot
     * cancel, would be locked out, since an armed round takes no other address.
     * @dev Reverts with {PatientsUnknownPatient}, {PatientsNoRecovery} or {PatientsRecoveryStillValid}. Emits
     * {RecoveryRoundClosed}.
     * @param patientId The patient.
     */
    function voidRecovery(uint64 patientId) external;

    /**
     * @notice The caller acts for the patient on `target`: as the patient's current key (`salt` zero), or as a
     * guardian (its salt). The target receives `data` with the patient id, the actor (zero for the patient,
     * else the guardian's commitment) and the actor's powers appended.
     * @dev Reverts with {PatientsUnknownPatient}, {PatientsNotPatient}, {PatientsNotGuardian},
     * {PatientsNestedCall}, {PatientsUntrustedTarget}, or the target's own error.
     * @param patientId The patient.
     * @param salt Zero for the patient; the guardian's salt otherwise.
     * @param target The contract to call.
     * @param data The calldata.
     * @return result What the target returned.
     */
    function execute(
        uint64 patientId,
        bytes32 salt,
        address target,
        bytes calldata data
    ) external returns (bytes memory result);

    /**
     * @notice As {execute}, for a request signed off chain by the patient's key or a guardian's, sent by anyone.
     * The nonce is consumed only if the call succeeds: a failed call reverts the whole transaction.
     * @dev Also reverts with {PatientsSignatureExpired}, {PatientsInvalidNonce} or {PatientsInvalidSignature}.
     * @param call The request.
     * @param signature The signer's signature of it.
     * @return result What the target returned.
     */
    function relay(Call calldata call, bytes calldata signature) external returns (bytes memory result);
}
