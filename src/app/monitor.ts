import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import type { Config } from "../config/loadConfig.js";
import type { Notifier } from "../core/notifier.js";
import { keeperProfile } from "../connector/profile.js";
import type { Expected } from "../checks/expected.js";
import { keeperEndpointUrl } from "../checks/dce.js";
import type { WatchResult, WatchSettings } from "../ingestion/watch.js";
import { createRotationService, type RotationService } from "../rotation/service.js";
import { tableRotationStore } from "../rotation/stateStore.js";
import type { Report, ReportTarget } from "../report/report.js";
import { connectorReader } from "../azure/connectorReader.js";
import { createCredential } from "../azure/credential.js";
import { rootCredential, sharedTokenCredential, warmTokens } from "../azure/tokenCache.js";
import { rememberingPrincipal } from "../report/monitorPrincipal.js";
import { customerIdOnce } from "../azure/customerId.js";
import { poolOf, unpooled, type Pool } from "./clientPool.js";
import { ingestionReader } from "../azure/ingestionReader.js";
import { MetricsAdapter } from "../azure/metrics.js";
import { rotationPorts } from "../azure/rotationPorts.js";
import { createTableClient } from "../azure/tableStorage.js";
import { createAdapters, createRotationClients } from "./clients.js";
import { graphCredentialFor } from "./graphTenant.js";
import { runAll, runDrift, runIngestion, type RunParts } from "./run.js";
import { runContext } from "./runContext.js";

export function expectedFromConfig(config: Config): Expected {
  const k = config.keeper;
  return {
    profile: keeperProfile(k.streamName, k.tableName),
    tenantId: k.tenantId,
    appId: k.appId,
    dcrId: k.dcr.id,
    dcrImmutableId: k.dcrImmutableId,
    dceUri: k.dceUri,
    workspaceId: k.workspace.id,
    ...(config.keyVault ? { keyVault: config.keyVault } : {}),
    secretWarnDays: config.secret.warnDays,
    secretCriticalDays: config.secret.criticalDays,
    silenceThresholdMinutes: config.silenceThresholdMinutes,
  };
}

export function targetFromConfig(config: Config): ReportTarget {
  return {
    tenantId: config.keeper.tenantId,
    appId: config.keeper.appId,
    dcr: config.keeper.dcr.id,
    workspace: config.keeper.workspace.id,
    sources: config.keeper.sources,
    ...(config.discovery?.warnings.length ? { discoveryWarnings: config.discovery.warnings } : {}),
    ...(config.target ? { key: config.target.key, label: config.target.label } : {}),
  };
}

export function watchSettingsFromConfig(config: Config): WatchSettings {
  const i = config.ingestion;
  return {
    baselineDays: i.baselineDays,
    silenceMinMinutes: i.silenceMinMinutes,
    silenceMaxMinutes: i.silenceMaxMinutes,
    fixedThresholdMinutes: i.fixedThresholdMinutes,
    fallbackThresholdMinutes: config.silenceThresholdMinutes,
    latencyWarnMinutes: i.latencyWarnMinutes,
    volumeDropPercent: i.volumeDropPercent,
    holidays: i.holidays,
    ...(i.trafficTimeZone ? { trafficTimeZone: i.trafficTimeZone } : {}),
    ...(i.weekendDays ? { weekendDays: i.weekendDays } : {}),
  };
}

/** The table of rotation state (its own, so alert and rotation rows never collide). */
export const ROTATION_TABLE = "keepermonitorrotation";

export interface RotationOptions {
  /** Where hand-off notices and reminders go (the alerts feature's durable notifier). */
  notifier?: Notifier;
  sleep?: (ms: number) => Promise<void>;
  table?: string;
}

/** Without the alerts feature's notifier, notices are only logged (title and key, no facts). */
const consoleNotifier: Notifier = {
  notify: (n) => {
    console.warn(`rotation notice (no notifier wired) key=${n.key} kind=${n.kind} title=${JSON.stringify(n.title)}`);
    return Promise.resolve();
  },
};

/** What the triggers and the CLI run. */
export interface Monitor {
  config: Config;
  /** The one credential: alerting's state store and channels reuse it (and its token cache). */
  credential: TokenCredential;
  /** The driftCheck timer's run: the drift checks and the rotation's state, one report. */
  runDriftChecks(): Promise<Report>;
  /** The ingestionWatch timer's run: one aggregated query; the drift checks only to diagnose a silence. */
  runIngestionWatch(): Promise<WatchResult>;
  /** The CLI's run: the drift checks, the ingestion watch and the rotation's state in one report. */
  runAll(): Promise<Report>;
  /** The secret rotation: the timer's run, GET /api/rotation, POST /api/rotation/confirm. */
  rotation: RotationService;
}

export interface MonitorOptions {
  credential?: TokenCredential;
  now?: () => Date;
  rotation?: RotationOptions;
}

/** Builds the monitor from validated settings: credential and clients once, nothing on the network yet. */
export function createMonitor(config: Config, options: MonitorOptions = {}): Monitor {
  const now = options.now ?? (() => new Date());
  // the monitor's own principal id, from the tokens it is handed: a 403's fix names it
  // one token cache for every client, a credential passed in included
  const shared = options.credential ? sharedTokenCredential(options.credential) : createCredential(config);
  // the targets of a process that share the monitor's credential share its clients (clientPool.ts)
  const root = rootCredential(shared);
  const pool = poolOf(root, JSON.stringify(config.cloud));
  const identity = pool("identity", () => rememberingPrincipal(shared));
  const credential = identity.credential as TokenCredential;
  // Graph in the Keeper connector's tenant: the monitor's credential there, else the federated app
  const k = config.keeper;
  const graphKey = `${k.tenantId}|${config.identity.tenantId ?? ""}|${config.identity.graphAppId ?? ""}`.toLowerCase();
  const graphCredential = pool(`graphCredential|${graphKey}`, () => graphCredentialFor(config, credential, root));
  const adapters = createAdapters(config, credential, graphCredential, pool, graphKey);
  const metrics = pool("metrics", () => new MetricsAdapter(credential, config.cloud));
  const customerId = pool(`customerId|${k.workspace.id.toLowerCase()}`, () =>
    customerIdOnce(adapters.arm, k.workspace),
  );
  const rotation = createRotation(
    config,
    credential,
    graphCredential,
    adapters.logs,
    customerId,
    now,
    options.rotation,
    pool,
    graphKey,
  );
  const parts: RunParts = {
    config,
    now,
    expected: expectedFromConfig(config),
    target: targetFromConfig(config),
    watchSettings: watchSettingsFromConfig(config),
    resource: `${config.keeper.workspace.id}/tables/${config.keeper.tableName}`,
    connector: (ctx) => connectorReader(adapters, config, ctx),
    ingestion: (ctx) => ingestionReader(adapters, metrics, config, ctx, customerId),
    rotation: rotation.provider,
    monitorPrincipalId: identity.principalId,
  };
  const warm = (...which: Parameters<typeof warmTokens>[2]) => warmTokens(credential, config.cloud.audiences, which);
  return {
    config,
    credential,
    runDriftChecks: () => (warm("arm", "graph", "logAnalytics"), runDrift(parts)),
    runIngestionWatch: () => (warm("logAnalytics"), runIngestion(parts)),
    runAll: () => (warm("arm", "graph", "logAnalytics"), runAll(parts)),
    rotation,
  };
}

/** The rotation's clients and store, built once; each run binds them to its own time limits. */
function createRotation(
  config: Config,
  credential: TokenCredential,
  graphCredential: TokenCredential,
  logs: Parameters<typeof createRotationClients>[2],
  customerId: ReturnType<typeof customerIdOnce>,
  now: () => Date,
  options: RotationOptions = {},
  pool: Pool = unpooled,
  graphKey = "own",
): RotationService {
  const clients = createRotationClients(config, credential, logs, graphCredential, pool, graphKey);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const store = config.storage
    ? tableRotationStore(
        createTableClient(config.storage, credential, options.table ?? ROTATION_TABLE),
        config.keeper.appId,
      )
    : undefined;
  const k = config.keeper;
  return createRotationService({
    ports: () => rotationPorts(clients, config, runContext(config), { clock: now, sleep, customerId }),
    store,
    vaultConfigured: config.keyVault !== undefined,
    notifier: options.notifier ?? consoleNotifier,
    settings: config.rotation,
    target: {
      tenantId: k.tenantId,
      appId: k.appId,
      vaultUri: config.keyVault?.uri ?? "(KEY_VAULT_URI not set)",
      secretName: config.keyVault?.secretName ?? "",
      endpointUrl: keeperEndpointUrl(k.dceUri, k.dcrImmutableId, k.streamName),
      portalUrl: config.cloud.portalUrl,
      ...(config.alerts.statusPageUrl ? { statusPageUrl: config.alerts.statusPageUrl } : {}),
    },
    clock: now,
    newId: () => randomUUID(),
    leaseMs: config.runBudgetMs + 2 * 60_000,
  });
}
