import { describe, expect, it } from "vitest";
import func from "@azure/functions";
import { healthHandler } from "../../src/functions/health.js";
import { driftCheckHandler } from "../../src/functions/driftCheck.js";
import { buildReport, type Report } from "../../src/report/report.js";
import { ok, problem } from "../../src/checks/finding.js";
import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";
import type { Monitor } from "../../src/wiring.js";
import { VALID_ENV } from "../config/env.js";

const target = { tenantId: "t", appId: "a", dcr: "/d", workspace: "/w" };

function fakeMonitor(reports: Report[]): Monitor & { runs: number } {
  const m = {
    runs: 0,
    config: loadConfig(VALID_ENV),
    runDriftChecks: () => {
      const r = reports[Math.min(m.runs, reports.length - 1)]!;
      m.runs++;
      return Promise.resolve(r);
    },
  };
  return m;
}

function context() {
  const lines: string[] = [];
  const ctx = new func.InvocationContext({
    invocationId: "test",
    functionName: "t",
    logHandler: (_level, ...args) => lines.push(args.join(" ")),
  });
  return { ctx, lines };
}

const at = (iso: string) => new Date(iso);
const okReport = buildReport(target, at("2026-11-25T12:00:00Z"), at("2026-11-25T12:00:01Z"), [
  ok("app.exists", "fine"),
]);
const badReport = buildReport(target, at("2026-11-25T12:00:00Z"), at("2026-11-25T12:00:01Z"), [
  problem("role.assignment", "critical", "No role.", {
    evidence: { expected: "x" },
    remediation: "az role assignment create",
  }),
]);

describe("health", () => {
  const req = (method = "GET") => new func.HttpRequest({ method, url: "https://app/api/health" });

  it("answers 200 with ids, statuses, summaries and times only", async () => {
    const h = healthHandler({ getMonitor: () => fakeMonitor([okReport]), now: () => at("2026-11-25T12:00:31Z") });
    const res = await h(req(), context().ctx);
    expect(res.status).toBe(200);
    expect(res.jsonBody).toEqual({
      status: "ok",
      checkedAt: "2026-11-25T12:00:01.000Z",
      ageSeconds: 30,
      checks: [{ check: "app.exists", status: "ok", severity: "info", summary: "fine" }],
    });
  });

  it("answers 503 on a problem, without evidence or remediation", async () => {
    const h = healthHandler({ getMonitor: () => fakeMonitor([badReport]), now: () => at("2026-11-25T12:00:02Z") });
    const res = await h(req(), context().ctx);
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.jsonBody)).not.toMatch(/remediation|evidence|az role/);
  });

  it("reuses a recent report and shares one run between concurrent requests", async () => {
    const m = fakeMonitor([okReport]);
    let now = at("2026-11-25T12:00:02Z");
    const h = healthHandler({ getMonitor: () => m, now: () => now, maxAgeMs: 60_000 });
    await Promise.all([h(req(), context().ctx), h(req(), context().ctx), h(req(), context().ctx)]);
    expect(m.runs).toBe(1);
    now = at("2026-11-25T12:05:00Z");
    await h(req(), context().ctx);
    expect(m.runs).toBe(2);
  });

  it("refuses other methods", async () => {
    const h = healthHandler({ getMonitor: () => fakeMonitor([okReport]), now: () => new Date() });
    expect((await h(req("POST"), context().ctx)).status).toBe(405);
  });

  it("answers 503 naming the bad settings (names only) when settings are invalid", async () => {
    const h = healthHandler({
      getMonitor: () => loadConfig({}) as never,
      now: () => new Date(),
    });
    const res = await h(req(), context().ctx);
    expect(res.status).toBe(503);
    expect(res.jsonBody).toMatchObject({ status: "unknown", error: "invalid settings" });
    expect((res.jsonBody as { settings: string[] }).settings).toContain("KEEPER_APP_ID");
  });
});

describe("driftCheck timer", () => {
  const timer = (isPastDue = false) => ({
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: "", next: "", lastUpdated: "" },
  });

  it("logs a summary and one line per problem", async () => {
    const { ctx, lines } = context();
    await driftCheckHandler({ getMonitor: () => fakeMonitor([badReport]) })(timer(), ctx);
    expect(lines.some((l) => l.startsWith("driftCheck done status=problem ok=0 problem=1 unknown=0"))).toBe(true);
    expect(lines.some((l) => l.includes("check=role.assignment") && l.includes("severity=critical"))).toBe(true);
  });

  it("notes a late tick and still runs", async () => {
    const { ctx, lines } = context();
    const m = fakeMonitor([okReport]);
    await driftCheckHandler({ getMonitor: () => m })(timer(true), ctx);
    expect(m.runs).toBe(1);
    expect(lines.some((l) => l.includes("late"))).toBe(true);
  });

  it("fails the invocation on bad settings, naming each one", async () => {
    const { ctx, lines } = context();
    await expect(
      driftCheckHandler({ getMonitor: () => loadConfig({ ...VALID_ENV, KEEPER_APP_ID: "x" }) as never })(timer(), ctx),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(lines.some((l) => l.includes("setting=KEEPER_APP_ID"))).toBe(true);
  });
});
