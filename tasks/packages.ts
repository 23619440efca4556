/**
 * Every `hardhat compile` also writes `@miip/contracts` (packages/contracts) and the SDK's contract types
 * (packages/sdk/src/contracts) from the artifacts just built, so neither package lags behind the contracts.
 */
import path from "node:path";

import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY } from "hardhat/builtin-tasks/task-names";

import { isCoverageRun } from "./compiler";

subtask(TASK_COMPILE_SOLIDITY).setAction(async (args, hre, runSuper) => {
  const result = await runSuper(args);
  // Under solidity-coverage the artifacts are instrumented copies; the package is written from real builds only.
  if (isCoverageRun(hre)) return result;
  const { writeContractsPackage, writeSdkContractTypes } = await import("../scripts/lib/contracts-package");
  await writeContractsPackage(hre.artifacts, path.join(hre.config.paths.root, "deploy", "deployments"));
  await writeSdkContractTypes(hre.artifacts);
  return result;
});
