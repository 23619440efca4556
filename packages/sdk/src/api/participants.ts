import { id as keccakText } from "ethers";

import type { Core, TxInfo } from "../core.ts";
import { eventNamed } from "../core.ts";
import { KIND_NAMES, enumLabel, parseKind } from "../labels.ts";
import { type Page, type Paged, pageOf } from "./paging.ts";
import { reasonCode } from "./consent.ts";

/** An institution as the directory keeps it, with its kind and status named. */
export interface InstitutionView {
  id: number;
  account: string;
  kind: string;
  status: string;
  registeredAt: number;
  /** When a pending institution can be activated (for others, when it was). */
  activatesAt: number;
  /** When its status last changed (a suspension's time is what a reinstatement names). */
  statusChangedAt: number;
  licenceHash: string;
  name: string;
  metadataURI: string;
}

/** The participant directory: onboarding (registrar), suspension, profiles, address rotation, lookups. */
export class ParticipantsApi {
  constructor(private readonly core: Core) {}

  /**
   * The registrar onboards an institution. It is pending, public and cancellable by the guardian role until
   * `activatesAt` (the directory's onboarding delay), then anyone {activate}s it. The licence number never goes
   * on chain: only its keccak256, which anyone holding the licence can check.
   */
  async register(input: {
    account: string;
    kind: string | number;
    licence: string;
    name: string;
    metadataURI?: string;
  }): Promise<TxInfo & { institutionId: number; activatesAt: number }> {
    const info = await this.core.send(() =>
      this.core.contracts.participants.register(
        input.account,
        parseKind(input.kind),
        keccakText(input.licence),
        input.name,
        input.metadataURI ?? "",
      ),
    );
    const registered = eventNamed(info, "InstitutionRegistered");
    return { ...info, institutionId: Number(registered.id), activatesAt: Number(registered.activatesAt) };
  }

  /** Anyone activates a pending institution once its onboarding delay has passed. */
  async activate(institutionId: number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.participants.activate(institutionId));
  }

  /** The guardian role stops a pending onboarding for good, before it takes effect. */
  async cancelOnboarding(institutionId: number, reason: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.participants.cancelOnboarding(institutionId, reasonCode(reason)));
  }

  /** The onboarding delay in force, in seconds. */
  async onboardingDelay(): Promise<number> {
    return Number(await this.core.contracts.participants.onboardingDelay());
  }

  /** The registrar suspends an institution at once, everywhere in the suite. */
  async suspend(institutionId: number, reason: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.participants.suspend(institutionId, reasonCode(reason)));
  }

  /** The registrar updates an institution's display name and metadata URI. */
  async updateProfile(institutionId: number, name: string, metadataURI: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.participants.updateProfile(institutionId, name, metadataURI));
  }

  /** An institution proposes a new address (key rotation); the new address accepts. */
  async proposeAccount(pending: string): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.participants.proposeAccount(pending));
  }

  /** The proposed address takes over the institution. */
  async acceptAccount(institutionId: number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.participants.acceptAccount(institutionId));
  }

  /** The institution an address belongs to, or undefined. */
  async memberOf(account: string): Promise<{ id: number; kind: string; status: string } | undefined> {
    const m = await this.core.contracts.participants.memberOf(account);
    if (m.id === 0n) return undefined;
    return { id: Number(m.id), kind: KIND_NAMES[Number(m.kind)], status: enumLabel("Status", m.status) };
  }

  /** An institution by id; a MIIPError `ParticipantsUnknownInstitution` if there is none. */
  async get(institutionId: number): Promise<InstitutionView> {
    const i = await this.core.read(() => this.core.contracts.participants.institution(institutionId));
    return toView(i);
  }

  /** A page of the directory, in onboarding order. */
  async list(page: Page = {}): Promise<Paged<InstitutionView>> {
    const { offset, limit } = pageOf(page);
    const [entries, total] = await this.core.contracts.participants.institutions(offset, limit);
    return { entries: entries.map(toView), total: Number(total), offset };
  }
}

function toView(i: {
  id: bigint;
  account: string;
  kind: bigint;
  status: bigint;
  registeredAt: bigint;
  activatesAt: bigint;
  statusChangedAt: bigint;
  licenceHash: string;
  name: string;
  metadataURI: string;
}): InstitutionView {
  return {
    id: Number(i.id),
    account: i.account,
    kind: KIND_NAMES[Number(i.kind)],
    status: enumLabel("Status", i.status),
    registeredAt: Number(i.registeredAt),
    activatesAt: Number(i.activatesAt),
    statusChangedAt: Number(i.statusChangedAt),
    licenceHash: i.licenceHash,
    name: i.name,
    metadataURI: i.metadataURI,
  };
}
