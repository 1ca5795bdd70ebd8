import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { dailyCapQuery, dcrErrorsQuery, hourlyQuery, signInQuery } from "../../src/azure/logs.js";
import { runQuery } from "../../emulator/kql/index.js";
import { KEEPER_TABLE_COLUMNS } from "../../emulator/traffic.js";
import { SIGNIN_COLUMNS } from "../../emulator/state.js";
import { DCR_LOG_ERRORS_COLUMNS, LOG_OPERATION_COLUMNS } from "../../emulator/ingestionScenarios.js";
import { aggregateHourly, generateTrace } from "../../bench/trafficModel.js";
import { hourPhase } from "../../src/core/calendar.js";

// The Kusto language service is a Bridge.NET bundle: bridge.js defines the global Bridge first.
const require = createRequire(import.meta.url);
require("@kusto/language-service-next/bridge.js");
require("@kusto/language-service-next/Kusto.Language.Bridge.js");
const K = (globalThis as any).Kusto.Language;
const S = K.Symbols;
const TYPES: Record<string, unknown> = {
  datetime: S.ScalarTypes.DateTime,
  string: S.ScalarTypes.String,
  int: S.ScalarTypes.Int,
  long: S.ScalarTypes.Long,
  dynamic: S.ScalarTypes.Dynamic,
  guid: S.ScalarTypes.Guid,
};
const table = (name: string, cols: Array<{ name: string; type: string }>) =>
  new S.TableSymbol.$ctor4(
    name,
    cols.map((c) => new S.ColumnSymbol(c.name, TYPES[c.type])),
  );
const globals = K.GlobalState.Default.WithDatabase(
  new S.DatabaseSymbol.ctor("sentinel", [
    table("KeeperSecurityEventNewLogs_CL", KEEPER_TABLE_COLUMNS),
    table("AADServicePrincipalSignInLogs", SIGNIN_COLUMNS),
    table("DCRLogErrors", DCR_LOG_ERRORS_COLUMNS),
    table("_LogOperation", LOG_OPERATION_COLUMNS),
  ]),
);
function errors(query: string): string[] {
  const d = K.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
  const out: string[] = [];
  for (let i = 0; i < d.Count; i++) {
    const x = d.getItem(i);
    if (String(x.Severity) === "Error") out.push(String(x.Message));
  }
  return out;
}

const QUERIES: Array<[string, string]> = [
  ["hourly", hourlyQuery("KeeperSecurityEventNewLogs_CL")],
  ["hourly, Asia/Kolkata's local hours", hourlyQuery("KeeperSecurityEventNewLogs_CL", 30 * 60_000)],
  ["hourly, Asia/Kathmandu's local hours", hourlyQuery("KeeperSecurityEventNewLogs_CL", 15 * 60_000)],
  ["sign-ins", signInQuery("6897d2c6-ca50-46d5-8972-5efc9562512e")],
  ["DCRLogErrors", dcrErrorsQuery("Custom-KeeperSecurityEventNewLogs")],
  ["daily cap", dailyCapQuery()],
];

describe("every KQL string the ingestion watch sends", () => {
  it("the language service flags a wrong column (the check can fail)", () => {
    expect(errors("KeeperSecurityEventNewLogs_CL | summarize max(TimeGenerate)")).not.toEqual([]);
    expect(errors("DCRLogErrors | where Nope == 1")).not.toEqual([]);
  });

  it.each(QUERIES)("%s query parses and fits the table schemas", (_name, q) => {
    expect(errors(q)).toEqual([]);
  });

  it("escapes values into string literals", () => {
    expect(errors(dcrErrorsQuery('a" | take 1 //'))).toEqual([]);
    expect(dcrErrorsQuery('a"b')).toContain('"a\\"b"');
  });

  it.each([0, 30, 45])(
    "the emulator evaluates the hourly query at phase %i min exactly like its reference aggregation",
    (phaseMin) => {
      const phase = phaseMin * 60_000;
      const now = Date.parse("2026-03-08T03:00:00Z");
      const events = generateTrace(3, now - 15 * 86_400_000, now, new Set());
      const store = events.map((e) => ({ TimeGenerated: e.timeGenerated, Timestamp: e.timestamp }));
      const frame = runQuery(hourlyQuery("K", phase), {
        now,
        table: () => ({
          columns: [
            { name: "TimeGenerated", type: "datetime" },
            { name: "Timestamp", type: "datetime" },
          ],
          rows: store.map((r) => [r.TimeGenerated, r.Timestamp]),
        }),
      });
      const want = aggregateHourly(events, 0, now, phase);
      expect(want.every((w) => w.hour % 3_600_000 === phase)).toBe(true);
      expect(frame.columns.map((c) => c.name)).toEqual([
        "Hour",
        "Events",
        "MaxGapMin",
        "LastEvent",
        "LatencyP50",
        "LatencyP95",
      ]);
      expect(frame.rows.length).toBe(want.length);
      expect(frame.rows.length).toBeLessThan(400);
      for (const [i, w] of want.entries()) {
        const r = frame.rows[i]!;
        expect(r[0]).toBe(w.hour);
        expect(r[1]).toBe(w.events);
        if (w.maxGapMinutes === null) expect(r[2]).toBeNull();
        else expect(r[2] as number).toBeCloseTo(w.maxGapMinutes, 6);
        expect(r[3]).toBe(w.lastEvent);
        expect(r[5] as number).toBeCloseTo(w.latencyP95Minutes!, 6);
      }
    },
  );

  it("the emulator refuses prev() on a row set that is not serialized, as Kusto does", () => {
    expect(() =>
      runQuery("K | extend G = TimeGenerated - prev(TimeGenerated)", {
        now: 0,
        table: () => ({ columns: [{ name: "TimeGenerated", type: "datetime" }], rows: [[1]] }),
      }),
    ).toThrow(/serialized/);
  });
});

const T = Date.parse("2026-03-16T12:00:00Z");
describe("the hourly query on the customer's local hours", () => {
  const today = [
    "K",
    "| project TimeGenerated, Timestamp",
    "| sort by TimeGenerated asc",
    "| extend GapMin = (TimeGenerated - prev(TimeGenerated)) / 1m, LatencyMin = (TimeGenerated - Timestamp) / 1m",
    "| summarize Events = count(), MaxGapMin = max(GapMin), LastEvent = max(TimeGenerated), LatencyP50 = percentile(LatencyMin, 50), LatencyP95 = percentile(LatencyMin, 95) by Hour = bin(TimeGenerated, 1h)",
    "| sort by Hour asc",
  ].join("\n");

  it("whole-hour zones and no zone keep UTC hours: the query is the same text as without a phase", () => {
    expect(hourlyQuery("K")).toBe(today);
    expect(hourlyQuery("K", hourPhase(undefined, T))).toBe(today);
    expect(hourlyQuery("K", hourPhase("Europe/London", T))).toBe(today);
    expect(hourlyQuery("K", hourPhase("Europe/London", Date.parse("2026-07-01T12:00:00Z")))).toBe(today);
    expect(hourlyQuery("K", hourPhase("UTC", T))).toBe(today);
  });

  it("Asia/Kolkata bins at half past the UTC hour, the start of its local hours", () => {
    expect(hourPhase("Asia/Kolkata", T)).toBe(30 * 60_000);
    const q = hourlyQuery("K", hourPhase("Asia/Kolkata", T));
    expect(q).toContain("by Hour = bin_at(TimeGenerated, 1h, datetime(2000-01-01T00:30:00.000Z))");
    expect(q).not.toContain("bin(TimeGenerated");
    expect(q.replace("bin_at(TimeGenerated, 1h, datetime(2000-01-01T00:30:00.000Z))", "bin(TimeGenerated, 1h)")).toBe(
      hourlyQuery("K"),
    );
  });

  it.each([
    ["America/St_Johns", "2026-01-15T12:00:00Z", 30], // UTC−3:30
    ["America/St_Johns", "2026-07-15T12:00:00Z", 30], // UTC−2:30
    ["Asia/Kathmandu", "2026-01-15T12:00:00Z", 15], // UTC+5:45: 00:15 UTC is 06:00 there
    ["Pacific/Chatham", "2026-07-15T12:00:00Z", 15], // UTC+12:45
    ["Australia/Adelaide", "2026-01-15T12:00:00Z", 30], // UTC+10:30
    ["Australia/Lord_Howe", "2026-07-15T12:00:00Z", 30], // UTC+10:30 in winter
    ["Australia/Lord_Howe", "2026-01-15T12:00:00Z", 0], // UTC+11 in summer: the phase at the query's time
    ["America/New_York", "2026-01-15T12:00:00Z", 0],
  ])("%s at %s: local hours start %i min past the UTC hour", (zone, at, min) => {
    expect(hourPhase(zone, Date.parse(at))).toBe(min * 60_000);
  });

  it("refuses a phase that is not whole minutes within the hour", () => {
    expect(() => hourlyQuery("K", 3_600_000)).toThrow(RangeError);
    expect(() => hourlyQuery("K", -30 * 60_000)).toThrow(RangeError);
    expect(() => hourlyQuery("K", 1234)).toThrow(RangeError);
  });
});

/** One value through the emulator's evaluator: `expr` over a one-row table with D (datetime), N (real) and S (timespan). */
function evalOne(expr: string): unknown {
  const frame = runQuery(`K | project X = ${expr}`, {
    now: T,
    table: () => ({
      columns: [
        { name: "D", type: "datetime" },
        { name: "N", type: "real" },
        { name: "S", type: "timespan" },
      ],
      rows: [[Date.parse("2026-03-16T10:20:00Z"), 6.5, 3_600_000]],
    }),
  });
  return frame.rows[0]![0];
}
const H = 3_600_000;

describe("the emulator's bin_at, as Kusto documents it", () => {
  it.each([
    // the documentation's examples
    ["bin_at(6.5, 2.5, 7)", 4.5],
    ["bin_at(time(1h), 1d, 12h)", -12 * H],
    [
      "bin_at(datetime(2017-05-15 10:20:00.0), 1d, datetime(1970-01-01 12:00:00.0))",
      Date.parse("2017-05-14T12:00:00Z"),
    ],
    [
      "bin_at(datetime(2017-05-17 10:20:00.0), 7d, datetime(2017-06-04 00:00:00.0))",
      Date.parse("2017-05-14T00:00:00Z"),
    ],
    // the fixed point before and after the value, and the fixed point itself
    ["bin_at(D, 1h, datetime(2000-01-01T00:30:00Z))", Date.parse("2026-03-16T09:30:00Z")],
    ["bin_at(D, 1h, datetime(2030-01-01T00:15:00Z))", Date.parse("2026-03-16T10:15:00Z")],
    ["bin_at(datetime(2026-03-16T10:30:00Z), 1h, datetime(2000-01-01T00:30:00Z))", Date.parse("2026-03-16T10:30:00Z")],
    ["bin_at(datetime(2026-03-16T10:29:59Z), 1h, datetime(2000-01-01T00:30:00Z))", Date.parse("2026-03-16T09:30:00Z")],
    // negative values round down, away from zero
    ["bin_at(-1.0, 2.5, 0.0)", -2.5],
    ["bin_at(-6.5, 2.5, 7)", -8],
    ["bin_at(datetime(1969-12-31T23:10:00Z), 1h, datetime(2000-01-01T00:30:00Z))", Date.parse("1969-12-31T22:30:00Z")],
    ["bin_at(-1h, 1d, 12h)", -12 * H],
    // columns as value and bin size
    ["bin_at(N, 2.5, 7)", 4.5],
    ["bin_at(S, 1d, 12h)", -12 * H],
  ])("%s", (expr, want) => {
    expect(evalOne(expr)).toBe(want);
  });

  it("names the output column after the binned column, like bin()", () => {
    const frame = runQuery("K | summarize count() by bin_at(D, 1h, datetime(2000-01-01 00:30))", {
      now: T,
      table: () => ({ columns: [{ name: "D", type: "datetime" }], rows: [[Date.parse("2026-03-16T10:20:00Z")]] }),
    });
    expect(frame.columns.map((c) => c.name)).toEqual(["D", "count_"]);
    expect(frame.rows).toEqual([[Date.parse("2026-03-16T09:30:00Z"), 1]]);
  });

  it.each([
    ["bin_at(D, 1h)", /expected 3 argument/],
    ["bin_at(D, 1h, datetime(2000-01-01), 1)", /expected 3 argument/],
    ["bin_at(D, 60, datetime(2000-01-01))", /bin size must be a timespan/],
    ["bin_at(D, 1h, 30m)", /fixed point must be a datetime/],
    ["bin_at(S, 1h, datetime(2000-01-01))", /fixed point must be a timespan/],
    ["bin_at(N, 2.5, datetime(2000-01-01))", /fixed point must be a number/],
    ["bin_at(N, 1h, 7)", /bin size must be a number/],
    ["bin_at(D, 1h, D)", /fixed point must be a constant/],
    ['bin_at("x", 1, 0)', /cannot bin values of type string/],
  ])("refuses %s", (expr, err) => {
    expect(() => evalOne(expr)).toThrow(err);
  });
});
