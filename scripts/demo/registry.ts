import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES, ROLES, type RecordTypeName } from "../../config/roles";
import type { Suite } from "../lib/deploy";
import type { Narrator } from "./narrator";

const TYPE_NAMES = Object.fromEntries(Object.entries(RECORD_TYPES).map(([name, id]) => [id, name]));

/**
 * Participants and records: the registrar onboards a hospital, a pharmacy and an insurer; the hospital writes
 * and corrects records for two patients; the lists, the read seam, suspension and pausing.
 */
export async function registryChapter(n: Narrator, suite: Suite): Promise<void> {
  const { participants, records, manager } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, hospital, pharmacy, insurer, governor] = [
    who("registrar"),
    who("hospital"),
    who("pharmacy"),
    who("insurer"),
    who("deployer"),
  ];
  const [patientA, patientB] = [who("patientA"), who("patientB")];

  n.section("Onboarding institutions (the registrar, through the one access manager)");
  const onboard = async (account: HardhatEthersSigner, kind: keyof typeof KINDS, name: string, licence: string) =>
    n.step(
      `onboard ${name} as ${kind}`,
      participants
        .connect(registrar)
        .register(account.address, KINDS[kind], hre.ethers.id(licence), name, `ipfs://bafy-${kind}`),
    );
  await onboard(hospital, "hospital", "Seoul General Hospital", "HIRA-11100011");
  await onboard(pharmacy, "pharmacy", "Gangnam Onnuri Pharmacy", "PH-2231-0091");
  await onboard(insurer, "insurer", "Hanguk Life Insurance", "FSS-INS-0042");
  const hospitalId = (await participants.memberOf(hospital.address)).id;
  n.say(`  ${await participants.institutionCount()} institutions; the hospital is institution ${hospitalId}`);
  n.say("  on chain: a display name, keccak256 of the licence number, a metadata URI; never a person");
  await n.refused("a pharmacy onboarding someone", [participants], () =>
    participants.connect(pharmacy).register(patientA.address, KINDS.hospital, hre.ethers.id("x"), "Fake", ""),
  );
  await n.refused("onboarding the hospital twice", [participants], () =>
    participants.connect(registrar).register(hospital.address, KINDS.pharmacy, hre.ethers.id("y"), "Again", ""),
  );

  n.section("The hospital writes records: a digest and a pointer, never the document");
  const now = await time.latest();
  let counter = 0;
  const record = (patient: HardhatEthersSigner, type: RecordTypeName, hoursAgo: number) => {
    counter += 1;
    // Stand-in for the encrypted document; the SDK (issue 7) encrypts real files and computes their CID.
    const ciphertext = hre.ethers.toUtf8Bytes(`encrypted document ${counter} of ${patient.address}`);
    return {
      patient: patient.address,
      digest: hre.ethers.sha256(ciphertext),
      recordType: RECORD_TYPES[type],
      issuedAt: now - hoursAgo * 3600,
      uri: `ipfs://bafkrei${hre.ethers.id(`cid ${counter}`).slice(2, 54)}`,
    };
  };
  const asHospital = records.connect(hospital);
  const labResult = record(patientA, "lab-result", 30);
  await n.step("register a lab result for patient A", asHospital.register(labResult));
  await n.step("register a prescription for patient A", asHospital.register(record(patientA, "prescription", 29)));
  await n.step("register a diagnosis for patient B", asHospital.register(record(patientB, "diagnosis", 5)));
  const batch = [
    record(patientA, "imaging", 28),
    record(patientB, "lab-result", 4),
    record(patientB, "prescription", 4),
    record(patientA, "vaccination", 2),
    record(patientB, "discharge-summary", 1),
  ];
  const batchGas = await n.step(`register a batch of ${batch.length} records`, asHospital.registerBatch(batch));
  n.say(`  (${Math.round(batchGas / batch.length).toLocaleString("en-US")} gas per record in the batch)`);
  await n.refused("the pharmacy writing a record", [records, participants], () =>
    records.connect(pharmacy).register(record(patientA, "prescription", 1)),
  );
  await n.refused("registering the same document twice", [records, participants], () => asHospital.register(labResult));

  n.section("A correction: the hospital amends the lab result; the old version stays as history");
  const labId = await records.recordIdOf(labResult.digest);
  const corrected = record(patientA, "lab-result", 30);
  await n.step(`amend record ${labId}`, asHospital.amend(labId, corrected.digest, corrected.issuedAt, corrected.uri));
  const correctedId = await records.recordIdOf(corrected.digest);
  n.say(
    `  record ${labId} is superseded by ${(await records.getRecord(labId)).supersededBy}; record ${correctedId} supersedes ${(await records.getRecord(correctedId)).supersedes}`,
  );
  await n.refused(`amending record ${labId} again`, [records, participants], () =>
    asHospital.amend(labId, hre.ethers.id("again"), corrected.issuedAt, "ipfs://again"),
  );

  n.section("Listing: each patient's records and the hospital's, page by page");
  for (const [label, patient] of [
    ["patient A", patientA],
    ["patient B", patientB],
  ] as const) {
    const [firstPage, total] = await records.recordsOfPatient(patient.address, 0, 3);
    const [secondPage] = await records.recordsOfPatient(patient.address, 3, 3);
    n.say(`  ${label} (${patient.address}): ${total} records`);
    for (const id of [...firstPage, ...secondPage]) {
      const r = await records.getRecord(id);
      const version =
        r.supersedes !== 0n
          ? `, corrects ${r.supersedes}`
          : r.supersededBy !== 0n
            ? `, superseded by ${r.supersededBy}`
            : "";
      n.say(
        `    #${id} ${TYPE_NAMES[Number(r.recordType)].padEnd(17)} issued by institution ${r.issuer} at ${new Date(Number(r.issuedAt) * 1000).toISOString()}${version}`,
      );
    }
  }
  const [, issued] = await records.recordsOfIssuer(hospitalId, 0, 0);
  n.say(
    `  the hospital has issued ${issued} records; a page past the end is empty: [${(await records.recordsOfPatient(patientA.address, 100, 10))[0].join(", ")}]`,
  );
  n.say("  who may read record 1 for treatment? (consent arrives with the next issue)");
  for (const [label, reader] of [
    ["patient A", patientA],
    ["the hospital", hospital],
    ["the pharmacy", pharmacy],
    ["the insurer", insurer],
  ] as const) {
    n.say(`    ${label.padEnd(12)} ${(await records.canRead(reader.address, 1, PURPOSES.treatment)) ? "yes" : "no"}`);
  }

  n.section("Suspension takes effect everywhere at once; reinstating waits for the governor's delay");
  await n.step(
    "the registrar suspends the hospital",
    participants.connect(registrar).suspend(hospitalId, hre.ethers.encodeBytes32String("licence-review")),
  );
  await n.refused("the suspended hospital writing", [records, participants], () =>
    asHospital.register(record(patientA, "diagnosis", 1)),
  );
  const reinstate = participants.interface.encodeFunctionData("reinstate", [
    hospitalId,
    hre.ethers.encodeBytes32String("review-cleared"),
  ]);
  await n.refused("reinstating at once", [participants, manager], () =>
    participants.connect(governor).reinstate(hospitalId, hre.ethers.encodeBytes32String("review-cleared")),
  );
  await n.step(
    "the governor schedules the reinstatement",
    manager.connect(governor).schedule(await participants.getAddress(), reinstate, 0),
  );
  const [, delay] = await manager.getAccess(ROLES.GOVERNOR, governor.address);
  await time.increase(delay);
  n.say(`  … ${Number(delay) / 3600} hours later`);
  await n.step(
    "the governor executes it",
    manager.connect(governor).execute(await participants.getAddress(), reinstate),
  );
  await n.step("the hospital writes again", asHospital.register(record(patientA, "diagnosis", 1)));

  n.section("Emergency pause: writes stop, reads go on");
  await n.step("the guardian pauses the record registry", records.connect(governor).pause());
  await n.refused("writing while paused", [records, participants], () =>
    asHospital.register(record(patientB, "diagnosis", 1)),
  );
  n.say(`  reads still answer: patient B has ${(await records.recordsOfPatient(patientB.address, 0, 0))[1]} records`);
  const unpause = records.interface.encodeFunctionData("unpause");
  await manager.connect(governor).schedule(await records.getAddress(), unpause, 0);
  await time.increase(delay);
  await n.step(
    "the governor unpauses after the delay",
    manager.connect(governor).execute(await records.getAddress(), unpause),
  );
}
