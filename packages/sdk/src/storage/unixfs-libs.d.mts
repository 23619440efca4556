export { importer } from "ipfs-unixfs-importer";
export { fixedSize } from "ipfs-unixfs-importer/chunker";
export { balanced } from "ipfs-unixfs-importer/layout";
export { UnixFS } from "ipfs-unixfs";
export { decode as decodeDagPb } from "@ipld/dag-pb";
export { CID } from "multiformats/cid";
