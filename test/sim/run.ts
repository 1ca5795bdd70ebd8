/**
 * `npm run test:sim -- [--seeds N] [--first F] [--seed S] [--days D] [--jobs J] [--concurrency C]`
 *
 * Runs the whole-system simulation over many seeds: J vitest processes (shards, each with its own
 * Azurite), each running C seeds at a time. Prints one line per seed, then the totals and the
 * replay command of every failing seed. Exit 0 when every seed kept every invariant, 1 otherwise,
 * 2 on a bad argument.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import type { SeedStats } from "./simulate.js";

interface Options {
  seeds: number;
  first: number;
  seed: number | undefined;
  days: number;
  jobs: number;
  concurrency: number;
}

const USAGE = "usage: npm run test:sim -- [--seeds N] [--first F] [--seed S] [--days D] [--jobs J] [--concurrency C]";

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    seeds: 20,
    first: 1,
    seed: undefined,
    days: 1,
    jobs: Math.max(1, availableParallelism()),
    concurrency: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const raw = argv[i + 1];
    const name = flag.replace(/^--/, "");
    if (!["seeds", "first", "seed", "days", "jobs", "concurrency"].includes(name) || !flag.startsWith("--"))
      throw new Error(`unknown argument '${flag}'. ${USAGE}`);
    const v = Number(raw);
    i++;
    if (raw === undefined || raw === "" || !Number.isFinite(v))
      throw new Error(`--${name} needs a number, got '${raw ?? ""}'`);
    if (name === "days") {
      if (v <= 0 || v > 365) throw new Error(`--days must be above 0 and at most 365, got ${v}`);
      o.days = v;
      continue;
    }
    if (!Number.isInteger(v) || v < (name === "first" || name === "seed" ? 0 : 1))
      throw new Error(
        `--${name} must be a whole number${name === "first" || name === "seed" ? "" : " of at least 1"}, got ${raw}`,
      );
    if (name === "seed") o.seed = v;
    else o[name as "seeds" | "first" | "jobs" | "concurrency"] = v;
  }
  return o;
}

/** Seeds dealt round-robin to the shards, so slow and fast seeds spread evenly. */
export function shards(seeds: readonly number[], jobs: number): number[][] {
  const out: number[][] = Array.from({ length: Math.min(jobs, seeds.length) }, () => []);
  seeds.forEach((s, i) => out[i % out.length]!.push(s));
  return out;
}

function runShard(list: number[], o: Options, results: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        path.resolve("node_modules/vitest/vitest.mjs"),
        "run",
        "test/sim/sim.test.ts",
        "--maxConcurrency",
        String(o.concurrency),
        "--reporter",
        "dot",
      ],
      {
        env: {
          ...process.env,
          SIM_SEED_LIST: list.join(","),
          SIM_DAYS: String(o.days),
          SIM_RESULTS: results,
          SIM_SEED: undefined,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        // eslint-disable-next-line no-control-regex
        const plain = line.replace(/\u001b\[[0-9;]*m/g, "");
        if (/^seed \d+[: ]|^\s+✗|^ {2}\d{4}-|FAILED/.test(plain)) console.log(plain);
      }
    };
    child.stdout.on("data", relay);
    child.stderr.on("data", relay);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const seeds = o.seed !== undefined ? [o.seed] : Array.from({ length: o.seeds }, (_, i) => o.first + i);
  const dir = mkdtempSync(path.join(tmpdir(), "sim-"));
  const results = path.join(dir, "results.jsonl");
  const started = performance.now();
  console.log(
    `simulating ${seeds.length} seed(s) × ${o.days} day(s) of chaos in ${Math.min(o.jobs, seeds.length)} shard(s), ${o.concurrency} seed(s) at a time each`,
  );
  try {
    const codes = await Promise.all(shards(seeds, o.jobs).map((list) => runShard(list, o, results)));
    let stats: SeedStats[] = [];
    try {
      stats = readFileSync(results, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as SeedStats);
    } catch {
      // no seed finished: the shards' own output says why
    }
    const sum = (k: keyof SeedStats) => stats.reduce((s, x) => s + x[k], 0);
    const failed = stats.filter((x) => x.violations > 0).map((x) => x.seed);
    const missing = seeds.filter((s) => !stats.some((x) => x.seed === s));
    const wall = (performance.now() - started) / 1000;
    console.log(
      `\n${stats.length} of ${seeds.length} seeds finished: ${(sum("hours") / 24).toFixed(1)} simulated days, ` +
        `${sum("invocations")} invocations, ${sum("faults")} faults, ${sum("crashes")} crashes, ${sum("breaks")} breaks, ` +
        `${sum("httpCalls")} HTTP calls; ${failed.length} failed; ${Math.round(wall)} s wall ` +
        `(${(sum("hours") / 24 / (wall / 60)).toFixed(1)} simulated days per minute)`,
    );
    for (const s of failed) console.log(`replay: npm run test:sim -- --seed ${s} --days ${o.days}`);
    if (missing.length) console.log(`no result for seed(s) ${missing.join(", ")} (crashed or timed out: see above)`);
    return codes.every((c) => c === 0) && failed.length === 0 && missing.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename))
  process.exitCode = await main();
