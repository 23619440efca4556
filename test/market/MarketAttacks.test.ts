import { expect } from "chai";

import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import type { LocalAccountName } from "../../config/localAccounts";
import {
  MIIP,
  MIIPClientError,
  MemoryBlobStore,
  MemoryKeyShareStore,
  billDigest,
  cidFromUri,
  dispensingReference,
  fromUtf8,
  utf8,
} from "../../packages/sdk/src/node";
import { ClaimEscrow__factory, MIIPAccessManager__factory, ParticipantRegistry__factory } from "../../typechain-types";
import { governorCall } from "../helpers/governance";
import { asPatient } from "../helpers/patients";
import { DAY, IST, RESEARCHER_ID, openRequestFixture } from "../helpers/market";
import { isolatedCliFolders } from "../helpers/tasks";

/**
 * Issue 19's outside audit, each finding's attacker turned into a test against the seeded suite: a researcher that
 * front-runs a contribution to get the data free, keeps buying (or takes its remainder) while suspended, contests
 * without reading, has a friendly agency decide, or counts a source twice; a patient dating old care into a study
 * through an amendment; a hospital paid twice through a bill its patient attested before paying its invoice; a
 * pharmacy billing a dispensing that never happened.
 */
describe("Research market and invoices: the outside audit's attacks", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  async function setup() {
    const opened = await openRequestFixture(folders.dir);
    const store = new MemoryBlobStore();
    const miip = await MIIP.connect(opened.signers[0], opened.deployment, { store, shares: new MemoryKeyShareStore() });
    const as = (name: LocalAccountName) => miip.as(opened.who(name));
    return { ...opened, idA: opened.patientId, store, miip, as };
  }

  /** The seeded researcher suspended by the registrar, then reinstated through governance's delay. */
  async function reinstate(s: Awaited<ReturnType<typeof setup>>) {
    const suspendedAt = (await s.participants.institution(RESEARCHER_ID)).statusChangedAt;
    await time.increase(2 * DAY);
    const manager = MIIPAccessManager__factory.connect(s.deployment.MIIPAccessManager, s.who("deployer"));
    const data = s.participants.interface.encodeFunctionData("reinstate", [
      RESEARCHER_ID,
      suspendedAt,
      hre.ethers.id("cleared"),
    ]);
    await governorCall(manager, s.who("deployer"), s.participants, data);
  }

  it("a researcher front-running a delivery with its close gets a sealed envelope it cannot open: the key is released only once the contribution lands", async function () {
    const s = await setup();
    const { as, market, who } = s;
    const patientId = await as("patientA").patients.myId();
    const { recordId } = await as("hospital").documents.add({
      patientId,
      patientPublicKey: (await as("patientA").documents.encryptionKey()).publicKey,
      document: utf8("HbA1c 6.1 %"),
      recordType: "lab-result",
    });
    await as("patientA").market.optIn(1);
    // The store the patient's client writes to tells the researcher the moment the envelope is there (what a
    // researcher watching the mempool learns from the pending transaction): it closes first.
    const puts: Uint8Array[] = [];
    const put = s.store.put.bind(s.store);
    let closed = false;
    s.store.put = async (bytes: Uint8Array) => {
      puts.push(bytes);
      const cid = await put(bytes);
      if (!closed) {
        closed = true;
        await market.connect(who("researcher")).close(1);
      }
      return cid;
    };
    await expect(
      as("patientA").market.contribute({
        requestId: 1,
        recordIds: [recordId],
        researcherPublicKey: (await as("researcher").documents.encryptionKey()).publicKey,
      }),
    ).to.be.rejected.and.eventually.include({ name: "MarketRequestClosed" });
    // The researcher has the envelope (its address was in the failed transaction) but not its key.
    expect(puts).to.have.length(1);
    const envelope = JSON.parse(fromUtf8(puts[0])) as { key: string; ciphertext: string };
    expect(await s.store.has(cidFromUri(envelope.key))).to.equal(false);
    expect(fromUtf8(puts[0])).to.not.include("HbA1c");
    expect(await market.contributionCount()).to.equal(0);
  });

  it("a suspended researcher buys nothing more, contests nothing, and takes no remainder to its key; once reinstated it is refunded", async function () {
    const s = await setup();
    const { market, participants, asA, token, who } = s;
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    await market.logRead(1);
    await participants.suspend(RESEARCHER_ID, hre.ethers.id("data misuse"));
    await expect(asPatient(participants, who("patientB"), 2n, market, "optIn", [1]))
      .to.be.revertedWithCustomError(market, "MarketResearcherNotActive")
      .withArgs(RESEARCHER_ID);
    await expect(market.contest(1, hre.ethers.ZeroHash, hre.ethers.ZeroHash))
      .to.be.revertedWithCustomError(market, "MarketResearcherNotActive")
      .withArgs(RESEARCHER_ID);
    const before = await token.balanceOf(who("researcher").address);
    await expect(market.close(1)).to.be.revertedWithCustomError(market, "MarketResearcherNotActive");
    // After the deadline anyone closes; the remainder waits for the researcher's reinstatement (and says so).
    await time.increase(31 * DAY);
    await market.connect(who("stranger")).close(1);
    await expect(market.refund(1))
      .to.be.revertedWithCustomError(market, "MarketResearcherSuspended")
      .withArgs(RESEARCHER_ID);
    expect(await token.balanceOf(who("researcher").address)).to.equal(before);
    expect(await market.refundable(1)).to.equal(0);
    // The delivered contribution is still paid, to the patient.
    await market.connect(who("stranger")).settle(1);
    await reinstate(s);
    expect(await market.refundable(1)).to.equal(IST(20));
    await market.connect(who("stranger")).refund(1);
    expect(await token.balanceOf(who("researcher").address)).to.equal(before + IST(20));
    expect(await token.balanceOf(await market.getAddress())).to.equal(0);
  });

  it("a retired researcher's requests take nothing new and it contests nothing; its remainder goes to its last address", async function () {
    const s = await setup();
    const { market, participants, asA, token, who, deployment } = s;
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    await market.logRead(1);
    const manager = MIIPAccessManager__factory.connect(deployment.MIIPAccessManager, who("deployer"));
    const retire = participants.interface.encodeFunctionData("retire", [RESEARCHER_ID, hre.ethers.id("closed")]);
    await governorCall(manager, who("deployer"), participants, retire);
    await expect(asPatient(participants, who("patientB"), 2n, market, "optIn", [1]))
      .to.be.revertedWithCustomError(market, "MarketResearcherNotActive")
      .withArgs(RESEARCHER_ID);
    await expect(market.contest(1, hre.ethers.ZeroHash, hre.ethers.ZeroHash)).to.be.revertedWithCustomError(
      market,
      "MarketResearcherNotActive",
    );
    await expect(market.close(1)).to.be.revertedWithCustomError(market, "MarketResearcherNotActive");
    await time.increase(31 * DAY);
    const before = await token.balanceOf(who("researcher").address);
    await market.connect(who("stranger")).close(1);
    expect(await token.balanceOf(who("researcher").address)).to.equal(before + IST(20));
  });

  it("the patient's client seals nothing for a request whose researcher is not active, and says the request is not open", async function () {
    const s = await setup();
    const { as, participants } = s;
    const patientId = await as("patientA").patients.myId();
    const { recordId } = await as("hospital").documents.add({
      patientId,
      patientPublicKey: (await as("patientA").documents.encryptionKey()).publicKey,
      document: utf8("HbA1c 6.1 %"),
      recordType: "lab-result",
    });
    await as("patientA").market.optIn(1);
    await participants.suspend(RESEARCHER_ID, hre.ethers.id("investigation"));
    expect(await as("patientA").market.request(1)).to.include({ open: false, researcherActive: false });
    const stored = s.store.size;
    await expect(
      as("patientA").market.contribute({
        requestId: 1,
        recordIds: [recordId],
        researcherPublicKey: (await as("researcher").documents.encryptionKey()).publicKey,
      }),
    ).to.be.rejectedWith(MIIPClientError, /its researcher is not active/);
    expect(s.store.size).to.equal(stored);
  });

  it("a researcher that moved to a new address still opens what it bought, with its encryption key", async function () {
    const s = await setup();
    const { as, who, participants } = s;
    const patientId = await as("patientA").patients.myId();
    const { recordId } = await as("hospital").documents.add({
      patientId,
      patientPublicKey: (await as("patientA").documents.encryptionKey()).publicKey,
      document: utf8("HbA1c 6.1 %"),
      recordType: "lab-result",
    });
    const key = await as("researcher").documents.encryptionKey();
    await as("patientA").market.optIn(1);
    const { contributionId } = await as("patientA").market.contribute({
      requestId: 1,
      recordIds: [recordId],
      researcherPublicKey: key.publicKey,
    });
    const fresh = (await hre.ethers.getSigners())[26];
    await participants.connect(who("researcher")).proposeAccount(fresh.address);
    await participants.connect(fresh).acceptAccount(RESEARCHER_ID);
    const opened = await s.miip.as(fresh).market.open(contributionId, key);
    expect(opened.documents[0].document).to.include("HbA1c 6.1 %");
  });

  it("counts each treatment once: duplicate sources, and two versions of one treatment, are refused", async function () {
    const { market, asA, records } = await setup();
    await asA("optIn", [1]);
    await expect(asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", Array(20).fill(1)]))
      .to.be.revertedWithCustomError(market, "MarketSourcesNotAscending")
      .withArgs(1);
    const record = await records.getRecord(1);
    await records.amend(1, hre.ethers.id("corrected lab"), record.issuedAt, "ipfs://corrected");
    const amended = await records.recordCount();
    await expect(asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1, amended]]))
      .to.be.revertedWithCustomError(market, "MarketSourcesNotAscending")
      .withArgs(amended);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [amended]]);
    expect((await market.getRequest(1)).delivered).to.equal(1);
  });

  it("dates a source by its treatment: an amendment cannot move old care into the period", async function () {
    const { market, records, asA, input, idA } = await setup();
    const now = await time.latest();
    await records.register({
      patientId: idA,
      recordType: 3,
      issuedAt: now - 400 * DAY,
      digest: hre.ethers.id("old lab"),
      uri: "ipfs://old-lab",
    });
    const oldId = await records.recordCount();
    await asA("optIn", [1]);
    await records.amend(oldId, hre.ethers.id("old lab v2"), now - DAY, "ipfs://old-lab-v2");
    const amended = oldId + 1n;
    expect(Number((await records.treatment(amended)).treatedAt)).to.be.lessThan(Number(input.from));
    await expect(asA("contribute", [1, hre.ethers.id("x"), "ipfs://x", [amended]]))
      .to.be.revertedWithCustomError(market, "MarketSourceNotEligible")
      .withArgs(amended);
  });

  it("needs a logged read before a contest, and only the request's named agency decides it", async function () {
    const { market, participants, asA, who, token, patientA, input } = await setup();
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    await expect(market.contest(1, hre.ethers.encodeBytes32String("garbage"), hre.ethers.id("evidence")))
      .to.be.revertedWithCustomError(market, "MarketContestWithoutRead")
      .withArgs(1);
    await expect(market.logRead(1)).to.emit(market, "ContributionRead");
    expect((await market.getContribution(1)).read).to.equal(true);
    await market.contest(1, hre.ethers.encodeBytes32String("garbage"), hre.ethers.id("evidence"));
    // A second agency, onboarded after the contest (the researcher's friend), cannot decide it.
    const friend = who("studyLab");
    await participants.register(friend.address, 4, hre.ethers.id("licence"), "Friendly Board", "");
    const id = await participants.institutionCount();
    await time.increaseTo((await participants.institution(id)).activatesAt);
    await participants.activate(id);
    await expect(market.connect(friend).arbitrate(1, false))
      .to.be.revertedWithCustomError(market, "MarketNotArbitrator")
      .withArgs(friend.address);
    expect((await market.getContribution(1)).status).to.equal(2);
    // Nor can a request name an arbitrator that is not an active agency.
    await expect(market.openRequest({ ...input, arbitratorId: RESEARCHER_ID })).to.be.revertedWithCustomError(
      participants,
      "ParticipantsWrongKind",
    );
    const before = await token.balanceOf(patientA.address);
    await market.connect(who("agency")).arbitrate(1, true);
    expect(await token.balanceOf(patientA.address)).to.equal(before + IST(10));
  });

  it("reports an opt-in as ended once its request is closed", async function () {
    const { market, asA, idA } = await setup();
    await asA("optIn", [1]);
    expect(await market.participation(1, idA)).to.deep.equal([true, false]);
    await market.close(1);
    expect(await market.participation(1, idA)).to.deep.equal([false, false]);
  });

  it("never pays a hospital twice when the patient attested its bill before paying its invoice: the escrow refuses the hospital's late attestation", async function () {
    const { as, who, deployment } = await setup();
    const hospital = as("hospital");
    const relayed = as("patientA").gasless(who("relayer"));
    const patientId = await as("patientA").patients.myId();
    const hospitalBefore = await hospital.token.balanceOf(who("hospital").address);
    const bill = await hospital.claims.bill({
      programmeId: 1,
      recordIds: [1],
      amount: IST(100),
      billDigest: billDigest(utf8("visit of record 1")),
    });
    expect((await relayed.claims.attest(bill)).status).to.equal("waiting");
    const { invoiceId } = await hospital.invoices.issue({
      patientId,
      recordId: 1,
      amount: IST(100),
      bill: utf8("itemised: visit 100"),
    });
    // The patient's client sees its waiting attestation and refuses to pay ...
    await expect(relayed.invoices.pay(invoiceId)).to.be.rejectedWith(MIIPClientError, /waiting for the hospital/);
    // ... and a client without that check pays through the gateway (the chain allows it: no claim exists yet) ...
    const patientA = who("patientA");
    await as("patientA").contracts.token.approve(deployment.CarePayments, IST(100));
    const participants = ParticipantRegistry__factory.connect(deployment.ParticipantRegistry, patientA);
    const noPermit = { deadline: 0, v: 0, r: hre.ethers.ZeroHash, s: hre.ethers.ZeroHash };
    await participants.execute(
      patientId,
      hre.ethers.ZeroHash,
      deployment.CarePayments,
      hospital.contracts.payments.interface.encodeFunctionData("pay", [invoiceId, noPermit]),
    );
    // ... then the hospital's late attestation of the waiting bill is refused by the escrow itself.
    const claims = ClaimEscrow__factory.connect(deployment.ClaimEscrow, who("hospital"));
    await expect(hospital.claims.attest(bill, { by: "institution" }))
      .to.be.rejected.and.eventually.include({ name: "ClaimsTreatmentPaidByInvoice" })
      .and.have.nested.property("args.invoiceId", invoiceId);
    expect(await claims.claimOfRecord(1)).to.equal(0);
    expect((await hospital.token.balanceOf(who("hospital").address)) - hospitalBefore).to.equal(IST(100));
  });

  it("checks a dispensing invoice's reference against the unit received and the bill's salt, and a unit paid once, before paying", async function () {
    const { as, who } = await setup();
    const patientId = await as("patientA").patients.myId();
    const gtin = 8806469001235n;
    const serial = hre.ethers.id("serial 1");
    const salt = hre.ethers.id("salt from the itemised bill");
    const { invoiceId } = await as("pharmacy").invoices.issue({
      patientId,
      dispensing: dispensingReference(gtin, serial, salt),
      amount: IST(12),
      bill: utf8("metformin 500 mg x 1 pack"),
    });
    const relayed = as("patientA").gasless(who("relayer"));
    await expect(relayed.invoices.pay(invoiceId)).to.be.rejectedWith(MIIPClientError, /give the unit received/);
    await expect(
      relayed.invoices.pay(invoiceId, { dispensing: { gtin, serial: hre.ethers.id("another unit"), salt } }),
    ).to.be.rejectedWith(MIIPClientError, /another dispensing/);
    const ledger = new Set<string>();
    const paidUnits = { has: (k: string) => ledger.has(k), add: (k: string) => void ledger.add(k) };
    expect((await relayed.invoices.pay(invoiceId, { dispensing: { gtin, serial, salt }, paidUnits })).paid).to.equal(
      IST(12),
    );
    // The same unit billed again under a fresh salt: the chain cannot tell, the device's ledger can.
    const again = hre.ethers.id("another salt");
    const { invoiceId: second } = await as("pharmacy").invoices.issue({
      patientId,
      dispensing: dispensingReference(gtin, serial, again),
      amount: IST(12),
      bill: utf8("metformin 500 mg x 1 pack"),
    });
    await expect(
      relayed.invoices.pay(second, { dispensing: { gtin, serial, salt: again }, paidUnits }),
    ).to.be.rejectedWith(MIIPClientError, /already paid pharmacy 3/);
    expect((await as("pharmacy").invoices.get(second)).status).to.equal("open");
  });

  it("the escrow names the invoices contract once, and only governance could", async function () {
    const { who, deployment } = await setup();
    const claims = ClaimEscrow__factory.connect(deployment.ClaimEscrow, who("deployer"));
    expect(await claims.carePayments()).to.equal(deployment.CarePayments);
    await expect(
      claims.connect(who("stranger")).setCarePayments(who("stranger").address),
    ).to.be.revertedWithCustomError(claims, "AccessManagedUnauthorized");
    const manager = MIIPAccessManager__factory.connect(deployment.MIIPAccessManager, who("deployer"));
    const data = claims.interface.encodeFunctionData("setCarePayments", [who("stranger").address]);
    await expect(governorCall(manager, who("deployer"), claims, data))
      .to.be.revertedWithCustomError(claims, "ClaimsCarePaymentsAlreadySet")
      .withArgs(deployment.CarePayments);
  });
});
