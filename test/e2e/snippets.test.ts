import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { transformSync } from "esbuild";

import { ROOT, startSeededNode } from "../helpers/node";

/** The pages a newcomer reads: the README, every page of docs/, and the packages' own READMEs (shown by npm). */
const PAGES = [
  "README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
  "packages/contracts/README.md",
  "packages/sdk/README.md",
];

interface Snippet {
  page: string;
  line: number;
  code: string;
  /** Its file name in .snippets/: the page and its line. */
  name: string;
}

/** Every ```ts block of the pages, in reading order. */
function snippets(): Snippet[] {
  const found: Snippet[] = [];
  for (const page of PAGES) {
    const text = readFileSync(path.join(ROOT, page), "utf8");
    for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, match.index).split("\n").length;
      const name = `${page.replace(/[/.]/g, "-").toLowerCase()}-${line}`;
      found.push({ page, line, code: match[1], name });
    }
  }
  return found;
}

const RUN = path.join(ROOT, ".snippets");

/**
 * Every TypeScript snippet of the README and the docs, as a dApp developer would take it: type-checked as an ES
 * module against the built packages (`@miip/sdk`, `@miip/contracts`, strict, nodenext), then run, in reading
 * order, against a fresh `npm run node` from a folder holding that node's deployment file and stores. The only
 * change made to a snippet is the node's address: its own ports instead of 8545 and 8180.
 */
describe("every code snippet of the README and the docs compiles and runs against a seeded node", function () {
  this.timeout(600_000);
  const all = snippets();
  let node: ChildProcess;
  let dir: string;
  let rpc: string;
  let gateway: string;

  before(async function () {
    execFileSync("npm", ["run", "build:packages"], { cwd: ROOT, stdio: "pipe" });
    const started = await startSeededNode("miip:node", ["--gateway-port", "0"], "MIIP node ready");
    dir = started.dir;
    rpc = started.rpc;
    node = started.node;
    gateway = /IPFS gateway (http:\/\/[\d.]+:\d+)/.exec(started.output())![1];
    rmSync(RUN, { recursive: true, force: true });
    mkdirSync(RUN);
    for (const snippet of all) writeFileSync(path.join(RUN, `${snippet.name}.mts`), snippet.code);
    writeFileSync(
      path.join(RUN, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["es2023", "dom"],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: ["node"],
        },
        include: ["*.mts"],
      }),
    );
  });

  after(function () {
    node?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(RUN, { recursive: true, force: true });
  });

  it("finds the snippets: the README's ethers and viem programs among them", function () {
    expect(all.filter((s) => s.page === "README.md")).to.have.length(2);
    expect(all.find((s) => s.page === "README.md")!.code).to.include('from "@miip/sdk"');
    expect(all.filter((s) => s.page === "README.md")[1].code).to.include('from "viem"');
    expect(all.length).to.be.greaterThanOrEqual(6);
  });

  it("type-checks every snippet as a dApp's ES module against the built packages", function () {
    try {
      execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", RUN], { encoding: "utf8" });
    } catch (error) {
      throw new Error(`a snippet does not type-check:\n${(error as { stdout?: string }).stdout ?? error}`);
    }
  });

  for (const snippet of all) {
    it(`runs ${snippet.page}:${snippet.line}`, function () {
      const { code } = transformSync(snippet.code, { loader: "ts", format: "esm", target: "es2022" });
      const file = path.join(RUN, `${snippet.name}.mjs`);
      writeFileSync(file, code.replaceAll("http://127.0.0.1:8545", rpc).replaceAll("http://127.0.0.1:8180", gateway));
      let stdout: string;
      try {
        stdout = execFileSync(process.execPath, [file], { cwd: dir, encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        const { stdout: out, stderr } = error as { stdout?: string; stderr?: string };
        throw new Error(`${snippet.page}:${snippet.line} failed:\n${out ?? ""}${stderr ?? ""}`);
      }
      expect(stdout.trim(), `${snippet.page}:${snippet.line} printed nothing`).to.not.equal("");
      expect(stdout, `${snippet.page}:${snippet.line} printed a failure`).to.not.match(/\bfalse\b|undefined/);
    });
  }
});
