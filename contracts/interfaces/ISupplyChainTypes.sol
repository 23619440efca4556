// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title ISupplyChainTypes
 * @notice The supply chain's types, errors and events, shared by its two implementations; see {ISupplyChain}.
 */
interface ISupplyChainTypes {
    /// @notice Active, or recalled (nothing moves or is dispensed any more).
    enum BatchStatus {
        None,
        Active,
        Recalled
    }

    /**
     * @notice Where a shipment stands. `Origin` is a batch's stock at its manufacturer; `Returned` is a shipment
     * the receiver refused or the sender reclaimed: its units are the sender's again.
     */
    enum ShipmentStatus {
        None,
        Origin,
        InTransit,
        Accepted,
        Returned
    }

    /// @notice What a device measures. `None` marks an address that is no device.
    enum DeviceKind {
        None,
        TemperatureLogger,
        HumidityLogger,
        CombinedLogger
    }

    /// @notice Who says a unit was taken, as the confirmation declares it: the patient, or a smart-pill device the
    /// patient's app gave the prescription's key. The chain cannot tell them apart, by design: a device id beside a
    /// unit would name the patient.
    enum IntakeBy {
        Patient,
        Device
    }

    /// @notice Who filed an adverse-event report.
    enum Reporter {
        None,
        Hospital,
        Pharmacy,
        Patient
    }

    /**
     * @notice A batch as its manufacturer registers it.
     * @param gtin The product's GTIN-14, registered to the caller in the product registry.
     * @param lot The lot number as printed (GS1 AI 10), right-padded ASCII.
     * @param manufacturedAt Manufacturing date (unix time).
     * @param expiresAt Expiry (unix time), after manufacture: the end of the day printed on the pack (AI 17).
     * @param quantity Number of units.
     * @param tempMin Lowest allowed temperature, in hundredths of a degree Celsius.
     * @param tempMax Highest allowed temperature.
     * @param humidityMin Lowest allowed relative humidity, in hundredths of a percent.
     * @param humidityMax Highest allowed relative humidity.
     * @param serialRoot Merkle root of the units' serials (OpenZeppelin standard tree of `(uint256 index, bytes32
     * serial)`, indexes 0 to quantity - 1).
     * @param metadataURI The batch's public documentation (in the event only).
     * @param message An optional public note for whoever checks a pack of it (storage advice, say); may be empty.
     */
    struct BatchInput {
        uint64 gtin;
        bytes32 lot;
        uint40 manufacturedAt;
        uint40 expiresAt;
        uint40 quantity;
        int16 tempMin;
        int16 tempMax;
        uint16 humidityMin;
        uint16 humidityMax;
        bytes32 serialRoot;
        string metadataURI;
        string message;
    }

    /**
     * @notice A batch as stored.
     * @param manufacturerId Its maker, the owner of its GTIN when it was registered.
     * @param gtin Product code.
     * @param manufacturedAt Manufacturing date.
     * @param expiresAt Expiry.
     * @param status Active or recalled.
     * @param quantity Units registered.
     * @param adverseEvents Adverse-event reports filed against it.
     * @param serialRoot Merkle root of the serials.
     * @param tempMin Lowest allowed temperature.
     * @param tempMax Highest allowed temperature.
     * @param humidityMin Lowest allowed humidity.
     * @param humidityMax Highest allowed humidity.
     * @param destroyed Units destroyed after a quarantine.
     * @param excursions Readings out of range so far, in transit or late.
     * @param recalledAt When its current recall was made (0 if not recalled).
     * @param lot Lot number.
     */
    struct Batch {
        uint32 manufacturerId;
        uint64 gtin;
        uint40 manufacturedAt;
        uint40 expiresAt;
        BatchStatus status;
        uint40 quantity;
        uint32 adverseEvents;
        bytes32 serialRoot;
        int16 tempMin;
        int16 tempMax;
        uint16 humidityMin;
        uint16 humidityMax;
        uint40 destroyed;
        uint32 excursions;
        uint40 recalledAt;
        bytes32 lot;
    }

    /**
     * @notice A shipment, or a batch's origin stock.
     * @param batchId The batch.
     * @param fromId Sender (for an origin: the manufacturer).
     * @param toId Receiver (for an origin: the manufacturer).
     * @param quantity Units it carried.
     * @param remaining Units still with its holder: not passed on, dispensed or destroyed (units of a refused or
     * reclaimed shipment come back into it). In transit: all; returned: none, unless a reading quarantined it
     * before its return (its units then stay in it, held by the sender, quarantined until resolved).
     * @param returnCount Refused or reclaimed shipments whose units came back into it: with `remaining`, what the
     * id of its next shipment is derived from.
     * @param status Origin, in transit, accepted or returned.
     * @param quarantined Whether its remaining units are held back after an excursion.
     * @param shippedAt When it left (for an origin: when the batch was registered).
     * @param endedAt When it was accepted or returned (0 while in transit): its readings are taken until then and
     * accepted for {READING_WINDOW} after.
     */
    struct Shipment {
        uint256 batchId;
        uint32 fromId;
        uint32 toId;
        uint40 quantity;
        uint40 remaining;
        uint16 returnCount;
        ShipmentStatus status;
        bool quarantined;
        uint40 shippedAt;
        uint40 endedAt;
    }

    /**
     * @notice A fill allowance a prescribing hospital sets for a prescription: no record, patient or product in
     * clear on chain. Its key is `keccak256(abi.encode(hospitalId, keyAddress))`, where `keyAddress` is the address
     * of the patient's key for the prescription, which the patient's app derives from a secret only the patient's
     * phone keeps (the hospital gets the address, the prescription's document the key and the salt): the hospital
     * in the key means no other hospital can take it first, and the private key lets only the patient consent to
     * each fill ({FillRequest}) and report an adverse event on a unit dispensed under it without naming themselves
     * (see `reportAdverseEventAsPatient`).
     * @param hospitalId The hospital that set it.
     * @param unitsPerFill Units (packs) one fill may dispense.
     * @param fillsLeft Fills not yet opened.
     * @param unitsLeftInFill Units left in the current fill.
     * @param validUntil Last moment it may be used.
     * @param refillInterval Least time between the openings of two fills.
     * @param lastFillAt When the current fill was opened (0 before the first).
     * @param fillPharmacyId The pharmacy the patient's signature bound the current fill to (0 before the first).
     * @param productCommitment The first 9 bytes of `keccak256(abi.encode(gtin, productSalt))`: the product, hidden.
     */
    struct Allowance {
        uint32 hospitalId;
        uint8 unitsPerFill;
        uint8 fillsLeft;
        uint8 unitsLeftInFill;
        uint40 validUntil;
        uint32 refillInterval;
        uint40 lastFillAt;
        uint32 fillPharmacyId;
        bytes9 productCommitment;
    }

    /**
     * @notice What a pharmacy shows to dispense under a fill allowance. The patient's signature (by the
     * prescription's key, EIP-712 `Fill`, see config/eip712.ts) binds a fill to one pharmacy: it is needed to open
     * a fill, and for any other pharmacy to go on with one; the bound pharmacy dispenses the rest of the fill
     * without it. Over the counter, `allowanceKey` is 0 and the rest is ignored.
     * @param allowanceKey The allowance, or 0.
     * @param productSalt The salt of the allowance's product commitment.
     * @param deadline The signature's last valid moment.
     * @param signature The prescription key's signature over `Fill(allowanceKey, pharmacyId, fillsAfter,
     * deadline)`, where `fillsAfter` is the allowance's `fillsLeft` once the fill is open; zero when not needed.
     */
    struct FillRequest {
        bytes32 allowanceKey;
        bytes32 productSalt;
        uint40 deadline;
        Signature signature;
    }

    /**
     * @notice A reading signed by a device (EIP-712 `Reading`, see config/eip712.ts).
     * @param device The device's signing address.
     * @param shipmentId The shipment it travels with.
     * @param temperature Hundredths of a degree Celsius.
     * @param humidity Hundredths of a percent.
     * @param timestamp When it was taken.
     * @param sequence The device's counter for this shipment: each value counts once, in any order.
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
     * @notice A signature in EIP-2098 compact form (64 bytes).
     * @param r The signature's r.
     * @param vs The signature's s with the parity of y in its top bit.
     */
    struct Signature {
        bytes32 r;
        bytes32 vs;
    }

    /**
     * @notice A registered device.
     * @param ownerId The institution that registered it, with the device's own signature.
     * @param kind What it measures.
     * @param active Whether its readings are accepted.
     * @param banned Whether governance revoked it: never again.
     * @param nonce Registrations so far: what its next registration signature must name.
     * @param revokedAt When its owner last revoked it (readings taken before still count); 0 if never.
     * @param calibrationHash Hash of its calibration values.
     */
    struct Device {
        uint32 ownerId;
        DeviceKind kind;
        bool active;
        bool banned;
        uint64 nonce;
        uint40 revokedAt;
        bytes32 calibrationHash;
    }

    /**
     * @notice A dispensed unit, by GTIN and serial (whatever lot it claimed).
     * @param batchId The batch it was dispensed under.
     * @param pharmacyId The pharmacy.
     * @param dispensedAt When.
     * @param reported Whether its patient filed an adverse-event report on it.
     * @param administered Whether its patient confirmed it was taken.
     */
    struct DispensedUnit {
        uint256 batchId;
        uint32 pharmacyId;
        uint40 dispensedAt;
        bool reported;
        bool administered;
    }

    // ------------------------------------------------------------------ errors: batches

    /// @notice A quantity of zero.
    error SupplyZeroQuantity();

    /// @notice Expiry not after manufacture.
    /// @param manufacturedAt Given manufacture date.
    /// @param expiresAt Given expiry.
    error SupplyInvalidDates(uint40 manufacturedAt, uint40 expiresAt);

    /// @notice This GTIN already has a batch with this lot number (lots are unique per GTIN, whoever made them).
    /// @param gtin The GTIN.
    /// @param lot The lot.
    /// @param batchId The existing batch.
    error SupplyDuplicateLot(uint64 gtin, bytes32 lot, uint256 batchId);

    /// @notice A batch without a serial root.
    error SupplyZeroSerialRoot();

    /// @notice The lowest temperature is above the highest.
    /// @param tempMin Given lowest.
    /// @param tempMax Given highest.
    error SupplyInvalidTemperatureRange(int16 tempMin, int16 tempMax);

    /// @notice The lowest humidity is above the highest.
    /// @param humidityMin Given lowest.
    /// @param humidityMax Given highest.
    error SupplyInvalidHumidityRange(uint16 humidityMin, uint16 humidityMax);

    /// @notice The GTIN is not the caller's in the product registry.
    /// @param gtin The GTIN.
    /// @param caller The caller's institution id.
    /// @param owner Its owner (0: not registered).
    error SupplyNotProductOwner(uint64 gtin, uint32 caller, uint32 owner);

    /// @notice A batch message longer than {MAX_MESSAGE_LENGTH} bytes.
    /// @param length Its length.
    error SupplyMessageTooLong(uint256 length);

    /// @notice No batch has this id.
    /// @param batchId The id.
    error SupplyUnknownBatch(uint256 batchId);

    /// @notice The batch is recalled.
    /// @param batchId The batch.
    error SupplyRecalled(uint256 batchId);

    /// @notice The batch is not recalled.
    /// @param batchId The batch.
    error SupplyNotRecalled(uint256 batchId);

    /// @notice The withdrawal names another recall than the batch's current one.
    /// @param batchId The batch.
    /// @param named The recall time the call names.
    /// @param recalledAt The current recall's time.
    error SupplyRecallMismatch(uint256 batchId, uint40 named, uint40 recalledAt);

    /// @notice A recall is withdrawn only after the suite's notice period.
    /// @param batchId The batch.
    /// @param recalledAt The recall's time.
    /// @param withdrawableAt When it may be withdrawn.
    error SupplyRecallTooRecent(uint256 batchId, uint40 recalledAt, uint40 withdrawableAt);

    /// @notice The batch has expired: it neither ships nor is dispensed.
    /// @param batchId The batch.
    /// @param expiresAt Its expiry.
    error SupplyExpired(uint256 batchId, uint40 expiresAt);

    /// @notice The caller is neither the batch's manufacturer nor a regulator.
    /// @param batchId The batch.
    /// @param caller The caller.
    error SupplyNotManufacturerOrRegulator(uint256 batchId, address caller);

    /// @notice The supply chain's second implementation was called directly, not through the supply chain.
    error SupplyNotThroughSupplyChain();

    // ------------------------------------------------------------------ errors: custody

    /// @notice No shipment has this id.
    /// @param shipmentId The id.
    error SupplyUnknownShipment(uint256 shipmentId);

    /// @notice A receiver of id 0, or the sender itself.
    /// @param toId The receiver named.
    error SupplyInvalidReceiver(uint32 toId);

    /// @notice The caller does not hold the shipment's units (not its receiver once accepted, nor its sender once
    /// returned, nor the manufacturer of an origin; nobody holds a shipment in transit).
    /// @param shipmentId The shipment.
    /// @param caller The caller's institution id.
    error SupplyNotHolder(uint256 shipmentId, uint32 caller);

    /// @notice The shipment has fewer remaining units than asked for.
    /// @param shipmentId The shipment.
    /// @param requested Units asked for.
    /// @param remaining Units it has.
    error SupplyInsufficientUnits(uint256 shipmentId, uint40 requested, uint40 remaining);

    /// @notice The shipment's units are quarantined.
    /// @param shipmentId The shipment.
    error SupplyShipmentQuarantined(uint256 shipmentId);

    /// @notice The shipment's units are not quarantined.
    /// @param shipmentId The shipment.
    error SupplyNotQuarantined(uint256 shipmentId);

    /// @notice A quarantine is resolved only once the shipment has arrived (or gone back).
    /// @param shipmentId The shipment.
    error SupplyStillInTransit(uint256 shipmentId);

    /// @notice The caller is not the shipment's receiver.
    /// @param shipmentId The shipment.
    /// @param caller The caller's institution id.
    error SupplyNotReceiver(uint256 shipmentId, uint32 caller);

    /// @notice Only the shipment's sender reclaims it.
    /// @param shipmentId The shipment.
    /// @param caller The caller's institution id.
    error SupplyNotSender(uint256 shipmentId, uint32 caller);

    /// @notice The shipment is not in transit.
    /// @param shipmentId The shipment.
    /// @param status Its status.
    error SupplyNotInTransit(uint256 shipmentId, ShipmentStatus status);

    /// @notice The sender reclaims before the timeout while the receiver is still active.
    /// @param shipmentId The shipment.
    /// @param reclaimableAt When it can be reclaimed.
    error SupplyReclaimTooEarly(uint256 shipmentId, uint40 reclaimableAt);

    // ------------------------------------------------------------------ errors: dispensing

    /// @notice The serial is not in the batch at that index.
    /// @param batchId The batch.
    /// @param serial The serial.
    error SupplyInvalidSerial(uint256 batchId, bytes32 serial);

    /// @notice The proven index is not below the batch's quantity.
    /// @param batchId The batch.
    /// @param index The index.
    /// @param quantity The batch's quantity.
    error SupplyIndexOutOfRange(uint256 batchId, uint256 index, uint40 quantity);

    /// @notice A batch of more units than 2^32 - 1.
    /// @param quantity The units declared.
    error SupplyBatchTooLarge(uint40 quantity);

    /// @notice 65,535 returned shipments came back into this source already: the units of its later shipments
    /// cannot come back into it (they can be accepted; a quarantined one can still be returned, its units staying
    /// in it).
    /// @param sourceId The source.
    error SupplyTooManyReturns(uint256 sourceId);

    /// @notice An allowance with no key address or product, no unit or fill, or an end already past or after 2106.
    error SupplyInvalidAllowance();

    /// @notice The fill's signature is not the prescription key's for this pharmacy and fill, or is malformed.
    /// @param key The allowance key.
    /// @param pharmacyId The pharmacy it was shown by.
    /// @param fillsAfter The fill it had to name.
    error SupplyInvalidFillSignature(bytes32 key, uint32 pharmacyId, uint8 fillsAfter);

    /// @notice The hospital that set the allowance is not active (suspended, retired): no fill opens or moves.
    /// @param key The allowance key.
    /// @param hospitalId The hospital.
    error SupplyPrescriberNotActive(bytes32 key, uint32 hospitalId);

    /// @notice The fill's signature is past its deadline.
    /// @param key The allowance key.
    /// @param deadline Its deadline.
    error SupplyFillSignatureExpired(bytes32 key, uint40 deadline);

    /// @notice An allowance already exists under this key (cancelled ones included: a key is used once).
    /// @param key The key.
    error SupplyAllowanceExists(bytes32 key);

    /// @notice No allowance has this key, or its hospital cancelled it, or governance revoked it.
    /// @param key The allowance key.
    error SupplyUnknownAllowance(bytes32 key);

    /// @notice Only the hospital that set the allowance cancels it.
    /// @param key The key.
    /// @param caller The caller's institution id.
    error SupplyNotAllowanceIssuer(bytes32 key, uint32 caller);

    /// @notice The allowance is for another product than the unit's.
    /// @param key The key.
    error SupplyAllowanceProductMismatch(bytes32 key);

    /// @notice The allowance's validity has passed.
    /// @param key The key.
    /// @param validUntil Its end.
    error SupplyAllowanceExpired(bytes32 key, uint40 validUntil);

    /// @notice Every fill of the allowance is used up.
    /// @param key The key.
    error SupplyAllowanceExhausted(bytes32 key);

    /// @notice The next fill may not open yet.
    /// @param key The key.
    /// @param refillAt When it may.
    error SupplyRefillTooEarly(bytes32 key, uint40 refillAt);

    // ------------------------------------------------------------------ errors: devices and readings

    /// @notice The device is not registered, or not active.
    /// @param device The device.
    error SupplyUnknownDevice(address device);

    /// @notice A device at the zero address, or of kind `None`.
    error SupplyInvalidDevice();

    /// @notice A device without calibration values.
    /// @param device The device.
    error SupplyEmptyCalibration(address device);

    /// @notice The device belongs to another institution.
    /// @param device The device.
    /// @param ownerId Its owner.
    error SupplyNotDeviceOwner(address device, uint32 ownerId);

    /// @notice Governance revoked the device: for good.
    /// @param device The device.
    error SupplyDeviceBanned(address device);

    /// @notice The device's signature over its registration is not the device's.
    /// @param device The device.
    error SupplyBadDeviceSignature(address device);

    /// @notice The caller is neither the shipment's sender nor its receiver.
    /// @param shipmentId The shipment.
    /// @param caller The caller's institution id.
    error SupplyNotShipmentParty(uint256 shipmentId, uint32 caller);

    /// @notice The device was assigned to the shipment already (a device is assigned to a shipment once).
    /// @param device The device.
    /// @param shipmentId The shipment.
    error SupplyDeviceAlreadyAssigned(address device, uint256 shipmentId);

    /// @notice The device was not assigned to the shipment by its sender or receiver.
    /// @param device The device.
    /// @param shipmentId The shipment.
    error SupplyDeviceNotAssigned(address device, uint256 shipmentId);

    /// @notice The device's owner is not active: its devices are silent.
    /// @param device The device.
    /// @param ownerId Its owner.
    error SupplyDeviceOwnerNotActive(address device, uint32 ownerId);

    /// @notice The reading was taken outside the shipment's life (before it left, after it ended, in the future)
    /// or, for a device its owner revoked, after the revocation.
    /// @param shipmentId The shipment.
    /// @param device The device.
    /// @param timestamp The reading's time.
    error SupplyReadingOutsideShipment(uint256 shipmentId, address device, uint40 timestamp);

    /// @notice The shipment's reading window has closed.
    /// @param shipmentId The shipment.
    /// @param closedAt When it closed.
    error SupplyReadingWindowClosed(uint256 shipmentId, uint40 closedAt);

    /// @notice This device already sent this sequence number for this shipment.
    /// @param device The device.
    /// @param shipmentId The shipment.
    /// @param sequence The sequence.
    error SupplyDuplicateSequence(address device, uint256 shipmentId, uint64 sequence);

    /// @notice The reading's signature is not the device's.
    /// @param device The device.
    /// @param sequence The reading's sequence.
    error SupplyInvalidReadingSignature(address device, uint64 sequence);

    /// @notice An empty submission, one over {MAX_READINGS}, or not one signature per reading.
    /// @param readings Readings given.
    /// @param signatures Signatures given.
    error SupplyInvalidReadingBatch(uint256 readings, uint256 signatures);

    // ------------------------------------------------------------------ errors: adverse events

    /// @notice A report without its digest or URI, or with a URI over {MAX_MESSAGE_LENGTH} bytes.
    error SupplyInvalidReport();

    /// @notice No unit with this GTIN and serial was dispensed.
    /// @param gtin The GTIN.
    /// @param serial The serial.
    error SupplyNotDispensed(uint64 gtin, bytes32 serial);

    /// @notice The report is not signed by the key of the allowance the unit was dispensed under (or the unit was
    /// dispensed over the counter).
    /// @param gtin The GTIN.
    /// @param serial The serial.
    error SupplyNotUnitsPatient(uint64 gtin, bytes32 serial);

    /// @notice A patient already reported on this dispensed unit.
    /// @param gtin The GTIN.
    /// @param serial The serial.
    error SupplyAlreadyReported(uint64 gtin, bytes32 serial);

    /// @notice The unit's intake was confirmed already.
    /// @param gtin The GTIN.
    /// @param serial The serial.
    error SupplyAlreadyAdministered(uint64 gtin, bytes32 serial);

    /// @notice The intake time is before the unit was dispensed or in the future.
    /// @param gtin The GTIN.
    /// @param serial The serial.
    /// @param takenAt The time given.
    /// @param dispensedAt When the unit was dispensed.
    error SupplyInvalidIntakeTime(uint64 gtin, bytes32 serial, uint40 takenAt, uint40 dispensedAt);

    // ------------------------------------------------------------------ events

    /**
     * @notice A batch was registered; its units are at its origin shipment (whose id is the batch's), held by the
     * manufacturer.
     * @param batchId The batch.
     * @param manufacturerId Its maker.
     * @param gtin Product code.
     * @param lot Lot number.
     * @param quantity Units.
     * @param manufacturedAt Manufacturing date.
     * @param expiresAt Expiry.
     * @param serialRoot Merkle root of the serials.
     * @param metadataURI Public documentation.
     * @param message Public note for whoever checks a pack (may be empty).
     */
    event BatchRegistered(
        uint256 indexed batchId,
        uint32 indexed manufacturerId,
        uint64 indexed gtin,
        bytes32 lot,
        uint40 quantity,
        uint40 manufacturedAt,
        uint40 expiresAt,
        bytes32 serialRoot,
        string metadataURI,
        string message
    );

    /// @notice Units left a holder: `sourceId` is the shipment (or origin) they came from, which had taken back
    /// `sourceReturns` returned shipments and had `sourceRemaining` units before; the new shipment's id is
    /// `keccak256(abi.encode(sourceId, sourceReturns, sourceRemaining))`.
    /// @param shipmentId The new shipment.
    /// @param batchId The batch.
    /// @param fromId Sender.
    /// @param sourceId Where they came from.
    /// @param sourceReturns The returned shipments the source had taken back, before they left.
    /// @param sourceRemaining The source's units before they left.
    /// @param toId Receiver.
    /// @param quantity Units.
    event Shipped(
        uint256 indexed shipmentId,
        uint256 indexed batchId,
        uint32 indexed fromId,
        uint256 sourceId,
        uint16 sourceReturns,
        uint40 sourceRemaining,
        uint32 toId,
        uint40 quantity
    );

    /// @notice The receiver accepted a shipment and holds its units.
    /// @param shipmentId The shipment.
    /// @param batchId The batch.
    /// @param toId The receiver.
    /// @param quarantined Whether they arrive quarantined.
    event ShipmentAccepted(uint256 indexed shipmentId, uint256 indexed batchId, uint32 indexed toId, bool quarantined);

    /// @notice The receiver refused a shipment; its units are the sender's again.
    /// @param shipmentId The shipment.
    /// @param batchId The batch.
    /// @param fromId The sender.
    /// @param sourceId The shipment (or origin) its units went back to.
    /// @param returned Units put back into the source: all of them, or 0 if a reading quarantined the shipment
    /// (its units then stay in it, quarantined, held by the sender).
    event ShipmentRefused(
        uint256 indexed shipmentId,
        uint256 indexed batchId,
        uint32 indexed fromId,
        uint256 sourceId,
        uint40 returned
    );

    /// @notice The sender took back a shipment the receiver did not accept in time (or could no longer).
    /// @param shipmentId The shipment.
    /// @param batchId The batch.
    /// @param fromId The sender, who holds its units again.
    /// @param sourceId The shipment (or origin) its units went back to.
    /// @param returned Units put back into the source (0 if the shipment is quarantined, as for a refusal).
    event ShipmentReclaimed(
        uint256 indexed shipmentId,
        uint256 indexed batchId,
        uint32 indexed fromId,
        uint256 sourceId,
        uint40 returned
    );

    /// @notice A device was registered with its own signature, or re-registered with new calibration values.
    /// @param device The device.
    /// @param ownerId Its owner.
    /// @param kind Its kind.
    /// @param calibrationHash Hash of its calibration values.
    /// @param nonce The registration nonce its signature named.
    event DeviceRegistered(
        address indexed device,
        uint32 indexed ownerId,
        DeviceKind kind,
        bytes32 calibrationHash,
        uint64 nonce
    );

    /// @notice A device was revoked; its readings taken from now on are refused.
    /// @param device The device.
    /// @param by Who revoked it.
    /// @param banned Whether governance revoked it, for good.
    event DeviceRevoked(address indexed device, address by, bool banned);

    /// @notice A device was assigned to a shipment by one of its parties; only assigned devices' readings count.
    /// @param shipmentId The shipment.
    /// @param device The device.
    /// @param by The party's institution id.
    event DeviceAssigned(uint256 indexed shipmentId, address indexed device, uint32 by);

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

    /// @notice A reading was out of the batch's range: the shipment's units are quarantined (in transit: all of
    /// them; after it ended, see {LateExcursion}).
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

    /**
     * @notice An excursion reading arrived after the shipment ended, within the window: its holder's remaining
     * units are quarantined now; the rest had already been passed on or dispensed (their shipments are its
     * descendants in the `Shipped` events).
     * @param shipmentId The shipment.
     * @param batchId The batch.
     * @param quarantined Units quarantined at the holder.
     * @param flagged Units already gone on.
     */
    event LateExcursion(uint256 indexed shipmentId, uint256 indexed batchId, uint40 quarantined, uint40 flagged);

    /// @notice A shipment's quarantine was resolved: some units destroyed, the others released.
    /// @param shipmentId The shipment.
    /// @param batchId The batch.
    /// @param destroyed Units destroyed.
    /// @param released Units released.
    /// @param by The regulator or manufacturer.
    event QuarantineResolved(
        uint256 indexed shipmentId,
        uint256 indexed batchId,
        uint40 destroyed,
        uint40 released,
        address by
    );

    /**
     * @notice A batch was recalled, with a message to patients.
     * @param batchId The batch.
     * @param reasonCode Why.
     * @param by The manufacturer or regulator.
     * @param adverseEvents Reports filed against it at the time.
     * @param message What patients holding a unit of it should do.
     */
    event BatchRecalled(uint256 indexed batchId, bytes32 reasonCode, address by, uint32 adverseEvents, string message);

    /// @notice Governance withdrew a batch's recall after its delay: the batch moves and is dispensed again. The
    /// earlier {BatchRecalled} stays in the batch's history beside this event.
    /// @param batchId The batch.
    /// @param reasonCode Why (a code from governance's published list).
    event RecallWithdrawn(uint256 indexed batchId, bytes32 reasonCode);

    /// @notice A holder of a recalled batch's units, named so that it can act.
    /// @param batchId The batch.
    /// @param shipmentId The shipment it holds them in.
    /// @param holderId The holder (for a shipment in transit: its receiver).
    /// @param remaining Units it holds there.
    /// @param quarantined Whether they are quarantined.
    event RecallNotice(
        uint256 indexed batchId,
        uint256 indexed shipmentId,
        uint32 indexed holderId,
        uint40 remaining,
        bool quarantined
    );

    /// @notice A hospital set a fill allowance under an opaque key.
    /// @param key The key.
    /// @param hospitalId The hospital.
    /// @param unitsPerFill Units per fill.
    /// @param fills Fills.
    /// @param validUntil Its end.
    /// @param refillInterval Least time between two fills.
    event AllowanceSet(
        bytes32 indexed key,
        uint32 indexed hospitalId,
        uint8 unitsPerFill,
        uint8 fills,
        uint40 validUntil,
        uint32 refillInterval
    );

    /// @notice The hospital cancelled an allowance.
    /// @param key The key.
    /// @param hospitalId The hospital.
    event AllowanceCancelled(bytes32 indexed key, uint32 indexed hospitalId);

    /// @notice Governance revoked an allowance (a hospital suspended for fraudulent prescriptions, for instance).
    /// @param key The key.
    /// @param hospitalId The hospital that set it.
    /// @param reasonCode Why.
    event AllowanceRevoked(bytes32 indexed key, uint32 indexed hospitalId, bytes32 reasonCode);

    /**
     * @notice A unit was dispensed. No patient is named: a prescribed unit carries its allowance's opaque key, by
     * which the patient's wallet (which knows the key) finds what it received and learns of a recall.
     * @param batchId The batch.
     * @param allowanceKey The allowance consumed (0 over the counter).
     * @param pharmacyId The pharmacy.
     * @param serial The unit's serial.
     */
    event Dispensed(uint256 indexed batchId, bytes32 indexed allowanceKey, uint32 indexed pharmacyId, bytes32 serial);

    /**
     * @notice A GTIN and serial already dispensed was presented again, under any lot: a likely counterfeit.
     * Nothing was dispensed.
     * @param batchId The batch presented.
     * @param serial The serial.
     * @param pharmacyId The pharmacy that presented it.
     * @param firstBatchId The batch it was first dispensed under.
     */
    event CounterfeitAlert(
        uint256 indexed batchId,
        bytes32 indexed serial,
        uint32 indexed pharmacyId,
        uint256 firstBatchId
    );

    /**
     * @notice A patient confirmed it took a dispensed unit. The prescribing hospital knows its allowance's key, so
     * it sees the intake of what it prescribed; nobody else can tell whose unit it was.
     * @param allowanceKey The allowance the unit was dispensed under.
     * @param batchId The unit's batch.
     * @param serial Its serial.
     * @param takenAt When it was taken.
     * @param by Who says so (as declared in the signed confirmation).
     */
    event IntakeConfirmed(
        bytes32 indexed allowanceKey,
        uint256 indexed batchId,
        bytes32 serial,
        uint40 takenAt,
        IntakeBy by
    );

    /**
     * @notice An adverse event was reported against a batch: the digest and URI of an encrypted report only.
     * @param batchId The batch.
     * @param reporter Who reported: a hospital, a pharmacy or a patient.
     * @param reporterId The institution's id (0 for a patient, who is never named).
     * @param count The batch's reports so far.
     * @param digest keccak256 of the encrypted report.
     * @param uri Where it lives.
     */
    event AdverseEventReported(
        uint256 indexed batchId,
        Reporter indexed reporter,
        uint32 reporterId,
        uint32 count,
        bytes32 digest,
        string uri
    );
}
