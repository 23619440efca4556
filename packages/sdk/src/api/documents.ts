import { ZeroHash, getAddress } from "ethers";

import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError } from "../core.ts";
import { cidFromUri, ipfsUri, sha256Hex } from "../crypto/cid.ts";
import { decryptDocument, encryptDocument } from "../crypto/cipher.ts";
import {
  ENCRYPTION_KEY_MESSAGE,
  type EncryptionKey,
  encryptionKeyFromSignature,
  unwrapKey,
  wrapKey,
} from "../crypto/ecies.ts";
import type { BlobStore } from "../storage/blobs.ts";
import { type KeyShare, type KeyShareStore, shareContext } from "../shares.ts";
import type { HistoryApi } from "./history.ts";
import type { RecordsApi } from "./records.ts";

/** A document a hospital adds for a patient. */
export interface DocumentInput {
  /** The patient's id; the document key is wrapped for the patient's current address. */
  patientId: bigint | number;
  /** The patient's encryption public key (the patient's client derives it: `documents.encryptionKey()`). */
  patientPublicKey: string;
  /** The plain document; it is encrypted before anything leaves this process. */
  document: Uint8Array;
  recordType: string | number;
  issuedAt?: number;
  /** The hospital's own encryption key, so it can reopen what it wrote; derived from the signer if absent. */
  issuerKey?: EncryptionKey;
}

/** The session's encryption key was forgotten while it was being derived (see `forgetEncryptionKey`). */
function forgotten(): MIIPClientError {
  return new MIIPClientError("the encryption key was forgotten while the wallet was signing for it: ask again");
}

/** A document's ciphertext failed its on-chain digest: the store returned something else than was registered. */
export class DocumentIntegrityError extends Error {
  override readonly name = "DocumentIntegrityError";
}

/**
 * Encrypted medical documents. The hospital's client encrypts a document (XChaCha20-Poly1305, a fresh key per
 * document), stores the ciphertext under its IPFS CID, registers the record with the ciphertext's SHA-256 and
 * `ipfs://<cid>`, and wraps the document key for the patient (and itself) with ECIES. The patient's client
 * re-wraps that key for a grantee when it grants access. Plain text leaves the caller's process never: not to
 * the chain, not to the store, not to the share store.
 */
export class DocumentsApi {
  constructor(
    private readonly core: Core,
    private readonly records: RecordsApi,
    private readonly history: HistoryApi,
    private readonly stores: { store?: BlobStore; shares?: KeyShareStore },
  ) {}

  private get store(): BlobStore {
    if (!this.stores.store) throw new MIIPClientError("documents need a blob store: connect with { store }");
    return this.stores.store;
  }

  private get shares(): KeyShareStore {
    if (!this.stores.shares) throw new MIIPClientError("documents need a key-share store: connect with { shares }");
    return this.stores.shares;
  }

  /** The session's encryption key, for one signer address; `cancel` fails it at once when still pending. */
  private session?: { address: string; key: Promise<EncryptionKey>; cancel: () => void };
  /** Every private key this client derived and has not wiped: what `forgetEncryptionKey` and an account switch wipe. */
  private readonly derived = new Set<Uint8Array>();
  /** Counts the ends of sessions: a derivation that one overtook is not kept. */
  private forgets = 0;

  /**
   * The signer's encryption key, derived from its signature of a fixed message (wallets do not hand out their
   * private key). Deterministic, so the same account always finds the same key; publish `publicKey` to those
   * who will share documents with you. Derived once per session (this client's life): later calls, and every
   * `open`, `add` and `share`, reuse it without asking the wallet again; a refused signature is asked again next
   * time. `forgetEncryptionKey()` ends the session's key (a shared computer, a locked screen): a derivation it
   * overtakes fails at once, and its key is wiped when the wallet answers. A change of account ends the previous
   * account's session the same way.
   */
  async encryptionKey(): Promise<EncryptionKey> {
    const generation = this.forgets;
    const address = await this.core.address();
    if (generation !== this.forgets) throw forgotten();
    if (this.session?.address !== address) {
      if (this.session) this.endSession();
      const started = this.forgets;
      let cancel!: () => void;
      const cancelled = new Promise<never>((_, reject) => (cancel = () => reject(forgotten())));
      const signed = this.core.signer.signMessage(ENCRYPTION_KEY_MESSAGE).then((signature) => {
        const derived = encryptionKeyFromSignature(signature);
        if (started !== this.forgets) {
          derived.privateKey.fill(0);
          throw forgotten();
        }
        this.derived.add(derived.privateKey);
        return derived;
      });
      const key = Promise.race([signed, cancelled]);
      // Whichever loses the race is settled here, never left unhandled.
      signed.catch(() => undefined);
      cancelled.catch(() => undefined);
      key.catch(() => {
        if (this.session?.key === key) this.session = undefined;
      });
      this.session = { address, key, cancel };
    }
    return this.session.key;
  }

  /** Ends the session: a pending derivation fails now, and every key derived is wiped. */
  private endSession(): void {
    this.forgets++;
    this.session?.cancel();
    this.session = undefined;
    for (const privateKey of this.derived) privateKey.fill(0);
    this.derived.clear();
  }

  /**
   * Wipes the session's encryption key (and any this client derived) from memory, at once: the next use asks the
   * wallet to sign again, and a derivation still waiting for the wallet fails now.
   */
  async forgetEncryptionKey(): Promise<void> {
    this.endSession();
  }

  private context(recordId: bigint, recipient: string): Uint8Array {
    return shareContext(this.core.chainId, this.core.deployment.RecordRegistry, recordId, recipient);
  }

  private async publish(recordId: bigint, key: Uint8Array, recipient: string, publicKey: string, grantId: string) {
    const share: KeyShare = {
      recordId: recordId.toString(),
      recipient: getAddress(recipient),
      grantId,
      publicKey,
      wrapped: wrapKey(key, publicKey, this.context(recordId, recipient)),
      createdAt: await this.core.now(),
    };
    await this.shares.put(share);
    return share;
  }

  /**
   * Encrypts and stores one document: the ciphertext's digest and URI for the chain, the key for the shares (the
   * caller wipes it). Shared with the device registry's API for a patient's own documents.
   * @internal
   */
  async seal(document: Uint8Array): Promise<{ key: Uint8Array; cid: string; digest: string; uri: string }> {
    const { ciphertext, key } = encryptDocument(document);
    const cid = await this.store.put(ciphertext);
    return { key, cid, digest: sha256Hex(ciphertext), uri: ipfsUri(cid) };
  }

  /**
   * Wraps a new record's key for its patient (at its current address) and its writer, then forgets it.
   * @internal
   */
  async publishOwners(
    recordId: bigint,
    key: Uint8Array,
    patientId: bigint | number,
    patientKey: string,
    issuer: EncryptionKey,
  ) {
    try {
      const patient = await this.core.contracts.participants.patientAccount(patientId);
      await this.publish(recordId, key, patient, patientKey, ZeroHash);
      await this.publish(recordId, key, await this.core.address(), issuer.publicKey, ZeroHash);
    } finally {
      key.fill(0);
    }
  }

  /**
   * A hospital adds a document: encrypts it, stores the ciphertext, registers the record, and leaves the
   * document key wrapped for the patient and for itself.
   */
  async add(input: DocumentInput): Promise<TxInfo & { recordId: bigint; cid: string; digest: string; uri: string }> {
    const sealed = await this.seal(input.document);
    const issuerKey = input.issuerKey ?? (await this.encryptionKey());
    const result = await this.records.register({
      patientId: input.patientId,
      digest: sealed.digest,
      recordType: input.recordType,
      issuedAt: input.issuedAt,
      uri: sealed.uri,
    });
    await this.publishOwners(result.recordId, sealed.key, input.patientId, input.patientPublicKey, issuerKey);
    return { ...result, cid: sealed.cid, digest: sealed.digest, uri: sealed.uri };
  }

  /** Several documents in one transaction (a hospital's end-of-day upload): all registered or none. */
  async addBatch(
    inputs: DocumentInput[],
    options: { issuerKey?: EncryptionKey } = {},
  ): Promise<TxInfo & { recordIds: bigint[]; uris: string[] }> {
    const issuerKey = options.issuerKey ?? (await this.encryptionKey());
    const sealed: { key: Uint8Array; cid: string; digest: string; uri: string }[] = [];
    for (const input of inputs) sealed.push(await this.seal(input.document));
    const result = await this.records.registerBatch(
      inputs.map((input, i) => ({
        patientId: input.patientId,
        digest: sealed[i].digest,
        recordType: input.recordType,
        issuedAt: input.issuedAt,
        uri: sealed[i].uri,
      })),
    );
    for (const [i, recordId] of result.recordIds.entries()) {
      await this.publishOwners(recordId, sealed[i].key, inputs[i].patientId, inputs[i].patientPublicKey, issuerKey);
    }
    return { ...result, uris: sealed.map((s) => s.uri) };
  }

  /** The issuing hospital registers a corrected document for a record; the old version stays as history. */
  async amend(
    recordId: bigint | number,
    input: Omit<DocumentInput, "recordType">,
  ): Promise<TxInfo & { recordId: bigint; uri: string }> {
    const sealed = await this.seal(input.document);
    const issuerKey = input.issuerKey ?? (await this.encryptionKey());
    const result = await this.records.amend(recordId, {
      digest: sealed.digest,
      uri: sealed.uri,
      issuedAt: input.issuedAt,
    });
    await this.publishOwners(result.recordId, sealed.key, input.patientId, input.patientPublicKey, issuerKey);
    return { ...result, uri: sealed.uri };
  }

  /**
   * The patient (or anyone holding the key) shares a record's key with a grantee, under the grant that lets
   * the grantee read it; only the grantee's private key unwraps it.
   */
  async share(input: {
    recordId: bigint | number;
    grantee: string;
    granteePublicKey: string;
    grantId: string;
    key?: EncryptionKey;
  }): Promise<KeyShare> {
    const recordId = BigInt(input.recordId);
    const documentKey = await this.documentKey(recordId, input.key);
    try {
      return await this.publish(recordId, documentKey, input.grantee, input.granteePublicKey, input.grantId);
    } finally {
      documentKey.fill(0);
    }
  }

  private async documentKey(recordId: bigint, key?: EncryptionKey): Promise<Uint8Array> {
    const self = await this.core.address();
    const share = await this.shares.get(recordId, self);
    if (!share) throw new MIIPClientError(`no key share for record ${recordId} and ${self}`);
    return unwrapKey(share.wrapped, (key ?? (await this.encryptionKey())).privateKey, this.context(recordId, self));
  }

  /**
   * Opens a record's document: checks on chain that the signer may read it for `purpose` (a revoked or
   * expired grant stops an honest client here), fetches the ciphertext, checks it against the registered
   * digest, unwraps the key and decrypts.
   */
  async open(recordId: bigint | number, options: { purpose: string | number; key?: EncryptionKey }) {
    const id = BigInt(recordId);
    const self = await this.core.address();
    if (!(await this.records.canRead(self, id, options.purpose))) {
      throw new MIIPClientError(`${self} may not read record ${id} for ${options.purpose}`);
    }
    const { digest, uri } = await this.history.documentOf(id);
    const ciphertext = await this.store.get(cidFromUri(uri));
    if (sha256Hex(ciphertext) !== digest.toLowerCase()) {
      throw new DocumentIntegrityError(`record ${id}: the stored ciphertext does not match the registered digest`);
    }
    const documentKey = await this.documentKey(id, options.key);
    try {
      return decryptDocument(ciphertext, documentKey);
    } finally {
      documentKey.fill(0);
    }
  }
}
