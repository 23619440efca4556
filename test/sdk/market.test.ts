import { expect } from "chai";
import path from "node:path";

import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import {
  MIIP,
  MIIPClientError,
  MemoryBlobStore,
  MemoryKeyShareStore,
  billDigest,
  deidentify,
  dispensingReference,
  fromUtf8,
  loadDeployment,
  utf8,
} from "../../packages/sdk/src/node";
import { isolatedCliFolders, seededFixture } from "../helpers/tasks";

const IST = (n: number) => BigInt(n) * 10n ** 18n;
const DAY = 86_400;

/** A lab result as a hospital's system exports it: a FHIR Observation naming the patient in every way it can. */
function labResult(name: string, value: number, takenAt: string): Uint8Array {
  return utf8(
    JSON.stringify({
      resourceType: "Observation",
      id: "obs-7731",
      status: "final",
      identifier: [{ system: "urn:seoul-general:lab", value: "L-2026-7731" }],
      code: { coding: [{ system: "http://loinc.org", code: "4548-4", display: "Hemoglobin A1c" }], text: "HbA1c" },
      subject: { reference: "Patient/880101-1234567", display: name },
      effectiveDateTime: takenAt,
      performer: [{ display: "Dr. Kim Minsu, Seoul General Hospital" }],
      valueQuantity: { value, unit: "%", system: "http://unitsofmeasure.org", code: "%" },
      note: [{ text: `${name} asked about diet, call 010-1234-5678` }],
      contained: [
        {
          resourceType: "Patient",
          name: [{ family: name.split(" ")[0], given: [name.split(" ")[1]] }],
          birthDate: "1960-04-12",
          telecom: [{ system: "phone", value: "010-1234-5678" }],
          address: [{ line: ["12 Teheran-ro"], city: "Seoul", postalCode: "06234", country: "KR" }],
          gender: "female",
        },
      ],
    }),
  );
}

describe("SDK: the research market and invoices, through the client a dApp uses", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  describe("deidentify", function () {
    it("drops every direct identifier of a FHIR resource and keeps the data, dates cut to their year", function () {
      const out = deidentify(labResult("Hong Gildong", 6.1, "2026-11-03T09:30:00+09:00"));
      expect(out.format).to.equal("fhir-json");
      const text = fromUtf8(out.document);
      for (const identifying of [
        "Hong",
        "Gildong",
        "880101",
        "010-1234",
        "Teheran",
        "Kim Minsu",
        "L-2026-7731",
        "obs-7731",
        "2026-11",
        "1960-04",
      ]) {
        expect(text, identifying).to.not.include(identifying);
      }
      const kept = JSON.parse(text);
      expect(kept.valueQuantity.value).to.equal(6.1);
      expect(kept.code.coding[0].code).to.equal("4548-4");
      expect(kept.effectiveDateTime).to.equal("2026");
      expect(kept.subject).to.deep.equal({ type: "Patient" });
      expect(kept.contained[0]).to.deep.equal({
        resourceType: "Patient",
        birthDate: "1960",
        address: [{ postalCode: "062", country: "KR" }],
        gender: "female",
      });
      expect(out.removed).to.include.members([
        "identifier",
        "note",
        "performer",
        "contained.name",
        "contained.telecom",
      ]);
    });

    it("drops attachments, identifiers under any key, actors named by display only and a bundle's URLs; redacts numbers in free text (second audit)", function () {
      const out = (doc: unknown) => fromUtf8(deidentify(utf8(JSON.stringify(doc))).document);
      const issued = Buffer.from("Patient name: Hong Gildong\nRRN 800101-1234567").toString("base64");
      const report = out({
        resourceType: "DiagnosticReport",
        status: "final",
        code: { coding: [{ system: "http://loinc.org", code: "4548-4", display: "Hemoglobin A1c" }], text: "HbA1c" },
        conclusion: "Hong (800101-1234567, 010-1234-5678) has type 2 diabetes",
        presentedForm: [{ contentType: "text/plain", data: issued, url: "https://emr.example/reports/hong.pdf" }],
        resultsInterpreter: [{ display: "Dr. Lee Jihoon" }],
      });
      for (const leak of ["800101-1234567", "010-1234-5678", issued, "emr.example", "Lee Jihoon"]) {
        expect(report, leak).to.not.include(leak);
      }
      // Codes and their names stay, and so does a concept's text.
      expect(JSON.parse(report).code).to.deep.equal({
        coding: [{ system: "http://loinc.org", code: "4548-4", display: "Hemoglobin A1c" }],
        text: "HbA1c",
      });
      const encounter = out({
        resourceType: "Encounter",
        hospitalization: { preAdmissionIdentifier: { system: "urn:seoul-general:mrn", value: "MRN-778812" } },
      });
      expect(encounter).to.not.include("MRN-778812");
      const bundle = out({ resourceType: "Bundle", entry: [{ request: { method: "PUT", url: "Patient/hong-1980" } }] });
      expect(bundle).to.not.include("hong-1980");
      const text = fromUtf8(
        deidentify(
          utf8(
            "SSN: 123-45-6789\nMedical record no.: 00123456\n등록번호: 12345678\nMobile 010.1234.5678\n" +
              "Next of kin: Park Jisoo\nHbA1c 6.1 %",
          ),
        ).document,
      );
      for (const leak of ["123-45-6789", "00123456", "12345678", "010.1234.5678", "Park Jisoo"]) {
        expect(text, leak).to.not.include(leak);
      }
      expect(text).to.include("HbA1c 6.1 %");
      expect(() =>
        deidentify(utf8('<Patient xmlns="http://hl7.org/fhir"><name><family value="Hong"/></name></Patient>')),
      ).to.throw(/XML or HTML/);
    });

    it("redacts labelled lines and identifying patterns from text, and refuses a binary document", function () {
      const out = deidentify(
        utf8(
          "환자: 홍길동\nName: Hong Gildong\nRRN 880101-1234567, tel 010-1234-5678, hong@example.kr\n" +
            "Visit 2026-11-03: HbA1c 6.1 %, fasting glucose 5.9 mmol/L\n",
        ),
      );
      expect(out.format).to.equal("text");
      expect(fromUtf8(out.document)).to.equal(
        "RRN [resident registration number], tel [telephone number], [e-mail address]\n" +
          "Visit 2026: HbA1c 6.1 %, fasting glucose 5.9 mmol/L\n",
      );
      expect(out.removed).to.include.members(['line labelled "환자"', 'line labelled "Name"', "date cut to its year"]);
      expect(() => deidentify(new Uint8Array([0xff, 0xfe, 0x00, 0x81]))).to.throw(/binary document/);
    });
  });

  async function setup() {
    await loadFixture(seededFixture);
    const signers = await hre.ethers.getSigners();
    const who = (name: LocalAccountName) => signers[LOCAL_ACCOUNTS[name]];
    const deployment = loadDeployment("localhost", path.join(folders.dir, "deployments"));
    const store = new MemoryBlobStore();
    const shares = new MemoryKeyShareStore();
    const miip = await MIIP.connect(signers[0], deployment, { store, shares });
    const as = (name: LocalAccountName) => miip.as(who(name));
    // Patients act without ETH: their actions are signed and sent by the relayer.
    const patient = (name: "patientA" | "patientB") => as(name).gasless(who("relayer"));
    return { who, deployment, miip, as, patient, store };
  }

  it("buys de-identified lab results: patients opt in and contribute gaslessly, the researcher reads, pays, contests, and gets back only the remainder", async function () {
    const { who, as, patient } = await setup();
    const now = await time.latest();
    const hospital = as("hospital");
    const labs: bigint[] = [];
    for (const [name, value] of [
      ["patientA", 6.1],
      ["patientB", 7.4],
    ] as const) {
      const { recordId } = await hospital.documents.add({
        patientId: await as(name).patients.myId(),
        patientPublicKey: (await as(name).documents.encryptionKey()).publicKey,
        document: labResult(name === "patientA" ? "Hong Gildong" : "Lee Younghee", value, "2026-11-03"),
        recordType: "lab-result",
      });
      labs.push(recordId);
    }
    const researcher = as("researcher");
    await as("treasury").token.transfer(who("researcher").address, IST(100));
    const opened = await researcher.market.openRequest({
      recordTypes: ["lab-result"],
      from: now - 365 * DAY,
      to: now + DAY,
      terms: utf8("KAIST diabetes cohort: no re-identification, no transfer, deletion after 3 years"),
      deidentification: utf8("HIPAA Safe Harbor, FHIR R4"),
      price: IST(10),
      maxContributions: 3,
      deadline: now + 30 * DAY,
      arbitratorId: 5,
    });
    expect(opened.budget).to.equal(IST(30));
    const request = await researcher.market.request(opened.requestId);
    expect(request).to.include({ open: true, delivered: 0, maxContributions: 3, closed: false });
    expect(request.recordTypes).to.deep.equal(["lab-result"]);
    expect((await researcher.market.requests({ limit: 5 })).entries.map((r) => r.requestId)).to.deep.equal([
      opened.requestId,
    ]);

    const researcherKey = (await researcher.documents.encryptionKey()).publicKey;
    const relayerBalance = await hre.ethers.provider.getBalance(who("patientA").address);
    const contributions: bigint[] = [];
    for (const [i, name] of (["patientA", "patientB"] as const).entries()) {
      await patient(name).market.optIn(opened.requestId);
      let reviewed = "";
      const delivered = await patient(name).market.contribute({
        requestId: opened.requestId,
        recordIds: [labs[i]],
        researcherPublicKey: researcherKey,
        review: (copies) => {
          reviewed = fromUtf8(copies[0].document);
          return true;
        },
      });
      expect(reviewed).to.not.include(name === "patientA" ? "Hong" : "Lee");
      contributions.push(delivered.contributionId);
    }
    // The patients paid no gas.
    expect(await hre.ethers.provider.getBalance(who("patientA").address)).to.equal(relayerBalance);

    // The researcher opens A's contribution: the read is in A's access trail; the data is there, the name is not.
    const read = await researcher.market.open(contributions[0]);
    expect(read.documents).to.have.length(1);
    expect(JSON.parse(read.documents[0].document).valueQuantity.value).to.equal(6.1);
    expect(read.documents[0].document).to.not.include("Hong");
    const trail = await as("patientA").history.accessTrail(await as("patientA").patients.myId());
    expect(trail.entries.map((e) => e.event)).to.include("ContributionRead");

    // Accepted: A is paid at once. B's is contested; the agency rejects it.
    const balanceA = await as("patientA").token.balanceOf(who("patientA").address);
    expect((await researcher.market.accept(contributions[0])).paid).to.equal(IST(10));
    expect(await as("patientA").token.balanceOf(who("patientA").address)).to.equal(balanceA + IST(10));
    await researcher.market.open(contributions[1]);
    await researcher.market.contest(contributions[1], "not-a-lab-result", billDigest(utf8("evidence")));
    expect((await researcher.market.contribution(contributions[1])).status).to.equal("contested");
    await as("agency").market.arbitrate(contributions[1], false);
    expect((await as("patientB").market.contributionsOfPatient()).entries.map((c) => c.status)).to.deep.equal([
      "rejected",
    ]);

    // Closing returns 20 IST: the unused place and the rejected one; A's 10 stays paid.
    const before = await as("researcher").token.balanceOf(who("researcher").address);
    expect((await researcher.market.close(opened.requestId)).refunded).to.equal(IST(20));
    expect(await as("researcher").token.balanceOf(who("researcher").address)).to.equal(before + IST(20));
    await expect(researcher.market.refund(opened.requestId))
      .to.be.rejected.and.eventually.include({ name: "MarketNothingToRefund" })
      .and.have.nested.property("args.requestId", opened.requestId);
    const closed = await researcher.market.request(opened.requestId);
    expect(closed).to.include({ closed: true, open: false, paid: IST(10), refunded: IST(20), refundable: 0n });
  });

  it("stops a contribution the patient's review refuses, before anything is stored or sent", async function () {
    const { as, patient, store, who } = await setup();
    const now = await time.latest();
    const { recordId } = await as("hospital").documents.add({
      patientId: await as("patientA").patients.myId(),
      patientPublicKey: (await as("patientA").documents.encryptionKey()).publicKey,
      document: labResult("Hong Gildong", 5.8, "2026-10-01"),
      recordType: "lab-result",
    });
    await as("treasury").token.transfer(who("researcher").address, IST(10));
    const { requestId } = await as("researcher").market.openRequest({
      recordTypes: ["lab-result"],
      from: now - 365 * DAY,
      to: now + DAY,
      terms: billDigest(utf8("terms")),
      deidentification: billDigest(utf8("rules")),
      price: IST(10),
      maxContributions: 1,
      deadline: now + DAY,
      arbitratorId: 5,
    });
    await patient("patientA").market.optIn(requestId);
    const stored = store.size;
    await expect(
      patient("patientA").market.contribute({
        requestId,
        recordIds: [recordId],
        researcherPublicKey: (await as("researcher").documents.encryptionKey()).publicKey,
        review: () => false,
      }),
    ).to.be.rejectedWith(MIIPClientError, /review stopped/);
    expect(store.size).to.equal(stored);
    expect(await as("patientA").market.participation(requestId)).to.deep.equal({ optedIn: true, delivered: false });
    await patient("patientA").market.withdrawOptIn(requestId);
    expect(await as("patientA").market.participation(requestId)).to.deep.equal({ optedIn: false, delivered: false });
  });

  it("bills and collects: the patient pays an invoice without ETH, the receipt is in both books, and a claim for the same care must then pay the patient", async function () {
    const { as, patient, who } = await setup();
    const hospital = as("hospital");
    const patientId = await as("patientA").patients.myId();
    const { invoiceId } = await hospital.invoices.issue({
      patientId,
      recordId: 1,
      amount: IST(80),
      bill: utf8("Seoul General Hospital, itemised: consultation 50, HbA1c 30"),
    });
    expect(await hospital.invoices.get(invoiceId)).to.include({ status: "open", kind: "record", overdue: false });
    expect((await as("patientA").invoices.ofPatient()).entries.map((i) => i.invoiceId)).to.deep.equal([invoiceId]);
    const eth = await hre.ethers.provider.getBalance(who("patientA").address);
    const hospitalBefore = await hospital.token.balanceOf(who("hospital").address);
    const paid = await patient("patientA").invoices.pay(invoiceId);
    expect(paid.paid).to.equal(IST(80));
    expect(await hre.ethers.provider.getBalance(who("patientA").address)).to.equal(eth);
    expect(await hospital.token.balanceOf(who("hospital").address)).to.equal(hospitalBefore + IST(80));
    const receipts = await hospital.invoices.receipts({ institutionId: 1 });
    expect(receipts.entries.map((e) => e.args.paid)).to.deep.equal([IST(80)]);
    expect((await as("patientA").invoices.receipts({ patientId })).total).to.equal(1);
    await expect(patient("patientA").invoices.pay(invoiceId)).to.be.rejectedWith(MIIPClientError, /is paid/);

    // The hospital now asks the insurer to pay it for the same visit: the patient's client refuses to attest.
    const bill = await hospital.claims.bill({
      programmeId: 1,
      recordIds: [1],
      amount: IST(80),
      billDigest: billDigest(utf8("same visit")),
    });
    await expect(as("patientA").claims.attest(await hospital.claims.signBill(bill))).to.be.rejectedWith(
      MIIPClientError,
      /paid invoice 1 for this treatment; a claim must pay the patient \(payTo "patient"\)/,
    );
    // A pharmacy's dispensing is billed by a reference only the bill's salt opens.
    const ref = dispensingReference(8806469001235n, hre.ethers.id("serial"), hre.ethers.id("salt"));
    const { invoiceId: rx } = await as("pharmacy").invoices.issue({
      patientId,
      dispensing: ref,
      amount: IST(12),
      bill: utf8("metformin"),
    });
    expect(await as("pharmacy").invoices.get(rx)).to.include({ kind: "dispensing", careRef: ref });
    expect((await as("pharmacy").invoices.ofInstitution(3)).total).to.equal(1);
    await as("pharmacy").invoices.cancel(rx, "dispensed in error");
    expect((await as("pharmacy").invoices.get(rx)).status).to.equal("cancelled");
  });
});
