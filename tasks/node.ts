/**
 * `npm run node`: a local Hardhat node with the whole suite deployed and seeded with named demo accounts, for
 * dApp developers. The deployment file lands where `--network localhost` clients look for it
 * (deploy/deployments/localhost/addresses.json), the encrypted demo documents in the embedded IPFS node on
 * .miip/localhost/, readable through its HTTP gateway (port 8180).
 *
 *   npm run node                   (port 8545, gateway 8180)
 *   npm run node -- --port 8546 --gateway-port 8181
 */
import { subtask, task, types } from "hardhat/config";
import { TASK_NODE, TASK_NODE_SERVER_READY } from "hardhat/builtin-tasks/task-names";

import { InputError, action } from "./cli";

/** The gateway's port for the node being started; undefined: no node of ours is starting. */
let gatewayPort: number | undefined;
/** The app's services' ports, when `miip:app` starts the node. */
let appPorts: { appPort: number; documentsPort: number; relayerPort: number } | undefined;

task("miip:node", "Starts a local node with the MIIP suite deployed and seeded with demo accounts")
  .addOptionalParam("hostname", "The host to listen on", "127.0.0.1")
  .addOptionalParam("port", "The port to listen on", 8545, types.int)
  .addOptionalParam("gatewayPort", "The IPFS gateway's port (0: any free port)", 8180, types.int)
  .setAction(
    action(async (args: { hostname: string; port: number; gatewayPort: number }, hre) => {
      if (hre.network.name !== "hardhat") throw new InputError("miip:node runs the in-process network; drop --network");
      gatewayPort = args.gatewayPort;
      await hre.run(TASK_NODE, { hostname: args.hostname, port: args.port });
    }),
  );

task("miip:app", "Starts the web app against a seeded local node, with its document service and relayer")
  .addOptionalParam("hostname", "The host to listen on", "127.0.0.1")
  .addOptionalParam("port", "The node's port", 8545, types.int)
  .addOptionalParam("gatewayPort", "The IPFS gateway's port (0: any free port)", 8180, types.int)
  .addOptionalParam("appPort", "The web app's port (0: any free port)", 5173, types.int)
  .addOptionalParam("documentsPort", "The document service's port (0: any free port)", 8181, types.int)
  .addOptionalParam("relayerPort", "The relayer's port (0: any free port)", 8190, types.int)
  .setAction(
    action(
      async (
        args: {
          hostname: string;
          port: number;
          gatewayPort: number;
          appPort: number;
          documentsPort: number;
          relayerPort: number;
        },
        hre,
      ) => {
        if (hre.network.name !== "hardhat")
          throw new InputError("miip:app runs the in-process network; drop --network");
        gatewayPort = args.gatewayPort;
        appPorts = { appPort: args.appPort, documentsPort: args.documentsPort, relayerPort: args.relayerPort };
        await hre.run(TASK_NODE, { hostname: args.hostname, port: args.port });
      },
    ),
  );

subtask(TASK_NODE_SERVER_READY).setAction(async (args: { address: string; port: number }, hre, runSuper) => {
  await runSuper(args);
  if (gatewayPort === undefined) return;
  const { seedNode } = await import("../scripts/lib/seed");
  try {
    const rpcUrl = `http://${args.address}:${args.port}`;
    const seeded = await seedNode(hre, rpcUrl, { gatewayPort });
    if (appPorts) {
      const { startAppServices } = await import("../scripts/lib/app-server");
      await hre.network.provider.send("hardhat_setLoggingEnabled", [false]);
      const services = await startAppServices(hre, seeded, { rpcUrl, host: args.address, ...appPorts });
      await hre.network.provider.send("hardhat_setLoggingEnabled", [true]);
      console.log(`\n  document service ${services.documentsUrl}  (blocks, key shares, published keys)`);
      console.log(`  relayer          ${services.relayerUrl}  (pays for patients' actions)`);
      console.log(
        `\nMIIP app ready at ${services.appUrl}  (pick a demo account; #/check checks a pack: ${seeded.firstPack})`,
      );
    }
  } catch (error) {
    console.error(`seeding failed: ${(error as Error).message}`);
    process.exit(1);
  }
});
