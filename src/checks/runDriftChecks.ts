import { analyze } from "./analyze.js";
import { collect, type ConnectorReader } from "./collect.js";
import type { Expected } from "./expected.js";
import { buildReport, type Report, type ReportTarget } from "../report/report.js";

export interface DriftRunDeps {
  reader: ConnectorReader;
  expected: Expected;
  target: ReportTarget;
  now: () => Date;
}

/** One drift run: observe everything, analyze, report. Never throws for an Azure failure. */
export async function runDriftChecks(deps: DriftRunDeps): Promise<Report> {
  const startedAt = deps.now();
  const observed = await collect(deps.reader, deps.now, deps.expected.profile.ingestionRoleGuid);
  const findings = analyze(deps.expected, observed);
  return buildReport(deps.target, startedAt, deps.now(), findings);
}
