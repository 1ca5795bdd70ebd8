import { analyze } from "./analyze.js";
import { collect, type ConnectorReader } from "./collect.js";
import { addWhoWhen } from "./whoWhen.js";
import type { Expected } from "./expected.js";
import type { Finding } from "../core/finding.js";
import { buildReport, type Report, type ReportTarget } from "../report/report.js";

/**
 * More findings for the same report, from another feature (ingestion watch, rotation). A provider
 * starts its own reads at once and awaits the drift findings only if it needs them (e.g. to
 * diagnose why events stopped), so providers never add a round trip to the run.
 */
export type FindingProvider = (driftFindings: Promise<Finding[]>) => Promise<Finding[]>;

export interface DriftRunDeps {
  reader: ConnectorReader;
  expected: Expected;
  target: ReportTarget;
  now: () => Date;
  providers?: readonly FindingProvider[];
  /** The monitor's own principal id, when known, for the fix of a missing permission. */
  monitorPrincipalId?: () => string | undefined;
}

/**
 * The drift findings of one observation, each problem with its cause (which a Report leaves out):
 * what the ingestion diagnosis weighs. Never throws for an Azure failure.
 */
export async function driftFindings(deps: Pick<DriftRunDeps, "reader" | "expected" | "now">): Promise<Finding[]> {
  const observed = await collect(deps.reader, deps.now, deps.expected.profile.ingestionRoleGuid);
  const findings = analyze(deps.expected, observed);
  const read = deps.reader.readActivityLog;
  const audits = deps.reader.readDirectoryAudits;
  // who and when of each drift problem; a healthy run reads nothing more
  return read
    ? addWhoWhen(findings, {
        read,
        now: observed.now,
        dcrId: deps.expected.dcrId,
        ...(audits && observed.app.kind === "found"
          ? { audits: { read: audits, appObjectId: observed.app.value.objectId } }
          : {}),
      })
    : findings;
}

/** One drift run: observe everything, analyze, report. Never throws for an Azure failure. */
export async function runDriftChecks(deps: DriftRunDeps): Promise<Report> {
  const startedAt = deps.now();
  const drift = driftFindings(deps);
  const extra = await Promise.all((deps.providers ?? []).map((p) => p(drift)));
  const findings = [...(await drift), ...extra.flat()];
  const principalId = deps.monitorPrincipalId?.();
  return buildReport(
    deps.target,
    startedAt,
    deps.now(),
    findings,
    principalId ? { monitorPrincipalId: principalId } : {},
  );
}
