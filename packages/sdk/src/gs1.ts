import { hexlify, toUtf8Bytes } from "ethers";

/**
 * GS1 identifiers as the product registry and the supply chain take them: a GTIN-14 as a number (check digit
 * included) and a company prefix as a value with its length (its leading zeros count).
 */

/** GS1's check digit of the digits before it: weights 3 and 1 alternate from the right, starting with 3. */
export function gs1CheckDigit(body: string): number {
  if (!/^\d+$/.test(body)) throw new Error(`not a string of digits: ${JSON.stringify(body)}`);
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

/** A GTIN-14 from its first thirteen digits (indicator, company prefix, item reference): the check digit appended. */
export function gtinWithCheckDigit(body: string): bigint {
  if (!/^\d{13}$/.test(body)) throw new Error(`not the thirteen first digits of a GTIN-14: ${JSON.stringify(body)}`);
  return BigInt(body + gs1CheckDigit(body));
}

/** A complete GTIN (8, 12, 13 or 14 digits, check digit last) as the GTIN-14 number the contracts take. */
export function gtin14(digits: string): bigint {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(digits)) throw new Error(`not a GTIN: ${JSON.stringify(digits)}`);
  const padded = digits.padStart(14, "0");
  if (gs1CheckDigit(padded.slice(0, 13)) !== Number(padded[13])) throw new Error(`wrong GTIN check digit in ${digits}`);
  return BigInt(padded);
}

/** The company prefix of `digits` digits inside a GTIN-14 (its digits 2 to 1 + digits), as the registry reads it. */
export function companyPrefixOf(gtin: bigint, digits: number): bigint {
  return (gtin / 10n ** BigInt(13 - digits)) % 10n ** BigInt(digits);
}

/** A two-letter ISO 639-1 language code as the registry stores it (bytes2). */
export function languageCode(code: string): string {
  if (!/^[a-z]{2}$/.test(code)) throw new Error(`not an ISO 639-1 code: ${JSON.stringify(code)}`);
  return hexlify(toUtf8Bytes(code));
}

/** What is printed on a medicine pack (GS1 application identifiers 01, 17, 10 and 21). */
export interface PackCode {
  /** GTIN-14 (AI 01), check digit verified. */
  gtin: bigint;
  /** Expiry as printed, YYMMDD (AI 17; DD 00 means the month's last day). */
  expiry: number;
  /** Lot or batch number (AI 10). */
  lot: string;
  /** Serial number (AI 21). */
  serial: string;
}

const GROUP_SEPARATOR = "\x1d";

/** GS1's printable characters (set 82) without the parentheses the human-readable form puts around each AI. */
const PRINTABLE = /^[!"%&'*+,\-./0-9:;<=>?A-Z_a-z]+$/;

/**
 * Checks a lot (AI 10) or serial (AI 21) before it is printed on packs and committed on chain: 1 to 20 of GS1's
 * printable characters, so that every pack's code can be scanned and read back (`parsePackCode`). Throws naming
 * what is wrong.
 */
export function checkPackField(ai: "10" | "21", value: string): void {
  if (value.length === 0 || value.length > 20) {
    throw new Error(`AI (${ai}) must have 1 to 20 characters: ${JSON.stringify(value)} has ${value.length}`);
  }
  if (!PRINTABLE.test(value)) {
    throw new Error(
      `AI (${ai}) takes GS1's printable characters (letters, digits and !"%&'*+,-./:;<=>?_), not ${JSON.stringify(value)}`,
    );
  }
}
const FIXED_LENGTH: Record<string, number> = { "01": 14, "17": 6 };

/**
 * Reads a pack's GS1 element string, in its human-readable form `(01)08806469001235(17)271231(10)LOT-A(21)SN-1`
 * or as a DataMatrix scanner returns it (`0108806469001235172712311 0LOT-A<GS>21SN-1`, variable fields ended by
 * the group separator, an optional `]d2` symbology prefix). Throws naming what is missing or wrong.
 */
export function parsePackCode(text: string): PackCode {
  const fields = new Map<string, string>();
  const input = text.trim().replace(/^\]d2/, "");
  if (input.startsWith("(")) {
    for (const m of input.matchAll(/\((\d{2})\)([^(]*)/g)) fields.set(m[1], m[2]);
  } else {
    let i = 0;
    while (i < input.length) {
      if (input[i] === GROUP_SEPARATOR) {
        i++;
        continue;
      }
      const ai = input.slice(i, i + 2);
      i += 2;
      const fixed = FIXED_LENGTH[ai];
      let end: number;
      if (fixed !== undefined) end = i + fixed;
      else {
        const sep = input.indexOf(GROUP_SEPARATOR, i);
        end = sep === -1 ? input.length : sep;
      }
      fields.set(ai, input.slice(i, end));
      i = end;
    }
  }
  for (const ai of ["01", "17", "10", "21"]) {
    if (!fields.has(ai)) throw new Error(`pack code without AI (${ai}): ${JSON.stringify(text)}`);
  }
  const expiry = fields.get("17")!;
  if (!/^\d{6}$/.test(expiry)) throw new Error(`expiry (17) is not YYMMDD: ${JSON.stringify(expiry)}`);
  for (const ai of ["10", "21"]) {
    const value = fields.get(ai)!;
    if (value.length === 0 || value.length > 20) throw new Error(`AI (${ai}) must have 1 to 20 characters`);
  }
  return { gtin: gtin14(fields.get("01")!), expiry: Number(expiry), lot: fields.get("10")!, serial: fields.get("21")! };
}

/** The human-readable element string of a pack, as printed under its DataMatrix. */
export function formatPackCode(pack: PackCode): string {
  return `(01)${pack.gtin.toString().padStart(14, "0")}(17)${String(pack.expiry).padStart(6, "0")}(10)${pack.lot}(21)${pack.serial}`;
}

/**
 * The GS1 expiry (YYMMDD, UTC) to print for a batch expiring at `expiresAt`: the day the expiry falls in, or ends
 * (an expiry at midnight is the end of the day before).
 */
export function gs1Date(expiresAt: number): number {
  const d = new Date((expiresAt - 1) * 1000);
  return ((d.getUTCFullYear() % 100) * 100 + d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}
