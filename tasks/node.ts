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

subtask(TASK_NODE_SERVER_READY).setAction(async (args: { address: string; port: number }, hre, runSuper) => {
  await runSuper(args);
  if (gatewayPort === undefined) return;
  const { seedNode } = await import("../scripts/lib/seed");
  try {
    await seedNode(hre, `http://${args.address}:${args.port}`, { gatewayPort });
  } catch (error) {
    console.error(`seeding failed: ${(error as Error).message}`);
    process.exit(1);
  }
});
