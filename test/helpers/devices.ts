import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseWallet } from "ethers";

import {
  DEVICE_BINDING_TYPES,
  DEVICE_PROVISIONING_TYPES,
  DEVICE_RECORD_TYPES,
  READING_ANCHOR_TYPES,
  compactSignature,
  devicesDomain,
} from "../../config/eip712";
import { PURPOSES, RECORD_TYPES } from "../../config/roles";
import { deploySuiteFixture, onboard } from "./fixtures";
import { GUARDIAN_SALT, asGuardian, asPatient, guardianCommitment, registerPatients } from "./patients";

export const DAY = 86_400;
/** No signature: what a patient's own record (no device) passes as the device's. */
export const NO_SIG = { r: hre.ethers.ZeroHash, vs: hre.ethers.ZeroHash };
export const code = (text: string) => hre.ethers.encodeBytes32String(text);
/** The record type a hospital's consent names to follow a patient's devices (config/roles.ts). */
export const DEVICE_READINGS = RECORD_TYPES["device-readings"];

/** A device's key: a wallet the tests hold, as the device's secure element would. */
export const deviceKey = (seed: string) => new hre.ethers.Wallet(hre.ethers.id(`device:${seed}`));

export interface AnchorFields {
  sequence: number;
  from: number;
  to: number;
  count?: number;
  firmware?: number;
  batchDigest?: string;
}

/**
 * The suite with patient-generated data set up: a hospital, a second hospital, a pharmacy, a manufacturer, two
 * regulators; patients A and B, A with the named guardian (act power); model 1 approved by the first regulator for
 * the manufacturer with firmware versions 0 and 1; patient A's consent to the hospital for treatment over its
 * device readings. Helpers bind a device and sign and send anchors as the real paths do.
 */
async function devicesBuilt() {
  const s = await deploySuiteFixture();
  const { participants, devices, consent, registrar } = s;
  const otherRegulator = s.studyLab;
  const [hospital, second, pharmacy, manufacturer, regulator, regulator2, agency, researcher] = await onboard(
    participants,
    registrar,
    { account: s.hospital, kind: "hospital", name: "Seoul General Hospital" },
    { account: s.emergencyHospital, kind: "hospital", name: "Busan Medical Centre" },
    { account: s.pharmacy, kind: "pharmacy", name: "Gangnam Pharmacy" },
    { account: s.manufacturer, kind: "manufacturer", name: "Glucowatch" },
    { account: s.regulator, kind: "regulator", name: "MFDS" },
    { account: otherRegulator, kind: "regulator", name: "Lenient Agency" },
    { account: s.agency, kind: "public-health-agency", name: "NHIS Review Board" },
    { account: s.researcher, kind: "researcher", name: "KAIST Clinical Research" },
  );
  const ids = { hospital, second, pharmacy, manufacturer, regulator, regulator2, agency, researcher };
  const [patientA, patientB] = await registerPatients(participants, s.patientA, s.patientB);
  const patients = { a: patientA, b: patientB };
  await participants
    .connect(s.patientA)
    .setGuardian(guardianCommitment(patients.a, s.guardian.address, GUARDIAN_SALT), 2 /* POWER_ACT */);
  /** The manufacturer asks `regulatorId` (the first regulator unless said) to approve a model with this firmware. */
  async function request(modelDigest: string, firmware: string[], regulatorId: bigint = ids.regulator) {
    await devices.connect(s.manufacturer).requestApproval(regulatorId, modelDigest, firmware);
  }
  const cgm = [hre.ethers.id("fw 1.0"), hre.ethers.id("fw 1.1")];
  await request(hre.ethers.id("CGM technical file"), cgm);
  await devices.connect(s.regulator).approveModel(ids.manufacturer, hre.ethers.id("CGM technical file"), cgm);
  const far = (await time.latest()) + 365 * DAY;
  await asPatient(participants, s.patientA, patients.a, consent, "grant", [
    {
      patientId: patients.a,
      grantee: s.hospital.address,
      purpose: PURPOSES.treatment,
      scopeKind: 1,
      scope: [DEVICE_READINGS],
      expiresAt: far,
    },
  ]);
  const domain = devicesDomain(31337n, await devices.getAddress());

  /** The manufacturer's provisioning of a device key for a model (model 1 unless said), made at production. */
  async function provision(device: string, modelId = 1, maker: HardhatEthersSigner | BaseWallet = s.manufacturer) {
    return compactSignature(await maker.signTypedData(domain, DEVICE_PROVISIONING_TYPES, { device, modelId }));
  }

  /**
   * The device's signature over a binding to `patientId` (model 1, firmware 0 unless said), with the manufacturer's
   * provisioning of its key: the three arguments of `bindDevice`.
   */
  async function signBinding(
    key: BaseWallet,
    patientId: bigint,
    over: Partial<{ modelId: number; firmware: number; deadline: number; device: string }> = {},
  ) {
    const binding = {
      device: over.device ?? key.address,
      patientId,
      modelId: over.modelId ?? 1,
      firmware: over.firmware ?? 0,
      deadline: over.deadline ?? (await time.latest()) + DAY,
    };
    const signature = compactSignature(await key.signTypedData(domain, DEVICE_BINDING_TYPES, binding));
    return { binding, signature, provisioning: await provision(binding.device, binding.modelId) };
  }

  /** Patient A (or B) binds `key` through the gateway with the device's signature. */
  async function bind(key: BaseWallet, patient: "a" | "b" = "a") {
    const signer = patient === "a" ? s.patientA : s.patientB;
    const { binding, signature, provisioning } = await signBinding(key, patients[patient]);
    await asPatient(participants, signer, patients[patient], devices, "bindDevice", [binding, signature, provisioning]);
    return (await devices.deviceOf(key.address)).deviceId;
  }

  /** The device's signature over a record of its patient's stream, measured by `firmware` (0 unless said). */
  async function signRecord(key: BaseWallet, record: Awaited<ReturnType<typeof ownRecord>>, firmware = 0) {
    const message = {
      device: key.address,
      patientId: record.patientId,
      digest: record.digest,
      recordType: record.recordType,
      issuedAt: record.issuedAt,
      firmware,
    };
    return compactSignature(await key.signTypedData(domain, DEVICE_RECORD_TYPES, message));
  }

  /** An anchor signed by `key` (96 readings, firmware 0, a digest of its own unless said). */
  async function signAnchor(key: BaseWallet, fields: AnchorFields, uri = `ipfs://batch-${fields.sequence}`) {
    const anchor = {
      device: key.address,
      sequence: fields.sequence,
      from: fields.from,
      to: fields.to,
      count: fields.count ?? 96,
      firmware: fields.firmware ?? 0,
      batchDigest: fields.batchDigest ?? hre.ethers.id(`batch ${key.address} ${fields.sequence}`),
    };
    const signature = compactSignature(
      await key.signTypedData(domain, READING_ANCHOR_TYPES, { ...anchor, uriHash: hre.ethers.id(uri) }),
    );
    return { anchor, uri, signature };
  }

  /** Anyone (`sender`, the relayer by default) sends an anchor signed by `key`. */
  async function sendAnchor(key: BaseWallet, fields: AnchorFields, sender: HardhatEthersSigner = s.relayer) {
    const { anchor, uri, signature } = await signAnchor(key, fields);
    return devices.connect(sender).anchor(anchor, uri, signature);
  }

  /**
   * The device's next day of readings: from the second after its last anchor (or its binding) to a day later, the
   * clock moved there when it is not yet.
   */
  async function day(key: BaseWallet, sequence: number) {
    const from = Number((await devices.deviceOf(key.address)).lastEnd) + 1;
    const to = from + DAY - 1;
    if ((await time.latest()) < to) await time.increaseTo(to);
    return { sequence, from, to };
  }

  const asA = (fn: string, args: readonly unknown[]) =>
    asPatient(participants, s.patientA, patients.a, devices, fn, args);
  const asB = (fn: string, args: readonly unknown[]) =>
    asPatient(participants, s.patientB, patients.b, devices, fn, args);
  const asGuardianOfA = (fn: string, args: readonly unknown[]) =>
    asGuardian(participants, s.guardian, patients.a, GUARDIAN_SALT, devices, fn, args);

  /** A record for a patient's own stream (device readings unless said), dated now. */
  async function ownRecord(patientId: bigint, label: string, recordType: number = DEVICE_READINGS) {
    return {
      patientId,
      digest: hre.ethers.id(`own record ${label}`),
      recordType,
      issuedAt: await time.latest(),
      uri: `ipfs://${label}`,
    };
  }

  return {
    ...s,
    ids,
    patients,
    otherRegulator,
    request,
    domain,
    far,
    provision,
    signBinding,
    signRecord,
    bind,
    signAnchor,
    sendAnchor,
    day,
    asA,
    asB,
    asGuardianOfA,
    ownRecord,
  };
}

/** See {devicesBuilt}: built once per test process and restored from its snapshot after. */
export async function devicesFixture() {
  return loadFixture(devicesBuilt);
}
