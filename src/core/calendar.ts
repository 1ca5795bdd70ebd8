import { DAY, HOUR, MINUTE, phaseOf } from "./time.js";

/**
 * The customer's clock: Keeper's traffic follows people, so day kinds, pace changes, midnight and
 * the hour of the week are read on the local calendar of the company, not on UTC. The offset comes
 * from the platform's time-zone data (Intl), so DST and half-hour offsets need no table of our own.
 */
export interface Clock {
  /** The UTC offset (ms) of the local clock at t. */
  offsetAt(t: number): number;
  /** Weekend days, 0 = Sunday. */
  weekend: readonly number[];
  /** TRAFFIC_TIME_ZONE when set (an IANA name). */
  zone?: string;
  /** What was learned from the history (the zone, the weekend, or both), for the finding's words. */
  learned?: string;
  /**
   * Other clocks the traffic may be on, when learned: a DST change too recent for the history to
   * show. Silence must hold on each (see detectOnClock).
   */
  alternatives?: readonly Clock[];
}

/** Short day names, 0 = Sunday (as Date.getUTCDay). */
export const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
export const DEFAULT_WEEKEND: readonly number[] = [6, 0];

/** Why `zone` is not a time zone the platform knows, or undefined when it is one. */
export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}", expected an IANA name such as Australia/Sydney or UTC`;
  }
}

/** WEEKEND_DAYS' day names ("Fri,Sat"), as day numbers (0 = Sunday), or the first unknown name. */
export function parseWeekendDays(spec: string): { days: number[] } | { unknown: string } {
  const days: number[] = [];
  for (const raw of spec.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    const d = DAY_NAMES.findIndex((n, i) =>
      [n, LONG_DAY_NAMES[i]!].some((x) => x.toLowerCase() === name.toLowerCase()),
    );
    if (d < 0) return { unknown: name };
    if (!days.includes(d)) days.push(d);
  }
  return { days };
}

/** Offsets change on quarter hours at the finest: one lookup per quarter hour. */
const QUARTER = 15 * MINUTE;

/** The offset (ms) of an IANA zone at t, from Intl (cached per quarter hour). */
export function zoneOffset(zone: string): (t: number) => number {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  const cache = new Map<number, number>();
  return (t) => {
    const q = Math.floor(t / QUARTER) * QUARTER;
    let off = cache.get(q);
    if (off === undefined) {
      const p = Object.fromEntries(fmt.formatToParts(new Date(q)).map((x) => [x.type, Number(x.value)]));
      off = Date.UTC(p["year"]!, p["month"]! - 1, p["day"], p["hour"], p["minute"]) - q;
      cache.set(q, off);
    }
    return off;
  };
}

/**
 * How far past the UTC hour the zone's local hours start at t (ms, 0 to 59 min): 0 for whole-hour
 * zones and for no zone; 30 min for Asia/Kolkata (UTC+5:30) and America/St_Johns (UTC−3:30), 15 min
 * for Asia/Kathmandu (UTC+5:45: 00:15 UTC is 06:00 there), from the platform's time-zone data. A
 * zone whose phase changes with DST (Australia/Lord_Howe, UTC+10:30 in winter, UTC+11 in summer)
 * has the phase it has at t: the query of a run bins at the phase of the run's time.
 */
export function hourPhase(zone: string | undefined, t: number): number {
  return zone ? phaseOfOffset(zoneOffset(zone)(t)) : 0;
}

/** How far past the UTC hour the local hours of a UTC offset (ms) start: 30 min for UTC±x:30, 15 min for UTC+5:45. */
export const phaseOfOffset = (offsetMs: number): number => phaseOf(-offsetMs);

/** A clock on an IANA zone (validated), or a fixed offset in minutes. */
export function clockOf(
  zone: string | { offsetMinutes: number },
  weekend: readonly number[] = DEFAULT_WEEKEND,
  learned?: string,
): Clock {
  const base = { weekend, ...(learned ? { learned } : {}) };
  if (typeof zone === "string") return { ...base, zone, offsetAt: zoneOffset(zone) };
  const off = zone.offsetMinutes * MINUTE;
  return { ...base, offsetAt: () => off };
}

/** t on the local clock, as a UTC time (read it with getUTC*). */
export const localTime = (t: number, clock: Clock | undefined): number => (clock ? t + clock.offsetAt(t) : t);

/** 0 = Sunday 00:00-01:00 … 167 = Saturday 23:00-24:00, local. */
export function localHourOfWeek(t: number, clock: Clock | undefined): number {
  const d = new Date(localTime(t, clock));
  return d.getUTCDay() * 24 + d.getUTCHours();
}

/** The local day of the week of t (0 = Sunday). */
export const localDay = (t: number, clock: Clock | undefined): number => new Date(localTime(t, clock)).getUTCDay();

/** The last local midnight at or before t (the offset at that midnight may differ from t's: DST). */
export function localMidnight(t: number, clock: Clock | undefined): number {
  const local = localTime(t, clock);
  const midnightLocal = Math.floor(local / DAY) * DAY;
  if (!clock) return midnightLocal;
  // the offset at midnight, not at t: a DST change between them moves midnight by its size
  return midnightLocal - clock.offsetAt(midnightLocal - clock.offsetAt(t));
}

/** "UTC", "UTC+11", "UTC+5:30", "UTC−8" for an offset in ms. */
export function offsetLabel(offsetMs: number): string {
  if (offsetMs === 0) return "UTC";
  const m = Math.round(Math.abs(offsetMs) / MINUTE);
  const mm = m % 60;
  return `UTC${offsetMs < 0 ? "−" : "+"}${Math.floor(m / 60)}${mm ? `:${String(mm).padStart(2, "0")}` : ""}`;
}

const UTC_ZONES = new Set(["UTC", "ETC/UTC", "ETC/GMT", "GMT", "ETC/UCT", "UCT", "ZULU", "ETC/ZULU"]);

/** How the clock's time at t is named: "UTC" on UTC (or a learned offset of 0), else "Sydney time, UTC+11". */
export function zoneLabel(t: number, clock: Clock | undefined): string {
  const off = clock ? clock.offsetAt(t) : 0;
  if (!clock?.zone || UTC_ZONES.has(clock.zone.toUpperCase())) return offsetLabel(off);
  const city = clock.zone.split("/").at(-1)!.replace(/_/g, " ");
  return off === 0 ? `${city} time (UTC+0)` : `${city} time, ${offsetLabel(off)}`;
}

const hhmm = (local: number) => new Date(local).toISOString().slice(11, 16);

/** "Mon 10:00-11:00 Sydney time, UTC+11" for the hour starting at t (a UTC hour is 10:30-11:30 in Kolkata). */
export function describeLocalHour(t: number, clock: Clock | undefined): string {
  const local = localTime(t, clock);
  return `${DAY_NAMES[new Date(local).getUTCDay()]} ${hhmm(local)}-${hhmm(local + HOUR).replace("00:00", "24:00")} ${zoneLabel(t, clock)}`;
}

/** "10:30 Sydney time, UTC+11" for the moment t. */
export const describeLocalTime = (t: number, clock: Clock | undefined): string =>
  `${hhmm(localTime(t, clock))} ${zoneLabel(t, clock)}`;

/** "Sat–Sun", "Fri–Sat", "Sun" for weekend days. */
export function weekendLabel(days: readonly number[]): string {
  if (days.length === 0) return "none";
  // in week order from the first day after a working day
  const sorted = [...days].sort((a, b) => a - b);
  const start = sorted.find((d) => !days.includes((d + 6) % 7)) ?? sorted[0]!;
  const run = sorted.map((_, i) => (start + i) % 7).filter((d) => days.includes(d));
  const contiguous = run.length === days.length && run.every((d, i) => d === (start + i) % 7);
  return contiguous && run.length > 1
    ? `${DAY_NAMES[run[0]!]}–${DAY_NAMES[run.at(-1)!]}`
    : run.map((d) => DAY_NAMES[d]).join(",");
}
