import { expect } from "chai";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import {
  CONSENT_TYPES,
  DEVICE_REGISTRATION_TYPES,
  READING_TYPES,
  compactSignature,
  consentDomain,
  supplyDomain,
} from "../../config/eip712";
import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import { buildSerialTree } from "../../packages/sdk/src/serials";
import type { IClaimEscrow, IClaimProgrammes } from "../../typechain-types";
import type { ISupplyChainTypes } from "../../typechain-types/contracts/supply/SupplyChain";
import { NO_PERMIT, escrowFixture, signBill } from "../helpers/claims";
import { GTIN, childId, ownProduct } from "../helpers/supply";
import { onboard, onboardedFixture } from "../helpers/fixtures";
import { asPatient, registerPatients, signedCall } from "../helpers/patients";

const DAY = 86_400;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The same signature with s replaced by n - s and v flipped: valid for ecrecover, refused by OpenZeppelin. */
function malleate(signature: string): string {
  const sig = hre.ethers.Signature.from(signature);
  const highS = hre.ethers.toBeHex(N - BigInt(sig.s), 32);
  const v = sig.v === 27 ? 28 : 27;
  return hre.ethers.concat([sig.r, highS, hre.ethers.toBeHex(v, 1)]);
}

/** A batch of two units, 30 days to expiry, stored between 2 and 8 °C: what each attack needs, overridden. */
function batchInput(
  now: number,
  overrides: Partial<ISupplyChainTypes.BatchInputStruct>,
): ISupplyChainTypes.BatchInputStruct {
  return {
    gtin: GTIN,
    lot: hre.ethers.encodeBytes32String("L"),
    manufacturedAt: now - 1,
    expiresAt: now + DAY * 30,
    quantity: 2,
    tempMin: 200,
    tempMax: 800,
    humidityMin: 0,
    humidityMax: 10_000,
    serialRoot: hre.ethers.ZeroHash,
    metadataURI: "",
    message: "",
    ...overrides,
  };
}

/** A programme covering prescriptions (1,000 IST a claim, up to 100 IST paid at once), closed to self-enrolment. */
function programmeInput(
  token: string,
  arbitrator: string,
  overrides: Partial<IClaimProgrammes.ProgrammeConfigStruct>,
): IClaimProgrammes.ProgrammeConfigStruct {
  return {
    token,
    coveredTypes: 1n << 2n,
    perClaimCap: 10n ** 21n,
    perPatientYearCap: 10n ** 22n,
    autoApproveThreshold: 10n ** 20n,
    copayBps: 0,
    filingWindowDays: 30,
    reviewDays: 7,
    disputeDays: 7,
    arbitrationDays: 14,
    arbitrator,
    openEnrolment: false,
    copayOnChain: false,
    ...overrides,
  };
}

/**
 * Attacks from the threat model (SECURITY.md) that no capability's own tests cover: malleable signatures,
 * signatures carried to another contract, front-running (of signed consents, of relayed patient requests, of
 * claims), griefing by volume, a relayer withholding gas, and a suspended institution racing its suspension.
 * Re-entrant tokens and payees, replays across chains, forged device readings and storage-corrupting upgrades
 * are tested beside the code they attack (see SECURITY.md for where).
 */
describe("Adversarial", function () {
  async function fixture() {
    const s = await onboardedFixture();
    const now = await time.latest();
    await s.records.connect(s.hospital).registerBatch(
      [1, 2, 3].map((i) => ({
        patientId: s.ids.patientA,
        digest: hre.ethers.id(`adversarial ${i}`),
        recordType: RECORD_TYPES.prescription,
        issuedAt: now - 60,
        uri: `ipfs://a${i}`,
      })),
    );
    const request = {
      patientId: s.ids.patientA,
      grantee: s.pharmacy.address,
      purpose: PURPOSES.treatment,
      scopeKind: 0,
      scope: [] as bigint[],
      expiresAt: BigInt(now + 30 * DAY),
    };
    const deadline = BigInt(now + 3600);
    const consentAddress = await s.consent.getAddress();
    const signature = await s.patientA.signTypedData(consentDomain(31337n, consentAddress), CONSENT_TYPES, {
      ...request,
      nonce: 0n,
      deadline,
    });
    return { ...s, request, deadline, signature, consentAddress };
  }

  describe("signatures", function () {
    it("refuses the malleated twin (high s) of a valid consent signature, and keeps the original usable", async function () {
      const { consent, pharmacy, patientA, request, deadline, signature, ids } = await loadFixture(fixture);
      const grantId = await consent.grantIdOf(request.patientId, ids.pharmacy, request.purpose, 0, 0);
      await expect(consent.connect(pharmacy).grantBySig(request, 0, deadline, malleate(signature)))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidSignature")
        .withArgs(patientA.address);
      expect((await consent.getGrant(grantId)).version).to.equal(0n);
      await expect(consent.connect(pharmacy).grantBySig(request, 0, deadline, signature)).to.emit(
        consent,
        "ConsentGranted",
      );
      expect(await consent.isLive(grantId)).to.equal(true);
    });

    it("refuses a malleated join request; a device reading cannot even be written with a high s", async function () {
      const s = await loadFixture(fixture);
      const { supply, claims, distributor, manufacturer, registrar, participants, insurer, patientB, token, ids } = s;
      await onboard(participants, registrar, { account: manufacturer, kind: "manufacturer", name: "M" });
      const [distributorId] = await onboard(participants, registrar, {
        account: distributor,
        kind: "distributor",
        name: "D",
      });
      await ownProduct(s, manufacturer);
      const now = await time.latest();
      const tree = buildSerialTree(["A", "B"]);
      await supply.connect(manufacturer).registerBatch(batchInput(now, { quantity: 2, serialRoot: tree.root }));
      await supply.connect(manufacturer).ship(1, distributorId, 2);
      const device = hre.ethers.Wallet.createRandom();
      const domain = supplyDomain(31337n, await supply.getAddress());
      const consent = await device.signTypedData(domain, DEVICE_REGISTRATION_TYPES, {
        device: device.address,
        ownerId: distributorId,
        kind: 3,
        calibrationHash: hre.ethers.id("cal"),
        nonce: 0,
      });
      // The device's consent to its registration is a signature too: compact, so no high-s twin exists.
      expect(() => compactSignature(malleate(consent))).to.throw("non-canonical s");
      await supply
        .connect(distributor)
        .registerDevice(device.address, 3, hre.ethers.id("cal"), compactSignature(consent));
      await supply.connect(distributor).assignDevice(childId(1n, 0, 2), device.address);
      const reading = {
        device: device.address,
        shipmentId: childId(1n, 0, 2),
        temperature: 500,
        humidity: 4000,
        timestamp: BigInt(await time.latest()),
        sequence: 1n,
      };
      const signature = await device.signTypedData(domain, READING_TYPES, reading);
      // Readings travel in EIP-2098 compact form, whose 255-bit s cannot hold the high-s twin at all.
      expect(() => compactSignature(malleate(signature))).to.throw("non-canonical s");
      await expect(supply.submitReadings([reading], [compactSignature(signature)])).to.emit(supply, "ReadingRecorded");

      await onboard(participants, registrar, { account: s.agency, kind: "public-health-agency", name: "A" });
      await claims
        .connect(insurer)
        .openProgramme(programmeInput(await token.getAddress(), s.agency.address, { openEnrolment: true }));
      // Patient B joins the open programme by a request it signs for the directory's gateway, sent by a relayer.
      const join = await signedCall(participants, patientB, {
        patientId: ids.patientB,
        target: claims,
        data: claims.interface.encodeFunctionData("join", [1]),
      });
      await expect(participants.connect(s.relayer).relay(join.call, malleate(join.signature)))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
        .withArgs(patientB.address);
      expect((await participants.patient(ids.patientB)).nonce).to.equal(0n);
      expect((await claims.coverOf(1, ids.patientB)).enrolledAt).to.equal(0n);
      await expect(participants.connect(s.relayer).relay(join.call, join.signature))
        .to.emit(claims, "Enrolled")
        .withArgs(1, ids.patientB, true);
    });

    it("does not let a consent signature act in another contract that checks the same shape", async function () {
      // A second consent manager (say, a staging deployment on the same chain) must refuse the production
      // signature: the EIP-712 domain names the verifying contract.
      const { consent, pharmacy, request, deadline, signature, participants, records } = await loadFixture(fixture);
      const other = await (
        await hre.ethers.getContractFactory("ConsentManager")
      ).deploy(await participants.getAddress(), await records.getAddress());
      const proxy = await (
        await hre.ethers.getContractFactory("ERC1967Proxy")
      ).deploy(
        await other.getAddress(),
        other.interface.encodeFunctionData("initialize", [await consent.authority(), DAY]),
      );
      const staging = other.attach(await proxy.getAddress()) as typeof consent;
      await expect(staging.connect(pharmacy).grantBySig(request, 0, deadline, signature)).to.be.revertedWithCustomError(
        staging,
        "ConsentInvalidSignature",
      );
    });
  });

  describe("front-running", function () {
    it("a stranger front-running a signed consent only pays for it: the grant is exactly what the patient signed", async function () {
      const { consent, pharmacy, stranger, request, deadline, signature, ids } = await loadFixture(fixture);
      await expect(consent.connect(stranger).grantBySig(request, 0, deadline, signature))
        .to.emit(consent, "ConsentGranted")
        .withArgs(
          await consent.grantIdOf(request.patientId, ids.pharmacy, request.purpose, 0, 0),
          request.patientId,
          ids.pharmacy,
          request.purpose,
          0,
          0,
          request.expiresAt,
          1,
          hre.ethers.ZeroHash, // the patient's own key consented; the stranger is nobody in the grant
        );
      // The pharmacy's own submission, now late, fails without changing anything; the right is there.
      const grantId = await consent.grantIdOf(request.patientId, ids.pharmacy, request.purpose, 0, 0);
      await expect(consent.connect(pharmacy).grantBySig(request, 0, deadline, signature))
        .to.be.revertedWithCustomError(consent, "ConsentInvalidNonce")
        .withArgs(grantId, 1, 0);
      expect(await consent.isLive(grantId)).to.equal(true);
      expect((await consent.getGrant(grantId)).version).to.equal(1n);
    });

    it("a stranger front-running a relayed patient request only pays for it: the action is exactly what the patient signed", async function () {
      const { consent, participants, patientA, relayer, stranger, request, ids } = await loadFixture(fixture);
      const grantId = await consent.grantIdOf(request.patientId, ids.pharmacy, request.purpose, 0, 0);
      const signed = await signedCall(participants, patientA, {
        patientId: ids.patientA,
        target: consent,
        data: consent.interface.encodeFunctionData("grant", [request]),
      });
      // Whatever the stranger changes in the request (here the expiry of the grant) breaks the signature.
      const longer = consent.interface.encodeFunctionData("grant", [{ ...request, expiresAt: request.expiresAt * 2n }]);
      await expect(participants.connect(stranger).relay({ ...signed.call, data: longer }, signed.signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidSignature")
        .withArgs(patientA.address);
      // Sent as signed, it grants what the patient signed, as the patient's own act.
      await expect(participants.connect(stranger).relay(signed.call, signed.signature))
        .to.emit(consent, "ConsentGranted")
        .withArgs(
          grantId,
          ids.patientA,
          ids.pharmacy,
          request.purpose,
          0,
          0,
          request.expiresAt,
          1,
          hre.ethers.ZeroHash,
        );
      // The relayer's own submission, now late, fails without changing anything: the nonce is spent.
      await expect(participants.connect(relayer).relay(signed.call, signed.signature))
        .to.be.revertedWithCustomError(participants, "PatientsInvalidNonce")
        .withArgs(ids.patientA, 1, 0);
      expect((await consent.getGrant(grantId)).version).to.equal(1n);
      expect((await participants.patient(ids.patientA)).nonce).to.equal(1n);
    });

    it("a record filed by two claimants in one block is paid once: the second filing is refused", async function () {
      const s = await loadFixture(fixture);
      const {
        claims,
        token,
        insurer,
        hospital,
        patientA,
        registrar,
        participants,
        distribution,
        treasury,
        consent,
        resolved,
      } = s;
      await onboard(participants, registrar, { account: s.agency, kind: "public-health-agency", name: "A" });
      await time.increase(30 * DAY);
      await distribution.release(
        resolved.genesis.grants.findIndex((g) => g.category === resolved.genesis.reserveCategory),
      );
      await token.connect(treasury).transfer(insurer.address, 10n ** 22n);
      await claims
        .connect(insurer)
        .openProgramme(
          programmeInput(await token.getAddress(), s.agency.address, { autoApproveThreshold: 10n ** 21n }),
        );
      await token.connect(insurer).approve(await claims.getAddress(), 10n ** 22n);
      await claims.connect(insurer).deposit(1, 10n ** 22n);
      await claims.connect(insurer).enrol(1, s.ids.patientA);
      await asPatient(participants, patientA, s.ids.patientA, consent, "grant", [
        {
          patientId: s.ids.patientA,
          grantee: insurer.address,
          purpose: PURPOSES["insurance-claim"],
          scopeKind: 0,
          scope: [],
          expiresAt: (await time.latest()) + DAY,
        },
      ]);
      const now = await time.latest();
      await s.records.connect(hospital).register({
        patientId: s.ids.patientA,
        digest: hre.ethers.id("visit"),
        recordType: RECORD_TYPES.prescription,
        issuedAt: now,
        uri: "ipfs://v",
      });
      const recordId = await s.records.recordCount();
      // The hospital signed two bills for one treatment (say, a corrected amount); both reach the mempool.
      const bill = (amount: bigint): IClaimEscrow.BillStruct => ({
        programmeId: 1,
        recordIds: [recordId],
        amount,
        payTo: 0,
        billDigest: hre.ethers.id(`bill ${amount}`),
        expiresAt: now + DAY,
      });
      const [first, second] = [bill(10n ** 20n), bill(9n * 10n ** 19n)];
      const confirm = async (b: IClaimEscrow.BillStruct) =>
        claims.interface.encodeFunctionData("fileClaim", [b, await signBill(claims, hospital, b), NO_PERMIT]);
      const [dataFirst, dataSecond] = [await confirm(first), await confirm(second)];
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        const gateway = participants.connect(patientA);
        const target = await claims.getAddress();
        // With a gas limit: estimating would see the second fail.
        const a = await gateway.execute(s.ids.patientA, hre.ethers.ZeroHash, target, dataFirst, {
          gasLimit: 1_000_000,
        });
        const b = await gateway.execute(s.ids.patientA, hre.ethers.ZeroHash, target, dataSecond, {
          gasLimit: 1_000_000,
        });
        await mine();
        expect((await a.wait())!.status).to.equal(1);
        await expect(b.wait()).to.be.rejected;
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
      expect(await claims.claimOfRecord(recordId)).to.equal(recordId);
      expect((await claims.getClaim(recordId)).billed).to.equal(10n ** 20n);
    });

    it("refuses a hospital's bill signature in its malleable (high-s) form", async function () {
      const { claims, hospital, bill, patientFiles } = await loadFixture(escrowFixture);
      const b = await bill({ recordIds: [1] });
      const signature = await signBill(claims, hospital, b);
      // The high-s twin would recover the same key with a plain ecrecover; the escrow's check refuses it.
      await expect(patientFiles(b, malleate(signature)))
        .to.be.revertedWithCustomError(claims, "ClaimsBadHospitalSignature")
        .withArgs(await claims.billHash(b));
      expect(await claims.claimOfRecord(1)).to.equal(0n);
      await expect(patientFiles(b, signature)).to.emit(claims, "ClaimFiled");
    });
  });

  describe("griefing by volume", function () {
    it("many grants by other patients do not change the gas of a grant, a read check or a log entry", async function () {
      const s = await loadFixture(fixture);
      const { consent, records, participants, pharmacy, patientA, request, signers, ids } = s;
      const grant = (patient: typeof patientA, patientId: bigint, expiresAt: bigint) =>
        asPatient(participants, patient, patientId, consent, "grant", [{ ...request, patientId, expiresAt }]);
      const measure = async () => {
        const grant1 = await (await grant(patientA, ids.patientA, request.expiresAt + 1n)).wait();
        const log = await (await consent.connect(pharmacy).logAccess(1, PURPOSES.treatment)).wait();
        const read = await records.canRead.estimateGas(pharmacy.address, 1, PURPOSES.treatment);
        return [grant1!.gasUsed, log!.gasUsed, read];
      };
      await grant(patientA, ids.patientA, request.expiresAt);
      const before = await measure();
      // A griefer with many patient ids grants the pharmacy everything, 200 times.
      const griefers = [signers[24], signers[25], signers[26], signers[27]]; // accounts no fixture uses
      const grieferIds = await registerPatients(participants, ...griefers);
      for (let i = 0; i < 200; i++) {
        await grant(griefers[i % 4], grieferIds[i % 4], request.expiresAt + BigInt(i));
      }
      const after = await measure();
      expect(after).to.deep.equal(before);
    });

    it("many shipments to a pharmacy do not change the gas of its next acceptance or of a recall", async function () {
      const s = await loadFixture(fixture);
      const { supply, participants, registrar, manufacturer, pharmacy, regulator } = s;
      await onboard(participants, registrar, { account: manufacturer, kind: "manufacturer", name: "M" });
      const [pharmacyId] = [s.ids.pharmacy];
      await onboard(participants, registrar, { account: regulator, kind: "regulator", name: "R" });
      await ownProduct(s, manufacturer);
      const now = await time.latest();
      const batch = async (lot: string) => {
        await supply.connect(manufacturer).registerBatch(
          batchInput(now, {
            lot: hre.ethers.encodeBytes32String(lot),
            expiresAt: now + DAY * 300,
            quantity: 1000,
            serialRoot: hre.ethers.id(lot),
          }),
        );
        return supply.batchCount();
      };
      const cost = async (batchId: bigint) => {
        await supply.connect(manufacturer).ship(batchId, pharmacyId, 1);
        await supply.connect(manufacturer).ship(batchId, pharmacyId, 1);
        const shipmentId = (await supply.queryFilter(supply.filters.Shipped(undefined, batchId))).at(-1)!.args
          .shipmentId;
        // A shipment's id is a hash: its zero bytes, cheaper in calldata, vary from one id to the next.
        const sent = await supply.connect(pharmacy).accept(shipmentId);
        const calldata = hre.ethers.getBytes(sent.data).reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);
        const accept = (await sent.wait())!.gasUsed - calldata;
        const recall = (await (
          await supply.connect(regulator).recall(batchId, hre.ethers.encodeBytes32String("x"), "Return it.")
        ).wait())!.gasUsed;
        return [accept, recall];
      };
      const first = await cost(await batch("FIRST"));
      const spam = await batch("SPAM");
      for (let i = 0; i < 150; i++) await supply.connect(manufacturer).ship(spam, pharmacyId, 1);
      const second = await cost(await batch("SECOND"));
      expect(second).to.deep.equal(first);
    });
  });

  describe("a relayer withholding gas", function () {
    it("cannot burn a patient's relayed request by sending it with too little gas: it fails whole and stays usable", async function () {
      const { consent, participants, patientA, relayer, request, ids } = await loadFixture(fixture);
      const signed = await signedCall(participants, patientA, {
        patientId: ids.patientA,
        target: consent,
        data: consent.interface.encodeFunctionData("grant", [request]),
      });
      const grantId = await consent.grantIdOf(request.patientId, ids.pharmacy, request.purpose, 0, 0);
      const needed = await participants.connect(relayer).relay.estimateGas(signed.call, signed.signature);
      // Short of what the grant needs, the gateway's call to the service runs out while the gateway keeps 1/64 of
      // the gas, enough to finish: were a failed call ignored, the nonce would be spent and the consent lost. The
      // gateway reverts instead (FailedCall: the service ran out of gas), nonce and all.
      for (const gasLimit of [needed - 5_000n, (needed * 3n) / 4n]) {
        await expect(
          participants.connect(relayer).relay(signed.call, signed.signature, { gasLimit }),
        ).to.be.revertedWithCustomError(participants, "FailedCall");
        expect((await participants.patient(ids.patientA)).nonce).to.equal(0n);
        expect((await consent.getGrant(grantId)).version).to.equal(0n);
      }
      await expect(participants.connect(relayer).relay(signed.call, signed.signature)).to.emit(
        consent,
        "ConsentGranted",
      );
      expect((await participants.patient(ids.patientA)).nonce).to.equal(1n);
      expect(await consent.isLive(grantId)).to.equal(true);
    });
  });

  describe("a suspended institution racing its suspension", function () {
    it("loses when the suspension is ordered first in the block", async function () {
      const { records, participants, registrar, hospital, ids } = await loadFixture(fixture);
      const write = (n: number) =>
        records.connect(hospital).register(
          {
            patientId: ids.patientA,
            digest: hre.ethers.id(`race ${n}`),
            recordType: RECORD_TYPES.diagnosis,
            issuedAt: 1,
            uri: "ipfs://r",
          },
          { gasLimit: 500_000 },
        );
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        const suspension = await participants
          .connect(registrar)
          .suspend(ids.hospital, hre.ethers.encodeBytes32String("fraud"), { gasLimit: 200_000 });
        const late = await write(1);
        await mine();
        expect((await suspension.wait())!.status).to.equal(1);
        await expect(late.wait()).to.be.rejected;
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
      expect(await records.recordIdOf(hre.ethers.id("race 1"))).to.equal(0n);
    });

    it("keeps a write ordered before the suspension in the same block: the chain's order decides", async function () {
      const { records, participants, registrar, hospital, ids } = await loadFixture(fixture);
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        const early = await records.connect(hospital).register(
          {
            patientId: ids.patientA,
            digest: hre.ethers.id("race 2"),
            recordType: RECORD_TYPES.diagnosis,
            issuedAt: 1,
            uri: "ipfs://r",
          },
          { gasLimit: 500_000 },
        );
        const suspension = await participants
          .connect(registrar)
          .suspend(ids.hospital, hre.ethers.encodeBytes32String("fraud"), { gasLimit: 200_000 });
        await mine();
        expect((await early.wait())!.status).to.equal(1);
        expect((await suspension.wait())!.status).to.equal(1);
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
      expect(await records.recordIdOf(hre.ethers.id("race 2"))).to.not.equal(0n);
      expect(
        await records.canRead(hospital.address, await records.recordIdOf(hre.ethers.id("race 2")), PURPOSES.treatment),
      ).to.equal(false);
    });
  });

  describe("a registrar key in the wrong hands", function () {
    it("cannot create an institution that acts at once: its regulator cannot recall, its hospital cannot break the glass", async function () {
      const s = await loadFixture(fixture);
      const { participants, registrar, supply, consent, manufacturer, deployer, signers, ids } = s;
      await onboard(participants, registrar, { account: manufacturer, kind: "manufacturer", name: "M" });
      await ownProduct(s, manufacturer);
      const root = buildSerialTree(["A", "B"]).root;
      await supply.connect(manufacturer).registerBatch(batchInput(await time.latest(), { serialRoot: root }));
      const [rogueRegulator, rogueHospital] = [signers[26], signers[27]];
      await participants
        .connect(registrar)
        .register(rogueRegulator.address, KINDS.regulator, hre.ethers.id("r"), "R", "");
      await participants
        .connect(registrar)
        .register(rogueHospital.address, KINDS.hospital, hre.ethers.id("h"), "H", "");
      const [regulatorId, hospitalId] = [
        (await participants.institutionCount()) - 1n,
        await participants.institutionCount(),
      ];

      // In the very next transactions, and in the same block as the registration, they have no right.
      await expect(supply.connect(rogueRegulator).recall(1, hre.ethers.encodeBytes32String("x"), ""))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(rogueRegulator.address, 4); // Pending
      await expect(consent.connect(rogueHospital).openEmergency(ids.patientA, hre.ethers.encodeBytes32String("x")))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(rogueHospital.address, 4); // Pending
      // Goods sent to it cannot be accepted, and come straight back to their sender.
      await supply.connect(manufacturer).ship(1, regulatorId, 1);
      await expect(supply.connect(rogueRegulator).accept(childId(1n, 0, 2)))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(rogueRegulator.address, 4);
      await expect(supply.connect(manufacturer).reclaim(1n, 0, 2)).to.emit(supply, "ShipmentReclaimed");

      // The guardian role sees the notices and cancels both before they take effect.
      const notices = await participants.queryFilter(participants.filters.InstitutionRegistered());
      expect(notices.map((e) => e.args.account)).to.include.members([rogueRegulator.address, rogueHospital.address]);
      await participants.connect(deployer).cancelOnboarding(regulatorId, hre.ethers.encodeBytes32String("rogue"));
      await participants.connect(deployer).cancelOnboarding(hospitalId, hre.ethers.encodeBytes32String("rogue"));
      await time.increase(await participants.onboardingDelay());
      for (const id of [regulatorId, hospitalId]) {
        await expect(participants.activate(id)).to.be.revertedWithCustomError(
          participants,
          "ParticipantsInvalidStatus",
        );
      }
      await expect(supply.connect(rogueRegulator).recall(1, hre.ethers.encodeBytes32String("x"), ""))
        .to.be.revertedWithCustomError(participants, "ParticipantsNotActive")
        .withArgs(rogueRegulator.address, 5); // Cancelled
      expect((await supply.getBatch(1)).status).to.equal(1n);
    });

    it("cannot shortcut the delay: no status change makes a pending institution active before its time", async function () {
      const { participants, registrar, manager, deployer, stranger } = await loadFixture(fixture);
      await participants.connect(registrar).register(stranger.address, KINDS.insurer, hre.ethers.id("i"), "I", "");
      const id = await participants.institutionCount();
      const code = hre.ethers.encodeBytes32String("x");
      await expect(participants.connect(registrar).suspend(id, code)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsInvalidStatus",
      );
      await expect(participants.activate(id)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsOnboardingNotDue",
      );
      // Nor does the governor's reinstatement, after its own delay: it applies to suspended institutions only.
      const { statusChangedAt } = await participants.institution(id);
      const reinstate = participants.interface.encodeFunctionData("reinstate", [id, statusChangedAt, code]);
      await manager.connect(deployer).schedule(await participants.getAddress(), reinstate, 0);
      await time.increase(DAY);
      await expect(manager.connect(deployer).execute(await participants.getAddress(), reinstate))
        .to.be.revertedWithCustomError(participants, "ParticipantsInvalidStatus")
        .withArgs(id, 4);
      expect((await participants.memberOf(stranger.address)).status).to.equal(4n); // still Pending
    });
  });
});
