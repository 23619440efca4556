import type { Core, TxInfo } from "../core.ts";
import { eventNamed } from "../core.ts";
import { type Page, pageOf } from "./paging.ts";

/** One leaf of the genesis claim, as `claim.proofs.json` lists it per account. */
export interface ClaimLeaf {
  index: number | bigint | string;
  account: string;
  amount: string | bigint;
  proof: string[];
}

/** The IST token and its distribution: the genesis claim (airdrop), vesting releases, balances. */
export class TokenApi {
  constructor(private readonly core: Core) {}

  /** Claims an airdrop leaf; anyone may submit it, the tokens go to the leaf's account. */
  async claimAirdrop(leaf: ClaimLeaf): Promise<TxInfo & { amount: bigint }> {
    const info = await this.core.send(() =>
      this.core.contracts.token.claim(leaf.index, leaf.account, leaf.amount, leaf.proof),
    );
    return { ...info, amount: eventNamed(info, "Claimed").amount as bigint };
  }

  /** Whether a leaf was claimed. */
  async isClaimed(index: number | bigint | string): Promise<boolean> {
    return this.core.contracts.token.isClaimed(index);
  }

  /** Releases what a vesting grant has vested; anyone may call, the tokens go to the beneficiary. */
  async release(grantId: bigint | number): Promise<TxInfo & { amount: bigint; releasedTotal: bigint }> {
    const info = await this.core.send(() => this.core.contracts.distribution.release(grantId));
    const released = eventNamed(info, "TokensReleased");
    return { ...info, amount: released.amount as bigint, releasedTotal: released.releasedTotal as bigint };
  }

  /** What a grant could release now. */
  async releasable(grantId: bigint | number): Promise<bigint> {
    return this.core.read(() => this.core.contracts.distribution.releasable(grantId));
  }

  /** A page of a beneficiary's vesting grant ids. */
  async grantsOf(beneficiary: string, page: Page = {}): Promise<{ ids: bigint[]; total: number }> {
    const { offset, limit } = pageOf(page);
    const [ids, total] = await this.core.contracts.distribution.grantsOf(beneficiary, offset, limit);
    return { ids: [...ids], total: Number(total) };
  }

  /** An IST balance. */
  async balanceOf(account: string): Promise<bigint> {
    return this.core.contracts.token.balanceOf(account);
  }

  /** Transfers IST from the signer. */
  async transfer(to: string, amount: bigint): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.token.transfer(to, amount));
  }
}
