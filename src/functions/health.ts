import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Monitor } from "../app/monitor.js";
import { ConfigError } from "../config/loadConfig.js";
import type { FindingsSink } from "../core/notifier.js";
import type { AlertStore, StoredRun } from "../alerts/store/index.js";
import { visible } from "../core/safeText.js";
import { renderStatusPage, type StatusPageModel } from "../report/statusPage.js";
import type { Incident } from "../report/incident.js";
import { ingestionRunRecord } from "./ingestionWatch.js";
import { loggerFrom, type Logger } from "../core/logger.js";
import { compareText } from "../core/compareText.js";

export interface HealthDeps {
  getMonitor: () => Monitor;
  /** The stored state, and where a refresh run is recorded. */
  getState: (log: Logger) => { store: Pick<AlertStore, "runs" | "rateLimit">; sink: FindingsSink };
  now: () => Date;
  /** At most one refresh per this interval across all instances (default 5 min). */
  refreshEveryMs?: number;
  /** The Function App's host name (WEBSITE_HOSTNAME), for the page's cut-over command. */
  getAppHost?: () => string | undefined;
}

export interface HealthBody {
  status: "ok" | "problem" | "unknown";
  healthy: boolean;
  checkedAt: string;
  ageSeconds: number;
  runs: Array<{ source: string; finishedAt: string; ageSeconds: number }>;
  checks: Array<{ check: string; status: string; severity: string; summary: string }>;
}

const GUID = /\b([0-9a-f]{4})[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/**
 * A summary as health shows it: an ARM id becomes its last segment (the resource's name), a GUID
 * (credential key id, app, tenant or subscription id) its first four characters.
 */
export function withoutIds(summary: string): string {
  return visible(
    summary
      .replace(/\/subscriptions\/[^\s"'<>,;()]+/gi, (id) => id.replace(/\/+$/, "").split("/").pop() ?? "")
      .replace(GUID, "$1…"),
  );
}

const age = (iso: string, now: Date) => Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));

/**
 * Only check ids, statuses, summaries and times leave the function: no evidence, no remediation,
 * no resource ids, and summaries without ARM ids or key ids (withoutIds). The latest run of each source counts; for a check reported by several sources,
 * the newest run wins. Healthy (200) when no check is a critical problem and none is unknown.
 */
export function toHealthBody(runs: readonly StoredRun[], now: Date): HealthBody {
  const sorted = [...runs].sort((a, b) => compareText(b.finishedAt, a.finishedAt));
  const seen = new Map<string, HealthBody["checks"][number]>();
  for (const r of sorted)
    for (const f of r.findings) {
      const k = `${f.check}|${f.resource ?? ""}`;
      if (!seen.has(k))
        seen.set(k, { check: f.check, status: f.status, severity: f.severity, summary: withoutIds(f.summary) });
    }
  const checks = [...seen.values()].sort((a, b) => compareText(a.check, b.check) || compareText(a.summary, b.summary));
  const status = checks.some((c) => c.status === "problem")
    ? "problem"
    : checks.some((c) => c.status === "unknown")
      ? "unknown"
      : "ok";
  const healthy = !checks.some((c) => (c.status === "problem" && c.severity === "critical") || c.status === "unknown");
  const checkedAt = sorted[0]?.finishedAt ?? now.toISOString();
  return {
    status,
    healthy,
    checkedAt,
    ageSeconds: age(checkedAt, now),
    runs: [...runs]
      .sort((a, b) => compareText(a.source, b.source))
      .map((r) => ({ source: r.source, finishedAt: r.finishedAt, ageSeconds: age(r.finishedAt, now) })),
    checks,
  };
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/**
 * One cause seen by two runs (the drift run's removed role, the ingestion run's stopped events) is
 * one incident: the symptoms of both, the title and start of the one that saw events stop (it says
 * the most), the newer run's fix, the worse severity. `newer` came from the newer run.
 */
function mergeIncident(newer: Incident, older: Incident): Incident {
  const lead = newer.since !== undefined || older.since === undefined ? newer : older;
  const fix = newer.fix ?? older.fix;
  const worse = (SEVERITY_RANK[older.severity] ?? 3) < (SEVERITY_RANK[newer.severity] ?? 3) ? older : newer;
  return {
    ...lead,
    status: newer.status === "problem" || older.status === "problem" ? "problem" : lead.status,
    severity: worse.severity,
    checks: [...new Set([...older.checks, ...newer.checks])],
    ...(fix ? { fix } : {}),
  };
}

/**
 * The incidents the status page shows: those of the latest run of each source (one per id, merged
 * across the runs), kept while one of their checks is still not ok; a run stored without incidents
 * gives one per finding. Titles and fixes pass through withoutIds, like the summaries. Problems first (by
 * severity), then unknowns.
 */
export function pageIncidents(runs: readonly StoredRun[], checks: HealthBody["checks"]): Incident[] {
  const open = new Set(checks.filter((c) => c.status !== "ok").map((c) => c.check));
  const seen = new Map<string, Incident>();
  for (const r of [...runs].sort((a, b) => compareText(b.finishedAt, a.finishedAt))) {
    const own: Incident[] =
      r.incidents ??
      r.findings
        .filter((f) => f.status === "problem" || f.status === "unknown")
        .map((f) => ({
          id: f.resource ? `${f.check}:${f.resource}` : f.check,
          status: f.status as Incident["status"],
          severity: f.severity as Incident["severity"],
          title: f.summary,
          checks: [f.check],
        }));
    for (const i of own) {
      if (!i.checks.some((c) => open.has(c))) continue;
      const clean: Incident = {
        ...i,
        title: withoutIds(i.title),
        checks: i.checks.map((c) => visible(c, 100)),
        ...(i.fix ? { fix: withoutIds(i.fix) } : {}),
      };
      const had = seen.get(i.id);
      seen.set(i.id, had ? mergeIncident(had, clean) : clean);
    }
  }
  return [...seen.values()].sort(
    (a, b) =>
      Number(a.status === "unknown") - Number(b.status === "unknown") ||
      (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) ||
      compareText(a.id, b.id),
  );
}

/** Allowed query parameters and their values; a Map, so `toString` or `__proto__` is just unknown. */
const PARAMS = new Map<string, readonly string[] | undefined>([
  ["refresh", ["true", "false"]],
  ["format", ["json", "html"]],
  // The function key (authLevel function) may come as ?code=.
  ["code", undefined],
]);

function badRequest(error: string): HttpResponseInit {
  return { status: 400, jsonBody: { error }, headers: { "cache-control": "no-store" } };
}

/**
 * GET /api/health (authLevel function): answers from the latest stored run results (no call to
 * Azure per request). `?refresh=true` runs the checks first, at most once per 5 minutes across
 * instances (a marker in Table storage), else 429 with Retry-After. `?format=html` renders the
 * status page.
 */
export function healthHandler(deps: HealthDeps) {
  const refreshEveryMs = deps.refreshEveryMs ?? 5 * 60_000;
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = loggerFrom(context);
    if (request.method !== "GET")
      return { status: 405, headers: { allow: "GET" }, jsonBody: { error: "only GET is allowed" } };
    for (const [name, value] of request.query.entries()) {
      if (!PARAMS.has(name))
        return badRequest(`unknown query parameter "${visible(name, 40)}": expected refresh or format`);
      const allowed = PARAMS.get(name);
      if (allowed && !allowed.includes(value))
        return badRequest(`query parameter "${name}" must be ${allowed.join(" or ")} (got "${visible(value, 40)}")`);
    }
    const format = request.query.get("format") ?? "json";
    let monitor: Monitor;
    let state: ReturnType<HealthDeps["getState"]>;
    let appHost: string | undefined;
    try {
      monitor = deps.getMonitor();
      state = deps.getState(log);
      appHost = deps.getAppHost?.();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      log.error("health settings invalid", { settings: e.problems.map((p) => p.setting).join(",") });
      return {
        status: 503,
        jsonBody: { status: "unknown", error: "invalid settings", settings: e.problems.map((p) => p.setting) },
      };
    }
    if (request.query.get("refresh") === "true") {
      const marker = await state.store.rateLimit.take("health-refresh", deps.now(), refreshEveryMs);
      if (!marker.taken) {
        const seconds = Math.max(1, Math.ceil(marker.retryAfterMs / 1000));
        return {
          status: 429,
          headers: { "retry-after": String(seconds), "cache-control": "no-store" },
          jsonBody: { error: `checks ran less than ${refreshEveryMs / 60_000} minutes ago; retry after ${seconds} s` },
        };
      }
      // The same two runs the timers make, each recorded under its own source, so the alert
      // policy counts a refresh exactly like a tick.
      const [report, watch] = await Promise.all([monitor.runDriftChecks(), monitor.runIngestionWatch()]);
      await state.sink.record({
        source: "drift",
        startedAt: report.startedAt,
        finishedAt: report.finishedAt,
        findings: report.findings,
        incidents: report.incidents,
      });
      await state.sink.record(ingestionRunRecord(watch));
      log.info("health refresh ran the checks", { status: report.status });
    }
    const runs = await state.store.runs.latest();
    const now = deps.now();
    if (runs.length === 0) {
      const body = { status: "unknown", error: "no run recorded yet", checks: [] };
      if (format === "html")
        return {
          status: 503,
          headers: htmlHeaders,
          body: renderStatusPage({
            status: "unknown",
            healthy: false,
            httpStatus: 503,
            now: now.toISOString(),
            runs: [],
            checks: [],
            ...(appHost ? { appHost } : {}),
          }),
        };
      return { status: 503, jsonBody: body, headers: { "cache-control": "no-store" } };
    }
    const body = toHealthBody(runs, now);
    const code = body.healthy ? 200 : 503;
    if (format === "html") {
      const ingestion = runs
        .filter((r) => r.eventsPerHour?.length)
        .sort((a, b) => compareText(b.finishedAt, a.finishedAt))[0];
      const model: StatusPageModel = {
        status: body.status,
        healthy: body.healthy,
        httpStatus: code,
        now: now.toISOString(),
        runs: body.runs,
        checks: body.checks,
        incidents: pageIncidents(runs, body.checks),
        ...(ingestion?.eventsPerHour ? { eventsPerHour: ingestion.eventsPerHour } : {}),
        ...(ingestion?.lastEvent ? { lastEvent: ingestion.lastEvent } : {}),
        ...(ingestion?.clock ? { clock: ingestion.clock } : {}),
        ...(appHost ? { appHost } : {}),
      };
      return { status: code, headers: htmlHeaders, body: renderStatusPage(model) };
    }
    return { status: code, jsonBody: body, headers: { "cache-control": "no-store" } };
  };
}

/**
 * The page has no script, loads nothing and is never framed: the policy says so to the browser
 * too (frame-ancestors is honoured only as a header, not in a meta tag).
 */
export const htmlHeaders = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};
