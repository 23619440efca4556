/**
 * What the command-line tasks share: turning flags into checked values, connecting the SDK for the selected
 * network, printing results, and turning every expected failure (bad input, a missing deployment, a
 * contract's refusal) into one readable line and exit code 1 instead of a stack trace.
 *
 * The SDK is imported lazily: the Hardhat config loads this file before anything is compiled, and the SDK
 * needs the TypeChain types that compiling generates.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { Contract, type Provider, Wallet, getAddress, isAddress } from "ethers";
import { vars } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";

import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import type { GovernedCall, MIIP } from "../packages/sdk/src";

/** Bad input on the command line; printed as one line. */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** The errors a person can act on, printed as they are; anything else is named by its kind too. */
const EXPECTED = new Set([
  "InputError",
  "DeploymentError",
  "MIIPClientError",
  "DocumentIntegrityError",
  "DecryptionError",
  "KeyError",
  "CidError",
  "BlobNotFoundError",
  "BlobIntegrityError",
  "IpfsError",
  "RangeError",
  "ParameterError",
]);

/** The actions `action` wrapped, and the flags each requires (filled in by `requireFlags`). */
const REQUIRED = new WeakMap<object, string[]>();

/** `payTo` as the command line spells it: `--pay-to`. */
export function flagName(param: string): string {
  return `--${param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Wraps a task's action so that every failure, expected or not, prints one `error: …` line on stderr and sets
 * exit code 1: a person reads what went wrong, not a stack trace. `--show-stack-traces` (or `--verbose`) lets the
 * error through to Hardhat, which prints where it came from.
 */
export function action<A>(run: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>) {
  const wrapped = async (args: A, hre: HardhatRuntimeEnvironment): Promise<void> => {
    try {
      const missing = (REQUIRED.get(wrapped) ?? []).filter((param) => {
        const value = (args as Record<string, unknown>)[param];
        return value === undefined || value === "";
      });
      if (missing.length > 0) {
        const flags = missing.map(flagName);
        const listed = flags.length === 1 ? flags[0] : `${flags.slice(0, -1).join(", ")} and ${flags.at(-1)}`;
        throw new InputError(`${listed} ${flags.length === 1 ? "is" : "are"} required`);
      }
      await run(args, hre);
    } catch (error) {
      if (hre.hardhatArguments.showStackTraces || hre.hardhatArguments.verbose) throw error;
      console.error(`error: ${await oneLine(error, hre)}`);
      process.exitCode = 1;
    }
  };
  REQUIRED.set(wrapped, []);
  return wrapped;
}

/** Whether a task's action goes through `action` (a test checks that every MIIP task's does). */
export function isWrapped(fn: unknown): boolean {
  return typeof fn === "function" && REQUIRED.has(fn);
}

/**
 * Hardhat refuses a missing required flag itself, in three lines and before any action runs. For the tasks whose
 * action `action` wrapped, required flags are declared to Hardhat as optional and checked by the wrapper instead,
 * which names every missing one on one line; their help text starts with "required:".
 */
export function requireFlags(definitions: Record<string, { action: unknown; paramDefinitions: object }>): void {
  for (const definition of Object.values(definitions)) {
    if (!isWrapped(definition.action)) continue;
    const required = REQUIRED.get(definition.action as object)!;
    const params = definition.paramDefinitions as Record<
      string,
      { isOptional: boolean; isFlag: boolean; description?: string; defaultValue?: unknown }
    >;
    for (const [name, param] of Object.entries(params)) {
      if (param.isOptional || param.isFlag) continue;
      param.isOptional = true;
      param.defaultValue = undefined;
      param.description = `required: ${param.description ?? ""}`;
      required.push(name);
    }
  }
}

/** One line for any failure: the SDK's decoded refusals as they print, the rest with what to do about them. */
export async function oneLine(error: unknown, hre: HardhatRuntimeEnvironment): Promise<string> {
  const { MIIPError } = await import("../packages/sdk/src/errors");
  const flat = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();
  if (error instanceof MIIPError) return flat(String(error));
  const e = error as { name?: string; message?: string; shortMessage?: string; code?: string; number?: number };
  const name = (error as Error)?.constructor?.name;
  if (EXPECTED.has(name) || EXPECTED.has(e?.name ?? "")) return flat(e.message ?? String(error));
  // Hardhat's own: the node is not running (HH108) is the one a newcomer meets first.
  if (e?.number === 108) {
    const url = (hre.network.config as { url?: string }).url ?? hre.network.name;
    return `no node answers at ${url}: start one with \`npm run node\` (or choose another --network)`;
  }
  if (typeof e?.number === "number") return flat(`${e.message} (HH${e.number})`);
  // ethers: its short message, without the request dump that follows it.
  if (typeof e?.shortMessage === "string") return flat(`${e.shortMessage}${e.code ? ` (${e.code})` : ""}`);
  const message = (e?.message ?? String(error)).split("\n")[0];
  return flat(`${e?.name ?? "Error"}: ${message} (rerun with --show-stack-traces to see where it came from)`);
}

/** A checked address. */
export function address(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new InputError(`--${flag} is required`);
  if (!isAddress(value)) throw new InputError(`--${flag}: "${value}" is not an address`);
  return getAddress(value);
}

/** A checked non-negative integer. */
export function integer(value: string | undefined, flag: string): bigint {
  if (value === undefined || value === "") throw new InputError(`--${flag} is required`);
  if (!/^\d+$/.test(value)) throw new InputError(`--${flag}: "${value}" is not a whole number`);
  return BigInt(value);
}

/** A checked list of whole numbers, comma-separated. */
export function integers(value: string | undefined, flag: string): bigint[] {
  if (value === undefined || value === "") throw new InputError(`--${flag} is required`);
  return value.split(",").map((part) => integer(part.trim(), flag));
}

/** A token amount in whole units with up to `decimals` decimals ("250", "12.5"), in base units. */
export function amount(value: string | undefined, flag: string, decimals = 18): bigint {
  if (value === undefined || value === "") throw new InputError(`--${flag} is required`);
  const match = (decimals > 0 ? new RegExp(`^(\\d+)(?:\\.(\\d{1,${decimals}}))?$`) : /^(\d+)$/).exec(value);
  if (!match) {
    throw new InputError(
      `--${flag}: "${value}" is not an amount (e.g. 250${decimals > 0 ? ` or 12.5, at most ${decimals} decimals` : ", whole units"})`,
    );
  }
  return BigInt(match[1]) * 10n ** BigInt(decimals) + BigInt((match[2] ?? "").padEnd(decimals, "0") || "0");
}

/** Whole units with their decimals and symbol, e.g. 1,250.5 IST. */
export function units(value: bigint, decimals = 18, symbol = "IST"): string {
  const base = 10n ** BigInt(decimals);
  const whole = (value / base).toLocaleString("en-US");
  const fraction = decimals > 0 ? (value % base).toString().padStart(decimals, "0").replace(/0+$/, "") : "";
  return `${whole}${fraction ? "." + fraction : ""} ${symbol}`;
}

/** A token's amounts as a person types and reads them: its own decimals and symbol, never 18 and IST assumed. */
export interface Money {
  token: string;
  decimals: number;
  symbol: string;
  /** A flag's amount in the token's base units. */
  parse(value: string | undefined, flag: string): bigint;
  /** Base units as whole units with the token's symbol. */
  show(value: bigint): string;
}

/** The amounts of `token`, read from the token itself (`decimals()`, `symbol()`). */
export async function moneyOf(hre: HardhatRuntimeEnvironment, token: string): Promise<Money> {
  const erc20 = new Contract(
    token,
    ["function decimals() view returns (uint8)", "function symbol() view returns (string)"],
    hre.ethers.provider,
  );
  let decimals: number;
  let symbol: string;
  try {
    [decimals, symbol] = [Number(await erc20.decimals()), String(await erc20.symbol())];
  } catch {
    throw new InputError(`${token} answers no decimals() and symbol(): not an ERC-20 token`);
  }
  return {
    token,
    decimals,
    symbol,
    parse: (value, flag) => amount(value, flag, decimals),
    show: (value) => units(value, decimals, symbol),
  };
}

/** The amounts of a programme's token. */
export async function programmeMoney(hre: HardhatRuntimeEnvironment, miip: MIIP, programmeId: bigint | number) {
  return moneyOf(hre, (await miip.claims.programme(programmeId)).token);
}

/** Reads a file the user named, or says plainly that it is not there. */
export function readInput(file: string | undefined, flag: string): Buffer {
  if (file === undefined || file === "") throw new InputError(`--${flag} is required`);
  if (!existsSync(file)) throw new InputError(`--${flag}: no file ${file}`);
  return readFileSync(file);
}

/** Reads a JSON file the user named. */
export function readJson(file: string | undefined, flag: string): unknown {
  const text = readInput(file, flag).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`--${flag}: ${file} is not JSON (${(error as Error).message})`);
  }
}

/** The networks whose accounts are the node's own, named by config/localAccounts.ts. */
export function isLocalNetwork(name: string): boolean {
  return name === "hardhat" || name === "localhost";
}

/** The Hardhat configuration variable that holds a role's key on a network: MIIP_SEPOLIA_HOSPITAL_KEY. */
export function roleKeyVariable(network: string, role: string): string {
  const snake = (text: string) =>
    text
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/[^A-Za-z0-9]+/g, "_")
      .toUpperCase();
  return `MIIP_${snake(network)}_${snake(role)}_KEY`;
}

/** Where configuration variables are read: Hardhat's `vars` (`npx hardhat vars set`, or HARDHAT_VAR_<NAME>). */
export interface VariableSource {
  has(name: string): boolean;
  get(name: string): string;
}

/**
 * On a public network, the key a role acts with (`--from hospital`), from the configuration variable
 * `roleKeyVariable(network, role)`: each party of a two-party flow has its own key, none sits in a file of the
 * repository. Refused in one line, naming the variable to set, when the network has no key for the role.
 */
export function roleWallet(network: string, role: string, provider: Provider, source: VariableSource = vars): Wallet {
  const variable = roleKeyVariable(network, role);
  if (!source.has(variable)) {
    throw new InputError(
      `--from ${role}: ${network} has no key for ${role}: set one with \`npx hardhat vars set ${variable}\`, or give --from an address this network holds a key for`,
    );
  }
  try {
    return new Wallet(source.get(variable), provider);
  } catch {
    throw new InputError(`${variable} is not a private key (32 bytes of hex)`);
  }
}

/** A local account by name: the node must have it (anvil starts with 10 accounts, MIIP's names go to #28). */
function localAccount<T>(
  hre: HardhatRuntimeEnvironment,
  signers: T[],
  name: keyof typeof LOCAL_ACCOUNTS,
  flag: string,
): T {
  const index = LOCAL_ACCOUNTS[name];
  const signer = signers[index];
  if (signer === undefined) {
    const needed = Math.max(...Object.values(LOCAL_ACCOUNTS)) + 1;
    throw new InputError(
      `--${flag} ${name}: ${hre.network.name} has ${signers.length} accounts and "${name}" is #${index}: start the node with at least ${needed} (npm run node has 30; anvil --accounts 30)`,
    );
  }
  return signer;
}

/**
 * The account a task acts as: a name from config/localAccounts.ts (the node's account on local chains, the role's
 * configured key on public ones), an address the node holds the key of, or the first account.
 */
export async function signerFor(hre: HardhatRuntimeEnvironment, from: string | undefined) {
  const signers = await hre.ethers.getSigners();
  if (from !== undefined && from in LOCAL_ACCOUNTS && !isLocalNetwork(hre.network.name)) {
    return roleWallet(hre.network.name, from, hre.ethers.provider);
  }
  if (signers.length === 0) throw new InputError(`no account on ${hre.network.name}: set DEPLOYER_PRIVATE_KEY`);
  if (from === undefined || from === "") return signers[0];
  if (from in LOCAL_ACCOUNTS) return localAccount(hre, signers, from as keyof typeof LOCAL_ACCOUNTS, "from");
  if (!isAddress(from)) {
    throw new InputError(
      `--from: "${from}" is neither an address nor one of ${Object.keys(LOCAL_ACCOUNTS).join(", ")}`,
    );
  }
  const signer = await heldSigner(hre, from);
  if (!signer) throw new InputError(`--from: ${hre.network.name} holds no key for ${from}`);
  return signer;
}

/**
 * The key this network holds for an address: one of its accounts or, on a public network, the configured key of a
 * role whose address it is (a rotation's new address, a patient's key named by address). Undefined when none.
 */
export async function heldSigner(hre: HardhatRuntimeEnvironment, account: string) {
  const signers = await hre.ethers.getSigners();
  const own = signers.find((s) => s.address.toLowerCase() === account.toLowerCase());
  if (own || isLocalNetwork(hre.network.name)) return own;
  for (const role of Object.keys(LOCAL_ACCOUNTS)) {
    if (!vars.has(roleKeyVariable(hre.network.name, role))) continue;
    const wallet = roleWallet(hre.network.name, role, hre.ethers.provider);
    if (wallet.address.toLowerCase() === account.toLowerCase()) return wallet;
  }
  return undefined;
}

/** A local account's address by name (a role's configured key on public networks), or the address itself. */
export async function accountOf(hre: HardhatRuntimeEnvironment, value: string | undefined, flag: string) {
  if (value !== undefined && value in LOCAL_ACCOUNTS) {
    if (!isLocalNetwork(hre.network.name)) {
      const variable = roleKeyVariable(hre.network.name, value);
      if (vars.has(variable)) return roleWallet(hre.network.name, value, hre.ethers.provider).address;
      throw new InputError(
        `--${flag}: "${value}" names a local account; on ${hre.network.name} give an address (or set ${variable})`,
      );
    }
    return localAccount(hre, await hre.ethers.getSigners(), value as keyof typeof LOCAL_ACCOUNTS, flag).address;
  }
  return address(value, flag);
}

/**
 * A patient id from a flag: a number is the id itself; an address (or local account name) is resolved to the
 * patient it is the current address of.
 */
export async function patientIdOf(hre: HardhatRuntimeEnvironment, value: string | undefined, flag: string) {
  if (value !== undefined && /^[0-9]+$/.test(value)) return BigInt(value);
  const account = await accountOf(hre, value, flag);
  const miip = await connect(hre);
  const { patientId, current } = await miip.patients.idOf(account);
  if (patientId === 0n) throw new InputError(`--${flag}: ${account} is no patient (patient:register first)`);
  if (!current) throw new InputError(`--${flag}: ${account} is a former address of patient ${patientId}`);
  return patientId;
}

/** The SDK connected to the selected network's deployment, as `from`, with the network's local stores. */
export async function connect(hre: HardhatRuntimeEnvironment, from?: string): Promise<MIIP> {
  const { MIIP, loadDeployment, HeliaBlobStore, FileKeyShareStore } = await import("../packages/sdk/src/node");
  const { deploymentNetwork, deploymentsDir, storeDir } = await import("../scripts/lib/locations");
  const network = deploymentNetwork(hre.network.name);
  const deployment = loadDeployment(network, deploymentsDir());
  const signer = await signerFor(hre, from);
  const dir = storeDir(network);
  // The network's embedded IPFS node, on the same folder as `npm run node`'s: blocks are files named by their hash,
  // so two processes writing the same block write the same bytes.
  const store = await HeliaBlobStore.open(dir);
  return MIIP.connect(signer, deployment, { store, shares: new FileKeyShareStore(dir) });
}

/** One line per transaction: what happened, its gas, its hash. */
export function done(what: string, tx: { gasUsed: bigint; hash: string }): void {
  console.log(`${what}  (gas ${tx.gasUsed.toLocaleString("en-US")}, tx ${tx.hash})`);
}

/** ISO time of unix seconds. */
export function when(seconds: number | bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** A path shown relative to where the user is. */
export function shown(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/** The page a listing task asks for, from its --offset and --limit flags. */
export function pageArgs(args: { offset?: string; limit?: string }): { offset: number; limit: number } {
  return { offset: Number(integer(args.offset, "offset")), limit: Number(integer(args.limit, "limit")) };
}

// --- what several domains' tasks share ---------------------------------------------------------------

export type Args = Record<string, string | undefined>;

export const FROM = "Acting account: a local account name (hospital, patientA, …), an address, or the first account";
export const PATIENT = "The patient: its id, or its current address (or local account name)";

/** The flags of a governed call's task: `--cancel` (and whose, `--caller`) and the acting governor (`--from`). */
export function governedFlags<T extends ConfigurableTaskDefinition>(definition: T): T {
  definition
    .addFlag("cancel", "Cancel the scheduled call instead (as its caller, the admin, or the guardian of its role)")
    .addOptionalParam("caller", "With --cancel: whose scheduled call (default: the acting account's)")
    .addOptionalParam("from", FROM, "deployer");
  return definition;
}

/** The flags of a patient action: `--from`, or a guardian's `--patient` and `--salt`; `--gasless` to be relayed. */
export function patientFlags<T extends ConfigurableTaskDefinition>(definition: T): T {
  definition
    .addOptionalParam("patient", "The patient, when a guardian acts (default: --from's own)")
    .addOptionalParam("salt", "The guardian's salt, when a guardian acts")
    .addFlag("gasless", "Sign only: the relayer account sends and pays")
    .addOptionalParam("from", FROM, "patientA");
  return definition;
}

/**
 * The client a patient action goes out with: `--from` as the patient's key, or as a guardian of `--patient`
 * with `--salt`; with `--gasless`, signed by `--from` and sent by the local `relayer` account.
 */
export async function patientClient(hre: HardhatRuntimeEnvironment, args: Args) {
  let miip = await connect(hre, args.from);
  if (args.salt) {
    if (!args.patient) throw new InputError("--salt (acting as a guardian) needs --patient");
    miip = miip.forPatient(await patientIdOf(hre, args.patient, "patient"), args.salt);
  } else if (args.patient) {
    throw new InputError("--patient is for a guardian acting for a patient: give its --salt too");
  }
  if (args.gasless) miip = miip.gasless(await signerFor(hre, "relayer"));
  return miip;
}

/** An account's encryption public key: given, or derived when this network holds the account's key. */
export async function publicKeyOf(hre: HardhatRuntimeEnvironment, account: string, given: string | undefined) {
  if (given) return given;
  const held = await heldSigner(hre, account);
  if (!held) {
    throw new InputError(`no encryption key for ${account}: pass its public key (npx hardhat keys:show on its side)`);
  }
  const miip = await connect(hre, account);
  return (await miip.documents.encryptionKey()).publicKey;
}

export function scopeOf(args: Args) {
  const chosen = [args.all ? "all" : "", args.types ? "types" : "", args.records ? "records" : ""].filter(Boolean);
  if (chosen.length !== 1) throw new InputError("give exactly one of --all, --types or --records");
  if (args.all) return { kind: "all-records" as const };
  if (args.types) return { kind: "record-type" as const, types: args.types.split(",").map((t) => t.trim()) };
  return { kind: "record" as const, ids: integers(args.records, "records") };
}

export async function expiryOf(hre: HardhatRuntimeEnvironment, days: string | undefined): Promise<number> {
  const block = await hre.ethers.provider.getBlock("latest");
  return (block?.timestamp ?? 0) + Number(integer(days ?? "30", "days")) * 86_400;
}

/** A GTIN as printed (8, 12, 13 or 14 digits, check digit last), checked here before anything is sent. */
export async function gtinArg(value: string | undefined): Promise<bigint> {
  if (value === undefined || value === "") throw new InputError("--gtin is required");
  const { gtin14 } = await import("../packages/sdk/src/gs1");
  try {
    return gtin14(value);
  } catch (error) {
    throw new InputError(`--gtin: ${(error as Error).message}`);
  }
}

/** The institution named by a flag: its id, or its address or local account name. */
export async function institutionIdOf(
  hre: HardhatRuntimeEnvironment,
  miip: MIIP,
  value: string | undefined,
  flag: string,
): Promise<bigint> {
  if (value !== undefined && /^\d+$/.test(value)) return BigInt(value);
  const account = await accountOf(hre, value, flag);
  const member = await miip.participants.memberOf(account);
  if (member === undefined) throw new InputError(`--${flag}: ${account} is no institution`);
  return BigInt(member.id);
}

/**
 * Runs a call governance makes through the access manager's delay: the first run schedules it (public for the
 * delay), a run after the delay executes it, and `cancel` withdraws the scheduled call (as its caller, the admin,
 * or the guardian of its role; `caller` names whose scheduled call it is, by default the acting account's).
 */
export async function governed(
  hre: HardhatRuntimeEnvironment,
  miip: MIIP,
  call: GovernedCall,
  options: { cancel?: boolean | string; caller?: string },
): Promise<void> {
  if (options.cancel) {
    const caller = options.caller ? await accountOf(hre, options.caller, "caller") : await miip.address();
    if ((await miip.governance.status(caller, call)).readyAt === 0) {
      throw new InputError(`nothing to cancel: ${call.label} is not scheduled by ${caller}`);
    }
    done(`cancelled: ${call.label} (scheduled by ${caller})`, await miip.governance.cancel(caller, call));
    return;
  }
  const { readyAt } = await miip.governance.status(await miip.address(), call);
  if (readyAt === 0) {
    const scheduled = await miip.governance.schedule(call);
    done(`scheduled: ${call.label}; run again after ${when(scheduled.readyAt)} to execute it`, scheduled);
  } else {
    done(`executed: ${call.label}`, await miip.governance.execute(call));
  }
}
