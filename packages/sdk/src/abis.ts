/**
 * The ABI of each deployed contract, by the names deployments use: its functions and events, human-readable
 * (generated from the artifacts with the contract types; `@miip/contracts` has the full JSON).
 */
import type { InterfaceAbi } from "ethers";

import { ABIS } from "./contracts/abis";
import type { ContractName } from "./deployment";

export const abis = ABIS as Record<ContractName, InterfaceAbi>;
