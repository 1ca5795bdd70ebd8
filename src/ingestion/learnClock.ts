import { DAY, HOUR, WEEK, type HourlyRow } from "./history.js";
import {
  clockOf,
  DEFAULT_WEEKEND,
  localDay,
  localMidnight,
  offsetLabel,
  weekendLabel,
  zoneOffset,
  type Clock,
} from "../core/calendar.js";

/** The quiet night must carry less than this share of the busiest hours' events (as many hours) to tell. */
export const TROUGH_RATIO = 0.25;
/** The working night on the local clock: from 22:00, NIGHT_HOURS long (to 07:00). */
export const NIGHT_START_LOCAL = 22;
export const NIGHT_HOURS = 9;
/** A learned offset this close to UTC (hours) is UTC: one hour is within the night's own spread. */
export const SNAP_TO_UTC_HOURS = 1;
/** A day whose busiest occurrence carried less than this share of the busiest days' traffic is a weekend day. */
export const WEEKEND_RATIO = 0.4;
/**
 * A zone whose DST change falls inside the history is taken when it makes each hour of the week this
 * much more alike than any fixed offset (share of the fixed offset's spread): office hours that moved
 * an hour in UTC overnight sit in one bucket again. Below it, noise could pick a zone.
 */
export const DST_FIT_GAIN = 0.04;
/**
 * For this long after a DST change of a zone the traffic fits, the history may not show the change
 * yet: the clock after it is kept beside the learned one, and silence must hold on both.
 */
export const DST_UNSEEN_DAYS = 7;

/**
 * The customer's clock learned from the history, for the settings left unset. The offset puts the
 * quietest NIGHT_HOURS of the day at NIGHT_START_LOCAL; when a DST change inside the history explains
 * the hours of the week better than any fixed offset, the clock is that zone's (its later changes
 * followed from the platform's time-zone data); weekend days are the local days whose busiest
 * occurrence in the history stayed far below the busiest days (a busiest occurrence, so neither a
 * holiday nor a past outage makes a working day look like a weekend). Falls back to UTC, and to
 * Saturday–Sunday, when the history cannot tell.
 */
export function learnClock(
  rows: readonly HourlyRow[],
  set: { zone?: string; weekend?: readonly number[] } = {},
): Clock {
  if (set.zone && set.weekend) return clockOf(set.zone, set.weekend);
  const learned: string[] = [];
  let clock: Clock;
  let alternatives: Clock[] = [];
  if (set.zone) clock = clockOf(set.zone);
  else {
    const off = learnOffsetHours(rows);
    const dst = off === undefined ? undefined : learnDstZone(rows, off * HOUR);
    if (dst) {
      clock = clockOf(dst);
      learned.push(
        `traffic looks like ${cityOf(dst)} time, ${offsetLabel(clock.offsetAt(rows.at(-1)!.hour))} (it follows DST)`,
      );
    } else {
      const offsetMinutes = off === undefined || Math.abs(off) <= SNAP_TO_UTC_HOURS ? 0 : off * 60;
      clock = clockOf({ offsetMinutes });
      learned.push(
        off === undefined
          ? "traffic shows no quiet night, so UTC"
          : `traffic looks like ${offsetLabel(offsetMinutes * 60_000)}`,
      );
      if (off !== undefined) alternatives = unseenDstClocks(rows, off * HOUR, offsetMinutes * 60_000);
    }
  }
  let weekend = set.weekend;
  if (!weekend) {
    weekend = learnWeekend(rows, clock);
    learned.push(weekend ? `weekend ${weekendLabel(weekend)}` : "weekend Sat–Sun (the history cannot tell)");
  }
  const wk = weekend ?? DEFAULT_WEEKEND;
  return {
    ...clock,
    weekend: wk,
    learned: learned.join(", "),
    ...(alternatives.length
      ? { alternatives: alternatives.map((a) => ({ ...a, weekend: wk, learned: learned.join(", ") })) }
      : {}),
  };
}

/**
 * The whole hours to add to UTC for the local clock: the NIGHT_HOURS of the day (summed over the
 * history) with the fewest events are the local night from NIGHT_START_LOCAL. A window of hours, not
 * the quietest hour: one noisy hour must not decide. Undefined when that night is not TROUGH_RATIO
 * quieter than the busiest window (no night to see).
 */
function learnOffsetHours(rows: readonly HourlyRow[]): number | undefined {
  if (rows.length === 0 || (rows.at(-1)!.hour - rows[0]!.hour) / DAY < 1) return undefined;
  const byHour = new Array<number>(24).fill(0);
  for (const r of rows) byHour[new Date(r.hour).getUTCHours()]! += r.events;
  const sums = byHour.map((_, s) => {
    let n = 0;
    for (let i = 0; i < NIGHT_HOURS; i++) n += byHour[(s + i) % 24]!;
    return n;
  });
  const quiet = sums.indexOf(Math.min(...sums));
  if (sums[quiet]! >= TROUGH_RATIO * Math.max(...sums)) return undefined;
  let off = (NIGHT_START_LOCAL - quiet + 24) % 24;
  if (off > 14) off -= 24;
  return off;
}

const QUARTER = 15 * 60_000;

/** A zone's offsets over a span: the offset at its start, then each change inside it. */
interface ZoneRule {
  zone: string;
  start: number;
  changes: Array<{ at: number; offset: number }>;
}

/** Zones named for a rule that many zones share, before the alphabet's first (Atlantic/Canary for London's). */
const PREFERRED_NAMES = [
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "Europe/London",
  "Europe/Paris",
  "Europe/Athens",
  "Australia/Sydney",
  "Australia/Adelaide",
  "Pacific/Auckland",
];

/** Each zone's offset at the start of a UTC year and its changes in that year, per year (computed once). */
const yearCache = new Map<number, ZoneRule[]>();
const ruleCache = new Map<string, ZoneRule[]>();

/**
 * Every platform zone's offset changes in a UTC year: sampled weekly (no zone changes twice within a
 * week), each change then found to the quarter hour. About 30,000 offset look-ups, once a year.
 */
function changesInYear(year: number): ZoneRule[] {
  const cached = yearCache.get(year);
  if (cached) return cached;
  const a = Date.UTC(year, 0, 1);
  const b = Date.UTC(year + 1, 0, 1);
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const out: ZoneRule[] = [];
  for (const zone of new Set([...PREFERRED_NAMES, ...zones])) {
    let off: (t: number) => number;
    try {
      off = zoneOffset(zone);
    } catch {
      continue; // a name this platform's data lacks
    }
    const changes: ZoneRule["changes"] = [];
    let prev = off(a);
    for (let t = a; t < b;) {
      const next = Math.min(t + WEEK, b);
      if (off(next) !== prev) {
        // the change inside (t, next], to the quarter hour
        let lo = t;
        let hi = next;
        while (hi - lo > QUARTER) {
          const mid = lo + Math.max(1, Math.floor((hi - lo) / 2 / QUARTER)) * QUARTER;
          if (off(mid) === prev) lo = mid;
          else hi = mid;
        }
        prev = off(hi);
        changes.push({ at: hi, offset: prev });
        t = hi;
      } else t = next;
    }
    out.push({ zone, start: off(a), changes });
  }
  if (yearCache.size > 4) yearCache.clear();
  yearCache.set(year, out);
  return out;
}

/**
 * The distinct DST rules of the platform's zones over [from, to] (whole days), one zone named for
 * each: zones on the same offsets changing at the same instants read the history alike, so one of
 * them stands for all. Zones without a change in the span are left out. Cached per span of days.
 */
function dstRules(from: number, to: number): ZoneRule[] {
  const a = Math.floor(from / DAY) * DAY;
  const b = Math.ceil(to / DAY) * DAY;
  const key = `${a}:${b}`;
  const cached = ruleCache.get(key);
  if (cached) return cached;
  const years: ZoneRule[][] = [];
  for (let y = new Date(a).getUTCFullYear(); y <= new Date(b).getUTCFullYear(); y++) years.push(changesInYear(y));
  const bySignature = new Map<string, ZoneRule>();
  years[0]!.forEach((first, z) => {
    const all = years.flatMap((y) => y[z]!.changes);
    const changes = all.filter((c) => c.at > a && c.at <= b);
    if (changes.length === 0) return;
    const rule = { zone: first.zone, start: offsetOf({ start: first.start, changes: all }, a), changes };
    const signature = `${rule.start}|${stepsOf(rule)}`;
    if (!bySignature.has(signature)) bySignature.set(signature, rule);
  });
  const rules = [...bySignature.values()];
  if (ruleCache.size > 32) ruleCache.clear();
  ruleCache.set(key, rules);
  return rules;
}

/** The rule's changes as instants and steps, whatever its offset: zones alike in this are one family. */
const stepsOf = (r: ZoneRule) =>
  r.changes.map((c, i) => `${c.at}:${c.offset - (r.changes[i - 1]?.offset ?? r.start)}`).join(",");

/** The rule's offset at t. */
function offsetOf(rule: { start: number; changes: ZoneRule["changes"] }, t: number): number {
  let off = rule.start;
  for (const c of rule.changes) if (c.at <= t) off = c.offset;
  return off;
}

/**
 * How unlike each other the hours of the same hour of the week are on a clock (rows' hours shifted
 * by `shift(t)`, whole hours): the summed squared spread of √events per bucket. √ so that busy hours'
 * counting noise weighs like quiet hours'. A fixed shift only renames the buckets, so every fixed
 * offset spreads alike; a DST change moves the rows after it to other buckets.
 */
function spread(rows: readonly HourlyRow[], shift: (t: number) => number): number {
  const n = new Float64Array(168);
  const sum = new Float64Array(168);
  const sq = new Float64Array(168);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const d = new Date(r.hour + shift(r.hour));
    const b = d.getUTCDay() * 24 + d.getUTCHours();
    const v = Math.sqrt(r.events);
    n[b]!++;
    sum[b]! += v;
    sq[b]! += v * v;
  }
  let total = 0;
  for (let b = 0; b < 168; b++) if (n[b]! > 1) total += sq[b]! - (sum[b]! * sum[b]!) / n[b]!;
  return total;
}

/** Hourly rows with every hour of the span, empty ones as 0 (an hour without events is traffic too), complete hours only. */
function denseRows(rows: readonly HourlyRow[]): HourlyRow[] {
  if (rows.length < 2) return [];
  const byHour = new Map(rows.map((r) => [r.hour, r]));
  const out: HourlyRow[] = [];
  const last = rows.at(-1)!.hour; // the running hour is partial: left out
  for (let h = rows[0]!.hour; h < last; h += HOUR)
    out.push(
      byHour.get(h) ?? {
        hour: h,
        events: 0,
        maxGapMinutes: null,
        lastEvent: h,
        latencyP50Minutes: null,
        latencyP95Minutes: null,
      },
    );
  return out;
}

/** Of the zones that fit within this share of the best fit's gain, the one nearest the learned offset is taken. */
export const DST_FIT_TIE = 0.25;

/**
 * The zone whose DST change inside the history makes the hours of the week most alike, when it beats
 * every fixed offset by DST_FIT_GAIN. Zones whose changes fit almost as well (DST_FIT_TIE: a change
 * an hour apart in the quiet of the night reads alike) are told apart by what the history can tell:
 * whole-hour changes first, then the offset before the change nearest the night's once the rows after
 * it are moved back (the night sets the offset, the change only its moves), then the better-known
 * name. Only zones within an hour of the learned fixed offset `near` (ms) throughout are tried.
 */
function learnDstZone(rows: readonly HourlyRow[], near: number): string | undefined {
  const dense = denseRows(rows);
  if (dense.length < 2 * 24) return undefined;
  const from = dense[0]!.hour;
  const to = dense.at(-1)!.hour;
  const fixed = spread(dense, () => 0);
  if (fixed === 0) return undefined;
  const scored: Array<{ rule: ZoneRule; spread: number }> = [];
  for (const rule of dstRules(from, to)) {
    // a change in the first or last day moves too few rows to tell
    if (!rule.changes.some((c) => c.at > from + DAY && c.at <= to - DAY)) continue;
    if ([rule.start, ...rule.changes.map((c) => c.offset)].some((o) => Math.abs(o - near) > HOUR)) continue;
    scored.push({ rule, spread: spread(dense, (t) => offsetOf(rule, t) - rule.start) });
  }
  const best = Math.min(...scored.map((x) => x.spread));
  if (!(best <= fixed * (1 - DST_FIT_GAIN))) return undefined;
  // the offset before the change, from the night of the rows moved back by the best fit's change
  const top = scored.find((x) => x.spread === best)!.rule;
  const phase = learnOffsetHours(dense.map((r) => ({ ...r, hour: r.hour + offsetOf(top, r.hour) - top.start })));
  const startNear = phase === undefined ? near : phase * HOUR;
  const wholeHours = (r: ZoneRule) => r.changes.every((c) => c.offset % HOUR === 0) && r.start % HOUR === 0;
  const rank = (r: ZoneRule) => PREFERRED_NAMES.indexOf(r.zone) >>> 0; // unlisted last
  const fit = scored
    .filter((x) => x.spread <= best + DST_FIT_TIE * (fixed - best))
    .map((x) => x.rule)
    .sort(
      (a, b) =>
        Number(wholeHours(b)) - Number(wholeHours(a)) ||
        Math.abs(a.start - startNear) - Math.abs(b.start - startNear) ||
        rank(a) - rank(b),
    );
  return fit[0]?.zone;
}

/**
 * Clocks the traffic may be on beside a learned fixed offset (`offset`, ms; the clock's is `current`):
 * zones on that offset whose DST change came in the last DST_UNSEEN_DAYS, too recent for the history
 * to show, one clock per offset they moved to. A zone whose change the hours since it already
 * contradict (the office kept its UTC hours) is not kept.
 */
function unseenDstClocks(rows: readonly HourlyRow[], offset: number, current: number): Clock[] {
  if (rows.length === 0) return [];
  const now = rows.at(-1)!.hour + HOUR;
  const since = now - DST_UNSEEN_DAYS * DAY;
  const byOffset = new Map<number, Clock>();
  let dense: HourlyRow[] | undefined;
  for (const rule of dstRules(since - DAY, now)) {
    const recent = rule.changes.filter((c) => c.at > since && c.at <= now);
    if (recent.length === 0) continue;
    const after = offsetOf(rule, now);
    const before = offsetOf(rule, recent[0]!.at - 1);
    // on the learned offset before the change, and now on another than the clock's
    if (before !== offset || after === current || byOffset.has(after)) continue;
    dense ??= denseRows(rows);
    if (keptFixedHours(dense, recent[0]!.at, current, after - before)) continue;
    byOffset.set(after, clockOf(rule.zone));
  }
  return [...byOffset.values()];
}

/** Votes for the fixed clock over a moved one it takes, at least this many and this many times the other's, to drop it. */
export const FIXED_HOURS_VOTES = 3;
export const FIXED_HOURS_MAJORITY = 4;

/**
 * Whether the hours since a change at `at` kept their hours on the fixed clock (`offset`, ms) rather
 * than moving by `shift` (ms): each hour after it where the two expect clearly different traffic (an
 * office opening or closing) votes for the one its count is nearer. What is expected of an hour is the
 * mean √events of that hour of the day, before the change, on the days of its kind (working days:
 * days of the week whose busiest day carried WEEKEND_RATIO of the busiest). The current gap (the
 * trailing empty hours) does not vote: it is what is judged.
 */
function keptFixedHours(dense: readonly HourlyRow[], at: number, offset: number, shift: number): boolean {
  const dayOf = (t: number) => Math.floor((t + offset) / DAY);
  const totals = new Map<number, number>();
  for (const r of dense) if (r.hour < at) totals.set(dayOf(r.hour), (totals.get(dayOf(r.hour)) ?? 0) + r.events);
  const busiest = new Array<number>(7).fill(0);
  for (const [d, n] of totals) busiest[(d + 4) % 7] = Math.max(busiest[(d + 4) % 7]!, n); // day 0 was a Thursday
  const top = Math.max(...busiest);
  if (top === 0) return false;
  const bucket = (t: number) => {
    const working = busiest[(dayOf(t) + 4) % 7]! >= WEEKEND_RATIO * top;
    return (working ? 0 : 24) + Math.floor(((((t + offset) % DAY) + DAY) % DAY) / HOUR);
  };
  const n = new Float64Array(48);
  const sum = new Float64Array(48);
  for (const r of dense) {
    if (r.hour >= at) break;
    n[bucket(r.hour)]!++;
    sum[bucket(r.hour)]! += Math.sqrt(r.events);
  }
  const mean = (b: number) => (n[b]! > 0 ? sum[b]! / n[b]! : undefined);
  const means = Array.from({ length: 48 }, (_, b) => mean(b)).filter((m) => m !== undefined);
  const clear = Math.max(1, 0.2 * (Math.max(...means) - Math.min(...means)));
  let end = dense.length;
  while (end > 0 && dense[end - 1]!.events === 0) end--;
  let fixed = 0;
  let moved = 0;
  for (let i = 0; i < end; i++) {
    const r = dense[i]!;
    if (r.hour < at) continue;
    const f = mean(bucket(r.hour));
    const m = mean(bucket(r.hour + shift));
    if (f === undefined || m === undefined || Math.abs(f - m) < clear) continue;
    const v = Math.sqrt(r.events);
    if (Math.abs(v - f) < Math.abs(v - m)) fixed++;
    else moved++;
  }
  return fixed >= FIXED_HOURS_VOTES && fixed >= FIXED_HOURS_MAJORITY * moved;
}

const cityOf = (zone: string) => zone.split("/").at(-1)!.replace(/_/g, " ");

/** Weekend days from the busiest occurrence of each local day of the week (complete days only), or undefined. */
function learnWeekend(rows: readonly HourlyRow[], clock: Clock): number[] | undefined {
  if (rows.length === 0) return undefined;
  const totals = new Map<number, number>();
  for (const r of rows) {
    const m = localMidnight(r.hour, clock);
    totals.set(m, (totals.get(m) ?? 0) + r.events);
  }
  const first = localMidnight(rows[0]!.hour, clock);
  const last = localMidnight(rows.at(-1)!.hour, clock);
  const best = new Array<number | undefined>(7).fill(undefined);
  const times = new Array<number>(7).fill(0);
  for (const [m, n] of totals) {
    if (m === first || m === last) continue; // partial days
    const d = localDay(m + HOUR * 12, clock);
    best[d] = Math.max(best[d] ?? 0, n);
    times[d]!++;
  }
  const seen = best.flatMap((b) => (b === undefined ? [] : [b])).sort((a, b) => b - a);
  if (seen.length < 3) return undefined;
  const busy = (seen[0]! + seen[1]! + seen[2]!) / 3;
  let quiet = best.flatMap((n, d) => (n !== undefined && n < WEEKEND_RATIO * busy ? [d] : []));
  // a weekend's days are consecutive: a quiet day apart from the others, seen only once, was a holiday
  const apart = (d: number) => !quiet.includes((d + 6) % 7) && !quiet.includes((d + 1) % 7);
  if (quiet.length > 1) quiet = quiet.filter((d) => !(apart(d) && times[d] === 1));
  // a day not seen complete (a past outage took it) next to a quiet day is taken as a day of that
  // weekend: a working day called weekend only loosens the verdict, a weekend day called working pages
  const weekend = [...quiet];
  for (const d of quiet)
    for (const n of [(d + 6) % 7, (d + 1) % 7])
      if (best[n] === undefined && !weekend.includes(n) && weekend.length < 2) weekend.push(n);
  return weekend.length >= 1 && weekend.length <= 3 ? weekend : undefined;
}
