import type { Core, TxInfo } from "../core";
import { eventNamed } from "../core";
import { reasonCode } from "./consent";

/** A call to a managed contract that governance makes through the access manager's delay. */
export interface GovernedCall {
  /** The managed contract's address. */
  target: string;
  /** The calldata. */
  data: string;
  /** What it does, in words, for logs and the command line. */
  label: string;
}

/** Where a governed call stands for one caller. */
export interface GovernedStatus {
  operationId: string;
  /** When it can be executed; 0 when it is not scheduled (never, executed or cancelled). */
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
    };
  }

  /** Governance sets the onboarding delay of later onboardings (GOVERNOR, delayed). */
  setOnboardingDelay(seconds: number): GovernedCall {
    const { participants } = this.core.contracts;
    return {
      target: this.core.deployment.ParticipantRegistry,
      data: participants.interface.encodeFunctionData("setOnboardingDelay", [seconds]),
      label: `set the onboarding delay to ${seconds} s`,
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
    };
  }

  /** Schedules the call for the earliest time the caller's delay allows; says when it can be executed. */
  async schedule(call: GovernedCall): Promise<TxInfo & GovernedStatus> {
    const info = await this.core.send(() => this.core.contracts.manager.schedule(call.target, call.data, 0));
    const scheduled = eventNamed(info, "OperationScheduled");
    return { ...info, operationId: String(scheduled.operationId), readyAt: Number(scheduled.schedule) };
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
    return { operationId, readyAt: Number(await manager.getSchedule(operationId)) };
  }
}
