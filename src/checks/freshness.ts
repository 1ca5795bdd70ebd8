import { ok, problem, type Finding } from "../core/finding.js";
import type { SilenceVerdict } from "../ingestion/silence.js";
import { formatDuration } from "../core/duration.js";

export const FRESHNESS_CHECK = "ingestion.freshness";

const FIX =
  "See ingestion.diagnosis for the likely cause, ranked, with its fix; if every piece is healthy, check the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs) is enabled and holds the current Endpoint URL and client secret.";

/**
 * The adaptive freshness finding: silence is a gap longer than is plausible for this hour of the
 * week (learned from the last BASELINE_DAYS), and the finding says what it compared against.
 */
export function analyzeFreshness(v: SilenceVerdict, resource: string, windowDays: number): Finding {
  const evidence = {
    ...(v.lastEvent === undefined ? {} : { lastEvent: new Date(v.lastEvent).toISOString() }),
    ...(v.gapMinutes === undefined ? {} : { gapMinutes: v.gapMinutes }),
    thresholdMinutes: v.thresholdMinutes,
    learned: v.learned,
    ...(v.usualMaxGapMinutes === undefined ? {} : { usualMaxGapMinutes: v.usualMaxGapMinutes }),
    hourOfWeek: v.hourOfWeek,
    ...(v.calendar ? { calendar: v.calendar } : {}),
    historyDays: v.historyDays,
    ...(v.quietFactor > 1 ? { quietFactor: v.quietFactor } : {}),
    ...(v.lostPushes ? { lostPushes: v.lostPushes } : {}),
    how: v.why,
  };
  if (v.lastEvent === undefined)
    return problem(FRESHNESS_CHECK, "critical", `No Keeper event arrived in the last ${windowDays} days.`, {
      resource,
      evidence,
      remediation: FIX,
    });
  const since = `the last arrived ${new Date(v.lastEvent).toISOString()}`;
  if (v.silent)
    return problem(
      FRESHNESS_CHECK,
      "critical",
      `No Keeper event for ${formatDuration(v.gapMinutes)}; ${v.why}; ${since}.`,
      {
        resource,
        evidence,
        remediation: FIX,
      },
    );
  return ok(FRESHNESS_CHECK, `Last Keeper event ${formatDuration(v.gapMinutes)} ago; ${v.why}.`, {
    resource,
    evidence,
  });
}
