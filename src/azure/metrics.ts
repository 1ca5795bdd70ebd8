import { MonitorClient } from "@azure/arm-monitor";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { sdkScope, type ArmId } from "../core/armId.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { found, type Observation } from "../core/observation.js";
import type { CallCounts } from "../ingestion/diagnosis.js";
import { callCountsOf, type CallMinute } from "../ingestion/pushes.js";
import { MalformedReplyError, observeError } from "./errors.js";
import { RESPONSE_LIMIT_POLICIES } from "./responseLimit.js";

export const CALLS_METRIC = "ApiCallReceived_Count";

/**
 * Our shape of the metrics reply: ApiCallReceived_Count per time grain and ResponseCode. Pure, tested
 * with literals. The metric supports only the Count aggregation ("Supported metrics for
 * Microsoft.Insights/datacollectionrules", MicrosoftDocs/azure-reference-other
 * azure-monitor-ref/supported-metrics/includes/microsoft-insights-datacollectionrules-metrics-include.md),
 * so each data point carries `count`. A grain without a count (no call) is left out.
 */
export function toCallMinutes(reply: unknown): CallMinute[] {
  const value = (reply as { value?: unknown })?.value;
  if (!Array.isArray(value)) throw new MalformedReplyError("metrics reply has no value array");
  const metric = value.find((m: { name?: { value?: unknown } }) => m?.name?.value === CALLS_METRIC) as
    { timeseries?: unknown } | undefined;
  if (!metric) throw new MalformedReplyError(`metrics reply lacks ${CALLS_METRIC}`);
  const series = metric.timeseries ?? [];
  if (!Array.isArray(series)) throw new MalformedReplyError("timeseries is not an array");
  const byMinute = new Map<number, Record<string, number>>();
  for (const ts of series as Array<{ metadatavalues?: unknown; data?: unknown }>) {
    const meta = Array.isArray(ts.metadatavalues)
      ? (ts.metadatavalues as Array<{ name?: { value?: string }; value?: string }>)
      : [];
    const code = meta.find((m) => m.name?.value?.toLowerCase() === "responsecode")?.value ?? "unknown";
    const data = Array.isArray(ts.data) ? (ts.data as Array<{ timeStamp?: unknown; count?: unknown }>) : [];
    for (const d of data) {
      if (typeof d.count !== "number" || d.count <= 0) continue;
      // the SDK turns timeStamp into a Date; the raw reply (and a malformed one) holds a string
      const at = d.timeStamp instanceof Date ? d.timeStamp.getTime() : Date.parse(String(d.timeStamp));
      if (Number.isNaN(at)) throw new MalformedReplyError(`metrics data point has no valid timeStamp`);
      const m = byMinute.get(at) ?? {};
      m[code] = (m[code] ?? 0) + d.count;
      byMinute.set(at, m);
    }
  }
  return [...byMinute].sort(([a], [b]) => a - b).map(([at, byCode]) => ({ at, byCode }));
}

/** The reply's calls summed over the whole timespan. */
export const toCallCounts = (reply: unknown): CallCounts => callCountsOf(toCallMinutes(reply));

/** DCR platform metrics (Monitoring Reader on the DCR), through ARM's metrics API. */
export class MetricsAdapter {
  private readonly clients = new Map<string, MonitorClient>();

  constructor(
    private readonly credential: TokenCredential,
    private readonly cloud: CloudProfile,
  ) {}

  private client(subscriptionId: string): MonitorClient {
    let c = this.clients.get(subscriptionId);
    if (!c) {
      c = new MonitorClient(this.credential, subscriptionId, {
        endpoint: this.cloud.resourceManagerEndpoint,
        credentials: { scopes: [`${this.cloud.audiences.arm}/.default`] },
        retryOptions: READ_RETRY_OPTIONS,
        additionalPolicies: RESPONSE_LIMIT_POLICIES,
      });
      this.clients.set(subscriptionId, c);
    }
    return c;
  }

  /** Calls Keeper made to the DCR in [since, now), split by HTTP response code (the diagnosis). */
  callsSince(dcr: ArmId, since: Date, now: Date, ctx: CallContext): Promise<Observation<CallCounts>> {
    return this.calls(dcr, since, now, "PT1H", toCallCounts, ctx);
  }

  /** The same per minute, for a gap of at most SILENCE_MAX_MINUTES (720 grains at most): Keeper's pushes since its last event. */
  callMinutesSince(dcr: ArmId, since: Date, now: Date, ctx: CallContext): Promise<Observation<CallMinute[]>> {
    return this.calls(dcr, since, now, "PT1M", toCallMinutes, ctx);
  }

  private async calls<T>(
    dcr: ArmId,
    since: Date,
    now: Date,
    interval: string,
    map: (reply: unknown) => T,
    ctx: CallContext,
  ): Promise<Observation<T>> {
    try {
      const reply = await this.client(dcr.subscriptionId).metrics.list(sdkScope(dcr.id), {
        metricnames: CALLS_METRIC,
        metricnamespace: "Microsoft.Insights/datacollectionrules",
        timespan: `${since.toISOString()}/${now.toISOString()}`,
        interval,
        // the only aggregation the metric supports: Azure refuses the whole request for any other
        aggregation: "Count",
        filter: "ResponseCode eq '*'",
        abortSignal: callSignal(ctx),
      });
      return found(map(reply));
    } catch (e) {
      return observeError(e, { action: "read the DCR's metrics", permission: `Monitoring Reader on ${dcr.id}` }, ctx);
    }
  }
}
