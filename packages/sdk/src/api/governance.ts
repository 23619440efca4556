import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed } from "../core.ts";
import { reasonCode } from "./consent.ts";

/** The version number that stands for a whole device model in its withdrawals (`DeviceRegistry.WHOLE_MODEL`). */
export const WHOLE_MODEL = 0xffff;

/** A call to a managed contract that governance makes through the access manager's delay. */
export interface GovernedCall {
  /** The managed contract's address. */
  target: string;
  /** The calldata. */
  data: string;
  /** What it does, in words, for logs and the command line. */
  label: string;
  /**
   * The earliest time the contract accepts it, whatever the schedule (an undo waits the suite's notice period
   * after the act it undoes); 0 when only the access manager's delay applies.
   */
  notBefore: number;
}

/** Where a governed call stands for one caller. */
export interface GovernedStatus {
  operationId: string;
  /** When it can be executed (the later of its schedule and the call's `notBefore`); 0 when it is not scheduled. */
  readyAt: number;
}

/**
 * Delayed governance as the access manager runs it: a GOVERNOR (or ADMIN) call is scheduled, public for the
 * whole delay, then executed; the caller, the admin or the role's guardian (GUARDIAN for GOVERNOR) can cancel
 * it meanwhile. The builders name the suite's governed calls so that nobody encodes calldata by hand.
 */
export class GovernanceApi {
  constructor(private readonly core: Core) {}

  /**
   * Governance withdraws a batch's current recall (GOVERNOR, delayed). The call names that recall's time, read
   * here from the chain, so it can only be built once the recall exists.
   */
  async withdrawRecall(batchId: bigint | number, reason: string): Promise<GovernedCall> {
    const { supply } = this.core.contracts;
    const { recalledAt } = await this.core.read(() => supply.getBatch(batchId));
    return {
      target: this.core.deployment.SupplyChain,
      data: supply.interface.encodeFunctionData("withdrawRecall", [batchId, recalledAt, reasonCode(reason)]),
      label: `withdraw the recall of batch ${batchId} made at ${recalledAt} (${reason})`,
      notBefore: Number(recalledAt) + (await this.noticePeriod()),
    };
  }

  /** Governance resumes the record registry's writes (GOVERNOR, delayed), naming the current pause. */
  async unpause(): Promise<GovernedCall> {
    const { records } = this.core.contracts;
    const pausedAt = await records.pausedAt();
    return {
      target: this.core.deployment.RecordRegistry,
      data: records.interface.encodeFunctionData("unpause", [pausedAt]),
      label: `resume record writes paused at ${pausedAt}`,
      notBefore: Number(pausedAt) + (await this.noticePeriod()),
    };
  }

  /** Governance sets the onboarding delay of later onboardings (GOVERNOR, delayed). */
  setOnboardingDelay(seconds: number): GovernedCall {
    const { participants } = this.core.contracts;
    return {
      target: this.core.deployment.ParticipantRegistry,
      data: participants.interface.encodeFunctionData("setOnboardingDelay", [seconds]),
      label: `set the onboarding delay to ${seconds} s`,
      notBefore: 0,
    };
  }

  /** Governance gives a suspended institution its rights back (GOVERNOR, delayed), naming the suspension. */
  async reinstate(institutionId: number, reason: string): Promise<GovernedCall> {
    const { participants } = this.core.contracts;
    const { statusChangedAt } = await this.core.read(() => participants.institution(institutionId));
    return {
      target: this.core.deployment.ParticipantRegistry,
      data: participants.interface.encodeFunctionData("reinstate", [
        institutionId,
        statusChangedAt,
        reasonCode(reason),
      ]),
      label: `reinstate institution ${institutionId}, suspended at ${statusChangedAt} (${reason})`,
      notBefore: Number(statusChangedAt) + (await this.noticePeriod()),
    };
  }

  /**
   * Governance restores a withdrawn device model (GOVERNOR, delayed), naming its standing withdrawal by its number,
   * read here: a rival regulator's or a mistaken withdrawal. It waits the notice period after the withdrawal.
   */
  async restoreDeviceModel(modelId: bigint | number, reason: string): Promise<GovernedCall> {
    const { at, serial } = await this.withdrawal(modelId, WHOLE_MODEL, `device model ${modelId}`);
    return {
      target: this.core.deployment.DeviceRegistry,
      data: this.core.contracts.devices.interface.encodeFunctionData("restoreModel", [
        modelId,
        serial,
        reasonCode(reason),
      ]),
      label: `restore device model ${modelId}, its withdrawal ${serial} at ${at} (${reason})`,
      notBefore: at + (await this.noticePeriod()),
    };
  }

  /**
   * Governance restores a withdrawn firmware version of a device model (GOVERNOR, delayed), naming its standing
   * withdrawal by its number, read here. It waits the notice period after the withdrawal.
   */
  async restoreFirmware(modelId: bigint | number, firmware: number, reason: string): Promise<GovernedCall> {
    const what = `firmware version ${firmware} of device model ${modelId}`;
    const { at, serial } = await this.withdrawal(modelId, firmware, what);
    return {
      target: this.core.deployment.DeviceRegistry,
      data: this.core.contracts.devices.interface.encodeFunctionData("restoreFirmware", [
        modelId,
        firmware,
        serial,
        reasonCode(reason),
      ]),
      label: `restore ${what}, its withdrawal ${serial} at ${at} (${reason})`,
      notBefore: at + (await this.noticePeriod()),
    };
  }

  /** The standing withdrawal of a device model's version (or the whole model); refuses one that stands. */
  private async withdrawal(modelId: bigint | number, version: number, what: string) {
    const w = await this.core.read(() => this.core.contracts.devices.withdrawalOf(modelId, version));
    if (w.withdrawnAt === 0n) throw new MIIPClientError(`${what} is not withdrawn`);
    return { at: Number(w.withdrawnAt), serial: Number(w.serial) };
  }

  /**
   * Governance hands a device model to another active regulator (GOVERNOR, delayed), which alone approves its
   * patches from then on.
   */
  reassignDeviceModel(modelId: bigint | number, regulatorId: number, reason: string): GovernedCall {
    const { devices } = this.core.contracts;
    return {
      target: this.core.deployment.DeviceRegistry,
      data: devices.interface.encodeFunctionData("reassignModel", [modelId, regulatorId, reasonCode(reason)]),
      label: `hand device model ${modelId} to regulator ${regulatorId} (${reason})`,
      notBefore: 0,
    };
  }

  /**
   * Governance replaces a programme's arbitrator (GOVERNOR, delayed): a silent or suspended agency is replaced
   * for every claim of the programme still escalated or disputed; their deadlines do not move.
   */
  replaceArbitrator(programmeId: bigint | number, arbitrator: string): GovernedCall {
    const { claims } = this.core.contracts;
    return {
      target: this.core.deployment.ClaimEscrow,
      data: claims.interface.encodeFunctionData("replaceArbitrator", [programmeId, arbitrator]),
      label: `replace the arbitrator of programme ${programmeId} with ${arbitrator}`,
      notBefore: 0,
    };
  }

  /** Schedules the call for the earliest time the caller's delay allows; says when it can be executed. */
  async schedule(call: GovernedCall): Promise<TxInfo & GovernedStatus> {
    const info = await this.core.send(() => this.core.contracts.manager.schedule(call.target, call.data, 0));
    const scheduled = eventNamed(info, "OperationScheduled");
    const readyAt = Math.max(Number(scheduled.schedule), call.notBefore);
    return { ...info, operationId: String(scheduled.operationId), readyAt };
  }

  /** The suite's notice period: the participant directory's onboarding delay, in seconds. */
  private async noticePeriod(): Promise<number> {
    return Number(await this.core.contracts.participants.onboardingDelay());
  }

  /** Executes a scheduled call whose delay has passed. */
  async execute(call: GovernedCall): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.manager.execute(call.target, call.data));
  }

  /** Cancels `caller`'s scheduled call: as that caller, the admin, or the guardian of the call's role. */
  async cancel(caller: string, call: GovernedCall): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.manager.cancel(caller, call.target, call.data));
  }

  /** Whether `caller` has the call scheduled, and for when. */
  async status(caller: string, call: GovernedCall): Promise<GovernedStatus> {
    const { manager } = this.core.contracts;
    const operationId = await manager.hashOperation(caller, call.target, call.data);
    const scheduled = Number(await manager.getSchedule(operationId));
    return { operationId, readyAt: scheduled === 0 ? 0 : Math.max(scheduled, call.notBefore) };
  }
}
