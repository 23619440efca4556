/**
 * The main job: deploys the suite on the in-process Hardhat chain exactly as `deploy/` deploys it, then walks
 * through what exists so far and prints what happens, with the gas of each step.
 *
 *   npm run demo
 */
import path from "node:path";

import hre from "hardhat";

import { deploySuite } from "./lib/deploy";
import { ist, loadParameters } from "./lib/parameters";
import { claimsChapter } from "./demo/claims";
import { consentChapter } from "./demo/consent";
import { Narrator } from "./demo/narrator";
import { registryChapter } from "./demo/registry";
import { supplyChapter } from "./demo/supply";
import { tokenChapter } from "./demo/token";

async function main(): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error("the demo runs on the in-process hardhat network");
  const n = new Narrator();
  const parameters = path.join(__dirname, "..", "deploy", "parameters", "localhost.json");

  n.say("MIIP — the patient-centred Medical Information Integration Platform");
  n.say("===================================================================");
  n.section(`Deploying from ${path.relative(process.cwd(), parameters)} through the Ignition modules in deploy/`);
  const suite = await deploySuite(hre, loadParameters(parameters), { baseDir: path.dirname(parameters) });
  n.say(`  access manager        ${await suite.manager.getAddress()}`);
  n.say(`  participant registry  ${await suite.participants.getAddress()}  (UUPS proxy)`);
  n.say(`  record registry       ${await suite.records.getAddress()}  (UUPS proxy)`);
  n.say(`  consent manager       ${await suite.consent.getAddress()}  (UUPS proxy, the registry's read policy)`);
  n.say(`  claim escrow          ${await suite.claims.getAddress()}  (UUPS proxy)`);
  n.say(`  supply chain          ${await suite.supply.getAddress()}  (UUPS proxy)`);
  n.say(`  IST distribution      ${await suite.distribution.getAddress()}`);
  n.say(
    `  IST token             ${await suite.token.getAddress()}  (supply ${ist(await suite.token.totalSupply())}, minted once)`,
  );

  await registryChapter(n, suite);
  await consentChapter(n, suite);
  await claimsChapter(n, suite);
  await supplyChapter(n, suite);
  await tokenChapter(n, suite);

  n.section("Summary: the gas of every step");
  n.summary();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
