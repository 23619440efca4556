// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

import {ClaimEscrowExtension} from "../../../contracts/claims/ClaimEscrowExtension.sol";
import {ClaimEscrow} from "../../../contracts/claims/ClaimEscrow.sol";
import {ConsentManager} from "../../../contracts/consent/ConsentManager.sol";
import {MIIPAccessManager} from "../../../contracts/governance/MIIPAccessManager.sol";
import {IISTDistribution} from "../../../contracts/interfaces/IISTDistribution.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../../../contracts/interfaces/IRecordRegistry.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {RecordRegistry} from "../../../contracts/registry/RecordRegistry.sol";
import {ProductRegistry} from "../../../contracts/supply/ProductRegistry.sol";
import {SupplyChainExtension} from "../../../contracts/supply/SupplyChainExtension.sol";
import {SupplyChain} from "../../../contracts/supply/SupplyChain.sol";
import {INSSETToken} from "../../../contracts/token/INSSETToken.sol";
import {ISTDistribution} from "../../../contracts/token/ISTDistribution.sol";
import {VM} from "./Vm.sol";

/**
 * @notice The suite wired as `deploy/modules/MIIP.ts` wires it (proxies initialised in their constructors, the
 * consent manager as the registry's read policy), with the deploying contract as the access manager's admin.
 * Function roles are left at their default, the admin role, so that a handler holding it can onboard,
 * suspend and reinstate without the governor's delay: the invariant suites test the contracts' own rules;
 * who may call what is the access matrix's subject (test/security/AccessMatrix.test.ts).
 */
abstract contract SuiteDeployer {
    MIIPAccessManager internal manager;
    ISTDistribution internal distribution;
    INSSETToken internal token;
    ParticipantRegistry internal participants;
    RecordRegistry internal records;
    ConsentManager internal consent;
    ClaimEscrow internal claims;
    ProductRegistry internal products;
    SupplyChain internal supply;

    uint256 internal constant START = 1_800_000_000;
    uint32 internal constant ONBOARDING_DELAY = 1 days;

    function _deploySuite(IISTDistribution.Genesis memory genesis) internal {
        VM.warp(START);
        manager = new MIIPAccessManager(address(this));
        distribution = new ISTDistribution(address(manager), genesis);
        token = INSSETToken(address(distribution.token()));
        participants = ParticipantRegistry(
            _proxy(
                address(new ParticipantRegistry()),
                abi.encodeCall(ParticipantRegistry.initialize, (address(manager), ONBOARDING_DELAY))
            )
        );
        uint8[] memory types = new uint8[](7);
        bytes32[] memory labels = new bytes32[](7);
        for (uint8 i = 0; i < 7; ++i) {
            types[i] = i + 1;
            labels[i] = bytes32(uint256(i + 1));
        }
        records = RecordRegistry(
            _proxy(
                address(new RecordRegistry(participants)),
                abi.encodeCall(RecordRegistry.initialize, (address(manager), types, labels))
            )
        );
        consent = ConsentManager(
            _proxy(
                address(new ConsentManager(participants, records)),
                abi.encodeCall(ConsentManager.initialize, (address(manager), 1 days))
            )
        );
        records.setReadPolicy(consent);
        claims = ClaimEscrow(
            _proxy(
                address(
                    new ClaimEscrow(participants, records, address(new ClaimEscrowExtension(participants, records)))
                ),
                abi.encodeCall(ClaimEscrow.initialize, (address(manager)))
            )
        );
        products = ProductRegistry(
            _proxy(
                address(new ProductRegistry(participants, records)),
                abi.encodeCall(ProductRegistry.initialize, (address(manager)))
            )
        );
        SupplyChainExtension extension = new SupplyChainExtension(participants, records, products);
        supply = SupplyChain(
            _proxy(
                address(new SupplyChain(participants, records, products, address(extension))),
                abi.encodeCall(SupplyChain.initialize, (address(manager)))
            )
        );
    }

    /// A genesis with one vesting category holding the whole supply and no claim, for suites that need IST.
    function _plainGenesis(
        address holder,
        uint96 supplyAmount
    ) internal pure returns (IISTDistribution.Genesis memory g) {
        g.supply = supplyAmount;
        g.listingTime = uint40(START);
        g.categories = new IISTDistribution.CategoryConfig[](1);
        g.categories[0] = IISTDistribution.CategoryConfig(
            "reserve",
            IISTDistribution.CategoryKind.Vesting,
            supplyAmount,
            0,
            1,
            0
        );
        g.grants = new IISTDistribution.GrantConfig[](1);
        g.grants[0] = IISTDistribution.GrantConfig(holder, 0, supplyAmount, false);
    }

    function _proxy(address implementation, bytes memory init) private returns (address) {
        return address(new ERC1967Proxy(implementation, init));
    }

    /// Onboards an institution with the admin role this contract holds, through the onboarding delay (the
    /// clock moves by it) and activation, as any onboarding must; returns its id.
    function _onboard(address account, IParticipantRegistry.Kind kind) internal returns (uint32 id) {
        id = participants.register(account, kind, keccak256(abi.encode(account)), "institution", "");
        VM.warp(block.timestamp + ONBOARDING_DELAY);
        participants.activate(id);
    }

    /// Registers `account` as a patient, as its own key does (`registerPatient()` sent by it); returns the id.
    function _registerPatient(address account) internal returns (uint64 patientId) {
        VM.prank(account);
        patientId = participants.registerPatient();
    }

    /// The commitment that stands for `guardianAccount` as a guardian of the patient (IPatientDirectory).
    function _guardianCommitment(
        uint64 patientId,
        address guardianAccount,
        bytes32 salt
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(patientId, guardianAccount, salt));
    }

    /// `caller` acts for the patient on `target` through the directory's gateway (`salt` zero: as the patient's
    /// key; else as the guardian with that salt). Reverts as the gateway or the target does.
    function _execute(
        address caller,
        uint64 patientId,
        bytes32 salt,
        address target,
        bytes memory data
    ) internal returns (bytes memory) {
        VM.prank(caller);
        return participants.execute(patientId, salt, target, data);
    }

    /// Registers a record for patient `patientId` as `hospital`; returns its id.
    function _record(address hospital, uint64 patientId, uint8 recordType, uint256 salt) internal returns (uint256) {
        VM.prank(hospital);
        return
            records.register(
                IRecordRegistry.RecordInput(
                    patientId,
                    keccak256(abi.encode(salt, patientId)),
                    recordType,
                    uint40(block.timestamp),
                    "ipfs://x"
                )
            );
    }
}
