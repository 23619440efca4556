import { type Interface, encodeBytes32String, isHexString } from "ethers";

import { CONSENT_TYPES, consentDomain } from "../eip712.ts";
import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed, eventsNamed } from "../core.ts";
import { parsePurpose, parseRecordType } from "../labels.ts";

/** What a grant covers: all the patient's records, some record types, or some records. */
export type Scope =
  | { kind: "all-records" }
  | { kind: "record-type"; types: (string | number)[] }
  | { kind: "record"; ids: (bigint | number)[] };

const SCOPE_KIND = { "all-records": 0, "record-type": 1, record: 2 } as const;

/** A consent to give: to an institution (by its address), for a purpose, over a scope, until a time. */
export interface ConsentRequest {
  /** Whose records (a patient id); the patient this client acts for when absent. */
  patientId?: bigint | number;
  grantee: string;
  purpose: string | number;
  scope: Scope;
  /** Last second of the grant (unix). */
  expiresAt: number;
}

/** The request as the contract takes it. */
export interface GrantRequestStruct {
  patientId: bigint;
  grantee: string;
  purpose: number;
  scopeKind: number;
  scope: bigint[];
  expiresAt: bigint;
}

/** A consent the patient signed off chain, ready for anyone (the grantee) to submit and pay for. */
export interface SignedConsent {
  request: GrantRequestStruct;
  nonce: bigint;
  deadline: bigint;
  signature: string;
}

/** A grant as stored, with whether it is live now. */
export interface GrantView {
  grantId: string;
  patientId: bigint;
  expiresAt: number;
  version: bigint;
  revoked: boolean;
  live: boolean;
}

/** Reason codes go on chain as bytes32: a short code ("unconscious") or an already-encoded bytes32. */
export function reasonCode(code: string): string {
  return isHexString(code, 32) ? code : encodeBytes32String(code);
}

/**
 * The patient's consent: grants (through the gateway, or signed for the grantee to submit), revocation, bounded
 * emergency access, the access log. Patient actions go through the directory's gateway: sent by the signer, or
 * relayed with `miip.gasless(relayer)`; a guardian acts with `miip.forPatient(patientId, salt)`.
 */
export class ConsentApi {
  constructor(private readonly core: Core) {}

  /** Normalises a request to the contract's struct, the patient defaulting to the one this client acts for. */
  async toStruct(request: ConsentRequest): Promise<GrantRequestStruct> {
    const s = request.scope;
    const scope =
      s.kind === "all-records"
        ? []
        : s.kind === "record-type"
          ? s.types.map((t) => BigInt(parseRecordType(t)))
          : s.ids.map((id) => BigInt(id));
    return {
      patientId: request.patientId === undefined ? await this.core.patientId() : BigInt(request.patientId),
      grantee: request.grantee,
      purpose: parsePurpose(request.purpose),
      scopeKind: SCOPE_KIND[s.kind],
      scope,
      expiresAt: BigInt(request.expiresAt),
    };
  }

  /** The patient (or a guardian with the act power) grants; one grant id per scope item. */
  async grant(request: ConsentRequest): Promise<TxInfo & { grantIds: string[] }> {
    const struct = await this.toStruct(request);
    const info = await this.core.sendPatient("ConsentManager", this.encode("grant", [struct]));
    return { ...info, grantIds: eventsNamed(info, "ConsentGranted").map((e) => e.grantId as string) };
  }

  /** The id a grant has (or would have): derived from what it is, so granting again updates it in place. */
  async grantIdOf(
    patientId: bigint | number,
    grantee: string,
    purpose: string | number,
    scope: Scope,
  ): Promise<string[]> {
    const struct = await this.toStruct({ patientId, grantee, purpose, scope, expiresAt: 0 });
    const granteeId = await this.institutionId(grantee);
    const refs = struct.scope.length === 0 ? [0n] : struct.scope;
    return Promise.all(
      refs.map((ref) =>
        this.core.contracts.consent.grantIdOf(struct.patientId, granteeId, struct.purpose, struct.scopeKind, ref),
      ),
    );
  }

  private async institutionId(account: string): Promise<bigint> {
    return (await this.core.contracts.participants.memberOf(account)).id;
  }

  /**
   * The patient signs a consent off chain (EIP-712; no gas, no ETH needed). The nonce is the current version
   * of the request's first grant, so the signature works once, and stops working if the patient changes that
   * grant or cancels the nonce.
   */
  async sign(request: ConsentRequest, options: { deadline?: number } = {}): Promise<SignedConsent> {
    const struct = await this.toStruct(request);
    const signer = this.core.signer;
    const self = await signer.getAddress();
    const account = await this.core.contracts.participants.patientAccount(struct.patientId);
    if (self.toLowerCase() !== account.toLowerCase()) {
      throw new MIIPClientError(
        `only the patient's current key signs a consent: the signer is ${self}, patient ${struct.patientId} is ${account}`,
      );
    }
    const [firstId] = await this.grantIdOf(struct.patientId, struct.grantee, struct.purpose, request.scope);
    const nonce = (await this.core.contracts.consent.getGrant(firstId)).version;
    const deadline = BigInt(options.deadline ?? (await this.core.now()) + 3_600);
    const domain = consentDomain(this.core.chainId, this.core.deployment.ConsentManager);
    const signature = await signer.signTypedData(domain, CONSENT_TYPES, { ...struct, nonce, deadline });
    return { request: struct, nonce, deadline, signature };
  }

  /** Anyone (usually the grantee) submits a signed consent and pays for it. */
  async submitSigned(signed: SignedConsent): Promise<TxInfo & { grantIds: string[] }> {
    const info = await this.core.send(() =>
      this.core.contracts.consent.grantBySig(signed.request, signed.nonce, signed.deadline, signed.signature),
    );
    return { ...info, grantIds: eventsNamed(info, "ConsentGranted").map((e) => e.grantId as string) };
  }

  /** The patient (or a guardian with the act power) revokes a grant, effective in this block. */
  async revoke(grantId: string): Promise<TxInfo> {
    return this.core.sendPatient("ConsentManager", this.encode("revoke", [grantId]));
  }

  /** The patient (or a guardian) cancels an unused signed consent by bumping the version it named. */
  async cancelSignature(signed: SignedConsent): Promise<TxInfo> {
    const r = signed.request;
    const granteeId = await this.institutionId(r.grantee);
    const data = this.encode("cancelNonce", [granteeId, r.purpose, r.scopeKind, r.scope[0] ?? 0n]);
    return this.core.sendPatient("ConsentManager", data);
  }

  /**
   * An active hospital opens break-glass access to a patient's records; returns when it closes by itself and
   * when the hospital's justification is due.
   */
  async openEmergency(
    patientId: bigint | number,
    reason: string,
  ): Promise<TxInfo & { expiresAt: number; justifyBy: number }> {
    const info = await this.core.send(() => this.core.contracts.consent.openEmergency(patientId, reasonCode(reason)));
    const opened = eventNamed(info, "EmergencyAccessOpened");
    return { ...info, expiresAt: Number(opened.expiresAt), justifyBy: Number(opened.justifyBy) };
  }

  /** The hospital justifies its openings with the digest of an encrypted note it keeps off chain. */
  async justifyEmergency(patientId: bigint | number, justificationDigest: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.consent.justifyEmergency(patientId, justificationDigest));
  }

  /** Anyone flags a justification the hospital missed (the hospital by address). */
  async flagMissedJustification(patientId: bigint | number, hospital: string): Promise<TxInfo> {
    const hospitalId = await this.institutionId(hospital);
    return this.core.send(() => this.core.contracts.consent.flagMissedJustification(patientId, hospitalId));
  }

  /** The patient (or a guardian) closes a hospital's emergency access, and may block it from reopening. */
  async closeEmergency(hospital: string, options: { block?: boolean } = {}): Promise<TxInfo> {
    const hospitalId = await this.institutionId(hospital);
    return this.core.sendPatient("ConsentManager", this.encode("closeEmergency", [hospitalId, options.block ?? false]));
  }

  /** The patient (or a guardian) blocks or unblocks a hospital's break-glass access (blocking closes it). */
  async setEmergencyBlock(hospital: string, blocked: boolean): Promise<TxInfo> {
    const hospitalId = await this.institutionId(hospital);
    return this.core.sendPatient("ConsentManager", this.encode("setEmergencyBlock", [hospitalId, blocked]));
  }

  /** A hospital's break-glass bounds for a patient: its openings this period, a block, a justification due. */
  async emergencyState(patientId: bigint | number, hospital: string) {
    const hospitalId = await this.institutionId(hospital);
    const e = await this.core.contracts.consent.emergencyState(patientId, hospitalId);
    return {
      periodStart: Number(e.periodStart),
      openings: Number(e.openings),
      blocked: e.blocked,
      justifyBy: Number(e.justifyBy),
    };
  }

  /** An institution records that it read a record; returns the grant (or emergency entry) it read under. */
  async logAccess(recordId: bigint | number, purpose: string | number): Promise<TxInfo & { basis: string }> {
    const info = await this.core.send(() => this.core.contracts.consent.logAccess(recordId, parsePurpose(purpose)));
    return { ...info, basis: eventNamed(info, "AccessLogged").basis as string };
  }

  /** Several reads in one transaction (about a quarter of the gas per entry), all or none. */
  async logAccessBatch(recordIds: (bigint | number)[], purpose: string | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.consent.logAccessBatch(recordIds, parsePurpose(purpose)));
  }

  /** A grant as stored; a MIIPError `ConsentUnknownGrant` is not raised here: an unknown id reads as empty. */
  async getGrant(grantId: string): Promise<GrantView> {
    const [g, live] = await Promise.all([
      this.core.contracts.consent.getGrant(grantId),
      this.core.contracts.consent.isLive(grantId),
    ]);
    return {
      grantId,
      patientId: g.patientId,
      expiresAt: Number(g.expiresAt),
      version: g.version,
      revoked: g.revoked,
      live,
    };
  }

  private encode(fn: string, args: readonly unknown[]): string {
    return (this.core.contracts.consent.interface as Interface).encodeFunctionData(fn, args);
  }
}
