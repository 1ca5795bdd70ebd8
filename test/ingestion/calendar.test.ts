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
import { HOUR, MINUTE } from "../../src/ingestion/history.js";
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
