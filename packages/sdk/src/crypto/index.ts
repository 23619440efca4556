/**
 * Encryption, content addressing and storage of medical documents, browser-safe (no Node module): XChaCha20-Poly1305
 * documents, ECIES key wrapping on secp256k1, IPFS CIDs, blob and key-share stores. The file-system stores are in
 * `sdk/node`.
 */
export * from "./bytes";
export * from "./cid";
export * from "./cipher";
export * from "./ecies";
export * from "../storage/blobs";
export * from "../storage/shares";
