/**
 * Content addresses: the IPFS CID (version 1, SHA-256) of a block, computed locally so that a store, a gateway or
 * an IPFS node is never trusted to say which bytes a CID names.
 *
 * `cidV1(bytes)` is the CID of `bytes` as one raw IPFS block (codec raw): a document's chunks, and a whole document
 * of one chunk (1 MiB or less), which is what `ipfs add --cid-version=1` prints for it. A larger document is a
 * UnixFS tree whose root is a dag-pb node (`../storage/unixfs.ts`); `parseCid` takes both codecs, and every block
 * read is checked with `matchesCid`.
 */

import { equalBytes, fromHex, sha256, toHex } from "./bytes.ts";

/** A string that is not a CID this SDK handles (base32 CIDv1 with SHA-256), or a URI that is not `ipfs://`. */
export class CidError extends Error {
  override readonly name = "CidError";
}

/** Multicodec of a raw block (the bytes themselves). */
export const RAW_CODEC = 0x55;
/** Multicodec of SHA-256 in a multihash. */
export const SHA256_CODE = 0x12;

const CID_VERSION = 0x01;
const DIGEST_LENGTH = 32;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** RFC 4648 base32 (lowercase, unpadded); `undefined` for a foreign character or non-zero trailing bits. */
function base32Decode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = BASE32.indexOf(char);
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
  }
  // A canonical encoding leaves fewer than 5 bits over, all zero.
  if (bits >= 5 || (buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** An unsigned LEB128 varint at `offset`: its value and the offset after it, or `undefined` if malformed. */
function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= bytes.length) return undefined;
    const byte = bytes[offset + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      // Minimal encoding only: no trailing zero group.
      if (i > 0 && byte === 0) return undefined;
      return { value, next: offset + i + 1 };
    }
  }
  return undefined;
}

/** SHA-256 of `bytes` as lowercase hex with `0x` (the form of a `bytes32` digest on chain). */
export function sha256Hex(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

/** The CIDv1 (raw codec, SHA-256, base32 `b…`) of `bytes` taken as one raw IPFS block. */
export function cidV1(bytes: Uint8Array): string {
  const digest = sha256(bytes);
  const cid = new Uint8Array(4 + DIGEST_LENGTH);
  cid.set([CID_VERSION, RAW_CODEC, SHA256_CODE, DIGEST_LENGTH]);
  cid.set(digest, 4);
  return `b${base32Encode(cid)}`;
}

/**
 * Parses a CIDv1 in multibase base32 (`b` + lowercase RFC 4648, the default text form of CIDv1) whose multihash
 * is SHA-256; any codec (raw `0x55`, dag-pb `0x70`, …). Throws `CidError` for anything else: a CIDv0 (`Qm…`),
 * another multibase or hash function, a truncated or over-long CID.
 */
export function parseCid(cid: string): { version: 1; codec: number; digest: string } {
  if (typeof cid !== "string" || cid.length === 0) throw new CidError("a CID must be a non-empty string");
  const shown = cid.length > 80 ? `${cid.slice(0, 80)}…` : cid;
  if (cid.startsWith("Qm")) {
    throw new CidError(`${shown} is a CIDv0; only base32 CIDv1 (b…) is accepted, e.g. \`ipfs cid base32 ${shown}\``);
  }
  if (cid[0] !== "b") {
    throw new CidError(`${shown} is not a base32 CIDv1: it should start with "b"`);
  }
  const bytes = base32Decode(cid.slice(1));
  if (!bytes) throw new CidError(`${shown} is not valid lowercase base32`);
  const version = readVarint(bytes, 0);
  if (!version || version.value !== CID_VERSION) throw new CidError(`${shown} is not a version 1 CID`);
  const codec = readVarint(bytes, version.next);
  const hash = codec && readVarint(bytes, codec.next);
  const length = hash && readVarint(bytes, hash.next);
  if (!codec || !hash || !length) throw new CidError(`${shown} is truncated`);
  if (hash.value !== SHA256_CODE) {
    throw new CidError(`${shown} uses hash function 0x${hash.value.toString(16)}; only sha2-256 (0x12) is accepted`);
  }
  if (length.value !== DIGEST_LENGTH || bytes.length !== length.next + DIGEST_LENGTH) {
    throw new CidError(`${shown} does not carry exactly one 32-byte SHA-256 digest`);
  }
  return { version: 1, codec: codec.value, digest: toHex(bytes.subarray(length.next)) };
}

/** The SHA-256 digest a CID names, as `0x` hex. Throws `CidError` as `parseCid` does. */
export function cidDigest(cid: string): string {
  return parseCid(cid).digest;
}

/** Whether `bytes` hash to the digest `cid` names (the block the CID addresses). Throws `CidError` for a bad CID. */
export function matchesCid(bytes: Uint8Array, cid: string): boolean {
  return equalBytes(sha256(bytes), fromHex(cidDigest(cid)));
}

/** `ipfs://<cid>`, the URI a record carries on chain. The CID is checked first. */
export function ipfsUri(cid: string): string {
  parseCid(cid);
  return `ipfs://${cid}`;
}

/** The CID of an `ipfs://<cid>` URI; throws `CidError` for another scheme, a path after the CID or a bad CID. */
export function cidFromUri(uri: string): string {
  if (typeof uri !== "string" || !uri.startsWith("ipfs://")) {
    const scheme = typeof uri === "string" ? /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1] : undefined;
    throw new CidError(
      scheme ? `unsupported URI scheme "${scheme}:", expected ipfs://<cid>` : `not an ipfs://<cid> URI: ${uri}`,
    );
  }
  const cid = uri.slice("ipfs://".length);
  if (cid.includes("/") || cid.includes("?") || cid.includes("#")) {
    throw new CidError(`${uri} has a path, query or fragment; expected ipfs://<cid> naming one block`);
  }
  parseCid(cid);
  return cid;
}
