import type { BaseContract, ContractTransactionResponse } from "ethers";

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

  /** Sends a transaction, waits for it and prints it with its gas. */
  async step(label: string, tx: Promise<ContractTransactionResponse>): Promise<number> {
    const receipt = await (await tx).wait();
    const gas = Number(receipt?.gasUsed ?? 0n);
    this.steps.push({ chapter: this.chapter, step: label, gas });
    this.say(`  ✓ ${label}  (${gas.toLocaleString("en-US")} gas)`);
    return gas;
  }

  /**
   * Runs a call that must be refused and prints the custom error it is refused with, decoded from the ABIs
   * of `contracts` (the error may come from a contract the called one asked, such as the participant
   * directory).
   */
  async refused(label: string, contracts: BaseContract[], call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      const data = (error as { data?: string }).data;
      for (const contract of contracts) {
        const parsed = data ? contract.interface.parseError(data) : null;
        if (parsed) {
          this.say(
            `  ✗ ${label}: refused with ${parsed.name}(${parsed.args.map((a: unknown) => String(a)).join(", ")})`,
          );
          return;
        }
      }
      this.say(`  ✗ ${label}: refused (${String(error)})`);
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
  }
}

export const date = (seconds: bigint | number) => new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
