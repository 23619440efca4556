import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";

import { companyPrefixOf, gs1CheckDigit, gtin14, gtinWithCheckDigit, languageCode } from "../../packages/sdk/src/gs1";
import { KINDS } from "../../config/roles";
import { licence, onboard, onboardedFixture } from "../helpers/fixtures";
import { governorCall } from "../helpers/governance";

const code = (text: string) => hre.ethers.encodeBytes32String(text);
const Field = { Name: 0, Strength: 1, Form: 2, MarketingAuthorisationHolder: 3 };
const Status = { None: 0, Active: 1, Suspended: 2, Retired: 3, Pending: 4, Cancelled: 5 };
const DATA = {
  name: "Amoxil",
  strength: "500 mg",
  form: "capsule",
  marketingAuthorisationHolder: "Hanmi Pharm. Co., Ltd.",
};
/** Company prefix 0614141 (7 digits) and a product under it. */
const PREFIX = 614141n;
const GTIN = gtinWithCheckDigit("0061414100001");
const EN = languageCode("en");
const KO = languageCode("ko");

describe("ProductRegistry", function () {
  /** A manufacturer holding prefix 0614141 (effective), a rival manufacturer, the GTIN not yet registered. */
  async function productsFixture() {
    const suite = await onboardedFixture();
    const { participants, registrar, products, manufacturer, signers } = suite;
    const rival = signers[21];
    const [manufacturerId, rivalId] = await onboard(
      participants,
      registrar,
      { account: manufacturer, kind: "manufacturer", name: "Hanmi Pharma" },
      { account: rival, kind: "manufacturer", name: "Rival Generics" },
    );
    await products.connect(registrar).assignPrefix(PREFIX, 7, manufacturerId);
    await time.increase(await participants.onboardingDelay());
    return { ...suite, rival, ids: { ...suite.ids, manufacturer: manufacturerId, rival: rivalId } };
  }

  async function registeredFixture() {
    const suite = await productsFixture();
    await suite.products.connect(suite.manufacturer).registerProduct(GTIN, 7, DATA);
    return suite;
  }

  describe("GS1 identifiers (sdk/gs1)", function () {
    it("computes check digits as GS1 does and reads a company prefix inside a GTIN", function () {
      expect(gs1CheckDigit("400638133393")).to.equal(1); // EAN-13 4006381333931
      expect(gtin14("4006381333931")).to.equal(4006381333931n);
      expect(() => gtin14("4006381333932")).to.throw(/check digit/);
      expect(gtinWithCheckDigit("0061414100001")).to.equal(614141000012n);
      expect(companyPrefixOf(614141000012n, 7)).to.equal(614141n);
      expect(languageCode("ko")).to.equal("0x6b6f");
      expect(() => languageCode("KO")).to.throw(/ISO 639-1/);
    });
  });

  describe("company prefixes: the registrar licenses, the guardian cancels, governance revokes", function () {
    it("licenses a prefix to a manufacturer, effective after the onboarding delay", async function () {
      const { products, participants, registrar, ids } = await loadFixture(productsFixture);
      const delay = await participants.onboardingDelay();
      const tx = await products.connect(registrar).assignPrefix(880646n, 6, ids.rival);
      const assignedAt = BigInt((await tx.getBlock())!.timestamp); // the block's own time, not a guess before it
      await expect(tx)
        .to.emit(products, "PrefixAssigned")
        .withArgs(880646n, 6, ids.rival, assignedAt + delay);
      const p = await products.prefixOf(880646n, 6);
      expect([p.manufacturerId, p.revoked]).to.deep.equal([ids.rival, false]);
      // Leading zeros count: "0880646" is another prefix than "880646".
      expect((await products.prefixOf(880646n, 7)).manufacturerId).to.equal(0n);
    });

    it("refuses a stranger, a prefix outside GS1's lengths, a non-manufacturer, a prefix taken or nested", async function () {
      const { products, participants, registrar, stranger, ids } = await loadFixture(productsFixture);
      await expect(products.connect(stranger).assignPrefix(880646n, 6, ids.rival)).to.be.revertedWithCustomError(
        products,
        "AccessManagedUnauthorized",
      );
      for (const [prefix, digits] of [
        [12345n, 5],
        [1n, 13],
        [10_000_000n, 7],
      ] as const) {
        await expect(products.connect(registrar).assignPrefix(prefix, digits, ids.rival))
          .to.be.revertedWithCustomError(products, "ProductsInvalidPrefix")
          .withArgs(prefix, digits);
      }
      // All zeros, and restricted-circulation numbers (2, 02, 04: in-store use), belong to no company.
      for (const [prefix, digits] of [
        [0n, 6],
        [2000000n, 7],
        [200000n, 7], // "0200000"
        [400000n, 7], // "0400000"
      ] as const) {
        await expect(products.connect(registrar).assignPrefix(prefix, digits, ids.rival))
          .to.be.revertedWithCustomError(products, "ProductsInvalidPrefix")
          .withArgs(prefix, digits);
      }
      await expect(products.connect(registrar).assignPrefix(880646n, 6, ids.hospital))
        .to.be.revertedWithCustomError(products, "ProductsNotManufacturer")
        .withArgs(ids.hospital);
      await expect(products.connect(registrar).assignPrefix(880646n, 6, 999))
        .to.be.revertedWithCustomError(participants, "ParticipantsUnknownInstitution")
        .withArgs(999);
      await expect(products.connect(registrar).assignPrefix(PREFIX, 7, ids.rival))
        .to.be.revertedWithCustomError(products, "ProductsPrefixTaken")
        .withArgs(PREFIX, 7, ids.manufacturer);
      // A longer prefix inside the manufacturer's (its GTINs would fall under both), or a shorter one around it.
      await expect(products.connect(registrar).assignPrefix(6141410n, 8, ids.rival))
        .to.be.revertedWithCustomError(products, "ProductsPrefixOverlaps")
        .withArgs(6141410n, 8);
      await expect(products.connect(registrar).assignPrefix(61414n, 6, ids.rival))
        .to.be.revertedWithCustomError(products, "ProductsPrefixOverlaps")
        .withArgs(61414n, 6);
      for (const [prefix, digits] of [
        [880646n, 6],
        [6141410n, 8],
        [61414n, 6],
      ] as const) {
        expect((await products.prefixOf(prefix, digits)).manufacturerId).to.equal(0n);
      }
    });

    it("lets the guardian role cancel a pending licence, freeing the prefix and what it nested in", async function () {
      const { products, registrar, deployer, stranger, ids } = await loadFixture(productsFixture);
      await products.connect(registrar).assignPrefix(12345678n, 8, ids.rival);
      await expect(products.connect(registrar).assignPrefix(123456n, 6, ids.rival)).to.be.revertedWithCustomError(
        products,
        "ProductsPrefixOverlaps",
      );
      await expect(
        products.connect(stranger).cancelPrefix(12345678n, 8, code("mistaken")),
      ).to.be.revertedWithCustomError(products, "AccessManagedUnauthorized");
      await expect(products.connect(deployer).cancelPrefix(12345678n, 8, code("mistaken")))
        .to.emit(products, "PrefixCancelled")
        .withArgs(12345678n, 8, ids.rival, code("mistaken"));
      expect((await products.prefixOf(12345678n, 8)).manufacturerId).to.equal(0n);
      await expect(products.connect(deployer).cancelPrefix(12345678n, 8, code("again")))
        .to.be.revertedWithCustomError(products, "ProductsUnknownPrefix")
        .withArgs(12345678n, 8);
      // Nothing nests in 123456 any more.
      await expect(products.connect(registrar).assignPrefix(123456n, 6, ids.rival)).to.emit(products, "PrefixAssigned");
      // An effective licence is not cancelled: governance revokes it.
      const { effectiveAt } = await products.prefixOf(PREFIX, 7);
      await expect(products.connect(deployer).cancelPrefix(PREFIX, 7, code("late")))
        .to.be.revertedWithCustomError(products, "ProductsPrefixNotPending")
        .withArgs(PREFIX, 7, effectiveAt);
      expect((await products.prefixOf(PREFIX, 7)).manufacturerId).to.equal(ids.manufacturer);
    });

    it("lets governance revoke an effective licence after its delay: no new product, the registered ones stay", async function () {
      const { products, manager, registrar, deployer, manufacturer, ids } = await loadFixture(registeredFixture);
      // Each attempt with its own reason: a refused operation stays scheduled, and the same one cannot be again.
      let attempt = 0;
      const revoke = (prefix: bigint, digits: number) =>
        governorCall(
          manager,
          deployer,
          products,
          products.interface.encodeFunctionData("revokePrefix", [prefix, digits, code(`lapsed ${++attempt}`)]),
        );
      await expect(revoke(880646n, 6))
        .to.be.revertedWithCustomError(products, "ProductsUnknownPrefix")
        .withArgs(880646n, 6);
      await products.connect(registrar).assignPrefix(880646n, 6, ids.rival);
      const pending = await products.prefixOf(880646n, 6);
      // The governor's delay is shorter than the onboarding delay here: the licence is still pending.
      await expect(revoke(880646n, 6))
        .to.be.revertedWithCustomError(products, "ProductsPrefixNotEffective")
        .withArgs(880646n, 6, pending.effectiveAt);
      await expect(revoke(PREFIX, 7))
        .to.emit(products, "PrefixRevoked")
        .withArgs(PREFIX, 7, ids.manufacturer, code("lapsed 3"), false);
      const p = await products.prefixOf(PREFIX, 7);
      expect([p.manufacturerId, p.revoked, p.products]).to.deep.equal([ids.manufacturer, true, 1n]);
      await expect(revoke(PREFIX, 7))
        .to.be.revertedWithCustomError(products, "ProductsPrefixNotEffective")
        .withArgs(PREFIX, 7, p.effectiveAt);
      // The prefix stays recorded: it cannot be licensed to anyone else.
      await expect(products.connect(registrar).assignPrefix(PREFIX, 7, ids.rival))
        .to.be.revertedWithCustomError(products, "ProductsPrefixTaken")
        .withArgs(PREFIX, 7, ids.manufacturer);
      const next = gtinWithCheckDigit("0061414100002");
      await expect(products.connect(manufacturer).registerProduct(next, 7, DATA))
        .to.be.revertedWithCustomError(products, "ProductsPrefixNotEffective")
        .withArgs(PREFIX, 7, p.effectiveAt);
      expect(await products.ownerOf(GTIN)).to.equal(ids.manufacturer);
      expect(await products.ownerOf(next)).to.equal(0n);
    });
  });

  describe("a licence nobody can use is not lost (outside audit, F1)", function () {
    it("refuses a licence to a retired or cancelled manufacturer", async function () {
      const { products, participants, manager, registrar, deployer, signers, ids } = await loadFixture(productsFixture);
      const sham = signers[24];
      await participants.connect(registrar).register(sham.address, KINDS.manufacturer, licence("sham"), "Sham", "");
      const shamId = (await participants.memberOf(sham.address)).id;
      await participants.connect(deployer).cancelOnboarding(shamId, code("sham"));
      await expect(products.connect(registrar).assignPrefix(880646n, 6, shamId))
        .to.be.revertedWithCustomError(products, "ProductsManufacturerClosed")
        .withArgs(shamId, Status.Cancelled);
      await governorCall(
        manager,
        deployer,
        participants,
        participants.interface.encodeFunctionData("retire", [ids.rival, code("merged")]),
      );
      await expect(products.connect(registrar).assignPrefix(880646n, 6, ids.rival))
        .to.be.revertedWithCustomError(products, "ProductsManufacturerClosed")
        .withArgs(ids.rival, Status.Retired);
      expect((await products.prefixOf(880646n, 6)).manufacturerId).to.equal(0n);
    });

    it("frees, on revocation, a licence no product was registered under, so that its rightful holder gets it", async function () {
      const { products, participants, manager, registrar, deployer, signers, ids } = await loadFixture(productsFixture);
      // The registrar's key licenses someone else's prefix to a sham manufacturer still pending; the guardian
      // cancels the onboarding but misses the licence, which takes effect.
      const sham = signers[24];
      await participants.connect(registrar).register(sham.address, KINDS.manufacturer, licence("sham"), "Sham", "");
      const shamId = (await participants.memberOf(sham.address)).id;
      await products.connect(registrar).assignPrefix(88064612n, 8, shamId);
      await participants.connect(deployer).cancelOnboarding(shamId, code("sham"));
      await time.increase(await participants.onboardingDelay());
      await expect(products.connect(registrar).assignPrefix(880646n, 6, ids.rival)).to.be.revertedWithCustomError(
        products,
        "ProductsPrefixOverlaps",
      );
      await expect(
        governorCall(
          manager,
          deployer,
          products,
          products.interface.encodeFunctionData("revokePrefix", [88064612n, 8, code("sham")]),
        ),
      )
        .to.emit(products, "PrefixRevoked")
        .withArgs(88064612n, 8, shamId, code("sham"), true);
      expect(await products.prefixOf(88064612n, 8)).to.deep.equal([0n, 0n, false, 0n]);
      // Free again, and nothing nests in its shorter prefixes any more.
      await expect(products.connect(registrar).assignPrefix(880646n, 6, ids.rival)).to.emit(products, "PrefixAssigned");
    });
  });

  describe("products: registered by the holder of their prefix", function () {
    it("registers a product with its master data, owned by the manufacturer", async function () {
      const { products, manufacturer, ids } = await loadFixture(productsFixture);
      await expect(products.connect(manufacturer).registerProduct(GTIN, 7, DATA))
        .to.emit(products, "ProductRegistered")
        .withArgs(GTIN, ids.manufacturer, DATA.name, DATA.strength, DATA.form, DATA.marketingAuthorisationHolder, true);
      const now = BigInt(await time.latest());
      const p = await products.getProduct(GTIN);
      expect([p.manufacturerId, p.registeredAt, p.updatedAt]).to.deep.equal([ids.manufacturer, now, now]);
      expect([...p.data]).to.deep.equal([DATA.name, DATA.strength, DATA.form, DATA.marketingAuthorisationHolder]);
      expect(await products.ownerOf(GTIN)).to.equal(ids.manufacturer);
      expect((await products.prefixOf(PREFIX, 7)).products).to.equal(1n);
    });

    it("refuses a rival's GTIN, a licence not yet effective, a malformed GTIN, a duplicate and bad master data", async function () {
      const { products, participants, registrar, manufacturer, rival, pharmacy, ids } =
        await loadFixture(productsFixture);
      await expect(products.connect(rival).registerProduct(GTIN, 7, DATA))
        .to.be.revertedWithCustomError(products, "ProductsNotPrefixHolder")
        .withArgs(PREFIX, 7, ids.rival);
      await expect(products.connect(pharmacy).registerProduct(GTIN, 7, DATA)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsWrongKind",
      );
      // The GTIN read with another prefix length names a prefix nobody holds.
      await expect(products.connect(manufacturer).registerProduct(GTIN, 8, DATA))
        .to.be.revertedWithCustomError(products, "ProductsUnknownPrefix")
        .withArgs(6141410n, 8);
      await expect(products.connect(manufacturer).registerProduct(GTIN, 13, DATA))
        .to.be.revertedWithCustomError(products, "ProductsInvalidPrefix")
        .withArgs(0, 13);
      for (const gtin of [GTIN + 1n, 10n ** 14n + GTIN, 0n]) {
        await expect(products.connect(manufacturer).registerProduct(gtin, 7, DATA))
          .to.be.revertedWithCustomError(products, "ProductsInvalidGtin")
          .withArgs(gtin);
      }
      const long = "x".repeat(257);
      for (const [field, data] of [
        [Field.Name, { ...DATA, name: "" }],
        [Field.Name, { ...DATA, name: long }],
        [Field.Strength, { ...DATA, strength: long }],
        [Field.Form, { ...DATA, form: "" }],
        [Field.Form, { ...DATA, form: long }],
        [Field.MarketingAuthorisationHolder, { ...DATA, marketingAuthorisationHolder: long }],
      ] as const) {
        await expect(products.connect(manufacturer).registerProduct(GTIN, 7, data))
          .to.be.revertedWithCustomError(products, "ProductsInvalidField")
          .withArgs(field);
      }
      // Strength and holder may be empty (a kit, a device).
      await products
        .connect(manufacturer)
        .registerProduct(GTIN, 7, { ...DATA, strength: "", marketingAuthorisationHolder: "" });
      await expect(products.connect(manufacturer).registerProduct(GTIN, 7, DATA))
        .to.be.revertedWithCustomError(products, "ProductsAlreadyRegistered")
        .withArgs(GTIN, ids.manufacturer);
      // A licence still pending registers nothing.
      await products.connect(registrar).assignPrefix(880646n, 6, ids.rival);
      const pending = await products.prefixOf(880646n, 6);
      const rivalGtin = gtinWithCheckDigit("0880646000001");
      await expect(products.connect(rival).registerProduct(rivalGtin, 6, DATA))
        .to.be.revertedWithCustomError(products, "ProductsPrefixNotEffective")
        .withArgs(880646n, 6, pending.effectiveAt);
      expect(await products.ownerOf(rivalGtin)).to.equal(0n);
    });

    it("lets only its owner, while active, correct its master data", async function () {
      const { products, participants, registrar, manufacturer, rival, ids } = await loadFixture(registeredFixture);
      const corrected = { ...DATA, strength: "250 mg" };
      await expect(products.connect(rival).updateProduct(GTIN, corrected))
        .to.be.revertedWithCustomError(products, "ProductsNotProductOwner")
        .withArgs(GTIN, ids.rival);
      await expect(products.connect(manufacturer).updateProduct(GTIN + 10n, corrected))
        .to.be.revertedWithCustomError(products, "ProductsUnknownProduct")
        .withArgs(GTIN + 10n);
      await expect(products.connect(manufacturer).updateProduct(GTIN, { ...DATA, name: "" }))
        .to.be.revertedWithCustomError(products, "ProductsInvalidField")
        .withArgs(Field.Name);
      await time.increase(60);
      await expect(products.connect(manufacturer).updateProduct(GTIN, corrected))
        .to.emit(products, "ProductRegistered")
        .withArgs(GTIN, ids.manufacturer, DATA.name, "250 mg", DATA.form, DATA.marketingAuthorisationHolder, false);
      const p = await products.getProduct(GTIN);
      expect(p.updatedAt).to.equal(BigInt(await time.latest()));
      expect(p.updatedAt).to.be.greaterThan(p.registeredAt);
      expect(p.data.strength).to.equal("250 mg");
      await participants.connect(registrar).suspend(ids.manufacturer, code("audit"));
      await expect(products.connect(manufacturer).updateProduct(GTIN, DATA)).to.be.revertedWithCustomError(
        participants,
        "ParticipantsNotActive",
      );
      await expect(products.getProduct(GTIN + 10n))
        .to.be.revertedWithCustomError(products, "ProductsUnknownProduct")
        .withArgs(GTIN + 10n);
    });
  });

  describe("leaflets: one per language, every version kept", function () {
    it("publishes versions per language and shows the current one, or the first language's", async function () {
      const { products, manufacturer } = await loadFixture(registeredFixture);
      await expect(products.currentLeaflet(GTIN, EN))
        .to.be.revertedWithCustomError(products, "ProductsUnknownLeaflet")
        .withArgs(GTIN, EN, 0);
      await expect(products.connect(manufacturer).publishLeaflet(GTIN, KO, hre.ethers.id("ko v1"), "ipfs://ko1"))
        .to.emit(products, "LeafletPublished")
        .withArgs(GTIN, KO, 1, hre.ethers.id("ko v1"), "ipfs://ko1");
      await products.connect(manufacturer).publishLeaflet(GTIN, EN, hre.ethers.id("en v1"), "ipfs://en1");
      await products.connect(manufacturer).publishLeaflet(GTIN, EN, hre.ethers.id("en v2"), "ipfs://en2");
      expect(await products.leafletVersions(GTIN, EN)).to.equal(2n);
      expect(await products.leafletVersions(GTIN, languageCode("fr"))).to.equal(0n);
      const first = await products.leaflet(GTIN, EN, 1);
      expect([first.digest, first.uri]).to.deep.equal([hre.ethers.id("en v1"), "ipfs://en1"]);
      const [shown, version, current] = await products.currentLeaflet(GTIN, EN);
      expect([shown, version, current.digest, current.uri, current.publishedAt]).to.deep.equal([
        EN,
        2n,
        hre.ethers.id("en v2"),
        "ipfs://en2",
        BigInt(await time.latest()),
      ]);
      // No French leaflet: the first language published (Korean) is shown.
      const fallback = await products.currentLeaflet(GTIN, languageCode("fr"));
      expect([fallback.shown, fallback.version, fallback.current.uri]).to.deep.equal([KO, 1n, "ipfs://ko1"]);
      expect(await products.languageCount(GTIN)).to.equal(2n);
      expect(await products.languages(GTIN, 0, 10)).to.deep.equal([KO, EN]);
      expect(await products.languages(GTIN, 1, 1)).to.deep.equal([EN]);
      expect(await products.languages(GTIN, 5, 10)).to.deep.equal([]);
      for (const v of [0, 3]) {
        await expect(products.leaflet(GTIN, EN, v))
          .to.be.revertedWithCustomError(products, "ProductsUnknownLeaflet")
          .withArgs(GTIN, EN, v);
      }
      await expect(products.currentLeaflet(GTIN + 10n, EN))
        .to.be.revertedWithCustomError(products, "ProductsUnknownProduct")
        .withArgs(GTIN + 10n);
    });

    it("refuses a leaflet by another manufacturer, in no language, or without its digest or URI", async function () {
      const { products, manufacturer, rival, ids } = await loadFixture(registeredFixture);
      const digest = hre.ethers.id("leaflet");
      await expect(products.connect(rival).publishLeaflet(GTIN, EN, digest, "ipfs://x"))
        .to.be.revertedWithCustomError(products, "ProductsNotProductOwner")
        .withArgs(GTIN, ids.rival);
      for (const language of ["0x454e", "0x6531", "0x7a7b", "0x6000"]) {
        await expect(products.connect(manufacturer).publishLeaflet(GTIN, language, digest, "ipfs://x"))
          .to.be.revertedWithCustomError(products, "ProductsInvalidLanguage")
          .withArgs(language);
      }
      for (const [d, uri] of [
        [hre.ethers.ZeroHash, "ipfs://x"],
        [digest, ""],
        [digest, "x".repeat(257)],
      ]) {
        await expect(products.connect(manufacturer).publishLeaflet(GTIN, EN, d, uri)).to.be.revertedWithCustomError(
          products,
          "ProductsInvalidLeaflet",
        );
      }
      expect(await products.leafletVersions(GTIN, EN)).to.equal(0n);
      expect(await products.languageCount(GTIN)).to.equal(0n);
    });
  });
});
