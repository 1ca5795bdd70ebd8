import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { dailyCapQuery, dcrErrorsQuery, hourlyQuery, signInQuery } from "../../src/azure/logs.js";
import { runQuery } from "../../emulator/kql/index.js";
import { KEEPER_TABLE_COLUMNS } from "../../emulator/traffic.js";
import { SIGNIN_COLUMNS } from "../../emulator/state.js";
import { DCR_LOG_ERRORS_COLUMNS, LOG_OPERATION_COLUMNS } from "../../emulator/ingestionScenarios.js";
import { aggregateHourly, generateTrace } from "../../bench/trafficModel.js";

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

  it("the emulator evaluates the hourly query exactly like its reference aggregation", () => {
    const now = Date.parse("2026-03-08T03:00:00Z");
    const events = generateTrace(3, now - 15 * 86_400_000, now, new Set());
    const store = events.map((e) => ({ TimeGenerated: e.timeGenerated, Timestamp: e.timestamp }));
    const frame = runQuery(hourlyQuery("K"), {
      now,
      table: () => ({
        columns: [
          { name: "TimeGenerated", type: "datetime" },
          { name: "Timestamp", type: "datetime" },
        ],
        rows: store.map((r) => [r.TimeGenerated, r.Timestamp]),
      }),
    });
    const want = aggregateHourly(events, 0, now);
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
  });

  it("the emulator refuses prev() on a row set that is not serialized, as Kusto does", () => {
    expect(() =>
      runQuery("K | extend G = TimeGenerated - prev(TimeGenerated)", {
        now: 0,
        table: () => ({ columns: [{ name: "TimeGenerated", type: "datetime" }], rows: [[1]] }),
      }),
    ).toThrow(/serialized/);
  });
});
