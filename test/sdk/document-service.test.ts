import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SigningKey, Wallet, ZeroHash, computeAddress, hashMessage } from "ethers";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import {
  DocumentService,
  type DocumentServiceServer,
  IpfsError,
  type KeyShare,
  KeyShareError,
  MIIP,
  MemoryBlobStore,
  MemoryKeyShareStore,
  SessionError,
  cidV1,
  fromUtf8,
  loadDeployment,
  type ServiceSession,
  requestMessage,
  serveDocumentService,
  sessionHeader,
  sessionMessage,
  utf8,
} from "../../packages/sdk/src/node";
import { clientOf } from "../../packages/sdk/src/node/clients";
import { failure } from "../helpers/failure";
import { isolatedCliFolders, seededFixture } from "../helpers/tasks";

/**
 * A PUT as a client sends it: the session in `Authorization`, the write signed by the session key (method, path, body
 * digest, time). `raw` sends that header as given; `signedBody` signs other bytes than those sent.
 */
async function signedPut(
  url: string,
  pathname: string,
  body: Uint8Array | string,
  auth: { session?: ServiceSession; key?: SigningKey; time?: number; raw?: string; signedBody?: Uint8Array } = {},
): Promise<{ status: number; message: string }> {
  const bytes = typeof body === "string" ? utf8(body) : body;
  const headers: Record<string, string> = {};
  if (auth.raw) headers.Authorization = auth.raw;
  if (auth.session) headers.Authorization = sessionHeader(auth.session);
  if (auth.key) {
    const time = auth.time ?? Date.now();
    const message = requestMessage(auth.session!, "PUT", pathname, auth.signedBody ?? bytes, time);
    headers["X-MIIP-Request"] = `${time}.${auth.key.sign(hashMessage(message)).serialized}`;
  }
  const response = await fetch(`${url}${pathname}`, { method: "PUT", body: bytes, headers });
  return { status: response.status, message: ((await response.json()) as { message: string }).message };
}

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

  async function setup(
    options: {
      perClient?: number;
      shares?: MemoryKeyShareStore;
      maxClients?: number;
      patientBytesPerDay?: number;
    } = {},
  ) {
    await loadFixture(seededFixture);
    const signers = await hre.ethers.getSigners();
    const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
    const deployment = loadDeployment("localhost", path.join(folders.dir, "deployments"));
    const reader = await MIIP.connect(hre.ethers.provider, deployment);
    const blocks = new MemoryBlobStore();
    const shares = options.shares ?? new MemoryKeyShareStore();
    keysDir = mkdtempSync(path.join(os.tmpdir(), "miip-keys-"));
    running = await serveDocumentService({
      blocks,
      shares,
      keysDir,
      miip: reader,
      perClient: options.perClient,
      maxClients: options.maxClients,
      patientBytesPerDay: options.patientBytesPerDay,
    });
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

  it("keeps the keys of a patient's own record and of a writer's record in its stream: the patient and that writer are its owners", async function () {
    const { client, shares } = await setup();
    const patient = await client("patientA");
    const pharmacy = await client("pharmacy");
    const stranger = await client("hospital");
    const patientKey = (await patient.miip.documents.encryptionKey()).publicKey;
    await patient.service.openSession(patient.signer, patientKey);
    await pharmacy.service.openSession(pharmacy.signer, (await pharmacy.miip.documents.encryptionKey()).publicKey);
    await stranger.service.openSession(stranger.signer, (await stranger.miip.documents.encryptionKey()).publicKey);
    const note = await patient.miip.devices.writeOwn({ document: utf8("dizzy after lunch"), recordType: 1 });
    expect(fromUtf8(await patient.miip.documents.open(note.recordId, { purpose: "treatment" }))).to.equal(
      "dizzy after lunch",
    );
    const patientId = await patient.miip.patients.myId();
    const pharmacyId = (await patient.miip.participants.memberOf(pharmacy.signer.address))!.id;
    await patient.miip.devices.setWriter(pharmacyId, true);
    const written = await pharmacy.miip.devices.writeFor({
      patientId,
      patientPublicKey: patientKey,
      document: utf8("blood pressure log"),
      recordType: "device-readings",
    });
    expect((await shares.byRecord(written.recordId)).map((s) => s.recipient)).to.have.members([
      patient.signer.address,
      pharmacy.signer.address,
    ]);
    expect(fromUtf8(await patient.miip.documents.open(written.recordId, { purpose: "treatment" }))).to.equal(
      "blood pressure log",
    );
    // Nobody else is an owner of a stream record: a hospital that did not write it publishes no owner's share.
    const share = (await shares.byRecord(note.recordId))[0];
    await expect(stranger.service.shares.put({ ...share, recipient: stranger.signer.address })).to.be.rejectedWith(
      /403/,
    );
  });

  it("refuses a write without a session, with another service's, an expired one, or one signed by someone else", async function () {
    const { who, url, blocks } = await setup();
    const hospital = who("hospital");
    const block = utf8("a ciphertext block");
    const cid = cidV1(block);
    const session = async (overrides: { service?: string; expires?: number; signer?: typeof hospital } = {}) => {
      const key = new SigningKey(Wallet.createRandom().privateKey);
      const unsigned = {
        service: overrides.service ?? url,
        account: hospital.address,
        publicKey: Wallet.createRandom().signingKey.compressedPublicKey,
        sessionKey: computeAddress(key.publicKey),
        expires: overrides.expires ?? Math.floor(Date.now() / 1000) + 600,
      };
      const signature = await (overrides.signer ?? hospital).signMessage(sessionMessage(unsigned));
      return { session: { ...unsigned, signature }, key };
    };

    expect(await signedPut(url, `/blocks/${cid}`, block)).to.deep.include({ status: 401 });
    const elsewhere = await session({ service: "http://127.0.0.1:1" });
    expect((await signedPut(url, `/blocks/${cid}`, block, elsewhere)).message).to.match(/signed for/);
    const expired = await session({ expires: Math.floor(Date.now() / 1000) - 1 });
    expect((await signedPut(url, `/blocks/${cid}`, block, expired)).message).to.match(/expired/);
    const long = await session({ expires: Math.floor(Date.now() / 1000) + 3 * 86_400 });
    expect((await signedPut(url, `/blocks/${cid}`, block, long)).message).to.match(/at most/);
    const forged = await session({ signer: who("stranger") });
    expect((await signedPut(url, `/blocks/${cid}`, block, forged)).message).to.match(/signed by/);
    expect(await signedPut(url, `/blocks/${cid}`, block, { raw: "MIIP-Session not-base64!" })).to.deep.include({
      status: 401,
    });
    expect(blocks.size).to.equal(0);
    expect(await signedPut(url, `/blocks/${cid}`, block, await session())).to.deep.include({ status: 200 });
    expect(blocks.size).to.equal(1);
  });

  it("takes nothing on a published session alone: each write is signed by the session's key, once, and on time", async function () {
    const { client, url, blocks, shares } = await setup();
    const { patient, hospital, patientKey, recordId } = await withRecord(client);
    const stored = blocks.size;
    const patientShare = (await shares.get(recordId, patient.signer.address))!;
    const spoiled = JSON.stringify({ ...patientShare, createdAt: patientShare.createdAt + 1 });

    // What anyone reads: the hospital's and the patient's published sessions. Without their session keys: nothing.
    const published = async (account: string) =>
      (await (await fetch(`${url}/keys/${account}`)).json()) as ServiceSession;
    const junk = utf8("a stranger's data");
    const stolen = await published(hospital.signer.address);
    expect(await signedPut(url, `/blocks/${cidV1(junk)}`, junk, { session: stolen })).to.deep.include({ status: 401 });
    const ownKey = { session: stolen, key: new SigningKey(Wallet.createRandom().privateKey) };
    expect((await signedPut(url, `/blocks/${cidV1(junk)}`, junk, ownKey)).message).to.match(
      /not signed by the session/,
    );
    const patientSession = { session: await published(patient.signer.address) };
    expect(await signedPut(url, "/shares", spoiled, patientSession)).to.deep.include({ status: 401 });
    expect(blocks.size).to.equal(stored);
    expect(await patient.miip.documents.open(recordId, { purpose: "treatment" })).to.deep.equal(utf8("HbA1c 6.1 %"));

    // A signed write replayed, or signed too long ago, or for another path or body: refused.
    const key = (patient.service as unknown as { current: { key: SigningKey } }).current.key;
    const mine = { session: patient.service.session!, key };
    const time = Date.now();
    expect(await signedPut(url, "/shares", spoiled, { ...mine, time })).to.deep.include({ status: 200 });
    expect((await signedPut(url, "/shares", spoiled, { ...mine, time })).message).to.match(/already taken/);
    // The same signature written with v as 0/1 instead of 27/28: the same write, taken already.
    const signature = key.sign(
      hashMessage(requestMessage(mine.session, "PUT", "/shares", utf8(spoiled), time)),
    ).serialized;
    const v = parseInt(signature.slice(-2), 16) - 27;
    const rewritten = await fetch(`${url}/shares`, {
      method: "PUT",
      body: spoiled,
      headers: {
        Authorization: sessionHeader(mine.session),
        "X-MIIP-Request": `${time}.${signature.slice(0, -2)}0${v}`,
      },
    });
    expect(rewritten.status).to.equal(409);
    const stale = { ...mine, time: Date.now() - 10 * 60_000 };
    expect((await signedPut(url, "/shares", spoiled, stale)).message).to.match(/from the service's clock/);
    const otherBody = { ...mine, signedBody: utf8("{}") };
    expect((await signedPut(url, "/shares", spoiled, otherBody)).message).to.match(/not signed by the session/);
  });

  it("takes blocks from active institutions, and from patients within their daily share; only bytes that hash to their CID", async function () {
    const { client, blocks } = await setup({ patientBytesPerDay: 20 });
    const patient = await client("patientA");
    const hospital = await client("hospital");
    await patient.service.openSession(patient.signer, (await patient.miip.documents.encryptionKey()).publicKey);
    await hospital.service.openSession(hospital.signer, (await hospital.miip.documents.encryptionKey()).publicKey);
    const block = utf8("ciphertext");

    // A stranger (neither an institution nor a patient) cannot even open a session (its key is not published).
    const forged = await failure(() => hospital.service.blobs.putBlock(cidV1(utf8("something else")), block));
    expect((forged as IpfsError).status).to.equal(400);
    expect((forged as IpfsError).nodeMessage).to.match(/does not hash/);
    expect(blocks.size).to.equal(0);
    // A patient stores its contributions, up to its share of the day (20 bytes here).
    await patient.service.blobs.putBlock(cidV1(block), block);
    const second = utf8("more cipher");
    const over = await failure(() => patient.service.blobs.putBlock(cidV1(second), second));
    expect((over as IpfsError).status).to.equal(429);
    expect(blocks.size).to.equal(1);
    // An institution has no such share.
    await hospital.service.blobs.putBlock(cidV1(second), second);
    expect(blocks.size).to.equal(2);
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

  it("takes a share under a grant for the grant's grantee only: never over an owner's copy, never for anyone else", async function () {
    const { client, shares, who, url } = await setup();
    const patient = await client("patientA");
    const hospital = await client("hospital");
    const patientKey = (await patient.miip.documents.encryptionKey()).publicKey;
    await patient.service.openSession(patient.signer, patientKey);
    await hospital.service.openSession(hospital.signer, (await hospital.miip.documents.encryptionKey()).publicKey);
    const document = utf8("HbA1c 6.1 %");
    const { recordId } = await hospital.miip.documents.add({
      patientId: await patient.miip.patients.myId(),
      patientPublicKey: patientKey,
      document,
      recordType: "lab-result",
    });
    const { grantIds } = await patient.miip.consent.grant({
      grantee: who("pharmacy").address,
      purpose: "treatment",
      scope: { kind: "all-records" },
      expiresAt: (await patient.miip.now()) + 86_400,
    });
    const template = { ...(await shares.get(recordId, patient.signer.address))!, grantId: grantIds[0] };
    const overIssuer = await failure(() =>
      patient.service.shares.put({ ...template, recipient: hospital.signer.address }),
    );
    expect((overIssuer as IpfsError).status).to.equal(403);
    const madeUp = await failure(() =>
      patient.service.shares.put({ ...template, recipient: Wallet.createRandom().address }),
    );
    expect((madeUp as IpfsError).status).to.equal(403);
    const padded = { ...template, recipient: who("pharmacy").address };
    padded.wrapped = { ...padded.wrapped, ciphertext: `0x${"ab".repeat(31_000)}` };
    const tooLarge = await failure(() => patient.service.shares.put(padded));
    expect(tooLarge).to.be.instanceOf(KeyShareError);
    const key = (patient.service as unknown as { current: { key: SigningKey } }).current.key;
    const raw = await signedPut(url, "/shares", JSON.stringify(padded), { session: patient.service.session!, key });
    expect(raw).to.deep.include({ status: 400 });
    expect(await hospital.miip.documents.open(recordId, { purpose: "treatment" })).to.deep.equal(document);
    expect(await shares.byGrant(grantIds[0])).to.deep.equal([]);
    expect((await fetch(`${url}/shares?grant=${ZeroHash}`)).status).to.equal(400);
  });

  it("takes a published key only if its account signed it for this very service", async function () {
    const { who } = await setup();
    const patient = who("patientA");
    const unsigned = {
      service: "http://phishing.example",
      account: patient.address,
      publicKey: Wallet.createRandom().signingKey.compressedPublicKey,
      sessionKey: Wallet.createRandom().address,
      expires: 1,
    };
    const elsewhere = { ...unsigned, signature: await patient.signMessage(sessionMessage(unsigned)) };
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(elsewhere));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const refused = await failure(() => new DocumentService({ url }).publicKeyOf(patient.address));
      expect(refused).to.be.instanceOf(SessionError);
      expect(refused.message).to.match(/signed for http:\/\/phishing\.example/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("answers a request line that is not a path with 400, and goes on", async function () {
    const { url } = await setup();
    const { port } = new URL(url);
    const raw = (target: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), "127.0.0.1", () =>
          socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
        );
        let answer = "";
        socket.on("data", (chunk) => (answer += chunk.toString()));
        socket.on("end", () => resolve(answer.split("\r\n")[0]));
        socket.on("error", reject);
      });
    expect(await raw("//")).to.equal("HTTP/1.1 400 Bad Request");
    expect((await fetch(`${url}/health`)).status).to.equal(200);
  });

  it("counts an IPv6 client by its /64 and an IPv4 client by its address", function () {
    expect(clientOf("203.0.113.7")).to.equal("203.0.113.7");
    expect(clientOf("::ffff:203.0.113.7")).to.equal("203.0.113.7");
    expect(clientOf("2001:db8:1:2:aaaa::1")).to.equal("2001:db8:1:2::/64");
    expect(clientOf("2001:db8:1:2:ffff:ffff:ffff:ffff")).to.equal("2001:db8:1:2::/64");
    expect(clientOf("2001:db8::1")).to.equal("2001:db8:0:0::/64");
    expect(clientOf("::1")).to.equal("0:0:0:0::/64");
  });

  it("answers a client over its share of the minute with 429", async function () {
    const { url } = await setup({ perClient: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${url}/health`)).status);
    expect(statuses).to.deep.equal([200, 200, 200, 429, 429]);
  });

  // The second outside audit's findings, each a regression test: refused writes fill nothing, a write is taken
  // only under the session it was signed for, the owners' first writes do not race, one account's sessions opened at
  // once, a grant share checked without searching the chain, and a full client table that forgets rather than refuses.
  describe("against concurrent and hostile writers", function () {
    it("remembers no signature of a write refused for its writer's role, and takes a write only under its own session", async function () {
      const { who, url } = await setup();
      const stranger = await makeSession(who("stranger"), url);
      const block = utf8("junk");
      const pathname = `/blocks/${cidV1(block)}`;
      const time = Date.now();
      const signature = signWrite(stranger.key, stranger.session, pathname, block, time);
      expect((await rawPut(url, pathname, block, stranger.session, time, signature)).status).to.equal(403);
      expect((await rawPut(url, pathname, block, stranger.session, time, signature)).status).to.equal(403);

      // The pharmacy names the hospital's (public) session key in a session of its own: the hospital's write, seen on
      // its way, is not taken under it, and the hospital's own goes through.
      const hospital = await makeSession(who("hospital"), url);
      const pharmacy = await makeSession(who("pharmacy"), url, hospital.session.sessionKey);
      const mine = utf8("the hospital's ciphertext block");
      const minePath = `/blocks/${cidV1(mine)}`;
      const written = signWrite(hospital.key, hospital.session, minePath, mine, time);
      expect((await rawPut(url, minePath, mine, pharmacy.session, time, written)).status).to.equal(401);
      expect((await rawPut(url, minePath, mine, hospital.session, time, written)).status).to.equal(200);
    });

    it("makes the owners' first writes of a share one at a time: the patient's garbage cannot land over the issuer's copy", async function () {
      const store = new SlowShareStore();
      const { client, url } = await setup({ shares: store });
      const { patient, hospital, patientKey, recordId } = await withRecord(client);
      const issuerShare = (await store.get(recordId, hospital.signer.address))!;
      store.forget(recordId, hospital.signer.address); // as right after registering: no issuer copy yet
      store.delay = 300;
      const p = await makeSession(patient.signer, url);
      const h = await makeSession(hospital.signer, url);
      const own = utf8(JSON.stringify(issuerShare));
      const garbage = utf8(
        JSON.stringify({ ...issuerShare, wrapped: { ...issuerShare.wrapped, ciphertext: `0x${"00".repeat(48)}` } }),
      );
      const t = Date.now();
      const issuerWrite = rawPut(url, "/shares", own, h.session, t, signWrite(h.key, h.session, "/shares", own, t));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const patientWrite = rawPut(
        url,
        "/shares",
        garbage,
        p.session,
        t,
        signWrite(p.key, p.session, "/shares", garbage, t),
      );
      const [a, b] = await Promise.all([issuerWrite, patientWrite]);
      expect(a.status).to.equal(200);
      expect(b.status, b.message).to.equal(409);
      expect((await store.get(recordId, hospital.signer.address))!.wrapped).to.deep.equal(issuerShare.wrapped);
    });

    it("publishes one account's key from sessions opened at once, each write whole", async function () {
      const { who, url } = await setup();
      const patient = who("patientA");
      const sessions = await Promise.all(Array.from({ length: 6 }, () => makeSession(patient, url)));
      const results = await Promise.all(
        sessions.map(({ session, key }) => {
          const body = utf8(JSON.stringify(session));
          const t = Date.now();
          return rawPut(url, "/keys", body, session, t, signWrite(key, session, "/keys", body, t));
        }),
      );
      expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
      expect(sessions.map((s) => s.session.publicKey)).to.include(
        await new DocumentService({ url }).publicKeyOf(patient.address),
      );
    });

    it("checks a share under a grant without searching the chain's history", async function () {
      const { client, who } = await setup();
      const patient = await client("patientA");
      const hospital = await client("hospital");
      const pharmacy = await client("pharmacy");
      const patientKey = (await patient.miip.documents.encryptionKey()).publicKey;
      const pharmacyKey = (await pharmacy.miip.documents.encryptionKey()).publicKey;
      await patient.service.openSession(patient.signer, patientKey);
      await hospital.service.openSession(hospital.signer, (await hospital.miip.documents.encryptionKey()).publicKey);
      const { recordId } = await hospital.miip.documents.add({
        patientId: await patient.miip.patients.myId(),
        patientPublicKey: patientKey,
        document: utf8("HbA1c 6.1 %"),
        recordType: "lab-result",
      });
      const { grantIds } = await patient.miip.consent.grant({
        grantee: who("pharmacy").address,
        purpose: "treatment",
        scope: { kind: "record-type", types: ["lab-result"] },
        expiresAt: (await patient.miip.now()) + 86_400,
      });
      const provider = hre.network.provider as unknown as { send: (m: string, p?: unknown[]) => Promise<unknown> };
      const send = provider.send.bind(provider);
      let getLogs = 0;
      provider.send = (method, params) => {
        if (method === "eth_getLogs") getLogs++;
        return send(method, params);
      };
      try {
        await patient.miip.documents.share({
          recordId,
          grantee: who("pharmacy").address,
          granteePublicKey: pharmacyKey,
          grantId: grantIds[0],
        });
      } finally {
        provider.send = send;
      }
      expect(getLogs).to.equal(0);
      // A grant that does not cover the record (another type) is no ground for a share of it.
      const { grantIds: imaging } = await patient.miip.consent.grant({
        grantee: who("pharmacy").address,
        purpose: "treatment",
        scope: { kind: "record-type", types: ["imaging"] },
        expiresAt: (await patient.miip.now()) + 86_400,
      });
      const outOfScope = await failure(() =>
        patient.miip.documents.share({
          recordId,
          grantee: who("pharmacy").address,
          granteePublicKey: pharmacyKey,
          grantId: imaging[0],
        }),
      );
      expect((outOfScope as IpfsError).status).to.equal(403);
    });

    it("forgets the clients counted longest ago when its table is full: a newcomer is served", async function () {
      const { url } = await setup({ maxClients: 20 });
      const port = Number(new URL(url).port);
      const healthFrom = (localAddress: string) =>
        new Promise<number>((resolve, reject) => {
          http
            .get({ host: "127.0.0.1", port, path: "/health", localAddress, agent: false }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            })
            .on("error", reject);
        });
      for (let i = 1; i <= 40; i++) expect(await healthFrom(`127.0.1.${i}`)).to.equal(200);
      expect(await healthFrom("127.0.2.1")).to.equal(200);
    });
  });
});

/**
 * Patient A and the hospital, each with a client on the service and a session open, and a lab result the hospital
 * stored for patient A ("HbA1c 6.1 %"): where most of these tests start.
 */
async function withRecord(
  client: (name: keyof typeof LOCAL_ACCOUNTS) => Promise<{ service: DocumentService; miip: MIIP; signer: TestSigner }>,
) {
  const patient = await client("patientA");
  const hospital = await client("hospital");
  const patientKey = (await patient.miip.documents.encryptionKey()).publicKey;
  await patient.service.openSession(patient.signer, patientKey);
  await hospital.service.openSession(hospital.signer, (await hospital.miip.documents.encryptionKey()).publicKey);
  const { recordId } = await hospital.miip.documents.add({
    patientId: await patient.miip.patients.myId(),
    patientPublicKey: patientKey,
    document: utf8("HbA1c 6.1 %"),
    recordType: "lab-result",
  });
  return { patient, hospital, patientKey, recordId };
}

type TestSigner = Awaited<ReturnType<typeof hre.ethers.getSigners>>[number];

/** A session for `signer` on `url` with a session key made here (what `openSession` does, without PUT /keys). */
async function makeSession(signer: TestSigner, url: string, sessionKey?: string) {
  const key = new SigningKey(Wallet.createRandom().privateKey);
  const unsigned = {
    service: url,
    account: signer.address,
    publicKey: Wallet.createRandom().signingKey.compressedPublicKey,
    sessionKey: sessionKey ?? computeAddress(key.publicKey),
    expires: Math.floor(Date.now() / 1000) + 3600,
  };
  const session: ServiceSession = { ...unsigned, signature: await signer.signMessage(sessionMessage(unsigned)) };
  return { session, key };
}

/** A PUT with exactly the session and write signature given (a captured request, sent again or elsewhere). */
async function rawPut(
  url: string,
  pathname: string,
  body: Uint8Array,
  session: ServiceSession,
  time: number,
  signature: string,
) {
  const response = await fetch(`${url}${pathname}`, {
    method: "PUT",
    body,
    headers: { Authorization: sessionHeader(session), "X-MIIP-Request": `${time}.${signature}` },
  });
  return { status: response.status, message: ((await response.json()) as { message: string }).message };
}

function signWrite(key: SigningKey, session: ServiceSession, pathname: string, body: Uint8Array, time: number) {
  return key.sign(hashMessage(requestMessage(session, "PUT", pathname, body, time))).serialized;
}

/** A share store whose writes take `delay` ms (a database across a network), with a way to forget a share. */
class SlowShareStore extends MemoryKeyShareStore {
  delay = 0;
  private readonly forgotten = new Set<string>();
  override async put(share: KeyShare) {
    await new Promise((resolve) => setTimeout(resolve, this.delay));
    this.forgotten.delete(`${share.recordId}|${share.recipient}`);
    await super.put(share);
  }
  override async get(recordId: bigint | string, recipient: string) {
    if (this.forgotten.has(`${recordId}|${recipient}`)) return undefined;
    return super.get(recordId, recipient);
  }
  forget(recordId: bigint | string, recipient: string) {
    this.forgotten.add(`${recordId}|${recipient}`);
  }
}
