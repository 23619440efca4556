import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");
export const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What a command printed and how it ended. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npx hardhat <args>` in the repository, as a person would in a terminal. */
export function runHardhat(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(HARDHAT, args, { cwd: ROOT, env, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Starts `npx hardhat <args>` (a node) in the background and resolves once its output contains `ready`;
 * `output()` is everything it printed so far.
 */
export async function startNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: string,
): Promise<{ node: ChildProcess; output: () => string }> {
  let output = "";
  const node = spawn(HARDHAT, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the node did not get ready:\n${output}`)), 200_000);
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    node.stdout!.on("data", watch);
    node.stderr!.on("data", watch);
    node.once("exit", (code) => reject(new Error(`the node exited with ${code}:\n${output}`)));
  });
  return { node, output: () => output };
}

/**
 * Starts a seeded node task (`miip:node`, `miip:app`) on a free port, its deployment, documents and Ignition journal
 * in a fresh temporary folder (never the repository's), and resolves once it prints `ready`.
 */
export async function startSeededNode(
  task: "miip:node" | "miip:app",
  args: string[],
  ready: string,
): Promise<{ node: ChildProcess; output: () => string; dir: string; rpc: string; deployments: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `miip-${task.slice(5)}-`));
  const port = await freePort();
  const env = {
    ...process.env,
    MIIP_DEPLOYMENTS: path.join(dir, "deploy", "deployments"),
    MIIP_STORE: path.join(dir, ".miip"),
    MIIP_IGNITION: path.join(dir, "ignition"),
    HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
  };
  const started = await startNode([task, "--port", String(port), ...args], env, ready);
  return { ...started, dir, rpc: `http://127.0.0.1:${port}`, deployments: env.MIIP_DEPLOYMENTS };
}
