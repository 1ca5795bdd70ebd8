import {
  dayNotShownYet,
  learnBaseline,
  marginFor,
  MIN_HISTORY_DAYS,
  quietFactor,
  usualMaxGap,
  type Baseline,
} from "./baseline.js";
import { holidayCalendar, isListedHoliday, isWeekendDay, rowOf, weekBucket } from "./holidays.js";
import { gapAnchor, paceChanges } from "./pace.js";
import { lastEventOf, MINUTE, minutesBetween, rowPhaseOf, type HourlyRow } from "./history.js";
import {
  describeLocalHour,
  describeLocalTime,
  localMidnight,
  weekendLabel,
  zoneLabel,
  type Clock,
} from "../core/calendar.js";

export interface SilenceSettings {
  silenceMinMinutes: number;
  silenceMaxMinutes: number;
  /** SILENCE_THRESHOLD_MINUTES when set explicitly: overrides the learned threshold. */
  fixedThresholdMinutes: number | undefined;
  /** Used while the history is too short (SILENCE_THRESHOLD_MINUTES' value, default 60). */
  fallbackThresholdMinutes: number;
}

export interface SilenceVerdict {
  silent: boolean;
  lastEvent: number | undefined;
  gapMinutes: number | undefined;
  thresholdMinutes: number;
  /** How the threshold was chosen. */
  learned: "baseline" | "fallback" | "override";
  /** The longest gap seen at this hour of the week (before margin, floor and ceiling), when learned. */
  usualMaxGapMinutes?: number;
  hourOfWeek: string;
  /** The customer's calendar as learned from the history ("traffic looks like UTC+11, weekend Sat–Sun"), when a setting was left unset. */
  calendar?: string;
  historyDays: number;
  /** > 1 when the hours before the last event were much quieter than usual (a holiday). */
  quietFactor: number;
  /** Set when Keeper's pushes since the last event were refused or never reached the table (see pushes.ts). */
  lostPushes?: { refused: number; unlanded: number };
  why: string;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** How far past the longest gap since a pace change a gap must run before its whole length may call it silent. */
export const WHOLE_GAP_CONFIRM = 1.5;

/**
 * Is the current gap longer than is plausible for this hour of the week? Pure: the clock is `now`.
 * A learned threshold measures the gap from the last pace change inside it (see pace.ts); a gap that
 * already ran out before a later pace change stays silent.
 */
export function detectSilence(
  rows: readonly HourlyRow[],
  baseline: Baseline,
  now: number,
  s: SilenceSettings,
): SilenceVerdict {
  const lastEvent = lastEventOf(rows);
  const verdict = judgeAt(rows, baseline, now, s, lastEvent);
  if (verdict.silent || verdict.learned !== "baseline" || lastEvent === undefined) return verdict;
  for (const c of paceChanges(baseline.pace, lastEvent, now, baseline.holidays)) {
    // just before the pace changed: had the gap already run out for the pace it began in?
    const before = judgeAt(rows, baseline, c - 1, s, lastEvent);
    if (before.silent)
      return {
        ...verdict,
        silent: true,
        thresholdMinutes: before.thresholdMinutes,
        why: `${before.why}; the gap ran out before the pace changed at ${describeLocalTime(c, baseline.holidays?.clock)}`,
      };
  }
  return verdict;
}

/** The baseline on the customer's clock, and one on each clock a learned clock may also be on. */
export interface ClockBaselines {
  baseline: Baseline;
  alternatives: Baseline[];
}

/**
 * The baselines on the customer's clock (HOLIDAYS as local dates on it) and on its alternatives, on
 * the rows' phase (local hours on a half-hour zone when TRAFFIC_TIME_ZONE is set, else UTC hours).
 */
export function learnOnClock(
  rows: readonly HourlyRow[],
  clock: Clock,
  holidays: readonly string[] | undefined,
): ClockBaselines {
  const phase = rowPhaseOf(rows);
  const on = (c: Clock) => learnBaseline(rows, { holidays: holidayCalendar(holidays, c, phase)! });
  return { baseline: on(clock), alternatives: (clock.alternatives ?? []).map(on) };
}

/**
 * The verdict on the customer's clock. A learned clock may carry alternatives, the clock after a DST
 * change too recent for the history to show: then the gap is silent only when it is silent on each,
 * so office hours moved an hour overnight do not page.
 */
export function detectOnClock(
  rows: readonly HourlyRow[],
  learned: ClockBaselines,
  now: number,
  s: SilenceSettings,
): SilenceVerdict {
  const verdict = detectSilence(rows, learned.baseline, now, s);
  if (!verdict.silent) return verdict;
  for (const alt of learned.alternatives) {
    const other = detectSilence(rows, alt, now, s);
    if (!other.silent)
      return {
        ...other,
        why: `${other.why}; on ${zoneLabel(now, learned.baseline.holidays?.clock)} the gap would be implausible, but a DST change (as in ${alt.holidays?.clock?.zone ?? "a nearby zone"}) may have moved the customer's hours, and silence must hold on both`,
      };
  }
  return verdict;
}

function judgeAt(
  rows: readonly HourlyRow[],
  baseline: Baseline,
  now: number,
  s: SilenceSettings,
  lastEvent: number | undefined,
): SilenceVerdict {
  const gap = lastEvent === undefined ? undefined : minutesBetween(lastEvent, now);
  const clock = baseline.holidays?.clock;
  const how = describeLocalHour(rowOf(now, baseline.holidays), clock);
  const base = {
    lastEvent,
    gapMinutes: gap,
    hourOfWeek: how,
    historyDays: Math.round(baseline.historyDays * 10) / 10,
    ...(clock?.learned ? { calendar: clock.learned } : {}),
  };
  let threshold: number;
  let learned: SilenceVerdict["learned"];
  let why: string;
  let usual: number | undefined;
  let factor = 1;
  let anchor = lastEvent ?? now;
  const usualGap = baseline.ready ? usualMaxGap(baseline, now) : undefined;
  if (s.fixedThresholdMinutes !== undefined) {
    threshold = s.fixedThresholdMinutes;
    learned = "override";
    why = `fixed threshold ${threshold} min (SILENCE_THRESHOLD_MINUTES is set)`;
  } else if (!usualGap || lastEvent === undefined) {
    threshold = s.fallbackThresholdMinutes;
    learned = "fallback";
    why = baseline.ready
      ? `fixed fallback ${threshold} min: no gap learned on this kind of day in ${base.historyDays} days (past outages are left out)`
      : `fixed fallback ${threshold} min: only ${base.historyDays} days of history (a baseline needs ${MIN_HISTORY_DAYS})`;
  } else {
    usual = Math.ceil(usualGap.minutes);
    factor = quietFactor(rows, baseline, lastEvent);
    // A holiday: the day runs at weekend pace, so weekend gaps at this hour are plausible too; and
    // before a weekday's first busy-hour event nothing tells a holiday morning from a working one.
    // With HOLIDAYS a listed holiday is judged as a weekend day outright, and a gap carried over from
    // a working day keeps working-day gaps (see dayNotShownYet); an unlisted holiday still gets
    // weekend gaps before today's traffic has shown and once it runs at weekend pace.
    const listed = isListedHoliday(now, baseline.holidays);
    const early = factor === 1 && dayNotShownYet(rows, baseline, lastEvent, now);
    // A listed holiday's night that a working day's evening ran into is a working night until the
    // holiday's own hours show: a working night's gaps at this hour are plausible too.
    const fromWorkday =
      listed &&
      lastEvent < localMidnight(now, clock) &&
      !isWeekendDay(Math.floor(weekBucket(lastEvent, baseline.holidays) / 24), baseline.holidays);
    const otherKind = factor > 1 || early ? "weekend" : fromWorkday ? "working" : undefined;
    const weekendGap = otherKind ? usualMaxGap(baseline, now, otherKind) : undefined;
    let samples = usualGap.samples;
    // once usual is the weekend's (rounded up) the raw weekend gap no longer compares as >= usual
    const weekendLonger = weekendGap !== undefined && weekendGap.minutes > usual;
    if (weekendGap && weekendLonger) {
      usual = Math.ceil(weekendGap.minutes);
      samples = weekendGap.samples;
    }
    const margin = marginFor(samples);
    // measured from the last pace change in the gap; the threshold is stated for the whole gap
    anchor = gapAnchor(baseline.pace, lastEvent, now, baseline.holidays);
    const since = (anchor - lastEvent) / MINUTE;
    threshold = Math.round(
      Math.min(since + clamp(usual * margin, s.silenceMinMinutes, s.silenceMaxMinutes), s.silenceMaxMinutes),
    );
    // A gap that crossed a pace change is also judged whole, against past gaps measured from their
    // start: silent once it outlasts them (with the margin) while its part since the change already
    // runs WHOLE_GAP_CONFIRM × the longest seen since a change. Either view alone errs: the part
    // since the change forgets that the night was already long (a night outage is caught hours late),
    // and a few weekend mornings of whole gaps mistake a quiet night running into the morning for one.
    let whole: number | undefined;
    if (anchor > lastEvent) {
      const own = usualMaxGap(baseline, now, "own", "whole");
      const weekend = otherKind ? usualMaxGap(baseline, now, otherKind, "whole") : undefined;
      const g = weekend && own && weekend.minutes > own.minutes ? weekend : own;
      if (g) {
        const wholeThreshold = clamp(g.minutes * marginFor(g.samples), s.silenceMinMinutes, s.silenceMaxMinutes);
        const confirmed = Math.max(wholeThreshold, since + usual * WHOLE_GAP_CONFIRM);
        if (confirmed < threshold) {
          threshold = Math.round(confirmed);
          whole = Math.ceil(g.minutes);
        }
      }
    }
    learned = "baseline";
    why =
      (usualGap.widened
        ? `no gap learned at this hour of the week (${how}; past outages are left out), so the longest gap of any hour ` +
          `on this kind of day: ≤ ${usual} min (learned from ${base.historyDays} days)`
        : `at this hour of the week (${how}) events normally arrive every ≤ ${usual} min ` +
          `(learned from ${base.historyDays} days)`) +
      (listed ? "; today is a holiday in HOLIDAYS, judged like a weekend day" : "") +
      (clock?.learned
        ? `; ${clock.learned} (learned from the history: set TRAFFIC_TIME_ZONE and WEEKEND_DAYS to fix them)`
        : clock?.zone
          ? `; the customer's calendar: ${clock.zone}, weekend ${weekendLabel(clock.weekend)}`
          : "") +
      (fromWorkday && weekendLonger
        ? "; the gap began on a working day, so a working night's gaps are plausible too"
        : "") +
      (factor > 1
        ? `; traffic before the gap ran ${factor.toFixed(1)}× quieter than usual, at weekend pace (a holiday?)`
        : early && weekendGap && (weekendLonger || weekendGap.minutes >= usual)
          ? "; no event yet in today's usual traffic, so a holiday (weekend pace) is still plausible"
          : "") +
      (anchor > lastEvent
        ? `; measured from ${describeLocalTime(anchor, clock)}, when the pace changed (${Math.round(since)} min into the gap)`
        : "") +
      (whole !== undefined
        ? `; judged whole as well: silent once longer than gaps at this hour from their start (≤ ${whole} min, with head-room) ` +
          `and ${WHOLE_GAP_CONFIRM}× ${usual} min past the pace change`
        : "") +
      `; threshold ${threshold} min (×${margin.toFixed(2)} head-room for ${samples} samples; floor ${s.silenceMinMinutes}, ceiling ${s.silenceMaxMinutes})`;
  }
  return {
    ...base,
    // the exact gap, not the whole minutes shown: flooring made every alert up to a minute late
    silent: lastEvent === undefined || now - lastEvent > threshold * MINUTE,
    thresholdMinutes: threshold,
    learned,
    ...(usual === undefined ? {} : { usualMaxGapMinutes: usual }),
    quietFactor: Math.round(factor * 100) / 100,
    why,
  };
}
