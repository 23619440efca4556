import { expect } from "chai";
import { anyUint } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { CONSENT_TYPES, SCOPES, consentDomain } from "../../config/eip712";
import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import { deploymentOf } from "../../scripts/lib/deploy";
import { MIIP } from "../../packages/sdk/src";
import { MockERC1271Wallet__factory } from "../../typechain-types";
import type { IConsentManager } from "../../typechain-types/contracts/consent/ConsentManager";
import { onboardedFixture } from "../helpers/fixtures";
import { governorCall } from "../helpers/governance";
import { GUARDIAN_SALT, asGuardian, asPatient, guardianCommitment, relayedAsPatient, salt } from "../helpers/patients";

const DAY = 86_400;
const Status = { None: 0, Active: 1, Suspended: 2 } as const;
/** IConsentManager.ScopeKind.Emergency: break-glass entries, opened by hospitals, never granted. */
const EMERGENCY = 3;
/** Guardian powers in the participant directory. */
const RECOVER = 1;
const ACT = 2;
/** The kinds openEmergency accepts, as the bit set the directory reports in ParticipantsWrongKind. */
const HOSPITALS = 1n << BigInt(KINDS.hospital);
const EMERGENCY_PERIOD = 30n * BigInt(DAY);
const JUSTIFICATION_WINDOW = 3n * BigInt(DAY);
const reason = (text: string) => hre.ethers.encodeBytes32String(text);
/** The digest of an encrypted justification note kept off chain. */
const note = (text: string) => hre.ethers.id(`justification:${text}`);
/** getGrant of a grant that was never written. */
const NO_GRANT = [0n, 0n, 0n, false];

describe("ConsentManager", function () {
  async function consentFixture() {
    const suite = await onboardedFixture();
    const { records, participants, consent, hospital, patientA, patientB, ids } = suite;
    const now = await time.latest();
    let n = 0;
    const input = (patientId: bigint, recordType: number) => {
      n += 1;
      return {
        patientId,
        digest: hre.ethers.id(`doc ${n}`),
        recordType,
        issuedAt: now - 3600,
        uri: `ipfs://doc${n}`,
      };
    };
    // Patient A (id 1): 1 lab result, 2 prescription, 3 prescription; patient B (id 2): 4 diagnosis.
    await records
      .connect(hospital)
      .registerBatch([
        input(ids.patientA, RECORD_TYPES["lab-result"]),
        input(ids.patientA, RECORD_TYPES.prescription),
        input(ids.patientA, RECORD_TYPES.prescription),
        input(ids.patientB, RECORD_TYPES.diagnosis),
      ]);
    const expiresAt = BigInt(now + 30 * DAY);
    const request = (
      overrides: Partial<IConsentManager.GrantRequestStruct> = {},
    ): IConsentManager.GrantRequestStruct => ({
      patientId: ids.patientA,
      grantee: suite.pharmacy.address,
      purpose: PURPOSES.treatment,
      scopeKind: SCOPES.recordType,
      scope: [RECORD_TYPES.prescription],
      expiresAt,
      ...overrides,
    });
    const chainId = (await hre.ethers.provider.getNetwork()).chainId;
    const consentAddress = await consent.getAddress();
    const sign = async (
      signer: { signTypedData: typeof patientA.signTypedData },
      req: IConsentManager.GrantRequestStruct,
      nonce: bigint,
      deadline: bigint,
      domain = consentDomain(chainId, consentAddress),
    ) =>
      signer.signTypedData(domain, CONSENT_TYPES, {
        patientId: req.patientId,
        grantee: req.grantee,
        purpose: req.purpose,
        scopeKind: req.scopeKind,
        scope: req.scope,
        expiresAt: req.expiresAt,
        nonce,
        deadline,
      });
    const idOf = (req: IConsentManager.GrantRequestStruct, granteeId: bigint, ref: bigint | number = 0) =>
      consent.grantIdOf(req.patientId, granteeId, req.purpose, req.scopeKind, ref);
    /** Patient A's own key acts on the consent manager, through the directory's gateway. */
    const byA = (fn: string, args: readonly unknown[] = []) =>
      asPatient(participants, patientA, ids.patientA, consent, fn, args);
    /** Patient B's own key acts on the consent manager, through the directory's gateway. */
    const byB = (fn: string, args: readonly unknown[] = []) =>
      asPatient(participants, patientB, ids.patientB, consent, fn, args);
    /** The break-glass entry of a hospital for a patient (a grant id). */
    const emergencyId = (patientId: bigint, hospitalId: bigint) =>
      consent.grantIdOf(patientId, hospitalId, PURPOSES.treatment, EMERGENCY, 0);
    /** emergencyState as a plain array: [periodStart, openings, blocked, justifyBy]. */
    const stateOf = async (patientId: bigint, hospitalId: bigint) => [
      ...(await consent.emergencyState(patientId, hospitalId)),
    ];
    return { ...suite, request, sign, idOf, byA, byB, emergencyId, stateOf, expiresAt, chainId };
  }

  async function grantedFixture() {
    const suite = await consentFixture();
    await suite.byA("grant", [suite.request()]);
    const grantId = await suite.idOf(suite.request(), suite.ids.pharmacy, RECORD_TYPES.prescription);
    return { ...suite, grantId };
  }

  /**
   * Patient A appoints, in the directory, the named `guardian` account with the act power and another account
   * with the recovery power only.
   */
  async function guardedFixture() {
    const suite = await consentFixture();
    const { participants, consent, patientA, guardian, signers, ids } = suite;
    const actor = guardianCommitment(ids.patientA, guardian.address, GUARDIAN_SALT);
    await participants.connect(patientA).setGuardian(actor, ACT);
    const recoverer = signers[24];
    const recovererSalt = salt("recoverer");
    const recovererActor = guardianCommitment(ids.patientA, recoverer.address, recovererSalt);
    await participants.connect(patientA).setGuardian(recovererActor, RECOVER);
    const byGuardian = (fn: string, args: readonly unknown[] = []) =>
      asGuardian(participants, guardian, ids.patientA, GUARDIAN_SALT, consent, fn, args);
    const byRecoverer = (fn: string, args: readonly unknown[] = []) =>
      asGuardian(participants, recoverer, ids.patientA, recovererSalt, consent, fn, args);
    return { ...suite, actor, recoverer, recovererActor, byGuardian, byRecoverer };
  }

  /** The second hospital (not the records' issuer) opened break-glass access to patient A at `openedAt`. */
  async function openedFixture() {
    const suite = await consentFixture();
    const openedAt = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(openedAt);
    await suite.consent.connect(suite.secondHospital).openEmergency(suite.ids.patientA, reason("unconscious"));
    const justifyBy = BigInt(openedAt) + JUSTIFICATION_WINDOW;
    return { ...suite, openedAt: BigInt(openedAt), justifyBy };
  }

  describe("grants", function () {
    it("lets a patient grant an institution one purpose over chosen record types", async function () {
      const { consent, records, pharmacy, request, idOf, byA, ids, expiresAt } = await loadFixture(consentFixture);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      await expect(byA("grant", [request()]))
        .to.emit(consent, "ConsentGranted")
        .withArgs(
          grantId,
          ids.patientA,
          ids.pharmacy,
          PURPOSES.treatment,
          SCOPES.recordType,
          RECORD_TYPES.prescription,
          expiresAt,
          1,
          hre.ethers.ZeroHash,
        );
      expect(await consent.isLive(grantId)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 3, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 1, PURPOSES.treatment)).to.equal(false);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.research)).to.equal(false);
      expect(await records.canRead(pharmacy.address, 4, PURPOSES.treatment)).to.equal(false);
    });

    it("covers all of a patient's records, or chosen records, and only the patient's", async function () {
      const { records, insurer, pharmacy, request, byA } = await loadFixture(consentFixture);
      await byA("grant", [
        request({
          grantee: insurer.address,
          purpose: PURPOSES["insurance-claim"],
          scopeKind: SCOPES.allRecords,
          scope: [],
        }),
      ]);
      for (const id of [1, 2, 3])
        expect(await records.canRead(insurer.address, id, PURPOSES["insurance-claim"])).to.equal(true);
      expect(await records.canRead(insurer.address, 4, PURPOSES["insurance-claim"])).to.equal(false);

      await byA("grant", [request({ purpose: PURPOSES.research, scopeKind: SCOPES.record, scope: [1, 3] })]);
      expect(await records.canRead(pharmacy.address, 1, PURPOSES.research)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.research)).to.equal(false);
      expect(await records.canRead(pharmacy.address, 3, PURPOSES.research)).to.equal(true);
    });

    it("keeps grants for different purposes side by side", async function () {
      const { records, pharmacy, request, byA, grantId } = await loadFixture(grantedFixture);
      await byA("grant", [request({ purpose: PURPOSES.research })]);
      await byA("revoke", [grantId]);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.research)).to.equal(true);
    });

    it("stops working by itself at expiry", async function () {
      const { records, pharmacy, expiresAt, consent, grantId } = await loadFixture(grantedFixture);
      await time.increaseTo(expiresAt);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      await time.increase(1);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);
      expect(await consent.isLive(grantId)).to.equal(false);
    });

    it("gives a suspended grantee no right, and follows a rotated one to its new address", async function () {
      const { records, participants, registrar, pharmacy, ids, signers } = await loadFixture(grantedFixture);
      await participants.connect(registrar).suspend(ids.pharmacy, reason("audit"));
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);

      const fresh = await loadFixture(grantedFixture);
      const next = signers[13];
      await fresh.participants.connect(fresh.pharmacy).proposeAccount(next.address);
      await fresh.participants.connect(next).acceptAccount(fresh.ids.pharmacy);
      expect(await fresh.records.canRead(next.address, 2, PURPOSES.treatment)).to.equal(true);
      expect(await fresh.records.canRead(fresh.pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);
    });

    it("refuses bad grants and grants nothing", async function () {
      const { consent, participants, registrar, stranger, pharmacy, request, idOf, byA, byB, ids } =
        await loadFixture(consentFixture);
      await expect(byA("grant", [request({ grantee: stranger.address })]))
        .to.be.revertedWithCustomError(consent, "ConsentGranteeNotActive")
        .withArgs(stranger.address, Status.None);
      const at = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(at);
      await expect(byA("grant", [request({ expiresAt: at })]))
        .to.be.revertedWithCustomError(consent, "ConsentExpiryNotInFuture")
        .withArgs(at, at);
      await expect(byA("grant", [request({ scope: [] })]))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidScopeSize")
        .withArgs(SCOPES.recordType);
      await expect(byA("grant", [request({ scopeKind: SCOPES.allRecords })]))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidScopeSize")
        .withArgs(SCOPES.allRecords);
      await expect(byA("grant", [request({ scope: [0] })]))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidRecordType")
        .withArgs(0);
      await expect(byA("grant", [request({ scopeKind: SCOPES.record, scope: [2, 4] })]))
        .to.be.revertedWithCustomError(consent, "ConsentRecordNotPatients")
        .withArgs(4, ids.patientA);
      // A purpose outside IRecordRegistry.Purpose is no purpose: the ABI decoder refuses it, as any enum, with an
      // empty revert, which the gateway reports as OpenZeppelin's FailedCall.
      await expect(byA("grant", [request({ purpose: 4 })])).to.be.revertedWithCustomError(participants, "FailedCall");
      await expect(byA("grant", [request({ scopeKind: EMERGENCY, scope: [] })]))
        .to.be.revertedWithCustomError(consent, "ConsentScopeNotGrantable")
        .withArgs(EMERGENCY);
      await expect(byB("grant", [request()]))
        .to.be.revertedWithCustomError(consent, "ConsentPatientMismatch")
        .withArgs(ids.patientB, ids.patientA);
      await participants.connect(registrar).suspend(ids.pharmacy, reason("audit"));
      await expect(byA("grant", [request()]))
        .to.be.revertedWithCustomError(consent, "ConsentGranteeNotActive")
        .withArgs(pharmacy.address, Status.Suspended);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      expect(await consent.getGrant(grantId)).to.deep.equal(NO_GRANT);
      expect(await consent.queryFilter(consent.filters.ConsentGranted())).to.have.length(0);
    });
  });

  describe("only through the gateway, and only for the patient acting", function () {
    it("refuses a direct call to grant, revoke, cancelNonce, closeEmergency or setEmergencyBlock with PatientsNotThroughGateway, and changes nothing", async function () {
      const {
        consent,
        participants,
        records,
        patientA,
        stranger,
        secondHospital,
        request,
        idOf,
        emergencyId,
        stateOf,
        ids,
        grantId,
      } = await loadFixture(grantedFixture);
      await consent.connect(secondHospital).openEmergency(ids.patientA, reason("unconscious"));
      const entry = await emergencyId(ids.patientA, ids.secondHospital);
      const [grantBefore, entryBefore, stateBefore] = [
        await consent.getGrant(grantId),
        await consent.getGrant(entry),
        await stateOf(ids.patientA, ids.secondHospital),
      ];
      const direct = consent.connect(patientA);
      const other = await idOf(request({ purpose: PURPOSES.research }), ids.pharmacy, RECORD_TYPES.prescription);
      await expect(direct.grant(request({ purpose: PURPOSES.research })))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(patientA.address);
      await expect(direct.revoke(grantId))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(patientA.address);
      await expect(direct.cancelNonce(ids.pharmacy, PURPOSES.treatment, SCOPES.recordType, RECORD_TYPES.prescription))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(patientA.address);
      await expect(direct.closeEmergency(ids.secondHospital, true))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(patientA.address);
      await expect(direct.setEmergencyBlock(ids.secondHospital, true))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(patientA.address);
      // A caller who appends the gateway's suffix itself (patient 1, the patient's own key, all powers) is
      // still not the gateway.
      const forged = hre.ethers.concat([
        consent.interface.encodeFunctionData("revoke", [grantId]),
        hre.ethers.solidityPacked(["uint64", "bytes32", "uint8"], [ids.patientA, hre.ethers.ZeroHash, 3]),
      ]);
      await expect(stranger.sendTransaction({ to: await consent.getAddress(), data: forged }))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(stranger.address);

      expect(await consent.getGrant(grantId)).to.deep.equal(grantBefore);
      expect(await consent.getGrant(other)).to.deep.equal(NO_GRANT);
      expect(await consent.getGrant(entry)).to.deep.equal(entryBefore);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(true);
      expect(await consent.isLive(grantId)).to.equal(true);
    });

    it("refuses a patient granting in another patient's name (ConsentPatientMismatch) or revoking another patient's grant (ConsentNotPatientsGrant)", async function () {
      const { consent, records, pharmacy, request, idOf, byB, ids, grantId } = await loadFixture(grantedFixture);
      const before = await consent.getGrant(grantId);
      await expect(byB("grant", [request({ purpose: PURPOSES.research })]))
        .to.be.revertedWithCustomError(consent, "ConsentPatientMismatch")
        .withArgs(ids.patientB, ids.patientA);
      await expect(byB("revoke", [grantId]))
        .to.be.revertedWithCustomError(consent, "ConsentNotPatientsGrant")
        .withArgs(grantId, ids.patientB);
      // Cancelling "the same" signature only ever bumps the acting patient's own grant, never patient A's.
      await byB("cancelNonce", [ids.pharmacy, PURPOSES.treatment, SCOPES.recordType, RECORD_TYPES.prescription]);
      const research = await idOf(request({ purpose: PURPOSES.research }), ids.pharmacy, RECORD_TYPES.prescription);
      expect(await consent.getGrant(research)).to.deep.equal(NO_GRANT);
      expect(await consent.getGrant(grantId)).to.deep.equal(before);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
    });

    it("lets a relayer send the patient's revocation, the patient paying nothing", async function () {
      const { consent, participants, records, patientA, relayer, pharmacy, ids, grantId } =
        await loadFixture(grantedFixture);
      const balance = await hre.ethers.provider.getBalance(patientA.address);
      await expect(relayedAsPatient(participants, patientA, relayer, ids.patientA, consent, "revoke", [grantId]))
        .to.emit(consent, "ConsentRevoked")
        .withArgs(grantId, ids.patientA, hre.ethers.ZeroHash);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);
      expect(await consent.isLive(grantId)).to.equal(false);
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(balance);
    });
  });

  describe("one error per wrong thing, and nothing changed", function () {
    it("refuses granting an emergency scope with ConsentScopeNotGrantable, by hand or by signature", async function () {
      const { consent, patientA, relayer, request, sign, idOf, byA, ids } = await loadFixture(consentFixture);
      const emergency = request({ scopeKind: EMERGENCY, scope: [] });
      await expect(byA("grant", [emergency]))
        .to.be.revertedWithCustomError(consent, "ConsentScopeNotGrantable")
        .withArgs(EMERGENCY);
      const deadline = BigInt((await time.latest()) + 3600);
      await expect(
        consent.connect(relayer).grantBySig(emergency, 0, deadline, await sign(patientA, emergency, 0n, deadline)),
      )
        .to.be.revertedWithCustomError(consent, "ConsentScopeNotGrantable")
        .withArgs(EMERGENCY);
      expect(await consent.getGrant(await idOf(emergency, ids.pharmacy))).to.deep.equal(NO_GRANT);
      expect(await consent.queryFilter(consent.filters.ConsentGranted())).to.have.length(0);
    });
  });

  describe("revocation", function () {
    it("takes effect in the same block", async function () {
      const { consent, records, pharmacy, byA, ids, grantId } = await loadFixture(grantedFixture);
      await expect(byA("revoke", [grantId]))
        .to.emit(consent, "ConsentRevoked")
        .withArgs(grantId, ids.patientA, hre.ethers.ZeroHash);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);
      const g = await consent.getGrant(grantId);
      expect([g.revoked, g.version]).to.deep.equal([true, 2n]);
    });

    it("refuses to revoke a grant that does not exist, twice, or for someone else", async function () {
      const { consent, byA, byB, ids, grantId } = await loadFixture(grantedFixture);
      const unknown = hre.ethers.id("no such grant");
      await expect(byA("revoke", [unknown]))
        .to.be.revertedWithCustomError(consent, "ConsentUnknownGrant")
        .withArgs(unknown);
      await expect(byB("revoke", [grantId]))
        .to.be.revertedWithCustomError(consent, "ConsentNotPatientsGrant")
        .withArgs(grantId, ids.patientB);
      expect(await consent.isLive(grantId)).to.equal(true);
      await byA("revoke", [grantId]);
      const revoked = await consent.getGrant(grantId);
      await expect(byA("revoke", [grantId]))
        .to.be.revertedWithCustomError(consent, "ConsentAlreadyRevoked")
        .withArgs(grantId);
      expect(await consent.getGrant(grantId)).to.deep.equal(revoked);
    });

    it("refuses to revoke what is not a grant: a break-glass entry (closed only with its own event) or a cancelled nonce", async function () {
      const { consent, byA, ids, emergencyId } = await loadFixture(openedFixture);
      const entry = await emergencyId(ids.patientA, ids.secondHospital);
      await expect(byA("revoke", [entry]))
        .to.be.revertedWithCustomError(consent, "ConsentUnknownGrant")
        .withArgs(entry);
      expect(await consent.isLive(entry)).to.equal(true);
      // A cancelled nonce leaves an entry with the patient's id and no expiry: it was never granted.
      await byA("cancelNonce", [ids.pharmacy, PURPOSES.research, 0, 0]);
      const cancelled = await consent.grantIdOf(ids.patientA, ids.pharmacy, PURPOSES.research, 0, 0);
      const before = await consent.getGrant(cancelled);
      await expect(byA("revoke", [cancelled]))
        .to.be.revertedWithCustomError(consent, "ConsentUnknownGrant")
        .withArgs(cancelled);
      expect(await consent.getGrant(cancelled)).to.deep.equal(before);
    });

    it("lets the patient grant again after revoking", async function () {
      const { consent, records, pharmacy, request, byA, grantId } = await loadFixture(grantedFixture);
      await byA("revoke", [grantId]);
      await byA("grant", [request()]);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      expect((await consent.getGrant(grantId)).version).to.equal(3n);
    });
  });

  describe("consent without gas (EIP-712)", function () {
    it("uses the type hash of config/eip712.ts and publishes its domain (ERC-5267)", async function () {
      const { consent, chainId } = await loadFixture(consentFixture);
      const encoder = hre.ethers.TypedDataEncoder.from(CONSENT_TYPES);
      expect(await consent.CONSENT_TYPEHASH()).to.equal(hre.ethers.id(encoder.encodeType("Consent")));
      const domain = await consent.eip712Domain();
      const expected = consentDomain(chainId, await consent.getAddress());
      expect([domain.fields, domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
        "0x0f",
        expected.name,
        expected.version,
        chainId,
        expected.verifyingContract,
      ]);
    });

    it("accepts a patient's signed consent submitted by the institution, the patient paying nothing", async function () {
      const { consent, records, patientA, pharmacy, request, sign, idOf, ids } = await loadFixture(consentFixture);
      const deadline = BigInt((await time.latest()) + 3600);
      const signature = await sign(patientA, request(), 0n, deadline);
      const balance = await hre.ethers.provider.getBalance(patientA.address);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      // The actor of a signed consent is the patient's own key: zero, whoever submits it.
      await expect(consent.connect(pharmacy).grantBySig(request(), 0, deadline, signature))
        .to.emit(consent, "ConsentGranted")
        .withArgs(
          grantId,
          ids.patientA,
          ids.pharmacy,
          PURPOSES.treatment,
          SCOPES.recordType,
          RECORD_TYPES.prescription,
          request().expiresAt,
          1,
          hre.ethers.ZeroHash,
        );
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(balance);
    });

    it("refuses a replay, a reused or cancelled nonce, a passed deadline, another chain, another contract, another signer, a changed request", async function () {
      const { consent, patientA, patientB, pharmacy, request, sign, idOf, byA, ids, chainId } =
        await loadFixture(consentFixture);
      const asPharmacy = consent.connect(pharmacy);
      const now = await time.latest();
      const deadline = BigInt(now + 3600);
      const first = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      const good = await sign(patientA, request(), 0n, deadline);
      await asPharmacy.grantBySig(request(), 0, deadline, good);
      await expect(asPharmacy.grantBySig(request(), 0, deadline, good))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidNonce")
        .withArgs(first, 1, 0);
      const state = await consent.getGrant(first);

      const next = await sign(patientA, request(), 1n, deadline);
      await expect(byA("cancelNonce", [ids.pharmacy, PURPOSES.treatment, SCOPES.recordType, RECORD_TYPES.prescription]))
        .to.emit(consent, "ConsentNonceCancelled")
        .withArgs(first, ids.patientA, 2);
      await expect(asPharmacy.grantBySig(request(), 1, deadline, next))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidNonce")
        .withArgs(first, 2, 1);

      const expired = BigInt(now - 1);
      const expiredSignature = await sign(patientA, request(), 2n, expired);
      const at = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(at);
      await expect(asPharmacy.grantBySig(request(), 2, expired, expiredSignature))
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(expired, at);
      const otherChain = consentDomain(chainId + 1n, await consent.getAddress());
      await expect(
        asPharmacy.grantBySig(request(), 2, deadline, await sign(patientA, request(), 2n, deadline, otherChain)),
      )
        .to.be.revertedWithCustomError(consent, "ConsentInvalidSignature")
        .withArgs(patientA.address);
      const otherContract = consentDomain(chainId, await pharmacy.getAddress());
      await expect(
        asPharmacy.grantBySig(request(), 2, deadline, await sign(patientA, request(), 2n, deadline, otherContract)),
      )
        .to.be.revertedWithCustomError(consent, "ConsentInvalidSignature")
        .withArgs(patientA.address);
      await expect(asPharmacy.grantBySig(request(), 2, deadline, await sign(patientB, request(), 2n, deadline)))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidSignature")
        .withArgs(patientA.address);
      const signed = await sign(patientA, request(), 2n, deadline);
      await expect(
        asPharmacy.grantBySig(request({ expiresAt: (request().expiresAt as bigint) + 1n }), 2, deadline, signed),
      )
        .to.be.revertedWithCustomError(consent, "ConsentInvalidSignature")
        .withArgs(patientA.address);
      const sig = hre.ethers.Signature.from(signed);
      const n = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
      const malleable = hre.ethers.concat([
        sig.r,
        hre.ethers.toBeHex(n - BigInt(sig.s), 32),
        sig.v === 27 ? "0x1c" : "0x1b",
      ]);
      await expect(asPharmacy.grantBySig(request(), 2, deadline, malleable))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidSignature")
        .withArgs(patientA.address);

      const after = await consent.getGrant(first);
      expect([after.patientId, after.expiresAt, after.revoked]).to.deep.equal([
        state.patientId,
        state.expiresAt,
        state.revoked,
      ]);
      expect(after.version).to.equal(2n);
    });

    it("refuses a consent signed by the patient's old key after a rotation with ConsentInvalidSignature, and takes the new key's", async function () {
      const { consent, participants, records, patientA, pharmacy, signers, request, sign, idOf, ids } =
        await loadFixture(consentFixture);
      const newKey = signers[27];
      const deadline = BigInt((await time.latest()) + 3600);
      // Signed while the old key was the patient's, and not yet submitted.
      const stale = await sign(patientA, request(), 0n, deadline);
      await participants.connect(patientA).proposePatientAccount(newKey.address);
      await participants.connect(newKey).acceptPatientAccount(ids.patientA);
      expect(await participants.patientAccount(ids.patientA)).to.equal(newKey.address);

      await expect(consent.connect(pharmacy).grantBySig(request(), 0, deadline, stale))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidSignature")
        .withArgs(newKey.address);
      await expect(
        consent.connect(pharmacy).grantBySig(request(), 0, deadline, await sign(patientA, request(), 0n, deadline)),
      )
        .to.be.revertedWithCustomError(consent, "ConsentInvalidSignature")
        .withArgs(newKey.address);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      expect(await consent.getGrant(grantId)).to.deep.equal(NO_GRANT);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);
      // The old key cannot act through the gateway either.
      await expect(asPatient(participants, patientA, ids.patientA, consent, "grant", [request()]))
        .to.be.revertedWithCustomError(participants, "PatientsNotPatient")
        .withArgs(patientA.address, ids.patientA);

      await consent.connect(pharmacy).grantBySig(request(), 0, deadline, await sign(newKey, request(), 0n, deadline));
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
    });

    it("accepts a smart-contract wallet's consent through ERC-1271", async function () {
      const { consent, participants, records, hospital, pharmacy, patientA, request, sign, deployer } =
        await loadFixture(consentFixture);
      const wallet = await new MockERC1271Wallet__factory(deployer).deploy(patientA.address);
      const walletAddress = await wallet.getAddress();
      await wallet.connect(patientA).call(participants, participants.interface.encodeFunctionData("registerPatient"));
      const walletId = (await participants.patientOf(walletAddress)).patientId;
      expect(walletId).to.equal(3n);
      const now = await time.latest();
      await records.connect(hospital).register({
        patientId: walletId,
        digest: hre.ethers.id("wallet record"),
        recordType: RECORD_TYPES.prescription,
        issuedAt: now - 10,
        uri: "ipfs://wallet",
      });
      const req = request({ patientId: walletId });
      const deadline = BigInt(now + 3600);
      await consent.connect(pharmacy).grantBySig(req, 0, deadline, await sign(patientA, req, 0n, deadline));
      expect(await records.canRead(pharmacy.address, 5, PURPOSES.treatment)).to.equal(true);
    });
  });

  describe("guardians", function () {
    it("lets a guardian with the act power grant, revoke and close emergencies for the patient, named by its commitment, until removed, and not appoint another", async function () {
      const {
        consent,
        participants,
        records,
        patientA,
        guardian,
        pharmacy,
        secondHospital,
        request,
        idOf,
        byGuardian,
        actor,
        ids,
      } = await loadFixture(guardedFixture);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      await expect(byGuardian("grant", [request()]))
        .to.emit(consent, "ConsentGranted")
        .withArgs(
          grantId,
          ids.patientA,
          ids.pharmacy,
          PURPOSES.treatment,
          SCOPES.recordType,
          RECORD_TYPES.prescription,
          request().expiresAt,
          1,
          actor,
        );
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      await expect(byGuardian("revoke", [grantId]))
        .to.emit(consent, "ConsentRevoked")
        .withArgs(grantId, ids.patientA, actor);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);

      await consent.connect(secondHospital).openEmergency(ids.patientA, reason("unconscious"));
      await expect(byGuardian("closeEmergency", [ids.secondHospital, true]))
        .to.emit(consent, "EmergencyAccessClosed")
        .withArgs(ids.patientA, ids.secondHospital, actor)
        .and.to.emit(consent, "EmergencyBlockSet")
        .withArgs(ids.patientA, ids.secondHospital, true, actor);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
      await expect(byGuardian("setEmergencyBlock", [ids.secondHospital, false]))
        .to.emit(consent, "EmergencyBlockSet")
        .withArgs(ids.patientA, ids.secondHospital, false, actor);

      // A guardian acts for the patient on the services, but never manages the patient's identity.
      const other = guardianCommitment(ids.patientA, guardian.address, salt("another"));
      await expect(
        asGuardian(participants, guardian, ids.patientA, GUARDIAN_SALT, participants, "setGuardian", [other, ACT]),
      )
        .to.be.revertedWithCustomError(participants, "PatientsGuardianCannotManage")
        .withArgs(ids.patientA, actor);
      expect((await participants.guardian(ids.patientA, other)).index).to.equal(0n);

      await participants.connect(patientA).setGuardian(actor, 0);
      await expect(byGuardian("grant", [request()]))
        .to.be.revertedWithCustomError(participants, "PatientsNotGuardian")
        .withArgs(ids.patientA, actor);
      expect(await consent.isLive(grantId)).to.equal(false);
    });

    it("refuses a guardian with only the recovery power with PatientsGuardianLacksPower, and changes nothing", async function () {
      const {
        consent,
        participants,
        records,
        secondHospital,
        pharmacy,
        request,
        idOf,
        byA,
        byRecoverer,
        recovererActor,
        emergencyId,
        stateOf,
        ids,
      } = await loadFixture(guardedFixture);
      await byA("grant", [request()]);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      await consent.connect(secondHospital).openEmergency(ids.patientA, reason("unconscious"));
      const entry = await emergencyId(ids.patientA, ids.secondHospital);
      const [grantBefore, entryBefore, stateBefore] = [
        await consent.getGrant(grantId),
        await consent.getGrant(entry),
        await stateOf(ids.patientA, ids.secondHospital),
      ];
      const calls: [string, unknown[]][] = [
        ["grant", [request({ purpose: PURPOSES.research })]],
        ["revoke", [grantId]],
        ["cancelNonce", [ids.pharmacy, PURPOSES.treatment, SCOPES.recordType, RECORD_TYPES.prescription]],
        ["closeEmergency", [ids.secondHospital, true]],
        ["setEmergencyBlock", [ids.secondHospital, true]],
      ];
      for (const [fn, args] of calls) {
        await expect(byRecoverer(fn, args))
          .to.be.revertedWithCustomError(participants, "PatientsGuardianLacksPower")
          .withArgs(ids.patientA, recovererActor, ACT);
      }
      expect(await consent.getGrant(grantId)).to.deep.equal(grantBefore);
      expect(await consent.getGrant(entry)).to.deep.equal(entryBefore);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.research)).to.equal(false);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(true);
    });
  });

  describe("emergency access (break-glass)", function () {
    it("lets an active hospital open it loudly for the window; the patient closes it at once", async function () {
      const { consent, records, secondHospital, byA, ids } = await loadFixture(consentFixture);
      const window = await consent.emergencyWindow();
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      await expect(consent.connect(secondHospital).openEmergency(ids.patientA, reason("unconscious")))
        .to.emit(consent, "EmergencyAccessOpened")
        .withArgs(
          ids.patientA,
          ids.secondHospital,
          reason("unconscious"),
          BigInt(at) + window,
          BigInt(at) + JUSTIFICATION_WINDOW,
          1,
          1,
        );
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(1n);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.research)).to.equal(false);
      await expect(byA("closeEmergency", [ids.secondHospital, false]))
        .to.emit(consent, "EmergencyAccessClosed")
        .withArgs(ids.patientA, ids.secondHospital, hre.ethers.ZeroHash);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
      await consent.connect(secondHospital).openEmergency(ids.patientA, reason("relapse"));
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(2n);
    });

    it("ends by itself after the window", async function () {
      const { consent, records, secondHospital, ids } = await loadFixture(consentFixture);
      await consent.connect(secondHospital).openEmergency(ids.patientA, reason("unconscious"));
      await time.increase(await consent.emergencyWindow());
      await time.increase(1);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
      await expect(consent.connect(secondHospital).logAccess(1, PURPOSES.treatment))
        .to.be.revertedWithCustomError(consent, "ConsentNoLiveRight")
        .withArgs(secondHospital.address, 1, PURPOSES.treatment);
    });

    it("refuses a non-hospital, a second opening while open, and closing what is not open", async function () {
      const { consent, participants, records, pharmacy, secondHospital, byA, byB, emergencyId, ids } =
        await loadFixture(consentFixture);
      await expect(consent.connect(pharmacy).openEmergency(ids.patientA, reason("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(pharmacy.address, KINDS.pharmacy, HOSPITALS);
      await expect(byA("closeEmergency", [ids.secondHospital, false]))
        .to.be.revertedWithCustomError(consent, "ConsentNoOpenEmergency")
        .withArgs(ids.patientA, ids.secondHospital);
      await consent.connect(secondHospital).openEmergency(ids.patientA, reason("x"));
      const [, expiresAt] = await consent.getGrant(await emergencyId(ids.patientA, ids.secondHospital));
      await expect(consent.connect(secondHospital).openEmergency(ids.patientA, reason("y")))
        .to.be.revertedWithCustomError(consent, "ConsentEmergencyAlreadyOpen")
        .withArgs(ids.patientA, ids.secondHospital, expiresAt);
      // Another patient can only ever close its own entries: patient B has none open.
      await expect(byB("closeEmergency", [ids.secondHospital, true]))
        .to.be.revertedWithCustomError(consent, "ConsentNoOpenEmergency")
        .withArgs(ids.patientB, ids.secondHospital);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(true);
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(1n);
    });

    it("lets governance change the window, within bounds, after the delay", async function () {
      const { consent, manager, deployer, hospital } = await loadFixture(consentFixture);
      await expect(consent.connect(hospital).setEmergencyWindow(3600)).to.be.revertedWithCustomError(
        consent,
        "AccessManagedUnauthorized",
      );
      const set = (seconds: number) => consent.interface.encodeFunctionData("setEmergencyWindow", [seconds]);
      await expect(governorCall(manager, deployer, consent, set(12 * 3600)))
        .to.emit(consent, "EmergencyWindowSet")
        .withArgs(12 * 3600);
      expect(await consent.emergencyWindow()).to.equal(12n * 3600n);
      for (const bad of [59 * 60, 8 * DAY]) {
        await expect(governorCall(manager, deployer, consent, set(bad)))
          .to.be.revertedWithCustomError(consent, "ConsentInvalidEmergencyWindow")
          .withArgs(bad);
      }
    });
  });

  describe("bounded break-glass: what an attacker cannot do", function () {
    it("refuses a hospital the patient blocked when closing its access with ConsentEmergencyBlocked, even after the period", async function () {
      const { consent, records, secondHospital, byA, emergencyId, stateOf, ids } = await loadFixture(openedFixture);
      await expect(byA("closeEmergency", [ids.secondHospital, true]))
        .to.emit(consent, "EmergencyAccessClosed")
        .withArgs(ids.patientA, ids.secondHospital, hre.ethers.ZeroHash)
        .and.to.emit(consent, "EmergencyBlockSet")
        .withArgs(ids.patientA, ids.secondHospital, true, hre.ethers.ZeroHash);
      const entry = await emergencyId(ids.patientA, ids.secondHospital);
      const [entryBefore, stateBefore] = [
        await consent.getGrant(entry),
        await stateOf(ids.patientA, ids.secondHospital),
      ];
      expect(stateBefore[2]).to.equal(true);
      await expect(consent.connect(secondHospital).openEmergency(ids.patientA, reason("again")))
        .to.be.revertedWithCustomError(consent, "ConsentEmergencyBlocked")
        .withArgs(ids.patientA, ids.secondHospital);
      // A block does not lapse with the counting period.
      await time.increase(EMERGENCY_PERIOD + 1n);
      await expect(consent.connect(secondHospital).openEmergency(ids.patientA, reason("again")))
        .to.be.revertedWithCustomError(consent, "ConsentEmergencyBlocked")
        .withArgs(ids.patientA, ids.secondHospital);
      expect(await consent.getGrant(entry)).to.deep.equal(entryBefore);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(1n);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
    });

    it("refuses a hospital the patient blocked in advance with ConsentEmergencyBlocked", async function () {
      const { consent, records, secondHospital, byA, stateOf, ids } = await loadFixture(consentFixture);
      await expect(byA("setEmergencyBlock", [ids.secondHospital, true]))
        .to.emit(consent, "EmergencyBlockSet")
        .withArgs(ids.patientA, ids.secondHospital, true, hre.ethers.ZeroHash);
      await expect(consent.connect(secondHospital).openEmergency(ids.patientA, reason("unconscious")))
        .to.be.revertedWithCustomError(consent, "ConsentEmergencyBlocked")
        .withArgs(ids.patientA, ids.secondHospital);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal([0n, 0n, true, 0n]);
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(0n);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
    });

    it("refuses a blocked hospital lifting its own block: directly it is not the gateway, through it it is not the patient", async function () {
      const { consent, participants, secondHospital, byA, byB, stateOf, ids } = await loadFixture(consentFixture);
      await byA("setEmergencyBlock", [ids.secondHospital, true]);
      const stateBefore = await stateOf(ids.patientA, ids.secondHospital);
      await expect(consent.connect(secondHospital).setEmergencyBlock(ids.secondHospital, false))
        .to.be.revertedWithCustomError(participants, "PatientsNotThroughGateway")
        .withArgs(secondHospital.address);
      await expect(
        asPatient(participants, secondHospital, ids.patientA, consent, "setEmergencyBlock", [
          ids.secondHospital,
          false,
        ]),
      )
        .to.be.revertedWithCustomError(participants, "PatientsNotPatient")
        .withArgs(secondHospital.address, ids.patientA);
      // Another patient's unblock is about that patient only.
      await byB("setEmergencyBlock", [ids.secondHospital, false]);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      await expect(consent.connect(secondHospital).openEmergency(ids.patientA, reason("unconscious")))
        .to.be.revertedWithCustomError(consent, "ConsentEmergencyBlocked")
        .withArgs(ids.patientA, ids.secondHospital);
    });

    it("refuses a third opening by the same hospital for the same patient within the period with ConsentEmergencyCapReached", async function () {
      const { consent, records, secondHospital, byA, emergencyId, stateOf, ids, openedAt } =
        await loadFixture(openedFixture);
      const asSecond = consent.connect(secondHospital);
      await byA("closeEmergency", [ids.secondHospital, false]);
      await asSecond.openEmergency(ids.patientA, reason("relapse"));
      await byA("closeEmergency", [ids.secondHospital, false]);
      const entry = await emergencyId(ids.patientA, ids.secondHospital);
      const [entryBefore, stateBefore] = [
        await consent.getGrant(entry),
        await stateOf(ids.patientA, ids.secondHospital),
      ];
      expect(stateBefore.slice(0, 2)).to.deep.equal([openedAt, 2n]);
      const periodEndsAt = openedAt + EMERGENCY_PERIOD;
      await expect(asSecond.openEmergency(ids.patientA, reason("third")))
        .to.be.revertedWithCustomError(consent, "ConsentEmergencyCapReached")
        .withArgs(ids.patientA, ids.secondHospital, periodEndsAt);
      // Still refused at the period's last second.
      await time.setNextBlockTimestamp(periodEndsAt - 1n);
      await expect(asSecond.openEmergency(ids.patientA, reason("third")))
        .to.be.revertedWithCustomError(consent, "ConsentEmergencyCapReached")
        .withArgs(ids.patientA, ids.secondHospital, periodEndsAt);
      expect(await consent.getGrant(entry)).to.deep.equal(entryBefore);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(2n);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
    });

    it("refuses an opening for an unknown patient id with ConsentUnknownPatient", async function () {
      const { consent, participants, secondHospital, emergencyId, ids } = await loadFixture(consentFixture);
      const next = (await participants.patientCount()) + 1n;
      for (const unknown of [0n, next]) {
        await expect(consent.connect(secondHospital).openEmergency(unknown, reason("unconscious")))
          .to.be.revertedWithCustomError(consent, "ConsentUnknownPatient")
          .withArgs(unknown);
        expect(await consent.getGrant(await emergencyId(unknown, ids.secondHospital))).to.deep.equal(NO_GRANT);
      }
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(0n);
    });

    it("refuses a justification after the deadline with ConsentJustificationLate", async function () {
      const { consent, secondHospital, stateOf, ids, justifyBy } = await loadFixture(openedFixture);
      const stateBefore = await stateOf(ids.patientA, ids.secondHospital);
      expect(stateBefore[3]).to.equal(justifyBy);
      await time.setNextBlockTimestamp(justifyBy + 1n);
      await expect(consent.connect(secondHospital).justifyEmergency(ids.patientA, note("late")))
        .to.be.revertedWithCustomError(consent, "ConsentJustificationLate")
        .withArgs(ids.patientA, ids.secondHospital, justifyBy);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      expect(await consent.queryFilter(consent.filters.EmergencyJustified())).to.have.length(0);
    });

    it("refuses to flag a missed justification before the deadline with ConsentJustificationNotDue", async function () {
      const { consent, stranger, stateOf, ids, justifyBy } = await loadFixture(openedFixture);
      const stateBefore = await stateOf(ids.patientA, ids.secondHospital);
      await time.setNextBlockTimestamp(justifyBy);
      await expect(consent.connect(stranger).flagMissedJustification(ids.patientA, ids.secondHospital))
        .to.be.revertedWithCustomError(consent, "ConsentJustificationNotDue")
        .withArgs(ids.patientA, ids.secondHospital, justifyBy);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      expect(await consent.missedJustifications(ids.secondHospital)).to.equal(0n);
    });

    it("refuses to flag the same missed justification twice, or one never owed, with ConsentNothingToJustify", async function () {
      const { consent, stranger, stateOf, ids, justifyBy } = await loadFixture(openedFixture);
      await expect(consent.connect(stranger).flagMissedJustification(ids.patientA, ids.hospital))
        .to.be.revertedWithCustomError(consent, "ConsentNothingToJustify")
        .withArgs(ids.patientA, ids.hospital);
      await time.increaseTo(justifyBy + 1n);
      await consent.connect(stranger).flagMissedJustification(ids.patientA, ids.secondHospital);
      const stateBefore = await stateOf(ids.patientA, ids.secondHospital);
      await expect(consent.connect(stranger).flagMissedJustification(ids.patientA, ids.secondHospital))
        .to.be.revertedWithCustomError(consent, "ConsentNothingToJustify")
        .withArgs(ids.patientA, ids.secondHospital);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      expect(await consent.missedJustifications(ids.secondHospital)).to.equal(1n);
      expect(await consent.missedJustifications(ids.hospital)).to.equal(0n);
    });

    it("refuses a justification by a hospital that owes none with ConsentNothingToJustify: it cannot clear another hospital's", async function () {
      const { consent, hospital, stranger, stateOf, ids, justifyBy } = await loadFixture(openedFixture);
      const stateBefore = await stateOf(ids.patientA, ids.secondHospital);
      await expect(consent.connect(hospital).justifyEmergency(ids.patientA, note("cover-up")))
        .to.be.revertedWithCustomError(consent, "ConsentNothingToJustify")
        .withArgs(ids.patientA, ids.hospital);
      // An address that is no institution answers as institution 0, which owes nothing.
      await expect(consent.connect(stranger).justifyEmergency(ids.patientA, note("cover-up")))
        .to.be.revertedWithCustomError(consent, "ConsentNothingToJustify")
        .withArgs(ids.patientA, 0);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
      expect(stateBefore[3]).to.equal(justifyBy);
    });

    it("refuses an empty justification with ConsentEmptyJustification", async function () {
      const { consent, secondHospital, stateOf, ids } = await loadFixture(openedFixture);
      const stateBefore = await stateOf(ids.patientA, ids.secondHospital);
      await expect(
        consent.connect(secondHospital).justifyEmergency(ids.patientA, hre.ethers.ZeroHash),
      ).to.be.revertedWithCustomError(consent, "ConsentEmptyJustification");
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal(stateBefore);
    });
  });

  describe("bounded break-glass: what the patient and the regulator get", function () {
    it("closes a hospital's open access at once when the patient blocks it", async function () {
      const { consent, records, secondHospital, byA, emergencyId, ids } = await loadFixture(openedFixture);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(true);
      await expect(byA("setEmergencyBlock", [ids.secondHospital, true]))
        .to.emit(consent, "EmergencyAccessClosed")
        .withArgs(ids.patientA, ids.secondHospital, hre.ethers.ZeroHash)
        .and.to.emit(consent, "EmergencyBlockSet")
        .withArgs(ids.patientA, ids.secondHospital, true, hre.ethers.ZeroHash);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
      expect(await consent.isLive(await emergencyId(ids.patientA, ids.secondHospital))).to.equal(false);
      await expect(consent.connect(secondHospital).logAccess(1, PURPOSES.treatment))
        .to.be.revertedWithCustomError(consent, "ConsentNoLiveRight")
        .withArgs(secondHospital.address, 1, PURPOSES.treatment);
    });

    it("lets a hospital open again once the patient unblocks it", async function () {
      const { consent, records, secondHospital, byA, ids } = await loadFixture(openedFixture);
      await byA("closeEmergency", [ids.secondHospital, true]);
      await expect(byA("setEmergencyBlock", [ids.secondHospital, false]))
        .to.emit(consent, "EmergencyBlockSet")
        .withArgs(ids.patientA, ids.secondHospital, false, hre.ethers.ZeroHash);
      await expect(consent.connect(secondHospital).openEmergency(ids.patientA, reason("relapse"))).to.emit(
        consent,
        "EmergencyAccessOpened",
      );
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(true);
      expect((await consent.emergencyState(ids.patientA, ids.secondHospital)).openings).to.equal(2n);
    });

    it("counts the cap per hospital and per patient: a capped hospital does not hold back another, nor its access to another patient", async function () {
      const { consent, records, hospital, secondHospital, byA, ids } = await loadFixture(openedFixture);
      await byA("closeEmergency", [ids.secondHospital, false]);
      await consent.connect(secondHospital).openEmergency(ids.patientA, reason("relapse"));
      await byA("closeEmergency", [ids.secondHospital, false]);
      await expect(consent.connect(hospital).openEmergency(ids.patientA, reason("unconscious")))
        .to.emit(consent, "EmergencyAccessOpened")
        .withArgs(ids.patientA, ids.hospital, reason("unconscious"), anyUint, anyUint, 1, 1);
      await expect(consent.connect(secondHospital).openEmergency(ids.patientB, reason("unconscious")))
        .to.emit(consent, "EmergencyAccessOpened")
        .withArgs(ids.patientB, ids.secondHospital, reason("unconscious"), anyUint, anyUint, 1, 3);
      expect(await records.canRead(secondHospital.address, 4, PURPOSES.treatment)).to.equal(true);
      expect((await consent.emergencyState(ids.patientA, ids.secondHospital)).openings).to.equal(2n);
    });

    it("lets the capped hospital open again once the period has ended, in a new period", async function () {
      const { consent, records, secondHospital, byA, stateOf, ids, openedAt } = await loadFixture(openedFixture);
      const asSecond = consent.connect(secondHospital);
      await byA("closeEmergency", [ids.secondHospital, false]);
      await asSecond.openEmergency(ids.patientA, reason("relapse"));
      await byA("closeEmergency", [ids.secondHospital, false]);
      await asSecond.justifyEmergency(ids.patientA, note("two openings"));
      const periodEndsAt = openedAt + EMERGENCY_PERIOD;
      await time.setNextBlockTimestamp(periodEndsAt);
      await expect(asSecond.openEmergency(ids.patientA, reason("third")))
        .to.emit(consent, "EmergencyAccessOpened")
        .withArgs(
          ids.patientA,
          ids.secondHospital,
          reason("third"),
          periodEndsAt + (await consent.emergencyWindow()),
          periodEndsAt + JUSTIFICATION_WINDOW,
          1,
          3,
        );
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal([
        periodEndsAt,
        1n,
        false,
        periodEndsAt + JUSTIFICATION_WINDOW,
      ]);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(true);
    });

    it("clears the justification owed when the hospital justifies within three days", async function () {
      const { consent, secondHospital, stateOf, ids, openedAt, justifyBy } = await loadFixture(openedFixture);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal([openedAt, 1n, false, justifyBy]);
      await time.setNextBlockTimestamp(justifyBy);
      await expect(consent.connect(secondHospital).justifyEmergency(ids.patientA, note("cardiac arrest")))
        .to.emit(consent, "EmergencyJustified")
        .withArgs(ids.patientA, ids.secondHospital, note("cardiac arrest"));
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal([openedAt, 1n, false, 0n]);
      await expect(consent.connect(secondHospital).justifyEmergency(ids.patientA, note("again")))
        .to.be.revertedWithCustomError(consent, "ConsentNothingToJustify")
        .withArgs(ids.patientA, ids.secondHospital);
      await time.increase(JUSTIFICATION_WINDOW);
      await expect(consent.flagMissedJustification(ids.patientA, ids.secondHospital))
        .to.be.revertedWithCustomError(consent, "ConsentNothingToJustify")
        .withArgs(ids.patientA, ids.secondHospital);
      expect(await consent.missedJustifications(ids.secondHospital)).to.equal(0n);
    });

    it("lets anyone flag a missed justification after the deadline, counted publicly against the hospital", async function () {
      const { consent, secondHospital, stranger, stateOf, ids, openedAt, justifyBy } = await loadFixture(openedFixture);
      await time.setNextBlockTimestamp(justifyBy + 1n);
      await expect(consent.connect(stranger).flagMissedJustification(ids.patientA, ids.secondHospital))
        .to.emit(consent, "EmergencyJustificationMissed")
        .withArgs(ids.patientA, ids.secondHospital, justifyBy, 1);
      expect(await consent.missedJustifications(ids.secondHospital)).to.equal(1n);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal([openedAt, 1n, false, 0n]);
      // The count runs on: a second missed justification, for another patient, is the hospital's second.
      await consent.connect(secondHospital).openEmergency(ids.patientB, reason("unconscious"));
      await time.increase(JUSTIFICATION_WINDOW + 1n);
      await expect(consent.connect(stranger).flagMissedJustification(ids.patientB, ids.secondHospital))
        .to.emit(consent, "EmergencyJustificationMissed")
        .withArgs(ids.patientB, ids.secondHospital, anyUint, 2);
      expect(await consent.missedJustifications(ids.secondHospital)).to.equal(2n);
    });

    it("lets a hospital suspended since it opened still justify", async function () {
      const { consent, participants, registrar, secondHospital, stateOf, ids } = await loadFixture(openedFixture);
      await participants.connect(registrar).suspend(ids.secondHospital, reason("audit"));
      await expect(consent.connect(secondHospital).openEmergency(ids.patientB, reason("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(secondHospital.address, Status.Suspended);
      await expect(consent.connect(secondHospital).justifyEmergency(ids.patientA, note("stroke")))
        .to.emit(consent, "EmergencyJustified")
        .withArgs(ids.patientA, ids.secondHospital, note("stroke"));
      expect((await stateOf(ids.patientA, ids.secondHospital))[3]).to.equal(0n);
    });

    it("flags an overdue justification automatically at the hospital's next opening", async function () {
      const { consent, secondHospital, byA, stateOf, ids, openedAt, justifyBy } = await loadFixture(openedFixture);
      await byA("closeEmergency", [ids.secondHospital, false]);
      const at = justifyBy + 1n;
      await time.setNextBlockTimestamp(at);
      await expect(consent.connect(secondHospital).openEmergency(ids.patientA, reason("relapse")))
        .to.emit(consent, "EmergencyJustificationMissed")
        .withArgs(ids.patientA, ids.secondHospital, justifyBy, 1)
        .and.to.emit(consent, "EmergencyAccessOpened")
        .withArgs(
          ids.patientA,
          ids.secondHospital,
          reason("relapse"),
          at + (await consent.emergencyWindow()),
          at + JUSTIFICATION_WINDOW,
          2,
          2,
        );
      expect(await consent.missedJustifications(ids.secondHospital)).to.equal(1n);
      expect(await stateOf(ids.patientA, ids.secondHospital)).to.deep.equal([
        openedAt,
        2n,
        false,
        at + JUSTIFICATION_WINDOW,
      ]);
    });

    it("notifies the patient: the opening is logged under the patient's id", async function () {
      const { consent, secondHospital, ids } = await loadFixture(consentFixture);
      await consent.connect(secondHospital).openEmergency(ids.patientA, reason("unconscious"));
      const topicOf = (patientId: bigint) => hre.ethers.zeroPadValue(hre.ethers.toBeHex(patientId), 32);
      const opened = consent.interface.getEvent("EmergencyAccessOpened").topicHash;
      // What a patient's app asks the node: this contract's openings whose first indexed topic is its id.
      const logs = await hre.ethers.provider.getLogs({
        address: await consent.getAddress(),
        topics: [opened, topicOf(ids.patientA)],
        fromBlock: 0,
      });
      expect(logs).to.have.length(1);
      const event = consent.interface.parseLog(logs[0])!;
      expect([event.args.patientId, event.args.hospitalId, event.args.reasonCode]).to.deep.equal([
        ids.patientA,
        ids.secondHospital,
        reason("unconscious"),
      ]);
      const forB = await hre.ethers.provider.getLogs({
        address: await consent.getAddress(),
        topics: [opened, topicOf(ids.patientB)],
        fromBlock: 0,
      });
      expect(forB).to.have.length(0);
      expect(await consent.queryFilter(consent.filters.EmergencyAccessOpened(ids.patientA))).to.have.length(1);
    });
  });

  describe("access trail", function () {
    it("records a read under a live grant, in an event naming the grant", async function () {
      const { consent, pharmacy, ids, grantId } = await loadFixture(grantedFixture);
      await expect(consent.connect(pharmacy).logAccess(2, PURPOSES.treatment))
        .to.emit(consent, "AccessLogged")
        .withArgs(ids.patientA, 2, ids.pharmacy, PURPOSES.treatment, grantId);
    });

    it("refuses to log a read outside the grant's scope or purpose, by a non-institution or a suspended one, or of no record", async function () {
      const { consent, records, participants, registrar, pharmacy, stranger, ids } = await loadFixture(grantedFixture);
      const asPharmacy = consent.connect(pharmacy);
      await expect(asPharmacy.logAccess(1, PURPOSES.treatment))
        .to.be.revertedWithCustomError(consent, "ConsentNoLiveRight")
        .withArgs(pharmacy.address, 1, PURPOSES.treatment);
      await expect(asPharmacy.logAccess(2, PURPOSES.research))
        .to.be.revertedWithCustomError(consent, "ConsentNoLiveRight")
        .withArgs(pharmacy.address, 2, PURPOSES.research);
      await expect(asPharmacy.logAccessBatch([2, 3, 1], PURPOSES.treatment))
        .to.be.revertedWithCustomError(consent, "ConsentNoLiveRight")
        .withArgs(pharmacy.address, 1, PURPOSES.treatment);
      await expect(asPharmacy.logAccess(99, PURPOSES.treatment))
        .to.be.revertedWithCustomError(records, "RecordsUnknownRecord")
        .withArgs(99);
      await expect(consent.connect(stranger).logAccess(2, PURPOSES.treatment))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(stranger.address, Status.None);
      await participants.connect(registrar).suspend(ids.pharmacy, reason("audit"));
      await expect(asPharmacy.logAccess(2, PURPOSES.treatment))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(pharmacy.address, Status.Suspended);
      expect(await consent.queryFilter(consent.filters.AccessLogged())).to.have.length(0);
    });

    it("logs a batch of reads and lets the patient list who accessed what and when, page by page", async function () {
      const suite = await loadFixture(grantedFixture);
      const { consent, pharmacy, insurer, patientA, request, byA, ids } = suite;
      await byA("grant", [
        request({
          grantee: insurer.address,
          purpose: PURPOSES["insurance-claim"],
          scopeKind: SCOPES.allRecords,
          scope: [],
        }),
      ]);
      await consent.connect(pharmacy).logAccessBatch([2, 3], PURPOSES.treatment);
      await consent.connect(insurer).logAccess(1, PURPOSES["insurance-claim"]);
      // The patient's dApp rebuilds the trail through the SDK, from the events indexed by the patient's id.
      const sdk = await MIIP.connect(patientA, await deploymentOf(suite, 0));
      const patient = ids.patientA;
      const { entries, total } = await sdk.history.accessTrail(patient, { limit: 2 });
      expect(total).to.equal(3);
      expect(entries.map((e) => [e.args.recordId, e.args.readerId, e.args.purpose])).to.deep.equal([
        [2n, ids.pharmacy, BigInt(PURPOSES.treatment)],
        [3n, ids.pharmacy, BigInt(PURPOSES.treatment)],
      ]);
      const rest = await sdk.history.accessTrail(patient, { offset: 2, limit: 2 });
      expect(rest.entries.map((e) => [e.args.recordId, e.args.readerId])).to.deep.equal([[1n, ids.insurer]]);
      expect(rest.entries[0].timestamp).to.equal(await time.latest());
      expect((await sdk.history.accessTrail(patient, { offset: 3 })).entries).to.deep.equal([]);
    });
  });
});
