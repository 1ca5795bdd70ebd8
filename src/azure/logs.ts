import { LogsQueryClient, LogsQueryResultStatus } from "@azure/monitor-query-logs";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "./callContext.js";
import { found, notKnown, type Observation } from "../checks/observation.js";
import type { IngestionStats } from "../connector/types.js";
import { MalformedReplyError, observeError } from "./errors.js";

/** Window of the freshness query: long enough to say "nothing for a week", bounded by `timespan`. */
export const FRESHNESS_WINDOW = "P7D";

/** One aggregated row, never raw events. The table name is validated by the settings schema. */
export function freshnessQuery(tableName: string): string {
  return `${tableName} | summarize LastEvent = max(TimeGenerated), Events = count()`;
}

export function toIngestionStats(
  columns: readonly string[],
  rows: readonly unknown[][],
  window: string,
): IngestionStats {
  const iLast = columns.indexOf("LastEvent");
  const iCount = columns.indexOf("Events");
  if (iLast < 0 || iCount < 0) throw new MalformedReplyError("query result lacks LastEvent/Events columns");
  const row = rows[0];
  if (!row) return { events: 0, window };
  const last = row[iLast];
  const count = Number(row[iCount] ?? 0);
  if (!Number.isFinite(count)) throw new MalformedReplyError("Events is not a number");
  let lastEvent: Date | undefined;
  if (last instanceof Date) lastEvent = last;
  else if (typeof last === "string" && last !== "") lastEvent = new Date(last);
  if (lastEvent && Number.isNaN(lastEvent.getTime())) throw new MalformedReplyError("LastEvent is not a date");
  return { lastEvent, events: count, window };
}

export class LogsAdapter {
  private readonly client: LogsQueryClient;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    this.client = new LogsQueryClient(credential, {
      endpoint: `${cloud.logAnalyticsEndpoint}/v1`,
      credentials: { scopes: [`${cloud.audiences.logAnalytics}/.default`] },
      retryOptions: READ_RETRY_OPTIONS,
    });
  }

  async ingestionStats(customerId: string, tableName: string, ctx: CallContext): Promise<Observation<IngestionStats>> {
    try {
      const result = await this.client.queryWorkspace(
        customerId,
        freshnessQuery(tableName),
        { duration: FRESHNESS_WINDOW },
        { abortSignal: callSignal(ctx), serverTimeoutInSeconds: Math.max(1, Math.floor(ctx.callTimeoutMs / 1000)) },
      );
      if (result.status !== LogsQueryResultStatus.Success)
        return notKnown(
          `the freshness query returned a partial result: ${result.partialError?.message ?? "no detail"}`,
        );
      const table = result.tables[0];
      if (!table) throw new MalformedReplyError("query result has no table");
      return found(
        toIngestionStats(
          table.columnDescriptors.map((c) => c.name ?? ""),
          table.rows as unknown[][],
          FRESHNESS_WINDOW,
        ),
      );
    } catch (e) {
      return observeError(
        e,
        { action: `query ${tableName}`, permission: "Log Analytics Reader on the Sentinel workspace" },
        ctx.callTimeoutMs,
      );
    }
  }
}
