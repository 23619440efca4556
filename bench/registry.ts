import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS, RECORD_TYPES } from "../config/roles";
import { freshSuite, gasOf, measure, registerBenchPatients, type GasRow } from "./types";

/**
 * The participant and record operations of issue 3, on the suite as `deploy/` deploys it (proxies included).
 * Records are written for patients who already have a few records, the steady state of a hospital; the
 * first record of a new patient is reported too, since it creates the patient's list.
 */
export async function benchRegistry(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants, records } = suite;
  const signers = await hre.ethers.getSigners();
  const registrar = signers[LOCAL_ACCOUNTS.registrar];
  const hospital = signers[LOCAL_ACCOUNTS.hospital];
  const rows: GasRow[] = [];

  const onboard = await gasOf(
    participants
      .connect(registrar)
      .register(
        hospital.address,
        KINDS.hospital,
        hre.ethers.id("licence:H-0001"),
        "Seoul General Hospital",
        "ipfs://bafkreihospitalmetadata",
      ),
  );
  rows.push({ key: "participants.onboard", operation: "onboard an institution (pending)", gas: onboard });
  await time.increase(await participants.onboardingDelay());
  rows.push({
    key: "participants.activate",
    operation: "activate it after the onboarding delay",
    gas: await gasOf(participants.activate(await participants.institutionCount())),
  });

  const now = await time.latest();
  let n = 0;
  // A realistic pointer: an IPFS CIDv1 (base32, sha2-256) of the encrypted document.
  const input = (patientId: bigint) => {
    n += 1;
    return {
      patientId,
      digest: hre.ethers.sha256(hre.ethers.toUtf8Bytes(`document ${n}`)),
      recordType: RECORD_TYPES["lab-result"],
      issuedAt: now - 60,
      uri: `ipfs://bafkrei${hre.ethers.id(`cid ${n}`).slice(2, 54)}`,
    };
  };
  // Eleven patients, each registered by its own key's signature (ids 1 to 11); the last has no record yet.
  const patients = await registerBenchPatients(hre, participants, 11);
  const asHospital = records.connect(hospital);
  // Each patient already has two records, and the hospital has issued some.
  await asHospital.registerBatch(patients.flatMap((p) => [input(p), input(p)]));

  const { gas: single, calls } = await measure(hre, asHospital.register(input(patients[0])));
  rows.push({
    key: "records.register",
    operation: "register one record (patient with records)",
    gas: single,
    calls,
    callsBefore: 1,
    target: 75_000,
    note: "target: at most 2 new storage slots plus the event, about 75,000 gas",
  });
  const newPatient = patients[10];
  rows.push({
    key: "records.register.newPatient",
    operation: "register one record (a patient's first)",
    ...(await measure(hre, asHospital.register(input(newPatient)))),
    callsBefore: 1,
  });

  const batch = await gasOf(asHospital.registerBatch(Array.from({ length: 50 }, (_, i) => input(patients[i % 10]))));
  const perRecord = Math.round(batch / 50);
  rows.push({
    key: "records.batch50.perRecord",
    operation: "register a batch of 50, per record",
    gas: perRecord,
    target: Math.floor(single * 0.6),
    note: `target: at most 60% of the single registration (${single}); whole batch ${batch}`,
  });

  const [ids] = await records.recordsOfPatient(patients[1], 0, 1);
  rows.push({
    key: "records.amend",
    operation: "amend a record (corrected version)",
    gas: await gasOf(asHospital.amend(ids[0], hre.ethers.id("corrected"), now - 30, "ipfs://bafkreicorrected")),
  });
  return rows;
}
