import { LogsQueryClient, LogsQueryResultStatus } from "@azure/monitor-query-logs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { bearer, getJson, monitorCredential, startTrusted } from "./helpers.js";

const NOW = Date.parse("2025-03-05T14:30:00Z"); // a Wednesday afternoon
let emu: Emulator;
beforeAll(async () => {
  emu = await startTrusted({ now: () => new Date(NOW) });
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(() => {
  emu.applyScenario("healthy");
  emu.faults.clear();
});

const client = () =>
  new LogsQueryClient(monitorCredential(emu), {
    endpoint: `${emu.url}/v1`,
    credentials: { scopes: ["https://api.loganalytics.io/.default"] },
    retryOptions: { maxRetries: 0 },
  });
const rows = () => emu.state.tables[ids.TABLE_NAME]!.rows;
const tg = (r: Record<string, unknown>) => r["TimeGenerated"] as number;

async function query(q: string, timespan?: string) {
  const token = await bearer(emu, "https://api.loganalytics.io");
  return getJson(emu, `/v1/workspaces/${ids.WORKSPACE_CUSTOMER_ID}/query`, token, {
    method: "POST",
    body: JSON.stringify(timespan ? { query: q, timespan } : { query: q }),
  });
}

describe("seeded Keeper traffic", () => {
  it("is diurnal, deterministic and ends 3-10 minutes before now", () => {
    const r = rows();
    const last = Math.max(...r.map(tg));
    expect(NOW - last).toBeGreaterThanOrEqual(3 * 60_000);
    expect(NOW - last).toBeLessThanOrEqual(10 * 60_000);
    expect(Math.min(...r.map(tg))).toBeGreaterThanOrEqual(NOW - 14 * 86_400_000);
    const office = r.filter((x) => {
      const d = new Date(tg(x));
      return d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && d.getUTCHours() >= 8 && d.getUTCHours() < 18;
    });
    const night = r.filter((x) => {
      const h = new Date(tg(x)).getUTCHours();
      return h < 6;
    });
    expect(office.length / (10 * 10)).toBeGreaterThan(10); // > 10 events per office hour
    expect(night.length / (14 * 6)).toBeLessThan(4);
    for (const x of r.slice(0, 50)) {
      const delay = tg(x) - (x["Timestamp"] as number);
      expect(delay).toBeGreaterThanOrEqual(60_000);
      expect(delay).toBeLessThanOrEqual(600_000);
      expect(String(x["Username"])).toMatch(/@example\.com$/);
    }
    const first = JSON.stringify(r.slice(0, 5));
    emu.applyScenario("healthy");
    expect(JSON.stringify(rows().slice(0, 5))).toBe(first);
  });
});

describe("Log Analytics query API", () => {
  it("answers the monitor's freshness query through the real LogsQueryClient, correctly", async () => {
    const res = await client().queryWorkspace(
      ids.WORKSPACE_CUSTOMER_ID,
      "KeeperSecurityEventNewLogs_CL | summarize LastEvent = max(TimeGenerated), Events = count()",
      { duration: "P7D" },
    );
    expect(res.status).toBe(LogsQueryResultStatus.Success);
    if (res.status !== LogsQueryResultStatus.Success) return;
    const t = res.tables[0]!;
    expect(t.columnDescriptors.map((c) => [c.name, c.type])).toEqual([
      ["LastEvent", "datetime"],
      ["Events", "long"],
    ]);
    const inWindow = rows().filter((r) => tg(r) >= NOW - 7 * 86_400_000 && tg(r) <= NOW);
    const row = t.rows[0]!;
    expect((row[0] as Date).getTime()).toBe(Math.max(...inWindow.map(tg)));
    expect(row[1]).toBe(inWindow.length);
  });

  it("where/ago, bin, percentile of (A - B) / 1m, countif, order, take", async () => {
    const r = await query(
      "KeeperSecurityEventNewLogs_CL | where TimeGenerated > ago(1d) | summarize n = count(), logins = countif(AuditEvent == 'login'), p95 = percentile((TimeGenerated - Timestamp) / 1m, 95) by bin(TimeGenerated, 1h) | order by TimeGenerated desc | take 3",
      "P2D",
    );
    expect(r.status).toBe(200);
    const t = r.body.tables[0];
    expect(t.name).toBe("PrimaryResult");
    expect(t.columns).toEqual([
      { name: "TimeGenerated", type: "datetime" },
      { name: "n", type: "long" },
      { name: "logins", type: "long" },
      { name: "p95", type: "real" },
    ]);
    expect(t.rows.length).toBeLessThanOrEqual(3);
    const hour = Math.floor(Date.parse(t.rows[0][0]) / 3_600_000) * 3_600_000;
    const inHour = rows().filter((x) => tg(x) >= hour && tg(x) < hour + 3_600_000 && tg(x) > NOW - 86_400_000);
    expect(t.rows[0][1]).toBe(inHour.length);
    expect(t.rows[0][2]).toBe(inHour.filter((x) => x["AuditEvent"] === "login").length);
    expect(t.rows[0][3]).toBeGreaterThanOrEqual(1);
    expect(t.rows[0][3]).toBeLessThanOrEqual(10);
    expect(Date.parse(t.rows[0][0])).toBeGreaterThan(Date.parse(t.rows[1][0]));
  });

  it("extend / project / timespan values / dynamic as JSON text / datetime literal", async () => {
    const r = await query(
      "KeeperSecurityEventNewLogs_CL | where TimeGenerated >= datetime(2025-03-05 00:00) and Username != '' | extend Delay = TimeGenerated - Timestamp | project TimeGenerated, Delay, Data | order by TimeGenerated asc | take 1",
      "P1D",
    );
    expect(r.status).toBe(200);
    const t = r.body.tables[0];
    expect(t.columns.map((c: any) => c.type)).toEqual(["datetime", "timespan", "dynamic"]);
    expect(t.rows[0][1]).toMatch(/^00:(0\d|10):\d\d(\.\d+)?$/);
    expect(typeof t.rows[0][2]).toBe("string");
    expect(JSON.parse(t.rows[0][2])).toHaveProperty("node_id");
    expect(Date.parse(t.rows[0][0])).toBeGreaterThanOrEqual(Date.parse("2025-03-05T00:00:00Z"));
  });

  it("the query's timespan restricts TimeGenerated", async () => {
    const r = await query("KeeperSecurityEventNewLogs_CL | count", "PT1H");
    expect(r.body.tables[0].rows[0][0]).toBe(rows().filter((x) => tg(x) >= NOW - 3_600_000 && tg(x) <= NOW).length);
    const s = await query("KeeperSecurityEventNewLogs_CL | count", "2025-03-04T00:00:00Z/2025-03-05T00:00:00Z");
    expect(s.body.tables[0].rows[0][0]).toBe(
      rows().filter((x) => tg(x) >= Date.parse("2025-03-04T00:00:00Z") && tg(x) <= Date.parse("2025-03-05T00:00:00Z"))
        .length,
    );
  });

  it("unknown table: 400 SemanticError; bad syntax: 400 SyntaxError; both as RestError in the SDK", async () => {
    const a = await query("NoSuchTable_CL | count");
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe("BadArgumentError");
    expect(a.body.error.message).toBe("The request had some invalid properties");
    expect(a.body.error.innererror.code).toBe("SemanticError");
    expect(a.body.error.innererror.message).toBe(
      "'count' operator: Failed to resolve table or column expression named 'NoSuchTable_CL'",
    );
    const b = await query("KeeperSecurityEventNewLogs_CL | summarize ) by");
    expect(b.status).toBe(400);
    expect(b.body.error.innererror.code).toBe("SyntaxError");
    const err = await client()
      .queryWorkspace(ids.WORKSPACE_CUSTOMER_ID, "Nope | take 1", { duration: "PT1H" })
      .catch((e) => e);
    expect(err.statusCode).toBe(400);
    expect(String(err.message)).toBe("The request had some invalid properties");
    emu.applyScenario("table-deleted");
    expect((await query("KeeperSecurityEventNewLogs_CL | count")).body.error.innererror.code).toBe("SemanticError");
  });

  it("unknown column is a SemanticError; comparing datetime with a string too", async () => {
    const a = await query("KeeperSecurityEventNewLogs_CL | where Nope > 1");
    expect(a.body.error.innererror.message).toContain("Failed to resolve scalar expression named 'Nope'");
    const b = await query("KeeperSecurityEventNewLogs_CL | where TimeGenerated > 'x'");
    expect(b.body.error.innererror.code).toBe("SemanticError");
  });

  it("auth: 401 without a token, 404 for an unknown workspace, 403 when the monitor is denied", async () => {
    const a = await getJson(emu, `/v1/workspaces/${ids.WORKSPACE_CUSTOMER_ID}/query`, undefined, {
      method: "POST",
      body: JSON.stringify({ query: "T" }),
    });
    expect(a.status).toBe(401);
    expect(a.body.error.code).toBe("AuthorizationRequiredError");
    const token = await bearer(emu, "https://api.loganalytics.io");
    const b = await getJson(emu, `/v1/workspaces/00000000-0000-0000-0000-000000000000/query`, token, {
      method: "POST",
      body: JSON.stringify({ query: "T" }),
    });
    expect(b.status).toBe(404);
    expect(b.body.error.code).toBe("WorkspaceNotFoundError");
    emu.state.monitorDenied.add(ids.IDS.workspace);
    const c = await getJson(emu, `/v1/workspaces/${ids.WORKSPACE_CUSTOMER_ID}/query`, token, {
      method: "POST",
      body: JSON.stringify({ query: "KeeperSecurityEventNewLogs_CL | count" }),
    });
    expect(c.status).toBe(403);
    expect(c.body.error.code).toBe("InsufficientAccessError");
  });

  it("keeper-silent leaves nothing in the last 13 hours, and events before that", async () => {
    emu.applyScenario("keeper-silent");
    const q = "KeeperSecurityEventNewLogs_CL | summarize LastEvent = max(TimeGenerated), Events = count()";
    expect((await query(q, "PT13H")).body.tables[0].rows).toEqual([[null, 0]]);
    expect((await query(q, "P3D")).body.tables[0].rows[0][1]).toBeGreaterThan(0);
  });

  it("sign-in log table records token requests with the credential key id", async () => {
    await emu.keeperPush();
    const r = await query(
      "AADServicePrincipalSignInLogs | where AppId == '" +
        ids.KEEPER_APP_ID +
        "' | summarize arg = max(TimeGenerated) by ResultType, ServicePrincipalCredentialKeyId",
      "PT1H",
    );
    expect(r.status).toBe(200);
    expect(r.body.tables[0].rows.some((x: unknown[]) => x[0] === "0" && x[1] === ids.KEEPER_SECRET_KEY_ID)).toBe(true);
  });
});
