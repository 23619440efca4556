import { expect } from "chai";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

/** Every file under test/, by its base name. */
function testFiles(dir = path.join(ROOT, "test")): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) for (const [name, file] of testFiles(full)) files.set(name, file);
    else files.set(entry, full);
  }
  return files;
}

/**
 * SECURITY.md's threat table names, for each threat, the tests that prove its mitigation: a file, then the
 * names of tests in it, quoted ("…" abbreviates; README or docs/<PAGE>.md names a page whose text follows, quoted). Each must exist, so that no row promises a test
 * that was renamed or never written.
 */
describe("SECURITY.md: every test a threat names exists", function () {
  const text = readFileSync(path.join(ROOT, "SECURITY.md"), "utf8");
  const start = text.indexOf("## Threats, mitigations and the tests that prove them");
  // The threat table ends at the next section (the privacy table that follows names no tests).
  const table = text.slice(start, text.indexOf("\n## ", start + 1));
  const rows = table
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| threat") && !line.startsWith("| ---"));
  const files = testFiles();

  it("has a row for every threat, each naming at least one test file or command", function () {
    expect(rows.length).to.be.greaterThan(25);
    for (const row of rows) {
      const tests = row.split("|").at(-2)!;
      expect(/\.test\.ts|\.t\.sol|npm run/.test(tests), row).to.equal(true);
    }
  });

  for (const row of rows) {
    const cells = row.split("|");
    const threat = cells[1].trim();
    it(`names existing tests for: ${threat}`, function () {
      let file: string | undefined;
      for (const token of cells
        .at(-2)!
        .matchAll(/`([\w/.-]+\.(?:test\.ts|t\.sol))`|"([^"]+)"|\b(README|docs\/[A-Z]+\.md)\b/g)) {
        if (token[3] !== undefined) {
          file = path.join(ROOT, token[3] === "README" ? "README.md" : token[3]);
          continue;
        }
        if (token[1] !== undefined) {
          file = files.get(path.basename(token[1]));
          expect(file, `${token[1]} is not a file under test/`).to.not.equal(undefined);
          continue;
        }
        expect(file, `"${token[2]}" follows no test file`).to.not.equal(undefined);
        // "…" abbreviates: each part must be there.
        const content = readFileSync(file!, "utf8");
        for (const part of token[2]
          .split("…")
          .map((p) => p.trim().replace(/,$/, ""))
          .filter((p) => p !== "")) {
          expect(content, `${path.basename(file!)} has no "${token[2]}"`).to.include(part);
        }
      }
    });
  }
});
