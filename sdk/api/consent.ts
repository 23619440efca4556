import { encodeBytes32String, isHexString } from "ethers";

import { CONSENT_TYPES, consentDomain } from "../../config/eip712";
import type { Core, TxInfo } from "../core";
import { MIIPClientError, eventNamed, eventsNamed } from "../core";
import { parsePurpose, parseRecordType } from "../labels";

/** What a grant covers: all the patient's records, some record types, or some records. */
export type Scope =
  | { kind: "all-records" }
  | { kind: "record-type"; types: (string | number)[] }
  | { kind: "record"; ids: (bigint | number)[] };

const SCOPE_KIND = { "all-records": 0, "record-type": 1, record: 2 } as const;

/** A consent to give: to an institution (by its address), for a purpose, over a scope, until a time. */
export interface ConsentRequest {
  /** Whose records; the signer (patient, or guardian acting for them) when absent. */
  patient?: string;
  grantee: string;
  purpose: string | number;
  scope: Scope;
  /** Last second of the grant (unix). */
  expiresAt: number;
}

/** The request as the contract takes it. */
export interface GrantRequestStruct {
  patient: string;
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
  patient: string;
  expiresAt: number;
  version: bigint;
  revoked: boolean;
  live: boolean;
}

/** Reason codes go on chain as bytes32: a short code ("unconscious") or an already-encoded bytes32. */
export function reasonCode(code: string): string {
  return isHexString(code, 32) ? code : encodeBytes32String(code);
}

/** The patient's consent: grants (direct or signed), revocation, guardians, emergency access, the access log. */
export class ConsentApi {
  constructor(private readonly core: Core) {}

  /** Normalises a request to the contract's struct, the patient defaulting to the signer. */
  async toStruct(request: ConsentRequest): Promise<GrantRequestStruct> {
    const s = request.scope;
    const scope =
      s.kind === "all-records"
        ? []
        : s.kind === "record-type"
          ? s.types.map((t) => BigInt(parseRecordType(t)))
          : s.ids.map((id) => BigInt(id));
    return {
      patient: request.patient ?? (await this.core.address()),
      grantee: request.grantee,
      purpose: parsePurpose(request.purpose),
      scopeKind: SCOPE_KIND[s.kind],
      scope,
      expiresAt: BigInt(request.expiresAt),
    };
  }

  /** The patient (or their guardian) grants; one grant id per scope item. */
  async grant(request: ConsentRequest): Promise<TxInfo & { grantIds: string[] }> {
    const struct = await this.toStruct(request);
    const info = await this.core.send(() => this.core.contracts.consent.grant(struct));
    return { ...info, grantIds: eventsNamed(info, "ConsentGranted").map((e) => e.grantId as string) };
  }

  /** The id a grant has (or would have): derived from what it is, so granting again updates it in place. */
  async grantIdOf(patient: string, grantee: string, purpose: string | number, scope: Scope): Promise<string[]> {
    const struct = await this.toStruct({ patient, grantee, purpose, scope, expiresAt: 0 });
    const granteeId = await this.institutionId(grantee);
    const refs = struct.scope.length === 0 ? [0n] : struct.scope;
    return Promise.all(
      refs.map((ref) =>
        this.core.contracts.consent.grantIdOf(patient, granteeId, struct.purpose, struct.scopeKind, ref),
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
    const patient = await signer.getAddress();
    if (patient.toLowerCase() !== struct.patient.toLowerCase()) {
      throw new MIIPClientError(`only the patient signs a consent: the signer is ${patient}, not ${struct.patient}`);
    }
    const [firstId] = await this.grantIdOf(struct.patient, struct.grantee, struct.purpose, request.scope);
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

  /** The patient (or guardian) revokes a grant, effective in this block. */
  async revoke(grantId: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.consent.revoke(grantId));
  }

  /** The patient (or guardian) cancels an unused signed consent by bumping the version it named. */
  async cancelSignature(signed: SignedConsent): Promise<TxInfo> {
    const r = signed.request;
    const granteeId = await this.institutionId(r.grantee);
    return this.core.send(() =>
      this.core.contracts.consent.cancelNonce(r.patient, granteeId, r.purpose, r.scopeKind, r.scope[0] ?? 0n),
    );
  }

  /** The patient appoints a guardian, or removes theirs with the zero address. */
  async setGuardian(guardian: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.consent.setGuardian(guardian));
  }

  /** An active hospital opens break-glass access to a patient's records; returns when it closes by itself. */
  async openEmergency(patient: string, reason: string): Promise<TxInfo & { expiresAt: number }> {
    const info = await this.core.send(() => this.core.contracts.consent.openEmergency(patient, reasonCode(reason)));
    return { ...info, expiresAt: Number(eventNamed(info, "EmergencyAccessOpened").expiresAt) };
  }

  /** The patient (or guardian) closes a hospital's emergency access (the hospital by address). */
  async closeEmergency(patient: string, hospital: string): Promise<TxInfo> {
    const hospitalId = await this.institutionId(hospital);
    return this.core.send(() => this.core.contracts.consent.closeEmergency(patient, hospitalId));
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
      patient: g.patient,
      expiresAt: Number(g.expiresAt),
      version: g.version,
      revoked: g.revoked,
      live,
    };
  }

  /** The patient's guardian, or the zero address. */
  async guardianOf(patient: string): Promise<string> {
    return this.core.contracts.consent.guardianOf(patient);
  }
}
