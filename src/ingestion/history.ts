/**
 * The one aggregated read of the Keeper table: one row per UTC hour that had events (never raw
 * events). Times are epoch milliseconds so the detector runs as plain arithmetic on a simulated clock.
 */
export interface HourlyRow {
  /** Start of the UTC hour. */
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

export { DAY, HOUR, MINUTE, WEEK } from "../core/time.js";
import { HOUR, MINUTE } from "../core/time.js";

export const hourStart = (t: number): number => Math.floor(t / HOUR) * HOUR;

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
 * Events per UTC hour over the window, zero-filled (for the status page's 7-day chart); with
 * `usual`, each hour also carries the range of events expected for it (see baseline.usualRange).
 */
export function eventsPerHour(
  rows: readonly HourlyRow[],
  from: number,
  now: number,
  usual?: (hour: number) => { low: number; high: number } | undefined,
): Array<{ hour: string; count: number; low?: number; high?: number }> {
  const byHour = new Map(rows.map((r) => [r.hour, r.events]));
  const out: Array<{ hour: string; count: number; low?: number; high?: number }> = [];
  for (let h = hourStart(from); h <= hourStart(now); h += HOUR) {
    const band = usual?.(h);
    out.push({ hour: new Date(h).toISOString(), count: byHour.get(h) ?? 0, ...(band ?? {}) });
  }
  return out;
}
