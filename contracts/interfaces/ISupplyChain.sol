// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "./IParticipantRegistry.sol";

/**
 * @title ISupplyChain
 * @notice The path of a medicine from factory to patient: batches whose unit serials are a Merkle root, custody
 * handed over in two steps with exact quantities, cold-chain readings signed by registered IoT devices that
 * quarantine goods out of range, recalls, dispensing each serial once, and a public check of any unit.
 * @dev Institutions are identified by their permanent id in the participant directory, so custody follows an
 * institution to a new address and a suspended one can neither ship, accept nor dispense. Provenance (every
 * holder, every handover, with times) is rebuilt from the events; storage keeps the current quantities.
 */
interface ISupplyChain {
    /// @notice Active, or recalled (nothing moves or is dispensed any more).
    enum BatchStatus {
        None,
        Active,
        Recalled
    }

    /// @notice Where a shipment stands.
    enum ShipmentStatus {
        None,
        InTransit,
        Accepted,
        Refused
    }

    /// @notice What a device measures. `None` marks an address that is no device.
    enum DeviceKind {
        None,
        TemperatureLogger,
        HumidityLogger,
        CombinedLogger
    }

    /**
     * @notice A batch as its manufacturer registers it.
     * @param gtin The product's GTIN-14, as a number.
     * @param lot The lot number, right-padded ASCII.
     * @param manufacturedAt Manufacturing date (unix time).
     * @param expiresAt Expiry date (unix time), after manufacture.
     * @param quantity Number of units.
     * @param tempMin Lowest allowed temperature, in hundredths of a degree Celsius.
     * @param tempMax Highest allowed temperature, in hundredths of a degree Celsius.
     * @param humidityMin Lowest allowed relative humidity, in hundredths of a percent.
     * @param humidityMax Highest allowed relative humidity, in hundredths of a percent.
     * @param serialRoot Merkle root of the units' serial numbers (OpenZeppelin standard tree of
     * `(uint256 index, bytes32 serial)`, indexes 0 to quantity - 1).
     * @param metadataURI Where the batch's public documentation lives (in the event only).
     */
    struct BatchInput {
        uint64 gtin;
        bytes32 lot;
        uint40 manufacturedAt;
        uint40 expiresAt;
        uint64 quantity;
        int16 tempMin;
        int16 tempMax;
        uint16 humidityMin;
        uint16 humidityMax;
        bytes32 serialRoot;
        string metadataURI;
    }

    /**
     * @notice A batch as stored.
     * @param manufacturerId The manufacturer.
     * @param gtin Product code.
     * @param manufacturedAt Manufacturing date.
     * @param expiresAt Expiry date.
     * @param status Active or recalled.
     * @param tempMin Lowest allowed temperature (hundredths of a degree).
     * @param tempMax Highest allowed temperature.
     * @param humidityMin Lowest allowed humidity (hundredths of a percent).
     * @param humidityMax Highest allowed humidity.
     * @param serialRoot Merkle root of the serials.
     * @param quantity Units registered.
     * @param destroyed Units destroyed after quarantine.
     * @param excursions Readings out of range so far.
     * @param recalledAt When its current recall was made (0 if it is not recalled): what a withdrawal names.
     * @param lot Lot number.
     */
    struct Batch {
        uint32 manufacturerId;
        uint64 gtin;
        uint40 manufacturedAt;
        uint40 expiresAt;
        BatchStatus status;
        int16 tempMin;
        int16 tempMax;
        uint16 humidityMin;
        uint16 humidityMax;
        bytes32 serialRoot;
        uint64 quantity;
        uint64 destroyed;
        uint32 excursions;
        uint40 recalledAt;
        bytes32 lot;
    }

    /**
     * @notice A shipment.
     * @param batchId The batch.
     * @param fromId Sender institution.
     * @param toId Receiver institution.
     * @param quantity Units.
     * @param status In transit, accepted or refused.
     * @param quarantined Whether a reading out of range quarantined its goods.
     * @param shippedAt When it left.
     */
    struct Shipment {
        uint256 batchId;
        uint32 fromId;
        uint32 toId;
        uint64 quantity;
        ShipmentStatus status;
        bool quarantined;
        uint40 shippedAt;
    }

    /**
     * @notice A reading signed by a device (EIP-712 `Reading`, see config/eip712.ts).
     * @param device The device's signing address.
     * @param shipmentId The shipment it travels with.
     * @param temperature Hundredths of a degree Celsius.
     * @param humidity Hundredths of a percent.
     * @param timestamp When it was taken.
     * @param sequence The device's counter, strictly increasing.
     */
    struct Reading {
        address device;
        uint256 shipmentId;
        int16 temperature;
        uint16 humidity;
        uint40 timestamp;
        uint64 sequence;
    }

    /**
     * @notice A device's signature in EIP-2098 compact form (64 bytes: `r` and `yParity` folded into `s`).
     * @param r The signature's r.
     * @param vs The signature's s with the parity of y in its top bit.
     */
    struct Signature {
        bytes32 r;
        bytes32 vs;
    }

    /**
     * @notice A registered device.
     * @param ownerId The institution that registered it.
     * @param kind What it measures.
     * @param active Whether its readings are accepted.
     * @param lastSequence The last sequence accepted.
     * @param banned Whether governance revoked it: then it can never be registered again.
     * @param calibrationHash Hash of its calibration values; a change is a new registration.
     */
    struct Device {
        uint32 ownerId;
        DeviceKind kind;
        bool active;
        uint64 lastSequence;
        bool banned;
        bytes32 calibrationHash;
    }

    /**
     * @notice What anyone learns about a unit, without an account.
     * @param genuine Whether the serial is in the batch's Merkle root.
     * @param gtin Product code.
     * @param lot Lot number.
     * @param expiresAt Expiry date.
     * @param expired Whether it has expired.
     * @param recalled Whether its batch is recalled.
     * @param quarantinedUnits Units of its batch quarantined now, anywhere.
     * @param excursions Readings out of range its batch has seen.
     * @param dispensed Whether this serial was dispensed (by whom and when: its `Dispensed` event).
     */
    struct Verification {
        bool genuine;
        uint64 gtin;
        bytes32 lot;
        uint40 expiresAt;
        bool expired;
        bool recalled;
        uint64 quarantinedUnits;
        uint32 excursions;
        bool dispensed;
    }

    /// @notice A batch, a shipment or a quarantine resolution of zero units.
    error SupplyZeroQuantity();

    /// @notice The expiry is not after the manufacture.
    /// @param manufacturedAt Manufacturing date.
    /// @param expiresAt Expiry date.
    error SupplyInvalidDates(uint40 manufacturedAt, uint40 expiresAt);

    /// @notice The manufacturer already registered this product and lot.
    /// @param gtin Product code.
    /// @param lot Lot number.
    /// @param batchId The existing batch.
    error SupplyDuplicateLot(uint64 gtin, bytes32 lot, uint256 batchId);

    /// @notice The batch has no serial root, so none of its units could be proven genuine.
    error SupplyZeroSerialRoot();

    /// @notice The batch's lowest allowed temperature is above its highest.
    /// @param tempMin Lowest allowed temperature.
    /// @param tempMax Highest allowed temperature.
    error SupplyInvalidTemperatureRange(int16 tempMin, int16 tempMax);

    /// @notice The batch's lowest allowed humidity is above its highest.
    /// @param humidityMin Lowest allowed humidity.
    /// @param humidityMax Highest allowed humidity.
    error SupplyInvalidHumidityRange(uint16 humidityMin, uint16 humidityMax);

    /// @notice The batch is not recalled, so there is no recall to give notice of or to withdraw.
    /// @param batchId The batch.
    error SupplyNotRecalled(uint256 batchId);

    /// @notice No batch has this id.
    /// @param batchId The id.
    error SupplyUnknownBatch(uint256 batchId);

    /// @notice The batch is recalled.
    /// @param batchId The batch.
    error SupplyRecalled(uint256 batchId);

    /**
     * @notice A recall withdrawal names another recall than the batch's current one: it was scheduled before the
     * recall it would undo (or for an earlier one), so its delay did not run after that recall.
     * @param batchId The batch.
     * @param named The recall time the withdrawal names.
     * @param recalledAt The time of the batch's current recall.
     */
    error SupplyRecallMismatch(uint256 batchId, uint40 named, uint40 recalledAt);

    /**
     * @notice The recall has not stood for the suite's notice period (the directory's onboarding delay) yet.
     * @param batchId The batch.
     * @param recalledAt When it was recalled.
     * @param withdrawableAt When the recall can be withdrawn.
     */
    error SupplyRecallTooRecent(uint256 batchId, uint40 recalledAt, uint40 withdrawableAt);

    /// @notice The batch has expired.
    /// @param batchId The batch.
    /// @param expiresAt Its expiry.
    error SupplyExpired(uint256 batchId, uint40 expiresAt);

    /// @notice The holder has fewer available units than it ships or dispenses.
    /// @param batchId The batch.
    /// @param holderId The holder.
    /// @param requested Units asked for.
    /// @param available Units it holds available.
    error SupplyInsufficientHolding(uint256 batchId, uint32 holderId, uint64 requested, uint64 available);

    /// @notice The holder has fewer quarantined units than are to be released or destroyed.
    /// @param batchId The batch.
    /// @param holderId The holder.
    /// @param requested Units asked for.
    /// @param quarantined Units it holds quarantined.
    error SupplyInsufficientQuarantined(uint256 batchId, uint32 holderId, uint64 requested, uint64 quarantined);

    /// @notice The receiver is not an active institution.
    /// @param receiver The address.
    /// @param status Its status.
    error SupplyReceiverNotActive(address receiver, IParticipantRegistry.Status status);

    /// @notice No shipment has this id.
    /// @param shipmentId The id.
    error SupplyUnknownShipment(uint256 shipmentId);

    /// @notice The shipment is not addressed to the caller.
    /// @param shipmentId The shipment.
    /// @param caller The caller's institution id.
    error SupplyNotReceiver(uint256 shipmentId, uint32 caller);

    /// @notice The shipment is no longer in transit.
    /// @param shipmentId The shipment.
    /// @param status Its status.
    error SupplyNotInTransit(uint256 shipmentId, ShipmentStatus status);

    /// @notice The serial's proof does not lead to the batch's root.
    /// @param batchId The batch.
    /// @param serial The serial.
    error SupplyInvalidSerial(uint256 batchId, bytes32 serial);

    /// @notice The pharmacy's units of this batch are all quarantined.
    /// @param batchId The batch.
    /// @param pharmacyId The pharmacy.
    error SupplyQuarantined(uint256 batchId, uint32 pharmacyId);

    /// @notice The named record is not a prescription.
    /// @param recordId The record.
    /// @param recordType Its type.
    error SupplyRecordNotPrescription(uint256 recordId, uint8 recordType);

    /// @notice The pharmacy holds no live consent to read the prescription for treatment.
    /// @param recordId The record.
    /// @param pharmacy The pharmacy's address.
    error SupplyNoPrescriptionConsent(uint256 recordId, address pharmacy);

    /// @notice The device is not registered, or was revoked.
    /// @param device The device.
    error SupplyUnknownDevice(address device);

    /// @notice A device registration for the zero address.
    error SupplyZeroDevice();

    /// @notice A device registration without the hash of its calibration values.
    /// @param device The device.
    error SupplyEmptyCalibration(address device);

    /// @notice The device belongs to another institution.
    /// @param device The device.
    /// @param ownerId Its owner.
    error SupplyNotDeviceOwner(address device, uint32 ownerId);

    /// @notice Governance revoked this device key: it can never be registered again (a new key can).
    /// @param device The device.
    error SupplyDeviceBanned(address device);

    /// @notice The reading's signature is not the device's for this chain and contract.
    /// @param device The device.
    /// @param sequence The reading's sequence.
    error SupplyInvalidReadingSignature(address device, uint64 sequence);

    /// @notice The sequence is not above the device's last one (a replay or an out-of-order reading).
    /// @param device The device.
    /// @param sequence The reading's sequence.
    /// @param lastSequence The last accepted.
    error SupplyStaleSequence(address device, uint64 sequence, uint64 lastSequence);

    /// @notice The reading is dated in the future.
    /// @param device The device.
    /// @param timestamp Its time.
    /// @param now The block time.
    error SupplyReadingInFuture(address device, uint40 timestamp, uint256 now);

    /// @notice The readings and signatures do not pair up, or there are none, or too many.
    /// @param readings Number of readings.
    /// @param signatures Number of signatures.
    error SupplyInvalidReadingBatch(uint256 readings, uint256 signatures);

    /// @notice Only the batch's manufacturer or a regulator may do this (an inactive one is refused with the
    /// participant directory's `ParticipantsNotActive`).
    /// @param batchId The batch.
    /// @param caller Who called.
    error SupplyNotManufacturerOrRegulator(uint256 batchId, address caller);

    /**
     * @notice A batch was registered; its manufacturer holds all its units.
     * @param batchId Its id.
     * @param manufacturerId The manufacturer.
     * @param gtin Product code.
     * @param lot Lot number.
     * @param quantity Units.
     * @param manufacturedAt Manufacturing date.
     * @param expiresAt Expiry date.
     * @param serialRoot Merkle root of the serials.
     * @param metadataURI Public documentation.
     */
    event BatchRegistered(
        uint256 indexed batchId,
        uint32 indexed manufacturerId,
        uint64 indexed gtin,
        bytes32 lot,
        uint64 quantity,
        uint40 manufacturedAt,
        uint40 expiresAt,
        bytes32 serialRoot,
        string metadataURI
    );

    /// @notice Units left a holder.
    /// @param shipmentId The shipment.
    /// @param batchId The batch.
    /// @param fromId Sender.
    /// @param toId Receiver.
    /// @param quantity Units.
    event Shipped(
        uint256 indexed shipmentId,
        uint256 indexed batchId,
        uint32 indexed fromId,
        uint32 toId,
        uint64 quantity
    );

    /// @notice The receiver accepted a shipment and holds its units.
    /// @param shipmentId The shipment.
    /// @param batchId The batch.
    /// @param toId The receiver.
    /// @param quarantined Whether they arrive quarantined.
    event ShipmentAccepted(uint256 indexed shipmentId, uint256 indexed batchId, uint32 indexed toId, bool quarantined);

    /// @notice The receiver refused a shipment; its units went back to the sender.
    /// @param shipmentId The shipment.
    /// @param batchId The batch.
    /// @param fromId The sender, who holds them again.
    event ShipmentRefused(uint256 indexed shipmentId, uint256 indexed batchId, uint32 indexed fromId);

    /// @notice A device was registered, or re-registered with new calibration values.
    /// @param device The device.
    /// @param ownerId Its owner.
    /// @param kind Its kind.
    /// @param calibrationHash Hash of its calibration values.
    event DeviceRegistered(address indexed device, uint32 indexed ownerId, DeviceKind kind, bytes32 calibrationHash);

    /// @notice A device was revoked; its readings are refused from now on.
    /// @param device The device.
    /// @param by Who revoked it.
    event DeviceRevoked(address indexed device, address by);

    /// @notice A reading was recorded.
    /// @param shipmentId The shipment.
    /// @param device The device.
    /// @param sequence Its sequence.
    /// @param temperature Hundredths of a degree.
    /// @param humidity Hundredths of a percent.
    /// @param timestamp When it was taken.
    event ReadingRecorded(
        uint256 indexed shipmentId,
        address indexed device,
        uint64 sequence,
        int16 temperature,
        uint16 humidity,
        uint40 timestamp
    );

    /// @notice A reading was out of the batch's range: the shipment's goods are quarantined.
    /// @param shipmentId The shipment.
    /// @param batchId The batch.
    /// @param device The device.
    /// @param temperature The reading.
    /// @param humidity The reading.
    event Excursion(
        uint256 indexed shipmentId,
        uint256 indexed batchId,
        address indexed device,
        int16 temperature,
        uint16 humidity
    );

    /// @notice Quarantined units were released (back to available) or destroyed.
    /// @param batchId The batch.
    /// @param holderId The holder.
    /// @param quantity Units.
    /// @param destroyed Whether they were destroyed rather than released.
    /// @param by The regulator or manufacturer.
    event QuarantineResolved(
        uint256 indexed batchId,
        uint32 indexed holderId,
        uint64 quantity,
        bool destroyed,
        address by
    );

    /// @notice A batch was recalled.
    /// @param batchId The batch.
    /// @param reasonCode Why.
    /// @param by The manufacturer or regulator.
    event BatchRecalled(uint256 indexed batchId, bytes32 reasonCode, address by);

    /// @notice Governance withdrew a batch's recall after its delay: the batch moves and is dispensed again. The
    /// earlier {BatchRecalled} stays in the batch's history beside this event.
    /// @param batchId The batch.
    /// @param reasonCode Why (a code from governance's published list).
    event RecallWithdrawn(uint256 indexed batchId, bytes32 reasonCode);

    /// @notice A current holder of a recalled batch, named so that it can act.
    /// @param batchId The batch.
    /// @param holderId The holder.
    /// @param available Units it holds available.
    /// @param quarantined Units it holds quarantined.
    event RecallNotice(uint256 indexed batchId, uint32 indexed holderId, uint64 available, uint64 quarantined);

    /**
     * @notice A unit was dispensed.
     * @param batchId The batch.
     * @param serial The unit's serial (its index in the batch is in the proof's leaf).
     * @param pharmacyId The pharmacy.
     * @param patientId The prescription's patient (zero without a prescription: an over-the-counter sale names
     * nobody on chain).
     * @param prescriptionId The prescription record (0 when none).
     */
    event Dispensed(
        uint256 indexed batchId,
        bytes32 indexed serial,
        uint32 indexed pharmacyId,
        uint64 patientId,
        uint256 prescriptionId
    );

    /**
     * @notice A serial already dispensed was presented again: a likely counterfeit. Nothing was dispensed. Who
     * dispensed it first is in its `Dispensed` event.
     * @param batchId The batch.
     * @param serial The serial.
     * @param pharmacyId The pharmacy that presented it.
     */
    event CounterfeitAlert(uint256 indexed batchId, bytes32 indexed serial, uint32 indexed pharmacyId);

    /// @notice The EIP-712 type hash of a device reading (see config/eip712.ts).
    // solhint-disable-next-line func-name-mixedcase
    function READING_TYPEHASH() external view returns (bytes32);

    /// @notice The most readings one submission may carry.
    // solhint-disable-next-line func-name-mixedcase
    function MAX_READINGS() external view returns (uint256);

    /// @notice Number of batches; ids run from 1.
    function batchCount() external view returns (uint256);

    /// @notice A batch by id.
    /// @param batchId The id.
    function getBatch(uint256 batchId) external view returns (Batch memory);

    /// @notice A shipment by id.
    /// @param shipmentId The id.
    function getShipment(uint256 shipmentId) external view returns (Shipment memory);

    /// @notice Units of a batch an institution holds now.
    /// @param batchId The batch.
    /// @param holderId The institution.
    /// @return available Units it may ship or dispense.
    /// @return quarantined Units held back after an excursion.
    function holdingOf(uint256 batchId, uint32 holderId) external view returns (uint64 available, uint64 quarantined);

    /// @notice Units of a batch a pharmacy has dispensed.
    /// @param batchId The batch.
    /// @param pharmacyId The pharmacy.
    function dispensedCount(uint256 batchId, uint32 pharmacyId) external view returns (uint64);

    /// @notice A registered device (zeros if none).
    /// @param device The device's signing address.
    function getDevice(address device) external view returns (Device memory);

    /**
     * @notice The public check of a unit: genuine, which batch, expiry, recall, quarantine, excursions, dispensed.
     * @param batchId The batch printed on the pack.
     * @param index The unit's index in the batch (published with its proof).
     * @param serial The unit's serial.
     * @param proof The serial's Merkle proof (published by the manufacturer).
     */
    function verify(
        uint256 batchId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof
    ) external view returns (Verification memory);

    /**
     * @notice An active manufacturer registers a batch and holds all its units.
     * @dev Reverts with the directory's errors for a caller that is not an active manufacturer, or
     * {SupplyZeroQuantity}, {SupplyInvalidDates}, {SupplyZeroSerialRoot}, {SupplyInvalidTemperatureRange},
     * {SupplyInvalidHumidityRange} or {SupplyDuplicateLot}.
     * @param input The batch.
     * @return batchId Its id.
     */
    function registerBatch(BatchInput calldata input) external returns (uint256 batchId);

    /**
     * @notice An active holder ships units to another active institution; they wait in transit until accepted.
     * @dev Reverts with {SupplyUnknownBatch}, {SupplyRecalled}, {SupplyReceiverNotActive}, {SupplyZeroQuantity}
     * or {SupplyInsufficientHolding}.
     * @param batchId The batch.
     * @param to The receiver's address.
     * @param quantity Units.
     * @return shipmentId Its id.
     */
    function ship(uint256 batchId, address to, uint64 quantity) external returns (uint256 shipmentId);

    /// @notice The receiver accepts a shipment and holds its units (quarantined, if a reading quarantined them).
    /// @param shipmentId The shipment.
    function accept(uint256 shipmentId) external;

    /// @notice The receiver refuses a shipment; its units go back to the sender.
    /// @param shipmentId The shipment.
    function refuse(uint256 shipmentId) external;

    /**
     * @notice An active pharmacy dispenses one unit, proving its serial, optionally under a prescription from
     * the registry (then to the prescription's patient; without one, no patient is named on chain). A serial dispensed before is not dispensed again: the call emits
     * {CounterfeitAlert}, changes nothing else, and returns false.
     * @dev Reverts with {SupplyRecalled}, {SupplyExpired}, {SupplyInvalidSerial}, {SupplyQuarantined},
     * {SupplyInsufficientHolding}, {SupplyRecordNotPrescription} or
     * {SupplyNoPrescriptionConsent}.
     * @param batchId The batch.
     * @param index The unit's index in the batch.
     * @param serial The unit's serial.
     * @param proof Its Merkle proof.
     * @param prescriptionId The prescription record, or 0.
     * @return dispensed Whether the unit was dispensed (false for a serial already dispensed).
     */
    function dispense(
        uint256 batchId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof,
        uint256 prescriptionId
    ) external returns (bool dispensed);

    /**
     * @notice An active institution registers one of its devices, or re-registers it after a calibration change.
     * A key governance revoked stays revoked: its owner cannot register it again.
     * @dev Reverts with {SupplyNotDeviceOwner}, {SupplyDeviceBanned}, {SupplyZeroDevice} or
     * {SupplyEmptyCalibration}. Emits {DeviceRegistered}.
     * @param device The device's signing address.
     * @param kind What it measures.
     * @param calibrationHash Hash of its calibration values.
     */
    function registerDevice(address device, DeviceKind kind, bytes32 calibrationHash) external;

    /// @notice The device's owner revokes it.
    /// @param device The device.
    function revokeDevice(address device) external;

    /// @notice Revokes any device at once and for good, whoever owns it (a compromised or stolen logger): its owner
    /// cannot re-register the key.
    /// @dev Reverts with {SupplyUnknownDevice}. Emits {DeviceRevoked}.
    /// @param device The device.
    /// @custom:restricted GUARDIAN
    function revokeDeviceByGovernance(address device) external;

    /**
     * @notice Anyone (a gateway) submits device readings with their signatures; all or none.
     * @dev Reverts with {SupplyInvalidReadingBatch}, {SupplyUnknownDevice}, {SupplyUnknownShipment},
     * {SupplyNotInTransit}, {SupplyReadingInFuture}, {SupplyStaleSequence} or {SupplyInvalidReadingSignature}.
     * @param readings The readings.
     * @param signatures One compact signature per reading.
     */
    function submitReadings(Reading[] calldata readings, Signature[] calldata signatures) external;

    /**
     * @notice The batch's manufacturer or a regulator releases quarantined units back to available, or destroys
     * them.
     * @dev Reverts with the directory's `ParticipantsNotActive`, {SupplyNotManufacturerOrRegulator},
     * {SupplyZeroQuantity} or {SupplyInsufficientQuarantined}. Emits {QuarantineResolved}.
     * @param batchId The batch.
     * @param holderId The holder.
     * @param quantity Units.
     * @param destroy Whether to destroy rather than release.
     */
    function resolveQuarantine(uint256 batchId, uint32 holderId, uint64 quantity, bool destroy) external;

    /**
     * @notice The batch's manufacturer or a regulator recalls it: nothing of it ships or is dispensed any more.
     * @param batchId The batch.
     * @param reasonCode Why.
     */
    function recall(uint256 batchId, bytes32 reasonCode) external;

    /**
     * @notice Withdraws a mistaken or malicious recall: the batch is active again. Governance only, after the
     * governor's public delay and no sooner than the suite's notice period (the directory's onboarding delay)
     * after the recall, so that no single key recalls or un-recalls a batch at once. The call names the recall it
     * withdraws (its `recalledAt`), so that a withdrawal armed for another recall fails and the guardian role can
     * tell which scheduled withdrawal to cancel. Units quarantined or destroyed meanwhile stay as they are.
     * @dev Reverts with {SupplyUnknownBatch}, {SupplyNotRecalled}, {SupplyRecallMismatch} or
     * {SupplyRecallTooRecent}. Emits {RecallWithdrawn}.
     * @custom:restricted GOVERNOR
     * @param batchId The batch.
     * @param recalledAt The time of the recall withdrawn, from {getBatch}.
     * @param reasonCode Why.
     */
    function withdrawRecall(uint256 batchId, uint40 recalledAt, bytes32 reasonCode) external;

    /**
     * @notice Names current holders of a recalled batch in {RecallNotice} events with what they hold. Who has held
     * a batch is in its `ShipmentAccepted` events; anyone (the regulator, an indexer) passes those ids here, in
     * as many calls as needed, so that no holder list is stored and no recall can grow too large to send.
     * Institutions holding nothing are skipped.
     * @dev Reverts with {SupplyUnknownBatch} or {SupplyNotRecalled}.
     * @param batchId The batch.
     * @param holderIds The institutions to name.
     */
    function noticeHolders(uint256 batchId, uint32[] calldata holderIds) external;
}
