/**
 * Two test runs. `npm test` (`hardhat test`): the contracts, the SDK and the scripts in one process against the
 * in-process network, a few seconds per file. `npm run test:e2e` (`hardhat test test/e2e/*.test.ts`): what runs
 * as a person runs it, each command a process of its own against a node started beside it (the command line,
 * the demo, a public network's deployment); minutes, not seconds. `.ci/run` runs both.
 */
import path from "node:path";

import { subtask } from "hardhat/config";
import { TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";

/** The folder of the end-to-end tests, left out of `hardhat test` unless named. */
export const E2E_DIR = path.join("test", "e2e");

subtask(TASK_TEST_GET_TEST_FILES).setAction(async (args: { testFiles: string[] }, hre, runSuper) => {
  // ES-module shims the tests import (test/helpers/*.mjs and their declarations) are not test files.
  const files = ((await runSuper(args)) as string[]).filter((file) => !/\.(?:d\.mts|mjs)$/.test(file));
  if (args.testFiles.length > 0) return files;
  const e2e = path.join(hre.config.paths.root, E2E_DIR) + path.sep;
  return files.filter((file) => !file.startsWith(e2e));
});
