/**
 * `npm run build:packages`: builds `@miip/sdk` for npm (`@miip/contracts` is written by every compile, which the
 * npm script runs first). Each entry point (the client, the stores, the serial tree, the Node helpers) as ES
 * module and CommonJS, plus type declarations. An entry imports another entry's code from that entry's file, never
 * a copy of it, so a class is the same class whichever entry a dApp reached it through; ethers and the other
 * dependencies stay external.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { type Plugin, build } from "esbuild";

export const SDK_DIR = path.join(__dirname, "..", "packages", "sdk");
const SRC = path.join(SDK_DIR, "src");

/** The SDK's entry points: name → source. */
export const SDK_ENTRIES = {
  index: "index.ts",
  storage: path.join("storage", "index.ts"),
  serials: "serials.ts",
  relayer: "relayer.ts",
  node: path.join("node", "index.ts"),
} as const;
type Entry = keyof typeof SDK_ENTRIES;

/** The entry a source file belongs to. */
function ownerOf(file: string): Entry {
  const relative = path.relative(SRC, file);
  if (relative.startsWith(`storage${path.sep}`)) return "storage";
  if (relative.startsWith(`node${path.sep}`)) return "node";
  if (relative === "serials.ts") return "serials";
  if (relative === "relayer.ts") return "relayer";
  return "index";
}

/** Resolves a relative import to its source file (`./x` → x.ts or x/index.ts). */
function sourceOf(resolveDir: string, specifier: string): string | undefined {
  const base = path.resolve(resolveDir, specifier);
  return [`${base}.ts`, path.join(base, "index.ts"), base].find((candidate) => existsSync(candidate));
}

/**
 * The ES-module shims (`*-libs.mjs`: the IPFS libraries, published as ES modules only) are copied to dist as they
 * are and imported from there, by the ES module and the CommonJS build alike (Node >= 20.19 requires ES modules).
 */
const SHIMS = [path.join("storage", "unixfs-libs.mjs"), path.join("node", "helia-libs.mjs")];

/** Sends an import of another entry's code to that entry's built file, and a shim to its copy. */
function entryBoundaries(entry: Entry, extension: string): Plugin {
  return {
    name: "miip-entry-boundaries",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        const file = sourceOf(args.resolveDir, args.path);
        if (file === undefined) return undefined;
        if (file.endsWith(".mjs")) return { path: `./${path.basename(file)}`, external: true };
        const owner = ownerOf(file);
        return owner === entry ? undefined : { path: `./${owner}${extension}`, external: true };
      });
    },
  };
}

/** Builds the SDK into packages/sdk/dist; returns the files written. */
export async function buildSdk(): Promise<string[]> {
  const dist = path.join(SDK_DIR, "dist");
  rmSync(dist, { recursive: true, force: true });
  const written: string[] = [];
  for (const [entry, source] of Object.entries(SDK_ENTRIES) as [Entry, string][]) {
    for (const [format, extension] of [
      ["esm", ".mjs"],
      ["cjs", ".cjs"],
    ] as const) {
      const outfile = path.join(dist, `${entry}${extension}`);
      await build({
        entryPoints: [path.join(SRC, source)],
        outfile,
        bundle: true,
        format,
        platform: entry === "node" ? "node" : "neutral",
        target: "es2022",
        // Every dependency stays a dependency: the dApp's bundler (or Node) resolves it once.
        packages: "external",
        plugins: [entryBoundaries(entry, extension)],
        sourcemap: true,
        logLevel: "warning",
      });
      written.push(outfile);
    }
  }
  // Declarations: the compiler's, one .d.ts per source file, twice: a module's `import "ethers"` must reach the
  // same ethers its importer does (ES module or CommonJS), or an ethers `Wallet` is not an ethers `Signer`.
  execFileSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", path.join(SDK_DIR, "tsconfig.build.json")],
    { stdio: "inherit" },
  );
  const types = path.join(dist, "types");
  for (const shim of SHIMS) {
    cpSync(path.join(SRC, shim), path.join(dist, path.basename(shim)));
    const declarations = shim.replace(/\.mjs$/, ".d.mts");
    cpSync(path.join(SRC, declarations), path.join(types, "cjs", declarations));
    written.push(path.join(dist, path.basename(shim)));
  }
  cpSync(path.join(types, "cjs"), path.join(types, "esm"), { recursive: true });
  writeFileSync(path.join(types, "cjs", "package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
  writeFileSync(path.join(types, "esm", "package.json"), JSON.stringify({ type: "module" }) + "\n");
  return written;
}

if (require.main === module) {
  buildSdk().then(
    (files) => console.log(`@miip/sdk built: ${files.map((file) => path.relative(SDK_DIR, file)).join(", ")}, types`),
    (error: Error) => {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
