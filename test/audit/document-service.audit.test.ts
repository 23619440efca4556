import { expect } from "chai";
import fsSync, { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, ZeroHash } from "ethers";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import {
  DocumentService,
  type DocumentServiceServer,
  FileKeyShareStore,
  type KeyShare,
  type KeyShareStore,
  MIIP,
  MemoryBlobStore,
  MemoryKeyShareStore,
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
 * Audit PoCs against the document service (packages/sdk/src/node/document-service.ts) and its client
 * (packages/sdk/src/storage/service.ts). Every test asserts the rule as documented: each FAILS today.
 */
describe("AUDIT: document service", function () {
  this.timeout(300_000);
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });

  async function setup(options: { perClient?: number; shares?: KeyShareStore } = {}) {
    await loadFixture(seededFixture);
    const signers = await hre.ethers.getSigners();
    const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
    const deployment = loadDeployment("localhost", path.join(folders.dir, "deployments"));
    const reader = await MIIP.connect(hre.ethers.provider, deployment);
    const blocks = new MemoryBlobStore();
    const shares = options.shares ?? new MemoryKeyShareStore();
    const keysDir = mkdtempSync(path.join(os.tmpdir(), "miip-audit-keys-"));
    const running: DocumentServiceServer = await serveDocumentService({
      blocks,
      shares,
      keysDir,
      miip: reader,
      perClient: options.perClient,
    });
    cleanup.push(async () => {
      await running.close();
      rmSync(keysDir, { recursive: true, force: true });
    });
    const client = async (name: keyof typeof LOCAL_ACCOUNTS) => {
      const service = new DocumentService({ url: running.url });
      const miip = await MIIP.connect(who(name), deployment, { store: service.blobs, shares: service.shares });
      return { service, miip, signer: who(name) };
    };
    return { who, deployment, reader, blocks, shares, client, url: running.url };
  }

  /** A hospital record for patient A, both owners' sessions open, and its two owner shares written. */
  async function withRecord(options: { perClient?: number } = {}) {
    const ctx = await setup(options);
    const patient = await ctx.client("patientA");
    const hospital = await ctx.client("hospital");
    const pharmacy = await ctx.client("pharmacy");
    const patientKey = (await patient.miip.documents.encryptionKey()).publicKey;
    await patient.service.openSession(patient.signer, patientKey);
    await hospital.service.openSession(hospital.signer, (await hospital.miip.documents.encryptionKey()).publicKey);
    await pharmacy.service.openSession(pharmacy.signer, (await pharmacy.miip.documents.encryptionKey()).publicKey);
    const document = utf8("HbA1c 6.1 %");
    const { recordId } = await hospital.miip.documents.add({
      patientId: await patient.miip.patients.myId(),
      patientPublicKey: patientKey,
      document,
      recordType: "lab-result",
    });
    const patientShare = (await ctx.shares.get(recordId, patient.signer.address))!;
    return { ...ctx, patient, hospital, pharmacy, recordId, document, patientShare };
  }

  /** A well-formed share whose wrapped key is garbage: whoever gets it can no longer open the record. */
  function spoiled(share: KeyShare, changes: Partial<KeyShare> = {}): KeyShare {
    return {
      ...share,
      wrapped: { ...share.wrapped, ciphertext: `0x${"00".repeat(48)}` },
      createdAt: share.createdAt + 1,
      ...changes,
    };
  }

  async function put(url: string, pathname: string, authorization: string, body: string | Uint8Array) {
    const response = await fetch(`${url}${pathname}`, { method: "PUT", headers: { Authorization: authorization }, body });
    return { status: response.status, body: await response.text() };
  }

  // ---------------------------------------------------------------- F1: the published key is a bearer session

  it("F1a: a stranger cannot use a patient's published key (GET /keys) as a write session to spoil the patient's own share", async function () {
    const { url, patient, recordId, patientShare, document } = await withRecord();
    // No key, no signature, no account: only an unauthenticated GET of what the service publishes for everyone.
    const published = await (await fetch(`${url}/keys/${patient.signer.address}`)).json();
    const stolenHeader = sessionHeader(published as Parameters<typeof sessionHeader>[0]);

    const answer = await put(url, "/shares", stolenHeader, JSON.stringify(spoiled(patientShare)));
    // The rule: a write needs the account's own session; only the recipient replaces its share.
    expect(answer.status, `the service took the stranger's write: ${answer.body}`).to.not.equal(200);
    // Consequence today: the patient can no longer open its own record.
    expect(await patient.miip.documents.open(recordId, { purpose: "treatment" })).to.deep.equal(document);
  });

  it("F1b: a stranger cannot use a hospital's published key as a session to store blocks as an active institution", async function () {
    const { url, hospital, blocks } = await withRecord();
    const before = blocks.size;
    const published = await (await fetch(`${url}/keys/${hospital.signer.address}`)).json();
    const stolenHeader = sessionHeader(published as Parameters<typeof sessionHeader>[0]);
    const junk = utf8(`stranger's data ${Math.random()}`.repeat(1000));
    const answer = await put(url, `/blocks/${cidV1(junk)}`, stolenHeader, junk);
    expect(answer.status, `the service stored the stranger's block: ${answer.body}`).to.not.equal(200);
    expect(blocks.size).to.equal(before);
  });

  // ---------------------------------------------------------------- F2: grant path overwrites owner shares

  it("F2: the patient cannot overwrite the issuing hospital's owner share by sending it as a 'grant share'", async function () {
    const { url, who, patient, hospital, recordId, patientShare, document } = await withRecord();
    const now = await patient.miip.now();
    const { grantIds } = await patient.miip.consent.grant({
      grantee: who("pharmacy").address,
      purpose: "treatment",
      scope: { kind: "all-records" },
      expiresAt: now + 86_400,
    });
    const header = sessionHeader(patient.service.session!);
    // recipient: the hospital (not the grant's grantee), under the patient's live grant to the pharmacy.
    const answer = await put(
      url,
      "/shares",
      header,
      JSON.stringify(spoiled(patientShare, { recipient: hospital.signer.address, grantId: grantIds[0] })),
    );
    expect(answer.status, `the owner share was replaced through the grant path: ${answer.body}`).to.equal(403);
    expect(await hospital.miip.documents.open(recordId, { purpose: "treatment" })).to.deep.equal(document);
  });

  // ---------------------------------------------------------------- F3: unbounded shares, listings that break

  it("F3: one live grant does not let the patient flood the store with shares for made-up recipients and break the grantee's listing", async function () {
    this.timeout(600_000);
    const { url, who, patient, pharmacy, shares, patientShare } = await withRecord();
    const now = await patient.miip.now();
    const { grantIds } = await patient.miip.consent.grant({
      grantee: who("pharmacy").address,
      purpose: "treatment",
      scope: { kind: "all-records" },
      expiresAt: now + 86_400,
    });
    const header = sessionHeader(patient.service.session!);
    const big = `0x${"ab".repeat(31_000)}`; // ~62 KB of "ciphertext": the 64 KiB body limit is the only bound
    let accepted = 0;
    for (let i = 0; i < 70; i++) {
      const share = spoiled(patientShare, {
        recipient: Wallet.createRandom().address, // nobody: not the grantee
        grantId: grantIds[0],
        wrapped: { ...patientShare.wrapped, ciphertext: big },
      });
      if ((await put(url, "/shares", header, JSON.stringify(share))).status === 200) accepted++;
    }
    // What the pharmacy console does (Pharmacy.tsx: identity.service.shares.byGrant) must keep working.
    const listed = await failure(() => pharmacy.service.shares.byGrant(grantIds[0]));
    expect(listed, `the grantee's listing fails: ${(listed as Error)?.message}`).to.not.be.instanceOf(Error);
    // The rule the fix should enforce: a grant share is for the grant's grantee only (one per record).
    expect(accepted, "shares for recipients that are not the grantee were stored").to.equal(0);
    expect((await shares.byGrant(grantIds[0])).length).to.be.at.most(1);
  });

  // ---------------------------------------------------------------- F4: per-client limit keyed on one address

  it("F4: the per-client limit holds for a client that rotates its source address (127/8 here, an IPv6 /64 in the wild)", async function () {
    const { url } = await setup({ perClient: 3 });
    const { port } = new URL(url);
    const get = (localAddress: string) =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port: Number(port), path: "/health", localAddress, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .on("error", reject);
      });
    const statuses: number[] = [];
    for (let a = 2; a < 7; a++) for (let i = 0; i < 3; i++) statuses.push(await get(`127.0.0.${a}`));
    const served = statuses.filter((s) => s === 200).length;
    expect(served, `one machine was served ${served} requests against a limit of 3`).to.be.at.most(3);
  });

  // ---------------------------------------------------------------- F5: key check not bound to the service

  it("F5: publicKeyOf refuses a key whose signed session names another service (and expired long ago)", async function () {
    const { who } = await setup();
    const patient = who("patientA");
    const attackerKey = Wallet.createRandom().signingKey.compressedPublicKey;
    // What a phishing page got the patient's wallet to sign once ("MIIP document service" login, other URL).
    const unsigned = { service: "http://evil.example", account: patient.address, publicKey: attackerKey, expires: 1 };
    const forged = { ...unsigned, signature: await patient.signMessage(sessionMessage(unsigned)) };
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(forged));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const answer = await failure(() => new DocumentService({ url }).publicKeyOf(patient.address));
    // "the service cannot substitute a key" (service.ts:10): a hospital would wrap the patient's records for this.
    expect(answer, "the client took a key signed for another service").to.be.instanceOf(Error);
  });

  // ---------------------------------------------------------------- F6: unauthenticated full scans

  it("F6: an unauthenticated GET /shares?grant=<random> does not read every share file of the store", async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "miip-audit-shares-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = new FileKeyShareStore(dir);
    const { url } = await setup({ shares: store });
    const template: KeyShare = {
      recordId: "1",
      recipient: Wallet.createRandom().address,
      grantId: ZeroHash,
      publicKey: Wallet.createRandom().signingKey.compressedPublicKey,
      wrapped: { version: 1, ephemeralPublicKey: "0x02", nonce: "0x00", ciphertext: "0x00" },
      createdAt: 1,
    };
    for (let r = 1; r <= 300; r++) await store.put({ ...template, recordId: String(r) });
    const original = fsSync.promises.readFile;
    let reads = 0;
    fsSync.promises.readFile = ((...args: Parameters<typeof original>) => {
      if (String(args[0]).startsWith(store.dir)) reads++;
      return original(...args);
    }) as typeof original;
    try {
      const response = await fetch(`${url}/shares?grant=0x${"77".repeat(32)}`);
      expect(await response.json()).to.deep.equal([]);
    } finally {
      fsSync.promises.readFile = original;
    }
    expect(reads, `one anonymous request read ${reads} share files`).to.be.below(10);
  });
});
