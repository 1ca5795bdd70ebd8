import type { InvocationContext, Timer } from "@azure/functions";
import type { AlertManager } from "../alerts/alertManager.js";
import { loggerFrom } from "../core/logger.js";

export interface AlertDeliveryDeps {
  /** Builds (once) or returns the alert manager; throws ConfigError on bad settings. */
  getManager: () => AlertManager;
  now: () => Date;
}

/** Sent rows stay this long as the dedupe memory of the outbox. */
const KEEP_SENT_MS = 7 * 24 * 3_600_000;

/**
 * Timer (%ALERT_DELIVERY_SCHEDULE%, every minute by default): sends what is due in the outbox,
 * retrying failed channels with backoff (1, 2, 4 … 60 min). Safe to overlap: each row is claimed
 * with an ETag before it is sent.
 */
export function alertDeliveryHandler(deps: AlertDeliveryDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const log = loggerFrom(context);
    const manager = deps.getManager().withLog(log);
    if (timer.isPastDue) log.warn("alertDelivery tick is late; running now", { invocationId: context.invocationId });
    const r = await manager.deliver();
    if (r.sent || r.failed || r.skipped) log.info("alertDelivery done", { ...r });
    // Once an hour is enough to forget old sent rows.
    const now = deps.now();
    if (now.getUTCMinutes() === 0) {
      const pruned = await manager.pruneSent(new Date(now.getTime() - KEEP_SENT_MS));
      if (pruned) log.info("alertDelivery pruned sent rows", { pruned });
    }
  };
}
