import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { ISTDistribution__factory } from "../../typechain-types";
import { DAY } from "../../scripts/lib/parameters";
import { deploySuiteFixture } from "../helpers/fixtures";

const IST = (n: bigint | number) => BigInt(n) * 10n ** 18n;
/** IISTDistribution.CategoryKind. */
const VESTING = 0;
const POOL = 1;

describe("ISTDistribution", function () {
  describe("genesis", function () {
    it("mints the whole supply once: the claim's total to the token, the rest to the distribution", async function () {
      const { token, distribution, resolved } = await loadFixture(deploySuiteFixture);
      const claimTotal = BigInt(resolved.claim!.proofs.total);
      expect(await token.totalSupply()).to.equal(IST(1_000_000_000));
      expect(await token.balanceOf(await distribution.getAddress())).to.equal(IST(1_000_000_000) - claimTotal);
      expect(await token.balanceOf(await token.getAddress())).to.equal(claimTotal);
      expect(await token.unclaimed()).to.equal(claimTotal);
    });

    it("records every category of the parameter file with what is still unallocated", async function () {
      const { distribution, resolved } = await loadFixture(deploySuiteFixture);
      expect(await distribution.categoryCount()).to.equal(7n);
      const investors = await distribution.getCategory(0);
      expect(hre.ethers.decodeBytes32String(investors.label)).to.equal("investors");
      expect(investors.amount).to.equal(IST(200_000_000));
      expect(investors.unallocated).to.equal(0n);
      expect(investors.cliff).to.equal(180 * DAY);
      expect(investors.duration).to.equal(730 * DAY);
      const airdropIndex = resolved.genesis.categories.findIndex((c) => c.claimAmount > 0n);
      const airdrop = await distribution.getCategory(airdropIndex);
      expect(airdrop.unallocated).to.equal(IST(50_000_000) - resolved.genesis.categories[airdropIndex].claimAmount);
      await expect(distribution.getCategory(7))
        .to.be.revertedWithCustomError(distribution, "DistributionUnknownCategory")
        .withArgs(7);
    });

    it("exposes the token, the listing time and the reserve category", async function () {
      const { distribution, token, resolved } = await loadFixture(deploySuiteFixture);
      expect(await distribution.token()).to.equal(await token.getAddress());
      expect(await distribution.listingTime()).to.equal(resolved.genesis.listingTime);
      expect(await distribution.reserveCategory()).to.equal(resolved.genesis.reserveCategory);
    });

    it("creates the file's grants, all starting at the listing", async function () {
      const { distribution, investorA, resolved } = await loadFixture(deploySuiteFixture);
      expect(await distribution.grantCount()).to.equal(BigInt(resolved.genesis.grants.length));
      const grant = await distribution.getGrant(0);
      expect(grant.beneficiary).to.equal(investorA.address);
      expect(grant.total).to.equal(IST(120_000_000));
      expect(grant.start).to.equal(resolved.genesis.listingTime);
      expect(grant.revocable).to.equal(false);
    });

    describe("refusals", function () {
      const label = hre.ethers.encodeBytes32String;
      const vest = (amount: bigint, cliff = 0, duration = 100) => ({
        label: label("v"),
        kind: VESTING,
        amount,
        cliff,
        duration,
        claimAmount: 0n,
      });
      const pool = (amount: bigint, claimAmount = 0n) => ({
        label: label("p"),
        kind: POOL,
        amount,
        cliff: 0,
        duration: 0,
        claimAmount,
      });
      type Genesis = Parameters<ISTDistribution__factory["deploy"]>[1];
      const genesis = (overrides: Partial<Genesis>): Genesis => ({
        supply: IST(10),
        listingTime: 0,
        reserveCategory: 0,
        categories: [vest(IST(10))],
        grants: [],
        claimRoot: hre.ethers.ZeroHash,
        claimDeadline: 0,
        claimTreasury: hre.ethers.ZeroAddress,
        ...overrides,
      });
      async function refusalFixture() {
        const { manager, deployer } = await deploySuiteFixture();
        return { manager, deployer, factory: new ISTDistribution__factory(deployer) };
      }

      it("refuses categories that do not add up to the declared supply, saying both figures", async function () {
        const { manager, factory } = await loadFixture(refusalFixture);
        const categories = [vest(IST(600)), pool(IST(395))];
        await expect(factory.deploy(manager, genesis({ supply: IST(1000), categories })))
          .to.be.revertedWithCustomError(factory, "DistributionSupplyMismatch")
          .withArgs(IST(1000), IST(995));
      });

      it("refuses a schedule impossible for its category's kind with DistributionInvalidSchedule", async function () {
        const { manager, factory } = await loadFixture(refusalFixture);
        const cases: [Genesis["categories"], number, number, number, number][] = [
          [[vest(IST(10), 10, 5)], 0, VESTING, 10, 5],
          [[vest(IST(10), 0, 0)], 0, VESTING, 0, 0],
          [[vest(IST(5)), { ...pool(IST(5)), duration: 3 }], 1, POOL, 0, 3],
          [[vest(IST(5)), { ...pool(IST(5)), cliff: 1 }], 1, POOL, 1, 0],
        ];
        for (const [categories, index, kind, cliff, duration] of cases) {
          await expect(factory.deploy(manager, genesis({ categories })))
            .to.be.revertedWithCustomError(factory, "DistributionInvalidSchedule")
            .withArgs(index, kind, cliff, duration);
        }
      });

      it("refuses a claim share a category may not place with DistributionInvalidClaimShare", async function () {
        const { manager, factory } = await loadFixture(refusalFixture);
        const cases: [Genesis["categories"], number, bigint, bigint][] = [
          [[{ ...vest(IST(10)), claimAmount: 1n }], 0, 1n, 0n],
          [[vest(IST(5)), pool(IST(5), IST(6))], 1, IST(6), IST(5)],
        ];
        for (const [categories, index, claimAmount, maximum] of cases) {
          await expect(factory.deploy(manager, genesis({ categories })))
            .to.be.revertedWithCustomError(factory, "DistributionInvalidClaimShare")
            .withArgs(index, claimAmount, maximum);
        }
      });

      it("refuses a reserve that is not a vesting category or does not exist", async function () {
        const { manager, factory } = await loadFixture(refusalFixture);
        await expect(factory.deploy(manager, genesis({ reserveCategory: 1, categories: [vest(IST(5)), pool(IST(5))] })))
          .to.be.revertedWithCustomError(factory, "DistributionWrongCategoryKind")
          .withArgs(1, 1);
        await expect(factory.deploy(manager, genesis({ reserveCategory: 3 })))
          .to.be.revertedWithCustomError(factory, "DistributionUnknownCategory")
          .withArgs(3);
      });

      it("refuses a genesis grant to the zero address or beyond its category", async function () {
        const { manager, deployer, factory } = await loadFixture(refusalFixture);
        const grant = { beneficiary: hre.ethers.ZeroAddress, category: 0, amount: IST(1), revocable: false };
        await expect(factory.deploy(manager, genesis({ grants: [grant] }))).to.be.revertedWithCustomError(
          factory,
          "DistributionZeroBeneficiary",
        );
        const tooMuch = { ...grant, beneficiary: deployer.address, amount: IST(11) };
        await expect(factory.deploy(manager, genesis({ grants: [tooMuch] })))
          .to.be.revertedWithCustomError(factory, "DistributionCategoryExhausted")
          .withArgs(0, IST(11), IST(10));
      });

      it("refuses a supply too large for the vault's 96-bit amounts", async function () {
        const { manager, factory } = await loadFixture(refusalFixture);
        const huge = 2n ** 96n;
        const categories = [vest(huge / 2n), vest(huge / 2n)];
        await expect(factory.deploy(manager, genesis({ supply: huge, categories })))
          .to.be.revertedWithCustomError(factory, "SafeCastOverflowedUintDowncast")
          .withArgs(96, huge);
      });
    });
  });

  describe("release", function () {
    it("refuses to release before the cliff and says when vesting begins", async function () {
      const { distribution, token, investorA } = await loadFixture(deploySuiteFixture);
      const grant = await distribution.getGrant(0);
      const cliffEnd = grant.start + grant.cliff;
      await expect(distribution.release(0))
        .to.be.revertedWithCustomError(distribution, "DistributionNothingToRelease")
        .withArgs(0, cliffEnd);
      expect(await token.balanceOf(investorA.address)).to.equal(0n);
      expect((await distribution.getGrant(0)).released).to.equal(0n);
      expect(await distribution.releasable(0)).to.equal(0n);
    });

    it("pays at the cliff what accrued since the start, then linearly, then everything", async function () {
      const { distribution, token, investorA } = await loadFixture(deploySuiteFixture);
      const grant = await distribution.getGrant(0);
      const total = grant.total;
      await time.increaseTo(grant.start + grant.cliff);
      const atCliff = (total * grant.cliff) / grant.duration;
      expect(await distribution.vestedAmount(0, grant.start + grant.cliff)).to.equal(atCliff);
      expect(await distribution.vestedAmount(0, grant.start + grant.cliff - 1n)).to.equal(0n);

      await time.setNextBlockTimestamp(grant.start + grant.cliff + 10n * BigInt(DAY));
      const firstVested = (total * (grant.cliff + 10n * BigInt(DAY))) / grant.duration;
      await expect(distribution.release(0))
        .to.emit(distribution, "TokensReleased")
        .withArgs(0, investorA.address, firstVested, firstVested);
      expect(await token.balanceOf(investorA.address)).to.equal(firstVested);

      await time.increaseTo(grant.start + grant.duration + 1n);
      await expect(distribution.release(0))
        .to.emit(distribution, "TokensReleased")
        .withArgs(0, investorA.address, total - firstVested, total);
      expect(await token.balanceOf(investorA.address)).to.equal(total);
      await expect(distribution.release(0))
        .to.be.revertedWithCustomError(distribution, "DistributionNothingToRelease")
        .withArgs(0, 0);
    });

    it("pays the beneficiary whoever submits the release", async function () {
      const { distribution, token, investorA, stranger } = await loadFixture(deploySuiteFixture);
      const grant = await distribution.getGrant(0);
      await time.increaseTo(grant.start + grant.duration);
      await distribution.connect(stranger).release(0);
      expect(await token.balanceOf(investorA.address)).to.equal(grant.total);
      expect(await token.balanceOf(stranger.address)).to.equal(0n);
    });

    it("says vesting resumes in the next second when a grant is between payments", async function () {
      const { distribution, treasurer, stranger, resolved } = await loadFixture(deploySuiteFixture);
      // One wei over three years: nothing accrues until the very end, although the cliff (zero) has passed.
      const reserve = resolved.genesis.reserveCategory;
      const id = await distribution.grantCount();
      await distribution.connect(treasurer).createGrant(stranger.address, reserve, 1, await time.latest(), false);
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      await expect(distribution.release(id))
        .to.be.revertedWithCustomError(distribution, "DistributionNothingToRelease")
        .withArgs(id, at + 1);
    });

    it("refuses an unknown grant", async function () {
      const { distribution } = await loadFixture(deploySuiteFixture);
      const count = await distribution.grantCount();
      await expect(distribution.release(count))
        .to.be.revertedWithCustomError(distribution, "DistributionUnknownGrant")
        .withArgs(count);
      await expect(distribution.getGrant(count)).to.be.revertedWithCustomError(
        distribution,
        "DistributionUnknownGrant",
      );
    });
  });

  describe("grants by governance", function () {
    async function withCapacityFixture() {
      const suite = await deploySuiteFixture();
      // Category 1 ("development") keeps 45,000,000 IST unallocated for later team grants.
      return { ...suite, category: 1 };
    }

    it("lets the treasurer grant from a vesting category's unallocated tokens", async function () {
      const { distribution, treasurer, stranger, category, resolved } = await loadFixture(withCapacityFixture);
      const before = (await distribution.getCategory(category)).unallocated;
      const start = resolved.genesis.listingTime + 30n * BigInt(DAY);
      const id = await distribution.grantCount();
      await expect(distribution.connect(treasurer).createGrant(stranger.address, category, IST(1000), start, true))
        .to.emit(distribution, "GrantCreated")
        .withArgs(id, stranger.address, category, IST(1000), start, 365 * DAY, 1095 * DAY, true);
      expect((await distribution.getCategory(category)).unallocated).to.equal(before - IST(1000));
      const [ids, total] = await distribution.grantsOf(stranger.address, 0, 10);
      expect(ids).to.deep.equal([id]);
      expect(total).to.equal(1n);
    });

    it("refuses bad grants and leaves the category untouched", async function () {
      const { distribution, treasurer, stranger, category, resolved } = await loadFixture(withCapacityFixture);
      const listing = resolved.genesis.listingTime;
      const before = await distribution.getCategory(category);
      const count = await distribution.grantCount();
      const asTreasurer = distribution.connect(treasurer);
      await expect(
        asTreasurer.createGrant(hre.ethers.ZeroAddress, category, IST(1), listing, false),
      ).to.be.revertedWithCustomError(distribution, "DistributionZeroBeneficiary");
      await expect(
        asTreasurer.createGrant(stranger.address, category, 0, listing, false),
      ).to.be.revertedWithCustomError(distribution, "DistributionZeroAmount");
      await expect(asTreasurer.createGrant(stranger.address, category, before.unallocated + 1n, listing, false))
        .to.be.revertedWithCustomError(distribution, "DistributionCategoryExhausted")
        .withArgs(category, before.unallocated + 1n, before.unallocated);
      await expect(asTreasurer.createGrant(stranger.address, category, IST(1), listing - 1n, false))
        .to.be.revertedWithCustomError(distribution, "DistributionStartBeforeListing")
        .withArgs(listing - 1n, listing);
      await expect(asTreasurer.createGrant(stranger.address, category + 3, IST(1), listing, false))
        .to.be.revertedWithCustomError(distribution, "DistributionWrongCategoryKind")
        .withArgs(4, 1);
      await expect(asTreasurer.createGrant(stranger.address, 9, IST(1), listing, false))
        .to.be.revertedWithCustomError(distribution, "DistributionUnknownCategory")
        .withArgs(9);
      await expect(distribution.connect(stranger).createGrant(stranger.address, category, IST(1), listing, false))
        .to.be.revertedWithCustomError(distribution, "AccessManagedUnauthorized")
        .withArgs(stranger.address);
      expect(await distribution.getCategory(category)).to.deep.equal(before);
      expect(await distribution.grantCount()).to.equal(count);
    });

    it("pages a beneficiary's grants and answers an empty page past the end", async function () {
      const { distribution, treasurer, stranger, category, resolved } = await loadFixture(withCapacityFixture);
      const first = await distribution.grantCount();
      for (let i = 0; i < 5; i++) {
        await distribution
          .connect(treasurer)
          .createGrant(stranger.address, category, IST(1), resolved.genesis.listingTime, false);
      }
      const page = async (offset: number, limit: number) => {
        const [ids, total] = await distribution.grantsOf(stranger.address, offset, limit);
        return { ids: ids.map(Number), total: Number(total) };
      };
      const f = Number(first);
      expect(await page(0, 2)).to.deep.equal({ ids: [f, f + 1], total: 5 });
      expect(await page(4, 10)).to.deep.equal({ ids: [f + 4], total: 5 });
      expect(await page(5, 10)).to.deep.equal({ ids: [], total: 5 });
      expect(await page(1000, 10)).to.deep.equal({ ids: [], total: 5 });
      expect(await page(0, 0)).to.deep.equal({ ids: [], total: 5 });
    });
  });

  describe("revocation", function () {
    async function revocableFixture() {
      const suite = await deploySuiteFixture();
      const grantId = suite.resolved.genesis.grants.findIndex((g) => g.revocable);
      return { ...suite, grantId };
    }

    it("stops vesting, keeps the vested part for the beneficiary and returns the rest to the reserve", async function () {
      const { distribution, token, treasurer, teamMember, grantId, resolved } = await loadFixture(revocableFixture);
      const grant = await distribution.getGrant(grantId);
      expect(grant.beneficiary).to.equal(teamMember.address);
      const reserve = resolved.genesis.reserveCategory;
      const reserveBefore = (await distribution.getCategory(reserve)).unallocated;
      const revokeAt = grant.start + grant.cliff + 100n * BigInt(DAY);
      await time.setNextBlockTimestamp(revokeAt);
      const vested = (grant.total * (revokeAt - grant.start)) / grant.duration;
      await expect(distribution.connect(treasurer).revoke(grantId))
        .to.emit(distribution, "GrantRevoked")
        .withArgs(grantId, teamMember.address, vested, grant.total - vested, reserve);
      expect((await distribution.getCategory(reserve)).unallocated).to.equal(reserveBefore + grant.total - vested);

      await time.increaseTo(grant.start + grant.duration * 2n);
      expect(await distribution.releasable(grantId)).to.equal(vested);
      await distribution.release(grantId);
      expect(await token.balanceOf(teamMember.address)).to.equal(vested);
    });

    it("returns everything to the reserve when revoked before the cliff", async function () {
      const { distribution, treasurer, grantId, resolved } = await loadFixture(revocableFixture);
      const grant = await distribution.getGrant(grantId);
      const reserve = resolved.genesis.reserveCategory;
      const before = (await distribution.getCategory(reserve)).unallocated;
      await distribution.connect(treasurer).revoke(grantId);
      expect((await distribution.getCategory(reserve)).unallocated).to.equal(before + grant.total);
      await expect(distribution.release(grantId))
        .to.be.revertedWithCustomError(distribution, "DistributionNothingToRelease")
        .withArgs(grantId, 0);
    });

    it("refuses to revoke an irrevocable grant, a revoked one, an unknown one, or for a stranger", async function () {
      const { distribution, treasurer, stranger, grantId } = await loadFixture(revocableFixture);
      const asTreasurer = distribution.connect(treasurer);
      const irrevocable = await distribution.getGrant(0);
      await expect(asTreasurer.revoke(0))
        .to.be.revertedWithCustomError(distribution, "DistributionGrantNotRevocable")
        .withArgs(0);
      expect(await distribution.getGrant(0)).to.deep.equal(irrevocable);

      await expect(distribution.connect(stranger).revoke(grantId))
        .to.be.revertedWithCustomError(distribution, "AccessManagedUnauthorized")
        .withArgs(stranger.address);
      expect((await distribution.getGrant(grantId)).revoked).to.equal(false);

      await asTreasurer.revoke(grantId);
      const revoked = await distribution.getGrant(grantId);
      await expect(asTreasurer.revoke(grantId))
        .to.be.revertedWithCustomError(distribution, "DistributionGrantAlreadyRevoked")
        .withArgs(grantId);
      expect(await distribution.getGrant(grantId)).to.deep.equal(revoked);

      const count = await distribution.grantCount();
      await expect(asTreasurer.revoke(count))
        .to.be.revertedWithCustomError(distribution, "DistributionUnknownGrant")
        .withArgs(count);
    });
  });

  describe("pools", function () {
    it("lets the treasurer hand pool tokens to a new round and nobody else", async function () {
      const { distribution, token, treasurer, stranger, resolved } = await loadFixture(deploySuiteFixture);
      const category = resolved.genesis.categories.findIndex((c) => c.kind === 1);
      const before = (await distribution.getCategory(category)).unallocated;
      await expect(distribution.connect(treasurer).releasePool(category, stranger.address, IST(5)))
        .to.emit(distribution, "PoolReleased")
        .withArgs(category, stranger.address, IST(5));
      expect(await token.balanceOf(stranger.address)).to.equal(IST(5));
      expect((await distribution.getCategory(category)).unallocated).to.equal(before - IST(5));

      await expect(distribution.connect(stranger).releasePool(category, stranger.address, IST(5)))
        .to.be.revertedWithCustomError(distribution, "AccessManagedUnauthorized")
        .withArgs(stranger.address);
      await expect(
        distribution.connect(treasurer).releasePool(category, hre.ethers.ZeroAddress, IST(5)),
      ).to.be.revertedWithCustomError(distribution, "DistributionZeroBeneficiary");
      await expect(distribution.connect(treasurer).releasePool(0, stranger.address, IST(5)))
        .to.be.revertedWithCustomError(distribution, "DistributionWrongCategoryKind")
        .withArgs(0, 0);
      expect((await distribution.getCategory(category)).unallocated).to.equal(before - IST(5));
      expect(await token.balanceOf(stranger.address)).to.equal(IST(5));
    });
  });
});
