import { expect } from "chai";

import type { Interface } from "ethers";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import {
  ERC1967Proxy__factory,
  MockFeeToken__factory,
  MockReentrantToken__factory,
  RecordRegistry__factory,
  ResearchMarket__factory,
  type ResearchMarket,
} from "../../typechain-types";
import { asPatient } from "../helpers/patients";
import { DAY, IST, openRequestFixture } from "../helpers/market";
import { isolatedCliFolders } from "../helpers/tasks";

/**
 * The research market against the seeded suite, attacker first (issue 19): a researcher that
 * would take back what it owes, contest after its window or never pay; a patient that would contribute twice,
 * without opting in, from records that are not its own, or past the maximum; an agency that never acts. Every
 * refusal names its error and leaves the money where it was.
 */
describe("ResearchMarket: patients paid for de-identified data, and nobody paid twice or robbed of what is owed", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  const setup = () => openRequestFixture(folders.dir);

  /** The setup, with patient A's id by name. */
  async function setupWithId() {
    const s = await setup();
    return { ...s, idA: s.patientId };
  }

  /** The market holds at least what every request may still pay or refund. */
  async function solvent(market: ResearchMarket, token: Awaited<ReturnType<typeof setup>>["token"], requests: number) {
    let owed = 0n;
    for (let id = 1; id <= requests; id++) {
      const [, input, , , , paid, refunded] = await market.getRequest(id);
      owed += input.price * input.maxContributions - paid - refunded;
    }
    expect(await token.balanceOf(await market.getAddress())).to.be.at.least(owed);
  }

  it("escrows the whole budget at opening, from an active researcher only", async function () {
    const { market, token, who, input, participants } = await setup();
    expect(await token.balanceOf(await market.getAddress())).to.equal(IST(30));
    await expect(market.connect(who("hospital")).openRequest(input)).to.be.revertedWithCustomError(
      participants,
      "ParticipantsWrongKind",
    );
    await expect(market.openRequest({ ...input, price: 0 })).to.be.revertedWithCustomError(
      market,
      "MarketInvalidRequest",
    );
    expect(await market.refundable(1)).to.equal(0);
  });

  it("pays a patient once for its contribution, after the contest window, whoever settles", async function () {
    const { market, token, who, asA, patientA, patientId } = await setup();
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("de-identified lab result"), "ipfs://bafy-contribution", [1]]);
    expect(await market.participation(1, patientId)).to.deep.equal([false, true]);
    await expect(market.connect(who("stranger")).settle(1)).to.be.revertedWithCustomError(
      market,
      "MarketDeadlineNotReached",
    );
    await time.increase(7 * DAY + 1);
    const before = await token.balanceOf(patientA.address);
    await market.connect(who("stranger")).settle(1);
    expect(await token.balanceOf(patientA.address)).to.equal(before + IST(10));
    await expect(market.connect(who("stranger")).settle(1)).to.be.revertedWithCustomError(
      market,
      "MarketInvalidStatus",
    );
    // A second contribution by the same patient: refused, nothing moves.
    await expect(asA("contribute", [1, hre.ethers.id("again"), "ipfs://again", [1]])).to.be.revertedWithCustomError(
      market,
      "MarketAlreadyDelivered",
    );
    await solvent(market, token, 1);
  });

  it("refuses contributions without an opt-in, from others' records, of other types, or straight to the market", async function () {
    const { market, asA, who, patientId } = await setup();
    await expect(asA("contribute", [1, hre.ethers.id("x"), "ipfs://x", [1]])).to.be.revertedWithCustomError(
      market,
      "MarketNotOptedIn",
    );
    await asA("optIn", [1]);
    // Record 3 is patient B's; record 2 is patient A's prescription (not a lab result).
    for (const source of [3, 2]) {
      await expect(asA("contribute", [1, hre.ethers.id("x"), "ipfs://x", [source]]))
        .to.be.revertedWithCustomError(market, "MarketSourceNotEligible")
        .withArgs(source);
    }
    await expect(asA("contribute", [1, hre.ethers.id("x"), "ipfs://x", []])).to.be.revertedWithCustomError(
      market,
      "MarketInvalidSourceCount",
    );
    await expect(
      market.connect(who("patientA")).contribute(1, hre.ethers.id("x"), "ipfs://x", [1]),
    ).to.be.revertedWithCustomError(market, "PatientsNotThroughGateway");
    expect(await market.participation(1, patientId)).to.deep.equal([true, false]);
  });

  it("closing refunds only the remainder: what a pending contribution is owed stays until it is decided", async function () {
    const { market, token, who, asA, patientA } = await setup();
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    const researcher = who("researcher");
    const before = await token.balanceOf(researcher.address);
    await market.close(1);
    expect(await token.balanceOf(researcher.address)).to.equal(before + IST(20));
    await expect(market.refund(1)).to.be.revertedWithCustomError(market, "MarketNothingToRefund");
    await time.increase(7 * DAY + 1);
    const patientBefore = await token.balanceOf(patientA.address);
    await market.connect(who("stranger")).settle(1);
    expect(await token.balanceOf(patientA.address)).to.equal(patientBefore + IST(10));
    expect(await token.balanceOf(await market.getAddress())).to.equal(0);
    await expect(asA("optIn", [1])).to.be.revertedWithCustomError(market, "MarketRequestClosed");
  });

  it("a contest must come within the window; the agency decides, and its silence pays the patient", async function () {
    const { market, token, who, asA, patientA, participants } = await setup();
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    await market.logRead(1);
    await market.contest(1, hre.ethers.encodeBytes32String("identifiers-left"), hre.ethers.id("evidence"));
    await expect(market.connect(who("hospital")).arbitrate(1, false)).to.be.revertedWithCustomError(
      participants,
      "ParticipantsWrongKind",
    );
    await time.increase(21 * DAY + 1);
    await expect(market.connect(who("agency")).arbitrate(1, false)).to.be.revertedWithCustomError(
      market,
      "MarketDeadlinePassed",
    );
    const before = await token.balanceOf(patientA.address);
    await market.connect(who("stranger")).settle(1);
    expect(await token.balanceOf(patientA.address)).to.equal(before + IST(10));
  });

  it("a rejected contribution's price goes back to the researcher, once", async function () {
    const { market, token, who, asA } = await setup();
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    await market.logRead(1);
    await market.contest(1, hre.ethers.encodeBytes32String("identifiers-left"), hre.ethers.id("evidence"));
    await market.connect(who("agency")).arbitrate(1, false);
    await market.close(1);
    expect(await market.refundable(1)).to.equal(0);
    expect(await token.balanceOf(await market.getAddress())).to.equal(0);
    await expect(market.connect(who("agency")).arbitrate(1, true)).to.be.revertedWithCustomError(
      market,
      "MarketInvalidStatus",
    );
  });

  it("a contest after its window is refused, and the contribution is paid", async function () {
    const { market, asA, token, patientA, who } = await setup();
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    await time.increase(7 * DAY + 1);
    await expect(market.contest(1, hre.ethers.encodeBytes32String("late"), hre.ethers.id("evidence")))
      .to.be.revertedWithCustomError(market, "MarketDeadlinePassed")
      .withArgs(1, (await market.getContribution(1)).contestBy);
    expect((await market.getContribution(1)).status).to.equal(1);
    const before = await token.balanceOf(patientA.address);
    await market.connect(who("stranger")).settle(1);
    expect(await token.balanceOf(patientA.address)).to.equal(before + IST(10));
  });

  it("refuses every other bad input by its error, and changes nothing", async function () {
    const { market, token, who, input, asA, patientId } = await setup();
    const snapshot = async () => [
      await token.balanceOf(await market.getAddress()),
      await market.getRequest(1).then((r) => r.toString()),
      await market.participation(1, patientId),
      await market.contributionCount(),
    ];
    const before = await snapshot();
    const now = await time.latest();
    for (const [field, over] of [
      ["recordTypes", { recordTypes: 0 }],
      ["period", { from: now, to: now - 1 }],
      ["maxContributions", { maxContributions: 0 }],
      ["deadline", { deadline: now }],
      ["contestWindow", { contestWindow: 0 }],
      ["contestWindow", { contestWindow: 30 * DAY + 1 }],
    ] as const) {
      await expect(market.openRequest({ ...input, ...over }))
        .to.be.revertedWithCustomError(market, "MarketInvalidRequest")
        .withArgs(hre.ethers.encodeBytes32String(field));
    }
    await expect(asA("optIn", [9]))
      .to.be.revertedWithCustomError(market, "MarketUnknownRequest")
      .withArgs(9);
    await expect(market.refund(1)).to.be.revertedWithCustomError(market, "MarketRequestNotClosed").withArgs(1);
    await expect(asA("withdrawOptIn", [1]))
      .to.be.revertedWithCustomError(market, "MarketNotOptedIn")
      .withArgs(1, patientId);
    await expect(market.accept(9)).to.be.revertedWithCustomError(market, "MarketUnknownContribution").withArgs(9);
    // A stranger closing before the deadline; an open request refunds nothing.
    await expect(market.connect(who("stranger")).close(1))
      .to.be.revertedWithCustomError(market, "MarketNotResearcher")
      .withArgs(who("stranger").address);
    expect(await market.refundable(1)).to.equal(0);
    await asA("optIn", [1]);
    const sources = Array.from({ length: 21 }, () => 1);
    await expect(asA("contribute", [1, hre.ethers.id("x"), "ipfs://x", sources]))
      .to.be.revertedWithCustomError(market, "MarketInvalidSourceCount")
      .withArgs(21);
    await asA("withdrawOptIn", [1]);
    expect(await snapshot()).to.deep.equal(before);

    // Another researcher (the manufacturer may buy data too) cannot decide this one's contributions.
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    for (const fn of ["accept", "contest"] as const) {
      const args = fn === "accept" ? [1] : [1, hre.ethers.ZeroHash, hre.ethers.ZeroHash];
      await expect(
        (market.connect(who("manufacturer")) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn](
          ...args,
        ),
      )
        .to.be.revertedWithCustomError(market, "MarketNotResearcher")
        .withArgs(who("manufacturer").address);
    }
    await expect(asA("withdrawOptIn", [1]))
      .to.be.revertedWithCustomError(market, "MarketAlreadyDelivered")
      .withArgs(1, patientId);
    await expect(asA("optIn", [1])).to.be.revertedWithCustomError(market, "MarketAlreadyDelivered");
    await expect(market.connect(who("agency")).arbitrate(1, true))
      .to.be.revertedWithCustomError(market, "MarketInvalidStatus")
      .withArgs(1, 1);
  });

  it("moves every contribution forward only, and closes a request once", async function () {
    const { market, asA, who, idA } = await setupWithId();
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    await market.logRead(1);
    await market.contest(1, hre.ethers.ZeroHash, hre.ethers.ZeroHash);
    await expect(market.contest(1, hre.ethers.ZeroHash, hre.ethers.ZeroHash))
      .to.be.revertedWithCustomError(market, "MarketInvalidStatus")
      .withArgs(1, 2);
    await expect(market.accept(1)).to.be.revertedWithCustomError(market, "MarketInvalidStatus").withArgs(1, 2);
    await expect(market.connect(who("stranger")).settle(9)).to.be.revertedWithCustomError(
      market,
      "MarketUnknownContribution",
    );
    await market.close(1);
    await expect(market.close(1)).to.be.revertedWithCustomError(market, "MarketRequestClosed");
    expect(await market.participation(1, idA)).to.deep.equal([false, true]);
  });

  it("refuses a source whose care took place after the request's period, and ends opt-ins at the deadline", async function () {
    const { market, asA, input, idA } = await setupWithId();
    const now = await time.latest();
    // A request for care before yesterday: record 1 (seeded today) is after its period.
    await market.openRequest({ ...input, from: now - 30 * DAY, to: now - DAY });
    await asA("optIn", [2]);
    await expect(asA("contribute", [2, hre.ethers.id("x"), "ipfs://x", [1]]))
      .to.be.revertedWithCustomError(market, "MarketSourceNotEligible")
      .withArgs(1);
    expect(await market.participation(2, idA)).to.deep.equal([true, false]);
    await time.increase(31 * DAY);
    expect(await market.participation(2, idA)).to.deep.equal([false, false]);
    await expect(asA("optIn", [2])).to.be.revertedWithCustomError(market, "MarketRequestClosed");
  });

  it("takes no more contributions than the maximum", async function () {
    const { market, who, input, participants, deployment } = await setup();
    await market.openRequest({ ...input, maxContributions: 1 });
    const records = RecordRegistry__factory.connect(deployment.RecordRegistry, who("hospital"));
    const patientB = who("patientB");
    const idB = (await participants.patientOf(patientB.address)).patientId;
    await records.register({
      patientId: idB,
      digest: hre.ethers.id("B's lab result"),
      recordType: 3,
      issuedAt: await time.latest(),
      uri: "ipfs://b-lab",
    });
    const labB = await records.recordCount();
    const patientA = who("patientA");
    const idA = (await participants.patientOf(patientA.address)).patientId;
    await asPatient(participants, patientA, idA, market, "optIn", [2]);
    await asPatient(participants, patientA, idA, market, "contribute", [2, hre.ethers.id("a"), "ipfs://a", [1]]);
    await asPatient(participants, patientB, idB, market, "optIn", [2]);
    await expect(
      asPatient(participants, patientB, idB, market, "contribute", [2, hre.ethers.id("b"), "ipfs://b", [labB]]),
    )
      .to.be.revertedWithCustomError(market, "MarketFull")
      .withArgs(2, 1);
    expect((await market.getRequest(2)).delivered).to.equal(1);
  });

  it("refuses a budget token that takes a fee on transfer: the escrow must hold the whole budget", async function () {
    const { who, input, deployment } = await setup();
    const fee = await new MockFeeToken__factory(who("researcher")).deploy();
    const implementation = await new ResearchMarket__factory(who("deployer")).deploy(
      deployment.ParticipantRegistry,
      deployment.RecordRegistry,
      await fee.getAddress(),
    );
    const proxy = await new ERC1967Proxy__factory(who("deployer")).deploy(
      await implementation.getAddress(),
      implementation.interface.encodeFunctionData("initialize", [deployment.MIIPAccessManager]),
    );
    const feeMarket = ResearchMarket__factory.connect(await proxy.getAddress(), who("researcher"));
    await fee.mint(who("researcher").address, IST(1_000));
    await fee.approve(await proxy.getAddress(), IST(1_000));
    await expect(feeMarket.openRequest(input))
      .to.be.revertedWithCustomError(feeMarket, "MarketFeeOnTransfer")
      .withArgs(IST(30), (IST(30) * 99n) / 100n);
    expect(await feeMarket.requestCount()).to.equal(0);
    expect(await fee.balanceOf(who("researcher").address)).to.equal(IST(1_000));
  });

  it("refuses re-entry from the token into every function that moves it", async function () {
    const { who, input, deployment, participants, patientA, patientId } = await setup();
    const re = await new MockReentrantToken__factory(who("researcher")).deploy();
    const implementation = await new ResearchMarket__factory(who("deployer")).deploy(
      deployment.ParticipantRegistry,
      deployment.RecordRegistry,
      await re.getAddress(),
    );
    const proxy = await new ERC1967Proxy__factory(who("deployer")).deploy(
      await implementation.getAddress(),
      implementation.interface.encodeFunctionData("initialize", [deployment.MIIPAccessManager]),
    );
    const market = ResearchMarket__factory.connect(await proxy.getAddress(), who("researcher"));
    await re.mint(who("researcher").address, IST(1_000));
    await re.approve(await proxy.getAddress(), IST(1_000));
    const guard = market.interface.getError("ReentrancyGuardReentrantCall")!.selector;
    /** Arms the token to call `fn` on the market inside its next transfers; checks the guard stopped it. */
    const reenter = async (fn: string, args: unknown[], step: () => Promise<unknown>) => {
      const blocked = await re.blocked();
      await re.arm(await market.getAddress(), (market.interface as Interface).encodeFunctionData(fn, args));
      await step();
      await re.arm(hre.ethers.ZeroAddress, "0x");
      expect(await re.blocked(), fn).to.be.greaterThan(blocked);
      expect((await re.lastError()).slice(0, 10), fn).to.equal(guard);
    };
    await reenter("openRequest", [input], () => market.openRequest(input));
    await reenter("settle", [1], () => market.openRequest(input));
    await asPatient(participants, patientA, patientId, market, "optIn", [1]);
    await asPatient(participants, patientA, patientId, market, "contribute", [1, hre.ethers.id("x"), "ipfs://x", [1]]);
    await reenter("accept", [1], () => market.accept(1));
    await reenter("arbitrate", [1, true], () => market.openRequest(input));
    await reenter("refund", [1], () => market.close(1));
    await reenter("close", [2], () => market.close(2));
    expect(await re.reentries()).to.equal(0);
  });

  it("keeps paying patients of a researcher suspended mid-flow, which opens nothing new", async function () {
    const { market, token, who, input, asA, participants, patientA } = await setup();
    await asA("optIn", [1]);
    await asA("contribute", [1, hre.ethers.id("lab"), "ipfs://lab", [1]]);
    await participants.suspend(6, hre.ethers.id("investigation"));
    await expect(market.openRequest(input)).to.be.revertedWithCustomError(participants, "ParticipantsNotActive");
    await time.increase(7 * DAY + 1);
    const before = await token.balanceOf(patientA.address);
    await market.connect(who("stranger")).settle(1);
    expect(await token.balanceOf(patientA.address)).to.equal(before + IST(10));
    // After the deadline anyone closes; the remainder waits for the researcher (MarketAttacks.test.ts).
    await time.increase(30 * DAY);
    await market.connect(who("stranger")).close(1);
    // The remainder waits in the escrow for the researcher's reinstatement (MarketAttacks.test.ts).
    expect(await token.balanceOf(await market.getAddress())).to.equal(IST(20));
    expect(await market.refundable(1)).to.equal(0);
  });
});
