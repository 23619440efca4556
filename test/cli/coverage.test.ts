import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

import hre from "hardhat";
import ts from "typescript";

import { isWrapped } from "../../tasks/cli";

const ROOT = path.join(__dirname, "..", "..");
const API = path.join(ROOT, "packages", "sdk", "src", "api");
const TASKS = path.join(ROOT, "tasks", "ops");

interface Method {
  api: string;
  name: string;
  body: string;
  governed: boolean;
}

/** Every public method of the SDK's `*Api` classes, by the name a client reaches it with (`records.register`). */
function sdkMethods(): Method[] {
  const methods: Method[] = [];
  for (const file of readdirSync(API).filter((f) => f.endsWith(".ts"))) {
    const source = ts.createSourceFile(file, readFileSync(path.join(API, file), "utf8"), ts.ScriptTarget.Latest, true);
    for (const node of source.statements) {
      if (!ts.isClassDeclaration(node) || !node.name?.text.endsWith("Api")) continue;
      const api = node.name.text.replace(/Api$/, "").replace(/^./, (c) => c.toLowerCase());
      for (const member of node.members) {
        if (!ts.isMethodDeclaration(member) || !member.body || !ts.isIdentifier(member.name)) continue;
        if (member.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) continue;
        methods.push({
          api,
          name: member.name.text,
          body: member.body.getText(),
          governed: member.type?.getText().includes("GovernedCall") ?? false,
        });
      }
    }
  }
  return methods;
}

/**
 * The SDK's writes: what sends a transaction (`core.send`, `core.sendPatient`), or builds a call governance sends
 * through its delay (a `GovernedCall`), and every method that calls one of them (`documents.add` registers).
 */
function sdkWrites(methods: Method[]): Map<string, Method> {
  const key = (m: Method) => `${m.api}.${m.name}`;
  const writes = new Map(
    methods.filter((m) => /this\.core\.send(Patient)?\(/.test(m.body) || m.governed).map((m) => [key(m), m]),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of methods) {
      if (writes.has(key(m))) continue;
      const calls = [...m.body.matchAll(/this\.(\w+)\.(\w+)\(/g)].map(([, api, name]) => `${api}.${name}`);
      if (calls.some((c) => writes.has(c))) {
        writes.set(key(m), m);
        grew = true;
      }
    }
  }
  return writes;
}

describe("command line: a task for every write the SDK offers", function () {
  it("has a task calling each SDK write, directly or through an SDK method that makes it", function () {
    const methods = sdkMethods();
    const writes = sdkWrites(methods);
    expect(writes.size).to.be.greaterThan(80);
    // The tasks, and the helpers they share (governed calls are scheduled, executed and cancelled there).
    const tasks = [...readdirSync(TASKS).map((f) => path.join(TASKS, f)), path.join(ROOT, "tasks", "cli.ts")]
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    // What the tasks call (`miip.claims.join(`, `miip.governance.reinstate(`), then what those calls make.
    const reached = new Set([...tasks.matchAll(/\.(\w+)\.(\w+)\(/g)].map(([, api, name]) => `${api}.${name}`));
    for (let grew = true; grew; ) {
      grew = false;
      for (const m of methods) {
        if (!reached.has(`${m.api}.${m.name}`)) continue;
        for (const [, api, name] of m.body.matchAll(/this\.(\w+)\.(\w+)\(/g)) {
          if (!reached.has(`${api}.${name}`)) {
            reached.add(`${api}.${name}`);
            grew = true;
          }
        }
      }
    }
    const missing = [...writes.keys()].filter((w) => !reached.has(w));
    expect(missing, `SDK writes no task makes: ${missing.join(", ")}`).to.deep.equal([]);
  });

  it("counts a write no task makes as missing (the check above is not vacuous)", function () {
    const writes = sdkWrites(sdkMethods());
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
  });

  it("lists every task in the README's command-line table, and no task that does not exist", function () {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("## Command line"),
      readme.indexOf("## Local node for dApp developers"),
    );
    const rows = section.split("\n").filter((line) => /^\| [a-z ]+ +\| `/.test(line));
    const listed = new Set(
      rows.flatMap((row) => [...row.matchAll(/`([a-z]+(?::[a-z-]+)?)[ `]/g)].map(([, name]) => name)),
    );
    const tasks = Object.entries(hre.tasks)
      .filter(([name, definition]) => isWrapped(definition.action) && name !== "miip:node")
      .map(([name]) => name);
    expect(
      tasks.filter((t) => !listed.has(t)),
      "tasks the README does not list",
    ).to.deep.equal([]);
    expect(
      [...listed].filter((t) => !(t in hre.tasks)),
      "README names that are no task",
    ).to.deep.equal([]);
  });
});
