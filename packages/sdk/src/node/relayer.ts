/**
 * A relayer service (Node only): it sends patients' signed actions through the directory's gateway and pays their
 * gas from its own funded key, so that a phone with no ETH acts (the web app's patients, `HttpRelayer` in any
 * dApp). It answers `POST /relay` with a `RelayRequest` and `GET /health`.
 *
 * Whoever runs it pays for what it sends, so it sends only what will do what was signed: a well-formed call, to a
 * contract of the suite, with a deadline at most a day away, signed by a key that has not used up its share of
 * the minute, from a client that has not used up its own, that succeeds when simulated on the latest state. A
 * request that would revert is answered with the contract's error by name, and costs nothing. One transaction at a
 * time leaves its key, so its nonces never collide. The chain checks the signature, the nonce and the signer's
 * rights in any case: the relayer can delay or refuse a request, never change or replay it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

import { type Signer, getAddress, isHexString, verifyTypedData } from "ethers";

import { MIIP, PATIENT_CALL_TYPES, asMIIPError, participantsDomain } from "../index.ts";
import type { Deployment } from "../deployment.ts";
import type { PatientCall, RelayRequest } from "../relayer.ts";

/** How a relayer runs. */
export interface RelayerOptions {
  /** The key that sends and pays, connected to a provider of the deployment's chain. */
  signer: Signer;
  deployment: Deployment;
  /** 0 (the default): any free port. */
  port?: number;
  /** 127.0.0.1 by default. */
  host?: string;
  /** Requests one signing key may have relayed per minute: 10 by default. */
  perSigner?: number;
  /** Requests one client (by its address) may send per minute, valid or not: 60 by default. */
  perClient?: number;
  /** The farthest deadline accepted, in seconds from the chain's latest block: one day by default. */
  maxDeadline?: number;
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
] as const;

const MAX_BODY = 64 * 1024;
const MINUTE = 60_000;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly error?: string,
  ) {
    super(message);
  }
}

/** Counts requests per key over the last minute. */
class Window {
  private readonly seen = new Map<string, number[]>();
  constructor(private readonly limit: number) {}

  /** Whether `key` may have one more now; counts it if so. */
  take(key: string, now: number): boolean {
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

/** The call of a request, checked field by field; a `Refusal` (400) names the first wrong one. */
function parseCall(body: unknown): { call: PatientCall; signature: string } {
  const invalid = (what: string) => new Refusal(400, "invalid", `the request's ${what} is missing or malformed`);
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
    return getAddress(value);
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
      typeof c.data === "string" && isHexString(c.data) && c.data.length >= 10
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
    if (size > MAX_BODY) throw new Refusal(413, "invalid", `a request is at most ${MAX_BODY} bytes`);
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
  const perSigner = new Window(options.perSigner ?? 10);
  const perClient = new Window(options.perClient ?? 60);
  const maxDeadline = BigInt(options.maxDeadline ?? 86_400);
  // One transaction at a time leaves the key: its nonces never collide.
  let queue: Promise<unknown> = Promise.resolve();

  const relay = async (req: http.IncomingMessage): Promise<{ hash: string }> => {
    if (!perClient.take(req.socket.remoteAddress ?? "?", Date.now())) {
      throw new Refusal(429, "rate-limited", "too many requests from this client: wait a minute");
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw new Refusal(400, "invalid", "the request is not JSON");
    }
    const { call, signature } = parseCall(body);
    if (!targets.has(call.target)) {
      throw new Refusal(400, "not-suite", `${call.target} is not a contract of the suite this relayer serves`);
    }
    const latest = await provider.getBlock("latest");
    const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
    if (call.deadline <= now || call.deadline > now + maxDeadline) {
      throw new Refusal(400, "invalid", `the deadline must fall within ${maxDeadline} seconds from now`);
    }
    let signerOfCall: string;
    try {
      signerOfCall = verifyTypedData(domain, PATIENT_CALL_TYPES, call, signature);
    } catch {
      throw new Refusal(400, "invalid", "the signature does not sign this call");
    }
    if (!perSigner.take(signerOfCall, Date.now())) {
      throw new Refusal(429, "rate-limited", `too many requests signed by ${signerOfCall}: wait a minute`);
    }
    const send = async () => {
      try {
        await registry.relay.staticCall(call, signature);
      } catch (error) {
        const refusal = asMIIPError(error);
        if (refusal) throw new Refusal(422, "would-revert", `it would revert: ${refusal.message}`, refusal.name);
        throw new Refusal(503, "unavailable", `the node could not simulate it: ${(error as Error).message}`);
      }
      try {
        const sent = await registry.relay(call, signature);
        return { hash: sent.hash as string };
      } catch (error) {
        throw new Refusal(503, "unavailable", `the relayer could not send it: ${(error as Error).message}`);
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
    const url = new URL(req.url ?? "/", "http://relayer");
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
        if (error instanceof Refusal) {
          answer(error.status, { reason: error.reason, message: error.message, error: error.error });
        } else {
          answer(500, { reason: "unavailable", message: (error as Error).message });
        }
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
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
