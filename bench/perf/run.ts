/**
 * Performance benchmark (npm run bench): calls per run, run time against the critical path,
 * cold start of the deployment bundle, peak memory, and the ingestion watch as history grows.
 * Everything runs against the emulator (its own process) with an injected per-call latency; every
 * verdict is a count or a ratio measured in the same run, so a slow machine does not flip it.
 * Prints a table and writes bench/results.md.
 *
 *   npm run bench [-- --latency 50 --seed 7 --runs 15 --first-runs 7 --imports 11]
 *
 * BENCH_ONLY=<sections> runs only those (comma-separated): calls, timing, firstRun (the first drift
 * run of a fresh process, in --first-runs processes), imports (import of the bundle and of the tsc
 * output), memory, growth, fleet; coldStart is firstRun and imports. A partial run prints its table
 * and leaves bench/results.md alone. BENCH_NODE_ARGS adds node options to each stage's process
 * (e.g. "--cpu-prof --cpu-prof-dir=.cache/prof" to profile the first runs).
 *
 * fleet: for each size N of BENCH_FLEET_SIZES (default 1,10,100,500), an emulator whose world holds
 * N Keeper connectors, 10 a workspace, and a fresh process that builds the fleet and sweeps it
 * (bench/perf/fleet.ts). BENCH_FLEET_HISTORY_DAYS (default 3) is the history of each further
 * connector's table; ARM lists are served 100 a page in these worlds. BENCH_FLEET_THROTTLED (default
 * 100, 0: off) runs that size once more with ARM reads throttled as Azure documents (250, 25/s).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { build } from "esbuild";
import { ensureCertificate } from "../../emulator/index.js";
import { startAzurite } from "../../emulator/azurite.js";
import { measureColdStart } from "./coldStart.js";
import type { FleetRun } from "./fleet.js";
import { renderMarkdown, renderTable, verdicts, type FirstRun, type Measured } from "./report.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const latencyMs = arg("latency", 50);
const seed = arg("seed", 7);
const runs = arg("runs", 15);
const importRuns = arg("imports", 11);
const firstRuns = arg("first-runs", 7);
const SECTIONS = ["calls", "timing", "firstRun", "imports", "memory", "growth", "fleet"] as const;
const fleetSizes = (process.env["BENCH_FLEET_SIZES"] ?? "1,10,100,500")
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const fleetHistoryDays = Number(process.env["BENCH_FLEET_HISTORY_DAYS"] ?? 3);
/** A fleet of this size once more, its ARM reads throttled as Azure documents (0: not run). */
const fleetThrottled = Number(process.env["BENCH_FLEET_THROTTLED"] ?? 100);
type Section = (typeof SECTIONS)[number];
const only = (process.env["BENCH_ONLY"] ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean)
  .flatMap((s) => (s === "coldStart" ? ["firstRun", "imports"] : [s]));
const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
if (unknown.length)
  throw new Error(`BENCH_ONLY: unknown section(s) ${unknown.join(", ")} (${SECTIONS.join(", ")}, coldStart)`);
const selected = (s: Section) => only.length === 0 || only.includes(s);
const work = ".cache/bench";
const say = (s: string) => process.stderr.write(`bench: ${s}\n`);

mkdirSync(work, { recursive: true });
const { certPath } = await ensureCertificate(".cache/emulator-cert");

// The measured code runs as plain node on bundles (no loader in the timings or the memory).
say("building");
const shim = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
await build({
  entryPoints: ["bench/perf/stages.ts"],
  outfile: `${work}/stages.mjs`,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  banner: { js: shim },
  logLevel: "warning",
});
await build({
  entryPoints: ["bench/perf/fleet.ts"],
  outfile: `${work}/fleet.mjs`,
  bundle: true,
  // provided by the Functions host only; @azure/functions loads it in a try (as in infra/scripts/bundle.mjs)
  external: ["@azure/functions-core"],
  platform: "node",
  target: "node20",
  format: "esm",
  banner: { js: shim },
  logLevel: "warning",
});
await build({
  entryPoints: ["bench/perf/emulatorHost.ts"],
  outfile: `${work}/emulatorHost.mjs`,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status})`);
};
await build({
  entryPoints: ["bench/perf/importOnce.ts"],
  outfile: `${work}/importOnce.mjs`,
  platform: "node",
  target: "node20",
  format: "esm",
  logLevel: "warning",
});
if (selected("imports")) {
  run(process.execPath, ["infra/scripts/bundle.mjs", `${work}/func`]);
  run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--outDir", `${work}/tsc`]);
}

say("starting Azurite and the emulator");
const azurite = await startAzurite();
/** The emulator in its own process; `fleet` seeds a world of that many connectors. */
async function startHost(
  fleet?: Record<string, unknown>,
): Promise<{ host: ChildProcess; line: string; control: string }> {
  const host = spawn(process.execPath, [`${work}/emulatorHost.mjs`, String(latencyMs), String(seed)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...(fleet ? { BENCH_FLEET: JSON.stringify(fleet) } : {}) },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: host.stdout });
    rl.once("line", resolve);
    host.once("exit", (code) => reject(new Error(`emulator host exited (${code})`)));
  });
  return { host, line, control: (JSON.parse(line) as { control: string }).control };
}
const { host, line: emuLine, control } = await startHost();

const emuInfo = JSON.parse(emuLine) as { managedIdentity: Record<string, string> };

/** One stage in a fresh process; `env` adds to its environment (a Function App's managed identity). */
function stage<T>(name: string, env: Record<string, string> = {}): T {
  say(`stage ${name}${env["IDENTITY_ENDPOINT"] ? " (managed identity)" : ""}`);
  const r = spawnSync(
    process.execPath,
    [...(process.env["BENCH_NODE_ARGS"]?.split(" ") ?? []), `${work}/stages.mjs`, name],
    {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: path.resolve(certPath),
        BENCH_EMU: emuLine,
        BENCH_STORAGE: azurite.connectionString,
        BENCH_LATENCY_MS: String(latencyMs),
        BENCH_RUNS: String(runs),
        ...env,
      },
      encoding: "utf8",
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`stage ${name} failed (exit ${r.status}): ${r.stderr.slice(0, 2000)}`);
  }
}

/**
 * The first drift run, each in a fresh process: its own credential, MSAL apps, connections. Once
 * with a client secret (the Custom cloud's authority: OpenID discovery, then tokens) and once as
 * in a Function App (the platform's managed identity endpoint), alternating so that both see the
 * same machine.
 */
function firstRun(): FirstRun {
  const each: FirstRun["each"] = [];
  const managed: FirstRun["each"] = [];
  for (let i = 0; i < firstRuns; i++) {
    each.push(stage<FirstRun["each"][number]>("first"));
    managed.push(stage<FirstRun["each"][number]>("first", emuInfo.managedIdentity));
  }
  return { each, managed };
}

/** The fleet of `n` connectors: its own emulator world, and a fresh process that sweeps it. */
async function fleetRun(n: number, throttled = false): Promise<FleetRun> {
  say(`fleet of ${n}${throttled ? ", ARM reads throttled" : ""}`);
  const emu = await startHost({
    connectors: n,
    perWorkspace: 10,
    historyDays: fleetHistoryDays,
    armPageSize: 100,
    ...(throttled ? { armReadThrottle: { bucket: 250, refillPerSecond: 25 } } : {}),
  });
  try {
    const r = spawnSync(process.execPath, ["--expose-gc", `${work}/fleet.mjs`], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: path.resolve(certPath),
        BENCH_EMU: emu.line,
        BENCH_STORAGE: azurite.connectionString,
        BENCH_LATENCY_MS: String(latencyMs),
      },
      encoding: "utf8",
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    try {
      return { ...(JSON.parse(line) as FleetRun), ...(throttled ? { armThrottled: true } : {}) };
    } catch {
      throw new Error(`fleet of ${n} failed (exit ${r.status}): ${r.stderr.slice(0, 2000)}`);
    }
  } finally {
    await fetch(`${emu.control}/stop`).catch(() => undefined);
    emu.host.kill();
  }
}

const measured: Measured = { latencyMs, seed };
try {
  if (selected("calls")) measured.calls = stage("calls");
  if (selected("timing")) measured.timing = stage("timing");
  if (selected("firstRun")) measured.first = firstRun();
  if (selected("memory")) measured.memory = stage("memory");
  if (selected("growth")) measured.growth = stage("growth");
  if (selected("fleet")) {
    measured.fleet = [];
    for (const n of fleetSizes) measured.fleet.push(await fleetRun(n));
    if (fleetThrottled > 0) measured.fleet.push(await fleetRun(fleetThrottled, true));
    writeFileSync(`${work}/fleet.json`, JSON.stringify(measured.fleet, null, 1));
  }
  if (selected("imports"))
    measured.cold =
      (say("cold start"), measureColdStart(`${work}/importOnce.mjs`, `${work}/func`, `${work}/tsc`, importRuns));
} finally {
  await fetch(`${control}/stop`).catch(() => undefined);
  host.kill();
  await azurite.stop();
}

const rows = verdicts(measured);
console.log(renderTable(rows, measured));
if (only.length === 0) {
  writeFileSync("bench/results.md", renderMarkdown(rows, measured));
  say("wrote bench/results.md");
}
process.exitCode = rows.every((r) => r.pass !== false) ? 0 : 1;
