/**
 * A relayer service (Node only): it sends patients' signed actions through the directory's gateway and pays their
 * gas from its own funded key, so that a phone with no ETH acts (the web app's patients, `HttpRelayer` in any
 * dApp). It answers `POST /relay` with a `RelayRequest` and `GET /health`.
 *
 * Whoever runs it pays for what it sends, so it sends only what will do what was signed, once: a well-formed call,
 * of at most 8 KiB, to a contract of the suite (none of the directory's own by-signature entry points), with a
 * deadline between two minutes and a day away, signed by the patient's current key or by the guardian it names
 * (no contract wallets: their approval could change between the simulation and the block), not already in flight,
 * that succeeds when simulated on the pending state within a gas cap. Each patient has a share of the minute,
 * counted only for requests that pass all that; each client too, counted for every request. A request that would
 * revert is answered with the contract's error by name, and costs nothing. Only the sending is one at a time, with a
 * time limit, so that its nonces never collide and no request holds the others. The chain checks the signature,
 * the nonce and the signer's rights in any case: the relayer can delay or refuse a request, never change or replay
 * it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

import { type Signer, ZeroAddress, getAddress, isHexString, verifyTypedData } from "ethers";

import { MIIP, PATIENT_CALL_TYPES, asMIIPError, participantsDomain } from "../index.ts";
import type { Deployment } from "../deployment.ts";
import { type PatientCall, RelayerError, type RelayRequest } from "../relayer.ts";
import { clientOf } from "./clients.ts";

/** How a relayer runs. */
export interface RelayerOptions {
  /** The key that sends and pays, connected to a provider of the deployment's chain. */
  signer: Signer;
  deployment: Deployment;
  /** 0 (the default): any free port. */
  port?: number;
  /** 127.0.0.1 by default. */
  host?: string;
  /** Requests one patient may have relayed per minute (counted once they pass every check): 10 by default. */
  perPatient?: number;
  /**
   * Requests one client (an IPv4 address, an IPv6 /64) may send per minute, valid or not: 60 by default. Behind a proxy
   * every client shares the proxy's address: run the relayer where clients reach it directly, or raise this.
   */
  perClient?: number;
  /** The farthest deadline accepted, in seconds from the chain's latest block: one day by default. */
  maxDeadline?: number;
  /** The nearest deadline accepted, in seconds: two minutes by default (the call must still be valid when mined). */
  minDeadline?: number;
  /** The most gas a relayed call may need: 500,000 by default. */
  maxGas?: number;
  /** How long sending one transaction may take, in milliseconds: 30 seconds by default. */
  sendTimeout?: number;
}

/** A running relayer. */
export interface Relayer {
  url: string;
  /** The address that sends and pays. */
  address: string;
  close(): Promise<void>;
}

/** The contracts a patient acts on through the gateway: the relayer sends nothing elsewhere. */
export const RELAYED_CONTRACTS = [
  "ParticipantRegistry",
  "RecordRegistry",
  "ConsentManager",
  "ClaimEscrow",
  "ProductRegistry",
  "SupplyChain",
  "ResearchMarket",
  "CarePayments",
  "DeviceRegistry",
] as const;

const MAX_BODY = 64 * 1024;
/** The largest call data relayed: a consent over many records fits; padding to burn the relayer's gas does not. */
const MAX_DATA = 8 * 1024;
const MINUTE = 60_000;
/** The directory's entry points that take a signature of their own: relayed through the gateway, they would let one
 * patient's quota pay for other accounts' registrations. */
const DIRECTORY_BY_SIGNATURE = ["registerPatientBySig", "acceptPatientAccountBySig", "relay", "execute"];

/** Counts requests per key over the last minute; forgets keys idle for a minute, so it never grows unbounded. */
class Window {
  private readonly seen = new Map<string, number[]>();
  private swept = 0;
  constructor(private readonly limit: number) {}

  /** Whether `key` may have one more now; counts it if so. */
  take(key: string, now: number): boolean {
    if (now - this.swept > MINUTE) {
      for (const [k, times] of this.seen) if (times.every((time) => now - time >= MINUTE)) this.seen.delete(k);
      this.swept = now;
    }
    const recent = (this.seen.get(key) ?? []).filter((time) => now - time < MINUTE);
    if (recent.length >= this.limit) {
      this.seen.set(key, recent);
      return false;
    }
    recent.push(now);
    this.seen.set(key, recent);
    return true;
  }
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

/** The call of a request, checked field by field; a `RelayerError` (400) names the first wrong one. */
function parseCall(body: unknown): { call: PatientCall; signature: string } {
  const invalid = (what: string) => new RelayerError(400, "invalid", `the request's ${what} is missing or malformed`);
  const request = body as Partial<RelayRequest> | null;
  if (typeof request !== "object" || request === null || typeof request.call !== "object" || request.call === null) {
    throw invalid("call");
  }
  const c = request.call;
  const integer = (value: unknown, name: string, max: bigint): bigint => {
    if (typeof value !== "string" || !DECIMAL.test(value) || BigInt(value) > max) throw invalid(name);
    return BigInt(value);
  };
  const address = (value: unknown, name: string): string => {
    if (typeof value !== "string" || !isHexString(value, 20)) throw invalid(name);
    try {
      return getAddress(value);
    } catch {
      throw invalid(name); // a mixed-case address whose checksum is wrong
    }
  };
  const call: PatientCall = {
    patientId: integer(c.patientId, "patientId", 2n ** 64n - 1n),
    guardian: address(c.guardian, "guardian"),
    salt:
      typeof c.salt === "string" && isHexString(c.salt, 32)
        ? c.salt
        : (() => {
            throw invalid("salt");
          })(),
    target: address(c.target, "target"),
    data:
      typeof c.data === "string" && isHexString(c.data) && c.data.length >= 10 && c.data.length <= 2 + 2 * MAX_DATA
        ? c.data
        : (() => {
            throw invalid("data");
          })(),
    nonce: integer(c.nonce, "nonce", 2n ** 256n - 1n),
    deadline: integer(c.deadline, "deadline", 2n ** 256n - 1n),
  };
  const signature = request.signature;
  if (typeof signature !== "string" || !isHexString(signature, 65)) throw invalid("signature");
  return { call, signature };
}

/** Reads a request's body, refusing more than `MAX_BODY` bytes. */
async function readBody(req: http.IncomingMessage): Promise<string> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new RelayerError(413, "invalid", `a request is at most ${MAX_BODY} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString("utf8");
}

/** Starts a relayer; `close()` it when done. */
export async function startRelayer(options: RelayerOptions): Promise<Relayer> {
  const { signer, deployment } = options;
  const provider = signer.provider;
  if (!provider) throw new TypeError("the relayer's signer must be connected to a provider");
  const address = await signer.getAddress();
  const chainId = (await provider.getNetwork()).chainId;
  if (chainId !== BigInt(deployment.chainId)) {
    throw new TypeError(`the relayer's provider is on chain ${chainId}, the deployment on ${deployment.chainId}`);
  }
  const registry = (await MIIP.connect(signer, deployment)).contracts.participants;
  const domain = participantsDomain(chainId, deployment.ParticipantRegistry);
  const targets = new Set(RELAYED_CONTRACTS.map((name) => getAddress(deployment[name])));
  const perPatient = new Window(options.perPatient ?? 10);
  const perClient = new Window(options.perClient ?? 60);
  const maxDeadline = BigInt(options.maxDeadline ?? 86_400);
  const minDeadline = BigInt(options.minDeadline ?? 120);
  const maxGas = BigInt(options.maxGas ?? 500_000);
  const sendTimeout = options.sendTimeout ?? 30_000;
  const bySignature = new Set(
    DIRECTORY_BY_SIGNATURE.map((name) => registry.interface.getFunction(name as "relay")!.selector),
  );
  /** Calls sent and not yet mined, by signer and nonce: the same nonce is not paid for twice. */
  const inFlight = new Set<string>();
  // Only sending is one at a time: its nonces never collide, and a slow simulation holds nobody.
  let queue: Promise<unknown> = Promise.resolve();

  const relay = async (req: http.IncomingMessage): Promise<{ hash: string }> => {
    if (!perClient.take(clientOf(req.socket.remoteAddress), Date.now())) {
      throw new RelayerError(429, "rate-limited", "too many requests from this client: wait a minute");
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if (error instanceof RelayerError) throw error;
      throw new RelayerError(400, "invalid", "the request is not JSON");
    }
    const { call, signature } = parseCall(body);
    if (!targets.has(call.target)) {
      throw new RelayerError(400, "not-suite", `${call.target} is not a contract of the suite this relayer serves`);
    }
    if (call.target === getAddress(deployment.ParticipantRegistry) && bySignature.has(call.data.slice(0, 10))) {
      throw new RelayerError(
        400,
        "not-suite",
        "the directory's by-signature entry points are not relayed through the gateway",
      );
    }
    const latest = await provider.getBlock("latest");
    const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
    if (call.deadline < now + minDeadline || call.deadline > now + maxDeadline) {
      throw new RelayerError(
        400,
        "invalid",
        `the deadline must fall between ${minDeadline} and ${maxDeadline} seconds from now`,
      );
    }
    let signedBy: string;
    try {
      signedBy = verifyTypedData(domain, PATIENT_CALL_TYPES, call, signature);
    } catch {
      throw new RelayerError(400, "invalid", "the signature does not sign this call");
    }
    // The patient's own key, or the guardian the call names: keys, not contract wallets.
    const expected = call.guardian === ZeroAddress ? await registry.patientAccount(call.patientId) : call.guardian;
    if (signedBy !== getAddress(expected)) {
      throw new RelayerError(
        400,
        "invalid",
        `the call is not signed by patient ${call.patientId}'s key or the guardian it names`,
      );
    }
    const flight = `${call.patientId}:${call.guardian}:${call.nonce}`;
    if (inFlight.has(flight)) {
      throw new RelayerError(
        409,
        "in-flight",
        `patient ${call.patientId}'s call with nonce ${call.nonce} is already being sent`,
      );
    }
    let gas: bigint;
    try {
      // On the pending state: what this relayer already sent, not yet mined, counts.
      const transaction = {
        from: address,
        to: deployment.ParticipantRegistry,
        data: registry.interface.encodeFunctionData("relay", [call, signature]),
        blockTag: "pending",
      };
      await provider.call(transaction);
      gas = await provider.estimateGas(transaction);
    } catch (error) {
      const refusal = asMIIPError(error);
      if (refusal) throw new RelayerError(422, "would-revert", `it would revert: ${refusal.message}`, refusal.name);
      throw new RelayerError(503, "unavailable", "the relayer's node could not simulate the call: try again later");
    }
    if (gas > maxGas)
      throw new RelayerError(422, "too-costly", `the call needs ${gas} gas; this relayer pays up to ${maxGas}`);
    if (!perPatient.take(call.patientId.toString(), Date.now())) {
      throw new RelayerError(429, "rate-limited", `too many requests for patient ${call.patientId}: wait a minute`);
    }
    inFlight.add(flight);
    const send = async (): Promise<{ hash: string }> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const sent = await Promise.race([
          registry.relay(call, signature, { gasLimit: gas + gas / 5n }),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), sendTimeout))),
        ]);
        // Forgotten once mined (or dropped): until then the same nonce is refused.
        sent.wait().then(
          () => inFlight.delete(flight),
          () => inFlight.delete(flight),
        );
        return { hash: sent.hash as string };
      } catch {
        inFlight.delete(flight);
        throw new RelayerError(
          503,
          "unavailable",
          "the relayer could not send the call: it may not have left; ask again later",
        );
      } finally {
        clearTimeout(timer);
      }
    };
    const turn = queue.then(send, send);
    queue = turn.catch(() => undefined);
    return turn;
  };

  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, {
        "Content-Type": "application/json",
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      });
      res.end(JSON.stringify(body));
    };
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://relayer");
    } catch {
      // A request line that is not a path ("//", say): refused, never thrown out of the listener.
      return answer(400, { reason: "invalid", message: "the request's path is not a URL path" });
    }
    if (req.method === "OPTIONS") return answer(204, {});
    if (req.method === "GET" && url.pathname === "/health") {
      return answer(200, { address, chainId: chainId.toString(), targets: [...targets] });
    }
    if (req.method !== "POST" || url.pathname !== "/relay") {
      return answer(404, { reason: "invalid", message: "POST /relay a signed call, or GET /health" });
    }
    relay(req).then(
      (sent) => answer(200, sent),
      (error: unknown) => {
        if (error instanceof RelayerError) {
          answer(error.status, { reason: error.reason, message: error.message, error: error.error });
        } else {
          answer(500, { reason: "unavailable", message: "the relayer failed: try again later" });
        }
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // A client gets 10 seconds to send its request whole: a body that drips is dropped.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
