import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { PERMIT_TYPES, istPermitDomain } from "../../config/eip712";
import { INSSETToken__factory } from "../../typechain-types";
import { deploySuiteFixture } from "../helpers/fixtures";

const IST = (n: bigint | number) => BigInt(n) * 10n ** 18n;
/** IMerkleClaim.MerkleClaimSetting. */
const MerkleClaimSetting = { Root: 0, Deadline: 1, Treasury: 2 } as const;

describe("INSSETToken", function () {
  async function holderFixture() {
    const suite = await deploySuiteFixture();
    // The reserve grant has no cliff: a week after listing its beneficiary holds IST to spend.
    await time.increase(7 * 86_400);
    const reserveGrant = suite.resolved.genesis.grants.findIndex(
      (g) => g.category === suite.resolved.genesis.reserveCategory,
    );
    await suite.distribution.release(reserveGrant);
    return { ...suite, holder: suite.treasury, spender: suite.stranger };
  }

  describe("supply", function () {
    it("is INSSET (IST) with 18 decimals and the declared supply", async function () {
      const { token } = await loadFixture(deploySuiteFixture);
      expect(await token.name()).to.equal("INSSET");
      expect(await token.symbol()).to.equal("IST");
      expect(await token.decimals()).to.equal(18n);
      expect(await token.totalSupply()).to.equal(IST(1_000_000_000));
    });

    it("has no function that could mint, burn, pause or own", async function () {
      const { token } = await loadFixture(deploySuiteFixture);
      const names: string[] = [];
      token.interface.forEachFunction((fragment) => names.push(fragment.name));
      for (const forbidden of ["mint", "burn", "pause", "owner", "transferOwnership", "authority"]) {
        expect(names).to.not.include(forbidden);
      }
    });
  });

  describe("permit (EIP-2612)", function () {
    async function signPermit(
      fixture: Awaited<ReturnType<typeof holderFixture>>,
      overrides: { value?: bigint; deadline?: bigint; nonce?: bigint; signer?: (typeof fixture)["holder"] } = {},
    ) {
      const { token, holder, spender } = fixture;
      const value = overrides.value ?? IST(100);
      const deadline = overrides.deadline ?? BigInt(await time.latest()) + 3_600n;
      const nonce = overrides.nonce ?? (await token.nonces(holder.address));
      const signer = overrides.signer ?? holder;
      const domain = istPermitDomain((await hre.ethers.provider.getNetwork()).chainId, await token.getAddress());
      const message = { owner: holder.address, spender: spender.address, value, nonce, deadline };
      const sig = hre.ethers.Signature.from(await signer.signTypedData(domain, PERMIT_TYPES, message));
      return { value, deadline, v: sig.v, r: sig.r, s: sig.s };
    }

    it("lets a holder approve by signature, the spender paying the gas", async function () {
      const fixture = await loadFixture(holderFixture);
      const { token, holder, spender } = fixture;
      const p = await signPermit(fixture);
      await expect(token.connect(spender).permit(holder.address, spender.address, p.value, p.deadline, p.v, p.r, p.s))
        .to.emit(token, "Approval")
        .withArgs(holder.address, spender.address, p.value);
      expect(await token.allowance(holder.address, spender.address)).to.equal(p.value);
      expect(await token.nonces(holder.address)).to.equal(1n);
      await token.connect(spender).transferFrom(holder.address, spender.address, p.value);
      expect(await token.balanceOf(spender.address)).to.equal(p.value);
    });

    it("refuses an expired permit, a permit signed by someone else, and a replay", async function () {
      const fixture = await loadFixture(holderFixture);
      const { token, holder, spender, stranger } = fixture;
      const expired = await signPermit(fixture, { deadline: BigInt(await time.latest()) - 1n });
      await expect(
        token.permit(holder.address, spender.address, expired.value, expired.deadline, expired.v, expired.r, expired.s),
      )
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
        .withArgs(expired.deadline);

      const forged = await signPermit(fixture, { signer: stranger });
      await expect(
        token.permit(holder.address, spender.address, forged.value, forged.deadline, forged.v, forged.r, forged.s),
      )
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(stranger.address, holder.address);
      expect(await token.allowance(holder.address, spender.address)).to.equal(0n);
      expect(await token.nonces(holder.address)).to.equal(0n);

      const good = await signPermit(fixture);
      await token.permit(holder.address, spender.address, good.value, good.deadline, good.v, good.r, good.s);
      await token.connect(spender).transferFrom(holder.address, spender.address, IST(1));
      await expect(
        token.permit(holder.address, spender.address, good.value, good.deadline, good.v, good.r, good.s),
      ).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
      expect(await token.allowance(holder.address, spender.address)).to.equal(good.value - IST(1));
      expect(await token.nonces(holder.address)).to.equal(1n);
    });
  });

  describe("genesis claim", function () {
    async function claimFixture() {
      const suite = await deploySuiteFixture();
      const proofs = suite.resolved.claim!.proofs;
      const [account, [first]] = Object.entries(proofs.claims)[0];
      const twice = Object.entries(proofs.claims).find(([, list]) => list.length > 1);
      return { ...suite, proofs, account, first, twice, relayer: suite.signers[18] };
    }

    it("pays a leaf to its own account whoever submits it, once", async function () {
      const { token, account, first, relayer, proofs } = await loadFixture(claimFixture);
      expect(await token.merkleRoot()).to.equal(proofs.root);
      const before = await token.unclaimed();
      await expect(token.connect(relayer).claim(first.index, account, first.amount, first.proof))
        .to.emit(token, "Claimed")
        .withArgs(account, first.index, first.amount)
        .and.to.emit(token, "Transfer")
        .withArgs(await token.getAddress(), account, first.amount);
      expect(await token.balanceOf(account)).to.equal(first.amount);
      expect(await token.balanceOf(relayer.address)).to.equal(0n);
      expect(await token.unclaimed()).to.equal(before - BigInt(first.amount));
      expect(await token.isClaimed(first.index)).to.equal(true);
    });

    it("pays an account listed in both the airdrop and the survey once for each leaf", async function () {
      const { token, twice } = await loadFixture(claimFixture);
      expect(twice, "the localhost CSVs share an account").to.not.equal(undefined);
      const [account, list] = twice!;
      for (const leaf of list) await token.claim(leaf.index, account, leaf.amount, leaf.proof);
      expect(await token.balanceOf(account)).to.equal(list.reduce((acc, l) => acc + BigInt(l.amount), 0n));
    });

    it("refuses to pay a leaf twice and changes nothing", async function () {
      const { token, account, first } = await loadFixture(claimFixture);
      await token.claim(first.index, account, first.amount, first.proof);
      const unclaimed = await token.unclaimed();
      await expect(token.claim(first.index, account, first.amount, first.proof))
        .to.be.revertedWithCustomError(token, "MerkleClaimAlreadyClaimed")
        .withArgs(first.index);
      expect(await token.balanceOf(account)).to.equal(first.amount);
      expect(await token.unclaimed()).to.equal(unclaimed);
    });

    it("refuses a wrong proof, a wrong amount and a wrong account", async function () {
      const { token, account, first, relayer } = await loadFixture(claimFixture);
      const unclaimed = await token.unclaimed();
      const more = BigInt(first.amount) + 1n;
      await expect(token.claim(first.index, account, more, first.proof))
        .to.be.revertedWithCustomError(token, "MerkleClaimInvalidProof")
        .withArgs(first.index, account, more);
      await expect(token.claim(first.index, relayer.address, first.amount, first.proof))
        .to.be.revertedWithCustomError(token, "MerkleClaimInvalidProof")
        .withArgs(first.index, relayer.address, first.amount);
      await expect(token.claim(first.index, account, first.amount, first.proof.slice(1)))
        .to.be.revertedWithCustomError(token, "MerkleClaimInvalidProof")
        .withArgs(first.index, account, first.amount);
      expect(await token.isClaimed(first.index)).to.equal(false);
      expect(await token.unclaimed()).to.equal(unclaimed);
      expect(await token.balanceOf(account)).to.equal(0n);
    });

    it("refuses claims after the deadline", async function () {
      const { token, account, first } = await loadFixture(claimFixture);
      const deadline = await token.claimDeadline();
      await time.increaseTo(deadline + 1n);
      await expect(token.claim(first.index, account, first.amount, first.proof))
        .to.be.revertedWithCustomError(token, "MerkleClaimWindowClosed")
        .withArgs(deadline);
      expect(await token.isClaimed(first.index)).to.equal(false);
    });

    it("accepts a claim in the deadline's own second", async function () {
      const { token, account, first } = await loadFixture(claimFixture);
      await time.setNextBlockTimestamp(await token.claimDeadline());
      await token.claim(first.index, account, first.amount, first.proof);
      expect(await token.isClaimed(first.index)).to.equal(true);
    });

    it("lets only the treasury sweep, and only after the deadline", async function () {
      const { token, treasury, stranger, account, first } = await loadFixture(claimFixture);
      await token.claim(first.index, account, first.amount, first.proof);
      const unclaimed = await token.unclaimed();
      const deadline = await token.claimDeadline();
      expect(await token.claimTreasury()).to.equal(treasury.address);

      await expect(token.connect(treasury).sweep())
        .to.be.revertedWithCustomError(token, "MerkleClaimWindowOpen")
        .withArgs(deadline);
      await time.increaseTo(deadline + 1n);
      await expect(token.connect(stranger).sweep())
        .to.be.revertedWithCustomError(token, "MerkleClaimUnauthorizedSweeper")
        .withArgs(stranger.address, treasury.address);
      expect(await token.unclaimed()).to.equal(unclaimed);

      const treasuryBefore = await token.balanceOf(treasury.address);
      await expect(token.connect(treasury).sweep()).to.emit(token, "Swept").withArgs(treasury.address, unclaimed);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore + unclaimed);
      expect(await token.unclaimed()).to.equal(0n);
      expect(await token.totalSupply()).to.equal(IST(1_000_000_000));
    });

    describe("configuration", function () {
      async function factoryFixture() {
        const { deployer } = await deploySuiteFixture();
        return { deployer, factory: new INSSETToken__factory(deployer) };
      }
      /** The next block's time, pinned: after a snapshot is restored, the node's clock runs on with the wall clock. */
      async function nextBlockTime() {
        const next = (await time.latest()) + 1;
        await time.setNextBlockTimestamp(next);
        return BigInt(next);
      }
      const root = hre.ethers.id("root");

      it("refuses a claim whose deadline is past or whose treasury is zero", async function () {
        const { deployer, factory } = await loadFixture(factoryFixture);
        const now = await nextBlockTime();
        await expect(factory.deploy(deployer.address, IST(10), root, IST(1), now, deployer.address))
          .to.be.revertedWithCustomError(factory, "MerkleClaimInvalidConfiguration")
          .withArgs(MerkleClaimSetting.Deadline);
        await expect(factory.deploy(deployer.address, IST(10), root, IST(1), now + 100n, hre.ethers.ZeroAddress))
          .to.be.revertedWithCustomError(factory, "MerkleClaimInvalidConfiguration")
          .withArgs(MerkleClaimSetting.Treasury);
      });

      it("refuses tokens set aside for a claim without a root, or more than the supply", async function () {
        const { deployer, factory } = await loadFixture(factoryFixture);
        const now = await nextBlockTime();
        await expect(factory.deploy(deployer.address, IST(10), hre.ethers.ZeroHash, IST(1), 0, hre.ethers.ZeroAddress))
          .to.be.revertedWithCustomError(factory, "MerkleClaimInvalidConfiguration")
          .withArgs(MerkleClaimSetting.Root);
        await expect(factory.deploy(deployer.address, IST(10), root, IST(11), now + 100n, deployer.address))
          .to.be.revertedWithCustomError(factory, "ISTClaimExceedsSupply")
          .withArgs(IST(11), IST(10));
      });

      it("works without a claim: everything to the genesis holder, nothing to claim", async function () {
        const { deployer, factory } = await loadFixture(factoryFixture);
        const token = await factory.deploy(
          deployer.address,
          IST(10),
          hre.ethers.ZeroHash,
          0,
          0,
          hre.ethers.ZeroAddress,
        );
        expect(await token.balanceOf(deployer.address)).to.equal(IST(10));
        expect(await token.unclaimed()).to.equal(0n);
        await expect(token.claim(0, deployer.address, 1, [])).to.be.revertedWithCustomError(
          token,
          "MerkleClaimWindowClosed",
        );
      });
    });
  });
});
