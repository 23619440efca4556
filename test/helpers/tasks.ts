import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { format } from "node:util";

import hre from "hardhat";

/** What a task printed, and the exit code it left. */
export interface TaskRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command-line task in this process, as `npx hardhat <name> --flag value` runs it, and returns what it
 * printed and the exit code it set. Arguments are keyed by parameter name (`payTo`, not `--pay-to`), values are
 * strings as on a command line, flags are `true`.
 */
export async function runTask(name: string, args: Record<string, string | boolean> = {}): Promise<TaskRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { log, error } = console;
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  console.log = (...parts: unknown[]) => stdout.push(format(...parts));
  console.error = (...parts: unknown[]) => stderr.push(format(...parts));
  try {
    await hre.run(name, args);
  } finally {
    console.log = log;
    console.error = error;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = exitCode; // a refusal under test is not mocha's failure
  // Each console line ends with a newline, as a process prints it.
  const text = (lines: string[]) => lines.map((line) => `${line}\n`).join("");
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

let shared: string | undefined;

/**
 * Points the command line's deployment files and document stores at fresh temporary folders for a suite of tests,
 * so nothing in the working copy is read or written; call the returned function to restore and clean up.
 */
export function isolatedCliFolders(options: { shared?: boolean } = {}): { dir: string; restore: () => void } {
  // A seeded chain is a fixture shared by every suite of this process (its snapshot is taken once), and so are the
  // files its seeding wrote: those suites share one folder, removed when the process exits.
  if (options.shared && shared === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "miip-tasks-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    shared = dir;
  }
  const dir = options.shared ? shared! : mkdtempSync(path.join(os.tmpdir(), "miip-tasks-"));
  const saved = { deployments: process.env.MIIP_DEPLOYMENTS, store: process.env.MIIP_STORE };
  process.env.MIIP_DEPLOYMENTS = path.join(dir, "deployments");
  process.env.MIIP_STORE = path.join(dir, "store");
  return {
    dir,
    restore: () => {
      for (const [key, value] of [
        ["MIIP_DEPLOYMENTS", saved.deployments],
        ["MIIP_STORE", saved.store],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      if (!options.shared) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The chain `npm run node` serves, in this process: the suite deployed and seeded with the demo's institutions,
 * patients, records, programme, product, batch and prescription (scripts/lib/seed.ts). Use with `loadFixture`
 * inside `isolatedCliFolders({ shared: true })`.
 */
export async function seededFixture(): Promise<void> {
  const { seedNode } = await import("../../scripts/lib/seed");
  const log = console.log;
  console.log = () => undefined; // the seeding's summary is for a person starting a node
  try {
    await seedNode(hre, "in-process");
  } finally {
    console.log = log;
    await hre.network.provider.send("hardhat_setLoggingEnabled", [false]);
  }
}
