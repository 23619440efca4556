// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IClaimEscrow} from "../../contracts/interfaces/IClaimEscrow.sol";
import {IConsentManager} from "../../contracts/interfaces/IConsentManager.sol";
import {IParticipantRegistry} from "../../contracts/interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the claim escrow with random records, claims (small, large, repeated, for other patients'
 * records), reviews, disputes, arbitrations, forced approvals, deposits, withdrawals and time, in IST. Claims are
 * filed, disputed and forced by the hospital or by the patient through the participant directory's gateway.
 */
contract ClaimsHandler is SuiteDeployer {
    uint256 public constant PATIENTS = 3;

    address public insurer = address(0x1A5);
    address public hospital = address(0x4057);
    address public agency = address(0xA6E);
    /// Each patient's key (its address) and its id in the directory.
    address[PATIENTS] public patients;
    uint64[PATIENTS] public patientIds;
    uint256 public programmeId;
    uint256[] public recordIds;
    /// The handler's index of each record's patient.
    mapping(uint256 => uint256) internal patientOfRecord;

    /// The first claim each record was filed in, as the handler saw it; and whether a second one succeeded.
    mapping(uint256 => uint256) public firstClaimOf;
    bool public recordClaimedTwice;
    /// Claims seen in a final state (paid, settled) and what they looked like then.
    uint256[] public finalClaims;
    mapping(uint256 => bytes32) public finalSnapshot;
    uint256 public calls;

    constructor() {
        _deploySuite(_plainGenesis(address(this), 1e27));
        VM.warp(block.timestamp + 1);
        distribution.release(0);
        _onboard(insurer, IParticipantRegistry.Kind.Insurer);
        _onboard(hospital, IParticipantRegistry.Kind.Hospital);
        _onboard(agency, IParticipantRegistry.Kind.PublicHealthAgency);
        VM.prank(insurer);
        programmeId = claims.openProgramme(
            IClaimEscrow.ProgrammeConfig({
                token: token,
                coveredTypes: uint64((1 << 1) | (1 << 2) | (1 << 3)),
                perClaimCap: 5_000e18,
                perPatientYearCap: 20_000e18,
                autoApproveThreshold: 300e18,
                copayBps: 2_000,
                filingWindowDays: 30,
                reviewDays: 7,
                disputeDays: 7,
                arbitrator: agency,
                openEnrolment: false
            })
        );
        token.transfer(insurer, 1_000_000e18);
        VM.prank(insurer);
        token.approve(address(claims), type(uint256).max);
        VM.prank(insurer);
        claims.deposit(programmeId, 50_000e18);
        for (uint256 p = 0; p < PATIENTS; ++p) {
            patients[p] = address(uint160(0xFA7 + p));
            patientIds[p] = _registerPatient(patients[p]);
            VM.prank(insurer);
            claims.enrol(programmeId, patientIds[p]);
            uint256[] memory none;
            IConsentManager.GrantRequest memory request = IConsentManager.GrantRequest(
                patientIds[p],
                insurer,
                IRecordRegistry.Purpose.InsuranceClaim,
                IConsentManager.ScopeKind.AllRecords,
                none,
                uint40(block.timestamp + 3650 days)
            );
            _execute(patients[p], patientIds[p], 0, address(consent), abi.encodeCall(consent.grant, (request)));
        }
        VM.warp(block.timestamp + 1);
    }

    function newRecord(uint256 p, uint8 recordType) external {
        calls++;
        p %= PATIENTS;
        uint256 recordId = _record(hospital, patientIds[p], 1 + (recordType % 4), recordIds.length);
        recordIds.push(recordId);
        patientOfRecord[recordId] = p;
    }

    /// The hospital files for its patient, or the patient of the first record files through the gateway (and
    /// is paid); either may name another patient's record second, which must be refused.
    function file(uint256 seed, uint8 count, uint96 billed, bool byPatient) external {
        calls++;
        if (recordIds.length == 0) return;
        uint256 n = 1 + (count % 2);
        uint256[] memory ids = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) ids[i] = recordIds[((seed % recordIds.length) + i * 7) % recordIds.length];
        uint96 amount = uint96(bound(billed, 1e18, 6_000e18));
        bytes memory data;
        if (byPatient) {
            uint256 p = patientOfRecord[ids[0]];
            data = abi.encodeCall(claims.fileClaim, (programmeId, ids, amount, patients[p]));
            VM.prank(patients[p]);
            try participants.execute(patientIds[p], 0, address(claims), data) returns (bytes memory result) {
                _noteFiled(ids, abi.decode(result, (uint256)));
            } catch {}
            return;
        }
        VM.prank(hospital);
        try claims.fileClaim(programmeId, ids, amount, hospital) returns (uint256 claimId) {
            _noteFiled(ids, claimId);
        } catch {}
    }

    function _noteFiled(uint256[] memory ids, uint256 claimId) private {
        for (uint256 i = 0; i < ids.length; ++i) {
            if (firstClaimOf[ids[i]] != 0) recordClaimedTwice = true;
            else firstClaimOf[ids[i]] = claimId;
        }
        _noteIfFinal(claimId);
    }

    function approve(uint256 seed, uint16 share) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        uint256 due = _due(claimId);
        VM.prank(insurer);
        try claims.approve(claimId, uint96((due * (share % 10_001)) / 10_000), "review") {} catch {}
        _noteIfFinal(claimId);
    }

    function reject(uint256 seed) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        VM.prank(insurer);
        try claims.reject(claimId, "no") {} catch {}
    }

    /// The claimant disputes: the hospital, or the claim's patient through the gateway.
    function dispute(uint256 seed, bool byPatient) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        _asClaimant(claimId, byPatient, abi.encodeCall(claims.dispute, (claimId)));
    }

    /// Anyone finalizes; the claimant (the hospital, or the patient through the gateway) forces approval; the
    /// arbitrator settles.
    function settle(uint256 seed, uint16 share, uint8 how) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        if (how % 3 == 0) {
            try claims.finalize(claimId) {} catch {}
        } else if (how % 3 == 1) {
            _asClaimant(claimId, how % 2 == 0, abi.encodeCall(claims.forceApproval, (claimId)));
        } else {
            uint256 due = _due(claimId);
            VM.prank(agency);
            try claims.arbitrate(claimId, uint96((due * (share % 10_001)) / 10_000), "award") {} catch {}
        }
        _noteIfFinal(claimId);
    }

    function fund(uint96 amount, bool withdraw) external {
        calls++;
        VM.prank(insurer);
        if (withdraw) {
            try claims.withdraw(programmeId, amount % 10_000e18, insurer) {} catch {}
        } else {
            claims.deposit(programmeId, 1 + (amount % 10_000e18));
        }
    }

    function wait(uint32 seconds_) external {
        calls++;
        VM.warp(block.timestamp + (seconds_ % 10 days));
    }

    /// What a final claim looks like, to check that it never changes.
    function snapshotOf(uint256 claimId) public view returns (bytes32) {
        IClaimEscrow.Claim memory c = claims.getClaim(claimId);
        return keccak256(abi.encode(c));
    }

    function finalCount() external view returns (uint256) {
        return finalClaims.length;
    }

    function recordCount() external view returns (uint256) {
        return recordIds.length;
    }

    function escrowAddress() external view returns (address) {
        return address(claims);
    }

    function tokenAddress() external view returns (address) {
        return address(token);
    }

    function _noteIfFinal(uint256 claimId) private {
        if (finalSnapshot[claimId] != bytes32(0)) return;
        IClaimEscrow.ClaimStatus status = claims.getClaim(claimId).status;
        if (status == IClaimEscrow.ClaimStatus.Paid || status == IClaimEscrow.ClaimStatus.Settled) {
            finalClaims.push(claimId);
            finalSnapshot[claimId] = snapshotOf(claimId);
        }
    }

    /// Sends `data` to the escrow as the claim's hospital, or as its patient through the gateway (patient 1 for a
    /// claim paid at once, which stores no patient and takes no claimant action anyway). Refusals are ignored.
    function _asClaimant(uint256 claimId, bool byPatient, bytes memory data) private {
        if (byPatient) {
            uint64 patientId = claims.getClaim(claimId).patientId;
            uint256 p = patientId == 0 ? 0 : patientId - 1; // ids were given in order, from 1
            VM.prank(patients[p]);
            try participants.execute(patientIds[p], 0, address(claims), data) {} catch {}
        } else {
            VM.prank(hospital);
            (bool ok, ) = address(claims).call(data);
            if (!ok) return;
        }
    }

    function _someClaim(uint256 seed) private view returns (uint256) {
        uint256 count = claims.claimCount();
        return count == 0 ? 0 : 1 + (seed % count);
    }

    function _due(uint256 claimId) private view returns (uint256) {
        return claims.getClaim(claimId).due;
    }

    function bound(uint256 x, uint256 min, uint256 max) private pure returns (uint256) {
        return min + (x % (max - min + 1));
    }
}

interface ERC20View {
    function balanceOf(address) external view returns (uint256);
}

contract ClaimsInvariants {
    ClaimsHandler internal handler;

    function setUp() external {
        handler = new ClaimsHandler();
    }

    function targetContracts() external view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The escrow's IST covers every programme's free and reserved funds and every payee's credit; no record
    /// is paid in two claims; a paid or settled claim never changes.
    function invariant_escrow() external view {
        IClaimEscrow escrow = IClaimEscrow(handler.escrowAddress());
        IClaimEscrow.Programme memory p = escrow.getProgramme(handler.programmeId());
        address token = handler.tokenAddress();
        uint256 owed = uint256(p.free) + p.reserved + escrow.totalCredits(IERC20(token));
        require(ERC20View(token).balanceOf(address(escrow)) >= owed, "escrow does not cover what it owes");
        require(!handler.recordClaimedTwice(), "a record was claimed twice");
        uint256 records = handler.recordCount();
        for (uint256 i = 0; i < records; ++i) {
            uint256 recordId = handler.recordIds(i);
            require(escrow.claimOfRecord(recordId) == handler.firstClaimOf(recordId), "a record changed claim");
        }
        uint256 finals = handler.finalCount();
        for (uint256 i = 0; i < finals; ++i) {
            uint256 claimId = handler.finalClaims(i);
            require(handler.snapshotOf(claimId) == handler.finalSnapshot(claimId), "a final claim changed");
        }
    }
}
