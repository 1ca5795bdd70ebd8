/**
 * The one aggregated read of the Keeper table: one row per hour that had events (never raw events).
 * The hours start on the UTC hour, or on the customer's local hour when TRAFFIC_TIME_ZONE is a zone
 * whose offset is not whole hours (the row phase, see hourPhase). Times are epoch milliseconds so the
 * detector runs as plain arithmetic on a simulated clock.
 */
export interface HourlyRow {
  /** Start of the row's hour (on the UTC hour, or the row phase past it). */
  hour: number;
  events: number;
  /** Longest gap (minutes) between two consecutive events, measured at the event that ends it (it may start in an earlier hour). */
  maxGapMinutes: number | null;
  /** The last event of the hour (TimeGenerated). */
  lastEvent: number;
  /** Keeper's batching delay, TimeGenerated − Timestamp, in minutes. */
  latencyP50Minutes: number | null;
  latencyP95Minutes: number | null;
}

export { DAY, HOUR, MINUTE, rowStart, WEEK } from "../core/time.js";
import { HOUR, MINUTE, phaseOf, rowStart } from "../core/time.js";

/** The phase of the rows (ms past the UTC hour their hours start at): the latest row's; 0 without rows. */
export function rowPhaseOf(rows: readonly HourlyRow[]): number {
  const last = rows.at(-1);
  return last === undefined ? 0 : phaseOf(last.hour);
}

const maxOrNull = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);

/**
 * The rows on one phase: a row that starts at another phase (an answer binned otherwise) is counted
 * in the row whose hour holds its start, merged with the row already there: events add up, the
 * longest gap is the longer, the last event the later, the latencies the larger (no event is lost or
 * counted twice; its hour is at most an hour off). Rows on the phase are kept as they are.
 */
export function alignRows(rows: readonly HourlyRow[], phaseMs: number): HourlyRow[] {
  if (rows.every((r) => rowStart(r.hour, phaseMs) === r.hour)) return [...rows];
  const out = new Map<number, HourlyRow>();
  for (const r of [...rows].sort((a, b) => a.hour - b.hour)) {
    const hour = rowStart(r.hour, phaseMs);
    const o = out.get(hour);
    out.set(
      hour,
      o
        ? {
            hour,
            events: o.events + r.events,
            maxGapMinutes: maxOrNull(o.maxGapMinutes, r.maxGapMinutes),
            lastEvent: Math.max(o.lastEvent, r.lastEvent),
            latencyP50Minutes: maxOrNull(o.latencyP50Minutes, r.latencyP50Minutes),
            latencyP95Minutes: maxOrNull(o.latencyP95Minutes, r.latencyP95Minutes),
          }
        : { ...r, hour },
    );
  }
  return [...out.values()].sort((a, b) => a.hour - b.hour);
}

/** 0 = Sunday 00:00-01:00 UTC … 167 = Saturday 23:00-24:00 UTC. */
export function hourOfWeek(t: number): number {
  const d = new Date(t);
  return d.getUTCDay() * 24 + d.getUTCHours();
}

export function lastEventOf(rows: readonly HourlyRow[]): number | undefined {
  let last: number | undefined;
  for (const r of rows) if (last === undefined || r.lastEvent > last) last = r.lastEvent;
  return last;
}

export const minutesBetween = (a: number, b: number): number => Math.max(0, Math.floor((b - a) / MINUTE));

/**
 * Events per row hour (on the rows' phase) over the window, zero-filled (for the status page's 7-day
 * chart); with `usual`, each hour also carries the range of events expected for it (see
 * baseline.usualRange).
 */
export function eventsPerHour(
  rows: readonly HourlyRow[],
  from: number,
  now: number,
  usual?: (hour: number) => { low: number; high: number } | undefined,
): Array<{ hour: string; count: number; low?: number; high?: number }> {
  const byHour = new Map(rows.map((r) => [r.hour, r.events]));
  const phase = rowPhaseOf(rows);
  const out: Array<{ hour: string; count: number; low?: number; high?: number }> = [];
  for (let h = rowStart(from, phase); h <= rowStart(now, phase); h += HOUR) {
    const band = usual?.(h);
    out.push({ hour: new Date(h).toISOString(), count: byHour.get(h) ?? 0, ...(band ?? {}) });
  }
  return out;
}
