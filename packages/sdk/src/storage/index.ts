/**
 * Where encrypted documents and wrapped keys live: the blob stores (in memory, a Kubo node over its RPC API, any
 * IPFS gateway for reading) and the key-share store, browser-safe. Documents are UnixFS files with the CIDs IPFS
 * gives them. The client takes any `BlobStore` and `KeyShareStore`; the embedded IPFS node (Helia) and the
 * file-system stores are in `@miip/sdk/node`.
 */
export * from "./blobs.ts";
export * from "./gateway.ts";
export * from "./shares.ts";
export * from "./unixfs.ts";
export * from "./service.ts";
