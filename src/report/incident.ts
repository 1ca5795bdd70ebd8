import type { Finding, Severity, Status } from "../core/finding.js";

/**
 * One incident per cause: the findings a single cause explains, told once. Alerts open, remind and
 * resolve per incident; the findings keep their own ids in the Report and the state store.
 */
export interface Incident {
  /** Stable while the cause lasts (the cause's check and resource): alert state keys on it. */
  id: string;
  status: Exclude<Status, "ok">;
  severity: Severity;
  /** In words, with since when where known. */
  title: string;
  /** When it began (ISO), where known. */
  since?: string;
  /** The checks it carries: the cause's finding first, then its symptoms. */
  checks: string[];
  /** One pasteable fix, with real ids, when there is one. */
  fix?: string;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** The incidents of a run's findings: here each problem or unknown finding is an incident of its own. */
export function groupIncidents(findings: readonly Finding[]): Incident[] {
  return findings
    .filter((f): f is Finding & { status: Incident["status"] } => f.status !== "ok")
    .map((f) => ({
      id: f.resource ? `${f.check}:${f.resource}` : f.check,
      status: f.status,
      severity: f.severity,
      title: f.summary,
      checks: [f.check],
      ...(f.remediation ? { fix: f.remediation } : {}),
    }))
    .sort(
      (a, b) =>
        Number(a.status === "unknown") - Number(b.status === "unknown") ||
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        a.id.localeCompare(b.id),
    );
}
