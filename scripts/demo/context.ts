import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import type { EncryptionKey, MIIP } from "../../packages/sdk/src";
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
  /** The embedded IPFS node's HTTP gateway, where a browser reads documents. */
  gatewayUrl: string;
  /**
   * The registrar onboards institutions the only way there is: each is registered pending and public, the
   * onboarding delay passes (the local clock moves), and each is activated. Returns their ids in order.
   */
  onboard(...institutions: OnboardingInput[]): Promise<number[]>;
  /** The patient id of a named account (its current address), once it registered. */
  patientId(name: LocalAccountName): Promise<bigint>;
}

/** An institution the demo onboards: its account, kind, display name and licence number. */
export interface OnboardingInput {
  account: LocalAccountName;
  kind: string;
  name: string;
  licence: string;
}

export async function demoContext(n: Narrator, miip: MIIP, suite: Suite, gatewayUrl: string): Promise<Demo> {
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
  const onboard = async (...institutions: OnboardingInput[]) => {
    const ids: number[] = [];
    let activatesAt = 0;
    for (const { account, kind, name, licence } of institutions) {
      const registered = await n.step(
        `the registrar onboards ${name} (${kind})`,
        as("registrar").participants.register({
          account: who(account).address,
          kind,
          licence,
          name,
          metadataURI: `ipfs://bafy-${kind}`,
        }),
      );
      ids.push(registered.institutionId);
      activatesAt = Math.max(activatesAt, registered.activatesAt);
    }
    const hours = (await miip.participants.onboardingDelay()) / 3600;
    n.say(`  pending and public for the ${hours} h onboarding delay (the guardian role can cancel); the clock moves`);
    await time.increaseTo(activatesAt);
    for (const id of ids) await n.step(`institution ${id} is activated`, miip.participants.activate(id));
    return ids;
  };
  const patientId = async (name: LocalAccountName) => {
    const { patientId: id, current } = await miip.patients.idOf(who(name).address);
    if (!current) throw new Error(`${name} is not a patient's current address`);
    return id;
  };
  return { n, miip, as, who, keyOf, suite, gatewayUrl, onboard, patientId };
}
