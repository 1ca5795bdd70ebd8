import type { TokenCredential } from "@azure/core-auth";
import type { Config } from "./config/loadConfig.js";
import { keeperProfile } from "./connector/profile.js";
import type { Expected } from "./checks/expected.js";
import { runDriftChecks, type FindingProvider } from "./checks/runDriftChecks.js";
import { connectorReader, createAdapters, type AzureAdapters } from "./azure/connectorReader.js";
import { createCredential } from "./azure/credential.js";
import type { Report, ReportTarget } from "./report/report.js";
import { createIngestionWiring } from "./ingestionWiring.js";
import type { WatchResult } from "./ingestion/watch.js";
import { createRotationWiring, type RotationWiringOptions } from "./rotationWiring.js";
import type { RotationService } from "./rotation/service.js";
import { deadline } from "./core/callContext.js";

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
  };
}

/** What the triggers and the CLI need: one function that runs the drift checks. */
export interface Monitor {
  config: Config;
  /** The one credential: alerting's state store and channels reuse it (and its token cache). */
  credential: TokenCredential;
  /**
   * The drift checks plus the other features' findings. `withIngestion: false` (the driftCheck
   * timer) leaves out the ingestion watch: it has its own 5-minute timer, and re-running its query
   * every drift run doubled the run's Log Analytics calls. The CLI and the health refresh keep it.
   */
  runDriftChecks(options?: { withIngestion?: boolean }): Promise<Report>;
  /** The ingestionWatch timer's run: one aggregated query; the drift checks only to diagnose a silence. */
  runIngestionWatch(): Promise<WatchResult>;
  /** The secret rotation: the timer's run, GET /api/rotation, POST /api/rotation/confirm. */
  rotation: RotationService;
}

/** Builds the monitor from validated settings: credential and clients once, nothing on the network yet. */
export function createMonitor(
  config: Config,
  options: { credential?: TokenCredential; now?: () => Date; rotation?: RotationWiringOptions } = {},
): Monitor {
  const now = options.now ?? (() => new Date());
  const credential = options.credential ?? createCredential(config);
  const adapters: AzureAdapters = createAdapters(config, credential);
  const ingestion = createIngestionWiring(config, adapters, credential, now);
  const rotation = createRotationWiring(config, credential, adapters, now, options.rotation);
  const expected = expectedFromConfig(config);
  const target = targetFromConfig(config);
  return {
    config,
    credential,
    runDriftChecks: (options = {}) => {
      const budget = deadline(config.runBudgetMs);
      const ctx = { callTimeoutMs: config.callTimeoutMs, budget };
      const reader = connectorReader(adapters, config, ctx);
      // Each feature adds its findings to the same report (one line each).
      const providers: FindingProvider[] =
        options.withIngestion === false ? [rotation.provider] : [ingestion.provider(ctx), rotation.provider];
      return runDriftChecks({ reader, expected, target, now, providers });
    },
    rotation,
    runIngestionWatch: () =>
      ingestion.run(async () => {
        const budget = deadline(config.runBudgetMs);
        const reader = connectorReader(adapters, config, { callTimeoutMs: config.callTimeoutMs, budget });
        return (await runDriftChecks({ reader, expected, target, now })).findings;
      }),
  };
}
