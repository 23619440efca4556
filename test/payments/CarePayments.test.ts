import { expect } from "chai";
import path from "node:path";

import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import { MIIP, loadDeployment, billDigest, utf8 } from "../../packages/sdk/src/node";
import { PERMIT_TYPES } from "../../packages/sdk/src/eip712";
import {
  CarePayments__factory,
  ClaimEscrow__factory,
  INSSETToken__factory,
  MIIPAccessManager__factory,
  MockFeeToken__factory,
  ParticipantRegistry__factory,
  RecordRegistry__factory,
  type CarePayments,
} from "../../typechain-types";
import { governorCall } from "../helpers/governance";
import { asPatient } from "../helpers/patients";
import { isolatedCliFolders, seededFixture } from "../helpers/tasks";

const IST = (n: number) => BigInt(n) * 10n ** 18n;
const DAY = 86_400;
const NO_PERMIT = { deadline: 0, v: 0, r: hre.ethers.ZeroHash, s: hre.ethers.ZeroHash };
const asRef = (recordId: bigint | number) => hre.ethers.toBeHex(recordId, 32);
const RECORD = 0;
const DISPENSING = 1;

/**
 * Invoices for care against the seeded suite, attacker first (issue 19): a hospital that bills care it did not
 * give, bills the same treatment twice (through an amendment, or after the insurer paid it), or cancels after being
 * paid; a patient paying someone else's invoice or paying twice; a front-runner spending the permit; a token taking
 * a fee; an issuer suspended between the bill and the payment. Every refusal names its error and moves nothing.
 */
describe("CarePayments: a patient pays for care once, without ETH, and never what the insurer already paid", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  async function setup() {
    await loadFixture(seededFixture);
    const signers = await hre.ethers.getSigners();
    const who = (name: LocalAccountName) => signers[LOCAL_ACCOUNTS[name]];
    const deployment = loadDeployment("localhost", path.join(folders.dir, "deployments"));
    const payments = CarePayments__factory.connect(deployment.CarePayments, who("hospital"));
    const token = INSSETToken__factory.connect(deployment.INSSETToken, who("treasury"));
    const participants = ParticipantRegistry__factory.connect(deployment.ParticipantRegistry, who("registrar"));
    const records = RecordRegistry__factory.connect(deployment.RecordRegistry, who("hospital"));
    const claims = ClaimEscrow__factory.connect(deployment.ClaimEscrow, who("insurer"));
    const patientA = who("patientA");
    const patientB = who("patientB");
    const idA = (await participants.patientOf(patientA.address)).patientId;
    const idB = (await participants.patientOf(patientB.address)).patientId;
    // The seed: records 1 (A, lab result) and 2 (A, prescription), 3 and 4 (B), all by the hospital.
    const now = await time.latest();
    const invoice = (over: Partial<Parameters<CarePayments["issue"]>[0]> = {}) => ({
      patientId: idA,
      token: deployment.INSSETToken,
      amount: IST(100),
      dueAt: now + 30 * DAY,
      billDigest: hre.ethers.id("itemised bill"),
      kind: RECORD,
      careRef: asRef(1),
      ...over,
    });
    const miip = await MIIP.connect(signers[0], deployment);
    const pay = (patient: HardhatEthersSigner, patientId: bigint, invoiceId: number | bigint, permit = NO_PERMIT) =>
      asPatient(participants, patient, patientId, payments, "pay", [invoiceId, permit]);
    /** The patient's EIP-2612 permit for the payments contract, for `value`. */
    const permitFor = async (patient: HardhatEthersSigner, value: bigint) => {
      const deadline = now + 3_600;
      const { name, version, chainId, verifyingContract } = await token.eip712Domain();
      const signature = hre.ethers.Signature.from(
        await patient.signTypedData({ name, version, chainId, verifyingContract }, PERMIT_TYPES, {
          owner: patient.address,
          spender: deployment.CarePayments,
          value,
          nonce: await token.nonces(patient.address),
          deadline,
        }),
      );
      return { deadline, v: signature.v, r: signature.r, s: signature.s };
    };
    return {
      who,
      deployment,
      payments,
      token,
      participants,
      records,
      claims,
      miip,
      patientA,
      patientB,
      idA,
      idB,
      invoice,
      pay,
      permitFor,
    };
  }

  /** Files and pays at once a claim for `recordIds` (the hospital signs, patient A attests with its co-payment). */
  async function claimPaidAtFiling(s: Awaited<ReturnType<typeof setup>>, recordIds: number[], amount: bigint) {
    const hospital = s.miip.as(s.who("hospital"));
    const bill = await hospital.claims.bill({
      programmeId: 1,
      recordIds,
      amount,
      billDigest: billDigest(utf8(`bill for ${recordIds.join(",")}`)),
    });
    return s.miip.as(s.patientA).claims.attest(await hospital.claims.signBill(bill));
  }

  it("lets the patient pay an invoice once, with a permit in the same action, to the hospital's current address", async function () {
    const { payments, token, who, patientA, idA, invoice, pay, permitFor } = await setup();
    await expect(payments.issue(invoice()))
      .to.emit(payments, "InvoiceIssued")
      .withArgs(1, idA, 1, invoice().token, IST(100), invoice().dueAt, invoice().billDigest, RECORD, asRef(1));
    const hospitalBefore = await token.balanceOf(who("hospital").address);
    const patientBefore = await token.balanceOf(patientA.address);
    await expect(pay(patientA, idA, 1, await permitFor(patientA, IST(100))))
      .to.emit(payments, "InvoicePaid")
      .withArgs(1, idA, 1, invoice().token, IST(100), 0, 0, hre.ethers.ZeroHash);
    expect(await token.balanceOf(who("hospital").address)).to.equal(hospitalBefore + IST(100));
    expect(await token.balanceOf(patientA.address)).to.equal(patientBefore - IST(100));
    expect((await payments.getInvoice(1)).status).to.equal(2);
    expect((await payments.getInvoice(1)).paid).to.equal(IST(100));
    // Paid twice: refused, nothing moves.
    await token.connect(patientA).approve(await payments.getAddress(), IST(100));
    await expect(pay(patientA, idA, 1))
      .to.be.revertedWithCustomError(payments, "PaymentsNotOpen")
      .withArgs(1, 2);
    expect(await token.balanceOf(patientA.address)).to.equal(patientBefore - IST(100));
    // Nor can the hospital cancel what it was paid, or bill the same treatment again.
    await expect(payments.cancel(1, hre.ethers.id("oops"))).to.be.revertedWithCustomError(payments, "PaymentsNotOpen");
    const key = await payments.careKey(1, RECORD, asRef(1));
    await expect(payments.issue(invoice()))
      .to.be.revertedWithCustomError(payments, "PaymentsCareAlreadyInvoiced")
      .withArgs(key, 1);
    expect(await payments.invoiceCount()).to.equal(1);
  });

  it("refuses a payment from anyone but the invoice's patient, or outside the gateway", async function () {
    const { payments, token, patientA, patientB, idA, idB, invoice, pay, deployment } = await setup();
    await payments.issue(invoice());
    await token.connect(patientB).approve(deployment.CarePayments, IST(100));
    await token.connect(patientA).approve(deployment.CarePayments, IST(100));
    const balanceA = await token.balanceOf(patientA.address);
    await expect(pay(patientB, idB, 1))
      .to.be.revertedWithCustomError(payments, "PaymentsNotPatient")
      .withArgs(1, idB);
    // The patient's own key calling the contract directly is not the gateway: a relayer could not prove the
    // patient asked.
    await expect(payments.connect(patientA).pay(1, NO_PERMIT)).to.be.revertedWithCustomError(
      payments,
      "PatientsNotThroughGateway",
    );
    expect(await token.balanceOf(patientA.address)).to.equal(balanceA);
    expect((await payments.getInvoice(1)).status).to.equal(1);
    await expect(pay(patientA, idA, 2))
      .to.be.revertedWithCustomError(payments, "PaymentsUnknownInvoice")
      .withArgs(2);
  });

  it("takes bills only from a hospital for a record it wrote for that patient, or from a pharmacy for a dispensing", async function () {
    const { payments, who, idA, idB, invoice, participants } = await setup();
    // Another hospital billing care it did not give; the right hospital billing it to another patient.
    await expect(payments.connect(who("emergencyHospital")).issue(invoice()))
      .to.be.revertedWithCustomError(payments, "PaymentsNotIssuersRecord")
      .withArgs(1, idA, 2);
    await expect(payments.issue(invoice({ patientId: idB })))
      .to.be.revertedWithCustomError(payments, "PaymentsNotIssuersRecord")
      .withArgs(1, idB, 1);
    // A pharmacy billing a record, a hospital a dispensing, a researcher anything.
    await expect(payments.connect(who("pharmacy")).issue(invoice()))
      .to.be.revertedWithCustomError(payments, "PaymentsWrongCareKind")
      .withArgs(3, RECORD);
    await expect(payments.issue(invoice({ kind: DISPENSING, careRef: hre.ethers.id("unit") })))
      .to.be.revertedWithCustomError(payments, "PaymentsWrongCareKind")
      .withArgs(1, DISPENSING);
    await expect(payments.connect(who("researcher")).issue(invoice())).to.be.revertedWithCustomError(
      participants,
      "ParticipantsWrongKind",
    );
    // Unusable fields, each by name.
    const now = await time.latest();
    for (const [field, over] of [
      ["amount", { amount: 0 }],
      ["token", { token: hre.ethers.ZeroAddress }],
      ["dueAt", { dueAt: now }],
      ["billDigest", { billDigest: hre.ethers.ZeroHash }],
      ["careRef", { careRef: hre.ethers.ZeroHash }],
    ] as const) {
      await expect(payments.issue(invoice(over)))
        .to.be.revertedWithCustomError(payments, "PaymentsInvalidInvoice")
        .withArgs(hre.ethers.encodeBytes32String(field));
    }
    await expect(payments.issue(invoice({ patientId: 99 })))
      .to.be.revertedWithCustomError(payments, "PaymentsUnknownPatient")
      .withArgs(99);
    expect(await payments.invoiceCount()).to.equal(0);
    // A pharmacy's dispensing: one invoice per reference and pharmacy.
    const ref = hre.ethers.id("dispensing commitment");
    await payments.connect(who("pharmacy")).issue(invoice({ kind: DISPENSING, careRef: ref, amount: IST(12) }));
    await expect(
      payments.connect(who("pharmacy")).issue(invoice({ kind: DISPENSING, careRef: ref, amount: IST(12) })),
    ).to.be.revertedWithCustomError(payments, "PaymentsCareAlreadyInvoiced");
    expect((await payments.getInvoice(1)).institutionId).to.equal(3);
  });

  it("treats every version of an amendment chain as one treatment: billed once, again only after a cancel", async function () {
    const { payments, records, invoice, who } = await setup();
    await payments.issue(invoice());
    const record = await records.getRecord(1);
    await records.amend(1, hre.ethers.id("corrected"), record.issuedAt, "ipfs://corrected");
    const amended = await records.recordCount();
    await expect(payments.issue(invoice({ careRef: asRef(amended) }))).to.be.revertedWithCustomError(
      payments,
      "PaymentsCareAlreadyInvoiced",
    );
    // Only the issuer cancels, only while open; then the treatment may be billed again (by its new version).
    await expect(payments.connect(who("emergencyHospital")).cancel(1, hre.ethers.id("no")))
      .to.be.revertedWithCustomError(payments, "PaymentsNotIssuer")
      .withArgs(1, who("emergencyHospital").address);
    await expect(payments.cancel(1, hre.ethers.id("wrong amount")))
      .to.emit(payments, "InvoiceCancelled")
      .withArgs(1, (await payments.getInvoice(1)).patientId, 1, hre.ethers.id("wrong amount"));
    await expect(payments.cancel(1, hre.ethers.id("again"))).to.be.revertedWithCustomError(payments, "PaymentsNotOpen");
    await payments.issue(invoice({ careRef: asRef(amended), amount: IST(90) }));
    expect(await payments.invoiceOfCare(await payments.careKey(1, RECORD, asRef(1)))).to.equal(2);
  });

  it("deducts what the claim escrow already sent the hospital for the treatment, once across invoices", async function () {
    const s = await setup();
    const { payments, token, who, patientA, idA, invoice, pay, deployment } = s;
    // A claim for records 1 and 2, billed 250, paid at filing: 50 co-payment from the patient, 200 from the
    // insurer, both to the hospital.
    const filed = await claimPaidAtFiling(s, [1, 2], IST(250));
    expect(filed.status).to.equal("paid");
    await payments.issue(invoice({ amount: IST(100) }));
    await payments.issue(invoice({ careRef: asRef(2), amount: IST(300) }));
    expect(await payments.amountDue(1)).to.deep.equal([0n, IST(100), filed.claimId]);
    await token.connect(patientA).approve(deployment.CarePayments, IST(1_000));
    const hospitalBefore = await token.balanceOf(who("hospital").address);
    await expect(pay(patientA, idA, 1))
      .to.emit(payments, "InvoicePaid")
      .withArgs(1, idA, 1, deployment.INSSETToken, 0, IST(100), filed.claimId, hre.ethers.ZeroHash);
    // The claim's 250 is deducted once in all: 100 from the first invoice, 150 from the second.
    expect(await payments.amountDue(2)).to.deep.equal([IST(150), IST(150), filed.claimId]);
    await pay(patientA, idA, 2);
    expect(await payments.deductedFromClaim(filed.claimId)).to.equal(IST(250));
    // The hospital received 250 through the claim and 150 here: the 400 it billed, not more.
    expect(await token.balanceOf(who("hospital").address)).to.equal(hospitalBefore + IST(150));
  });

  it("refuses to pay while a claim paying the hospital for the treatment is undecided, and in another token", async function () {
    const s = await setup();
    const { payments, token, patientA, idA, invoice, pay, deployment, who } = s;
    // Billed 400: above the 300 paid at once, reserved for the insurer's review.
    const filed = await claimPaidAtFiling(s, [1], IST(400));
    expect(filed.status).to.equal("pending");
    await payments.issue(invoice());
    await token.connect(patientA).approve(deployment.CarePayments, IST(100));
    const before = await token.balanceOf(patientA.address);
    await expect(pay(patientA, idA, 1))
      .to.be.revertedWithCustomError(payments, "PaymentsClaimUndecided")
      .withArgs(1, filed.claimId);
    await expect(payments.amountDue(1)).to.be.revertedWithCustomError(payments, "PaymentsClaimUndecided");
    expect(await token.balanceOf(patientA.address)).to.equal(before);
    // Once the insurer approves, what it paid is deducted.
    await s.miip.as(who("insurer")).claims.approve(filed.claimId, IST(320));
    expect(await payments.amountDue(1)).to.deep.equal([0n, IST(100), filed.claimId]);
    // An invoice in another token than the claim's: the deduction cannot be made, the payment is refused.
    const other = await (await hre.ethers.getContractFactory("MockERC20")).deploy("Won", "KRWX");
    await payments.issue(invoice({ careRef: asRef(2), token: await other.getAddress() }));
    expect(await payments.amountDue(2)).to.deep.equal([IST(100), 0n, 0n]);
    // Then a claim pays the hospital for that treatment in IST: the invoice in the other token cannot deduct it.
    await claimPaidAtFiling(s, [2], IST(100));
    await expect(payments.amountDue(2))
      .to.be.revertedWithCustomError(payments, "PaymentsClaimInOtherToken")
      .withArgs(2, deployment.INSSETToken);
  });

  it("deducts nothing for a claim that reimbursed the patient, and names the standing invoice of each care", async function () {
    const s = await setup();
    const { payments, token, who, patientA, idA, invoice, pay, deployment } = s;
    // A claim paying the patient (who paid the hospital itself): the hospital received nothing from the escrow.
    const hospital = s.miip.as(who("hospital"));
    const bill = await hospital.claims.bill({
      programmeId: 1,
      recordIds: [1],
      amount: IST(100),
      payTo: "patient",
      billDigest: billDigest(utf8("reimbursed visit")),
    });
    const filed = await s.miip.as(patientA).claims.attest(await hospital.claims.signBill(bill));
    await payments.issue(invoice());
    expect(await payments.amountDue(1)).to.deep.equal([IST(100), 0n, filed.claimId]);
    expect(await payments.paidInvoiceOf(1)).to.equal(0); // open, not paid
    await token.connect(patientA).approve(deployment.CarePayments, IST(100));
    await pay(patientA, idA, 1);
    expect(await payments.paidInvoiceOf(1)).to.equal(1);
    // A pharmacy's care key is its own and the reference's.
    const ref = hre.ethers.id("unit commitment");
    expect(await payments.careKey(3, DISPENSING, ref)).to.equal(
      hre.ethers.keccak256(hre.ethers.AbiCoder.defaultAbiCoder().encode(["uint8", "uint32", "bytes32"], [1, 3, ref])),
    );
    await expect(payments.issue(invoice({ patientId: 0 })))
      .to.be.revertedWithCustomError(payments, "PaymentsUnknownPatient")
      .withArgs(0);
  });

  it("refuses a token that takes a fee on transfer, and leaves the invoice open", async function () {
    const { payments, patientA, idA, invoice, pay, deployment } = await setup();
    const fee = await new MockFeeToken__factory(patientA).deploy();
    await fee.mint(patientA.address, IST(1_000));
    await fee.approve(deployment.CarePayments, IST(1_000));
    await payments
      .connect((await hre.ethers.getSigners())[LOCAL_ACCOUNTS.pharmacy])
      .issue(invoice({ kind: DISPENSING, careRef: hre.ethers.id("unit"), token: await fee.getAddress() }));
    await expect(pay(patientA, idA, 1)).to.be.revertedWithCustomError(payments, "PaymentsFeeOnTransfer");
    expect((await payments.getInvoice(1)).status).to.equal(1);
    expect(await fee.balanceOf(patientA.address)).to.equal(IST(1_000));
  });

  it("pays even when a front-runner spent the permit first, and only the amount due", async function () {
    const { payments, token, patientA, idA, invoice, pay, permitFor, deployment, who } = await setup();
    await payments.issue(invoice());
    const permit = await permitFor(patientA, IST(100));
    // Someone watching the mempool submits the permit alone.
    await token
      .connect(who("stranger"))
      .permit(patientA.address, deployment.CarePayments, IST(100), permit.deadline, permit.v, permit.r, permit.s);
    await pay(patientA, idA, 1, permit);
    expect((await payments.getInvoice(1)).status).to.equal(2);
    expect(await token.allowance(patientA.address, deployment.CarePayments)).to.equal(0);
  });

  it("does not pay a suspended issuer until it is reinstated, and says when an open invoice is overdue", async function () {
    const { payments, token, participants, patientA, idA, invoice, pay, deployment, who } = await setup();
    await payments.issue(invoice());
    await token.connect(patientA).approve(deployment.CarePayments, IST(100));
    expect(await payments.isOverdue(1)).to.equal(false);
    await participants.suspend(1, hre.ethers.id("key compromised"));
    const suspendedAt = (await participants.institution(1)).statusChangedAt;
    await expect(pay(patientA, idA, 1)).to.be.revertedWithCustomError(participants, "ParticipantsNotActive");
    expect((await payments.getInvoice(1)).status).to.equal(1);
    // Reinstated through governance's delay, no sooner than the directory allows after a suspension (the seeded node's governor is the deploying key).
    const manager = MIIPAccessManager__factory.connect(deployment.MIIPAccessManager, who("deployer"));
    const data = participants.interface.encodeFunctionData("reinstate", [1, suspendedAt, hre.ethers.id("cleared")]);
    await time.increase(2 * DAY);
    await governorCall(manager, who("deployer"), participants, data);
    await time.increase(31 * DAY);
    expect(await payments.isOverdue(1)).to.equal(true);
    // Overdue changes nothing owed: the same amount is paid.
    expect((await payments.amountDue(1))[0]).to.equal(IST(100));
    await pay(patientA, idA, 1);
    expect(await payments.isOverdue(1)).to.equal(false);
  });
});
