import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { type Interface, Wallet, ZeroHash, id } from "ethers";

import {
  DEVICE_BINDING_TYPES,
  DEVICE_PROVISIONING_TYPES,
  DEVICE_RECORD_TYPES,
  READING_ANCHOR_TYPES,
  compactSignature,
  devicesDomain,
} from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS, PURPOSES, RECORD_TYPES } from "../config/roles";
import { freshSuite, gasOf, measure, onboardAll, registerBenchPatients, relayed, type GasRow } from "./types";

const DAY = 86_400;

/**
 * Issue 20: patient-generated data. A patient binds a glucose monitor (relayed, no ETH), the monitor anchors a day of
 * encrypted readings (its own signature, sent by the patient's phone or any relayer), a hospital follows it under
 * the patient's treatment consent, and the patient writes a record of its own (relayed).
 */
export async function benchDevices(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants, consent, devices } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, hospital, manufacturer, regulator, relayer] = [
    who("registrar"),
    who("hospital"),
    who("manufacturer"),
    who("regulator"),
    who("relayer"),
  ];
  await onboardAll(participants, registrar, [
    [hospital, KINDS.hospital, "Seoul General Hospital"],
    [manufacturer, KINDS.manufacturer, "Glucowatch"],
    [regulator, KINDS.regulator, "MFDS"],
  ]);
  const manufacturerId = (await participants.memberOf(manufacturer.address)).id;
  const regulatorId = (await participants.memberOf(regulator.address)).id;
  const firmware = [id("fw 1.0"), id("fw 1.1")];
  await devices.connect(manufacturer).requestApproval(regulatorId, id("CGM technical file"), firmware);
  await devices.connect(regulator).approveModel(manufacturerId, id("CGM technical file"), firmware);
  const patientIds = await registerBenchPatients(hre, participants, 2);
  const keys = patientIds.map((_, i) => new Wallet(id(`bench patient ${i}`), hre.ethers.provider));
  const target = await devices.getAddress();
  const encode = (fn: string, args: readonly unknown[]) =>
    (devices.interface as unknown as Interface).encodeFunctionData(fn, args);
  const asPatient = (i: number, fn: string, args: readonly unknown[]) =>
    relayed(hre, participants, keys[i], relayer, patientIds[i], target, encode(fn, args));
  const domain = devicesDomain((await hre.ethers.provider.getNetwork()).chainId, target);
  const monitors = patientIds.map((_, i) => new Wallet(id(`bench glucose monitor ${i}`)));
  const bind = async (i: number) => {
    const binding = {
      device: monitors[i].address,
      patientId: patientIds[i],
      modelId: 1,
      firmware: 0,
      deadline: (await time.latest()) + DAY,
    };
    const signature = compactSignature(await monitors[i].signTypedData(domain, DEVICE_BINDING_TYPES, binding));
    const provisioning = compactSignature(
      await manufacturer.signTypedData(domain, DEVICE_PROVISIONING_TYPES, { device: binding.device, modelId: 1 }),
    );
    return asPatient(i, "bindDevice", [binding, signature, provisioning]);
  };
  const rows: GasRow[] = [];
  await bind(0);
  const bound = await measure(hre, bind(1));
  rows.push({
    key: "devices.bind.relayed",
    operation: "a patient binds a personal device, relayed (no ETH): the device's signature, a slot per device",
    gas: bound.gas,
    calls: bound.calls,
    note: "issue 20: the patient's second device costs the same; its first ever writes the patient's list length",
  });
  // A day of readings (288: one every five minutes), anchored by the device's signature, sent by the relayer.
  const anchor = async (i: number, sequence: number) => {
    const from = Number((await devices.deviceOf(monitors[i].address)).lastEnd) + 1;
    const to = from + DAY - 1;
    if ((await time.latest()) < to) await time.increaseTo(to);
    const uri = `ipfs://bafkrei${id(`readings ${i} ${sequence}`).slice(2, 54)}`;
    const a = {
      device: monitors[i].address,
      sequence,
      from,
      to,
      count: 288,
      firmware: 0,
      batchDigest: id(`encrypted batch ${i} ${sequence}`),
    };
    const signature = compactSignature(
      await monitors[i].signTypedData(domain, READING_ANCHOR_TYPES, { ...a, uriHash: id(uri) }),
    );
    return devices.connect(relayer).anchor(a, uri, signature);
  };
  await anchor(0, 1);
  const daily = await measure(hre, anchor(0, 2));
  rows.push({
    key: "devices.anchor.daily",
    operation: "a device anchors a day of encrypted readings (digest, count, period, firmware; never a value)",
    gas: daily.gas,
    calls: daily.calls,
    target: 60_000,
    note: "issue 20: the device's slot, its model's slot and the patient's followers' slot; no follower here",
  });
  // Patient 1 lets the hospital follow its devices (a treatment grant over its device readings).
  await asPatientConsent();
  await devices.connect(hospital).follow(patientIds[1]);
  await anchor(1, 1);
  rows.push({
    key: "devices.anchor.daily.followed",
    operation: "the same daily anchor, its patient followed by one hospital (its consent asked again, one notice)",
    note: "issue 20: each follower's treatment basis is asked of the consent manager at every anchor (at most four)",
    gas: await gasOf(anchor(1, 2)),
  });
  const record = (label: string) => ({
    patientId: patientIds[0],
    digest: id(`own record ${label}`),
    recordType: RECORD_TYPES["device-readings"],
    issuedAt: 0,
    uri: `ipfs://bafkrei${id(label).slice(2, 54)}`,
  });
  const now = await time.latest();
  await asPatient(0, "writeOwnRecord", [{ ...record("first"), issuedAt: now }, 0, 0, { r: ZeroHash, vs: ZeroHash }]);
  // A monthly report from the monitor: the device signs the record, the patient writes it relayed.
  const report = { ...record("second"), issuedAt: now };
  const signed = compactSignature(
    await monitors[0].signTypedData(domain, DEVICE_RECORD_TYPES, {
      device: monitors[0].address,
      patientId: report.patientId,
      digest: report.digest,
      recordType: report.recordType,
      issuedAt: report.issuedAt,
      firmware: 0,
    }),
  );
  const written = await measure(hre, asPatient(0, "writeOwnRecord", [report, 1, 0, signed]));
  rows.push({
    key: "devices.writeOwnRecord.relayed",
    operation: "a patient writes a record of its own, from its device, relayed (no ETH)",
    gas: written.gas,
    calls: written.calls,
    note: "issue 20: the registry's record slots as a hospital's, its source in one slot more",
  });
  return rows;

  async function asPatientConsent() {
    const far = (await time.latest()) + 365 * DAY;
    await relayed(
      hre,
      participants,
      keys[1],
      relayer,
      patientIds[1],
      await consent.getAddress(),
      (consent.interface as unknown as Interface).encodeFunctionData("grant", [
        {
          patientId: patientIds[1],
          grantee: hospital.address,
          purpose: PURPOSES.treatment,
          scopeKind: 1,
          scope: [RECORD_TYPES["device-readings"]],
          expiresAt: far,
        },
      ]),
    );
  }
}
