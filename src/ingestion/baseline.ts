import { DAY, HOUR, MINUTE, type HourlyRow } from "./history.js";
import {
  isWeekendDay,
  kindHourOf,
  listsHolidays,
  rowOf,
  weekBucket,
  weekendOf,
  type HolidayCalendar,
} from "./holidays.js";
import { localMidnight, localTime } from "../core/calendar.js";
import { gapAnchor, paceProfile, type PaceProfile } from "./pace.js";

/** What the traffic of the last weeks says about one hour of the week. */
export interface BucketStats {
  /**
   * Per past week: the longest time without an event reached during this hour (minutes), measured
   * from the gap's start or from the last pace change inside it (see pace.ts); past outages left out.
   */
  staleness: number[];
  /** Parallel to `staleness`: the hour it is measured from, as a weekday (0-23) or weekend (24-47) hour. */
  openedIn: number[];
  /** Per past week: events in this hour; past outages left out. */
  counts: number[];
}

/** A gap in the history that the rest of the history calls implausible: not learned from. */
export interface PastOutage {
  from: number;
  to: number;
}

export interface Baseline {
  /** Days between the first hour with events and the last event (the history the baseline stands on). */
  historyDays: number;
  /** False while the history is shorter than `minHistoryDays`: callers use the fixed fallback. */
  ready: boolean;
  /** 168 buckets, Sunday 00:00 first (local: the calendar's clock, else UTC). */
  buckets: BucketStats[];
  /** Past gaps left out of the buckets (a past outage would otherwise teach the detector to ignore the next one). */
  pastOutages: PastOutage[];
  /** Mean events per hour for each hour of a weekday (0-23) and of a weekend day (24-47), past outages left out. */
  activity: number[];
  /** The same samples, each measured from its gap's start (the whole gap). */
  whole: BucketStats[];
  /** Where the pace changes: gaps are learned (and judged) from the last pace change. */
  pace: PaceProfile;
  /**
   * The customer's calendar: its clock (hours of the week, day kinds and midnight are local) and
   * HOLIDAYS, learned (and judged) as a weekend day's hours.
   */
  holidays?: HolidayCalendar;
}

export interface BaselineOptions {
  /** History needed before the learned thresholds are trusted (default 7 days: every hour of the week seen once). */
  minHistoryDays?: number;
  /** The customer's clock, and HOLIDAYS: listed holidays are learned like a weekend day, out of the weekday buckets. */
  holidays?: HolidayCalendar;
}

export const MIN_HISTORY_DAYS = 7;
/** Head-room over the longest gap seen at this hour: the history holds only a few weeks. */
export const GAP_MARGIN = 1.5;
/**
 * More head-room when few samples back the longest gap (a weekend hour has a third of a weekday
 * hour's): the longest of n draws falls short of the true longest by about 1/n of the range.
 */
export const SPARSE_HEADROOM = 0.3;
/**
 * Below THIN_SAMPLES (a weekend hour whose weekends were partly outages: 10-15 samples in 14 days)
 * the longest gap seen misses the long tail at the hours where the traffic changes pace (a night
 * gap redrawn at midnight or 07:00): up to THIN_HEADROOM more, growing linearly as samples fall.
 * Weekday hours (20-45 samples) are not affected.
 */
export const THIN_SAMPLES = 20;
export const THIN_HEADROOM = 1.0;
export const marginFor = (samples: number): number =>
  GAP_MARGIN * (1 + SPARSE_HEADROOM / Math.sqrt(Math.max(samples, 1))) +
  (THIN_HEADROOM * Math.max(0, THIN_SAMPLES - samples)) / THIN_SAMPLES;
/**
 * A past gap is an outage, not traffic, when at some hour it ran longer than OUTAGE_FACTOR × the
 * longest gap every other gap reached at that hour on days of the same kind, and longer than
 * OUTAGE_MIN_MINUTES. Wider than GAP_MARGIN on purpose: a merely unusual quiet spell stays learned.
 */
export const OUTAGE_FACTOR = 2;
export const OUTAGE_MIN_MINUTES = 30;
/** Other days that must speak for an hour before a gap there is called an outage (one other day is too little to judge). */
export const OUTAGE_MIN_OTHER_DAYS = 2;

/** A neighbouring hour's gap speaks for this hour only when it began at least this busy (a share of this hour's activity). */
export const NEIGHBOUR_ACTIVITY_RATIO = 0.5;
/** Neighbouring hours pooled with the hour itself: a few weeks give few samples per hour. */
export const POOL_HOURS = 2;

interface Sample {
  hour: number;
  bucket: number;
  staleness: number;
  count: number;
  /** The gap the staleness belongs to: the time of the event that opened it (negative: a gap inside the hour). */
  gap: number;
  /** The weekday/weekend hour (0-47) the gap began in. */
  openedIn: number;
}

/**
 * Learns, per hour of the week, how long Keeper normally goes without an event. For every past
 * hour it takes the longest staleness reached inside it: the longest gap that ended in it, or the
 * time since the last event at its end when it was quiet (so quiet nights, even hours with no event
 * at all, teach long gaps). The current gap (after the last event) is never learned from, and past
 * gaps that the rest of the history calls implausible (past outages) are left out. A gap that crossed
 * a pace change is learned from that change, as the current gap is judged: otherwise a quiet night
 * running into a weekend morning would be a rare, far longer sample that 4 weekend days seldom hold.
 */
export function learnBaseline(rows: readonly HourlyRow[], options: BaselineOptions = {}): Baseline {
  const minDays = options.minHistoryDays ?? MIN_HISTORY_DAYS;
  const cal = options.holidays;
  const withCalendar = cal ? { holidays: cal } : {};
  const buckets: BucketStats[] = Array.from({ length: 168 }, () => ({ staleness: [], openedIn: [], counts: [] }));
  const whole: BucketStats[] = Array.from({ length: 168 }, () => ({ staleness: [], openedIn: [], counts: [] }));
  if (rows.length === 0)
    return {
      historyDays: 0,
      ready: false,
      buckets,
      whole,
      pastOutages: [],
      activity: [],
      pace: paceProfile([], []),
      ...withCalendar,
    };
  const sorted = [...rows].sort((a, b) => a.hour - b.hour);
  const first = sorted[0]!.hour;
  const lastRow = sorted.at(-1)!;
  const byHour = new Map(sorted.map((r) => [r.hour, r]));
  const samples: Sample[] = [];
  let lastSeen: number | undefined;
  // Every complete hour from the first event to the hour of the last event (that one is still running).
  for (let h = first; h < lastRow.hour; h += HOUR) {
    const r = byHour.get(h);
    let staleness = 0;
    let gap = -h;
    if (r?.maxGapMinutes != null) {
      staleness = r.maxGapMinutes;
      // the longest gap ended here is the one carried in from an earlier hour when it is at least that long
      if (lastSeen !== undefined && r.maxGapMinutes * MINUTE >= h - lastSeen) gap = lastSeen;
    }
    if (r) lastSeen = r.lastEvent;
    if (lastSeen !== undefined && (h + HOUR - lastSeen) / MINUTE > staleness) {
      staleness = (h + HOUR - lastSeen) / MINUTE;
      gap = lastSeen;
    }
    const bucket = weekBucket(h, cal);
    const openedIn = gap < 0 ? kindHourOf(bucket, cal) : kindHourOf(weekBucket(gap, cal), cal);
    samples.push({ hour: h, bucket, staleness, count: r?.events ?? 0, gap, openedIn });
  }
  const outageGaps = findPastOutages(samples, activityOf(totalsOf(samples, cal)), cal);
  const normalTotals = totalsOf(
    samples.filter((x) => !outageGaps.has(x.gap)),
    cal,
  );
  const activity = activityOf(normalTotals);
  const pace = paceProfile(...normalTotals);
  const pastOutages: PastOutage[] = [];
  for (const s of samples) {
    if (outageGaps.has(s.gap)) {
      const last = pastOutages.at(-1);
      if (last && last.from === s.gap) last.to = s.hour + HOUR;
      else pastOutages.push({ from: s.gap < 0 ? s.hour : s.gap, to: s.hour + HOUR });
      continue;
    }
    // learned as judged: from the last pace change inside the gap, if any
    let { staleness, openedIn } = s;
    if (s.gap >= 0) {
      const end = s.gap + staleness * MINUTE;
      // a pace change at the very end of the hour belongs to the next hour
      const anchor = gapAnchor(pace, s.gap, end - 1, cal);
      if (anchor > s.gap) {
        staleness = (end - anchor) / MINUTE;
        openedIn = kindHourOf(weekBucket(anchor, cal), cal);
      }
    }
    addSample(whole[s.bucket]!, s.staleness, s.openedIn, s.count);
    addSample(buckets[s.bucket]!, staleness, openedIn, s.count);
  }
  const historyDays = (lastRow.lastEvent - first) / DAY;
  return { historyDays, ready: historyDays >= minDays, buckets, whole, pastOutages, activity, pace, ...withCalendar };
}

function addSample(stats: BucketStats, staleness: number, openedIn: number, count: number): void {
  stats.staleness.push(staleness);
  stats.openedIn.push(openedIn);
  stats.counts.push(count);
}

/** Events and hours seen for each hour of a weekday (0-23) and of a weekend day (24-47). */
function totalsOf(samples: readonly Sample[], cal: HolidayCalendar | undefined): [events: number[], hours: number[]] {
  const sum = new Array<number>(48).fill(0);
  const n = new Array<number>(48).fill(0);
  for (const x of samples) {
    sum[kindHourOf(x.bucket, cal)]! += x.count;
    n[kindHourOf(x.bucket, cal)]!++;
  }
  return [sum, n];
}

/** Mean events per hour for each hour of a weekday (0-23) and of a weekend day (24-47). */
function activityOf([sum, n]: [events: number[], hours: number[]]): number[] {
  return sum.map((v, i) => (n[i] ? v / n[i] : 0));
}

/**
 * Does a sample from this hour (of the week) and gap speak for `kindHour` (weekday or weekend hour)?
 * Its own hour always; a neighbouring hour (within POOL_HOURS) only when its gap began in traffic at
 * least about as busy as this hour's: a night gap carried into 08:00 says nothing about 09:00, an
 * evening gap after 18:00 nothing about 17:00.
 */
function speaksFor(
  kindHour: number,
  bucket: number,
  openedIn: number,
  activity: readonly number[],
  cal: HolidayCalendar | undefined,
): boolean {
  const own = kindHourOf(bucket, cal);
  if (own === kindHour) return true;
  if (own - (own % 24) !== kindHour - (kindHour % 24)) return false;
  const dh = Math.abs((own % 24) - (kindHour % 24));
  if (Math.min(dh, 24 - dh) > POOL_HOURS) return false;
  return (activity[openedIn] ?? 0) >= NEIGHBOUR_ACTIVITY_RATIO * (activity[kindHour] ?? 0);
}

/** The buckets of the same kind of day within POOL_HOURS of `kindHour`. */
const daysOfKind = (kindHour: number, cal: HolidayCalendar | undefined) =>
  [0, 1, 2, 3, 4, 5, 6].filter((d) => weekendOf(cal).includes(d) === kindHour >= 24);
function poolBuckets(kindHour: number, cal: HolidayCalendar | undefined): number[] {
  const days = daysOfKind(kindHour, cal);
  const out: number[] = [];
  for (const d of days)
    for (let dh = -POOL_HOURS; dh <= POOL_HOURS; dh++) out.push((d * 24 + (kindHour % 24) + dh + 168) % 168);
  return out;
}

/**
 * Leave-one-gap-out: a gap is a past outage when, at some hour, it ran more than OUTAGE_FACTOR ×
 * longer than any gap of another day (not already called an outage) that speaks for that hour.
 * Other days only: a holiday's long gaps must not vouch for each other on a weekday. The longest
 * gaps are judged first, so two outages in the window do not vouch for each other.
 */
function findPastOutages(
  samples: readonly Sample[],
  activity: readonly number[],
  cal: HolidayCalendar | undefined,
): Set<number> {
  const byBucket = new Map<number, Sample[]>();
  for (const x of samples) {
    const list = byBucket.get(x.bucket);
    if (list) list.push(x);
    else byBucket.set(x.bucket, [x]);
  }
  const pools = new Map<number, Sample[]>();
  for (let k = 0; k < 48; k++) {
    const pool = poolBuckets(k, cal).flatMap((b) =>
      (byBucket.get(b) ?? []).filter((x) => speaksFor(k, x.bucket, x.openedIn, activity, cal)),
    );
    pools.set(
      k,
      pool.sort((a, b) => b.staleness - a.staleness),
    );
  }
  // only gaps that ran longer than OUTAGE_MIN_MINUTES somewhere are candidates
  const byGap = new Map<number, Sample[]>();
  for (const x of samples)
    if (x.staleness > OUTAGE_MIN_MINUTES) {
      const list = byGap.get(x.gap);
      if (list) list.push(x);
      else byGap.set(x.gap, [x]);
    }
  const longest = (list: Sample[]) => Math.max(...list.map((x) => x.staleness));
  const candidates = [...byGap.entries()].sort((a, b) => longest(b[1]) - longest(a[1]));
  const out = new Set<number>();
  for (const [g, list] of candidates) {
    const implausible = list.some((x) => {
      const day = Math.floor(localTime(x.hour, cal?.clock) / DAY);
      let other: Sample | undefined;
      const days = new Set<number>();
      for (const o of pools.get(kindHourOf(x.bucket, cal))!) {
        const d = Math.floor(localTime(o.hour, cal?.clock) / DAY);
        if (o.gap === g || out.has(o.gap) || d === day) continue;
        other ??= o;
        days.add(d);
        if (days.size >= OUTAGE_MIN_OTHER_DAYS) break;
      }
      return (
        other !== undefined &&
        days.size >= OUTAGE_MIN_OTHER_DAYS &&
        x.staleness > OUTAGE_FACTOR * Math.max(other.staleness, 1)
      );
    });
    if (implausible) out.add(g);
  }
  return out;
}

/**
 * The longest gap (minutes) seen at this hour of the week, before margin, floor and ceiling: the
 * same hour on every day of the same kind (weekday with weekday, weekend with weekend) and the
 * neighbouring hours' gaps that speak for it, past outages left out.
 */
export function usualMaxGap(
  baseline: Baseline,
  now: number,
  dayKind: "own" | "weekend" | "working" = "own",
  measured: "sincePaceChange" | "whole" = "sincePaceChange",
): UsualGap | undefined {
  const cal = baseline.holidays;
  const b = weekBucket(now, cal);
  const weekend = dayKind === "own" ? isWeekendDay(Math.floor(b / 24), cal) : dayKind === "weekend";
  const k = (weekend ? 24 : 0) + (b % 24);
  let max: number | undefined;
  let samples = 0;
  const all = measured === "whole" ? baseline.whole : baseline.buckets;
  for (const bucket of poolBuckets(k, cal)) {
    const stats = all[bucket]!;
    stats.staleness.forEach((v, i) => {
      if (!speaksFor(k, bucket, stats.openedIn[i]!, baseline.activity, cal)) return;
      max = Math.max(max ?? 0, v);
      samples++;
    });
  }
  if (max !== undefined) return { minutes: max, samples, widened: false };
  // Past outages can leave these hours with no sample at all (a 60-hour outage took one weekend of
  // the two): the longest gap seen at any hour of the same kind of day is the cautious answer, not
  // the fixed fallback, which is far too short for a night.
  for (const d of daysOfKind(k, cal))
    for (let h = 0; h < 24; h++)
      for (const v of all[d * 24 + h]!.staleness) {
        max = Math.max(max ?? 0, v);
        samples++;
      }
  return max === undefined ? undefined : { minutes: max, samples, widened: true };
}

export interface UsualGap {
  /** The longest gap seen (minutes). */
  minutes: number;
  samples: number;
  /** True when no sample speaks for this hour and every hour of the same kind of day was used. */
  widened: boolean;
}

/**
 * Has today not shown yet that it is a working day? On a weekday, when the gap began before today
 * (UTC), or today's events in hours as busy as this one fell far short of a working day's (fewer than
 * QUIET_RATIO of the usual, or too few expected to tell), nothing before the gap could announce a holiday: a
 * holiday looks like this until its traffic shows, so weekend gaps at this hour stay plausible.
 */
export function dayNotShownYet(
  rows: readonly HourlyRow[],
  baseline: Baseline,
  lastEvent: number,
  now: number,
): boolean {
  const cal = baseline.holidays;
  if (isWeekendDay(Math.floor(weekBucket(now, cal) / 24), cal)) return false;
  // local midnight: the customer's day, not UTC's
  const dayStart = localMidnight(now, cal?.clock);
  // With HOLIDAYS the calendar says today is a working day: a gap that began today, while the hour
  // now is at most 1/NEIGHBOUR_ACTIVITY_RATIO as busy as the one it began in (a working night), is
  // judged by working-day gaps. A holiday night looks like a working night, so only the calendar can
  // say this; once the hours get busier (07:00, office hours) the traffic must show the day again,
  // which keeps an unlisted holiday's morning covered.
  if (listsHolidays(cal) && lastEvent >= dayStart) {
    const usualAt = (t: number) => baseline.activity[kindHourOf(weekBucket(t, cal), cal)] ?? 0;
    if (NEIGHBOUR_ACTIVITY_RATIO * usualAt(now) <= usualAt(lastEvent)) return false;
  }
  // With HOLIDAYS the calendar says whether yesterday was quiet: a gap carried over from a working
  // day is judged by working-day gaps; from a weekend day or a listed holiday, by weekend gaps.
  if (lastEvent < dayStart)
    return !listsHolidays(cal) || isWeekendDay(Math.floor(weekBucket(lastEvent, cal) / 24), cal);
  const byHour = new Map(rows.map((r) => [r.hour, r.events]));
  let observed = 0;
  let expected = 0;
  // only hours about as busy as this one: a holiday night looks like a working night
  const busy = NEIGHBOUR_ACTIVITY_RATIO * (baseline.activity[kindHourOf(weekBucket(now, cal), cal)] ?? 0);
  // the first whole row of the local day (on UTC rows a half-hour zone's midnight falls inside a row)
  const lastRow = rowOf(lastEvent, cal);
  for (let h = rowOf(dayStart - 1, cal) + HOUR; h <= lastRow; h += HOUR) {
    const usual = baseline.activity[kindHourOf(weekBucket(h, cal), cal)] ?? 0;
    if (usual < busy) continue;
    observed += byHour.get(h) ?? 0;
    expected += usual * (h === lastRow ? (lastEvent - h) / HOUR : 1);
  }
  return expected < DAY_SHOWN_MIN_EXPECTED || observed < QUIET_RATIO * expected;
}
/** Events a working day must have been expected to send before its traffic tells it from a holiday. */
export const DAY_SHOWN_MIN_EXPECTED = 6;

/** Median events in this hour of the week across the history (0 when never seen). */
export function usualCount(baseline: Baseline, t: number): number | undefined {
  const c = baseline.buckets[weekBucket(t, baseline.holidays)]!.counts;
  if (c.length === 0) return undefined;
  const s = [...c].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The fewest and most events this hour of the week carried in the learned weeks (past outages left
 * out): the status page's expected band. Undefined before the baseline is ready or for an hour never seen.
 */
export function usualRange(baseline: Baseline, t: number): { low: number; high: number } | undefined {
  if (!baseline.ready) return undefined;
  const c = baseline.buckets[weekBucket(t, baseline.holidays)]!.counts;
  if (c.length === 0) return undefined;
  return { low: Math.min(...c), high: Math.max(...c) };
}

/**
 * Did Keeper run at weekend pace before the last event although this is a weekday (a holiday)?
 * Compares the hours before the last event with their usual counts, going back until enough
 * events were expected. Only hours before the last event count, so an outage never argues for its
 * own tolerance.
 */
export function quietFactor(rows: readonly HourlyRow[], baseline: Baseline, lastEvent: number): number {
  const end = rowOf(lastEvent, baseline.holidays) + HOUR;
  let observed = 0;
  let expected = 0;
  const byHour = new Map(rows.map((r) => [r.hour, r.events]));
  for (let h = end - HOUR; h >= end - QUIET_LOOKBACK_HOURS * HOUR && expected < QUIET_MIN_EXPECTED; h -= HOUR) {
    observed += byHour.get(h) ?? 0;
    // the hour of the last event only ran until the last event: expect that share of its usual count
    const share = h === end - HOUR ? (lastEvent - h) / HOUR : 1;
    expected += (baseline.activity[kindHourOf(weekBucket(h, baseline.holidays), baseline.holidays)] ?? 0) * share;
  }
  if (expected < QUIET_MIN_EXPECTED || observed >= expected * QUIET_RATIO) return 1;
  return expected / Math.max(observed, 1);
}
export const QUIET_LOOKBACK_HOURS = 12;
export const QUIET_MIN_EXPECTED = 12;
/** Below this share of the usual count the day runs at weekend pace. */
export const QUIET_RATIO = 0.3;
