import { expect } from "chai";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import hre from "hardhat";
import ts from "typescript";

import { isWrapped } from "../../tasks/cli";

const ROOT = path.join(__dirname, "..", "..");
/** The tasks that start servers (`npm run node`, `npm run app`): documented with their npm scripts. */
const SERVERS = ["miip:node", "miip:app"];
const API = path.join(ROOT, "packages", "sdk", "src", "api");
const TASKS = path.join(ROOT, "tasks", "ops");

interface Method {
  api: string;
  name: string;
  /** Public, as a client reaches it (`miip.records.register`); private helpers count through their callers. */
  public: boolean;
  governed: boolean;
  /** What its body calls: `core.send`, `core.sendPatient`, `<api>.<method>` (another Api) or `<method>` (its own). */
  calls: string[];
}

/** The calls in a piece of code, from its syntax tree: comments and strings never count. */
function callsIn(node: ts.Node): { chain: string[]; names: string[] }[] {
  const found: { chain: string[]; names: string[] }[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n)) {
      const chain: string[] = [];
      let e: ts.Expression = n.expression;
      while (ts.isPropertyAccessExpression(e)) {
        chain.unshift(e.name.text);
        e = e.expression;
      }
      // `names`: the property names called through, whatever the base (`(await connect(…)).patients.register(`).
      const names = [...chain];
      if (e.kind === ts.SyntaxKind.ThisKeyword) chain.unshift("this");
      else if (ts.isIdentifier(e)) chain.unshift(e.text);
      found.push({ chain, names });
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** Every method of the SDK's `*Api` classes, public and private, with what it calls. */
function sdkMethods(): Method[] {
  const methods: Method[] = [];
  for (const file of readdirSync(API).filter((f) => f.endsWith(".ts"))) {
    const source = ts.createSourceFile(file, readFileSync(path.join(API, file), "utf8"), ts.ScriptTarget.Latest, true);
    for (const node of source.statements) {
      if (!ts.isClassDeclaration(node) || !node.name?.text.endsWith("Api")) continue;
      const api = node.name.text.replace(/Api$/, "").replace(/^./, (c) => c.toLowerCase());
      for (const member of node.members) {
        if (!ts.isMethodDeclaration(member) || !member.body || !ts.isIdentifier(member.name)) continue;
        const calls = callsIn(member.body).flatMap(({ chain }) => {
          if (chain[0] !== "this") return [];
          if (chain[1] === "core" && (chain[2] === "send" || chain[2] === "sendPatient")) return ["core.send"];
          if (chain.length === 3) return [`${chain[1]}.${chain[2]}`]; // this.records.register(
          if (chain.length === 2) return [`${api}.${chain[1]}`]; // this.helper(
          return [];
        });
        methods.push({
          api,
          name: member.name.text,
          public: !member.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword),
          governed: member.type?.getText().includes("GovernedCall") ?? false,
          calls,
        });
      }
    }
  }
  return methods;
}

/**
 * The SDK's writes a client can call: public methods that send a transaction (`core.send`, `core.sendPatient`),
 * directly or through any method (private helpers included, `documents.add` registers), or build a call governance
 * sends through its delay (a `GovernedCall`).
 */
function sdkWrites(methods: Method[]): Set<string> {
  const key = (m: Method) => `${m.api}.${m.name}`;
  const sending = new Set(methods.filter((m) => m.calls.includes("core.send") || m.governed).map(key));
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of methods) {
      if (!sending.has(key(m)) && m.calls.some((c) => sending.has(c))) {
        sending.add(key(m));
        grew = true;
      }
    }
  }
  return new Set(methods.filter((m) => m.public && sending.has(key(m))).map(key));
}

/** What the tasks call on a client (`miip.claims.join(`, `hospital.records.get(`), from their syntax trees. */
function taskCalls(files: string[]): Set<string> {
  const calls = new Set<string>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    for (const { names } of callsIn(source)) if (names.length >= 2) calls.add(names.slice(-2).join("."));
  }
  return calls;
}

/** What a set of calls reaches in the SDK: the calls, and what those methods call in turn. */
function reachedFrom(calls: Set<string>, methods: Method[]): Set<string> {
  const reached = new Set(calls);
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of methods) {
      if (!reached.has(`${m.api}.${m.name}`)) continue;
      for (const c of m.calls) {
        if (!reached.has(c)) {
          reached.add(c);
          grew = true;
        }
      }
    }
  }
  return reached;
}

describe("command line: a task for every write the SDK offers", function () {
  it("has a task calling each SDK write, directly or through an SDK method that makes it", function () {
    const methods = sdkMethods();
    const writes = sdkWrites(methods);
    expect(writes.size).to.be.greaterThan(80);
    // The tasks, and the helpers they share (governed calls are scheduled, executed and cancelled there).
    const files = [...readdirSync(TASKS).map((f) => path.join(TASKS, f)), path.join(ROOT, "tasks", "cli.ts")];
    const reached = reachedFrom(taskCalls(files), methods);
    const missing = [...writes].filter((w) => !reached.has(w));
    expect(missing, `SDK writes no task makes: ${missing.join(", ")}`).to.deep.equal([]);
  });

  it("is not fooled by a call left in a comment or a string, and counts a write made through a private helper (audit 7)", function () {
    const scratch = mkdtempSync(path.join(os.tmpdir(), "miip-coverage-"));
    try {
      const task = path.join(scratch, "task.ts");
      writeFileSync(
        task,
        [
          "// await miip.records.pause();",
          'const text = "miip.records.pause()";',
          "await miip.records.get(1);",
          "await miip.claims.join(1);",
        ].join("\n"),
      );
      expect([...taskCalls([task])].sort()).to.deep.equal(["claims.join", "records.get"]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const methods = sdkMethods();
    const writes = sdkWrites(methods);
    for (const w of [
      "records.register",
      "records.registerBatch",
      "governance.reinstate",
      "documents.add",
      "token.transfer",
    ]) {
      expect(writes.has(w), w).to.equal(true);
    }
    for (const r of ["records.get", "history.recordsOfPatient", "supply.verifyPack"]) {
      expect(writes.has(r), r).to.equal(false);
    }
    // A public method whose only send is in a private helper is a write.
    const viaHelper: Method[] = [
      { api: "records", name: "freeze", public: true, governed: false, calls: ["records.doFreeze"] },
      { api: "records", name: "doFreeze", public: false, governed: false, calls: ["core.send"] },
    ];
    expect([...sdkWrites(viaHelper)]).to.deep.equal(["records.freeze"]);
  });

  it("lists every task in docs/CLI.md's table, and no task that does not exist", function () {
    const page = readFileSync(path.join(ROOT, "docs", "CLI.md"), "utf8");
    const section = page.slice(0, page.indexOf("## Local node for dApp developers"));
    const rows = section.split("\n").filter((line) => /^\| [a-z ]+ +\| `/.test(line));
    const listed = new Set(
      rows.flatMap((row) => [...row.matchAll(/`([a-z][a-z-]*(?::[a-z-]+)?)[ `]/g)].map(([, name]) => name)),
    );
    const tasks = Object.entries(hre.tasks)
      // The servers (a seeded node, the same with the web app) are commands of their own, not operations.
      .filter(([name, definition]) => isWrapped(definition.action) && !SERVERS.includes(name))
      .map(([name]) => name);
    expect(
      tasks.filter((t) => !listed.has(t)),
      "tasks docs/CLI.md does not list",
    ).to.deep.equal([]);
    expect(
      [...listed].filter((t) => !(t in hre.tasks)),
      "docs/CLI.md names that are no task",
    ).to.deep.equal([]);
  });

  it("shows only commands that exist: every `npm run` script and `npx hardhat` task the README and the docs name", function () {
    const scripts = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
    const pages = ["README.md", ...readdirSync(path.join(ROOT, "docs")).map((name) => path.join("docs", name))];
    const unknown: string[] = [];
    for (const page of pages.filter((name) => name.endsWith(".md"))) {
      const text = readFileSync(path.join(ROOT, page), "utf8");
      // `npm run deploy:<network>` names a family: its members are checked where they are spelled out.
      for (const [, name] of text.matchAll(/npm run ([a-z][a-z0-9:-]*[a-z0-9])(?![a-z0-9:<-])/g)) {
        if (!(name in scripts)) unknown.push(`${page}: npm run ${name}`);
      }
      for (const [, name] of text.matchAll(/npx hardhat ([a-z]+(?::[a-z-]+)?)/g)) {
        // `vars` is a scope of tasks (Hardhat's configuration variables), not a task.
        if (!(name in hre.tasks) && !(name in hre.scopes)) unknown.push(`${page}: npx hardhat ${name}`);
      }
    }
    expect(unknown).to.deep.equal([]);
  });
});
