/**
 * Turns a batch's list of unit serial numbers (one per line) into the Merkle root to register on chain and a
 * proofs file the manufacturer publishes, so that anyone can verify a unit from its pack.
 *
 *   npm run serials -- <serials.txt> [output.json]
 *
 * Blank lines and lines starting with `#` are skipped; a duplicate serial is reported and nothing is written.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

import { type SerialsFile, serialsFile } from "../packages/sdk/src/serials";

function main(argv: string[]): number {
  const [input, output = input?.replace(/\.txt$/i, "") + ".serials.json"] = argv;
  if (input === undefined || input === "--help" || input === "-h") {
    console.log("usage: npm run serials -- <serials.txt> [output.json]");
    return input === undefined ? 1 : 0;
  }
  if (!existsSync(input)) {
    console.error(`error: no file ${input}`);
    return 1;
  }
  const serials = readFileSync(input, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (serials.length === 0) {
    console.error(`error: ${input} lists no serials; nothing was written`);
    return 1;
  }
  let file: SerialsFile;
  try {
    file = serialsFile(serials);
  } catch (error) {
    console.error(`error: ${(error as Error).message}; nothing was written`);
    return 1;
  }
  writeFileSync(output, JSON.stringify(file, null, 2) + "\n");
  console.log(`root   ${file.root}`);
  console.log(`units  ${file.count}`);
  console.log(`proofs ${output}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
