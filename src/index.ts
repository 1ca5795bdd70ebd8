import functions from "@azure/functions";
import { createFleet } from "./app/fleet.js";
import { registerAll } from "./functions/registry.js";
import { triggersFor } from "./functions/triggers.js";

// The Functions entry: the connectors to watch and their composition roots, built from the app
// settings on first invocation (nothing is read, loaded or called at import), and the triggers
// bound to them.
const fleet = createFleet({ env: process.env });

/** Loads the monitor's modules once (the first invocation does); a failed load is retried by the next one. */
export const loadMonitorModules = async () => (await fleet.load())[0]!.app.load();

export const TRIGGERS = triggersFor(fleet, process.env);

registerAll(functions.app, TRIGGERS);
