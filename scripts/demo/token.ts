import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { PERMIT_TYPES, istPermitDomain } from "../../config/eip712";
import { DAY, ist } from "../lib/parameters";
import type { Demo } from "./context";
import { date } from "./narrator";

/** The IST token and its distribution: categories, genesis claim, vesting, revocation, permit, sweep. */
export async function tokenChapter({ n, miip, as, who, suite }: Demo): Promise<void> {
  const { resolved } = suite;
  const { distribution, token } = miip.contracts;

  n.section("The distribution, category by category");
  const count = Number(await distribution.categoryCount());
  for (let i = 0; i < count; i++) {
    const c = await distribution.getCategory(i);
    const label = hre.ethers.decodeBytes32String(c.label).padEnd(12);
    const schedule =
      c.kind === 0n
        ? `vesting ${Number(c.duration) / DAY} days, cliff ${Number(c.cliff) / DAY}`
        : `pool, ${ist(resolved.genesis.categories[i].claimAmount)} in the genesis claim`;
    n.say(`  ${label} ${ist(c.amount).padStart(22)}  ${schedule}; unallocated ${ist(c.unallocated)}`);
  }
  n.say(`  ${resolved.genesis.grants.length} grants created at genesis; listing ${date(resolved.genesis.listingTime)}`);

  n.section("The genesis claim (airdrop and demand-survey rewards)");
  const claim = resolved.claim!;
  for (const [label, part] of Object.entries(claim.byCategory))
    n.say(`  ${label}: ${part.count} leaves, ${ist(part.total)}`);
  n.say(`  root ${claim.proofs.root}, claims until ${date(claim.deadline)}`);
  const [account, leaves] = Object.entries(claim.proofs.claims).find(([, l]) => l.length > 1)!;
  n.say(`  ${account} is in both lists; a relayer submits both claims, the holder pays no gas:`);
  const relayer = as("relayer");
  for (const leaf of leaves) {
    await n.step(
      `claim leaf ${leaf.index} (${ist(BigInt(leaf.amount))})`,
      relayer.token.claimAirdrop({ ...leaf, account }),
    );
  }
  n.say(
    `  ${account} now holds ${ist(await miip.token.balanceOf(account))}; the relayer holds ${ist(await miip.token.balanceOf(who("relayer").address))}`,
  );
  await n.refused("the same leaf again", () => relayer.token.claimAirdrop({ ...leaves[0], account }));
  const [other, [otherLeaf]] = Object.entries(claim.proofs.claims).find(([a]) => a !== account)!;
  await n.refused("another leaf with a larger amount", () =>
    relayer.token.claimAirdrop({ ...otherLeaf, account: other, amount: BigInt(otherLeaf.amount) * 2n }),
  );
  await n.refused("the treasury sweeping before the deadline", () =>
    as("treasury").send(() => as("treasury").contracts.token.sweep()),
  );

  n.section("Vesting");
  const grant = await distribution.getGrant(0);
  n.say(`  grant 0: ${ist(grant.total)} to investor ${grant.beneficiary}, cliff ${date(grant.start + grant.cliff)}`);
  await n.refused("release on listing day", () => miip.token.release(0));
  await time.increaseTo(grant.start + grant.cliff + 30n * BigInt(DAY));
  n.say(`  … ${Number(grant.cliff) / DAY + 30} days later (${date(await time.latest())})`);
  n.say(`  releasable now: ${ist(await miip.token.releasable(0))}`);
  await n.step("release grant 0 (first release: creates the holder's balance)", relayer.token.release(0));
  await time.increase(7 * DAY);
  const weekLater = await n.step("release grant 0 a week later", miip.token.release(0));
  n.say(
    `  released ${ist(weekLater.amount)}; investor ${grant.beneficiary} holds ${ist(await miip.token.balanceOf(grant.beneficiary))}`,
  );

  n.section("An advisor leaves: the treasurer revokes the advisor's revocable grant");
  const advisor = who("advisor").address;
  const teamGrant = resolved.genesis.grants.findIndex((g) => g.revocable && g.beneficiary === advisor);
  const reserve = resolved.genesis.reserveCategory;
  const reserveBefore = (await distribution.getCategory(reserve)).unallocated;
  await n.refused("a stranger revoking", () => relayer.send(() => relayer.contracts.distribution.revoke(teamGrant)));
  await n.step(
    `revoke grant ${teamGrant}`,
    as("treasurer").send(() => as("treasurer").contracts.distribution.revoke(teamGrant)),
  );
  const revoked = await distribution.getGrant(teamGrant);
  n.say(
    `  vested and kept by the advisor: ${ist(revoked.total)} (releasable: ${ist(await miip.token.releasable(teamGrant))})`,
  );
  n.say(`  returned to the reserve: ${ist((await distribution.getCategory(reserve)).unallocated - reserveBefore)}`);

  n.section("Permit: a holder approves by signature, the spender pays the gas");
  const investor = who("investorA");
  const spender = who("patientB");
  const value = 10n ** 18n * 1000n;
  const deadline = BigInt(await time.latest()) + 3_600n;
  const signature = hre.ethers.Signature.from(
    await investor.signTypedData(istPermitDomain(miip.chainId, miip.deployment.INSSETToken), PERMIT_TYPES, {
      owner: investor.address,
      spender: spender.address,
      value,
      nonce: await token.nonces(investor.address),
      deadline,
    }),
  );
  const asSpender = as("patientB");
  await n.step(
    "permit 1,000 IST",
    asSpender.send(() =>
      asSpender.contracts.token.permit(
        investor.address,
        spender.address,
        value,
        deadline,
        signature.v,
        signature.r,
        signature.s,
      ),
    ),
  );
  await n.step(
    "transferFrom 1,000 IST",
    asSpender.send(() => asSpender.contracts.token.transferFrom(investor.address, spender.address, value)),
  );

  n.section("After the claim deadline the treasury sweeps what nobody claimed");
  if (BigInt(await time.latest()) <= claim.deadline) await time.increaseTo(claim.deadline + 1n);
  n.say(`  (it is now ${date(await time.latest())}, past the deadline of ${date(claim.deadline)})`);
  const unclaimed = await token.unclaimed();
  await n.refused("a stranger sweeping", () => relayer.send(() => relayer.contracts.token.sweep()));
  await n.step(
    `sweep ${ist(unclaimed)} to the treasury`,
    as("treasury").send(() => as("treasury").contracts.token.sweep()),
  );
  n.say(`  total supply still ${ist(await token.totalSupply())}`);
}
