import { time } from "@nomicfoundation/hardhat-network-helpers";

import type { LocalAccountName } from "../../config/localAccounts";
import { ROLES, type RecordTypeName } from "../../config/roles";
import { reasonCode, sha256Hex, utf8 } from "../../packages/sdk/src";
import { GatewayBlobStore, UNIXFS_CHUNK_SIZE } from "../../packages/sdk/src/storage";
import type { Demo } from "./context";
import { date } from "./narrator";

/**
 * Participants and records: the registrar onboards a hospital, a pharmacy and an insurer; the hospital writes
 * encrypted records for two patients and corrects one; the lists, the read seam, suspension and pausing.
 */
export async function registryChapter({ n, miip, as, who, keyOf, patientId, gatewayUrl }: Demo): Promise<void> {
  const registrar = as("registrar");
  const hospital0 = () => as("hospital");
  n.section("Onboarding institutions: announced, public and cancellable before they gain any right");
  const register = (account: LocalAccountName, kind: string, name: string, licence: string) =>
    n.step(
      `the registrar onboards ${name} as ${kind}`,
      registrar.participants.register({
        account: who(account).address,
        kind,
        licence,
        name,
        metadataURI: `ipfs://bafy-${kind}`,
      }),
    );
  const { institutionId: hospitalId, activatesAt } = await register(
    "hospital",
    "hospital",
    "Seoul General Hospital",
    "HIRA-11100011",
  );
  const { institutionId: pharmacyId } = await register(
    "pharmacy",
    "pharmacy",
    "Gangnam Onnuri Pharmacy",
    "PH-2231-0091",
  );
  const { institutionId: insurerId } = await register("insurer", "insurer", "Hanguk Life Insurance", "FSS-INS-0042");
  // A registrar key in the wrong hands: a "regulator" that could recall every batch, for good.
  const { institutionId: rogueId } = await register(
    "stranger",
    "regulator",
    "Drug Safety Office (forged licence)",
    "MFDS-0000",
  );
  const delay = await miip.participants.onboardingDelay();
  n.say(
    `  every onboarding is pending for ${delay / 3600} h, public in InstitutionRegistered, until ${date(activatesAt)}:`,
  );
  for (const i of (await miip.participants.list()).entries) {
    n.say(
      `    #${i.id} ${i.name.padEnd(26)} ${i.kind.padEnd(10)} ${i.status.padEnd(9)} activates ${new Date(i.activatesAt * 1000).toISOString()}`,
    );
  }
  n.say("  on chain: a display name, keccak256 of the licence number, a metadata URI; never a person");
  await n.refused("the pending hospital writing a record at once", () =>
    as("hospital").records.register({
      patientId: 1,
      digest: "0x" + "11".repeat(32),
      recordType: "diagnosis",
      uri: "ipfs://too-early",
    }),
  );
  await n.refused("activating the hospital before the delay", () => miip.participants.activate(hospitalId));
  await n.refused("the registrar cancelling (cancelling is the guardian role's)", () =>
    registrar.participants.cancelOnboarding(rogueId, "forged-licence"),
  );
  await n.step(
    `the guardian role, watching the notices, cancels the rogue regulator #${rogueId}`,
    as("deployer").participants.cancelOnboarding(rogueId, "forged-licence"),
  );
  await time.increaseTo(activatesAt);
  n.say(`  … ${delay / 3600} hours later: anyone may activate what nobody cancelled`);
  for (const id of [hospitalId, pharmacyId, insurerId]) {
    await n.step(`institution ${id} is activated`, miip.participants.activate(id));
  }
  await n.refused(`activating the cancelled #${rogueId}`, () => miip.participants.activate(rogueId));
  n.say(`  ${(await miip.participants.list()).total} institutions; the hospital is institution ${hospitalId}`);
  await n.refused("a pharmacy onboarding someone", () =>
    as("pharmacy").participants.register({
      account: who("patientA").address,
      kind: "hospital",
      licence: "x",
      name: "Fake",
    }),
  );
  await n.refused("onboarding the hospital twice", () =>
    registrar.participants.register({
      account: who("hospital").address,
      kind: "pharmacy",
      licence: "y",
      name: "Again",
    }),
  );

  n.section("Patients get a permanent id: the key signs its own registration, and needs no ETH");
  const a = await n.step("patient A registers with its own transaction", as("patientA").patients.register());
  const signedB = await as("patientB").patients.signRegistration();
  n.say("  patient B's phone signs its registration (EIP-712); the hospital submits it at the first visit");
  const b = await n.step(
    "the hospital submits patient B's signed registration",
    hospital0().patients.submitRegistration(signedB),
  );
  n.say(
    `  patient A is patient ${a.patientId}, patient B is patient ${b.patientId}: records, grants and claims key on these ids;`,
  );
  n.say("  the address is only how the patient signs today (it can rotate, or be recovered by guardians)");
  await n.refused("registering patient A's address a second time", () => as("patientA").patients.register());

  n.section("The hospital writes encrypted records: a digest and a pointer go on chain, never the document");
  const [keyA, keyB] = [await keyOf("patientA"), await keyOf("patientB")];
  n.say(
    `  each patient's wallet derives an encryption key by signing a fixed message (packages/sdk/src/crypto/ecies.ts)`,
  );
  n.say(`    patient A ${keyA.publicKey.slice(0, 20)}…   patient B ${keyB.publicKey.slice(0, 20)}…`);
  const now = await time.latest();
  const hospital = as("hospital");
  let counter = 0;
  const doc = (patient: "patientA" | "patientB", type: RecordTypeName, hoursAgo: number, text: string) => {
    counter += 1;
    return {
      patientId: patient === "patientA" ? a.patientId : b.patientId,
      patientPublicKey: (patient === "patientA" ? keyA : keyB).publicKey,
      document: utf8(`Seoul General Hospital, document ${counter}: ${text}`),
      recordType: type,
      issuedAt: now - hoursAgo * 3600,
    };
  };
  const lab = await n.step(
    "encrypt, store and register a lab result for patient A",
    hospital.documents.add(doc("patientA", "lab-result", 30, "HbA1c 6.1 %, fasting glucose 5.9 mmol/L")),
  );
  n.say(`    XChaCha20-Poly1305 ciphertext stored as ${lab.uri}`);
  n.say(`    on chain: sha-256 ${lab.digest.slice(0, 18)}… and that URI; the key is wrapped for patient and hospital`);
  await n.step(
    "a prescription for patient A",
    hospital.documents.add(doc("patientA", "prescription", 29, "Metformin 500 mg twice daily, 90 days")),
  );
  await n.step("a diagnosis for patient B", hospital.documents.add(doc("patientB", "diagnosis", 5, "Influenza A")));
  const batch = [
    doc("patientA", "imaging", 28, "Chest X-ray, no acute findings"),
    doc("patientB", "lab-result", 4, "Rapid influenza test positive"),
    doc("patientB", "prescription", 4, "Oseltamivir 75 mg twice daily, 5 days"),
    doc("patientA", "vaccination", 2, "Influenza vaccine, 2026-27 season"),
    doc("patientB", "discharge-summary", 1, "Discharged home, follow-up in 7 days"),
  ];
  const batchResult = await n.step(
    `a batch of ${batch.length} encrypted records in one transaction`,
    hospital.documents.addBatch(batch),
  );
  n.say(
    `  (${Math.round(Number(batchResult.gasUsed) / batch.length).toLocaleString("en-US")} gas per record in the batch)`,
  );

  await n.refused("the pharmacy writing a record", () =>
    as("pharmacy").documents.add(doc("patientA", "prescription", 1, "x")),
  );
  await n.refused("registering the same ciphertext twice", () =>
    hospital.records.register({
      patientId: a.patientId,
      digest: lab.digest,
      recordType: "lab-result",
      uri: lab.uri,
    }),
  );

  n.section("Imaging: a document of any size, on IPFS in chunks, read by a browser through a gateway");
  // A synthetic CT series (no patient data): a DICOM-like header, then 3.5 MiB of pseudo-random "pixels".
  const series = new Uint8Array(3 * UNIXFS_CHUNK_SIZE + UNIXFS_CHUNK_SIZE / 2);
  series.set(utf8("DICM CT chest, 412 slices (synthetic)"));
  for (let i = 64, x = 2463534242; i < series.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    series[i] = x & 0xff;
  }
  const imaging = await n.step(
    `a CT series of ${(series.length / UNIXFS_CHUNK_SIZE).toFixed(1)} MiB for patient A, into the embedded IPFS node`,
    hospital.documents.add({ ...doc("patientA", "imaging", 3, ""), document: series }),
  );
  const chunks = Math.ceil((series.length + 41) / UNIXFS_CHUNK_SIZE);
  n.say(`    ${imaging.uri}: a UnixFS file, ${chunks} chunks of at most 1 MiB under one root, pinned`);
  n.say("    (the CID `ipfs add --cid-version=1 --chunker=size-1048576` prints for the same ciphertext)");
  const browser = new GatewayBlobStore({ url: gatewayUrl });
  const fetched = await browser.get(imaging.uri.slice("ipfs://".length));
  n.say(
    `  a browser reads it through the gateway, every block checked against its CID: ${fetched.length.toLocaleString("en-US")} bytes, sha-256 matches the chain: ${sha256Hex(fetched) === imaging.digest}`,
  );
  const opened = await as("patientA").documents.open(imaging.recordId, { purpose: "treatment" });
  n.say(
    `  patient A opens it (one signature this session for every document): ${opened.length.toLocaleString("en-US")} bytes, "${new TextDecoder().decode(opened.subarray(0, 12))}…"`,
  );

  n.section("A correction: the hospital amends the lab result; the old version stays as history");
  const corrected = await n.step(
    `amend record ${lab.recordId} with a corrected, re-encrypted document`,
    hospital.documents.amend(lab.recordId, doc("patientA", "lab-result", 30, "HbA1c 6.3 % (corrected)")),
  );
  n.say(
    `  record ${lab.recordId} is superseded by ${(await miip.records.get(lab.recordId)).supersededBy}; record ${corrected.recordId} supersedes ${(await miip.records.get(corrected.recordId)).supersedes}`,
  );
  await n.refused(`amending record ${lab.recordId} again`, () =>
    hospital.documents.amend(lab.recordId, doc("patientA", "lab-result", 30, "again")),
  );

  n.section("Listing: each patient's records, page by page, rebuilt with their document pointers");
  for (const [label, patient] of [
    ["patient A", a.patientId],
    ["patient B", b.patientId],
  ] as const) {
    const first = await miip.history.recordsOfPatient(patient, { offset: 0, limit: 3 });
    const second = await miip.history.recordsOfPatient(patient, { offset: 3, limit: 3 });
    n.say(`  ${label} (patient ${patient}): ${first.total} records`);
    for (const r of [...first.entries, ...second.entries]) {
      const version = r.supersedes
        ? `, corrects ${r.supersedes}`
        : r.supersededBy
          ? `, superseded by ${r.supersededBy}`
          : "";
      n.say(
        `    #${r.id} ${r.recordTypeName.padEnd(17)} institution ${r.issuer} ${new Date(r.issuedAt * 1000).toISOString()}  ${r.uri.slice(0, 24)}…${version}`,
      );
    }
  }
  n.say(
    `  a page past the end is empty: [${(await miip.records.idsOfPatient(await patientId("patientA"), { offset: 100 })).ids.join(", ")}]`,
  );
  n.say("  who may read record 1 for treatment? (consent comes next)");
  for (const name of ["patientA", "hospital", "pharmacy", "insurer"] as const) {
    n.say(`    ${name.padEnd(12)} ${(await miip.records.canRead(who(name).address, 1, "treatment")) ? "yes" : "no"}`);
  }

  n.section("Suspension takes effect everywhere at once; reinstating waits for the governor's delay");
  await n.step("the registrar suspends the hospital", registrar.participants.suspend(hospitalId, "licence-review"));
  await n.refused("the suspended hospital writing", () => hospital.documents.add(doc("patientA", "diagnosis", 1, "x")));
  const governor = as("deployer");
  const { participants, records, manager } = governor.contracts;
  const { statusChangedAt: suspendedAt } = await miip.participants.get(hospitalId);
  await n.refused("reinstating at once", () =>
    governor.send(() => participants.reinstate(hospitalId, suspendedAt, reasonCode("review-cleared"))),
  );
  // The reinstatement names the suspension it undoes, so it cannot have been scheduled before it.
  const reinstate = await governor.governance.reinstate(hospitalId, "review-cleared");
  const scheduled = await n.step(`the governor schedules: ${reinstate.label}`, governor.governance.schedule(reinstate));
  const [, governorDelay] = await manager.getAccess(ROLES.GOVERNOR, who("deployer").address);
  const hours = Math.round((scheduled.readyAt - (await time.latest())) / 3600);
  await time.increaseTo(scheduled.readyAt);
  n.say(
    `  … ${hours} hours later: the governor's ${Number(governorDelay) / 3600} h delay, and the notice period after the suspension`,
  );
  await n.step("the governor executes it", governor.governance.execute(reinstate));
  await n.step(
    "the hospital writes again",
    hospital.documents.add(doc("patientA", "diagnosis", 1, "Type 2 diabetes, early")),
  );

  n.section("Emergency pause: writes stop, reads go on");
  await n.step(
    "the guardian pauses the record registry",
    governor.send(() => records.pause()),
  );
  await n.refused("writing while paused", () => hospital.documents.add(doc("patientB", "diagnosis", 1, "x")));
  n.say(`  reads still answer: patient B has ${(await miip.records.idsOfPatient(b.patientId)).total} records`);
  const unpause = await governor.governance.unpause();
  const unpauseScheduled = await governor.governance.schedule(unpause);
  await time.increaseTo(unpauseScheduled.readyAt);
  await n.step("the governor unpauses after the delay", governor.governance.execute(unpause));
}
