import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import {
  MIIP,
  type ProgrammeInput,
  HeliaBlobStore,
  serveGateway,
  allowanceKey,
  prescriptionKey,
  FileKeyShareStore,
  formatPackCode,
  gs1Date,
  utf8,
  type Deployment,
} from "../../packages/sdk/src/node";
import { serialsFile } from "../../packages/sdk/src/serials";
import { deploySuite, writeDeployment } from "./deploy";
import { deploymentsDir, storeDir } from "./locations";
import { loadParameters } from "./parameters";

const DAY = 86_400;
const IST = (n: number) => BigInt(n) * 10n ** 18n;

/**
 * The insurance programme of the demo and the seeded node: paid in IST, common record types covered, claims
 * up to 300 IST paid at once, 20% co-payment (moved on chain from the patient to the hospital with
 * `copayOnChain`), 14 days of review, 7 to dispute, 21 for the public-health agency to arbitrate.
 */
export function demoProgramme(arbitrator: string, openEnrolment: boolean, copayOnChain = false): ProgrammeInput {
  return {
    coveredTypes: ["diagnosis", "prescription", "lab-result", "imaging", "discharge-summary"],
    perClaimCap: IST(5_000),
    perPatientYearCap: IST(20_000),
    autoApproveThreshold: IST(300),
    copayBps: 2_000,
    filingWindowDays: 90,
    reviewDays: 14,
    disputeDays: 7,
    arbitrationDays: 21,
    arbitrator,
    openEnrolment,
    copayOnChain,
  };
}

/** What the seeding leaves running and where: for the services started beside the node (`npm run app`). */
export interface SeededNode {
  deployment: Deployment;
  /** The embedded IPFS node holding the documents (open: stop it when the process ends). */
  ipfs: HeliaBlobStore;
  /** The folder of the documents, the wrapped keys and the serials files. */
  store: string;
  patientIds: { patientA: bigint; patientB: bigint };
  recordIds: bigint[];
  /** The first unit of the seeded batch at the pharmacy, as printed on its pack. */
  firstPack: string;
  /** Patient A's prescription: the secret its phone keeps, and the hospital that wrote it. */
  prescription: { secret: string; hospitalId: number };
}

/**
 * Deploys the suite on the node's chain exactly as `deploy/` does, writes the localhost deployment file, and
 * seeds it through the SDK: institutions for the named demo accounts, encrypted records for two patients,
 * a signed consent with the document key shared, an insurer programme with funds and members, and a
 * serialised batch already at the distributor. Documents go to the embedded IPFS node on .miip/localhost/, whose
 * HTTP gateway (for browsers and other processes) starts on `options.gatewayPort` when given (port taken: any free
 * one). Prints who is who and what to try.
 */
export async function seedNode(
  hre: HardhatRuntimeEnvironment,
  url: string,
  options: { gatewayPort?: number } = {},
): Promise<SeededNode> {
  const parameters = path.join(__dirname, "..", "..", "deploy", "parameters", "localhost.json");
  const outDir = path.join(deploymentsDir(), "localhost");
  const store = storeDir("localhost");
  rmSync(store, { recursive: true, force: true }); // a new chain: documents of the last one point nowhere
  mkdirSync(store, { recursive: true });

  // The node's request log would bury the summary under a thousand lines of seeding; it resumes after.
  await hre.network.provider.send("hardhat_setLoggingEnabled", [false]);
  // Listing a month ago: the vesting schedules have released tokens, so the insurer can be funded, while the
  // chain's clock stays the wall clock that dApps compare expiries with.
  const latest = await hre.ethers.provider.getBlock("latest");
  const listingNow = (latest?.timestamp ?? Math.floor(Date.now() / 1000)) - 30 * DAY;
  const suite = await deploySuite(hre, loadParameters(parameters), {
    baseDir: path.dirname(parameters),
    outDir,
    listingNow,
  });
  const deployment = await writeDeployment(suite, outDir, 0);
  const signers = await hre.ethers.getSigners();
  const who = (name: LocalAccountName) => signers[LOCAL_ACCOUNTS[name]];
  const ipfs = await HeliaBlobStore.open(store);
  const miip = await MIIP.connect(signers[0], deployment, {
    store: ipfs,
    shares: new FileKeyShareStore(store),
  });
  const as = (name: LocalAccountName) => miip.as(who(name));

  const institutions: [LocalAccountName, string, string][] = [
    ["hospital", "hospital", "Seoul General Hospital"],
    ["emergencyHospital", "hospital", "Busan Emergency Centre"],
    ["pharmacy", "pharmacy", "Gangnam Onnuri Pharmacy"],
    ["insurer", "insurer", "Hanguk Life Insurance"],
    ["agency", "public-health-agency", "NHIS Review Board"],
    ["researcher", "researcher", "KAIST Clinical Research"],
    ["manufacturer", "manufacturer", "Hanmi Pharma"],
    ["distributor", "distributor", "Cold Logistics"],
    ["regulator", "regulator", "Drug Safety Ministry"],
  ];
  // Onboarding is delayed on every chain: register them all, move the local clock past the delay, activate.
  const onboarded: { institutionId: number; activatesAt: number }[] = [];
  for (const [name, kind, label] of institutions) {
    onboarded.push(
      await as("registrar").participants.register({
        account: who(name).address,
        kind,
        licence: `${kind}:${name}`,
        name: label,
      }),
    );
  }
  // The manufacturer's GS1 company prefix, licensed while it is pending: both take effect after the same delay.
  const manufacturerId = onboarded[institutions.findIndex(([name]) => name === "manufacturer")].institutionId;
  const licence = await as("registrar").products.assignPrefix("8806469", manufacturerId);
  await hre.network.provider.send("evm_setNextBlockTimestamp", [
    Math.max(licence.effectiveAt, ...onboarded.map((o) => o.activatesAt)),
  ]);
  await hre.network.provider.send("evm_mine", []);
  for (const { institutionId } of onboarded) await miip.participants.activate(institutionId);

  const now = await miip.now();
  const reserveGrant = suite.resolved.genesis.grants.findIndex(
    (g) => g.category === suite.resolved.genesis.reserveCategory,
  );
  await miip.token.release(reserveGrant);
  await as("treasury").token.transfer(who("insurer").address, IST(100_000));
  const { programmeId } = await as("insurer").claims.openProgramme(demoProgramme(who("agency").address, true, true));
  await as("insurer").claims.deposit(programmeId, IST(50_000));
  const patientIds = {} as Record<"patientA" | "patientB", bigint>;
  for (const patient of ["patientA", "patientB"] as const) {
    // Each patient's key signs its own registration; the hospital submits it (the patient needs no ETH).
    const signed = await as(patient).patients.signRegistration();
    patientIds[patient] = (await as("hospital").patients.submitRegistration(signed)).patientId;
    await as("insurer").claims.enrol(programmeId, patientIds[patient]);
    // The programme moves co-payments on chain: each patient holds IST for them (and still no need for ETH).
    await as("treasury").token.transfer(who(patient).address, IST(1_000));
    await as(patient).consent.grant({
      grantee: who("insurer").address,
      purpose: "insurance-claim",
      scope: { kind: "all-records" },
      expiresAt: now + 365 * DAY,
    });
  }

  // The researcher buys data in IST: it holds some from the start, as a study's grant would provide.
  await as("treasury").token.transfer(who("researcher").address, IST(5_000));
  // Patient-generated data: the manufacturer asked the regulator to approve its continuous glucose monitor with two
  // firmware versions, and it did (model 1); patients bind their monitors (each provisioned by the manufacturer)
  // from the app or the demo.
  const cgm = {
    modelDigest: keccak256(toUtf8Bytes("Hanmi CGM-90 technical file v3")),
    firmwareDigests: [keccak256(toUtf8Bytes("CGM-90 firmware 1.0")), keccak256(toUtf8Bytes("CGM-90 firmware 1.1"))],
  };
  const regulatorId = (await miip.participants.memberOf(who("regulator").address))!.id;
  await as("manufacturer").devices.requestApproval({ regulatorId, ...cgm });
  await as("regulator").devices.approveModel({ manufacturerId, ...cgm });

  // Records come after enrolment: cover starts at enrolment, so these visits can be claimed.
  const keyOf = async (name: LocalAccountName) => (await as(name).documents.encryptionKey()).publicKey;
  // Patient A's phone keeps the prescription's secret and gives the hospital its key's address; the prescription
  // document carries the allowance key and the product salt the pharmacy needs, never the secret (whoever holds
  // it opens fills): nothing on chain names the patient, the record or the medicine.
  const prescription = { secret: keccak256(utf8("seed prescription A")), productSalt: keccak256(utf8("seed salt A")) };
  const hospitalId = (await miip.participants.memberOf(who("hospital").address))!.id;
  const keyAddress = prescriptionKey(prescription.secret).address;
  const prescribed = allowanceKey(hospitalId, keyAddress);
  const documents: ["patientA" | "patientB", string, string][] = [
    ["patientA", "lab-result", "HbA1c 6.1 %, fasting glucose 5.9 mmol/L"],
    [
      "patientA",
      "prescription",
      `Metformin 500 mg (GTIN 08806469001235), twice daily, 90 days; 3 fills of 1 pack, 30 days apart. ` +
        `Allowance ${prescribed}, product salt ${prescription.productSalt}`,
    ],
    ["patientB", "diagnosis", "Seasonal influenza A"],
    ["patientB", "prescription", "Oseltamivir 75 mg, twice daily, 5 days"],
  ];
  const recordIds: bigint[] = [];
  for (const [patient, type, text] of documents) {
    const { recordId } = await as("hospital").documents.add({
      patientId: patientIds[patient],
      patientPublicKey: await keyOf(patient),
      document: utf8(`Seoul General Hospital, demo document: ${text}`),
      recordType: type,
    });
    recordIds.push(recordId);
  }

  const signed = await as("patientA").consent.sign({
    grantee: who("pharmacy").address,
    purpose: "treatment",
    scope: { kind: "record-type", types: ["prescription"] },
    expiresAt: now + 30 * DAY,
  });
  const { grantIds } = await as("pharmacy").consent.submitSigned(signed);
  await as("patientA").documents.share({
    recordId: recordIds[1],
    grantee: who("pharmacy").address,
    granteePublicKey: await keyOf("pharmacy"),
    grantId: grantIds[0],
  });

  // The product, owned by its maker through the prefix; a serialised batch of it; 60 units at the distributor,
  // 20 of them on at the pharmacy, which travelled with the distributor's logger.
  const { gtin } = await as("manufacturer").products.register("8806469001235", 7, {
    name: "Metformin Hanmi",
    strength: "500 mg",
    form: "film-coated tablet",
    marketingAuthorisationHolder: "Hanmi Pharm. Co., Ltd.",
  });
  await as("manufacturer").products.publishLeaflet(gtin, "ko", "metformin leaflet ko v1", "ipfs://bafkrei-leaflet-ko");
  const serials = Array.from({ length: 100 }, (_, i) => `KR${String(i).padStart(8, "0")}`);
  const published = serialsFile(serials);
  // The batch's public documentation is its serials file, on IPFS: what a pack check reads each unit's proof from.
  const serialsCid = await ipfs.put(utf8(JSON.stringify(published)));
  const expiresAt = now + 365 * DAY;
  const { batchId } = await as("manufacturer").supply.registerBatch({
    gtin,
    lot: "LOT-DEMO-1",
    manufacturedAt: now - DAY,
    expiresAt,
    quantity: 100,
    tempMin: 200,
    tempMax: 2500,
    humidityMin: 1000,
    humidityMax: 6000,
    serialRoot: published.root,
    metadataURI: `ipfs://${serialsCid}`,
    message: "Store below 25 °C.",
  });
  const serialsPath = path.join(store, `batch-${batchId}.serials.json`);
  writeFileSync(serialsPath, JSON.stringify(published, null, 2) + "\n");
  const toDistributor = await as("manufacturer").supply.ship(batchId, who("distributor").address, 60);
  await as("distributor").supply.accept(toDistributor.shipmentId);
  const logger = new Wallet(keccak256(utf8("seed logger")));
  const distributorId = (await miip.participants.memberOf(who("distributor").address))!.id;
  const calibration = keccak256(utf8("calibration certificate 2026-11"));
  await as("distributor").supply.registerDevice(
    logger.address,
    "combined-logger",
    calibration,
    await miip.supply.deviceConsent(logger, distributorId, "combined-logger", calibration),
  );
  const toPharmacy = await as("distributor").supply.ship(toDistributor.shipmentId, who("pharmacy").address, 20);
  await as("distributor").supply.assignDevice(toPharmacy.shipmentId, logger.address);
  await as("pharmacy").supply.accept(toPharmacy.shipmentId);
  const { key } = await as("hospital").supply.setAllowance({
    keyAddress,
    gtin,
    productSalt: prescription.productSalt,
    unitsPerFill: 1,
    fills: 3,
    validUntil: now + 120 * DAY,
    refillInterval: 30 * DAY,
  });
  const firstPack = formatPackCode({ gtin, expiry: gs1Date(expiresAt), lot: "LOT-DEMO-1", serial: serials[0] });

  const rel = (p: string) => path.relative(process.cwd(), p);
  console.log("\nMIIP suite deployed and seeded");
  console.log(`  deployment   ${rel(path.join(outDir, "addresses.json"))}  (chain ${deployment.chainId}, ${url})`);
  console.log(`  documents    ${rel(store)}/  (the embedded IPFS node's blocks and the wrapped keys: ciphertext only)`);
  if (options.gatewayPort !== undefined) {
    const gateway = await serveGateway(ipfs, { port: options.gatewayPort }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") throw error;
      console.log(`  (port ${options.gatewayPort} is taken: the gateway takes a free one)`);
      return serveGateway(ipfs, { port: 0 });
    });
    console.log(`  IPFS gateway ${gateway.url}/ipfs/<cid>  (read-only; ?format=raw serves single blocks)`);
  }
  console.log("\nNamed accounts (Hardhat's test mnemonic; the keys are printed above):");
  for (const [name, index] of Object.entries(LOCAL_ACCOUNTS)) {
    const member = await miip.participants.memberOf(signers[index].address);
    const role = member ? `institution ${member.id}, ${member.kind}` : "";
    console.log(`  ${name.padEnd(18)} #${String(index).padEnd(3)} ${signers[index].address}  ${role}`);
  }
  console.log("\nSeeded:");
  console.log(
    `  records ${recordIds.join(", ")} (encrypted); patient A's prescription #${recordIds[1]} shared with the pharmacy`,
  );
  console.log(
    `  insurance programme ${programmeId}: 50,000 IST, auto-approves up to 300 IST, 20% co-payment moved on chain; patients A and B enrolled, 1,000 IST each`,
  );
  console.log("  the researcher (KAIST Clinical Research) holds 5,000 IST to buy de-identified data with");
  console.log("  device model 1: the regulator approved Hanmi Pharma's glucose monitor (firmware 0 and 1)");
  console.log(
    `  product ${gtin} (prefix 8806469, Hanmi Pharma) with a Korean leaflet; batch ${batchId} (100 units, serials in ${rel(serialsPath)})`,
  );
  console.log(
    `  shipment ${toDistributor.shipmentId} at the distributor (40 units left), shipment ${toPharmacy.shipmentId} at the pharmacy (20 units, logger ${logger.address})`,
  );
  console.log(
    `  patient A's prescription: allowance ${key} (3 fills of 1 pack, 30 days apart) set by hospital ${hospitalId}`,
  );
  console.log("\nTry, in another terminal:");
  console.log(`  patients: A is patient ${patientIds.patientA}, B is patient ${patientIds.patientB}`);
  console.log("  npx hardhat record:list --patient patientA --network localhost");
  console.log(`  npx hardhat record:open --record ${recordIds[1]} --from pharmacy --out rx.txt --network localhost`);
  console.log(
    `  npx hardhat claim:bill --programme ${programmeId} --records ${recordIds[0]} --amount 250 --network localhost`,
  );
  console.log("  npx hardhat claim:confirm --bill <hash printed above> --from patientA --gasless --network localhost");
  console.log(`  npx hardhat supply:verify --pack "${firstPack}" --serials ${rel(serialsPath)} --network localhost`);
  console.log(
    `  npx hardhat supply:authorize-fill --secret ${prescription.secret} --hospital ${hospitalId} --pharmacy pharmacy --network localhost   # on patient A's phone: prints its consent as JSON`,
  );
  console.log(
    `  npx hardhat supply:dispense --shipment ${toPharmacy.shipmentId} --serial ${serials[0]} --serials ${rel(serialsPath)} --allowance ${key} --product-salt ${prescription.productSalt} --authorization '<that JSON>' --network localhost`,
  );
  console.log(`  npx hardhat supply:provenance --batch ${batchId} --network localhost`);
  console.log(
    "  npx hardhat market:open --types lab-result --price 10 --max 3 --terms terms.txt --deidentification rules.txt --network localhost",
  );
  console.log(
    `  npx hardhat market:opt-in --request 1 --from patientA --gasless --network localhost; npx hardhat market:contribute --request 1 --records ${recordIds[0]} --from patientA --gasless --network localhost`,
  );
  console.log(
    `  npx hardhat invoice:issue --patient patientA --record ${recordIds[0]} --amount 80 --bill bill.pdf --network localhost; npx hardhat invoice:pay --invoice 1 --from patientA --gasless --network localhost`,
  );
  console.log("\nMIIP node ready");
  await hre.network.provider.send("hardhat_setLoggingEnabled", [true]);
  return {
    deployment,
    ipfs,
    store,
    patientIds,
    recordIds,
    firstPack,
    prescription: { secret: prescription.secret, hospitalId },
  };
}
