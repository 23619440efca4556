// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../../contracts/interfaces/IParticipantRegistry.sol";
import {IProductRegistry} from "../../contracts/interfaces/IProductRegistry.sol";
import {ISupplyChain} from "../../contracts/interfaces/ISupplyChain.sol";
import {ISupplyChainTypes} from "../../contracts/interfaces/ISupplyChainTypes.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the supply chain with random batches (every lot reuses the same serials, as a copier would),
 * shipments between five institutions and to one that does not exist, acceptances, refusals and reclaims,
 * devices assigned by shipment parties, signed readings with any sequence number and any time (in range or not,
 * before or after delivery), quarantine decisions, dispensing over the counter and under a prescription's
 * allowance, recalls and time; and keeps a model of what the chain must accept.
 */
contract SupplyHandler is SuiteDeployer {
    uint256 public constant UNITS = 8;
    uint64 public constant GTIN = 8806469001235;
    uint256 internal constant DEVICE_KEY = 0xDE71CE;
    uint256 internal constant MAKER_DEVICE_KEY = 0x3A4EDE71CE;
    uint256 internal constant PRESCRIPTION_KEY = 0x9E5C;
    bytes32 internal constant SALT = keccak256("product salt");
    uint8 public constant UNITS_PER_FILL = 2;
    uint8 public constant FILLS = 3;

    address public manufacturer = address(0x3A4F);
    address public regulator = address(0x4E6);
    address public hospital = address(0x4051);
    address[3] public holders; // distributor, two pharmacies
    address public device;
    address public makerDevice;
    bytes32 public allowanceKey;
    bytes32[UNITS] internal leaves;
    bytes32 public serialRoot;

    uint256[] public batchIds;
    uint256[] public shipmentIds;
    /// What names each shipment when it comes back: its source, the returns into it and its units before it left.
    mapping(uint256 shipmentId => uint256[3] source) internal sources;
    mapping(uint256 batchId => uint256) public dispensedOf;
    mapping(bytes32 serial => uint256) public dispensedTimes;
    uint256 public dispensedUnderAllowance;
    bool public dispensedRecalledOrQuarantined;
    bool public validReadingRefused;
    uint256 public lateQuarantines;
    uint256 public calls;

    constructor() {
        _deploySuite(_plainGenesis(address(this), 1e27));
        uint32 manufacturerId = _onboard(manufacturer, IParticipantRegistry.Kind.Manufacturer);
        _onboard(regulator, IParticipantRegistry.Kind.Regulator);
        _onboard(hospital, IParticipantRegistry.Kind.Hospital);
        holders[0] = address(0xD157);
        _onboard(holders[0], IParticipantRegistry.Kind.Distributor);
        for (uint256 i = 1; i < 3; ++i) {
            holders[i] = address(uint160(0xFA40 + i));
            _onboard(holders[i], IParticipantRegistry.Kind.Pharmacy);
        }
        // The maker's GS1 prefix (this contract holds the admin role, hence the registrar's), then its product.
        products.assignPrefix(8806469, 7, manufacturerId);
        VM.warp(block.timestamp + ONBOARDING_DELAY);
        VM.prank(manufacturer);
        products.registerProduct(GTIN, 7, IProductRegistry.ProductData("Insulin", "100 U/mL", "pen", "Hanmi"));
        device = _registerDevice(holders[0], DEVICE_KEY);
        makerDevice = _registerDevice(manufacturer, MAKER_DEVICE_KEY);
        address prescription = VM.addr(PRESCRIPTION_KEY);
        VM.prank(hospital);
        allowanceKey = supply.setAllowance(
            prescription,
            keccak256(abi.encode(GTIN, SALT)),
            UNITS_PER_FILL,
            FILLS,
            uint40(block.timestamp + 3650 days),
            1 days
        );
        for (uint256 i = 0; i < UNITS; ++i) {
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(i, _serial(i)))));
        }
        bytes32[UNITS] memory level = leaves;
        for (uint256 width = UNITS; width > 1; width /= 2) {
            for (uint256 i = 0; i < width / 2; ++i) level[i] = _hash(level[2 * i], level[2 * i + 1]);
        }
        serialRoot = level[0];
        _newBatch();
    }

    // ---- actions ----------------------------------------------------------------------------------------

    function newBatch() external {
        calls++;
        if (batchIds.length < 3) _newBatch();
    }

    /// Ships from a shipment (or origin) with units left, as its holder; now and then to no institution at all.
    function ship(uint256 seed, uint8 to, uint40 quantity) external {
        calls++;
        (uint256 source, address sender) = _held(seed);
        if (sender == address(0)) return;
        uint32 toId = to % 8 == 7 ? 999 : participants.memberOf(holders[to % 3]).id;
        ISupplyChainTypes.Shipment memory before = supply.getShipment(source);
        VM.prank(sender);
        try supply.ship(source, toId, 1 + (quantity % 4)) returns (uint256 shipmentId) {
            shipmentIds.push(shipmentId);
            sources[shipmentId] = [source, before.returnCount, before.remaining];
        } catch {}
    }

    /// Accepts or refuses a shipment still in transit (searching from `s`), as its receiver.
    function receive_(uint256 s, bool refuse) external {
        calls++;
        uint256 shipmentId = _inTransit(s);
        if (shipmentId == 0) return;
        ISupplyChainTypes.Shipment memory shipment = supply.getShipment(shipmentId);
        if (shipment.toId == 999) return;
        VM.prank(participants.accountOf(shipment.toId));
        if (refuse) {
            uint256[3] memory from = sources[shipmentId];
            try supply.refuse(from[0], uint16(from[1]), uint40(from[2])) {} catch {}
        } else {
            try supply.accept(shipmentId) {} catch {}
        }
    }

    /// The sender takes back a shipment in transit: refused before the timeout unless the receiver cannot act.
    function reclaim(uint256 s) external {
        calls++;
        uint256 shipmentId = _inTransit(s);
        if (shipmentId == 0) return;
        VM.prank(participants.accountOf(supply.getShipment(shipmentId).fromId));
        uint256[3] memory from = sources[shipmentId];
        try supply.reclaim(from[0], uint16(from[1]), uint40(from[2])) {} catch {}
    }

    /// A party assigns its device to a shipment in transit.
    function assign(uint256 s, bool maker) external {
        calls++;
        uint256 shipmentId = _inTransit(s);
        if (shipmentId == 0) return;
        VM.prank(maker ? manufacturer : holders[0]);
        try supply.assignDevice(shipmentId, maker ? makerDevice : device) {} catch {}
    }

    /**
     * A device-signed reading of any shipment, with any sequence and a time within or around its life. The
     * model: a reading the rules accept (device assigned, sequence new, time within the shipment's life, window
     * open) must be accepted, whatever happened before; any call sequence that makes one unsubmittable is a bug.
     */
    function reading(uint256 s, int16 temperature, uint16 sequence, uint32 back, bool maker) external {
        calls++;
        if (shipmentIds.length == 0) return;
        uint256 shipmentId = shipmentIds[s % shipmentIds.length];
        ISupplyChainTypes.Shipment memory shipment = supply.getShipment(shipmentId);
        address signer = maker ? makerDevice : device;
        uint256 end = shipment.endedAt == 0 ? block.timestamp : shipment.endedAt;
        // Mostly within the shipment's life; one in eight before it left.
        uint256 timestamp = end - (back % (end - shipment.shippedAt + 1));
        if (back % 8 == 0 && shipment.shippedAt > 0) timestamp = shipment.shippedAt - 1;
        ISupplyChainTypes.Reading[] memory readings = new ISupplyChainTypes.Reading[](1);
        readings[0] = ISupplyChainTypes.Reading(
            signer,
            shipmentId,
            // Mostly within 2-8 °C; one reading in six is an excursion.
            temperature % 6 == 0 ? int16(1200) : int16(200 + (((int256(temperature) % 600) + 600) % 600)),
            4000,
            uint40(timestamp),
            sequence % 32
        );
        bool valid = supply.isAssigned(shipmentId, signer) &&
            !supply.sequenceUsed(shipmentId, signer, sequence % 32) &&
            timestamp >= shipment.shippedAt &&
            timestamp <= end &&
            (shipment.endedAt == 0 || block.timestamp <= uint256(shipment.endedAt) + supply.READING_WINDOW());
        ISupplyChainTypes.Signature[] memory signatures = new ISupplyChainTypes.Signature[](1);
        signatures[0] = _sign(readings[0], maker ? MAKER_DEVICE_KEY : DEVICE_KEY);
        bool wasQuarantined = shipment.quarantined;
        try supply.submitReadings(readings, signatures) {
            bool ended = shipment.status != ISupplyChainTypes.ShipmentStatus.InTransit;
            if (!wasQuarantined && ended && supply.getShipment(shipmentId).quarantined) lateQuarantines++;
        } catch {
            if (valid) validReadingRefused = true;
        }
    }

    function resolve(uint256 s, uint40 destroy) external {
        calls++;
        if (shipmentIds.length == 0) return;
        uint256 shipmentId = shipmentIds[s % shipmentIds.length];
        VM.prank(regulator);
        try supply.resolveQuarantine(shipmentId, destroy % 5) {} catch {}
    }

    /// A pharmacy dispenses a unit from a shipment it holds (or tries one it does not), with or without the
    /// prescription's allowance.
    function dispense(uint256 s, uint256 index, bool prescribed) external {
        calls++;
        (uint256 shipmentId, address holder) = _held(s);
        if (holder == address(0)) return;
        address pharmacy = holder == holders[1] || holder == holders[2] ? holder : holders[1 + (index % 2)];
        ISupplyChainTypes.Shipment memory shipment = supply.getShipment(shipmentId);
        ISupplyChainTypes.Batch memory batch = supply.getBatch(shipment.batchId);
        index %= UNITS;
        ISupplyChainTypes.FillRequest memory fill;
        if (prescribed) fill = _fillRequest(participants.memberOf(pharmacy).id);
        VM.prank(pharmacy);
        try supply.dispense(shipmentId, index, _serial(index), _proof(index), fill) returns (bool done) {
            if (done) {
                dispensedOf[shipment.batchId] += 1;
                dispensedTimes[_serial(index)] += 1;
                if (prescribed) dispensedUnderAllowance += 1;
                if (batch.status == ISupplyChainTypes.BatchStatus.Recalled || shipment.quarantined) {
                    dispensedRecalledOrQuarantined = true;
                }
            }
        } catch {}
    }

    /// Recalls are rare (one call in sixteen acts), or no unit would ever reach a patient.
    function recall(uint256 b) external {
        calls++;
        if (b % 16 != 0) return;
        VM.prank(regulator);
        try supply.recall(batchIds[b % batchIds.length], "recall", "return it") {} catch {}
    }

    function wait(uint32 seconds_) external {
        calls++;
        VM.warp(block.timestamp + (seconds_ % 5 days));
    }

    // ---- views for the invariants ------------------------------------------------------------------------

    function batchCount() external view returns (uint256) {
        return batchIds.length;
    }

    function shipmentCount() external view returns (uint256) {
        return shipmentIds.length;
    }

    function supplyAddress() external view returns (address) {
        return address(supply);
    }

    function serialOf(uint256 index) external pure returns (bytes32) {
        return _serial(index);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /// A shipment (or origin) with units left and its holder, searching from `seed`; none: zero.
    function _held(uint256 seed) private view returns (uint256 shipmentId, address holder) {
        uint256 total = batchIds.length + shipmentIds.length;
        for (uint256 i = 0; i < total; ++i) {
            uint256 k = ((seed % total) + i) % total; // seed + i could overflow
            uint256 id = k < batchIds.length ? batchIds[k] : shipmentIds[k - batchIds.length];
            uint32 holderId = supply.holderOf(id);
            if (holderId == 0 || holderId == 999 || supply.getShipment(id).remaining == 0) continue;
            return (id, participants.accountOf(holderId));
        }
    }

    function _inTransit(uint256 s) private view returns (uint256) {
        uint256 count = shipmentIds.length;
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = shipmentIds[((s % count) + i) % count];
            if (supply.getShipment(id).status == ISupplyChainTypes.ShipmentStatus.InTransit) return id;
        }
        return 0;
    }

    function _newBatch() private {
        VM.prank(manufacturer);
        batchIds.push(
            supply.registerBatch(
                ISupplyChainTypes.BatchInput({
                    gtin: GTIN,
                    lot: bytes32(batchIds.length + 1),
                    manufacturedAt: uint40(block.timestamp - 1),
                    expiresAt: uint40(block.timestamp + 3650 days),
                    quantity: uint40(UNITS),
                    tempMin: 200,
                    tempMax: 800,
                    humidityMin: 1000,
                    humidityMax: 6000,
                    serialRoot: serialRoot,
                    metadataURI: "ipfs://batch",
                    message: ""
                })
            )
        );
    }

    function _registerDevice(address owner, uint256 key) private returns (address account) {
        account = VM.addr(key);
        bytes32 structHash = keccak256(
            abi.encode(
                supply.DEVICE_REGISTRATION_TYPEHASH(),
                account,
                participants.memberOf(owner).id,
                uint8(3),
                keccak256("calibration"),
                uint64(0)
            )
        );
        VM.prank(owner);
        supply.registerDevice(
            account,
            ISupplyChainTypes.DeviceKind.CombinedLogger,
            keccak256("calibration"),
            _compact(key, structHash)
        );
    }

    function _serial(uint256 index) private pure returns (bytes32) {
        return keccak256(abi.encode("serial", index));
    }

    function _proof(uint256 index) private view returns (bytes32[] memory proof) {
        proof = new bytes32[](3);
        bytes32[UNITS] memory level = leaves;
        uint256 position = index;
        uint256 depth;
        for (uint256 width = UNITS; width > 1; width /= 2) {
            proof[depth++] = level[position ^ 1];
            for (uint256 i = 0; i < width / 2; ++i) level[i] = _hash(level[2 * i], level[2 * i + 1]);
            position /= 2;
        }
    }

    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    function _sign(
        ISupplyChainTypes.Reading memory r,
        uint256 key
    ) private view returns (ISupplyChainTypes.Signature memory) {
        bytes32 structHash = keccak256(
            abi.encode(
                supply.READING_TYPEHASH(),
                r.device,
                r.shipmentId,
                r.temperature,
                r.humidity,
                r.timestamp,
                r.sequence
            )
        );
        return _compact(key, structHash);
    }

    /// The patient's signature letting `pharmacyId` open the allowance's next fill, or go on with the current one.
    function _fillRequest(uint32 pharmacyId) private view returns (ISupplyChainTypes.FillRequest memory fill) {
        ISupplyChainTypes.Allowance memory a = supply.getAllowance(allowanceKey);
        uint8 fillsAfter = a.unitsLeftInFill == 0 && a.fillsLeft > 0 ? a.fillsLeft - 1 : a.fillsLeft;
        uint40 deadline = uint40(block.timestamp + 1 hours);
        fill.allowanceKey = allowanceKey;
        fill.productSalt = SALT;
        fill.deadline = deadline;
        fill.signature = _compact(
            PRESCRIPTION_KEY,
            keccak256(abi.encode(supply.FILL_TYPEHASH(), allowanceKey, pharmacyId, fillsAfter, deadline))
        );
    }

    function _compact(uint256 key, bytes32 structHash) private view returns (ISupplyChainTypes.Signature memory) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("MIIP Supply Chain"),
                keccak256("1"),
                block.chainid,
                address(supply)
            )
        );
        (uint8 v, bytes32 rr, bytes32 s) = VM.sign(key, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        return ISupplyChainTypes.Signature(rr, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }
}

contract SupplyInvariants {
    SupplyHandler internal handler;

    function setUp() external {
        handler = new SupplyHandler();
    }

    function targetContracts() external view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Every unit of a batch is somewhere: in one of its shipments (held, returned or in transit), dispensed or
    /// destroyed, whatever reclaims, refusals and retroactive quarantines happened; the sum is what was
    /// registered.
    function invariant_unitsConserved() external view {
        ISupplyChain supply = ISupplyChain(handler.supplyAddress());
        uint256 shipments = handler.shipmentCount();
        for (uint256 b = 0; b < handler.batchCount(); ++b) {
            uint256 batchId = handler.batchIds(b);
            ISupplyChainTypes.Batch memory batch = supply.getBatch(batchId);
            uint256 accounted = batch.destroyed + handler.dispensedOf(batchId) + supply.getShipment(batchId).remaining;
            for (uint256 s = 0; s < shipments; ++s) {
                ISupplyChainTypes.Shipment memory shipment = supply.getShipment(handler.shipmentIds(s));
                if (shipment.batchId == batchId) accounted += shipment.remaining;
            }
            require(accounted == batch.quantity, "units appeared or vanished");
        }
    }

    /// A GTIN and serial is dispensed at most once, though every lot reuses the same serials; nothing recalled
    /// or quarantined is dispensed; a prescription backs no more than its fills.
    function invariant_dispensedOnce() external view {
        for (uint256 i = 0; i < handler.UNITS(); ++i) {
            require(handler.dispensedTimes(handler.serialOf(i)) <= 1, "a GTIN and serial was dispensed twice");
        }
        require(!handler.dispensedRecalledOrQuarantined(), "a recalled or quarantined unit was dispensed");
        require(
            handler.dispensedUnderAllowance() <= uint256(handler.UNITS_PER_FILL()) * handler.FILLS(),
            "an allowance backed more than its fills"
        );
    }

    /// No reading the rules accept (assigned device, new sequence, time within the shipment's life, window open)
    /// was ever refused, whatever was submitted, accepted or reclaimed before it: no excursion can be silenced.
    function invariant_noReadingSilenced() external view {
        require(!handler.validReadingRefused(), "a valid reading was refused");
    }
}

/// The handler can reach what the invariants are about: a unit shipped, received and dispensed once, a copy of
/// its serial under another lot refused, and an excursion arriving after delivery.
contract SupplyHandlerReach {
    function test_reachesDispensingAndLateExcursions() external {
        SupplyHandler handler = new SupplyHandler();
        handler.ship(0, 1, 1); // origin to the first pharmacy: 2 units
        handler.receive_(0, false);
        handler.dispense(1, 3, false);
        handler.dispense(1, 3, false);
        require(handler.dispensedTimes(handler.serialOf(3)) == 1, "not dispensed once");
        handler.newBatch();
        handler.ship(1, 1, 1); // batch 2's origin to the first pharmacy
        handler.receive_(1, false);
        handler.dispense(3, 3, false);
        require(handler.dispensedTimes(handler.serialOf(3)) == 1, "a copy under another lot was dispensed");
        handler.ship(0, 0, 2); // origin to the distributor
        handler.assign(2, false);
        handler.receive_(2, false);
        handler.reading(2, 6, 1, 1, false); // an excursion, after delivery, within the window
        require(handler.lateQuarantines() == 1, "no late excursion");
        require(!handler.validReadingRefused(), "a valid reading was refused");
    }
}
