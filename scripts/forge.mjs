#!/usr/bin/env node
/**
 * Runs forge (the npm package `@foundry-rs/forge`, pinned) and fails when forge fails.
 *
 * The package's `bin.mjs` starts the platform binary and never passes on its exit code: `npx @foundry-rs/forge test`
 * exits 0 even when the tests do not compile or an invariant breaks, so a gate built on it never closes. This wrapper
 * relays forge's output as it comes and exits non-zero unless forge exited 0 and its closing summary says every test
 * passed.
 */
import { spawn } from "node:child_process";

const FORGE = "@foundry-rs/forge@1.7.1";
const child = spawn("npx", ["--yes", FORGE, ...process.argv.slice(2)], { stdio: ["inherit", "pipe", "pipe"] });
let output = "";
for (const [stream, sink] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  stream.on("data", (chunk) => {
    output += chunk;
    sink.write(chunk);
  });
}
child.on("close", (code, signal) => {
  const summary = /(\d+) tests? passed, (\d+) failed/.exec(output);
  let problem;
  if (signal) problem = `forge was stopped by ${signal}`;
  else if (code !== 0) problem = `forge exited with status ${code}`;
  else if (/Compiler run failed/.test(output)) problem = "the contracts or the tests do not compile";
  else if (!summary) problem = "forge printed no test summary";
  else if (Number(summary[2]) !== 0) problem = `${summary[2]} test(s) failed`;
  else if (Number(summary[1]) === 0) problem = "forge ran no test";
  if (problem) {
    console.error(`\nforge: ${problem}`);
    process.exit(1);
  }
});
