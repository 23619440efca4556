import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";

import {
  ParameterError,
  type ResolveContext,
  type SuiteSpec,
  loadParameters,
  resolveParameters,
} from "../../scripts/lib/parameters";
import { LOCAL_PARAMETERS } from "../helpers/fixtures";

const ACCOUNTS = Array.from({ length: 30 }, (_, i) => "0x" + (i + 1).toString(16).padStart(40, "0"));
const ctx = {
  deployer: ACCOUNTS[0],
  accounts: ACCOUNTS,
  now: 1_800_000_000,
  baseDir: path.dirname(LOCAL_PARAMETERS),
  chainId: 31337,
};
const SEPOLIA = path.join(path.dirname(LOCAL_PARAMETERS), "sepolia.json");

function problemsOf(spec: SuiteSpec, context: ResolveContext = ctx): string[] {
  try {
    resolveParameters(spec, context);
  } catch (error) {
    if (error instanceof ParameterError) return error.problems;
    throw error;
  }
  throw new Error("the parameter file was accepted");
}

describe("distribution parameter files (scripts/lib/distribution.ts)", function () {
  const base = () => loadParameters(LOCAL_PARAMETERS);

  it("accepts the localhost file and resolves accounts, schedules and the claim", function () {
    const resolved = resolveParameters(base(), ctx);
    expect(resolved.genesis.supply).to.equal(10n ** 27n);
    expect(resolved.genesis.listingTime).to.equal(BigInt(ctx.now));
    expect(resolved.genesis.grants[0].beneficiary).to.equal(ACCOUNTS[3]);
    expect(resolved.genesis.categories[0].duration).to.equal(730 * 86_400);
    expect(resolved.claim!.deadline).to.equal(BigInt(ctx.now + 180 * 86_400));
    expect(resolved.genesis.claimRoot).to.equal(resolved.claim!.proofs.root);
  });

  it("accepts the sepolia file with a governance account other than the deploying key", function () {
    const sepolia = loadParameters(SEPOLIA);
    const env = { MIIP_GOVERNANCE_ADMIN: ACCOUNTS[12], MIIP_GOVERNOR: ACCOUNTS[13], MIIP_GUARDIAN: ACCOUNTS[14] };
    const resolved = resolveParameters(sepolia, { ...ctx, now: 1_700_000_000, chainId: 11155111, env });
    expect(resolved.admin).to.equal(ACCOUNTS[12]);
    expect([resolved.registry.governor, resolved.registry.guardian]).to.deep.equal([ACCOUNTS[13], ACCOUNTS[14]]);
    expect(resolved.registry.registrar).to.equal(ACCOUNTS[0]);
    expect(resolved.registry.governorDelay).to.equal(48 * 3600);
    expect(resolved.registry.onboardingDelay).to.equal(72 * 3600);
  });

  it("refuses the deploying key as admin, in one line, on a public network and on a local chain", function () {
    const sepolia = loadParameters(SEPOLIA);
    const env = { MIIP_GOVERNANCE_ADMIN: ACCOUNTS[0], MIIP_GOVERNOR: ACCOUNTS[13], MIIP_GUARDIAN: ACCOUNTS[14] };
    const context = { ...ctx, now: 1_700_000_000, chainId: 11155111, env };
    const refusal = `governance.admin: the deploying key ${ACCOUNTS[0]} cannot be the admin (on chain 11155111 or any other): name a separate governance account (a multisig is recommended)`;
    expect(problemsOf(sepolia, context)).to.deep.equal([refusal]);
    expect(() => resolveParameters(sepolia, context, "sepolia.json")).to.throw(
      ParameterError,
      new RegExp(`^sepolia\\.json: the deployment is refused: governance\\.admin: the deploying key [^\\n]+$`),
    );
    // The deployment renounces the deploying key's admin role: on a local chain too, the admin is another account.
    const literal = base();
    expect(literal.governance.admin).to.equal("account:28");
    expect(() => resolveParameters(literal, ctx)).to.not.throw();
    literal.governance.admin = "deployer";
    expect(problemsOf(literal, ctx)[0]).to.contain("cannot be the admin (on chain 31337 or any other)");
  });

  it("refuses, on a public network, the deploying key as governor or guardian, and a guardian that is the registrar or the governor", function () {
    const sepolia = loadParameters(SEPOLIA);
    const context = (env: Record<string, string>) => ({ ...ctx, now: 1_700_000_000, chainId: 11155111, env });
    const admin = ACCOUNTS[12];
    expect(
      problemsOf(
        sepolia,
        context({ MIIP_GOVERNANCE_ADMIN: admin, MIIP_GOVERNOR: ACCOUNTS[0], MIIP_GUARDIAN: ACCOUNTS[0] }),
      ),
    ).to.deep.equal([
      `governance.governor: the deploying key ${ACCOUNTS[0]} cannot be the governor on chain 11155111; name a separate governance account (a multisig is recommended)`,
      `governance.guardian: the deploying key ${ACCOUNTS[0]} cannot be the guardian on chain 11155111; name a separate governance account (a multisig is recommended)`,
    ]);
    expect(
      problemsOf(
        sepolia,
        context({ MIIP_GOVERNANCE_ADMIN: admin, MIIP_GOVERNOR: ACCOUNTS[13], MIIP_GUARDIAN: ACCOUNTS[13] }),
      ),
    ).to.deep.equal([
      "governance.guardian: cannot also be the governor on chain 11155111: it cancels what the governor does",
    ]);
    const registrarIsGuardian = loadParameters(SEPOLIA);
    registrarIsGuardian.governance.registrar = "env:MIIP_GUARDIAN";
    expect(
      problemsOf(
        registrarIsGuardian,
        context({ MIIP_GOVERNANCE_ADMIN: admin, MIIP_GOVERNOR: ACCOUNTS[13], MIIP_GUARDIAN: ACCOUNTS[14] }),
      ),
    ).to.deep.equal([
      "governance.guardian: cannot also be the registrar on chain 11155111: it cancels what the registrar does",
    ]);
  });

  it("refuses an admin read from an environment variable that is not set", function () {
    const context = {
      ...ctx,
      now: 1_700_000_000,
      chainId: 11155111,
      env: { MIIP_GOVERNOR: ACCOUNTS[13], MIIP_GUARDIAN: ACCOUNTS[14] },
    };
    expect(problemsOf(loadParameters(SEPOLIA), context)).to.deep.equal([
      "governance.admin: env:MIIP_GOVERNANCE_ADMIN names an environment variable that is not set",
    ]);
  });

  it("refuses governance delays outside their bounds, and an onboarding delay no longer than the governor's", function () {
    const spec = base();
    spec.governance.governorDelayHours = 0;
    spec.governance.onboardingDelayHours = 23;
    expect(problemsOf(spec)).to.deep.equal([
      "governance.governorDelayHours: a number of hours from 1 to 720, found 0",
      "governance.onboardingDelayHours: a number of hours from 24 to 720, found 23",
    ]);
    spec.governance.governorDelayHours = 721;
    spec.governance.onboardingDelayHours = 721;
    expect(problemsOf(spec)).to.have.length(2);
    spec.governance.governorDelayHours = 48;
    spec.governance.onboardingDelayHours = 48;
    expect(problemsOf(spec)).to.deep.equal([
      "governance.onboardingDelayHours (48) must be longer than governorDelayHours (48), so that the admin can appoint another guardian before a pending institution activates",
    ]);
  });

  it("says by how much the categories miss the declared supply", function () {
    const short = base();
    short.categories[0].amount = "199999995";
    expect(problemsOf(short)).to.include(
      "the categories add up to 999,999,995 IST, 5 IST short of the declared supply of 1,000,000,000 IST",
    );
    const over = base();
    over.categories[0].amount = "200000000.5";
    expect(problemsOf(over)).to.include(
      "the categories add up to 1,000,000,000.5 IST, 0.5 IST more than the declared supply of 1,000,000,000 IST",
    );
  });

  it("refuses schedules longer than three years or with a cliff past the end", function () {
    const spec = base();
    spec.categories[0].vestingDays = 1200;
    spec.categories[1].cliffDays = 2000;
    const problems = problemsOf(spec);
    expect(problems.some((p) => p.includes(`"investors": vestingDays must be between 1 and 1096`))).to.equal(true);
    expect(
      problems.some((p) => p.includes(`"development": cliffDays (2000) must be between 0 and vestingDays`)),
    ).to.equal(true);
  });

  it("refuses grants beyond their category, bad beneficiaries, and a pool with a schedule", function () {
    const spec = base();
    spec.categories[2].grants = [{ beneficiary: "account:7", amount: "100000001" }];
    spec.categories[3].grants = [{ beneficiary: "0x12", amount: "1" }];
    spec.categories[4].vestingDays = 10;
    const problems = problemsOf(spec);
    expect(problems).to.include(
      `category "partners": grants add up to 100,000,001 IST, 1 IST more than the category's 100,000,000 IST`,
    );
    expect(problems).to.include(
      `category "advisors", grant 1: "0x12" is not an address, "deployer", "account:N" or "env:NAME"`,
    );
    expect(problems).to.include(`category "airdrop": a pool has no schedule and no grants`);
  });

  it("passes on a bad CSV's line numbers and refuses a deadline already past", function () {
    const spec = base();
    spec.categories[4].csv = "../../test/helpers/bad-airdrop.csv";
    spec.listingTime = "2020-01-01T00:00:00Z";
    const problems = problemsOf(spec);
    expect(problems.some((p) => p.includes("line 3: duplicate address"))).to.equal(true);
    expect(problems.some((p) => p.startsWith("claimDays: the claim deadline 2020-06-29"))).to.equal(true);
  });

  it("refuses a reserve that is not a vesting category", function () {
    const spec = base();
    spec.reserveCategory = "airdrop";
    expect(problemsOf(spec)).to.include(`reserveCategory: "airdrop" must name a vesting category`);
  });
});

describe("parameter files that are not one (scripts/lib/parameters.ts loadParameters)", function () {
  it("names every missing part of the file at once, and a file that is not JSON, in one refusal", function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "miip-parameters-"));
    try {
      const empty = path.join(dir, "empty.json");
      writeFileSync(empty, "{}");
      expect(() => loadParameters(empty)).to.throw(
        ParameterError,
        `${empty}: the deployment is refused\n  - totalSupply: missing (a string)\n  - listingTime: missing (a string)\n  - reserveCategory: missing (a string)\n  - governance: missing (an object naming the governance accounts)\n  - categories: missing (a list of distribution categories)`,
      );
      const broken = path.join(dir, "broken.json");
      writeFileSync(broken, "{ not json");
      expect(() => loadParameters(broken)).to.throw(
        ParameterError,
        /: the deployment is refused: not a JSON parameter file \(/,
      );
      const list = path.join(dir, "list.json");
      writeFileSync(list, "[]");
      expect(() => loadParameters(list)).to.throw(
        ParameterError,
        `${list}: the deployment is refused: not a JSON object`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says how many accounts a node needs when the file names one it does not have", function () {
    const spec = loadParameters(LOCAL_PARAMETERS);
    const tenAccounts = { ...ctx, accounts: ACCOUNTS.slice(0, 10) };
    expect(problemsOf(spec, tenAccounts)).to.include(
      "governance.admin: account:28 is not one of the 10 accounts (start the node with more: npm run node has 30, anvil --accounts 30)",
    );
  });
});
