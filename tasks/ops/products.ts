/** The command line: products. */

import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { MIIP } from "../../packages/sdk/src";

import {
  action,
  address,
  Args,
  connect,
  done,
  FROM,
  gtinArg,
  InputError,
  institutionIdOf,
  integer,
  readInput,
  when,
} from "../cli";

task(
  "product:prefix",
  "The registrar licenses a GS1 company prefix to a manufacturer (effective after the onboarding delay)",
)
  .addParam("prefix", "The company prefix as printed, 6 to 12 digits, leading zeros included (0614141)")
  .addParam("manufacturer", "The manufacturer: its id, address or local account name")
  .addOptionalParam("from", FROM, "registrar")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const { parsePrefix } = await import("../../packages/sdk/src/api/products");
      try {
        parsePrefix(args.prefix ?? "");
      } catch (error) {
        throw new InputError(`--prefix: ${(error as Error).message}`);
      }
      const manufacturerId = await institutionIdOf(hre, miip, args.manufacturer, "manufacturer");
      const r = await miip.products.assignPrefix(args.prefix!, manufacturerId);
      done(`prefix ${args.prefix} licensed to institution ${manufacturerId}, effective ${when(r.effectiveAt)}`, r);
    }),
  );

task("product:register", "The holder of a GTIN's company prefix registers the product with its master data")
  .addParam("gtin", "The GTIN as printed (8, 12, 13 or 14 digits)")
  .addParam("prefixDigits", "How many digits the company prefix inside the GTIN has (6 to 12)")
  .addParam("name", "Trade name")
  .addParam("form", "Pharmaceutical form (capsule, film-coated tablet, ...)")
  .addOptionalParam("strength", "Strength (500 mg)", "")
  .addOptionalParam("holder", "Marketing authorisation holder", "")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const gtin = await gtinArg(args.gtin);
      const digits = Number(integer(args.prefixDigits, "prefix-digits"));
      const miip = await connect(hre, args.from);
      const r = await miip.products.register(gtin, digits, {
        name: args.name ?? "",
        strength: args.strength ?? "",
        form: args.form ?? "",
        marketingAuthorisationHolder: args.holder ?? "",
      });
      done(`product ${gtin} registered: ${args.name}`, r);
    }),
  );

task("product:leaflet", "The product's owner publishes a new version of its leaflet in a language")
  .addParam("gtin", "The GTIN as printed")
  .addParam("language", "ISO 639-1 code (ko, en)")
  .addParam("file", "The leaflet document: only its keccak256 goes on chain")
  .addParam("uri", "Where the document is served")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const gtin = await gtinArg(args.gtin);
      const language = args.language ?? "";
      if (!/^[a-z]{2}$/.test(language)) throw new InputError(`--language: "${language}" is not an ISO 639-1 code`);
      const document = readInput(args.file, "file");
      const miip = await connect(hre, args.from);
      const r = await miip.products.publishLeaflet(gtin, language, document, args.uri ?? "");
      done(`leaflet ${language} v${r.version} of ${gtin} published (digest ${r.digest})`, r);
    }),
  );

task("product:show", "A product: its owner, master data and current leaflet in a language")
  .addParam("gtin", "The GTIN as printed")
  .addOptionalParam("language", "The leaflet's language (falls back to the product's first)", "ko")
  .setAction(
    action(async (args: Args, hre) => {
      const gtin = await gtinArg(args.gtin);
      const miip = await connect(hre);
      const p = await miip.products.get(gtin);
      const d = p.data;
      console.log(
        `product ${gtin}: ${d.name}${d.strength ? ` ${d.strength}` : ""}, ${d.form}; manufacturer ${p.manufacturerId}` +
          `${d.marketingAuthorisationHolder ? `; authorisation holder ${d.marketingAuthorisationHolder}` : ""}`,
      );
      const { total } = await miip.products.languages(gtin);
      if (total === 0) {
        console.log("  no leaflet published");
        return;
      }
      const l = await miip.products.currentLeaflet(gtin, args.language ?? "ko");
      console.log(`  leaflet ${l.language} v${l.version} (${when(l.publishedAt)}): ${l.uri}  digest ${l.digest}`);
    }),
  );

task("product:update", "The product's owner corrects its master data (public information, not personal)")
  .addParam("gtin", "The GTIN as printed (8, 12, 13 or 14 digits)")
  .addParam("name", "Trade name")
  .addParam("form", "Pharmaceutical form (capsule, film-coated tablet, ...)")
  .addOptionalParam("strength", "Strength (500 mg)", "")
  .addOptionalParam("holder", "Marketing authorisation holder", "")
  .addOptionalParam("from", FROM, "manufacturer")
  .setAction(
    action(async (args: Args, hre) => {
      const gtin = await gtinArg(args.gtin);
      const miip = await connect(hre, args.from);
      const r = await miip.products.update(gtin, {
        name: args.name!,
        strength: args.strength!,
        form: args.form!,
        marketingAuthorisationHolder: args.holder!,
      });
      done(`product ${gtin} updated: ${args.name}`, r);
    }),
  );

task("product:cancel-prefix", "The guardian role cancels a company prefix's licence that has not taken effect")
  .addParam("prefix", "The company prefix as printed, leading zeros included (0614141)")
  .addParam("reason", "A reason code")
  .addOptionalParam("from", FROM, "deployer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      done(
        `licence of prefix ${args.prefix} cancelled (${args.reason})`,
        await miip.products.cancelPrefix(args.prefix!, args.reason!),
      );
    }),
  );
