import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface } from "ethers";

import { type BillMessage, FILL_TYPES, compactSignature, supplyDomain } from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES } from "../config/roles";
import { buildSerialTree } from "../scripts/lib/merkle";
import { gtinWithCheckDigit } from "../packages/sdk/src/gs1";
import { NO_PERMIT, freshSuite, gasOf, onboardAll, relayed, signBill, viaGateway } from "./types";

/** One operation measured on a fresh deployment and again after a long history. */
export interface HistoryRow {
  key: string;
  operation: string;
  fresh: number;
  after: number;
  /** (after - fresh) / fresh, in percent. */
  change: number;
}

/** How much history: records, grants, claims and shipments, each. */
export const HISTORY = 10_000;
/** Gas may differ by less than this, in percent, between the fresh and the used deployment. */
export const HISTORY_TOLERANCE = 5;
/** Each operation is measured this many times and averaged: lists packed six ids a slot cost more every sixth. */
const REPEATS = 6;
const BATCH = 50;
const IST = (n: number) => BigInt(n) * 10n ** 18n;

/**
 * Issue 8's gate: gas must not grow with history. Measures each user operation on a fresh deployment, builds
 * 10,000 records, 10,000 grants, 10,000 claims and 10,000 shipments, and measures the same operations again.
 */
export async function benchHistory(
  hre: HardhatRuntimeEnvironment,
  log: (line: string) => void = () => undefined,
): Promise<HistoryRow[]> {
  const suite = await freshSuite(hre);
  const { participants, records, consent, claims, supply, token, distribution, resolved } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [
    registrar,
    hospital,
    pharmacy,
    insurer,
    agency,
    manufacturer,
    distributor,
    patientA,
    patientB,
    treasury,
    relayer,
  ] = [
    who("registrar"),
    who("hospital"),
    who("pharmacy"),
    who("insurer"),
    who("agency"),
    who("manufacturer"),
    who("distributor"),
    who("patientA"),
    who("patientB"),
    who("treasury"),
    who("relayer"),
  ];
  // The history belongs to the patient whose operations are measured, so their own lists grow to 10,000 too.
  const historian = patientA;
  await onboardAll(participants, registrar, [
    [hospital, KINDS.hospital, "i"],
    [pharmacy, KINDS.pharmacy, "i"],
    [insurer, KINDS.insurer, "i"],
    [agency, KINDS["public-health-agency"], "i"],
    [manufacturer, KINDS.manufacturer, "i"],
    [distributor, KINDS.distributor, "i"],
  ]);
  // The manufacturer's company prefix, effective long before the batches (the 200 days below).
  const manufacturerId = (await participants.memberOf(manufacturer.address)).id;
  await suite.products.connect(registrar).assignPrefix(880646n, 6, manufacturerId);

  // Funds and a programme that pays every small claim at once, for three patients.
  await time.increase(200 * 86_400);
  await distribution.release(resolved.genesis.grants.findIndex((g) => g.category === resolved.genesis.reserveCategory));
  await token.connect(treasury).transfer(insurer.address, IST(10_000_000));
  await claims.connect(insurer).openProgramme({
    token: await token.getAddress(),
    coveredTypes: 1n << BigInt(RECORD_TYPES.diagnosis),
    perClaimCap: IST(1_000),
    perPatientYearCap: IST(10_000_000),
    autoApproveThreshold: IST(300),
    copayBps: 0,
    filingWindowDays: 365,
    reviewDays: 7,
    disputeDays: 7,
    arbitrationDays: 7,
    arbitrator: agency.address,
    openEnrolment: false,
    copayOnChain: false,
  });
  await token.connect(insurer).approve(await claims.getAddress(), IST(10_000_000));
  await claims.connect(insurer).deposit(1, IST(10_000_000));
  const far = (await time.latest()) + 3 * 365 * 86_400;
  const consentAddress = await consent.getAddress();
  const encode = (fn: string, args: readonly unknown[]) =>
    (consent.interface as unknown as Interface).encodeFunctionData(fn, args);
  const idOf = new Map<string, bigint>();
  for (const patient of [patientA, patientB]) {
    await (await participants.connect(patient).registerPatient()).wait();
    idOf.set(patient.address, (await participants.patientOf(patient.address)).patientId);
  }
  /** A patient's grant, through the gateway as every patient action. */
  const grant = (patient: typeof patientA, request: Record<string, unknown>) =>
    viaGateway(participants, patient, idOf.get(patient.address)!, consentAddress, encode("grant", [request]));
  for (const patient of [patientA, patientB]) {
    const patientId = idOf.get(patient.address)!;
    await claims.connect(insurer).enrol(1, patientId);
    await grant(patient, {
      patientId,
      grantee: insurer.address,
      purpose: PURPOSES["insurance-claim"],
      scopeKind: 0,
      scope: [],
      expiresAt: far,
    });
    await grant(patient, {
      patientId,
      grantee: pharmacy.address,
      purpose: PURPOSES.treatment,
      scopeKind: 0,
      scope: [],
      expiresAt: far,
    });
  }
  await time.increase(60);

  // A product, a batch large enough for every shipment, and a serialised one for dispensing.
  const gtin = gtinWithCheckDigit("0880646900123");
  await suite.products
    .connect(manufacturer)
    .registerProduct(gtin, 6, { name: "H", strength: "1", form: "tablet", marketingAuthorisationHolder: "H" });
  const now = await time.latest();
  const serials = buildSerialTree(Array.from({ length: 1024 }, (_, i) => `H-${i}`));
  const batch = (lot: string, quantity: number, root: string) =>
    supply.connect(manufacturer).registerBatch({
      gtin,
      lot: hre.ethers.encodeBytes32String(lot),
      manufacturedAt: now - 86_400,
      expiresAt: now + 3 * 365 * 86_400,
      quantity,
      tempMin: 200,
      tempMax: 800,
      humidityMin: 1000,
      humidityMax: 6000,
      serialRoot: root,
      metadataURI: "",
      message: "",
    });
  await batch("HISTORY", HISTORY + 1_000, hre.ethers.id("history"));
  await batch("SERIALS", 1024, serials.root);
  const pharmacyId = (await participants.memberOf(pharmacy.address)).id;
  const distributorId = (await participants.memberOf(distributor.address)).id;
  await supply.connect(manufacturer).ship(2, pharmacyId, 1024);
  const shelf = await supply.queryFilter(supply.filters.Shipped(undefined, 2)).then((l) => l[0].args.shipmentId);
  await supply.connect(pharmacy).accept(shelf);
  // One prescription's allowance covers every unit dispensed here: 255 fills of one unit, each opened with the
  // patient's signature, as at a counter.
  const prescription = hre.ethers.Wallet.createRandom();
  const productSalt = hre.ethers.id("history salt");
  const abi = hre.ethers.AbiCoder.defaultAbiCoder();
  await supply
    .connect(hospital)
    .setAllowance(
      prescription.address,
      hre.ethers.keccak256(abi.encode(["uint64", "bytes32"], [gtin, productSalt])),
      1,
      255,
      now + 3 * 365 * 86_400,
      0,
    );
  const hospitalId = (await participants.memberOf(hospital.address)).id;
  const allowance = hre.ethers.keccak256(abi.encode(["uint32", "address"], [hospitalId, prescription.address]));
  const domain = supplyDomain((await hre.ethers.provider.getNetwork()).chainId, await supply.getAddress());
  /** The patient's signature opening the allowance's next fill at the pharmacy. */
  const fillRequest = async () => {
    const fillsAfter = Number((await supply.getAllowance(allowance)).fillsLeft) - 1;
    const deadline = (await time.latest()) + 3_600;
    const fill = { allowanceKey: allowance, pharmacyId, fillsAfter, deadline };
    const signature = compactSignature(await prescription.signTypedData(domain, FILL_TYPES, fill));
    return { allowanceKey: allowance, productSalt, deadline, signature };
  };
  let digest = 0;
  const input = (patient: string) => ({
    patientId: idOf.get(patient)!,
    digest: hre.ethers.id(`history ${++digest}`),
    recordType: RECORD_TYPES.diagnosis,
    issuedAt: now,
    uri: "ipfs://bafkreihistory",
  });
  let unit = 0;
  const average = async (measure: () => Promise<number>) => {
    let total = 0;
    for (let i = 0; i < REPEATS; i++) total += await measure();
    return Math.round(total / REPEATS);
  };
  const lastRecord = async () => records.recordCount();
  const escrow = await claims.getAddress();
  const bill = async (recordId: bigint, amount: bigint): Promise<BillMessage> => ({
    programmeId: 1n,
    recordIds: [recordId],
    amount,
    payTo: 0,
    billDigest: hre.ethers.id(`history bill ${recordId}`),
    expiresAt: BigInt(far),
  });
  /** Both attestations: the hospital signs the bill, patient A files it through the gateway (relayed when measured). */
  const fileBoth = async (b: BillMessage, relay: boolean) => {
    const patientId = idOf.get(patientA.address)!;
    const data = (claims.interface as unknown as Interface).encodeFunctionData("fileClaim", [
      b,
      await signBill(hre, claims, hospital, b),
      NO_PERMIT,
    ]);
    return relay
      ? relayed(hre, participants, patientA, relayer, patientId, escrow, data)
      : viaGateway(participants, patientA, patientId, escrow, data);
  };
  /** A new record of patient A and patient A's grant to the pharmacy for it (sent, not yet waited for). */
  const grantOnNewRecord = async () => {
    await records.connect(hospital).register(input(patientA.address));
    const id = await lastRecord();
    const sent = grant(patientA, {
      patientId: idOf.get(patientA.address)!,
      grantee: pharmacy.address,
      purpose: PURPOSES.research,
      scopeKind: 2,
      scope: [id],
      expiresAt: far,
    });
    return [sent, id] as const;
  };
  const measureAll = async (): Promise<Record<string, [string, number]>> => ({
    "records.register": [
      "register one record",
      await average(() => gasOf(records.connect(hospital).register(input(patientA.address)))),
    ],
    "consent.grant": [
      "consent grant (one record)",
      await average(async () => gasOf(grantOnNewRecord().then(([grant]) => grant))),
    ],
    "consent.revoke": [
      "consent revoke",
      await average(async () => {
        const [sent, id] = await grantOnNewRecord();
        await (await sent).wait();
        const patientId = idOf.get(patientA.address)!;
        const grantId = await consent.grantIdOf(patientId, pharmacyId, PURPOSES.research, 2, id);
        return gasOf(viaGateway(participants, patientA, patientId, consentAddress, encode("revoke", [grantId])));
      }),
    ],
    "consent.logAccess": [
      "access log entry",
      await average(() => gasOf(consent.connect(pharmacy).logAccess(1, PURPOSES.treatment))),
    ],
    "claims.smallClaim.signedRelayed": [
      "small claim, both attestations (signed, relayed), checked and paid",
      await average(async () => {
        await records.connect(hospital).register(input(patientA.address));
        return gasOf(fileBoth(await bill(await lastRecord(), IST(100)), true));
      }),
    ],
    "claims.largeClaim.signedRelayed": [
      "large claim, both attestations (signed, relayed), filed and reserved",
      await average(async () => {
        await records.connect(hospital).register(input(patientA.address));
        return gasOf(fileBoth(await bill(await lastRecord(), IST(500)), true));
      }),
    ],
    "supply.shipPlusAccept": [
      "ship plus accept",
      await average(async () => {
        const ship = await (await supply.connect(manufacturer).ship(1, distributorId, 1)).wait();
        const shipmentId = await supply
          .queryFilter(supply.filters.Shipped(undefined, 1), ship!.blockNumber)
          .then((l) => l[0].args.shipmentId);
        return Number(ship!.gasUsed) + (await gasOf(supply.connect(distributor).accept(shipmentId)));
      }),
    ],
    "supply.dispense": [
      "dispense one unit under the allowance, opening a fill with the patient's signature",
      await average(async () => {
        const serial = `H-${unit++}`;
        const fill = await fillRequest();
        return gasOf(
          supply
            .connect(pharmacy)
            .dispense(shelf, serials.indexOf(serial), serials.serialOf(serial), serials.proofOf(serial), fill),
        );
      }),
    ],
  });

  // One unrecorded round first: one-time costs (a patient's first records filling the list's first slot, the
  // first bit of a bitmap word, a holder's first units, the first claim of a year) are not history, and would
  // otherwise make the fresh figures look cheaper by up to 4%. The main bench reports those first calls apart.
  log("  warming up: each operation six times on the fresh deployment");
  await measureAll();
  log("  measuring on the fresh deployment");
  const fresh = await measureAll();

  const started = Date.now();
  log(`  building history: ${HISTORY.toLocaleString("en-US")} records, grants, claims and shipments`);
  const firstHistoryRecord = (await records.recordCount()) + 1n;
  for (let i = 0; i < HISTORY / BATCH; i++) {
    await records.connect(hospital).registerBatch(Array.from({ length: BATCH }, () => input(historian.address)));
  }
  // A grant names records one by one: each of these 200 transactions writes 50 grants.
  for (let i = 0; i < HISTORY / BATCH; i++) {
    const scope = Array.from({ length: BATCH }, (_, j) => firstHistoryRecord + BigInt(i * BATCH + j));
    await grant(historian, {
      patientId: idOf.get(historian.address)!,
      grantee: pharmacy.address,
      purpose: PURPOSES.research,
      scopeKind: 2,
      scope,
      expiresAt: far,
    });
  }
  // Each claim of the history has both attestations: the hospital's signature, patient A's own transaction.
  for (let i = 0; i < HISTORY; i++) {
    await fileBoth(await bill(firstHistoryRecord + BigInt(i), IST(1)), false);
    if ((i + 1) % 2_500 === 0) log(`    ${(i + 1).toLocaleString("en-US")} claims`);
  }
  for (let i = 0; i < HISTORY; i++) {
    await supply.connect(manufacturer).ship(1, distributorId, 1);
  }
  log(
    `  history built in ${Math.round((Date.now() - started) / 1000)} s: ${await records.recordCount()} records, ${(await claims.queryFilter(claims.filters.ClaimFiled())).length} claims`,
  );

  const after = await measureAll();
  return Object.entries(fresh).map(([key, [operation, gas]]) => {
    const later = after[key][1];
    return { key, operation, fresh: gas, after: later, change: Math.round(((later - gas) / gas) * 10_000) / 100 };
  });
}
