/**
 * The ABI of each deployed contract, by the names deployments use: its functions and events, human-readable
 * (generated from the artifacts with the contract types; `@miip/contracts` has the full JSON).
 */
import type { InterfaceAbi } from "ethers";

import { ABIS } from "./contracts/abis.ts";
import type { ContractName } from "./deployment.ts";

export const abis = ABIS as Record<ContractName, InterfaceAbi>;
