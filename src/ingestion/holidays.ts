import { DAY, rowStart } from "./history.js";
import { DEFAULT_WEEKEND, localDay, localHourOfWeek, localTime, type Clock } from "../core/calendar.js";

/**
 * Weekdays on which Keeper runs at weekend pace (HOLIDAYS): learned and judged like a weekend day,
 * so their quiet hours neither teach the weekday buckets long gaps nor need the "a holiday is
 * still plausible" guard on working days.
 */
export interface HolidayCalendar {
  /** The entries as configured: "MM-DD" every year, "YYYY-MM-DD" once (local dates). */
  entries: readonly string[];
  /** Is the local day of `t` a listed holiday? */
  has(t: number): boolean;
  /** The customer's clock and weekend (TRAFFIC_TIME_ZONE, WEEKEND_DAYS, or learned); absent: UTC, Saturday–Sunday. */
  clock?: Clock;
  /** How far past the UTC hour the hourly rows start (ms; see hourPhase); absent: 0, UTC hours. */
  rowPhase?: number;
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * The calendar for HOLIDAYS' entries (already validated), on the rows' phase; undefined when none is
 * listed, no clock is given and the rows are UTC hours.
 */
export function holidayCalendar(
  entries: readonly string[] | undefined,
  clock?: Clock,
  rowPhase = 0,
): HolidayCalendar | undefined {
  if ((!entries || entries.length === 0) && !clock && rowPhase === 0) return undefined;
  const set = new Set(entries);
  return {
    entries: [...(entries ?? [])],
    ...(clock ? { clock } : {}),
    ...(rowPhase ? { rowPhase } : {}),
    has(t) {
      if (set.size === 0) return false;
      const d = new Date(localTime(t, clock));
      const md = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      return set.has(md) || set.has(`${d.getUTCFullYear()}-${md}`);
    },
  };
}

/** UTC dates ("YYYY-MM-DD") of the given day numbers since the epoch: a trace's holidays as HOLIDAYS entries. */
export const holidayEntriesOfDays = (days: Iterable<number>): string[] =>
  [...days].map((d) => new Date(d * DAY).toISOString().slice(0, 10));

/** The start of the hourly row that counts the events of moment t (on the calendar's row phase). */
export const rowOf = (t: number, calendar: HolidayCalendar | undefined): number => rowStart(t, calendar?.rowPhase ?? 0);

/** The weekend days of a calendar (0 = Sunday). */
export const weekendOf = (calendar: HolidayCalendar | undefined): readonly number[] =>
  calendar?.clock?.weekend ?? DEFAULT_WEEKEND;

/** Is day d of the week (0 = Sunday) a weekend day (local)? */
export const isWeekendDay = (d: number, calendar?: HolidayCalendar): boolean => weekendOf(calendar).includes(d);

/** Does the calendar list holidays (HOLIDAYS set), not only a clock? */
export const listsHolidays = (calendar: HolidayCalendar | undefined): boolean => (calendar?.entries.length ?? 0) > 0;

/** Is t on a working day that HOLIDAYS lists (a listed weekend day changes nothing)? */
export const isListedHoliday = (t: number, calendar: HolidayCalendar | undefined): boolean =>
  listsHolidays(calendar) && !isWeekendDay(localDay(t, calendar?.clock), calendar) && calendar!.has(t);

/**
 * The hour-of-the-week bucket of time t on the customer's clock (0 = Sunday 00:00 local): a listed
 * holiday's hours count as a weekend day's (Sunday's when Sunday is one), so the baseline learns and
 * judges them like a weekend day. Without a calendar: the UTC hour of the week.
 */
export function weekBucket(t: number, calendar: HolidayCalendar | undefined): number {
  // the bucket of the row the moment falls in: on UTC rows of a half-hour zone a moment late in a UTC
  // hour is already in the next local hour, but its events are counted in this row
  const row = rowOf(t, calendar);
  const b = localHourOfWeek(row, calendar?.clock);
  if (!isListedHoliday(row, calendar)) return b;
  const weekend = weekendOf(calendar);
  return (weekend.includes(0) ? 0 : weekend[0]!) * 24 + (b % 24);
}

/** The weekday (0-23) or weekend (24-47) hour of an hour-of-the-week bucket: the same hour on days of the same kind. */
export const kindHourOf = (bucket: number, calendar?: HolidayCalendar): number =>
  (isWeekendDay(Math.floor(bucket / 24), calendar) ? 24 : 0) + (bucket % 24);
