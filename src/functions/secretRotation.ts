import type { InvocationContext, Timer } from "@azure/functions";
import type { Monitor } from "../wiring.js";
import { ConfigError } from "../config/loadConfig.js";
import { loggerFrom } from "./logger.js";

export interface SecretRotationDeps {
  getMonitor: () => Monitor;
}

/**
 * Timer: one rotation run. A replayed or late tick (isPastDue), or two overlapping instances, are
 * safe: the run takes a lease and resumes from the recorded state.
 */
export function secretRotationHandler(deps: SecretRotationDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const log = loggerFrom(context);
    let monitor: Monitor;
    try {
      monitor = deps.getMonitor();
    } catch (e) {
      if (e instanceof ConfigError)
        for (const p of e.problems) log.error("setting invalid", { setting: p.setting, why: p.message });
      throw e;
    }
    if (timer.isPastDue) log.warn("secretRotation tick is late; running now", { invocationId: context.invocationId });
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
