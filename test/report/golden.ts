import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";

const DIR = path.resolve("test/golden");

/** Compares with test/golden/<name>; UPDATE_GOLDEN=1 rewrites the file (review the diff, then commit). */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(DIR, name);
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(file, actual);
  let expected: string;
  try {
    expected = readFileSync(file, "utf8");
  } catch {
    throw new Error(`golden file ${name} missing: run UPDATE_GOLDEN=1 npx vitest run test/report and review it`);
  }
  expect(actual).toBe(expected);
}
