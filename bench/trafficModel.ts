/**
 * Synthetic Keeper traffic for the detection benchmark and the detector's tests: people-shaped
 * (busy weekday office hours, quiet nights, quieter weekends and holidays, bursts, day-to-day
 * variation) with bounded gaps, so "the gap became implausible" has a ground truth: the latest moment
 * the generator could have placed the next event (`latestNextEvent`).
 */
import { HOUR, MINUTE, rowStart, type HourlyRow } from "../src/ingestion/history.js";
import { seededRandom } from "../emulator/random.js";
import { DEFAULT_WEEKEND, localTime, type Clock } from "../src/core/calendar.js";

export interface TraceEvent {
  timeGenerated: number;
  timestamp: number;
}

const DAY = 86_400_000;
/** Day numbers (since epoch) that are holidays in a trace. */
export type Holidays = ReadonlySet<number>;

/**
 * The people behind the traffic live on `clock` (UTC, Saturday–Sunday weekend when absent): every
 * hour and day below is local, and holidays are local day numbers.
 */
export function isQuiet(t: number, holidays: Holidays, clock?: Clock): boolean {
  const lt = localTime(t, clock);
  return (clock?.weekend ?? DEFAULT_WEEKEND).includes(new Date(lt).getUTCDay()) || holidays.has(Math.floor(lt / DAY));
}

/** [min, max] minutes of the gap drawn at time t, before the day's activity factor. */
export function gapRange(t: number, holidays: Holidays, clock?: Clock): [number, number] {
  const hour = new Date(localTime(t, clock)).getUTCHours();
  const night = hour >= 22 || hour < 7;
  if (isQuiet(t, holidays, clock)) return night ? [45, 240] : [20, 120];
  if (hour >= 8 && hour < 18) return [1, 5];
  if (night) return [30, 180];
  return [8, 40];
}

/** Day-to-day variation: a busier or quieter day scales every gap. */
export const DAY_FACTOR: [number, number] = [0.75, 1.25];

/**
 * Hours (local) at which the traffic may change regime: midnight (weekday, weekend or holiday), 07:00
 * (end of night), 08:00 (office hours), 18:00 (evening), 22:00 (night).
 */
export const REGIME_HOURS = [0, 7, 8, 18, 22];

/** The next moment after t at which the gap range changes (a night running into another night is one regime). */
export function nextRegimeChange(t: number, holidays: Holidays, clock?: Clock): number {
  const range = gapRange(t, holidays, clock);
  for (let day = Math.floor(localTime(t, clock) / DAY) * DAY; ; day += DAY)
    for (const h of REGIME_HOURS) {
      const local = day + h * HOUR;
      // the UTC moment of that local time (the offset of a moment about that far from UTC)
      const at = clock ? local - clock.offsetAt(local - clock.offsetAt(local)) : local;
      if (at <= t) continue;
      const next = gapRange(at, holidays, clock);
      if (next[0] !== range[0] || next[1] !== range[1]) return at;
    }
}

/** The longest gap (ms) the generator can draw at time t, within its regime. */
export function maxGapAt(t: number, holidays: Holidays, clock?: Clock): number {
  return gapRange(t, holidays, clock)[1] * DAY_FACTOR[1] * MINUTE;
}

/**
 * The ground truth of "implausible": the latest moment the next event can arrive after an event at
 * `last`. A gap drawn past a regime change is redrawn from the change (people arrive at the office
 * at 08:00 whatever the night was like), so the answer follows the regimes forward.
 */
export function latestNextEvent(last: number, holidays: Holidays, clock?: Clock): number {
  let from = last;
  for (;;) {
    const latest = from + maxGapAt(from, holidays, clock);
    const change = nextRegimeChange(from, holidays, clock);
    if (latest <= change) return latest;
    from = change;
  }
}

/**
 * Events from `start` to `end`: each gap is drawn from the regime it starts in; a gap that would run
 * past the next regime change is redrawn from that change (a non-homogeneous arrival process).
 */
export function generateTrace(
  seed: number,
  start: number,
  end: number,
  holidays: Holidays,
  clock?: Clock,
): TraceEvent[] {
  const rnd = seededRandom(seed);
  const dayFactor = new Map<number, number>();
  const factor = (t: number) => {
    const d = Math.floor(localTime(t, clock) / DAY);
    let f = dayFactor.get(d);
    if (f === undefined) {
      f = DAY_FACTOR[0] + rnd() * (DAY_FACTOR[1] - DAY_FACTOR[0]);
      dayFactor.set(d, f);
    }
    return f;
  };
  const out: TraceEvent[] = [];
  const add = (t: number) => out.push({ timeGenerated: t, timestamp: t - Math.round((1 + rnd() * 9) * MINUTE) });
  let t = start;
  for (;;) {
    let from = t;
    for (;;) {
      const [lo, hi] = gapRange(from, holidays, clock);
      const next = from + Math.round((lo + rnd() * (hi - lo)) * factor(from) * MINUTE);
      const change = nextRegimeChange(from, holidays, clock);
      if (next <= change) {
        t = next;
        break;
      }
      from = change;
    }
    if (t >= end) break;
    add(t);
    const hour = new Date(localTime(t, clock)).getUTCHours();
    if (!isQuiet(t, holidays, clock) && hour >= 8 && hour < 18 && rnd() < 0.12) {
      const n = 2 + Math.floor(rnd() * 5);
      for (let i = 0; i < n; i++) add((t += 1000 + Math.round(rnd() * 19_000)));
    }
  }
  return out;
}

/**
 * What the monitor's hourly query returns for the events in (from, to]: per hour (UTC hours, or
 * hours starting `phaseMs` past the UTC hour, as bin_at bins them), count, the longest gap ended by
 * an event of the hour (prev() over the window), last event, latency p50/p95.
 */
export function aggregateHourly(events: readonly TraceEvent[], from: number, to: number, phaseMs = 0): HourlyRow[] {
  const rows: HourlyRow[] = [];
  let prev: number | undefined;
  let cur: { row: HourlyRow; lat: number[] } | undefined;
  const flush = () => {
    if (!cur) return;
    const s = cur.lat.sort((a, b) => a - b);
    const pct = (p: number) => s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1] ?? null;
    rows.push({ ...cur.row, latencyP50Minutes: pct(50), latencyP95Minutes: pct(95) });
  };
  for (const e of events) {
    if (e.timeGenerated <= from || e.timeGenerated > to) continue;
    const hour = rowStart(e.timeGenerated, phaseMs);
    const gap = prev === undefined ? null : (e.timeGenerated - prev) / MINUTE;
    if (!cur || cur.row.hour !== hour) {
      flush();
      cur = {
        row: {
          hour,
          events: 0,
          maxGapMinutes: null,
          lastEvent: e.timeGenerated,
          latencyP50Minutes: null,
          latencyP95Minutes: null,
        },
        lat: [],
      };
    }
    cur.row.events++;
    if (gap !== null) cur.row.maxGapMinutes = Math.max(cur.row.maxGapMinutes ?? 0, gap);
    cur.row.lastEvent = e.timeGenerated;
    cur.lat.push((e.timeGenerated - e.timestamp) / MINUTE);
    prev = e.timeGenerated;
  }
  flush();
  return rows;
}
