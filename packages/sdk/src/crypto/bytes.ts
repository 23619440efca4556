/**
 * Byte helpers for the SDK's crypto and storage: plain `Uint8Array`, `TextEncoder` and `TextDecoder`, so they run
 * unchanged in a browser (no `Buffer`).
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";

/** Lowercase hex with a `0x` prefix. */
export function toHex(bytes: Uint8Array): string {
  return `0x${bytesToHex(bytes)}`;
}

/** Bytes from hex, with or without `0x`; throws a `TypeError` for an odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== "string") throw new TypeError(`expected a hex string, got ${typeof hex}`);
  const digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    throw new TypeError(`not a hex string: ${hex.length > 20 ? `${hex.slice(0, 20)}…` : JSON.stringify(hex)}`);
  }
  return hexToBytes(digits);
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
