export * as dagPb from "@ipld/dag-pb";
export { UnixFS } from "ipfs-unixfs";
