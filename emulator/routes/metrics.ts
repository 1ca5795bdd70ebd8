import { json, isoNoMs, type EmuRequest, type EmuResponse, type RouteContext } from "../http.js";
import type { ArmResource, IngestionCall } from "../state.js";
import { parseDuration } from "../timespan.js";

type Aggregation = "Total" | "Count" | "Average" | "Minimum" | "Maximum";

interface MetricDef {
  unit: string;
  /** the aggregations the metric supports; the first is its primary one (asked when none is given) */
  aggregations: readonly Aggregation[];
  localized: string;
  description: string;
  value: (c: IngestionCall) => number;
}
// Units and aggregations as documented in "Supported metrics for Microsoft.Insights/datacollectionrules"
// (MicrosoftDocs/azure-reference-other
// azure-monitor-ref/supported-metrics/includes/microsoft-insights-datacollectionrules-metrics-include.md).
const SUMMABLE: readonly Aggregation[] = ["Total", "Average", "Minimum", "Maximum"];
const DCR_METRICS: Record<string, MetricDef> = {
  ApiCallReceived_Count: {
    unit: "Count",
    aggregations: ["Count"],
    localized: "Logs Ingestion Requests per Min",
    description: "Number of calls received by the data collection rule",
    value: () => 1,
  },
  RowsReceived_Count: {
    unit: "Count",
    aggregations: SUMMABLE,
    localized: "Logs Ingestion Rows Received per Min",
    description: "Number of rows received by the data collection rule",
    value: (c) => c.rowsReceived,
  },
  RowsDropped_Count: {
    unit: "Count",
    aggregations: SUMMABLE,
    localized: "Logs Rows Dropped per Min",
    description: "Number of rows dropped while running the transformation",
    value: (c) => c.rowsDropped,
  },
  TransformationErrors_Count: {
    unit: "Count",
    aggregations: ["Count"],
    localized: "Logs Transformation Errors per Min",
    description: "Number of errors in the transformation",
    value: (c) =>
      c.rowsDropped > 0 && c.rowsReceived > 0 && c.rowsDropped === c.rowsReceived && c.status === 204 ? 1 : 0,
  },
};

function parseTimespanParam(v: string | null, nowMs: number): { start: number; end: number } | null {
  if (!v) return { start: nowMs - 3_600_000, end: nowMs };
  const [a, b] = v.split("/");
  if (a && b) {
    const s = Date.parse(a);
    const e = Date.parse(b);
    if (!Number.isNaN(s) && !Number.isNaN(e)) return { start: s, end: e };
    const da = parseDuration(a);
    if (da !== null && !Number.isNaN(e)) return { start: e - da, end: e };
    const db = parseDuration(b);
    if (db !== null && !Number.isNaN(s)) return { start: s, end: s + db };
    return null;
  }
  const d = a ? parseDuration(a) : null;
  return d === null ? null : { start: nowMs - d, end: nowMs };
}

/** One grain's data point with a field per aggregation asked (`total`, `count`, `average`, ...). */
function dataPoint(at: number, calls: IngestionCall[], def: MetricDef, aggregations: Aggregation[]) {
  const values = calls.map(def.value);
  const total = values.reduce((s, v) => s + v, 0);
  // a Count-only metric counts events (each call or error); the others count samples
  const count = def.aggregations.includes("Total") ? values.length : total;
  const point: Record<string, string | number> = { timeStamp: isoNoMs(at) };
  for (const a of aggregations) {
    if (a === "Total") point["total"] = total;
    else if (a === "Count") point["count"] = count;
    else if (values.length === 0) continue;
    else if (a === "Average") point["average"] = total / values.length;
    else if (a === "Minimum") point["minimum"] = Math.min(...values);
    else point["maximum"] = Math.max(...values);
  }
  return point;
}

export function metricsResponse(ctx: RouteContext, req: EmuRequest, res: ArmResource): EmuResponse {
  const bad = (message: string) => json(400, { code: "BadRequest", message });
  if (!res.type.toLowerCase().endsWith("datacollectionrules"))
    return bad(`Metrics for resource type ${res.type} are not emulated.`);
  const names = (req.query.get("metricnames") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) return bad("metricnames is required");
  for (const n of names) {
    if (!DCR_METRICS[n])
      return bad(
        `Failed to find metric configuration for provider: Microsoft.Insights, resource Type: dataCollectionRules, metric: ${n}, Valid metrics: ${Object.keys(DCR_METRICS).join(",")}`,
      );
  }
  const asked = (req.query.get("aggregation") ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const aggregationsOf = (n: string): Aggregation[] => {
    const def = DCR_METRICS[n]!;
    return asked.length === 0
      ? [def.aggregations[0]!]
      : def.aggregations.filter((a) => asked.includes(a.toLowerCase()));
  };
  for (const n of names) {
    const supported = DCR_METRICS[n]!.aggregations;
    const unsupported = asked.filter((a) => !supported.some((s) => s.toLowerCase() === a));
    // Azure refuses the whole request when one metric is asked for an aggregation it does not
    // support: 501 Not Implemented (open-telemetry/opentelemetry-collector-contrib pull 43880,
    // "Collect only supported aggregations for each metric (501 not implemented issue)").
    if (unsupported.length > 0)
      return json(501, {
        code: "NotImplemented",
        message: `Aggregation type(s) ${unsupported.join(",")} not supported for metric ${n}. Supported aggregation types: ${supported.join(",")}`,
      });
  }
  const span = parseTimespanParam(req.query.get("timespan"), ctx.now());
  if (!span || span.end <= span.start) return bad(`Invalid timespan '${req.query.get("timespan")}'`);
  const interval = parseDuration(req.query.get("interval") ?? "PT1M") ?? 60_000;
  const filter = req.query.get("$filter") ?? "";
  const splitBy = /ResponseCode\s+eq\s+'\*'/i.test(filter)
    ? "ResponseCode"
    : /InputStreamId\s+eq\s+'\*'/i.test(filter)
      ? "InputStreamId"
      : null;
  const start = Math.floor(span.start / interval) * interval;
  const immutableId = String(res.properties["immutableId"] ?? "");
  const calls = ctx.state.ingestionCalls.filter(
    (c) => c.immutableId === immutableId && Date.parse(c.at) >= start && Date.parse(c.at) < span.end,
  );
  const buckets: number[] = [];
  for (let t = start; t < span.end; t += interval) buckets.push(t);

  const value = names.map((name) => {
    const def = DCR_METRICS[name]!;
    const groups = new Map<string, IngestionCall[]>();
    if (splitBy)
      for (const c of calls) {
        const k = splitBy === "ResponseCode" ? String(c.status) : c.stream;
        groups.set(k, [...(groups.get(k) ?? []), c]);
      }
    else groups.set("", calls);
    const timeseries = [...groups.entries()].map(([k, cs]) => ({
      metadatavalues: splitBy
        ? [{ name: { value: splitBy.toLowerCase(), localizedValue: splitBy.toLowerCase() }, value: k }]
        : [],
      data: buckets.map((b) =>
        dataPoint(
          b,
          cs.filter((c) => {
            const t = Date.parse(c.at);
            return t >= b && t < b + interval;
          }),
          def,
          aggregationsOf(name),
        ),
      ),
    }));
    return {
      id: `${res.id}/providers/Microsoft.Insights/metrics/${name}`,
      type: "Microsoft.Insights/metrics",
      name: { value: name, localizedValue: def.localized },
      displayDescription: def.description,
      unit: def.unit,
      timeseries,
      errorCode: "Success",
    };
  });
  return json(200, {
    cost: buckets.length * names.length,
    timespan: `${isoNoMs(span.start)}/${isoNoMs(span.end)}`,
    interval: req.query.get("interval") ?? "PT1M",
    value,
    namespace: "Microsoft.Insights/datacollectionrules",
    resourceregion: typeof res["location"] === "string" ? res["location"] : "westeurope",
  });
}
