import { readFileSync } from "node:fs";
import path from "node:path";

import { ZeroHash, encodeBytes32String, formatUnits, getAddress, isAddress, parseUnits } from "ethers";

import { RECORD_TYPES } from "../../config/roles";
import { type AirdropLeaf, buildAirdropTree, parseAirdropCsv, proofsFile, type ProofsFile } from "./merkle";

/** Seconds in a day; schedules are written in days in the parameter files. */
export const DAY = 86_400;
/** The whitepaper distributes the supply over three years from listing; no schedule may run longer. */
export const MAX_SCHEDULE_DAYS = 3 * 365 + 1;
export const DECIMALS = 18;
/**
 * Local chains: Hardhat's and anvil's default 31337, and 1337. There the deploying key may also be the governor
 * and the guardian (the demo plays them); anything else is a public network, where it may not.
 */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];
/** Bounds of the participant directory's onboarding delay (its MIN_ and MAX_ONBOARDING_DELAY), in hours. */
export const ONBOARDING_DELAY_HOURS = { min: 24, max: 720 } as const;

/** A grant as written in a parameter file. */
export interface GrantSpec {
  /** An address, `deployer`, or `account:N` (the N-th configured account, for local chains). */
  beneficiary: string;
  /** Whole IST, decimals allowed. */
  amount: string;
  revocable?: boolean;
}

/** A category as written in a parameter file. */
export interface CategorySpec {
  label: string;
  kind: "vesting" | "pool";
  /** Whole IST, decimals allowed. */
  amount: string;
  cliffDays?: number;
  vestingDays?: number;
  grants?: GrantSpec[];
  /**
   * Pool categories only: a CSV of `address,amount` (relative to the parameter file) whose leaves join the
   * token's genesis claim; the CSV's total is taken from the category.
   */
  csv?: string;
}

/** The parameter file of a network (`deploy/parameters/<network>.json`). */
export interface SuiteSpec {
  /** Whole IST. */
  totalSupply: string;
  /** ISO-8601 time of the listing, or `now` for the latest block (local chains). */
  listingTime: string;
  reserveCategory: string;
  /** Days after the listing until which genesis claims are accepted (needed when a category has a CSV). */
  claimDays?: number;
  governance: {
    /**
     * Receives the access manager's admin role, with the governor's delay, at the end of the deployment, when
     * the deploying key renounces it: never the deploying key. Name a separate governance account (a multisig
     * is recommended), directly or as `env:NAME` to read it from an environment variable.
     */
    admin: string;
    /** Runs the distribution (grants, revocations, rounds). */
    treasurer: string;
    /** Receives, and alone may sweep, what is not claimed by the deadline. */
    treasury: string;
    /** Onboards and suspends institutions. */
    registrar: string;
    /** Makes the dangerous changes (reinstate, retire, recover, record types, read policy, unpause, upgrades). */
    governor: string;
    /** Pauses writes in an emergency. */
    guardian: string;
    /** Hours every governor (and admin) action waits between schedule and execute: 1 to 720. */
    governorDelayHours: number;
    /** Hours a newly onboarded institution stays pending and cancellable before it gains any right: 24 to 720. */
    onboardingDelayHours: number;
    /** Hours a hospital's break-glass access lasts (1 to 168). */
    emergencyWindowHours: number;
  };
  categories: CategorySpec[];
}

/** Thrown when a parameter file is unusable; the message lists every problem. */
export class ParameterError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    // One problem is one line, so that a refusal reads at a glance in a terminal or a CI log.
    super(
      problems.length === 1
        ? `${source}: the deployment is refused: ${problems[0]}`
        : `${source}: the deployment is refused\n` + problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ParameterError";
  }
}

/** What resolving needs to know about the chain it deploys to. */
export interface ResolveContext {
  /** The deployer's address, for `deployer`. */
  deployer: string;
  /** Addresses for `account:N`. */
  accounts: string[];
  /** Latest block time, to check deadlines, and for `now` unless `listingNow` is given. */
  now: number;
  /** What `listingTime: "now"` means, when a previous run already fixed it (so that a re-run is idempotent). */
  listingNow?: number;
  /** Folder that relative CSV paths start from. */
  baseDir: string;
  /** The chain deployed to; the deploying key may hold the admin role only on LOCAL_CHAIN_IDS. */
  chainId: number;
  /** Where `env:NAME` addresses are read (default: the process environment). */
  env?: Record<string, string | undefined>;
}

/** The genesis claim: its leaves (from every CSV, in category order) and its proofs file. */
export interface ResolvedClaim {
  deadline: bigint;
  leaves: AirdropLeaf[];
  /** Leaves per category label, for reports. */
  byCategory: Record<string, { count: number; total: bigint }>;
  proofs: ProofsFile;
}

/** The parameters of the suite's Ignition modules, plus what the scripts need besides. */
export interface ResolvedParameters {
  registry: {
    registrar: string;
    governor: string;
    guardian: string;
    governorDelay: number;
    onboardingDelay: number;
    emergencyWindow: number;
    recordTypes: number[];
    recordTypeLabels: string[];
  };
  genesis: {
    supply: bigint;
    listingTime: bigint;
    reserveCategory: number;
    categories: { label: string; kind: number; amount: bigint; cliff: number; duration: number; claimAmount: bigint }[];
    grants: { beneficiary: string; category: number; amount: bigint; revocable: boolean }[];
    claimRoot: string;
    claimDeadline: bigint;
    claimTreasury: string;
  };
  admin: string;
  treasurer: string;
  claim?: ResolvedClaim;
}

export function ist(amount: bigint): string {
  const [whole, fraction] = formatUnits(amount, DECIMALS).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === "0" ? `${grouped} IST` : `${grouped}.${fraction} IST`;
}

/** Reads a parameter file. */
export function loadParameters(file: string): SuiteSpec {
  let spec: unknown;
  try {
    spec = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ParameterError(file, [`not a JSON parameter file (${(error as Error).message})`]);
  }
  // The shape first, every part named at once: the checks of resolveParameters read inside these.
  const problems: string[] = [];
  const record = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  if (!record(spec)) throw new ParameterError(file, ["not a JSON object"]);
  for (const key of ["totalSupply", "listingTime", "reserveCategory"] as const) {
    if (typeof spec[key] !== "string") problems.push(`${key}: missing (a string)`);
  }
  if (!record(spec.governance)) problems.push("governance: missing (an object naming the governance accounts)");
  if (!Array.isArray(spec.categories)) problems.push("categories: missing (a list of distribution categories)");
  if (problems.length > 0) throw new ParameterError(file, problems);
  return spec as unknown as SuiteSpec;
}

/**
 * Checks a parameter file and turns it into the `IST` module's parameters. Every problem is collected and
 * reported together; the supply check says by how much the categories miss the declared supply.
 */
export function resolveParameters(spec: SuiteSpec, ctx: ResolveContext, source = "parameters"): ResolvedParameters {
  const problems: string[] = [];

  const amountOf = (value: string, where: string): bigint => {
    if (typeof value !== "string" || !/^\d+(\.\d{1,18})?$/.test(value)) {
      problems.push(`${where}: amount "${value}" must be a string of whole IST with at most 18 decimals`);
      return 0n;
    }
    return parseUnits(value, DECIMALS);
  };
  const addressOf = (value: string, where: string): string => {
    if (value === "deployer") return ctx.deployer;
    const fromEnv = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value ?? "");
    if (fromEnv !== null) {
      const set = (ctx.env ?? process.env)[fromEnv[1]];
      if (set === undefined || set === "") {
        problems.push(`${where}: ${value} names an environment variable that is not set`);
        return ctx.deployer;
      }
      value = set;
    }
    const account = /^account:(\d+)$/.exec(value ?? "");
    if (account !== null) {
      const resolved = ctx.accounts[Number(account[1])];
      if (resolved === undefined) {
        problems.push(
          `${where}: ${value} is not one of the ${ctx.accounts.length} accounts (start the node with more: npm run node has 30, anvil --accounts 30)`,
        );
      }
      return resolved ?? ctx.deployer;
    }
    if (typeof value !== "string" || !isAddress(value)) {
      problems.push(`${where}: "${value}" is not an address, "deployer", "account:N" or "env:NAME"`);
      return ctx.deployer;
    }
    const address = getAddress(value);
    if (BigInt(address) === 0n) problems.push(`${where}: the zero address`);
    return address;
  };

  const declared = amountOf(spec.totalSupply, "totalSupply");
  let listingTime: number;
  if (spec.listingTime === "now") {
    listingTime = ctx.listingNow ?? ctx.now;
  } else {
    listingTime = Math.floor(Date.parse(spec.listingTime) / 1000);
    if (!Number.isFinite(listingTime)) {
      problems.push(`listingTime: "${spec.listingTime}" is neither an ISO-8601 time nor "now"`);
      listingTime = ctx.now;
    }
  }

  const labels = spec.categories.map((c) => c.label);
  const indexOf = (label: string) => labels.indexOf(label);
  const categories: ResolvedParameters["genesis"]["categories"] = [];
  const grants: ResolvedParameters["genesis"]["grants"] = [];
  const leaves: AirdropLeaf[] = [];
  const byCategory: ResolvedClaim["byCategory"] = {};

  spec.categories.forEach((c, i) => {
    const where = `category "${c.label}"`;
    if (labels.indexOf(c.label) !== i) problems.push(`${where}: label used twice`);
    if (!/^[ -~]{1,31}$/.test(c.label ?? ""))
      problems.push(`${where}: label must be 1 to 31 printable ASCII characters`);
    const amount = amountOf(c.amount, where);
    let cliff = 0;
    let duration = 0;
    let claimAmount = 0n;
    if (c.kind === "vesting") {
      const cliffDays = c.cliffDays ?? 0;
      const vestingDays = c.vestingDays ?? 0;
      if (!(vestingDays > 0 && vestingDays <= MAX_SCHEDULE_DAYS)) {
        problems.push(
          `${where}: vestingDays must be between 1 and ${MAX_SCHEDULE_DAYS} (three years), found ${vestingDays}`,
        );
      }
      if (!(cliffDays >= 0 && cliffDays <= vestingDays)) {
        problems.push(`${where}: cliffDays (${cliffDays}) must be between 0 and vestingDays (${vestingDays})`);
      }
      if (c.csv !== undefined) problems.push(`${where}: only a pool category can fund the claim with a CSV`);
      cliff = Math.round(cliffDays * DAY);
      duration = Math.round(vestingDays * DAY);
      let granted = 0n;
      (c.grants ?? []).forEach((g, j) => {
        const gw = `${where}, grant ${j + 1}`;
        const grantAmount = amountOf(g.amount, gw);
        if (grantAmount === 0n) problems.push(`${gw}: amount is zero`);
        granted += grantAmount;
        grants.push({
          beneficiary: addressOf(g.beneficiary, gw),
          category: i,
          amount: grantAmount,
          revocable: g.revocable ?? false,
        });
      });
      if (granted > amount) {
        problems.push(
          `${where}: grants add up to ${ist(granted)}, ${ist(granted - amount)} more than the category's ${ist(amount)}`,
        );
      }
    } else if (c.kind === "pool") {
      if (c.cliffDays !== undefined || c.vestingDays !== undefined || c.grants !== undefined) {
        problems.push(`${where}: a pool has no schedule and no grants`);
      }
      if (c.csv !== undefined) {
        try {
          const parsed = parseAirdropCsv(readFileSync(path.resolve(ctx.baseDir, c.csv), "utf8"), c.csv, leaves.length);
          claimAmount = parsed.reduce((acc, [, , value]) => acc + value, 0n);
          if (claimAmount > amount) {
            problems.push(`${where}: the CSV pays ${ist(claimAmount)}, more than the category's ${ist(amount)}`);
          }
          leaves.push(...parsed);
          byCategory[c.label] = { count: parsed.length, total: claimAmount };
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message}`);
        }
      }
    } else {
      problems.push(`${where}: kind must be "vesting" or "pool", found "${String(c.kind)}"`);
    }
    const label = /^[ -~]{1,31}$/.test(c.label ?? "") ? encodeBytes32String(c.label) : encodeBytes32String("");
    categories.push({ label, kind: c.kind === "pool" ? 1 : 0, amount, cliff, duration, claimAmount });
  });

  let claim: ResolvedClaim | undefined;
  if (leaves.length > 0) {
    if (!(typeof spec.claimDays === "number" && spec.claimDays > 0)) {
      problems.push(`claimDays: a positive number of days is needed when a category has a CSV`);
    } else {
      const deadline = listingTime + Math.round(spec.claimDays * DAY);
      if (deadline <= ctx.now) {
        problems.push(`claimDays: the claim deadline ${new Date(deadline * 1000).toISOString()} is already past`);
      }
      claim = { deadline: BigInt(deadline), leaves, byCategory, proofs: proofsFile(buildAirdropTree(leaves)) };
    }
  }

  const sum = categories.reduce((acc, c) => acc + c.amount, 0n);
  if (sum !== declared) {
    const gap = sum > declared ? `${ist(sum - declared)} more than` : `${ist(declared - sum)} short of`;
    problems.push(`the categories add up to ${ist(sum)}, ${gap} the declared supply of ${ist(declared)}`);
  }
  const reserveCategory = indexOf(spec.reserveCategory);
  if (reserveCategory < 0 || spec.categories[reserveCategory].kind !== "vesting") {
    problems.push(`reserveCategory: "${spec.reserveCategory}" must name a vesting category`);
  }
  // Each governance account, or undefined when it could not be resolved (its problem is already listed).
  const resolvedAccount = (key: keyof SuiteSpec["governance"]) => {
    const before = problems.length;
    const value = addressOf(spec.governance?.[key] as string, `governance.${key}`);
    return { value, ok: problems.length === before };
  };
  const admin = resolvedAccount("admin");
  const treasurer = addressOf(spec.governance?.treasurer, "governance.treasurer");
  const treasury = addressOf(spec.governance?.treasury, "governance.treasury");
  const registrar = resolvedAccount("registrar");
  const governor = resolvedAccount("governor");
  const guardian = resolvedAccount("guardian");
  // The deployment renounces the deploying key's admin role at its end (deploy/modules/MIIP.ts): on every chain
  // the admin is another account, or the suite would have none.
  if (admin.ok && admin.value === ctx.deployer) {
    problems.push(
      `governance.admin: the deploying key ${ctx.deployer} cannot be the admin (on chain ${ctx.chainId} or any other): name a separate governance account (a multisig is recommended)`,
    );
  }
  if (!LOCAL_CHAIN_IDS.includes(ctx.chainId)) {
    // On a public network no single key may both act and be the one that stops it: the deploying key holds
    // none of the powers that cancel or delay, and the guardian is neither the registrar whose onboardings it
    // cancels nor the governor whose scheduled calls it cancels.
    for (const [key, account] of [
      ["governor", governor],
      ["guardian", guardian],
    ] as const) {
      if (account.ok && account.value === ctx.deployer) {
        problems.push(
          `governance.${key}: the deploying key ${ctx.deployer} cannot be the ${key} on chain ${ctx.chainId}; name a separate governance account (a multisig is recommended)`,
        );
      }
    }
    for (const [key, account] of [
      ["registrar", registrar],
      ["governor", governor],
    ] as const) {
      if (guardian.ok && account.ok && account.value === guardian.value && guardian.value !== ctx.deployer) {
        problems.push(
          `governance.guardian: cannot also be the ${key} on chain ${ctx.chainId}: it cancels what the ${key} does`,
        );
      }
    }
  }
  const delayHours = spec.governance?.governorDelayHours;
  const delayValid = typeof delayHours === "number" && delayHours >= 1 && delayHours <= 24 * 30;
  if (!delayValid) {
    problems.push(`governance.governorDelayHours: a number of hours from 1 to 720, found ${String(delayHours)}`);
  }
  const onboardingHours = spec.governance?.onboardingDelayHours;
  const { min, max } = ONBOARDING_DELAY_HOURS;
  const onboardingValid = typeof onboardingHours === "number" && onboardingHours >= min && onboardingHours <= max;
  if (!onboardingValid) {
    problems.push(
      `governance.onboardingDelayHours: a number of hours from ${min} to ${max}, found ${String(onboardingHours)}`,
    );
  }
  if (delayValid && onboardingValid && onboardingHours <= delayHours) {
    // Else a guardian that fails to cancel could not be replaced in time: the admin acts through the governor's
    // delay, and a new guardian must still find the onboarding pending.
    problems.push(
      `governance.onboardingDelayHours (${onboardingHours}) must be longer than governorDelayHours (${delayHours}), so that the admin can appoint another guardian before a pending institution activates`,
    );
  }
  const windowHours = spec.governance?.emergencyWindowHours;
  if (!(typeof windowHours === "number" && windowHours >= 1 && windowHours <= 168)) {
    problems.push(`governance.emergencyWindowHours: a number of hours from 1 to 168, found ${String(windowHours)}`);
  }

  if (problems.length > 0) throw new ParameterError(source, problems);
  return {
    registry: {
      registrar: registrar.value,
      governor: governor.value,
      guardian: guardian.value,
      governorDelay: Math.round(delayHours * 3600),
      onboardingDelay: Math.round(onboardingHours * 3600),
      emergencyWindow: Math.round(windowHours * 3600),
      recordTypes: Object.values(RECORD_TYPES),
      recordTypeLabels: Object.keys(RECORD_TYPES).map((label) => encodeBytes32String(label)),
    },
    genesis: {
      supply: declared,
      listingTime: BigInt(listingTime),
      reserveCategory,
      categories,
      grants,
      claimRoot: claim?.proofs.root ?? ZeroHash,
      claimDeadline: claim?.deadline ?? 0n,
      claimTreasury: treasury,
    },
    admin: admin.value,
    treasurer,
    claim,
  };
}
