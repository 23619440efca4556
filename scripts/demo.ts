/**
 * The main job: deploys the suite on the in-process Hardhat chain exactly as `deploy/` deploys it, then walks
 * through what exists so far and prints what happens, with the gas of each step.
 *
 *   npm run demo
 */
import path from "node:path";

import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, ContractTransactionResponse } from "ethers";

import { DAY, ist, loadParameters } from "./lib/parameters";
import { deploySuite } from "./lib/deploy";

const steps: { step: string; gas: number }[] = [];

function say(text = ""): void {
  console.log(text);
}

async function step(label: string, tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  const gas = Number(receipt?.gasUsed ?? 0n);
  steps.push({ step: label, gas });
  say(`  ✓ ${label}  (${gas.toLocaleString("en-US")} gas)`);
  return gas;
}

/** Runs a call that must be refused and prints the custom error it is refused with. */
async function refused(label: string, contract: BaseContract, tx: () => Promise<unknown>): Promise<void> {
  try {
    await tx();
  } catch (error) {
    const data = (error as { data?: string }).data;
    const parsed = data ? contract.interface.parseError(data) : null;
    const detail = parsed ? `${parsed.name}(${parsed.args.map((a: unknown) => String(a)).join(", ")})` : String(error);
    say(`  ✗ ${label}: refused with ${detail}`);
    return;
  }
  throw new Error(`${label} was not refused`);
}

const date = (seconds: bigint | number) => new Date(Number(seconds) * 1000).toISOString().slice(0, 10);

async function main(): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error("the demo runs on the in-process hardhat network");
  const parameters = path.join(__dirname, "..", "deploy", "parameters", "localhost.json");
  const signers = await hre.ethers.getSigners();
  const [deployer, treasurer, treasury, investor, , , , , advisor] = signers;
  const relayer = signers[18];

  say("MIIP — the INSSET (IST) token and its three-year distribution");
  say("=============================================================");
  say(`\n1. Deploying from ${path.relative(process.cwd(), parameters)} through the Ignition modules in deploy/`);
  const suite = await deploySuite(hre, loadParameters(parameters), { baseDir: path.dirname(parameters) });
  const { manager, distribution, token, resolved } = suite;
  say(`  access manager  ${await manager.getAddress()}  (admin: deployer ${deployer.address})`);
  say(`  distribution    ${await distribution.getAddress()}  (treasurer: ${treasurer.address})`);
  say(`  IST token       ${await token.getAddress()}`);
  say(`  total supply    ${ist(await token.totalSupply())}, minted once; the token has no mint function`);

  say("\n2. The distribution, category by category");
  const count = Number(await distribution.categoryCount());
  for (let i = 0; i < count; i++) {
    const c = await distribution.getCategory(i);
    const label = hre.ethers.decodeBytes32String(c.label).padEnd(12);
    const schedule =
      c.kind === 0n
        ? `vesting ${Number(c.duration) / DAY} days, cliff ${Number(c.cliff) / DAY}`
        : `pool, ${ist(resolved.genesis.categories[i].claimAmount)} in the genesis claim`;
    say(`  ${label} ${ist(c.amount).padStart(22)}  ${schedule}; unallocated ${ist(c.unallocated)}`);
  }
  say(`  ${resolved.genesis.grants.length} grants created at genesis; listing ${date(resolved.genesis.listingTime)}`);

  say("\n3. The genesis claim (airdrop and demand-survey rewards)");
  const claim = resolved.claim!;
  for (const [label, part] of Object.entries(claim.byCategory)) {
    say(`  ${label}: ${part.count} leaves, ${ist(part.total)}`);
  }
  say(`  root ${claim.proofs.root}, claims until ${date(claim.deadline)}`);
  const [account, leaves] = Object.entries(claim.proofs.claims).find(([, l]) => l.length > 1)!;
  say(`  ${account} is in both lists; a relayer submits both claims, the holder pays no gas:`);
  for (const leaf of leaves) {
    await step(
      `claim leaf ${leaf.index} (${ist(BigInt(leaf.amount))})`,
      token.connect(relayer).claim(leaf.index, account, leaf.amount, leaf.proof),
    );
  }
  say(
    `  ${account} now holds ${ist(await token.balanceOf(account))}; the relayer holds ${ist(await token.balanceOf(relayer.address))}`,
  );
  const again = leaves[0];
  await refused("the same leaf again", token, () => token.claim(again.index, account, again.amount, again.proof));
  const [other, [otherLeaf]] = Object.entries(claim.proofs.claims).find(([a]) => a !== account)!;
  await refused("another leaf with a larger amount", token, () =>
    token.claim(otherLeaf.index, other, BigInt(otherLeaf.amount) * 2n, otherLeaf.proof),
  );
  await refused("the treasury sweeping before the deadline", token, () => token.connect(treasury).sweep());

  say("\n4. Vesting");
  const grant = await distribution.getGrant(0);
  say(`  grant 0: ${ist(grant.total)} to investor ${grant.beneficiary}, cliff ${date(grant.start + grant.cliff)}`);
  await refused("release on listing day", distribution, () => distribution.release(0));
  await time.increaseTo(grant.start + grant.cliff + 30n * BigInt(DAY));
  say(`  … ${Number(grant.cliff) / DAY + 30} days later (${date(await time.latest())})`);
  say(`  releasable now: ${ist(await distribution.releasable(0))}`);
  await step("release grant 0 (first release: creates the holder's balance)", distribution.connect(relayer).release(0));
  await time.increase(7 * DAY);
  await step("release grant 0 a week later", distribution.release(0));
  say(`  investor ${investor.address} holds ${ist(await token.balanceOf(investor.address))}`);

  say("\n5. An advisor leaves: the treasurer revokes the advisor's revocable grant");
  const teamGrant = resolved.genesis.grants.findIndex((g) => g.revocable && g.beneficiary === advisor.address);
  const reserve = resolved.genesis.reserveCategory;
  const reserveBefore = (await distribution.getCategory(reserve)).unallocated;
  await refused("a stranger revoking", distribution, () => distribution.connect(relayer).revoke(teamGrant));
  await step(`revoke grant ${teamGrant}`, distribution.connect(treasurer).revoke(teamGrant));
  const revoked = await distribution.getGrant(teamGrant);
  say(
    `  vested and kept by the advisor: ${ist(revoked.total)} (releasable: ${ist(await distribution.releasable(teamGrant))})`,
  );
  say(`  returned to the reserve: ${ist((await distribution.getCategory(reserve)).unallocated - reserveBefore)}`);

  say("\n6. Permit: a holder approves by signature, the spender pays the gas");
  const spender = signers[17];
  const value = 10n ** 18n * 1000n;
  const deadline = BigInt(await time.latest()) + 3_600n;
  const signature = hre.ethers.Signature.from(
    await investor.signTypedData(
      {
        name: "INSSET",
        version: "1",
        chainId: (await hre.ethers.provider.getNetwork()).chainId,
        verifyingContract: await token.getAddress(),
      },
      {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      {
        owner: investor.address,
        spender: spender.address,
        value,
        nonce: await token.nonces(investor.address),
        deadline,
      },
    ),
  );
  await step(
    "permit 1,000 IST",
    token
      .connect(spender)
      .permit(investor.address, spender.address, value, deadline, signature.v, signature.r, signature.s),
  );
  await step("transferFrom 1,000 IST", token.connect(spender).transferFrom(investor.address, spender.address, value));

  say("\n7. After the claim deadline the treasury sweeps what nobody claimed");
  if (BigInt(await time.latest()) <= claim.deadline) await time.increaseTo(claim.deadline + 1n);
  say(`  (it is now ${date(await time.latest())}, past the deadline of ${date(claim.deadline)})`);
  const unclaimed = await token.unclaimed();
  await refused("a stranger sweeping", token, () => token.connect(relayer).sweep());
  await step(`sweep ${ist(unclaimed)} to the treasury`, token.connect(treasury).sweep());

  say("\n8. Summary");
  say(`  total supply still ${ist(await token.totalSupply())}`);
  say(`  held by the distribution ${ist(await token.balanceOf(await distribution.getAddress()))}`);
  const width = Math.max(...steps.map((s) => s.step.length));
  say(`\n  ${"step".padEnd(width)}  gas`);
  for (const s of steps) say(`  ${s.step.padEnd(width)}  ${s.gas.toLocaleString("en-US").padStart(7)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
