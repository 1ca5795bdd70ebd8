import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import func from "@azure/functions";
import type { TokenCredential } from "@azure/core-auth";
import { healthHandler, pageIncidents, toHealthBody, type HealthDeps } from "../../src/functions/health.js";
import type { StoredRun } from "../../src/alerts/store/index.js";
import type { Incident } from "../../src/report/incident.js";
import { driftCheckHandler } from "../../src/functions/driftCheck.js";
import { alertDeliveryHandler } from "../../src/functions/alertDelivery.js";
import { alertDigestHandler, digestEnabled } from "../../src/functions/alertDigest.js";
import { AlertManager } from "../../src/alerts/alertManager.js";
import { AlertStore } from "../../src/alerts/store/index.js";
import { createTableClient } from "../../src/azure/tableStorage.js";
import { buildReport, type Report } from "../../src/report/report.js";
import { ok, problem, unknown } from "../../src/core/finding.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { Monitor } from "../../src/app/monitor.js";
import type { Channel } from "../../src/alerts/channel.js";
import type { Notice } from "../../src/core/notifier.js";
import { VALID_ENV } from "../config/env.js";

const noCredential: TokenCredential = { getToken: () => Promise.reject(new Error("not needed")) };
const target = { tenantId: "t", appId: "a", dcr: "/d", workspace: "/w" };
const at = (iso: string) => new Date(iso);
const report = (findings: Report["findings"], end = "2026-11-25T12:00:01Z") =>
  buildReport(target, at("2026-11-25T12:00:00Z"), at(end), findings);

function fakeMonitor(r: Report): Monitor & { runs: number; watches: number } {
  const m = {
    runs: 0,
    watches: 0,
    config: loadConfig(VALID_ENV),
    runDriftChecks: () => {
      m.runs++;
      return Promise.resolve(r);
    },
    runIngestionWatch: () => {
      m.watches++;
      return Promise.resolve({
        startedAt: at(r.startedAt),
        finishedAt: at(r.finishedAt),
        findings: [ok("ingestion.freshness", "Last Keeper event 3 min ago.")],
        eventsPerHour: [{ hour: "2026-11-25T11:00:00.000Z", count: 42 }],
      });
    },
  };
  return m as unknown as Monitor & { runs: number; watches: number };
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

function state(clock: { now: () => Date }, channels: Channel[] = []) {
  const store = new AlertStore(
    createTableClient(
      { kind: "connectionString", connectionString: inject("tablesConnection") },
      noCredential,
      `health${randomBytes(6).toString("hex")}`,
    ),
  );
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const manager = new AlertManager({
    store,
    channels,
    settings: { openAfter: 2, resolveAfter: 2, renotifyHours: 4, portalUrl: "https://portal.azure.com", tenantId: "t" },
    now: clock.now,
    log: quiet,
  });
  return { store, manager };
}

const req = (query = "", method = "GET") => new func.HttpRequest({ method, url: `https://app/api/health${query}` });

function handler(monitor: Monitor, s: ReturnType<typeof state>, now: () => Date, extra: Partial<HealthDeps> = {}) {
  return healthHandler({
    getMonitor: () => monitor,
    getState: () => ({ store: s.store, sink: s.manager }),
    now,
    ...extra,
  });
}

describe("GET /api/health from stored state", () => {
  it("answers 503 'no run recorded yet' before any run, without running the checks", async () => {
    const clock = { now: () => at("2026-11-25T12:00:30Z") };
    const m = fakeMonitor(report([ok("app.exists", "fine")]));
    const res = await handler(m, state(clock), clock.now)(req(), context().ctx);
    expect(res.status).toBe(503);
    expect(res.jsonBody).toMatchObject({ error: "no run recorded yet" });
    expect(m.runs).toBe(0);
  });

  it("answers 200 from the stored drift run with its age; ids, statuses, summaries and times only", async () => {
    const clock = { now: () => at("2026-11-25T12:00:31Z") };
    const s = state(clock);
    const m = fakeMonitor(report([ok("app.exists", "fine", { resource: "/sub/x", evidence: { a: 1 } })]));
    await driftCheckHandler({ getMonitor: () => m, getSink: () => s.manager })(
      { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } },
      context().ctx,
    );
    const res = await handler(m, s, clock.now)(req(), context().ctx);
    expect(m.runs).toBe(1); // the timer's run only: the request did not run the checks
    expect(res.status).toBe(200);
    expect(res.jsonBody).toEqual({
      status: "ok",
      healthy: true,
      checkedAt: "2026-11-25T12:00:01.000Z",
      ageSeconds: 30,
      runs: [{ source: "drift", finishedAt: "2026-11-25T12:00:01.000Z", ageSeconds: 30 }],
      checks: [
        {
          check: "alerts.channel",
          status: "ok",
          severity: "info",
          summary: expect.stringMatching(/^No alert channel is configured \(optional\)/),
        },
        { check: "app.exists", status: "ok", severity: "info", summary: "fine" },
      ],
    });
    expect(JSON.stringify(res.jsonBody)).not.toMatch(/\/sub\/x|evidence|remediation/);
  });

  it.each([
    ["a critical problem", problem("role.assignment", "critical", "No role.", { remediation: "az role …" }), 503],
    ["a warning", problem("secret.expiry", "warning", "Expires in 20 days."), 200],
    [
      "an optional source absent",
      ok("rotation.cutover", "AADServicePrincipalSignInLogs is not in the workspace."),
      200,
    ],
    ["an unknown (could not tell)", unknown("dcr.exists", "throttled"), 503],
  ] as const)("%s → %i", async (_n, finding, status) => {
    const clock = { now: () => at("2026-11-25T12:00:31Z") };
    const s = state(clock);
    await s.manager.record({
      source: "drift",
      startedAt: "2026-11-25T12:00:00Z",
      finishedAt: "2026-11-25T12:00:01Z",
      findings: [finding],
    });
    const res = await handler(fakeMonitor(report([])), s, clock.now)(req(), context().ctx);
    expect(res.status).toBe(status);
    expect(JSON.stringify(res.jsonBody)).not.toContain("az role");
  });

  it("?refresh=true runs the checks at most once per 5 minutes, across instances (429 with Retry-After)", async () => {
    let t = at("2026-11-25T12:00:00Z");
    const clock = { now: () => t };
    const s = state(clock);
    const m = fakeMonitor(report([ok("app.exists", "fine")]));
    const a = handler(m, s, clock.now);
    const b = handler(m, s, clock.now); // another instance, same storage
    const first = await a(req("?refresh=true"), context().ctx);
    expect(first.status).toBe(200);
    // The refresh makes both timers' runs and records each under its own source.
    expect(m.watches).toBe(1);
    expect((first.jsonBody as { checks: Array<{ check: string }> }).checks.map((c) => c.check)).toEqual([
      "alerts.channel",
      "app.exists",
      "ingestion.freshness",
    ]);
    t = at("2026-11-25T12:02:00Z");
    const limited = await b(req("?refresh=true"), context().ctx);
    expect(limited.status).toBe(429);
    expect(limited.headers).toMatchObject({ "retry-after": "180" });
    expect(m.runs).toBe(1);
    t = at("2026-11-25T12:05:01Z");
    expect((await b(req("?refresh=true&code=abc"), context().ctx)).status).toBe(200);
    expect(m.runs).toBe(2);
  });

  it.each([
    ["?format=xml", 'query parameter "format" must be json or html (got "xml")'],
    ["?refresh=yes", 'query parameter "refresh" must be true or false (got "yes")'],
    ["?verbose=1", 'unknown query parameter "verbose": expected refresh or format'],
  ])("%s → 400 naming it", async (q, error) => {
    const clock = { now: () => new Date() };
    const res = await handler(fakeMonitor(report([])), state(clock), clock.now)(req(q), context().ctx);
    expect(res.status).toBe(400);
    expect(res.jsonBody).toEqual({ error });
  });

  it("refuses other methods", async () => {
    const clock = { now: () => new Date() };
    expect(
      (await handler(fakeMonitor(report([])), state(clock), clock.now)(req("", "POST"), context().ctx)).status,
    ).toBe(405);
  });

  it("?format=html renders the status page with the chart of the latest ingestion run, no script", async () => {
    const clock = { now: () => at("2026-11-25T12:00:31Z") };
    const s = state(clock);
    const eventsPerHour = Array.from({ length: 168 }, (_, i) => ({
      hour: new Date(Date.parse("2026-11-18T13:00:00Z") + i * 3_600_000).toISOString(),
      count: i === 100 ? 0 : 50 + (i % 24),
    }));
    await s.manager.record({
      source: "drift",
      startedAt: "2026-11-25T12:00:00Z",
      finishedAt: "2026-11-25T12:00:01Z",
      findings: [ok("app.exists", "fine <b>")],
    });
    await s.manager.record({
      source: "ingestion",
      startedAt: "2026-11-25T12:00:00Z",
      finishedAt: "2026-11-25T12:00:02Z",
      findings: [ok("ingestion.freshness", "Last event 2 min ago.")],
      eventsPerHour,
    });
    const res = await handler(fakeMonitor(report([])), s, clock.now)(req("?format=html"), context().ctx);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ "content-type": "text/html; charset=utf-8" });
    const html = String(res.body);
    expect(html).toContain("<svg");
    // one bar per hour with events: the empty hour has none
    expect((html.match(/<rect class="bar"/g) ?? []).length).toBe(167);
    expect(html).toContain("ingestion.freshness");
    expect(html).toContain("fine &lt;b&gt;");
    expect(html).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
  });

  it.each(["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"])(
    "?%s=1 is an unknown parameter (400), not a crash",
    async (name) => {
      const clock = { now: () => at("2026-11-25T12:00:31Z") };
      const res = await handler(fakeMonitor(report([])), state(clock), clock.now)(req(`?${name}=1`), context().ctx);
      expect(res.status).toBe(400);
      expect(res.jsonBody).toMatchObject({ error: `unknown query parameter "${name}": expected refresh or format` });
    },
  );

  it("summaries carry no ARM id and no credential key id; the status page is never framed or sniffed", async () => {
    const clock = { now: () => at("2026-11-25T12:00:31Z") };
    const s = state(clock);
    const dce =
      "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionEndpoints/keeper-dce";
    await s.manager.record({
      source: "drift",
      startedAt: "2026-11-25T12:00:00Z",
      finishedAt: "2026-11-25T12:00:01Z",
      findings: [
        problem("dce.exists", "critical", `The DCR points at ${dce}, which does not exist.`, { resource: dce }),
        problem("secret.expiry", "warning", "Credential 5d1b2c3e-1111-2222-3333-444455556666 expires in 20 days."),
      ],
    });
    const res = await handler(fakeMonitor(report([])), s, clock.now)(req(), context().ctx);
    const json = JSON.stringify(res.jsonBody);
    expect(json).toContain("The DCR points at keeper-dce, which does not exist.");
    expect(json).toContain("Credential 5d1b… expires in 20 days.");
    expect(json).not.toMatch(/\/subscriptions\/|[0-9a-f]{8}-[0-9a-f]{4}-/i);
    const page = await handler(fakeMonitor(report([])), s, clock.now)(req("?format=html"), context().ctx);
    expect(page.headers).toMatchObject({ "x-content-type-options": "nosniff" });
    expect((page.headers as Record<string, string>)["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(String(page.body)).not.toMatch(/\/subscriptions\/|[0-9a-f]{8}-[0-9a-f]{4}-/i);
  });

  it("?format=html shows the cut-over command for the app's own host (WEBSITE_HOSTNAME), before any run too", async () => {
    const clock = { now: () => at("2026-11-25T12:00:32Z") };
    const s = state(clock);
    const withHost = handler(fakeMonitor(report([])), s, clock.now, {
      getAppHost: () => "kcm-func-abc.azurewebsites.net",
    });
    const before = String((await withHost(req("?format=html"), context().ctx)).body);
    expect(before).toContain('<section id="rotation"');
    expect(before).toContain('curl -X POST "https://kcm-func-abc.azurewebsites.net/api/rotation/confirm"');
    await s.manager.record({
      source: "drift",
      startedAt: "2026-11-25T12:00:00Z",
      finishedAt: "2026-11-25T12:00:01Z",
      findings: [ok("app.exists", "fine")],
    });
    const after = String((await withHost(req("?format=html"), context().ctx)).body);
    expect(after).toContain('curl -X POST "https://kcm-func-abc.azurewebsites.net/api/rotation/confirm"');
    const without = String(
      (await handler(fakeMonitor(report([])), s, clock.now)(req("?format=html"), context().ctx)).body,
    );
    expect(without).toContain('"https://&lt;host&gt;/api/rotation/confirm"');
  });

  it("?format=html without ingestion data draws a 'no data yet' chart", async () => {
    const clock = { now: () => at("2026-11-25T12:00:31Z") };
    const s = state(clock);
    await s.manager.record({
      source: "drift",
      startedAt: "2026-11-25T12:00:00Z",
      finishedAt: "2026-11-25T12:00:01Z",
      findings: [ok("app.exists", "fine")],
    });
    const res = await handler(fakeMonitor(report([])), s, clock.now)(req("?format=html"), context().ctx);
    expect(String(res.body)).toContain("No data yet");
  });
});

describe("alert timers", () => {
  const timer = {
    isPastDue: false,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: "", next: "", lastUpdated: "" },
  };

  it("alertDelivery sends what is due; alertDigest sends one digest per day", async () => {
    const clock = { now: () => at("2026-11-25T08:00:00Z") };
    const got: Notice[] = [];
    const channel: Channel = { name: "teams", fits: () => true, send: (n) => (got.push(...n), Promise.resolve()) };
    const s = state(clock, [channel]);
    const config = loadConfig(VALID_ENV);
    const digest = alertDigestHandler({ getConfig: () => config, getManager: () => s.manager });
    await digest(timer, context().ctx);
    await digest(timer, context().ctx);
    await alertDeliveryHandler({ getManager: () => s.manager, now: clock.now })(timer, context().ctx);
    expect(got.map((n) => n.key)).toEqual(["digest|2026-11-25"]);
  });

  it("alertDigest does nothing when the digest is off", async () => {
    const { ctx, lines } = context();
    const config = loadConfig({ ...VALID_ENV, ALERT_DIGEST_SCHEDULE: "" });
    await alertDigestHandler({
      getConfig: () => config,
      getManager: () => {
        throw new Error("not built");
      },
    })(timer, ctx);
    expect(lines.some((l) => l.includes("alertDigest is off"))).toBe(true);
  });

  it.each([
    [{}, true],
    [{ ALERT_DIGEST_SCHEDULE: "0 0 8 * * *" }, true],
    [{ ALERT_DIGEST_SCHEDULE: " " }, false],
  ])("digestEnabled(%o) = %s", (env, expected) => {
    expect(digestEnabled(env)).toBe(expected);
  });
});

describe("the status page's incidents", () => {
  const DCR = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/keeper";
  const stored = (
    source: StoredRun["source"],
    finishedAt: string,
    checks: string[],
    incident: Partial<Incident>,
  ): StoredRun => ({
    source,
    startedAt: finishedAt,
    finishedAt,
    findings: checks.map((check) => ({ check, status: "problem", severity: "critical", summary: `${check} failed` })),
    incidents: [
      {
        id: `role.assignment:${DCR}`,
        status: "problem",
        severity: "critical",
        title: "t",
        checks,
        ...incident,
      },
    ],
  });

  it("one cause seen by the drift run and the ingestion run is one incident with the symptoms of both", () => {
    const drift = stored("drift", "2026-11-25T12:05:00Z", ["role.assignment"], {
      title: "The Keeper app lost Monitoring Metrics Publisher on the DCR",
      fix: "az role assignment create --role 'Monitoring Metrics Publisher' --assignee-object-id 1234",
    });
    const ingestion = stored("ingestion", "2026-11-25T12:00:00Z", ["ingestion.freshness", "ingestion.diagnosis"], {
      title: "Keeper events stopped 13 h ago: the Keeper app lost Monitoring Metrics Publisher on the DCR",
      since: "2026-11-24T23:00:00Z",
    });
    const runs = [drift, ingestion];
    const got = pageIncidents(runs, toHealthBody(runs, at("2026-11-25T12:06:00Z")).checks);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      title: "Keeper events stopped 13 h ago: the Keeper app lost Monitoring Metrics Publisher on the DCR",
      since: "2026-11-24T23:00:00Z",
      checks: ["ingestion.freshness", "ingestion.diagnosis", "role.assignment"],
      fix: drift.incidents![0]!.fix,
    });
  });

  it("a warning in one run and a critical in the other is critical", () => {
    const a = stored("drift", "2026-11-25T12:05:00Z", ["role.assignment"], { severity: "warning" });
    const b = stored("ingestion", "2026-11-25T12:00:00Z", ["ingestion.freshness"], { severity: "critical" });
    const got = pageIncidents([a, b], toHealthBody([a, b], at("2026-11-25T12:06:00Z")).checks);
    expect(got.map((i) => i.severity)).toEqual(["critical"]);
  });
});
