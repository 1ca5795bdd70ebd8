import type { Finding, Status } from "../core/finding.js";
import { sortFindings } from "../core/finding.js";

export interface ReportTarget {
  tenantId: string;
  appId: string;
  dcr: string;
  workspace: string;
  /** The Endpoint URL Keeper must hold, assembled from live values when they could be read. */
  endpointUrl?: string;
}

export interface Report {
  version: 1;
  target: ReportTarget;
  startedAt: string;
  finishedAt: string;
  status: Status;
  findings: Finding[];
}

export function overallStatus(findings: readonly Finding[]): Status {
  if (findings.some((f) => f.status === "problem")) return "problem";
  if (findings.some((f) => f.status === "unknown")) return "unknown";
  return "ok";
}

export function buildReport(
  target: ReportTarget,
  startedAt: Date,
  finishedAt: Date,
  findings: readonly Finding[],
): Report {
  const sorted = sortFindings(findings);
  const endpointUrl = sorted.find((f) => f.check === "dce.endpoint")?.evidence?.["endpointUrl"];
  return {
    version: 1,
    target: typeof endpointUrl === "string" ? { ...target, endpointUrl } : target,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    status: overallStatus(sorted),
    findings: sorted,
  };
}

/** Exit codes of `keeper-monitor check`: 0 all ok, 1 a problem, 2 could not tell. */
export function exitCodeFor(report: Pick<Report, "status">): 0 | 1 | 2 {
  return report.status === "ok" ? 0 : report.status === "problem" ? 1 : 2;
}
