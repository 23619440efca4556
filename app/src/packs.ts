/**
 * Checking a pack from its printed code: the code parsed (GS1), the batch its GTIN and lot name found on chain, the
 * unit's index and proof read from the serials file its maker published (the batch's documentation on IPFS, checked
 * block by block), and the verifier's answer. A serial the maker did not publish is checked with no proof: the chain
 * then says it is not genuine. The proof only lets the chain check the serial against the batch's root: a forged
 * file cannot make a pack genuine, and a store that fails makes the check fail, not the pack.
 */
import { type MIIP, type PackCode, type PackVerification, parsePackCode } from "@miip/sdk";
import { type UnitProof, serialHash } from "@miip/sdk/serials";
import { type BlobStore, cidFromUri } from "@miip/sdk";

import { PackCodeError } from "./errors.ts";

export interface PackCheck {
  pack: PackCode;
  verification: PackVerification;
  /** The unit's proof, when the maker's serials file lists the serial. */
  unit?: UnitProof;
}

export function readPackCode(text: string): PackCode {
  try {
    return parsePackCode(text);
  } catch (error) {
    throw new PackCodeError((error as Error).message);
  }
}

interface SerialsFile {
  units: { serial: string; index: number; proof: string[] }[];
}

/** The unit's proof from the batch's published serials file, if the batch documents one and lists the serial. */
async function unitOf(reader: MIIP, blobs: BlobStore, batchId: bigint, serial: string): Promise<UnitProof | undefined> {
  const supply = reader.contracts.supply;
  const [registered] = await reader.history.logs(supply, supply.filters.BatchRegistered(batchId));
  const uri = registered?.args.metadataURI as string | undefined;
  if (!uri?.startsWith("ipfs://")) return undefined;
  // A store that cannot answer is an error the page shows ("cannot check now"), never a genuine pack shown as
  // counterfeit; only documentation that is not a serials file means the maker published no proof.
  const bytes = await blobs.get(cidFromUri(uri));
  let file: SerialsFile;
  try {
    file = JSON.parse(new TextDecoder().decode(bytes)) as SerialsFile;
  } catch {
    return undefined;
  }
  if (!Array.isArray(file?.units)) return undefined;
  const unit = file.units.find((u) => u?.serial === serial);
  return unit && { index: unit.index, serial: serialHash(serial), proof: unit.proof };
}

export async function checkPack(reader: MIIP, blobs: BlobStore, text: string, language: string): Promise<PackCheck> {
  const pack = readPackCode(text);
  const first = await reader.supply.verifyPack(pack, { index: 0, proof: [] }, language);
  if (first.batchId === 0n) return { pack, verification: first };
  const unit = await unitOf(reader, blobs, first.batchId, pack.serial);
  if (!unit) return { pack, verification: first };
  return { pack, unit, verification: await reader.supply.verifyPack(pack, unit, language) };
}
