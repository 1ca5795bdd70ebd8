import { ok, problem, type Finding } from "../core/finding.js";
import { usualCount, type Baseline } from "./baseline.js";
import { HOUR, rowPhaseOf, rowStart, type HourlyRow } from "./history.js";

export const VOLUME_CHECK = "ingestion.volume";
/** Below this many usual events in the two hours, a drop is not told apart from chance. */
export const VOLUME_MIN_USUAL = 20;

/**
 * A sudden drop: the last two complete hours carry less than `dropPercent` % of the usual count for
 * those hours of the week while events still trickle in (no event at all is ingestion.freshness' job).
 */
export function analyzeVolume(
  rows: readonly HourlyRow[],
  baseline: Baseline,
  now: number,
  dropPercent: number,
  resource: string,
): Finding {
  if (!baseline.ready)
    return ok(
      VOLUME_CHECK,
      `Not judged yet: ${baseline.historyDays.toFixed(1)} days of history (a baseline needs 7).`,
      {
        resource,
      },
    );
  const row = rowStart(now, rowPhaseOf(rows));
  const hours = [row - 2 * HOUR, row - HOUR];
  const byHour = new Map(rows.map((r) => [r.hour, r.events]));
  const observed = hours.reduce((s, h) => s + (byHour.get(h) ?? 0), 0);
  const usual = hours.reduce((s, h) => s + (usualCount(baseline, h) ?? 0), 0);
  const evidence = { lastTwoHours: observed, usualForTheseHours: usual, dropPercent };
  if (usual >= VOLUME_MIN_USUAL && observed > 0 && observed < (usual * dropPercent) / 100)
    return problem(
      VOLUME_CHECK,
      "warning",
      `Keeper sent ${observed} events in the last 2 hours, ${Math.round((100 * observed) / usual)} % of the usual ${usual} for these hours of the week.`,
      {
        resource,
        evidence,
        remediation:
          "Some events still arrive, so the connector works; check whether Keeper filters events now (Keeper Admin Console → Reporting & Alerts → Azure Monitor Logs → event types), whether pushes are throttled (DCR metric ApiCallReceived_Count by ResponseCode 429) or rows are dropped (RowsDropped_Count, DCRLogErrors).",
      },
    );
  return ok(VOLUME_CHECK, `${observed} events in the last 2 hours (usual ${usual} for these hours of the week).`, {
    resource,
    evidence,
  });
}
