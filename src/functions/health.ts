import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Monitor } from "../wiring.js";
import { ConfigError } from "../config/loadConfig.js";
import type { Report } from "../report/report.js";
import { loggerFrom } from "./logger.js";

export interface HealthDeps {
  getMonitor: () => Monitor;
  now: () => Date;
  /** A report younger than this is served again instead of re-checking Azure. */
  maxAgeMs?: number;
}

export interface HealthBody {
  status: Report["status"];
  checkedAt: string;
  ageSeconds: number;
  checks: Array<{ check: string; status: string; severity: string; summary: string }>;
}

/** Only ids, statuses, summaries and times leave the function: no evidence, no remediation. */
export function toHealthBody(report: Report, now: Date): HealthBody {
  return {
    status: report.status,
    checkedAt: report.finishedAt,
    ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(report.finishedAt)) / 1000)),
    checks: report.findings.map((f) => ({
      check: f.check,
      status: f.status,
      severity: f.severity,
      summary: f.summary,
    })),
  };
}

/**
 * GET /api/health (authLevel function): 200 when every check is ok, 503 otherwise. Concurrent
 * requests share one run, and a recent report is reused, so callers cannot fan out to Azure.
 */
export function healthHandler(deps: HealthDeps) {
  const maxAgeMs = deps.maxAgeMs ?? 60_000;
  let last: Report | undefined;
  let inFlight: Promise<Report> | undefined;
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = loggerFrom(context);
    if (request.method !== "GET")
      return { status: 405, headers: { allow: "GET" }, jsonBody: { error: "only GET is allowed" } };
    let monitor: Monitor;
    try {
      monitor = deps.getMonitor();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      log.error("health settings invalid", { settings: e.problems.map((p) => p.setting).join(",") });
      return {
        status: 503,
        jsonBody: { status: "unknown", error: "invalid settings", settings: e.problems.map((p) => p.setting) },
      };
    }
    const now = deps.now();
    if (!last || now.getTime() - Date.parse(last.finishedAt) > maxAgeMs) {
      inFlight ??= monitor.runDriftChecks().finally(() => {
        inFlight = undefined;
      });
      last = await inFlight;
    }
    const body = toHealthBody(last, deps.now());
    return { status: body.status === "ok" ? 200 : 503, jsonBody: body, headers: { "cache-control": "no-store" } };
  };
}
