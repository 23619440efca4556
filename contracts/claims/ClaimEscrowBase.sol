// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IClaimEscrow} from "../interfaces/IClaimEscrow.sol";
import {IClaimProgrammes} from "../interfaces/IClaimProgrammes.sol";
import {SuiteService} from "../base/SuiteService.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";

/**
 * @title ClaimEscrowBase
 * @notice What the escrow's two implementations share: its storage (one ERC-7201 namespace), its reentrancy
 * guard, and the lookups both make. {ClaimEscrow} is the implementation behind the proxy; it hands the
 * insurer's functions ({IClaimProgrammes}) to {ClaimEscrowExtension} by delegatecall, so both run on the proxy's
 * storage. The split exists only because the escrow's code would not fit in one contract (24 KiB).
 */
abstract contract ClaimEscrowBase is SuiteService, ReentrancyGuardTransient, IClaimProgrammes {
    using SafeERC20 for IERC20;

    /**
     * @dev slot 0: token (160) | insurerId (32) | copayBps (16) | openEnrolment (8) | copayOnChain (8) |
     *              filingWindowDays (16) | reviewDays (16)
     *      slot 1: coveredTypes (128) | perClaimCap (96) | closedAt (32: a past time, fits until 2106)
     *      slot 2: perPatientYearCap (96) | autoApproveThreshold (96) | startedAt (40)
     *      slot 3: free (128) | reserved (128)
     *      slot 4: arbitratorId (32) | disputeDays (16) | arbitrationDays (16) | withdrawalAt (40) |
     *              withdrawalAmount (128)
     *      slot 5: withdrawalTo (160)
     * A filing reads slots 0 to 3 only.
     */
    struct ProgrammeData {
        IERC20 token;
        uint32 insurerId;
        uint16 copayBps;
        bool openEnrolment;
        bool copayOnChain;
        uint16 filingWindowDays;
        uint16 reviewDays;
        uint128 coveredTypes;
        uint96 perClaimCap;
        uint32 closedAt;
        uint96 perPatientYearCap;
        uint96 autoApproveThreshold;
        uint40 startedAt;
        uint128 free;
        uint128 reserved;
        uint32 arbitratorId;
        uint16 disputeDays;
        uint16 arbitrationDays;
        uint40 withdrawalAt;
        uint128 withdrawalAmount;
        address withdrawalTo;
    }

    /**
     * @dev slot 0: patientId (64) | programmeId (32) | hospitalId (32) | status (8) | payTo (8) | year (16) |
     *              billed (96)                      written for every claim
     *      slot 1: due (96) | paid (96) | deadline (40)   written only for claims not paid at once
     */
    struct ClaimData {
        uint64 patientId;
        uint32 programmeId;
        uint32 hospitalId;
        IClaimEscrow.ClaimStatus status;
        IClaimEscrow.PayTo payTo;
        uint16 year;
        uint96 billed;
        uint96 due;
        uint96 paid;
        uint40 deadline;
    }

    /// @dev slot: enrolledAt | endedAt | previousEnrolledAt | previousEndedAt (40 each)
    struct Cover {
        uint40 enrolledAt;
        uint40 endedAt;
        uint40 previousEnrolledAt;
        uint40 previousEndedAt;
    }

    /// @custom:storage-location erc7201:miip.storage.ClaimEscrow
    struct EscrowStorage {
        uint32 programmeCount;
        mapping(uint256 programmeId => ProgrammeData) programmes;
        mapping(uint256 claimId => ClaimData) claims;
        mapping(uint256 treatmentId => uint256 claimId) claimOfTreatment;
        mapping(bytes32 programmePatient => Cover) covers;
        mapping(bytes32 programmePatientYear => uint256 used) used;
        mapping(IERC20 token => mapping(uint256 partyKey => uint256 amount)) credits;
        mapping(IERC20 token => uint256 amount) totalCredits;
        mapping(bytes32 billHash => uint8 state) bills;
        /// @dev The invoices contract (named once; appended to the namespace).
        address carePayments;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.ClaimEscrow")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xeebd7f3615ccac2c9fdf98b6f2a3470635434c4e7089460830e84c0802e28600;

    /// @inheritdoc IClaimProgrammes
    uint40 public constant WITHDRAWAL_NOTICE = 7 days;
    /// @inheritdoc IClaimProgrammes
    uint40 public constant WITHDRAWAL_WINDOW = 2 days;

    uint256 internal constant BPS = 10_000;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_, IRecordRegistry records_) SuiteService(participants_, records_) {}

    /// @dev The programme, if the caller is its insurer, active, at its current address.
    function _insurerProgramme(uint256 programmeId) internal view returns (ProgrammeData storage p) {
        p = _programme(programmeId);
        (uint32 caller, ) = _participants.activeInstitution(msg.sender, Kinds.INSURER);
        if (caller != p.insurerId) revert ClaimsNotProgrammeInsurer(programmeId, msg.sender);
    }

    function _programme(uint256 programmeId) internal view returns (ProgrammeData storage p) {
        p = _storage().programmes[programmeId];
        if (p.insurerId == 0) revert ClaimsUnknownProgramme(programmeId);
    }

    function _due(ProgrammeData storage p, uint96 billed) internal view returns (uint96) {
        return uint96((uint256(billed) * (BPS - p.copayBps)) / BPS);
    }

    function _coverKey(uint256 programmeId, uint64 patient) internal pure returns (bytes32) {
        return keccak256(abi.encode(programmeId, patient));
    }

    function _usageKey(uint256 programmeId, uint64 patient, uint16 year) internal pure returns (bytes32) {
        return keccak256(abi.encode(programmeId, patient, year));
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() internal pure returns (EscrowStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    /// @inheritdoc IClaimProgrammes
    function programmeCount() external view returns (uint256) {
        return _storage().programmeCount;
    }

    /// @inheritdoc IClaimProgrammes
    function getProgramme(uint256 programmeId) external view returns (Programme memory) {
        ProgrammeData storage p = _programme(programmeId);
        return
            Programme({
                insurerId: p.insurerId,
                arbitratorId: p.arbitratorId,
                startedAt: p.startedAt,
                closedAt: p.closedAt,
                free: p.free,
                reserved: p.reserved,
                withdrawal: Withdrawal(p.withdrawalAmount, p.withdrawalAt, p.withdrawalTo),
                config: ProgrammeConfig({
                    token: p.token,
                    coveredTypes: p.coveredTypes,
                    perClaimCap: p.perClaimCap,
                    perPatientYearCap: p.perPatientYearCap,
                    autoApproveThreshold: p.autoApproveThreshold,
                    copayBps: p.copayBps,
                    filingWindowDays: p.filingWindowDays,
                    reviewDays: p.reviewDays,
                    disputeDays: p.disputeDays,
                    arbitrationDays: p.arbitrationDays,
                    arbitrator: _participants.accountOf(p.arbitratorId),
                    openEnrolment: p.openEnrolment,
                    copayOnChain: p.copayOnChain
                })
            });
    }

    /// @inheritdoc IClaimProgrammes
    function coverOf(
        uint256 programmeId,
        uint64 patient
    ) external view returns (uint40 enrolledAt, uint40 endedAt, uint40 previousEnrolledAt, uint40 previousEndedAt) {
        Cover memory c = _storage().covers[_coverKey(programmeId, patient)];
        return (c.enrolledAt, c.endedAt, c.previousEnrolledAt, c.previousEndedAt);
    }

    /// @inheritdoc IClaimProgrammes
    function usedInYear(uint256 programmeId, uint64 patient, uint16 year) external view returns (uint256) {
        return _storage().used[_usageKey(programmeId, patient, year)];
    }

    /**
     * @dev Pays a party at `payee`, or credits the party (not the address) when the transfer fails (a blacklisting
     * token, a payee that reverts): the party withdraws it later from its current address.
     */
    function _pay(
        IERC20 token,
        uint256 claimId,
        IClaimEscrow.PayTo party,
        uint64 id,
        address payee,
        uint256 amount
    ) internal {
        if (amount == 0) return;
        if (!token.trySafeTransfer(payee, amount)) {
            EscrowStorage storage $ = _storage();
            $.credits[token][_partyKey(party, id)] += amount;
            $.totalCredits[token] += amount;
            emit IClaimEscrow.PaymentCredited(claimId, party, id, payee, amount);
        }
    }

    /// @dev A party's key in the credits: a hospital's id, or 2^64 plus a patient's id.
    function _partyKey(IClaimEscrow.PayTo party, uint64 id) internal pure returns (uint256) {
        return (uint256(party) << 64) | id;
    }

    function _claim(uint256 claimId) internal view returns (ClaimData storage c) {
        c = _storage().claims[claimId];
        if (c.status == IClaimEscrow.ClaimStatus.None) revert IClaimEscrow.ClaimsUnknownClaim(claimId);
    }

    function _after(uint16 days_) internal view returns (uint40) {
        return uint40(block.timestamp + uint256(days_) * 1 days);
    }
}
