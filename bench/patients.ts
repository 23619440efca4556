import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { type Interface, Wallet, id } from "ethers";

import {
  ACCEPT_PATIENT_ACCOUNT_TYPES,
  PATIENT_CALL_TYPES,
  REGISTER_PATIENT_TYPES,
  participantsDomain,
} from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { freshSuite, gasOf, relayed, type GasRow } from "./types";

/** Issue 14's ceiling for each rotation or recovery step. */
const STEP_TARGET = 80_000;

/**
 * The patient operations of issue 14: registration (by the key itself, or by its signature sent by a hospital),
 * rotation, guardians, and a two-of-three recovery, each step sent by its own key and, where the issue asks for
 * no gas, relayed. Guardians' keys are fresh wallets with no ETH: their relayed approvals are what a real
 * recovery looks like.
 */
export async function benchPatients(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [patientA, patientB, relayer, hospital] = [who("patientA"), who("patientB"), who("relayer"), who("hospital")];
  const directory = await participants.getAddress();
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const domain = participantsDomain(chainId, directory);
  const encode = (fn: string, args: readonly unknown[]) =>
    (participants.interface as unknown as Interface).encodeFunctionData(fn, args);
  const rows: GasRow[] = [];
  const step = (key: string, operation: string, gas: number, note?: string): GasRow => ({
    key,
    operation,
    gas,
    target: STEP_TARGET,
    note: note ?? "issue 14: each rotation or recovery step at most 80,000 gas",
  });

  rows.push({
    key: "patients.register",
    operation: "a patient registers (its own transaction)",
    gas: await gasOf(participants.connect(patientA).registerPatient()),
  });
  const deadline = BigInt((await time.latest()) + 3600);
  const signature = await patientB.signTypedData(domain, REGISTER_PATIENT_TYPES, {
    account: patientB.address,
    deadline,
  });
  rows.push({
    key: "patients.registerBySig",
    operation: "a patient registers by signature, sent by the hospital",
    gas: await gasOf(participants.connect(hospital).registerPatientBySig(patientB.address, deadline, signature)),
  });
  const [idA, idB] = [1n, 2n];

  // Rotation of patient B: proposed by its key (relayed), accepted by the new key's signature (relayed).
  const newB = new Wallet(id("bench new phone B"));
  rows.push(
    step(
      "patients.rotate.propose.relayed",
      "rotation: the patient proposes a new address, relayed",
      await gasOf(
        relayed(hre, participants, patientB, relayer, idB, directory, encode("proposePatientAccount", [newB.address])),
      ),
    ),
  );
  const acceptance = await newB.signTypedData(domain, ACCEPT_PATIENT_ACCOUNT_TYPES, {
    patientId: idB,
    account: newB.address,
    deadline,
  });
  rows.push(
    step(
      "patients.rotate.accept.relayed",
      "rotation: the new address accepts by signature, relayed",
      await gasOf(participants.connect(relayer).acceptPatientAccountBySig(idB, newB.address, deadline, acceptance)),
    ),
  );

  // Patient A appoints three guardians who may recover (fresh keys with no ETH), and needs two.
  const guardians = [0, 1, 2].map((i) => new Wallet(id(`bench guardian ${i}`)));
  const salts = [0, 1, 2].map((i) => id(`bench salt ${i}`));
  const commitment = (i: number) => participants.guardianCommitment(idA, guardians[i].address, salts[i]);
  rows.push(
    step(
      "patients.guardian.first",
      "appoint the first guardian (its entry and the patient's guardian fields: two new slots)",
      await gasOf(participants.connect(patientA).setGuardian(await commitment(0), 1)),
    ),
  );
  rows.push(
    step(
      "patients.guardian.next",
      "appoint another guardian, relayed",
      await gasOf(
        relayed(hre, participants, patientA, relayer, idA, directory, encode("setGuardian", [await commitment(1), 1])),
      ),
    ),
  );
  await participants.connect(patientA).setGuardian(await commitment(2), 1);
  rows.push(
    step(
      "patients.threshold.relayed",
      "set the recovery threshold, relayed",
      await gasOf(relayed(hre, participants, patientA, relayer, idA, directory, encode("setRecoveryThreshold", [2]))),
    ),
  );

  // A guardian's approval, signed by the guardian and relayed: its own nonce, under the patient's id.
  const approve = async (i: number, account: string) => {
    const round = (await participants.patient(idA)).round;
    const call = {
      patientId: idA,
      guardian: guardians[i].address,
      salt: salts[i],
      target: directory,
      data: encode("approveRecovery", [account, round]),
      nonce: (await participants.guardian(idA, await commitment(i))).nonce,
      deadline: BigInt((await time.latest()) + 3600),
    };
    const signed = await guardians[i].signTypedData(domain, PATIENT_CALL_TYPES, call);
    return participants.connect(relayer).relay(call, signed);
  };
  const newA = new Wallet(id("bench new phone A"));
  rows.push(
    step(
      "patients.recovery.approve.relayed",
      "recovery: a guardian approves a new address, relayed",
      await gasOf(approve(0, newA.address)),
    ),
  );
  rows.push(
    step(
      "patients.recovery.arm.relayed",
      "recovery: the approval that reaches the threshold arms it, relayed",
      await gasOf(approve(1, newA.address)),
    ),
  );
  await time.increase(3 * 86_400);
  const recovered = await newA.signTypedData(domain, ACCEPT_PATIENT_ACCOUNT_TYPES, {
    patientId: idA,
    account: newA.address,
    deadline: BigInt((await time.latest()) + 3600),
  });
  rows.push(
    step(
      "patients.recovery.accept.relayed",
      "recovery: the new address accepts after the delay, by signature, relayed",
      await gasOf(
        participants
          .connect(relayer)
          .acceptPatientAccountBySig(idA, newA.address, BigInt((await time.latest()) + 3600), recovered),
      ),
    ),
  );
  // A round the new key cancels: a guardian's approval, then the patient's cancel, relayed.
  await approve(2, who("stranger").address);
  rows.push(
    step(
      "patients.recovery.cancel.relayed",
      "recovery: the patient's key cancels a round, relayed",
      await gasOf(relayed(hre, participants, newA, relayer, idA, directory, encode("cancelRecovery", []))),
    ),
  );
  return rows;
}
