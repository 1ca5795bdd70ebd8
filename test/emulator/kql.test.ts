import { describe, expect, it } from "vitest";
import { KqlSemanticError, KqlSyntaxError, runQuery, formatTimespan, type Frame } from "../../emulator/kql/index.js";

const NOW = Date.parse("2025-01-10T12:00:00Z");
const T: Frame = {
  columns: [
    { name: "TimeGenerated", type: "datetime" },
    { name: "Timestamp", type: "datetime" },
    { name: "User", type: "string" },
    { name: "N", type: "int" },
    { name: "D", type: "dynamic" },
  ],
  rows: [
    [NOW - 10 * 60_000, NOW - 12 * 60_000, "a", 1, { k: "x" }],
    [NOW - 70 * 60_000, NOW - 75 * 60_000, "b", 2, { k: "y" }],
    [NOW - 3 * 3_600_000, NOW - 3 * 3_600_000 - 60_000, "a", 3, null],
    [NOW - 2 * 86_400_000, NOW - 2 * 86_400_000 - 600_000, "c", 4, { k: "x" }],
  ],
};
const run = (q: string) => runQuery(q, { now: NOW, table: (n) => (n === "T" ? T : undefined) });

describe("KQL evaluator", () => {
  it("where with ago/now/and/or and string ops", () => {
    expect(run("T | where TimeGenerated > ago(1h)").rows).toHaveLength(1);
    expect(run("T | where TimeGenerated >= ago(2h) and User == 'b'").rows).toHaveLength(1);
    expect(run("T | where User == 'c' or N >= 3").rows).toHaveLength(2);
    expect(run("T | where TimeGenerated < now() - 1d").rows).toHaveLength(1);
    expect(run("T | where User in ('a', 'c') | count").rows).toEqual([[3]]);
    expect(run("T | where User contains 'A' | count").rows).toEqual([[2]]);
    expect(run("T | where User =~ 'B' | count").rows).toEqual([[1]]);
    expect(run("T | where D.k == 'x' | count").rows).toEqual([[2]]);
    expect(run("T | where TimeGenerated > datetime(2025-01-10T11:00:00Z) | count").rows).toEqual([[1]]);
  });

  it("summarize with default names, by bin, percentile over (A - B) / 1m", () => {
    const r = run(
      "T | summarize count(), max(TimeGenerated), countif(N > 1), p = percentile((TimeGenerated - Timestamp) / 1m, 50)",
    );
    expect(r.columns).toEqual([
      { name: "count_", type: "long" },
      { name: "max_TimeGenerated", type: "datetime" },
      { name: "countif_", type: "long" },
      { name: "p", type: "real" },
    ]);
    expect(r.rows).toEqual([[4, NOW - 10 * 60_000, 3, 2]]);
    const b = run("T | summarize n = count() by bin(TimeGenerated, 1d) | order by TimeGenerated asc");
    expect(b.columns[0]).toEqual({ name: "TimeGenerated", type: "datetime" });
    expect(b.rows.map((x) => x[1])).toEqual([1, 3]);
    expect(run("T | summarize n = count() by User | order by n desc, User asc | take 1").rows).toEqual([["a", 2]]);
    expect(run("T | where User == 'zzz' | summarize m = max(TimeGenerated), n = count()").rows).toEqual([[null, 0]]);
    expect(run("T | summarize d = dcount(User), s = sum(N), a = avg(N)").rows).toEqual([[3, 10, 2.5]]);
  });

  it("extend / project / project-rename / project-away / top / distinct", () => {
    const e = run(
      "T | extend Delay = TimeGenerated - Timestamp, M = (TimeGenerated - Timestamp) / 1m | project User, Delay, M | take 1",
    );
    expect(e.columns.map((c) => c.type)).toEqual(["string", "timespan", "real"]);
    expect(e.rows[0]).toEqual(["a", 120_000, 2]);
    expect(formatTimespan(120_000)).toBe("00:02:00");
    expect(formatTimespan(86_400_000 + 1500)).toBe("1.00:00:01.5000000");
    expect(run("T | project-rename Who = User | project Who | take 1").rows).toEqual([["a"]]);
    expect(run("T | project-away D, Timestamp, TimeGenerated").columns.map((c) => c.name)).toEqual(["User", "N"]);
    expect(run("T | top 2 by N").rows.map((r) => r[3])).toEqual([4, 3]);
    expect(run("T | distinct User").rows).toHaveLength(3);
    expect(run("T | extend TimeGenerated = now() | take 1").rows[0]![0]).toBe(NOW);
  });

  it("errors: syntax, unknown table/column, type mismatch", () => {
    expect(() => run("T | where")).toThrow(KqlSyntaxError);
    expect(() => run("T | frobnicate")).toThrow(KqlSyntaxError);
    expect(() => run("T | where 'x")).toThrow(KqlSyntaxError);
    expect(() => run("U | take 1")).toThrow(/Failed to resolve table or column expression named 'U'/);
    expect(() => run("T | project Nope")).toThrow(KqlSemanticError);
    expect(() => run("T | where TimeGenerated > 5")).toThrow(/Cannot compare/);
    expect(() => run("T | summarize N")).toThrow(KqlSemanticError);
  });
});
