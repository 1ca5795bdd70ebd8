/**
 * The status pages the browser tests render, each through the real chain: the ingestion watch on
 * synthetic hourly rows, the run records as the timers make them, the rows as the store keeps them
 * (storedRun) and the real health handler. Fixed clock: Wednesday 2026-11-25 12:00 UTC.
 */
import func from "@azure/functions";
import { healthHandler } from "../../src/functions/health.js";
import { ingestionRunRecord } from "../../src/functions/ingestionWatch.js";
import { storedRun, type StoredRun } from "../../src/alerts/store/runs.js";
import { channelFindings } from "../../src/alerts/channelFinding.js";
import { runIngestionWatch, type IngestionReader, type WatchSettings } from "../../src/ingestion/watch.js";
import { found } from "../../src/core/observation.js";
import { ok, problem, type Finding } from "../../src/core/finding.js";
import { buildReport } from "../../src/report/report.js";
import type { HourlyRow } from "../../src/ingestion/history.js";
import { zoneOffset } from "../../src/core/calendar.js";
import type { Monitor } from "../../src/app/monitor.js";
import { SILENCE_SETTINGS } from "../ingestion/silenceSettings.js";

export const NOW = Date.parse("2026-11-25T12:00:00.000Z");
const HOUR = 3_600_000;
const DCR =
  "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg-sentinel/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR";
const TABLE =
  "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel/tables/KeeperSecurityEventLogs_CL";

/** Office traffic on the given zone's clock: busy 08-18 on weekdays, a trickle at night and on weekends. */
export function officeRows(zone: string, days: number, outageHours: number): HourlyRow[] {
  const off = zoneOffset(zone);
  let seed = 7;
  const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 0.3;
  const rows: HourlyRow[] = [];
  const last = Math.floor(NOW / HOUR) * HOUR;
  for (let h = last - days * 24 * HOUR; h <= last; h += HOUR) {
    const local = new Date(h + off(h));
    const lh = local.getUTCHours();
    const weekend = local.getUTCDay() === 0 || local.getUTCDay() === 6;
    const base = weekend ? 6 : lh >= 8 && lh < 18 ? 60 + 25 * Math.sin(((lh - 8) / 10) * Math.PI) : 8;
    let events = Math.max(1, Math.round(base * (1 + noise())));
    let lastEvent = Math.min(h + 59 * 60_000, NOW - 60_000);
    if (h + HOUR > NOW - outageHours * HOUR) {
      if (h >= NOW - outageHours * HOUR) continue;
      // the outage begins inside this hour
      lastEvent = NOW - outageHours * HOUR - 60_000;
      events = Math.max(1, Math.round((events * (lastEvent - h)) / HOUR));
    }
    rows.push({
      hour: h,
      events,
      maxGapMinutes: Math.max(2, Math.round(180 / events)),
      lastEvent,
      latencyP50Minutes: 2,
      latencyP95Minutes: 5,
    });
  }
  return rows;
}

function reader(rows: HourlyRow[], refusedPerMinute: number): IngestionReader {
  return {
    hourly: () => Promise.resolve(found(rows)),
    callsSince: (since, now) => {
      const total = Math.round(((now.getTime() - since.getTime()) / 60_000) * refusedPerMinute);
      const byCode: Record<string, number> = total ? { "403": total } : {};
      return Promise.resolve(found({ byCode, total }));
    },
    callMinutesSince: (since, now) => {
      const out = [];
      if (refusedPerMinute)
        for (let t = since.getTime(); t < now.getTime(); t += 60_000)
          out.push({ at: t, byCode: { "403": refusedPerMinute } });
      return Promise.resolve(found(out));
    },
    signInsSince: () => Promise.resolve(found([])),
    dcrErrorsSince: () => Promise.resolve(found([])),
    dailyCapSince: () => Promise.resolve(found([])),
  };
}

const settings = (zone?: string): WatchSettings => ({
  ...SILENCE_SETTINGS,
  baselineDays: 28,
  latencyWarnMinutes: 30,
  volumeDropPercent: 80,
  ...(zone ? { trafficTimeZone: zone } : {}),
});

/** The drift checks of a healthy deployment (the alerts.channel finding comes from the alert manager). */
function driftFindings(roleRemoved: boolean): Finding[] {
  return [
    ok("app.exists", "The Keeper app (Keeper Security Push) exists."),
    ok("app.servicePrincipal", "The Keeper app has a service principal in this tenant."),
    ok("dce.endpoint", "The Endpoint URL Keeper holds matches the DCE's logs ingestion endpoint."),
    ok("dce.exists", "The data collection endpoint exists."),
    ok("dcr.dataFlow", "The DCR sends Custom-KeeperSecurityEventLogs to the workspace table."),
    ok("dcr.exists", "The DCR exists.", { resource: DCR }),
    ok("dcr.immutableId", "The DCR's immutable id is the one Keeper holds."),
    ok("dcr.stream", "The DCR's stream declares every column Keeper sends."),
    roleRemoved
      ? problem(
          "role.assignment",
          "critical",
          `The Keeper app's service principal has no Monitoring Metrics Publisher role on ${DCR}: Keeper's pushes get 403.`,
          {
            resource: DCR,
            remediation: `az role assignment create --assignee-object-id 9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b --assignee-principal-type ServicePrincipal --role "Monitoring Metrics Publisher" --scope ${DCR}`,
          },
        )
      : ok("role.assignment", "The Keeper app holds Monitoring Metrics Publisher on the DCR.", { resource: DCR }),
    ok("secret.expiry", "The Keeper app's newest client secret expires in 142 days."),
    ok("secret.vault", "The Key Vault holds the current client secret."),
    ok("table.exists", "The KeeperSecurityEventLogs_CL table exists."),
    ok("table.schema", "The table has every column the DCR writes."),
    ok("workspace.exists", "The Log Analytics workspace exists."),
  ];
}

export interface Scenario {
  name: "healthy" | "broken" | "no-channel" | "warning";
  runs: StoredRun[];
}

/** The rows health reads: the drift and ingestion runs of the scenario, as stored. */
export async function scenario(name: Scenario["name"]): Promise<Scenario> {
  const broken = name === "broken";
  const zone = broken ? "Australia/Sydney" : "UTC";
  const rows = officeRows(zone, 28, broken ? 13 : 0);
  const drift = driftFindings(broken);
  const watch = await runIngestionWatch({
    reader: reader(rows, broken ? 4 : 0),
    settings: settings(broken ? zone : undefined),
    now: () => new Date(NOW),
    driftFindings: () => Promise.resolve(drift),
    resource: TABLE,
  });
  const channel =
    name === "no-channel"
      ? channelFindings([], [])
      : name === "warning"
        ? channelFindings(
            ["teams"],
            [
              {
                channel: "teams",
                consecutiveFailures: 3,
                lastErrorClass: "http 404",
                degradedSince: "2026-11-25T10:40:00.000Z",
                toldOther: false,
              },
            ],
          )
        : channelFindings(["email"], []);
  const report = buildReport(
    { tenantId: "t", appId: "a", dcr: DCR, workspace: "/w" },
    new Date(NOW - 20_000),
    new Date(NOW - 15_000),
    drift,
  );
  const driftRecord = {
    source: "drift" as const,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    findings: [...report.findings, ...channel],
    incidents: report.incidents,
  };
  return { name, runs: [storedRun(driftRecord), storedRun(ingestionRunRecord(watch))] };
}

/** The page as GET /api/health?format=html serves it for the scenario. */
export async function servedPage(
  s: Scenario,
): Promise<{ status: number; headers: Record<string, string>; html: string }> {
  const handler = healthHandler({
    getMonitor: () => ({}) as Monitor,
    getState: () => ({
      store: {
        runs: { latest: () => Promise.resolve(s.runs) },
        rateLimit: { take: () => Promise.reject(new Error("no refresh in these pages")) },
      } as never,
      sink: { record: () => Promise.resolve() },
    }),
    now: () => new Date(NOW),
  });
  const res = await handler(
    new func.HttpRequest({ method: "GET", url: "https://app/api/health?format=html" }),
    new func.InvocationContext({ invocationId: "page", functionName: "health", logHandler: () => {} }),
  );
  return { status: res.status ?? 200, headers: res.headers as Record<string, string>, html: String(res.body) };
}
