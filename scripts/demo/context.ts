import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import type { EncryptionKey, MIIP } from "../../sdk";
import type { Suite } from "../lib/deploy";
import type { Narrator } from "./narrator";

/** What every chapter works with: the narrator, the SDK client, and the named local accounts. */
export interface Demo {
  n: Narrator;
  /** The SDK, connected as the deployer; `as(name)` is the same client for a named account. */
  miip: MIIP;
  as(name: LocalAccountName): MIIP;
  who(name: LocalAccountName): HardhatEthersSigner;
  /** Each account's encryption key, derived once from its signature as a wallet would. */
  keyOf(name: LocalAccountName): Promise<EncryptionKey>;
  /** The deployment's resolved parameters (genesis grants, the claim's proofs). */
  suite: Suite;
}

export async function demoContext(n: Narrator, miip: MIIP, suite: Suite): Promise<Demo> {
  const signers = await hre.ethers.getSigners();
  const who = (name: LocalAccountName) => signers[LOCAL_ACCOUNTS[name]];
  const clients = new Map<LocalAccountName, MIIP>();
  const keys = new Map<LocalAccountName, EncryptionKey>();
  const as = (name: LocalAccountName) => {
    if (!clients.has(name)) clients.set(name, miip.as(who(name)));
    return clients.get(name)!;
  };
  const keyOf = async (name: LocalAccountName) => {
    if (!keys.has(name)) keys.set(name, await as(name).documents.encryptionKey());
    return keys.get(name)!;
  };
  return { n, miip, as, who, keyOf, suite };
}
