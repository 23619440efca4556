import {
  AbiCoder,
  type Interface,
  Signature,
  type Signer,
  ZeroHash,
  getAddress,
  keccak256,
  verifyTypedData,
} from "ethers";

import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed } from "../core.ts";
import { fromHex, fromUtf8, toHex, utf8 } from "../crypto/bytes.ts";
import { cidFromUri, ipfsUri, sha256Hex } from "../crypto/cid.ts";
import { decryptDocument, encryptDocument } from "../crypto/cipher.ts";
import { type EncryptionKey, type WrappedKey, unwrapKey, wrapKey } from "../crypto/ecies.ts";
import {
  DEVICE_BINDING_TYPES,
  DEVICE_PROVISIONING_TYPES,
  DEVICE_RECORD_TYPES,
  READING_ANCHOR_TYPES,
  compactSignature,
  devicesDomain,
} from "../eip712.ts";
import { enumLabel, parseRecordType } from "../labels.ts";
import { type KeyShareStore, shareContext } from "../shares.ts";
import type { BlobStore } from "../storage/blobs.ts";
import { reasonCode } from "./consent.ts";
import type { DocumentsApi } from "./documents.ts";
import type { HistoryApi } from "./history.ts";

const abi = AbiCoder.defaultAbiCoder();

/** The format of a batch of readings, inside its encryption. */
export const READINGS_FORMAT = "miip.readings/1";
/** The format of what is stored and anchored: the encrypted batch and its key wrapped for each reader. */
export const READINGS_ENVELOPE_FORMAT = "miip.readings-envelope/1";

/** The stored form of a batch: its ciphertext and its key wrapped for the patient and each following hospital. */
interface ReadingsEnvelope {
  format: typeof READINGS_ENVELOPE_FORMAT;
  keys: { account: string; publicKey: string; wrapped: WrappedKey }[];
  ciphertext: string;
}

/** One measurement: when (unix seconds) and its value, in the batch's unit. */
export type Reading = readonly [time: number, value: number];

/** A period of a device's readings, as the device's batch holds it (encrypted; never on chain). */
export interface ReadingBatch {
  format: typeof READINGS_FORMAT;
  /** The device's address. */
  device: string;
  sequence: number;
  from: number;
  to: number;
  /** What was measured ("glucose") and in what unit ("mg/dL"). */
  kind: string;
  unit: string;
  readings: Reading[];
}

/** Who a batch's key is wrapped for, besides the patient: a following hospital, at its account. */
export interface BatchRecipient {
  account: string;
  /** Its encryption public key (published to the document service: `DocumentService.publicKeyOf`). */
  publicKey: string;
}

/**
 * What a phone shows a device to pair it (a QR code, a BLE message): the patient it binds to, the chain and device
 * registry it is for, and until when. Strings and numbers only, so that it travels as JSON.
 */
export interface PairingRequest {
  chainId: string;
  registry: string;
  patientId: string;
  deadline: number;
}

/**
 * A device's answer to a pairing request: the binding it signed with its own key (its model and firmware, the
 * request's patient and deadline) and its manufacturer's provisioning from production. Its key never leaves it.
 */
export interface PairingAnswer {
  binding: { device: string; patientId: string; modelId: number; firmware: number; deadline: number };
  signature: { r: string; vs: string };
  provisioning: { r: string; vs: string };
}

/**
 * The device's side of a pairing, as its firmware runs it: signs the request's binding (EIP-712 `DeviceBinding`, in
 * the request's registry and chain) with its key, and hands back its provisioning. A reference for device makers,
 * and the simulated device of the demo and the tests.
 */
export async function answerPairing(
  device: Signer,
  request: PairingRequest,
  own: { modelId: number; firmware: number; provisioning: { r: string; vs: string } },
): Promise<PairingAnswer> {
  const binding = {
    device: getAddress(await device.getAddress()),
    patientId: request.patientId,
    modelId: own.modelId,
    firmware: own.firmware,
    deadline: request.deadline,
  };
  const domain = devicesDomain(BigInt(request.chainId), request.registry);
  const signature = compactSignature(await device.signTypedData(domain, DEVICE_BINDING_TYPES, binding));
  return { binding, signature, provisioning: own.provisioning };
}

/** A personal device as the registry holds it. */
export interface DeviceView {
  address: string;
  deviceId: bigint;
  patientId: bigint;
  modelId: number;
  firmware: number;
  status: string;
  /** Anchors it made. */
  sequence: number;
  /** The end of its last anchored period (its binding's time before any). */
  lastEnd: number;
  /** When it was bound: neither its anchors nor its records may speak for an earlier time. */
  boundAt: number;
}

/** An anchor as its event tells it: the batch's digest and address, never a value. */
export interface AnchorView {
  deviceId: bigint;
  patientId: bigint;
  sequence: number;
  from: number;
  to: number;
  count: number;
  firmware: number;
  batchDigest: string;
  uri: string;
  blockNumber: number;
}

/**
 * Patient-generated data (DeviceRegistry): device models a regulator approves, a patient's personal devices,
 * anchors of encrypted reading batches, the patient's own records and the writers it names, and remote monitoring
 * by hospitals under the patient's treatment consent. A batch is encrypted here (XChaCha20-Poly1305, a fresh key per
 * batch), its key wrapped for the patient and each following hospital in the same envelope, stored under its CID;
 * the chain gets the envelope's digest, the count, the period and the firmware, signed by the device.
 */
export class DevicesApi {
  constructor(
    private readonly core: Core,
    private readonly documents: DocumentsApi,
    private readonly history: HistoryApi,
    private readonly stores: { store?: BlobStore; shares?: KeyShareStore },
  ) {}

  private get store(): BlobStore {
    if (!this.stores.store) throw new MIIPClientError("reading batches need a blob store: connect with { store }");
    return this.stores.store;
  }

  private encode(fn: string, args: readonly unknown[]): string {
    return (this.core.contracts.devices.interface as Interface).encodeFunctionData(fn, args);
  }

  private get domain() {
    return devicesDomain(this.core.chainId, this.core.deployment.DeviceRegistry);
  }

  // ------------------------------------------------------------------------------------------- regulators

  /**
   * The manufacturer asks the regulator it chooses to approve a model (its technical file's digest) with these
   * firmware images: only that regulator can then approve it, and only with them.
   */
  async requestApproval(input: {
    regulatorId: number;
    modelDigest: string;
    firmwareDigests: string[];
  }): Promise<TxInfo> {
    return this.core.send(() =>
      this.core.contracts.devices.requestApproval(input.regulatorId, input.modelDigest, input.firmwareDigests),
    );
  }

  /**
   * The regulator a manufacturer asked approves its device model with the firmware versions it submitted (their
   * digests, as in the request).
   */
  async approveModel(input: {
    manufacturerId: number;
    modelDigest: string;
    firmwareDigests: string[];
  }): Promise<TxInfo & { modelId: bigint }> {
    const { devices } = this.core.contracts;
    const info = await this.core.send(() =>
      devices.approveModel(input.manufacturerId, input.modelDigest, input.firmwareDigests),
    );
    return { ...info, modelId: eventNamed(info, "ModelApproved").modelId as bigint };
  }

  /** The model's regulator approves a new firmware version (a patch); returns its index. */
  async approveFirmware(modelId: bigint | number, firmwareDigest: string): Promise<TxInfo & { firmware: number }> {
    const info = await this.core.send(() => this.core.contracts.devices.approveFirmware(modelId, firmwareDigest));
    return { ...info, firmware: Number(eventNamed(info, "FirmwareApproved").firmware) };
  }

  /** Any active regulator withdraws a firmware version (a recalled patch): its devices anchor nothing more on it. */
  async withdrawFirmware(modelId: bigint | number, firmware: number, reason: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.devices.withdrawFirmware(modelId, firmware, reasonCode(reason)));
  }

  /** Any active regulator withdraws a whole model. */
  async withdrawModel(modelId: bigint | number, reason: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.devices.withdrawModel(modelId, reasonCode(reason)));
  }

  /** A model, with which firmware versions stand approved. */
  async model(modelId: bigint | number) {
    const m = await this.core.read(() => this.core.contracts.devices.getModel(modelId));
    const count = Number(m.firmwareCount);
    const withdrawn = m.withdrawnAt !== 0n;
    const approved: number[] = [];
    for (let v = 0; v < count; v++) {
      if (!withdrawn && ((m.withdrawnFirmware >> BigInt(v)) & 1n) === 0n) approved.push(v);
    }
    return {
      modelId: BigInt(modelId),
      manufacturerId: Number(m.manufacturerId),
      regulatorId: Number(m.regulatorId),
      firmwareCount: count,
      withdrawn,
      withdrawnAt: Number(m.withdrawnAt),
      approvedFirmware: approved,
      modelDigest: m.modelDigest,
    };
  }

  // ---------------------------------------------------------------------------------------------- manufacturers

  /**
   * The manufacturer names the key that provisions its devices (its factory's signing key; zero address: its own
   * account again): provisioning then survives a move of its account, and a multisig manufacturer can provision.
   */
  async setProvisioner(key: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.devices.setProvisioner(getAddress(key)));
  }

  /** The key whose provisioning signatures a manufacturer's devices need: the one it named, or its account. */
  async provisionerOf(manufacturerId: number): Promise<string> {
    return this.core.read(() => this.core.contracts.devices.provisionerOf(manufacturerId));
  }

  /**
   * The model's manufacturer provisions a device key at production: its signature, which the device carries (a
   * certificate) and the patient's binding presents, proves the key is a real device of this model.
   */
  async provision(device: string, modelId: number): Promise<{ r: string; vs: string }> {
    const message = { device: getAddress(device), modelId };
    return compactSignature(await this.core.signer.signTypedData(this.domain, DEVICE_PROVISIONING_TYPES, message));
  }

  // ----------------------------------------------------------------------------------------------- patients

  /**
   * The patient binds a personal device whose key this client holds (a simulated device, a script): the pairing
   * request and the device's answer in one step. A real device answers on its own ({pairingRequest},
   * {answerPairing}, {bindAnswer}).
   */
  async bind(input: {
    device: Signer;
    provisioning: { r: string; vs: string };
    modelId: number;
    firmware: number;
    validFor?: number;
  }): Promise<TxInfo & { deviceId: bigint; address: string }> {
    const request = await this.pairingRequest(input.validFor);
    return this.bindAnswer(await answerPairing(input.device, request, input));
  }

  /** What the patient's phone shows a device to pair it (the signer's patient id), good for `validFor` seconds. */
  async pairingRequest(validFor = 600): Promise<PairingRequest> {
    return {
      chainId: this.core.chainId.toString(),
      registry: getAddress(this.core.deployment.DeviceRegistry),
      patientId: (await this.core.patientId()).toString(),
      deadline: (await this.core.now()) + validFor,
    };
  }

  /**
   * The patient binds a device from its answer to a pairing request: checked here first (for this patient, on this
   * chain and registry, in time, signed by the device's own key), then sent through the gateway (relayed when the
   * client has a relayer). The chain checks it again, with the manufacturer's provisioning.
   */
  async bindAnswer(answer: PairingAnswer): Promise<TxInfo & { deviceId: bigint; address: string }> {
    const patientId = await this.core.patientId();
    const { binding } = answer;
    if (BigInt(binding.patientId) !== patientId) {
      throw new MIIPClientError(`the device answered a pairing for patient ${binding.patientId}, not ${patientId}`);
    }
    if (binding.deadline < (await this.core.now())) {
      throw new MIIPClientError("the pairing request expired: make a new one and let the device answer it again");
    }
    const address = getAddress(binding.device);
    const packed = Signature.from({ r: answer.signature.r, yParityAndS: answer.signature.vs }).serialized;
    let signer = "";
    try {
      signer = verifyTypedData(this.domain, DEVICE_BINDING_TYPES, binding, packed);
    } catch {
      // A malformed signature is refused below like a wrong one.
    }
    if (signer !== address) {
      throw new MIIPClientError(`the answer is not signed by device ${address} for this registry and chain`);
    }
    const info = await this.core.sendPatient(
      "DeviceRegistry",
      this.encode("bindDevice", [binding, answer.signature, answer.provisioning]),
    );
    return { ...info, deviceId: eventNamed(info, "DeviceBound").deviceId as bigint, address };
  }

  /** The patient (or its guardian) revokes a lost or stolen device at once. */
  async revoke(device: string): Promise<TxInfo> {
    return this.core.sendPatient("DeviceRegistry", this.encode("revokeDevice", [getAddress(device)]));
  }

  /** A device by its address. */
  async device(address: string): Promise<DeviceView> {
    const d = await this.core.read(() => this.core.contracts.devices.deviceOf(address));
    return {
      address: getAddress(address),
      deviceId: d.deviceId,
      patientId: d.patientId,
      modelId: Number(d.modelId),
      firmware: Number(d.firmware),
      status: enumLabel("DeviceStatus", d.status),
      sequence: Number(d.sequence),
      lastEnd: Number(d.lastEnd),
      boundAt: Number(d.boundAt),
    };
  }

  /** A patient's devices (the signer's when no id is given), revoked ones included, in order of binding. */
  async list(patientId?: bigint | number): Promise<DeviceView[]> {
    const id = patientId ?? (await this.core.patientId());
    const { devices } = this.core.contracts;
    const found: DeviceView[] = [];
    for (let offset = 0; ; offset += 50) {
      const [page, total] = await devices.devicesOf(id, offset, 50);
      for (const address of page) found.push(await this.device(address));
      if (offset + 50 >= Number(total)) return found;
    }
  }

  /** Whether an institution may write into a patient's stream now: named by the patient, and active. */
  async isWriter(patientId: bigint | number, writerId: number): Promise<boolean> {
    return this.core.contracts.devices.isWriter(patientId, writerId);
  }

  /**
   * The writers a patient named (the signer's when no id is given) and did not remove, from its `WriterSet` events,
   * in order of naming, each with whether it may write now and its directory status: a writer suspended since stays
   * named and writes again once reinstated, a retired one never writes again; the patient sees both and can remove
   * them.
   */
  async writers(patientId?: bigint | number): Promise<{ writerId: number; mayWrite: boolean; status: string }[]> {
    const id = patientId ?? (await this.core.patientId());
    const { devices } = this.core.contracts;
    const named = new Map<number, boolean>();
    for (const log of await this.history.logs(devices, devices.filters.WriterSet(id))) {
      const writerId = Number(log.args[1]);
      // A removal then a naming again moves the writer to the end: the order is that of the current naming.
      named.delete(writerId);
      named.set(writerId, log.args[2] as boolean);
    }
    const current = [...named].filter(([, isNamed]) => isNamed).map(([writerId]) => writerId);
    const { participants } = this.core.contracts;
    return Promise.all(
      current.map(async (writerId) => ({
        writerId,
        mayWrite: await this.core.read(() => devices.isWriter(id, writerId)),
        status: enumLabel("Status", await this.core.read(() => participants.statusOf(writerId))),
      })),
    );
  }

  /** The patient names (or removes) an institution that may write records into its own stream. */
  async setWriter(writerId: number, named: boolean): Promise<TxInfo> {
    return this.core.sendPatient("DeviceRegistry", this.encode("setWriter", [writerId, named]));
  }

  /**
   * The patient writes a document of its own: from itself, or from one of its bound devices (`device`, its key,
   * signs the record and the firmware version that measured it, `firmware`: by default the one the registry holds
   * for it, for a record dated now; a record dated before (`issuedAt`) must name it, since the device may have run
   * another then. A device's record is the device's word). Encrypted and stored as a hospital's document, its key
   * wrapped for the patient; the record says its source and is never a treatment.
   */
  async writeOwn(input: {
    document: Uint8Array;
    recordType: string | number;
    device?: Signer;
    firmware?: number;
    issuedAt?: number;
    key?: EncryptionKey;
  }): Promise<TxInfo & { recordId: bigint; uri: string }> {
    const patientId = await this.core.patientId();
    const key = input.key ?? (await this.documents.encryptionKey());
    const sealed = await this.documents.seal(input.document);
    try {
      const record = {
        patientId,
        digest: sealed.digest,
        recordType: parseRecordType(input.recordType),
        issuedAt: input.issuedAt ?? (await this.core.now()),
        uri: sealed.uri,
      };
      let deviceId = 0n;
      let firmware = 0;
      let signature = { r: ZeroHash, vs: ZeroHash };
      if (input.device) {
        const device = await this.device(await input.device.getAddress());
        if (device.status !== "bound" || device.patientId !== patientId) {
          throw new MIIPClientError(`device ${device.address} is not a bound device of patient ${patientId}`);
        }
        deviceId = device.deviceId;
        if (input.issuedAt !== undefined && input.firmware === undefined) {
          throw new MIIPClientError("a device's record dated in the past names the firmware version that measured it");
        }
        firmware = input.firmware ?? device.firmware;
        const message = { device: device.address, ...record, firmware };
        signature = compactSignature(await input.device.signTypedData(this.domain, DEVICE_RECORD_TYPES, message));
      }
      const info = await this.core.sendPatient(
        "DeviceRegistry",
        this.encode("writeOwnRecord", [record, deviceId, firmware, signature]),
      );
      const recordId = eventNamed(info, "RecordRegistered").recordId as bigint;
      await this.documents.publishOwners(recordId, sealed.key, patientId, key.publicKey, key);
      return { ...info, recordId, uri: sealed.uri };
    } finally {
      sealed.key.fill(0);
    }
  }

  /** A writer the patient named writes a document into the patient's stream, its key wrapped for the patient. */
  async writeFor(input: {
    patientId: bigint | number;
    patientPublicKey: string;
    document: Uint8Array;
    recordType: string | number;
    issuedAt?: number;
  }): Promise<TxInfo & { recordId: bigint; uri: string }> {
    const sealed = await this.documents.seal(input.document);
    const record = {
      patientId: input.patientId,
      digest: sealed.digest,
      recordType: parseRecordType(input.recordType),
      issuedAt: input.issuedAt ?? (await this.core.now()),
      uri: sealed.uri,
    };
    const info = await this.core.send(() => this.core.contracts.devices.writeRecord(record));
    const recordId = eventNamed(info, "RecordRegistered").recordId as bigint;
    await this.documents.publishOwners(
      recordId,
      sealed.key,
      input.patientId,
      input.patientPublicKey,
      await this.documents.encryptionKey(),
    );
    return { ...info, recordId, uri: sealed.uri };
  }

  // ------------------------------------------------------------------------------------------------ anchors

  /** A batch's id in the contexts its key is wrapped under: a hash no record id equals, bound to the registry. */
  static batchId(device: string, sequence: number): bigint {
    return BigInt(keccak256(abi.encode(["string", "address", "uint32"], ["MIIP reading batch", device, sequence])));
  }

  private context(device: string, sequence: number, recipient: string): Uint8Array {
    return shareContext(
      this.core.chainId,
      this.core.deployment.DeviceRegistry,
      DevicesApi.batchId(device, sequence),
      recipient,
    );
  }

  /**
   * The patient's phone anchors a period of its device's readings: it encrypts the batch, stores it, wraps its key
   * for the patient and each recipient (the hospitals following), has the device sign the anchor, and sends it
   * (the client's signer pays: the phone, or a relayer the app uses). Nothing measured goes on chain.
   */
  async anchorReadings(input: {
    device: Signer;
    readings: Reading[];
    from: number;
    to: number;
    kind: string;
    unit: string;
    patientPublicKey: string;
    recipients?: BatchRecipient[];
    firmware?: number;
  }): Promise<TxInfo & { sequence: number; batchDigest: string; uri: string }> {
    if (input.readings.length === 0) throw new MIIPClientError("a batch holds at least one reading");
    const address = getAddress(await input.device.getAddress());
    const current = await this.device(address);
    if (current.status !== "bound") throw new MIIPClientError(`device ${address} is ${current.status}, not bound`);
    const sequence = current.sequence + 1;
    const batch: ReadingBatch = {
      format: READINGS_FORMAT,
      device: address,
      sequence,
      from: input.from,
      to: input.to,
      kind: input.kind,
      unit: input.unit,
      readings: input.readings,
    };
    // A hospital is sealed for only while it may read the patient's device readings (active, with a treatment basis):
    // the client never hands a batch's key to one that may not.
    for (const r of input.recipients ?? []) {
      if (!(await this.mayReadReadings(r.account, current.patientId))) {
        throw new MIIPClientError(`${r.account} may not read patient ${current.patientId}'s device readings`);
      }
    }
    const { ciphertext, key } = encryptDocument(utf8(JSON.stringify(batch)));
    try {
      const owner = await this.core.contracts.participants.patientAccount(current.patientId);
      const readers = [{ account: owner, publicKey: input.patientPublicKey }, ...(input.recipients ?? [])];
      const envelope: ReadingsEnvelope = {
        format: READINGS_ENVELOPE_FORMAT,
        keys: readers.map((r) => {
          const account = getAddress(r.account);
          return {
            account,
            publicKey: r.publicKey,
            wrapped: wrapKey(key, r.publicKey, this.context(address, sequence, account)),
          };
        }),
        ciphertext: toHex(ciphertext),
      };
      const stored = utf8(JSON.stringify(envelope));
      const uri = ipfsUri(await this.store.put(stored));
      const batchDigest = sha256Hex(stored);
      const anchor = {
        device: address,
        sequence,
        from: input.from,
        to: input.to,
        count: input.readings.length,
        firmware: input.firmware ?? current.firmware,
        batchDigest,
      };
      const signature = compactSignature(
        await input.device.signTypedData(this.domain, READING_ANCHOR_TYPES, {
          ...anchor,
          uriHash: keccak256(utf8(uri)),
        }),
      );
      const info = await this.core.send(() => this.core.contracts.devices.anchor(anchor, uri, signature));
      return { ...info, sequence, batchDigest, uri };
    } finally {
      key.fill(0);
    }
  }

  /**
   * Whether an institution may read a patient's device readings now, as the registry asks of a follower: active, with
   * a treatment basis over the device-readings type (a grant, or an open break-glass access).
   */
  private async mayReadReadings(account: string, patientId: bigint): Promise<boolean> {
    const member = await this.core.contracts.participants.memberOf(account);
    if (enumLabel("Status", member.status) !== "active") return false;
    return this.core.contracts.consent.allows(member.id, 0, patientId, parseRecordType("device-readings"), 0);
  }

  /** A device's anchors, oldest first, from their events. */
  async anchors(deviceId: bigint | number): Promise<AnchorView[]> {
    const { devices } = this.core.contracts;
    const logs = await this.history.logs(devices, devices.filters.ReadingsAnchored(deviceId));
    return logs.map((log) => ({
      deviceId: log.args[0] as bigint,
      patientId: log.args[1] as bigint,
      sequence: Number(log.args[2]),
      from: Number(log.args[3]),
      to: Number(log.args[4]),
      count: Number(log.args[5]),
      firmware: Number(log.args[6]),
      batchDigest: log.args[7] as string,
      uri: log.args[8] as string,
      blockNumber: log.blockNumber,
    }));
  }

  /**
   * Opens an anchored batch: the patient, or a hospital whose treatment basis for the patient's device readings
   * still holds (checked on chain now: a revoked or expired grant stops an honest client here). The ciphertext is
   * checked against the anchored digest before it is decrypted.
   */
  async readings(
    deviceId: bigint | number,
    sequence: number,
    options: { key?: EncryptionKey } = {},
  ): Promise<ReadingBatch> {
    const { devices, participants } = this.core.contracts;
    const device = await this.core.read(() => devices.deviceAddress(deviceId));
    const anchor = (await this.anchors(deviceId)).find((a) => a.sequence === sequence);
    if (!anchor) throw new MIIPClientError(`device ${deviceId} has no anchor ${sequence}`);
    const self = await this.core.address();
    const isPatient = (await participants.patientAccount(anchor.patientId)) === self;
    if (!isPatient && !(await this.mayReadReadings(self, anchor.patientId))) {
      throw new MIIPClientError(`${self} may not read patient ${anchor.patientId}'s device readings`);
    }
    const stored = await this.store.get(cidFromUri(anchor.uri));
    if (sha256Hex(stored) !== anchor.batchDigest.toLowerCase()) {
      throw new MIIPClientError(
        `device ${deviceId}'s batch ${sequence}: the stored ciphertext is not the anchored one`,
      );
    }
    const envelope = JSON.parse(fromUtf8(stored)) as ReadingsEnvelope;
    const mine = envelope.keys?.find((k) => getAddress(k.account) === self);
    if (envelope.format !== READINGS_ENVELOPE_FORMAT || !mine) {
      throw new MIIPClientError(`device ${deviceId}'s batch ${sequence} was not sealed for ${self}`);
    }
    const privateKey = (options.key ?? (await this.documents.encryptionKey())).privateKey;
    const batchKey = unwrapKey(mine.wrapped, privateKey, this.context(device, sequence, self));
    try {
      const batch = JSON.parse(fromUtf8(decryptDocument(fromHex(envelope.ciphertext), batchKey))) as ReadingBatch;
      if (batch.format !== READINGS_FORMAT || getAddress(batch.device) !== device || batch.sequence !== sequence) {
        throw new MIIPClientError(`device ${deviceId}'s batch ${sequence} does not say what was anchored`);
      }
      // The readings must be the anchored period's: a day's readings anchored again as another day are refused.
      if (batch.from !== anchor.from || batch.to !== anchor.to) {
        throw new MIIPClientError(`device ${deviceId}'s batch ${sequence} covers another period than its anchor's`);
      }
      if (batch.readings.some(([time]) => !(time >= anchor.from && time <= anchor.to))) {
        throw new MIIPClientError(`device ${deviceId}'s batch ${sequence} holds readings outside its anchored period`);
      }
      if (batch.readings.length !== anchor.count) {
        throw new MIIPClientError(
          `device ${deviceId}'s batch ${sequence} holds ${batch.readings.length} readings, anchored ${anchor.count}`,
        );
      }
      return batch;
    } finally {
      batchKey.fill(0);
    }
  }

  // --------------------------------------------------------------------------------------------- monitoring

  /** An active hospital with a treatment basis follows a patient's devices. */
  async follow(patientId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.devices.follow(patientId));
  }

  /** A following hospital stops following. */
  async unfollow(patientId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.devices.unfollow(patientId));
  }

  /** The patient stops a hospital following its devices. */
  async dropFollower(hospitalId: number): Promise<TxInfo> {
    return this.core.sendPatient("DeviceRegistry", this.encode("dropFollower", [hospitalId]));
  }

  /** Anyone drops a follower whose basis lapsed. */
  async dropLapsedFollower(patientId: bigint | number, hospitalId: number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.devices.dropLapsedFollower(patientId, hospitalId));
  }

  /** The hospitals following a patient's devices. */
  async followers(patientId: bigint | number): Promise<number[]> {
    return (await this.core.contracts.devices.followersOf(patientId)).map(Number);
  }

  /** The notices a hospital was sent (the signer's institution unless given): each a new anchor of a patient it follows. */
  async notices(
    hospitalId?: number,
  ): Promise<{ patientId: bigint; deviceId: bigint; sequence: number; blockNumber: number }[]> {
    const id = hospitalId ?? Number((await this.core.contracts.participants.memberOf(await this.core.address())).id);
    const { devices } = this.core.contracts;
    const logs = await this.history.logs(devices, devices.filters.MonitoringNotice(undefined, id));
    return logs.map((log) => ({
      patientId: log.args[0] as bigint,
      deviceId: log.args[2] as bigint,
      sequence: Number(log.args[3]),
      blockNumber: log.blockNumber,
    }));
  }
}

/**
 * A simulated continuous glucose monitor, for the demo and for testing a dApp without hardware: a reading every
 * `intervalMinutes` from `from` to `to`, a day's curve (meals raise it, the night lowers it) with a little noise
 * from a seed, so that the same seed always gives the same day. Values in mg/dL.
 */
export function simulateGlucose(input: {
  seed: string;
  from: number;
  to: number;
  intervalMinutes?: number;
}): Reading[] {
  const step = (input.intervalMinutes ?? 5) * 60;
  const readings: Reading[] = [];
  let state = BigInt(keccak256(utf8(input.seed)));
  for (let t = input.from; t <= input.to; t += step) {
    state = BigInt(keccak256(abi.encode(["uint256"], [state])));
    const hour = ((t % 86_400) / 3600 + 9) % 24; // Korean time
    const meal = [8, 12.5, 19].reduce((sum, at) => {
      const since = hour - at;
      return sum + (since >= 0 && since < 3 ? 55 * Math.exp(-since) * since : 0);
    }, 0);
    const night = hour < 6 ? -8 : 0;
    const noise = Number(state % 13n) - 6;
    readings.push([t, Math.round(95 + meal + night + noise)]);
  }
  return readings;
}
