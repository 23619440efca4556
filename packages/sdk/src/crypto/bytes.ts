/**
 * Byte helpers for the SDK's crypto and storage: plain `Uint8Array`, `TextEncoder` and `TextDecoder`, so they run
 * unchanged in a browser (no `Buffer`).
 */
import { computeHmac, getBytes, hexlify, sha256 as sha256Hex } from "ethers";

/** Lowercase hex with a `0x` prefix. */
export function toHex(bytes: Uint8Array): string {
  return hexlify(own(bytes));
}

/** Bytes from hex, with or without `0x`; throws a `TypeError` for an odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== "string") throw new TypeError(`expected a hex string, got ${typeof hex}`);
  const digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    throw new TypeError(`not a hex string: ${hex.length > 20 ? `${hex.slice(0, 20)}…` : JSON.stringify(hex)}`);
  }
  return getBytes(`0x${digits}`);
}

/** The UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A string from UTF-8 bytes; throws a `TypeError` on malformed UTF-8 rather than inserting U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** Whether two byte arrays are equal, in time independent of where they differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** The concatenation of byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether a value is a `Uint8Array` (or a subclass, such as Node's `Buffer`). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor.name === "Uint8Array");
}

/**
 * The same bytes as a `Uint8Array` of this realm, without a copy: ethers checks `instanceof Uint8Array`, which
 * fails for bytes made in another realm (an iframe, a worker's transfer, a VM context). Anything else is refused.
 */
export function own(bytes: Uint8Array): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (!isBytes(bytes)) throw new TypeError("expected a Uint8Array");
  const view = bytes as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/*
 * SHA-256 and HMAC are ethers' (itself @noble/hashes): the SDK already needs ethers, and a second copy of the
 * hashes would weigh on its browser bundle.
 */

/** The SHA-256 digest of bytes. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return getBytes(sha256Hex(own(bytes)));
}

/**
 * HKDF-SHA256 (RFC 5869): extract a pseudorandom key from `ikm` with `salt`, then expand it with `info` to
 * `length` bytes (at most 255 blocks of 32). Tests check it against Node's `hkdfSync` and RFC 5869's vectors.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) throw new RangeError("HKDF: length out of range");
  const prk = getBytes(computeHmac("sha256", salt.length > 0 ? own(salt) : new Uint8Array(32), own(ikm)));
  const out = new Uint8Array(length);
  let block: Uint8Array = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < length; i++, offset += 32) {
    const previous = block;
    block = getBytes(computeHmac("sha256", prk, concatBytes(block, own(info), Uint8Array.of(i))));
    previous.fill(0);
    out.set(block.subarray(0, Math.min(32, length - offset)), offset);
  }
  prk.fill(0);
  block.fill(0);
  return out;
}
