// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

import {DeviceRegistry} from "../../contracts/devices/DeviceRegistry.sol";
import {IDeviceRegistry} from "../../contracts/interfaces/IDeviceRegistry.sol";
import {IParticipantRegistry} from "../../contracts/interfaces/IParticipantRegistry.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the device registry as its users do: two patients bind four provisioned devices (and try keys nobody
 * provisioned, or devices bound already), their phones anchor periods of readings signed by the devices (in order or
 * not, overlapping or not, on approved, withdrawn, unknown or older firmware), patients revoke devices, the regulator
 * withdraws versions and approves patches, time moves.
 *
 * The handler keeps a model (ghost) of every device: its status, sequence, last end, firmware and binding time, and
 * which firmware versions stand. It notes the first anchor or binding the registry took against the rules in
 * {violation}: an anchor from a device not bound, out of sequence, overlapping the previous period or reaching back
 * before its binding, on a withdrawn or never approved version, or older than the device's last; a key bound twice or
 * without its manufacturer's provisioning.
 */
contract DeviceHandler is SuiteDeployer {
    uint256 public constant DEVICES = 4;
    uint256 public constant PATIENTS = 2;
    uint256 internal constant MANUFACTURER_KEY = 0xA11CE;
    uint256 internal constant ROGUE_KEY = 0xBAD;

    DeviceRegistry public devices;
    address public regulator = address(0x4E6);
    address public manufacturer;
    address[PATIENTS] public patients = [address(0xB0B1), address(0xB0B2)];
    uint64[PATIENTS] public patientIds;
    uint256[DEVICES] internal deviceKeys = [uint256(0xD1), 0xD2, 0xD3, 0xD4];

    struct Ghost {
        IDeviceRegistry.DeviceStatus status;
        uint64 patientId;
        uint32 sequence;
        uint40 lastEnd;
        uint16 firmware;
        uint40 boundAt;
    }
    mapping(uint256 device => Ghost) public ghosts;
    /// Firmware versions of model 1: how many were approved, and which are withdrawn.
    uint16 public firmwareCount = 2;
    mapping(uint16 version => bool) public withdrawn;

    string public violation;
    uint256 public calls;
    uint256 public anchored;
    uint256 public refused;

    constructor() {
        _deploySuite(_plainGenesis(address(this), 1e27));
        devices = DeviceRegistry(
            address(
                new ERC1967Proxy(
                    address(new DeviceRegistry(participants, records)),
                    abi.encodeCall(DeviceRegistry.initialize, (address(manager)))
                )
            )
        );
        manufacturer = VM.addr(MANUFACTURER_KEY);
        uint32 manufacturerId = _onboard(manufacturer, IParticipantRegistry.Kind.Manufacturer);
        uint32 regulatorId = _onboard(regulator, IParticipantRegistry.Kind.Regulator);
        for (uint256 p = 0; p < PATIENTS; ++p) patientIds[p] = _registerPatient(patients[p]);
        bytes32[] memory firmware = new bytes32[](2);
        firmware[0] = keccak256("fw 1.0");
        firmware[1] = keccak256("fw 1.1");
        VM.prank(manufacturer);
        devices.requestApproval(regulatorId, keccak256("cgm"), firmware);
        VM.prank(regulator);
        devices.approveModel(manufacturerId, keccak256("cgm"), firmware);
    }

    function deviceAddress(uint256 d) public view returns (address) {
        return VM.addr(deviceKeys[d]);
    }

    function ghost(uint256 d) external view returns (Ghost memory) {
        return ghosts[d];
    }

    // ------------------------------------------------------------------ actions

    /// A patient binds a device (sometimes one provisioned by nobody, sometimes on a firmware that does not stand).
    function bind(uint256 seed) external {
        ++calls;
        uint256 d = seed % DEVICES;
        uint256 p = (seed >> 8) % PATIENTS;
        uint16 firmware = uint16((seed >> 16) % 4);
        bool rogue = (seed >> 24) % 5 == 0;
        IDeviceRegistry.DeviceBinding memory binding = IDeviceRegistry.DeviceBinding({
            device: deviceAddress(d),
            patientId: patientIds[p],
            modelId: 1,
            firmware: firmware,
            deadline: uint40(block.timestamp + 1 hours)
        });
        IDeviceRegistry.Signature memory signature = _sign(
            deviceKeys[d],
            keccak256(
                abi.encode(devices.BINDING_TYPEHASH(), binding.device, binding.patientId, 1, firmware, binding.deadline)
            )
        );
        IDeviceRegistry.Signature memory provisioning = _sign(
            rogue ? ROGUE_KEY : MANUFACTURER_KEY,
            keccak256(abi.encode(devices.PROVISIONING_TYPEHASH(), binding.device, uint32(1)))
        );
        bytes memory data = abi.encodeCall(DeviceRegistry.bindDevice, (binding, signature, provisioning));
        Ghost storage g = ghosts[d];
        if (_tryExecute(p, data)) {
            if (g.status != IDeviceRegistry.DeviceStatus.None) _fail("a key was bound twice");
            if (rogue) _fail("a key nobody provisioned was bound");
            if (!_stands(firmware)) _fail("a device was bound on a firmware that does not stand");
            g.status = IDeviceRegistry.DeviceStatus.Bound;
            g.patientId = patientIds[p];
            g.lastEnd = uint40(block.timestamp);
            g.boundAt = uint40(block.timestamp);
            g.firmware = firmware;
        } else {
            ++refused;
        }
    }

    /// The device's phone anchors a period (its start, length, sequence and firmware at random around the rules).
    function anchor(uint256 seed) external {
        ++calls;
        uint256 d = seed % DEVICES;
        Ghost storage g = ghosts[d];
        uint32 sequence = g.sequence + 1;
        if ((seed >> 8) % 7 == 0) sequence = uint32((seed >> 12) % 5);
        uint40 from = uint40(g.lastEnd + 1);
        if ((seed >> 16) % 6 == 0) from = uint40(g.lastEnd > 100 ? g.lastEnd - ((seed >> 20) % 100) : 0);
        uint40 to = from + uint40((seed >> 32) % 2 days);
        // The device anchors a period once it is over: the clock moves to its end (a future end is tried now and then).
        if (to > block.timestamp && (seed >> 40) % 9 != 0) VM.warp(to);
        uint16 firmware = uint16((seed >> 48) % 4);
        IDeviceRegistry.ReadingAnchor memory a = IDeviceRegistry.ReadingAnchor({
            device: deviceAddress(d),
            sequence: sequence,
            from: from,
            to: to,
            count: uint32(1 + ((seed >> 56) % 300)),
            firmware: firmware,
            batchDigest: keccak256(abi.encode(seed))
        });
        string memory uri = "ipfs://batch";
        bytes32 structHash = keccak256(
            abi.encode(
                devices.ANCHOR_TYPEHASH(),
                a.device,
                a.sequence,
                a.from,
                a.to,
                a.count,
                a.firmware,
                a.batchDigest,
                keccak256(bytes(uri))
            )
        );
        try devices.anchor(a, uri, _sign(deviceKeys[d], structHash)) {
            if (g.status != IDeviceRegistry.DeviceStatus.Bound) _fail("an unbound or revoked device anchored");
            if (sequence != g.sequence + 1) _fail("an anchor out of sequence was taken");
            if (from <= g.lastEnd) _fail("an anchor overlapped the previous period, or reached before the binding");
            if (to < from || to > block.timestamp) _fail("an anchor's period is inverted or in the future");
            if (!_stands(firmware)) _fail("an anchor on a withdrawn or unknown firmware was taken");
            if (firmware < g.firmware) _fail("a device went back to an older firmware");
            g.sequence = sequence;
            g.lastEnd = to;
            g.firmware = firmware;
            ++anchored;
        } catch {
            ++refused;
        }
    }

    /// A patient revokes one of its devices (or tries another's).
    function revoke(uint256 seed) external {
        ++calls;
        // Devices are lost now and then, not at every turn: a revoked key is never bound again.
        if ((seed >> 16) % 8 != 0) return;
        uint256 d = seed % DEVICES;
        uint256 p = (seed >> 8) % PATIENTS;
        bytes memory data = abi.encodeCall(DeviceRegistry.revokeDevice, (deviceAddress(d)));
        Ghost storage g = ghosts[d];
        if (_tryExecute(p, data)) {
            if (g.status != IDeviceRegistry.DeviceStatus.Bound || g.patientId != patientIds[p]) {
                _fail("a device was revoked by another than its patient, or twice");
            }
            g.status = IDeviceRegistry.DeviceStatus.Revoked;
        }
    }

    /// The regulator withdraws a firmware version, or approves a patch.
    function regulate(uint256 seed) external {
        ++calls;
        if (seed % 3 == 0 && firmwareCount < 4) {
            VM.prank(regulator);
            devices.approveFirmware(1, keccak256(abi.encode("patch", seed)));
            ++firmwareCount;
        } else if (seed % 4 == 1) {
            // A recall now and then, not at every turn: each withdrawn version is gone for good.
            uint16 version = uint16((seed >> 8) % firmwareCount);
            VM.prank(regulator);
            try devices.withdrawFirmware(1, version, bytes32("recall")) {
                withdrawn[version] = true;
            } catch {}
        }
    }

    function wait(uint256 seconds_) external {
        ++calls;
        VM.warp(block.timestamp + (seconds_ % 3 days));
    }

    // ------------------------------------------------------------------ helpers

    /// Patient `p` acts on the device registry through the directory's gateway; false when refused.
    function _tryExecute(uint256 p, bytes memory data) internal returns (bool) {
        VM.prank(patients[p]);
        try participants.execute(patientIds[p], bytes32(0), address(devices), data) returns (bytes memory) {
            return true;
        } catch {
            return false;
        }
    }

    function _stands(uint16 firmware) internal view returns (bool) {
        return firmware < firmwareCount && !withdrawn[firmware];
    }

    /// A compact signature of an EIP-712 struct in the device registry's domain.
    function _sign(uint256 key, bytes32 structHash) internal view returns (IDeviceRegistry.Signature memory) {
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", devices.domainSeparator(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(key, digest);
        return IDeviceRegistry.Signature(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }

    function _fail(string memory message) internal {
        if (bytes(violation).length == 0) violation = message;
    }
}

contract DeviceInvariants {
    DeviceHandler internal handler;

    function setUp() external {
        handler = new DeviceHandler();
    }

    function targetContracts() external view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The registry took nothing against its rules, and every device stands where the model says.
    function invariant_devices() external view {
        string memory violation = handler.violation();
        if (bytes(violation).length != 0) revert(violation);
        DeviceRegistry devices = handler.devices();
        for (uint256 d = 0; d < handler.DEVICES(); ++d) {
            IDeviceRegistry.Device memory device = devices.deviceOf(handler.deviceAddress(d));
            DeviceHandler.Ghost memory g = handler.ghost(d);
            require(device.status == g.status, "a device's status differs from the model");
            require(device.sequence == g.sequence, "a device's sequence differs from its anchors");
            require(device.lastEnd == g.lastEnd, "a device's last end differs from its anchors");
            require(device.firmware == g.firmware, "a device's firmware differs from its last anchor");
            require(device.boundAt == g.boundAt, "a device's binding time differs from its binding");
            require(device.boundAt <= device.lastEnd, "a device anchored a period before its binding");
            if (g.status != IDeviceRegistry.DeviceStatus.None)
                require(device.patientId == g.patientId, "a device moved");
        }
    }

    /// The campaign binds, anchors and refuses (else the invariant proves little).
    function test_reachesAnchorsAndRefusals() external {
        for (uint256 i = 0; i < 800; ++i) {
            uint256 seed = uint256(keccak256(abi.encode(i)));
            uint256 action = seed % 16;
            if (action < 3) handler.bind(seed);
            else if (action < 11) handler.anchor(seed);
            else if (action < 12) handler.revoke(seed);
            else if (action < 13) handler.regulate(seed);
            else handler.wait(seed >> 8);
        }
        require(bytes(handler.violation()).length == 0, handler.violation());
        require(handler.anchored() > 20, "too few anchors were taken");
        require(handler.refused() > 20, "too few anchors or bindings were refused");
        this.invariant_devices();
    }
}
