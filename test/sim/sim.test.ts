import { appendFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { failureReport } from "./invariants.js";
import { simulateSeed } from "./simulate.js";

/**
 * The whole-system simulation. `npm test` runs one short seed; `npm run test:sim` (test/sim/run.ts)
 * runs many in parallel shards. Environment: SIM_SEEDS (how many, default 1), SIM_FIRST (first
 * seed, default 1), SIM_SEED_LIST (comma-separated seeds; wins over both), SIM_DAYS (simulated days
 * of chaos per seed, fractions allowed, default 1), SIM_SEED (replay one seed), SIM_RESULTS (a file
 * that gets one JSON line of statistics per seed), SIM_VERBOSE=1 (progress in /tmp/sim-progress-<seed>.txt).
 * Seeds of one file run concurrently up to vitest's --maxConcurrency: a seed waits on Azurite and on
 * call timeouts much of the time, and another seed's work fills those waits.
 */
const env = (name: string, dflt: number) => {
  const v = process.env[name];
  return v === undefined || v === "" ? dflt : Number(v);
};
const days = env("SIM_DAYS", 1);
const list = process.env["SIM_SEED_LIST"];
const seeds =
  process.env["SIM_SEED"] !== undefined
    ? [Number(process.env["SIM_SEED"])]
    : list
      ? list.split(",").map(Number)
      : Array.from({ length: env("SIM_SEEDS", 1) }, (_, i) => env("SIM_FIRST", 1) + i);
const results = process.env["SIM_RESULTS"];

describe("whole-system simulation (real handlers, emulator, Azurite, simulated clock)", () => {
  it.concurrent.each(seeds)("seed %i keeps every invariant", { timeout: 60 * 60_000 }, async (seed) => {
    const r = await simulateSeed(seed, days);
    console.log(r.summary);
    if (results) appendFileSync(results, `${JSON.stringify(r.stats)}\n`);
    if (r.violations.length) console.log(failureReport(r.trace, r.violations));
    expect(r.violations, failureReport(r.trace, r.violations)).toEqual([]);
  });
});
