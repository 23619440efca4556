// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPatientDirectory} from "./IPatientDirectory.sol";

/**
 * @title IParticipantRegistry
 * @notice The one directory of who is who in MIIP: every institution's id, address, kind and status. Every
 * other contract of the suite asks it, on every call, whether an address may act as an institution of some
 * kind, so a suspension takes effect everywhere at once without anyone touching those contracts.
 * @dev Patients are not onboarded: any address can be a patient, pseudonymously. Onboarding is announced: a
 * new institution of any kind is `Pending` for the onboarding delay, public through {InstitutionRegistered},
 * and has no right anywhere until it is activated; the guardian role can cancel it meanwhile. Suspension stays
 * immediate. Institutions are known by a permanent id; their address can rotate (two steps: the current address proposes, the new one accepts) and
 * their history and the authorship of their records follow the id. Nothing personal is stored: a display
 * name of the institution, the hash of its licence or registration number, and a metadata URI.
 */
interface IParticipantRegistry is IPatientDirectory {
    /// @notice What an institution is. `None` marks an unknown address.
    enum Kind {
        None,
        Hospital,
        Pharmacy,
        Insurer,
        PublicHealthAgency,
        Researcher,
        Manufacturer,
        Distributor,
        Regulator
    }

    /**
     * @notice Where an institution stands. Only `Active` institutions have rights. `Pending`: onboarded, waiting
     * for its onboarding delay to pass; `Retired` and `Cancelled` (an onboarding stopped before it took effect)
     * are final. New values are appended so that stored values keep their meaning across upgrades.
     */
    enum Status {
        None,
        Active,
        Suspended,
        Retired,
        Pending,
        Cancelled
    }

    /**
     * @notice What the hot path reads about an address, in one storage slot.
     * @param id The institution's permanent id (0 for an unknown address).
     * @param kind Its kind.
     * @param status Its status.
     */
    struct Member {
        uint32 id;
        Kind kind;
        Status status;
    }

    /**
     * @notice An institution as the directory describes it.
     * @param id Permanent id, from 1.
     * @param account Current address.
     * @param kind What it is.
     * @param status Where it stands.
     * @param registeredAt When it was onboarded.
     * @param activatesAt When it may be activated: `registeredAt` plus the onboarding delay in force then.
     * @param statusChangedAt When its status last changed (its registration, activation, suspension …): what a
     * reinstatement names.
     * @param licenceHash keccak256 of its licence or registration number (the number itself stays off chain).
     * @param pendingAccount Address proposed by a rotation and not accepted yet (zero if none).
     * @param name Display name of the institution (an organisation, never a person).
     * @param metadataURI Where its public metadata lives.
     */
    struct Institution {
        uint32 id;
        address account;
        Kind kind;
        Status status;
        uint40 registeredAt;
        uint40 activatesAt;
        uint40 statusChangedAt;
        bytes32 licenceHash;
        address pendingAccount;
        string name;
        string metadataURI;
    }

    /// @notice The address already belongs to an institution.
    /// @param account The address.
    /// @param id The institution it belongs to.
    error ParticipantsAddressTaken(address account, uint32 id);

    /// @notice The address is (or was) a patient's: an address acts as an institution or as a patient, never both.
    /// @param account The address.
    /// @param patientId The patient it belongs or belonged to.
    error ParticipantsAddressIsPatient(address account, uint64 patientId);

    /// @notice The directory's own address cannot be an institution's: the gateway calls services from it.
    error ParticipantsAddressIsDirectory();

    /// @notice A zero address where an institution's address is needed.
    error ParticipantsZeroAddress();

    /// @notice `None` is not a kind an institution can have.
    error ParticipantsInvalidKind();

    /// @notice The licence hash is empty.
    error ParticipantsEmptyLicence();

    /// @notice No institution has this id.
    /// @param id The id asked for.
    error ParticipantsUnknownInstitution(uint32 id);

    /// @notice The address is not an active institution.
    /// @param account The address.
    /// @param status Its status (`None` for an address that is no institution).
    error ParticipantsNotActive(address account, Status status);

    /// @notice The address is an institution of a kind the operation does not take.
    /// @param account The address.
    /// @param kind Its kind.
    /// @param allowedKinds The kinds the operation takes, a bit set (bit k for `Kind` k).
    error ParticipantsWrongKind(address account, Kind kind, uint256 allowedKinds);

    /// @notice The status change is not allowed from the institution's current status.
    /// @param id The institution.
    /// @param status Its current status.
    error ParticipantsInvalidStatus(uint32 id, Status status);

    /**
     * @notice The institution's onboarding delay has not passed yet.
     * @param id The institution.
     * @param activatesAt When it can be activated.
     */
    error ParticipantsOnboardingNotDue(uint32 id, uint40 activatesAt);

    /**
     * @notice An onboarding delay outside the bounds the contract enforces.
     * @param delay The delay asked for, in seconds.
     * @param min The shortest allowed.
     * @param max The longest allowed.
     */
    error ParticipantsInvalidOnboardingDelay(uint32 delay, uint32 min, uint32 max);

    /**
     * @notice A reinstatement names another suspension than the institution's current one: it was scheduled
     * before the suspension it would undo, so its delay did not run after that suspension.
     * @param id The institution.
     * @param named The suspension time the reinstatement names.
     * @param suspendedAt The time of the institution's current suspension (its last status change).
     */
    error ParticipantsSuspensionMismatch(uint32 id, uint40 named, uint40 suspendedAt);

    /**
     * @notice The suspension has not stood for the notice period (the onboarding delay) yet: a reinstatement gives
     * powers back, so it takes effect no sooner than an onboarding would.
     * @param id The institution.
     * @param suspendedAt When it was suspended.
     * @param reinstatableAt When it can be reinstated.
     */
    error ParticipantsSuspensionTooRecent(uint32 id, uint40 suspendedAt, uint40 reinstatableAt);

    /// @notice The caller is not the address the institution proposed to move to.
    /// @param id The institution.
    /// @param caller Who called.
    error ParticipantsNotPendingAccount(uint32 id, address caller);

    /// @notice The institution has proposed no new address (or cancelled its proposal).
    /// @param id The institution.
    error ParticipantsNoPendingRotation(uint32 id);

    /**
     * @notice An institution was onboarded, `Pending` until `activatesAt`: the public notice of the onboarding.
     * @param id Its permanent id.
     * @param account Its address.
     * @param kind What it is.
     * @param licenceHash Hash of its licence or registration number.
     * @param activatesAt When it can be activated; until then the guardian role can cancel it.
     * @param name Display name.
     * @param metadataURI Public metadata.
     */
    event InstitutionRegistered(
        uint32 indexed id,
        address indexed account,
        Kind indexed kind,
        bytes32 licenceHash,
        uint40 activatesAt,
        string name,
        string metadataURI
    );

    /**
     * @notice The onboarding delay changed; it applies to institutions registered from now on.
     * @param delay The new delay, in seconds.
     */
    event OnboardingDelaySet(uint32 delay);

    /**
     * @notice An institution's status changed.
     * @param id The institution.
     * @param previous Its status before.
     * @param status Its status now.
     * @param reasonCode Why, as a code from the governance's published list (no free text on chain).
     */
    event InstitutionStatusChanged(uint32 indexed id, Status previous, Status status, bytes32 reasonCode);

    /**
     * @notice An institution's display name or metadata URI changed.
     * @param id The institution.
     * @param name The new display name.
     * @param metadataURI The new metadata URI.
     */
    event InstitutionProfileUpdated(uint32 indexed id, string name, string metadataURI);

    /**
     * @notice An institution proposed to move to a new address (or cancelled a proposal: `pending` is zero).
     * @param id The institution.
     * @param current Its current address.
     * @param pending The proposed address.
     */
    event AccountRotationProposed(uint32 indexed id, address indexed current, address indexed pending);

    /**
     * @notice An institution moved to a new address; the old one has no rights any more.
     * @param id The institution.
     * @param previous The old address.
     * @param account The new address.
     */
    event AccountRotated(uint32 indexed id, address indexed previous, address indexed account);

    /// @notice Shortest onboarding delay the contract accepts (one day), whatever governance asks.
    function MIN_ONBOARDING_DELAY() external view returns (uint32);

    /// @notice Longest onboarding delay the contract accepts (thirty days).
    function MAX_ONBOARDING_DELAY() external view returns (uint32);

    /**
     * @notice Seconds a newly registered institution stays `Pending` before it can be activated: the suite's
     * notice period, which also holds back a reinstatement, a recall withdrawal and an unpause after the act
     * they undo.
     */
    function onboardingDelay() external view returns (uint32);

    /// @notice Number of institutions ever onboarded; ids run from 1 to this number.
    function institutionCount() external view returns (uint32);

    /// @notice The hot-path view of an address: its institution id, kind and status (zeros if unknown).
    /// @param account The address.
    function memberOf(address account) external view returns (Member memory);

    /// @notice An institution by id.
    /// @param id The institution.
    function institution(uint32 id) external view returns (Institution memory);

    /// @notice An institution's current address: one storage read, the light lookup other contracts make.
    /// @dev Reverts with {ParticipantsUnknownInstitution}.
    /// @param id The institution.
    function accountOf(uint32 id) external view returns (address);

    /// @notice An institution's status by id, in one call: what a contract that knows an institution by its id asks
    /// before it relies on it (a follower, a writer, a payee).
    /// @dev Reverts with {ParticipantsUnknownInstitution}.
    /// @param id The institution.
    function statusOf(uint32 id) external view returns (Status);

    /**
     * @notice A page of institutions, by id.
     * @param offset Number of institutions to skip (ids start after `offset`).
     * @param limit Maximum number returned.
     * @return page The institutions; empty past the end.
     * @return total The number of institutions.
     */
    function institutions(
        uint256 offset,
        uint256 limit
    ) external view returns (Institution[] memory page, uint256 total);

    /**
     * @notice The active institution at `account`, if it is of one of `allowedKinds`; reverts otherwise.
     * @dev The one check every contract of the suite makes of an institution caller: one storage read. Reverts
     * with {ParticipantsNotActive} or {ParticipantsWrongKind}.
     * @param account The address acting.
     * @param allowedKinds The kinds the operation takes, a bit set (bit k for `Kind` k).
     * @return id The institution's id.
     * @return kind Its kind.
     */
    function activeInstitution(address account, uint256 allowedKinds) external view returns (uint32 id, Kind kind);

    /**
     * @notice As {activeInstitution}, with the number of patient ids, so that a caller writing for patients can
     * check the ids it was given (from 1 to that number) without another call.
     * @param account The address acting.
     * @param allowedKinds The kinds the operation takes, a bit set.
     * @return id The institution's id.
     * @return kind Its kind.
     * @return patients How many patient ids exist.
     */
    function activeInstitutionAndPatients(
        address account,
        uint256 allowedKinds
    ) external view returns (uint32 id, Kind kind, uint64 patients);

    /**
     * @notice The current address of institution `id`, if it is active and of one of `allowedKinds`; reverts
     * otherwise: what a contract needs to check a signature by an institution it knows by id, or to pay it.
     * @dev Reverts with {ParticipantsUnknownInstitution}, {ParticipantsNotActive} or {ParticipantsWrongKind}.
     * @param id The institution.
     * @param allowedKinds The kinds accepted, a bit set.
     * @return account Its current address.
     */
    function activeAccountOf(uint32 id, uint256 allowedKinds) external view returns (address account);

    /// @notice Whether `account` is an active institution of the given kind.
    /// @param account The address.
    /// @param kind The kind.
    function isActive(address account, Kind kind) external view returns (bool);

    /**
     * @notice Onboards an institution, `Pending` for the onboarding delay: it has no right anywhere until
     * {activate}, and the guardian role can {cancelOnboarding} it meanwhile. The address is taken at once.
     * @dev Reverts with {ParticipantsZeroAddress}, {ParticipantsAddressIsDirectory}, {ParticipantsInvalidKind}, {ParticipantsEmptyLicence},
     * {ParticipantsAddressTaken} or {ParticipantsAddressIsPatient}. Emits {InstitutionRegistered}.
     * @param account Its address.
     * @param kind What it is.
     * @param licenceHash keccak256 of its licence or registration number.
     * @param name Display name.
     * @param metadataURI Public metadata.
     * @return id Its permanent id.
     * @custom:restricted REGISTRAR
     */
    function register(
        address account,
        Kind kind,
        bytes32 licenceHash,
        string calldata name,
        string calldata metadataURI
    ) external returns (uint32 id);

    /**
     * @notice Activates a pending institution once its onboarding delay has passed. Anyone may call: the
     * onboarding was public for the whole delay, so nobody's silence can hold it back.
     * @dev Reverts with {ParticipantsUnknownInstitution}, {ParticipantsInvalidStatus} (not pending) or
     * {ParticipantsOnboardingNotDue}. Emits {InstitutionStatusChanged} (`Pending` to `Active`).
     * @param id The institution.
     */
    function activate(uint32 id) external;

    /**
     * @notice Stops a pending onboarding before it takes effect; final, the address stays with the cancelled id.
     * @dev Immediate, so that a cancellation always lands within the delay. Reverts with
     * {ParticipantsUnknownInstitution} or {ParticipantsInvalidStatus} (not pending). Emits
     * {InstitutionStatusChanged} (`Pending` to `Cancelled`).
     * @custom:restricted GUARDIAN
     * @param id The institution.
     * @param reasonCode Why.
     */
    function cancelOnboarding(uint32 id, bytes32 reasonCode) external;

    /**
     * @notice Sets the onboarding delay of institutions registered from now on (pending ones keep theirs).
     * @dev Reverts with {ParticipantsInvalidOnboardingDelay}. Emits {OnboardingDelaySet}.
     * @custom:restricted GOVERNOR
     * @param delay Seconds, from {MIN_ONBOARDING_DELAY} to {MAX_ONBOARDING_DELAY}.
     */
    function setOnboardingDelay(uint32 delay) external;

    /**
     * @notice Suspends an active institution: it loses every right in every contract at once.
     * @dev Reverts with {ParticipantsUnknownInstitution} or {ParticipantsInvalidStatus}. Emits
     * {InstitutionStatusChanged}.
     * @param id The institution.
     * @param reasonCode Why.
     * @custom:restricted REGISTRAR
     */
    function suspend(uint32 id, bytes32 reasonCode) external;

    /**
     * @notice Gives a suspended institution its rights back, after the governor's public delay, and no sooner than
     * the notice period ({onboardingDelay}) after the suspension. The call names the suspension it undoes (its
     * time, `statusChangedAt`), so that a reinstatement armed for another suspension fails, and the guardian role
     * can tell which scheduled reinstatement to cancel during the notice period.
     * @dev Reverts with {ParticipantsUnknownInstitution}, {ParticipantsInvalidStatus},
     * {ParticipantsSuspensionMismatch} or {ParticipantsSuspensionTooRecent}. Emits {InstitutionStatusChanged}.
     * @param id The institution.
     * @param suspendedAt The time of the suspension undone, from {institution}.
     * @param reasonCode Why.
     * @custom:restricted GOVERNOR
     */
    function reinstate(uint32 id, uint40 suspendedAt, bytes32 reasonCode) external;

    /**
     * @notice Retires an institution for good (active, suspended or pending); its history stays, its rights end.
     * @dev Reverts with {ParticipantsUnknownInstitution} or {ParticipantsInvalidStatus}. Emits
     * {InstitutionStatusChanged}.
     * @param id The institution.
     * @param reasonCode Why.
     * @custom:restricted GOVERNOR
     */
    function retire(uint32 id, bytes32 reasonCode) external;

    /**
     * @notice Changes an institution's display name and metadata URI.
     * @dev Reverts with {ParticipantsUnknownInstitution}. Emits {InstitutionProfileUpdated}.
     * @param id The institution.
     * @param name The new display name.
     * @param metadataURI The new metadata URI.
     * @custom:restricted REGISTRAR
     */
    function updateProfile(uint32 id, string calldata name, string calldata metadataURI) external;

    /**
     * @notice The institution at the caller's address proposes to move to `pending` (zero cancels).
     * @dev Reverts with {ParticipantsNotActive} (suspended institutions cannot rotate away from a suspension)
     * {ParticipantsAddressTaken} or {ParticipantsAddressIsPatient}. Emits {AccountRotationProposed}.
     * @param pending The new address, which must accept.
     */
    function proposeAccount(address pending) external;

    /**
     * @notice The proposed address accepts: the institution moves there with its id, history and authorship.
     * @dev Reverts with {ParticipantsUnknownInstitution}, {ParticipantsNoPendingRotation},
     * {ParticipantsNotPendingAccount}, {ParticipantsNotActive}, {ParticipantsAddressTaken} or
     * {ParticipantsAddressIsPatient}. Emits {AccountRotated}.
     * @param id The institution.
     */
    function acceptAccount(uint32 id) external;

    /**
     * @notice Moves an institution to a new address without the old one, for a lost or compromised key. Not a
     * retired or cancelled one: their address stays theirs for good.
     * @dev Reverts with {ParticipantsUnknownInstitution}, {ParticipantsInvalidStatus}, {ParticipantsZeroAddress}, {ParticipantsAddressIsDirectory}
     * {ParticipantsAddressTaken} or {ParticipantsAddressIsPatient}. Emits {AccountRotated}.
     * @param id The institution.
     * @param account The new address.
     * @custom:restricted GOVERNOR
     */
    function recoverAccount(uint32 id, address account) external;
}
