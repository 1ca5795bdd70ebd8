import functions from "@azure/functions";
import { loadConfig } from "./config/loadConfig.js";
import type { createMonitor, Monitor } from "./wiring.js";
import { driftCheckHandler } from "./functions/driftCheck.js";
import { healthHandler } from "./functions/health.js";
import type { createAlerting, Alerting } from "./app/alerting.js";
import type { FindingsSink, Notifier } from "./core/notifier.js";
import { alertDeliveryHandler } from "./functions/alertDelivery.js";
import { alertDigestHandler, digestEnabled } from "./functions/alertDigest.js";
import { loggerFrom } from "./core/logger.js";
import { ingestionWatchHandler } from "./functions/ingestionWatch.js";
import { registerAll, type TriggerDef } from "./functions/registry.js";
import { secretRotationHandler } from "./functions/secretRotation.js";
import { rotationConfirmHandler, rotationStateHandler } from "./functions/rotationApi.js";

// The Azure SDKs (most of the package) load on the first invocation, not at import: the host
// indexes the functions sooner (bench/results.md, cold start), and an import cannot create a
// client or touch the network. Every handler awaits this before it runs (afterLoad below).
interface MonitorModules {
  createMonitor: typeof createMonitor;
  createAlerting: typeof createAlerting;
}
let modules: MonitorModules | undefined;
let loading: Promise<MonitorModules> | undefined;
/** Loads the monitor's modules once; a failed load is retried by the next invocation. */
export function loadMonitorModules(): Promise<MonitorModules> {
  loading ??= Promise.all([import("./wiring.js"), import("./app/alerting.js")])
    .then(([w, a]) => (modules = { createMonitor: w.createMonitor, createAlerting: a.createAlerting }))
    .catch((e: unknown) => {
      loading = undefined;
      throw e;
    });
  return loading;
}
function loaded(): MonitorModules {
  if (!modules) throw new Error("the monitor's modules are not loaded: wrap the handler in afterLoad()");
  return modules;
}
function afterLoad<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    await loadMonitorModules();
    return handler(...args);
  };
}

// Nothing touches the network or reads settings at import: the first invocation builds the
// monitor (config, credential, clients) once; a settings error is reported on every invocation.
let monitor: Monitor | undefined;
function getMonitor(): Monitor {
  monitor ??= loaded().createMonitor(loadConfig(process.env), { rotation: { notifier } });
  return monitor;
}

// Alerting (state store, channels, policy) is built on first use too, from the same settings and
// with the monitor's credential, so its tokens come from the same cache.
let alerting: Alerting | undefined;
function getAlerting(): Alerting {
  const { config, credential } = getMonitor();
  alerting ??= loaded().createAlerting(config, credential, () => new Date(), loggerFrom(console));
  return alerting;
}
/** Lazy seams: the timers and the rotation get these at import, alerting is built on first call. */
const sink: FindingsSink = { record: (run) => getAlerting().manager.record(run) };
const notifier: Notifier = { notify: (n) => getAlerting().manager.notify(n) };

// The digest is registered only when ALERT_DIGEST_SCHEDULE is not set to empty: the host
// resolves %ALERT_DIGEST_SCHEDULE% when it indexes the functions, and an empty schedule would put
// the function in error. Only the setting's presence is read here, nothing else.
const alertDigestTrigger: TriggerDef[] = digestEnabled(process.env)
  ? [
      {
        kind: "timer",
        name: "alertDigest",
        schedule: "%ALERT_DIGEST_SCHEDULE%",
        runOnStartup: false,
        handler: afterLoad(
          alertDigestHandler({
            getConfig: () => getMonitor().config,
            getManager: () => getAlerting().manager,
          }),
        ),
      },
    ]
  : [];

export const TRIGGERS: readonly TriggerDef[] = [
  {
    kind: "timer",
    name: "driftCheck",
    schedule: "%DRIFT_CHECK_SCHEDULE%",
    runOnStartup: false,
    handler: afterLoad(driftCheckHandler({ getMonitor, getSink: (log) => getAlerting().manager.withLog(log) })),
  },
  {
    kind: "timer",
    name: "ingestionWatch",
    schedule: "%INGESTION_CHECK_SCHEDULE%",
    runOnStartup: false,
    handler: afterLoad(ingestionWatchHandler({ getMonitor, sink })),
  },
  {
    kind: "http",
    name: "health",
    route: "health",
    methods: ["GET"],
    authLevel: "function",
    handler: afterLoad(
      healthHandler({
        getMonitor,
        getState: (log) => ({ store: getAlerting().store, sink: getAlerting().manager.withLog(log) }),
        now: () => new Date(),
      }),
    ),
  },
  {
    kind: "timer",
    name: "secretRotation",
    schedule: "%SECRET_ROTATION_SCHEDULE%",
    runOnStartup: false,
    handler: afterLoad(secretRotationHandler({ getMonitor })),
  },
  {
    kind: "http",
    name: "rotationState",
    route: "rotation",
    methods: ["GET"],
    authLevel: "function",
    handler: afterLoad(rotationStateHandler({ getMonitor })),
  },
  {
    kind: "http",
    name: "rotationConfirm",
    route: "rotation/confirm",
    methods: ["POST"],
    authLevel: "admin",
    handler: afterLoad(rotationConfirmHandler({ getMonitor })),
  },
  {
    kind: "timer",
    name: "alertDelivery",
    schedule: "%ALERT_DELIVERY_SCHEDULE%",
    runOnStartup: false,
    handler: afterLoad(alertDeliveryHandler({ getManager: () => getAlerting().manager, now: () => new Date() })),
  },
  ...alertDigestTrigger,
];

registerAll(functions.app, TRIGGERS);
