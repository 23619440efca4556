import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { BrowserProvider, type Eip1193Provider, ZeroAddress, ZeroHash } from "ethers";

import {
  MIIP,
  MIIPClientError,
  MIIPError,
  DeploymentError,
  guardianCommitment,
  billDigest,
  billFromJson,
  billMessage,
  billToJson,
  isMIIPError,
  parseDeviceKind,
  allowanceKey,
  formatPackCode,
  gs1Date,
  parsePackCode,
  prescriptionKey,
  shipmentIdOf,
} from "../../packages/sdk/src";
import { buildSerialTree } from "../../packages/sdk/src/serials";
import { deploymentOf } from "../../scripts/lib/deploy";
import { demoProgramme } from "../../scripts/lib/seed";
import { onboardedFixture } from "../helpers/fixtures";

const DAY = 86_400;
const IST = (n: number) => BigInt(n) * 10n ** 18n;

/** Runs a call that must be refused and returns the MIIPError it is refused with. */
async function refusal(call: () => Promise<unknown>): Promise<MIIPError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof MIIPError) return error;
    throw error;
  }
  throw new Error("the call was not refused");
}

describe("SDK client", function () {
  async function sdkFixture() {
    const suite = await onboardedFixture();
    const deployment = await deploymentOf(suite, 0);
    const miip = await MIIP.connect(suite.signers[0], deployment);
    const as = (signer: (typeof suite.signers)[number]) => miip.as(signer);
    return { ...suite, deployment, miip, as };
  }

  async function recordsFixture() {
    const f = await sdkFixture();
    const asHospital = f.as(f.hospital);
    const now = await time.latest();
    const doc = (n: number) => ({
      patientId: f.ids.patientA,
      digest: hre.ethers.id(`document ${n}`),
      recordType: n % 2 === 0 ? "prescription" : "lab-result",
      issuedAt: now - 3600,
      uri: `ipfs://bafkreidoc${n}`,
    });
    const { recordIds } = await asHospital.records.registerBatch([1, 2, 3, 4].map(doc));
    return { ...f, asHospital, doc, recordIds };
  }

  describe("connecting", function () {
    it("refuses a deployment on another chain, and malformed deployment files", async function () {
      const { deployment, signers } = await loadFixture(sdkFixture);
      await expect(MIIP.connect(signers[0], { ...deployment, chainId: 1 })).to.be.rejectedWith(
        MIIPClientError,
        "the deployment is on chain 1, the provider on chain 31337",
      );
      await expect(MIIP.connect(signers[0], { ...deployment, RecordRegistry: "0x12" })).to.be.rejectedWith(
        DeploymentError,
        'RecordRegistry must be an address, got "0x12"',
      );
      await expect(MIIP.connect(signers[0], "nope")).to.be.rejectedWith(DeploymentError, "not a JSON object");
    });

    it("reads with a provider and refuses to write without a signer", async function () {
      const { deployment, ids } = await loadFixture(recordsFixture);
      const reader = await MIIP.connect(hre.ethers.provider, deployment);
      expect((await reader.records.idsOfPatient(ids.patientA)).total).to.equal(4);
      expect((await reader.patients.get(ids.patientA)).account).to.not.equal(ZeroAddress);
      await expect(reader.patients.register()).to.be.rejectedWith(
        MIIPClientError,
        "writes and signatures need a signer",
      );
      await expect(reader.consent.revoke(ZeroHash)).to.be.rejectedWith(
        MIIPClientError,
        "writes and signatures need a signer",
      );
    });
    it("tells the chain's time after a transaction, not ethers' cached block of a moment before (docs snippet flake)", async function () {
      const { deployment, hospital, ids } = await loadFixture(sdkFixture);
      // A dApp's provider: ethers answers a repeated request from its cache for a moment.
      const provider = new BrowserProvider(hre.network.provider as unknown as Eip1193Provider);
      const miip = await MIIP.connect(await provider.getSigner(hospital.address), deployment);
      const before = await miip.now();
      expect((await provider.getBlock("latest"))!.timestamp).to.equal(before);
      await miip.records.register({
        patientId: ids.patientA,
        digest: hre.ethers.id("now, after a transaction"),
        recordType: "lab-result",
        issuedAt: before,
        uri: "ipfs://bafkreinow",
      });
      // Asked again at once: the block the transaction was mined in, not the one before.
      expect(await miip.now()).to.equal(await time.latest());
      expect(await miip.now()).to.be.greaterThan(before);
      // A provider without JSON-RPC (a plain ethers Provider) is asked for its latest block as before.
      const reader = await MIIP.connect(hre.ethers.provider, deployment);
      expect(await reader.now()).to.equal(await time.latest());
    });

    it("names every refusal of the suite on its raw contracts too, whichever contract raised it", async function () {
      const { deployment, stranger, ids } = await loadFixture(sdkFixture);
      // Plain ethers over the node (as a dApp's wallet connection): ethers names a revert from the interface.
      const provider = new BrowserProvider(hre.network.provider as unknown as Eip1193Provider);
      const miip = await MIIP.connect(await provider.getSigner(stranger.address), deployment);
      const refusal = (error: { revert?: { name: string } }) => error.revert?.name;
      // Raised by the called contract.
      expect(await miip.contracts.records.getRecord(99n).catch(refusal)).to.equal("RecordsUnknownRecord");
      // Raised by the directory inside the registry's call: the registry's contract object names it.
      const record = { patientId: ids.patientA, digest: ZeroHash, recordType: 1, issuedAt: 1, uri: "ipfs://x" };
      expect(await miip.contracts.records.register.staticCall(record).catch(refusal)).to.match(/^Participants/);
    });

    it("names the reason of a transaction that reverted once mined, by replaying it on the state it was mined on", async function () {
      const { deployment, stranger, ids } = await loadFixture(sdkFixture);
      // Plain ethers, a gas limit given (no estimate to fail first), and a node that mines later: the receipt
      // says only that it reverted.
      const provider = new BrowserProvider(hre.network.provider as unknown as Eip1193Provider);
      provider.pollingInterval = 20;
      const miip = await MIIP.connect(await provider.getSigner(stranger.address), deployment);
      const record = { patientId: ids.patientA, digest: ZeroHash, recordType: 1, issuedAt: 1, uri: "ipfs://x" };
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        const sent = miip.send(() => miip.contracts.records.register(record, { gasLimit: 500_000 }));
        const outcome = sent.then(
          () => undefined,
          (error: unknown) => error,
        );
        while (((await hre.network.provider.send("eth_pendingTransactions", [])) as unknown[]).length === 0) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        await hre.network.provider.send("evm_mine", []);
        const error = await outcome;
        expect(error).to.be.instanceOf(MIIPError);
        expect((error as MIIPError).name).to.match(/^Participants/);
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
    });

    /**
     * A block where the guardian pauses record writes first and a hospital's write (for an unknown patient) comes
     * second: mined, the write failed because of the pause; on the state before the block it would fail for the
     * unknown patient. `node` is the EIP-1193 provider the client talks to.
     */
    async function pausedInTheSameBlock(node: Eip1193Provider) {
      const { deployment, hospital, records, deployer } = await loadFixture(sdkFixture);
      const provider = new BrowserProvider(node);
      provider.pollingInterval = 20;
      const miip = await MIIP.connect(await provider.getSigner(hospital.address), deployment);
      const record = { patientId: 999n, digest: hre.ethers.id("x"), recordType: 1, issuedAt: 1, uri: "ipfs://x" };
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        await records.connect(deployer).pause({ gasLimit: 300_000, maxPriorityFeePerGas: 10n ** 10n });
        const outcome = miip
          .send(() => miip.contracts.records.register(record, { gasLimit: 500_000, maxPriorityFeePerGas: 1n }))
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        while (((await hre.network.provider.send("eth_pendingTransactions", [])) as unknown[]).length < 2) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        await hre.network.provider.send("evm_mine", []);
        const block = await hre.ethers.provider.getBlock("latest");
        return { error: (await outcome) as MIIPError, hash: block!.transactions[1], blockNumber: block!.number };
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
    }

    it("names the exact reason from the node's trace, even when an earlier transaction of the block caused it (audit)", async function () {
      const { error, hash, blockNumber } = await pausedInTheSameBlock(
        hre.network.provider as unknown as Eip1193Provider,
      );
      expect(error).to.be.instanceOf(MIIPError);
      expect(error.name).to.equal("RecordsPaused");
      expect(error.mined).to.deep.equal({ hash, blockNumber, exact: true });
      expect(error.message).to.match(new RegExp(`\\(transaction ${hash}\\)$`));
    });

    it("says a replay's reason may differ when the node cannot trace and transactions came before it in its block", async function () {
      // A public RPC: no debug_traceTransaction.
      const untraced: Eip1193Provider = {
        request: async ({ method, params }) => {
          if (method.startsWith("debug_")) throw new Error(`the method ${method} does not exist/is not available`);
          return hre.network.provider.request({ method, params: params as unknown[] });
        },
      };
      const { error, hash, blockNumber } = await pausedInTheSameBlock(untraced);
      expect(error).to.be.instanceOf(MIIPError);
      expect(error.name).to.equal("RecordsUnknownPatient"); // the replay's reason, not the mined one: said so
      expect(error.mined).to.deep.equal({ hash, blockNumber, exact: false });
      expect(error.message).to.contain(
        `(transaction ${hash}; named by replaying it on the state before block ${blockNumber}, which 1 earlier transaction(s) of that block may have changed: the reason may differ)`,
      );
    });

    it("keeps a mined failure a failure when its replay succeeds (out of gas): the receipt decides, the replay only names", async function () {
      const { deployment, hospital, ids } = await loadFixture(sdkFixture);
      const provider = new BrowserProvider(hre.network.provider as unknown as Eip1193Provider);
      provider.pollingInterval = 20;
      const miip = await MIIP.connect(await provider.getSigner(hospital.address), deployment);
      const record = {
        patientId: ids.patientA,
        digest: hre.ethers.id("oog"),
        recordType: 1,
        issuedAt: 1,
        uri: "ipfs://x",
      };
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        const outcome = miip
          .send(() => miip.contracts.records.register(record, { gasLimit: 60_000 }))
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        while (((await hre.network.provider.send("eth_pendingTransactions", [])) as unknown[]).length === 0) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        await hre.network.provider.send("evm_mine", []);
        const error = (await outcome) as { code?: string; receipt?: { status: number } };
        expect(error).to.not.equal(undefined);
        expect(error).to.not.be.instanceOf(MIIPError); // the hospital may register: the replay cannot say why
        expect(error.code).to.equal("CALL_EXCEPTION");
        expect(error.receipt?.status).to.equal(0);
        expect(await miip.records.idOf(record.digest)).to.equal(0n);
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
    });
  });

  describe("participants and records", function () {
    it("onboards, lists and looks up institutions", async function () {
      const { miip, registrar, manufacturer, ids } = await loadFixture(sdkFixture);
      const { institutionId, activatesAt, gasUsed } = await miip
        .as(registrar)
        .participants.register({ account: manufacturer.address, kind: "manufacturer", licence: "M-1", name: "Hanmi" });
      expect(institutionId).to.equal(5);
      expect(gasUsed > 0n).to.equal(true);
      expect(activatesAt).to.equal((await time.latest()) + (await miip.participants.onboardingDelay()));
      expect(await miip.participants.memberOf(manufacturer.address)).to.deep.equal({
        id: 5,
        kind: "manufacturer",
        status: "pending",
      });
      const early = await refusal(() => miip.participants.activate(institutionId));
      expect(early.name).to.equal("ParticipantsOnboardingNotDue");
      expect(early.message).to.contain(`institution 5`);
      await time.increaseTo(activatesAt);
      await miip.participants.activate(institutionId);
      expect((await miip.participants.get(institutionId)).status).to.equal("active");
      expect(await miip.participants.memberOf(registrar.address)).to.equal(undefined);
      const page = await miip.participants.list({ offset: 1, limit: 2 });
      expect(page.total).to.equal(5);
      expect(page.entries.map((i) => i.id)).to.deep.equal([Number(ids.pharmacy), Number(ids.insurer)]);
      expect((await miip.participants.get(institutionId)).licenceHash).to.equal(hre.ethers.id("M-1"));
    });

    it("registers, amends and reads records, returning their ids", async function () {
      const { asHospital, recordIds, patientA, ids, doc } = await loadFixture(recordsFixture);
      expect(recordIds).to.deep.equal([1n, 2n, 3n, 4n]);
      const { recordId } = await asHospital.records.register(doc(5));
      expect(recordId).to.equal(5n);
      const amended = await asHospital.records.amend(1, { digest: hre.ethers.id("corrected"), uri: "ipfs://fixed" });
      expect(amended.recordId).to.equal(6n);
      expect(await asHospital.records.get(1)).to.include({ supersededBy: 6n, recordTypeName: "lab-result" });
      expect(await asHospital.records.idOf(hre.ethers.id("corrected"))).to.equal(6n);
      expect(await asHospital.records.idsOfPatient(ids.patientA, { offset: 4, limit: 10 })).to.deep.equal({
        ids: [5n, 6n],
        total: 6,
      });
      expect(await asHospital.records.get(6)).to.include({ patientId: ids.patientA, supersedes: 1n });
      expect(await asHospital.records.canRead(patientA.address, 1, "treatment")).to.equal(true);
    });

    it("returns refusals as typed errors, also when another contract of the suite refuses", async function () {
      const { asHospital, as, pharmacy, patientA, doc, miip } = await loadFixture(recordsFixture);
      const duplicate = await refusal(() => asHospital.records.register(doc(1)));
      expect(duplicate.name).to.equal("RecordsDuplicateDigest");
      expect(duplicate.source).to.equal("RecordRegistry");
      expect(duplicate.args.existingId).to.equal(1n);
      expect(String(duplicate)).to.equal(
        `RecordsDuplicateDigest: entry 0: digest ${hre.ethers.id("document 1")} is already record 1`,
      );
      const wrongKind = await refusal(() => as(pharmacy).records.register(doc(9)));
      expect(wrongKind.name).to.equal("ParticipantsWrongKind");
      expect(wrongKind.source).to.equal("ParticipantRegistry");
      expect(String(wrongKind)).to.equal(`ParticipantsWrongKind: ${pharmacy.address} is a pharmacy, not a hospital`);
      const nobody = await refusal(() => asHospital.records.register({ ...doc(11), patientId: 99 }));
      expect(String(nobody)).to.equal("RecordsUnknownPatient: entry 0: there is no patient 99");
      // A patient action sent to a service directly is refused by the directory's gateway check.
      const asPatient = as(patientA);
      const direct = await refusal(() => asPatient.send(() => asPatient.contracts.consent.revoke(ZeroHash)));
      expect(direct.name).to.equal("PatientsNotThroughGateway");
      expect(direct.args.caller).to.equal(patientA.address);
      const unknown = await refusal(() => miip.records.get(99));
      expect(String(unknown)).to.equal("RecordsUnknownRecord: there is no record 99");
      expect(isMIIPError(unknown, "RecordsUnknownRecord")).to.equal(true);
      expect(isMIIPError(unknown, "RecordsPaused")).to.equal(false);
      await expect(asHospital.records.register({ ...doc(10), recordType: "x-ray" })).to.be.rejectedWith(
        RangeError,
        'unknown record type "x-ray"',
      );
    });
  });

  describe("consent", function () {
    it("signs consent for the patient, has the pharmacy submit it, logs reads and revokes", async function () {
      const { as, patientA, pharmacy, miip, ids } = await loadFixture(recordsFixture);
      const expiresAt = (await time.latest()) + 30 * DAY;
      const request = {
        grantee: pharmacy.address,
        purpose: "treatment",
        scope: { kind: "record-type" as const, types: ["prescription"] },
        expiresAt,
      };
      const signed = await as(patientA).consent.sign(request);
      expect(signed.nonce).to.equal(0n);
      const before = await hre.ethers.provider.getBalance(patientA.address);
      const { grantIds } = await as(pharmacy).consent.submitSigned(signed);
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(before);
      expect(grantIds).to.deep.equal(
        await miip.consent.grantIdOf(ids.patientA, pharmacy.address, "treatment", request.scope),
      );
      const replay = await refusal(() => as(pharmacy).consent.submitSigned(signed));
      expect(String(replay)).to.equal(
        `ConsentInvalidNonce: grant ${grantIds[0]} is at version 1; the signature names 0 (used or cancelled)`,
      );

      const { basis } = await as(pharmacy).consent.logAccess(2, "treatment");
      expect(basis).to.equal(grantIds[0]);
      await as(pharmacy).consent.logAccessBatch([2, 4], "treatment");
      const denied = await refusal(() => as(pharmacy).consent.logAccess(1, "treatment"));
      expect(String(denied)).to.equal(
        `ConsentNoLiveRight: ${pharmacy.address} has no live right to read record 1 for treatment`,
      );

      expect(await miip.consent.getGrant(grantIds[0])).to.deep.include({
        patientId: ids.patientA,
        live: true,
        revoked: false,
        version: 1n,
      });
      await as(patientA).consent.revoke(grantIds[0]);
      expect(await miip.consent.getGrant(grantIds[0])).to.deep.include({ live: false, revoked: true });
      expect((await refusal(() => as(pharmacy).consent.logAccess(2, "treatment"))).name).to.equal("ConsentNoLiveRight");

      const trail = await miip.history.accessTrail(ids.patientA, { offset: 1, limit: 5 });
      expect(trail.total).to.equal(3);
      expect(trail.entries.map((e) => e.args.recordId)).to.deep.equal([2n, 4n]);
      expect(trail.entries[0].event).to.equal("AccessLogged");
      expect(trail.entries[0].timestamp).to.be.greaterThan(0);
      const history = await miip.history.consentHistory(ids.patientA);
      expect(history.entries.map((e) => e.event)).to.deep.equal(["ConsentGranted", "ConsentRevoked"]);
    });

    it("refuses a signature by anyone but the patient, cancels an unused one, and prints times", async function () {
      const { as, patientA, patientB, pharmacy, ids } = await loadFixture(recordsFixture);
      const now = await time.latest();
      const request = {
        patientId: ids.patientA,
        grantee: pharmacy.address,
        purpose: 0,
        scope: { kind: "all-records" as const },
        expiresAt: now + DAY,
      };
      await expect(as(patientB).consent.sign(request)).to.be.rejectedWith(
        MIIPClientError,
        `only the patient's current key signs a consent: the signer is ${patientB.address}, patient 1 is ${patientA.address}`,
      );
      // Granting for another patient through one's own gateway call is refused by the consent manager.
      const mismatch = await refusal(() => as(patientB).consent.grant(request));
      expect(String(mismatch)).to.equal("ConsentPatientMismatch: the request names patient 1, but patient 2 is acting");
      const signed = await as(patientA).consent.sign(request, { deadline: now + 600 });
      await as(patientA).consent.cancelSignature(signed);
      expect((await refusal(() => as(pharmacy).consent.submitSigned(signed))).name).to.equal("ConsentInvalidNonce");

      await time.setNextBlockTimestamp(now + 1000);
      const past = await refusal(() => as(patientA).consent.grant({ ...request, expiresAt: now + 10 }));
      const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
      expect(String(past)).to.equal(
        `ConsentExpiryNotInFuture: expiry ${iso(now + 10)} is not after now (${iso(now + 1000)})`,
      );
    });

    it("lets a guardian grant, and a hospital open and the patient close emergency access", async function () {
      const { as, patientB, guardian, pharmacy, hospital, miip, ids } = await loadFixture(recordsFixture);
      const { salt, commitment } = await as(patientB).patients.appointGuardian(guardian.address, ["act"]);
      expect(await miip.patients.guardian(ids.patientB, commitment)).to.deep.include({ index: 1, powers: ["act"] });
      const forB = as(guardian).forPatient(ids.patientB, salt);
      expect(await forB.patients.myId()).to.equal(ids.patientB);
      const { grantIds } = await forB.consent
        .grant({
          grantee: pharmacy.address,
          purpose: "research",
          scope: { kind: "record", ids: [] },
          expiresAt: (await time.latest()) + DAY,
        })
        .catch(async (e: MIIPError) => {
          expect(e.name).to.equal("ConsentInvalidScopeSize");
          return forB.consent.grant({
            grantee: pharmacy.address,
            purpose: "research",
            scope: { kind: "all-records" },
            expiresAt: (await time.latest()) + DAY,
          });
        });
      expect(grantIds).to.have.length(1);
      expect(await miip.consent.getGrant(grantIds[0])).to.deep.include({ patientId: ids.patientB, live: true });
      const { expiresAt, justifyBy } = await as(hospital).consent.openEmergency(ids.patientB, "unconscious");
      expect(expiresAt).to.equal((await time.latest()) + 24 * 3600);
      expect(justifyBy).to.equal((await time.latest()) + 3 * DAY);
      await as(patientB).consent.closeEmergency(hospital.address);
      const again = await refusal(() => as(patientB).consent.closeEmergency(hospital.address));
      expect(String(again)).to.equal(
        `ConsentNoOpenEmergency: institution ${ids.hospital} has no open emergency access to patient 2`,
      );
      const history = await miip.history.consentHistory(ids.patientB);
      expect(history.entries.map((e) => e.event)).to.deep.equal([
        "ConsentGranted",
        "EmergencyAccessOpened",
        "EmergencyAccessClosed",
      ]);
      // The guardian's grant names it by commitment; the patient's own close names nobody (zero).
      expect(history.entries.map((e) => e.args.actor)).to.deep.equal([commitment, undefined, ZeroHash]);
      expect((await miip.history.accountHistory(ids.patientB)).entries.map((e) => e.event)).to.deep.equal([
        "PatientRegistered",
        "GuardianSet",
        "RecoveryRoundClosed",
      ]);
    });
  });

  describe("patients", function () {
    it("registers a patient gaslessly: the hospital submits the key's signed registration", async function () {
      const { as, miip, hospital, signers, patientA, pharmacy } = await loadFixture(sdkFixture);
      const newcomer = signers[24];
      await expect(as(newcomer).patients.myId()).to.be.rejectedWith(
        MIIPClientError,
        `${newcomer.address} is no patient's address: register first (patients.register)`,
      );
      const before = await hre.ethers.provider.getBalance(newcomer.address);
      const signed = await as(newcomer).patients.signRegistration();
      const { patientId, events } = await as(hospital).patients.submitRegistration(signed);
      expect(patientId).to.equal(3n);
      expect(events.map((e) => [e.name, e.args.account])).to.deep.equal([["PatientRegistered", newcomer.address]]);
      expect(await hre.ethers.provider.getBalance(newcomer.address)).to.equal(before);
      expect(await miip.patients.idOf(newcomer.address)).to.deep.equal({ patientId: 3n, current: true });
      expect(await as(newcomer).patients.myId()).to.equal(3n);
      expect(await miip.patients.get(3)).to.deep.include({
        patientId: 3n,
        account: newcomer.address,
        incomingAccount: ZeroAddress,
        incomingDueAt: 0,
        nonce: 0n,
        guardianCount: 0,
        threshold: 0,
        round: 0n,
      });

      const replay = await refusal(() => as(hospital).patients.submitRegistration(signed));
      expect(String(replay)).to.equal(
        `PatientsAccountTaken: ${newcomer.address} is or was the address of patient 3: an address serves one patient, once`,
      );
      expect((await refusal(() => as(patientA).patients.register())).args).to.deep.equal({
        account: patientA.address,
        patientId: 1n,
      });
      const institution = await refusal(() => as(pharmacy).patients.register());
      expect(institution.name).to.equal("PatientsAccountIsInstitution");
      const late = await as(signers[25]).patients.signRegistration({ deadline: (await time.latest()) - 1 });
      expect((await refusal(() => as(hospital).patients.submitRegistration(late))).name).to.equal(
        "PatientsSignatureExpired",
      );
      expect(await miip.patients.idOf(signers[25].address)).to.deep.equal({ patientId: 0n, current: false });
      const unknown = await refusal(() => miip.patients.get(9));
      expect(String(unknown)).to.equal("PatientsUnknownPatient: there is no patient 9");
      expect(await miip.contracts.participants.patientCount()).to.equal(3n);
    });

    it("grants and revokes gaslessly: the relayer pays, the patient's ETH balance does not move", async function () {
      const { as, miip, patientA, patientB, relayer, pharmacy, ids } = await loadFixture(recordsFixture);
      const eth = () => hre.ethers.provider.getBalance(patientA.address);
      const [before, relayerBefore] = [await eth(), await hre.ethers.provider.getBalance(relayer.address)];
      const gasless = as(patientA).gasless(relayer);
      const { grantIds, events } = await gasless.consent.grant({
        grantee: pharmacy.address,
        purpose: "treatment",
        scope: { kind: "record", ids: [1, 3] },
        expiresAt: (await time.latest()) + DAY,
      });
      expect(grantIds).to.have.length(2);
      expect(events.map((e) => [e.name, e.args.patientId, e.args.actor])).to.deep.equal([
        ["ConsentGranted", ids.patientA, ZeroHash],
        ["ConsentGranted", ids.patientA, ZeroHash],
      ]);
      await gasless.consent.revoke(grantIds[0]);
      expect(await miip.consent.getGrant(grantIds[0])).to.deep.include({ revoked: true, live: false });
      expect(await miip.consent.getGrant(grantIds[1])).to.deep.include({ revoked: false, live: true });
      expect(await eth()).to.equal(before);
      expect(await hre.ethers.provider.getBalance(relayer.address)).to.be.lessThan(relayerBefore);
      // Each relayed request used the patient's next nonce.
      expect((await miip.patients.get(ids.patientA)).nonce).to.equal(2n);

      const again = await refusal(() => gasless.consent.revoke(grantIds[0]));
      expect(String(again)).to.equal(`ConsentAlreadyRevoked: grant ${grantIds[0]} is already revoked`);
      const notHers = await refusal(() => as(patientB).gasless(relayer).consent.revoke(grantIds[1]));
      expect(String(notHers)).to.equal(`ConsentNotPatientsGrant: grant ${grantIds[1]} is not patient 2's`);
      expect(await miip.consent.getGrant(grantIds[1])).to.deep.include({ live: true });
      expect((await miip.patients.get(ids.patientA)).nonce).to.equal(2n);
      expect(await eth()).to.equal(before);
    });

    it("rotates a patient's key: records and grants stay under the same id, and the old key can no longer act", async function () {
      const { as, miip, patientA, relayer, pharmacy, stranger, ids } = await loadFixture(recordsFixture);
      const { grantIds } = await as(patientA).consent.grant({
        grantee: pharmacy.address,
        purpose: "treatment",
        scope: { kind: "all-records" },
        expiresAt: (await time.latest()) + DAY,
      });
      // The new key is a fresh wallet with no ETH: it signs, the relayer sends.
      const newKey = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
      await as(patientA).patients.proposeAccount(newKey.address);
      // A proposal is taken at once (no due time).
      expect(await miip.patients.get(ids.patientA)).to.deep.include({
        incomingAccount: newKey.address,
        incomingDueAt: 0,
      });
      const wrong = await refusal(() => as(stranger).patients.acceptAccount(ids.patientA));
      expect(String(wrong)).to.equal(
        `PatientsNothingToAccept: ${stranger.address} is neither the address patient 1 proposed nor a due recovery's`,
      );
      const accepted = await as(relayer).patients.submitAcceptance(await miip.as(newKey).patients.signAcceptance(1));
      expect(accepted.events.find((e) => e.name === "PatientAccountChanged")!.args).to.deep.include({
        patientId: ids.patientA,
        previous: patientA.address,
        account: newKey.address,
        recovered: false,
      });

      expect(await miip.patients.get(ids.patientA)).to.deep.include({
        account: newKey.address,
        incomingAccount: ZeroAddress,
      });
      expect(await miip.patients.idOf(patientA.address)).to.deep.equal({ patientId: ids.patientA, current: false });
      expect(await miip.patients.idOf(newKey.address)).to.deep.equal({ patientId: ids.patientA, current: true });
      expect((await miip.records.idsOfPatient(ids.patientA)).total).to.equal(4);
      expect(await miip.consent.getGrant(grantIds[0])).to.deep.include({ patientId: ids.patientA, live: true });
      expect(await miip.records.canRead(newKey.address, 1, "treatment")).to.equal(true);
      expect(await miip.records.canRead(patientA.address, 1, "treatment")).to.equal(false);
      expect(await miip.records.canRead(pharmacy.address, 1, "treatment")).to.equal(true);

      await expect(as(patientA).consent.revoke(grantIds[0])).to.be.rejectedWith(
        MIIPClientError,
        `${patientA.address} is a former address of patient 1: it can no longer act`,
      );
      const old = await refusal(() => as(patientA).forPatient(ids.patientA, ZeroHash).consent.revoke(grantIds[0]));
      expect(String(old)).to.equal(`PatientsNotPatient: ${patientA.address} is not patient 1's current address`);
      expect((await refusal(() => as(patientA).patients.register())).name).to.equal("PatientsAccountTaken");

      await miip.as(newKey).gasless(relayer).consent.revoke(grantIds[0]);
      expect(await miip.consent.getGrant(grantIds[0])).to.deep.include({ revoked: true });
      expect(await hre.ethers.provider.getBalance(newKey.address)).to.equal(0n);
    });

    it("appoints guardians by commitment; a guardian closes an emergency and blocks the hospital", async function () {
      const { as, miip, patientB, guardian, stranger, hospital, ids } = await loadFixture(sdkFixture);
      const acting = await as(patientB).patients.appointGuardian(guardian.address, ["act"]);
      expect(acting.salt).to.match(/^0x[0-9a-f]{64}$/);
      expect(acting.commitment).to.equal(guardianCommitment(ids.patientB, guardian.address, acting.salt));
      expect(acting.events.map((e) => [e.name, e.args.commitment ?? null, e.args.powers ?? null])).to.deep.equal([
        ["GuardianSet", acting.commitment, 2n],
        ["RecoveryRoundClosed", null, null],
      ]);
      const recoverer = await as(patientB).patients.appointGuardian(stranger.address, ["recover"]);
      expect(await miip.patients.get(ids.patientB)).to.deep.include({ guardianCount: 2, recoverers: 1 });
      await expect(as(patientB).patients.appointGuardian(stranger.address, [])).to.be.rejectedWith(
        MIIPClientError,
        "a guardian needs at least one power",
      );

      await as(hospital).consent.openEmergency(ids.patientB, "unconscious");
      const forB = as(guardian).forPatient(ids.patientB, acting.salt);
      const wrongSalt = await refusal(() =>
        as(guardian).forPatient(ids.patientB, recoverer.salt).consent.closeEmergency(hospital.address),
      );
      expect(wrongSalt.name).to.equal("PatientsNotGuardian");
      const lacks = await refusal(() =>
        as(stranger).forPatient(ids.patientB, recoverer.salt).consent.closeEmergency(hospital.address),
      );
      expect(String(lacks)).to.equal(
        `PatientsGuardianLacksPower: guardian ${recoverer.commitment} of patient 2 lacks the act power`,
      );
      const manage = await refusal(() => forB.patients.appointGuardian(guardian.address, ["recover", "act"]));
      expect(manage.name).to.equal("PatientsGuardianCannotManage");

      const closed = await forB.consent.closeEmergency(hospital.address, { block: true });
      expect(closed.events.map((e) => [e.name, e.args.actor])).to.deep.equal([
        ["EmergencyAccessClosed", acting.commitment],
        ["EmergencyBlockSet", acting.commitment],
      ]);
      expect(await miip.consent.emergencyState(ids.patientB, hospital.address)).to.deep.include({
        openings: 1,
        blocked: true,
      });
      const blocked = await refusal(() => as(hospital).consent.openEmergency(ids.patientB, "unconscious"));
      expect(String(blocked)).to.equal(
        `ConsentEmergencyBlocked: patient 2 blocked institution ${ids.hospital}'s break-glass access`,
      );
      // The hospital still answers for the opening; nobody can flag it before its deadline.
      const early = await refusal(() => miip.consent.flagMissedJustification(ids.patientB, hospital.address));
      expect(early.name).to.equal("ConsentJustificationNotDue");
      await as(hospital).consent.justifyEmergency(ids.patientB, hre.ethers.id("encrypted note"));
      expect((await miip.consent.emergencyState(ids.patientB, hospital.address)).justifyBy).to.equal(0);

      await as(patientB).consent.setEmergencyBlock(hospital.address, false);
      await as(hospital).consent.openEmergency(ids.patientB, "unconscious");
      await forB.consent.closeEmergency(hospital.address);
      const capped = await refusal(() => as(hospital).consent.openEmergency(ids.patientB, "unconscious"));
      expect(capped.name).to.equal("ConsentEmergencyCapReached");
      await as(patientB).patients.removeGuardian(acting.commitment);
      expect((await miip.patients.guardian(ids.patientB, acting.commitment)).index).to.equal(0);
      expect((await refusal(() => forB.consent.setEmergencyBlock(hospital.address, true))).name).to.equal(
        "PatientsNotGuardian",
      );
    });

    it("recovers a lost key with 2 of 3 guardians after the delay, one approval relayed", async function () {
      const { as, miip, patientA, guardian, relayer, signers, ids } = await loadFixture(recordsFixture);
      const [second, third] = [signers[24], signers[25]];
      const appointed: { salt: string; commitment: string }[] = [];
      for (const g of [guardian, second, third]) {
        appointed.push(await as(patientA).patients.appointGuardian(g.address, ["recover"]));
      }
      const tooMany = await refusal(() => as(patientA).patients.setRecoveryThreshold(4));
      expect(String(tooMany)).to.equal(
        "PatientsInvalidThreshold: patient 1: a recovery threshold of 4 is more than its 3 guardians able to recover",
      );
      await as(patientA).patients.setRecoveryThreshold(2);
      const newKey = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);

      const first = await as(guardian)
        .forPatient(ids.patientA, appointed[0].salt)
        .patients.approveRecovery(newKey.address);
      expect(first).to.deep.include({ armed: false, dueAt: undefined });
      expect(await miip.patients.recoveryApprovals(ids.patientA, newKey.address)).to.equal(1);
      const twice = await refusal(() =>
        as(guardian).forPatient(ids.patientA, appointed[0].salt).patients.approveRecovery(newKey.address),
      );
      expect(twice.name).to.equal("PatientsAlreadyApproved");

      const secondEth = await hre.ethers.provider.getBalance(second.address);
      const armed = await as(second)
        .forPatient(ids.patientA, appointed[1].salt)
        .gasless(relayer)
        .patients.approveRecovery(newKey.address);
      expect(armed.armed).to.equal(true);
      expect(armed.dueAt).to.equal((await time.latest()) + 3 * DAY);
      expect(await hre.ethers.provider.getBalance(second.address)).to.equal(secondEth);
      expect(await miip.patients.recoveryApprovals(ids.patientA, newKey.address)).to.equal(2);
      expect(await miip.patients.get(ids.patientA)).to.deep.include({
        incomingAccount: newKey.address,
        incomingDueAt: armed.dueAt,
      });
      const late = await refusal(() =>
        as(third).forPatient(ids.patientA, appointed[2].salt).patients.approveRecovery(third.address),
      );
      expect(late.name).to.equal("PatientsRecoveryArmed");

      const early = await refusal(async () =>
        as(relayer).patients.submitAcceptance(await miip.as(newKey).patients.signAcceptance(ids.patientA)),
      );
      expect(early.name).to.equal("PatientsRecoveryNotDue");
      expect(early.args.dueAt).to.equal(BigInt(armed.dueAt!));
      await time.increaseTo(armed.dueAt!);
      const accepted = await as(relayer).patients.submitAcceptance(
        await miip.as(newKey).patients.signAcceptance(ids.patientA),
      );
      expect(accepted.events.find((e) => e.name === "PatientAccountChanged")!.args).to.deep.include({
        previous: patientA.address,
        account: newKey.address,
        recovered: true,
      });
      expect(await miip.patients.get(ids.patientA)).to.deep.include({
        account: newKey.address,
        incomingAccount: ZeroAddress,
        incomingDueAt: 0,
      });
      expect((await miip.records.idsOfPatient(ids.patientA)).total).to.equal(4);
      expect(
        (await refusal(() => as(patientA).forPatient(ids.patientA, ZeroHash).patients.cancelRecovery())).name,
      ).to.equal("PatientsNotPatient");

      const history = await miip.history.accountHistory(ids.patientA);
      expect(history.entries.map((e) => e.event)).to.deep.equal([
        "PatientRegistered",
        "GuardianSet",
        "RecoveryRoundClosed",
        "GuardianSet",
        "RecoveryRoundClosed",
        "GuardianSet",
        "RecoveryRoundClosed",
        "RecoveryThresholdSet",
        "RecoveryRoundClosed",
        "RecoveryApproved",
        "RecoveryApproved",
        "RecoveryArmed",
        "PatientAccountChanged",
        "RecoveryRoundClosed",
      ]);
      expect(history.entries.filter((e) => e.event === "RecoveryApproved").map((e) => e.args.commitment)).to.deep.equal(
        [appointed[0].commitment, appointed[1].commitment],
      );
      expect((await miip.history.accountHistory(ids.patientA, { offset: 12, limit: 5 })).total).to.equal(14);
    });

    it("cancels a recovery with the patient's current key: every approval of the round counts for nothing", async function () {
      const { as, miip, patientA, guardian, relayer, signers, ids } = await loadFixture(sdkFixture);
      const second = signers[24];
      const a = await as(patientA).patients.appointGuardian(guardian.address, ["recover", "act"]);
      const b = await as(patientA).patients.appointGuardian(second.address, ["recover"]);
      const off = await refusal(() =>
        as(guardian).forPatient(ids.patientA, a.salt).patients.approveRecovery(guardian.address),
      );
      expect(String(off)).to.equal(
        "PatientsRecoveryOff: patient 1's recovery threshold is 0: nobody can recover the account",
      );
      await as(patientA).patients.setRecoveryThreshold(2);
      const thiefKey = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
      const thief = thiefKey.address;
      await as(guardian).forPatient(ids.patientA, a.salt).patients.approveRecovery(thief);
      const { armed, dueAt } = await as(second).forPatient(ids.patientA, b.salt).patients.approveRecovery(thief);
      expect(armed).to.equal(true);
      const { round } = await miip.patients.get(ids.patientA);

      const byGuardian = await refusal(() => as(guardian).forPatient(ids.patientA, a.salt).patients.cancelRecovery());
      expect(byGuardian.name).to.equal("PatientsGuardianCannotManage");
      const cancelled = await as(patientA).gasless(relayer).patients.cancelRecovery();
      expect(cancelled.events.map((e) => [e.name, e.args.round])).to.deep.equal([["RecoveryRoundClosed", round]]);
      expect(await miip.patients.get(ids.patientA)).to.deep.include({
        round: round + 1n,
        incomingAccount: ZeroAddress,
        incomingDueAt: 0,
      });
      expect(await miip.patients.recoveryApprovals(ids.patientA, thief)).to.equal(0);
      await time.increaseTo(dueAt!);
      const refused = await refusal(async () =>
        as(relayer).patients.submitAcceptance(await miip.as(thiefKey).patients.signAcceptance(ids.patientA)),
      );
      expect(refused.name).to.equal("PatientsNothingToAccept");
      expect((await miip.patients.get(ids.patientA)).account).to.equal(patientA.address);
      // A new round starts from zero: one approval does not arm it.
      const again = await as(guardian).forPatient(ids.patientA, a.salt).patients.approveRecovery(thief);
      expect(again.armed).to.equal(false);
      expect(await miip.patients.recoveryApprovals(ids.patientA, thief)).to.equal(1);
    });

    it("voids an armed recovery whose address was taken since, so that the guardians can approve another", async function () {
      const { as, miip, patientB, guardian, hospital, signers, ids } = await loadFixture(sdkFixture);
      const g = await as(patientB).patients.appointGuardian(guardian.address, ["recover"]);
      await as(patientB).patients.setRecoveryThreshold(1);
      const none = await refusal(() => miip.patients.voidRecovery(ids.patientB));
      expect(String(none)).to.equal("PatientsNoRecovery: no recovery of patient 2 reached its threshold in this round");
      const lost = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
      const forB = as(guardian).forPatient(ids.patientB, g.salt);
      expect((await forB.patients.approveRecovery(lost.address)).armed).to.equal(true);
      const valid = await refusal(() => miip.patients.voidRecovery(ids.patientB));
      expect(String(valid)).to.equal(
        `PatientsRecoveryStillValid: the recovery of patient 2 to ${lost.address} can still be accepted: only the patient's key or a change of guardians ends it`,
      );
      // The armed address becomes another patient's: the recovery can never complete.
      await as(hospital).patients.submitRegistration(await miip.as(lost).patients.signRegistration());
      const { round } = await miip.patients.get(ids.patientB);
      const voided = await as(signers[24]).patients.voidRecovery(ids.patientB);
      expect(voided.events.map((e) => [e.name, e.args.round])).to.deep.equal([["RecoveryRoundClosed", round]]);
      expect(await miip.patients.get(ids.patientB)).to.deep.include({
        incomingAccount: ZeroAddress,
        round: round + 1n,
      });
      const fresh = hre.ethers.Wallet.createRandom().address;
      expect((await forB.patients.approveRecovery(fresh)).armed).to.equal(true);
      // An address that is already taken is never armed.
      const taken = await refusal(() => as(patientB).patients.proposeAccount(lost.address));
      expect(taken.name).to.equal("PatientsAccountTaken");
    });
  });

  describe("history", function () {
    it("pages a patient's records with their digests and URIs, whatever the block range per query", async function () {
      const { miip, ids, deployment, signers } = await loadFixture(recordsFixture);
      const page = await miip.history.recordsOfPatient(ids.patientA, { offset: 1, limit: 2 });
      expect(page.total).to.equal(4);
      expect(page.entries.map((e) => [e.id, e.recordTypeName, e.digest, e.uri])).to.deep.equal([
        [2n, "prescription", hre.ethers.id("document 2"), "ipfs://bafkreidoc2"],
        [3n, "lab-result", hre.ethers.id("document 3"), "ipfs://bafkreidoc3"],
      ]);
      const narrow = await MIIP.connect(signers[0], deployment, { maxBlockRange: 2 });
      expect(await narrow.history.recordsOfPatient(ids.patientA, { offset: 1, limit: 2 })).to.deep.equal(page);
      expect((await miip.history.recordsOfPatient(ids.patientA, { offset: 9 })).entries).to.deep.equal([]);
      expect((await miip.history.recordsOfPatient(ids.patientB)).total).to.equal(0);
      expect(await miip.history.documentOf(3)).to.deep.equal({
        patientId: ids.patientA,
        digest: hre.ethers.id("document 3"),
        uri: "ipfs://bafkreidoc3",
      });
      expect((await refusal(() => miip.history.documentOf(42))).name).to.equal("RecordsUnknownRecord");
    });
  });

  describe("claims", function () {
    /** The suite with an agency, programme 1 (co-payments on chain) funded, patient A enrolled with IST and consent. */
    async function claimsFixture() {
      const f = await recordsFixture();
      const { as, insurer, hospital, patientA, agency, registrar, miip, treasury, resolved } = f;
      const { institutionId: agencyId } = await as(registrar).participants.register({
        account: agency.address,
        kind: "public-health-agency",
        licence: "NHIS",
        name: "NHIS",
      });
      await time.increase(7 * DAY);
      await miip.participants.activate(agencyId);
      const reserveGrant = resolved.genesis.grants.findIndex((g) => g.category === resolved.genesis.reserveCategory);
      await miip.token.release(reserveGrant);
      await as(treasury).token.transfer(insurer.address, IST(10_000));
      await as(treasury).token.transfer(patientA.address, IST(1_000));
      const { programmeId } = await as(insurer).claims.openProgramme({
        ...demoProgramme(agency.address, true, true),
        coveredTypes: ["lab-result", "prescription"],
      });
      await as(insurer).claims.deposit(programmeId, IST(10_000));
      await as(patientA).gasless(hospital).claims.join(programmeId);
      await as(patientA).consent.grant({
        grantee: insurer.address,
        purpose: "insurance-claim",
        scope: { kind: "all-records" },
        expiresAt: (await time.latest()) + 365 * DAY,
      });
      // Cover starts at enrolment: the care claimed for comes after it.
      await time.increase(60);
      const treated = await f.asHospital.records.registerBatch(
        [5, 6, 7, 8, 9, 10].map((i) => ({ ...f.doc(i), issuedAt: undefined })),
      );
      return { ...f, programmeId, treated: treated.recordIds };
    }

    it("runs a programme: settings read back, enrolment by signature, deposits, withdrawals with notice", async function () {
      const { as, insurer, hospital, patientA, agency, miip, ids, programmeId } = await loadFixture(claimsFixture);
      expect(await miip.claims.programme(programmeId)).to.deep.include({
        arbitrator: agency.address,
        coveredTypes: ["prescription", "lab-result"],
        autoApproveThreshold: IST(300),
        copayBps: 2_000,
        reviewDays: 14,
        disputeDays: 7,
        arbitrationDays: 21,
        openEnrolment: true,
        copayOnChain: true,
        free: IST(10_000),
        reserved: 0n,
        withdrawal: undefined,
      });
      expect((await miip.claims.cover(programmeId, ids.patientA)).enrolledAt).to.be.greaterThan(0);
      const twice = await refusal(() => as(patientA).gasless(hospital).claims.join(programmeId));
      expect(String(twice)).to.match(
        /^ClaimsAlreadyEnrolled: patient 1 is already enrolled in programme 1, since \d{4}-\d\d-\d\dT[\d:]+Z \(a cover must end before another starts\)$/,
      );

      const announced = await as(insurer).claims.announceWithdrawal(programmeId, IST(1_000));
      expect(announced).to.deep.include({ amount: IST(1_000), to: insurer.address });
      expect(announced.executableAt).to.equal((await time.latest()) + 7 * DAY);
      expect((await miip.claims.programme(programmeId)).withdrawal).to.deep.equal({
        amount: IST(1_000),
        executableAt: announced.executableAt,
        to: insurer.address,
      });
      const early = await refusal(() => as(insurer).claims.withdraw(programmeId));
      expect(String(early)).to.match(
        /^ClaimsWithdrawalNotDue: programme 1's announced withdrawal can be executed from \d{4}-/,
      );
      await time.increaseTo(announced.executableAt);
      const before = await miip.token.balanceOf(insurer.address);
      expect(await as(insurer).claims.withdraw(programmeId)).to.deep.include({
        amount: IST(1_000),
        to: insurer.address,
        free: IST(9_000),
      });
      expect(await miip.token.balanceOf(insurer.address)).to.equal(before + IST(1_000));
      expect((await refusal(() => as(insurer).claims.withdraw(programmeId))).name).to.equal(
        "ClaimsNoWithdrawalAnnounced",
      );
      expect((await refusal(() => as(insurer).claims.withdrawCredit())).name).to.equal("ClaimsNoCredit");
      // A patient's credit is the patient's, whatever its address: withdrawn through the gateway, relayed here.
      expect(await miip.claims.creditOf("patient", ids.patientA)).to.equal(0n);
      const none = await refusal(() => as(patientA).gasless(hospital).claims.withdrawCredit());
      expect([none.name, none.args.party, none.args.id]).to.deep.equal(["ClaimsNoCredit", 1n, ids.patientA]);
    });

    it("signs bills as the escrow hashes them, and passes them between the parties as JSON", async function () {
      const { as, hospital, miip, programmeId, treated, deployment } = await loadFixture(claimsFixture);
      const { BILL_TYPES } = await import("../../config/eip712");
      const escrow = await hre.ethers.getContractAt("ClaimEscrow", deployment.ClaimEscrow);
      expect(await escrow.BILL_TYPEHASH()).to.equal(
        hre.ethers.id(hre.ethers.TypedDataEncoder.from(BILL_TYPES).encodeType("Bill")),
      );
      const bill = await as(hospital).claims.bill({
        programmeId,
        recordIds: [treated[0], treated[1]],
        amount: IST(250),
        billDigest: billDigest(new TextEncoder().encode("itemised, encrypted")),
      });
      expect(bill.payTo).to.equal("hospital");
      expect(bill.expiresAt).to.equal((await time.latest()) + 7 * DAY);
      expect(miip.claims.billHash(bill)).to.equal(await escrow.billHash(billMessage(bill)));
      const signed = await as(hospital).claims.signBill(bill);
      expect(
        hre.ethers.verifyTypedData(
          { name: "MIIP Claims", version: "1", chainId: 31337n, verifyingContract: deployment.ClaimEscrow },
          BILL_TYPES,
          billMessage(bill),
          signed.signature,
        ),
      ).to.equal(hospital.address);
      expect(billFromJson(JSON.parse(billToJson(signed)))).to.deep.equal({ bill, signature: signed.signature });
      expect(billFromJson(billToJson(bill))).to.deep.equal({ bill, signature: undefined });
      expect(() => billFromJson({ ...bill, payTo: "insurer" })).to.throw(MIIPClientError, "not a bill");
      await expect(as(hospital).claims.bill({ ...bill, billDigest: "0x12" })).to.be.rejectedWith(
        MIIPClientError,
        "billDigest must be 32 bytes",
      );
    });

    it("files a small claim once both parties attest: the hospital on chain, the patient relayed, paying the co-payment too", async function () {
      const { as, hospital, patientA, relayer, miip, ids, programmeId, treated } = await loadFixture(claimsFixture);
      const [visit] = treated;
      const bill = await as(hospital).claims.bill({
        programmeId,
        recordIds: [visit],
        amount: IST(250),
        billDigest: billDigest(new TextEncoder().encode("consultation")),
      });
      const billed = await as(hospital).claims.attest(bill);
      expect(billed).to.deep.include({
        claimId: 0n,
        patientId: ids.patientA,
        status: "waiting",
        waitingFor: "patient",
        due: 0n,
        paidNow: 0n,
        copaid: 0n,
      });
      expect(await miip.claims.billState(bill)).to.deep.equal({
        billHash: billed.billHash,
        hospital: true,
        patient: false,
        cancelled: false,
        claimId: 0n,
      });
      const again = await refusal(() => as(hospital).claims.attest(bill));
      expect(String(again)).to.equal(
        `ClaimsBillAlreadyAttested: the hospital already attested bill ${billed.billHash}`,
      );

      // The patient's app finds the bill by its hash and confirms it: signed on the phone, relayed, no ETH spent.
      const found = await as(patientA).claims.attestedBill(billed.billHash);
      expect(found).to.deep.equal({ bill, by: "hospital", patientId: ids.patientA, hospitalId: Number(ids.hospital) });
      const [eth, ist, hospitalIst] = [
        await hre.ethers.provider.getBalance(patientA.address),
        await miip.token.balanceOf(patientA.address),
        await miip.token.balanceOf(hospital.address),
      ];
      const small = await as(patientA).gasless(relayer).claims.attest(found.bill);
      expect(small).to.deep.include({
        claimId: visit,
        billHash: billed.billHash,
        status: "paid",
        due: IST(200),
        paidNow: IST(200),
        copaid: IST(50),
      });
      expect(small.events.map((e) => e.name)).to.include.members(["Approval", "ClaimFiled"]);
      expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(eth);
      expect(await miip.token.balanceOf(patientA.address)).to.equal(ist - IST(50));
      expect(await miip.token.balanceOf(hospital.address)).to.equal(hospitalIst + IST(250));
      expect(await miip.claims.get(small.claimId)).to.deep.equal({
        claimId: visit,
        patientId: ids.patientA,
        programmeId: 1,
        hospitalId: Number(ids.hospital),
        status: "paid",
        payTo: "hospital",
        payee: hospital.address,
        year: 0,
        billed: IST(250),
        due: IST(200),
        paid: IST(200),
        deadline: 0,
      });
      // Once filed, nothing of the bill waits on chain: its claim is found by its first record.
      expect(await miip.claims.billState(bill)).to.deep.include({ hospital: false, patient: false, claimId: visit });
      const timeline = await miip.history.claimTimeline(small.claimId);
      expect(timeline.entries.map((e) => e.event)).to.deep.equal(["BillAttested", "ClaimFiled"]);

      // An amendment is the same treatment: its bill is refused, whichever version it names.
      const { recordId: corrected } = await as(hospital).records.amend(visit, {
        digest: hre.ethers.id("corrected"),
        uri: "ipfs://corrected",
      });
      expect((await miip.records.get(corrected)).firstVersion).to.equal(visit);
      expect(await miip.claims.claimOfRecord(corrected)).to.equal(visit);
      const signed = await as(hospital).claims.signBill({ ...bill, recordIds: [corrected] });
      const claimed = await refusal(() => as(patientA).gasless(relayer).claims.attest(signed));
      expect(String(claimed)).to.equal(`ClaimsRecordAlreadyClaimed: record ${corrected} is already in claim ${visit}`);
      expect((await refusal(() => miip.claims.get(99))).name).to.equal("ClaimsUnknownClaim");
    });

    it("files a large claim in one relayed action, then reviews, disputes with evidence and arbitrates it", async function () {
      const { as, hospital, patientA, relayer, insurer, agency, miip, ids, programmeId, treated } =
        await loadFixture(claimsFixture);
      const [, surgery, scan] = treated;
      const signed = await as(hospital).claims.signBill(
        await as(hospital).claims.bill({
          programmeId,
          recordIds: [surgery, scan],
          amount: IST(4_000),
          billDigest: billDigest(new TextEncoder().encode("theatre, anaesthesia, ward")),
        }),
      );
      const large = await as(patientA).gasless(relayer).claims.attest(signed);
      expect(large).to.deep.include({
        claimId: surgery,
        status: "pending",
        due: IST(3_200),
        paidNow: 0n,
        copaid: IST(800),
      });
      expect((await miip.claims.programme(programmeId)).reserved).to.equal(IST(3_200));
      expect(await as(insurer).claims.approve(large.claimId, IST(2_000), "OVERBILLED")).to.deep.include({
        status: "partially-approved",
        paidNow: IST(2_000),
        deadline: (await time.latest()) + 7 * DAY,
      });
      const settled = await refusal(() => as(insurer).claims.reject(large.claimId, "late"));
      expect(String(settled)).to.equal(`ClaimsInvalidStatus: claim ${large.claimId} is partially-approved`);
      const evidence = billDigest(new TextEncoder().encode("operating notes"));
      const disputed = await as(hospital).claims.dispute(large.claimId, "JUSTIFIED", evidence);
      expect(disputed.status).to.equal("disputed");
      expect(disputed.events.find((e) => e.name === "ClaimDecided")!.args).to.deep.include({
        evidence,
        by: 2n,
      });
      expect(await as(agency).claims.arbitrate(large.claimId, IST(500), "PARTLY")).to.deep.include({
        status: "settled",
        paidNow: IST(500),
        deadline: 0,
      });
      expect(await miip.claims.get(large.claimId)).to.deep.include({
        status: "settled",
        patientId: ids.patientA,
        paid: IST(2_500),
        payee: hospital.address,
      });
      const timeline = await miip.history.claimTimeline(large.claimId);
      expect(timeline.entries.map((e) => [e.event, e.args.status])).to.deep.equal([
        ["ClaimFiled", 1n],
        ["ClaimDecided", 3n],
        ["ClaimDecided", 6n],
        ["ClaimDecided", 7n],
      ]);
    });

    it("pays the patient a bill it already paid, refuses another patient's, and lets a party cancel a bill", async function () {
      const { as, hospital, patientA, patientB, relayer, miip, deployment, programmeId, treated } =
        await loadFixture(claimsFixture);
      const checkUp = treated[3];
      const signed = await as(hospital).claims.signBill(
        await as(hospital).claims.bill({
          programmeId,
          recordIds: [checkUp],
          amount: IST(100),
          payTo: "patient",
          billDigest: billDigest(new TextEncoder().encode("check-up, paid at the desk")),
        }),
      );
      const notHers = await refusal(() => as(patientB).claims.attest(signed));
      expect(notHers.name).to.equal("ClaimsNotBillParty");
      expect(notHers.args).to.deep.equal({ caller: deployment.ParticipantRegistry });
      const ist = await miip.token.balanceOf(patientA.address);
      const own = await as(patientA).gasless(relayer).claims.attest(signed);
      expect(own).to.deep.include({ status: "paid", due: IST(80), paidNow: IST(80), copaid: 0n });
      expect(await miip.claims.get(own.claimId)).to.deep.include({ payTo: "patient", payee: patientA.address });
      expect(await miip.token.balanceOf(patientA.address)).to.equal(ist + IST(80));

      // Either party cancels a bill before it is filed; its attestations and signature are then worthless.
      const draft = await as(hospital).claims.bill({
        programmeId,
        recordIds: [treated[4]],
        amount: IST(120),
        billDigest: billDigest(new TextEncoder().encode("draft")),
      });
      const draftSigned = await as(hospital).claims.signBill(draft);
      await as(patientA).gasless(relayer).claims.cancelBill(draft);
      expect(await miip.claims.billState(draft)).to.deep.include({ cancelled: true, hospital: false, patient: false });
      const cancelled = await refusal(() => as(patientA).gasless(relayer).claims.attest(draftSigned));
      expect(String(cancelled)).to.equal(
        `ClaimsBillCancelled: bill ${draftSigned.billHash} was cancelled by a party to it`,
      );
      expect((await refusal(() => as(hospital).claims.cancelBill(draft))).name).to.equal("ClaimsBillCancelled");
    });

    it("applies the default outcomes of silent parties, while governance replaces the arbitrator", async function () {
      const {
        as,
        hospital,
        patientA,
        relayer,
        insurer,
        agency,
        registrar,
        deployer,
        signers,
        miip,
        programmeId,
        treated,
      } = await loadFixture(claimsFixture);
      const scan = treated[5];
      const signed = await as(hospital).claims.signBill(
        await as(hospital).claims.bill({
          programmeId,
          recordIds: [scan],
          amount: IST(2_000),
          billDigest: billDigest(new TextEncoder().encode("CT")),
        }),
      );
      const filed = await as(patientA).gasless(relayer).claims.attest(signed);
      const { deadline } = await miip.claims.get(filed.claimId);
      const early = await refusal(() => as(relayer).claims.applyDefault(filed.claimId));
      expect(String(early)).to.match(
        new RegExp(`^ClaimsDeadlineNotPassed: claim ${filed.claimId}'s current step runs until \\d{4}-`),
      );
      await time.increaseTo(deadline + 1);
      expect((await refusal(() => as(insurer).claims.approve(filed.claimId, IST(1), "late"))).name).to.equal(
        "ClaimsDeadlinePassed",
      );
      const escalated = await as(relayer).claims.applyDefault(filed.claimId);
      expect(escalated).to.deep.include({ status: "escalated", paidNow: IST(240), deadline: deadline + 21 * DAY });

      // A second agency, then governance's delayed replacement of the programme's arbitrator.
      const tribunal = signers[25];
      const { institutionId, activatesAt } = await as(registrar).participants.register({
        account: tribunal.address,
        kind: "public-health-agency",
        licence: "HIRA",
        name: "HIRA",
      });
      await time.increaseTo(activatesAt);
      await miip.participants.activate(institutionId);
      const call = miip.governance.replaceArbitrator(programmeId, tribunal.address);
      expect(call.label).to.equal(`replace the arbitrator of programme ${programmeId} with ${tribunal.address}`);
      const scheduled = await as(deployer).governance.schedule(call);
      await time.increaseTo(scheduled.readyAt);
      const replaced = await as(deployer).governance.execute(call);
      expect(replaced.events.find((e) => e.name === "ArbitratorReplaced")!.args).to.deep.include({
        arbitratorId: BigInt(institutionId),
      });
      expect(await miip.claims.programme(programmeId)).to.deep.include({
        arbitrator: tribunal.address,
        arbitratorId: institutionId,
      });
      expect((await refusal(() => as(agency).claims.arbitrate(filed.claimId, 1n, "x"))).name).to.equal(
        "ClaimsNotArbitrator",
      );
      await time.increaseTo(escalated.deadline + 1);
      expect(await as(relayer).claims.applyDefault(filed.claimId)).to.deep.include({
        status: "settled",
        paidNow: IST(1_360),
        deadline: 0,
      });
      expect(await miip.claims.get(filed.claimId)).to.deep.include({ status: "settled", paid: IST(1_600) });
    });
  });

  describe("supply chain", function () {
    it("follows a pack from factory to patient: devices bound to shipments, a late excursion, a prescription, a recall the patient's wallet sees", async function () {
      const { as, registrar, manufacturer, distributor, pharmacy, regulator, hospital, relayer, ids, miip } =
        await loadFixture(sdkFixture);
      const idOf: Record<string, bigint> = {};
      for (const [account, kind] of [
        [manufacturer, "manufacturer"],
        [distributor, "distributor"],
        [regulator, "regulator"],
      ] as const) {
        const { institutionId, activatesAt } = await as(registrar).participants.register({
          account: account.address,
          kind,
          licence: kind,
          name: kind === "manufacturer" ? "Hanmi Pharma" : kind,
        });
        await time.increaseTo(activatesAt);
        await miip.participants.activate(institutionId);
        idOf[kind] = BigInt(institutionId);
      }
      const { effectiveAt } = await as(registrar).products.assignPrefix("8806469", idOf.manufacturer);
      await time.increaseTo(effectiveAt);
      const { gtin } = await as(manufacturer).products.register("8806469001235", 7, {
        name: "Insulin glargine",
        strength: "100 U/mL",
        form: "solution for injection",
        marketingAuthorisationHolder: "Hanmi Pharm. Co., Ltd.",
      });
      await as(manufacturer).products.publishLeaflet(gtin, "ko", "leaflet ko", "ipfs://leaflet-ko");
      const serials = buildSerialTree(["KR001", "KR002", "KR003"]);
      const now = await time.latest();
      const expiresAt = now + 365 * DAY;
      const { batchId, origin } = await as(manufacturer).supply.registerBatch({
        gtin,
        lot: "LOT-A",
        manufacturedAt: now - DAY,
        expiresAt,
        quantity: 3,
        tempMin: 200,
        tempMax: 800,
        humidityMin: 1000,
        humidityMax: 6000,
        serialRoot: serials.root,
        metadataURI: "ipfs://meta",
        message: "Keep refrigerated.",
      });
      expect(origin).to.equal(batchId);

      // The logger consents to its registration with its own key; a shipment's party assigns it.
      const logger = hre.ethers.Wallet.createRandom();
      const calibration = hre.ethers.id("calibration");
      const consent = await miip.supply.deviceConsent(logger, idOf.distributor, "temperature-logger", calibration);
      await as(distributor).supply.registerDevice(logger.address, "temperature-logger", calibration, consent);
      expect((await miip.contracts.supply.getDevice(logger.address)).kind).to.equal(1n);
      expect(parseDeviceKind("combined")).to.equal(3);
      expect(() => parseDeviceKind("fridge")).to.throw(RangeError, "unknown device kind");
      const { shipmentId } = await as(manufacturer).supply.ship(origin, distributor.address, 3);
      expect(shipmentId).to.equal(shipmentIdOf(origin, 3));
      await as(distributor).supply.assignDevice(shipmentId, logger.address);
      const readings = await miip.supply.signReadings(logger, [
        { shipmentId, temperature: 1200, humidity: 4000, sequence: 2 },
        { shipmentId, temperature: 450, humidity: 4000, sequence: 1 },
      ]);
      // Accepted before the readings land: the excursion still counts, after the fact.
      expect((await as(distributor).supply.accept(shipmentId)).quarantined).to.equal(false);
      const submitted = await as(relayer).supply.submitReadings(readings);
      expect(submitted).to.deep.include({
        recorded: 2,
        late: [{ shipmentId, quarantined: 3, flagged: 0 }],
      });
      const again = await refusal(() => miip.supply.submitReadings(readings));
      expect(again.name).to.equal("SupplyDuplicateSequence");
      expect(await miip.supply.shipment(shipmentId)).to.deep.include({
        quarantined: true,
        holderId: Number(idOf.distributor),
      });
      await as(regulator).supply.resolveQuarantine(shipmentId, 0);
      const toPharmacy = await as(distributor).supply.ship(shipmentId, pharmacy.address, 2);
      const short = await refusal(() => as(distributor).supply.ship(shipmentId, pharmacy.address, 2));
      expect(short.name).to.equal("SupplyInsufficientUnits");
      expect((await as(pharmacy).supply.accept(toPharmacy.shipmentId)).quarantined).to.equal(false);

      // The hospital prescribes: the allowance hides the product and names no patient.
      const secret = hre.ethers.id("prescription secret");
      const productSalt = hre.ethers.id("product salt");
      // The patient's app keeps the secret and gives the hospital its key's address.
      const { key } = await as(hospital).supply.setAllowance({
        keyAddress: prescriptionKey(secret).address,
        gtin,
        productSalt,
        unitsPerFill: 1,
        fills: 1,
        validUntil: now + 30 * DAY,
      });
      expect(key).to.equal(allowanceKey(ids.hospital, prescriptionKey(secret).address));
      const printed = parsePackCode(
        formatPackCode({ gtin, expiry: gs1Date(expiresAt), lot: "LOT-A", serial: "KR002" }),
      );
      const unit = serials.unit("KR002");
      const checked = await miip.supply.verifyPack(printed, unit, "en");
      expect(checked).to.deep.include({
        batchId,
        authentic: true,
        manufacturer: "Hanmi Pharma",
        batchMessage: "Keep refrigerated.",
        dispensed: false,
        excursions: 1,
      });
      expect(checked.leaflet).to.deep.include({ language: "ko", version: 1, uri: "ipfs://leaflet-ko" });
      // Without the patient's signature at the counter, the pharmacy cannot open the fill.
      const unsigned = await refusal(() =>
        as(pharmacy).supply.dispense({ shipmentId: toPharmacy.shipmentId, unit, allowance: { key, productSalt } }),
      );
      expect(unsigned.name).to.equal("SupplyInvalidFillSignature");
      expect(unsigned.message).to.include(`does not let pharmacy ${ids.pharmacy} fill allowance ${key}`);
      // The patient's phone signs with the prescription's key (no wallet, no gas) for this pharmacy.
      const authorization = await miip.supply.authorizeFill({
        secret,
        hospitalId: ids.hospital,
        pharmacy: pharmacy.address,
      });
      expect(authorization).to.deep.include({ allowanceKey: key, pharmacyId: ids.pharmacy, fillsAfter: 0 });
      const sold = await as(pharmacy).supply.dispense({
        shipmentId: toPharmacy.shipmentId,
        unit,
        allowance: { key, productSalt, authorization },
      });
      expect((await miip.supply.allowance(key)).fillPharmacyId).to.equal(Number(ids.pharmacy));
      expect(sold).to.deep.include({ dispensed: true, counterfeit: false });
      const second = await refusal(() =>
        as(pharmacy).supply.dispense({
          shipmentId: toPharmacy.shipmentId,
          unit: serials.unit("KR003"),
          allowance: { key, productSalt },
        }),
      );
      expect(second.name).to.equal("SupplyAllowanceExhausted");
      expect(await as(pharmacy).supply.dispense({ shipmentId: toPharmacy.shipmentId, unit })).to.deep.include({
        dispensed: false,
        counterfeit: true,
      });
      expect((await miip.supply.verifyPack({ ...printed, serial: "KR999" }, unit)).genuine).to.equal(false);

      // The patient reports, signed by the prescription's key and relayed; the regulator recalls.
      const report = await as(relayer).supply.reportAsPatient({
        secret,
        hospitalId: ids.hospital,
        gtin,
        serial: "KR002",
        document: "encrypted report",
        uri: "ipfs://report",
      });
      expect(report.count).to.equal(1);
      await as(regulator).supply.recall(batchId, "ADVERSE-EVENTS", "Stop using it; see your pharmacist.");
      const received = await miip.supply.receivedUnits([{ secret, hospitalId: ids.hospital }]);
      expect(received).to.have.length(1);
      expect(received[0]).to.deep.include({
        batchId,
        recalled: true,
        recallMessage: "Stop using it; see your pharmacist.",
      });
      expect((await miip.supply.noticeHolders(batchId, [origin, shipmentId, toPharmacy.shipmentId])).notified).to.equal(
        2,
      );
      const recalled = await refusal(() =>
        as(pharmacy).supply.dispense({ shipmentId: toPharmacy.shipmentId, unit: serials.unit("KR001") }),
      );
      expect(String(recalled)).to.equal(`SupplyRecalled: batch ${batchId} is recalled`);
      await as(distributor).supply.revokeDevice(logger.address);

      const provenance = await miip.history.batchProvenance(batchId, { limit: 100 });
      expect(provenance.entries.map((e) => e.event)).to.deep.equal([
        "BatchRegistered",
        "Shipped",
        "DeviceAssigned",
        "ShipmentAccepted",
        "ReadingRecorded",
        "Excursion",
        "LateExcursion",
        "ReadingRecorded",
        "QuarantineResolved",
        "Shipped",
        "ShipmentAccepted",
        "Dispensed",
        "CounterfeitAlert",
        "AdverseEventReported",
        "BatchRecalled",
        "RecallNotice",
        "RecallNotice",
      ]);
      const page = await miip.history.batchProvenance(batchId, { offset: 15, limit: 5 });
      expect([page.total, page.entries.length]).to.deep.equal([17, 2]);
    });

    it("reads a pack's printed codes in both GS1 forms, and refuses what is missing", function () {
      const pack = { gtin: 8806469001235n, expiry: 271200, lot: "LOT-A", serial: "KR002" };
      expect(formatPackCode(pack)).to.equal("(01)08806469001235(17)271200(10)LOT-A(21)KR002");
      expect(parsePackCode(formatPackCode(pack))).to.deep.equal(pack);
      expect(parsePackCode("]d20108806469001235172712001" + "0LOT-A\x1d21KR002")).to.deep.equal(pack);
      expect(() => parsePackCode("(01)08806469001235(17)271200(10)LOT-A")).to.throw("without AI (21)");
      expect(() => parsePackCode("(01)08806469001234(17)271200(10)L(21)S")).to.throw("check digit");
      expect(() => parsePackCode("(01)08806469001235(17)2712(10)L(21)S")).to.throw("YYMMDD");
      expect(gs1Date(Date.parse("2028-01-01T00:00:00Z") / 1000)).to.equal(271231);
    });
  });

  describe("token", function () {
    it("claims an airdrop leaf for its holder, releases vesting and lists grants", async function () {
      const { miip, resolved, signers } = await loadFixture(sdkFixture);
      const [account, [leaf]] = Object.entries(resolved.claim!.proofs.claims)[0];
      const relayer = miip.as(signers[18]);
      const { amount } = await relayer.token.claimAirdrop({ ...leaf, account });
      expect(amount).to.equal(BigInt(leaf.amount));
      expect(await miip.token.isClaimed(leaf.index)).to.equal(true);
      expect(await miip.token.balanceOf(account)).to.be.greaterThanOrEqual(amount);
      const again = await refusal(() => relayer.token.claimAirdrop({ ...leaf, account }));
      expect(String(again)).to.equal(`MerkleClaimAlreadyClaimed: airdrop leaf ${leaf.index} was already claimed`);

      const grant = resolved.genesis.grants[0];
      const { ids, total } = await miip.token.grantsOf(grant.beneficiary);
      expect(ids[0]).to.equal(0n);
      expect(total).to.be.greaterThanOrEqual(1);
      const early = await refusal(() => miip.token.release(0));
      expect(early.name).to.equal("DistributionNothingToRelease");
      expect(String(early)).to.match(
        /^DistributionNothingToRelease: grant 0 has nothing to release before \d{4}-\d\d-\d\dT/,
      );
      const g = await miip.contracts.distribution.getGrant(0);
      await time.increaseTo(g.start + g.cliff + 30n * BigInt(DAY));
      const releasable = await miip.token.releasable(0);
      const released = await relayer.token.release(0);
      expect(released.amount >= releasable).to.equal(true);
      expect(released.releasedTotal).to.equal(released.amount);
    });
  });
});
