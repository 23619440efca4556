import path from "node:path";

import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import { KINDS, type KindName } from "../../config/roles";
import { loadParameters } from "../../scripts/lib/parameters";
import { deploySuite } from "../../scripts/lib/deploy";
import type { ParticipantRegistry } from "../../typechain-types";

export const LOCAL_PARAMETERS = path.join(__dirname, "..", "..", "deploy", "parameters", "localhost.json");

/**
 * The suite as users deploy it: the same parameter file, the same checks, the same Ignition modules.
 * Signers are named as in config/localAccounts.ts.
 */
async function deploySuiteBuilt() {
  const suite = await deploySuite(hre, loadParameters(LOCAL_PARAMETERS), { baseDir: path.dirname(LOCAL_PARAMETERS) });
  const signers = await hre.ethers.getSigners();
  const named = Object.fromEntries(
    Object.entries(LOCAL_ACCOUNTS).map(([name, index]) => [name, signers[index]]),
  ) as Record<LocalAccountName, HardhatEthersSigner>;
  return { ...suite, signers, ...named };
}

export const licence = (text: string) => hre.ethers.id(`licence:${text}`);

/** One institution to onboard: who, as what, and its display name (also the seed of its licence hash). */
export interface Onboarding {
  account: { address: string };
  kind: KindName;
  name: string;
}

/**
 * Onboards institutions the only way there is: the registrar registers them (pending, public), the onboarding
 * delay passes (one clock move for all of them), and anyone activates them. Returns their ids, in order.
 */
export async function onboard(
  participants: ParticipantRegistry,
  registrar: HardhatEthersSigner,
  ...institutions: Onboarding[]
): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (const { account, kind, name } of institutions) {
    await participants
      .connect(registrar)
      .register(account.address, KINDS[kind], licence(name), name, `ipfs://meta-${kind}`);
    ids.push((await participants.memberOf(account.address)).id);
  }
  await time.increase(await participants.onboardingDelay());
  for (const id of ids) await participants.activate(id);
  return ids;
}

/**
 * The suite with a hospital, a second hospital, a pharmacy and an insurer onboarded by the registrar, and the
 * named local accounts `patientA` and `patientB` registered as patients 1 and 2 (their own transactions).
 */
async function onboardedBuilt() {
  const suite = await deploySuiteFixture();
  const { participants, registrar } = suite;
  const secondHospital = suite.signers[5];
  const [hospital, pharmacy, insurer, second] = await onboard(
    participants,
    registrar,
    { account: suite.hospital, kind: "hospital", name: "Seoul General Hospital" },
    { account: suite.pharmacy, kind: "pharmacy", name: "Gangnam Pharmacy" },
    { account: suite.insurer, kind: "insurer", name: "Hanguk Life Insurance" },
    { account: secondHospital, kind: "hospital", name: "Busan Medical Centre" },
  );
  await (await participants.connect(suite.patientA).registerPatient()).wait();
  await (await participants.connect(suite.patientB).registerPatient()).wait();
  const ids = { hospital, pharmacy, insurer, secondHospital: second, patientA: 1n, patientB: 2n };
  return { ...suite, ids, secondHospital };
}

/** The deployed suite, built once per test process and restored from its snapshot after (see loadFixture). */
export async function deploySuiteFixture() {
  return loadFixture(deploySuiteBuilt);
}

/** The onboarded suite, built once per test process and restored from its snapshot after (see loadFixture). */
export async function onboardedFixture() {
  return loadFixture(onboardedBuilt);
}
