import { describe, expect, it } from "vitest";
import { analyzeFreshness } from "../../src/checks/freshness.js";
import {
  clockOf,
  describeLocalHour,
  localMidnight,
  parseWeekendDays,
  zoneLabel,
  type Clock,
} from "../../src/core/calendar.js";
import { alignRows, DAY, HOUR, MINUTE, rowStart, type HourlyRow } from "../../src/ingestion/history.js";
import { holidayCalendar, weekBucket } from "../../src/ingestion/holidays.js";
import { localHourOfWeek } from "../../src/core/calendar.js";
import { learnOnClock } from "../../src/ingestion/silence.js";
import { runIngestionWatch, type IngestionReader } from "../../src/ingestion/watch.js";
import { found } from "../../src/core/observation.js";
import { SILENCE_SETTINGS } from "./silenceSettings.js";
import { rowsOf, verdict } from "./localTraffic.js";

const SYDNEY = clockOf("Australia/Sydney");
const RIYADH = clockOf("Asia/Riyadh", [5, 6]);
/** The first check (every 5 min) in [from, to) at which the verdict is silence. */
function firstAlarm(people: Clock, from: number, to: number, monitor: Clock | "learned" | "utc", cut: boolean) {
  for (let now = from; now < to; now += 5 * MINUTE) {
    const v = verdict(rowsOf(people, now, cut ? from : now), now, monitor);
    if (v.silent) return { now, v };
  }
  return undefined;
}

/** The first alarm during a 50-minute outage from `start`. */
const outageAlarm = (people: Clock, start: number, monitor: Clock | "learned" | "utc") =>
  firstAlarm(people, start, start + 50 * MINUTE, monitor, true);
/** The first alarm during a 50-minute outage from `start`, which must come within its first half hour. */
function caughtInHalfHour(people: Clock, start: number, monitor: Clock | "learned") {
  const alarm = outageAlarm(people, start, monitor);
  expect(alarm, "never detected").toBeDefined();
  expect(alarm!.now - start).toBeLessThanOrEqual(30 * MINUTE);
  return alarm!;
}

describe("the customer's clock", () => {
  it("reads offsets, DST and half hours from the platform's time-zone data", () => {
    const jan = Date.parse("2026-01-12T00:00:00Z");
    const jul = Date.parse("2026-07-13T00:00:00Z");
    expect(SYDNEY.offsetAt(jan) / HOUR).toBe(11);
    expect(SYDNEY.offsetAt(jul) / HOUR).toBe(10);
    expect(describeLocalHour(jan - HOUR, SYDNEY)).toBe("Mon 10:00-11:00 Sydney time, UTC+11");
    expect(describeLocalHour(jan + 3 * HOUR, clockOf("Asia/Kolkata"))).toBe("Mon 08:30-09:30 Kolkata time, UTC+5:30");
    expect(describeLocalHour(jan + 3 * HOUR, undefined)).toBe("Mon 03:00-04:00 UTC");
    expect(zoneLabel(jan, clockOf("Etc/UTC"))).toBe("UTC");
    expect(zoneLabel(jan, clockOf({ offsetMinutes: 0 }))).toBe("UTC");
    expect(zoneLabel(jul, clockOf("America/Los_Angeles"))).toBe("Los Angeles time, UTC−7");
    // London's midnight after the spring change (29 March 2026, 01:00 UTC) is 23:00 UTC the day before
    const london = clockOf("Europe/London");
    expect(new Date(localMidnight(Date.parse("2026-03-30T12:00:00Z"), london)).toISOString()).toBe(
      "2026-03-29T23:00:00.000Z",
    );
    expect(new Date(localMidnight(Date.parse("2026-03-29T12:00:00Z"), london)).toISOString()).toBe(
      "2026-03-29T00:00:00.000Z",
    );
    expect(parseWeekendDays("fri, Saturday")).toEqual({ days: [5, 6] });
    expect(parseWeekendDays("Fri,Sab")).toEqual({ unknown: "Sab" });
  });
});

describe("silence on the customer's calendar", () => {
  // Monday 12 January 2026, 10:00 in Sydney (AEDT, UTC+11) is Sunday 23:00 UTC
  const SYDNEY_MONDAY_10AM = Date.parse("2026-01-11T23:00:00Z");
  // Saturday 17 January 2026, 03:00 in Sydney is Friday 16:00 UTC
  const SYDNEY_SATURDAY_3AM = Date.parse("2026-01-16T16:00:00Z");
  /** The verdicts every 10 min of a quiet Sydney Saturday from 03:00 to 09:00 that call it silence. */
  const saturdayAlarms = (seed: number, monitor: Clock | "learned" | "utc") => {
    const out: string[] = [];
    for (let now = SYDNEY_SATURDAY_3AM; now < SYDNEY_SATURDAY_3AM + 6 * HOUR; now += 10 * MINUTE) {
      const v = verdict(rowsOf(SYDNEY, now, now, now, seed), now, monitor);
      if (v.silent) out.push(`${new Date(now).toISOString()}: ${v.why}`);
    }
    return out;
  };
  // Sunday 18 January 2026, 10:00 in Riyadh (UTC+3, a working day) is 07:00 UTC
  const RIYADH_SUNDAY_10AM = Date.parse("2026-01-18T07:00:00Z");

  it.each(["set", "learned"] as const)(
    "catches a 50-minute outage on a Sydney Monday morning (zone %s), in its first half hour",
    (how) => {
      const alarm = caughtInHalfHour(SYDNEY, SYDNEY_MONDAY_10AM, how === "set" ? SYDNEY : "learned");
      expect(alarm.v.hourOfWeek).toMatch(
        how === "set" ? /^Mon 10:00-11:00 Sydney time, UTC\+11$/ : /^Mon 10:00-11:00 UTC\+11$/,
      );
      if (how === "learned") {
        expect(alarm.v.why).toMatch(/traffic looks like UTC\+11, weekend Sat–Sun \(learned/);
        expect(analyzeFreshness(alarm.v, "table", 14).evidence).toMatchObject({
          calendar: "traffic looks like UTC+11, weekend Sat–Sun",
        });
      } else expect(alarm.v.why).toMatch(/the customer's calendar: Australia\/Sydney, weekend Sat–Sun/);
    },
  );

  it.each(["set", "learned"] as const)("lets a quiet Sydney Saturday morning be (zone %s)", (how) => {
    for (const seed of [7, 8]) expect(saturdayAlarms(seed, how === "set" ? SYDNEY : "learned")).toEqual([]);
  });

  it.each(["set", "learned"] as const)(
    "catches a 50-minute outage on a Riyadh Sunday morning, a working day (weekend Fri–Sat, %s)",
    (how) => {
      caughtInHalfHour(RIYADH, RIYADH_SUNDAY_10AM, how === "set" ? RIYADH : "learned");
    },
  );

  it("the UTC calendar misses both outages (they fall on its weekend) and pages the quiet Saturday (its Friday night)", () => {
    expect(saturdayAlarms(7, "utc")).not.toEqual([]);
    expect(outageAlarm(SYDNEY, SYDNEY_MONDAY_10AM, "utc")).toBeUndefined();
    expect(outageAlarm(RIYADH, RIYADH_SUNDAY_10AM, "utc")).toBeUndefined();
  });
});

const KOLKATA = clockOf("Asia/Kolkata");
const HALF = 30 * MINUTE;

describe("rows on the local hours of a half-hour zone (TRAFFIC_TIME_ZONE=Asia/Kolkata)", () => {
  it("a moment belongs to the row starting at floor((t - phase) / 1h) * 1h + phase", () => {
    const t = Date.parse("2026-03-16T11:40:00Z");
    expect(new Date(rowStart(t, HALF)).toISOString()).toBe("2026-03-16T11:30:00.000Z");
    expect(new Date(rowStart(t - 11 * MINUTE, HALF)).toISOString()).toBe("2026-03-16T10:30:00.000Z");
    expect(new Date(rowStart(Date.parse("2026-03-16T11:30:00Z"), HALF)).toISOString()).toBe("2026-03-16T11:30:00.000Z");
    expect(new Date(rowStart(t, 15 * MINUTE)).toISOString()).toBe("2026-03-16T11:15:00.000Z");
    expect(new Date(rowStart(t, 45 * MINUTE)).toISOString()).toBe("2026-03-16T10:45:00.000Z");
    expect(rowStart(t, 0)).toBe(Date.parse("2026-03-16T11:00:00Z"));
    expect(rowStart(-10 * MINUTE, HALF)).toBe(-HALF); // before the epoch too
  });

  it("buckets every moment in its own local hour, not the UTC row's half-hour-early one", () => {
    const monday = Date.parse("2026-03-02T00:00:00Z");
    for (const [zone, phase] of [
      ["Asia/Kolkata", HALF],
      ["Asia/Kathmandu", 15 * MINUTE],
      ["America/St_Johns", HALF],
    ] as const) {
      const clock = clockOf(zone);
      const cal = holidayCalendar([], clock, phase);
      for (let t = monday; t < monday + 7 * DAY; t += 5 * MINUTE)
        expect(weekBucket(t, cal), `${zone} ${new Date(t).toISOString()}`).toBe(localHourOfWeek(t, clock));
    }
    // 11:40 UTC is 17:10 in Kolkata: the 17:00-18:00 row (on UTC rows it was 16:30-17:30's bucket, 16)
    const t = monday + 11 * HOUR + 40 * MINUTE;
    expect(weekBucket(t, holidayCalendar([], KOLKATA, HALF))).toBe(24 + 17);
    expect(weekBucket(t, holidayCalendar([], KOLKATA))).toBe(24 + 16);
  });

  it("learns on the rows' phase and names the verdict's hour by its local start", () => {
    const now = Date.parse("2026-03-18T05:10:00Z"); // Wed 10:40 in Kolkata
    const rows = rowsOf(KOLKATA, now, now, now, 7, HALF);
    expect(rows.every((r) => r.hour % HOUR === HALF)).toBe(true);
    expect(learnOnClock(rows, KOLKATA, []).baseline.holidays?.rowPhase).toBe(HALF);
    expect(verdict(rows, now, KOLKATA).hourOfWeek).toBe("Wed 10:00-11:00 Kolkata time, UTC+5:30");
    const utcRows = rowsOf(KOLKATA, now);
    expect(learnOnClock(utcRows, KOLKATA, []).baseline.holidays?.rowPhase).toBeUndefined();
    expect(verdict(utcRows, now, KOLKATA).hourOfWeek).toBe("Wed 10:30-11:30 Kolkata time, UTC+5:30");
  });

  it("catches a 50-minute outage on a Kolkata Monday morning on local-hour rows, in its first half hour, and lets the hour before be", () => {
    const start = Date.parse("2026-03-16T05:00:00Z"); // Mon 10:30 in Kolkata
    let alarm: number | undefined;
    for (let now = start; now < start + 50 * MINUTE && alarm === undefined; now += 5 * MINUTE)
      if (verdict(rowsOf(KOLKATA, now, start, now, 7, HALF), now, KOLKATA).silent) alarm = now;
    expect(alarm, "never detected").toBeDefined();
    expect(alarm! - start).toBeLessThanOrEqual(30 * MINUTE);
    for (let now = start - HOUR; now < start; now += 5 * MINUTE)
      expect(verdict(rowsOf(KOLKATA, now, now, now, 7, HALF), now, KOLKATA).silent, new Date(now).toISOString()).toBe(
        false,
      );
  });

  it("counts rows of another phase (written before the setting changed) in the row holding their start, none lost", () => {
    const now = Date.parse("2026-03-18T05:10:00Z");
    const split = now - 7 * DAY;
    // the first week binned on UTC hours, the second on Kolkata's local hours
    const mixed: HourlyRow[] = [
      ...rowsOf(KOLKATA, now).filter((r) => r.hour < split),
      ...rowsOf(KOLKATA, now, now, now, 7, HALF).filter((r) => r.hour >= split),
    ];
    const aligned = alignRows(mixed, HALF);
    expect(aligned.every((r) => r.hour % HOUR === HALF)).toBe(true);
    expect(new Set(aligned.map((r) => r.hour)).size).toBe(aligned.length);
    expect(aligned.reduce((n, r) => n + r.events, 0)).toBe(mixed.reduce((n, r) => n + r.events, 0));
    expect(Math.max(...aligned.map((r) => r.lastEvent))).toBe(Math.max(...mixed.map((r) => r.lastEvent)));
    // the 10:00 UTC row joins the 09:30 row; where both exist their counts add up
    const r10 = {
      hour: 10 * HOUR,
      events: 3,
      maxGapMinutes: 12,
      lastEvent: 10 * HOUR + 50 * MINUTE,
      latencyP50Minutes: 1,
      latencyP95Minutes: 4,
    };
    const r0930 = {
      hour: 9 * HOUR + HALF,
      events: 2,
      maxGapMinutes: null,
      lastEvent: 9 * HOUR + 40 * MINUTE,
      latencyP50Minutes: 2,
      latencyP95Minutes: 3,
    };
    expect(alignRows([r10, r0930], HALF)).toEqual([
      {
        hour: 9 * HOUR + HALF,
        events: 5,
        maxGapMinutes: 12,
        lastEvent: r10.lastEvent,
        latencyP50Minutes: 2,
        latencyP95Minutes: 4,
      },
    ]);
    expect(alignRows([r10], 0)).toEqual([r10]);
    // judged like the rows binned on the local hours throughout
    const v = verdict(aligned, now, KOLKATA);
    expect(v.silent).toBe(false);
    expect(v.hourOfWeek).toBe("Wed 10:00-11:00 Kolkata time, UTC+5:30");
  });
});

describe("the ingestion watch asks for rows on the local hours of a half-hour TRAFFIC_TIME_ZONE", () => {
  const now = Date.parse("2026-03-18T05:10:00Z");
  /** A run whose reader answers `answer(phase)` and notes the phase it was asked for. */
  async function run(zone: string | undefined, answer: (phase: number) => HourlyRow[]) {
    const asked: number[] = [];
    const none = () => Promise.resolve(found([]));
    const reader: IngestionReader = {
      hourly: (_days, phase) => {
        asked.push(phase);
        return Promise.resolve(found(answer(phase)));
      },
      callsSince: () => Promise.resolve(found({ byCode: {}, total: 0 })),
      callMinutesSince: none,
      signInsSince: none,
      dcrErrorsSince: none,
      dailyCapSince: none,
    };
    const result = await runIngestionWatch({
      reader,
      settings: {
        ...SILENCE_SETTINGS,
        baselineDays: 14,
        latencyWarnMinutes: 30,
        volumeDropPercent: 80,
        ...(zone ? { trafficTimeZone: zone } : {}),
      },
      now: () => new Date(now),
      driftFindings: () => Promise.resolve([]),
      resource: "/t",
    });
    return { asked, result };
  }

  it.each([
    ["Asia/Kolkata", HALF],
    ["Asia/Kathmandu", 15 * MINUTE],
    ["Europe/London", 0],
    [undefined, 0],
  ])("%s: rows %i ms past the UTC hour", async (zone, phase) => {
    const { asked, result } = await run(zone, (p) => rowsOf(zone ? clockOf(zone) : KOLKATA, now, now, now, 7, p));
    expect(asked).toEqual([phase]);
    expect(result.eventsPerHour?.every((p) => Date.parse(p.hour) % HOUR === phase)).toBe(true);
    expect(result.findings.find((f) => f.check === "ingestion.freshness")?.status).toBe("ok");
  });

  it("an answer on UTC hours to a Kolkata query is aligned to Kolkata's rows: no crash, no event lost", async () => {
    const utcRows = rowsOf(KOLKATA, now);
    const { result } = await run("Asia/Kolkata", () => utcRows);
    const points = result.eventsPerHour ?? [];
    expect(points.every((p) => Date.parse(p.hour) % HOUR === HALF)).toBe(true);
    const from = Date.parse(points[0]!.hour);
    const want = utcRows.filter((r) => rowStart(r.hour, HALF) >= from).reduce((n, r) => n + r.events, 0);
    expect(points.reduce((n, p) => n + p.count, 0)).toBe(want);
    const fresh = result.findings.find((f) => f.check === "ingestion.freshness")!;
    expect(fresh.status, fresh.summary).toBe("ok");
    expect(fresh.evidence?.["hourOfWeek"]).toBe("Wed 10:00-11:00 Kolkata time, UTC+5:30");
  });
});
