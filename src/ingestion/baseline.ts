import { DAY, HOUR, hourOfWeek, hourStart, MINUTE, type HourlyRow } from "./history.js";

/** What the traffic of the last weeks says about one hour of the week. */
export interface BucketStats {
  /** Per past week: the longest time without an event reached during this hour (minutes). */
  staleness: number[];
  /** Per past week: events in this hour. */
  counts: number[];
}

export interface Baseline {
  /** Days between the first hour with events and the last event (the history the baseline stands on). */
  historyDays: number;
  /** False while the history is shorter than `minHistoryDays`: callers use the fixed fallback. */
  ready: boolean;
  /** 168 buckets, Sunday 00:00 UTC first. */
  buckets: BucketStats[];
}

export interface BaselineOptions {
  /** History needed before the learned thresholds are trusted (default 7 days: every hour of the week seen once). */
  minHistoryDays?: number;
}

export const MIN_HISTORY_DAYS = 7;
/** Neighbouring hours pooled with the hour itself: a few weeks give few samples per hour. */
export const POOL_HOURS = 1;
/** Days pooled before the worst one is dropped as a possible past outage. */
export const ROBUST_MIN_DAYS = 4;
/** Head-room over the longest gap seen at this hour: the history holds only a few weeks. */
export const GAP_MARGIN = 1.5;

/**
 * Learns, per hour of the week, how long Keeper normally goes without an event. For every past
 * hour it takes the longest staleness reached inside it: the longest gap that ended in it, or the
 * time since the last event at its end when it was quiet (so quiet nights, even hours with no event
 * at all, teach long gaps). The current gap (after the last event) is never learned from.
 */
export function learnBaseline(rows: readonly HourlyRow[], options: BaselineOptions = {}): Baseline {
  const minDays = options.minHistoryDays ?? MIN_HISTORY_DAYS;
  const buckets: BucketStats[] = Array.from({ length: 168 }, () => ({ staleness: [], counts: [] }));
  if (rows.length === 0) return { historyDays: 0, ready: false, buckets };
  const sorted = [...rows].sort((a, b) => a.hour - b.hour);
  const first = sorted[0]!.hour;
  const lastRow = sorted.at(-1)!;
  const byHour = new Map(sorted.map((r) => [r.hour, r]));
  let lastSeen: number | undefined;
  // Every complete hour from the first event to the hour of the last event (that one is still running).
  for (let h = first; h < lastRow.hour; h += HOUR) {
    const r = byHour.get(h);
    const b = buckets[hourOfWeek(h)]!;
    let worst = r?.maxGapMinutes ?? 0;
    if (r) lastSeen = r.lastEvent;
    if (lastSeen !== undefined) worst = Math.max(worst, (h + HOUR - lastSeen) / MINUTE);
    b.staleness.push(worst);
    b.counts.push(r?.events ?? 0);
  }
  const historyDays = (lastRow.lastEvent - first) / DAY;
  return { historyDays, ready: historyDays >= minDays, buckets };
}

const isWeekendDay = (d: number) => d === 0 || d === 6;

/**
 * The longest gap (minutes) seen around this hour of the week, before margin, floor and ceiling.
 * Pooled with the neighbouring hours and the same hours of neighbouring days of the same kind
 * (weekday with weekday, weekend with weekend): two weeks give ~18 samples instead of 2.
 */
export function usualMaxGap(
  baseline: Baseline,
  now: number,
  dayKind: "own" | "weekend" = "own",
): { minutes: number; samples: number } | undefined {
  const b = hourOfWeek(now);
  const day = Math.floor(b / 24);
  const hour = b % 24;
  const weekend = dayKind === "weekend" || isWeekendDay(day);
  const days = dayKind === "weekend" ? [6, 0] : [day - 1, day, day + 1].map((d) => (d + 7) % 7);
  // The longest staleness of each (day, week) around this hour; a past outage spoils one of them.
  const perDay: number[] = [];
  let samples = 0;
  for (const d of days) {
    if (isWeekendDay(d) !== weekend) continue;
    const weeks: number[] = [];
    for (let dh = -POOL_HOURS; dh <= POOL_HOURS; dh++)
      baseline.buckets[(d * 24 + hour + dh + 168) % 168]!.staleness.forEach((v, w) => {
        weeks[w] = Math.max(weeks[w] ?? 0, v);
        samples++;
      });
    perDay.push(...weeks.filter((v) => v !== undefined));
  }
  if (baseline.buckets[b]!.staleness.length === 0 || perDay.length === 0) return undefined;
  perDay.sort((x, y) => y - x);
  // With enough days, drop the single worst one: robust to one past outage in the window.
  return { minutes: perDay.length >= ROBUST_MIN_DAYS ? perDay[1]! : perDay[0]!, samples };
}

/** Median events in this hour of the week across the history (0 when never seen). */
export function usualCount(baseline: Baseline, t: number): number | undefined {
  const c = baseline.buckets[hourOfWeek(t)]!.counts;
  if (c.length === 0) return undefined;
  const s = [...c].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Did Keeper run at weekend pace before the last event although this is a weekday (a holiday)?
 * Compares the hours before the last event with their usual counts, going back until enough
 * events were expected. Only hours before the last event count, so an outage never argues for its
 * own tolerance.
 */
export function quietFactor(rows: readonly HourlyRow[], baseline: Baseline, lastEvent: number): number {
  const end = hourStart(lastEvent) + HOUR;
  let observed = 0;
  let expected = 0;
  const byHour = new Map(rows.map((r) => [r.hour, r.events]));
  for (let h = end - HOUR; h >= end - QUIET_LOOKBACK_HOURS * HOUR && expected < QUIET_MIN_EXPECTED; h -= HOUR) {
    observed += byHour.get(h) ?? 0;
    expected += usualCount(baseline, h) ?? 0;
  }
  if (expected < QUIET_MIN_EXPECTED || observed >= expected * QUIET_RATIO) return 1;
  return expected / Math.max(observed, 1);
}
export const QUIET_LOOKBACK_HOURS = 12;
export const QUIET_MIN_EXPECTED = 24;
/** Below this share of the usual count the day runs at weekend pace. */
export const QUIET_RATIO = 0.3;
