import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface } from "ethers";

import { CONSENT_TYPES, SCOPES, consentDomain } from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES } from "../config/roles";
import { freshSuite, gasOf, measure, onboardAll, relayed, viaGateway, type GasRow } from "./types";

/**
 * The consent operations of issue 4, on the suite as deployed. Each grant is the first of its kind (one new
 * storage slot); the signed grant is the same grant for another patient, signed off chain and sent by the
 * pharmacy, so that the two differ only by the signature.
 */
export async function benchConsent(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants, records, consent } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, hospital, pharmacy, patientA, patientB, relayer] = [
    who("registrar"),
    who("hospital"),
    who("pharmacy"),
    who("patientA"),
    who("patientB"),
    who("relayer"),
  ];
  await (await participants.connect(patientA).registerPatient()).wait();
  await (await participants.connect(patientB).registerPatient()).wait();
  const [idA, idB] = [1n, 2n];
  const consentAddress = await consent.getAddress();
  const encode = (fn: string, args: readonly unknown[]) =>
    (consent.interface as unknown as Interface).encodeFunctionData(fn, args);
  await onboardAll(participants, registrar, [
    [hospital, KINDS.hospital, "Seoul General Hospital"],
    [pharmacy, KINDS.pharmacy, "Gangnam Onnuri Pharmacy"],
  ]);
  const now = await time.latest();
  const record = (patientId: bigint, i: number) => ({
    patientId,
    digest: hre.ethers.id(`bench consent ${i}`),
    recordType: RECORD_TYPES.prescription,
    issuedAt: now - 60,
    uri: `ipfs://bafkrei${hre.ethers.id(`cid ${i}`).slice(2, 54)}`,
  });
  await records.connect(hospital).registerBatch([record(idA, 1), record(idB, 2)]);
  const rows: GasRow[] = [];

  const request = (patientId: bigint) => ({
    patientId,
    grantee: pharmacy.address,
    purpose: PURPOSES.treatment,
    scopeKind: SCOPES.recordType,
    scope: [BigInt(RECORD_TYPES.prescription)],
    expiresAt: BigInt(now + 30 * 86_400),
  });
  const grantMeasured = await measure(
    hre,
    viaGateway(participants, patientA, idA, consentAddress, encode("grant", [request(idA)])),
  );
  const plain = grantMeasured.gas;
  rows.push({
    key: "consent.grant",
    operation: "consent grant (one record type), by the patient's key through the gateway",
    gas: plain,
    calls: grantMeasured.calls,
    callsBefore: 1,
    note: "one new storage slot plus its event",
  });

  const deadline = BigInt(now + 3600);
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const signed = request(idB);
  const signature = await patientB.signTypedData(consentDomain(chainId, await consent.getAddress()), CONSENT_TYPES, {
    ...signed,
    nonce: 0n,
    deadline,
  });
  const bySigMeasured = await measure(hre, consent.connect(pharmacy).grantBySig(signed, 0, deadline, signature));
  const bySig = bySigMeasured.gas;
  rows.push({
    key: "consent.grantBySig",
    operation: "signed consent, sent by the pharmacy",
    gas: bySig,
    calls: bySigMeasured.calls,
    callsBefore: 1,
    target: plain + 10_000,
    note: `target: at most 10,000 above the plain grant (${plain})`,
  });

  rows.push({
    key: "consent.logAccess",
    operation: "access log entry",
    ...(await measure(hre, consent.connect(pharmacy).logAccess(1, PURPOSES.treatment))),
    callsBefore: 2,
    target: 30_000,
  });
  await records.connect(hospital).registerBatch(Array.from({ length: 10 }, (_, i) => record(idA, 10 + i)));
  const batch = await gasOf(
    consent.connect(pharmacy).logAccessBatch(
      Array.from({ length: 10 }, (_, i) => 3 + i),
      PURPOSES.treatment,
    ),
  );
  rows.push({
    key: "consent.logAccessBatch10.perEntry",
    operation: "access log entry, in a batch of 10",
    gas: Math.round(batch / 10),
    target: 30_000,
  });

  // Three more grants of patient A's, so that each revoke below revokes one of the same kind.
  for (const purpose of [PURPOSES["insurance-claim"], PURPOSES.research]) {
    await viaGateway(participants, patientA, idA, consentAddress, encode("grant", [{ ...request(idA), purpose }]));
  }
  const grantOf = (purpose: number) => consent.grantIdOf(idA, 2, purpose, SCOPES.recordType, RECORD_TYPES.prescription);
  // The patient's first relayed request moves its nonce from zero; the steady state is measured after it.
  await relayed(hre, participants, patientB, relayer, idB, consentAddress, encode("cancelNonce", [2, 0, 0, 0]));
  await relayed(hre, participants, patientA, relayer, idA, consentAddress, encode("cancelNonce", [2, 0, 0, 0]));
  rows.push({
    key: "consent.revoke",
    operation: "consent revoke, by the patient's key through the gateway",
    ...(await measure(
      hre,
      viaGateway(participants, patientA, idA, consentAddress, encode("revoke", [await grantOf(PURPOSES.treatment)])),
    )),
    callsBefore: 0,
  });
  rows.push({
    key: "consent.revoke.relayed",
    operation: "consent revoke, signed by the patient, sent by a relayer",
    gas: await gasOf(
      relayed(
        hre,
        participants,
        patientA,
        relayer,
        idA,
        consentAddress,
        encode("revoke", [await grantOf(PURPOSES["insurance-claim"])]),
      ),
    ),
    target: 50_000,
    note: "issue 14: a relayed revoke at most 50,000 gas (a direct revoke was 34,098 before patient ids)",
  });
  const reason = hre.ethers.encodeBytes32String("unconscious");
  rows.push({
    key: "consent.emergencyOpen",
    operation: "emergency access opened (bounded: cap, block, justification due)",
    ...(await measure(hre, consent.connect(hospital).openEmergency(idB, reason))),
    callsBefore: 1,
  });
  rows.push({
    key: "consent.emergencyJustify",
    operation: "the hospital justifies it (digest of an off-chain note)",
    gas: await gasOf(consent.connect(hospital).justifyEmergency(idB, hre.ethers.id("note"))),
  });
  rows.push({
    key: "consent.emergencyCloseAndBlock",
    operation: "the patient closes it and blocks the hospital, relayed",
    gas: await gasOf(
      relayed(hre, participants, patientB, relayer, idB, consentAddress, encode("closeEmergency", [1, true])),
    ),
  });
  return rows;
}
