/**
 * `@miip/contracts` (packages/contracts): what a dApp needs of the suite without a Solidity compiler. Written
 * by every `hardhat compile` (tasks/packages.ts) from the artifacts, from packages/contracts/src/eip712.ts (the
 * single source of the EIP-712 types) and from config/roles.ts (the role, kind and purpose numbers):
 *
 * - `abi/<Contract>.json`: each deployed contract's ABI, as JSON;
 * - `dist/index.{mjs,cjs,d.ts}`: the same ABIs `as const` (viem and wagmi infer argument and return types from
 *   them), one ABI of every error any contract of the suite can raise, the EIP-712 types and domains as plain
 *   data, the numbers the contracts use, and the deployments per chain with their start blocks.
 *
 * The output is plain JavaScript and literal-typed declarations: building the package needs no TypeScript
 * compiler, and installing it needs nothing at all.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";

import type { Artifacts } from "hardhat/types";

import * as eip712 from "../../packages/contracts/src/eip712";
import { KINDS, PURPOSES, RECORD_TYPES, ROLES } from "../../config/roles";
import { CONTRACT_NAMES, type ContractName, parseDeployment, type Deployment } from "../../packages/sdk/src/deployment";

export const CONTRACTS_PACKAGE_DIR = path.join(__dirname, "..", "..", "packages", "contracts");

/**
 * The ABI a client uses for each deployed contract: the interface the SDK calls through (the proxies forward
 * every call, the escrow's and the supply chain's extensions included), or the contract itself where it has no
 * interface of its own.
 */
export const DEPLOYED_ABIS: Record<ContractName, string> = {
  MIIPAccessManager: "IAccessManager",
  ISTDistribution: "IISTDistribution",
  INSSETToken: "INSSETToken",
  ParticipantRegistry: "IParticipantRegistry",
  RecordRegistry: "IRecordRegistry",
  ConsentManager: "IConsentManager",
  ClaimEscrow: "IClaimEscrow",
  ProductRegistry: "IProductRegistry",
  SupplyChain: "ISupplyChain",
  PackVerifier: "PackVerifier",
  ResearchMarket: "IResearchMarket",
  CarePayments: "ICarePayments",
  DeviceRegistry: "IDeviceRegistry",
};

/** Standard interfaces a client of the suite also calls: a programme's stablecoin, permits, EIP-712 domains. */
export const STANDARD_ABIS = { IERC20: "IERC20", IERC20Permit: "IERC20Permit", IERC5267: "IERC5267" } as const;

/** The networks whose deployments ship in the package (deploy/deployments/<network>/addresses.json). */
export const LOCAL_NETWORKS = new Set(["localhost", "hardhat"]);

type Json = null | boolean | number | string | bigint | Json[] | { [key: string]: Json };
type AbiItem = { type: string; name?: string; inputs?: { type: string; components?: unknown[] }[] };

/** A contract's ABI export, in lower camel case: ParticipantRegistry → participantRegistryAbi, ISTDistribution → istDistributionAbi. */
export function abiExportName(contract: string): string {
  const capitals = /^[A-Z]*/.exec(contract)![0];
  const next = contract[capitals.length];
  const cut = capitals.length > 1 && next !== undefined && /[a-z]/.test(next) ? capitals.length - 1 : capitals.length;
  return `${contract.slice(0, cut).toLowerCase()}${contract.slice(cut)}Abi`;
}

/** A value as a JavaScript literal (JSON, with bigints as `123n`). */
export function jsLiteral(value: Json): string {
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(jsLiteral).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${jsLiteral(item)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The type TypeScript gives the literal `as const`: readonly tuples and properties, literal leaves. */
export function constType(value: Json): string {
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return `readonly [${value.map(constType).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    return `{ ${entries.map(([key, item]) => `readonly ${JSON.stringify(key)}: ${constType(item)}`).join("; ")} }`;
  }
  return JSON.stringify(value);
}

/** The canonical signature of an ABI error (tuples expanded), to tell two declarations of one error apart. */
function signature(item: AbiItem): string {
  const typeOf = (input: { type: string; components?: unknown[] }): string =>
    input.components
      ? `(${(input.components as { type: string; components?: unknown[] }[]).map(typeOf).join(",")})${input.type.slice(5)}`
      : input.type;
  return `${item.name}(${(item.inputs ?? []).map(typeOf).join(",")})`;
}

/** The artifacts of the suite's own contracts (not its test doubles), and of what it uses of OpenZeppelin. */
async function suiteArtifacts(artifacts: Artifacts): Promise<{ abi: AbiItem[] }[]> {
  const names = await artifacts.getAllFullyQualifiedNames();
  const own = names.filter((name) => name.startsWith("contracts/") && !name.startsWith("contracts/mocks/"));
  return Promise.all(own.map((name) => artifacts.readArtifact(name)));
}

/**
 * Every error any contract of the suite declares or inherits, once each (by signature), sorted by name: one ABI
 * that decodes a revert whichever contract of the suite raised it, including one raised by a contract the
 * called one asked (the directory's refusal inside a registry call).
 */
export function collectErrors(abis: AbiItem[][]): AbiItem[] {
  const errors = new Map<string, AbiItem>();
  for (const abi of abis) {
    for (const item of abi) if (item.type === "error") errors.set(signature(item), item);
  }
  return [...errors.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}

/** The deployments shipped with the package, by chain id: every public network's deployment file. */
export function shippedDeployments(dir: string): Record<string, Deployment> {
  const byChain: Record<string, Deployment> = {};
  if (!existsSync(dir)) return byChain;
  for (const network of readdirSync(dir).sort()) {
    const file = path.join(dir, network, "addresses.json");
    if (LOCAL_NETWORKS.has(network) || network.startsWith("chain-") || !existsSync(file)) continue;
    const deployment = parseDeployment(JSON.parse(readFileSync(file, "utf8")), file);
    byChain[String(deployment.chainId)] = deployment;
  }
  return byChain;
}

/** The package's generated files, by path inside packages/contracts. */
export async function contractsPackageFiles(
  artifacts: Artifacts,
  deploymentsDir: string,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const declarations: [string, Json, string][] = [];

  const abis: Record<string, AbiItem[]> = {};
  for (const [contract, artifact] of [...Object.entries(DEPLOYED_ABIS), ...Object.entries(STANDARD_ABIS)]) {
    abis[contract] = (await artifacts.readArtifact(artifact)).abi as AbiItem[];
    files.set(`abi/${contract}.json`, JSON.stringify(abis[contract], null, 2) + "\n");
    declarations.push([abiExportName(contract), abis[contract] as Json, `The ABI of ${contract} (${artifact}).`]);
  }
  const errors = collectErrors((await suiteArtifacts(artifacts)).map((artifact) => artifact.abi));
  files.set("abi/errors.json", JSON.stringify(errors, null, 2) + "\n");
  declarations.push([
    "suiteErrorsAbi",
    errors as Json,
    "Every error any contract of the suite can raise (its own and those it inherits), once each: decodes a revert whichever contract raised it.",
  ]);
  declarations.push(["contractNames", [...CONTRACT_NAMES], "The deployed contracts, by the names deployments use."]);

  for (const [name, value] of Object.entries(eip712)) {
    if (name.endsWith("_TYPES")) declarations.push([name, value as Json, `EIP-712 types (${name}).`]);
  }
  declarations.push([
    "eip712Domains",
    eip712.EIP712_DOMAINS,
    "The name and version of each signing contract's EIP-712 domain, as the contract sets them.",
  ]);
  declarations.push(["roles", ROLES, "The access manager's role ids (config/roles.ts)."]);
  declarations.push(["institutionKinds", KINDS, "Institution kinds, as the directory numbers them."]);
  declarations.push(["purposes", PURPOSES, "Purposes of use a consent names."]);
  declarations.push(["recordTypes", RECORD_TYPES, "Record types, as the registry numbers them."]);
  declarations.push([
    "deployments",
    shippedDeployments(deploymentsDir) as unknown as Json,
    "The suite's public deployments, by chain id: addresses, and the block its history starts at.",
  ]);

  const header = "// Generated by `hardhat compile` (scripts/lib/contracts-package.ts): do not edit.\n";
  const body = declarations.map(([name, value, doc]) => `/** ${doc} */\nconst ${name} = ${jsLiteral(value)};\n`);
  const names = declarations.map(([name]) => name);
  files.set(
    "dist/index.mjs",
    header + body.join("") + RUNTIME + `export { ${[...names, ...RUNTIME_NAMES].join(", ")} };\n`,
  );
  files.set(
    "dist/index.cjs",
    header +
      '"use strict";\n' +
      body.join("") +
      RUNTIME +
      `module.exports = { ${[...names, ...RUNTIME_NAMES].join(", ")} };\n`,
  );
  const typed =
    header +
    declarations
      .map(([name, value, doc]) => `/** ${doc} */\nexport declare const ${name}: ${constType(value)};\n`)
      .join("") +
    RUNTIME_TYPES;
  // The same declarations twice: as CommonJS's (index.d.ts) and as an ES module's (index.d.mts), so that
  // TypeScript knows which exports each format has.
  files.set("dist/index.d.ts", typed);
  files.set("dist/index.d.mts", typed);
  return files;
}

/** The package's few functions, the same in both module formats. */
const RUNTIME = `
/** A chain without a deployment of the suite, or a contract it does not know. */
class MIIPDeploymentError extends Error {
  constructor(message) {
    super(message);
    this.name = "MIIPDeploymentError";
  }
}

/** The suite's deployment on a chain; refuses, in one line, a chain it has none for. */
function deploymentFor(chainId) {
  const deployment = deployments[String(chainId)];
  if (deployment === undefined) {
    const known = Object.keys(deployments);
    throw new MIIPDeploymentError(
      "no MIIP deployment on chain " + chainId + " in @miip/contracts (" +
        (known.length ? "it has chains " + known.join(", ") : "it has none yet") +
        "): pass the addresses.json your deployment wrote",
    );
  }
  return deployment;
}

/** The EIP-712 domain of a signing contract of the suite, at its address on a chain (a TypeError for another name). */
function eip712Domain(contract, chainId, verifyingContract) {
  const domain = eip712Domains[contract];
  if (domain === undefined) {
    throw new TypeError(contract + " signs nothing: the signing contracts are " + Object.keys(eip712Domains).join(", "));
  }
  return { name: domain.name, version: domain.version, chainId: BigInt(chainId), verifyingContract };
}
`;
const RUNTIME_NAMES = ["MIIPDeploymentError", "deploymentFor", "eip712Domain"];
const RUNTIME_TYPES = `
/** A deployed contract's name. */
export type ContractName = (typeof contractNames)[number];
/** Where a deployment of the suite lives on a chain. */
export type Deployment = { chainId: number; startBlock: number; listingTime?: number } & Record<ContractName, string>;
/** A chain without a deployment of the suite. */
export declare class MIIPDeploymentError extends Error {}
/** The suite's deployment on a chain; throws MIIPDeploymentError, in one line, for a chain it has none for. */
export declare function deploymentFor(chainId: number | bigint): Deployment;
/** The EIP-712 domain of a signing contract of the suite, at its address on a chain (a TypeError for another name). */
export declare function eip712Domain<C extends keyof typeof eip712Domains>(
  contract: C,
  chainId: number | bigint,
  verifyingContract: \`0x\${string}\`,
): { name: (typeof eip712Domains)[C]["name"]; version: (typeof eip712Domains)[C]["version"]; chainId: bigint; verifyingContract: \`0x\${string}\` };
`;

/** Writes the package's generated files (the previous ones removed first), and returns their paths. */
export async function writeContractsPackage(
  artifacts: Artifacts,
  deploymentsDir: string,
  dir = CONTRACTS_PACKAGE_DIR,
): Promise<string[]> {
  const files = await contractsPackageFiles(artifacts, deploymentsDir);
  syncFiles(dir, ["abi", "dist"], files);
  return [...files.keys()];
}

/**
 * Makes `folders` of `dir` hold exactly `files`: writes what changed, removes what is gone, touches nothing else,
 * so that another process of the same checkout reading them meanwhile never finds them missing or half written.
 */
export function syncFiles(dir: string, folders: string[], files: Map<string, string>): void {
  for (const [file, content] of files) {
    const full = path.join(dir, file);
    if (existsSync(full) && readFileSync(full, "utf8") === content) continue;
    mkdirSync(path.dirname(full), { recursive: true });
    const temporary = `${full}.${process.pid}.tmp`;
    writeFileSync(temporary, content);
    renameSync(temporary, full);
  }
  const walk = (folder: string): string[] =>
    existsSync(folder)
      ? readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
          entry.isDirectory() ? walk(path.join(folder, entry.name)) : [path.join(folder, entry.name)],
        )
      : [];
  for (const folder of folders) {
    for (const full of walk(path.join(dir, folder))) {
      if (!files.has(path.relative(dir, full).split(path.sep).join("/"))) rmSync(full);
    }
  }
}

/** Where the SDK's contract types are generated (types only: the SDK takes its ABIs from `@miip/contracts`). */
export const SDK_CONTRACT_TYPES_DIR = path.join(__dirname, "..", "..", "packages", "sdk", "src", "contracts");

/** The Solidity names of the ABIs the SDK types its contracts with (TypeChain names each type after its file). */
export const SDK_TYPED_ABIS = [...Object.values(DEPLOYED_ABIS), ...Object.values(STANDARD_ABIS)];

/**
 * Writes the SDK's TypeChain types (ethers v6) from the ABIs alone: no bytecode, and no factories (a client
 * builds its contracts from `@miip/contracts`'s ABIs), so nothing of a deployment reaches a dApp's bundle.
 */
export async function writeSdkContractTypes(artifacts: Artifacts, dir = SDK_CONTRACT_TYPES_DIR): Promise<void> {
  const abis = new Map<string, string>();
  for (const name of SDK_TYPED_ABIS) abis.set(name, JSON.stringify((await artifacts.readArtifact(name)).abi));
  // TypeChain takes seconds: run it only when its input changed since the files were last written.
  const inputs = createHash("sha256")
    .update(JSON.stringify([...abis]))
    .digest("hex");
  const stamp = path.join(dir, ".inputs");
  const files = new Map<string, string>();
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === inputs) {
    for (const file of readdirSync(dir))
      if (file.endsWith(".ts")) files.set(file, readFileSync(path.join(dir, file), "utf8"));
  } else {
    for (const [file, content] of await typechainTypes(abis)) files.set(file, content);
  }
  files.set(".inputs", inputs);
  files.set("abis.ts", await sdkAbisModule(artifacts));
  files.set(
    "index.ts",
    "// Generated by `hardhat compile` (scripts/lib/contracts-package.ts): do not edit.\n" +
      SDK_TYPED_ABIS.map((name) => `export type { ${name} } from "./${name}.ts";\n`).join(""),
  );
  syncFiles(dir, [""], files);
}

/** TypeChain's ethers-v6 types of ABIs (by Solidity name), without factories, by file name. */
async function typechainTypes(abis: Map<string, string>): Promise<Map<string, string>> {
  const { runTypeChain } = await import("typechain");
  const input = mkdtempSync(path.join(os.tmpdir(), "miip-abis-"));
  const output = mkdtempSync(path.join(os.tmpdir(), "miip-types-"));
  try {
    const files = [...abis].map(([name, abi]) => {
      writeFileSync(path.join(input, `${name}.json`), abi);
      return path.join(input, `${name}.json`);
    });
    await runTypeChain({
      cwd: input,
      filesToProcess: files,
      allFiles: files,
      inputDir: input,
      outDir: output,
      target: "ethers-v6",
      flags: { alwaysGenerateOverloads: false, discriminateTypes: false, environment: undefined },
    });
    // The factories would carry a second copy of every ABI (and TypeChain's index exports them); the SDK's
    // relative imports name their files (`./common.ts`), so that its declarations can name theirs.
    const types = new Map<string, string>();
    for (const file of readdirSync(output)) {
      if (!file.endsWith(".ts") || file === "index.ts") continue;
      const text = readFileSync(path.join(output, file), "utf8");
      types.set(file, text.replace(/from "(\.\/[\w.-]+?)(?<!\.ts)"/g, 'from "$1.ts"'));
    }
    return types;
  } finally {
    rmSync(input, { recursive: true, force: true });
    rmSync(output, { recursive: true, force: true });
  }
}

/** The order in which the SDK names the contract an error comes from: the first whose ABI declares it. */
export const ERROR_SOURCES: ContractName[] = [
  "ParticipantRegistry",
  "RecordRegistry",
  "ConsentManager",
  "ClaimEscrow",
  "ProductRegistry",
  "SupplyChain",
  "ResearchMarket",
  "CarePayments",
  "DeviceRegistry",
  "ISTDistribution",
  "INSSETToken",
];

/** The interface whose errors a source declares (the token's: its claim's; the others': their ABI's). */
const ERROR_INTERFACES: Record<string, string> = { ...DEPLOYED_ABIS, INSSETToken: "IMerkleClaim" };

/**
 * The SDK's ABIs, compact: each deployed contract's functions and events in ethers' human-readable form (names
 * kept, so results and events read by name), and every suite error once, with the contract that declares it and
 * the enum each input names. A third of the JSON's size, for the browser bundle; the same selectors and layouts.
 */
export async function sdkAbisModule(artifacts: Artifacts): Promise<string> {
  const { Interface } = await import("ethers");
  const abis: Record<string, string[]> = {};
  const declaring = new Map<string, string>();
  for (const [contract, artifact] of Object.entries(DEPLOYED_ABIS)) {
    const abi = (await artifacts.readArtifact(artifact)).abi as AbiItem[];
    const iface = new Interface(abi as never);
    abis[contract] = iface.fragments
      .filter((f) => f.type === "function" || f.type === "event")
      .map((f) => f.format("full"));
  }
  const claim = (abi: AbiItem[], source: string) => {
    for (const item of abi) {
      if (item.type === "error" && !declaring.has(signature(item))) declaring.set(signature(item), source);
    }
  };
  // First the interfaces (the token's claim interface, not the token, whose ABI carries what it inherits), then
  // what the suite inherits from OpenZeppelin, then what a deployed contract declares outside its interface.
  for (const source of ERROR_SOURCES)
    claim((await artifacts.readArtifact(ERROR_INTERFACES[source])).abi as AbiItem[], source);
  for (const name of await artifacts.getAllFullyQualifiedNames()) {
    if (name.startsWith("@openzeppelin/")) claim((await artifacts.readArtifact(name)).abi as AbiItem[], "OpenZeppelin");
  }
  for (const source of ERROR_SOURCES) claim((await artifacts.readArtifact(source)).abi as AbiItem[], source);
  const errors = collectErrors((await suiteArtifacts(artifacts)).map((artifact) => artifact.abi)).map((item) => {
    const fragment = new Interface([item as never]).fragments[0].format("full");
    const enums = (item.inputs ?? []).map(
      (input) => /^enum \w+\.(\w+)$/.exec((input as { internalType?: string }).internalType ?? "")?.[1] ?? "",
    );
    return [fragment, declaring.get(signature(item)) ?? "", enums.some((e) => e !== "") ? enums : []];
  });
  return (
    "// Generated by `hardhat compile` (scripts/lib/contracts-package.ts): do not edit.\n" +
    "/** Each deployed contract's functions and events, human-readable (ethers' full format). */\n" +
    `export const ABIS: Record<string, readonly string[]> = ${JSON.stringify(abis, null, 1)};\n` +
    '/** Every suite error: its fragment, the contract (or "OpenZeppelin") that declares it, or "", and the enum each input names. */\n' +
    `export const ERRORS: readonly (readonly [string, string, readonly string[]])[] = ${JSON.stringify(errors, null, 1)};\n`
  );
}
