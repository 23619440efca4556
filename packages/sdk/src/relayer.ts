/**
 * A relayer over HTTP: how a patient's phone, with no ETH, has its signed actions sent. The phone signs a
 * `Call` for the directory's gateway (EIP-712, `PATIENT_CALL_TYPES`); the relayer checks it, simulates it, sends it
 * with its own funded key and answers the transaction's hash; the client then follows the transaction on its own
 * provider, as it follows its own. `miip.as(patient).gasless(new HttpRelayer({ url }))`. The service is
 * `startRelayer` in `@miip/sdk/node`.
 */

import type { PatientCall } from "./eip712.ts";

/** A patient action signed for the directory's gateway (the contract's `Call`), as `eip712.ts` types it. */
export type { PatientCall };

/** What travels to the relayer: the call, with its integers as decimal strings (JSON has no bigint). */
export interface RelayRequest {
  call: {
    patientId: string;
    guardian: string;
    salt: string;
    target: string;
    data: string;
    nonce: string;
    deadline: string;
  };
  signature: string;
}

/** The relayer's answer to a request it sent. */
export interface RelayAnswer {
  hash: string;
}

/**
 * The relayer refused a request, or could not be reached (`status` 0): `reason` is its word for why (`invalid`,
 * `not-suite`, `in-flight`, `would-revert`, `too-costly`, `rate-limited`, `unavailable`), `message` its sentence; a
 * request that would revert names the contract's error (`error`, e.g. "PatientsInvalidNonce"). Nothing was sent,
 * except when an `unavailable` relayer gave up while sending: the call may then still be mined (its nonce tells).
 * The relayer service throws the same class for its refusals.
 */
export class RelayerError extends Error {
  override readonly name = "RelayerError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly error?: string,
  ) {
    super(message);
  }
}

/** The JSON form of a call. */
export function relayRequest(call: PatientCall, signature: string): RelayRequest {
  return {
    call: {
      patientId: call.patientId.toString(),
      guardian: call.guardian,
      salt: call.salt,
      target: call.target,
      data: call.data,
      nonce: call.nonce.toString(),
      deadline: call.deadline.toString(),
    },
    signature,
  };
}

/** The largest answer a relayer may give: a hash or a refusal is far less. */
const MAX_ANSWER = 64 * 1024;

/** An answer's text, refused past `limit` bytes (the stream is cancelled there: a relayer that floods gets nowhere). */
async function answerText(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the answer is over ${limit} bytes`);
    }
    parts.push(read.value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return new TextDecoder().decode(all);
}

/** A relayer service at `url` (`startRelayer`'s, or any that speaks its protocol: `POST /relay`). */
export class HttpRelayer {
  readonly url: string;
  private readonly fetchFn?: typeof fetch;

  private readonly timeout: number;

  /**
   * `timeout`: how long to wait for the relayer's whole answer, in milliseconds (60 seconds by default; the relayer
   * itself gives up sending after 30): a relayer that never answers fails the action with `unavailable`.
   */
  constructor(options: { url: string; fetch?: typeof fetch; timeout?: number }) {
    if (!options || typeof options.url !== "string" || !/^https?:\/\//i.test(options.url)) {
      throw new TypeError("HttpRelayer needs the relayer's URL, e.g. { url: 'http://127.0.0.1:8190' }");
    }
    this.url = options.url.replace(/\/+$/, "");
    this.fetchFn = options.fetch;
    this.timeout = options.timeout ?? 60_000;
    if (!Number.isSafeInteger(this.timeout) || this.timeout <= 0)
      throw new TypeError("timeout must be a positive integer");
  }

  /** Sends a signed call; answers the transaction's hash, or throws `RelayerError` (nothing sent). */
  async relay(call: PatientCall, signature: string): Promise<RelayAnswer> {
    const fetchFn = this.fetchFn ?? globalThis.fetch;
    const signal = AbortSignal.timeout(this.timeout);
    let response: Response;
    try {
      response = await fetchFn(`${this.url}/relay`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(relayRequest(call, signature)),
        redirect: "error",
        signal,
      });
    } catch (error) {
      throw new RelayerError(0, "unavailable", `cannot reach the relayer at ${this.url}: ${(error as Error).message}`);
    }
    let body: { hash?: unknown; reason?: unknown; message?: unknown; error?: unknown };
    try {
      // At most 64 KiB of answer, within the same time limit: a relayer that drips or floods is unavailable.
      body = JSON.parse(await answerText(response, MAX_ANSWER)) as typeof body;
    } catch {
      throw new RelayerError(
        response.status,
        "unavailable",
        `the relayer at ${this.url} answered something other than JSON`,
      );
    }
    if (!response.ok || typeof body.hash !== "string") {
      throw new RelayerError(
        response.status,
        typeof body.reason === "string" ? body.reason : "unavailable",
        typeof body.message === "string" ? body.message : `the relayer answered ${response.status}`,
        typeof body.error === "string" ? body.error : undefined,
      );
    }
    return { hash: body.hash };
  }
}
