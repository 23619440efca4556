// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {Paging} from "../libraries/Paging.sol";
import {PatientDirectory} from "./PatientDirectory.sol";

/**
 * @title ParticipantRegistry
 * @notice The suite's directory of institutions and patients, and the gateway of patient actions. See
 * {IParticipantRegistry} and {IPatientDirectory}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy, upgrades only through the access manager; all state in
 * one ERC-7201 namespace. The status of an institution lives only in the {Member} entry of its current
 * address, so the check every other contract makes is a single storage read, and there is no second copy
 * that could disagree.
 */
contract ParticipantRegistry is
    Initializable,
    AccessManagedUpgradeable,
    UUPSUpgradeable,
    PatientDirectory,
    IParticipantRegistry
{
    /**
     * @dev The part of an institution that is not on the hot path. Its status is in `members[account]`.
     * slot 0: account (160) | kind (8) | registeredAt (40) | activatesAt (40)
     * slot 1: pendingAccount (160) | statusChangedAt (40)
     * slot 2: licenceHash; then name and metadataURI (dynamic)
     */
    struct Profile {
        address account;
        Kind kind;
        uint40 registeredAt;
        uint40 activatesAt;
        address pendingAccount;
        uint40 statusChangedAt;
        bytes32 licenceHash;
        string name;
        string metadataURI;
    }

    /// @custom:storage-location erc7201:miip.storage.ParticipantRegistry
    struct ParticipantStorage {
        uint32 count;
        uint32 onboardingDelay;
        mapping(address account => Member) members;
        mapping(uint32 id => Profile) profiles;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.ParticipantRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xddd17c95423b5bf0e9b0ba73519692d2c307e6e329b2aebc177daf21f2c3f500;

    /// @inheritdoc IParticipantRegistry
    uint32 public constant MIN_ONBOARDING_DELAY = 1 days;
    /// @inheritdoc IParticipantRegistry
    uint32 public constant MAX_ONBOARDING_DELAY = 30 days;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets the access manager and the onboarding delay; called once, through the proxy, at deployment.
     * @dev Reverts with {ParticipantsInvalidOnboardingDelay}. Emits {OnboardingDelaySet}.
     * @param initialAuthority The suite's access manager.
     * @param initialOnboardingDelay Seconds a new institution stays pending.
     */
    function initialize(address initialAuthority, uint32 initialOnboardingDelay) external initializer {
        __AccessManaged_init(initialAuthority);
        _setOnboardingDelay(initialOnboardingDelay);
    }

    /// @inheritdoc IParticipantRegistry
    function onboardingDelay() external view returns (uint32) {
        return _storage().onboardingDelay;
    }

    /// @inheritdoc IParticipantRegistry
    function institutionCount() external view returns (uint32) {
        return _storage().count;
    }

    /// @inheritdoc IParticipantRegistry
    function memberOf(address account) external view returns (Member memory) {
        return _storage().members[account];
    }

    /// @inheritdoc IParticipantRegistry
    function institution(uint32 id) public view returns (Institution memory) {
        ParticipantStorage storage $ = _storage();
        Profile storage p = _profile($, id);
        return
            Institution({
                id: id,
                account: p.account,
                kind: p.kind,
                status: $.members[p.account].status,
                registeredAt: p.registeredAt,
                activatesAt: p.activatesAt,
                statusChangedAt: p.statusChangedAt,
                licenceHash: p.licenceHash,
                pendingAccount: p.pendingAccount,
                name: p.name,
                metadataURI: p.metadataURI
            });
    }

    /// @inheritdoc IParticipantRegistry
    function accountOf(uint32 id) external view returns (address) {
        return _profile(_storage(), id).account;
    }

    /// @inheritdoc IParticipantRegistry
    function statusOf(uint32 id) external view returns (Status) {
        ParticipantStorage storage $ = _storage();
        return $.members[_profile($, id).account].status;
    }

    /// @inheritdoc IParticipantRegistry
    function institutions(
        uint256 offset,
        uint256 limit
    ) external view returns (Institution[] memory page, uint256 total) {
        total = _storage().count;
        uint256 end = Paging.end(total, offset, limit);
        page = new Institution[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            // Ids run from 1; `end` is at most `count`, a uint32.
            page[i - offset] = institution(uint32(i + 1));
        }
    }

    /// @inheritdoc IParticipantRegistry
    function activeInstitution(address account, uint256 allowedKinds) public view returns (uint32 id, Kind kind) {
        Member memory m = _storage().members[account];
        if (m.status != Status.Active) revert ParticipantsNotActive(account, m.status);
        if ((allowedKinds >> uint8(m.kind)) & 1 == 0) revert ParticipantsWrongKind(account, m.kind, allowedKinds);
        return (m.id, m.kind);
    }

    /// @inheritdoc IParticipantRegistry
    function activeInstitutionAndPatients(
        address account,
        uint256 allowedKinds
    ) external view returns (uint32 id, Kind kind, uint64 patients) {
        (id, kind) = activeInstitution(account, allowedKinds);
        patients = _patientCount();
    }

    /// @inheritdoc IParticipantRegistry
    function activeAccountOf(uint32 id, uint256 allowedKinds) external view returns (address account) {
        account = _profile(_storage(), id).account;
        activeInstitution(account, allowedKinds);
    }

    /// @inheritdoc IParticipantRegistry
    function isActive(address account, Kind kind) external view returns (bool) {
        Member memory m = _storage().members[account];
        return m.status == Status.Active && m.kind == kind;
    }

    /// @inheritdoc IParticipantRegistry
    /// @custom:restricted REGISTRAR
    function register(
        address account,
        Kind kind,
        bytes32 licenceHash,
        string calldata name,
        string calldata metadataURI
    ) external restricted returns (uint32 id) {
        if (kind == Kind.None) revert ParticipantsInvalidKind();
        if (licenceHash == bytes32(0)) revert ParticipantsEmptyLicence();
        ParticipantStorage storage $ = _storage();
        _checkFree($, account);
        id = ++$.count;
        $.members[account] = Member({id: id, kind: kind, status: Status.Pending});
        Profile storage p = $.profiles[id];
        // Cannot overflow: the delay is at most 30 days and uint40 seconds last 34,000 years.
        uint40 activatesAt = uint40(block.timestamp) + $.onboardingDelay;
        p.account = account;
        p.kind = kind;
        p.registeredAt = uint40(block.timestamp);
        p.activatesAt = activatesAt;
        p.statusChangedAt = uint40(block.timestamp);
        p.licenceHash = licenceHash;
        p.name = name;
        p.metadataURI = metadataURI;
        emit InstitutionRegistered(id, account, kind, licenceHash, activatesAt, name, metadataURI);
    }

    /// @inheritdoc IParticipantRegistry
    function activate(uint32 id) external {
        ParticipantStorage storage $ = _storage();
        Profile storage p = _profile($, id);
        uint40 activatesAt = p.activatesAt;
        // Status first: a cancelled onboarding past its time must say it is not pending.
        Status status = $.members[p.account].status;
        if (status != Status.Pending) revert ParticipantsInvalidStatus(id, status);
        if (block.timestamp < activatesAt) revert ParticipantsOnboardingNotDue(id, activatesAt);
        _moveStatus(id, Status.Pending, Status.Active, bytes32(0));
    }

    /// @inheritdoc IParticipantRegistry
    /// @custom:restricted GUARDIAN
    function cancelOnboarding(uint32 id, bytes32 reasonCode) external restricted {
        _moveStatus(id, Status.Pending, Status.Cancelled, reasonCode);
    }

    /// @inheritdoc IParticipantRegistry
    /// @custom:restricted GOVERNOR
    function setOnboardingDelay(uint32 delay) external restricted {
        _setOnboardingDelay(delay);
    }

    /// @inheritdoc IParticipantRegistry
    /// @custom:restricted REGISTRAR
    function suspend(uint32 id, bytes32 reasonCode) external restricted {
        _moveStatus(id, Status.Active, Status.Suspended, reasonCode);
    }

    /// @inheritdoc IParticipantRegistry
    /// @custom:restricted GOVERNOR
    function reinstate(uint32 id, uint40 suspendedAt, bytes32 reasonCode) external restricted {
        ParticipantStorage storage $ = _storage();
        Profile storage p = _profile($, id);
        Status status = $.members[p.account].status;
        if (status != Status.Suspended) revert ParticipantsInvalidStatus(id, status);
        // A reinstatement scheduled before this suspension cannot know its time: its delay ran before it.
        if (p.statusChangedAt != suspendedAt) revert ParticipantsSuspensionMismatch(id, suspendedAt, p.statusChangedAt);
        // Even one armed for the right time waits the notice period, during which the guardian can cancel it.
        uint40 reinstatableAt = suspendedAt + $.onboardingDelay;
        if (block.timestamp < reinstatableAt) revert ParticipantsSuspensionTooRecent(id, suspendedAt, reinstatableAt);
        _moveStatus(id, Status.Suspended, Status.Active, reasonCode);
    }

    /// @inheritdoc IParticipantRegistry
    /// @custom:restricted GOVERNOR
    function retire(uint32 id, bytes32 reasonCode) external restricted {
        ParticipantStorage storage $ = _storage();
        Member storage m = $.members[_profile($, id).account];
        Status previous = m.status;
        if (previous == Status.Retired || previous == Status.Cancelled) revert ParticipantsInvalidStatus(id, previous);
        m.status = Status.Retired;
        $.profiles[id].statusChangedAt = uint40(block.timestamp);
        emit InstitutionStatusChanged(id, previous, Status.Retired, reasonCode);
    }

    /// @inheritdoc IParticipantRegistry
    /// @custom:restricted REGISTRAR
    function updateProfile(uint32 id, string calldata name, string calldata metadataURI) external restricted {
        Profile storage p = _profile(_storage(), id);
        p.name = name;
        p.metadataURI = metadataURI;
        emit InstitutionProfileUpdated(id, name, metadataURI);
    }

    /// @inheritdoc IParticipantRegistry
    function proposeAccount(address pending) external {
        ParticipantStorage storage $ = _storage();
        Member memory m = $.members[msg.sender];
        if (m.status != Status.Active) revert ParticipantsNotActive(msg.sender, m.status);
        if (pending != address(0)) _checkFree($, pending);
        $.profiles[m.id].pendingAccount = pending;
        emit AccountRotationProposed(m.id, msg.sender, pending);
    }

    /// @inheritdoc IParticipantRegistry
    function acceptAccount(uint32 id) external {
        ParticipantStorage storage $ = _storage();
        Profile storage p = _profile($, id);
        address pending = p.pendingAccount;
        if (pending == address(0)) revert ParticipantsNoPendingRotation(id);
        if (pending != msg.sender) revert ParticipantsNotPendingAccount(id, msg.sender);
        // A suspension between proposal and acceptance must not be escaped by moving.
        Status status = $.members[p.account].status;
        if (status != Status.Active) revert ParticipantsNotActive(p.account, status);
        _rotate($, id, p, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    /// @custom:restricted GOVERNOR
    function recoverAccount(uint32 id, address account) external restricted {
        ParticipantStorage storage $ = _storage();
        Profile storage p = _profile($, id);
        // A retired or cancelled institution keeps its address for good: moving it would free the address.
        Status status = $.members[p.account].status;
        if (status == Status.Retired || status == Status.Cancelled) revert ParticipantsInvalidStatus(id, status);
        _rotate($, id, p, account);
    }

    /// @inheritdoc UUPSUpgradeable
    /// @custom:restricted GOVERNOR
    /// @custom:oz-upgrades-unsafe-allow-reachable delegatecall
    function upgradeToAndCall(address newImplementation, bytes memory data) public payable override {
        // Overridden only so that this contract's compiled documentation names the role: solc does not carry
        // custom NatSpec tags through @inheritdoc. The check itself is {_authorizeUpgrade}'s.
        super.upgradeToAndCall(newImplementation, data);
    }

    /// @dev Upgrades go through the access manager like every other restricted call; see {upgradeToAndCall}.
    function _authorizeUpgrade(address) internal override restricted {}

    function _rotate(ParticipantStorage storage $, uint32 id, Profile storage p, address account) private {
        _checkFree($, account);
        address previous = p.account;
        $.members[account] = $.members[previous];
        delete $.members[previous];
        // No patient may take it (another institution may, as before): marked on the patients' side.
        _markFormerInstitution(previous, id);
        p.account = account;
        p.pendingAccount = address(0);
        emit AccountRotated(id, previous, account);
    }

    function _moveStatus(uint32 id, Status from, Status to, bytes32 reasonCode) private {
        ParticipantStorage storage $ = _storage();
        Profile storage p = _profile($, id);
        Member storage m = $.members[p.account];
        if (m.status != from) revert ParticipantsInvalidStatus(id, m.status);
        m.status = to;
        p.statusChangedAt = uint40(block.timestamp);
        emit InstitutionStatusChanged(id, from, to, reasonCode);
    }

    function _setOnboardingDelay(uint32 delay) private {
        if (delay < MIN_ONBOARDING_DELAY || delay > MAX_ONBOARDING_DELAY) {
            revert ParticipantsInvalidOnboardingDelay(delay, MIN_ONBOARDING_DELAY, MAX_ONBOARDING_DELAY);
        }
        _storage().onboardingDelay = delay;
        emit OnboardingDelaySet(delay);
    }

    function _checkFree(ParticipantStorage storage $, address account) private view {
        if (account == address(0)) revert ParticipantsZeroAddress();
        // The directory calls services as the gateway: as an institution it would lend every patient that identity.
        if (account == address(this)) revert ParticipantsAddressIsDirectory();
        uint32 owner = $.members[account].id;
        if (owner != 0) revert ParticipantsAddressTaken(account, owner);
        uint64 patientId = _patientAt(account);
        if (patientId != 0) revert ParticipantsAddressIsPatient(account, patientId);
    }

    /**
     * @dev The institution an address is or was the address of, for the patient side: a cancelled onboarding
     * (which never had a right and never will) does not hold its address against a patient, so that the guardian
     * role's cancellation of an onboarding made on a patient's armed recovery address frees it.
     */
    function _institutionAt(address account) internal view override returns (uint32) {
        Member memory m = _storage().members[account];
        return m.status == Status.Cancelled ? 0 : m.id;
    }

    function _profile(ParticipantStorage storage $, uint32 id) private view returns (Profile storage p) {
        p = $.profiles[id];
        if (p.account == address(0)) revert ParticipantsUnknownInstitution(id);
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() private pure returns (ParticipantStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
