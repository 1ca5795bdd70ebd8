// Builds the Function App deployment package: src/index.ts and everything it imports bundled by
// esbuild into ESM, plus host.json and a package.json whose "main" points at dist/index.js.
// A cold start then reads a few files instead of resolving hundreds of modules in node_modules.
// Splitting: what src/index.ts loads with import() (the Azure SDKs, on the first invocation) goes
// into a chunk, so the host's import of index.js (indexing the functions) stays small.
//
//   node infra/scripts/bundle.mjs [outDir]     (default: dist-func)
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const outDir = process.argv[2] ?? "dist-func";
rmSync(outDir, { recursive: true, force: true });
mkdirSync(path.join(outDir, "dist"), { recursive: true });

const result = await build({
  entryPoints: ["src/index.ts"],
  outdir: path.join(outDir, "dist"),
  entryNames: "index",
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: true,
  sourcemap: "external",
  legalComments: "external",
  metafile: true,
  // Provided by the Functions worker at run time, never installed.
  external: ["@azure/functions-core"],
  // Some SDK dependencies are CommonJS and call require(): give every ESM output file one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
writeFileSync(
  path.join(outDir, "package.json"),
  JSON.stringify(
    { name: pkg.name, version: pkg.version, type: "module", main: "dist/index.js", engines: pkg.engines },
    null,
    2,
  ) + "\n",
);
copyFileSync("host.json", path.join(outDir, "host.json"));

const size = statSync(path.join(outDir, "dist", "index.js")).size;
const total = Object.entries(result.metafile.outputs)
  .filter(([f]) => f.endsWith(".js"))
  .reduce((n, [, o]) => n + o.bytes, 0);
const inputs = Object.keys(result.metafile.inputs).length;
console.log(
  `bundle: ${outDir}/dist/index.js ${(size / 1024).toFixed(0)} KiB (all chunks ${(total / 1024).toFixed(0)} KiB) from ${inputs} modules`,
);
