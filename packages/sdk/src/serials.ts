import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { SERIAL_ENCODING, type UnitProof, serialHash } from "./units.ts";

export { SERIAL_ENCODING, type UnitProof, serialHash };

/** A batch's serial tree, as {@link buildSerialTree} returns it. */
export interface SerialTree {
  root: string;
  count: number;
  serialOf(serial: string): string;
  indexOf(serial: string): number;
  proofOf(serial: string): string[];
  unit(serial: string): UnitProof;
}

/**
 * The Merkle tree of a batch's serial numbers (any strings: GS1 serials, hex, ...), in order: the unit at
 * position i is leaf `(i, serial)`; each serial is hashed to a bytes32 with keccak256 unless it already is one.
 * Refuses duplicates. The root goes on chain; the manufacturer publishes each unit's index and proof.
 */
export function buildSerialTree(serials: string[]): SerialTree {
  const values = serials.map((s, i) => [BigInt(i), serialHash(s)] as [bigint, string]);
  const index = new Map<string, number>();
  for (const [i, [, v]] of values.entries()) {
    if (index.has(v)) throw new Error(`serial ${serials[i]} appears twice`);
    index.set(v, i);
  }
  const tree = StandardMerkleTree.of(values, [...SERIAL_ENCODING]);
  const indexOf = (serial: string) => {
    const position = index.get(serialHash(serial));
    if (position === undefined) throw new Error(`serial ${serial} is not in the batch`);
    return position;
  };
  const proofOf = (serial: string): string[] => tree.getProof(indexOf(serial));
  return {
    root: tree.root,
    count: values.length,
    serialOf: serialHash,
    indexOf,
    proofOf,
    unit: (serial) => ({ index: indexOf(serial), serial: serialHash(serial), proof: proofOf(serial) }),
  };
}

/** What a manufacturer publishes for a batch (`npm run serials`): the root and every unit's proof. */
export interface SerialsFile {
  root: string;
  count: number;
  units: { serial: string; index: number; leaf: string; proof: string[] }[];
}

/** The published file for a batch's serials, in the order they were given. */
export function serialsFile(serials: string[]): SerialsFile {
  const tree = buildSerialTree(serials);
  const units = serials.map((serial) => ({
    serial,
    index: tree.indexOf(serial),
    leaf: tree.serialOf(serial),
    proof: tree.proofOf(serial),
  }));
  return { root: tree.root, count: tree.count, units };
}
