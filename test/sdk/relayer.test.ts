import { expect } from "chai";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import path from "node:path";

import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import { MIIP } from "../../packages/sdk/src";
import { HttpRelayer, RelayerError, relayRequest } from "../../packages/sdk/src/relayer";
import { PATIENT_CALL_TYPES, participantsDomain } from "../../packages/sdk/src/eip712";
import { type Relayer, loadDeployment, startRelayer } from "../../packages/sdk/src/node";
import { failure } from "../helpers/failure";
import { isolatedCliFolders, seededFixture } from "../helpers/tasks";

/**
 * The relayer service against the seeded chain: a patient with no ETH acts through it; everything that would
 * cost its key for nothing (a malformed request, another contract, a far deadline, a call that would revert, too
 * many requests) is refused before anything is sent.
 */
describe("The relayer service: patients' signed actions, sent and paid by the relayer's key", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  async function setup() {
    await loadFixture(seededFixture);
    const signers = await hre.ethers.getSigners();
    const deployment = loadDeployment("localhost", path.join(folders.dir, "deployments"));
    const relayerKey = signers[LOCAL_ACCOUNTS.relayer];
    const patientA = signers[LOCAL_ACCOUNTS.patientA];
    const relayer = await startRelayer({ signer: relayerKey, deployment, perPatient: 3, perClient: 100 });
    const miip = await MIIP.connect(patientA, deployment);
    return { signers, deployment, relayer, relayerKey, patientA, miip };
  }

  /** A patient call signed by `signer`: `target` and `data` as given, the patient's current nonce. */
  async function signed(
    miip: MIIP,
    signer: Awaited<ReturnType<typeof hre.ethers.getSigners>>[number],
    target: string,
    data: string,
    overrides: { deadline?: bigint; nonce?: bigint } = {},
  ) {
    const { patientId } = await miip.patients.idOf(signer.address);
    const nonce = overrides.nonce ?? (await miip.contracts.participants.patient(patientId)).nonce;
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    const call = {
      patientId,
      guardian: ZeroAddress,
      salt: ZeroHash,
      target,
      data,
      nonce,
      deadline: overrides.deadline ?? now + 600n,
    };
    const chainId = (await hre.ethers.provider.getNetwork()).chainId;
    const signature = await signer.signTypedData(
      participantsDomain(chainId, miip.deployment.ParticipantRegistry),
      PATIENT_CALL_TYPES,
      call,
    );
    return { call, signature };
  }

  async function post(relayer: Relayer, body: unknown) {
    const response = await fetch(`${relayer.url}/relay`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  let running: Relayer | undefined;
  afterEach(async () => running?.close());

  it("relays a patient's action: the patient pays nothing, the relayer's key pays, the SDK follows it", async function () {
    const { relayer, relayerKey, patientA, miip } = await setup();
    running = relayer;
    const health = (await (await fetch(`${relayer.url}/health`)).json()) as { address: string; chainId: string };
    expect(health.address).to.equal(relayerKey.address);
    const before = {
      patient: await hre.ethers.provider.getBalance(patientA.address),
      relayer: await hre.ethers.provider.getBalance(relayerKey.address),
    };
    const phone = miip.gasless(new HttpRelayer({ url: relayer.url }));
    const appointed = await phone.patients.appointGuardian(relayerKey.address, ["recover"]);
    expect(appointed.events.map((e) => e.name)).to.include("GuardianSet");
    const sent = await hre.ethers.provider.getTransaction(appointed.hash);
    expect(sent!.from).to.equal(relayerKey.address);
    expect(await hre.ethers.provider.getBalance(patientA.address)).to.equal(before.patient);
    expect(await hre.ethers.provider.getBalance(relayerKey.address)).to.be.lessThan(before.relayer);
  });

  it("refuses, sending nothing: malformed requests, another contract, a far or past deadline, a call that would revert", async function () {
    const { relayer, relayerKey, patientA, miip, deployment } = await setup();
    running = relayer;
    const nonce = await hre.ethers.provider.getTransactionCount(relayerKey.address);
    const setGuardian = miip.contracts.participants.interface.encodeFunctionData("setGuardian", [
      ZeroHash.replace(/0$/, "1"),
      1,
    ]);

    expect(await post(relayer, "not json")).to.deep.include({ status: 400 });
    expect((await post(relayer, { call: {} })).body).to.deep.include({
      reason: "invalid",
      message: "the request's patientId is missing or malformed",
    });
    const good = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian);
    const bad = relayRequest(good.call, good.signature);
    expect((await post(relayer, { ...bad, signature: "0x1234" })).body.message).to.equal(
      "the request's signature is missing or malformed",
    );

    const token = await signed(miip, patientA, deployment.INSSETToken, setGuardian);
    const other = await post(relayer, relayRequest(token.call, token.signature));
    expect(other.status).to.equal(400);
    expect(other.body).to.deep.include({
      reason: "not-suite",
      message: `${deployment.INSSETToken} is not a contract of the suite this relayer serves`,
    });

    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    for (const deadline of [now - 1n, now + 30n, now + 86_401n + 60n]) {
      const late = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian, { deadline });
      expect((await post(relayer, relayRequest(late.call, late.signature))).body.reason).to.equal("invalid");
    }

    const replay = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian, { nonce: 99n });
    const refused = await post(relayer, relayRequest(replay.call, replay.signature));
    expect(refused.status).to.equal(422);
    expect(refused.body).to.deep.include({ reason: "would-revert", error: "PatientsInvalidNonce" });

    // Through the SDK: the same refusal, as a RelayerError naming the contract's error.
    const error = await failure(() => new HttpRelayer({ url: relayer.url }).relay(replay.call, replay.signature));
    expect(error).to.be.instanceOf(RelayerError);
    expect((error as RelayerError).error).to.equal("PatientsInvalidNonce");
    expect(await hre.ethers.provider.getTransactionCount(relayerKey.address)).to.equal(nonce); // nothing sent
  });

  it("limits each patient per minute, and each client", async function () {
    const { relayer, patientA, miip, deployment, relayerKey } = await setup();
    running = relayer;
    const setGuardian = miip.contracts.participants.interface.encodeFunctionData("setGuardian", [
      ZeroHash.replace(/0$/, "1"),
      1,
    ]);
    const answers: number[] = [];
    for (let i = 0; i < 4; i++) {
      const request = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian);
      const answer = await post(relayer, relayRequest(request.call, request.signature));
      answers.push(answer.status);
      if (answer.status === 200) await (await hre.ethers.provider.getTransaction(answer.body.hash))!.wait();
    }
    expect(answers).to.deep.equal([200, 200, 200, 429]); // perPatient: 3

    const strict = await startRelayer({ signer: relayerKey, deployment, perClient: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post(strict, "x")).status);
      expect(statuses).to.deep.equal([400, 400, 429]);
    } finally {
      await strict.close();
    }
    const unreachable = await failure(() => new HttpRelayer({ url: "http://127.0.0.1:9" }).relay({} as never, "0x"));
    expect((unreachable as RelayerError).reason).to.equal("unavailable");
  });

  it("sends nothing the patient's key did not sign, no by-signature entry of the directory, no nonce twice, nothing over its gas cap", async function () {
    const { relayer, relayerKey, patientA, miip, deployment, signers } = await setup();
    running = relayer;
    const iface = miip.contracts.participants.interface;
    const setGuardian = iface.encodeFunctionData("setGuardian", [ZeroHash.replace(/0$/, "2"), 1]);

    // Signed by a stranger for patient A: the chain would refuse it; the relayer does first.
    const forged = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian);
    const chainId = (await hre.ethers.provider.getNetwork()).chainId;
    const strangerSignature = await signers[LOCAL_ACCOUNTS.stranger].signTypedData(
      participantsDomain(chainId, deployment.ParticipantRegistry),
      PATIENT_CALL_TYPES,
      forged.call,
    );
    const notPatient = await post(relayer, relayRequest(forged.call, strangerSignature));
    expect(notPatient.body.message).to.equal(
      `the call is not signed by patient ${forged.call.patientId}'s key or the guardian it names`,
    );

    // The directory's own by-signature entry points: another account's registration on this patient's quota.
    const register = iface.encodeFunctionData("registerPatientBySig", [relayerKey.address, 0, "0x" + "00".repeat(65)]);
    const nested = await signed(miip, patientA, deployment.ParticipantRegistry, register);
    expect((await post(relayer, relayRequest(nested.call, nested.signature))).body).to.deep.include({
      reason: "not-suite",
      message: "the directory's by-signature entry points are not relayed through the gateway",
    });

    // The same nonce twice while the first is not mined: refused, never paid for twice.
    await hre.network.provider.send("evm_setAutomine", [false]);
    let firstHash = "";
    try {
      const first = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian);
      const sent = await post(relayer, relayRequest(first.call, first.signature));
      expect(sent.status).to.equal(200);
      firstHash = sent.body.hash;
      const other = iface.encodeFunctionData("setGuardian", [ZeroHash.replace(/0$/, "3"), 1]);
      const twin = await signed(miip, patientA, deployment.ParticipantRegistry, other, { nonce: first.call.nonce });
      const again = await post(relayer, relayRequest(twin.call, twin.signature));
      expect(again.status).to.equal(409);
      expect(again.body.reason).to.equal("in-flight");
    } finally {
      await hre.network.provider.send("evm_setAutomine", [true]);
      await hre.network.provider.send("evm_mine", []);
    }
    await (await hre.ethers.provider.getTransaction(firstHash))!.wait();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the relayer learns of the block too

    // Replays of a used nonce fail their simulation and take nothing of the patient's share of the minute.
    const stale = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian, { nonce: 0n });
    for (let i = 0; i < 4; i++)
      expect((await post(relayer, relayRequest(stale.call, stale.signature))).status).to.equal(422);
    const fresh = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian);
    expect((await post(relayer, relayRequest(fresh.call, fresh.signature))).status).to.equal(200);

    const cheap = await startRelayer({ signer: relayerKey, deployment, maxGas: 1_000 });
    try {
      const costly = await signed(miip, patientA, deployment.ParticipantRegistry, setGuardian);
      const answer = await post(cheap, relayRequest(costly.call, costly.signature));
      expect(answer.status).to.equal(422);
      expect(answer.body.reason).to.equal("too-costly");
    } finally {
      await cheap.close();
    }
  });

  it("follows only the transaction of the call signed here: a relayer answering another one is caught", async function () {
    const { miip, relayerKey } = await setup();
    const other = await relayerKey.sendTransaction({ to: relayerKey.address, value: 1n });
    const lying = { relay: async () => ({ hash: other.hash }) };
    const error = await failure(() => miip.gasless(lying).patients.appointGuardian(relayerKey.address, ["act"]));
    expect(error.message).to.equal(`the relayer answered ${other.hash}: not the call signed here`);
    const garbage = { relay: async () => ({ hash: "0x1234" }) };
    expect(
      (await failure(() => miip.gasless(garbage).patients.appointGuardian(relayerKey.address, ["act"]))).message,
    ).to.equal("the relayer answered 0x1234: not the call signed here");
  });
  it("answers a request line that is not a path with 400 and goes on; a client gives up on a relayer that never answers", async function () {
    const { relayer, patientA, deployment } = await setup();
    running = relayer;
    const { port } = new URL(relayer.url);
    const first = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), "127.0.0.1", () =>
        socket.write("GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      );
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk.toString()));
      socket.on("end", () => resolve(answer.split("\r\n")[0]));
      socket.on("error", reject);
    });
    expect(first).to.equal("HTTP/1.1 400 Bad Request");
    expect((await fetch(`${relayer.url}/health`)).status).to.equal(200);

    // A relayer that takes the request and never answers: the patient's action fails, it does not hang.
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const miip = (await MIIP.connect(patientA, deployment)).gasless(new HttpRelayer({ url, timeout: 300 }));
      const started = Date.now();
      const error = await failure(() => miip.patients.setRecoveryThreshold(0));
      expect(error).to.be.instanceOf(RelayerError);
      expect((error as RelayerError).reason).to.equal("unavailable");
      expect(Date.now() - started).to.be.below(5_000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
