import type { InvocationContext, Timer } from "@azure/functions";
import type { Monitor } from "../app/monitor.js";
import { beginTimerRun } from "./timerRun.js";

export interface SecretRotationDeps {
  getMonitor: () => Monitor;
}

/**
 * Timer: one rotation run. A replayed or late tick (isPastDue), or two overlapping instances, are
 * safe: the run takes a lease and resumes from the recorded state.
 */
export function secretRotationHandler(deps: SecretRotationDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const { log, monitor } = beginTimerRun("secretRotation", deps.getMonitor, timer, context);
    const out = await monitor.rotation.run(log);
    log.info("secretRotation done", {
      ran: out.ran,
      stage: out.state?.stage,
      next: out.last?.kind,
      steps: out.steps.join(","),
      error: out.state?.lastError?.reason,
    });
  };
}
