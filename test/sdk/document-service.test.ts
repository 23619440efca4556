import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, ZeroHash } from "ethers";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import {
  DocumentService,
  type DocumentServiceServer,
  IpfsError,
  MIIP,
  MemoryBlobStore,
  MemoryKeyShareStore,
  SessionError,
  cidV1,
  loadDeployment,
  serveDocumentService,
  sessionHeader,
  sessionMessage,
  utf8,
} from "../../packages/sdk/src/node";
import { failure } from "../helpers/failure";
import { isolatedCliFolders, seededFixture } from "../helpers/tasks";

/**
 * The document service a browser keeps documents with: blocks from institutions only and checked against their CID,
 * key shares only from those the chain names (a record's patient and issuer, the patient alone under a grant), keys
 * published by their own account and checked by the reader; every write behind a signed session for this service.
 */
describe("The document service: blocks, key shares and published keys, written only by whom the chain names", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  let running: DocumentServiceServer | undefined;
  let keysDir: string | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  });

  async function setup(options: { perClient?: number } = {}) {
    await loadFixture(seededFixture);
    const signers = await hre.ethers.getSigners();
    const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
    const deployment = loadDeployment("localhost", path.join(folders.dir, "deployments"));
    const reader = await MIIP.connect(hre.ethers.provider, deployment);
    const blocks = new MemoryBlobStore();
    const shares = new MemoryKeyShareStore();
    keysDir = mkdtempSync(path.join(os.tmpdir(), "miip-keys-"));
    running = await serveDocumentService({ blocks, shares, keysDir, miip: reader, perClient: options.perClient });
    /** A client of the service for one account: its SDK on the service's stores, and the service itself. */
    const client = async (name: keyof typeof LOCAL_ACCOUNTS) => {
      const service = new DocumentService({ url: running!.url });
      const miip = await MIIP.connect(who(name), deployment, { store: service.blobs, shares: service.shares });
      return { service, miip, signer: who(name) };
    };
    return { who, deployment, reader, blocks, shares, client, url: running.url };
  }

  it("a hospital stores a document for a patient whose key it found on the service; the patient opens it", async function () {
    const { client, blocks, shares } = await setup();
    const patient = await client("patientA");
    const hospital = await client("hospital");
    const patientKey = (await patient.miip.documents.encryptionKey()).publicKey;
    await patient.service.openSession(patient.signer, patientKey);
    await hospital.service.openSession(hospital.signer, (await hospital.miip.documents.encryptionKey()).publicKey);

    expect(await hospital.service.publicKeyOf(patient.signer.address)).to.equal(patientKey);
    const document = new Uint8Array(2_500_000).map((_, i) => i % 251); // three chunks and a tree node
    const patientId = await patient.miip.patients.myId();
    const { recordId, cid } = await hospital.miip.documents.add({
      patientId,
      patientPublicKey: patientKey,
      document,
      recordType: "imaging",
    });
    expect(blocks.size).to.equal(4);
    expect(await blocks.has(cid)).to.equal(true);
    expect((await shares.byRecord(recordId)).map((s) => s.recipient)).to.have.members([
      patient.signer.address,
      hospital.signer.address,
    ]);
    const opened = await patient.miip.documents.open(recordId, { purpose: "treatment" });
    expect(Buffer.from(opened).equals(Buffer.from(document))).to.equal(true);
  });

  it("refuses a write without a session, with another service's, an expired one, or one signed by someone else", async function () {
    const { who, url, blocks } = await setup();
    const hospital = who("hospital");
    const block = utf8("a ciphertext block");
    const cid = cidV1(block);
    const put = (authorization?: string) =>
      fetch(`${url}/blocks/${cid}`, {
        method: "PUT",
        body: block,
        headers: authorization ? { Authorization: authorization } : {},
      }).then(async (r) => ({ status: r.status, message: ((await r.json()) as { message: string }).message }));
    const session = async (overrides: { service?: string; expires?: number; signer?: typeof hospital } = {}) => {
      const unsigned = {
        service: overrides.service ?? url,
        account: hospital.address,
        publicKey: Wallet.createRandom().signingKey.compressedPublicKey,
        expires: overrides.expires ?? Math.floor(Date.now() / 1000) + 600,
      };
      const signature = await (overrides.signer ?? hospital).signMessage(sessionMessage(unsigned));
      return sessionHeader({ ...unsigned, signature });
    };

    expect(await put()).to.deep.include({ status: 401 });
    expect((await put(await session({ service: "http://127.0.0.1:1" }))).message).to.match(/signed for/);
    expect((await put(await session({ expires: Math.floor(Date.now() / 1000) - 1 }))).message).to.match(/expired/);
    expect((await put(await session({ expires: Math.floor(Date.now() / 1000) + 3 * 86_400 }))).message).to.match(
      /at most/,
    );
    expect((await put(await session({ signer: who("stranger") }))).message).to.match(/signed by/);
    expect(await put("MIIP-Session not-base64!")).to.deep.include({ status: 401 });
    expect(blocks.size).to.equal(0);
    expect(await put(await session())).to.deep.include({ status: 200 });
    expect(blocks.size).to.equal(1);
  });

  it("takes blocks from active institutions only, and only bytes that hash to their CID", async function () {
    const { client, blocks } = await setup();
    const patient = await client("patientA");
    const hospital = await client("hospital");
    await patient.service.openSession(patient.signer, (await patient.miip.documents.encryptionKey()).publicKey);
    await hospital.service.openSession(hospital.signer, (await hospital.miip.documents.encryptionKey()).publicKey);
    const block = utf8("ciphertext");

    const refused = await failure(() => patient.service.blobs.putBlock(cidV1(block), block));
    expect(refused).to.be.instanceOf(IpfsError);
    expect((refused as IpfsError).status).to.equal(403);
    const forged = await failure(() => hospital.service.blobs.putBlock(cidV1(utf8("something else")), block));
    expect((forged as IpfsError).status).to.equal(400);
    expect((forged as IpfsError).nodeMessage).to.match(/does not hash/);
    expect(blocks.size).to.equal(0);
  });

  it("takes key shares only from a record's patient and issuer, and under a grant from the patient alone", async function () {
    const { client, shares, who } = await setup();
    const patient = await client("patientA");
    const hospital = await client("hospital");
    const stranger = await client("pharmacy");
    const patientKey = (await patient.miip.documents.encryptionKey()).publicKey;
    const pharmacyKey = (await stranger.miip.documents.encryptionKey()).publicKey;
    await patient.service.openSession(patient.signer, patientKey);
    await hospital.service.openSession(hospital.signer, (await hospital.miip.documents.encryptionKey()).publicKey);
    await stranger.service.openSession(stranger.signer, pharmacyKey);
    const { recordId } = await hospital.miip.documents.add({
      patientId: await patient.miip.patients.myId(),
      patientPublicKey: patientKey,
      document: utf8("lab result"),
      recordType: "lab-result",
    });
    const patientShare = (await shares.get(recordId, patient.signer.address))!;

    // Someone else than the owners: refused, whatever the share.
    const bySomeoneElse = await failure(() => stranger.service.shares.put({ ...patientShare, createdAt: 1 }));
    expect((bySomeoneElse as IpfsError).status).to.equal(403);
    // The hospital cannot replace the patient's copy once written; the patient can.
    const spoiled = await failure(() => hospital.service.shares.put({ ...patientShare, createdAt: 1 }));
    expect((spoiled as IpfsError).status).to.equal(409);
    await patient.service.shares.put({ ...patientShare, createdAt: 2 });
    expect((await shares.get(recordId, patient.signer.address))!.createdAt).to.equal(2);

    // Under a grant: the patient shares; the hospital may not, nor anyone under another patient's or a dead grant.
    const now = await patient.miip.now();
    const { grantIds } = await patient.miip.consent.grant({
      grantee: who("pharmacy").address,
      purpose: "treatment",
      scope: { kind: "all-records" },
      expiresAt: now + 86_400,
    });
    const byHospital = await failure(() =>
      hospital.miip.documents.share({
        recordId,
        grantee: who("pharmacy").address,
        granteePublicKey: pharmacyKey,
        grantId: grantIds[0],
      }),
    );
    expect((byHospital as IpfsError).status).to.equal(403);
    await patient.miip.documents.share({
      recordId,
      grantee: who("pharmacy").address,
      granteePublicKey: pharmacyKey,
      grantId: grantIds[0],
    });
    expect(await stranger.miip.documents.open(recordId, { purpose: "treatment" })).to.deep.equal(utf8("lab result"));
    await patient.miip.consent.revoke(grantIds[0]);
    const afterRevoke = await failure(() =>
      patient.miip.documents.share({
        recordId,
        grantee: who("pharmacy").address,
        granteePublicKey: pharmacyKey,
        grantId: grantIds[0],
      }),
    );
    expect((afterRevoke as IpfsError).status).to.equal(403);
    const unknownGrant = await failure(() =>
      patient.miip.documents.share({
        recordId,
        grantee: who("pharmacy").address,
        granteePublicKey: pharmacyKey,
        grantId: `0x${"ab".repeat(32)}`,
      }),
    );
    expect((unknownGrant as IpfsError).status).to.equal(403);
    expect(await shares.byGrant(ZeroHash)).to.have.length(2);
  });

  it("publishes keys of the suite's accounts only, and the reader refuses a key its account did not sign", async function () {
    const { client, url } = await setup();
    const stranger = await client("stranger");
    const refused = await failure(async () =>
      stranger.service.openSession(stranger.signer, (await stranger.miip.documents.encryptionKey()).publicKey),
    );
    expect((refused as IpfsError).status).to.equal(403);
    expect(await stranger.service.publicKeyOf(stranger.signer.address)).to.equal(undefined);

    const patient = await client("patientA");
    await patient.service.openSession(patient.signer, (await patient.miip.documents.encryptionKey()).publicKey);
    // A service that swaps the published key: the signature no longer matches, the reader refuses it.
    const file = path.join(keysDir!, `${patient.signer.address}.json`);
    const published = JSON.parse(readFileSync(file, "utf8")) as { publicKey: string };
    writeFileSync(
      file,
      JSON.stringify({ ...published, publicKey: Wallet.createRandom().signingKey.compressedPublicKey }),
    );
    expect(await failure(() => new DocumentService({ url }).publicKeyOf(patient.signer.address))).to.be.instanceOf(
      SessionError,
    );
  });

  it("answers a client over its share of the minute with 429", async function () {
    const { url } = await setup({ perClient: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${url}/health`)).status);
    expect(statuses).to.deep.equal([200, 200, 200, 429, 429]);
  });
});
