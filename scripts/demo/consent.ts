import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { CONSENT_TYPES, SCOPES, consentDomain } from "../../config/eip712";
import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES } from "../../config/roles";
import type { Suite } from "../lib/deploy";
import { accessTrail } from "../lib/trail";
import type { Narrator } from "./narrator";

const PURPOSE_NAMES = Object.fromEntries(Object.entries(PURPOSES).map(([name, id]) => [id, name]));

/**
 * Consent: a patient grants a pharmacy access to prescriptions by signature (no gas), the pharmacy reads and
 * logs it, the patient revokes and the next read is refused; a guardian; an emergency access opened and closed;
 * the access trail rebuilt from events.
 */
export async function consentChapter(n: Narrator, suite: Suite): Promise<void> {
  const { consent, records, participants } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [pharmacy, patientA, patientB, registrar] = [
    who("pharmacy"),
    who("patientA"),
    who("patientB"),
    who("registrar"),
  ];
  const pharmacyId = (await participants.memberOf(pharmacy.address)).id;
  const [prescriptions] = await records.recordsOfPatient(patientA.address, 0, 100);
  const prescriptionIds: bigint[] = [];
  for (const id of prescriptions) {
    if ((await records.getRecord(id)).recordType === BigInt(RECORD_TYPES.prescription)) prescriptionIds.push(id);
  }
  const [labId] = prescriptions;

  n.section("Consent without gas: patient A signs, the pharmacy submits");
  const now = await time.latest();
  const request = {
    patient: patientA.address,
    grantee: pharmacy.address,
    purpose: PURPOSES.treatment,
    scopeKind: SCOPES.recordType,
    scope: [BigInt(RECORD_TYPES.prescription)],
    expiresAt: BigInt(now + 30 * 86_400),
  };
  const deadline = BigInt(now + 3600);
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const signature = await patientA.signTypedData(consentDomain(chainId, await consent.getAddress()), CONSENT_TYPES, {
    ...request,
    nonce: 0n,
    deadline,
  });
  n.say("  patient A signs: pharmacy, treatment, prescriptions only, 30 days (EIP-712, config/eip712.ts)");
  const balance = await hre.ethers.provider.getBalance(patientA.address);
  await n.step(
    "the pharmacy submits the signed consent",
    consent.connect(pharmacy).grantBySig(request, 0, deadline, signature),
  );
  n.say(
    `  patient A paid ${hre.ethers.formatEther(balance - (await hre.ethers.provider.getBalance(patientA.address)))} ETH`,
  );
  await n.refused("the same signature again", [consent], () =>
    consent.connect(pharmacy).grantBySig(request, 0, deadline, signature),
  );
  const [rx] = prescriptionIds;
  n.say(
    `  may the pharmacy read prescription #${rx}? ${await records.canRead(pharmacy.address, rx, PURPOSES.treatment)}`,
  );
  n.say(
    `  may it read the lab result #${labId}? ${await records.canRead(pharmacy.address, labId, PURPOSES.treatment)}`,
  );
  await n.step(`the pharmacy logs its read of #${rx}`, consent.connect(pharmacy).logAccess(rx, PURPOSES.treatment));
  await n.refused(`the pharmacy logging a read of the lab result #${labId}`, [consent], () =>
    consent.connect(pharmacy).logAccess(labId, PURPOSES.treatment),
  );

  n.section("The patient revokes; the very next read is refused");
  const grantId = await consent.grantIdOf(
    patientA.address,
    pharmacyId,
    PURPOSES.treatment,
    SCOPES.recordType,
    RECORD_TYPES.prescription,
  );
  await n.step("patient A revokes the pharmacy's grant", consent.connect(patientA).revoke(grantId));
  n.say(`  may the pharmacy read #${rx} now? ${await records.canRead(pharmacy.address, rx, PURPOSES.treatment)}`);
  await n.refused(`the pharmacy logging another read of #${rx}`, [consent], () =>
    consent.connect(pharmacy).logAccess(rx, PURPOSES.treatment),
  );

  n.section("A guardian acts for a patient");
  const parent = who("guardian");
  await n.step("patient B appoints a guardian", consent.connect(patientB).setGuardian(parent.address));
  await n.step(
    "the guardian grants the pharmacy all of B's records for treatment, 7 days",
    consent.connect(parent).grant({
      ...request,
      patient: patientB.address,
      scopeKind: SCOPES.allRecords,
      scope: [],
      expiresAt: BigInt(now + 7 * 86_400),
    }),
  );
  await n.step("patient B removes the guardian", consent.connect(patientB).setGuardian(hre.ethers.ZeroAddress));
  await n.refused("the former guardian granting again", [consent], () =>
    consent.connect(parent).grant({ ...request, patient: patientB.address }),
  );

  n.section("Break-glass: an unconscious patient at another hospital");
  const er = who("emergencyHospital");
  await n.step(
    "the registrar onboards Busan Emergency Centre",
    participants
      .connect(registrar)
      .register(er.address, KINDS.hospital, hre.ethers.id("HIRA-21100042"), "Busan Emergency Centre", "ipfs://bafy-er"),
  );
  const erId = (await participants.memberOf(er.address)).id;
  n.say(
    `  may the emergency centre read lab result #${labId}? ${await records.canRead(er.address, labId, PURPOSES.treatment)}`,
  );
  await n.step(
    "it opens emergency access to patient A (reason: unconscious)",
    consent.connect(er).openEmergency(patientA.address, hre.ethers.encodeBytes32String("unconscious")),
  );
  n.say(
    `  window ${Number(await consent.emergencyWindow()) / 3600} h; this hospital's emergency count: ${await consent.emergencyCount(erId)}`,
  );
  await n.step(`it reads and logs lab result #${labId}`, consent.connect(er).logAccess(labId, PURPOSES.treatment));
  await n.step("patient A wakes up and closes it", consent.connect(patientA).closeEmergency(patientA.address, erId));
  await n.refused("another read", [consent], () => consent.connect(er).logAccess(labId, PURPOSES.treatment));

  n.section("Patient A's access trail, rebuilt from events nobody can alter");
  const { entries, total } = await accessTrail(consent, patientA.address);
  n.say(`  ${total} reads:`);
  for (const e of entries) {
    const reader = await participants.institution(Number(e.readerId));
    n.say(
      `    ${new Date(e.timestamp * 1000).toISOString()}  ${reader.name.padEnd(24)} read #${e.recordId} for ${PURPOSE_NAMES[e.purpose]}`,
    );
  }
}
