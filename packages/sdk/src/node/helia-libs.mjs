// Helia and its stores are published as ES modules only: re-exported from an ES module so that CommonJS code (the
// repository's TypeScript under ts-node, the SDK's CommonJS build) loads them with require() (Node >= 20.19).
export { createHeliaHTTP } from "@helia/http";
export { FsBlockstore } from "blockstore-fs";
export { FsDatastore } from "datastore-fs";
export { CID } from "multiformats/cid";
