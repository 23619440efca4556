// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IDeviceRegistry
 * @notice Patient-generated data (issue 20): device models a regulator approved with their
 * firmware, personal devices bound to a patient by the device's own signature and the patient's action, anchors of
 * encrypted reading batches signed by the device (the digest, the count, the period, the firmware: never a measured
 * value), and the writers a patient names for its own record stream.
 * @dev Work in progress (issue 20): the interface first, with its attackers in docs/design/issue-20.md; not yet
 * implemented or deployed.
 */
interface IDeviceRegistry {
    /// @notice Where a device stands. Revoked is final for the device's key.
    enum DeviceStatus {
        None,
        Bound,
        Revoked
    }

    /**
     * @notice A device model as the regulator approved it.
     * @param manufacturerId The manufacturer (an institution id), named, not the approver.
     * @param modelDigest The digest of the model's technical file (kept off chain).
     * @param withdrawn Whether the whole model is withdrawn.
     * @param firmwareCount How many firmware versions were approved (indices 0 to count - 1).
     */
    struct Model {
        uint32 manufacturerId;
        bytes32 modelDigest;
        bool withdrawn;
        uint16 firmwareCount;
    }

    /**
     * @notice What a device signs to be bound to a patient (EIP-712 `DeviceBinding`), proving it holds its key.
     * @param device The device's address (its key).
     * @param patientId The patient it is bound to.
     * @param modelId The approved model.
     * @param firmware The approved firmware version's index in the model.
     * @param nonce The device's binding nonce.
     * @param deadline The last second the signature is good for.
     */
    struct DeviceBinding {
        address device;
        uint64 patientId;
        uint32 modelId;
        uint16 firmware;
        uint64 nonce;
        uint40 deadline;
    }

    /**
     * @notice An anchor of one period of a device's readings (EIP-712 `ReadingAnchor`, signed by the device).
     * @param device The device.
     * @param sequence The device's next anchor number (replay-proof, in order).
     * @param from The period's first second (after the previous anchor's end).
     * @param to The period's last second.
     * @param count How many readings the batch holds.
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

    /// @notice The caller is not an active regulator.
    /// @param caller The caller.
    error DevicesNotRegulator(address caller);
    /// @notice No model has this id.
    /// @param modelId The id.
    error DevicesUnknownModel(uint32 modelId);
    /// @notice The model, or this firmware version of it, is withdrawn or was never approved.
    /// @param modelId The model.
    /// @param firmware The firmware version.
    error DevicesFirmwareNotApproved(uint32 modelId, uint16 firmware);
    /// @notice The device's signature over the binding (or the anchor) is not the device's.
    /// @param device The device.
    error DevicesBadDeviceSignature(address device);
    /// @notice The device's signature is past its deadline.
    /// @param deadline The deadline.
    error DevicesSignatureExpired(uint40 deadline);
    /// @notice The device is bound to a patient already (it is unbound only by revocation).
    /// @param device The device.
    /// @param patientId Its patient.
    error DevicesAlreadyBound(address device, uint64 patientId);
    /// @notice The device is not bound (never, or revoked).
    /// @param device The device.
    /// @param status Its status.
    error DevicesNotBound(address device, DeviceStatus status);
    /// @notice The device is bound to another patient than the one acting.
    /// @param device The device.
    /// @param patientId The patient acting.
    error DevicesNotPatientsDevice(address device, uint64 patientId);
    /// @notice The anchor is not the device's next one, or its period starts before the previous one ended.
    /// @param device The device.
    /// @param sequence The sequence given.
    /// @param expected The sequence expected.
    error DevicesAnchorOutOfOrder(address device, uint32 sequence, uint32 expected);
    /// @notice The anchor's period overlaps the device's previous one, is empty, or ends in the future.
    /// @param device The device.
    /// @param from Its start.
    /// @param to Its end.
    error DevicesInvalidPeriod(address device, uint40 from, uint40 to);
    /// @notice The writer is not one the patient named for its stream.
    /// @param patientId The patient.
    /// @param writerId The institution that tried to write.
    error DevicesWriterNotNamed(uint64 patientId, uint32 writerId);

    /// @notice A regulator approved a model.
    /// @param modelId The new model.
    /// @param manufacturerId Its manufacturer.
    /// @param regulatorId The approver.
    /// @param modelDigest Its technical file's digest.
    event ModelApproved(
        uint32 indexed modelId,
        uint32 indexed manufacturerId,
        uint32 indexed regulatorId,
        bytes32 modelDigest
    );
    /// @notice A regulator approved a firmware version of a model.
    /// @param modelId The model.
    /// @param firmware The version's index.
    /// @param firmwareDigest The firmware image's digest.
    event FirmwareApproved(uint32 indexed modelId, uint16 firmware, bytes32 firmwareDigest);
    /// @notice A regulator withdrew a firmware version (a recalled patch): its devices' anchors are refused.
    /// @param modelId The model.
    /// @param firmware The version.
    /// @param reasonCode Why.
    event FirmwareWithdrawn(uint32 indexed modelId, uint16 firmware, bytes32 reasonCode);
    /// @notice A device was bound to a patient.
    /// @param device The device.
    /// @param patientId The patient.
    /// @param modelId Its model.
    /// @param firmware Its firmware version.
    /// @param actor Zero for the patient's own key; a guardian's commitment otherwise.
    event DeviceBound(address indexed device, uint64 indexed patientId, uint32 modelId, uint16 firmware, bytes32 actor);
    /// @notice The patient (or a guardian) revoked a device: lost, stolen or retired.
    /// @param device The device.
    /// @param patientId The patient.
    /// @param actor Who acted.
    event DeviceRevoked(address indexed device, uint64 indexed patientId, bytes32 actor);
    /// @notice A device anchored a period of encrypted readings (never a value).
    /// @param device The device.
    /// @param patientId Its patient.
    /// @param sequence The anchor's number.
    /// @param from The period's start.
    /// @param to The period's end.
    /// @param count The readings in the batch.
    /// @param batchDigest The encrypted batch's digest.
    /// @param uri Where the encrypted batch is.
    event ReadingsAnchored(
        address indexed device,
        uint64 indexed patientId,
        uint32 sequence,
        uint40 from,
        uint40 to,
        uint32 count,
        bytes32 batchDigest,
        string uri
    );
    /// @notice A patient named (or removed) a writer for its record stream.
    /// @param patientId The patient.
    /// @param writerId The writer (an institution id).
    /// @param named Whether it may now write.
    event WriterSet(uint64 indexed patientId, uint32 indexed writerId, bool named);
}
