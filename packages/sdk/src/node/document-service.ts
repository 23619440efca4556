/**
 * A document service (Node only): the server `DocumentService` (`@miip/sdk/storage`) talks to, so that a browser
 * keeps and finds documents without an IPFS node of its own. It serves an IPFS block store's raw blocks, a key-share
 * store and the accounts' published encryption keys, and takes writes only from those the chain says may make them:
 *
 * - a block (`PUT /blocks/<cid>`, checked against its CID, at most one UnixFS block) from an active institution, or
 *   from a patient's current address up to `patientBytesPerDay` a day (its research contributions, sealed for the
 *   researcher);
 * - a key share (`PUT /shares`) of a record for its patient or its issuer from the record's patient or issuing
 *   hospital, and for anyone else under a live grant of the record's patient from the patient alone;
 * - an encryption key (`PUT /keys`) from the account itself, if it is a patient or an institution of the suite.
 *
 * Writers open a session by signing a readable message (`sessionMessage`) that names this service's URL, their
 * encryption key and a session key, and expires within a day; each write is signed by the session key (method, path,
 * body digest, time within five minutes) and taken once. The signed session is public (it is the published key): it
 * authorises nothing without the session key. What the service holds is ciphertext, wrapped keys and public keys: it
 * is trusted with availability only, and a reader checks every block and published key itself. Each client (an IPv4
 * address, an IPv6 /64) has a share of the minute; a write's signature is remembered only once its writer's role is
 * checked.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, promises as fs } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { AbiCoder, Signature, ZeroHash, getAddress, keccak256, verifyMessage } from "ethers";

import type { MIIP } from "../client.ts";
import { CidError, matchesCid, parseCid } from "../crypto/cid.ts";
import {
  type KeyShare,
  type KeyShareStore,
  KeyShareError,
  normaliseAddress,
  normaliseGrantId,
  normaliseRecordId,
  normaliseShare,
} from "../shares.ts";
import type { UnixfsBlobStore } from "../storage/blobs.ts";
import {
  MAX_SESSION_SECONDS,
  REQUEST_CLOCK_SKEW,
  type ServiceSession,
  SessionError,
  requestMessage,
  verifySession,
} from "../storage/service.ts";
import { MAX_BLOCK_SIZE } from "../storage/unixfs.ts";
import { clientOf } from "./clients.ts";

/** How a document service runs. */
export interface DocumentServiceServerOptions {
  /** Where blocks live (the embedded IPFS node). */
  blocks: UnixfsBlobStore;
  /** Where key shares live. */
  shares: KeyShareStore;
  /** A folder for the published encryption keys. */
  keysDir: string;
  /** A read-only client of the deployment, to check who may write what. */
  miip: MIIP;
  /** 0 (the default): any free port. */
  port?: number;
  /** 127.0.0.1 by default. */
  host?: string;
  /**
   * The URL clients reach the service at, which sessions must name (by default `http://<host>:<port>`). Behind a
   * proxy or a domain name, set it to the public URL.
   */
  publicUrl?: string;
  /** Bytes of blocks a patient may store per day (UTC): 16 MiB by default (contributions are small documents). */
  patientBytesPerDay?: number;
  /** Requests one client (by socket address) may make per minute: 1,200 by default (a 1 GiB document is 1,024 blocks). */
  perClient?: number;
  /** The most clients counted at once (50,000 by default); past it, those counted longest ago are forgotten first. */
  maxClients?: number;
}

/** A running document service. */
export interface DocumentServiceServer {
  url: string;
  close(): Promise<void>;
}

/** A refusal, answered as `{ message }` with its status. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MINUTE = 60_000;
const MAX_JSON = 64 * 1024;

/** Reads a body of at most `limit` bytes. */
async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > limit) throw new Refusal(413, `a body here is at most ${limit} bytes`);
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Refusal(413, `a body here is at most ${limit} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new Refusal(400, "the body is not JSON");
  }
}

/** Starts a document service; `close()` it when done. */
export async function serveDocumentService(options: DocumentServiceServerOptions): Promise<DocumentServiceServer> {
  const { blocks, shares, miip } = options;
  const host = options.host ?? "127.0.0.1";
  const keysDir = path.resolve(options.keysDir);
  mkdirSync(keysDir, { recursive: true });
  const perClient = options.perClient ?? 1200;
  const maxClients = options.maxClients ?? MAX_CLIENTS;
  const seen = new Map<string, { start: number; count: number }>();
  let publicUrl = options.publicUrl?.replace(/\/+$/, "");

  /** Write signatures taken, with when each may be forgotten (past the clock window, a replay fails on its time). */
  const taken = new Map<string, number>();
  const MAX_TAKEN = 200_000;

  /**
   * The session a write carries, checked: signed by its account, for this service, not expired, at most a day long;
   * and the write itself signed by the session's key, over this method, path and body, at a time within the window,
   * never seen before.
   */
  const authorise = (req: http.IncomingMessage, body: Uint8Array): ServiceSession & { take(): void } => {
    const header = req.headers.authorization ?? "";
    const match = /^MIIP-Session ([A-Za-z0-9+/=]{1,4096})$/.exec(header);
    if (!match) throw new Refusal(401, "a write needs a session: Authorization: MIIP-Session <base64 JSON>");
    let session: ServiceSession;
    try {
      session = verifySession(JSON.parse(Buffer.from(match[1], "base64").toString("utf8")));
    } catch (error) {
      throw new Refusal(401, error instanceof SessionError ? error.message : "the session is not JSON");
    }
    if (session.service !== publicUrl) {
      throw new Refusal(401, `the session was signed for ${session.service}, not for this service (${publicUrl})`);
    }
    const now = Date.now();
    if (session.expires <= now / 1000) throw new Refusal(401, "the session has expired: sign a new one");
    if (session.expires > now / 1000 + MAX_SESSION_SECONDS) {
      throw new Refusal(401, `a session lasts at most ${MAX_SESSION_SECONDS} seconds`);
    }
    const signed = /^(\d{1,16})\.(0x[0-9a-fA-F]{130})$/.exec(String(req.headers["x-miip-request"] ?? ""));
    if (!signed) throw new Refusal(401, "a write is signed by the session key: X-MIIP-Request: <time ms>.<signature>");
    const time = Number(signed[1]);
    if (Math.abs(now - time) > REQUEST_CLOCK_SKEW * 1000) {
      throw new Refusal(401, `the write's time is more than ${REQUEST_CLOCK_SKEW} s from the service's clock`);
    }
    let signer: string;
    try {
      signer = verifyMessage(requestMessage(session, req.method ?? "", req.url ?? "", body, time), signed[2]);
    } catch {
      throw new Refusal(401, "the write's signature is malformed");
    }
    if (signer !== session.sessionKey) throw new Refusal(401, "the write is not signed by the session's key");
    // Keyed by the signature's canonical form: the same signature written another way (v as 0/1 or 27/28) is the
    // same write. Checked here, counted only once the writer's role is checked too (`take`): a stranger's refused
    // writes fill nothing.
    const id = Signature.from(signed[2]).serialized.toLowerCase();
    if (taken.has(id)) throw new Refusal(409, "this write was already taken: sign it again");
    return Object.assign(session, {
      take: () => {
        if (taken.has(id)) throw new Refusal(409, "this write was already taken: sign it again");
        if (taken.size >= MAX_TAKEN) for (const [k, until] of taken) if (until <= Date.now()) taken.delete(k);
        if (taken.size >= MAX_TAKEN) throw new Refusal(503, "the service is busy: try again in a few minutes");
        taken.set(id, time + 2 * REQUEST_CLOCK_SKEW * 1000);
      },
    });
  };

  const activeInstitution = async (account: string) => {
    const member = await miip.participants.memberOf(account);
    return member && member.status === "active" ? member : undefined;
  };

  /**
   * What each patient (by id: a new address is the same patient) stored today, so that its writes stay within its
   * daily share. The bytes are reserved before the block is stored, in the same step as the check (no await between
   * them), so that writes sent at once cannot all pass the check; a write refused after that gives them back.
   */
  const patientBytesPerDay = options.patientBytesPerDay ?? 16 * 1024 * 1024;
  const patientDays = new Map<string, { day: number; bytes: number }>();
  const reservePatientBytes = async (account: string, size: number): Promise<(() => void) | undefined> => {
    const { patientId, current } = await miip.patients.idOf(account);
    if (patientId === 0n || !current) return undefined;
    const key = patientId.toString();
    const day = Math.floor(Date.now() / 86_400_000);
    const used = patientDays.get(key);
    const bytes = used && used.day === day ? used.bytes : 0;
    if (bytes + size > patientBytesPerDay) {
      throw new Refusal(429, `a patient stores at most ${patientBytesPerDay} bytes a day here: try again tomorrow`);
    }
    if (!used && patientDays.size >= maxClients) {
      for (const [k, v] of patientDays) if (v.day !== day) patientDays.delete(k);
    }
    patientDays.set(key, { day, bytes: bytes + size });
    return () => {
      const now = patientDays.get(key);
      if (now && now.day === day) now.bytes -= size;
    };
  };

  const putBlock = async (req: http.IncomingMessage, cid: string) => {
    try {
      parseCid(cid);
    } catch (error) {
      throw new Refusal(400, (error as CidError).message);
    }
    const block = await readBody(req, MAX_BLOCK_SIZE);
    const session = authorise(req, block);
    if (!matchesCid(block, cid)) throw new Refusal(400, `the body does not hash to ${cid}`);
    const giveBack = (await activeInstitution(session.account))
      ? () => undefined
      : await reservePatientBytes(session.account, block.length);
    if (!giveBack) {
      throw new Refusal(
        403,
        `${session.account} is neither an active institution nor a patient: only they store documents`,
      );
    }
    try {
      session.take();
      await blocks.putBlock(cid, block);
    } catch (error) {
      giveBack();
      throw error;
    }
  };

  /** One write at a time per record and recipient: the check that a copy exists and the write are one step. */
  const locks = new Map<string, Promise<unknown>>();
  const locked = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const before = locks.get(key) ?? Promise.resolve();
    const mine = before.then(work, work);
    const settled = mine.catch(() => undefined);
    locks.set(key, settled);
    try {
      return await mine;
    } finally {
      if (locks.get(key) === settled) locks.delete(key);
    }
  };

  const putShare = async (req: http.IncomingMessage) => {
    const body = await readBody(req, MAX_JSON);
    const session = authorise(req, body);
    let share: KeyShare;
    try {
      share = normaliseShare(parseJson(body) as KeyShare);
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw new Refusal(400, (error as Error).message);
    }
    await locked(`${share.recordId}:${share.recipient}`, async () => {
      const record = await miip.records.get(BigInt(share.recordId)).catch(() => {
        throw new Refusal(404, `no record ${share.recordId}`);
      });
      const patient = getAddress(await miip.contracts.participants.patientAccount(record.patientId));
      // The record's other owner: its issuing hospital; for a record of the patient's own stream (no issuer), the
      // writer it named when a writer wrote it, else nobody but the patient.
      let issuer: string | undefined;
      if (Number(record.issuer) !== 0) {
        issuer = getAddress((await miip.participants.get(record.issuer)).account);
      } else {
        const [source, writerId] = await miip.contracts.records.sourceOf(BigInt(share.recordId));
        if (Number(source) === 3) issuer = getAddress((await miip.participants.get(Number(writerId))).account);
      }
      if (share.grantId === ZeroHash) {
        // The owners' shares: the patient's and the issuer's own, made by either of them.
        if (session.account !== patient && session.account !== issuer) {
          throw new Refusal(
            403,
            `only record ${share.recordId}'s patient or issuing hospital publishes its owners' shares`,
          );
        }
        if (share.recipient !== patient && share.recipient !== issuer) {
          throw new Refusal(403, "a share without a grant is for the record's patient or its issuing hospital");
        }
        // Written once by whoever holds the key; after that only its recipient replaces it (neither owner can spoil
        // the other's copy).
        if (session.account !== share.recipient && (await shares.get(share.recordId, share.recipient))) {
          throw new Refusal(
            409,
            `record ${share.recordId}'s share for ${share.recipient} exists: only its recipient replaces it`,
          );
        }
      } else {
        if (session.account !== patient) {
          throw new Refusal(403, `only record ${share.recordId}'s patient shares it under a grant`);
        }
        const grant = await miip.consent.getGrant(share.grantId).catch(() => undefined);
        if (!grant || grant.patientId !== record.patientId || !grant.live) {
          throw new Refusal(403, `grant ${share.grantId} is not a live grant of record ${share.recordId}'s patient`);
        }
        // For the grant's grantee only, and only a grant that lets it read this record: the grant id is the hash of
        // (patient, grantee, purpose, scope), so the recipient's institution and the record's scopes are tried
        // locally (what the consent manager itself checks a read against), with no search of the chain's history.
        const member = await miip.participants.memberOf(share.recipient);
        if (
          !member ||
          share.recipient === patient ||
          share.recipient === issuer ||
          !readableUnder(share.grantId, record.patientId, member.id, record.recordType, record.id)
        ) {
          throw new Refusal(403, `a share under grant ${share.grantId} is for a grantee it lets read the record only`);
        }
      }
      session.take();
      await shares.put(share);
    });
  };

  const putKey = async (req: http.IncomingMessage) => {
    const body = await readBody(req, MAX_JSON);
    const session = authorise(req, body);
    let published: ServiceSession;
    try {
      published = verifySession(parseJson(body));
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw new Refusal(400, (error as Error).message);
    }
    if (published.signature !== session.signature) {
      throw new Refusal(400, "the key published is the session's own: PUT /keys with the session as body");
    }
    const { patientId, current } = await miip.patients.idOf(session.account);
    if (!(patientId !== 0n && current) && !(await activeInstitution(session.account))) {
      throw new Refusal(403, `${session.account} is neither a patient's current account nor an active institution`);
    }
    session.take();
    const file = path.join(keysDir, `${session.account}.json`);
    // A temporary name of its own per write: two sessions of one account opened at once never share one.
    const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await fs.writeFile(temp, `${JSON.stringify(published)}\n`);
      await fs.rename(temp, file);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  };

  const getKey = async (account: string): Promise<unknown> => {
    let address: string;
    try {
      address = normaliseAddress(account);
    } catch {
      throw new Refusal(400, `not an address: ${account}`);
    }
    try {
      return JSON.parse(await fs.readFile(path.join(keysDir, `${address}.json`), "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    const parts = url.pathname.split("/").filter(Boolean);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { ...CORS, "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const found = (body: unknown) => (body === undefined ? json(404, { message: "not found" }) : json(200, body));
    if (req.method === "GET" && parts[0] === "health" && parts.length === 1) return json(200, { ok: true });
    if ((req.method === "GET" || req.method === "HEAD") && parts[0] === "ipfs" && parts.length === 2) {
      let block: Uint8Array | undefined;
      try {
        parseCid(parts[1]);
        block = await blocks.getBlock(parts[1], MAX_BLOCK_SIZE);
      } catch (error) {
        if (error instanceof CidError) throw new Refusal(400, error.message);
        throw error;
      }
      if (!block) return json(404, { message: `no block ${parts[1]}` });
      res.writeHead(200, { ...CORS, "Content-Type": "application/vnd.ipld.raw", "Content-Length": block.length });
      return res.end(req.method === "HEAD" ? undefined : block);
    }
    if (req.method === "PUT" && parts[0] === "blocks" && parts.length === 2) {
      await putBlock(req, parts[1]);
      return json(200, { cid: parts[1] });
    }
    try {
      if (req.method === "GET" && parts[0] === "shares" && parts.length === 1) {
        const grantId = normaliseGrantId(url.searchParams.get("grant") ?? "");
        // The owners' shares are listed by record, never all at once.
        if (grantId === ZeroHash) throw new Refusal(400, "list owners' shares by record: GET /shares/<record>");
        return found(await shares.byGrant(grantId));
      }
      if (req.method === "GET" && parts[0] === "shares" && parts.length === 2) {
        return found(await shares.byRecord(normaliseRecordId(parts[1])));
      }
      if (req.method === "GET" && parts[0] === "shares" && parts.length === 3) {
        return found(await shares.get(normaliseRecordId(parts[1]), normaliseAddress(parts[2])));
      }
    } catch (error) {
      if (error instanceof KeyShareError) throw new Refusal(400, error.message);
      throw error;
    }
    if (req.method === "PUT" && parts[0] === "shares" && parts.length === 1) {
      await putShare(req);
      return json(200, { ok: true });
    }
    if (req.method === "GET" && parts[0] === "keys" && parts.length === 2) return found(await getKey(parts[1]));
    if (req.method === "PUT" && parts[0] === "keys" && parts.length === 1) {
      await putKey(req);
      return json(200, { ok: true });
    }
    throw new Refusal(404, "no such endpoint: /ipfs/<cid>, /blocks/<cid>, /shares[/...], /keys[/<account>]");
  };

  const server = http.createServer((req, res) => {
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS);
      return res.end();
    }
    const now = Date.now();
    const client = clientOf(req.socket.remoteAddress);
    const window = seen.get(client);
    if (!window || now - window.start >= MINUTE) {
      if (seen.size >= maxClients) for (const [k, w] of seen) if (now - w.start >= MINUTE) seen.delete(k);
      // Still full: the clients counted longest ago are forgotten (a newcomer is never refused for others' load).
      for (const k of seen.keys()) {
        if (seen.size < maxClients) break;
        seen.delete(k);
      }
      seen.set(client, { start: now, count: 1 });
    } else if (++window.count > perClient) {
      return answerError(res, new Refusal(429, "too many requests from this client: wait a minute"));
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://service");
    } catch {
      return answerError(res, new Refusal(400, "the request's path is not a URL path"));
    }
    route(req, res, url).catch((error: Error) => {
      if (res.headersSent) return res.destroy(error);
      answerError(
        res,
        error instanceof Refusal ? error : new Refusal(500, "the document service failed: try again later"),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  publicUrl ??= `http://${host}:${port}`;
  return {
    url: publicUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, PUT, OPTIONS",
  "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type, X-MIIP-Request",
  "Access-Control-Expose-Headers": "Content-Length",
};

/** The most clients counted at once; past it, the longest-counted are forgotten first. */
const MAX_CLIENTS = 50_000;

/** The purposes a grant can name (`IRecordRegistry.Purpose`) and the scopes a read is checked against. */
const PURPOSES = [0, 1, 2, 3];
const ALL_RECORDS = 0;
const RECORD_TYPE = 1;
const RECORD = 2;

/**
 * Whether `grantId` is a grant of `patientId` to institution `granteeId` that lets it read this record, for some
 * purpose: one of the ids the consent manager checks a read against (all records, the record's type, the record).
 */
export function readableUnder(
  grantId: string,
  patientId: bigint,
  granteeId: number,
  recordType: number,
  recordId: bigint,
): boolean {
  const coder = AbiCoder.defaultAbiCoder();
  const scopes: [number, bigint][] = [
    [ALL_RECORDS, 0n],
    [RECORD_TYPE, BigInt(recordType)],
    [RECORD, recordId],
  ];
  return PURPOSES.some((purpose) =>
    scopes.some(
      ([kind, ref]) =>
        keccak256(
          coder.encode(["uint64", "uint32", "uint8", "uint8", "uint256"], [patientId, granteeId, purpose, kind, ref]),
        ) === grantId.toLowerCase(),
    ),
  );
}

function answerError(res: http.ServerResponse, refusal: Refusal): void {
  res.writeHead(refusal.status, { ...CORS, "Content-Type": "application/json", Connection: "close" });
  res.end(JSON.stringify({ message: refusal.message }));
}
