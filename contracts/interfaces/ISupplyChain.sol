// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISupplyChainTypes} from "./ISupplyChainTypes.sol";

/**
 * @title ISupplyChain
 * @notice The path of a medicine from factory to patient, against participants who would bend it: batches only
 * their product's maker registers, custody held in shipments (each knows how many of its units are still with its
 * holder), cold-chain readings accepted only from devices the shipment's own parties assigned, for a stated window
 * after delivery so that no excursion can be silenced, prescriptions with fill allowances the pharmacy consumes
 * without any patient or record named on chain, each serial dispensed once whatever lot it claims, shipments the
 * sender takes back when the receiver stays silent, recalls with a message to patients, and adverse-event reports.
 * @dev Institutions are identified by their permanent id in the participant directory. Custody is a tree of
 * shipments rooted at each batch's origin (the manufacturer's stock): a holder ships from a shipment it holds,
 * and the units it has not passed on, dispensed or destroyed stay counted in that shipment (`remaining`), so that a
 * late excursion quarantines exactly what the holder still has. A batch's origin has the batch's id; a shipment's
 * id is `uint256(keccak256(abi.encode(sourceId, returnsBefore, remainingBefore)))`: the source's returns and
 * remaining units before it left (unique: between two returns the remaining units only decrease), which the sender
 * knows before sending. Provenance is rebuilt from the events.
 */
interface ISupplyChain is ISupplyChainTypes {
    // ------------------------------------------------------------------ constants

    /// @notice The EIP-712 type hash of a device reading (see config/eip712.ts).
    // solhint-disable-next-line func-name-mixedcase
    function READING_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 type hash of a patient's adverse-event report (see config/eip712.ts).
    // solhint-disable-next-line func-name-mixedcase
    function REPORT_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 type hash of a patient's signature binding a fill to a pharmacy (see config/eip712.ts).
    // solhint-disable-next-line func-name-mixedcase
    function FILL_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 type hash of a device's consent to its registration (see config/eip712.ts).
    // solhint-disable-next-line func-name-mixedcase
    function DEVICE_REGISTRATION_TYPEHASH() external view returns (bytes32);

    /// @notice The most readings one submission may carry.
    // solhint-disable-next-line func-name-mixedcase
    function MAX_READINGS() external view returns (uint256);

    /// @notice The longest batch message, recall message or report URI, in bytes.
    // solhint-disable-next-line func-name-mixedcase
    function MAX_MESSAGE_LENGTH() external view returns (uint256);

    /// @notice How long a receiver has to accept or refuse before the sender may reclaim a shipment.
    // solhint-disable-next-line func-name-mixedcase
    function SHIPMENT_TIMEOUT() external view returns (uint256);

    /// @notice How long after a shipment ends its readings are still accepted.
    // solhint-disable-next-line func-name-mixedcase
    function READING_WINDOW() external view returns (uint256);

    // ------------------------------------------------------------------ views

    /// @notice The product registry batches are checked against.
    function products() external view returns (address);

    /// @notice Number of batches; ids run from 1.
    function batchCount() external view returns (uint256);

    /// @notice A batch by id.
    /// @dev Reverts with {SupplyUnknownBatch}.
    /// @param batchId The id.
    function getBatch(uint256 batchId) external view returns (Batch memory);

    /// @notice The batch of a GTIN with a lot number (0 if none): what a pack's printed codes name.
    /// @param gtin The GTIN.
    /// @param lot The lot.
    function batchOfLot(uint64 gtin, bytes32 lot) external view returns (uint256);

    /// @notice A batch's public note and its recall message (empty when none).
    /// @dev Reverts with {SupplyUnknownBatch}.
    /// @param batchId The batch.
    function messagesOf(uint256 batchId) external view returns (string memory message, string memory recallMessage);

    /// @notice A shipment by id.
    /// @dev Reverts with {SupplyUnknownShipment}.
    /// @param shipmentId The id.
    function getShipment(uint256 shipmentId) external view returns (Shipment memory);

    /// @notice Who holds a shipment's remaining units now (0 while it is in transit).
    /// @dev Reverts with {SupplyUnknownShipment}.
    /// @param shipmentId The shipment.
    function holderOf(uint256 shipmentId) external view returns (uint32);

    /// @notice A device.
    /// @param device The device's signing address.
    function getDevice(address device) external view returns (Device memory);

    /// @notice Whether a device was assigned to a shipment (once: under its owner's tenure then, which speaks for
    /// the shipment until that owner revokes the device, through any recalibration).
    /// @param shipmentId The shipment.
    /// @param device The device.
    function isAssigned(uint256 shipmentId, address device) external view returns (bool);

    /// @notice Whether a device's reading with this sequence number was recorded for this shipment.
    /// @param shipmentId The shipment.
    /// @param device The device.
    /// @param sequence The sequence.
    function sequenceUsed(uint256 shipmentId, address device, uint64 sequence) external view returns (bool);

    /// @notice A fill allowance.
    /// @dev Reverts with {SupplyUnknownAllowance}.
    /// @param key Its key.
    function getAllowance(bytes32 key) external view returns (Allowance memory);

    /// @notice A dispensed unit by GTIN and serial (batch 0: never dispensed).
    /// @param gtin The GTIN.
    /// @param serial The serial.
    function dispensedUnit(uint64 gtin, bytes32 serial) external view returns (DispensedUnit memory);

    /**
     * @notice Whether `serial` is the batch's unit at `index`: the index is below the batch's quantity and the
     * proof leads from the leaf `(index, serial)` to the batch's serial root.
     * @dev Reverts with {SupplyUnknownBatch}.
     * @param batchId The batch.
     * @param index The unit's index.
     * @param serial The serial.
     * @param proof The Merkle proof.
     */
    function isGenuine(
        uint256 batchId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof
    ) external view returns (bool);

    // ------------------------------------------------------------------ batches and custody

    /**
     * @notice The active manufacturer that owns the GTIN in the product registry registers a batch of it: its
     * units sit at a new origin shipment it holds.
     * @dev Reverts with the directory's errors for a caller that is not an active manufacturer, or
     * {SupplyNotProductOwner}, {SupplyZeroQuantity}, {SupplyInvalidDates}, {SupplyZeroSerialRoot},
     * {SupplyBatchTooLarge}, {SupplyInvalidTemperatureRange}, {SupplyInvalidHumidityRange}, {SupplyMessageTooLong} or
     * {SupplyDuplicateLot}. Emits {BatchRegistered}.
     * @param input The batch.
     * @return batchId Its id.
     */
    function registerBatch(BatchInput calldata input) external returns (uint256 batchId);

    /**
     * @notice The active holder of a shipment ships some of its remaining units to another institution, named by
     * id; they wait in transit until accepted. A receiver that is not active cannot accept, and its sender
     * reclaims at once.
     * @dev Reverts with the directory's errors for an inactive caller, or {SupplyUnknownShipment},
     * {SupplyInvalidReceiver}, {SupplyNotHolder}, {SupplyShipmentQuarantined}, {SupplyRecalled}, {SupplyExpired},
     * {SupplyZeroQuantity} or {SupplyInsufficientUnits}. Emits {Shipped}.
     * @param sourceId The shipment (or origin) the units come from.
     * @param toId The receiver's institution id.
     * @param quantity Units.
     * @return shipmentId The new shipment.
     */
    function ship(uint256 sourceId, uint32 toId, uint40 quantity) external returns (uint256 shipmentId);

    /**
     * @notice The receiver accepts a shipment and holds its units (quarantined, if a reading quarantined them).
     * @dev Reverts with the directory's errors for an inactive caller, or {SupplyUnknownShipment},
     * {SupplyNotReceiver} or {SupplyNotInTransit}. Emits {ShipmentAccepted}.
     * @param shipmentId The shipment.
     */
    function accept(uint256 shipmentId) external;

    /**
     * @notice The receiver refuses a shipment; its units go back into the shipment (or origin) they left, where a
     * late excursion of that source still finds them. A shipment a reading quarantined keeps its units,
     * quarantined, held by the sender. The shipment is named by its source and the source's units before it left
     * (all in its {Shipped} event): its id is `keccak256(abi.encode(sourceId, sourceReturns, sourceRemaining))`,
     * which proves the source. Readings of
     * the receiver's own devices should land before it refuses: after, they quarantine an empty shipment.
     * @dev Reverts with the directory's errors for an inactive caller, or {SupplyUnknownShipment},
     * {SupplyNotReceiver}, {SupplyNotInTransit} or {SupplyTooManyReturns}. Emits {ShipmentRefused}.
     * @param sourceId The shipment (or origin) the units left.
     * @param sourceReturns The returned shipments the source had taken back, before they left.
     * @param sourceRemaining The source's units, before they left.
     */
    function refuse(uint256 sourceId, uint16 sourceReturns, uint40 sourceRemaining) external;

    /**
     * @notice The sender takes back a shipment still in transit {SHIPMENT_TIMEOUT} after it left, or at once if
     * the receiver is not active (suspended, retired, never onboarded): its units go back into their source, as
     * for {refuse}.
     * @dev Reverts with the directory's errors for an inactive caller, or {SupplyUnknownShipment},
     * {SupplyNotSender}, {SupplyNotInTransit}, {SupplyReclaimTooEarly} or {SupplyTooManyReturns}. Emits
     * {ShipmentReclaimed}.
     * @param sourceId The shipment (or origin) the units left.
     * @param sourceReturns The returned shipments the source had taken back, before they left.
     * @param sourceRemaining The source's units, before they left.
     */
    function reclaim(uint256 sourceId, uint16 sourceReturns, uint40 sourceRemaining) external;

    // ------------------------------------------------------------------ prescriptions and dispensing

    /**
     * @notice An active hospital sets a fill allowance for a prescription, under the key
     * `keccak256(abi.encode(hospitalId, keyAddress))`; a key is used once, even after it is cancelled.
     * @dev Reverts with the directory's errors for a caller that is not an active hospital, or
     * {SupplyInvalidAllowance} or {SupplyAllowanceExists}. Emits {AllowanceSet}.
     * @param keyAddress The address of the patient's key for the prescription (the patient's app derives it from a
     * secret the patient keeps, and gives the hospital the address only).
     * @param productCommitment `keccak256(abi.encode(gtin, productSalt))`.
     * @param unitsPerFill Units (packs) per fill.
     * @param fills Number of fills.
     * @param validUntil Its end.
     * @param refillInterval Least time between the openings of two fills.
     * @return key The allowance's key.
     */
    function setAllowance(
        address keyAddress,
        bytes32 productCommitment,
        uint8 unitsPerFill,
        uint8 fills,
        uint40 validUntil,
        uint32 refillInterval
    ) external returns (bytes32 key);

    /**
     * @notice The hospital that set an allowance cancels it (a prescription withdrawn).
     * @dev Reverts with the directory's errors for an inactive caller, or {SupplyUnknownAllowance} or
     * {SupplyNotAllowanceIssuer}. Emits {AllowanceCancelled}.
     * @param key The key.
     */
    function cancelAllowance(bytes32 key) external;

    /**
     * @notice Governance revokes an allowance at once: the hospital that set it may be suspended, or gone, and
     * its prescriptions not to be trusted.
     * @dev Reverts with {SupplyUnknownAllowance}. Emits {AllowanceRevoked}.
     * @custom:restricted GUARDIAN
     * @param key The key.
     * @param reasonCode Why.
     */
    function revokeAllowance(bytes32 key, bytes32 reasonCode) external;

    /**
     * @notice An active pharmacy dispenses one unit from a shipment it holds, proving the unit's serial, under a
     * fill allowance (or over the counter with key 0). Opening a fill, or going on with a fill another pharmacy
     * opened, takes the patient's signature by the prescription's key naming this pharmacy and that fill (see
     * {FillRequest}), and a prescriber still active: nobody who learns the key or the salt from an earlier fill can
     * use the prescription, and a suspended hospital's prescriptions open no fill. A GTIN
     * and serial dispensed before, under any lot, is not dispensed again: the call emits {CounterfeitAlert},
     * changes nothing else, and returns false.
     * @dev Reverts with the directory's errors for a caller that is not an active pharmacy, or
     * {SupplyUnknownShipment}, {SupplyNotHolder}, {SupplyShipmentQuarantined}, {SupplyInsufficientUnits},
     * {SupplyRecalled}, {SupplyExpired}, {SupplyIndexOutOfRange}, {SupplyInvalidSerial}, {SupplyUnknownAllowance},
     * {SupplyAllowanceExpired}, {SupplyAllowanceProductMismatch}, {SupplyAllowanceExhausted},
     * {SupplyRefillTooEarly}, {SupplyPrescriberNotActive}, {SupplyInvalidFillSignature} or
     * {SupplyFillSignatureExpired}. Emits {Dispensed}.
     * @param shipmentId The shipment the unit is taken from.
     * @param index The unit's index in the batch.
     * @param serial The unit's serial.
     * @param proof Its Merkle proof.
     * @param fill The allowance and the patient's signature, or a zero allowance key over the counter.
     * @return dispensed Whether the unit was dispensed (false for a serial already dispensed).
     */
    function dispense(
        uint256 shipmentId,
        uint256 index,
        bytes32 serial,
        bytes32[] calldata proof,
        FillRequest calldata fill
    ) external returns (bool dispensed);

    // ------------------------------------------------------------------ devices and the cold chain

    /**
     * @notice An active institution registers a device, with the device's own EIP-712 signature over
     * `DeviceRegistration(device, ownerId, kind, calibrationHash, nonce)`: only whoever holds the device's key can
     * register it. Its owner re-registers it (new calibration) with a new signature; another institution only
     * after the owner revoked it. A device governance revoked never comes back.
     * @dev Reverts with the directory's errors for an inactive caller, or {SupplyInvalidDevice},
     * {SupplyEmptyCalibration}, {SupplyDeviceBanned}, {SupplyNotDeviceOwner} or {SupplyBadDeviceSignature}.
     * Emits {DeviceRegistered}.
     * @param device The device's signing address.
     * @param kind What it measures.
     * @param calibrationHash Hash of its calibration values.
     * @param deviceSignature The device's signature, compact.
     */
    function registerDevice(
        address device,
        DeviceKind kind,
        bytes32 calibrationHash,
        Signature calldata deviceSignature
    ) external;

    /**
     * @notice The device's owner revokes it: readings it takes from now on are refused; those taken before
     * still count.
     * @dev Reverts with the directory's errors for an inactive caller, or {SupplyUnknownDevice} or
     * {SupplyNotDeviceOwner}. Emits {DeviceRevoked}.
     * @param device The device.
     */
    function revokeDevice(address device) external;

    /**
     * @notice Revokes any device at once and for good, whoever owns it (a compromised or stolen logger): none of
     * its readings count any more, and nobody can register the key again.
     * @dev Reverts with {SupplyUnknownDevice} (never registered) or {SupplyDeviceBanned}. Emits {DeviceRevoked}.
     * @custom:restricted GUARDIAN
     * @param device The device.
     */
    function revokeDeviceByGovernance(address device) external;

    /**
     * @notice The shipment's sender or receiver assigns one of its own active devices to it while it is in
     * transit, once; only assigned devices' readings count for the shipment, those its owner then took until it
     * revoked the device, and while that owner is active.
     * @dev Reverts with the directory's errors for an inactive caller, or {SupplyUnknownShipment},
     * {SupplyNotInTransit}, {SupplyNotShipmentParty}, {SupplyUnknownDevice}, {SupplyNotDeviceOwner} or
     * {SupplyDeviceAlreadyAssigned}. Emits {DeviceAssigned}.
     * @param shipmentId The shipment.
     * @param device The device.
     */
    function assignDevice(uint256 shipmentId, address device) external;

    /**
     * @notice Anyone submits device readings with their signatures; all or none. A reading counts if its device
     * is assigned to the shipment, not banned, and not yet revoked by the owner that assigned it when the reading
     * was taken, if that owner is active, if
     * it was taken between the shipment's departure and its end (or now), if its sequence number is new for that
     * device and shipment (in any order), and if it arrives within {READING_WINDOW} after the shipment ended.
     * An excursion quarantines the shipment's remaining units ({Excursion}, and {LateExcursion} after its end).
     * @dev Reverts with {SupplyInvalidReadingBatch}, {SupplyUnknownDevice},
     * {SupplyDeviceBanned}, {SupplyDeviceNotAssigned}, {SupplyDeviceOwnerNotActive}, {SupplyReadingWindowClosed},
     * {SupplyReadingOutsideShipment}, {SupplyDuplicateSequence} or {SupplyInvalidReadingSignature}.
     * @param readings The readings.
     * @param signatures One compact signature per reading.
     */
    function submitReadings(Reading[] calldata readings, Signature[] calldata signatures) external;

    // ------------------------------------------------------------------ quarantine, recalls, adverse events

    /**
     * @notice The batch's manufacturer or a regulator resolves a shipment's quarantine once it has arrived:
     * destroys some of its remaining units and releases the others.
     * @dev Reverts with the directory's `ParticipantsNotActive`, {SupplyUnknownShipment},
     * {SupplyNotManufacturerOrRegulator}, {SupplyNotQuarantined}, {SupplyStillInTransit} or
     * {SupplyInsufficientUnits}. Emits {QuarantineResolved}.
     * @param shipmentId The shipment.
     * @param destroy Units to destroy; the rest are released.
     */
    function resolveQuarantine(uint256 shipmentId, uint40 destroy) external;

    /**
     * @notice The batch's manufacturer or a regulator recalls it, with a message to patients: nothing of it ships
     * or is dispensed any more.
     * @dev Reverts with the directory's `ParticipantsNotActive`, {SupplyUnknownBatch},
     * {SupplyNotManufacturerOrRegulator}, {SupplyRecalled} or {SupplyMessageTooLong}. Emits {BatchRecalled}.
     * @param batchId The batch.
     * @param reasonCode Why.
     * @param message What patients holding it should do.
     */
    function recall(uint256 batchId, bytes32 reasonCode, string calldata message) external;

    /**
     * @notice Withdraws a mistaken or malicious recall: the batch is active again. Governance only, after the
     * governor's public delay and no sooner than the suite's notice period (the directory's onboarding delay)
     * after the recall, so that no single key recalls or un-recalls a batch at once. The call names the recall it
     * withdraws (its `recalledAt`), so that a withdrawal armed for another recall fails.
     * @dev Reverts with {SupplyUnknownBatch}, {SupplyNotRecalled}, {SupplyRecallMismatch} or
     * {SupplyRecallTooRecent}. Emits {RecallWithdrawn}.
     * @custom:restricted GOVERNOR
     * @param batchId The batch.
     * @param recalledAt The time of the recall withdrawn, from {getBatch}.
     * @param reasonCode Why.
     */
    function withdrawRecall(uint256 batchId, uint40 recalledAt, bytes32 reasonCode) external;

    /**
     * @notice Names the holders of a recalled batch's units in {RecallNotice} events. Anyone (the regulator, an
     * indexer) passes the batch's shipment ids from its `Shipped` and `BatchRegistered` events, in as many calls as
     * needed, so that no holder list is stored. A shipment in transit names its receiver; shipments of other
     * batches and emptied ones are skipped.
     * @dev Reverts with {SupplyUnknownBatch} or {SupplyNotRecalled}.
     * @param batchId The batch.
     * @param shipmentIds Its shipments to name the holders of.
     */
    function noticeHolders(uint256 batchId, uint256[] calldata shipmentIds) external;

    /**
     * @notice An active hospital or pharmacy reports an adverse event against a batch: the digest and URI of an
     * encrypted report, never its content.
     * @dev Reverts with the directory's errors for a caller that is not an active hospital or pharmacy, or
     * {SupplyUnknownBatch} or {SupplyInvalidReport}. Emits {AdverseEventReported}.
     * @param batchId The batch.
     * @param digest keccak256 of the encrypted report.
     * @param uri Where it lives.
     */
    function reportAdverseEvent(uint256 batchId, bytes32 digest, string calldata uri) external;

    /**
     * @notice A patient reports an adverse event on a unit they received under a fill allowance, once per unit,
     * without naming themselves. The allowance's key is `keccak256(abi.encode(hospitalId, keyAddress))` for an
     * address whose private key the patient's app derives from a secret only it keeps: a signature by that key over the
     * report (EIP-712 `AdverseEventReport(gtin, serial, hospitalId, digest, uri)`) proves the unit was dispensed under the patient's
     * prescription, reveals no secret, and binds the report's content, so a copy sent first by someone else is the
     * patient's own report. Anyone may send it (a relayer: the patient pays no gas); the patient's id never appears.
     * @dev Reverts with {SupplyNotDispensed}, {SupplyNotUnitsPatient}, {SupplyAlreadyReported} or
     * {SupplyInvalidReport}. Emits {AdverseEventReported}.
     * @param gtin The unit's GTIN.
     * @param serial Its serial.
     * @param hospitalId The prescribing hospital, part of the allowance's key.
     * @param digest keccak256 of the encrypted report.
     * @param uri Where it lives.
     * @param signature The allowance key's signature over the report, compact.
     */
    function reportAdverseEventAsPatient(
        uint64 gtin,
        bytes32 serial,
        uint32 hospitalId,
        bytes32 digest,
        string calldata uri,
        Signature calldata signature
    ) external;

    /**
     * @notice A patient confirms it took a unit dispensed under its prescription (an administered state, once per
     * unit), without naming itself: signed, as an adverse-event report, by the allowance's key (EIP-712
     * `IntakeConfirmation(gtin, serial, hospitalId, takenAt, by)`), by the patient's app or by a smart-pill device
     * the app gave that key. Anyone may send it. The prescribing hospital, which knows its allowance's key, sees it
     * ({IntakeConfirmed}).
     * @dev Reverts with {SupplyNotDispensed}, {SupplyAlreadyAdministered}, {SupplyInvalidIntakeTime} or
     * {SupplyNotUnitsPatient}. Emits {IntakeConfirmed}.
     * @param gtin The unit's GTIN.
     * @param serial Its serial.
     * @param hospitalId The prescribing hospital, part of the allowance's key.
     * @param takenAt When it was taken (not before it was dispensed, not in the future).
     * @param by Who confirms, as declared.
     * @param signature The allowance key's signature, compact.
     */
    function confirmIntake(
        uint64 gtin,
        bytes32 serial,
        uint32 hospitalId,
        uint40 takenAt,
        IntakeBy by,
        Signature calldata signature
    ) external;
}
