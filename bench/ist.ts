import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { PERMIT_TYPES, istPermitDomain } from "../config/eip712";
import { buildAirdropTree, type AirdropLeaf } from "../scripts/lib/merkle";
import {
  INSSETToken__factory,
  ISTDistribution__factory,
  MIIPAccessManager__factory,
  ReferenceERC20__factory,
  ReferenceMerkleDistributor__factory,
  ReferenceVestingWallet__factory,
} from "../typechain-types";
import { freshSuite, gasOf, type GasRow } from "./types";

const IST = (n: number) => BigInt(n) * 10n ** 18n;

/** A fresh address that has never held anything, derived from a label so that runs are repeatable. */
function freshAddress(hre: HardhatRuntimeEnvironment, label: string): string {
  return hre.ethers.getAddress(hre.ethers.dataSlice(hre.ethers.id(label), 12));
}

/**
 * The token and distribution operations of issue 2, each measured on the suite as `deploy/` deploys it,
 * next to the OpenZeppelin reference the target is set against, in the same scenario.
 */
export async function benchIST(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { distribution, token } = suite;
  const signers = await hre.ethers.getSigners();
  const [, treasurer, , holder, existing, spender] = signers;
  const rows: GasRow[] = [];

  // Vesting: investor grant 0 (holder) and grant 1 (existing), past their cliff.
  const grant = await distribution.getGrant(0);
  await time.increaseTo(grant.start + grant.cliff + 30n * 86_400n);
  const firstRelease = await gasOf(distribution.release(0));
  await time.increase(7 * 86_400);
  const repeatRelease = await gasOf(distribution.release(0));
  await distribution.release(1);

  const wallet = await new ReferenceVestingWallet__factory(signers[0]).deploy(
    signers[9].address,
    grant.start,
    grant.duration,
  );
  await token.connect(holder).transfer(await wallet.getAddress(), IST(1_000_000));
  const releaseToken = wallet["release(address)"];
  const referenceFirst = await gasOf(releaseToken(await token.getAddress()));
  await time.increase(7 * 86_400);
  const referenceRepeat = await gasOf(releaseToken(await token.getAddress()));
  rows.push({
    key: "vesting.release.first",
    operation: "vesting release, first of a grant",
    gas: firstRelease,
    reference: { name: "OZ VestingWallet", gas: referenceFirst },
  });
  rows.push({
    key: "vesting.release.repeat",
    operation: "vesting release, repeat",
    gas: repeatRelease,
    target: 48_000,
    reference: { name: "OZ VestingWallet", gas: referenceRepeat },
  });

  // Transfers, from a holder to a new holder and to an existing one, against OZ's plain ERC20.
  const reference = await new ReferenceERC20__factory(signers[0]).deploy(holder.address, IST(1_000_000));
  await reference.connect(holder).transfer(existing.address, 1n);
  const newHolder = freshAddress(hre, "bench:new-holder");
  const refNewHolder = freshAddress(hre, "bench:ref-new-holder");
  rows.push({
    key: "ist.transfer.new",
    operation: "IST transfer to a new holder",
    gas: await gasOf(token.connect(holder).transfer(newHolder, IST(10))),
    target: 51_531,
    reference: { name: "OZ ERC20", gas: await gasOf(reference.connect(holder).transfer(refNewHolder, IST(10))) },
  });
  rows.push({
    key: "ist.transfer.existing",
    operation: "IST transfer to an existing holder",
    gas: await gasOf(token.connect(holder).transfer(existing.address, IST(10))),
    target: 34_431,
    reference: { name: "OZ ERC20", gas: await gasOf(reference.connect(holder).transfer(existing.address, IST(10))) },
  });

  // Permit: the holder signs, the spender submits (the holder needs no ETH).
  const deadline = BigInt(await time.latest()) + 3_600n;
  const domain = istPermitDomain((await hre.ethers.provider.getNetwork()).chainId, await token.getAddress());
  const value = IST(100);
  const nonce = await token.nonces(holder.address);
  const signature = hre.ethers.Signature.from(
    await holder.signTypedData(domain, PERMIT_TYPES, {
      owner: holder.address,
      spender: spender.address,
      value,
      nonce,
      deadline,
    }),
  );
  rows.push({
    key: "ist.permit",
    operation: "IST permit (signed by holder, sent by spender)",
    gas: await gasOf(
      token
        .connect(spender)
        .permit(holder.address, spender.address, value, deadline, signature.v, signature.r, signature.s),
    ),
  });
  rows.push({
    key: "ist.approve",
    operation: "IST approve",
    gas: await gasOf(token.connect(existing).approve(spender.address, IST(5))),
  });
  rows.push({
    key: "ist.transferFrom",
    operation: "IST transferFrom (to an existing holder)",
    gas: await gasOf(token.connect(spender).transferFrom(existing.address, holder.address, IST(5))),
  });

  // Genesis claim on a tree of 1,000 leaves, every claimant a new holder, against a plain OpenZeppelin
  // MerkleProof + BitMaps distributor paying the same IST from the same chain state.
  const leaves: AirdropLeaf[] = Array.from({ length: 1000 }, (_, i) => [
    BigInt(i),
    freshAddress(hre, `bench:airdrop:${i}`),
    IST(100 + i),
  ]);
  const tree = buildAirdropTree(leaves);
  const total = leaves.reduce((acc, [, , amount]) => acc + amount, 0n);
  const supply = IST(1_000_000_000);
  const label = hre.ethers.encodeBytes32String;
  // Its own access manager, with an undelayed admin: the suite's admin acts only through the governor's delay.
  const sideManager = await new MIIPAccessManager__factory(signers[0]).deploy(signers[0].address);
  const claimDistribution = await new ISTDistribution__factory(signers[0]).deploy(await sideManager.getAddress(), {
    supply,
    listingTime: await time.latest(),
    reserveCategory: 0,
    categories: [
      { label: label("reserve"), kind: 0, amount: supply - 2n * total, cliff: 0, duration: 86_400, claimAmount: 0 },
      { label: label("airdrop"), kind: 1, amount: 2n * total, cliff: 0, duration: 0, claimAmount: total },
    ],
    grants: [],
    claimRoot: tree.root,
    claimDeadline: BigInt(await time.latest()) + 86_400n,
    claimTreasury: treasurer.address,
  });
  const claimToken = INSSETToken__factory.connect(await claimDistribution.token(), signers[0]);
  const plain = await new ReferenceMerkleDistributor__factory(signers[0]).deploy(
    await claimToken.getAddress(),
    tree.root,
  );
  await claimDistribution.releasePool(1, await plain.getAddress(), total);
  const relayer = signers[12];
  // Each is measured from the same chain state (a snapshot), so both pay the same new holders.
  const claims = async (distributor: typeof claimToken | typeof plain, indexes: number[]) => {
    const snapshot = await hre.network.provider.send("evm_snapshot", []);
    const gas: number[] = [];
    for (const index of indexes) {
      const [i, account, amount] = leaves[index];
      gas.push(await gasOf(distributor.connect(relayer).claim(i, account, amount, tree.getProof(index))));
    }
    await hre.network.provider.send("evm_revert", [snapshot]);
    return gas;
  };
  const [oursFirst, oursNext] = await claims(claimToken, [500, 501]);
  const [plainFirst, plainNext] = await claims(plain, [500, 501]);
  rows.push({
    key: "airdrop.claim",
    operation: `airdrop claim, 1,000-leaf tree (proof of ${tree.getProof(501).length})`,
    gas: oursNext,
    target: 68_000,
    reference: { name: "OZ MerkleProof+BitMaps", gas: plainNext },
    note: "a claim whose bitmap word already holds a claimed bit: all claims but one in 256; submitted by a relayer",
  });
  rows.push({
    key: "airdrop.claim.firstInWord",
    operation: "airdrop claim, first of its 256-leaf bitmap word",
    gas: oursFirst,
    reference: { name: "OZ MerkleProof+BitMaps", gas: plainFirst },
  });
  return rows;
}
