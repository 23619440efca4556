/**
 * The file-system key-share store (Node only), for a local node, the CLI and the seed (documents themselves go to
 * the embedded IPFS node, `./ipfs.ts`).
 *
 * Layout: `<dir>/shares/<recordId>/<recipient>.json` (a key share, recipient checksummed), and an index of the shares
 * made under each grant, `<dir>/shares-by-grant/<grantId>/<recordId>-<recipient>` (empty files; an entry whose share
 * was since made under another grant stays, and is skipped when listed). Every write goes to a temporary file in the same folder and is renamed
 * into place, so a reader never sees half a file and a crash leaves no torn one.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";

import {
  type KeyShare,
  KeyShareError,
  type KeyShareStore,
  compareShares,
  normaliseAddress,
  normaliseGrantId,
  normaliseRecordId,
  normaliseShare,
} from "../shares.ts";

const ZERO = `0x${"0".repeat(64)}`;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOENT";
}

/** Writes `data` to `file` atomically: a temporary file next to it, then a rename over it. */
async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await fs.writeFile(temp, data);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/**
 * Key shares as JSON files `<dir>/shares/<recordId>/<recipient>.json`. `byRecord` reads one folder; `byGrant`
 * scans every share, O(number of shares): fine for a local store, while a real deployment indexes shares by grant
 * in its database.
 */
export class FileKeyShareStore implements KeyShareStore {
  readonly dir: string;
  /** The index by grant: `byGrant` reads one folder, not every share. */
  private readonly byGrantDir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir, "shares");
    this.byGrantDir = path.resolve(dir, "shares-by-grant");
  }

  private indexEntry(grantId: string, recordId: string, recipient: string): string {
    return path.join(this.byGrantDir, grantId, `${recordId}-${recipient}`);
  }

  private file(recordId: string, recipient: string): string {
    return path.join(this.dir, recordId, `${recipient}.json`);
  }

  private async read(file: string): Promise<KeyShare | undefined> {
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      return normaliseShare(JSON.parse(text) as KeyShare);
    } catch (error) {
      throw new KeyShareError(`${file}: ${(error as Error).message}`);
    }
  }

  async put(share: KeyShare): Promise<void> {
    const normal = normaliseShare(share);
    // The index entry first: a share is never stored under a grant the index does not know. Entries are never
    // removed here (two writes racing could remove the live one): `byGrant` skips those whose share moved on.
    if (normal.grantId !== ZERO)
      await writeAtomic(this.indexEntry(normal.grantId, normal.recordId, normal.recipient), "");
    await writeAtomic(this.file(normal.recordId, normal.recipient), `${JSON.stringify(normal, null, 2)}\n`);
  }

  async get(recordId: bigint | string, recipient: string): Promise<KeyShare | undefined> {
    return this.read(this.file(normaliseRecordId(recordId), normaliseAddress(recipient)));
  }

  private async list(recordId: string): Promise<KeyShare[]> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.dir, recordId));
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const shares: KeyShare[] = [];
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const share = await this.read(path.join(this.dir, recordId, name));
      if (share) shares.push(share);
    }
    return shares.sort(compareShares);
  }

  async byRecord(recordId: bigint | string): Promise<KeyShare[]> {
    return this.list(normaliseRecordId(recordId));
  }

  /**
   * The shares made under a grant, from the index (one folder read, one file per share); the owners' shares
   * (`ZeroHash`) by scanning every record, for local use.
   */
  async byGrant(grantId: string): Promise<KeyShare[]> {
    const id = normaliseGrantId(grantId);
    if (id === ZERO) return this.owners();
    let entries: string[];
    try {
      entries = await fs.readdir(path.join(this.byGrantDir, id));
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const shares: KeyShare[] = [];
    for (const entry of entries) {
      const match = /^([0-9]+)-(0x[0-9a-fA-F]{40})$/.exec(entry);
      if (!match) continue;
      const share = await this.read(this.file(match[1], match[2]));
      if (share && share.grantId === id) shares.push(share);
    }
    return shares.sort(compareShares);
  }

  private async owners(): Promise<KeyShare[]> {
    let records: string[];
    try {
      records = await fs.readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const shares: KeyShare[] = [];
    for (const record of records.filter((r) => /^[0-9]+$/.test(r))) {
      for (const share of await this.list(record)) if (share.grantId === ZERO) shares.push(share);
    }
    return shares.sort(compareShares);
  }
}
