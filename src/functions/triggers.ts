import type { TimerHandler } from "@azure/functions";
import type { App } from "../app/compose.js";
import { mapLimit, type Fleet } from "../app/fleet.js";
import { alertDeliveryHandler } from "./alertDelivery.js";
import { alertDigestHandler, digestEnabled } from "./alertDigest.js";
import { driftCheckHandler } from "./driftCheck.js";
import { contextFor, fleetHealthHandler, perTarget } from "./fleetHttp.js";
import { healthHandler } from "./health.js";
import { ingestionWatchHandler } from "./ingestionWatch.js";
import type { TriggerDef } from "./registry.js";
import { rotationConfirmHandler, rotationStateHandler } from "./rotationApi.js";
import { secretRotationHandler } from "./secretRotation.js";

/** At most this many targets run at once in one invocation. */
export const TARGET_CONCURRENCY = 4;

/**
 * A timer handler run for every target. One target: exactly its handler. Several: each runs (at
 * most TARGET_CONCURRENCY at once) with log lines naming it; one that fails does not stop the
 * others, and the invocation fails afterwards naming how many did.
 */
function eachTarget(fleet: Fleet, handlerFor: (app: App) => TimerHandler): TimerHandler {
  return async (timer, context) => {
    const targets = await fleet.load();
    if (!fleet.several() && targets.length === 1) return handlerFor(targets[0]!.app)(timer, context);
    const failed: string[] = [];
    await mapLimit(targets, TARGET_CONCURRENCY, async (t) => {
      const ctx = contextFor(context, t.key);
      try {
        await handlerFor(t.app)(timer, ctx);
      } catch (e) {
        failed.push(t.key);
        ctx.error(`run failed: ${e instanceof Error ? e.name : "error"}`);
      }
    });
    if (failed.length)
      throw new Error(`${failed.length} of ${targets.length} targets failed: ${failed.slice(0, 10).join(", ")}`);
  };
}

/** The app's triggers, each bound to the fleet of targets (one target: today's single app). */
export function triggersFor(fleet: Fleet, env: Record<string, string | undefined>): TriggerDef[] {
  const now = fleet.now;
  // The digest is registered only when ALERT_DIGEST_SCHEDULE is not set to empty: the host
  // resolves %ALERT_DIGEST_SCHEDULE% when it indexes the functions, and an empty schedule would put
  // the function in error. Only the setting's presence is read here, nothing else.
  const alertDigestTrigger: TriggerDef[] = digestEnabled(env)
    ? [
        {
          kind: "timer",
          name: "alertDigest",
          schedule: "%ALERT_DIGEST_SCHEDULE%",
          runOnStartup: false,
          handler: eachTarget(fleet, (app) =>
            alertDigestHandler({
              getConfig: () => app.getMonitor().config,
              getManager: () => app.getAlerting().manager,
            }),
          ),
        },
      ]
    : [];
  return [
    {
      kind: "timer",
      name: "driftCheck",
      schedule: "%DRIFT_CHECK_SCHEDULE%",
      runOnStartup: false,
      handler: eachTarget(fleet, (app) => driftCheckHandler({ getMonitor: app.getMonitor, getSink: app.sinkFor })),
    },
    {
      kind: "timer",
      name: "ingestionWatch",
      schedule: "%INGESTION_CHECK_SCHEDULE%",
      runOnStartup: false,
      handler: eachTarget(fleet, (app) => ingestionWatchHandler({ getMonitor: app.getMonitor, sink: app.sink })),
    },
    {
      kind: "http",
      name: "health",
      route: "health",
      methods: ["GET"],
      authLevel: "function",
      handler: fleetHealthHandler(fleet, (app) =>
        healthHandler({
          getMonitor: app.getMonitor,
          getState: (log) => ({ store: app.getAlerting().store, sink: app.sinkFor(log) }),
          now,
          getAppHost: () => app.getMonitor().config.alerts.appHost,
        }),
      ),
    },
    {
      kind: "timer",
      name: "secretRotation",
      schedule: "%SECRET_ROTATION_SCHEDULE%",
      runOnStartup: false,
      handler: eachTarget(fleet, (app) => secretRotationHandler({ getMonitor: app.getMonitor })),
    },
    {
      kind: "http",
      name: "rotationState",
      route: "rotation",
      methods: ["GET"],
      authLevel: "function",
      handler: perTarget(fleet, (app) => rotationStateHandler({ getMonitor: app.getMonitor })),
    },
    {
      kind: "http",
      name: "rotationConfirm",
      route: "rotation/confirm",
      methods: ["POST"],
      authLevel: "admin",
      handler: perTarget(fleet, (app) => rotationConfirmHandler({ getMonitor: app.getMonitor })),
    },
    {
      kind: "timer",
      name: "alertDelivery",
      schedule: "%ALERT_DELIVERY_SCHEDULE%",
      runOnStartup: false,
      handler: eachTarget(fleet, (app) => alertDeliveryHandler({ getManager: () => app.getAlerting().manager, now })),
    },
    ...alertDigestTrigger,
  ];
}
