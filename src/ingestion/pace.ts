import { HOUR } from "./history.js";
import { kindHourOf, rowOf, weekBucket, type HolidayCalendar } from "./holidays.js";

/**
 * Keeper's pace through the day: events per hour, piecewise constant over the hours of a weekday
 * (0-23) and of a weekend day (24-47). Where the pace changes (the morning starts, the night
 * starts) the wait for the next event starts afresh: a quiet night's gap says nothing about when
 * the morning's first event comes. Gaps are therefore measured from the last pace change, the same
 * way when learned and when judged.
 */
export interface PaceProfile {
  /** Per weekday/weekend hour: the events per hour of the segment the hour belongs to. */
  rate: number[];
}

/** Segments whose pace differs by at least this factor are a pace change. */
export const PACE_CHANGE_RATIO = 1.5;
/**
 * Log-likelihood (nats) a further segment must gain to be kept. Per-hour counts from a few weeks are
 * noisy (a weekend hour has 4 samples in 14 days): without a price every hour would be its own pace.
 */
export const SEGMENT_PENALTY = 3;
/**
 * What a weekend day's pace change costs at an hour where the weekday pace changes: nothing. People
 * wake and go to bed at about the same hours every day, and 4 weekend days in 14 hold too few events
 * to place the morning on their own (at SEGMENT_PENALTY the weekend fit often has no morning at all).
 * Whether the pace changes there is still PACE_CHANGE_RATIO's to decide.
 */
export const SHARED_CHANGE_PENALTY = 0;
/** Rates below this (events per hour) count as this, so an hour never seen busy is not infinitely slower. */
const MIN_RATE = 0.02;

/** −log-likelihood of `events` in `hours` hours at their own best rate (Poisson). */
function cost(events: number, hours: number): number {
  if (hours === 0 || events === 0) return 0;
  return -(events * Math.log(events / hours) - events);
}

/**
 * The pace profile from per-hour event totals and the number of hours each total covers (48 each):
 * the piecewise-constant fit with the best likelihood net of SEGMENT_PENALTY per segment (for a
 * weekend segment that starts where the weekday pace changes, SHARED_CHANGE_PENALTY).
 */
export function paceProfile(events: readonly number[], hours: readonly number[]): PaceProfile {
  const rate = new Array<number>(48).fill(0);
  // hours at which the weekday pace changes (weekdays are fitted first): a weekend day may change there for less
  const weekdayChanges = new Set<number>();
  for (const base of [0, 24]) {
    const penalty = (h: number) => (base === 24 && weekdayChanges.has(h) ? SHARED_CHANGE_PENALTY : SEGMENT_PENALTY);
    // the day is a cycle (a night runs from 22:00 into 07:00): fit from every starting hour, keep the best
    let bestFit: { total: number; start: number; cuts: number[] } | undefined;
    for (let start = 0; start < 24; start++) {
      const at = (i: number) => base + ((start + i) % 24);
      // best[j]: the cheapest fit of the first j hours from `start`; from[j]: where its last segment begins
      const best = [0];
      const from = [0];
      for (let j = 1; j <= 24; j++) {
        let c = 0;
        let e = 0;
        best[j] = Infinity;
        for (let i = j - 1; i >= 0; i--) {
          c += events[at(i)] ?? 0;
          e += hours[at(i)] ?? 0;
          const total = best[i]! + cost(c, e) + penalty((start + i) % 24);
          if (total < best[j]!) {
            best[j] = total;
            from[j] = i;
          }
        }
      }
      if (bestFit && bestFit.total <= best[24]!) continue;
      const cuts: number[] = [];
      for (let j = 24; j > 0; j = from[j]!) cuts.unshift(from[j]!);
      bestFit = { total: best[24]!, start, cuts };
    }
    const { start, cuts } = bestFit!;
    cuts.forEach((from, k) => {
      const to = cuts[k + 1] ?? 24;
      let c = 0;
      let e = 0;
      for (let i = from; i < to; i++) {
        c += events[base + ((start + i) % 24)] ?? 0;
        e += hours[base + ((start + i) % 24)] ?? 0;
      }
      for (let i = from; i < to; i++) rate[base + ((start + i) % 24)] = e ? c / e : 0;
    });
    if (base === 0)
      for (let h = 0; h < 24; h++) {
        const a = Math.max(rate[h]!, MIN_RATE);
        const b = Math.max(rate[(h + 23) % 24]!, MIN_RATE);
        if (Math.max(a / b, b / a) >= PACE_CHANGE_RATIO) weekdayChanges.add(h);
      }
  }
  return { rate };
}

/**
 * Does the pace change at hour boundary c (a whole hour)? Where the learned pace differs by
 * PACE_CHANGE_RATIO, and at every midnight between days of different kinds: their paces are learned
 * apart, and a Saturday's night is not a Friday's.
 */
function changesAt(profile: PaceProfile, c: number, calendar: HolidayCalendar | undefined): boolean {
  const k = kindHourOf(weekBucket(c, calendar), calendar);
  const kBefore = kindHourOf(weekBucket(c - HOUR, calendar), calendar);
  // a new kind of day (Friday into Saturday, Sunday into Monday, into or out of a listed holiday)
  if (k - (k % 24) !== kBefore - (kBefore % 24)) return true;
  const now = Math.max(profile.rate[k] ?? 0, MIN_RATE);
  const before = Math.max(profile.rate[kBefore] ?? 0, MIN_RATE);
  return Math.max(now / before, before / now) >= PACE_CHANGE_RATIO;
}

/** The hour boundaries in (from, to] at which the pace changes, oldest first. */
export function paceChanges(
  profile: PaceProfile,
  from: number,
  to: number,
  calendar: HolidayCalendar | undefined,
): number[] {
  const out: number[] = [];
  for (let c = rowOf(from, calendar) + HOUR; c <= to; c += HOUR) if (changesAt(profile, c, calendar)) out.push(c);
  return out;
}

/** Where a gap that began at `from` is measured from at `to`: the last pace change since, else its start. */
export function gapAnchor(
  profile: PaceProfile,
  from: number,
  to: number,
  calendar: HolidayCalendar | undefined,
): number {
  for (let c = rowOf(to, calendar); c > from; c -= HOUR) if (changesAt(profile, c, calendar)) return c;
  return from;
}
