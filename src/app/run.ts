import type { Config } from "../config/loadConfig.js";
import type { CallContext } from "../core/callContext.js";
import type { Finding } from "../core/finding.js";
import type { ConnectorReader } from "../checks/collect.js";
import type { Expected } from "../checks/expected.js";
import { driftFindings, runDriftChecks, type FindingProvider } from "../checks/runDriftChecks.js";
import { runIngestionWatch, type IngestionReader, type WatchResult, type WatchSettings } from "../ingestion/watch.js";
import type { Report, ReportTarget } from "../report/report.js";
import { runContext } from "./runContext.js";

/** What the runs are made of: the monitor builds these once from the settings and its clients. */
export interface RunParts {
  config: Pick<Config, "callTimeoutMs" | "runBudgetMs">;
  now: () => Date;
  expected: Expected;
  target: ReportTarget;
  watchSettings: WatchSettings;
  /** The Keeper table's resource id, for the ingestion findings. */
  resource: string;
  /** The reads of the drift checks and of the ingestion watch, bound to one run's time limits. */
  connector: (ctx: CallContext) => ConnectorReader;
  ingestion: (ctx: CallContext) => IngestionReader;
  /** The rotation's findings for the same report. */
  rotation: FindingProvider;
  /** The monitor's own principal id once a token has named it (for the fix of a 403). */
  monitorPrincipalId?: () => string | undefined;
}

function watch(p: RunParts, ctx: CallContext, driftFindings: () => Promise<Finding[]>): Promise<WatchResult> {
  return runIngestionWatch({
    reader: p.ingestion(ctx),
    settings: p.watchSettings,
    now: p.now,
    driftFindings,
    resource: p.resource,
  });
}

/**
 * The drift timer's run: the drift checks and the rotation's state. The ingestion watch has its
 * own 5-minute timer: the drift run does not query the events again.
 */
export function runDrift(p: RunParts): Promise<Report> {
  const reader = p.connector(runContext(p.config));
  return runDriftChecks({
    reader,
    expected: p.expected,
    target: p.target,
    now: p.now,
    providers: [p.rotation],
    ...(p.monitorPrincipalId ? { monitorPrincipalId: p.monitorPrincipalId } : {}),
  });
}

/** The ingestion timer's run; the drift checks run (on their own budget) only to diagnose a silence. */
export function runIngestion(p: RunParts): Promise<WatchResult> {
  // the findings with their causes, which a Report leaves out
  return watch(p, runContext(p.config), () =>
    driftFindings({ reader: p.connector(runContext(p.config)), expected: p.expected, now: p.now }),
  );
}

/**
 * The CLI's run: the drift checks, the ingestion watch and the rotation's state in one report, on
 * one budget. The watch starts its query at once and diagnoses a silence with this run's drift
 * findings (no second drift run).
 */
export function runAll(p: RunParts): Promise<Report> {
  const ctx = runContext(p.config);
  const ingestion: FindingProvider = async (drift) => (await watch(p, ctx, () => drift)).findings;
  return runDriftChecks({
    reader: p.connector(ctx),
    expected: p.expected,
    target: p.target,
    now: p.now,
    providers: [ingestion, p.rotation],
    ...(p.monitorPrincipalId ? { monitorPrincipalId: p.monitorPrincipalId } : {}),
  });
}
