import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { CONSENT_TYPES, SCOPES, consentDomain } from "../../config/eip712";
import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import { deploymentOf } from "../../scripts/lib/deploy";
import { MIIP } from "../../sdk";
import { MockERC1271Wallet__factory } from "../../typechain-types";
import type { IConsentManager } from "../../typechain-types/contracts/consent/ConsentManager";
import { onboardedFixture } from "../helpers/fixtures";
import { governorCall } from "../helpers/governance";

const DAY = 86_400;
const Status = { None: 0, Active: 1, Suspended: 2 } as const;
/** IConsentManager.ScopeKind.Emergency: break-glass entries, opened by hospitals, never granted. */
const EMERGENCY = 3;
const reason = (text: string) => hre.ethers.encodeBytes32String(text);

describe("ConsentManager", function () {
  async function consentFixture() {
    const suite = await onboardedFixture();
    const { records, hospital, patientA, patientB } = suite;
    const now = await time.latest();
    let n = 0;
    const input = (patient: HardhatEthersSigner, recordType: number) => {
      n += 1;
      return {
        patient: patient.address,
        digest: hre.ethers.id(`doc ${n}`),
        recordType,
        issuedAt: now - 3600,
        uri: `ipfs://doc${n}`,
      };
    };
    // Patient A: 1 lab result, 2 prescription, 3 prescription; patient B: 4 diagnosis.
    await records
      .connect(hospital)
      .registerBatch([
        input(patientA, RECORD_TYPES["lab-result"]),
        input(patientA, RECORD_TYPES.prescription),
        input(patientA, RECORD_TYPES.prescription),
        input(patientB, RECORD_TYPES.diagnosis),
      ]);
    const expiresAt = BigInt(now + 30 * DAY);
    const request = (
      overrides: Partial<IConsentManager.GrantRequestStruct> = {},
    ): IConsentManager.GrantRequestStruct => ({
      patient: patientA.address,
      grantee: suite.pharmacy.address,
      purpose: PURPOSES.treatment,
      scopeKind: SCOPES.recordType,
      scope: [RECORD_TYPES.prescription],
      expiresAt,
      ...overrides,
    });
    const chainId = (await hre.ethers.provider.getNetwork()).chainId;
    const consentAddress = await suite.consent.getAddress();
    const sign = async (
      signer: HardhatEthersSigner,
      req: IConsentManager.GrantRequestStruct,
      nonce: bigint,
      deadline: bigint,
      domain = consentDomain(chainId, consentAddress),
    ) =>
      signer.signTypedData(domain, CONSENT_TYPES, {
        patient: req.patient,
        grantee: req.grantee,
        purpose: req.purpose,
        scopeKind: req.scopeKind,
        scope: req.scope,
        expiresAt: req.expiresAt,
        nonce,
        deadline,
      });
    const idOf = (req: IConsentManager.GrantRequestStruct, granteeId: bigint, ref: bigint | number = 0) =>
      suite.consent.grantIdOf(req.patient as string, granteeId, req.purpose, req.scopeKind, ref);
    return { ...suite, request, sign, idOf, expiresAt, chainId };
  }

  async function grantedFixture() {
    const suite = await consentFixture();
    await suite.consent.connect(suite.patientA).grant(suite.request());
    const grantId = await suite.idOf(suite.request(), suite.ids.pharmacy, RECORD_TYPES.prescription);
    return { ...suite, grantId };
  }

  describe("grants", function () {
    it("lets a patient grant an institution one purpose over chosen record types", async function () {
      const { consent, records, patientA, pharmacy, request, idOf, ids, expiresAt } = await loadFixture(consentFixture);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      await expect(consent.connect(patientA).grant(request()))
        .to.emit(consent, "ConsentGranted")
        .withArgs(
          grantId,
          patientA.address,
          ids.pharmacy,
          PURPOSES.treatment,
          SCOPES.recordType,
          RECORD_TYPES.prescription,
          expiresAt,
          1,
          patientA.address,
        );
      expect(await consent.isLive(grantId)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 3, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 1, PURPOSES.treatment)).to.equal(false);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.research)).to.equal(false);
      expect(await records.canRead(pharmacy.address, 4, PURPOSES.treatment)).to.equal(false);
    });

    it("covers all of a patient's records, or chosen records, and only the patient's", async function () {
      const { consent, records, patientA, insurer, pharmacy, request } = await loadFixture(consentFixture);
      await consent.connect(patientA).grant(
        request({
          grantee: insurer.address,
          purpose: PURPOSES["insurance-claim"],
          scopeKind: SCOPES.allRecords,
          scope: [],
        }),
      );
      for (const id of [1, 2, 3])
        expect(await records.canRead(insurer.address, id, PURPOSES["insurance-claim"])).to.equal(true);
      expect(await records.canRead(insurer.address, 4, PURPOSES["insurance-claim"])).to.equal(false);

      await consent
        .connect(patientA)
        .grant(request({ purpose: PURPOSES.research, scopeKind: SCOPES.record, scope: [1, 3] }));
      expect(await records.canRead(pharmacy.address, 1, PURPOSES.research)).to.equal(true);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.research)).to.equal(false);
      expect(await records.canRead(pharmacy.address, 3, PURPOSES.research)).to.equal(true);
    });

    it("keeps grants for different purposes side by side", async function () {
      const { consent, records, patientA, pharmacy, request, grantId } = await loadFixture(grantedFixture);
      await consent.connect(patientA).grant(request({ purpose: PURPOSES.research }));
      await consent.connect(patientA).revoke(grantId);
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
      const { consent, participants, registrar, patientA, patientB, stranger, pharmacy, request, idOf, ids } =
        await loadFixture(consentFixture);
      const asPatient = consent.connect(patientA);
      const now = await time.latest();
      await expect(asPatient.grant(request({ grantee: stranger.address })))
        .to.be.revertedWithCustomError(consent, "ConsentGranteeNotActive")
        .withArgs(stranger.address, Status.None);
      const at = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(at);
      await expect(asPatient.grant(request({ expiresAt: at })))
        .to.be.revertedWithCustomError(consent, "ConsentExpiryNotInFuture")
        .withArgs(at, at);
      await expect(asPatient.grant(request({ scope: [] })))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidScopeSize")
        .withArgs(SCOPES.recordType);
      await expect(asPatient.grant(request({ scopeKind: SCOPES.allRecords })))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidScopeSize")
        .withArgs(SCOPES.allRecords);
      await expect(asPatient.grant(request({ scope: [0] })))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidRecordType")
        .withArgs(0);
      await expect(asPatient.grant(request({ scopeKind: SCOPES.record, scope: [2, 4] })))
        .to.be.revertedWithCustomError(consent, "ConsentRecordNotPatients")
        .withArgs(4, patientA.address);
      // A purpose outside IRecordRegistry.Purpose is no purpose: the ABI decoder refuses it, as any enum.
      await expect(asPatient.grant(request({ purpose: 4 }))).to.be.revertedWithoutReason();
      await expect(asPatient.grant(request({ scopeKind: EMERGENCY, scope: [] })))
        .to.be.revertedWithCustomError(consent, "ConsentScopeNotGrantable")
        .withArgs(EMERGENCY);
      await expect(consent.connect(patientB).grant(request()))
        .to.be.revertedWithCustomError(consent, "ConsentNotPatientOrGuardian")
        .withArgs(patientB.address, patientA.address);
      await participants.connect(registrar).suspend(ids.pharmacy, reason("audit"));
      await expect(asPatient.grant(request()))
        .to.be.revertedWithCustomError(consent, "ConsentGranteeNotActive")
        .withArgs(pharmacy.address, Status.Suspended);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      expect(await consent.getGrant(grantId)).to.deep.equal([hre.ethers.ZeroAddress, 0n, 0n, false]);
    });
  });

  describe("one error per wrong thing, and nothing changed", function () {
    it("refuses granting an emergency scope with ConsentScopeNotGrantable, by hand or by signature", async function () {
      const { consent, patientA, relayer, request, sign, idOf, ids } = await loadFixture(consentFixture);
      const emergency = request({ scopeKind: EMERGENCY, scope: [] });
      await expect(consent.connect(patientA).grant(emergency))
        .to.be.revertedWithCustomError(consent, "ConsentScopeNotGrantable")
        .withArgs(EMERGENCY);
      const deadline = BigInt((await time.latest()) + 3600);
      await expect(
        consent.connect(relayer).grantBySig(emergency, 0, deadline, await sign(patientA, emergency, 0n, deadline)),
      )
        .to.be.revertedWithCustomError(consent, "ConsentScopeNotGrantable")
        .withArgs(EMERGENCY);
      expect(await consent.getGrant(await idOf(emergency, ids.pharmacy))).to.deep.equal([
        hre.ethers.ZeroAddress,
        0n,
        0n,
        false,
      ]);
      expect(await consent.queryFilter(consent.filters.ConsentGranted())).to.have.length(0);
    });
  });

  describe("revocation", function () {
    it("takes effect in the same block", async function () {
      const { consent, records, patientA, pharmacy, grantId } = await loadFixture(grantedFixture);
      await expect(consent.connect(patientA).revoke(grantId))
        .to.emit(consent, "ConsentRevoked")
        .withArgs(grantId, patientA.address, patientA.address);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);
      const g = await consent.getGrant(grantId);
      expect([g.revoked, g.version]).to.deep.equal([true, 2n]);
    });

    it("refuses to revoke a grant that does not exist, twice, or for someone else", async function () {
      const { consent, patientA, patientB, grantId } = await loadFixture(grantedFixture);
      const unknown = hre.ethers.id("no such grant");
      await expect(consent.connect(patientA).revoke(unknown))
        .to.be.revertedWithCustomError(consent, "ConsentUnknownGrant")
        .withArgs(unknown);
      await expect(consent.connect(patientB).revoke(grantId))
        .to.be.revertedWithCustomError(consent, "ConsentNotPatientOrGuardian")
        .withArgs(patientB.address, patientA.address);
      expect(await consent.isLive(grantId)).to.equal(true);
      await consent.connect(patientA).revoke(grantId);
      const revoked = await consent.getGrant(grantId);
      await expect(consent.connect(patientA).revoke(grantId))
        .to.be.revertedWithCustomError(consent, "ConsentAlreadyRevoked")
        .withArgs(grantId);
      expect(await consent.getGrant(grantId)).to.deep.equal(revoked);
    });

    it("lets the patient grant again after revoking", async function () {
      const { consent, records, patientA, pharmacy, request, grantId } = await loadFixture(grantedFixture);
      await consent.connect(patientA).revoke(grantId);
      await consent.connect(patientA).grant(request());
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
      await expect(consent.connect(pharmacy).grantBySig(request(), 0, deadline, signature))
        .to.emit(consent, "ConsentGranted")
        .withArgs(
          grantId,
          patientA.address,
          ids.pharmacy,
          PURPOSES.treatment,
          SCOPES.recordType,
          RECORD_TYPES.prescription,
          request().expiresAt,
          1,
          pharmacy.address,
        );
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(balance);
    });

    it("refuses a replay, a reused or cancelled nonce, a passed deadline, another chain, another contract, another signer, a changed request", async function () {
      const { consent, patientA, patientB, pharmacy, request, sign, idOf, ids, chainId } =
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
      await consent
        .connect(patientA)
        .cancelNonce(patientA.address, ids.pharmacy, PURPOSES.treatment, SCOPES.recordType, RECORD_TYPES.prescription);
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
      expect([after.patient, after.expiresAt, after.revoked]).to.deep.equal([
        state.patient,
        state.expiresAt,
        state.revoked,
      ]);
      expect(after.version).to.equal(2n);
    });

    it("accepts a smart-contract wallet's consent through ERC-1271", async function () {
      const { consent, records, hospital, pharmacy, patientA, request, sign, deployer } =
        await loadFixture(consentFixture);
      const wallet = await new MockERC1271Wallet__factory(deployer).deploy(patientA.address);
      const walletAddress = await wallet.getAddress();
      const now = await time.latest();
      await records.connect(hospital).register({
        patient: walletAddress,
        digest: hre.ethers.id("wallet record"),
        recordType: RECORD_TYPES.prescription,
        issuedAt: now - 10,
        uri: "ipfs://wallet",
      });
      const req = request({ patient: walletAddress });
      const deadline = BigInt(now + 3600);
      await consent.connect(pharmacy).grantBySig(req, 0, deadline, await sign(patientA, req, 0n, deadline));
      expect(await records.canRead(pharmacy.address, 5, PURPOSES.treatment)).to.equal(true);
    });
  });

  describe("guardians", function () {
    it("lets a guardian grant and revoke for the patient until removed, and not appoint another", async function () {
      const { consent, records, patientA, pharmacy, signers, request, idOf, ids } = await loadFixture(consentFixture);
      const parent = signers[13];
      await expect(consent.connect(patientA).setGuardian(parent.address))
        .to.emit(consent, "GuardianSet")
        .withArgs(patientA.address, parent.address);
      await expect(consent.connect(parent).grant(request()))
        .to.emit(consent, "ConsentGranted")
        .withArgs(
          await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription),
          patientA.address,
          ids.pharmacy,
          PURPOSES.treatment,
          SCOPES.recordType,
          RECORD_TYPES.prescription,
          request().expiresAt,
          1,
          parent.address,
        );
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(true);
      const grantId = await idOf(request(), ids.pharmacy, RECORD_TYPES.prescription);
      await consent.connect(parent).revoke(grantId);
      expect(await records.canRead(pharmacy.address, 2, PURPOSES.treatment)).to.equal(false);

      // The guardian's own setGuardian names the guardian's guardian, never the patient's.
      await consent.connect(parent).setGuardian(signers[14].address);
      expect(await consent.guardianOf(patientA.address)).to.equal(parent.address);
      await expect(consent.connect(signers[14]).grant(request()))
        .to.be.revertedWithCustomError(consent, "ConsentNotPatientOrGuardian")
        .withArgs(signers[14].address, patientA.address);

      await consent.connect(patientA).setGuardian(hre.ethers.ZeroAddress);
      await expect(consent.connect(parent).grant(request()))
        .to.be.revertedWithCustomError(consent, "ConsentNotPatientOrGuardian")
        .withArgs(parent.address, patientA.address);
      expect(await consent.isLive(grantId)).to.equal(false);
    });

    it("refuses a patient as their own guardian", async function () {
      const { consent, patientA } = await loadFixture(consentFixture);
      await expect(consent.connect(patientA).setGuardian(patientA.address))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidGuardian")
        .withArgs(patientA.address);
      expect(await consent.guardianOf(patientA.address)).to.equal(hre.ethers.ZeroAddress);
    });
  });

  describe("emergency access (break-glass)", function () {
    it("lets an active hospital open it loudly for the window; the patient closes it at once", async function () {
      const { consent, records, secondHospital, patientA, ids } = await loadFixture(consentFixture);
      const window = await consent.emergencyWindow();
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      await expect(consent.connect(secondHospital).openEmergency(patientA.address, reason("unconscious")))
        .to.emit(consent, "EmergencyAccessOpened")
        .withArgs(patientA.address, ids.secondHospital, reason("unconscious"), BigInt(at) + window, 1);
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(1n);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(true);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.research)).to.equal(false);
      await expect(consent.connect(patientA).closeEmergency(patientA.address, ids.secondHospital))
        .to.emit(consent, "EmergencyAccessClosed")
        .withArgs(patientA.address, ids.secondHospital, patientA.address);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
      await consent.connect(secondHospital).openEmergency(patientA.address, reason("relapse"));
      expect(await consent.emergencyCount(ids.secondHospital)).to.equal(2n);
    });

    it("ends by itself after the window", async function () {
      const { consent, records, secondHospital, patientA } = await loadFixture(consentFixture);
      await consent.connect(secondHospital).openEmergency(patientA.address, reason("unconscious"));
      await time.increase(await consent.emergencyWindow());
      await time.increase(1);
      expect(await records.canRead(secondHospital.address, 1, PURPOSES.treatment)).to.equal(false);
      await expect(consent.connect(secondHospital).logAccess(1, PURPOSES.treatment))
        .to.be.revertedWithCustomError(consent, "ConsentNoLiveRight")
        .withArgs(secondHospital.address, 1, PURPOSES.treatment);
    });

    it("refuses a non-hospital, a second opening while open, and closing what is not open", async function () {
      const { consent, participants, pharmacy, secondHospital, patientA, patientB, ids } =
        await loadFixture(consentFixture);
      await expect(consent.connect(pharmacy).openEmergency(patientA.address, reason("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsWrongKind")
        .withArgs(pharmacy.address, KINDS.hospital, KINDS.pharmacy);
      await expect(consent.connect(patientA).closeEmergency(patientA.address, ids.secondHospital))
        .to.be.revertedWithCustomError(consent, "ConsentNoOpenEmergency")
        .withArgs(patientA.address, ids.secondHospital);
      await consent.connect(secondHospital).openEmergency(patientA.address, reason("x"));
      const [, expiresAt] = await consent.getGrant(
        await consent.grantIdOf(patientA.address, ids.secondHospital, PURPOSES.treatment, 3, 0),
      );
      await expect(consent.connect(secondHospital).openEmergency(patientA.address, reason("y")))
        .to.be.revertedWithCustomError(consent, "ConsentEmergencyAlreadyOpen")
        .withArgs(patientA.address, ids.secondHospital, expiresAt);
      await expect(consent.connect(patientB).closeEmergency(patientA.address, ids.secondHospital))
        .to.be.revertedWithCustomError(consent, "ConsentNotPatientOrGuardian")
        .withArgs(patientB.address, patientA.address);
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

  describe("access trail", function () {
    it("records a read under a live grant, in an event naming the grant", async function () {
      const { consent, pharmacy, patientA, ids, grantId } = await loadFixture(grantedFixture);
      await expect(consent.connect(pharmacy).logAccess(2, PURPOSES.treatment))
        .to.emit(consent, "AccessLogged")
        .withArgs(patientA.address, 2, ids.pharmacy, PURPOSES.treatment, grantId);
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
        .to.be.revertedWithCustomError(consent, "ConsentInactiveReader")
        .withArgs(stranger.address, Status.None);
      await participants.connect(registrar).suspend(ids.pharmacy, reason("audit"));
      await expect(asPharmacy.logAccess(2, PURPOSES.treatment))
        .to.be.revertedWithCustomError(consent, "ConsentInactiveReader")
        .withArgs(pharmacy.address, Status.Suspended);
      expect(await consent.queryFilter(consent.filters.AccessLogged())).to.have.length(0);
    });

    it("logs a batch of reads and lets the patient list who accessed what and when, page by page", async function () {
      const suite = await loadFixture(grantedFixture);
      const { consent, pharmacy, insurer, patientA, request, ids } = suite;
      await consent.connect(patientA).grant(
        request({
          grantee: insurer.address,
          purpose: PURPOSES["insurance-claim"],
          scopeKind: SCOPES.allRecords,
          scope: [],
        }),
      );
      await consent.connect(pharmacy).logAccessBatch([2, 3], PURPOSES.treatment);
      await consent.connect(insurer).logAccess(1, PURPOSES["insurance-claim"]);
      // The patient's dApp rebuilds the trail through the SDK, from the events.
      const sdk = await MIIP.connect(patientA, await deploymentOf(suite, 0));
      const { entries, total } = await sdk.history.accessTrail(patientA.address, { limit: 2 });
      expect(total).to.equal(3);
      expect(entries.map((e) => [e.args.recordId, e.args.readerId, e.args.purpose])).to.deep.equal([
        [2n, ids.pharmacy, BigInt(PURPOSES.treatment)],
        [3n, ids.pharmacy, BigInt(PURPOSES.treatment)],
      ]);
      const rest = await sdk.history.accessTrail(patientA.address, { offset: 2, limit: 2 });
      expect(rest.entries.map((e) => [e.args.recordId, e.args.readerId])).to.deep.equal([[1n, ids.insurer]]);
      expect(rest.entries[0].timestamp).to.equal(await time.latest());
      expect((await sdk.history.accessTrail(patientA.address, { offset: 3 })).entries).to.deep.equal([]);
    });
  });
});
