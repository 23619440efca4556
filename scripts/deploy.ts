/**
 * Deploys the suite to the selected network from `deploy/parameters/<network>.json`.
 *
 *   npx hardhat run scripts/deploy.ts --network sepolia      (npm run deploy:sepolia)
 *
 * The parameter file is checked before anything is sent; Ignition's journal in deploy/deployments/ makes a
 * re-run continue or do nothing. A journal of a chain that is gone (a local node restarted) is refused in one line;
 * MIIP_RESET=1 starts it over. Addresses and the claim's proofs file land in deploy/deployments/<network>/.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

import hre from "hardhat";

import { ParameterError, ist, loadParameters } from "./lib/parameters";
import { PUBLIC_NETWORKS } from "../config/networks";
import { deploySuite, journalId, staleJournal, writeDeployment } from "./lib/deploy";
import { deploymentNetwork, deploymentsDir } from "./lib/locations";

async function main(): Promise<void> {
  const network = deploymentNetwork(hre.network.name);
  // MIIP_PARAMETERS rehearses another network's file on a local chain (e.g. sepolia.json on a node started with
  // MIIP_CHAIN_ID=11155111): the checks are the target chain's, nothing public is touched.
  const file = process.env.MIIP_PARAMETERS ?? path.join("deploy", "parameters", `${network}.json`);
  if (!existsSync(file)) throw new Error(`no parameter file ${file} for network ${hre.network.name}`);
  const outDir = path.join(deploymentsDir(), hre.network.name);
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const deploymentId = journalId(hre.network.name, chainId);
  const journal = path.join(hre.config.paths.ignition, "deployments", deploymentId);
  const previousFile = path.join(outDir, "addresses.json");
  const spec = loadParameters(file); // a file that cannot be read changes nothing, not even a reset
  if (process.env.MIIP_RESET === "1") {
    // Starting over on purpose, on a local network only: a public network's journal records a real deployment.
    if (hre.network.name in PUBLIC_NETWORKS) {
      throw new Error(
        `MIIP_RESET=1 starts a local network's journal over; ${hre.network.name}'s journal ${journal} records a public deployment and is never reset`,
      );
    }
    rmSync(journal, { recursive: true, force: true });
    rmSync(previousFile, { force: true });
  }
  const stale = await staleJournal(journal, hre.ethers.provider, hre.network.name);
  if (stale !== undefined) throw new Error(stale);
  const previous =
    existsSync(journal) && existsSync(previousFile)
      ? (JSON.parse(readFileSync(previousFile, "utf8")) as { listingTime?: number; startBlock?: number })
      : undefined;
  const startBlock = previous?.startBlock ?? (await hre.ethers.provider.getBlockNumber()) + 1;
  // `listingTime: "now"` must mean the same instant on a re-run, or Ignition would see changed arguments.
  const suite = await deploySuite(hre, spec, {
    deploymentId,
    listingNow: previous?.listingTime,
    baseDir: path.dirname(file),
    outDir,
    source: file,
    displayUi: true,
  });
  const addresses = await writeDeployment(suite, outDir, startBlock);
  console.log(`\nIST supply ${ist(await suite.token.totalSupply())}`);
  for (const [name, value] of Object.entries(addresses)) console.log(`${name.padEnd(20)} ${value}`);
  console.log(`\naddresses and proofs written to ${outDir}/`);
}

main().catch((error: unknown) => {
  if (error instanceof ParameterError) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exitCode = 1;
});
