import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { PURPOSE_NAMES, fromUtf8, shareContext, unwrapKey, utf8 } from "../../packages/sdk/src";
import type { Demo } from "./context";

/**
 * Consent: a patient grants a pharmacy access to prescriptions by signature (no gas) and shares the document
 * key with it; the pharmacy decrypts and logs its read; nobody else can decrypt; the patient revokes and the
 * next read is refused; a guardian acting for a patient; bounded break-glass (justified, then blocked by the
 * patient); the access trail from events.
 */
export async function consentChapter({ n, miip, as, who, keyOf, patientId }: Demo): Promise<void> {
  const patientA = who("patientA").address;
  const idA = await patientId("patientA");
  const pharmacy = as("pharmacy");
  const { ids } = await miip.records.idsOfPatient(idA, { limit: 100 });
  const records = await Promise.all(ids.map((id) => miip.records.get(id)));
  const [rx] = records.filter((r) => r.recordTypeName === "prescription").map((r) => r.id);
  const labId = records[0].id;

  n.section("Consent without gas: patient A signs, the pharmacy submits");
  const now = await time.latest();
  const signed = await as("patientA").consent.sign({
    grantee: who("pharmacy").address,
    purpose: "treatment",
    scope: { kind: "record-type", types: ["prescription"] },
    expiresAt: now + 30 * 86_400,
  });
  n.say("  patient A signs: pharmacy, treatment, prescriptions only, 30 days (EIP-712, config/eip712.ts)");
  const balance = await hre.ethers.provider.getBalance(patientA);
  const { grantIds } = await n.step("the pharmacy submits the signed consent", pharmacy.consent.submitSigned(signed));
  const spent = balance - (await hre.ethers.provider.getBalance(patientA));
  n.say(`  patient A paid ${spent} wei; grant ${grantIds[0].slice(0, 18)}…`);
  await n.refused("the same signature again", () => pharmacy.consent.submitSigned(signed));
  n.say(
    `  may the pharmacy read prescription #${rx}? ${await miip.records.canRead(who("pharmacy").address, rx, "treatment")}`,
  );
  n.say(
    `  may it read the lab result #${labId}? ${await miip.records.canRead(who("pharmacy").address, labId, "treatment")}`,
  );

  n.section("The document key follows the consent: only the pharmacy can open the prescription");
  const pharmacyKey = await keyOf("pharmacy");
  const share = await as("patientA").documents.share({
    recordId: rx,
    grantee: who("pharmacy").address,
    granteePublicKey: pharmacyKey.publicKey,
    grantId: grantIds[0],
  });
  n.say(`  patient A's client unwraps the key and re-wraps it for the pharmacy's public key (ECIES, secp256k1)`);
  n.say(`    published under grant ${share.grantId.slice(0, 18)}… for record ${share.recordId}`);
  const opened = fromUtf8(await pharmacy.documents.open(rx, { purpose: "treatment", key: pharmacyKey }));
  n.say(`  the pharmacy decrypts it: "${opened}"`);
  const strangerKey = await keyOf("stranger");
  const context = shareContext(miip.chainId, miip.deployment.RecordRegistry, rx, who("pharmacy").address);
  await n.refused("a stranger who copied the wrapped key unwrapping it", async () =>
    unwrapKey(share.wrapped, strangerKey.privateKey, context),
  );
  await n.refused("the insurer opening the prescription", () =>
    as("insurer").documents.open(rx, { purpose: "treatment" }),
  );
  await n.step(`the pharmacy logs its read of #${rx}`, pharmacy.consent.logAccess(rx, "treatment"));
  await n.refused(`the pharmacy logging a read of the lab result #${labId}`, () =>
    pharmacy.consent.logAccess(labId, "treatment"),
  );

  n.section("The patient revokes; the very next read is refused");
  await n.step("patient A revokes the pharmacy's grant", as("patientA").consent.revoke(grantIds[0]));
  n.say(`  may the pharmacy read #${rx} now? ${await miip.records.canRead(who("pharmacy").address, rx, "treatment")}`);
  await n.refused(`the pharmacy logging another read of #${rx}`, () => pharmacy.consent.logAccess(rx, "treatment"));
  await n.refused(`the pharmacy's client opening #${rx} again`, () =>
    pharmacy.documents.open(rx, { purpose: "treatment", key: pharmacyKey }),
  );

  n.section("A guardian acts for a patient (a parent, a caregiver)");
  const idB = await patientId("patientB");
  const appointed = await n.step(
    "patient B appoints a guardian who may act for B",
    as("patientB").patients.appointGuardian(who("guardian").address, ["act"]),
  );
  n.say(`  on chain only a commitment ${appointed.commitment.slice(0, 18)}…; the salt goes to the guardian privately`);
  const guardian = as("guardian").forPatient(idB, appointed.salt);
  const forB = {
    grantee: who("pharmacy").address,
    purpose: "treatment",
    scope: { kind: "all-records" as const },
    expiresAt: now + 7 * 86_400,
  };
  await n.step(
    "the guardian grants the pharmacy all of B's records for treatment, 7 days",
    guardian.consent.grant(forB),
  );
  await n.step("patient B removes the guardian", as("patientB").patients.removeGuardian(appointed.commitment));
  await n.refused("the former guardian granting again", () => guardian.consent.grant(forB));

  n.section("Break-glass: an unconscious patient at another hospital");
  const er = as("emergencyHospital");
  const { institutionId: erId, activatesAt } = await n.step(
    "the registrar onboards Busan Emergency Centre",
    as("registrar").participants.register({
      account: who("emergencyHospital").address,
      kind: "hospital",
      licence: "HIRA-21100042",
      name: "Busan Emergency Centre",
    }),
  );
  await n.refused("a hospital onboarded a moment ago opening break-glass on anyone", () =>
    er.consent.openEmergency(idA, "unconscious"),
  );
  await time.increaseTo(activatesAt);
  await n.step(
    "after the onboarding delay, nobody having cancelled, it is activated",
    miip.participants.activate(erId),
  );
  n.say(
    `  may it read lab result #${labId}? ${await miip.records.canRead(who("emergencyHospital").address, labId, "treatment")}`,
  );
  const opened2 = await n.step(
    "it opens emergency access to patient A (reason: unconscious)",
    er.consent.openEmergency(idA, "unconscious"),
  );
  n.say(
    `  open until ${new Date(opened2.expiresAt * 1000).toISOString()}; this hospital's emergency count: ${await miip.contracts.consent.emergencyCount(erId)}`,
  );
  n.say(
    `  patient A's app is notified (EmergencyAccessOpened, indexed by patient ${idA}); a justification is due by ${new Date(opened2.justifyBy * 1000).toISOString()}`,
  );
  await n.step(`it reads and logs lab result #${labId}`, er.consent.logAccess(labId, "treatment"));
  await n.step(
    "it justifies the opening: the digest of its encrypted note (the note stays off chain)",
    er.consent.justifyEmergency(idA, hre.ethers.sha256(utf8("ER note: found unconscious, glucose check"))),
  );
  await n.step(
    "patient A wakes up, closes it, and blocks this hospital from opening it again",
    as("patientA").consent.closeEmergency(who("emergencyHospital").address, { block: true }),
  );
  await n.refused("another read", () => er.consent.logAccess(labId, "treatment"));
  await n.refused("the blocked hospital reopening break-glass at once", () =>
    er.consent.openEmergency(idA, "unconscious"),
  );
  const bounds = await miip.consent.emergencyState(idA, who("emergencyHospital").address);
  n.say(
    `  bounds: ${bounds.openings} opening(s) this period (at most ${await miip.contracts.consent.EMERGENCY_CAP()} per 30 days per patient), blocked ${bounds.blocked}`,
  );
  n.say(
    `  missed justifications of this hospital, public for the regulator: ${await miip.contracts.consent.missedJustifications(erId)}`,
  );

  n.section("Patient A's access trail and consent history, rebuilt from events nobody can alter");
  const trail = await miip.history.accessTrail(idA);
  n.say(`  ${trail.total} reads:`);
  for (const e of trail.entries) {
    const reader = await miip.participants.get(Number(e.args.readerId));
    n.say(
      `    ${new Date(e.timestamp * 1000).toISOString()}  ${reader.name.padEnd(24)} read #${e.args.recordId} for ${PURPOSE_NAMES[Number(e.args.purpose)]}`,
    );
  }
  const history = await miip.history.consentHistory(idA);
  n.say(`  consent history: ${history.entries.map((e) => e.event).join(", ")}`);
}
