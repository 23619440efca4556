/** The command line: deployment. */

import path from "node:path";

import { task } from "hardhat/config";

import { action, address, Args, connect, FROM, InputError, when } from "../cli";

task("deployment:show", "Prints the suite's addresses on the selected network").setAction(
  action(async (_args: Args, hre) => {
    const miip = await connect(hre);
    for (const [name, value] of Object.entries(miip.deployment)) console.log(`${name.padEnd(20)} ${value}`);
  }),
);

task(
  "governance:check",
  "Reads the deployed governance back (roles, members, delays, cancellers, function roles, onboarding delay) and compares it with config/roles.ts and the parameter file",
)
  .addOptionalParam("parameters", "The parameter file (default: deploy/parameters/<network>.json, or MIIP_PARAMETERS)")
  .setAction(
    action(async (args: Args, hre) => {
      const { loadDeployment } = await import("../../packages/sdk/src/node");
      const { deploymentNetwork, deploymentsDir } = await import("../../scripts/lib/locations");
      const { loadParameters, resolveParameters } = await import("../../scripts/lib/parameters");
      const { expectedGovernance, governanceDifferences, readGovernance } = await import(
        "../../scripts/lib/governance"
      );
      const network = deploymentNetwork(hre.network.name);
      const deployment = loadDeployment(network, deploymentsDir());
      const file =
        args.parameters ?? process.env.MIIP_PARAMETERS ?? path.join("deploy", "parameters", `${network}.json`);
      const [deployer, ...rest] = await hre.ethers.getSigners();
      const resolved = resolveParameters(
        loadParameters(file),
        {
          deployer: deployer.address,
          accounts: [deployer, ...rest].map((s) => s.address),
          now: deployment.listingTime ?? 0,
          listingNow: deployment.listingTime,
          baseDir: path.dirname(file),
          chainId: deployment.chainId,
        },
        file,
      );
      const actual = await readGovernance(hre.ethers.provider, deployment);
      for (const [role, { members, canceller }] of Object.entries(actual.roles)) {
        const held = Object.entries(members).map(([account, delay]) => `${account} (delay ${delay / 3600} h)`);
        console.log(`${role.padEnd(10)} ${held.join(", ") || "nobody"}; scheduled calls cancelled by ${canceller}`);
      }
      for (const [contract, functions] of Object.entries(actual.functions)) {
        const delay = actual.targetAdminDelays[contract];
        const mapped = Object.entries(functions).map(([fn, role]) => `${fn}: ${role}`);
        console.log(
          `${contract.padEnd(20)} admin delay ${delay.set / 3600} h from ${when(delay.since)}; ${mapped.join(", ")}`,
        );
      }
      console.log(`onboarding delay     ${actual.onboardingDelay / 3600} h`);
      const problems = governanceDifferences(actual, expectedGovernance(resolved));
      if (problems.length > 0) {
        throw new InputError(`governance differs from ${file} and config/roles.ts: ${problems.join("; ")}`);
      }
      console.log(`governance matches ${file} and config/roles.ts`);
    }),
  );

task("keys:show", "Prints the account's encryption public key, for others to share documents with it")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      console.log(`${await miip.address()}  ${(await miip.documents.encryptionKey()).publicKey}`);
    }),
  );
