import { describe, expect, it } from "vitest";
import { SettingReader } from "../../src/config/settingReader.js";
import { settingDefault } from "../../src/config/settings.js";
import { parseIngestionSettings } from "../../src/config/ingestionSettings.js";
import { learnBaseline, marginFor, THIN_SAMPLES } from "../../src/ingestion/baseline.js";
import { detectSilence } from "../../src/ingestion/silence.js";
import { SILENCE_SETTINGS as SETTINGS } from "./silenceSettings.js";
import { holidayCalendar, holidayEntriesOfDays, weekBucket } from "../../src/ingestion/holidays.js";
import { analyzeFreshness } from "../../src/checks/freshness.js";
import { DAY, HOUR, MINUTE, hourOfWeek } from "../../src/ingestion/history.js";
import { aggregateHourly, generateTrace } from "../../bench/trafficModel.js";
import { clockOf } from "../../src/core/calendar.js";

/** A Wednesday that the traces below make a holiday. */
const HOLIDAY = Date.parse("2026-03-04T00:00:00Z");
const HOLIDAY_DAY = Math.floor(HOLIDAY / DAY);

function parse(holidays: string | undefined) {
  const r = new SettingReader(holidays === undefined ? {} : { HOLIDAYS: holidays }, settingDefault);
  return { holidays: parseIngestionSettings(r).holidays, problems: r.problems };
}

/** Three weeks of traffic with HOLIDAY at weekend pace, minus the events in [cutFrom, now). */
function verdict(now: number, cutFrom: number, seed: number, listed: boolean) {
  const events = generateTrace(seed, now - 21 * DAY, now, new Set([HOLIDAY_DAY])).filter(
    (e) => e.timeGenerated < cutFrom,
  );
  const rows = aggregateHourly(events, now - 14 * DAY, now);
  const holidays = listed ? holidayCalendar(holidayEntriesOfDays([HOLIDAY_DAY])) : undefined;
  return detectSilence(rows, learnBaseline(rows, holidays ? { holidays } : {}), now, SETTINGS);
}

describe("HOLIDAYS setting", () => {
  it("accepts recurring MM-DD and one-off YYYY-MM-DD dates, blanks and repeats ignored; unset is empty", () => {
    expect(parse(" 01-01, 12-25,,2026-04-06 , 02-29, 2024-02-29, 12-25 ")).toEqual({
      holidays: ["01-01", "12-25", "2026-04-06", "02-29", "2024-02-29"],
      problems: [],
    });
    expect(parse(undefined)).toEqual({ holidays: [], problems: [] });
  });

  it("names the setting and every bad entry", () => {
    const { problems } = parse("12-25, 25-12, 2026-02-29, 04-31, christmas, 2026-1-5");
    expect(problems).toEqual([
      {
        setting: "HOLIDAYS",
        message: expect.stringMatching(/^no such date: "25-12", expected MM-DD .* or YYYY-MM-DD/),
      },
      { setting: "HOLIDAYS", message: expect.stringMatching(/^no such date: "2026-02-29"/) },
      { setting: "HOLIDAYS", message: expect.stringMatching(/^no such date: "04-31"/) },
      { setting: "HOLIDAYS", message: expect.stringMatching(/^not a date: "christmas"/) },
      { setting: "HOLIDAYS", message: expect.stringMatching(/^not a date: "2026-1-5"/) },
    ]);
  });

  it("matches recurring entries every year and one-off entries once; a holiday counts as Sunday's hours", () => {
    const cal = holidayCalendar(["12-25", "2026-05-01"])!;
    expect(cal.has(Date.parse("2026-12-25T13:00:00Z"))).toBe(true);
    expect(cal.has(Date.parse("2027-12-25T00:00:00Z"))).toBe(true);
    expect(cal.has(Date.parse("2026-05-01T23:59:00Z"))).toBe(true);
    expect(cal.has(Date.parse("2027-05-01T12:00:00Z"))).toBe(false);
    const friday = Date.parse("2026-12-25T13:00:00Z");
    expect(weekBucket(friday, cal)).toBe(13); // Sunday 13:00
    expect(weekBucket(friday, undefined)).toBe(hourOfWeek(friday));
    const saturday = Date.parse("2027-12-25T13:00:00Z"); // a listed weekend day stays itself
    expect(weekBucket(saturday, cal)).toBe(hourOfWeek(saturday));
    expect(holidayCalendar([])).toBeUndefined();
  });

  it("puts a moment in the bucket of the hourly row that counts its events, also on half-hour and 45-minute zones", () => {
    const monday = Date.parse("2026-03-02T00:00:00Z");
    for (const zone of ["Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Europe/London"]) {
      const cal = holidayCalendar(["2026-03-04"], clockOf(zone));
      for (let t = monday; t < monday + 7 * DAY; t += 5 * MINUTE)
        expect(weekBucket(t, cal), `${zone} ${new Date(t).toISOString()}`).toBe(
          weekBucket(Math.floor(t / HOUR) * HOUR, cal),
        );
    }
    // 11:40 UTC is 17:10 in Kolkata, but its events are in the 11:00 UTC row: Monday 16:30-17:30
    expect(weekBucket(monday + 11 * HOUR + 40 * MINUTE, holidayCalendar([], clockOf("Asia/Kolkata")))).toBe(24 + 16);
  });
});

describe("adaptive silence with HOLIDAYS", () => {
  it("alerts on a real outage that begins at 01:00 on a listed holiday (a weekday night)", () => {
    for (const seed of [7, 8, 9]) {
      const start = HOLIDAY + 1 * HOUR;
      let at: number | undefined;
      for (let now = start; now <= start + 12 * HOUR && at === undefined; now += 5 * MINUTE)
        if (verdict(now, start, seed, true).silent) at = now;
      expect(at, `seed ${seed}: never detected`).toBeDefined();
      // holiday nights are judged like weekend nights (gaps of up to 5 hours), not by the 12-hour ceiling
      expect(at! - start, `seed ${seed}`).toBeLessThan(10 * HOUR);
      const f = analyzeFreshness(verdict(at!, start, seed, true), "/t", 14);
      expect(f).toMatchObject({ check: "ingestion.freshness", status: "problem", severity: "critical" });
      expect(f.summary).toMatch(/today is a holiday in HOLIDAYS, judged like a weekend day/);
    }
  });

  it("lets a quiet holiday afternoon (weekend pace) be when HOLIDAYS names it", () => {
    for (const seed of [7, 8, 9, 10])
      for (let now = HOLIDAY + 12 * HOUR; now <= HOLIDAY + 18 * HOUR; now += 10 * MINUTE) {
        const v = verdict(now, now, seed, true);
        expect(v.silent, `seed ${seed} ${new Date(now).toISOString()}: ${v.why}`).toBe(false);
        expect(v.why).toMatch(/holiday in HOLIDAYS/);
      }
  });

  it("judges the night into a listed holiday that a working evening ran into by working-night gaps too", () => {
    // events stop Tuesday 22:00; the Wednesday holiday's night is judged until 06:00
    const cut = HOLIDAY - 2 * HOUR;
    let widened = 0;
    for (const seed of [7, 8, 9])
      for (let now = HOLIDAY + HOUR; now <= HOLIDAY + 6 * HOUR; now += 30 * MINUTE) {
        const [listed, working] = [verdict(now, cut, seed, true), verdict(now, cut, seed, false)];
        const at = `seed ${seed} ${new Date(now).toISOString()}: ${listed.why}`;
        expect(listed.thresholdMinutes, at).toBeGreaterThanOrEqual(working.thresholdMinutes);
        if (listed.silent) expect(working.silent, at).toBe(true);
        if (/a working night's gaps are plausible too/.test(listed.why)) widened++;
      }
    expect(widened).toBeGreaterThan(0);
  });

  it("judges a working night after a listed holiday by working-night gaps: an outage from Wed 23:00 is caught no later, often earlier", () => {
    // the week after the holiday: without HOLIDAYS the gap carried over from Wednesday may still be a holiday's
    const start = HOLIDAY + 7 * DAY + 23 * HOUR;
    const firstAlarm = (seed: number, listed: boolean) => {
      for (let now = start; now <= start + 12 * HOUR; now += 5 * MINUTE)
        if (verdict(now, start, seed, listed).silent) return now - start;
      return Infinity;
    };
    let earlier = 0;
    for (const seed of [7, 8, 9]) {
      const [withCalendar, without] = [firstAlarm(seed, true), firstAlarm(seed, false)];
      expect(withCalendar, `seed ${seed}`).toBeLessThan(8 * HOUR);
      expect(withCalendar, `seed ${seed}`).toBeLessThanOrEqual(without);
      if (withCalendar < without) earlier++;
    }
    expect(earlier).toBeGreaterThan(0);
  });
  it("judges a gap that began after midnight of a listed working day by working-night gaps: a Thu 01:00 outage is caught before 07:00", () => {
    // the week after the holiday, one trace per seed; without HOLIDAYS the night stays open to a holiday's (weekend) gaps
    const start = HOLIDAY + 8 * DAY + 1 * HOUR;
    const firstAlarm = (seed: number, listed: boolean, cutFrom: number) => {
      const all = generateTrace(seed, start - 21 * DAY, start + 12 * HOUR, new Set([HOLIDAY_DAY]));
      const events = all.filter((e) => e.timeGenerated < cutFrom);
      const holidays = listed ? holidayCalendar(holidayEntriesOfDays([HOLIDAY_DAY])) : undefined;
      for (let now = start; now <= start + 6 * HOUR; now += 5 * MINUTE) {
        const rows = aggregateHourly(
          events.filter((e) => e.timeGenerated <= now),
          now - 14 * DAY,
          now,
        );
        const v = detectSilence(rows, learnBaseline(rows, holidays ? { holidays } : {}), now, SETTINGS);
        if (v.silent) return { after: now - start, v };
      }
      return undefined;
    };
    for (const seed of [1, 5, 11]) {
      const withCalendar = firstAlarm(seed, true, start);
      expect(withCalendar, `seed ${seed}: not detected before 07:00`).toBeDefined();
      expect(withCalendar!.v.lastEvent, `seed ${seed}`).toBeGreaterThanOrEqual(start - HOUR); // the gap began on Thursday
      const without = firstAlarm(seed, false, start);
      expect(without === undefined || without.after > withCalendar!.after, `seed ${seed}`).toBe(true);
      // the same night without an outage stays quiet with the calendar set
      expect(firstAlarm(seed, true, Infinity), `seed ${seed}`).toBeUndefined();
    }
  });
});

describe("silence threshold details", () => {
  it("gives thin buckets more head-room: the margin falls as samples grow, with no thin extra from THIN_SAMPLES on", () => {
    expect(marginFor(10)).toBeGreaterThan(marginFor(15));
    expect(marginFor(15)).toBeGreaterThan(marginFor(THIN_SAMPLES));
    expect(marginFor(10) - marginFor(THIN_SAMPLES)).toBeGreaterThan(0.4);
    expect(marginFor(THIN_SAMPLES) - marginFor(45)).toBeLessThan(0.05);
    expect(marginFor(45)).toBeGreaterThan(1.5);
  });

  it("compares the exact gap with the threshold, not the whole minutes shown", () => {
    const last = Date.parse("2026-03-02T10:00:00Z");
    const rows = [
      { hour: last, events: 1, maxGapMinutes: null, lastEvent: last, latencyP50Minutes: 3, latencyP95Minutes: 3 },
    ];
    const s = { ...SETTINGS, fixedThresholdMinutes: 60 };
    const at = (ms: number) => detectSilence(rows, learnBaseline(rows), last + ms, s);
    expect(at(60 * MINUTE).silent).toBe(false);
    expect(at(60 * MINUTE + 30_000)).toMatchObject({ silent: true, gapMinutes: 60 });
  });
});
