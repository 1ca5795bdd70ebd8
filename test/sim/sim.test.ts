import { describe, expect, it } from "vitest";
import { failureReport } from "./invariants.js";
import { simulateSeed } from "./simulate.js";

/**
 * The whole-system simulation. `npm test` runs one short seed; `npm run test:sim` more:
 * SIM_SEEDS (how many, default 1), SIM_FIRST (first seed, default 1), SIM_DAYS (simulated days
 * per seed, default 1), SIM_SEED (replay one seed), SIM_VERBOSE=1 (progress in /tmp/sim-progress-<seed>.txt).
 */
const env = (name: string, dflt: number) => {
  const v = process.env[name];
  return v === undefined || v === "" ? dflt : Number(v);
};
const days = env("SIM_DAYS", 1);
const seeds =
  process.env["SIM_SEED"] !== undefined
    ? [Number(process.env["SIM_SEED"])]
    : Array.from({ length: env("SIM_SEEDS", 1) }, (_, i) => env("SIM_FIRST", 1) + i);

describe("whole-system simulation (real handlers, emulator, Azurite, simulated clock)", () => {
  it.each(seeds)("seed %i keeps every invariant", { timeout: 30 * 60_000 }, async (seed) => {
    const r = await simulateSeed(seed, days);
    console.log(r.summary);
    if (r.violations.length) console.log(failureReport(r.trace, r.violations));
    expect(r.violations, failureReport(r.trace, r.violations)).toEqual([]);
  });
});
