import { keccak256, toUtf8Bytes, hexlify, getBytes } from "ethers";

import type { Core, TxInfo } from "../core.ts";
import { MIIPClientError, eventNamed } from "../core.ts";
import { gtin14, languageCode } from "../gs1.ts";
import { type Page, type Paged, pageOf } from "./paging.ts";
import { reasonCode } from "./consent.ts";

/** A product's public master data, as printed on the pack and in its marketing authorisation. */
export interface ProductData {
  name: string;
  strength: string;
  form: string;
  marketingAuthorisationHolder: string;
}

/** A product as the registry holds it. */
export interface ProductView {
  gtin: bigint;
  manufacturerId: bigint;
  registeredAt: number;
  updatedAt: number;
  data: ProductData;
}

/** One version of an electronic leaflet. */
export interface LeafletView {
  language: string;
  version: number;
  digest: string;
  publishedAt: number;
  uri: string;
}

/** A company prefix's licence. */
export interface PrefixView {
  prefix: string;
  manufacturerId: bigint;
  effectiveAt: number;
  revoked: boolean;
}

/** A GS1 company prefix written as its digits ("0614141"): its value and its length, leading zeros counted. */
export function parsePrefix(digits: string): { value: bigint; digits: number } {
  if (!/^\d{6,12}$/.test(digits))
    throw new MIIPClientError(`a GS1 company prefix has 6 to 12 digits, got ${JSON.stringify(digits)}`);
  return { value: BigInt(digits), digits: digits.length };
}

/** A GTIN given as a number (the GTIN-14 the contracts take) or as printed (8, 12, 13 or 14 digits). */
function toGtin(gtin: bigint | string): bigint {
  return typeof gtin === "bigint" ? gtin : gtin14(gtin);
}

function languageOf(code: string): string {
  return new TextDecoder().decode(getBytes(code));
}

/**
 * The product registry: GS1 company prefixes licensed to manufacturers, products registered by the holder of their
 * prefix, and their leaflets per language with every version kept.
 */
export class ProductsApi {
  constructor(private readonly core: Core) {}

  /** The registrar licenses a company prefix ("0614141") to a manufacturer; effective after the onboarding delay. */
  async assignPrefix(prefix: string, manufacturerId: bigint | number): Promise<TxInfo & { effectiveAt: number }> {
    const p = parsePrefix(prefix);
    const info = await this.core.send(() =>
      this.core.contracts.products.assignPrefix(p.value, p.digits, manufacturerId),
    );
    return { ...info, effectiveAt: Number(eventNamed(info, "PrefixAssigned").effectiveAt) };
  }

  /** The guardian role cancels a licence that has not taken effect. */
  async cancelPrefix(prefix: string, reason: string): Promise<TxInfo> {
    const p = parsePrefix(prefix);
    return this.core.send(() => this.core.contracts.products.cancelPrefix(p.value, p.digits, reasonCode(reason)));
  }

  /** A prefix's licence (manufacturer 0 when none). */
  async prefix(prefix: string): Promise<PrefixView> {
    const p = parsePrefix(prefix);
    const l = await this.core.read(() => this.core.contracts.products.prefixOf(p.value, p.digits));
    return { prefix, manufacturerId: l.manufacturerId, effectiveAt: Number(l.effectiveAt), revoked: l.revoked };
  }

  /** The holder of the GTIN's prefix registers the product; `prefixDigits` is its prefix's length. */
  async register(gtin: bigint | string, prefixDigits: number, data: ProductData): Promise<TxInfo & { gtin: bigint }> {
    const g = toGtin(gtin);
    const info = await this.core.send(() => this.core.contracts.products.registerProduct(g, prefixDigits, data));
    return { ...info, gtin: g };
  }

  /** The product's owner corrects its master data. */
  async update(gtin: bigint | string, data: ProductData): Promise<TxInfo> {
    return this.core.send(() => this.core.contracts.products.updateProduct(toGtin(gtin), data));
  }

  /**
   * The product's owner publishes a leaflet version in a language ("ko"): the document's digest is computed here
   * from its bytes (or text), so that what the URI serves can be checked against the chain.
   */
  async publishLeaflet(
    gtin: bigint | string,
    language: string,
    document: Uint8Array | string,
    uri: string,
  ): Promise<TxInfo & { version: number; digest: string }> {
    const bytes = typeof document === "string" ? toUtf8Bytes(document) : document;
    const digest = keccak256(bytes);
    const info = await this.core.send(() =>
      this.core.contracts.products.publishLeaflet(toGtin(gtin), languageCode(language), digest, uri),
    );
    return { ...info, version: Number(eventNamed(info, "LeafletPublished").version), digest };
  }

  /** A product with its master data. */
  async get(gtin: bigint | string): Promise<ProductView> {
    const g = toGtin(gtin);
    const p = await this.core.read(() => this.core.contracts.products.getProduct(g));
    return {
      gtin: g,
      manufacturerId: p.manufacturerId,
      registeredAt: Number(p.registeredAt),
      updatedAt: Number(p.updatedAt),
      data: {
        name: p.data.name,
        strength: p.data.strength,
        form: p.data.form,
        marketingAuthorisationHolder: p.data.marketingAuthorisationHolder,
      },
    };
  }

  /** The current leaflet in a language, or in the product's first language when it has none in that one. */
  async currentLeaflet(gtin: bigint | string, language: string): Promise<LeafletView> {
    const [shown, version, l] = await this.core.read(() =>
      this.core.contracts.products.currentLeaflet(toGtin(gtin), languageCode(language)),
    );
    return {
      language: languageOf(shown),
      version: Number(version),
      digest: l.digest,
      publishedAt: Number(l.publishedAt),
      uri: l.uri,
    };
  }

  /** One version of a leaflet. */
  async leaflet(gtin: bigint | string, language: string, version: number): Promise<LeafletView> {
    const l = await this.core.read(() =>
      this.core.contracts.products.leaflet(toGtin(gtin), languageCode(language), version),
    );
    return { language, version, digest: l.digest, publishedAt: Number(l.publishedAt), uri: l.uri };
  }

  /** Whether a leaflet document (bytes or text) is the one the chain names. */
  static matches(leaflet: LeafletView, document: Uint8Array | string): boolean {
    const bytes = typeof document === "string" ? toUtf8Bytes(document) : document;
    return keccak256(bytes) === leaflet.digest;
  }

  /** A page of the languages a product has leaflets in ("ko", "en"), in the order first published. */
  async languages(gtin: bigint | string, page: Page = {}): Promise<Paged<string>> {
    const g = toGtin(gtin);
    const { offset, limit } = pageOf(page);
    const { products } = this.core.contracts;
    const [total, codes] = await Promise.all([
      this.core.read(() => products.languageCount(g)),
      this.core.read(() => products.languages(g, offset, limit)),
    ]);
    return { entries: codes.map((c) => languageOf(hexlify(c))), total: Number(total), offset };
  }
}
