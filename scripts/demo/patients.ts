import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { fromUtf8, utf8 } from "../../packages/sdk/src";
import type { Demo } from "./context";

/**
 * Patients as ids: a patient with no ETH at all registers, grants and revokes through a relayer; patient A
 * loses the phone and two of three guardians recover the account after a delay the old key could have used to
 * cancel, with every record, grant and trail entry intact, while a rogue guardian alone achieves nothing.
 */
export async function patientsChapter({ n, miip, as, who, patientId }: Demo): Promise<void> {
  const provider = hre.ethers.provider;
  const relayer = who("relayer");
  const hospital = as("hospital");

  n.section("A patient who holds no ETH at all: every action signed, relayed by someone else");
  const phoneC = hre.ethers.Wallet.createRandom().connect(provider);
  const c = miip.as(phoneC);
  const registered = await n.step(
    "patient C's phone (0 ETH) signs its registration; the hospital submits it",
    hospital.patients.submitRegistration(await c.patients.signRegistration()),
  );
  const idC = registered.patientId;
  const keyC = await c.documents.encryptionKey();
  const visit = await n.step(
    `the hospital writes an encrypted prescription for patient ${idC}`,
    hospital.documents.add({
      patientId: idC,
      patientPublicKey: keyC.publicKey,
      document: utf8("Seoul General Hospital: amoxicillin 500 mg, 7 days"),
      recordType: "prescription",
    }),
  );
  const gasless = c.gasless(relayer);
  const { grantIds } = await n.step(
    "patient C grants the pharmacy its prescription (signed by C, sent and paid by the relayer)",
    gasless.consent.grant({
      grantee: who("pharmacy").address,
      purpose: "treatment",
      scope: { kind: "record", ids: [visit.recordId] },
      expiresAt: (await time.latest()) + 30 * 86_400,
    }),
  );
  await n.step("patient C revokes it, again without gas", gasless.consent.revoke(grantIds[0]));
  n.say(
    `  patient C's balance: ${await provider.getBalance(phoneC.address)} wei; the grant is live: ${(await miip.consent.getGrant(grantIds[0])).live}`,
  );

  n.section("A lost phone: two of three guardians recover patient A's account");
  const idA = await patientId("patientA");
  const patientA = as("patientA");
  // Guardians: a relative with ETH, and two friends whose phones hold none (their approvals are relayed).
  const friend2 = hre.ethers.Wallet.createRandom().connect(provider);
  const friend3 = hre.ethers.Wallet.createRandom().connect(provider);
  const g1 = await n.step(
    "patient A appoints a relative as a guardian who may recover the account",
    patientA.patients.appointGuardian(who("guardian").address, ["recover"]),
  );
  const g2 = await n.step("… a friend", patientA.patients.appointGuardian(friend2.address, ["recover"]));
  const g3 = await n.step("… another friend", patientA.patients.appointGuardian(friend3.address, ["recover"]));
  await n.step("patient A requires two of the three", patientA.patients.setRecoveryThreshold(2));
  n.say("  on chain: three commitments and a threshold; which addresses are A's guardians stays off chain");
  const grant = await n.step(
    "patient A grants the insurer its records for insurance claims, for a year",
    patientA.consent.grant({
      grantee: who("insurer").address,
      purpose: "insurance-claim",
      scope: { kind: "all-records" },
      expiresAt: (await time.latest()) + 365 * 86_400,
    }),
  );
  const before = {
    records: (await miip.records.idsOfPatient(idA, { limit: 100 })).total,
    trail: (await miip.history.accessTrail(idA)).total,
  };

  n.say("  … patient A loses the phone. A new phone, with a new key and no ETH:");
  const newPhone = hre.ethers.Wallet.createRandom().connect(provider);
  const rogue = await n.step(
    "one friend's phone, stolen, approves the thief's own address",
    miip.as(friend3).forPatient(idA, g3.salt).gasless(relayer).patients.approveRecovery(who("stranger").address),
  );
  n.say(`  one approval of two: armed ${rogue.armed}; the thief can do nothing with it`);
  await n.step(
    "the relative approves the new phone's address",
    as("guardian").forPatient(idA, g1.salt).patients.approveRecovery(newPhone.address),
  );
  const armed = await n.step(
    "the other friend approves it too (signed, relayed)",
    miip.as(friend2).forPatient(idA, g2.salt).gasless(relayer).patients.approveRecovery(newPhone.address),
  );
  n.say(
    `  two of three: armed; the new phone can take over from ${new Date(armed.dueAt! * 1000).toISOString()}, and until then A's old key (if found) can cancel`,
  );
  const acceptance = async () =>
    miip.as(relayer).patients.submitAcceptance(await miip.as(newPhone).patients.signAcceptance(idA));
  await n.refused("the new phone taking over at once", acceptance);
  await n.refused("the thief's address taking over", () => as("stranger").patients.acceptAccount(idA));
  await time.increaseTo(armed.dueAt!);
  n.say("  … three days later");
  await n.step("the new phone signs its acceptance; the relayer submits it", acceptance());
  const after = {
    records: (await miip.records.idsOfPatient(idA, { limit: 100 })).total,
    trail: (await miip.history.accessTrail(idA)).total,
  };
  n.say(`  patient ${idA} now signs from ${newPhone.address}`);
  n.say(
    `  records ${before.records} → ${after.records}; access-trail entries ${before.trail} → ${after.trail}; the insurer's grant live: ${(await miip.consent.getGrant(grant.grantIds[0])).live}`,
  );
  await n.refused("the old key revoking the insurer's grant", () =>
    patientA.forPatient(idA, hre.ethers.ZeroHash).consent.revoke(grant.grantIds[0]),
  );
  n.say("  the document keys were wrapped for the old key: the issuing hospital re-wraps them for the new one");
  const [first] = (await miip.records.idsOfPatient(idA, { limit: 1 })).ids;
  const newKey = await miip.as(newPhone).documents.encryptionKey();
  await hospital.documents.share({
    recordId: first,
    grantee: newPhone.address,
    granteePublicKey: newKey.publicKey,
    grantId: hre.ethers.ZeroHash,
  });
  const opened = fromUtf8(await miip.as(newPhone).documents.open(first, { purpose: "treatment", key: newKey }));
  n.say(`  the new phone opens record #${first}: "${opened.slice(0, 60)}…"`);
}
