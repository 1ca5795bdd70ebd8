import { afterAll, beforeAll, describe, expect, it } from "vitest";
import func from "@azure/functions";
import type { Emulator } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { main } from "../../src/cli.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createMonitor } from "../../src/app/monitor.js";
import { ingestionWatchHandler } from "../../src/functions/ingestionWatch.js";
import type { Notice, RunRecord } from "../../src/core/notifier.js";
import { evaluate } from "../../src/alerts/policy.js";
import type { AlertRecord, PolicySettings } from "../../src/alerts/alertRecord.js";
import type { Finding } from "../../src/core/finding.js";
import { leaks, startTrustedEmulator } from "./harness.js";

const SUNDAY_3AM = new Date("2026-03-08T03:00:00Z");
let emu: Emulator;
let clockEmu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator();
  clockEmu = await startTrustedEmulator({ now: () => SUNDAY_3AM });
});
afterAll(async () => {
  await emu?.stop();
  await clockEmu?.stop();
});

const at = (e: Emulator, now: Date) =>
  createMonitor(loadConfig({ CALL_TIMEOUT_SECONDS: "4", RUN_BUDGET_SECONDS: "20", ...e.settings }), { now: () => now });
const find = (fs: Finding[], check: string) => fs.find((f) => f.check === check)!;

describe("ingestion watch against the emulator (real SDKs), clock at 03:00 on a Sunday", () => {
  it("is healthy at Sunday 03:00 with one Log Analytics query and no metrics read", async () => {
    clockEmu.applyScenario("healthy");
    clockEmu.resetCalls();
    const run = await at(clockEmu, SUNDAY_3AM).runIngestionWatch();
    expect(run.findings.filter((f) => f.status !== "ok")).toEqual([]);
    expect(find(run.findings, "ingestion.freshness").evidence).toMatchObject({ learned: "baseline" });
    expect(clockEmu.calls.filter((c) => c.service === "logs")).toHaveLength(1);
    expect(clockEmu.calls.filter((c) => /metrics/i.test(c.path))).toHaveLength(0);
    expect(run.eventsPerHour?.length).toBeGreaterThanOrEqual(168);
  });

  it("on Asia/Kolkata (TRAFFIC_TIME_ZONE) the one query bins Kolkata's local hours (bin_at), evaluated by the emulator", async () => {
    clockEmu.applyScenario("healthy");
    clockEmu.resetCalls();
    const monitor = createMonitor(
      loadConfig({
        CALL_TIMEOUT_SECONDS: "4",
        RUN_BUDGET_SECONDS: "20",
        ...clockEmu.settings,
        TRAFFIC_TIME_ZONE: "Asia/Kolkata",
      }),
      { now: () => SUNDAY_3AM },
    );
    const run = await monitor.runIngestionWatch();
    expect(clockEmu.calls.filter((c) => c.service === "logs")).toHaveLength(1);
    const fresh = find(run.findings, "ingestion.freshness");
    expect(fresh.status, fresh.summary).not.toBe("unknown");
    // Sunday 03:00 UTC is 08:30 in Kolkata: the row of 08:00-09:00 local, from 02:30 UTC
    expect(fresh.evidence?.["hourOfWeek"]).toBe("Sun 08:00-09:00 Kolkata time, UTC+5:30");
    const points = run.eventsPerHour ?? [];
    expect(points.length).toBeGreaterThanOrEqual(168);
    expect(points.every((p) => p.hour.slice(13) === ":30:00.000Z")).toBe(true);
    // each count is the emulator's events in [hh:30, hh+1:30): the rows were binned there, not moved there
    const times = clockEmu.state.tables[ids.TABLE_NAME]!.rows.map((r) => r["TimeGenerated"] as number);
    const inRow = (h: number) => times.filter((t) => t >= h && t < h + 3_600_000).length;
    const busy = points.filter((p) => p.count > 0).slice(-48);
    expect(busy.length).toBeGreaterThan(24);
    for (const p of busy) expect(p.count, p.hour).toBe(inRow(Date.parse(p.hour)));
    expect(busy.some((p) => inRow(Date.parse(p.hour) + 1_800_000) !== p.count)).toBe(true);
  });

  it("lets a quiet night pass: no event for 100 min at Sunday 03:00 is no alert", async () => {
    clockEmu.applyScenario("healthy");
    const store = clockEmu.state.tables[ids.TABLE_NAME]!;
    store.rows = store.rows.filter((r) => (r["TimeGenerated"] as number) < SUNDAY_3AM.getTime() - 100 * 60_000);
    store.rows.push({ ...store.rows.at(-1)!, TimeGenerated: SUNDAY_3AM.getTime() - 100 * 60_000 });
    const run = await at(clockEmu, SUNDAY_3AM).runIngestionWatch();
    const f = find(run.findings, "ingestion.freshness");
    expect(f.status, f.summary).toBe("ok");
    expect(f.evidence?.["gapMinutes"]).toBe(100);
    expect(find(run.findings, "ingestion.diagnosis").summary).toMatch(/Not needed/);
  });

  it("alerts on a real outage at Sunday 03:00 and says why, through the timer handler and its sink", async () => {
    clockEmu.applyScenario("keeper-stopped");
    const records: RunRecord[] = [];
    const lines: string[] = [];
    const handler = ingestionWatchHandler({
      getMonitor: () => at(clockEmu, SUNDAY_3AM),
      sink: { record: (r) => Promise.resolve(void records.push(r)) },
    });
    const ctx = new func.InvocationContext({
      invocationId: "t",
      functionName: "ingestionWatch",
      logHandler: (_l, ...a) => lines.push(a.join(" ")),
    });
    await handler(
      { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } },
      ctx,
    );
    expect(records).toHaveLength(1);
    const rec = records[0]!;
    expect(rec.source).toBe("ingestion");
    expect(find(rec.findings, "ingestion.freshness")).toMatchObject({ status: "problem", severity: "critical" });
    expect(find(rec.findings, "ingestion.freshness").summary).toMatch(
      /^No Keeper event for \d+ (?:min|h|days?)(?: \d+ (?:min|h))?; at this hour of the week \(Sun 03:00-04:00 UTC\)/,
    );
    expect(find(rec.findings, "ingestion.diagnosis").evidence?.["cause"]).toBe("keeper-stopped");
    expect(rec.eventsPerHour?.some((h) => h.count > 0)).toBe(true);
    expect(lines.join("\n")).toMatch(/ingestionWatch done freshness=problem/);
    expect(leaks(clockEmu, lines.join("\n") + JSON.stringify(records))).toEqual([]);
  });

  it("weighs the drift checks' causes in the timer's diagnosis (expired secret: secret.expiry and the sign-ins)", async () => {
    clockEmu.applyScenario("secret-expired-silent");
    const run = await at(clockEmu, SUNDAY_3AM).runIngestionWatch();
    const d = find(run.findings, "ingestion.diagnosis");
    expect(d.evidence?.["cause"]).toBe("secret-expired");
    const [top] = d.evidence?.["causes"] as Array<{ cause: string; evidence: string[] }>;
    expect(top?.evidence.some((e) => e.startsWith("secret.expiry: "))).toBe(true);
    expect(top?.evidence.some((e) => e.includes("AADSTS7000222"))).toBe(true);
    // the cause is for the diagnosis: no finding the timer hands on carries one
    expect(run.findings.filter((f) => f.cause !== undefined)).toEqual([]);
  });

  it("calls a gap quiet hours allow silence once the DCR refuses Keeper's pushes (role removed 45 min ago)", async () => {
    clockEmu.applyScenario("role-removed-recent");
    clockEmu.resetCalls();
    const run = await at(clockEmu, SUNDAY_3AM).runIngestionWatch();
    const f = find(run.findings, "ingestion.freshness");
    expect(f).toMatchObject({ status: "problem", severity: "critical" });
    expect(f.summary).toMatch(
      /Keeper is sending but its events are lost since the last event at \S+Z: the DCR refused [1-9]\d* push\(es\) \(403: /,
    );
    // the usual gaps alone would have waited longer
    expect(f.evidence?.["gapMinutes"] as number).toBeLessThan(f.evidence?.["thresholdMinutes"] as number);
    expect(f.evidence?.["lostPushes"]).toMatchObject({ unlanded: 0 });
    expect(find(run.findings, "ingestion.diagnosis").evidence?.["cause"]).toBe("role-missing");
    // one per-minute metrics read, which the diagnosis reuses
    expect(clockEmu.calls.filter((c) => /metrics/i.test(c.path))).toHaveLength(1);
  });

  it("calls it silence when the DCR accepted pushes 20+ min ago and none reached the table (daily cap 45 min ago)", async () => {
    clockEmu.applyScenario("daily-cap-recent");
    const run = await at(clockEmu, SUNDAY_3AM).runIngestionWatch();
    const f = find(run.findings, "ingestion.freshness");
    expect(f.status, f.summary).toBe("problem");
    expect(f.summary).toMatch(/it accepted 2 push\(es\) more than 20 min ago and none reached the table/);
    expect(find(run.findings, "ingestion.diagnosis").evidence?.["cause"]).toBe("daily-cap");
  });

  it("is no alarm on a quiet night whose last push was throttled once and then accepted (same minute)", async () => {
    clockEmu.applyScenario("healthy");
    const store = clockEmu.state.tables[ids.TABLE_NAME]!;
    const last = SUNDAY_3AM.getTime() - 100 * 60_000 + 30_000;
    store.rows = store.rows.filter((r) => (r["TimeGenerated"] as number) < last);
    store.rows.push({ ...store.rows.at(-1)!, TimeGenerated: last });
    const call = (at: number, status: number) =>
      clockEmu.state.ingestionCalls.push({
        at: new Date(at).toISOString(),
        immutableId: ids.DCR_IMMUTABLE_ID,
        stream: ids.STREAM_NAME,
        status,
        rowsReceived: 3,
        rowsDropped: 0,
        principalId: ids.KEEPER_SP_ID,
      });
    call(last - 20_000, 429);
    call(last, 204);
    clockEmu.resetCalls();
    const run = await at(clockEmu, SUNDAY_3AM).runIngestionWatch();
    const f = find(run.findings, "ingestion.freshness");
    expect(f.status, f.summary).toBe("ok");
    expect(f.evidence?.["lostPushes"]).toBeUndefined();
    expect(clockEmu.calls.filter((c) => /metrics/i.test(c.path))).toHaveLength(1);
  });

  it("leaves a gap to the usual gaps when the DCR metrics cannot be read, and says so", async () => {
    clockEmu.applyScenario("role-removed-recent");
    const fault = { path: /metrics/i, status: 403 };
    clockEmu.faults.add(fault);
    try {
      const run = await at(clockEmu, SUNDAY_3AM).runIngestionWatch();
      const f = find(run.findings, "ingestion.freshness");
      expect(f.status, f.summary).toBe("ok");
      expect(f.summary).toMatch(
        /Keeper's pushes since the last event could not be read \(the monitor's identity may not read the DCR's metrics/,
      );
    } finally {
      clockEmu.faults.remove(fault);
    }
  });

  it("says when AADServicePrincipalSignInLogs is not in the workspace, and how to enable it", async () => {
    clockEmu.applyScenario("keeper-stopped");
    delete clockEmu.state.tables["AADServicePrincipalSignInLogs"];
    const run = await at(clockEmu, SUNDAY_3AM).runIngestionWatch();
    const d = find(run.findings, "ingestion.diagnosis");
    expect(d.evidence?.["cause"]).toBe("keeper-stopped");
    expect(JSON.stringify(d.evidence?.["sources"])).toMatch(
      /not in the workspace.*Diagnostic settings.*ServicePrincipalSignInLogs/,
    );
  });
});

describe("keeper-monitor check --json names the injected cause first (real SDKs, emulator)", () => {
  const out: string[] = [];
  afterAll(() => expect(leaks(emu, out.join("\n"))).toEqual([]));
  it.each([
    ["keeper-stopped", "keeper-stopped"],
    ["secret-expired-silent", "secret-expired"],
    ["role-removed-silent", "role-missing"],
    ["dcr-changed-silent", "dcr-changed"],
    ["daily-cap-reached", "daily-cap"],
    ["throttled", "throttled"],
    ["role-removed-recent", "role-missing"],
    ["daily-cap-recent", "daily-cap"],
  ])("%s → %s", async (scenario, cause) => {
    emu.applyScenario(scenario);
    let stdout = "";
    const code = await main(["check", "--json"], {
      env: { CALL_TIMEOUT_SECONDS: "4", RUN_BUDGET_SECONDS: "20", ...emu.settings },
      stdout: (s) => (stdout += s),
      stderr: (s) => out.push(s),
    });
    out.push(stdout);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { findings: Finding[] };
    expect(report.findings.filter((f) => f.check === "ingestion.freshness")).toHaveLength(1);
    const d = find(report.findings, "ingestion.diagnosis");
    expect(d.status).toBe("problem");
    expect(d.evidence?.["cause"], JSON.stringify(d.evidence?.["causes"], null, 1)).toBe(cause);
    expect(d.remediation).toBeTruthy();
  });
});

describe("a removed role is one incident and one notice (real SDKs, emulator)", () => {
  it("the drift run and the ingestion run of role-removed-silent open one alert, titled by the incident", async () => {
    emu.applyScenario("role-removed-silent");
    const monitor = at(emu, new Date());
    const settings: PolicySettings = {
      openAfter: 1,
      resolveAfter: 2,
      renotifyHours: 4,
      portalUrl: "https://portal.azure.com",
      tenantId: "00000000-0000-0000-0000-0000000000aa",
    };
    const records = new Map<string, AlertRecord>();
    const notices: Notice[] = [];
    const apply = (r: RunRecord) => {
      const out = evaluate(records, r, settings, new Date(r.finishedAt));
      for (const c of out.changed) records.set(c.key, c);
      notices.push(...out.notices);
    };
    const watch = await monitor.runIngestionWatch();
    apply({
      source: "ingestion",
      startedAt: watch.startedAt.toISOString(),
      finishedAt: watch.finishedAt.toISOString(),
      findings: watch.findings,
    });
    const report = await monitor.runDriftChecks();
    apply({ source: "drift", startedAt: report.startedAt, finishedAt: report.finishedAt, findings: report.findings });
    expect(notices.map((n) => n.kind)).toEqual(["opened"]);
    expect(notices[0]!.title).toMatch(
      /^CRITICAL: Keeper events stopped \d+ (min|h|days) ago: the Keeper app lost Monitoring Metrics Publisher on the DCR$/,
    );
    expect(notices[0]!.remediation).toMatch(/^az role assignment create --assignee-object-id [0-9a-f-]{36} /);
    expect(notices[0]!.remediation).toContain(`/dataCollectionRules/${ids.DCR_NAME}`);
    const incident = report.incidents.find((i) => i.checks[0] === "role.assignment");
    expect(incident?.fix).not.toContain("<");
  });
});
