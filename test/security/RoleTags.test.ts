import { expect } from "chai";
import hre from "hardhat";

import { FUNCTION_ROLES, ROLES, type ManagedContract, type RoleName } from "../../config/roles";

/**
 * The spec checked against the code: every function the access manager guards names its role in one NatSpec tag,
 * `@custom:restricted <ROLE>`, on the interface that specifies it and on the implementation, whose compiled
 * documentation is what the deployed contract's metadata publishes. solc does not carry custom tags through
 * `@inheritdoc`, so the implementation repeats the tag and this test holds the two copies, the compiled
 * documentation, the `restricted` modifiers in the AST and config/roles.ts to one another.
 */

const TAG = "custom:restricted";

/**
 * Implementations that run only by delegatecall from another contract of the suite, on its storage: the escrow's
 * second implementation inherits the service base's `upgradeToAndCall`, which can never run in it (it is no proxy).
 */
const DELEGATED_TO: Record<string, ManagedContract> = {
  ClaimEscrowExtension: "ClaimEscrow",
  SupplyChainExtension: "SupplyChain",
};

/** What the compiler says about one externally callable function of a deployed contract. */
interface FunctionFacts {
  name: string;
  /** Guarded by the access manager: `restricted` on its body, or `upgradeToAndCall` behind `_authorizeUpgrade`. */
  restricted: boolean;
  /** The tag's value in the contract's compiled devdoc (its metadata), if any. */
  devdocTag?: string;
  /** The roles named by the `@custom:restricted` tags in the implementation's own NatSpec. */
  sourceTags: string[];
  /** The same in the suite interface that declares the function; undefined when no suite interface does. */
  specTags?: string[];
  /** Its body is only `_delegate()`: it runs in the contract's second implementation, which guards it. */
  delegates: boolean;
}

/** A contract's functions and the problems found while reading its AST. */
interface ContractFacts {
  functions: FunctionFacts[];
  problems: string[];
}

/** The compact AST node shapes this test reads. */
interface AstNode {
  id: number;
  nodeType: string;
  name?: string;
  absolutePath?: string;
  nodes?: AstNode[];
}
interface ContractNode extends AstNode {
  contractKind: "contract" | "interface" | "library";
  abstract: boolean;
  linearizedBaseContracts: number[];
}
interface FunctionNode extends AstNode {
  kind: string;
  visibility: string;
  implemented: boolean;
  functionSelector?: string;
  documentation?: { text: string } | null;
  modifiers: { modifierName: { name: string; referencedDeclaration: number } }[];
  body?: { statements?: { expression?: { expression?: { name?: string }; arguments?: unknown[] } }[] } | null;
}

/**
 * Whether a function's body is the single statement `_delegate()` (solidity-coverage's probes, calls to its
 * `c_0x…` functions, do not count).
 */
function delegatesOnly(fn: FunctionNode): boolean {
  const statements = (fn.body?.statements ?? []).filter(
    (st) => !/^c_(0x)?[0-9a-f]+$/i.test(st.expression?.expression?.name ?? ""),
  );
  const call = statements[0]?.expression;
  return statements.length === 1 && call?.expression?.name === "_delegate" && (call.arguments ?? []).length === 0;
}

function tagsIn(doc: { text: string } | null | undefined): string[] {
  return [...(doc?.text ?? "").matchAll(/@custom:restricted\b[ \t]*([^\n]*)/g)].map((m) => m[1].trim());
}

const rolesText = (tags: string[]) => (tags.length === 0 ? "no tag" : tags.join(" + "));

/** Reads a contract's devdoc and AST from Hardhat's build info. */
async function factsOf(contract: string): Promise<ContractFacts> {
  const { sourceName } = await hre.artifacts.readArtifact(contract);
  const buildInfo = await hre.artifacts.getBuildInfo(`${sourceName}:${contract}`);
  if (!buildInfo) throw new Error(`no build info for ${contract}: compile first`);
  // Hardhat's types leave out `metadata`, which its default output selection asks solc for.
  const output = buildInfo.output.contracts[sourceName][contract] as { metadata?: string };
  if (!output.metadata) throw new Error(`no metadata for ${contract} in its build info`);
  const metadata = JSON.parse(output.metadata) as {
    output: { devdoc: { methods?: Record<string, Record<string, string>> } };
  };
  const devdocTags = new Map<string, string>();
  for (const [signature, doc] of Object.entries(metadata.output.devdoc.methods ?? {})) {
    if (doc[TAG] !== undefined) devdocTags.set(hre.ethers.id(signature).slice(2, 10), doc[TAG]);
  }

  // Every contract-level node by id, with the file it is in and the contract it belongs to.
  const byId = new Map<number, AstNode & { file: string; parent?: ContractNode }>();
  for (const { ast } of Object.values(buildInfo.output.sources) as { ast: AstNode }[]) {
    const file = ast.absolutePath!;
    for (const unit of ast.nodes ?? []) {
      byId.set(unit.id, { ...unit, file });
      for (const member of unit.nodes ?? []) byId.set(member.id, { ...member, file, parent: unit as ContractNode });
    }
  }
  const root = (buildInfo.output.sources[sourceName] as { ast: AstNode }).ast.nodes!.find(
    (n) => n.nodeType === "ContractDefinition" && n.name === contract,
  ) as ContractNode;
  const bases = root.linearizedBaseContracts.map((id) => byId.get(id) as ContractNode & { file: string });

  const problems: string[] = [];
  const isRestricted = (fn: FunctionNode) =>
    fn.modifiers.some((m) => {
      if (m.modifierName.name !== "restricted") return false;
      const owner = byId.get(m.modifierName.referencedDeclaration)?.parent?.name ?? "";
      if (!owner.startsWith("AccessManaged")) {
        problems.push(`${contract}.${fn.name}: its \`restricted\` modifier is ${owner}'s, not the access manager's`);
      }
      return true;
    });

  // The body that runs for each selector (and each internal name) is the most derived implementation.
  const external = new Map<string, FunctionNode>();
  const internal = new Map<string, FunctionNode>();
  const spec = new Map<string, FunctionNode>();
  for (const base of bases) {
    for (const node of (base.nodes ?? []) as FunctionNode[]) {
      if (node.nodeType !== "FunctionDefinition" || node.kind !== "function") continue;
      if (!node.implemented) {
        // The spec: the suite's own interfaces, not OpenZeppelin's.
        const suiteInterface = base.contractKind === "interface" && base.file.startsWith("contracts/");
        if (suiteInterface && node.functionSelector && !spec.has(node.functionSelector)) {
          spec.set(node.functionSelector, node);
        }
        continue;
      }
      const key = node.functionSelector ?? `${node.name}`;
      const table = node.functionSelector ? external : internal;
      if (!table.has(key)) table.set(key, node);
    }
  }

  let upgradeRestricted = false;
  for (const fn of internal.values()) {
    if (!isRestricted(fn)) continue;
    if (fn.name === "_authorizeUpgrade") upgradeRestricted = true;
    else problems.push(`${contract}.${fn.name} is internal and \`restricted\`: tag the functions that reach it`);
  }

  const functions = [...external.entries()].map(([selector, fn]) => ({
    name: fn.name!,
    restricted: isRestricted(fn) || (fn.name === "upgradeToAndCall" && upgradeRestricted),
    devdocTag: devdocTags.get(selector),
    sourceTags: tagsIn(fn.documentation),
    specTags: spec.has(selector) ? tagsIn(spec.get(selector)!.documentation) : undefined,
    delegates: delegatesOnly(fn),
  }));
  return { functions, problems };
}

/** Everything wrong between a contract's tags, its `restricted` functions and config/roles.ts, by function. */
function problemsOf(contract: string, facts: ContractFacts, expected: Readonly<Record<string, RoleName>>): string[] {
  const problems = [...facts.problems];
  const known = new Set(Object.keys(ROLES));
  for (const fn of facts.functions) {
    const where = `${contract}.${fn.name}`;
    const role = expected[fn.name];
    if (fn.sourceTags.length > 1) problems.push(`${where} has ${fn.sourceTags.length} @${TAG} tags`);
    if (fn.specTags && fn.specTags.length > 1) {
      problems.push(`${where} has ${fn.specTags.length} @${TAG} tags in its interface`);
    }
    for (const tag of new Set([...fn.sourceTags, ...(fn.specTags ?? []), fn.devdocTag ?? ""].filter(Boolean))) {
      if (!known.has(tag)) problems.push(`${where} is tagged @${TAG} ${tag}, which is not a role of config/roles.ts`);
    }
    if (fn.devdocTag === undefined) {
      if (fn.restricted) problems.push(`${where} is guarded by \`restricted\` but its compiled devdoc has no @${TAG}`);
      if (role !== undefined) {
        problems.push(`${where} is ${role} in config/roles.ts FUNCTION_ROLES but its compiled devdoc has no @${TAG}`);
      }
    } else {
      if (!fn.restricted)
        problems.push(`${where} is tagged @${TAG} ${fn.devdocTag} but is not guarded by \`restricted\``);
      if (role === undefined) {
        problems.push(`${where} is tagged @${TAG} ${fn.devdocTag} but is not in config/roles.ts FUNCTION_ROLES`);
      } else if (fn.devdocTag !== role) {
        problems.push(`${where} is tagged @${TAG} ${fn.devdocTag} but config/roles.ts FUNCTION_ROLES gives it ${role}`);
      }
    }
    if (fn.specTags !== undefined && (fn.restricted || fn.specTags.length > 0)) {
      if (rolesText(fn.specTags) !== rolesText(fn.sourceTags)) {
        problems.push(
          `${where}: its interface says ${rolesText(fn.specTags)}, its implementation ${rolesText(fn.sourceTags)}`,
        );
      }
    }
  }
  const names = new Set(facts.functions.map((f) => f.name));
  for (const [name, role] of Object.entries(expected)) {
    if (!names.has(name)) problems.push(`${contract}.${name} is ${role} in config/roles.ts but is no function of it`);
  }
  return problems;
}

describe("Role tags: NatSpec, the `restricted` modifiers and config/roles.ts agree", function () {
  const cache = new Map<string, Promise<ContractFacts>>();
  const facts = (contract: string) => {
    if (!cache.has(contract)) cache.set(contract, factsOf(contract));
    return cache.get(contract)!;
  };

  /**
   * A contract's facts, where a function that only delegates to the contract's second implementation is guarded
   * as that implementation's function of the same name is (the modifier runs there, on the proxy's storage).
   */
  const hostFacts = async (contract: ManagedContract): Promise<ContractFacts> => {
    const own = await facts(contract);
    const extension = Object.entries(DELEGATED_TO).find(([, host]) => host === contract)?.[0];
    if (extension === undefined) return own;
    const guarded = new Set((await facts(extension)).functions.filter((f) => f.restricted).map((f) => f.name));
    return {
      ...own,
      functions: own.functions.map((f) => (f.delegates && guarded.has(f.name) ? { ...f, restricted: true } : f)),
    };
  };

  for (const contract of Object.keys(FUNCTION_ROLES) as ManagedContract[]) {
    it(`${contract}: every restricted function carries exactly the role config/roles.ts gives it`, async function () {
      const problems = problemsOf(contract, await hostFacts(contract), FUNCTION_ROLES[contract]);
      expect(problems, `\n  ${problems.join("\n  ")}\n`).to.deep.equal([]);
    });
  }

  it("puts the tags in the compiled devdoc, which @inheritdoc alone would not", async function () {
    const { functions } = await hostFacts("SupplyChain");
    // It runs in the second implementation, whose `restricted` guards it on the proxy's storage.
    expect(functions.find((f) => f.name === "revokeDeviceByGovernance")).to.deep.include({
      delegates: true,
      restricted: true,
      devdocTag: "GUARDIAN",
      sourceTags: ["GUARDIAN"],
      specTags: ["GUARDIAN"],
    });
    // upgradeToAndCall is OpenZeppelin's: restricted through _authorizeUpgrade, tagged on the suite's override.
    expect(functions.find((f) => f.name === "upgradeToAndCall")).to.deep.include({
      restricted: true,
      devdocTag: "GOVERNOR",
      specTags: undefined,
    });
  });

  it("leaves no contract of the suite with a restricted function out of config/roles.ts", async function () {
    const names = await hre.artifacts.getAllFullyQualifiedNames();
    const unlisted: string[] = [];
    for (const name of names) {
      const [source, contract] = name.split(":");
      if (!source.startsWith("contracts/") || source.startsWith("contracts/mocks/")) continue;
      const artifact = await hre.artifacts.readArtifact(name);
      if (artifact.deployedBytecode === "0x" || contract in FUNCTION_ROLES) continue;
      const { functions } = await facts(contract);
      const restricted = functions.filter((f) => f.restricted).map((f) => f.name);
      // A second implementation run by delegatecall from a listed contract answers to that contract's table.
      const host = DELEGATED_TO[contract];
      if (host !== undefined && restricted.every((fn) => fn in FUNCTION_ROLES[host])) continue;
      if (restricted.length > 0) unlisted.push(contract);
    }
    expect(unlisted).to.deep.equal([]);
  });

  describe("names the function when the spec and the code disagree", function () {
    const base = (): ContractFacts => ({
      problems: [],
      functions: [
        {
          name: "pause",
          restricted: true,
          devdocTag: "GUARDIAN",
          sourceTags: ["GUARDIAN"],
          specTags: ["GUARDIAN"],
          delegates: false,
        },
        { name: "register", restricted: false, sourceTags: [], specTags: [], delegates: false },
      ],
    });
    const roles = { pause: "GUARDIAN" } as const;
    const broken = (change: (f: FunctionFacts) => void, expected: Record<string, RoleName> = roles) => {
      const f = base();
      change(f.functions[0]);
      return problemsOf("Registry", f, expected);
    };

    it("accepts a function whose tags, modifier and table agree", function () {
      expect(problemsOf("Registry", base(), roles)).to.deep.equal([]);
    });

    it("refuses a restricted function without a tag", function () {
      const problems = broken((f) => {
        f.devdocTag = undefined;
        f.sourceTags = [];
      });
      expect(problems).to.include(
        "Registry.pause is guarded by `restricted` but its compiled devdoc has no @custom:restricted",
      );
      expect(problems).to.include(
        "Registry.pause is GUARDIAN in config/roles.ts FUNCTION_ROLES but its compiled devdoc has no @custom:restricted",
      );
    });

    it("refuses a tag naming another role than config/roles.ts", function () {
      expect(broken((f) => (f.devdocTag = "GOVERNOR"))).to.include(
        "Registry.pause is tagged @custom:restricted GOVERNOR but config/roles.ts FUNCTION_ROLES gives it GUARDIAN",
      );
    });

    it("refuses a tagged function missing from config/roles.ts", function () {
      expect(broken(() => undefined, {} as Record<string, RoleName>)).to.deep.equal([
        "Registry.pause is tagged @custom:restricted GUARDIAN but is not in config/roles.ts FUNCTION_ROLES",
      ]);
    });

    it("refuses a table entry for a function the contract does not have", function () {
      expect(broken(() => undefined, { ...roles, unpause: "GOVERNOR" })).to.deep.equal([
        "Registry.unpause is GOVERNOR in config/roles.ts but is no function of it",
      ]);
    });

    it("refuses a role config/roles.ts does not define", function () {
      expect(
        broken((f) => {
          f.devdocTag = "OWNER";
          f.sourceTags = ["OWNER"];
          f.specTags = ["OWNER"];
        }),
      ).to.include("Registry.pause is tagged @custom:restricted OWNER, which is not a role of config/roles.ts");
    });

    it("refuses two tags on one function, which solc would concatenate", function () {
      const problems = broken((f) => {
        f.devdocTag = "GUARDIANGOVERNOR";
        f.sourceTags = ["GUARDIAN", "GOVERNOR"];
      });
      expect(problems).to.include("Registry.pause has 2 @custom:restricted tags");
      expect(problems).to.include(
        "Registry.pause is tagged @custom:restricted GUARDIANGOVERNOR, which is not a role of config/roles.ts",
      );
    });

    it("refuses a tag on a function the access manager does not guard", function () {
      expect(broken((f) => (f.restricted = false))).to.deep.equal([
        "Registry.pause is tagged @custom:restricted GUARDIAN but is not guarded by `restricted`",
      ]);
    });

    it("refuses an interface and an implementation that name different roles", function () {
      expect(broken((f) => (f.specTags = ["GOVERNOR"]))).to.deep.equal([
        "Registry.pause: its interface says GOVERNOR, its implementation GUARDIAN",
      ]);
      expect(broken((f) => (f.specTags = []))).to.deep.equal([
        "Registry.pause: its interface says no tag, its implementation GUARDIAN",
      ]);
    });
  });
});
