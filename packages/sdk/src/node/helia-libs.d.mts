export { createHeliaHTTP } from "@helia/http";
export { FsBlockstore } from "blockstore-fs";
export { FsDatastore } from "datastore-fs";
export { CID } from "multiformats/cid";
