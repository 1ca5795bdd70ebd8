import type { TokenCredential } from "@azure/core-auth";
import { DiscoveryError, discoveryWanted, loadConfig } from "../config/loadConfig.js";
import type { Discovered } from "../config/discovered.js";
import { loggerFrom, type Logger } from "../core/logger.js";
import type { FindingsSink, Notifier, RunRecord } from "../core/notifier.js";
import type { Alerting, createAlerting } from "./alerting.js";
import type { discover, discoverAll } from "./discover.js";
import type { createMonitor, Monitor } from "./monitor.js";
import { forTarget, type TargetRef } from "./target.js";

/** The modules that hold the Azure SDKs: loaded on first use, not at import. */
export interface AppModules {
  createMonitor: typeof createMonitor;
  createAlerting: typeof createAlerting;
  discover: typeof discover;
  discoverAll: typeof discoverAll;
}

export interface AppOptions {
  /** The settings (process.env in the Function App and the CLI). */
  env: Record<string, string | undefined>;
  credential?: TokenCredential;
  now?: () => Date;
  /** How the rotation waits between its probes (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** The Table storage tables of alert and rotation state (default keepermonitor, keepermonitorrotation). */
  tables?: { alerts?: string; rotation?: string };
  /**
   * The connector's values already found (a fleet finds every connector of a workspace at once):
   * the app does not look them up again.
   */
  discovered?: Discovered;
  /**
   * The connector this app watches, when the deployment watches several (see fleet.ts): alerts
   * name it, and its secret name and status page link are its own.
   */
  target?: TargetRef;
  /** Alerting's own log (default: the console). */
  log?: Logger;
  /** Sees every run a trigger records, just before alerting applies it. */
  onRecord?: (run: RunRecord) => void;
}

/** The one composition root: settings, credential, clients, features and alerting, each built once. */
export interface App {
  /**
   * Loads the SDK modules once and, when settings leave the connector's values to be found, looks
   * them up once (a failed lookup is retried by the next call). Await it before the getters.
   */
  load: () => Promise<AppModules>;
  /**
   * Builds (once) or returns the monitor; throws ConfigError on bad settings, and DiscoveryError
   * (a ConfigError) when the values left to discovery could not be found, on every call.
   */
  getMonitor: () => Monitor;
  /** Builds (once) alerting (state store, channels, policy) with the monitor's settings and credential. */
  getAlerting: () => Alerting;
  /** Where a run is recorded (health state, alert policy, notices), logging to `log`. */
  sinkFor: (log: Logger) => FindingsSink;
  /** The same, logging to alerting's own log. */
  sink: FindingsSink;
  /** Where the rotation's notices go: alerting's durable outbox. */
  notifier: Notifier;
  /** The app's clock. */
  now: () => Date;
}

/**
 * Nothing touches the network, reads settings or loads an Azure SDK when the app is created: the
 * host indexes the functions sooner (bench/results.md, cold start), and an import cannot create a
 * client. The first invocation loads the modules and builds the monitor; alerting is built on
 * first use, with the monitor's credential, so its tokens come from the same cache.
 */
export function createApp(options: AppOptions): App {
  const now = options.now ?? (() => new Date());
  let modules: AppModules | undefined;
  let loading: Promise<AppModules> | undefined;
  const loadModules = (): Promise<AppModules> => {
    loading ??= Promise.all([import("./monitor.js"), import("./alerting.js"), import("./discover.js")])
      .then(
        ([m, a, d]) =>
          (modules = {
            createMonitor: m.createMonitor,
            createAlerting: a.createAlerting,
            discover: d.discover,
            discoverAll: d.discoverAll,
          }),
      )
      .catch((e: unknown) => {
        loading = undefined;
        throw e;
      });
    return loading;
  };
  // The connector's values found from the workspace: once per process while it succeeds.
  let discovered: Discovered | undefined = options.discovered;
  let discoveryError: unknown;
  let discovering: Promise<void> | undefined;
  const load = async (): Promise<AppModules> => {
    const m = await loadModules();
    if (discovered === undefined && discoveryWanted(options.env)) {
      discovering ??= m
        .discover(options.env, options.credential ? { credential: options.credential } : {})
        .then(
          (d) => {
            discovered = d;
            discoveryError = undefined;
          },
          (e: unknown) => {
            discoveryError = e;
          },
        )
        .finally(() => (discovering = undefined));
      await discovering;
    }
    return m;
  };
  const loaded = (): AppModules => {
    if (!modules) throw new Error("the monitor's modules are not loaded: await load() first");
    return modules;
  };

  let monitor: Monitor | undefined;
  let alerting: Alerting | undefined;
  const config = () => {
    // a bad setting discovery itself needs: loadConfig names it with every other bad setting
    if (discoveryWanted(options.env) && discovered === undefined && discoveryError instanceof DiscoveryError)
      throw discoveryError;
    const c = loadConfig(options.env, discovered);
    return options.target ? forTarget(c, options.target) : c;
  };
  const getMonitor = (): Monitor => {
    monitor ??= loaded().createMonitor(config(), {
      ...(options.credential ? { credential: options.credential } : {}),
      now,
      rotation: {
        notifier,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.tables?.rotation ? { table: options.tables.rotation } : {}),
      },
    });
    return monitor;
  };
  const getAlerting = (): Alerting => {
    const { config, credential } = getMonitor();
    alerting ??= loaded().createAlerting(config, credential, now, options.log ?? loggerFrom(console), {
      ...(options.tables?.alerts ? { table: options.tables.alerts } : {}),
      ...(options.target ? { connector: options.target.label } : {}),
    });
    return alerting;
  };
  const notifier: Notifier = { notify: (n) => getAlerting().manager.notify(n) };
  const record = (run: RunRecord, apply: (run: RunRecord) => Promise<void>): Promise<void> => {
    options.onRecord?.(run);
    return apply(run);
  };
  return {
    load,
    getMonitor,
    getAlerting,
    sinkFor: (log) => ({ record: (run) => record(run, (r) => getAlerting().manager.withLog(log).record(r)) }),
    sink: { record: (run) => record(run, (r) => getAlerting().manager.record(r)) },
    notifier,
    now,
  };
}
