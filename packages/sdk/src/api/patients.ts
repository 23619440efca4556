import { hexlify, randomBytes } from "ethers";

import { ACCEPT_PATIENT_ACCOUNT_TYPES, REGISTER_PATIENT_TYPES, participantsDomain } from "../eip712.ts";
import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed, guardianCommitment } from "../core.ts";

/** What a guardian may do: approve a recovery of the patient's account, act for the patient on the services. */
export type GuardianPower = "recover" | "act";

const POWER_BITS: Record<GuardianPower, number> = { recover: 1, act: 2 };

/** A patient as the directory describes it. */
export interface PatientView {
  patientId: bigint;
  account: string;
  /** The next nonce of a request signed by the patient's key. */
  nonce: bigint;
  /** The address that may take over next (zero if none): one the patient proposed, or one a recovery armed. */
  incomingAccount: string;
  /** Zero for a proposed address (it may accept at once); for an armed recovery, when its address may accept. */
  incomingDueAt: number;
  guardianCount: number;
  /** Guardians that may approve a recovery. */
  recoverers: number;
  /** How many of them must approve the same address (0: recovery off). */
  threshold: number;
  /** The recovery round every approval names. */
  round: bigint;
}

/** An address's own signed request to become a patient, for anyone (a hospital, a relayer) to submit. */
export interface SignedRegistration {
  account: string;
  deadline: bigint;
  signature: string;
}

/** A new address's signed acceptance of a patient's account (after a rotation or a recovery). */
export interface SignedAcceptance {
  patientId: bigint;
  account: string;
  deadline: bigint;
  signature: string;
}

/** A guardian appointment: the commitment goes on chain; the salt goes to the guardian, off chain, and nowhere else. */
export interface GuardianAppointment {
  commitment: string;
  salt: string;
  powers: GuardianPower[];
}

function powerBits(powers: GuardianPower[]): number {
  let bits = 0;
  for (const p of powers) {
    if (!(p in POWER_BITS)) throw new MIIPClientError(`unknown guardian power "${String(p)}": recover or act`);
    bits |= POWER_BITS[p];
  }
  return bits;
}

/**
 * Patients: a permanent id per patient, its current address, its guardians and their recovery of a lost key.
 * Every patient action goes through the directory's gateway: sent by the signer, or relayed (`miip.gasless`).
 */
export class PatientsApi {
  constructor(private readonly core: Core) {}

  /** The signer becomes a patient (its own transaction). */
  async register(): Promise<TxInfo & { patientId: bigint }> {
    const info = await this.core.send(() => this.core.contracts.participants.registerPatient());
    return { ...info, patientId: eventNamed(info, "PatientRegistered").patientId as bigint };
  }

  /** The signer signs its own registration, for anyone to submit: the new patient needs no ETH. */
  async signRegistration(options: { deadline?: number } = {}): Promise<SignedRegistration> {
    const account = await this.core.address();
    const deadline = BigInt(options.deadline ?? (await this.core.now()) + 3_600);
    const signature = await this.core.signer.signTypedData(this.domain(), REGISTER_PATIENT_TYPES, {
      account,
      deadline,
    });
    return { account, deadline, signature };
  }

  /** Anyone (a hospital at the first visit, a relayer) submits a signed registration and pays for it. */
  async submitRegistration(signed: SignedRegistration): Promise<TxInfo & { patientId: bigint }> {
    const info = await this.core.send(() =>
      this.core.contracts.participants.registerPatientBySig(signed.account, signed.deadline, signed.signature),
    );
    return { ...info, patientId: eventNamed(info, "PatientRegistered").patientId as bigint };
  }

  /** The patient an address acts for, and whether it still does (a former address does not). */
  async idOf(account: string): Promise<{ patientId: bigint; current: boolean }> {
    const [patientId, current] = await this.core.contracts.participants.patientOf(account);
    return { patientId, current };
  }

  /** The patient this client acts for (the signer's, or the one named by `forPatient`). */
  async myId(): Promise<bigint> {
    return this.core.patientId();
  }

  /** A patient; a MIIPError `PatientsUnknownPatient` for an unknown id. */
  async get(patientId: bigint | number): Promise<PatientView> {
    const p = await this.core.read(() => this.core.contracts.participants.patient(patientId));
    return {
      patientId: BigInt(patientId),
      account: p.account,
      nonce: p.nonce,
      incomingAccount: p.incomingAccount,
      incomingDueAt: Number(p.incomingDueAt),
      guardianCount: Number(p.guardianCount),
      recoverers: Number(p.recoverers),
      threshold: Number(p.threshold),
      round: BigInt(p.round),
    };
  }

  /** The patient proposes to move to a new address, which must accept (zero address withdraws it). */
  async proposeAccount(newAccount: string): Promise<TxInfo> {
    const data = this.core.contracts.participants.interface.encodeFunctionData("proposePatientAccount", [newAccount]);
    return this.core.sendPatient("ParticipantRegistry", data);
  }

  /** The new address (the signer) takes over the patient's account: a proposed rotation, or a due recovery. */
  async acceptAccount(patientId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.participants.acceptPatientAccount(patientId));
  }

  /** The new address signs its acceptance, for anyone (a guardian, a relayer) to submit: it needs no ETH. */
  async signAcceptance(patientId: bigint | number, options: { deadline?: number } = {}): Promise<SignedAcceptance> {
    const account = await this.core.address();
    const deadline = BigInt(options.deadline ?? (await this.core.now()) + 3_600);
    const message = { patientId: BigInt(patientId), account, deadline };
    const signature = await this.core.signer.signTypedData(this.domain(), ACCEPT_PATIENT_ACCOUNT_TYPES, message);
    return { ...message, signature };
  }

  /** Anyone submits a new address's signed acceptance. */
  async submitAcceptance(signed: SignedAcceptance): Promise<TxInfo> {
    return this.core.send(() =>
      this.core.contracts.participants.acceptPatientAccountBySig(
        signed.patientId,
        signed.account,
        signed.deadline,
        signed.signature,
      ),
    );
  }

  /**
   * The patient appoints a guardian with some powers (or changes them). Only a commitment goes on chain; give
   * the returned salt to the guardian privately: it proves the appointment when the guardian acts.
   */
  async appointGuardian(
    guardian: string,
    powers: GuardianPower[],
    options: { salt?: string } = {},
  ): Promise<TxInfo & GuardianAppointment> {
    const bits = powerBits(powers);
    if (bits === 0) throw new MIIPClientError("a guardian needs at least one power: use removeGuardian to remove one");
    const patientId = await this.core.patientId();
    const salt = options.salt ?? hexlify(randomBytes(32));
    const commitment = guardianCommitment(patientId, guardian, salt);
    const data = this.core.contracts.participants.interface.encodeFunctionData("setGuardian", [commitment, bits]);
    return { ...(await this.core.sendPatient("ParticipantRegistry", data)), commitment, salt, powers };
  }

  /** The patient removes a guardian, by its commitment. */
  async removeGuardian(commitment: string): Promise<TxInfo> {
    const data = this.core.contracts.participants.interface.encodeFunctionData("setGuardian", [commitment, 0]);
    return this.core.sendPatient("ParticipantRegistry", data);
  }

  /** The patient sets how many recoverers must approve the same new address (0 turns recovery off). */
  async setRecoveryThreshold(threshold: number): Promise<TxInfo> {
    const data = this.core.contracts.participants.interface.encodeFunctionData("setRecoveryThreshold", [threshold]);
    return this.core.sendPatient("ParticipantRegistry", data);
  }

  /**
   * A guardian (a client in `forPatient(patientId, salt)` mode) approves a new address for the patient in the
   * current round; returns when the recovery can be accepted if this approval armed it.
   */
  async approveRecovery(newAccount: string): Promise<TxInfo & { armed: boolean; dueAt?: number }> {
    const patientId = await this.core.patientId();
    const { round } = await this.get(patientId);
    const data = this.core.contracts.participants.interface.encodeFunctionData("approveRecovery", [newAccount, round]);
    const info = await this.core.sendPatient("ParticipantRegistry", data);
    const armed = info.events.find((e) => e.name === "RecoveryArmed");
    return { ...info, armed: armed !== undefined, dueAt: armed ? Number(armed.args.dueAt) : undefined };
  }

  /** Anyone ends a round whose armed address was taken since, so that the guardians can approve another. */
  async voidRecovery(patientId: bigint | number): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.participants.voidRecovery(patientId));
  }

  /** The patient's current key ends the recovery round: every approval so far counts for nothing. */
  async cancelRecovery(): Promise<TxInfo> {
    const data = this.core.contracts.participants.interface.encodeFunctionData("cancelRecovery");
    return this.core.sendPatient("ParticipantRegistry", data);
  }

  /** How many recoverers approved `account` for the patient in the current round. */
  async recoveryApprovals(patientId: bigint | number, account: string): Promise<number> {
    return Number(await this.core.contracts.participants.recoveryApprovals(patientId, account));
  }

  /** A guardian entry by commitment (`index` 0: no such guardian). */
  async guardian(patientId: bigint | number, commitment: string) {
    const g = await this.core.contracts.participants.guardian(patientId, commitment);
    const bits = Number(g.powers);
    const powers = (Object.keys(POWER_BITS) as GuardianPower[]).filter((p) => (bits & POWER_BITS[p]) !== 0);
    return { index: Number(g.index), powers, nonce: g.nonce };
  }

  private domain() {
    return participantsDomain(this.core.chainId, this.core.deployment.ParticipantRegistry);
  }
}
