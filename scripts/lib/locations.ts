import path from "node:path";

/** The repository's root. */
export const ROOT = path.join(__dirname, "..", "..");

/**
 * Where deployment files live: `<dir>/<network>/addresses.json`. Tests point MIIP_DEPLOYMENTS at a temporary
 * folder so that a node they start never overwrites a developer's files.
 */
export function deploymentsDir(): string {
  return process.env.MIIP_DEPLOYMENTS ?? path.join(ROOT, "deploy", "deployments");
}

/** Where the command line keeps encrypted documents and key shares: `<dir>/<network>/`. */
export function storeDir(network: string): string {
  return path.join(process.env.MIIP_STORE ?? path.join(ROOT, ".miip"), network);
}

/**
 * The network whose deployment and stores a command uses: the in-process `hardhat` network stands for `localhost`,
 * the node `npm run node` runs (tasks run in process against it, and tests run them so).
 */
export function deploymentNetwork(networkName: string): string {
  return networkName === "hardhat" ? "localhost" : networkName;
}
