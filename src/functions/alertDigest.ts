import type { InvocationContext, Timer } from "@azure/functions";
import type { AlertManager } from "../alerts/alertManager.js";
import type { Config } from "../config/loadConfig.js";
import { loggerFrom } from "../core/logger.js";

export interface AlertDigestDeps {
  getConfig: () => Config;
  getManager: () => AlertManager;
}

/**
 * Timer (%ALERT_DIGEST_SCHEDULE%, 08:00 UTC by default): says the monitor is alive and lists the
 * open alerts. One digest per UTC day (its dedupe key), so a replayed tick sends nothing more.
 * src/index.ts registers it only when the setting is not empty; the check here covers a host
 * that registered it anyway.
 */
export function alertDigestHandler(deps: AlertDigestDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const log = loggerFrom(context);
    if (deps.getConfig().alerts.digestSchedule === undefined) {
      log.info("alertDigest is off (ALERT_DIGEST_SCHEDULE is empty)");
      return;
    }
    const notice = await deps.getManager().withLog(log).digest();
    log.info("alertDigest queued", { title: notice.title });
  };
}

/** Whether the digest trigger is registered: not when ALERT_DIGEST_SCHEDULE is set and empty. */
export function digestEnabled(env: Record<string, string | undefined>): boolean {
  const v = env["ALERT_DIGEST_SCHEDULE"];
  return v === undefined || v.trim() !== "";
}
