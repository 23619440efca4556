// ES-module-only IPFS libraries the tests build hostile trees with, re-exported so that the CommonJS tests can
// require() them (as packages/sdk/src/storage/unixfs-libs.mjs does).
export * as dagPb from "@ipld/dag-pb";
export { UnixFS } from "ipfs-unixfs";
