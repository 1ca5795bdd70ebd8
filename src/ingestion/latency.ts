import { ok, problem, type Finding } from "../core/finding.js";
import { HOUR, rowPhaseOf, rowStart, type HourlyRow } from "./history.js";

export const LATENCY_CHECK = "ingestion.latency";

/**
 * Keeper's batching delay (TimeGenerated − Timestamp) over the last hour of events, from the hourly
 * rows of the current and the previous hour: p95 is the larger of their p95s (an upper bound), p50
 * the p50 of the busier one.
 */
export function analyzeLatency(
  rows: readonly HourlyRow[],
  now: number,
  warnMinutes: number,
  resource: string,
): Finding {
  const recent = rows.filter((r) => r.hour >= rowStart(now, rowPhaseOf(rows)) - HOUR && r.events > 0);
  const p95s = recent.map((r) => r.latencyP95Minutes).filter((x): x is number => x !== null);
  if (recent.length === 0 || p95s.length === 0)
    return ok(LATENCY_CHECK, "No Keeper events in the last hour: no batching delay to measure.", { resource });
  const busiest = recent.reduce((a, b) => (b.events > a.events ? b : a));
  const p95 = Math.round(Math.max(...p95s) * 10) / 10;
  const p50 = busiest.latencyP50Minutes === null ? undefined : Math.round(busiest.latencyP50Minutes * 10) / 10;
  const events = recent.reduce((s, r) => s + r.events, 0);
  const evidence = { p50Minutes: p50, p95Minutes: p95, warnMinutes, events };
  if (p95 > warnMinutes)
    return problem(
      LATENCY_CHECK,
      "warning",
      `Keeper's events arrive late: p95 delay ${p95} min (p50 ${p50 ?? "?"} min) over the last hour, above ${warnMinutes} min.`,
      {
        resource,
        evidence,
        remediation:
          "Keeper batches its pushes; a growing delay usually means throttling (see the DCR's ApiCallReceived_Count by ResponseCode 429) or a backlog on Keeper's side: check the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs) and Keeper's status page.",
      },
    );
  return ok(LATENCY_CHECK, `Keeper's batching delay: p95 ${p95} min, p50 ${p50 ?? "?"} min over the last hour.`, {
    resource,
    evidence,
  });
}
