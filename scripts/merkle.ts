/**
 * Turns a CSV of `address,amount` into a Merkle root and a proofs file for a genesis claim of the IST token.
 *
 *   npm run merkle -- <input.csv> [output.json]
 *
 * Amounts are in whole IST (up to 18 decimals). A bad line is reported with its line number and nothing is
 * written. The output defaults to the input path with `.proofs.json`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

import { formatUnits } from "ethers";

import { CsvError, buildAirdropTree, parseAirdropCsv, proofsFile } from "./lib/merkle";

function main(argv: string[]): number {
  const [input, output = input?.replace(/\.csv$/i, "") + ".proofs.json"] = argv;
  if (input === undefined || input === "--help" || input === "-h") {
    console.log("usage: npm run merkle -- <input.csv> [output.json]");
    return input === undefined ? 1 : 0;
  }
  if (!existsSync(input)) {
    console.error(`error: no file ${input}`);
    return 1;
  }
  try {
    const leaves = parseAirdropCsv(readFileSync(input, "utf8"), input);
    const file = proofsFile(buildAirdropTree(leaves));
    writeFileSync(output, JSON.stringify(file, null, 2) + "\n");
    console.log(`root   ${file.root}`);
    console.log(`claims ${file.count}, total ${formatUnits(file.total, 18)} IST`);
    console.log(`proofs ${output}`);
    return 0;
  } catch (error) {
    if (error instanceof CsvError) {
      console.error(`error: ${error.message}`);
      console.error("nothing was written");
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
