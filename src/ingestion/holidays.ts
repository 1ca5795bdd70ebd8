import { DAY, hourOfWeek } from "./history.js";

/**
 * Weekdays on which Keeper runs at weekend pace (HOLIDAYS): learned and judged like a weekend day,
 * so their quiet hours neither teach the weekday buckets long gaps nor need the "a holiday is
 * still plausible" guard on working days.
 */
export interface HolidayCalendar {
  /** The entries as configured: "MM-DD" every year, "YYYY-MM-DD" once (UTC dates). */
  entries: readonly string[];
  /** Is the UTC day of `t` a listed holiday? */
  has(t: number): boolean;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The calendar for HOLIDAYS' entries (already validated); undefined when none is listed. */
export function holidayCalendar(entries: readonly string[] | undefined): HolidayCalendar | undefined {
  if (!entries || entries.length === 0) return undefined;
  const set = new Set(entries);
  return {
    entries: [...entries],
    has(t) {
      const d = new Date(t);
      const md = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      return set.has(md) || set.has(`${d.getUTCFullYear()}-${md}`);
    },
  };
}

/** UTC dates ("YYYY-MM-DD") of the given day numbers since the epoch: a trace's holidays as HOLIDAYS entries. */
export const holidayEntriesOfDays = (days: Iterable<number>): string[] =>
  [...days].map((d) => new Date(d * DAY).toISOString().slice(0, 10));

/** Is day d of the week (0 = Sunday) a weekend day? */
export const isWeekendDay = (d: number): boolean => d === 0 || d === 6;
const isWeekend = (t: number) => isWeekendDay(new Date(t).getUTCDay());

/** Is t on a weekday that HOLIDAYS lists (a listed weekend day changes nothing)? */
export const isListedHoliday = (t: number, calendar: HolidayCalendar | undefined): boolean =>
  calendar !== undefined && !isWeekend(t) && calendar.has(t);

/**
 * The hour-of-the-week bucket of time t (0 = Sunday 00:00 UTC): a listed holiday's hours count as
 * Sunday's, so the baseline learns and judges them like a weekend day. Without a calendar: hourOfWeek.
 */
export function weekBucket(t: number, calendar: HolidayCalendar | undefined): number {
  const b = hourOfWeek(t);
  return isListedHoliday(t, calendar) ? b % 24 : b;
}

/** The weekday (0-23) or weekend (24-47) hour of an hour-of-the-week bucket: the same hour on days of the same kind. */
export const kindHourOf = (bucket: number): number => (isWeekendDay(Math.floor(bucket / 24)) ? 24 : 0) + (bucket % 24);
