// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IClaimEscrow} from "../../contracts/interfaces/IClaimEscrow.sol";
import {IClaimProgrammes} from "../../contracts/interfaces/IClaimProgrammes.sol";
import {IConsentManager} from "../../contracts/interfaces/IConsentManager.sol";
import {IParticipantRegistry} from "../../contracts/interfaces/IParticipantRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {SuiteDeployer} from "./utils/SuiteDeployer.sol";
import {VM} from "./utils/Vm.sol";

/**
 * @notice Drives the claim escrow as its users do, in IST, over two programmes (one moving co-payments on chain,
 * one with open enrolment and short steps): two hospitals register records and amend them (so amendment chains,
 * one treatment each, exist); bills naming any versions of them are attested by both parties, the hospital
 * directly or by its EIP-712 signature carried by the patient's attestation, the patient through the directory's
 * gateway (with or without a co-payment permit), one side at a time (the attestation waits) or at once, some
 * cancelled, some by parties that may not; claimed treatments are claimed again, under any version and in either
 * programme; claims are approved (in full or in part), rejected, disputed (by the patient or the hospital),
 * arbitrated, and defaulted by anyone; the insurer deposits, announces withdrawals and withdraws; the hospital,
 * the arbitrator or the insurer is suspended and reinstated; patients join, lose cover and change their
 * co-payment allowance; and time moves, at random or to the second around a deadline.
 *
 * The handler keeps its own model (ghost) of every claim: which treatments it names, its share, what the escrow
 * paid out for it (measured on the escrow's balance), when it was filed, and of each programme's deposits,
 * withdrawals and payments and each patient's yearly usage. It checks every step it sees against the API's
 * rules and notes the first breach in {violation}, which the invariant reports.
 */
contract ClaimsHandler is SuiteDeployer {
    uint256 public constant PATIENTS = 3;
    uint256 public constant HOSPITALS = 2;
    uint256 public constant PROGRAMMES = 2;
    uint256 internal constant MAX_TREATMENTS = 200;
    uint256 internal constant MAX_BILLS = 1_000;
    uint256 internal constant BPS = 10_000;
    bytes32 internal constant BILL_TYPEHASH =
        keccak256(
            "Bill(uint256 programmeId,uint256[] recordIds,uint96 amount,uint8 payTo,bytes32 billDigest,uint40 expiresAt)"
        );
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    // What the handler saw reached (see {reachedCount}), for the reach test and the run's log.
    uint256 public constant R_WAITING = 0;
    uint256 public constant R_FILED_BY_HOSPITAL_AFTER_PATIENT = 1;
    uint256 public constant R_FILED_BY_PATIENT_AFTER_HOSPITAL = 2;
    uint256 public constant R_FILED_BY_SIGNATURE = 3;
    uint256 public constant R_PAID_AT_FILING = 4;
    uint256 public constant R_COPAID = 5;
    uint256 public constant R_FILED_ON_AMENDMENT = 6;
    uint256 public constant R_CANCELLED = 7;
    uint256 public constant R_AMENDED = 8;
    uint256 public constant R_APPROVED = 9;
    uint256 public constant R_PARTIALLY_APPROVED = 10;
    uint256 public constant R_REJECTED = 11;
    uint256 public constant R_DISPUTED = 12;
    uint256 public constant R_ARBITRATED = 13;
    uint256 public constant R_DEFAULT_ESCALATED = 14;
    uint256 public constant R_DEFAULT_SETTLED = 15;
    uint256 public constant R_WITHDRAWN = 16;
    uint256 public constant R_CLAIMED_AGAIN_REFUSED = 17;
    uint256 public constant R_SUSPENDED = 18;
    uint256 public constant REACH_KINDS = 19;

    address public insurer = address(0x1A5);
    address public agency = address(0xA6E);
    uint32 public insurerId;
    uint32 public agencyId;
    uint256[HOSPITALS] internal hospitalKeys;
    address[HOSPITALS] public hospitals;
    uint32[HOSPITALS] public hospitalIds;
    uint256[PATIENTS] internal patientKeys;
    address[PATIENTS] public patients;
    uint64[PATIENTS] public patientIds;
    uint256[PROGRAMMES] public programmeIds;
    IClaimProgrammes.ProgrammeConfig[PROGRAMMES] internal configs;
    uint40[PROGRAMMES] internal startedAt;
    /// When each patient was enrolled in programme 0 (by the insurer, at set-up; never ended).
    uint40[PATIENTS] internal enrolledInFirst;
    /// When hospital 1, the arbitrator and the insurer were suspended (0 while active).
    uint40[3] public suspendedAt;

    // ---- records: every version, and the treatments (first versions) with what the model knows of them
    uint256[] public recordIds;
    uint256[] public treatments;
    mapping(uint256 recordId => uint256) public treatmentOf;
    mapping(uint256 treatmentId => uint256) public treatmentIndex;
    mapping(uint256 treatmentId => uint256[]) internal versionsOf;
    mapping(uint256 treatmentId => uint256) internal patientOf;
    mapping(uint256 treatmentId => uint256) internal hospitalOf;
    mapping(uint256 treatmentId => uint40) internal treatedAt;
    mapping(uint256 treatmentId => uint8) internal typeOf;
    uint256[][HOSPITALS][PATIENTS] internal treatmentsBy;
    uint256 internal digestNonce;

    // ---- bills
    IClaimEscrow.Bill[] internal bills;
    /// Which parties attested a bill and it waited (1 hospital, 2 patient); whether one cancelled it.
    mapping(bytes32 billHash => uint8) internal attested;
    mapping(bytes32 billHash => bool) internal cancelled;
    mapping(bytes32 billHash => bool) internal filedBills;

    // ---- claims
    struct GhostClaim {
        uint8 programme;
        uint8 patient;
        uint8 hospital;
        uint16 year;
        uint40 filedAt;
        uint96 due;
        uint96 paid;
        IClaimEscrow.ClaimStatus status;
    }
    uint256[] public claimIds;
    mapping(uint256 claimId => GhostClaim) internal ghost;
    mapping(uint256 claimId => uint256[]) internal treatmentsOfClaim;
    /// The claim the model says holds a treatment (0 if none), and how many filings named any of its versions.
    mapping(uint256 treatmentId => uint256) public claimOfTreatment;
    mapping(uint256 treatmentId => uint256) public filingsNaming;
    uint256[] internal openClaims;
    /// Every (claim, treatment) a filing named: the claim's position in claimIds, the treatment's in treatments.
    uint256[] internal namedClaimAt;
    uint256[] internal namedTreatmentAt;
    mapping(uint256 claimId => bytes32) public finalSnapshot;

    /// Each patient's share used per programme and policy year, as the model counts it.
    struct UsageKey {
        uint8 programme;
        uint8 patient;
        uint16 year;
    }
    UsageKey[] internal usageKeys;
    mapping(bytes32 => uint256) internal ghostUsed;
    mapping(bytes32 => bool) internal usageListed;

    // ---- money, per programme
    uint256[PROGRAMMES] public deposited;
    uint256[PROGRAMMES] public withdrawn;
    uint256[PROGRAMMES] public paidOut;
    IClaimProgrammes.Withdrawal[PROGRAMMES] internal announced;

    /// The first breach of the API's rules the handler saw (empty if none).
    string public violation;
    uint256 public calls;
    uint256[REACH_KINDS] internal reached;

    struct Balances {
        uint256 escrow;
        uint256 credits;
        uint256 patient;
        uint256 hospital;
    }

    constructor() {
        _deploySuite(_plainGenesis(address(this), 1e27));
        VM.warp(block.timestamp + 1);
        distribution.release(0);
        insurerId = _onboard(insurer, IParticipantRegistry.Kind.Insurer);
        agencyId = _onboard(agency, IParticipantRegistry.Kind.PublicHealthAgency);
        for (uint256 h = 0; h < HOSPITALS; ++h) {
            hospitalKeys[h] = 0x4057 + h;
            hospitals[h] = VM.addr(hospitalKeys[h]);
            hospitalIds[h] = _onboard(hospitals[h], IParticipantRegistry.Kind.Hospital);
        }
        // Programme 0: co-payments on chain, insurer enrolment, week-long steps of different lengths.
        configs[0] = IClaimProgrammes.ProgrammeConfig({
            token: token,
            coveredTypes: uint128((1 << 1) | (1 << 2) | (1 << 3)),
            perClaimCap: 5_000e18,
            perPatientYearCap: 20_000e18,
            autoApproveThreshold: 300e18,
            copayBps: 2_000,
            filingWindowDays: 30,
            reviewDays: 7,
            disputeDays: 5,
            arbitrationDays: 10,
            arbitrator: agency,
            openEnrolment: false,
            copayOnChain: true
        });
        // Programme 1: open enrolment, co-payments off chain, short steps.
        configs[1] = IClaimProgrammes.ProgrammeConfig({
            token: token,
            coveredTypes: uint128((1 << 1) | (1 << 2) | (1 << 3) | (1 << 4)),
            perClaimCap: 4_000e18,
            perPatientYearCap: 12_000e18,
            autoApproveThreshold: 500e18,
            copayBps: 1_000,
            filingWindowDays: 20,
            reviewDays: 3,
            disputeDays: 2,
            arbitrationDays: 4,
            arbitrator: agency,
            openEnrolment: true,
            copayOnChain: false
        });
        token.transfer(insurer, 1_000_000e18);
        VM.prank(insurer);
        token.approve(address(claims), type(uint256).max);
        for (uint256 i = 0; i < PROGRAMMES; ++i) {
            VM.prank(insurer);
            programmeIds[i] = claims.openProgramme(configs[i]);
            startedAt[i] = claims.getProgramme(programmeIds[i]).startedAt;
            uint256 amount = i == 0 ? 50_000e18 : 20_000e18;
            VM.prank(insurer);
            claims.deposit(programmeIds[i], amount);
            deposited[i] = amount;
        }
        for (uint256 p = 0; p < PATIENTS; ++p) {
            patientKeys[p] = 0xFA7 + p;
            patients[p] = VM.addr(patientKeys[p]);
            patientIds[p] = _registerPatient(patients[p]);
            token.transfer(patients[p], 100_000e18);
            // Patients 0 and 1 allow the escrow their co-payments; patient 2 gives a permit per bill (or none).
            if (p != 2) {
                VM.prank(patients[p]);
                token.approve(address(claims), type(uint256).max);
            }
            VM.prank(insurer);
            claims.enrol(programmeIds[0], patientIds[p]);
            enrolledInFirst[p] = uint40(block.timestamp);
            uint256[] memory none;
            IConsentManager.GrantRequest memory request = IConsentManager.GrantRequest(
                patientIds[p],
                insurer,
                IRecordRegistry.Purpose.InsuranceClaim,
                IConsentManager.ScopeKind.AllRecords,
                none,
                // Patient 2's consent runs out during a run: its later claims are refused.
                uint40(block.timestamp + (p == 2 ? 60 days : 3650 days))
            );
            _execute(patients[p], patientIds[p], 0, address(consent), abi.encodeCall(consent.grant, (request)));
        }
        for (uint256 p = 0; p < 2; ++p) {
            _execute(patients[p], patientIds[p], 0, address(claims), abi.encodeCall(claims.join, (programmeIds[1])));
        }
        // The run starts three days into the cover: most new records (dated up to two days back) are covered.
        VM.warp(block.timestamp + 3 days);
    }

    // ---------------------------------------------------------------------------------------- records

    /// A hospital registers a record (types 1-5: 4 is covered by programme 1 only, 5 by neither), dated up to
    /// 25 days back.
    function newRecord(uint8 h, uint8 p, uint8 recordType, uint32 backdate) external {
        calls++;
        _newRecord(h, p, recordType, backdate);
    }

    function _newRecord(uint8 h, uint8 p, uint8 recordType, uint32 backdate) private returns (bool) {
        if (treatments.length >= MAX_TREATMENTS) return false;
        h %= uint8(HOSPITALS);
        p %= uint8(PATIENTS);
        uint8 t = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 5][recordType % 16];
        // Mostly recent; sometimes up to 25 days back (before an enrolment, out of a filing window).
        uint40 issuedAt = uint40(block.timestamp - (backdate % 4 == 0 ? backdate % 25 days : backdate % 2 days));
        VM.prank(hospitals[h]);
        try
            records.register(IRecordRegistry.RecordInput(patientIds[p], _digest(), t, issuedAt, "ipfs://record"))
        returns (uint256 id) {
            treatmentOf[id] = id;
            treatmentIndex[id] = treatments.length;
            versionsOf[id].push(id);
            recordIds.push(id);
            treatments.push(id);
            patientOf[id] = p;
            hospitalOf[id] = h;
            treatedAt[id] = issuedAt;
            typeOf[id] = t;
            treatmentsBy[p][h].push(id);
            return true;
        } catch {
            return false;
        }
    }

    /// The issuing hospital amends the latest version of a chain (or tries a superseded one), with any date:
    /// the chain stays one treatment, dated by its first version.
    function amend(uint256 seed, uint32 backdate, bool anyVersion) external {
        calls++;
        if (treatments.length == 0) return;
        seed = _mix(seed);
        uint256 t = treatments[seed % treatments.length];
        uint256[] storage versions = versionsOf[t];
        uint256 latest = versions[versions.length - 1];
        uint256 target = anyVersion ? versions[(seed >> 64) % versions.length] : latest;
        uint40 issuedAt = uint40(block.timestamp - (backdate % 25 days));
        VM.prank(hospitals[hospitalOf[t]]);
        try records.amend(target, _digest(), issuedAt, "ipfs://amended") returns (uint256 id) {
            if (target != latest) _fail("a superseded version was amended");
            treatmentOf[id] = t;
            versions.push(id);
            recordIds.push(id);
            (, , , uint256 treatmentId, uint40 at) = records.treatment(id);
            if (treatmentId != t || at != treatedAt[t]) _fail("an amendment is not its chain's treatment");
            reached[R_AMENDED]++;
        } catch {}
    }

    // ------------------------------------------------------------------------------------------ bills

    /**
     * A new bill (its choices drawn from `seed`): half of them for a treatment recorded just now (the hospital
     * records, then bills), else mostly for a recent unclaimed treatment; its other records (up to three in all)
     * mostly recent unclaimed treatments of the same patient by the same hospital (sometimes any record,
     * sometimes one twice); in programme 0 mostly, else 1; an amount under the threshold (paid at once; a
     * quarter of them) or above it (reviewed; sometimes above the cap), paying the hospital or (a third of
     * them) the patient; expiring within 30 days (within 2, a quarter of them). Its first attestation follows
     * at once (by the hospital, the patient, or the patient with the hospital's signature, which files it),
     * and half the time the other party's too.
     */
    function draftBill(uint256 seed, uint96 amount) external {
        calls++;
        seed = _mix(seed);
        bool fresh = seed % 2 == 0 &&
            _newRecord(uint8(seed >> 40), uint8(seed >> 48), uint8(seed >> 56), uint32(seed >> 64) % 3);
        if (treatments.length == 0 || bills.length >= MAX_BILLS) return;
        uint256 programme = (seed >> 8) % 4 == 3 ? 1 : 0;
        IClaimProgrammes.ProgrammeConfig storage config = configs[programme];
        IClaimEscrow.Bill memory bill;
        bill.programmeId = programmeIds[programme];
        uint256 n = (seed >> 16) % 10 < 5
            ? 1
            : (seed >> 16) % 10 < 8
                ? 2
                : 3;
        bill.recordIds = _pickRecords(seed, n, (seed >> 176) % 16 == 0, fresh);
        bill.amount = (seed >> 190) % 4 == 0
            ? uint96(_bound(amount, 1e18, config.autoApproveThreshold))
            : uint96(_bound(amount, uint256(config.autoApproveThreshold) + 1, uint256(config.perClaimCap) + 200e18));
        bill.payTo = (seed >> 194) % 3 == 0 ? IClaimEscrow.PayTo.Patient : IClaimEscrow.PayTo.Hospital;
        bill.billDigest = keccak256(abi.encode("itemised bill", bills.length));
        bill.expiresAt = uint40(
            block.timestamp + ((seed >> 128) % 4 == 0 ? (seed >> 136) % 2 days : (seed >> 136) % 30 days)
        );
        bills.push(bill);
        uint256 first = (seed >> 24) % 3;
        bool withPermit = (seed >> 28) % 4 == 0;
        _attest(bills.length - 1, first, withPermit);
        if (first != 2 && (seed >> 32) % 2 == 0 && attested[_billHash(bill)] != 0) {
            _attest(bills.length - 1, first == 0 ? 1 : 0, withPermit);
        }
    }

    /**
     * A party attests a bill (mostly the latest that the model sees can still be filed): mostly the party that
     * has not yet (its hospital directly; its patient through the gateway, with the hospital's signature one
     * time in three), else who may not: its patient with the other hospital's signature, the other hospital,
     * another patient. The patient may add a permit for its co-payment.
     */
    function attest(uint256 seed, uint8 how, bool withPermit) external {
        calls++;
        if (bills.length == 0) return;
        seed = _mix(seed);
        uint256 index = (seed >> 8) % bills.length;
        if (seed % 4 != 0) {
            // The latest bill that can still be filed, if one of the last sixteen can.
            for (uint256 i = 1; i <= 16 && i <= bills.length; ++i) {
                if (_fileable(bills[bills.length - i])) {
                    index = bills.length - i;
                    break;
                }
            }
        }
        how %= 8;
        if (how < 5) {
            uint8 done = attested[_billHash(bills[index])];
            bool hospitalNext = done == 2 || (done == 0 && how % 2 == 0);
            how = hospitalNext
                ? 0
                : how % 3 == 0
                    ? 2
                    : 1;
        } else {
            how -= 2;
        }
        _attest(index, how, withPermit);
    }

    /// A party cancels a bill: 0 its hospital, 1 its patient, 2 another patient (who may not).
    function cancel(uint256 seed, uint8 who) external {
        calls++;
        if (bills.length == 0) return;
        IClaimEscrow.Bill memory bill = bills[_mix(seed) % bills.length];
        uint256 t = treatmentOf[bill.recordIds[0]];
        bytes memory data = abi.encodeCall(claims.cancelBill, (bill));
        who %= 3;
        bool ok;
        if (who == 0) {
            VM.prank(hospitals[hospitalOf[t]]);
            (ok, ) = address(claims).call(data);
        } else {
            (ok, ) = _asPatient(who == 1 ? patientOf[t] : (patientOf[t] + 1) % PATIENTS, data);
        }
        if (!ok) return;
        if (who == 2) _fail("someone not party to a bill cancelled it");
        if (filingsNaming[t] != 0) _fail("a bill whose first treatment is claimed was cancelled");
        bytes32 hash = _billHash(bill);
        cancelled[hash] = true;
        (, , bool isCancelled) = claims.billState(hash);
        if (!isCancelled) _fail("a cancelled bill is not marked cancelled");
        reached[R_CANCELLED]++;
    }

    /**
     * Both parties try to claim a treatment that a claim already holds again, under any of its versions, in
     * either programme, first in the bill or after an unclaimed treatment: always refused.
     */
    function claimAgain(uint256 seed, bool second) external {
        calls++;
        if (claimIds.length == 0) return;
        seed = _mix(seed);
        uint256[] storage held = treatmentsOfClaim[claimIds[seed % claimIds.length]];
        uint256 t = held[(seed >> 32) % held.length];
        IClaimEscrow.Bill memory bill;
        bill.programmeId = programmeIds[(seed >> 64) % PROGRAMMES];
        uint256 version = _someVersion(t, seed >> 96);
        if (second) {
            uint256[] storage same = treatmentsBy[patientOf[t]][hospitalOf[t]];
            bill.recordIds = new uint256[](2);
            bill.recordIds[0] = _someVersion(same[(seed >> 128) % same.length], seed >> 160);
            bill.recordIds[1] = version;
        } else {
            bill.recordIds = new uint256[](1);
            bill.recordIds[0] = version;
        }
        bill.amount = 1e18;
        bill.billDigest = keccak256(abi.encode("again", calls));
        bill.expiresAt = uint40(block.timestamp + 1 days);
        uint256 h = hospitalOf[treatmentOf[bill.recordIds[0]]];
        bytes memory signature = _signBill(hospitalKeys[h], _billHash(bill));
        (bool ok, bytes memory result) = _asPatient(
            patientOf[t],
            abi.encodeCall(claims.fileClaim, (bill, signature, _noPermit()))
        );
        if (ok && abi.decode(result, (uint256)) != 0) _fail("a claimed treatment was claimed again");
        else reached[R_CLAIMED_AGAIN_REFUSED]++;
    }

    // ----------------------------------------------------------------------------------------- claims

    /// The insurer approves a share of a claim (or the arbitrator tries to).
    function approve(uint256 seed, uint16 share, bool byArbitrator) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        _approve(claimId, share, byArbitrator);
    }

    function _approve(uint256 claimId, uint16 share, bool byArbitrator) private {
        IClaimEscrow.Claim memory c = claims.getClaim(claimId);
        uint96 amount = uint96((uint256(c.due) * (share % 10_001)) / 10_000);
        bool ok = _act(
            claimId,
            byArbitrator ? agency : insurer,
            abi.encodeCall(claims.approve, (claimId, amount, "ok"))
        );
        if (!ok) return;
        if (byArbitrator) _fail("someone but the insurer approved a claim");
        if (c.status != IClaimEscrow.ClaimStatus.Pending) _fail("a claim not pending was approved");
        if (block.timestamp > c.deadline) _fail("a claim was approved after its review deadline");
        reached[amount == c.due ? R_APPROVED : R_PARTIALLY_APPROVED]++;
    }

    /// The insurer rejects a claim (or the arbitrator tries to).
    function reject(uint256 seed, bool byArbitrator) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        _reject(claimId, byArbitrator);
    }

    function _reject(uint256 claimId, bool byArbitrator) private {
        IClaimEscrow.Claim memory c = claims.getClaim(claimId);
        bool ok = _act(claimId, byArbitrator ? agency : insurer, abi.encodeCall(claims.reject, (claimId, "no")));
        if (!ok) return;
        if (byArbitrator) _fail("someone but the insurer rejected a claim");
        if (c.status != IClaimEscrow.ClaimStatus.Pending) _fail("a claim not pending was rejected");
        if (block.timestamp > c.deadline) _fail("a claim was rejected after its review deadline");
        reached[R_REJECTED]++;
    }

    /// A claimant disputes: 0 the patient through the gateway, 1 the hospital; or who may not: 2 the other
    /// hospital, 3 another patient.
    function dispute(uint256 seed, uint8 who) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        _dispute(claimId, who);
    }

    function _dispute(uint256 claimId, uint8 who) private {
        IClaimEscrow.Claim memory c = claims.getClaim(claimId);
        GhostClaim storage g = ghost[claimId];
        bytes memory data = abi.encodeCall(claims.dispute, (claimId, "disagree", keccak256("evidence")));
        who %= 4;
        bool ok;
        if (who == 1 || who == 2) {
            ok = _act(claimId, hospitals[who == 1 ? g.hospital : 1 - g.hospital], data);
        } else {
            ok = _actAsPatient(claimId, who == 0 ? g.patient : (g.patient + 1) % PATIENTS, data);
        }
        if (!ok) return;
        if (who >= 2) _fail("someone not a claimant disputed a claim");
        if (c.status != IClaimEscrow.ClaimStatus.PartiallyApproved && c.status != IClaimEscrow.ClaimStatus.Rejected) {
            _fail("a claim neither partially approved nor rejected was disputed");
        }
        if (block.timestamp > c.deadline) _fail("a claim was disputed after its dispute window");
        reached[R_DISPUTED]++;
    }

    /// The arbitrator awards a share of what is contested (or the insurer tries to).
    function arbitrate(uint256 seed, uint16 share, bool byInsurer) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        _arbitrate(claimId, share, byInsurer);
    }

    function _arbitrate(uint256 claimId, uint16 share, bool byInsurer) private {
        IClaimEscrow.Claim memory c = claims.getClaim(claimId);
        uint96 award = c.due < c.paid ? 0 : uint96((uint256(c.due - c.paid) * (share % 10_001)) / 10_000);
        bool ok = _act(claimId, byInsurer ? insurer : agency, abi.encodeCall(claims.arbitrate, (claimId, award, "")));
        if (!ok) return;
        if (byInsurer) _fail("someone but the arbitrator arbitrated a claim");
        if (c.status != IClaimEscrow.ClaimStatus.Escalated && c.status != IClaimEscrow.ClaimStatus.Disputed) {
            _fail("a claim neither escalated nor disputed was arbitrated");
        }
        if (block.timestamp > c.deadline) _fail("a claim was arbitrated after its arbitration deadline");
        if (claims.getClaim(claimId).paid != c.paid + award) _fail("an award was not paid");
        reached[R_ARBITRATED]++;
    }

    /// Anyone applies a claim's default outcome; the outcome is checked against the API's rules.
    function applyDefault(uint256 seed, uint160 caller) external {
        calls++;
        uint256 claimId = _someClaim(seed);
        if (claimId == 0) return;
        _applyDefault(claimId, caller);
    }

    function _applyDefault(uint256 claimId, uint160 caller) private {
        IClaimEscrow.Claim memory c = claims.getClaim(claimId);
        address anyone = address(uint160(uint256(keccak256(abi.encode("anyone", caller)))));
        bool ok = _act(claimId, anyone, abi.encodeCall(claims.applyDefault, (claimId)));
        bool open = _isOpen(c.status);
        if (!ok) {
            if (open && block.timestamp > c.deadline) _fail("a default outcome was refused after its deadline");
            return;
        }
        if (!open) _fail("a default outcome was applied to a final claim");
        if (block.timestamp <= c.deadline) _fail("a default outcome was applied before its deadline");
        _checkDefault(claimId, c);
    }

    /**
     * The next step of an open claim, by the party whose step it is: the insurer approves it (in full or in
     * part) or rejects it; a claimant disputes the decision; the arbitrator settles; or nobody acts and anyone
     * applies the default once the deadline passed.
     */
    function progress(uint256 seed, uint8 choice, uint16 share) external {
        calls++;
        if (openClaims.length == 0) return;
        uint256 claimId = openClaims[_mix(seed) % openClaims.length];
        IClaimEscrow.ClaimStatus status = claims.getClaim(claimId).status;
        if (block.timestamp > claims.getClaim(claimId).deadline) {
            _applyDefault(claimId, uint160(seed));
        } else if (status == IClaimEscrow.ClaimStatus.Pending) {
            if (choice % 3 == 2) _reject(claimId, false);
            else _approve(claimId, choice % 3 == 0 ? 10_000 : share, false);
        } else if (
            status == IClaimEscrow.ClaimStatus.PartiallyApproved || status == IClaimEscrow.ClaimStatus.Rejected
        ) {
            _dispute(claimId, choice % 2);
        } else {
            _arbitrate(claimId, share, false);
        }
    }

    // ------------------------------------------------------------------------------------------ money

    /// The insurer deposits (mode 0), announces a withdrawal (1) or executes it (2), in either programme.
    function fund(uint8 programme, uint128 amount, uint8 mode) external {
        calls++;
        programme %= uint8(PROGRAMMES);
        mode %= 3;
        if (mode == 0) _deposit(programme, amount);
        else if (mode == 1) _announceWithdrawal(programme, amount, amount % 2 == 0);
        else _withdraw(programme, amount % 2 == 0);
    }

    function _deposit(uint8 programme, uint128 amount) private {
        uint256 value = 1 + (amount % 20_000e18);
        uint256 before = token.balanceOf(address(claims));
        VM.prank(insurer);
        try claims.deposit(programmeIds[programme], value) {
            deposited[programme] += value;
            if (token.balanceOf(address(claims)) != before + value) _fail("a deposit did not arrive");
        } catch {}
    }

    /// A withdrawal of up to a little more than the free funds, to the insurer or elsewhere.
    function _announceWithdrawal(uint8 programme, uint128 amount, bool elsewhere) private {
        uint256 free = claims.getProgramme(programmeIds[programme]).free;
        uint128 value = uint128(_bound(amount, 1, free + 1_000e18));
        address to = elsewhere ? address(0xBEEF) : insurer;
        VM.prank(insurer);
        try claims.announceWithdrawal(programmeIds[programme], value, to) {
            if (value > free) _fail("a withdrawal above the free funds was announced");
            announced[programme] = IClaimProgrammes.Withdrawal(
                value,
                uint40(block.timestamp) + claims.WITHDRAWAL_NOTICE(),
                to
            );
        } catch {}
    }

    /// The announced withdrawal, half the time once its notice has ended (the clock moves there, if it must):
    /// what was announced, or what is still free, within the window after the notice.
    function _withdraw(uint8 programme, bool onTime) private {
        uint256 executableAt = announced[programme].executableAt;
        if (onTime && executableAt > block.timestamp) VM.warp(executableAt);
        IClaimProgrammes.Programme memory before = claims.getProgramme(programmeIds[programme]);
        uint256 balance = token.balanceOf(address(claims));
        VM.prank(insurer);
        try claims.withdraw(programmeIds[programme]) {
            IClaimProgrammes.Withdrawal memory w = announced[programme];
            uint256 expected = w.amount < before.free ? w.amount : before.free;
            uint256 out = balance - token.balanceOf(address(claims));
            if (w.executableAt == 0 || block.timestamp < w.executableAt) _fail("a withdrawal ran before its notice");
            if (block.timestamp > uint256(w.executableAt) + claims.WITHDRAWAL_WINDOW())
                _fail("a lapsed withdrawal ran");
            if (out != expected) _fail("a withdrawal took other than min(announced, free)");
            if (claims.getProgramme(programmeIds[programme]).reserved != before.reserved) {
                _fail("a withdrawal touched reserved funds");
            }
            withdrawn[programme] += out;
            delete announced[programme];
            reached[R_WITHDRAWN]++;
        } catch {}
    }

    // --------------------------------------------------------------------------- people, cover, time

    /**
     * Mode 0: institutions suspended for at least the notice period are reinstated, then (one call in three)
     * hospital 1, the arbitrator or the insurer is suspended. Mode 1: a patient joins programme 1 (open
     * enrolment) through the gateway, or the insurer ends its cover there. Mode 2: a patient allows the escrow
     * its co-payments, or withdraws the allowance.
     */
    function people(uint8 who, uint8 mode) external {
        calls++;
        mode %= 3;
        if (mode == 0) _suspendOrReinstate(who);
        else if (mode == 1) _joinOrEnd(who % uint8(PATIENTS), who % 5 == 4);
        else _allowCopay(who % uint8(PATIENTS), who % 3 != 2);
    }

    function _suspendOrReinstate(uint8 how) private {
        // Every suspension whose notice period has passed ends first; then, a third of the time, one more.
        _reinstateDue();
        uint8 who = how % 3;
        if (suspendedAt[who] != 0 || (how / 3) % 3 != 0) return;
        participants.suspend(_suspendable(who), "test");
        suspendedAt[who] = uint40(block.timestamp);
        reached[R_SUSPENDED]++;
    }

    function _reinstateDue() private {
        for (uint8 i = 0; i < 3; ++i) {
            if (suspendedAt[i] == 0) continue;
            try participants.reinstate(_suspendable(i), suspendedAt[i], "test") {
                suspendedAt[i] = 0;
            } catch {}
        }
    }

    function _suspendable(uint8 who) private view returns (uint32) {
        return
            who == 0
                ? hospitalIds[1]
                : who == 1
                    ? agencyId
                    : insurerId;
    }

    function _joinOrEnd(uint8 p, bool end) private {
        if (end) {
            VM.prank(insurer);
            try claims.endCover(programmeIds[1], patientIds[p]) {} catch {}
        } else {
            _asPatient(p, abi.encodeCall(claims.join, (programmeIds[1])));
        }
    }

    function _allowCopay(uint8 p, bool allow) private {
        VM.prank(patients[p]);
        token.approve(address(claims), allow ? type(uint256).max : 0);
    }

    /// Time moves by up to three days, or (one call in eight) up to twenty; suspensions whose notice period has
    /// passed end.
    function wait(uint32 seconds_) external {
        calls++;
        VM.warp(block.timestamp + 1 + (seconds_ % 8 == 0 ? seconds_ % 20 days : seconds_ % 3 days));
        _reinstateDue();
    }

    /// Time moves to the second before, at or after an open claim's deadline, or the end of its settlement
    /// bound (filing + review + dispute + arbitration days).
    function warpAround(uint256 seed, uint8 mode) external {
        calls++;
        if (openClaims.length == 0) return;
        uint256 claimId = openClaims[_mix(seed) % openClaims.length];
        uint256 target = mode % 2 == 0
            ? claims.getClaim(claimId).deadline
            : ghost[claimId].filedAt + settlementBound(ghost[claimId].programme);
        target = target + ((mode >> 1) % 3) - 1;
        if (target > block.timestamp) VM.warp(target);
    }

    // ------------------------------------------------------------------------------------------ views

    /// Every reservation of programme `programme` settles within this many seconds of its filing.
    function settlementBound(uint256 programme) public view returns (uint256) {
        IClaimProgrammes.ProgrammeConfig storage c = configs[programme];
        return (uint256(c.reviewDays) + c.disputeDays + c.arbitrationDays) * 1 days;
    }

    /// What a final claim looks like, to check that it never changes.
    function snapshotOf(uint256 claimId) public view returns (bytes32) {
        return keccak256(abi.encode(claims.getClaim(claimId)));
    }

    /// A claim's programme (0 or 1) and filing time, as the model saw them.
    function filingOf(uint256 claimId) external view returns (uint256 programme, uint256 filedAt) {
        return (ghost[claimId].programme, ghost[claimId].filedAt);
    }

    function openClaimIds() external view returns (uint256[] memory) {
        return openClaims;
    }

    /// What the model says of every claim, in claimIds' order, in one call (the invariant reads it after every
    /// step).
    struct ClaimModel {
        uint256 id;
        uint256 programme;
        uint256 due;
        uint256 paid;
        uint256 filedAt;
        bytes32 finalSnapshot;
    }

    function claimModels() external view returns (ClaimModel[] memory models) {
        models = new ClaimModel[](claimIds.length);
        for (uint256 i = 0; i < claimIds.length; ++i) {
            uint256 id = claimIds[i];
            GhostClaim storage g = ghost[id];
            models[i] = ClaimModel(id, g.programme, g.due, g.paid, g.filedAt, finalSnapshot[id]);
        }
    }

    /// Every record version with the claim the model says holds its chain (0 if none); every treatment's count
    /// of filings naming it; every (claim position, treatment position) a filing named.
    function chainModel()
        external
        view
        returns (
            uint256[] memory versions,
            uint256[] memory claimOfChain,
            uint256[] memory filings,
            uint256[] memory claimAt,
            uint256[] memory treatmentAt
        )
    {
        versions = recordIds;
        claimOfChain = new uint256[](versions.length);
        for (uint256 i = 0; i < versions.length; ++i) claimOfChain[i] = claimOfTreatment[treatmentOf[versions[i]]];
        filings = new uint256[](treatments.length);
        for (uint256 i = 0; i < treatments.length; ++i) filings[i] = filingsNaming[treatments[i]];
        claimAt = namedClaimAt;
        treatmentAt = namedTreatmentAt;
    }

    function usageCount() external view returns (uint256) {
        return usageKeys.length;
    }

    /// A (programme, patient, year) the model counts, what it counts, and the escrow's count.
    function usage(uint256 i) external view returns (uint256 modelled, uint256 actual, uint256 cap) {
        UsageKey memory k = usageKeys[i];
        modelled = ghostUsed[_usageKey(k.programme, k.patient, k.year)];
        actual = claims.usedInYear(programmeIds[k.programme], patientIds[k.patient], k.year);
        cap = configs[k.programme].perPatientYearCap;
    }

    function reachedCount(uint256 kind) external view returns (uint256) {
        return reached[kind];
    }

    function recordCount() external view returns (uint256) {
        return recordIds.length;
    }

    function claimCount() external view returns (uint256) {
        return claimIds.length;
    }

    function openCount() external view returns (uint256) {
        return openClaims.length;
    }

    function billCount() external view returns (uint256) {
        return bills.length;
    }

    function escrowAddress() external view returns (address) {
        return address(claims);
    }

    function tokenAddress() external view returns (address) {
        return address(token);
    }

    // ---------------------------------------------------------------------------------------- helpers

    function _attest(uint256 index, uint256 how, bool withPermit) private {
        IClaimEscrow.Bill memory bill = bills[index];
        uint256 t = treatmentOf[bill.recordIds[0]];
        uint256 p = patientOf[t];
        uint256 h = hospitalOf[t];
        bytes32 hash = _billHash(bill);
        if (claims.billHash(bill) != hash) _fail("billHash is not the bill's EIP-712 digest");
        Balances memory before = _balances(p, h);
        bool ok;
        uint256 claimId;
        if (how == 0 || how == 4) {
            VM.prank(hospitals[how == 0 ? h : 1 - h]);
            try claims.fileClaim(bill, "", _noPermit()) returns (uint256 id) {
                (ok, claimId) = (true, id);
            } catch {}
        } else {
            uint256 who = how == 5 ? (p + 1) % PATIENTS : p;
            bytes memory signature;
            if (how == 2 || how == 3) signature = _signBill(hospitalKeys[how == 2 ? h : 1 - h], hash);
            IClaimEscrow.CopayPermit memory permit = withPermit ? _permit(who, bill) : _noPermit();
            bytes memory result;
            (ok, result) = _asPatient(who, abi.encodeCall(claims.fileClaim, (bill, signature, permit)));
            if (ok) claimId = abi.decode(result, (uint256));
        }
        if (!ok) return;
        if (how >= 3) {
            _fail("someone not party to a bill attested it");
            return;
        }
        // The parties that attested: this call's (the signature counts as the hospital's) and any that waited.
        uint8 side = how == 0
            ? 1
            : how == 1
                ? 2
                : 3;
        if (claimId == 0) {
            _waited(hash, side);
            return;
        }
        if ((attested[hash] | side) != 3) _fail("a claim was filed without both parties' attestations");
        if (how == 2) reached[R_FILED_BY_SIGNATURE]++;
        else reached[how == 0 ? R_FILED_BY_HOSPITAL_AFTER_PATIENT : R_FILED_BY_PATIENT_AFTER_HOSPITAL]++;
        _filed(bill, hash, claimId, before);
    }

    /// Whether the model sees nothing that stops the bill: not filed, cancelled or expired, no treatment claimed.
    function _fileable(IClaimEscrow.Bill storage bill) private view returns (bool) {
        bytes32 hash = _billHash(bill);
        if (filedBills[hash] || cancelled[hash] || block.timestamp > bill.expiresAt) return false;
        for (uint256 i = 0; i < bill.recordIds.length; ++i) {
            if (filingsNaming[treatmentOf[bill.recordIds[i]]] != 0) return false;
        }
        return true;
    }

    function _waited(bytes32 hash, uint8 side) private {
        if (side == 3 || attested[hash] & side != 0 || (attested[hash] | side) == 3) {
            _fail("an attestation waited although it completed the bill, or was given twice");
            return;
        }
        attested[hash] |= side;
        (bool byHospital, bool byPatient, bool isCancelled) = claims.billState(hash);
        if (byHospital != (attested[hash] & 1 != 0) || byPatient != (attested[hash] & 2 != 0) || isCancelled) {
            _fail("a bill's state differs from its attestations");
        }
        reached[R_WAITING]++;
    }

    /// Checks a filing against the rules the model can see, and starts the claim's ghost.
    function _filed(IClaimEscrow.Bill memory bill, bytes32 hash, uint256 claimId, Balances memory before) private {
        uint256 first = treatmentOf[bill.recordIds[0]];
        uint8 programme = bill.programmeId == programmeIds[0] ? 0 : 1;
        if (cancelled[hash]) _fail("a cancelled bill was filed");
        filedBills[hash] = true;
        // Once filed, nothing of the bill waits on chain (billState is all false again); a later attestation
        // of it waits like one of any bill that can no longer be filed.
        delete attested[hash];
        (bool byHospital, bool byPatient, ) = claims.billState(hash);
        if (byHospital || byPatient) _fail("a filed bill's attestations still wait");
        if (block.timestamp > bill.expiresAt) _fail("an expired bill was filed");
        if (claimId != first) _fail("a claim's id is not its first record's treatment");
        if (bill.amount == 0 || bill.amount > configs[programme].perClaimCap)
            _fail("an amount outside the cap was filed");
        GhostClaim storage g = ghost[claimId];
        g.programme = programme;
        g.patient = uint8(patientOf[first]);
        g.hospital = uint8(hospitalOf[first]);
        g.year = uint16((treatedAt[first] - startedAt[programme]) / 365 days);
        g.filedAt = uint40(block.timestamp);
        g.due = uint96((uint256(bill.amount) * (BPS - configs[programme].copayBps)) / BPS);
        claimIds.push(claimId);
        for (uint256 i = 0; i < bill.recordIds.length; ++i) _noteTreatment(claimId, bill.recordIds[i], programme);
        bytes32 key = _usageKey(programme, g.patient, g.year);
        if (!usageListed[key]) {
            usageListed[key] = true;
            usageKeys.push(UsageKey(programme, g.patient, g.year));
        }
        ghostUsed[key] += g.due;
        _checkFilingMoney(bill, claimId, before);
    }

    /// A record of a claim: its treatment must be unclaimed, the claim's patient's and hospital's, covered, in
    /// the filing window and policy year of its first version.
    function _noteTreatment(uint256 claimId, uint256 recordId, uint8 programme) private {
        uint256 t = treatmentOf[recordId];
        GhostClaim storage g = ghost[claimId];
        if (filingsNaming[t] != 0) _fail("a treatment was claimed twice");
        filingsNaming[t]++;
        if (claimOfTreatment[t] == 0) claimOfTreatment[t] = claimId;
        treatmentsOfClaim[claimId].push(t);
        namedClaimAt.push(claimIds.length - 1);
        namedTreatmentAt.push(treatmentIndex[t]);
        if (recordId != t) reached[R_FILED_ON_AMENDMENT]++;
        if (patientOf[t] != g.patient || hospitalOf[t] != g.hospital) _fail("a claim mixes patients or hospitals");
        if ((configs[programme].coveredTypes >> typeOf[t]) & 1 == 0) _fail("an uncovered record type was claimed");
        if (block.timestamp > uint256(treatedAt[t]) + uint256(configs[programme].filingWindowDays) * 1 days) {
            _fail("a treatment was claimed after its filing window");
        }
        if ((treatedAt[t] - startedAt[programme]) / 365 days != g.year) _fail("a claim spans policy years");
        if (programme == 0 && treatedAt[t] < enrolledInFirst[g.patient])
            _fail("a treatment before enrolment was claimed");
    }

    /// What a filing moved: the share paid at once (or nothing, reserved), the co-payment from the patient to
    /// the hospital when the programme moves it on chain and the claim pays the hospital.
    function _checkFilingMoney(IClaimEscrow.Bill memory bill, uint256 claimId, Balances memory before) private {
        GhostClaim storage g = ghost[claimId];
        IClaimProgrammes.ProgrammeConfig storage config = configs[g.programme];
        Balances memory afterwards = _balances(g.patient, g.hospital);
        uint256 out = before.escrow - afterwards.escrow + (afterwards.credits - before.credits);
        bool paidNow = bill.amount <= config.autoApproveThreshold;
        uint256 copay = config.copayOnChain && bill.payTo == IClaimEscrow.PayTo.Hospital ? bill.amount - g.due : 0;
        IClaimEscrow.Claim memory c = claims.getClaim(claimId);
        if (out != (paidNow ? g.due : 0)) _fail("a filing paid other than the share of a small claim");
        if (c.due != g.due || c.billed != bill.amount || c.year != g.year) _fail("a filed claim's amounts differ");
        bool toPatient = bill.payTo == IClaimEscrow.PayTo.Patient;
        if (
            afterwards.patient + copay != before.patient + (paidNow && toPatient ? g.due : 0) ||
            afterwards.hospital != before.hospital + copay + (paidNow && !toPatient ? g.due : 0)
        ) _fail("a filing moved other than the co-payment and the share paid at once");
        if (copay != 0) reached[R_COPAID]++;
        g.paid = uint96(out);
        paidOut[g.programme] += out;
        if (paidNow) {
            if (c.status != IClaimEscrow.ClaimStatus.Paid) _fail("a small claim was not paid at once");
            g.status = IClaimEscrow.ClaimStatus.Paid;
            _close(claimId);
            reached[R_PAID_AT_FILING]++;
        } else {
            if (
                c.status != IClaimEscrow.ClaimStatus.Pending ||
                c.deadline != block.timestamp + uint256(config.reviewDays) * 1 days
            ) {
                _fail("a larger claim is not pending review");
            }
            g.status = IClaimEscrow.ClaimStatus.Pending;
            openClaims.push(claimId);
        }
    }

    /// The default outcome the API describes for the status the claim had.
    function _checkDefault(uint256 claimId, IClaimEscrow.Claim memory c) private {
        IClaimEscrow.Claim memory d = claims.getClaim(claimId);
        IClaimProgrammes.ProgrammeConfig storage config = configs[ghost[claimId].programme];
        IClaimEscrow.ClaimStatus status = IClaimEscrow.ClaimStatus.Settled;
        uint256 paid = c.paid;
        if (c.status == IClaimEscrow.ClaimStatus.Pending) {
            uint256 share = (uint256(config.autoApproveThreshold) * (BPS - config.copayBps)) / BPS;
            uint256 arbitrationDeadline = uint256(c.deadline) + uint256(config.arbitrationDays) * 1 days;
            if (share < c.due && block.timestamp <= arbitrationDeadline) {
                (status, paid) = (IClaimEscrow.ClaimStatus.Escalated, share);
                if (d.deadline != arbitrationDeadline)
                    _fail("an escalated claim's deadline is not review + arbitration");
            } else {
                paid = c.due;
            }
        } else if (c.status == IClaimEscrow.ClaimStatus.Escalated) {
            paid = c.due;
        }
        if (d.status != status || d.paid != paid) _fail("a default outcome differs from the API's");
        reached[status == IClaimEscrow.ClaimStatus.Escalated ? R_DEFAULT_ESCALATED : R_DEFAULT_SETTLED]++;
    }

    /// Sends `data` to the escrow from `caller`; on success, follows the claim's payments and status.
    function _act(uint256 claimId, address caller, bytes memory data) private returns (bool ok) {
        GhostClaim storage g = ghost[claimId];
        Balances memory before = _balances(g.patient, g.hospital);
        VM.prank(caller);
        (ok, ) = address(claims).call(data);
        if (ok) _follow(claimId, before);
    }

    /// As {_act}, from patient `p` through the directory's gateway.
    function _actAsPatient(uint256 claimId, uint256 p, bytes memory data) private returns (bool ok) {
        GhostClaim storage g = ghost[claimId];
        Balances memory before = _balances(g.patient, g.hospital);
        (ok, ) = _asPatient(p, data);
        if (ok) _follow(claimId, before);
    }

    /// After a successful action on a claim: what the escrow paid out is the claim's; the status moved forward.
    function _follow(uint256 claimId, Balances memory before) private {
        GhostClaim storage g = ghost[claimId];
        Balances memory afterwards = _balances(g.patient, g.hospital);
        uint256 out = before.escrow - afterwards.escrow + (afterwards.credits - before.credits);
        g.paid += uint96(out);
        paidOut[g.programme] += out;
        IClaimEscrow.ClaimStatus status = claims.getClaim(claimId).status;
        if (!_legalMove(g.status, status)) _fail("a claim moved other than forward");
        g.status = status;
        if (!_isOpen(status)) _close(claimId);
    }

    /// A claim reached a final status: what it no longer needs leaves the patient's usage; it never changes again.
    function _close(uint256 claimId) private {
        GhostClaim storage g = ghost[claimId];
        ghostUsed[_usageKey(g.programme, g.patient, g.year)] -= g.due - g.paid;
        for (uint256 i = 0; i < openClaims.length; ++i) {
            if (openClaims[i] == claimId) {
                openClaims[i] = openClaims[openClaims.length - 1];
                openClaims.pop();
                break;
            }
        }
        finalSnapshot[claimId] = snapshotOf(claimId);
    }

    function _legalMove(IClaimEscrow.ClaimStatus from, IClaimEscrow.ClaimStatus to) private pure returns (bool) {
        if (from == IClaimEscrow.ClaimStatus.Pending) {
            return to != IClaimEscrow.ClaimStatus.Pending && to != IClaimEscrow.ClaimStatus.Disputed;
        }
        if (from == IClaimEscrow.ClaimStatus.PartiallyApproved || from == IClaimEscrow.ClaimStatus.Rejected) {
            return to == IClaimEscrow.ClaimStatus.Disputed || to == IClaimEscrow.ClaimStatus.Settled;
        }
        if (from == IClaimEscrow.ClaimStatus.Escalated || from == IClaimEscrow.ClaimStatus.Disputed) {
            return to == IClaimEscrow.ClaimStatus.Settled;
        }
        return false;
    }

    function _isOpen(IClaimEscrow.ClaimStatus status) private pure returns (bool) {
        return
            status != IClaimEscrow.ClaimStatus.Paid &&
            status != IClaimEscrow.ClaimStatus.Settled &&
            status != IClaimEscrow.ClaimStatus.None;
    }

    /// An open claim mostly, sometimes any claim (whose actions must then be refused).
    function _someClaim(uint256 seed) private view returns (uint256) {
        seed = _mix(seed);
        if (openClaims.length != 0 && seed % 8 != 0) return openClaims[(seed >> 8) % openClaims.length];
        return claimIds.length == 0 ? 0 : claimIds[(seed >> 8) % claimIds.length];
    }

    function _pickRecords(
        uint256 seed,
        uint256 n,
        bool anyRecord,
        bool fresh
    ) private view returns (uint256[] memory ids) {
        ids = new uint256[](n);
        // The treatment just recorded; or mostly one of the last unclaimed treatments still in a filing window;
        // else any.
        uint256 first = treatments[seed % treatments.length];
        if (fresh) {
            first = treatments[treatments.length - 1];
        } else if (seed % 4 != 0) {
            uint256 skip = (seed >> 200) % 3;
            for (uint256 j = treatments.length; j > 0 && j + 12 > treatments.length; --j) {
                uint256 candidate = treatments[j - 1];
                if (filingsNaming[candidate] != 0 || block.timestamp > treatedAt[candidate] + 20 days) continue;
                first = candidate;
                if (skip == 0) break;
                --skip;
            }
        }
        ids[0] = _someVersion(first, seed >> 32);
        uint256[] storage same = treatmentsBy[patientOf[first]][hospitalOf[first]];
        for (uint256 i = 1; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            if (anyRecord && i == 1) {
                ids[i] = recordIds[s % recordIds.length];
                continue;
            }
            // Mostly one of the last unclaimed treatments of the same patient and hospital, else any of theirs.
            uint256 t = same[s % same.length];
            if (s % 4 != 0) {
                uint256 skip = (s >> 8) % 3;
                for (uint256 j = same.length; j > 0 && j + 8 > same.length; --j) {
                    uint256 candidate = same[j - 1];
                    if (filingsNaming[candidate] != 0 || candidate == first) continue;
                    t = candidate;
                    if (skip == 0) break;
                    --skip;
                }
            }
            ids[i] = _someVersion(t, s >> 32);
        }
    }

    /// A version of the treatment: the latest mostly, else any.
    function _someVersion(uint256 t, uint256 seed) private view returns (uint256) {
        uint256[] storage versions = versionsOf[t];
        return seed % 3 == 0 ? versions[(seed >> 2) % versions.length] : versions[versions.length - 1];
    }

    function _asPatient(uint256 p, bytes memory data) private returns (bool ok, bytes memory result) {
        VM.prank(patients[p]);
        try participants.execute(patientIds[p], 0, address(claims), data) returns (bytes memory r) {
            return (true, r);
        } catch {}
    }

    function _balances(uint256 p, uint256 h) private view returns (Balances memory b) {
        b.escrow = token.balanceOf(address(claims));
        b.credits = claims.totalCredits(IERC20(address(token)));
        b.patient = token.balanceOf(patients[p]);
        b.hospital = token.balanceOf(hospitals[h]);
    }

    /// The bill's EIP-712 digest, computed here: domain {"MIIP Claims", "1", chain, escrow proxy}.
    function _billHash(IClaimEscrow.Bill memory bill) private view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("MIIP Claims"),
                keccak256("1"),
                block.chainid,
                address(claims)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                BILL_TYPEHASH,
                bill.programmeId,
                keccak256(abi.encodePacked(bill.recordIds)),
                bill.amount,
                uint8(bill.payTo),
                bill.billDigest,
                bill.expiresAt
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _signBill(uint256 key, bytes32 hash) private pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(key, hash);
        return abi.encodePacked(r, s, v);
    }

    /// Patient `p`'s EIP-2612 permit to the escrow for the bill's co-payment.
    function _permit(uint256 p, IClaimEscrow.Bill memory bill) private view returns (IClaimEscrow.CopayPermit memory) {
        uint256 programme = bill.programmeId == programmeIds[0] ? 0 : 1;
        uint256 copay = bill.amount - (uint256(bill.amount) * (BPS - configs[programme].copayBps)) / BPS;
        uint256 deadline = block.timestamp + 1 days;
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, patients[p], address(claims), copay, token.nonces(patients[p]), deadline)
        );
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(
            patientKeys[p],
            keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash))
        );
        return IClaimEscrow.CopayPermit(deadline, v, r, s);
    }

    function _noPermit() private pure returns (IClaimEscrow.CopayPermit memory permit) {}

    function _digest() private returns (bytes32) {
        return keccak256(abi.encode("document", ++digestNonce));
    }

    function _usageKey(uint256 programme, uint256 p, uint16 year) private pure returns (bytes32) {
        return keccak256(abi.encode(programme, p, year));
    }

    /// Fuzzed seeds are often small or taken from the dictionary; their bits are spread before use.
    function _mix(uint256 seed) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed)));
    }

    function _fail(string memory why) private {
        if (bytes(violation).length == 0) violation = why;
    }

    function _bound(uint256 x, uint256 min, uint256 max) private pure returns (uint256) {
        return min + (x % (max - min + 1));
    }
}

interface ERC20View {
    function balanceOf(address) external view returns (uint256);
}

/**
 * @notice The escrow's invariants, checked after every call of a campaign over {ClaimsHandler}: solvency and exact
 * books; no treatment chain claimed or paid twice; every claim, reservation and yearly usage as the model has
 * them; final claims frozen; and every reservation settled within reviewDays + disputeDays + arbitrationDays of
 * its filing by anyone's `applyDefault` (tried on a snapshot). The default profile's 40 runs x 250 calls take
 * under a minute on one core; `npm run test:deep` runs fifty times as many.
 */
contract ClaimsInvariants {
    ClaimsHandler internal handler;
    IClaimEscrow internal escrow;
    address internal token;
    /// Open claims the settlement check found past their bound (and settled on a snapshot), or only past their
    /// current deadline (and moved on by a default on a snapshot).
    uint256 public lateClaimsSettled;
    uint256 public dueClaimsDefaulted;

    event log_named_uint(string key, uint256 val);

    function setUp() external {
        handler = new ClaimsHandler();
        escrow = IClaimEscrow(handler.escrowAddress());
        token = handler.tokenAddress();
    }

    function handlerAddress() external view returns (address) {
        return address(handler);
    }

    function targetContracts() external view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// How often forge draws each of the handler's actions (a selector listed n times is drawn n times as often),
    /// in {targetSelectors}' order: bills and the claims' next steps most, time often, the rest now and then.
    function actionWeights() public pure returns (uint8[16] memory) {
        return [2, 2, 6, 5, 1, 1, 6, 1, 1, 1, 1, 2, 2, 2, 3, 2];
    }

    /// The handler's actions, weighted by {actionWeights}.
    function targetSelectors() external view returns (FuzzSelector[] memory targets) {
        bytes4[16] memory actions = [
            ClaimsHandler.newRecord.selector,
            ClaimsHandler.amend.selector,
            ClaimsHandler.draftBill.selector,
            ClaimsHandler.attest.selector,
            ClaimsHandler.cancel.selector,
            ClaimsHandler.claimAgain.selector,
            ClaimsHandler.progress.selector,
            ClaimsHandler.approve.selector,
            ClaimsHandler.reject.selector,
            ClaimsHandler.dispute.selector,
            ClaimsHandler.arbitrate.selector,
            ClaimsHandler.applyDefault.selector,
            ClaimsHandler.fund.selector,
            ClaimsHandler.people.selector,
            ClaimsHandler.wait.selector,
            ClaimsHandler.warpAround.selector
        ];
        uint8[16] memory weights = actionWeights();
        uint256 total;
        for (uint256 i = 0; i < weights.length; ++i) total += weights[i];
        bytes4[] memory selectors = new bytes4[](total);
        uint256 n;
        for (uint256 i = 0; i < actions.length; ++i) {
            for (uint256 w = 0; w < weights[i]; ++w) selectors[n++] = actions[i];
        }
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /**
     * One invariant function, so that the campaign's calls are made once and every property is checked after
     * each (forge runs each invariant function's campaign anew): the handler saw no breach of the API's rules;
     * the escrow is solvent and its books are the model's; no treatment chain is claimed or paid twice; every
     * claim's amounts and every reservation are the model's; a final claim never changes; and every reservation
     * settles within its bound without any single party.
     */
    function invariant_claims() external {
        string memory violation = handler.violation();
        if (bytes(violation).length != 0) revert(violation);
        _solvent();
        _claimsAsModelled();
        _reservesSettleWithoutAnyParty();
    }

    /// For the token: the escrow's balance covers every programme's free and reserved funds and every credit;
    /// each programme's free and reserved funds are exactly its deposits less its withdrawals and payments.
    function _solvent() private view {
        uint256 owed = escrow.totalCredits(IERC20(token));
        uint256 ledger;
        for (uint256 i = 0; i < handler.PROGRAMMES(); ++i) {
            IClaimProgrammes.Programme memory p = escrow.getProgramme(handler.programmeIds(i));
            uint256 books = handler.deposited(i) - handler.withdrawn(i) - handler.paidOut(i);
            require(
                uint256(p.free) + p.reserved == books,
                "a programme's funds are not deposits - withdrawals - payments"
            );
            owed += uint256(p.free) + p.reserved;
            ledger += books;
        }
        uint256 balance = ERC20View(token).balanceOf(address(escrow));
        require(balance >= owed, "escrow does not cover what it owes");
        require(balance == ledger + escrow.totalCredits(IERC20(token)), "escrow balance differs from its books");
    }

    /**
     * No treatment chain is claimed or paid twice. For every treatment (first version of a chain): at most one
     * filing named any of its versions; the escrow says every version belongs to the claim the model says (or to
     * none); and what the claims naming the chain were paid adds up to at most one claim's share. And every
     * claim is as modelled: its share and payments are the model's (what the escrow's balance paid out for it),
     * never above its share; a final claim never changes; an open claim's deadline is within its settlement
     * bound; each programme's reserved funds are the sum over its open claims of share less paid; each
     * patient's yearly usage is the model's and within the cap.
     */
    function _claimsAsModelled() private view {
        (
            uint256[] memory versions,
            uint256[] memory claimOfChain,
            uint256[] memory filings,
            uint256[] memory claimAt,
            uint256[] memory treatmentAt
        ) = handler.chainModel();
        for (uint256 i = 0; i < filings.length; ++i) require(filings[i] <= 1, "a treatment chain was claimed twice");
        for (uint256 i = 0; i < versions.length; ++i) {
            require(escrow.claimOfRecord(versions[i]) == claimOfChain[i], "a version's claim differs from its chain's");
        }
        ClaimsHandler.ClaimModel[] memory models = handler.claimModels();
        IClaimEscrow.Claim[] memory actual = new IClaimEscrow.Claim[](models.length);
        uint256[] memory reserved = new uint256[](handler.PROGRAMMES());
        uint256[] memory bound = new uint256[](reserved.length);
        for (uint256 i = 0; i < reserved.length; ++i) bound[i] = handler.settlementBound(i);
        for (uint256 i = 0; i < models.length; ++i) {
            ClaimsHandler.ClaimModel memory m = models[i];
            IClaimEscrow.Claim memory c = escrow.getClaim(m.id);
            actual[i] = c;
            require(c.due == m.due && c.paid == m.paid, "a claim's share or payments differ from what was paid out");
            require(c.paid <= c.due, "a claim was paid more than its share");
            if (_isOpen(c.status)) {
                reserved[m.programme] += m.due - m.paid;
                require(c.deadline <= m.filedAt + bound[m.programme], "a deadline lies beyond the bound");
            } else {
                require(keccak256(abi.encode(c)) == m.finalSnapshot, "a final claim changed (or became final unseen)");
            }
        }
        uint256[] memory paidFor = new uint256[](filings.length);
        uint256[] memory largestDue = new uint256[](filings.length);
        for (uint256 i = 0; i < claimAt.length; ++i) {
            IClaimEscrow.Claim memory c = actual[claimAt[i]];
            paidFor[treatmentAt[i]] += c.paid;
            if (c.due > largestDue[treatmentAt[i]]) largestDue[treatmentAt[i]] = c.due;
        }
        for (uint256 i = 0; i < filings.length; ++i) {
            require(paidFor[i] <= largestDue[i], "a treatment chain was paid more than one claim's share");
        }
        for (uint256 i = 0; i < reserved.length; ++i) {
            require(
                escrow.getProgramme(handler.programmeIds(i)).reserved == reserved[i],
                "reserved differs from the open claims' shares less paid"
            );
        }
        uint256 keys = handler.usageCount();
        for (uint256 i = 0; i < keys; ++i) {
            (uint256 modelled, uint256 used, uint256 cap) = handler.usage(i);
            require(used == modelled, "a patient's yearly usage differs from its claims");
            require(used <= cap, "a patient's yearly usage exceeds the cap");
        }
    }

    /**
     * Every reservation settles within reviewDays + disputeDays + arbitrationDays of its filing without any
     * single party: for every open claim past its current deadline, `applyDefault` by an arbitrary address
     * succeeds; for every open claim past that bound, one or two such calls make it final (Paid or Settled).
     * Each step lowers the programme's reserved funds by what it paid plus what it released, and returns what it
     * released to the free funds. Tried on a snapshot, which is then dropped.
     */
    function _reservesSettleWithoutAnyParty() private {
        uint256[] memory open = handler.openClaimIds();
        uint256 late;
        uint256 due;
        uint256 snapshot;
        bool tried;
        for (uint256 i = 0; i < open.length; ++i) {
            IClaimEscrow.Claim memory c = escrow.getClaim(open[i]);
            if (!_isOpen(c.status)) continue;
            (uint256 programme, uint256 filedAt) = handler.filingOf(open[i]);
            bool isLate = block.timestamp > filedAt + handler.settlementBound(programme);
            if (!isLate && block.timestamp <= c.deadline) continue;
            // Other claims are untouched by this one's default (its programme's totals are checked as deltas).
            if (!tried) (snapshot, tried) = (VM.snapshotState(), true);
            IClaimEscrow.Claim memory d = _default(open[i], c);
            if (isLate && _isOpen(d.status)) {
                require(block.timestamp > d.deadline, "a reserve outlived its bound: its next deadline is later");
                d = _default(open[i], d);
            }
            if (isLate) require(!_isOpen(d.status), "a reserve outlived reviewDays + disputeDays + arbitrationDays");
            if (isLate) ++late;
            else ++due;
        }
        if (!tried) return;
        VM.revertToStateAndDelete(snapshot);
        // Counted after the snapshot is dropped, so that they stay: how often the check had something to try.
        lateClaimsSettled += late;
        dueClaimsDefaulted += due;
    }

    /// applyDefault by a fresh address; checks the money it moved; returns the claim after it.
    function _default(uint256 claimId, IClaimEscrow.Claim memory c) private returns (IClaimEscrow.Claim memory d) {
        IClaimProgrammes.Programme memory before = escrow.getProgramme(c.programmeId);
        uint256 balance = ERC20View(token).balanceOf(address(escrow)) - escrow.totalCredits(IERC20(token));
        VM.prank(address(uint160(uint256(keccak256(abi.encode("nobody in particular", claimId, block.timestamp))))));
        (bool ok, ) = address(escrow).call(abi.encodeCall(IClaimEscrow.applyDefault, (claimId)));
        require(ok, "applyDefault by anyone was refused after the deadline");
        d = escrow.getClaim(claimId);
        IClaimProgrammes.Programme memory afterwards = escrow.getProgramme(c.programmeId);
        uint256 paidNow = d.paid - c.paid;
        uint256 released = _isOpen(d.status) ? 0 : d.due - d.paid;
        require(
            before.reserved - afterwards.reserved == paidNow + released,
            "reserved did not fall by paid + released"
        );
        require(afterwards.free - before.free == released, "what a claim released did not return to free funds");
        require(
            balance - (ERC20View(token).balanceOf(address(escrow)) - escrow.totalCredits(IERC20(token))) == paidNow,
            "a default outcome moved other than what it paid"
        );
        if (!_isOpen(d.status)) {
            require(before.reserved - afterwards.reserved == c.due - c.paid, "a settled claim still holds a reserve");
        }
    }

    /// The run's reach, in the log (forge -vv).
    function afterInvariant() external {
        emit log_named_uint("calls", handler.calls());
        emit log_named_uint("claims", handler.claimCount());
        emit log_named_uint("open", handler.openCount());
        emit log_named_uint("records", handler.recordCount());
        emit log_named_uint("bills", handler.billCount());
        string[19] memory names = [
            "waiting",
            "filed by hospital after patient",
            "filed by patient after hospital",
            "filed by signature",
            "paid at filing",
            "copaid",
            "filed on amendment",
            "cancelled",
            "amended",
            "approved",
            "partially approved",
            "rejected",
            "disputed",
            "arbitrated",
            "default escalated",
            "default settled",
            "withdrawn",
            "claimed again, refused",
            "suspended"
        ];
        for (uint256 k = 0; k < names.length; ++k) emit log_named_uint(names[k], handler.reachedCount(k));
    }

    function _isOpen(IClaimEscrow.ClaimStatus status) private pure returns (bool) {
        return status != IClaimEscrow.ClaimStatus.Paid && status != IClaimEscrow.ClaimStatus.Settled;
    }
}

/// The handler reaches what the invariants are about: a scripted random walk over its actions (with the weights
/// the campaign uses) files claims in every way, amends, cancels and refuses bills, and takes claims through
/// every decision and default, with no breach of the rules; the invariants hold every ten steps.
contract ClaimsHandlerReach {
    event log_named_uint(string key, uint256 val);

    function test_reachesEveryFlow() external {
        ClaimsInvariants invariants = new ClaimsInvariants();
        invariants.setUp();
        ClaimsHandler h = ClaimsHandler(invariants.handlerAddress());
        uint8[16] memory weights = invariants.actionWeights();
        uint256 total;
        for (uint256 i = 0; i < weights.length; ++i) total += weights[i];
        for (uint256 i = 0; i < 1200; ++i) {
            uint256 r = uint256(keccak256(abi.encode("reach", i)));
            uint256 pick = r % total;
            uint256 action;
            while (pick >= weights[action]) pick -= weights[action++];
            _act(h, action, r >> 8);
            if (i % 10 == 9) invariants.invariant_claims();
        }
        invariants.afterInvariant();
        emit log_named_uint("late claims settled on a snapshot", invariants.lateClaimsSettled());
        emit log_named_uint("due claims defaulted on a snapshot", invariants.dueClaimsDefaulted());
        require(bytes(h.violation()).length == 0, h.violation());
        for (uint256 k = 0; k < h.REACH_KINDS(); ++k) require(h.reachedCount(k) > 0, "an outcome was never reached");
        require(invariants.lateClaimsSettled() > 0, "no claim outlived its bound to test the settlement check");
        require(invariants.dueClaimsDefaulted() > 0, "no claim was past its deadline to test the default check");
    }

    function _act(ClaimsHandler h, uint256 action, uint256 r) private {
        if (action == 0) h.newRecord(uint8(r), uint8(r >> 8), uint8(r >> 16), uint32(r >> 24));
        else if (action == 1) h.amend(r, uint32(r >> 64), r % 4 == 0);
        else if (action == 2) h.draftBill(r, uint96(r >> 16));
        else if (action == 3) h.attest(r, uint8(r >> 8), r % 3 == 0);
        else if (action == 4) h.cancel(r, uint8(r >> 8));
        else if (action == 5) h.claimAgain(r, r % 2 == 0);
        else if (action == 6) h.progress(r, uint8(r >> 8), uint16(r >> 16));
        else if (action == 7) h.approve(r, uint16(r >> 8), r % 5 == 0);
        else if (action == 8) h.reject(r, r % 5 == 0);
        else if (action == 9) h.dispute(r, uint8(r >> 8));
        else if (action == 10) h.arbitrate(r, uint16(r >> 8), r % 5 == 0);
        else if (action == 11) h.applyDefault(r, uint160(r >> 8));
        else if (action == 12) h.fund(uint8(r), uint128(r >> 8), uint8(r >> 200));
        else if (action == 13) h.people(uint8(r), uint8(r >> 8));
        else if (action == 14) h.wait(uint32(r));
        else h.warpAround(r, uint8(r >> 8));
    }
}
