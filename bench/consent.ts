import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { CONSENT_TYPES, SCOPES, consentDomain } from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES } from "../config/roles";
import { freshSuite, gasOf, onboardAll, type GasRow } from "./types";

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
  const [registrar, hospital, pharmacy, patientA, patientB] = [
    who("registrar"),
    who("hospital"),
    who("pharmacy"),
    who("patientA"),
    who("patientB"),
  ];
  await onboardAll(participants, registrar, [
    [hospital, KINDS.hospital, "Seoul General Hospital"],
    [pharmacy, KINDS.pharmacy, "Gangnam Onnuri Pharmacy"],
  ]);
  const now = await time.latest();
  const record = (patient: string, i: number) => ({
    patient,
    digest: hre.ethers.id(`bench consent ${i}`),
    recordType: RECORD_TYPES.prescription,
    issuedAt: now - 60,
    uri: `ipfs://bafkrei${hre.ethers.id(`cid ${i}`).slice(2, 54)}`,
  });
  await records.connect(hospital).registerBatch([record(patientA.address, 1), record(patientB.address, 2)]);
  const rows: GasRow[] = [];

  const request = (patient: string) => ({
    patient,
    grantee: pharmacy.address,
    purpose: PURPOSES.treatment,
    scopeKind: SCOPES.recordType,
    scope: [BigInt(RECORD_TYPES.prescription)],
    expiresAt: BigInt(now + 30 * 86_400),
  });
  const plain = await gasOf(consent.connect(patientA).grant(request(patientA.address)));
  rows.push({
    key: "consent.grant",
    operation: "consent grant (one record type)",
    gas: plain,
    note: "one new storage slot plus its event",
  });

  const deadline = BigInt(now + 3600);
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const signed = request(patientB.address);
  const signature = await patientB.signTypedData(consentDomain(chainId, await consent.getAddress()), CONSENT_TYPES, {
    ...signed,
    nonce: 0n,
    deadline,
  });
  const bySig = await gasOf(consent.connect(pharmacy).grantBySig(signed, 0, deadline, signature));
  rows.push({
    key: "consent.grantBySig",
    operation: "signed consent, sent by the pharmacy",
    gas: bySig,
    target: plain + 10_000,
    note: `target: at most 10,000 above the plain grant (${plain})`,
  });

  rows.push({
    key: "consent.logAccess",
    operation: "access log entry",
    gas: await gasOf(consent.connect(pharmacy).logAccess(1, PURPOSES.treatment)),
    target: 30_000,
  });
  await records.connect(hospital).registerBatch(Array.from({ length: 10 }, (_, i) => record(patientA.address, 10 + i)));
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

  const grantId = await consent.grantIdOf(
    patientA.address,
    2,
    PURPOSES.treatment,
    SCOPES.recordType,
    RECORD_TYPES.prescription,
  );
  rows.push({
    key: "consent.revoke",
    operation: "consent revoke",
    gas: await gasOf(consent.connect(patientA).revoke(grantId)),
  });
  rows.push({
    key: "consent.emergencyOpen",
    operation: "emergency access opened",
    gas: await gasOf(
      consent.connect(hospital).openEmergency(patientB.address, hre.ethers.encodeBytes32String("unconscious")),
    ),
  });
  return rows;
}
