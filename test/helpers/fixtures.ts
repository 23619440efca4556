import path from "node:path";

import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import { KINDS, type KindName } from "../../config/roles";
import { loadParameters } from "../../scripts/lib/parameters";
import { deploySuite } from "../../scripts/lib/deploy";

export const LOCAL_PARAMETERS = path.join(__dirname, "..", "..", "deploy", "parameters", "localhost.json");

/**
 * The suite as users deploy it: the same parameter file, the same checks, the same Ignition modules.
 * Signers are named as in config/localAccounts.ts.
 */
export async function deploySuiteFixture() {
  const suite = await deploySuite(hre, loadParameters(LOCAL_PARAMETERS), { baseDir: path.dirname(LOCAL_PARAMETERS) });
  const signers = await hre.ethers.getSigners();
  const named = Object.fromEntries(
    Object.entries(LOCAL_ACCOUNTS).map(([name, index]) => [name, signers[index]]),
  ) as Record<LocalAccountName, HardhatEthersSigner>;
  return { ...suite, signers, ...named };
}

export const licence = (text: string) => hre.ethers.id(`licence:${text}`);

/** The suite with a hospital, a second hospital, a pharmacy and an insurer onboarded by the registrar. */
export async function onboardedFixture() {
  const suite = await deploySuiteFixture();
  const { participants, registrar } = suite;
  const onboard = async (account: HardhatEthersSigner, kind: KindName, name: string) => {
    await participants
      .connect(registrar)
      .register(account.address, KINDS[kind], licence(name), name, `ipfs://meta-${kind}`);
    return (await participants.memberOf(account.address)).id;
  };
  const secondHospital = suite.signers[5];
  const ids = {
    hospital: await onboard(suite.hospital, "hospital", "Seoul General Hospital"),
    pharmacy: await onboard(suite.pharmacy, "pharmacy", "Gangnam Pharmacy"),
    insurer: await onboard(suite.insurer, "insurer", "Hanguk Life Insurance"),
    secondHospital: await onboard(secondHospital, "hospital", "Busan Medical Centre"),
  };
  return { ...suite, ids, secondHospital };
}
