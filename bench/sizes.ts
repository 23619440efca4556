import type { Artifact, Artifacts } from "hardhat/types";

import { INITCODE_LIMIT, RUNTIME_LIMIT, type ContractSize } from "../scripts/lib/gas-gate";
import { markdownTable, thousands } from "../scripts/lib/table";

/** One contract of the suite and its code size, from its compiled artifact. */
export interface SizeRow extends ContractSize {
  contract: string;
  /** Its source file, e.g. contracts/claims/ClaimEscrow.sol. */
  source: string;
}

/**
 * The runtime code of every library starts with this guard (PUSH20 of its own address, filled in at deployment,
 * then ADDRESS EQ), which is how an artifact says "library" without the compiler's AST.
 */
const LIBRARY_RUNTIME_PREFIX = "0x73" + "00".repeat(20) + "3014";

function bytes(hex: string): number {
  return (hex.length - 2) / 2;
}

/**
 * Whether a suite artifact is code that gets deployed: not a test double (contracts/mocks/), not an interface or
 * an abstract contract (no bytecode), and not a library of internal functions only, which the compiler copies
 * into its callers (a library with public functions would be deployed and linked, so it counts).
 */
export function isDeployedContract(artifact: Artifact): boolean {
  if (!artifact.sourceName.startsWith("contracts/") || artifact.sourceName.startsWith("contracts/mocks/")) {
    return false;
  }
  if (artifact.bytecode === "0x" || artifact.deployedBytecode === "0x") return false;
  const internalLibrary =
    artifact.deployedBytecode.startsWith(LIBRARY_RUNTIME_PREFIX) && !artifact.abi.some((e) => e.type === "function");
  return !internalLibrary;
}

/**
 * The size of every deployed contract under contracts/, from the compiled artifacts (no deployment needed),
 * ordered by source file. Link and immutable placeholders take their final width, so the sizes are those on
 * chain; the initcode is the artifact's, before constructor arguments.
 */
export async function contractSizes(artifacts: Artifacts): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  for (const name of await artifacts.getAllFullyQualifiedNames()) {
    const artifact = await artifacts.readArtifact(name);
    if (!isDeployedContract(artifact)) continue;
    rows.push({
      contract: artifact.contractName,
      source: artifact.sourceName,
      runtime: bytes(artifact.deployedBytecode),
      initcode: bytes(artifact.bytecode),
    });
  }
  rows.sort((a, b) => a.source.localeCompare(b.source) || a.contract.localeCompare(b.contract));
  // gas.json names sizes by contract, so two contracts of one name would overwrite each other there.
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.contract)) throw new Error(`two contracts named ${row.contract} under contracts/`);
    seen.add(row.contract);
  }
  return rows;
}

/** The bench's size table, with each contract's room under EIP-170 and EIP-3860. */
export function sizeTable(rows: readonly SizeRow[]): string[] {
  return markdownTable(
    [
      "contract",
      "runtime bytes",
      `margin to ${thousands(RUNTIME_LIMIT)}`,
      "initcode bytes",
      `margin to ${thousands(INITCODE_LIMIT)}`,
    ],
    rows.map((r) => [
      r.contract,
      thousands(r.runtime),
      thousands(RUNTIME_LIMIT - r.runtime),
      thousands(r.initcode),
      thousands(INITCODE_LIMIT - r.initcode),
    ]),
  );
}
