export { importer } from "ipfs-unixfs-importer";
export { fixedSize } from "ipfs-unixfs-importer/chunker";
export { balanced } from "ipfs-unixfs-importer/layout";
export { exporter } from "ipfs-unixfs-exporter";
export { CID } from "multiformats/cid";
