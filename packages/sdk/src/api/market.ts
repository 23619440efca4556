import { type Interface, getAddress, isHexString } from "ethers";

import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed } from "../core.ts";
import { fromHex, fromUtf8, toHex, utf8 } from "../crypto/bytes.ts";
import { cidFromUri, cidV1, ipfsUri, sha256Hex } from "../crypto/cid.ts";
import { decryptDocument, encryptDocument } from "../crypto/cipher.ts";
import { type EncryptionKey, type WrappedKey, unwrapKey, wrapKey } from "../crypto/ecies.ts";
import { type Deidentified, deidentify } from "../deidentify.ts";
import {
  type RecordSourceName,
  enumLabel,
  parseRecordType,
  recordTypeName,
  sourcesMask,
  sourcesOf,
} from "../labels.ts";
import { shareContext } from "../shares.ts";
import type { BlobStore } from "../storage/blobs.ts";
import { reasonCode } from "./consent.ts";
import type { DocumentsApi } from "./documents.ts";
import type { HistoryApi } from "./history.ts";
import { type Page, type Paged, pageOf } from "./paging.ts";
import { approveIfShort } from "./permit.ts";

const DAY = 86_400;
const ENVELOPE_FORMAT = "miip-contribution/2";
const KEY_FORMAT = "miip-contribution-key/1";

/** What a researcher asks for (see `market.openRequest`). */
export interface DataRequestInput {
  /** The record types wanted, by name ("lab-result") or number. */
  recordTypes: (string | number)[];
  /** The period the source records were issued in, in seconds. */
  from: number;
  to: number;
  /** The terms the researcher is bound by (the document, or its 32-byte digest): public, only the digest on chain. */
  terms: Uint8Array | string;
  /** The de-identification it requires (the document, or its digest). */
  deidentification: Uint8Array | string;
  /** IST paid per accepted contribution (wei). */
  price: bigint;
  maxContributions: number;
  /** The last second a contribution may be delivered. */
  deadline: number;
  /** How long after a delivery the researcher may contest it; 7 days when absent. */
  contestWindowDays?: number;
  /** The public-health agency (institution id) that decides contests: patients see it before they opt in. */
  arbitratorId: number;
  /**
   * The record sources accepted: a hospital's records only when absent; add "patient", "device" or "writer" to buy
   * patient-generated data knowingly (a patient's own "lab result" is not a laboratory's).
   */
  sources?: RecordSourceName[];
}

/** A request as the market holds it, with what follows from its counters. */
export interface DataRequestView {
  requestId: bigint;
  researcherId: number;
  recordTypes: string[];
  from: number;
  to: number;
  termsDigest: string;
  deidentificationDigest: string;
  price: bigint;
  maxContributions: number;
  deadline: number;
  contestWindow: number;
  /** The public-health agency that decides contests. */
  arbitratorId: number;
  /** The record sources it accepts. */
  sources: RecordSourceName[];
  closed: boolean;
  /** Open for opt-ins and deliveries: not closed, deadline not passed, room left, its researcher active. */
  open: boolean;
  /** Whether the researcher is active (a suspended or retired one's request takes nothing new). */
  researcherActive: boolean;
  delivered: number;
  /** Delivered or contested, not yet decided. */
  pending: number;
  paid: bigint;
  refunded: bigint;
  /** What a refund would return now (0 until closed). */
  refundable: bigint;
  /** price × maxContributions: what was escrowed at opening. */
  budget: bigint;
}

/** A contribution as the market holds it, with its digest and address from its event. */
export interface ContributionView {
  contributionId: bigint;
  requestId: bigint;
  patientId: bigint;
  /** "delivered", "contested", "paid" or "rejected". */
  status: string;
  contestBy: number;
  arbitrateBy: number;
  digest: string;
  uri: string;
  sources: number;
}

/** What a patient's client sends: a de-identified copy of its records, sealed for the researcher. */
export interface ContributionInput {
  requestId: bigint | number;
  /** The patient's records the copy is made from (1 to 20, of the requested types and period). */
  recordIds: (bigint | number)[];
  /** The researcher's encryption public key (its client derives it: `documents.encryptionKey()`). */
  researcherPublicKey: string;
  /**
   * Called with each source's de-identified copy before anything is sealed: return false to send nothing (the
   * patient's review). Absent, everything is sent.
   */
  review?: (copies: (Deidentified & { recordId: bigint })[]) => boolean | Promise<boolean>;
  /** The patient's encryption key, to open its records; derived from the signer when absent. */
  key?: EncryptionKey;
}

/**
 * The envelope a contribution is stored as: the ciphertext, and where its key will be. The key (wrapped for the
 * researcher) is stored only once the contribution is on chain: a contribution that never lands (the request
 * closed or filled first, perhaps by a researcher front-running it) leaves the researcher a ciphertext it cannot
 * open, though its address was in the failed transaction.
 */
interface Envelope {
  format: typeof ENVELOPE_FORMAT;
  requestId: string;
  researcher: string;
  /** `ipfs://<cid>` of the {@link KeyBlob}, computed before it is stored. */
  key: string;
  ciphertext: string;
}

/** The contribution's document key, wrapped for the researcher, released after the contribution landed. */
interface KeyBlob {
  format: typeof KEY_FORMAT;
  requestId: string;
  researcher: string;
  wrapped: WrappedKey;
}

/** A de-identified contribution, opened by its researcher. */
export interface OpenedContribution {
  contributionId: bigint;
  /** One entry per source record, in the order the patient gave them. */
  documents: { format: string; document: string }[];
}

/**
 * The research data market: researchers buy de-identified data, patients are paid in IST. A researcher opens a
 * request and escrows its budget; a patient opts in and contributes through the directory's gateway (gasless with
 * `miip.gasless(relayer)`); the researcher accepts or contests; the agency arbitrates; anyone settles what the
 * deadlines decide; closing refunds only the remainder.
 *
 * De-identification happens here, in the patient's client ({@link deidentify}): the chain cannot check it, and
 * the request's terms digest is what binds the researcher.
 */
export class MarketApi {
  constructor(
    private readonly core: Core,
    private readonly documents: DocumentsApi,
    private readonly history: HistoryApi,
    private readonly stores: { store?: BlobStore },
  ) {}

  private get store(): BlobStore {
    if (!this.stores.store) throw new MIIPClientError("contributions need a blob store: connect with { store }");
    return this.stores.store;
  }

  private encode(fn: string, args: readonly unknown[]): string {
    return (this.core.contracts.market.interface as Interface).encodeFunctionData(fn, args);
  }

  /**
   * An active researcher (or manufacturer) opens a request, approving the market for the budget first when its
   * allowance is short (that approval's gas is included in the result).
   */
  async openRequest(input: DataRequestInput): Promise<TxInfo & { requestId: bigint; budget: bigint }> {
    if (input.recordTypes.length === 0) throw new MIIPClientError("a request names at least one record type");
    let mask = 0n;
    for (const type of input.recordTypes) mask |= 1n << BigInt(parseRecordType(type));
    const onChain = {
      recordTypes: mask,
      from: input.from,
      to: input.to,
      termsDigest: digestOf(input.terms, "terms"),
      deidentificationDigest: digestOf(input.deidentification, "deidentification"),
      price: input.price,
      maxContributions: input.maxContributions,
      deadline: input.deadline,
      contestWindow: Math.round((input.contestWindowDays ?? 7) * DAY),
      arbitratorId: input.arbitratorId,
      sources: sourcesMask(input.sources ?? ["hospital"]),
    };
    const budget = input.price * BigInt(input.maxContributions);
    const market = this.core.deployment.ResearchMarket;
    const approvalGas = await approveIfShort(this.core, this.core.deployment.INSSETToken, market, budget);
    const info = await this.core.send(() => this.core.contracts.market.openRequest(onChain));
    const opened = eventNamed(info, "RequestOpened");
    return { ...info, gasUsed: info.gasUsed + approvalGas, requestId: opened.requestId as bigint, budget };
  }

  /** A request, with its state. */
  async request(requestId: bigint | number): Promise<DataRequestView> {
    const { market } = this.core.contracts;
    const [r, refundable, now] = await Promise.all([
      this.core.read(() => market.getRequest(requestId)),
      market.refundable(requestId),
      this.core.now(),
    ]);
    const { participants } = this.core.contracts;
    const researcher = await participants.memberOf(await participants.accountOf(r.researcherId));
    const researcherActive = enumLabel("Status", researcher.status) === "active";
    const input = r.input;
    const types: string[] = [];
    for (let t = 0; t < 128; t++) if ((input.recordTypes >> BigInt(t)) & 1n) types.push(recordTypeName(t));
    const maxContributions = Number(input.maxContributions);
    return {
      requestId: BigInt(requestId),
      researcherId: Number(r.researcherId),
      recordTypes: types,
      from: Number(input.from),
      to: Number(input.to),
      termsDigest: input.termsDigest,
      deidentificationDigest: input.deidentificationDigest,
      price: input.price,
      maxContributions,
      deadline: Number(input.deadline),
      contestWindow: Number(input.contestWindow),
      arbitratorId: Number(input.arbitratorId),
      sources: sourcesOf(Number(input.sources)),
      closed: r.closed,
      open: !r.closed && now <= Number(input.deadline) && Number(r.delivered) < maxContributions && researcherActive,
      researcherActive,
      delivered: Number(r.delivered),
      pending: Number(r.pending),
      paid: r.paid,
      refunded: r.refunded,
      refundable,
      budget: input.price * BigInt(maxContributions),
    };
  }

  /** A page of requests, newest first. */
  async requests(page: Page = {}): Promise<Paged<DataRequestView>> {
    const { offset, limit } = pageOf(page);
    const total = Number(await this.core.contracts.market.requestCount());
    const ids: number[] = [];
    for (let id = total - offset; id >= 1 && ids.length < limit; id--) ids.push(id);
    return { entries: await Promise.all(ids.map((id) => this.request(id))), total, offset };
  }

  /** The patient opts in to a request (through the gateway): its consent, for research, ending with the request. */
  async optIn(requestId: bigint | number): Promise<TxInfo> {
    return this.core.sendPatient("ResearchMarket", this.encode("optIn", [requestId]));
  }

  /** The patient withdraws its opt-in, before it delivers. */
  async withdrawOptIn(requestId: bigint | number): Promise<TxInfo> {
    return this.core.sendPatient("ResearchMarket", this.encode("withdrawOptIn", [requestId]));
  }

  /** Whether a patient (the signer's by default) is in a request, and whether it delivered. */
  async participation(
    requestId: bigint | number,
    patientId?: bigint | number,
  ): Promise<{ optedIn: boolean; delivered: boolean }> {
    const id = patientId ?? (await this.core.patientId());
    const [optedIn, delivered] = await this.core.contracts.market.participation(requestId, id);
    return { optedIn, delivered };
  }

  /**
   * The patient contributes: its client opens each source record, de-identifies it ({@link deidentify}), lets
   * `review` see the copies, seals them for the researcher (a fresh key, wrapped for the researcher's public key
   * only), stores the envelope, and registers its digest and address against the request through the gateway.
   */
  async contribute(
    input: ContributionInput,
  ): Promise<TxInfo & { contributionId: bigint; uri: string; digest: string }> {
    const requestId = BigInt(input.requestId);
    const recordIds = input.recordIds.map(BigInt);
    if (recordIds.length === 0) throw new MIIPClientError("a contribution is made from at least one record");
    const request = await this.request(requestId);
    // Nothing is opened, sealed or stored for a request that takes no contribution (closed, full, past its deadline,
    // or its researcher not active): the market would refuse it, after the envelope's address was public.
    if (!request.open) {
      throw new MIIPClientError(
        `request ${requestId} takes no contribution now (${request.closed ? "closed" : !request.researcherActive ? "its researcher is not active" : "full or past its deadline"})`,
      );
    }
    const copies: (Deidentified & { recordId: bigint })[] = [];
    for (const recordId of recordIds) {
      const plain = await this.documents.open(recordId, { purpose: "research", key: input.key });
      copies.push({ ...deidentify(plain), recordId });
      plain.fill(0);
    }
    if (input.review && !(await input.review(copies))) {
      throw new MIIPClientError("the patient's review stopped the contribution: nothing was sent");
    }
    const researcher = getAddress(await this.core.contracts.participants.accountOf(request.researcherId));
    const bundle = utf8(JSON.stringify(copies.map((c) => ({ format: c.format, document: fromUtf8(c.document) }))));
    const { ciphertext, key } = encryptDocument(bundle);
    let keyBytes: Uint8Array;
    try {
      const blob: KeyBlob = {
        format: KEY_FORMAT,
        requestId: requestId.toString(),
        researcher,
        wrapped: wrapKey(key, input.researcherPublicKey, this.context(requestId, researcher)),
      };
      keyBytes = utf8(JSON.stringify(blob));
    } finally {
      key.fill(0);
    }
    const keyCid = cidV1(keyBytes);
    const envelope: Envelope = {
      format: ENVELOPE_FORMAT,
      requestId: requestId.toString(),
      researcher,
      key: ipfsUri(keyCid),
      ciphertext: toHex(ciphertext),
    };
    const bytes = utf8(JSON.stringify(envelope));
    const cid = await this.store.put(bytes);
    const uri = ipfsUri(cid);
    const digest = sha256Hex(bytes);
    // The registry's treatment ids, ascending: the market counts each treatment once.
    const ordered = await this.byTreatment(recordIds);
    const info = await this.core.sendPatient(
      "ResearchMarket",
      this.encode("contribute", [requestId, digest, uri, ordered]),
    );
    // Landed: now the researcher may have the key. If the store fails here, the key is handed back to the caller,
    // to release later (`releaseKey`): without it the researcher can never open what it pays for.
    try {
      await this.releaseKey(keyBytes);
    } catch (error) {
      throw Object.assign(
        new MIIPClientError(
          `contribution landed but its key was not stored (${(error as Error).message}): keep the error's keyBlob and call market.releaseKey(keyBlob)`,
        ),
        { keyBlob: keyBytes },
      );
    }
    return { ...info, contributionId: eventNamed(info, "ContributionDelivered").contributionId as bigint, uri, digest };
  }

  /**
   * Stores a contribution's key blob (what `contribute` stores once the contribution landed), checking the store
   * named it as the envelope expects: for a release that failed, from the error's `keyBlob`.
   */
  async releaseKey(keyBlob: Uint8Array): Promise<string> {
    const expected = cidV1(keyBlob);
    const stored = await this.store.put(keyBlob);
    if (stored !== expected)
      throw new MIIPClientError(`the store named the contribution's key ${stored}, not ${expected}`);
    return stored;
  }

  /** Record ids in ascending order of their treatments (the first version of each amendment chain). */
  private async byTreatment(recordIds: bigint[]): Promise<bigint[]> {
    const { records } = this.core.contracts;
    const treatments = await Promise.all(recordIds.map((id) => this.core.read(() => records.treatment(id))));
    return recordIds
      .map((id, i) => ({ id, treatment: treatments[i].treatmentId as bigint }))
      .sort((a, b) => (a.treatment < b.treatment ? -1 : a.treatment > b.treatment ? 1 : 0))
      .map((x) => x.id);
  }

  /** A contribution, with its digest and address from its `ContributionDelivered` event. */
  async contribution(contributionId: bigint | number): Promise<ContributionView> {
    const { market } = this.core.contracts;
    const c = await this.core.read(() => market.getContribution(contributionId));
    const [log] = await this.history.logs(market, market.filters.ContributionDelivered(contributionId));
    return {
      contributionId: BigInt(contributionId),
      requestId: c.requestId,
      patientId: c.patientId,
      status: enumLabel("ContributionStatus", c.status),
      contestBy: Number(c.contestBy),
      arbitrateBy: Number(c.arbitrateBy),
      digest: (log?.args.digest as string) ?? "",
      uri: (log?.args.uri as string) ?? "",
      sources: Number(log?.args.sources ?? 0),
    };
  }

  /** A page of a request's contributions (from its `ContributionDelivered` events), oldest first. */
  async contributionsOf(requestId: bigint | number, page: Page = {}): Promise<Paged<ContributionView>> {
    const { market } = this.core.contracts;
    const logs = await this.history.logs(market, market.filters.ContributionDelivered(undefined, requestId));
    const { offset, limit } = pageOf(page);
    const slice = logs.slice(offset, offset + limit);
    const entries = await Promise.all(slice.map((log) => this.contribution(log.args.contributionId as bigint)));
    return { entries, total: logs.length, offset };
  }

  /** A page of a patient's contributions (the signer's by default), oldest first: what it earned, and what waits. */
  async contributionsOfPatient(patientId?: bigint | number, page: Page = {}): Promise<Paged<ContributionView>> {
    const id = patientId ?? (await this.core.patientId());
    const { market } = this.core.contracts;
    const logs = await this.history.logs(market, market.filters.ContributionDelivered(undefined, undefined, id));
    const { offset, limit } = pageOf(page);
    const entries = await Promise.all(
      logs.slice(offset, offset + limit).map((log) => this.contribution(log.args.contributionId as bigint)),
    );
    return { entries, total: logs.length, offset };
  }

  /**
   * The researcher opens a contribution: logs the read on chain first (it enters the patient's access trail: a
   * researcher cannot later deny it read what it contests), fetches the envelope, checks it against the
   * registered digest, unwraps the key with its encryption key and decrypts.
   */
  async open(contributionId: bigint | number, key?: EncryptionKey): Promise<OpenedContribution & TxInfo> {
    const view = await this.contribution(contributionId);
    const info = await this.core.send(() => this.core.contracts.market.logRead(contributionId));
    const bytes = await this.store.get(cidFromUri(view.uri));
    if (sha256Hex(bytes) !== view.digest.toLowerCase()) {
      throw new MIIPClientError(`contribution ${contributionId}: the stored envelope does not match its digest`);
    }
    const envelope = JSON.parse(fromUtf8(bytes)) as Envelope;
    if (envelope.format !== ENVELOPE_FORMAT || BigInt(envelope.requestId) !== view.requestId) {
      throw new MIIPClientError(`contribution ${contributionId}: not an envelope for request ${view.requestId}`);
    }
    const blob = JSON.parse(fromUtf8(await this.store.get(cidFromUri(envelope.key)))) as KeyBlob;
    if (blob.format !== KEY_FORMAT || BigInt(blob.requestId) !== view.requestId) {
      throw new MIIPClientError(`contribution ${contributionId}: its key is not for request ${view.requestId}`);
    }
    // Wrapped for the researcher's address when the patient contributed (it may have moved since): that context.
    const encryptionKey = key ?? (await this.documents.encryptionKey());
    const documentKey = unwrapKey(
      blob.wrapped,
      encryptionKey.privateKey,
      this.context(view.requestId, blob.researcher),
    );
    try {
      const plain = decryptDocument(fromHex(envelope.ciphertext), documentKey);
      return { ...info, contributionId: BigInt(contributionId), documents: JSON.parse(fromUtf8(plain)) };
    } finally {
      documentKey.fill(0);
    }
  }

  /** The researcher accepts a contribution before its window ends: the patient is paid at once. */
  async accept(contributionId: bigint | number): Promise<TxInfo & { paid: bigint; to: string }> {
    return this.decided(await this.core.send(() => this.core.contracts.market.accept(contributionId)));
  }

  /** The researcher contests a contribution within its window, with a reason and the digest of its evidence. */
  async contest(
    contributionId: bigint | number,
    reason: string,
    evidenceDigest: string,
  ): Promise<TxInfo & { arbitrateBy: number }> {
    if (!isHexString(evidenceDigest, 32)) throw new MIIPClientError("the evidence digest is 32 bytes of hex");
    const info = await this.core.send(() =>
      this.core.contracts.market.contest(contributionId, reasonCode(reason), evidenceDigest),
    );
    return { ...info, arbitrateBy: Number(eventNamed(info, "ContributionContested").arbitrateBy) };
  }

  /** The public-health agency decides a contested contribution: pay the patient, or reject it. */
  async arbitrate(contributionId: bigint | number, pay: boolean): Promise<TxInfo & { paid: bigint; to: string }> {
    return this.decided(await this.core.send(() => this.core.contracts.market.arbitrate(contributionId, pay)));
  }

  /** Anyone applies what a passed deadline decided: the patient is paid. */
  async settle(contributionId: bigint | number): Promise<TxInfo & { paid: bigint; to: string }> {
    return this.decided(await this.core.send(() => this.core.contracts.market.settle(contributionId)));
  }

  /** The researcher closes its request (anyone may after its deadline); the remainder is refunded at once. */
  async close(requestId: bigint | number): Promise<TxInfo & { refunded: bigint }> {
    const info = await this.core.send(() => this.core.contracts.market.close(requestId));
    const refunded = info.events.find((e) => e.name === "Refunded");
    return { ...info, refunded: (refunded?.args.amount as bigint) ?? 0n };
  }

  /** Anyone sends a closed request's remainder (grown as pending contributions were decided) to its researcher. */
  async refund(requestId: bigint | number): Promise<TxInfo & { refunded: bigint }> {
    const info = await this.core.send(() => this.core.contracts.market.refund(requestId));
    return { ...info, refunded: eventNamed(info, "Refunded").amount as bigint };
  }

  private decided(info: TxInfo): TxInfo & { paid: bigint; to: string } {
    const decided = eventNamed(info, "ContributionDecided");
    return { ...info, paid: decided.paid as bigint, to: decided.payee as string };
  }

  private context(requestId: bigint, researcher: string): Uint8Array {
    return shareContext(this.core.chainId, this.core.deployment.ResearchMarket, requestId, researcher);
  }
}

/** A 32-byte digest given as is, or the SHA-256 of a document. */
function digestOf(value: Uint8Array | string, what: string): string {
  if (typeof value === "string") {
    if (!isHexString(value, 32)) throw new MIIPClientError(`${what}: a document's bytes or its 32-byte digest`);
    return value;
  }
  return sha256Hex(value);
}
