import type { Config } from "../config/loadConfig.js";
import type { IngestionReader } from "../ingestion/watch.js";
import type { AzureAdapters } from "./connectorReader.js";
import type { MetricsAdapter } from "./metrics.js";
import type { CallContext } from "../core/callContext.js";
import type { CustomerIdLookup } from "./customerId.js";
import { missing, notKnown, type Observation } from "../core/observation.js";

/**
 * Binds the adapters to the ingestion watch. The workspace queries go to its customer id (the
 * query API's address), looked up once per process (customerIdOnce).
 */
export function ingestionReader(
  a: Pick<AzureAdapters, "logs">,
  metrics: MetricsAdapter,
  config: Config,
  ctx: CallContext,
  customerId: CustomerIdLookup,
): IngestionReader {
  const k = config.keeper;
  const withWorkspace = async <T>(read: (id: string) => Promise<Observation<T>>): Promise<Observation<T>> => {
    const id = await customerId(ctx);
    if (id.kind === "found") return read(id.value);
    return id.kind === "missing" ? missing() : notKnown(id.reason, id.remediation);
  };
  return {
    hourly: (days, phaseMs) => withWorkspace((id) => a.logs.hourly(id, k.tableName, days, ctx, phaseMs)),
    callsSince: (since, now) => metrics.callsSince(k.dcr, since, now, ctx),
    callMinutesSince: (since, now) => metrics.callMinutesSince(k.dcr, since, now, ctx),
    signInsSince: (since, now) => withWorkspace((id) => a.logs.signIns(id, k.appId, since, now, ctx)),
    dcrErrorsSince: (since, now) => withWorkspace((id) => a.logs.dcrErrors(id, k.streamName, since, now, ctx)),
    dailyCapSince: (since, now) => withWorkspace((id) => a.logs.dailyCap(id, since, now, ctx)),
  };
}
