/**
 * Key wrapping for a reader: ECIES on secp256k1. A document key is encrypted to a reader's encryption public key,
 * bound to a context (which record, which reader, which chain: `shareContext`), so that only that reader's private
 * key opens it and only for that context.
 *
 * Wrap: a fresh ephemeral key pair per wrap; the shared secret is the x-coordinate of ECDH(ephemeral private key,
 * recipient public key); the wrapping key is HKDF-SHA256(ikm = shared x, salt = ephemeral public key (33 bytes,
 * compressed) || recipient public key (33, compressed), info = "MIIP key wrap v1" || context, 32 bytes); the
 * document key is sealed with XChaCha20-Poly1305 under a random 24-byte nonce with AAD = context. Both public keys
 * in the salt tie the wrapping key to this exact pair; the context in both the info and the AAD ties it to where
 * it may be used.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import { randomBytes } from "ethers";
import { SigningKey, getBytes } from "ethers";

import { concatBytes, fromHex, hkdfSha256, isBytes, own, toHex, utf8 } from "./bytes.ts";
import { DOCUMENT_KEY_LENGTH, DecryptionError, KeyError } from "./cipher.ts";

export { DecryptionError, KeyError } from "./cipher.ts";

/** A document key wrapped for one recipient; JSON-serialisable (every field `0x` hex). */
export interface WrappedKey {
  version: 1;
  /** The wrap's ephemeral public key, compressed (33 bytes). */
  ephemeralPublicKey: string;
  /** The XChaCha20-Poly1305 nonce (24 bytes). */
  nonce: string;
  /** The sealed document key and its tag (32 + 16 bytes). */
  ciphertext: string;
}

/** An encryption identity: a secp256k1 key pair used only to unwrap document keys, never to sign transactions. */
export interface EncryptionKey {
  privateKey: Uint8Array;
  /** The compressed public key (33 bytes) as `0x` hex; publish it to those who share documents with you. */
  publicKey: string;
}

/**
 * The message an account signs (EIP-191 `personal_sign`) to derive its encryption key. Changing a single character
 * changes every derived key, and with them access to every document already shared: it is versioned, never edited.
 */
export const ENCRYPTION_KEY_MESSAGE =
  "MIIP encryption key v1\n\nSigning this message derives the key that opens medical documents shared with this account. Sign it only on a MIIP application.";

const WRAP_INFO = utf8("MIIP key wrap v1");
const KEY_SALT = utf8("MIIP");
const KEY_INFO = utf8("encryption key v1");
const NONCE_LENGTH = 24;
const WRAPPED_LENGTH = DOCUMENT_KEY_LENGTH + 16;
/** secp256k1's group order. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/*
 * The curve arithmetic is ethers' (`SigningKey`, itself @noble/curves): the SDK already needs ethers, and a second
 * copy of secp256k1 would be a third of its browser bundle.
 */

/** Whether 32 bytes are a secp256k1 private key: non-zero and below the group order. */
function isSecretKey(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  const k = BigInt(toHex(bytes));
  return k > 0n && k < N;
}

/** A fresh random private key (rejection sampling: a draw of zero or at or above the order is drawn again). */
function randomSecretKey(): Uint8Array {
  // A draw is out of range with probability about 2^-128: many in a row mean a broken random source.
  for (let attempt = 0; attempt < 64; attempt++) {
    const candidate = randomBytes(32);
    if (isSecretKey(candidate)) return candidate;
  }
  throw new KeyError("the random source gave no valid secp256k1 private key in 64 draws: it is broken");
}

/** The compressed public key (33 bytes) of a valid private key. */
function publicKeyOf(secret: Uint8Array): Uint8Array {
  return getBytes(SigningKey.computePublicKey(secret, true));
}

/** A public key (33 or 65 bytes) as compressed bytes; throws if it is not a point of the curve. */
function compressPoint(bytes: Uint8Array): Uint8Array {
  // SigningKey reads 32 bytes as a private key: only points (33 or 65 bytes) may reach it.
  if (bytes.length !== 33 && bytes.length !== 65) throw new Error("not a public key's length");
  return getBytes(SigningKey.computePublicKey(bytes, true));
}

/** ECDH: the shared point of a private key and a public key, compressed (33 bytes). */
function sharedPoint(secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const full = getBytes(new SigningKey(secret).computeSharedSecret(publicKey)); // 0x04 || x || y
  const compressed = new Uint8Array(33);
  compressed[0] = 0x02 | (full[64] & 1);
  compressed.set(full.subarray(1, 33), 1);
  full.fill(0);
  return compressed;
}

function bytesOf(value: string | Uint8Array, what: string): Uint8Array {
  if (isBytes(value)) return own(value);
  if (typeof value === "string") {
    try {
      return fromHex(value);
    } catch {
      throw new KeyError(`${what} is not hex`);
    }
  }
  throw new KeyError(`${what} must be hex or a Uint8Array`);
}

function publicKeyBytes(publicKey: string | Uint8Array): Uint8Array {
  const bytes = bytesOf(publicKey, "the public key");
  const prefix = bytes[0];
  const wellFormed =
    (bytes.length === 33 && (prefix === 0x02 || prefix === 0x03)) || (bytes.length === 65 && prefix === 0x04);
  if (!wellFormed) {
    throw new KeyError(
      `a secp256k1 public key is 33 bytes (0x02/0x03…, compressed) or 65 bytes (0x04…, uncompressed); got ${bytes.length} bytes`,
    );
  }
  try {
    return compressPoint(bytes);
  } catch {
    throw new KeyError("the public key is not a point of secp256k1");
  }
}

function privateKeyBytes(privateKey: string | Uint8Array): Uint8Array {
  const bytes = bytesOf(privateKey, "the private key");
  if (!isSecretKey(bytes)) {
    throw new KeyError("a secp256k1 private key is 32 bytes, non-zero and below the group order");
  }
  return bytes;
}

/** A public key (compressed or uncompressed, hex or bytes) as compressed `0x` hex; `KeyError` if not on the curve. */
export function compressPublicKey(publicKey: string | Uint8Array): string {
  return toHex(publicKeyBytes(publicKey));
}

function wrappingKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, context: Uint8Array) {
  // `shared` is the compressed ECDH point; its x-coordinate is the secret.
  return hkdfSha256(shared.subarray(1), concatBytes(ephemeral, recipient), concatBytes(WRAP_INFO, context), 32);
}

function checkContext(context: Uint8Array): void {
  if (!isBytes(context)) throw new TypeError("the context must be a Uint8Array (see shareContext)");
}

/**
 * Wraps a 32-byte document key for the holder of `recipientPublicKey` (compressed or uncompressed, hex or bytes),
 * bound to `context`. Throws `KeyError` for a key of the wrong length or a public key that is not on the curve.
 */
export function wrapKey(key: Uint8Array, recipientPublicKey: string | Uint8Array, context: Uint8Array): WrappedKey {
  if (!isBytes(key) || key.length !== DOCUMENT_KEY_LENGTH) {
    throw new KeyError(`a document key is ${DOCUMENT_KEY_LENGTH} bytes`);
  }
  checkContext(context);
  const recipient = publicKeyBytes(recipientPublicKey);
  const ephemeralSecret = randomSecretKey();
  const ephemeral = publicKeyOf(ephemeralSecret);
  const shared = sharedPoint(ephemeralSecret, recipient);
  const wrapKeyBytes = wrappingKey(shared, ephemeral, recipient, context);
  const nonce = randomBytes(NONCE_LENGTH);
  try {
    const ciphertext = xchacha20poly1305(wrapKeyBytes, nonce, context).encrypt(key);
    return { version: 1, ephemeralPublicKey: toHex(ephemeral), nonce: toHex(nonce), ciphertext: toHex(ciphertext) };
  } finally {
    ephemeralSecret.fill(0);
    shared.fill(0);
    wrapKeyBytes.fill(0);
  }
}

/**
 * Unwraps a document key with the recipient's private key and the context it was wrapped for. Throws
 * `DecryptionError` when it does not open (another recipient's key, another context, an altered field, an unknown
 * version) and `KeyError` when `privateKey` is not a valid secp256k1 private key.
 */
export function unwrapKey(wrapped: WrappedKey, privateKey: Uint8Array | string, context: Uint8Array): Uint8Array {
  const secret = privateKeyBytes(privateKey);
  checkContext(context);
  if (typeof wrapped !== "object" || wrapped === null || wrapped.version !== 1) {
    throw new DecryptionError("cannot unwrap: not a version 1 wrapped key");
  }
  let ephemeral: Uint8Array;
  let nonce: Uint8Array;
  let sealed: Uint8Array;
  try {
    ephemeral = compressPoint(fromHex(wrapped.ephemeralPublicKey));
    nonce = fromHex(wrapped.nonce);
    sealed = fromHex(wrapped.ciphertext);
  } catch {
    throw new DecryptionError("cannot unwrap: malformed wrapped key");
  }
  if (nonce.length !== NONCE_LENGTH || sealed.length !== WRAPPED_LENGTH) {
    throw new DecryptionError("cannot unwrap: malformed wrapped key");
  }
  const recipient = publicKeyOf(secret);
  const shared = sharedPoint(secret, ephemeral);
  const wrapKeyBytes = wrappingKey(shared, ephemeral, recipient, context);
  try {
    return xchacha20poly1305(wrapKeyBytes, nonce, context).decrypt(sealed);
  } catch {
    throw new DecryptionError("cannot unwrap: not wrapped for this key and context, or altered");
  } finally {
    shared.fill(0);
    wrapKeyBytes.fill(0);
  }
}

/** The key pair of a private key (32 bytes, hex or bytes); `KeyError` if it is not a valid secp256k1 scalar. */
export function encryptionKeyFromPrivateKey(privateKey: Uint8Array | string): EncryptionKey {
  const secret = Uint8Array.from(privateKeyBytes(privateKey));
  return { privateKey: secret, publicKey: toHex(publicKeyOf(secret)) };
}

/** A fresh random encryption key pair (for a service account, a test, or a key not tied to a wallet). */
export function generateEncryptionKey(): EncryptionKey {
  return encryptionKeyFromPrivateKey(randomSecretKey());
}

/**
 * A 65-byte `r || s || v` signature in one canonical form, so that the same account derives the same key whatever
 * the wallet's conventions: `v` as 27/28 (some wallets return 0/1), `s` in the lower half of the order (a high-`s`
 * signature is the same signature mirrored; its parity flips). A 64-byte EIP-2098 compact signature is expanded.
 */
function canonicalSignature(signature: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromHex(signature);
  } catch {
    throw new KeyError("the signature is not hex");
  }
  let r: Uint8Array;
  let s: bigint;
  let parity: number;
  if (bytes.length === 65) {
    const v = bytes[64];
    if (v !== 0 && v !== 1 && v !== 27 && v !== 28) throw new KeyError(`the signature has an invalid v (${v})`);
    r = bytes.subarray(0, 32);
    s = BigInt(toHex(bytes.subarray(32, 64)));
    parity = v >= 27 ? v - 27 : v;
  } else if (bytes.length === 64) {
    r = bytes.subarray(0, 32);
    const yParityAndS = BigInt(toHex(bytes.subarray(32, 64)));
    parity = Number(yParityAndS >> 255n);
    s = yParityAndS & ((1n << 255n) - 1n);
  } else {
    throw new KeyError(
      `encryption keys derive from a 65-byte ECDSA signature (personal_sign); got ${bytes.length} bytes`,
    );
  }
  if (s === 0n || s >= N) throw new KeyError("the signature's s is out of range");
  if (s > N >> 1n) {
    s = N - s;
    parity ^= 1;
  }
  return concatBytes(r, fromHex(s.toString(16).padStart(64, "0")), Uint8Array.of(27 + parity));
}

/**
 * The encryption key of an account, from its signature of `ENCRYPTION_KEY_MESSAGE`: private key =
 * HKDF-SHA256(ikm = the signature, in canonical form, salt = "MIIP", info = "encryption key v1", 32 bytes).
 *
 * Wallets sign deterministically (RFC 6979: MetaMask, hardware wallets, ethers, Hardhat), so an account finds its
 * key again on any device by signing again; the key is as secret as that signature, so a MIIP application must
 * never send or store it. A wallet whose signatures are not deterministic (some MPC custody) or not 65-byte ECDSA
 * (smart-contract accounts, EIP-1271) cannot use this: give it a key with `generateEncryptionKey` and keep it.
 * Rejection sampling keeps the key uniform: an output of zero or at or above the group order (probability about
 * 2^-128) is discarded and HKDF is run again with info = "encryption key v1" || counter byte (1, 2, …), so
 * the first derivation, which is the one every real signature uses, is exactly the formula above.
 */
export function encryptionKeyFromSignature(signature: string): EncryptionKey {
  if (typeof signature !== "string") throw new KeyError("the signature must be a hex string");
  const ikm = canonicalSignature(signature);
  try {
    for (let counter = 0; counter < 256; counter++) {
      const info = counter === 0 ? KEY_INFO : concatBytes(KEY_INFO, Uint8Array.of(counter));
      const candidate = hkdfSha256(ikm, KEY_SALT, info, 32);
      if (isSecretKey(candidate)) return encryptionKeyFromPrivateKey(candidate);
    }
  } finally {
    ikm.fill(0);
  }
  /* c8 ignore next */
  throw new KeyError("could not derive an encryption key from this signature");
}
