/**
 * Encryption and content addressing of medical documents, browser-safe (no Node module): XChaCha20-Poly1305
 * documents, ECIES key wrapping on secp256k1, IPFS CIDs. The stores are in `@miip/sdk/storage` (and, on the
 * file system, `@miip/sdk/node`).
 */
export * from "./bytes.ts";
export * from "./cid.ts";
export * from "./cipher.ts";
export * from "./ecies.ts";
