import { MonitorClient } from "@azure/arm-monitor";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import type { ArmId } from "./armId.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "./callContext.js";
import { found, type Observation } from "../checks/observation.js";
import type { CallCounts } from "../ingestion/diagnosis.js";
import { MalformedReplyError, observeError } from "./errors.js";

export const CALLS_METRIC = "ApiCallReceived_Count";

/** Our shape of the metrics reply: totals of ApiCallReceived_Count per ResponseCode. Pure, tested with literals. */
export function toCallCounts(reply: unknown): CallCounts {
  const value = (reply as { value?: unknown })?.value;
  if (!Array.isArray(value)) throw new MalformedReplyError("metrics reply has no value array");
  const metric = value.find((m: { name?: { value?: unknown } }) => m?.name?.value === CALLS_METRIC) as
    { timeseries?: unknown } | undefined;
  if (!metric) throw new MalformedReplyError(`metrics reply lacks ${CALLS_METRIC}`);
  const series = metric.timeseries ?? [];
  if (!Array.isArray(series)) throw new MalformedReplyError("timeseries is not an array");
  const byCode: Record<string, number> = {};
  let total = 0;
  for (const ts of series as Array<{ metadatavalues?: unknown; data?: unknown }>) {
    const meta = Array.isArray(ts.metadatavalues)
      ? (ts.metadatavalues as Array<{ name?: { value?: string }; value?: string }>)
      : [];
    const code = meta.find((m) => m.name?.value?.toLowerCase() === "responsecode")?.value ?? "unknown";
    const data = Array.isArray(ts.data) ? (ts.data as Array<{ total?: unknown }>) : [];
    const sum = data.reduce((s, d) => s + (typeof d.total === "number" ? d.total : 0), 0);
    if (sum > 0) byCode[code] = (byCode[code] ?? 0) + sum;
    total += sum;
  }
  return { byCode, total };
}

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
      });
      this.clients.set(subscriptionId, c);
    }
    return c;
  }

  /** Calls Keeper made to the DCR in [since, now), split by HTTP response code. */
  async callsSince(dcr: ArmId, since: Date, now: Date, ctx: CallContext): Promise<Observation<CallCounts>> {
    try {
      const reply = await this.client(dcr.subscriptionId).metrics.list(dcr.id, {
        metricnames: CALLS_METRIC,
        metricnamespace: "Microsoft.Insights/datacollectionrules",
        timespan: `${since.toISOString()}/${now.toISOString()}`,
        interval: "PT1H",
        aggregation: "Total",
        filter: "ResponseCode eq '*'",
        abortSignal: callSignal(ctx),
      });
      return found(toCallCounts(reply));
    } catch (e) {
      return observeError(e, { action: "read the DCR's metrics", permission: `Monitoring Reader on ${dcr.id}` }, ctx);
    }
  }
}
