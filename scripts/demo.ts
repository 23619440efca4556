/**
 * The main job: deploys the suite on the in-process Hardhat chain exactly as `deploy/` deploys it, then tells
 * the whole story through the SDK, as a dApp would: onboarding, patients as ids, encrypted records, consent by
 * signature, a pharmacy reading under consent, bounded break-glass, a patient without ETH, a lost phone recovered
 * by guardians, claims paid automatically and reviewed, a medicine from factory to patient,
 * a recall, and the IST distribution. Every step prints its gas; a table closes the run.
 *
 *   npm run demo
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";

import { MIIP } from "../packages/sdk/src";
import { HeliaBlobStore, serveGateway } from "../packages/sdk/src/node";
import { MemoryKeyShareStore } from "../packages/sdk/src/storage";
import { deploySuite, deploymentOf } from "./lib/deploy";
import { ist, loadParameters } from "./lib/parameters";
import { appChapter } from "./demo/app";
import { claimsChapter } from "./demo/claims";
import { consentChapter } from "./demo/consent";
import { demoContext } from "./demo/context";
import { devicesChapter } from "./demo/devices";
import { marketChapter } from "./demo/market";
import { Narrator } from "./demo/narrator";
import { patientsChapter } from "./demo/patients";
import { registryChapter } from "./demo/registry";
import { supplyChapter } from "./demo/supply";
import { securityChapter } from "./demo/security";
import { tokenChapter } from "./demo/token";

async function main(): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error("the demo runs on the in-process hardhat network");
  const n = new Narrator();
  const parameters = path.join(__dirname, "..", "deploy", "parameters", "localhost.json");

  n.say("MIIP — the patient-centred Medical Information Integration Platform");
  n.say("===================================================================");
  n.section(`Deploying from ${path.relative(process.cwd(), parameters)} through the Ignition modules in deploy/`);
  const startBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
  const suite = await deploySuite(hre, loadParameters(parameters), { baseDir: path.dirname(parameters) });
  const deployment = await deploymentOf(suite, startBlock);
  const [deployer] = await hre.ethers.getSigners();
  // Documents go to an embedded IPFS node (Helia) in a temporary folder, read by "browsers" through its gateway;
  // wrapped keys stay in memory. `npm run node` and the tasks keep both in .miip/.
  const folder = mkdtempSync(path.join(os.tmpdir(), "miip-demo-"));
  const ipfs = await HeliaBlobStore.open(folder);
  const gateway = await serveGateway(ipfs);
  const miip = await MIIP.connect(deployer, deployment, { store: ipfs, shares: new MemoryKeyShareStore() });
  n.say(`  access manager        ${deployment.MIIPAccessManager}`);
  n.say(`  participant registry  ${deployment.ParticipantRegistry}  (UUPS proxy)`);
  n.say(`  record registry       ${deployment.RecordRegistry}  (UUPS proxy)`);
  n.say(`  consent manager       ${deployment.ConsentManager}  (UUPS proxy, the registry's read policy)`);
  n.say(`  claim escrow          ${deployment.ClaimEscrow}  (UUPS proxy)`);
  n.say(`  product registry      ${deployment.ProductRegistry}  (UUPS proxy: GS1 prefixes, products, leaflets)`);
  n.say(`  supply chain          ${deployment.SupplyChain}  (UUPS proxy)`);
  n.say(`  research market       ${deployment.ResearchMarket}  (UUPS proxy, pays patients in IST)`);
  n.say(`  care payments         ${deployment.CarePayments}  (UUPS proxy, invoices paid by permit)`);
  n.say(`  IST distribution      ${deployment.ISTDistribution}`);
  n.say(
    `  IST token             ${deployment.INSSETToken}  (supply ${ist(await miip.contracts.token.totalSupply())}, minted once)`,
  );
  n.say("  the SDK (@miip/sdk, packages/sdk/) is connected with this deployment; every step below goes through it");
  n.say(`  documents: an embedded IPFS node (Helia), offline, its gateway at ${gateway.url}`);

  const demo = await demoContext(n, miip, suite, gateway.url);
  await registryChapter(demo);
  await consentChapter(demo);
  await patientsChapter(demo);
  await appChapter(demo, ipfs);
  await claimsChapter(demo);
  await supplyChapter(demo);
  await marketChapter(demo);
  await devicesChapter(demo);
  await tokenChapter(demo);
  await securityChapter(demo);

  n.section("Summary: the gas of every step");
  n.summary();
  await gateway.close();
  await ipfs.stop();
  rmSync(folder, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
