import { CHECK_CATALOG } from "../core/finding.js";
import { overallStatus, type Report } from "./report.js";

/** The ids of `wanted` the catalog does not hold. */
export function unknownCheckIds(wanted: readonly string[]): string[] {
  return wanted.filter((id) => !(CHECK_CATALOG as readonly string[]).includes(id));
}

/**
 * The Report narrowed to some checks (`keeper-monitor check --only`): their findings, the
 * incidents that carry one of them (with only those checks), and the status of what is left.
 */
export function selectChecks(report: Report, checks: readonly string[]): Report {
  const wanted = new Set(checks);
  const findings = report.findings.filter((f) => wanted.has(f.check));
  const incidents = report.incidents
    .filter((i) => i.checks.some((c) => wanted.has(c)))
    .map((i) => ({ ...i, checks: i.checks.filter((c) => wanted.has(c)) }));
  return { ...report, findings, incidents, status: overallStatus(findings) };
}
