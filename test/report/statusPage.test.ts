import { describe, expect, it } from "vitest";
import { pageState, renderChart, renderStatusPage } from "../../src/report/statusPage.js";
import { pageIncidents } from "../../src/functions/health.js";
import { storedRun, type StoredRun } from "../../src/alerts/store/runs.js";
import { learnBaseline, usualRange } from "../../src/ingestion/baseline.js";
import { eventsPerHour } from "../../src/ingestion/history.js";
import { ok, problem, unknown } from "../../src/core/finding.js";
import { NOW, officeRows } from "./statusPages.js";

const check = (status: string, severity = "info") => ({ check: "c", status, severity, summary: "s" });

describe("the page's state agrees with the HTTP status", () => {
  it.each([
    ["ok", true, [check("ok")], "ok"],
    ["problem", true, [check("problem", "warning")], "warning"],
    ["problem", false, [check("problem", "critical"), check("unknown")], "problem"],
    ["unknown", false, [check("unknown")], "unknown"],
    ["problem", false, [check("problem", "warning"), check("unknown")], "unknown"],
    ["unknown", false, [], "unknown"],
  ] as const)("%s, healthy %s → %#", (status, healthy, checks, want) => {
    expect(pageState({ status, healthy, checks: [...checks] })).toBe(want);
    const html = renderStatusPage({ status, healthy, now: new Date(NOW).toISOString(), runs: [], checks: [...checks] });
    expect(html).toContain(`class="state state-${want}" data-http-status="${healthy ? 200 : 503}"`);
    expect(html).toContain(`Health probes get HTTP ${healthy ? 200 : 503}.`);
  });

  it("a warning is amber, never the red of a critical problem", () => {
    const html = renderStatusPage({
      status: "problem",
      healthy: true,
      now: new Date(NOW).toISOString(),
      runs: [],
      checks: [
        { check: "alerts.channel", status: "problem", severity: "warning", summary: "Alerts to Teams are failing." },
      ],
    });
    expect(html).toContain("Keeper connector: WARNING");
    expect(html).toContain('<span class="mark mark-warning">Warning</span>');
    expect(html).not.toContain('class="mark mark-problem"');
  });
});

describe("the usual range per hour (the chart's band)", () => {
  it("is the fewest to the most events of that hour of the week, once the baseline is ready", () => {
    const rows = officeRows("UTC", 28, 0);
    const baseline = learnBaseline(rows);
    expect(baseline.ready).toBe(true);
    const h = NOW - 7 * 86_400_000; // the same hour a week earlier is one of its samples
    const band = usualRange(baseline, NOW)!;
    const sample = rows.find((r) => r.hour === h)!.events;
    expect(band.low).toBeLessThanOrEqual(sample);
    expect(band.high).toBeGreaterThanOrEqual(sample);
    const points = eventsPerHour(rows, NOW - 7 * 86_400_000, NOW, (t) => usualRange(baseline, t));
    expect(points.every((p) => p.low !== undefined && p.high! >= p.low)).toBe(true);
  });

  it("is absent before the baseline is ready", () => {
    const baseline = learnBaseline(officeRows("UTC", 3, 0));
    expect(baseline.ready).toBe(false);
    expect(usualRange(baseline, NOW)).toBeUndefined();
  });
});

describe("the chart", () => {
  const points = Array.from({ length: 168 }, (_, i) => ({
    hour: new Date(NOW - (167 - i) * 3_600_000).toISOString(),
    count: i > 150 ? 0 : 40,
    low: 30,
    high: 50,
  }));
  it("shades the gap only when told where it begins, and marks now", () => {
    const at = new Date(NOW).toISOString();
    expect(renderChart(points, at)).not.toContain('class="gap"');
    const svg = renderChart(points, at, { gapFrom: new Date(NOW - 17 * 3_600_000).toISOString() });
    expect(svg).toContain('class="gap"');
    expect(svg).toContain("no events for 17 h");
    expect(svg).toContain('class="now"');
    expect(svg).toContain('class="band"');
    expect(svg).toContain('viewBox="0 0 840 280" width="100%"');
  });
  it("labels each bar by the local time its row starts: Kolkata's local hours on rows binned at their phase", () => {
    const kolkata = { zone: "Asia/Kolkata", offsetMinutes: 330, origin: "set" as const };
    const at = new Date(NOW).toISOString(); // Wed 12:00 UTC, 17:30 in Kolkata
    // rows on Kolkata's local hours start at half past the UTC hour
    const local = Array.from({ length: 168 }, (_, i) => ({
      hour: new Date(NOW - 30 * 60_000 - (167 - i) * 3_600_000).toISOString(),
      count: 40,
    }));
    const svg = renderChart(local, at, { clock: kolkata });
    expect(svg).toContain("<title>Wed 17:00: 40 events</title>");
    expect(svg).toContain("<title>Wed 16:00: 40 events</title>");
    expect(svg).not.toMatch(/<title>\w+ \d\d:30:/);
    expect(svg.match(/class="bar"/g)).toHaveLength(168);
    // UTC rows in Kolkata start at half past the local hour, and say so
    const utc = renderChart(points, at, { clock: kolkata });
    expect(utc).toContain("<title>Wed 00:30: 40 events, usual 30–50</title>");
    expect(utc).not.toMatch(/<title>\w+ \d\d:00:/);
    // a point at another phase counts in the bar holding its start
    const mixed = renderChart(
      [...local.slice(0, -2), { hour: "2026-11-25T11:00:00.000Z", count: 5 }, local.at(-1)!],
      at,
      { clock: kolkata },
    );
    expect(mixed).toContain("<title>Wed 16:00: 5 events</title>");
    expect(mixed).toContain("<title>Wed 17:00: 40 events</title>");
  });

  it("draws no band without the usual range", () => {
    const svg = renderChart(
      points.map(({ hour, count }) => ({ hour, count })),
      new Date(NOW).toISOString(),
    );
    expect(svg).not.toContain('class="band"');
    expect(svg).toContain("No usual range learned yet.");
  });
});

describe("incidents on the page", () => {
  const DCR = "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg/providers/x/dcrs/KeeperDCR";
  const role = problem("role.assignment", "critical", `No role on ${DCR}.`, {
    resource: DCR,
    remediation: `az role assignment create --scope ${DCR}`,
  });

  it("a stored run keeps its incidents and adds one for a finding none of them carries", () => {
    const run = storedRun({
      source: "drift",
      startedAt: "2026-11-25T11:59:00.000Z",
      finishedAt: "2026-11-25T11:59:05.000Z",
      findings: [role, problem("alerts.channel", "warning", "Alerts to Teams are failing.")],
      incidents: [
        { id: "role", status: "problem", severity: "critical", title: "No role.", checks: ["role.assignment"] },
      ],
    });
    expect(run.incidents?.map((i) => i.id)).toEqual(["role", "alerts.channel"]);
  });

  it("shows the open ones, newest run first, ids shortened like the summaries; a row without incidents gives one per finding", () => {
    const older: StoredRun = {
      source: "ingestion",
      startedAt: "2026-11-25T11:00:00.000Z",
      finishedAt: "2026-11-25T11:00:05.000Z",
      findings: [{ check: "ingestion.freshness", status: "unknown", severity: "info", summary: "Could not tell." }],
    };
    const newer = storedRun({
      source: "drift",
      startedAt: "2026-11-25T11:59:00.000Z",
      finishedAt: "2026-11-25T11:59:05.000Z",
      findings: [role, ok("app.exists", "fine")],
      incidents: [
        {
          id: "role",
          status: "problem",
          severity: "critical",
          title: `No role on ${DCR}.`,
          checks: ["role.assignment"],
          fix: `az role assignment create --scope ${DCR}`,
        },
        { id: "gone", status: "problem", severity: "warning", title: "Closed since.", checks: ["app.exists"] },
      ],
    });
    const checks = [
      { check: "app.exists", status: "ok", severity: "info", summary: "fine" },
      { check: "ingestion.freshness", status: "unknown", severity: "info", summary: "Could not tell." },
      { check: "role.assignment", status: "problem", severity: "critical", summary: "No role." },
    ];
    const incidents = pageIncidents([older, newer], checks);
    expect(incidents.map((i) => i.id)).toEqual(["role", "ingestion.freshness"]);
    expect(incidents[0]!.fix).toBe("az role assignment create --scope KeeperDCR");
    expect(incidents[0]!.title).toBe("No role on KeeperDCR.");
    expect(incidents[1]).toMatchObject({ status: "unknown", title: "Could not tell." });
  });

  it("the first incident is on top of the page, with its fix", () => {
    const html = renderStatusPage({
      status: "problem",
      healthy: false,
      now: new Date(NOW).toISOString(),
      runs: [],
      checks: [{ check: "role.assignment", status: "problem", severity: "critical", summary: "No role." }],
      incidents: [
        {
          id: "role",
          status: "problem",
          severity: "critical",
          title: "No role <b>",
          checks: ["role.assignment"],
          fix: "az role assignment create",
        },
        { id: "u", ...unknown("x", "y"), status: "unknown", title: "Could not tell.", checks: ["x"] },
      ],
    });
    expect(html.indexOf('id="incident-0"')).toBeLessThan(html.indexOf('id="checks-h"'));
    expect(html).toContain("No role &lt;b&gt;");
    expect(html).toContain("<pre>az role assignment create</pre>");
    expect(html).toContain("Current incidents (2)");
  });
});

describe("the #rotation section (where Confirm cut-over lands)", () => {
  const page = (appHost?: string) =>
    renderStatusPage({
      status: "ok",
      healthy: true,
      now: new Date(NOW).toISOString(),
      runs: [],
      checks: [check("ok")],
      ...(appHost !== undefined ? { appHost } : {}),
    });
  const section = (html: string) => /<section id="rotation"[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? "";

  it("is on every page, with the confirm request of the real route and auth, placeholders for the ids and key", () => {
    const s = section(page("kcm-func-abc.azurewebsites.net"));
    expect(s).toContain('<h2 id="rotation-h">');
    expect(s).toContain('curl -X POST "https://kcm-func-abc.azurewebsites.net/api/rotation/confirm"');
    expect(s).toContain('-H "x-functions-key: &lt;admin key&gt;"');
    expect(s).toContain(
      `-d '{"rotationId":"&lt;rotation id&gt;","keyId":"&lt;new secret keyId&gt;","confirmedBy":"&lt;you&gt;"}'`,
    );
    expect(s).toContain("GET /api/rotation");
    // never a key: no code= and no value where the key goes
    expect(s).not.toMatch(/code=|x-functions-key: (?!&lt;admin key&gt;)/);
    const empty = renderStatusPage({ status: "unknown", healthy: false, now: NOW_ISO, runs: [], checks: [] });
    expect(section(empty)).toContain("/api/rotation/confirm");
  });

  it("says <host> when the app's host name is not known, and escapes whatever it is given", () => {
    expect(section(page())).toContain('"https://&lt;host&gt;/api/rotation/confirm"');
    const hostile = section(page('x"><script>alert(1)</script>'));
    expect(hostile).not.toContain("<script>");
    expect(hostile).toContain("&lt;script&gt;");
  });
});

const NOW_ISO = new Date(NOW).toISOString();
