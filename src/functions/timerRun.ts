import type { InvocationContext, Timer } from "@azure/functions";
import type { Monitor } from "../app/monitor.js";
import { ConfigError } from "../config/loadConfig.js";
import type { Finding } from "../core/finding.js";
import { loggerFrom, type Logger } from "../core/logger.js";

/**
 * The start every timer shares: build (or reuse) the monitor, name each bad setting in the log and
 * fail the invocation on bad settings, and note a late tick (isPastDue), which then simply runs.
 */
export function beginTimerRun(
  name: string,
  getMonitor: () => Monitor,
  timer: Timer,
  context: InvocationContext,
): { log: Logger; monitor: Monitor } {
  const log = loggerFrom(context);
  let monitor: Monitor;
  try {
    monitor = getMonitor();
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(`${name} settings invalid`, { settings: e.problems.map((p) => p.setting).join(",") });
      for (const p of e.problems) log.error("setting invalid", { setting: p.setting, why: p.message });
    }
    throw e;
  }
  if (timer.isPastDue) log.warn(`${name} tick is late; running now`, { invocationId: context.invocationId });
  return { log, monitor };
}

/** One log line per finding that is not ok: a problem as a warning, an unknown as information. */
export function logFindings(log: Logger, findings: readonly Finding[]): void {
  for (const f of findings.filter((x) => x.status !== "ok"))
    log[f.status === "problem" ? "warn" : "info"]("finding", {
      check: f.check,
      status: f.status,
      severity: f.severity,
      summary: f.summary,
    });
}
