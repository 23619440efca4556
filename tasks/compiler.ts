import path from "node:path";

import { subtask } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import {
  TASK_COMPILE_SOLIDITY_CHECK_ERRORS,
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_COMPILE_SOLIDITY_LOG_COMPILATION_ERRORS,
} from "hardhat/builtin-tasks/task-names";

/**
 * One compiler for every machine. Hardhat normally downloads solc; our machines and CI reach only
 * the npm registry, so the compiler is the `solc` npm package pinned in package-lock.json. The
 * same soljson build everywhere means byte-identical artifacts everywhere.
 */
export const SOLC_VERSION = "0.8.30";

/**
 * `cancun` rather than 0.8.30's default `prague`: Sepolia and the common L2s (Arbitrum One, OP Mainnet,
 * Base, Polygon PoS) all execute Cancun opcodes, which we need for transient storage (reentrancy guards)
 * and `mcopy` (OpenZeppelin 5.x); Prague adds nothing the suite uses and is not yet everywhere.
 */
export const EVM_VERSION = "cancun";

interface SolcMessage {
  severity: "error" | "warning" | "info";
  errorCode?: string;
  formattedMessage: string;
  sourceLocation?: { file: string };
}

/**
 * Compiler warnings are errors, with one documented exception: solc warns (2394) on every `tstore` in
 * inline assembly, and OpenZeppelin's ReentrancyGuardTransient is exactly the use the warning itself
 * calls safe ("reentrancy guards that are cleared at the end of the call"). Only that code, only in
 * OpenZeppelin's own files, is let through.
 */
function isAllowedWarning(message: SolcMessage): boolean {
  return message.errorCode === "2394" && (message.sourceLocation?.file ?? "").startsWith("@openzeppelin/");
}

/** Whether solidity-coverage is running in this process (it instruments the sources). */
export function isCoverageRun(hre: unknown): boolean {
  // solidity-coverage instruments the sources, which makes the compiler warn about its own probes.
  return (hre as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
}

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) {
    return runSuper(args);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const installed = (require("solc/package.json") as { version: string }).version;
  if (installed !== SOLC_VERSION) {
    throw new Error(`npm solc is ${installed} but hardhat.config.ts pins ${SOLC_VERSION}; run npm ci`);
  }
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version().replace(/\.Emscripten\.clang$/, ""),
  };
});

subtask(
  TASK_COMPILE_SOLIDITY_LOG_COMPILATION_ERRORS,
  async (args: { output?: { errors?: SolcMessage[] } }, hre, runSuper) => {
    const errors = args.output?.errors;
    if (errors === undefined || isCoverageRun(hre)) {
      return runSuper(args);
    }
    const allowed = errors.filter(isAllowedWarning);
    await runSuper({ ...args, output: { ...args.output, errors: errors.filter((e) => !isAllowedWarning(e)) } });
    if (allowed.length > 0) {
      console.log(`(${allowed.length} solc 2394 notice(s) on OpenZeppelin's transient reentrancy guard, allowed)`);
    }
  },
);

subtask(TASK_COMPILE_SOLIDITY_CHECK_ERRORS, async (args: { output?: { errors?: SolcMessage[] } }, hre, runSuper) => {
  await runSuper(args);
  if (isCoverageRun(hre)) return;
  const warnings = (args.output?.errors ?? []).filter((e) => e.severity === "warning" && !isAllowedWarning(e));
  if (warnings.length > 0) {
    throw new HardhatPluginError(
      "miip-compiler",
      `${warnings.length} compiler warning(s); warnings are errors in this project (see above)`,
    );
  }
});
