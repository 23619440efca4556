/**
 * The suite from a terminal, for operators who prefer one: every user operation of every contract, through
 * the SDK, against the deployment of the selected network.
 *
 *   npx hardhat record:add --patient 0x… --file report.pdf --type lab --from hospital --network localhost
 *   npx hardhat help record:add
 *
 * `--from` picks the acting account: a name from config/localAccounts.ts on local chains, an address the node
 * holds the key of, or (by default) the first account, which on a testnet is DEPLOYER_PRIVATE_KEY's.
 */
import { HardhatContext } from "hardhat/internal/context";

import { requireFlags } from "./cli";

import "./ops/deployment";
import "./ops/participants";
import "./ops/records";
import "./ops/consent";
import "./ops/patients";
import "./ops/claims";
import "./ops/products";
import "./ops/supply";
import "./ops/token";
import "./ops/market";
import "./ops/devices";

// Every MIIP task's missing flags are named by its action, on one line (see requireFlags).
requireFlags(HardhatContext.getHardhatContext().tasksDSL.getTaskDefinitions());
