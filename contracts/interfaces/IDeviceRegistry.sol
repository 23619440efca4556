// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRecordRegistry} from "./IRecordRegistry.sol";

/**
 * @title IDeviceRegistry
 * @notice Patient-generated data: device models a regulator approved with their firmware versions, personal
 * devices bound to a patient by the device's own signature and the patient's action, anchors of encrypted reading
 * batches signed by the device (the digest, the count, the period, the firmware: never a measured value), the
 * writers a patient names for its own record stream, and the hospitals that follow a patient's devices under its
 * consent for treatment (remote monitoring).
 * @dev Patients act through the participant directory's gateway (`ParticipantRegistry.execute`), gaslessly and
 * through guardians with the act power. A device is known by its id inside and by its key's address at the edge;
 * its key never moves: a device that is revoked stays revoked, a refurbished one gets a new key. Records a patient,
 * its device or its writer writes are registered in the record registry with their source (see
 * {IRecordRegistry.Source}), through this contract only, and the claim escrow refuses them as treatment.
 */
interface IDeviceRegistry {
    /// @notice Where a device stands. Revoked is final for the device's key.
    enum DeviceStatus {
        None,
        Bound,
        Revoked
    }

    /// @notice A compact ECDSA signature (EIP-2098): `r` and `yParity` in the top bit of `vs`.
    /// @param r The signature's r.
    /// @param vs Its s, with the parity in the top bit.
    struct Signature {
        bytes32 r;
        bytes32 vs;
    }

    /**
     * @notice A withdrawal of a firmware version or a model.
     * @param withdrawnAt When (0: none stands).
     * @param regulatorId The regulator that withdrew it.
     * @param serial Its number: 1 for the version's (or model's) first, counting every withdrawal since.
     */
    struct Withdrawal {
        uint40 withdrawnAt;
        uint32 regulatorId;
        uint32 serial;
    }

    /**
     * @notice A device model as a regulator approved it.
     * @param manufacturerId The manufacturer (an institution id), named, not the approver.
     * @param regulatorId The regulator that approved it.
     * @param firmwareCount How many firmware versions were approved (indices 0 to count - 1).
     * @param withdrawnAt When the whole model was withdrawn (0: it stands).
     * @param withdrawnFirmware A bit set of withdrawn firmware versions (bit i: version i; 128 versions at most).
     * @param modelDigest The digest of the model's technical file (kept off chain).
     */
    struct Model {
        uint32 manufacturerId;
        uint32 regulatorId;
        uint16 firmwareCount;
        uint40 withdrawnAt;
        uint128 withdrawnFirmware;
        bytes32 modelDigest;
    }

    /**
     * @notice What a device signs to be bound to a patient (EIP-712 `DeviceBinding`), proving it holds its key.
     * Binding is once per key (a revoked device is never bound again), so no nonce is needed; the deadline
     * limits how long a signature a device produced can wait.
     * @param device The device's address (its key).
     * @param patientId The patient it is bound to.
     * @param modelId The approved model.
     * @param firmware The approved firmware version's index in the model.
     * @param deadline The last second the signature is good for.
     */
    struct DeviceBinding {
        address device;
        uint64 patientId;
        uint32 modelId;
        uint16 firmware;
        uint40 deadline;
    }

    /**
     * @notice A device as stored.
     * @param deviceId Its id (from 1, in order of binding).
     * @param patientId Its patient.
     * @param modelId Its model.
     * @param firmware The firmware version of its last anchor (of its binding before any).
     * @param status Where it stands.
     * @param sequence How many anchors it made.
     * @param lastEnd The end of its last anchored period (its binding's time before any: its first anchor starts
     * after it).
     * @param boundAt When it was bound: neither its anchors nor its records speak for an earlier time.
     */
    struct Device {
        uint64 deviceId;
        uint64 patientId;
        uint32 modelId;
        uint16 firmware;
        DeviceStatus status;
        uint32 sequence;
        uint40 lastEnd;
        uint40 boundAt;
    }

    /**
     * @notice An anchor of one period of a device's readings (EIP-712 `ReadingAnchor`, signed by the device
     * over these fields and the hash of the batch's URI). Nothing in it is a measured value.
     * @param device The device.
     * @param sequence The device's next anchor number (1 for its first): replay-proof, in order.
     * @param from The period's first second (after the previous anchor's end).
     * @param to The period's last second (not in the future).
     * @param count How many readings the batch holds (at least one).
     * @param firmware The firmware version that measured them.
     * @param batchDigest The digest of the encrypted batch kept off chain.
     */
    struct ReadingAnchor {
        address device;
        uint32 sequence;
        uint40 from;
        uint40 to;
        uint32 count;
        uint16 firmware;
        bytes32 batchDigest;
    }

    // ------------------------------------------------------------------------------------------------- errors

    /// @notice No model has this id.
    /// @param modelId The id.
    error DevicesUnknownModel(uint256 modelId);

    /// @notice This manufacturer's model with this technical file was approved already (a model is approved once,
    /// by one regulator, which alone approves its patches).
    /// @param modelId The model approved.
    error DevicesModelExists(uint256 modelId);

    /// @notice The model's manufacturer (active) did not provision this device key for this model.
    /// @param device The device.
    /// @param modelId The model.
    error DevicesNotProvisioned(address device, uint32 modelId);

    /// @notice A restoration names another withdrawal than the one standing (or nothing stands).
    /// @param modelId The model.
    /// @param version The firmware version ({WHOLE_MODEL} for the model).
    /// @param named The withdrawal's number named.
    /// @param serial The standing withdrawal's number (0: none stands).
    error DevicesWithdrawalMismatch(uint256 modelId, uint16 version, uint32 named, uint32 serial);

    /// @notice This regulator's withdrawal of the version (or model) already stands: withdrawing it again would only
    /// void governance's scheduled restoration.
    /// @param modelId The model.
    /// @param version The firmware version ({WHOLE_MODEL} for the model).
    /// @param regulatorId The regulator.
    error DevicesWithdrawalStands(uint256 modelId, uint16 version, uint32 regulatorId);

    /// @notice A restoration comes before the suite's notice period (the directory's onboarding delay) after the
    /// withdrawal it undoes has passed.
    /// @param modelId The model.
    /// @param withdrawnAt The withdrawal's time.
    /// @param restorableAt The first second it can be undone.
    error DevicesRestoreTooEarly(uint256 modelId, uint40 withdrawnAt, uint40 restorableAt);

    /// @notice A model is handed to the regulator that already holds it.
    /// @param modelId The model.
    /// @param regulatorId Its regulator.
    error DevicesRegulatorUnchanged(uint256 modelId, uint32 regulatorId);

    /// @notice A device's record is dated before the device was bound: it cannot speak for a time it was nobody's.
    /// @param deviceId The device.
    /// @param issuedAt The record's date.
    /// @param boundAt The device's binding time.
    error DevicesRecordBeforeBinding(uint64 deviceId, uint40 issuedAt, uint40 boundAt);

    /// @notice A model or firmware digest is zero, or a model is approved with no firmware.
    error DevicesEmptyDigest();

    /// @notice The model has the most firmware versions a model can have (128).
    /// @param modelId The model.
    error DevicesTooManyFirmware(uint256 modelId);

    /// @notice Only the regulator that approved a model approves new firmware for it (another, more lenient one
    /// could otherwise approve a patch the first would refuse).
    /// @param modelId The model.
    /// @param regulatorId The caller's institution id.
    error DevicesNotModelRegulator(uint256 modelId, uint32 regulatorId);

    /// @notice The model is withdrawn, or this firmware version of it is withdrawn or was never approved.
    /// @param modelId The model.
    /// @param firmware The firmware version.
    error DevicesFirmwareNotApproved(uint256 modelId, uint16 firmware);

    /// @notice The manufacturer did not ask this regulator to approve this model with these firmware images.
    /// @param manufacturerId The manufacturer.
    /// @param modelDigest The model's technical file's digest.
    /// @param regulatorId The regulator approving.
    error DevicesNotRequested(uint32 manufacturerId, bytes32 modelDigest, uint32 regulatorId);

    /// @notice The signature is not the device's.
    /// @param device The device.
    error DevicesBadDeviceSignature(address device);

    /// @notice The device's binding signature is past its deadline.
    /// @param deadline The deadline.
    /// @param now The block time.
    error DevicesSignatureExpired(uint40 deadline, uint256 now);

    /// @notice The binding names another patient than the one acting.
    /// @param patientId The patient acting.
    /// @param named The patient the binding names.
    error DevicesPatientMismatch(uint64 patientId, uint64 named);

    /// @notice The device's key was bound before (it is bound, or revoked for good).
    /// @param device The device.
    /// @param status Its status.
    error DevicesKeyUsed(address device, DeviceStatus status);

    /// @notice The device is not bound (never bound, or revoked).
    /// @param device The device.
    /// @param status Its status.
    error DevicesNotBound(address device, DeviceStatus status);

    /// @notice The device is bound to another patient than the one acting.
    /// @param device The device.
    /// @param patientId The patient acting.
    error DevicesNotPatientsDevice(address device, uint64 patientId);

    /// @notice No device has this id.
    /// @param deviceId The id.
    error DevicesUnknownDevice(uint256 deviceId);

    /// @notice The anchor is not the device's next one.
    /// @param device The device.
    /// @param sequence The sequence given.
    /// @param expected The sequence expected.
    error DevicesAnchorOutOfOrder(address device, uint32 sequence, uint32 expected);

    /// @notice The anchor's period starts before the device's previous one ended, ends before it starts, or ends
    /// in the future.
    /// @param device The device.
    /// @param from Its start.
    /// @param to Its end.
    /// @param lastEnd The end of the device's previous period.
    error DevicesInvalidPeriod(address device, uint40 from, uint40 to, uint40 lastEnd);

    /// @notice The anchor names a firmware version older than the device's last one: a device is never rolled
    /// back to a version it left (perhaps withdrawn since, perhaps withdrawn later).
    /// @param device The device.
    /// @param firmware The version named.
    /// @param current The device's version.
    error DevicesFirmwareRollback(address device, uint16 firmware, uint16 current);

    /// @notice The anchor has no reading, no batch digest or no URI.
    /// @param device The device.
    error DevicesEmptyAnchor(address device);

    /// @notice The writer is not one the patient named for its stream.
    /// @param patientId The patient.
    /// @param writerId The institution that tried to write.
    error DevicesWriterNotNamed(uint64 patientId, uint32 writerId);

    /// @notice The writer is already named (or, to remove it, not named).
    /// @param patientId The patient.
    /// @param writerId The writer.
    /// @param named Its current standing.
    error DevicesWriterUnchanged(uint64 patientId, uint32 writerId, bool named);

    /// @notice The record names another patient than the one acting.
    /// @param patientId The patient acting.
    /// @param named The patient the record names.
    error DevicesRecordPatientMismatch(uint64 patientId, uint64 named);

    /// @notice The hospital has no live treatment basis to read the patient's device readings (a grant for
    /// treatment over all its records or the device-readings type, or an open emergency access).
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    error DevicesNoTreatmentConsent(uint64 patientId, uint32 hospitalId);

    /// @notice The hospital already follows the patient's devices.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    error DevicesAlreadyFollowing(uint64 patientId, uint32 hospitalId);

    /// @notice The hospital does not follow the patient's devices.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    error DevicesNotFollowing(uint64 patientId, uint32 hospitalId);

    /// @notice The patient's devices are followed by the most hospitals they can be ({MAX_FOLLOWERS}).
    /// @param patientId The patient.
    error DevicesTooManyFollowers(uint64 patientId);

    /// @notice Anyone may drop a follower only once its basis lapsed; this one's still holds.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    error DevicesFollowerStillConsented(uint64 patientId, uint32 hospitalId);

    /// @notice The record registry has no read policy to ask for consent.
    error DevicesNoReadPolicy();

    /// @notice A manufacturer names the provisioning key it already has.
    /// @param manufacturerId The manufacturer.
    /// @param key The key.
    error DevicesProvisionerUnchanged(uint32 manufacturerId, address key);

    /// @notice A suspended manufacturer names a provisioning key: suspended, it may only clear it (zero).
    /// @param manufacturerId The manufacturer.
    /// @param key The key named.
    error DevicesSuspendedProvisioner(uint32 manufacturerId, address key);

    /// @notice A device's record names a firmware version newer than the one the device is known to run (its
    /// binding's, or its last anchor's): it anchors on the new version first.
    /// @param device The device.
    /// @param firmware The version named.
    /// @param current The version it runs.
    error DevicesFirmwareNotRun(address device, uint16 firmware, uint16 current);

    /// @notice The account is not a manufacturer that is active or suspended (setting a provisioning key), or the id
    /// is not a manufacturer's (asking for its key).
    /// @param account The account.
    error DevicesNotManufacturer(address account);

    // ------------------------------------------------------------------------------------------------- events

    /// @notice A regulator approved a model.
    /// @param modelId The new model.
    /// @param manufacturerId Its manufacturer.
    /// @param regulatorId The approver.
    /// @param modelDigest Its technical file's digest.
    event ModelApproved(
        uint256 indexed modelId,
        uint32 indexed manufacturerId,
        uint32 indexed regulatorId,
        bytes32 modelDigest
    );

    /// @notice A regulator approved a firmware version of a model.
    /// @param modelId The model.
    /// @param firmware The version's index.
    /// @param firmwareDigest The firmware image's digest.
    /// @param regulatorId The approver.
    event FirmwareApproved(uint256 indexed modelId, uint16 firmware, bytes32 firmwareDigest, uint32 regulatorId);

    /// @notice A manufacturer asked a regulator to approve a model with these firmware images.
    /// @param manufacturerId The manufacturer.
    /// @param regulatorId The regulator it chose.
    /// @param modelDigest The model's technical file's digest.
    /// @param firmwareDigests The firmware images' digests, versions 0, 1, ...
    event ApprovalRequested(
        uint32 indexed manufacturerId,
        uint32 indexed regulatorId,
        bytes32 modelDigest,
        bytes32[] firmwareDigests
    );

    /// @notice A regulator withdrew a firmware version (a recalled patch): its devices' anchors are refused until
    /// they run an approved version.
    /// @param modelId The model.
    /// @param firmware The version.
    /// @param regulatorId The regulator.
    /// @param serial The withdrawal's number, for this version (a restoration names it).
    /// @param reasonCode Why.
    event FirmwareWithdrawn(
        uint256 indexed modelId,
        uint16 firmware,
        uint32 regulatorId,
        uint32 serial,
        bytes32 reasonCode
    );

    /// @notice A regulator withdrew a whole model: none of its devices anchors or binds again.
    /// @param modelId The model.
    /// @param regulatorId The regulator.
    /// @param serial The withdrawal's number, for this model (a restoration names it).
    /// @param reasonCode Why.
    event ModelWithdrawn(uint256 indexed modelId, uint32 regulatorId, uint32 serial, bytes32 reasonCode);

    /// @notice Governance restored a withdrawn model (a mistaken or malicious withdrawal), after its delay.
    /// @param modelId The model.
    /// @param serial The withdrawal it undid.
    /// @param reasonCode Why.
    event ModelRestored(uint256 indexed modelId, uint32 serial, bytes32 reasonCode);

    /// @notice Governance restored a withdrawn firmware version (a mistaken or malicious withdrawal), after its delay.
    /// @param modelId The model.
    /// @param firmware The version.
    /// @param serial The withdrawal it undid.
    /// @param reasonCode Why.
    event FirmwareRestored(uint256 indexed modelId, uint16 firmware, uint32 serial, bytes32 reasonCode);

    /// @notice Governance handed a model to another regulator, which alone approves its patches from now on.
    /// @param modelId The model.
    /// @param fromRegulatorId The regulator that held it.
    /// @param toRegulatorId The regulator that holds it now.
    /// @param reasonCode Why.
    event ModelReassigned(uint256 indexed modelId, uint32 fromRegulatorId, uint32 toRegulatorId, bytes32 reasonCode);

    /// @notice A device was bound to a patient.
    /// @param deviceId Its id.
    /// @param patientId The patient.
    /// @param device Its key's address.
    /// @param modelId Its model.
    /// @param firmware Its firmware version.
    /// @param actor Zero for the patient's own key; a guardian's commitment otherwise.
    event DeviceBound(
        uint64 indexed deviceId,
        uint64 indexed patientId,
        address indexed device,
        uint32 modelId,
        uint16 firmware,
        bytes32 actor
    );

    /// @notice The patient (or a guardian) revoked a device: lost, stolen or retired. Its later anchors are
    /// refused; the earlier ones stand.
    /// @param deviceId The device.
    /// @param patientId The patient.
    /// @param actor Who acted.
    event DeviceRevoked(uint64 indexed deviceId, uint64 indexed patientId, bytes32 actor);

    /**
     * @notice A device anchored a period of encrypted readings (never a value).
     * @param deviceId The device.
     * @param patientId Its patient.
     * @param sequence The anchor's number.
     * @param from The period's start.
     * @param to The period's end.
     * @param count The readings in the batch.
     * @param firmware The firmware version that measured them.
     * @param batchDigest The encrypted batch's digest.
     * @param uri Where the encrypted batch is.
     */
    event ReadingsAnchored(
        uint64 indexed deviceId,
        uint64 indexed patientId,
        uint32 sequence,
        uint40 from,
        uint40 to,
        uint32 count,
        uint16 firmware,
        bytes32 batchDigest,
        string uri
    );

    /// @notice A following hospital is told of a new anchor of its patient's device (one per follower whose treatment
    /// basis still holds at the anchor).
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    /// @param deviceId The device.
    /// @param sequence The anchor's number.
    event MonitoringNotice(
        uint64 indexed patientId,
        uint32 indexed hospitalId,
        uint64 indexed deviceId,
        uint32 sequence
    );

    /// @notice A hospital began to follow a patient's devices.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    event Followed(uint64 indexed patientId, uint32 indexed hospitalId);

    /// @notice A hospital stopped following a patient's devices.
    /// @param patientId The patient.
    /// @param hospitalId The hospital.
    /// @param by Who ended it: the hospital itself (0), the patient or a guardian (1), its basis lapsing (2: found by
    /// anyone's {dropLapsedFollower}, or by an anchor).
    event Unfollowed(uint64 indexed patientId, uint32 indexed hospitalId, uint8 by);

    /// @notice A patient named (or removed) a writer for its record stream.
    /// @param patientId The patient.
    /// @param writerId The writer (an institution id).
    /// @param named Whether it may now write.
    /// @param actor Who acted for the patient.
    event WriterSet(uint64 indexed patientId, uint32 indexed writerId, bool named, bytes32 actor);

    /// @notice A manufacturer named the key that provisions its devices (zero: its own account again).
    /// @param manufacturerId The manufacturer.
    /// @param key The provisioning key.
    event ProvisionerSet(uint32 indexed manufacturerId, address key);

    // ------------------------------------------------------------------------------------------------- models

    /**
     * @notice An active manufacturer asks the active regulator it chooses to approve a model (its technical file)
     * with these firmware images; asking again (another regulator, other images) replaces the request. Only that
     * regulator can then approve it, and only with those images, and only while the account that asked is still the
     * manufacturer's (a request made from a stolen account dies with its recovery or rotation).
     * @dev Reverts with the directory's errors for a caller that is not an active manufacturer or a regulator id
     * that is not an active regulator, or {DevicesModelExists}. Emits {ApprovalRequested}.
     * @param regulatorId The regulator.
     * @param modelDigest The digest of the model's technical file.
     * @param firmwareDigests The digests of its firmware images, versions 0, 1, ...
     */
    function requestApproval(uint32 regulatorId, bytes32 modelDigest, bytes32[] calldata firmwareDigests) external;

    /**
     * @notice The active regulator a manufacturer asked approves its device model, with the firmware versions it
     * submitted ({requestApproval}): a rival regulator cannot approve a model first, nor put other images in it.
     * @dev Reverts with the directory's errors for a caller that is not an active regulator or a manufacturer id
     * that is not an active manufacturer, or {DevicesModelExists}, {DevicesNotRequested}, {DevicesEmptyDigest} or
     * {DevicesTooManyFirmware}. Emits {ModelApproved} and a {FirmwareApproved} per version.
     * @param manufacturerId The manufacturer.
     * @param modelDigest The digest of the model's technical file.
     * @param firmwareDigests The digests of its approved firmware images (1 to 128), versions 0, 1, ...
     * @return modelId The model's id.
     */
    function approveModel(
        uint32 manufacturerId,
        bytes32 modelDigest,
        bytes32[] calldata firmwareDigests
    ) external returns (uint256 modelId);

    /**
     * @notice The active regulator that approved a model approves a new firmware version of it (a patch).
     * @dev Reverts with the directory's errors, {DevicesUnknownModel}, {DevicesNotModelRegulator},
     * {DevicesFirmwareNotApproved} (the model is withdrawn), {DevicesEmptyDigest} or {DevicesTooManyFirmware}. Emits {FirmwareApproved}.
     * @param modelId The model.
     * @param firmwareDigest The firmware image's digest.
     * @return firmware The version's index.
     */
    function approveFirmware(uint256 modelId, bytes32 firmwareDigest) external returns (uint16 firmware);

    /**
     * @notice An active regulator withdraws a firmware version: devices running it anchor nothing until they run
     * an approved version, none binds with it and no device record names it. Any regulator may: withdrawing only
     * stops things, and governance can restore a version ({restoreFirmware}). Each withdrawal is numbered: another
     * regulator's recall of a withdrawn version is recorded as the next one, so a restoration scheduled against the
     * first no longer matches (even in the same block); the same regulator's again is refused.
     * @dev Reverts with the directory's errors, {DevicesUnknownModel}, {DevicesFirmwareNotApproved} (never
     * approved) or {DevicesWithdrawalStands}. Emits {FirmwareWithdrawn}.
     * @param modelId The model.
     * @param firmware The version.
     * @param reasonCode Why.
     */
    function withdrawFirmware(uint256 modelId, uint16 firmware, bytes32 reasonCode) external;

    /**
     * @notice Governance restores a withdrawn model, naming the withdrawal it undoes by its number (so that it cannot
     * be scheduled before it, nor undo a later one), after the governor's public delay during which the guardian role
     * can cancel it: a rival regulator's or a mistaken withdrawal does not end every device of the model for good.
     * Even then it waits the suite's notice period (the directory's onboarding delay) after the withdrawal.
     * @dev Reverts with {DevicesUnknownModel}, {DevicesWithdrawalMismatch} or {DevicesRestoreTooEarly}. Emits
     * {ModelRestored}.
     * @param modelId The model.
     * @param serial The number of the withdrawal undone ({withdrawalOf} with {WHOLE_MODEL}).
     * @param reasonCode Why.
     * @custom:restricted GOVERNOR
     */
    function restoreModel(uint256 modelId, uint32 serial, bytes32 reasonCode) external;

    /**
     * @notice Governance restores a withdrawn firmware version, naming the withdrawal it undoes by its number (so
     * that it cannot be scheduled before it, nor undo a later one), after the governor's public delay during which
     * the guardian role can cancel it: a rival regulator's or a mistaken withdrawal of a patch does not end it for
     * good. The version can be withdrawn again. It waits the suite's notice period (the directory's onboarding
     * delay) after the withdrawal.
     * @dev Reverts with {DevicesUnknownModel}, {DevicesWithdrawalMismatch} or {DevicesRestoreTooEarly}. Emits
     * {FirmwareRestored}.
     * @param modelId The model.
     * @param firmware The version.
     * @param serial The number of the withdrawal undone ({withdrawalOf}).
     * @param reasonCode Why.
     * @custom:restricted GOVERNOR
     */
    function restoreFirmware(uint256 modelId, uint16 firmware, uint32 serial, bytes32 reasonCode) external;

    /**
     * @notice Governance hands a model to another active regulator, which alone approves its patches from then on
     * (the first regulator to approve a model holds it; one that is suspended, retired or refuses to approve a
     * needed patch would otherwise freeze it), after the governor's public delay.
     * @dev Reverts with {DevicesUnknownModel}, the directory's errors for a regulator id that is not an active
     * regulator, or {DevicesRegulatorUnchanged}. Emits {ModelReassigned}.
     * @param modelId The model.
     * @param regulatorId The regulator that holds it from now on.
     * @param reasonCode Why.
     * @custom:restricted GOVERNOR
     */
    function reassignModel(uint256 modelId, uint32 regulatorId, bytes32 reasonCode) external;

    /**
     * @notice An active regulator withdraws a whole model: none of its devices binds or anchors again.
     * Its withdrawals are numbered as a firmware version's: another regulator's is recorded as the next one, the same
     * regulator's again is refused.
     * @dev Reverts with the directory's errors, {DevicesUnknownModel} or {DevicesWithdrawalStands}. Emits
     * {ModelWithdrawn}.
     * @param modelId The model.
     * @param reasonCode Why.
     */
    function withdrawModel(uint256 modelId, bytes32 reasonCode) external;

    // ------------------------------------------------------------------------------------------- manufacturers

    /**
     * @notice A manufacturer names the key that provisions its devices at production (a factory's signing key, kept
     * apart from its institution account), or zero for its own account: its provisioning then survives a move of its
     * account (a rotation, a recovery), and a manufacturer whose account is a contract (a multisig) can provision. A
     * new key voids what the previous one provisioned and was not bound yet (a leaked key is replaced). A suspended
     * manufacturer may only clear it (zero: its account, whoever holds it once governance recovered it): the owner
     * of an account recovered from a thief clears the thief's key before the reinstatement, and a thief still
     * holding a suspended account cannot name one.
     * @dev Reverts with {DevicesNotManufacturer} for a caller that is not a manufacturer active or suspended,
     * {DevicesSuspendedProvisioner} or {DevicesProvisionerUnchanged}. Emits {ProvisionerSet}.
     * @param key The provisioning key, or zero.
     */
    function setProvisioner(address key) external;

    // ------------------------------------------------------------------------------------------------ devices

    /**
     * @notice A patient (through the gateway, or a guardian with the act power) binds a personal device: the
     * device's EIP-712 signature over the binding proves it holds its key and agrees to the patient, model and
     * firmware; the manufacturer's signature over the key and the model (`DeviceProvisioning`, made at production by
     * its provisioning key, {provisionerOf}) proves the key is a real device of that model, not one the patient made
     * up. The device's first anchor starts
     * after the binding.
     * @dev Reverts with {PatientsNotThroughGateway}, {PatientsGuardianLacksPower}, {DevicesPatientMismatch},
     * {DevicesSignatureExpired}, {DevicesKeyUsed}, {DevicesUnknownModel}, {DevicesFirmwareNotApproved},
     * {DevicesBadDeviceSignature}, the directory's errors for a manufacturer that is not active, or
     * {DevicesNotProvisioned}. Emits {DeviceBound}.
     * @param binding What the device signed.
     * @param signature The device's signature, compact.
     * @param provisioning The model's manufacturer's signature over the device's key and the model, compact.
     * @return deviceId The device's id.
     */
    function bindDevice(
        DeviceBinding calldata binding,
        Signature calldata signature,
        Signature calldata provisioning
    ) external returns (uint64 deviceId);

    /**
     * @notice The patient (or a guardian with the act power) revokes its device at once: lost, stolen, retired.
     * Its later anchors are refused; the earlier ones stand. Final for the device's key.
     * @dev Reverts with the gateway's errors, {DevicesNotBound} or {DevicesNotPatientsDevice}. Emits
     * {DeviceRevoked}.
     * @param device The device.
     */
    function revokeDevice(address device) external;

    /**
     * @notice Anyone (the patient's phone, a relayer) anchors a period of a device's readings, signed by the
     * device: the device must be bound, its model and the firmware named approved and not withdrawn, the anchor
     * its next in sequence, its period after the previous one's end (or the binding) and not in the future, its
     * firmware not older than the device's last. Tells each following hospital whose treatment basis still holds
     * ({MonitoringNotice}); drops one that is no longer active or whose basis lapsed ({Unfollowed}, by 2).
     * @dev Reverts with {DevicesNotBound}, {DevicesAnchorOutOfOrder}, {DevicesInvalidPeriod},
     * {DevicesEmptyAnchor}, {DevicesFirmwareRollback}, {DevicesFirmwareNotApproved},
     * {DevicesBadDeviceSignature}, or {DevicesNoReadPolicy} when a follower must be asked and governance took the
     * record registry's read policy away. Emits
     * {ReadingsAnchored}.
     * @param anchor_ The anchor.
     * @param uri Where the encrypted batch is (its hash is signed).
     * @param signature The device's signature, compact.
     */
    function anchor(ReadingAnchor calldata anchor_, string calldata uri, Signature calldata signature) external;

    // ------------------------------------------------------------------------------------------------ streams

    /**
     * @notice A patient (or a guardian with the act power) names or removes a writer for its record stream: an
     * institution (a clinic, an app) that may write records into it while named. Removal is immediate.
     * @dev Naming reverts with the directory's errors for an institution that is not active; both with the
     * gateway's errors or {DevicesWriterUnchanged}. Emits {WriterSet}.
     * @param writerId The institution.
     * @param named Whether it may write.
     */
    function setWriter(uint32 writerId, bool named) external;

    /**
     * @notice A patient (or a guardian with the act power) writes a record into its own stream, from itself
     * (`deviceId` 0) or from one of its bound devices, which signs the record (`DeviceRecord`: device, patient,
     * digest, type, time, and the firmware version that measured it: approved now, of a model that stands, never newer
     * than the one the device is known to run) dated no earlier than its binding: a device's record is the device's word. The record is read under consent like any
     * other and can be contributed to research; it is never a treatment (the claim escrow refuses it).
     * @dev Reverts with the gateway's errors, {DevicesRecordPatientMismatch}, {DevicesUnknownDevice},
     * {DevicesNotBound}, {DevicesNotPatientsDevice}, {DevicesRecordBeforeBinding}, {DevicesFirmwareNotRun},
     * {DevicesFirmwareNotApproved},
     * {DevicesBadDeviceSignature}, or the record registry's errors. The registry emits `RecordRegistered` (issuer 0) and `RecordSourced`.
     * @param record The record (its patient must be the one acting).
     * @param deviceId The device it comes from, or 0.
     * @param firmware The firmware version that measured it, as the device signed it (ignored for the patient's own).
     * @param deviceSignature The device's signature over the record, compact (ignored for the patient's own).
     * @return recordId The record's id.
     */
    function writeOwnRecord(
        IRecordRegistry.RecordInput calldata record,
        uint64 deviceId,
        uint16 firmware,
        Signature calldata deviceSignature
    ) external returns (uint256 recordId);

    /**
     * @notice An active institution the patient named as a writer writes a record into the patient's stream.
     * @dev Reverts with the directory's errors, {DevicesWriterNotNamed} or the record registry's errors.
     * @param record The record.
     * @return recordId The record's id.
     */
    function writeRecord(IRecordRegistry.RecordInput calldata record) external returns (uint256 recordId);

    // --------------------------------------------------------------------------------------------- monitoring

    /**
     * @notice An active hospital with a live treatment basis for the patient's device readings (a grant for
     * treatment over all records or the device-readings type, or an open emergency access) follows the patient's
     * devices: every later anchor tells it ({MonitoringNotice}). The SDK re-checks the basis when it reads.
     * @dev Reverts with the directory's errors, {DevicesNoReadPolicy}, {DevicesNoTreatmentConsent},
     * {DevicesAlreadyFollowing} or {DevicesTooManyFollowers}. Emits {Followed}.
     * @param patientId The patient.
     */
    function follow(uint64 patientId) external;

    /**
     * @notice A following hospital stops following (by its current address, active or not).
     * @dev Reverts with {DevicesNotFollowing}. Emits {Unfollowed}.
     * @param patientId The patient.
     */
    function unfollow(uint64 patientId) external;

    /**
     * @notice The patient (or a guardian with the act power) stops a hospital following its devices, at once.
     * @dev Reverts with the gateway's errors or {DevicesNotFollowing}. Emits {Unfollowed}.
     * @param hospitalId The hospital.
     */
    function dropFollower(uint32 hospitalId) external;

    /**
     * @notice Anyone drops a follower whose treatment basis lapsed (the grant expired or was revoked, the
     * emergency closed), so that no hospital is told of anchors it may no longer read.
     * @dev Reverts with {DevicesNotFollowing}, {DevicesNoReadPolicy} or {DevicesFollowerStillConsented}. Emits
     * {Unfollowed}.
     * @param patientId The patient.
     * @param hospitalId The hospital.
     */
    function dropLapsedFollower(uint64 patientId, uint32 hospitalId) external;

    // -------------------------------------------------------------------------------------------------- views

    /// @notice The most hospitals that follow one patient's devices at once.
    function MAX_FOLLOWERS() external view returns (uint256);

    /// @notice The record type of device readings, the type a hospital's consent names to follow them.
    function DEVICE_READINGS() external view returns (uint8);

    /// @notice The version number that stands for a whole model in {withdrawalOf} and the withdrawal errors (a
    /// model has 128 versions at most).
    function WHOLE_MODEL() external view returns (uint16);

    /// @notice EIP-712 type hash of {DeviceBinding}.
    function BINDING_TYPEHASH() external view returns (bytes32);

    /// @notice The key a manufacturer's provisioning signatures are checked against: the one it named, or its
    /// account (its devices bind only while it is active).
    /// @dev Reverts with {ParticipantsUnknownInstitution} or {DevicesNotManufacturer}.
    /// @param manufacturerId The manufacturer.
    function provisionerOf(uint32 manufacturerId) external view returns (address);

    /// @notice EIP-712 type hash of `DeviceProvisioning(address device,uint32 modelId)`, the manufacturer's.
    function PROVISIONING_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type hash of `DeviceRecord(address device,uint64 patientId,bytes32 digest,uint8 recordType,
    /// uint40 issuedAt,uint16 firmware)`, a device's signature over a record of its patient's stream.
    function RECORD_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type hash of {ReadingAnchor} (with `bytes32 uriHash` last).
    function ANCHOR_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 domain separator devices sign for (name "MIIP Devices", version "1").
    function domainSeparator() external view returns (bytes32);

    /// @notice A model.
    /// @dev Reverts with {DevicesUnknownModel}.
    /// @param modelId The model.
    function getModel(uint256 modelId) external view returns (Model memory);

    /// @notice Whether a firmware version of a model is approved and neither it nor the model is withdrawn.
    /// @param modelId The model.
    /// @param firmware The version.
    function isApproved(uint256 modelId, uint16 firmware) external view returns (bool);

    /// @notice The standing withdrawal of a firmware version, or of the whole model with {WHOLE_MODEL}: when, by which
    /// regulator, its number (`withdrawnAt` 0: none stands; the number of the last one stays).
    /// @param modelId The model.
    /// @param version The version, or {WHOLE_MODEL}.
    function withdrawalOf(uint256 modelId, uint16 version) external view returns (Withdrawal memory);

    /// @notice How many models were approved; ids run from 1 to this number.
    function modelCount() external view returns (uint256);

    /// @notice A device by its key's address (status None and zeros if never bound).
    /// @param device The device.
    function deviceOf(address device) external view returns (Device memory);

    /// @notice A device's key's address by its id.
    /// @dev Reverts with {DevicesUnknownDevice}.
    /// @param deviceId The device.
    function deviceAddress(uint64 deviceId) external view returns (address);

    /// @notice How many devices were bound; ids run from 1 to this number.
    function deviceCount() external view returns (uint256);

    /**
     * @notice A page of a patient's devices (their addresses, in order of binding, revoked ones included).
     * @param patientId The patient.
     * @param offset How many to skip.
     * @param limit The most to return.
     * @return devices The page.
     * @return total How many devices the patient ever bound.
     */
    function devicesOf(
        uint64 patientId,
        uint256 offset,
        uint256 limit
    ) external view returns (address[] memory devices, uint256 total);

    /// @notice Whether an institution may write into a patient's stream now: named by the patient and active.
    /// @param patientId The patient.
    /// @param writerId The institution.
    function isWriter(uint64 patientId, uint32 writerId) external view returns (bool);

    /// @notice The hospitals following a patient's devices (at most {MAX_FOLLOWERS}).
    /// @param patientId The patient.
    function followersOf(uint64 patientId) external view returns (uint32[] memory);
}
