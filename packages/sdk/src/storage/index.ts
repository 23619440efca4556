/**
 * Where encrypted documents and wrapped keys live: the blob stores (in memory, an IPFS node over its HTTP RPC)
 * and the key-share store, browser-safe. The client takes any `BlobStore` and `KeyShareStore`; the file-system
 * stores are in `@miip/sdk/node`.
 */
export * from "./blobs.ts";
export * from "./shares.ts";
