/**
 * Document encryption: XChaCha20-Poly1305 (`@noble/ciphers`, audited), a fresh random 32-byte key per document
 * and a random 24-byte nonce per encryption (192 bits: random nonces never collide in practice, unlike 96-bit
 * ones). A ciphertext is `0x01 (format version) || nonce (24) || AEAD output (ciphertext || 16-byte tag)`, so it
 * is 41 bytes longer than its plaintext. Nothing here logs or keeps a plaintext or a key.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import { randomBytes } from "ethers";

import { isBytes } from "./bytes.ts";

/** A ciphertext or wrapped key that does not open: wrong key, altered bytes, wrong AAD or context, bad format. */
export class DecryptionError extends Error {
  override readonly name = "DecryptionError";
}

/** A key that is not usable: a document key of the wrong length, a public key off the curve, a bad private key. */
export class KeyError extends Error {
  override readonly name = "KeyError";
}

/** The format version byte that starts every document ciphertext. */
export const DOCUMENT_FORMAT_VERSION = 0x01;
/** Bytes of a document key. */
export const DOCUMENT_KEY_LENGTH = 32;
const NONCE_LENGTH = 24;
const TAG_LENGTH = 16;
/** What encryption adds to a document: version byte, nonce and tag. */
export const DOCUMENT_OVERHEAD = 1 + NONCE_LENGTH + TAG_LENGTH;

const EMPTY = new Uint8Array(0);

/** A fresh random document key (32 bytes from the platform's CSPRNG). */
export function generateDocumentKey(): Uint8Array {
  return randomBytes(DOCUMENT_KEY_LENGTH);
}

/**
 * Encrypts a document under `options.key` (a fresh random key when absent), binding `options.aad` (additional
 * data that must be presented again to decrypt; not stored in the ciphertext). Returns the ciphertext and the key;
 * the caller wraps the key for its readers and then wipes it (`key.fill(0)`).
 */
export function encryptDocument(
  plaintext: Uint8Array,
  options: { key?: Uint8Array; aad?: Uint8Array } = {},
): { ciphertext: Uint8Array; key: Uint8Array } {
  if (!isBytes(plaintext)) throw new TypeError("encryptDocument: the plaintext must be a Uint8Array");
  const key = options.key ?? generateDocumentKey();
  if (!isBytes(key) || key.length !== DOCUMENT_KEY_LENGTH) {
    throw new KeyError(`a document key is ${DOCUMENT_KEY_LENGTH} bytes`);
  }
  const aad = options.aad ?? EMPTY;
  if (!isBytes(aad)) throw new TypeError("encryptDocument: the AAD must be a Uint8Array");
  const nonce = randomBytes(NONCE_LENGTH);
  const sealed = xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  const ciphertext = new Uint8Array(1 + NONCE_LENGTH + sealed.length);
  ciphertext[0] = DOCUMENT_FORMAT_VERSION;
  ciphertext.set(nonce, 1);
  ciphertext.set(sealed, 1 + NONCE_LENGTH);
  return { ciphertext, key };
}

/**
 * Decrypts what `encryptDocument` produced, with the same key and AAD. Throws `DecryptionError` when the key or
 * the AAD is wrong, a byte was altered, the version is unknown or the ciphertext is too short; the message never
 * says which, and nothing of an unauthenticated plaintext is returned.
 */
export function decryptDocument(ciphertext: Uint8Array, key: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (!isBytes(ciphertext)) throw new DecryptionError("the ciphertext must be a Uint8Array");
  if (!isBytes(key) || key.length !== DOCUMENT_KEY_LENGTH) {
    throw new DecryptionError(`cannot decrypt: a document key is ${DOCUMENT_KEY_LENGTH} bytes`);
  }
  if (aad !== undefined && !isBytes(aad)) throw new DecryptionError("the AAD must be a Uint8Array");
  if (ciphertext.length < DOCUMENT_OVERHEAD) {
    throw new DecryptionError(`cannot decrypt: ${ciphertext.length} bytes is shorter than any document ciphertext`);
  }
  if (ciphertext[0] !== DOCUMENT_FORMAT_VERSION) {
    throw new DecryptionError(`cannot decrypt: unknown document format version ${ciphertext[0]}`);
  }
  const nonce = ciphertext.subarray(1, 1 + NONCE_LENGTH);
  try {
    return xchacha20poly1305(key, nonce, aad ?? EMPTY).decrypt(ciphertext.subarray(1 + NONCE_LENGTH));
  } catch {
    throw new DecryptionError("cannot decrypt: wrong key or AAD, or the ciphertext was altered");
  }
}
