import type { InvocationContext, Timer } from "@azure/functions";
import type { Monitor } from "../app/monitor.js";
import { beginTimerRun, logFindings } from "./timerRun.js";
import type { FindingsSink, RunRecord } from "../core/notifier.js";
import type { WatchResult } from "../ingestion/watch.js";
import { groupIncidents } from "../report/incident.js";

export interface IngestionWatchDeps {
  /** Builds (once) or returns the monitor; throws ConfigError on bad settings. */
  getMonitor: () => Monitor;
  /** Where the run's findings go (alert state, status page); optional until alerting is wired. */
  sink?: FindingsSink;
}

/**
 * Timer (INGESTION_CHECK_SCHEDULE, every 5 min by default): are Keeper events still arriving, and
 * if not, why. A late or replayed tick just runs again: the watch only reads, and the sink keys
 * its state by run, not by tick.
 */
export function ingestionWatchHandler(deps: IngestionWatchDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const { log, monitor } = beginTimerRun("ingestionWatch", deps.getMonitor, timer, context);
    const run = await monitor.runIngestionWatch();
    const fresh = run.findings.find((f) => f.check === "ingestion.freshness");
    log.info("ingestionWatch done", {
      freshness: fresh?.status,
      gapMinutes: typeof fresh?.evidence?.["gapMinutes"] === "number" ? fresh.evidence["gapMinutes"] : undefined,
      thresholdMinutes:
        typeof fresh?.evidence?.["thresholdMinutes"] === "number" ? fresh.evidence["thresholdMinutes"] : undefined,
      startedAt: run.startedAt.toISOString(),
      finishedAt: run.finishedAt.toISOString(),
    });
    logFindings(log, run.findings);
    if (deps.sink) await deps.sink.record(ingestionRunRecord(run));
  };
}

/** What an ingestion watch run records for alerts and the status page (the timer and a health refresh). */
export function ingestionRunRecord(run: WatchResult): RunRecord {
  return {
    source: "ingestion",
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    findings: run.findings,
    ...(run.eventsPerHour ? { eventsPerHour: run.eventsPerHour } : {}),
    ...(run.lastEvent ? { lastEvent: run.lastEvent } : {}),
    ...(run.clock ? { clock: run.clock } : {}),
    incidents: groupIncidents(run.findings, { at: run.finishedAt }),
  };
}
