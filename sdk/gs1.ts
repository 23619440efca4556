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
