import type { App } from "../app/compose.js";
import { alertDeliveryHandler } from "./alertDelivery.js";
import { alertDigestHandler, digestEnabled } from "./alertDigest.js";
import { driftCheckHandler } from "./driftCheck.js";
import { healthHandler } from "./health.js";
import { ingestionWatchHandler } from "./ingestionWatch.js";
import type { TriggerDef } from "./registry.js";
import { rotationConfirmHandler, rotationStateHandler } from "./rotationApi.js";
import { secretRotationHandler } from "./secretRotation.js";

/** Every handler awaits the app's modules before it builds anything (see createApp). */
function afterLoad<A extends unknown[], R>(app: App, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    await app.load();
    return handler(...args);
  };
}

/** The app's triggers, each bound to the composition root `app`. */
export function triggersFor(app: App, env: Record<string, string | undefined>): TriggerDef[] {
  const { getMonitor, now } = app;
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
          handler: afterLoad(
            app,
            alertDigestHandler({
              getConfig: () => getMonitor().config,
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
      handler: afterLoad(app, driftCheckHandler({ getMonitor, getSink: app.sinkFor })),
    },
    {
      kind: "timer",
      name: "ingestionWatch",
      schedule: "%INGESTION_CHECK_SCHEDULE%",
      runOnStartup: false,
      handler: afterLoad(app, ingestionWatchHandler({ getMonitor, sink: app.sink })),
    },
    {
      kind: "http",
      name: "health",
      route: "health",
      methods: ["GET"],
      authLevel: "function",
      handler: afterLoad(
        app,
        healthHandler({
          getMonitor,
          getState: (log) => ({ store: app.getAlerting().store, sink: app.sinkFor(log) }),
          now,
          getAppHost: () => getMonitor().config.alerts.appHost,
        }),
      ),
    },
    {
      kind: "timer",
      name: "secretRotation",
      schedule: "%SECRET_ROTATION_SCHEDULE%",
      runOnStartup: false,
      handler: afterLoad(app, secretRotationHandler({ getMonitor })),
    },
    {
      kind: "http",
      name: "rotationState",
      route: "rotation",
      methods: ["GET"],
      authLevel: "function",
      handler: afterLoad(app, rotationStateHandler({ getMonitor })),
    },
    {
      kind: "http",
      name: "rotationConfirm",
      route: "rotation/confirm",
      methods: ["POST"],
      authLevel: "admin",
      handler: afterLoad(app, rotationConfirmHandler({ getMonitor })),
    },
    {
      kind: "timer",
      name: "alertDelivery",
      schedule: "%ALERT_DELIVERY_SCHEDULE%",
      runOnStartup: false,
      handler: afterLoad(app, alertDeliveryHandler({ getManager: () => app.getAlerting().manager, now })),
    },
    ...alertDigestTrigger,
  ];
}
