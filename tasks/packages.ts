/**
 * Every `hardhat compile` also writes `@miip/contracts` (packages/contracts): its ABIs, errors, EIP-712 data and
 * deployments come from the artifacts just built, so the package never lags behind the contracts.
 */
import path from "node:path";

import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY } from "hardhat/builtin-tasks/task-names";

import { isCoverageRun } from "./compiler";

subtask(TASK_COMPILE_SOLIDITY).setAction(async (args, hre, runSuper) => {
  const result = await runSuper(args);
  // Under solidity-coverage the artifacts are instrumented copies; the package is written from real builds only.
  if (isCoverageRun(hre)) return result;
  const { writeContractsPackage } = await import("../scripts/lib/contracts-package");
  await writeContractsPackage(hre.artifacts, path.join(hre.config.paths.root, "deploy", "deployments"));
  return result;
});
