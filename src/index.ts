import functions from "@azure/functions";
import { createApp } from "./app/compose.js";
import { registerAll } from "./functions/registry.js";
import { triggersFor } from "./functions/triggers.js";

// The Functions entry: the composition root, built from the app settings on first invocation
// (nothing is read, loaded or called at import), and the triggers bound to it.
const app = createApp({ env: process.env });

/** Loads the monitor's modules once (the first invocation does); a failed load is retried by the next one. */
export const loadMonitorModules = app.load;

export const TRIGGERS = triggersFor(app, process.env);

registerAll(functions.app, TRIGGERS);
