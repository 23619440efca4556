import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { MIIP } from "../../packages/sdk/src";
import {
  DocumentService,
  HttpRelayer,
  MemoryKeyShareStore,
  type UnixfsBlobStore,
  serveDocumentService,
  startRelayer,
} from "../../packages/sdk/src/node";
import type { Demo } from "./context";

/**
 * The web app's path, headless: what `npm run app` starts beside the node (a document service and a relayer) and
 * what the browser does through them. A phone with no ETH publishes its key, a hospital's browser stores an
 * encrypted record block by block over HTTP, the patient opens it and grants the pharmacy through the relayer,
 * and the pharmacy opens it; nothing but ciphertext and signed keys reaches the service.
 */
export async function appChapter({ n, miip, as, who }: Demo, ipfs: UnixfsBlobStore): Promise<void> {
  n.section("The web app's services: a document service and a relayer, as a browser uses them (npm run app)");
  const folder = mkdtempSync(path.join(os.tmpdir(), "miip-demo-keys-"));
  const documents = await serveDocumentService({
    blocks: ipfs,
    shares: new MemoryKeyShareStore(),
    keysDir: folder,
    miip,
  });
  const relayer = await startRelayer({ signer: who("relayer"), deployment: miip.deployment });
  n.say(`  document service ${documents.url}: blocks from institutions, key shares from whom the chain names`);
  n.say(`  relayer          ${relayer.url}: pays for patients' signed actions`);
  try {
    // Each party is a browser: its own connection to the services, its own wallet.
    const connect = async (signer: Parameters<typeof MIIP.connect>[0]) => {
      const service = new DocumentService({ url: documents.url });
      const client = await MIIP.connect(signer, miip.deployment, { store: service.blobs, shares: service.shares });
      return { service, client };
    };
    const phone = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
    const patient = await connect(phone);
    const { patientId } = await n.step(
      "patient E's phone (0 ETH) signs its registration; the hospital submits it",
      as("hospital").patients.submitRegistration(await patient.client.patients.signRegistration()),
    );
    const patientKey = (await patient.client.documents.encryptionKey()).publicKey;
    await patient.service.openSession(phone, patientKey);
    n.say("  the phone signs one session message: its encryption key is published, signed by its own account");

    const hospital = await connect(who("hospital"));
    await hospital.service.openSession(who("hospital"), (await hospital.client.documents.encryptionKey()).publicKey);
    const found = await hospital.service.publicKeyOf(phone.address);
    n.say(`  the hospital's browser finds the patient's key and checks its signature: ${found === patientKey}`);
    const xray = new Uint8Array(1_300_000).map((_, i) => (i * 7) % 256);
    const stored = await n.step(
      `the hospital's browser encrypts a 1.3 MB chest X-ray for patient ${patientId}: blocks over HTTP, record on chain`,
      hospital.client.documents.add({ patientId, patientPublicKey: found!, document: xray, recordType: "imaging" }),
    );
    const opened = await patient.client.documents.open(stored.recordId, { purpose: "treatment" });
    n.say(
      `  the phone opens it through the service, checked and decrypted: ${opened.length.toLocaleString("en-US")} bytes, identical: ${Buffer.from(opened).equals(Buffer.from(xray))}`,
    );

    const gasless = patient.client.gasless(new HttpRelayer({ url: relayer.url }));
    const { grantIds } = await n.step(
      "the phone grants the pharmacy the X-ray for treatment: signed on the phone, sent by the relayer over HTTP",
      gasless.consent.grant({
        grantee: who("pharmacy").address,
        purpose: "treatment",
        scope: { kind: "record", ids: [stored.recordId] },
        expiresAt: (await time.latest()) + 7 * 86_400,
      }),
    );
    const pharmacy = await connect(who("pharmacy"));
    await pharmacy.service.openSession(who("pharmacy"), (await pharmacy.client.documents.encryptionKey()).publicKey);
    await patient.client.documents.share({
      recordId: stored.recordId,
      grantee: who("pharmacy").address,
      granteePublicKey: (await patient.service.publicKeyOf(who("pharmacy").address))!,
      grantId: grantIds[0],
    });
    await n.step("the pharmacy logs its read", pharmacy.client.consent.logAccess(stored.recordId, "treatment"));
    const read = await pharmacy.client.documents.open(stored.recordId, { purpose: "treatment" });
    n.say(
      `  the pharmacy opens it under the grant: ${read.length.toLocaleString("en-US")} bytes; the phone still holds ${await hre.ethers.provider.getBalance(phone.address)} wei`,
    );
    const refused = await hospital.service.shares
      .put({ ...(await hospital.service.shares.get(stored.recordId, phone.address))!, createdAt: 1 })
      .then(
        () => "accepted",
        (error: Error) => error.message,
      );
    n.say(`  the hospital tries to replace the patient's copy of the key: ${refused}`);
    n.say("  npm run app shows all of this in a browser, in Korean and English (docs/APP.md)");
  } finally {
    await relayer.close();
    await documents.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
