/** A key-share store in memory: for tests, demos and a single process. */
import {
  compareShares,
  normaliseAddress,
  normaliseGrantId,
  normaliseRecordId,
  normaliseShare,
  type KeyShare,
  type KeyShareStore,
} from "../shares.ts";

function copyShare(share: KeyShare): KeyShare {
  return { ...share, wrapped: { ...share.wrapped } };
}

/** A key-share store in memory (tests, demos, a single process). */
export class MemoryKeyShareStore implements KeyShareStore {
  private readonly shares = new Map<string, KeyShare>();

  private static key(recordId: string, recipient: string): string {
    return `${recordId}|${recipient}`;
  }

  async put(share: KeyShare): Promise<void> {
    const normal = normaliseShare(share);
    this.shares.set(MemoryKeyShareStore.key(normal.recordId, normal.recipient), normal);
  }

  async get(recordId: bigint | string, recipient: string): Promise<KeyShare | undefined> {
    const share = this.shares.get(MemoryKeyShareStore.key(normaliseRecordId(recordId), normaliseAddress(recipient)));
    return share && copyShare(share);
  }

  async byGrant(grantId: string): Promise<KeyShare[]> {
    const id = normaliseGrantId(grantId);
    return [...this.shares.values()]
      .filter((s) => s.grantId === id)
      .map(copyShare)
      .sort(compareShares);
  }

  async byRecord(recordId: bigint | string): Promise<KeyShare[]> {
    const id = normaliseRecordId(recordId);
    return [...this.shares.values()]
      .filter((s) => s.recordId === id)
      .map(copyShare)
      .sort(compareShares);
  }
}
