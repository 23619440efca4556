/**
 * Key shares: where wrapped document keys are published. A share is a record's document key wrapped (ECIES, see
 * `wrapKey`) for one reader: the patient, the issuing hospital, or a grantee under a consent grant. A share store
 * holds no secret (only the reader's private key opens a share), so it can be any database, a file tree or a
 * public service; it is keyed by record and recipient (the latest share put wins) and listable by grant.
 */
import { getAddress } from "ethers";

import { utf8 } from "./crypto/bytes.ts";
import { compressPublicKey, type WrappedKey } from "./crypto/ecies.ts";

/** A record's document key wrapped for one recipient. */
export interface KeyShare {
  /** The record id, in decimal. */
  recordId: string;
  /** The recipient's account, checksummed. */
  recipient: string;
  /** The consent grant the share serves (`0x` bytes32); `ZeroHash` for the patient's and the issuer's own shares. */
  grantId: string;
  /** The encryption public key the key was wrapped for (compressed `0x` hex). */
  publicKey: string;
  wrapped: WrappedKey;
  /** When the share was made, in unix seconds. */
  createdAt: number;
}

/** Storage of key shares. */
export interface KeyShareStore {
  /** Stores a share, replacing any earlier share of the same record for the same recipient. */
  put(share: KeyShare): Promise<void>;
  /** The share of a record for a recipient, if any. */
  get(recordId: bigint | string, recipient: string): Promise<KeyShare | undefined>;
  /** The shares made under a grant (`ZeroHash` lists every owner share), by record then recipient. */
  byGrant(grantId: string): Promise<KeyShare[]>;
  /** The shares of a record, by recipient. */
  byRecord(recordId: bigint | string): Promise<KeyShare[]>;
}

/** A malformed key share or argument: a record id, an address, a grant id that is not what it should be. */
export class KeyShareError extends Error {
  override readonly name = "KeyShareError";
}

const MAX_UINT256 = (1n << 256n) - 1n;

/** A record id (a `uint256`) as a decimal string; `KeyShareError` otherwise. */
export function normaliseRecordId(recordId: bigint | string | number): string {
  let value: bigint;
  if (typeof recordId === "bigint") value = recordId;
  else if (typeof recordId === "number" && Number.isSafeInteger(recordId)) value = BigInt(recordId);
  else if (typeof recordId === "string" && /^[0-9]+$/.test(recordId)) value = BigInt(recordId);
  else throw new KeyShareError(`not a record id: ${String(recordId)}`);
  if (value < 0n || value > MAX_UINT256) throw new KeyShareError(`record id out of range: ${value}`);
  return value.toString();
}

/** An account as a checksummed address; `KeyShareError` otherwise. */
export function normaliseAddress(address: string): string {
  try {
    return getAddress(address);
  } catch {
    throw new KeyShareError(`not an address: ${String(address)}`);
  }
}

/** A grant id (`bytes32`) as lowercase `0x` hex; `KeyShareError` otherwise. */
export function normaliseGrantId(grantId: string): string {
  if (typeof grantId !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(grantId)) {
    throw new KeyShareError(`not a grant id (0x and 32 bytes of hex): ${String(grantId)}`);
  }
  return grantId.toLowerCase();
}

/**
 * A share checked and in canonical form (decimal record id, checksummed recipient, lowercase grant id, compressed
 * public key), as a fresh object; throws `KeyShareError` for a malformed one (a corrupt file, a foreign service).
 */
export function normaliseShare(share: KeyShare): KeyShare {
  if (typeof share !== "object" || share === null) throw new KeyShareError("a key share must be an object");
  const wrapped = share.wrapped as Partial<WrappedKey> | undefined;
  if (
    typeof wrapped !== "object" ||
    wrapped === null ||
    wrapped.version !== 1 ||
    // Exactly what `wrapKey` makes (a compressed point, an XChaCha20 nonce, a key and its tag): a share is a few
    // hundred bytes, never a place to store anything else.
    !/^0x[0-9a-fA-F]{66}$/.test(String(wrapped.ephemeralPublicKey)) ||
    !/^0x[0-9a-fA-F]{48}$/.test(String(wrapped.nonce)) ||
    !/^0x[0-9a-fA-F]{96}$/.test(String(wrapped.ciphertext))
  ) {
    throw new KeyShareError("a key share's wrapped key is not one wrapKey makes");
  }
  if (!Number.isSafeInteger(share.createdAt) || share.createdAt < 0) {
    throw new KeyShareError(`a key share's createdAt must be unix seconds, got ${String(share.createdAt)}`);
  }
  let publicKey: string;
  try {
    publicKey = compressPublicKey(share.publicKey);
  } catch (error) {
    throw new KeyShareError(`a key share's public key is invalid: ${(error as Error).message}`);
  }
  return {
    recordId: normaliseRecordId(share.recordId),
    recipient: normaliseAddress(share.recipient),
    grantId: normaliseGrantId(share.grantId),
    publicKey,
    wrapped: {
      version: 1,
      ephemeralPublicKey: wrapped.ephemeralPublicKey!.toLowerCase(),
      nonce: wrapped.nonce!.toLowerCase(),
      ciphertext: wrapped.ciphertext!.toLowerCase(),
    },
    createdAt: share.createdAt,
  };
}

/** Orders shares by record id (numerically), then recipient. */
export function compareShares(a: KeyShare, b: KeyShare): number {
  const ra = BigInt(a.recordId);
  const rb = BigInt(b.recordId);
  if (ra !== rb) return ra < rb ? -1 : 1;
  const x = a.recipient.toLowerCase();
  const y = b.recipient.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The context every wrap of a record's key is bound to: the UTF-8 bytes of
 * `MIIP|<chainId>|<records address, lowercase>|<recordId>|<recipient, lowercase>`. A share made for one record,
 * recipient, registry or chain therefore does not unwrap for another, even with the right private key.
 */
export function shareContext(chainId: bigint, records: string, recordId: bigint, recipient: string): Uint8Array {
  if (typeof chainId !== "bigint" || chainId <= 0n) throw new KeyShareError(`not a chain id: ${String(chainId)}`);
  const registry = normaliseAddress(records).toLowerCase();
  const account = normaliseAddress(recipient).toLowerCase();
  return utf8(`MIIP|${chainId}|${registry}|${normaliseRecordId(recordId)}|${account}`);
}
