import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseWallet } from "ethers";

import { DEVICE_BINDING_TYPES, READING_ANCHOR_TYPES, compactSignature, devicesDomain } from "../../config/eip712";
import { PURPOSES, RECORD_TYPES } from "../../config/roles";
import { deploySuiteFixture, onboard } from "./fixtures";
import { GUARDIAN_SALT, asGuardian, asPatient, guardianCommitment, registerPatients } from "./patients";

export const DAY = 86_400;
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
  const [hospital, second, pharmacy, manufacturer, regulator, regulator2] = await onboard(
    participants,
    registrar,
    { account: s.hospital, kind: "hospital", name: "Seoul General Hospital" },
    { account: s.emergencyHospital, kind: "hospital", name: "Busan Medical Centre" },
    { account: s.pharmacy, kind: "pharmacy", name: "Gangnam Pharmacy" },
    { account: s.manufacturer, kind: "manufacturer", name: "Glucowatch" },
    { account: s.regulator, kind: "regulator", name: "MFDS" },
    { account: otherRegulator, kind: "regulator", name: "Lenient Agency" },
  );
  const ids = { hospital, second, pharmacy, manufacturer, regulator, regulator2 };
  const [patientA, patientB] = await registerPatients(participants, s.patientA, s.patientB);
  const patients = { a: patientA, b: patientB };
  await participants
    .connect(s.patientA)
    .setGuardian(guardianCommitment(patients.a, s.guardian.address, GUARDIAN_SALT), 2 /* POWER_ACT */);
  await devices
    .connect(s.regulator)
    .approveModel(ids.manufacturer, hre.ethers.id("CGM technical file"), [
      hre.ethers.id("fw 1.0"),
      hre.ethers.id("fw 1.1"),
    ]);
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

  /** The device's signature over a binding to `patientId` (model 1, firmware 0 unless said). */
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
    return { binding, signature: compactSignature(await key.signTypedData(domain, DEVICE_BINDING_TYPES, binding)) };
  }

  /** Patient A (or B) binds `key` through the gateway with the device's signature. */
  async function bind(key: BaseWallet, patient: "a" | "b" = "a") {
    const signer = patient === "a" ? s.patientA : s.patientB;
    const { binding, signature } = await signBinding(key, patients[patient]);
    await asPatient(participants, signer, patients[patient], devices, "bindDevice", [binding, signature]);
    return (await devices.deviceOf(key.address)).deviceId;
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

  /** A day of readings ending now, as the device's next anchor. */
  async function day(sequence: number) {
    const to = await time.latest();
    return { sequence, from: to - DAY + 1, to };
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
    domain,
    far,
    signBinding,
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
