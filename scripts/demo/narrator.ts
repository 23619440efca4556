import { MIIPError } from "../../packages/sdk/src";

/** Prints the demo's narrative and keeps the gas of every step for the closing table. */
export class Narrator {
  private readonly steps: { chapter: string; step: string; gas: number }[] = [];
  private chapter = "";
  private chapters = 0;

  say(text = ""): void {
    console.log(text);
  }

  /** Starts a numbered chapter. */
  section(title: string): void {
    this.chapters += 1;
    this.chapter = title;
    this.say(`\n${this.chapters}. ${title}`);
  }

  /** Awaits an SDK write and prints it with its gas; returns the SDK's result (ids, statuses). */
  async step<T extends { gasUsed: bigint }>(label: string, write: Promise<T>): Promise<T> {
    const result = await write;
    const gas = Number(result.gasUsed);
    this.steps.push({ chapter: this.chapter, step: label, gas });
    this.say(`  ✓ ${label}  (${gas.toLocaleString("en-US")} gas)`);
    return result;
  }

  /** Runs something that must be refused and prints the SDK's decoded error, as a dApp would show it. */
  async refused(label: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof MIIPError) && !(error instanceof Error)) throw error;
      // A contract's refusal reads "ConsentNoLiveRight: …"; a client-side one "MIIPClientError: …".
      this.say(`  ✗ ${label}: ${String(error)}`);
      return;
    }
    throw new Error(`${label} was not refused`);
  }

  /** The closing table: every step with its gas. */
  summary(): void {
    const width = Math.max(...this.steps.map((s) => s.step.length));
    this.say(`\n  ${"step".padEnd(width)}  gas`);
    let chapter = "";
    for (const s of this.steps) {
      if (s.chapter !== chapter) {
        chapter = s.chapter;
        this.say(`  — ${chapter}`);
      }
      this.say(`  ${s.step.padEnd(width)}  ${s.gas.toLocaleString("en-US").padStart(7)}`);
    }
    const total = this.steps.reduce((sum, s) => sum + s.gas, 0);
    this.say(
      `  ${"total".padEnd(width)}  ${total.toLocaleString("en-US").padStart(7)}  (${this.steps.length} transactions)`,
    );
  }
}

export const date = (seconds: bigint | number) => new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
