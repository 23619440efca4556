/**
 * Writes what is generated from the config: docs/ACCESS.md from config/access.ts (who may call what), and the
 * governance tables of docs/GOVERNANCE.md and SECURITY.md from config/roles.ts and the shipped parameter files. A test
 * checks that each is current.
 *
 *   npm run access
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import {
  GOVERNANCE_DOCS,
  accessMarkdown,
  governanceMarkdown,
  shippedParameterFiles,
  withGenerated,
} from "./lib/access";

const root = path.join(__dirname, "..");
const file = path.join(root, "docs", "ACCESS.md");
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, accessMarkdown());
console.log(`written ${path.relative(process.cwd(), file)}`);
const table = governanceMarkdown(shippedParameterFiles());
for (const doc of GOVERNANCE_DOCS) {
  const target = path.join(root, doc);
  writeFileSync(target, withGenerated(readFileSync(target, "utf8"), "governance", table));
  console.log(`written the governance table of ${doc}`);
}
