/**
 * A unit's serial as the chain sees it, and what proves it belongs to its batch: light, in the SDK's main
 * entry. Building a batch's tree (the manufacturer's job) is in `@miip/sdk/serials`, with its Merkle library.
 */
import { keccak256, toUtf8Bytes } from "ethers";

/** The leaf encoding of a batch's unit serials: `(uint256 index, bytes32 serial)`, as SupplyChain checks them. */
export const SERIAL_ENCODING = ["uint256", "bytes32"] as const;

/** A serial as the chain sees it: a bytes32 as is, any other string (a GS1 serial) by its keccak256. */
export function serialHash(serial: string): string {
  return /^0x[0-9a-fA-F]{64}$/.test(serial) ? serial.toLowerCase() : keccak256(toUtf8Bytes(serial));
}

/** What proves one unit belongs to its batch: its position in the serial tree, its hash and the proof. */
export interface UnitProof {
  index: number;
  serial: string;
  proof: string[];
}
