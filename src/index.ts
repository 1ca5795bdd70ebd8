import functions from "@azure/functions";
import { loadConfig } from "./config/loadConfig.js";
import { createMonitor, type Monitor } from "./wiring.js";
import { driftCheckHandler } from "./functions/driftCheck.js";
import { healthHandler } from "./functions/health.js";
import { registerAll, type TriggerDef } from "./functions/registry.js";

// Nothing touches the network or reads settings at import: the first invocation builds the
// monitor (config, credential, clients) once; a settings error is reported on every invocation.
let monitor: Monitor | undefined;
function getMonitor(): Monitor {
  monitor ??= createMonitor(loadConfig(process.env));
  return monitor;
}

export const TRIGGERS: readonly TriggerDef[] = [
  {
    kind: "timer",
    name: "driftCheck",
    schedule: "%DRIFT_CHECK_SCHEDULE%",
    runOnStartup: false,
    handler: driftCheckHandler({ getMonitor }),
  },
  {
    kind: "http",
    name: "health",
    route: "health",
    methods: ["GET"],
    authLevel: "function",
    handler: healthHandler({ getMonitor, now: () => new Date() }),
  },
];

registerAll(functions.app, TRIGGERS);
