import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, isAddress, parseUnits } from "ethers";

/** The leaf encoding shared with the token's genesis claim: `(uint256 index, address account, uint256 amount)`. */
export const LEAF_ENCODING = ["uint256", "address", "uint256"] as const;

export type AirdropLeaf = [index: bigint, account: string, amount: bigint];

/** One refused CSV line. */
export interface CsvProblem {
  line: number;
  message: string;
}

/** Thrown when a CSV has bad lines; carries every problem found, each with its line number. */
export class CsvError extends Error {
  constructor(
    readonly source: string,
    readonly problems: CsvProblem[],
  ) {
    super(
      `${source}: ${problems.length} bad line(s)\n` + problems.map((p) => `  line ${p.line}: ${p.message}`).join("\n"),
    );
    this.name = "CsvError";
  }
}

/** A claim as users receive it in the proofs file. */
export interface ClaimProof {
  index: string;
  amount: string;
  proof: string[];
}

/** The proofs file published next to a root: every account's claims (one per CSV it appears in). */
export interface ProofsFile {
  root: string;
  leafEncoding: readonly string[];
  count: number;
  total: string;
  claims: Record<string, ClaimProof[]>;
}

const AMOUNT = /^\d+(\.\d{1,18})?$/;

/**
 * Parses a CSV of `address,amount` lines (amounts in whole tokens, up to 18 decimals). A first line
 * `address,amount` is taken as a header; blank lines and lines starting with `#` are skipped. Every bad line
 * (bad address, negative, zero or non-numeric amount, duplicate address) is reported with its line number,
 * all of them at once, and nothing is returned. Leaf indexes start at `firstIndex`, so that several CSVs can
 * share one tree.
 */
export function parseAirdropCsv(text: string, source = "csv", firstIndex = 0, decimals = 18): AirdropLeaf[] {
  const problems: CsvProblem[] = [];
  const seen = new Map<string, number>();
  const leaves: AirdropLeaf[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.trim();
    if (content === "" || content.startsWith("#")) return;
    if (leaves.length === 0 && problems.length === 0 && /^address\s*,\s*amount$/i.test(content)) return;
    const cells = content.split(",").map((c) => c.trim());
    if (cells.length !== 2) {
      problems.push({ line, message: `expected "address,amount", found ${cells.length} field(s)` });
      return;
    }
    const [addressCell, amountCell] = cells;
    let account: string | undefined;
    if (!isAddress(addressCell)) {
      problems.push({ line, message: `"${addressCell}" is not an address (or its checksum is wrong)` });
    } else {
      account = getAddress(addressCell);
      if (account === getAddress("0x0000000000000000000000000000000000000000")) {
        problems.push({ line, message: "the zero address cannot claim" });
        account = undefined;
      }
    }
    let amount: bigint | undefined;
    if (amountCell.startsWith("-")) {
      problems.push({ line, message: `amount "${amountCell}" is negative` });
    } else if (!AMOUNT.test(amountCell)) {
      problems.push({
        line,
        message: `amount "${amountCell}" is not a decimal number with at most ${decimals} decimals`,
      });
    } else {
      amount = parseUnits(amountCell, decimals);
      if (amount === 0n) {
        problems.push({ line, message: "amount is zero" });
        amount = undefined;
      }
    }
    if (account !== undefined) {
      const first = seen.get(account);
      if (first !== undefined) {
        problems.push({ line, message: `duplicate address ${account} (first on line ${first})` });
        return;
      }
      seen.set(account, line);
    }
    if (account !== undefined && amount !== undefined && problems.length === 0) {
      leaves.push([BigInt(firstIndex + leaves.length), account, amount]);
    }
  });
  if (problems.length > 0) throw new CsvError(source, problems);
  if (leaves.length === 0) throw new CsvError(source, [{ line: lines.length, message: "no claims in the file" }]);
  return leaves;
}

/** Builds the OpenZeppelin standard Merkle tree of a round. */
export function buildAirdropTree(leaves: AirdropLeaf[]): StandardMerkleTree<AirdropLeaf> {
  return StandardMerkleTree.of(leaves, [...LEAF_ENCODING]);
}

/** The proofs file of a tree: root, total and every account's claims with their proofs. */
export function proofsFile(tree: StandardMerkleTree<AirdropLeaf>): ProofsFile {
  const claims: Record<string, ClaimProof[]> = {};
  let total = 0n;
  let count = 0;
  for (const [i, [index, account, amount]] of tree.entries()) {
    total += amount;
    count += 1;
    (claims[account] ??= []).push({ index: index.toString(), amount: amount.toString(), proof: tree.getProof(i) });
  }
  for (const list of Object.values(claims)) list.sort((a, b) => Number(BigInt(a.index) - BigInt(b.index)));
  return { root: tree.root, leafEncoding: LEAF_ENCODING, count, total: total.toString(), claims };
}

export { SERIAL_ENCODING, buildSerialTree } from "../../packages/sdk/src/serials";
