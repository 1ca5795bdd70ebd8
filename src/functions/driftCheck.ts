import type { InvocationContext, Timer } from "@azure/functions";
import type { Monitor } from "../app/monitor.js";
import { beginTimerRun, logFindings } from "./timerRun.js";
import type { FindingsSink } from "../core/notifier.js";
import type { Logger } from "../core/logger.js";

export interface DriftCheckDeps {
  /** Builds (once) or returns the monitor; throws ConfigError on bad settings. */
  getMonitor: () => Monitor;
  /** Where the run is recorded (health state, alert policy, notices); optional for tests. */
  getSink?: (log: Logger) => FindingsSink;
}

/**
 * Timer: runs the drift checks, logs one line per finding that is not ok, and records the run
 * into the sink (health state and alerts). A replayed or late tick (isPastDue) just runs again:
 * the checks only read, and the sink ignores a run it has already applied.
 */
export function driftCheckHandler(deps: DriftCheckDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const { log, monitor } = beginTimerRun("driftCheck", deps.getMonitor, timer, context);
    // The ingestion watch has its own timer: this run does not query the events again.
    const report = await monitor.runDriftChecks();
    const counts = { ok: 0, problem: 0, unknown: 0 };
    for (const f of report.findings) counts[f.status]++;
    log.info("driftCheck done", {
      status: report.status,
      ...counts,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
    });
    logFindings(log, report.findings);
    if (deps.getSink) {
      await deps.getSink(log).record({
        source: "drift",
        startedAt: report.startedAt,
        finishedAt: report.finishedAt,
        findings: report.findings,
        incidents: report.incidents,
      });
    }
  };
}
