/**
 * Node-only parts of the SDK: reading a deployment file from the repository, the embedded IPFS node (Helia) with
 * its HTTP gateway, and the file-system key-share store.
 * Everything of `@miip/sdk` and `@miip/sdk/storage` is re-exported, so a script needs one import.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { DeploymentError, type Deployment, parseDeployment } from "../deployment.ts";

export * from "../index.ts";
export * from "../relayer.ts";
export * from "../storage/index.ts";
export { FileKeyShareStore } from "./files.ts";
export {
  type DocumentServiceServer,
  type DocumentServiceServerOptions,
  serveDocumentService,
} from "./document-service.ts";
export { type Gateway, serveGateway } from "./gateway.ts";
export { HeliaBlobStore } from "./ipfs.ts";
export { RELAYED_CONTRACTS, type Relayer, type RelayerOptions, startRelayer } from "./relayer.ts";

/** Where `npm run deploy:<network>` and `npm run node` write a network's deployment. */
export function deploymentPath(network: string, dir = path.join("deploy", "deployments")): string {
  return path.join(dir, network, "addresses.json");
}

/**
 * Reads and checks a deployment: a network name (`localhost`, `sepolia`) looked up in `dir`
 * (`deploy/deployments/` of the current folder by default), or a path to an `addresses.json`.
 */
export function loadDeployment(networkOrFile: string, dir = path.join("deploy", "deployments")): Deployment {
  const root = process.cwd();
  const file = networkOrFile.endsWith(".json")
    ? path.resolve(networkOrFile)
    : path.resolve(deploymentPath(networkOrFile, dir));
  if (!existsSync(file)) {
    const hint = networkOrFile.endsWith(".json")
      ? ""
      : networkOrFile === "localhost"
        ? ": start `npm run node` (it deploys the suite) or run `npm run deploy:localhost` against a node"
        : `: run \`npm run deploy:${networkOrFile}\` first`;
    throw new DeploymentError(`no deployment at ${path.relative(root, file)}${hint}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentError(`${path.relative(root, file)} is not JSON: ${(error as Error).message}`);
  }
  return parseDeployment(json, path.relative(root, file));
}
