/**
 * Deploys the suite to the selected network from `deploy/parameters/<network>.json`.
 *
 *   npx hardhat run scripts/deploy.ts --network sepolia      (npm run deploy:sepolia)
 *
 * The parameter file is checked before anything is sent; Ignition's journal in deploy/deployments/ makes a
 * re-run continue or do nothing. Addresses and the claim's proofs file land in deploy/deployments/<network>/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import hre from "hardhat";

import { ParameterError, ist, loadParameters } from "./lib/parameters";
import { deploySuite } from "./lib/deploy";

async function main(): Promise<void> {
  const network = hre.network.name === "hardhat" ? "localhost" : hre.network.name;
  const file = path.join("deploy", "parameters", `${network}.json`);
  if (!existsSync(file)) throw new Error(`no parameter file ${file} for network ${hre.network.name}`);
  const outDir = path.join("deploy", "deployments", hre.network.name);
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const journal = path.join("deploy", "deployments", `chain-${chainId}`);
  const previous = path.join(outDir, "addresses.json");
  // `listingTime: "now"` must mean the same instant on a re-run, or Ignition would see changed arguments.
  const listingNow =
    existsSync(journal) && existsSync(previous)
      ? (JSON.parse(readFileSync(previous, "utf8")) as { listingTime?: number }).listingTime
      : undefined;
  const suite = await deploySuite(hre, loadParameters(file), {
    listingNow,
    baseDir: path.dirname(file),
    outDir,
    source: file,
    displayUi: true,
  });
  const addresses = {
    chainId,
    listingTime: Number(suite.resolved.genesis.listingTime),
    MIIPAccessManager: await suite.manager.getAddress(),
    ISTDistribution: await suite.distribution.getAddress(),
    INSSETToken: await suite.token.getAddress(),
    ParticipantRegistry: await suite.participants.getAddress(),
    RecordRegistry: await suite.records.getAddress(),
    ConsentManager: await suite.consent.getAddress(),
    ClaimEscrow: await suite.claims.getAddress(),
    SupplyChain: await suite.supply.getAddress(),
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "addresses.json"), JSON.stringify(addresses, null, 2) + "\n");
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
