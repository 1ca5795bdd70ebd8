import { LogsQueryClient, LogsQueryResultStatus, type QueryTimeInterval } from "@azure/monitor-query-logs";
import type { TokenCredential } from "@azure/core-auth";
import type { CloudProfile } from "../config/clouds.js";
import { callSignal, READ_RETRY_OPTIONS, type CallContext } from "../core/callContext.js";
import { found, missing, notKnown, type Observation } from "../core/observation.js";
import type { HourlyRow } from "../ingestion/history.js";
import type { CapEvent, LogErrorGroup, SignInGroup } from "../ingestion/diagnosis.js";
import { errorCode, MalformedReplyError, observeError, statusOf } from "./errors.js";
import { RESPONSE_LIMIT_POLICIES } from "./responseLimit.js";

/** A KQL string literal (double-quoted, escaped): values from settings never break out of it. */
export function kqlString(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * The one query of a healthy run: per hour, the event count, the longest gap ended by an event
 * of the hour (prev() over the rows sorted by time), Keeper's batching delay p50/p95 and the last
 * event. A few hundred rows for 14 days, never raw events; the window is the query's `timespan`.
 * The table name is validated by the settings schema.
 * The hours are UTC hours (`bin`); with `phaseMs` (the customer's local hours start that far past
 * the UTC hour, see hourPhase) they start at that phase (`bin_at` with a fixed point at that minute
 * past an hour), so each row is one local hour on a half-hour zone such as Asia/Kolkata.
 */
export function hourlyQuery(tableName: string, phaseMs = 0): string {
  if (!Number.isInteger(phaseMs / 60_000) || phaseMs < 0 || phaseMs >= 3_600_000)
    throw new RangeError(`the row phase must be whole minutes in [0, 60), got ${phaseMs} ms`);
  const by =
    phaseMs === 0
      ? "bin(TimeGenerated, 1h)"
      : `bin_at(TimeGenerated, 1h, datetime(${new Date(Date.UTC(2000, 0, 1) + phaseMs).toISOString()}))`;
  return [
    tableName,
    "| project TimeGenerated, Timestamp",
    "| sort by TimeGenerated asc",
    "| extend GapMin = (TimeGenerated - prev(TimeGenerated)) / 1m, LatencyMin = (TimeGenerated - Timestamp) / 1m",
    `| summarize Events = count(), MaxGapMin = max(GapMin), LastEvent = max(TimeGenerated), LatencyP50 = percentile(LatencyMin, 50), LatencyP95 = percentile(LatencyMin, 95) by Hour = ${by}`,
    "| sort by Hour asc",
  ].join("\n");
}

/** Keeper app sign-ins, grouped by result and credential (diagnosis only). */
export function signInQuery(appId: string): string {
  return [
    "AADServicePrincipalSignInLogs",
    `| where AppId == ${kqlString(appId)}`,
    "| summarize Count = count(), Last = max(TimeGenerated) by ResultType, ServicePrincipalCredentialKeyId",
  ].join("\n");
}

/** Errors the DCR logged for Keeper's stream (diagnosis only; exists when the DCR's Log Errors go to the workspace). */
export function dcrErrorsQuery(streamName: string): string {
  return [
    "DCRLogErrors",
    `| where InputStreamId == ${kqlString(streamName)}`,
    "| summarize Count = count(), Last = max(TimeGenerated), Message = take_any(Message) by OperationName",
  ].join("\n");
}

/** The workspace daily cap (diagnosis only): _LogOperation's OverQuota ingestion events. */
export function dailyCapQuery(): string {
  return [
    "_LogOperation",
    '| where Category =~ "Ingestion" and Detail contains "OverQuota"',
    "| summarize Count = count(), Last = max(TimeGenerated), Detail = take_any(Detail)",
    "| where Count > 0",
  ].join("\n");
}

type Cell = unknown;
function columnIndex(columns: readonly string[], name: string): number {
  const i = columns.indexOf(name);
  if (i < 0) throw new MalformedReplyError(`query result lacks column ${name}`);
  return i;
}
function toMs(v: Cell, what: string): number {
  const d = v instanceof Date ? v : typeof v === "string" ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new MalformedReplyError(`${what} is not a date`);
  return d.getTime();
}
function toNum(v: Cell, what: string, nullable: true): number | null;
function toNum(v: Cell, what: string, nullable?: false): number;
function toNum(v: Cell, what: string, nullable = false): number | null {
  if ((v === null || v === undefined || v === "") && nullable) return null;
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new MalformedReplyError(`${what} is not a number`);
  return n;
}

export function toHourlyRows(columns: readonly string[], rows: readonly Cell[][]): HourlyRow[] {
  const [iH, iE, iG, iL, i50, i95] = ["Hour", "Events", "MaxGapMin", "LastEvent", "LatencyP50", "LatencyP95"].map((c) =>
    columnIndex(columns, c),
  ) as [number, number, number, number, number, number];
  return rows
    .map((r) => ({
      hour: toMs(r[iH], "Hour"),
      events: toNum(r[iE], "Events"),
      maxGapMinutes: toNum(r[iG], "MaxGapMin", true),
      lastEvent: toMs(r[iL], "LastEvent"),
      latencyP50Minutes: toNum(r[i50], "LatencyP50", true),
      latencyP95Minutes: toNum(r[i95], "LatencyP95", true),
    }))
    .sort((a, b) => a.hour - b.hour);
}

export function toSignIns(columns: readonly string[], rows: readonly Cell[][]): SignInGroup[] {
  const [iR, iK, iC, iL] = ["ResultType", "ServicePrincipalCredentialKeyId", "Count", "Last"].map((c) =>
    columnIndex(columns, c),
  ) as [number, number, number, number];
  return rows.map((r) => {
    const keyId = r[iK];
    return {
      resultType: typeof r[iR] === "string" || typeof r[iR] === "number" ? String(r[iR]) : "",
      ...(typeof keyId === "string" && keyId !== "" ? { keyId } : {}),
      count: toNum(r[iC], "Count"),
      last: toMs(r[iL], "Last"),
    };
  });
}

export function toLogErrors(columns: readonly string[], rows: readonly Cell[][]): LogErrorGroup[] {
  const [iO, iC, iL, iM] = ["OperationName", "Count", "Last", "Message"].map((c) => columnIndex(columns, c)) as [
    number,
    number,
    number,
    number,
  ];
  return rows.map((r) => ({
    operation: typeof r[iO] === "string" ? r[iO] : "",
    count: toNum(r[iC], "Count"),
    last: toMs(r[iL], "Last"),
    ...(typeof r[iM] === "string" ? { message: r[iM] } : {}),
  }));
}

export function toCapEvents(columns: readonly string[], rows: readonly Cell[][]): CapEvent[] {
  const [iC, iL, iD] = ["Count", "Last", "Detail"].map((c) => columnIndex(columns, c)) as [number, number, number];
  return rows.map((r) => ({
    count: toNum(r[iC], "Count"),
    last: toMs(r[iL], "Last"),
    ...(typeof r[iD] === "string" ? { detail: r[iD] } : {}),
  }));
}

/** A 400 whose body says the table does not resolve: the table is not in the workspace. */
export function isMissingTable(e: unknown, table: string): boolean {
  if (statusOf(e) !== 400) return false;
  const err = e as { response?: { bodyAsText?: string | null }; details?: unknown };
  const text = `${err.response?.bodyAsText ?? ""} ${e instanceof Error ? e.message : ""} ${JSON.stringify(err.details ?? null)}`;
  return (
    errorCode(e) !== undefined &&
    new RegExp(`Failed to resolve table (or column )?expression named '${table}'`).test(text)
  );
}

/** Settles with `p`, or rejects with the signal's reason (TimeoutError/AbortError) once it aborts. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    p.finally(() => signal.removeEventListener("abort", onAbort)).then(resolve, reject);
  });
}

export class LogsAdapter {
  private readonly client: LogsQueryClient;

  constructor(credential: TokenCredential, cloud: CloudProfile) {
    this.client = new LogsQueryClient(credential, {
      endpoint: `${cloud.logAnalyticsEndpoint}/v1`,
      credentials: { scopes: [`${cloud.audiences.logAnalytics}/.default`] },
      retryOptions: READ_RETRY_OPTIONS,
      additionalPolicies: RESPONSE_LIMIT_POLICIES,
    });
  }

  /**
   * Runs one query (the only path to Log Analytics, so every query gets the timeout below);
   * a table that does not exist is `missing`, every other failure `unknown`.
   */
  async query<T>(
    customerId: string,
    table: string,
    query: string,
    timespan: QueryTimeInterval,
    ctx: CallContext,
    map: (columns: string[], rows: unknown[][]) => T,
  ): Promise<Observation<T>> {
    try {
      // LogsQueryClient 1.0.0 drops `abortSignal` (convertToInternalOptions keeps only requestOptions):
      // a hung query would hang the run. requestOptions.timeout ends the request; the race honours
      // the run's budget too.
      const signal = callSignal(ctx);
      const result = await untilAborted(
        this.client.queryWorkspace(customerId, query, timespan, {
          abortSignal: signal,
          serverTimeoutInSeconds: Math.max(1, Math.floor(ctx.callTimeoutMs / 1000)),
          requestOptions: { timeout: ctx.callTimeoutMs },
        }),
        signal,
      );
      if (result.status !== LogsQueryResultStatus.Success)
        return notKnown(`the ${table} query returned a partial result: ${result.partialError?.message ?? "no detail"}`);
      const t = result.tables[0];
      if (!t) throw new MalformedReplyError("query result has no table");
      return found(
        map(
          t.columnDescriptors.map((c) => c.name ?? ""),
          t.rows as unknown[][],
        ),
      );
    } catch (e) {
      if (isMissingTable(e, table)) return missing();
      return observeError(
        e,
        {
          action: `query ${table}`,
          permission: `Reader on the Sentinel workspace's table ${table}, and the workspace query role on the workspace`,
        },
        ctx,
      );
    }
  }

  hourly(
    customerId: string,
    tableName: string,
    days: number,
    ctx: CallContext,
    phaseMs = 0,
  ): Promise<Observation<HourlyRow[]>> {
    const q = hourlyQuery(tableName, phaseMs);
    return this.query(customerId, tableName, q, { duration: `P${days}D` }, ctx, toHourlyRows);
  }

  signIns(customerId: string, appId: string, since: Date, now: Date, ctx: CallContext) {
    const span = { startTime: since, endTime: now };
    return this.query(customerId, "AADServicePrincipalSignInLogs", signInQuery(appId), span, ctx, toSignIns);
  }

  dcrErrors(customerId: string, streamName: string, since: Date, now: Date, ctx: CallContext) {
    const span = { startTime: since, endTime: now };
    return this.query(customerId, "DCRLogErrors", dcrErrorsQuery(streamName), span, ctx, toLogErrors);
  }

  dailyCap(customerId: string, since: Date, now: Date, ctx: CallContext) {
    const span = { startTime: since, endTime: now };
    return this.query(customerId, "_LogOperation", dailyCapQuery(), span, ctx, toCapEvents);
  }
}
