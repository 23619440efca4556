#!/usr/bin/env node
/**
 * The Solidity compiler forge runs, for machines that cannot download one: a `solc` look-alike around the
 * pinned `solc` npm package (the same soljson the Hardhat build uses, see tasks/compiler.ts). It answers
 * `--version`, reads standard JSON on stdin, resolves imports from the project and node_modules, and ignores
 * the other flags forge passes (`--standard-json`, `--allow-paths`, `--base-path`, `--include-path`).
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const solc = require("solc");

const root = path.join(__dirname, "..");

if (process.argv.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}

function findImport(file) {
  for (const base of [root, path.join(root, "node_modules")]) {
    const candidate = path.join(base, file);
    if (candidate.startsWith(base) && fs.existsSync(candidate)) {
      return { contents: fs.readFileSync(candidate, "utf8") };
    }
  }
  return { error: `file not found: ${file}` };
}

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const input = Buffer.concat(chunks).toString("utf8");
  process.stdout.write(solc.compile(input, { import: findImport }));
});
