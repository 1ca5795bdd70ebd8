import { describe, expect, it } from "vitest";
import { learnBaseline } from "../../src/ingestion/baseline.js";
import { gapAnchor, paceChanges, paceProfile } from "../../src/ingestion/pace.js";
import { detectSilence } from "../../src/ingestion/silence.js";
import { SILENCE_SETTINGS as SETTINGS } from "./silenceSettings.js";
import { DAY, HOUR, MINUTE } from "../../src/ingestion/history.js";
import { aggregateHourly, generateTrace, type TraceEvent } from "../../bench/trafficModel.js";

const WEDNESDAY = Date.parse("2026-03-04T00:00:00Z");
const SATURDAY = Date.parse("2026-03-07T00:00:00Z");
const NO_HOLIDAYS = new Set<number>();

/** Weekday hours 0-23 then weekend hours 24-47: `perHour` events per hour, over `days` days of each kind. */
function totals(weekday: (h: number) => number, weekend: (h: number) => number, days = 10) {
  const events = [
    ...Array.from({ length: 24 }, (_, h) => weekday(h)),
    ...Array.from({ length: 24 }, (_, h) => weekend(h)),
  ];
  return { events: events.map((v) => v * days), hours: new Array<number>(48).fill(days) };
}

const rowsUpTo = (events: readonly TraceEvent[], now: number) =>
  aggregateHourly(
    events.filter((e) => e.timeGenerated <= now),
    now - 14 * DAY,
    now,
  );

/**
 * Regular traffic: weekdays every 5 min in office hours, every 30 min in the evening and from 07:00,
 * every 150 min at night; weekend nights at 01:30, 04:30 and 22:30 (each up to 80 min later, by
 * day), weekend days from 07:20-07:50 every 50-100 min.
 */
function shapedTraffic(from: number, to: number): number[] {
  const out: number[] = [];
  for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
    const n = Math.floor(day / DAY);
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    const at = (minutes: number) => out.push(day + minutes * MINUTE);
    if (weekend) {
      const late = (n * 23) % 80;
      for (const h of [1.5, 4.5, 22.5]) at(h * 60 + late);
      for (let m = 7 * 60 + 20 + ((n * 37) % 30), k = 0; m < 22 * 60; m += 50 + ((n * 13 + k++ * 29) % 50)) at(m);
    } else {
      for (let m = 40; m < 7 * 60; m += 150) at(m);
      for (let m = 7 * 60 + 10; m < 8 * 60; m += 30) at(m);
      for (let m = 8 * 60; m < 18 * 60; m += 5) at(m);
      for (let m = 18 * 60 + 15; m < 22 * 60; m += 30) at(m);
      at(23 * 60 + 10);
    }
  }
  return out.filter((t) => t >= from && t < to).sort((a, b) => a - b);
}

describe("pace changes", () => {
  it("fits the pace piecewise: a night that runs across midnight is one pace, busy hours another", () => {
    const { events, hours } = totals(
      (h) => (h >= 8 && h < 18 ? 20 : h >= 7 && h < 22 ? 3 : 0.5),
      (h) => (h >= 7 && h < 22 ? 1 : 0.4),
    );
    const { rate } = paceProfile(events, hours);
    expect(rate.slice(0, 24)).toEqual([
      ...Array<number>(7).fill(0.5),
      3,
      ...Array<number>(10).fill(20),
      ...Array<number>(4).fill(3),
      0.5,
      0.5,
    ]);
    expect(rate[24 + 3]).toBeCloseTo(0.4);
    expect(rate[24 + 12]).toBeCloseTo(1);
    const profile = { rate };
    // a Wednesday: changes at 07:00, 08:00, 18:00 and 22:00, none at midnight between two weekdays
    const wednesday = paceChanges(profile, WEDNESDAY - 1, WEDNESDAY + DAY, undefined).map(
      (c) => (c - WEDNESDAY) / HOUR,
    );
    expect(wednesday).toEqual([7, 8, 18, 22]);
    // Friday into Saturday is a new kind of day even at a similar pace
    const friday = SATURDAY - DAY;
    expect(paceChanges(profile, friday + 23 * HOUR, SATURDAY + 6 * HOUR, undefined)).toEqual([SATURDAY]);
    // a gap from Saturday 03:00 is measured from 07:00 at 08:30, from its start at 06:00
    expect(gapAnchor(profile, SATURDAY + 3 * HOUR, SATURDAY + 8.5 * HOUR, undefined)).toBe(SATURDAY + 7 * HOUR);
    expect(gapAnchor(profile, SATURDAY + 3 * HOUR, SATURDAY + 6 * HOUR, undefined)).toBe(SATURDAY + 3 * HOUR);
  });

  it("does not split noise into paces: flat traffic is one pace", () => {
    const noisy = [0.6, 0.2, 0.5, 0.4, 0.7, 0.3, 0.5, 0.6, 0.4, 0.5, 0.3, 0.6];
    const { events, hours } = totals(
      (h) => noisy[h % noisy.length]!,
      (h) => noisy[(h + 5) % noisy.length]!,
      4,
    );
    const { rate } = paceProfile(events, hours);
    expect(new Set(rate.slice(0, 24)).size).toBe(1);
    expect(new Set(rate.slice(24)).size).toBe(1);
  });

  it("learns the weekday paces from traffic: office hours, evening and night", () => {
    for (const seed of [7, 8, 9]) {
      const now = WEDNESDAY + 12 * HOUR;
      const events = generateTrace(seed, now - 15 * DAY, now, NO_HOLIDAYS);
      const { pace } = learnBaseline(rowsUpTo(events, now));
      const hoursOfChange = paceChanges(pace, WEDNESDAY - 1, WEDNESDAY + DAY - 1, undefined).map(
        (c) => (c - WEDNESDAY) / HOUR,
      );
      expect(hoursOfChange, `seed ${seed}`).toEqual(expect.arrayContaining([7, 8, 18]));
      expect(
        hoursOfChange.filter((h) => h > 8 && h < 18),
        `seed ${seed}`,
      ).toEqual([]);
    }
  });

  it("finds the weekend's morning and night where weekdays change pace, from 4 weekend days", () => {
    // weekend pace is learned from 4 days: alone, their hourly counts are too few to tell where the
    // morning starts; a weekday changes pace at the same hours, which makes a change there cheaper
    const found: string[] = [];
    for (const seed of [11, 23, 37, 41, 53, 67, 125, 149]) {
      const now = WEDNESDAY + 12 * HOUR;
      const { pace } = learnBaseline(rowsUpTo(generateTrace(seed, now - 15 * DAY, now, NO_HOLIDAYS), now));
      const sunday = SATURDAY + DAY;
      const hours = paceChanges(pace, sunday, sunday + DAY - 1, undefined).map((c) => (c - sunday) / HOUR);
      found.push(`seed ${seed}: ${hours.join(",")}`);
    }
    // the morning at 07:00 (08:00 when 07:00-08:00 looked like the night) and the night at 22:00
    for (const f of found) expect(f).toMatch(/: (.*,)?[78],(.*,)?22(,|$)/);
  });

  it("a gap that ran out before the pace changed stays silent after it", () => {
    // a working night from Tuesday 23:00: at 08:05 only 5 min have passed since office hours began
    const now = WEDNESDAY + 8 * HOUR + 5 * MINUTE;
    const events = generateTrace(7, now - 21 * DAY, now, NO_HOLIDAYS).filter((e) => e.timeGenerated < WEDNESDAY - HOUR);
    const rows = aggregateHourly(events, now - 14 * DAY, now);
    const v = detectSilence(rows, learnBaseline(rows), now, SETTINGS);
    expect(v.silent, v.why).toBe(true);
    expect(v.why).toMatch(/the gap ran out before the pace changed at 0[78]:00 UTC/);
    expect(v.gapMinutes).toBeGreaterThan(v.thresholdMinutes);
  });

  it("lets a quiet weekend night that runs into the morning be: judged from when the morning began", () => {
    // Saturday: no event since the night's 01:30-02:50 one (08:45: about 6-7 h), while past weekend
    // nights always had one at 04:30-05:50 (so no night gap ran into the morning this long)
    const now = SATURDAY + 8 * HOUR + 45 * MINUTE;
    const events = shapedTraffic(now - 15 * DAY, now).filter((t) => t < SATURDAY + 3 * HOUR);
    const quietSince = events.at(-1)!;
    expect(quietSince).toBeGreaterThan(SATURDAY + HOUR);
    const rows = aggregateHourly(
      events.map((t) => ({ timeGenerated: t, timestamp: t - MINUTE })),
      now - 14 * DAY,
      now,
    );
    const baseline = learnBaseline(rows);
    expect(gapAnchor(baseline.pace, quietSince, now, undefined)).toBe(SATURDAY + 7 * HOUR);
    for (let t = SATURDAY + 7 * HOUR; t <= now; t += 5 * MINUTE) {
      const v = detectSilence(rows, baseline, t, SETTINGS);
      expect(v.silent, `${new Date(t).toISOString()}: ${v.why}`).toBe(false);
      expect(v.why).toMatch(/measured from 07:00 UTC, when the pace changed/);
    }
    // the same gap an hour later than any morning's first event is an outage
    const late = detectSilence(rows, baseline, SATURDAY + 11 * HOUR, SETTINGS);
    expect(late.silent, late.why).toBe(true);
  });

  it("catches a night outage running into the weekend morning once the morning is clearly late, judging the gap whole too", () => {
    for (const day of [SATURDAY, SATURDAY + DAY]) {
      let alarm: { at: number; why: string } | undefined;
      for (let t = day + 3 * HOUR; t <= day + 12 * HOUR && !alarm; t += 5 * MINUTE) {
        const events = shapedTraffic(t - 15 * DAY, t).filter((x) => x < day + 3 * HOUR);
        const rows = aggregateHourly(
          events.map((x) => ({ timeGenerated: x, timestamp: x - MINUTE })),
          t - 14 * DAY,
          t,
        );
        const v = detectSilence(rows, learnBaseline(rows), t, SETTINGS);
        if (v.silent) alarm = { at: t, why: v.why };
      }
      expect(alarm, new Date(day).toISOString()).toBeDefined();
      // mornings' first events come by 07:50 and later gaps last ≤ 100 min: 09:50 would be a full margin
      // after the pace changed, while the whole gap has long outlasted every night's; judged whole it
      // is WHOLE_GAP_CONFIRM (1.5) × the longest gap since a change past 07:00
      expect((alarm!.at - day) / HOUR, alarm!.why).toBeGreaterThanOrEqual(9.25);
      expect((alarm!.at - day) / HOUR, alarm!.why).toBeLessThanOrEqual(9.6);
      expect(alarm!.why).toMatch(/judged whole as well/);
    }
  });
});
