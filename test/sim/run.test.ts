import { describe, expect, it } from "vitest";
import { parseArgs, shards } from "./run.js";

describe("test:sim runner arguments", () => {
  it("reads every flag and keeps the defaults for the rest", () => {
    const o = parseArgs(["--seeds", "2000", "--days", "0.5", "--jobs", "4"]);
    expect(o).toMatchObject({ seeds: 2000, first: 1, days: 0.5, jobs: 4, concurrency: 3, seed: undefined });
    expect(parseArgs(["--seed", "0"]).seed).toBe(0);
  });

  it("names the bad argument and why", () => {
    expect(() => parseArgs(["--seeds"])).toThrow("--seeds needs a number, got ''");
    expect(() => parseArgs(["--seeds", "ten"])).toThrow("--seeds needs a number, got 'ten'");
    expect(() => parseArgs(["--seeds", "0"])).toThrow("--seeds must be a whole number of at least 1, got 0");
    expect(() => parseArgs(["--jobs", "1.5"])).toThrow("--jobs must be a whole number");
    expect(() => parseArgs(["--days", "0"])).toThrow("--days must be above 0");
    expect(() => parseArgs(["--fast"])).toThrow("unknown argument '--fast'");
    expect(() => parseArgs(["seeds", "3"])).toThrow("unknown argument 'seeds'");
  });

  it("deals seeds round-robin, never more shards than seeds", () => {
    expect(shards([1, 2, 3, 4, 5], 2)).toEqual([
      [1, 3, 5],
      [2, 4],
    ]);
    expect(shards([7], 4)).toEqual([[7]]);
  });
});
