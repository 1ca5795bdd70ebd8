/**
 * Cold start: the deployment bundle (infra/scripts/bundle.mjs) versus the plain tsc output, each
 * imported in fresh processes, alternating so machine noise hits both alike; and their package sizes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export interface ImportRun {
  /** the import of index.js (what the host waits for to index the functions) */
  ms: number;
  /** the import plus the modules the first invocation loads */
  readyMs: number;
  /** CPU time (user + system) of the same two steps: what contention from other processes does not change */
  importCpuMs: number;
  readyCpuMs: number;
  connects: number;
  lookups: number;
  error?: string;
}

export interface ColdStart {
  bundledMs: number;
  unbundledMs: number;
  bundledReadyMs: number;
  unbundledReadyMs: number;
  bundledCpuMs: number;
  unbundledCpuMs: number;
  bundledReadyCpuMs: number;
  unbundledReadyCpuMs: number;
  bundledBytes: number;
  /** dist/index.js alone: what the import reads */
  bundleIndexBytes: number;
  /** every .js file of the package (index and chunks), without source maps */
  bundleJsBytes: number;
  unbundledBytes: number;
  runs: number;
  connects: number;
  lookups: number;
  errors: string[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Imports `file` in a fresh node with no settings at all: building the monitor at import would throw. */
function importOnce(script: string, file: string): ImportRun {
  const r = spawnSync(process.execPath, [script, file], {
    env: { PATH: process.env["PATH"] ?? "" },
    encoding: "utf8",
    timeout: 60_000,
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as ImportRun;
  } catch {
    return {
      ms: NaN,
      readyMs: NaN,
      importCpuMs: NaN,
      readyCpuMs: NaN,
      connects: 0,
      lookups: 0,
      error: `no result (exit ${r.status}): ${r.stderr.slice(0, 300)}`,
    };
  }
}

export function dirBytes(p: string, only: (file: string) => boolean = () => true): number {
  const st = statSync(p);
  if (!st.isDirectory()) return only(p) ? st.size : 0;
  return readdirSync(p).reduce((n, e) => n + dirBytes(path.join(p, e), only), 0);
}

/** The unbundled package: the compiled src/ plus every production dependency, transitively. */
export function productionModulesBytes(root: string): number {
  const seen = new Set<string>();
  let bytes = 0;
  const visit = (fromDir: string, name: string) => {
    let dir = path.join(fromDir, "node_modules", name);
    const nested = existsSync(dir) && fromDir !== root;
    if (!existsSync(dir)) dir = path.join(root, "node_modules", name);
    if (!existsSync(dir) || seen.has(dir)) return;
    seen.add(dir);
    if (!nested) bytes += dirBytes(dir); // a nested copy is inside its parent's folder, counted there
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const d of Object.keys(pkg.dependencies ?? {})) visit(dir, d);
  };
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const d of Object.keys(pkg.dependencies)) visit(root, d);
  return bytes;
}

/** `script`: bench/perf/importOnce.ts compiled to plain JS. */
export function measureColdStart(script: string, bundleDir: string, tscDir: string, runs: number): ColdStart {
  const bundled: ImportRun[] = [];
  const unbundled: ImportRun[] = [];
  importOnce(script, path.join(bundleDir, "dist", "index.js")); // file cache warm for both, like a warm VM
  importOnce(script, path.join(tscDir, "src", "index.js"));
  for (let i = 0; i < runs; i++) {
    bundled.push(importOnce(script, path.join(bundleDir, "dist", "index.js")));
    unbundled.push(importOnce(script, path.join(tscDir, "src", "index.js")));
  }
  const all = [...bundled, ...unbundled];
  return {
    bundledMs: median(bundled.map((r) => r.ms)),
    unbundledMs: median(unbundled.map((r) => r.ms)),
    bundledReadyMs: median(bundled.map((r) => r.readyMs)),
    unbundledReadyMs: median(unbundled.map((r) => r.readyMs)),
    bundledCpuMs: median(bundled.map((r) => r.importCpuMs)),
    unbundledCpuMs: median(unbundled.map((r) => r.importCpuMs)),
    bundledReadyCpuMs: median(bundled.map((r) => r.readyCpuMs)),
    unbundledReadyCpuMs: median(unbundled.map((r) => r.readyCpuMs)),
    bundledBytes: dirBytes(bundleDir),
    bundleIndexBytes: statSync(path.join(bundleDir, "dist", "index.js")).size,
    bundleJsBytes: dirBytes(bundleDir, (f) => f.endsWith(".js")),
    unbundledBytes: dirBytes(path.join(tscDir, "src")) + productionModulesBytes(process.cwd()),
    runs,
    connects: all.reduce((n, r) => n + r.connects, 0),
    lookups: all.reduce((n, r) => n + r.lookups, 0),
    errors: [...new Set(all.flatMap((r) => (r.error ? [r.error] : [])))],
  };
}
