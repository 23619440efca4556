import { readFileSync } from "node:fs";
import path from "node:path";

import { encodeBytes32String, formatUnits, getAddress, isAddress, parseUnits } from "ethers";

import { type AirdropLeaf, buildAirdropTree, parseAirdropCsv, proofsFile, type ProofsFile } from "./merkle";

/** Seconds in a day; schedules are written in days in the parameter files. */
export const DAY = 86_400;
/** The whitepaper distributes the supply over three years from listing; no schedule may run longer. */
export const MAX_SCHEDULE_DAYS = 3 * 365 + 1;
export const DECIMALS = 18;

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
  /** Pool categories that fund a round: `airdrop` or `survey`. */
  round?: "airdrop" | "survey";
  /** The round's `address,amount` CSV, relative to the parameter file. */
  csv?: string;
  /** Days after the listing until which the round's claims are accepted. */
  claimDays?: number;
}

/** The parameter file of a network (`deploy/parameters/<network>.json`). */
export interface DistributionSpec {
  /** Whole IST. */
  totalSupply: string;
  /** ISO-8601 time of the listing, or `now` for the latest block (local chains). */
  listingTime: string;
  reserveCategory: string;
  governance: {
    /** Receives the access manager's admin role at the end of the deployment. */
    admin: string;
    /** Runs the distribution (grants, revocations, rounds). */
    treasurer: string;
    /** Receives unclaimed airdrop tokens. */
    treasury: string;
  };
  categories: CategorySpec[];
}

/** Thrown when a parameter file is unusable; the message lists every problem. */
export class DistributionError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: the distribution is refused\n` + problems.map((p) => `  - ${p}`).join("\n"));
    this.name = "DistributionError";
  }
}

/** What resolving needs to know about the chain it deploys to. */
export interface ResolveContext {
  /** The deployer's address, for `deployer`. */
  deployer: string;
  /** Addresses for `account:N`. */
  accounts: string[];
  /** Latest block time, for `now` and to check deadlines. */
  now: number;
  /** Folder that relative CSV paths start from. */
  baseDir: string;
}

/** A round ready to deploy: its tree, its proofs file and its parameters. */
export interface ResolvedRound {
  category: number;
  deadline: bigint;
  leaves: AirdropLeaf[];
  proofs: ProofsFile;
}

/** The Ignition parameters of the `IST` module, plus what the scripts need besides. */
export interface ResolvedDistribution {
  parameters: {
    totalSupply: bigint;
    listingTime: bigint;
    reserveCategory: number;
    categories: { label: string; kind: number; amount: bigint; cliff: number; duration: number }[];
    grants: { beneficiary: string; category: number; amount: bigint; revocable: boolean }[];
    treasury: string;
    treasurer: string;
    airdropCategory: number;
    airdropRoot: string;
    airdropAmount: bigint;
    airdropDeadline: bigint;
    surveyCategory: number;
    surveyRoot: string;
    surveyAmount: bigint;
    surveyDeadline: bigint;
  };
  admin: string;
  rounds: { airdrop: ResolvedRound; survey: ResolvedRound };
}

export function ist(amount: bigint): string {
  const [whole, fraction] = formatUnits(amount, DECIMALS).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === "0" ? `${grouped} IST` : `${grouped}.${fraction} IST`;
}

/** Reads a parameter file. */
export function loadDistributionSpec(file: string): DistributionSpec {
  return JSON.parse(readFileSync(file, "utf8")) as DistributionSpec;
}

/**
 * Checks a parameter file and turns it into the `IST` module's parameters. Every problem is collected and
 * reported together; the supply check says by how much the categories miss the declared supply.
 */
export function resolveDistribution(
  spec: DistributionSpec,
  ctx: ResolveContext,
  source = "parameters",
): ResolvedDistribution {
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
    const account = /^account:(\d+)$/.exec(value ?? "");
    if (account !== null) {
      const resolved = ctx.accounts[Number(account[1])];
      if (resolved === undefined) problems.push(`${where}: ${value} is not one of the ${ctx.accounts.length} accounts`);
      return resolved ?? ctx.deployer;
    }
    if (typeof value !== "string" || !isAddress(value)) {
      problems.push(`${where}: "${value}" is not an address, "deployer" or "account:N"`);
      return ctx.deployer;
    }
    const address = getAddress(value);
    if (BigInt(address) === 0n) problems.push(`${where}: the zero address`);
    return address;
  };

  const declared = amountOf(spec.totalSupply, "totalSupply");
  let listingTime: number;
  if (spec.listingTime === "now") {
    listingTime = ctx.now;
  } else {
    listingTime = Math.floor(Date.parse(spec.listingTime) / 1000);
    if (!Number.isFinite(listingTime)) {
      problems.push(`listingTime: "${spec.listingTime}" is neither an ISO-8601 time nor "now"`);
      listingTime = ctx.now;
    }
  }

  const labels = spec.categories.map((c) => c.label);
  const indexOf = (label: string) => labels.indexOf(label);
  const categories: ResolvedDistribution["parameters"]["categories"] = [];
  const grants: ResolvedDistribution["parameters"]["grants"] = [];
  const rounds: Partial<Record<"airdrop" | "survey", ResolvedRound>> = {};

  spec.categories.forEach((c, i) => {
    const where = `category "${c.label}"`;
    if (labels.indexOf(c.label) !== i) problems.push(`${where}: label used twice`);
    if (!/^[ -~]{1,31}$/.test(c.label ?? ""))
      problems.push(`${where}: label must be 1 to 31 printable ASCII characters`);
    const amount = amountOf(c.amount, where);
    let cliff = 0;
    let duration = 0;
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
      if (granted > amount)
        problems.push(
          `${where}: grants add up to ${ist(granted)}, ${ist(granted - amount)} more than the category's ${ist(amount)}`,
        );
    } else if (c.kind === "pool") {
      if (c.cliffDays !== undefined || c.vestingDays !== undefined || c.grants !== undefined) {
        problems.push(`${where}: a pool has no schedule and no grants`);
      }
      if (c.round !== undefined) {
        if (c.round !== "airdrop" && c.round !== "survey")
          problems.push(`${where}: round must be "airdrop" or "survey"`);
        else if (rounds[c.round] !== undefined) problems.push(`${where}: a second "${c.round}" round`);
        else if (c.csv === undefined || c.claimDays === undefined)
          problems.push(`${where}: a round needs csv and claimDays`);
        else {
          const file = path.resolve(ctx.baseDir, c.csv);
          try {
            const leaves = parseAirdropCsv(readFileSync(file, "utf8"), c.csv);
            const proofs = proofsFile(buildAirdropTree(leaves));
            const deadline = listingTime + Math.round(c.claimDays * DAY);
            if (deadline <= ctx.now)
              problems.push(`${where}: the claim deadline ${new Date(deadline * 1000).toISOString()} is already past`);
            if (BigInt(proofs.total) > amount) {
              problems.push(
                `${where}: the CSV pays ${ist(BigInt(proofs.total))}, more than the category's ${ist(amount)}`,
              );
            }
            rounds[c.round] = { category: i, deadline: BigInt(deadline), leaves, proofs };
          } catch (error) {
            problems.push(`${where}: ${(error as Error).message}`);
          }
        }
      }
    } else {
      problems.push(`${where}: kind must be "vesting" or "pool", found "${String(c.kind)}"`);
    }
    categories.push({
      label: /^[ -~]{1,31}$/.test(c.label ?? "") ? encodeBytes32String(c.label) : encodeBytes32String(""),
      kind: c.kind === "pool" ? 1 : 0,
      amount,
      cliff,
      duration,
    });
  });

  const sum = categories.reduce((acc, c) => acc + c.amount, 0n);
  if (sum !== declared) {
    const gap = sum > declared ? `${ist(sum - declared)} more than` : `${ist(declared - sum)} short of`;
    problems.push(`the categories add up to ${ist(sum)}, ${gap} the declared supply of ${ist(declared)}`);
  }
  const reserveCategory = indexOf(spec.reserveCategory);
  if (reserveCategory < 0 || spec.categories[reserveCategory].kind !== "vesting") {
    problems.push(`reserveCategory: "${spec.reserveCategory}" must name a vesting category`);
  }
  for (const round of ["airdrop", "survey"] as const) {
    if (rounds[round] === undefined) problems.push(`no pool category with round "${round}"`);
  }
  const admin = addressOf(spec.governance?.admin, "governance.admin");
  const treasurer = addressOf(spec.governance?.treasurer, "governance.treasurer");
  const treasury = addressOf(spec.governance?.treasury, "governance.treasury");

  if (problems.length > 0) throw new DistributionError(source, problems);
  const { airdrop, survey } = rounds as Record<"airdrop" | "survey", ResolvedRound>;
  return {
    parameters: {
      totalSupply: declared,
      listingTime: BigInt(listingTime),
      reserveCategory,
      categories,
      grants,
      treasury,
      treasurer,
      airdropCategory: airdrop.category,
      airdropRoot: airdrop.proofs.root,
      airdropAmount: BigInt(airdrop.proofs.total),
      airdropDeadline: airdrop.deadline,
      surveyCategory: survey.category,
      surveyRoot: survey.proofs.root,
      surveyAmount: BigInt(survey.proofs.total),
      surveyDeadline: survey.deadline,
    },
    admin,
    rounds: { airdrop, survey },
  };
}
