import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { JsonRpcProvider, SigningKey, Wallet, computeAddress, hashMessage } from "ethers";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import {
  type DocumentServiceServer,
  MIIP,
  MemoryBlobStore,
  MemoryKeyShareStore,
  type ServiceSession,
  cidV1,
  loadDeployment,
  requestMessage,
  serveDocumentService,
  sessionHeader,
  sessionMessage,
  utf8,
} from "../../packages/sdk/src/node";
import { ParticipantRegistry__factory } from "../../typechain-types";
import { isolatedCliFolders, seededFixture } from "../helpers/tasks";

type Signer = Awaited<ReturnType<typeof hre.ethers.getSigners>>[number];

async function makeSession(signer: Signer, url: string) {
  const key = new SigningKey(Wallet.createRandom().privateKey);
  const unsigned = {
    service: url,
    account: signer.address,
    publicKey: Wallet.createRandom().signingKey.compressedPublicKey,
    sessionKey: computeAddress(key.publicKey),
    expires: Math.floor(Date.now() / 1000) + 3600,
  };
  const session: ServiceSession = { ...unsigned, signature: await signer.signMessage(sessionMessage(unsigned)) };
  return { session, key };
}

async function putBlock(url: string, session: ServiceSession, key: SigningKey, body: Uint8Array) {
  const pathname = `/blocks/${cidV1(body)}`;
  const time = Date.now();
  const signature = key.sign(hashMessage(requestMessage(session, "PUT", pathname, body, time))).serialized;
  const response = await fetch(`${url}${pathname}`, {
    method: "PUT",
    body,
    headers: { Authorization: sessionHeader(session), "X-MIIP-Request": `${time}.${signature}` },
  });
  return response.status;
}

/**
 * The document service's daily share of a patient's blocks (second outside audit of issue 19): writes sent at once,
 * with the service reading the chain through JSON-RPC as deployed, stay within it; a patient that moves to a new
 * address keeps the same share.
 */
describe("The document service: a patient's daily share of stored blocks", function () {
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

  /**
   * A JSON-RPC endpoint in front of the in-process chain, on a free port (port 0), so that the service reads the chain
   * the way a deployment does: through ethers' JsonRpcProvider, which batches calls made within a few milliseconds.
   */
  let rpc: http.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (rpc ? rpc.close(() => resolve()) : resolve()));
    rpc = undefined;
  });
  async function rpcUrl(): Promise<string> {
    rpc = http.createServer(async (req, res) => {
      const parts: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) parts.push(chunk);
      const body = JSON.parse(Buffer.concat(parts).toString("utf8"));
      const one = async (r: { id: number; method: string; params?: unknown[] }) => {
        try {
          return {
            jsonrpc: "2.0",
            id: r.id,
            result: await hre.network.provider.request({ method: r.method, params: r.params ?? [] }),
          };
        } catch (error) {
          return { jsonrpc: "2.0", id: r.id, error: { code: -32000, message: (error as Error).message } };
        }
      };
      const answer = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => rpc!.listen(0, "127.0.0.1", () => resolve()));
    return `http://127.0.0.1:${(rpc!.address() as AddressInfo).port}`;
  }

  async function setup(patientBytesPerDay: number, viaRpc = false) {
    await loadFixture(seededFixture);
    const signers = await hre.ethers.getSigners();
    const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
    const deployment = loadDeployment("localhost", path.join(folders.dir, "deployments"));
    const provider = viaRpc
      ? new JsonRpcProvider(await rpcUrl(), undefined, { staticNetwork: true })
      : hre.ethers.provider;
    const reader = await MIIP.connect(provider, deployment);
    const blocks = new MemoryBlobStore();
    keysDir = mkdtempSync(path.join(os.tmpdir(), "miip-keys-"));
    running = await serveDocumentService({
      blocks,
      shares: new MemoryKeyShareStore(),
      keysDir,
      miip: reader,
      patientBytesPerDay,
    });
    return { who, signers, deployment, blocks, url: running.url };
  }

  it("keeps writes sent at once within the share, with the service reading the chain through JSON-RPC (as deployed)", async function () {
    const { who, blocks, url } = await setup(20, true);
    const { session, key } = await makeSession(who("patientA"), url);
    const bodies = Array.from({ length: 12 }, (_, i) => utf8(`cipher-${i.toString().padStart(3, "0")}`));
    const statuses = await Promise.all(bodies.map((b) => putBlock(url, session, key, b)));
    const taken = statuses.filter((s) => s === 200).length;
    expect(taken, `statuses ${statuses.join(",")}`).to.be.at.most(2);
    expect(blocks.size).to.be.at.most(2);
  });

  it("gives a patient that moves to a new address no second share the same day", async function () {
    const { who, signers, deployment, url } = await setup(20);
    const patientA = who("patientA");
    const { session, key } = await makeSession(patientA, url);
    expect(await putBlock(url, session, key, utf8("0123456789abcdefghij"))).to.equal(200);
    expect(await putBlock(url, session, key, utf8("x"))).to.equal(429);
    // The patient rotates its key (its own two-step move) and stores another day's share at once.
    const participants = ParticipantRegistry__factory.connect(deployment.ParticipantRegistry, patientA);
    const fresh = signers[26];
    const patientId = (await participants.patientOf(patientA.address)).patientId;
    await (await participants.proposePatientAccount(fresh.address)).wait();
    await (await participants.connect(fresh).acceptPatientAccount(patientId)).wait();
    const moved = await makeSession(fresh, url);
    expect(await putBlock(url, moved.session, moved.key, utf8("klmnopqrstuvwxyz0123"))).to.equal(429);
  });
});
