import type { ConsentManager } from "../../typechain-types";

/** One read in a patient's access trail. */
export interface TrailEntry {
  recordId: bigint;
  readerId: bigint;
  purpose: number;
  basis: string;
  blockNumber: number;
  timestamp: number;
  transactionHash: string;
}

/**
 * A patient's access trail, rebuilt from the `AccessLogged` events (which nobody can alter), oldest first,
 * one page at a time. The events are filtered by the patient's indexed topic, so the node does the search.
 */
export async function accessTrail(
  consent: ConsentManager,
  patient: string,
  options: { fromBlock?: number; offset?: number; limit?: number } = {},
): Promise<{ entries: TrailEntry[]; total: number }> {
  const logs = await consent.queryFilter(consent.filters.AccessLogged(patient), options.fromBlock ?? 0);
  const offset = options.offset ?? 0;
  const page = logs.slice(offset, offset + (options.limit ?? 50));
  const entries: TrailEntry[] = [];
  for (const log of page) {
    const block = await log.getBlock();
    entries.push({
      recordId: log.args.recordId,
      readerId: log.args.readerId,
      purpose: Number(log.args.purpose),
      basis: log.args.basis,
      blockNumber: log.blockNumber,
      timestamp: block.timestamp,
      transactionHash: log.transactionHash,
    });
  }
  return { entries, total: logs.length };
}
