import type { TokenCredential } from "@azure/core-auth";
import type { Config } from "../config/loadConfig.js";
import { GraphHttp } from "../azure/graphClient.js";
import { createTableClient } from "../azure/tableStorage.js";
import type { Logger } from "../core/logger.js";
import { AlertManager } from "../alerts/alertManager.js";
import type { Channel } from "../alerts/channel.js";
import { emailChannel } from "../alerts/emailChannel.js";
import type { PolicySettings } from "../alerts/alertRecord.js";
import { AlertStore } from "../alerts/store/index.js";
import { teamsChannel } from "../alerts/teamsChannel.js";

/** The one table of the monitor's state in the Function App's storage. */
export const ALERT_TABLE = "keepermonitor";

export interface Alerting {
  store: AlertStore;
  manager: AlertManager;
  channels: Channel[];
}

export function policySettings(config: Config): PolicySettings {
  return {
    openAfter: config.alerts.openAfter,
    resolveAfter: 2,
    renotifyHours: config.alerts.renotifyHours,
    portalUrl: config.cloud.portalUrl,
    tenantId: config.keeper.tenantId,
  };
}

/** The channels the settings configure (none, one or both). */
export function channelsFromConfig(config: Config, credential: TokenCredential, now: () => Date): Channel[] {
  const links = config.alerts.statusPageUrl ? { statusPageUrl: config.alerts.statusPageUrl } : {};
  const options = { timeoutMs: config.callTimeoutMs, now, links };
  const out: Channel[] = [];
  if (config.alerts.teamsWebhookUrl) out.push(teamsChannel(config.alerts.teamsWebhookUrl, options));
  if (config.alerts.email)
    out.push(emailChannel(new GraphHttp(credential, config.cloud), config.alerts.email, options));
  return out;
}

/**
 * Builds store, channels and manager from validated settings; nothing touches the network yet.
 * Alert state needs the Function App's storage (AzureWebJobsStorage).
 */
export function createAlerting(
  config: Config,
  credential: TokenCredential,
  now: () => Date,
  log: Logger,
  options: { table?: string; channels?: Channel[] } = {},
): Alerting {
  if (!config.storage)
    throw new Error("AzureWebJobsStorage is not set: alert state lives in the Function App's Table storage");
  const store = new AlertStore(createTableClient(config.storage, credential, options.table ?? ALERT_TABLE), log);
  const channels = options.channels ?? channelsFromConfig(config, credential, now);
  const manager = new AlertManager({
    store,
    channels,
    settings: policySettings(config),
    now,
    log,
    ...(config.target ? { connector: config.target.label } : {}),
  });
  return { store, manager, channels };
}
