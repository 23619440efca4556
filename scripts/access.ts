/**
 * Writes docs/ACCESS.md from config/access.ts, the one table of who may call what.
 *
 *   npm run access
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { accessMarkdown } from "./lib/access";

const file = path.join(__dirname, "..", "docs", "ACCESS.md");
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, accessMarkdown());
console.log(`written ${path.relative(process.cwd(), file)}`);
