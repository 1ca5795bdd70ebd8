import { describe, expect, it } from "vitest";
import { clockOf, type Clock } from "../../src/core/calendar.js";
import { learnClock } from "../../src/ingestion/learnClock.js";
import { DAY, HOUR, MINUTE } from "../../src/ingestion/history.js";
import { rowsOf, verdict } from "./localTraffic.js";
import { aggregateHourly, generateTrace } from "../../bench/trafficModel.js";

const SYDNEY = clockOf("Australia/Sydney");
const RIYADH = clockOf("Asia/Riyadh", [5, 6]);
const LONDON = clockOf("Europe/London");

/** Every five weeks of 2026: ends that put each zone's DST changes inside some histories and not others. */
const YEAR = Array.from({ length: 11 }, (_, i) => Date.parse("2026-01-05T12:00:00Z") + i * 35 * DAY);

describe("the learned clock", () => {
  it("learns the offset from the quiet night and the weekend from the quiet days, and says UTC on UTC traffic", () => {
    const end = Date.parse("2026-02-02T00:00:00Z");
    expect(learnClock(rowsOf(SYDNEY, end)).learned).toBe("traffic looks like UTC+11, weekend Sat–Sun");
    expect(learnClock(rowsOf(RIYADH, end)).learned).toBe("traffic looks like UTC+3, weekend Fri–Sat");
    expect(learnClock(rowsOf(clockOf("UTC"), end)).learned).toBe("traffic looks like UTC, weekend Sat–Sun");
    // a set value always wins; only what is unset is learned
    expect(learnClock(rowsOf(RIYADH, end), { zone: "Asia/Riyadh" })).toMatchObject({
      zone: "Asia/Riyadh",
      weekend: [5, 6],
      learned: "weekend Fri–Sat",
    });
    expect(learnClock([]).learned).toBe(
      "traffic shows no quiet night, so UTC, weekend Sat–Sun (the history cannot tell)",
    );
  });

  it("does not take a holiday, the only whole Thursday in the history, for a weekend day", () => {
    const end = Date.parse("2026-04-02T06:30:00Z"); // a Thursday: the history's first Thursday is cut short
    const holiday = Math.floor(Date.parse("2026-03-26T00:00:00Z") / DAY);
    for (const seed of [7, 8, 9]) {
      const events = generateTrace(seed, end - 21 * DAY, end, new Set([holiday]), clockOf("UTC"));
      const clock = learnClock(aggregateHourly(events, end - 14 * DAY, end));
      expect(clock.learned, `seed ${seed}`).toBe("traffic looks like UTC, weekend Sat–Sun");
    }
  });

  it.each([
    ["America/Los_Angeles", "2026-03-17T12:00:00Z", -8, -7, "Los Angeles time, UTC−7"],
    ["Australia/Sydney", "2026-04-09T12:00:00Z", 11, 10, "Sydney time, UTC+10"],
    ["Europe/London", "2026-11-03T12:00:00Z", 1, 0, "London time, UTC"],
  ])("follows %s when its DST change is in the history (to %s)", (zone, iso, before, after, label) => {
    const end = Date.parse(iso);
    const clock = learnClock(rowsOf(clockOf(zone), end));
    expect(clock.zone).toBe(zone);
    expect(clock.offsetAt(end - 13 * DAY) / HOUR).toBe(before);
    expect(clock.offsetAt(end) / HOUR).toBe(after);
    expect(clock.learned).toBe(`traffic looks like ${label} (it follows DST), weekend Sat–Sun`);
  });

  it.each([
    ["UTC", clockOf("UTC")],
    ["Asia/Riyadh", RIYADH],
    ["Asia/Kolkata", clockOf("Asia/Kolkata")],
  ])("takes no DST zone for traffic on %s, whatever the month", (_name, people: Clock) => {
    for (const end of YEAR) expect(learnClock(rowsOf(people, end)).zone, new Date(end).toISOString()).toBeUndefined();
  });

  it("keeps the clock after a DST change beside a fixed offset while the history cannot show it yet", () => {
    // London's spring change was at 01:00 UTC on 29 March 2026; at noon the history holds a quiet Sunday morning
    const end = Date.parse("2026-03-29T12:00:00Z");
    const clock = learnClock(rowsOf(LONDON, end));
    expect(clock.offsetAt(end)).toBe(0);
    expect(clock.alternatives?.map((c) => c.offsetAt(end) / HOUR)).toContain(1);
    // a week on, the history shows the change and the clock is London's
    expect(learnClock(rowsOf(LONDON, end + 7 * DAY)).zone).toBe("Europe/London");
    // two working days on, UTC traffic that kept its hours drops London's clock; London's traffic keeps it
    const tuesday = Date.parse("2026-03-31T12:00:00Z");
    expect(learnClock(rowsOf(clockOf("UTC"), tuesday)).alternatives).toBeUndefined();
    const london = learnClock(rowsOf(LONDON, tuesday));
    expect(london.zone === "Europe/London" || london.alternatives?.some((c) => c.offsetAt(tuesday) === HOUR)).toBe(
      true,
    );
    // on UTC traffic in July no zone changed lately: nothing beside the clock
    expect(learnClock(rowsOf(clockOf("UTC"), Date.parse("2026-07-15T12:00:00Z"))).alternatives).toBeUndefined();
  });
});

describe("silence across a DST change", () => {
  /** The checks every 10 min in [from, to) whose verdict is silence, the traffic on `people`'s clock. */
  function alarms(people: Clock, from: number, to: number, monitor: "learned" | "utc", seed: number) {
    const events = generateTrace(seed, from - 21 * DAY, to, new Set(), people);
    const out: string[] = [];
    for (let now = from; now < to; now += 10 * MINUTE) {
      const rows = aggregateHourly(
        events.filter((e) => e.timeGenerated <= now),
        now - 14 * DAY,
        now,
      );
      if (verdict(rows, now, monitor).silent) out.push(new Date(now).toISOString());
    }
    return out;
  }
  // the Monday after London's spring change: the office empties at its usual local hour, an hour earlier in UTC
  const EVENING = Date.parse("2026-03-30T16:00:00Z");

  it("lets the first evening after the change be quiet an hour early, learned, where a UTC clock pages", () => {
    const paged = [1, 2, 3, 4].filter((seed) => alarms(LONDON, EVENING, EVENING + 4 * HOUR, "utc", seed).length > 0);
    expect(paged.length).toBeGreaterThan(0);
    for (const seed of paged) expect(alarms(LONDON, EVENING, EVENING + 4 * HOUR, "learned", seed)).toEqual([]);
  }, 120_000);
});
