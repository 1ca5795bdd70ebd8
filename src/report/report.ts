import type { Finding, Status } from "../core/finding.js";
import { sortFindings, withoutCause } from "../core/finding.js";
import type { KeeperSources } from "../core/valueSource.js";
import { groupIncidents, type GroupOptions, type Incident } from "./incident.js";

export interface ReportTarget {
  tenantId: string;
  appId: string;
  dcr: string;
  workspace: string;
  /** The Endpoint URL Keeper must hold, assembled from live values when they could be read. */
  endpointUrl?: string;
  /** Where each connector value came from (a setting, Sentinel's connector record, the monitor's token, a default). */
  sources?: KeeperSources;
  /** What discovery wants people to know (several Keeper connectors, the record's DCR gone). */
  discoveryWarnings?: string[];
  /** Which connector, when one deployment watches several: `?target=` key and name. */
  key?: string;
  label?: string;
}

export interface Report {
  version: 1;
  target: ReportTarget;
  startedAt: string;
  finishedAt: string;
  status: Status;
  findings: Finding[];
  /** The problems and unknowns by cause, problems first (see incident.ts). */
  incidents: Incident[];
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
  /** The monitor's principal id, when its token named it (see monitorPrincipal.ts). */
  options: Pick<GroupOptions, "monitorPrincipalId"> = {},
): Report {
  // A finding's cause is for the diagnosis only: the Report keeps the public fields.
  const sorted = sortFindings(findings).map(withoutCause);
  const endpointUrl = sorted.find((f) => f.check === "dce.endpoint")?.evidence?.["endpointUrl"];
  return {
    version: 1,
    target: typeof endpointUrl === "string" ? { ...target, endpointUrl } : target,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    status: overallStatus(sorted),
    findings: sorted,
    incidents: groupIncidents(findings, { ...options, at: finishedAt }),
  };
}

/** Exit codes of `keeper-monitor check`: 0 all ok, 1 a problem, 2 could not tell. */
export function exitCodeFor(report: Pick<Report, "status">): 0 | 1 | 2 {
  return report.status === "ok" ? 0 : report.status === "problem" ? 1 : 2;
}
