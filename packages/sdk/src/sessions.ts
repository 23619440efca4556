/**
 * A document service's sessions, as every reader checks them: what an account signs to open one (and publish its
 * encryption key), and the check of a published key. Part of the client's entry, so that a page can look a key up
 * without loading the storage client (`@miip/sdk/storage`, which re-exports these).
 */
import { getAddress, verifyMessage } from "ethers";

import { compressPublicKey } from "./crypto/ecies.ts";

/**
 * An account's signed session with a document service. Public: the service publishes it as the account's encryption
 * key, and it authorises nothing by itself (each write is signed by the session key, which never leaves the client).
 */
export interface ServiceSession {
  /** The service's base URL the session was signed for (a session for one service is refused by another). */
  service: string;
  /** The signing account, checksummed. */
  account: string;
  /** The account's encryption public key (compressed `0x` hex), published by this session. */
  publicKey: string;
  /** The address of the session key that signs each write, checksummed. */
  sessionKey: string;
  /** Unix seconds after which the service refuses the session for writes. */
  expires: number;
  /** The account's EIP-191 signature of `sessionMessage(...)`. */
  signature: string;
}

/** The message an account signs to open a session (and publish its encryption key): readable in any wallet. */
export function sessionMessage(session: Omit<ServiceSession, "signature">): string {
  return [
    "MIIP document service",
    `Service: ${session.service}`,
    `Account: ${session.account}`,
    `Encryption key: ${session.publicKey}`,
    `Session key: ${session.sessionKey}`,
    `Expires: ${session.expires}`,
  ].join("\n");
}

/** A malformed or wrongly signed session or published key. */
export class SessionError extends Error {
  override readonly name = "SessionError";
}

/**
 * Checks a session's form and signature (not its expiry, which only matters for writes) and returns it in canonical
 * form; `SessionError` otherwise. What a reader of `/keys/<account>` runs on the answer.
 */
export function verifySession(value: unknown): ServiceSession {
  const s = value as Partial<ServiceSession> | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.service !== "string" ||
    s.service.length > 200 ||
    typeof s.account !== "string" ||
    typeof s.publicKey !== "string" ||
    typeof s.sessionKey !== "string" ||
    !Number.isSafeInteger(s.expires) ||
    typeof s.signature !== "string" ||
    !/^0x[0-9a-fA-F]{130}$/.test(s.signature)
  ) {
    throw new SessionError("a session is { service, account, publicKey, sessionKey, expires, signature }");
  }
  let account: string;
  let publicKey: string;
  let sessionKey: string;
  try {
    account = getAddress(s.account);
    sessionKey = getAddress(s.sessionKey);
    publicKey = compressPublicKey(s.publicKey);
  } catch (error) {
    throw new SessionError(`a session's account, key or session key is malformed: ${(error as Error).message}`);
  }
  const session = { service: s.service, account, publicKey, sessionKey, expires: s.expires!, signature: s.signature };
  let signer: string;
  try {
    signer = verifyMessage(sessionMessage(session), session.signature);
  } catch {
    throw new SessionError("a session's signature is malformed");
  }
  if (signer !== account) throw new SessionError(`the session is signed by ${signer}, not by ${account}`);
  return session;
}

/**
 * The encryption key an account published on the service at `url`, from the service's answer for `/keys/<account>`:
 * the session must be the account's own, signed by it, and signed for this service (a key the account signed
 * elsewhere, a phishing page's login, is not taken); `SessionError` otherwise.
 */
export function publishedKey(url: string, account: string, found: unknown): string {
  const address = getAddress(account);
  const session = verifySession(found);
  if (session.account !== address) {
    throw new SessionError(`the service answered ${session.account}'s key for ${address}`);
  }
  if (session.service !== url) {
    throw new SessionError(`${address}'s key was signed for ${session.service}, not for ${url}`);
  }
  return session.publicKey;
}
