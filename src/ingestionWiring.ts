import type { TokenCredential } from "@azure/core-auth";
import type { Config } from "./config/loadConfig.js";
import type { FindingProvider } from "./checks/runDriftChecks.js";
import type { Finding } from "./core/finding.js";
import type { AzureAdapters } from "./azure/connectorReader.js";
import { MetricsAdapter } from "./azure/metrics.js";
import { ingestionReader } from "./azure/ingestionReader.js";
import { runIngestionWatch, type WatchResult, type WatchSettings } from "./ingestion/watch.js";
import { deadline } from "./core/callContext.js";

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

/** The ingestion watch bound to Azure: as a drift-run provider (CLI, driftCheck) and on its own (ingestionWatch timer). */
export interface IngestionWiring {
  provider(ctx: { callTimeoutMs: number; budget: AbortSignal }): FindingProvider;
  run(driftFindings: () => Promise<Finding[]>): Promise<WatchResult>;
}

export function createIngestionWiring(
  config: Config,
  adapters: AzureAdapters,
  credential: TokenCredential,
  now: () => Date,
): IngestionWiring {
  const metrics = new MetricsAdapter(credential, config.cloud);
  const customerIdCache: { value?: string } = {};
  const settings = watchSettingsFromConfig(config);
  const resource = `${config.keeper.workspace.id}/tables/${config.keeper.tableName}`;
  const watch = (ctx: { callTimeoutMs: number; budget: AbortSignal }, driftFindings: () => Promise<Finding[]>) =>
    runIngestionWatch({
      reader: ingestionReader(adapters, metrics, config, ctx, customerIdCache),
      settings,
      now,
      driftFindings,
      resource,
    });
  return {
    provider: (ctx) => async (drift) => (await watch(ctx, () => drift)).findings,
    run: (driftFindings) =>
      watch({ callTimeoutMs: config.callTimeoutMs, budget: deadline(config.runBudgetMs) }, driftFindings),
  };
}
