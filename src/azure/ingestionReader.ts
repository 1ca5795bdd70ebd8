import type { Config } from "../config/loadConfig.js";
import type { IngestionReader } from "../ingestion/watch.js";
import type { AzureAdapters } from "./connectorReader.js";
import type { MetricsAdapter } from "./metrics.js";
import type { CallContext } from "../core/callContext.js";
import { missing, notKnown, type Observation } from "../checks/observation.js";

/**
 * Binds the adapters to the ingestion watch. The workspace's customer id (the query API's address)
 * is read from ARM once per process and kept: it never changes for a workspace.
 */
export function ingestionReader(
  a: AzureAdapters,
  metrics: MetricsAdapter,
  config: Config,
  ctx: CallContext,
  customerIdCache: { value?: string },
): IngestionReader {
  const k = config.keeper;
  const customerId = async (): Promise<Observation<string>> => {
    if (customerIdCache.value) return { kind: "found", value: customerIdCache.value };
    const ws = await a.arm.getWorkspace(k.workspace, ctx);
    if (ws.kind !== "found") return ws.kind === "missing" ? missing() : ws;
    customerIdCache.value = ws.value.customerId;
    return { kind: "found", value: ws.value.customerId };
  };
  const withWorkspace = async <T>(read: (id: string) => Promise<Observation<T>>): Promise<Observation<T>> => {
    const id = await customerId();
    if (id.kind === "found") return read(id.value);
    return id.kind === "missing" ? missing() : notKnown(id.reason, id.remediation);
  };
  return {
    hourly: (days) => withWorkspace((id) => a.logs.hourly(id, k.tableName, days, ctx)),
    callsSince: (since, now) => metrics.callsSince(k.dcr, since, now, ctx),
    callMinutesSince: (since, now) => metrics.callMinutesSince(k.dcr, since, now, ctx),
    signInsSince: (since, now) => withWorkspace((id) => a.logs.signIns(id, k.appId, since, now, ctx)),
    dcrErrorsSince: (since, now) => withWorkspace((id) => a.logs.dcrErrors(id, k.streamName, since, now, ctx)),
    dailyCapSince: (since, now) => withWorkspace((id) => a.logs.dailyCap(id, since, now, ctx)),
  };
}
