// The IPFS project's UnixFS libraries are published as ES modules only. They are re-exported from this ES module
// so that CommonJS code (the repository's TypeScript under ts-node, the SDK's CommonJS build) loads them with
// require(), which Node loads ES modules with since 20.19; a bundler reads this file like any other module.
export { importer } from "ipfs-unixfs-importer";
export { fixedSize } from "ipfs-unixfs-importer/chunker";
export { balanced } from "ipfs-unixfs-importer/layout";
export { UnixFS } from "ipfs-unixfs";
export { decode as decodeDagPb } from "@ipld/dag-pb";
export { CID } from "multiformats/cid";
