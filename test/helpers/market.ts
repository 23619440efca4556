import path from "node:path";

import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import { loadDeployment } from "../../packages/sdk/src/node";
import {
  INSSETToken__factory,
  ParticipantRegistry__factory,
  RecordRegistry__factory,
  ResearchMarket__factory,
} from "../../typechain-types";
import { asPatient } from "./patients";
import { seededFixture } from "./tasks";

export const IST = (n: number) => BigInt(n) * 10n ** 18n;
export const DAY = 86_400;
/** Record type 3: lab results (config/recordTypes). */
export const LAB = 1n << 3n;
/** The seeded researcher's and public-health agency's institution ids. */
export const RESEARCHER_ID = 6;
export const AGENCY_ID = 5;

/**
 * The seeded suite (records 1 and 2 are patient A's lab result and prescription, 3 and 4 patient B's) with request 1
 * open: the seeded researcher buys lab results of the last 30 days, 10 IST each, at most 3, the seeded agency
 * deciding contests. `asA` makes patient A's actions through the directory's gateway. Call inside
 * `isolatedCliFolders({ shared: true })`, giving its folder.
 */
export async function openRequestFixture(dir: string) {
  await loadFixture(seededFixture);
  const signers = await hre.ethers.getSigners();
  const who = (name: LocalAccountName) => signers[LOCAL_ACCOUNTS[name]];
  const deployment = loadDeployment("localhost", path.join(dir, "deployments"));
  const market = ResearchMarket__factory.connect(deployment.ResearchMarket, who("researcher"));
  const token = INSSETToken__factory.connect(deployment.INSSETToken, who("treasury"));
  const participants = ParticipantRegistry__factory.connect(deployment.ParticipantRegistry, who("registrar"));
  const records = RecordRegistry__factory.connect(deployment.RecordRegistry, who("hospital"));
  await token.connect(who("researcher")).approve(deployment.ResearchMarket, hre.ethers.MaxUint256);
  const now = await time.latest();
  const input = {
    recordTypes: LAB,
    from: now - 30 * DAY,
    to: now + DAY,
    termsDigest: hre.ethers.id("terms v1"),
    deidentificationDigest: hre.ethers.id("HIPAA safe harbour, 18 identifiers removed"),
    price: IST(10),
    maxContributions: 3,
    deadline: now + 30 * DAY,
    contestWindow: 7 * DAY,
    arbitratorId: AGENCY_ID,
    sources: 1,
  };
  await market.openRequest(input);
  const patientA = who("patientA");
  const patientId = (await participants.patientOf(patientA.address)).patientId;
  const asA = (fn: string, args: readonly unknown[]) => asPatient(participants, patientA, patientId, market, fn, args);
  return { signers, who, deployment, market, token, participants, records, input, patientA, patientId, asA };
}
