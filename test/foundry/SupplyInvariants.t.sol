// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../../contracts/interfaces/IParticipantRegistry.sol";
import {ISupplyChain} from "../../contracts/interfaces/ISupplyChain.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the supply chain with random batches, shipments between four holders, acceptances and
 * refusals, device-signed readings (some out of range, which quarantine), quarantine decisions, dispensing of
 * genuine and repeated serials, recalls and time; and counts what it saw succeed.
 */
contract SupplyHandler is SuiteDeployer {
    uint256 public constant UNITS = 8;
    uint256 internal constant DEVICE_KEY = 0xDE71CE;

    address public manufacturer = address(0x3A4F);
    address public regulator = address(0x4E6);
    address[3] public holders; // distributor, two pharmacies
    address public device;
    bytes32[UNITS] internal leaves;
    bytes32 public serialRoot;

    uint256[] public batchIds;
    uint256[] public shipmentIds;
    mapping(uint256 => mapping(uint256 => uint256)) public dispensedTimes; // batch => unit index => count
    bool public dispensedRecalledOrQuarantined;
    uint256 public calls;

    constructor() {
        _deploySuite(_plainGenesis(address(this), 1e27));
        _onboard(manufacturer, IParticipantRegistry.Kind.Manufacturer);
        _onboard(regulator, IParticipantRegistry.Kind.Regulator);
        holders[0] = address(0xD157);
        _onboard(holders[0], IParticipantRegistry.Kind.Distributor);
        for (uint256 i = 1; i < 3; ++i) {
            holders[i] = address(uint160(0xFA40 + i));
            _onboard(holders[i], IParticipantRegistry.Kind.Pharmacy);
        }
        device = VM.addr(DEVICE_KEY);
        VM.prank(holders[0]);
        supply.registerDevice(device, ISupplyChain.DeviceKind.CombinedLogger, keccak256("calibration"));
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

    /// Ships from a holder that has units of the batch (starting the search at `from`), so the walk moves stock.
    function ship(uint256 b, uint8 from, uint8 to, uint64 quantity) external {
        calls++;
        uint256 batchId = batchIds[b % batchIds.length];
        address sender;
        for (uint256 i = 0; i < 4; ++i) {
            address candidate = (from + i) % 4 == 0 ? manufacturer : holders[((from + i) % 4) - 1];
            (uint64 available, ) = supply.holdingOf(batchId, participants.memberOf(candidate).id);
            if (available > 0) {
                sender = candidate;
                break;
            }
        }
        if (sender == address(0)) sender = manufacturer;
        address receiver = holders[to % 3];
        VM.prank(sender);
        try supply.ship(batchId, receiver, uint64(1 + (quantity % 4))) returns (uint256 shipmentId) {
            shipmentIds.push(shipmentId);
        } catch {}
    }

    /// Accepts or refuses a shipment still in transit (searching from `s`), as its receiver.
    function receive_(uint256 s, bool refuse) external {
        calls++;
        uint256 count = shipmentIds.length;
        for (uint256 i = 0; i < count; ++i) {
            uint256 shipmentId = shipmentIds[((s % count) + i) % count];
            ISupplyChain.Shipment memory shipment = supply.getShipment(shipmentId);
            if (shipment.status != ISupplyChain.ShipmentStatus.InTransit) continue;
            VM.prank(participants.accountOf(shipment.toId));
            if (refuse) {
                try supply.refuse(shipmentId) {} catch {}
            } else {
                try supply.accept(shipmentId) {} catch {}
            }
            return;
        }
    }

    function reading(uint256 s, int16 temperature) external {
        calls++;
        if (shipmentIds.length == 0) return;
        ISupplyChain.Reading[] memory readings = new ISupplyChain.Reading[](1);
        readings[0] = ISupplyChain.Reading(
            device,
            shipmentIds[s % shipmentIds.length],
            // Mostly within 2-8 °C; one reading in ten is an excursion that quarantines the shipment.
            temperature % 10 == 0 ? int16(1200) : int16(200 + (((int256(temperature) % 600) + 600) % 600)),
            4000,
            uint40(block.timestamp),
            supply.getDevice(device).lastSequence + 1
        );
        ISupplyChain.Signature[] memory signatures = new ISupplyChain.Signature[](1);
        signatures[0] = _sign(readings[0]);
        try supply.submitReadings(readings, signatures) {} catch {}
    }

    function resolve(uint256 b, uint8 h, uint64 quantity, bool destroy) external {
        calls++;
        uint256 batchId = batchIds[b % batchIds.length];
        uint32 holderId = participants.memberOf(holders[h % 3]).id;
        VM.prank(regulator);
        try supply.resolveQuarantine(batchId, holderId, uint64(1 + (quantity % UNITS)), destroy) {} catch {}
    }

    function dispense(uint256 b, uint8 p, uint256 index) external {
        calls++;
        uint256 batchId = batchIds[b % batchIds.length];
        address pharmacy = holders[1 + (p % 2)];
        index %= UNITS;
        uint32 pharmacyId = participants.memberOf(pharmacy).id;
        (uint64 available, ) = supply.holdingOf(batchId, pharmacyId);
        if (available == 0 && p % 4 != 0) {
            // Usually the pharmacy that has stock; sometimes one that has none (or only quarantined units).
            pharmacy = holders[2 - (p % 2)];
            pharmacyId = participants.memberOf(pharmacy).id;
            (available, ) = supply.holdingOf(batchId, pharmacyId);
        }
        bool recalled = supply.getBatch(batchId).status == ISupplyChain.BatchStatus.Recalled;
        VM.prank(pharmacy);
        try supply.dispense(batchId, index, _serial(index), _proof(index), 0) returns (bool done) {
            if (done) {
                dispensedTimes[batchId][index] += 1;
                if (recalled || available == 0) dispensedRecalledOrQuarantined = true;
            }
        } catch {}
    }

    /// Recalls are rare (one call in sixteen acts), or no unit would ever reach a patient.
    function recall(uint256 b) external {
        calls++;
        if (b % 16 != 0) return;
        VM.prank(regulator);
        try supply.recall(batchIds[b % batchIds.length], "recall") {} catch {}
    }

    function wait(uint32 seconds_) external {
        calls++;
        VM.warp(block.timestamp + (seconds_ % 3 days));
    }

    // ---- views for the invariants ------------------------------------------------------------------------

    function batchCount() external view returns (uint256) {
        return batchIds.length;
    }

    function shipmentCount() external view returns (uint256) {
        return shipmentIds.length;
    }

    function holderIds() external view returns (uint32[4] memory ids) {
        ids[0] = participants.memberOf(manufacturer).id;
        for (uint256 i = 0; i < 3; ++i) ids[i + 1] = participants.memberOf(holders[i]).id;
    }

    function supplyAddress() external view returns (address) {
        return address(supply);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    function _newBatch() private {
        VM.prank(manufacturer);
        batchIds.push(
            supply.registerBatch(
                ISupplyChain.BatchInput({
                    gtin: 8806469001234,
                    lot: bytes32(batchIds.length + 1),
                    manufacturedAt: uint40(block.timestamp - 1),
                    expiresAt: uint40(block.timestamp + 3650 days),
                    quantity: uint64(UNITS),
                    tempMin: 200,
                    tempMax: 800,
                    humidityMin: 1000,
                    humidityMax: 6000,
                    serialRoot: serialRoot,
                    metadataURI: "ipfs://batch"
                })
            )
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

    function _sign(ISupplyChain.Reading memory r) private view returns (ISupplyChain.Signature memory) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("MIIP Supply Chain"),
                keccak256("1"),
                block.chainid,
                address(supply)
            )
        );
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
        (uint8 v, bytes32 rr, bytes32 s) = VM.sign(
            DEVICE_KEY,
            keccak256(abi.encodePacked("\x19\x01", domain, structHash))
        );
        return ISupplyChain.Signature(rr, bytes32(uint256(s) | (uint256(v - 27) << 255)));
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

    /// Every unit of a batch is somewhere: held (available or quarantined), in transit, dispensed or
    /// destroyed, and the sum is what was registered. A serial is dispensed at most once; nothing recalled or
    /// quarantined is ever dispensed.
    function invariant_custody() external view {
        ISupplyChain supply = ISupplyChain(handler.supplyAddress());
        uint32[4] memory holders = handler.holderIds();
        uint256 batches = handler.batchCount();
        uint256 shipments = handler.shipmentCount();
        require(!handler.dispensedRecalledOrQuarantined(), "a recalled or quarantined unit was dispensed");
        for (uint256 b = 0; b < batches; ++b) {
            uint256 batchId = handler.batchIds(b);
            ISupplyChain.Batch memory batch = supply.getBatch(batchId);
            uint256 accounted = batch.destroyed;
            for (uint256 h = 0; h < 4; ++h) {
                (uint64 available, uint64 quarantined) = supply.holdingOf(batchId, holders[h]);
                accounted += available + quarantined + supply.dispensedCount(batchId, holders[h]);
            }
            for (uint256 s = 0; s < shipments; ++s) {
                ISupplyChain.Shipment memory shipment = supply.getShipment(handler.shipmentIds(s));
                if (shipment.batchId == batchId && shipment.status == ISupplyChain.ShipmentStatus.InTransit) {
                    accounted += shipment.quantity;
                }
            }
            require(accounted == batch.quantity, "units appeared or vanished");
            for (uint256 i = 0; i < handler.UNITS(); ++i) {
                require(handler.dispensedTimes(batchId, i) <= 1, "a serial was dispensed twice");
            }
        }
    }
}

/// The handler can reach what the invariants are about: a unit shipped, received and dispensed once.
contract SupplyHandlerReach {
    function test_dispensesAUnitOnce() external {
        SupplyHandler handler = new SupplyHandler();
        handler.ship(0, 0, 1, 1);
        handler.receive_(0, false);
        handler.dispense(0, 0, 3);
        handler.dispense(0, 0, 3);
        require(handler.dispensedTimes(handler.batchIds(0), 3) == 1, "not dispensed once");
    }
}
