import { describe, expect, it } from "vitest";
import { learnBaseline } from "../../src/ingestion/baseline.js";
import { detectSilence } from "../../src/ingestion/silence.js";
import { SILENCE_SETTINGS as SETTINGS } from "./silenceSettings.js";
import { analyzeLatency } from "../../src/ingestion/latency.js";
import { analyzeVolume } from "../../src/ingestion/volume.js";
import { analyzeFreshness } from "../../src/checks/freshness.js";
import { DAY, HOUR, MINUTE, type HourlyRow } from "../../src/ingestion/history.js";
import { aggregateHourly, generateTrace, latestNextEvent, type TraceEvent } from "../../bench/trafficModel.js";

const SUNDAY_3AM = Date.parse("2026-03-08T03:00:00Z");
const WEDNESDAY_11AM = Date.parse("2026-03-04T11:00:00Z");
const NO_HOLIDAYS = new Set<number>();

/** Three weeks of traffic up to `end`, minus the events in [cutFrom, end). */
function history(end: number, cutFrom = end, days = 21, seed = 7): { rows: HourlyRow[]; events: TraceEvent[] } {
  const events = generateTrace(seed, end - days * DAY, end, NO_HOLIDAYS).filter((e) => e.timeGenerated < cutFrom);
  return { rows: aggregateHourly(events, end - 14 * DAY, end), events };
}

const emptyBucket = () => ({ staleness: [], openedIn: [], counts: [] });

function verdictAt(now: number, cutFrom = now, s = SETTINGS, days = 21, seed = 7) {
  const { rows } = history(now, cutFrom, days, seed);
  return detectSilence(rows, learnBaseline(rows), now, s);
}

describe("adaptive silence", () => {
  it("lets quiet nights be: no alert on any night of the week, for several seeds", () => {
    for (const seed of [1, 2, 3, 4, 5])
      for (let d = 0; d < 7; d++)
        for (const h of [23, 1, 3, 5]) {
          const now = SUNDAY_3AM + d * DAY + (h - 3) * HOUR;
          const v = verdictAt(now, now, SETTINGS, 21, seed);
          expect(v.silent, `seed ${seed} ${new Date(now).toISOString()}: ${v.why}`).toBe(false);
        }
  });

  it("lets a 100-minute gap at 03:00 on a Sunday pass, which the fixed 60-minute rule would page", () => {
    const { events } = history(SUNDAY_3AM, SUNDAY_3AM - 100 * MINUTE);
    events.push({ timeGenerated: SUNDAY_3AM - 100 * MINUTE, timestamp: SUNDAY_3AM - 104 * MINUTE });
    const rows = aggregateHourly(events, SUNDAY_3AM - 14 * DAY, SUNDAY_3AM);
    const v = detectSilence(rows, learnBaseline(rows), SUNDAY_3AM, SETTINGS);
    expect(v.gapMinutes).toBe(100);
    expect(v.silent, v.why).toBe(false);
    expect(v.learned).toBe("baseline");
    expect(v.thresholdMinutes).toBeGreaterThan(100);
  });

  it("alerts on a real outage that began at 03:00 on a Sunday, once the gap is implausible for the hour", () => {
    const start = SUNDAY_3AM;
    let detectedAt: number | undefined;
    for (let now = start; now <= start + 14 * HOUR; now += 5 * MINUTE) {
      if (verdictAt(now, start).silent) {
        detectedAt = now;
        break;
      }
    }
    expect(detectedAt, "never detected").toBeDefined();
    // weekend-night gaps reach 4-5 hours in this traffic; the ceiling is 12 h
    expect(detectedAt! - start).toBeLessThanOrEqual(12 * HOUR);
    const f = analyzeFreshness(verdictAt(detectedAt!, start), "/t", 14);
    expect(f).toMatchObject({ check: "ingestion.freshness", status: "problem", severity: "critical" });
    expect(f.summary).toMatch(
      /^No Keeper event for \d+ (?:min|h|days?)(?: \d+ (?:min|h))?; at this hour of the week \(Sun \d\d:00-\d\d:00 UTC\) events normally arrive every ≤ \d+ min/,
    );
    expect(f.evidence).toMatchObject({ learned: "baseline", lastEvent: expect.any(String) });
  });

  it("alerts within 25 minutes on a Wednesday morning, when events normally arrive every few minutes", () => {
    const start = WEDNESDAY_11AM;
    expect(verdictAt(start + 15 * MINUTE, start).silent).toBe(false);
    const v = verdictAt(start + 25 * MINUTE, start);
    expect(v.silent, v.why).toBe(true);
    expect(v.thresholdMinutes).toBe(20); // the floor: busy hours learn gaps of a few minutes
  });

  it("uses the fixed fallback while history is short, and an explicit override always", () => {
    const short = verdictAt(SUNDAY_3AM, SUNDAY_3AM - 70 * MINUTE, SETTINGS, 4);
    expect(short).toMatchObject({ learned: "fallback", thresholdMinutes: 60, silent: true });
    expect(short.why).toMatch(/fixed fallback 60 min: only [\d.]+ days of history/);
    const over = verdictAt(SUNDAY_3AM, SUNDAY_3AM - 50 * MINUTE, { ...SETTINGS, fixedThresholdMinutes: 45 });
    expect(over).toMatchObject({ learned: "override", thresholdMinutes: 45, silent: true });
  });

  it("never learns from the ongoing gap and honours floor and ceiling", () => {
    const v = verdictAt(SUNDAY_3AM + 3 * DAY, SUNDAY_3AM);
    expect(v.silent).toBe(true);
    expect(v.thresholdMinutes).toBeLessThanOrEqual(720);
    const tight = verdictAt(SUNDAY_3AM, SUNDAY_3AM - 100 * MINUTE, { ...SETTINGS, silenceMaxMinutes: 90 });
    expect(tight).toMatchObject({ thresholdMinutes: 90, silent: true });
    const loose = verdictAt(WEDNESDAY_11AM, WEDNESDAY_11AM - 5 * MINUTE, { ...SETTINGS, silenceMinMinutes: 40 });
    expect(loose.thresholdMinutes).toBe(40);
  });

  it("stretches the threshold on a holiday (weekday at weekend pace) instead of crying wolf", () => {
    const holiday = Math.floor(WEDNESDAY_11AM / DAY);
    const end = WEDNESDAY_11AM;
    const events = generateTrace(7, end - 21 * DAY, end, new Set([holiday]));
    const lastBefore = events.filter((e) => e.timeGenerated < end - 50 * MINUTE);
    const rows = aggregateHourly(lastBefore, end - 14 * DAY, end);
    const v = detectSilence(rows, learnBaseline(rows), end, SETTINGS);
    expect(v.quietFactor).toBeGreaterThan(1);
    expect(v.silent, v.why).toBe(false);
  });

  it("judges an hour that past outages left without samples by the longest gap on such days, not the 60-min fallback", () => {
    const saturdayNight = Date.parse("2026-03-07T23:50:00Z");
    const { rows } = history(saturdayNight, saturdayNight - 130 * MINUTE);
    const baseline = learnBaseline(rows);
    // what two past outages over both weekends' late evenings leave: no sample within 2 hours of 23:00
    for (const day of [6, 0]) for (const h of [21, 22, 23, 0, 1]) baseline.buckets[day * 24 + h] = emptyBucket();
    const v = detectSilence(rows, baseline, saturdayNight, SETTINGS);
    expect(v.learned).toBe("baseline");
    expect(v.why).toMatch(/no gap learned at this hour of the week .* the longest gap of any hour on this kind of day/);
    const weekendMax = Math.max(
      ...[6, 0].flatMap((d) => baseline.buckets.slice(d * 24, d * 24 + 24).flatMap((b) => b.staleness)),
    );
    expect(v.usualMaxGapMinutes).toBe(Math.ceil(weekendMax));
    expect(v.silent, v.why).toBe(false);
    // with nothing learned on weekend days at all, the fallback says why (not "too little history")
    for (const day of [6, 0]) for (let h = 0; h < 24; h++) baseline.buckets[day * 24 + h] = emptyBucket();
    const none = detectSilence(rows, baseline, saturdayNight, SETTINGS);
    expect(none.learned).toBe("fallback");
    expect(none.why).toMatch(/no gap learned on this kind of day/);
  });

  it("says there was no event at all in the window", () => {
    const v = detectSilence([], learnBaseline([]), SUNDAY_3AM, SETTINGS);
    expect(v.silent).toBe(true);
    expect(analyzeFreshness(v, "/t", 14).summary).toBe("No Keeper event arrived in the last 14 days.");
  });
});

describe("latency and volume", () => {
  const row = (hour: number, events: number, p95: number | null): HourlyRow => ({
    hour,
    events,
    maxGapMinutes: 3,
    lastEvent: hour + 50 * MINUTE,
    latencyP50Minutes: p95 === null ? null : p95 / 3,
    latencyP95Minutes: p95,
  });
  const now = Date.parse("2026-03-04T11:20:00Z");
  const h = Date.parse("2026-03-04T11:00:00Z");

  it("warns when the last hour's p95 batching delay exceeds LATENCY_WARN_MINUTES", () => {
    expect(analyzeLatency([row(h - HOUR, 30, 12), row(h, 10, 45)], now, 30, "/t")).toMatchObject({
      status: "problem",
      severity: "warning",
      evidence: { p95Minutes: 45, warnMinutes: 30 },
    });
    expect(analyzeLatency([row(h - HOUR, 30, 12), row(h, 10, 9)], now, 30, "/t").status).toBe("ok");
    expect(analyzeLatency([row(h - 5 * HOUR, 30, 99)], now, 30, "/t").summary).toMatch(
      /No Keeper events in the last hour/,
    );
  });

  it("warns on a sudden drop while events still trickle in, not on a full stop or a quiet hour", () => {
    const { rows } = history(now);
    const baseline = learnBaseline(rows);
    const keep = rows.filter((r) => r.hour < h - 2 * HOUR);
    const trickle = [...keep, row(h - 2 * HOUR, 2, 5), row(h - HOUR, 1, 5)];
    const f = analyzeVolume(trickle, baseline, now, 10, "/t");
    expect(f).toMatchObject({ check: "ingestion.volume", status: "problem", severity: "warning" });
    expect(f.summary).toMatch(/^Keeper sent 3 events in the last 2 hours, \d+ % of the usual/);
    expect(analyzeVolume(keep, baseline, now, 10, "/t").status).toBe("ok"); // nothing at all: freshness' job
    expect(analyzeVolume(rows, baseline, now, 10, "/t").status).toBe("ok");
    const night = Date.parse("2026-03-04T03:20:00Z");
    expect(analyzeVolume(history(night).rows, learnBaseline(history(night).rows), night, 10, "/t").status).toBe("ok");
  });
});

describe("robust baseline", () => {
  const FRIDAY_EVENING = Date.parse("2026-02-27T18:30:00Z"); // the Friday before SUNDAY_3AM's week
  const MONDAY_9AM = Date.parse("2026-03-09T09:00:00Z");
  const pastOutage = (e: TraceEvent) =>
    e.timeGenerated < FRIDAY_EVENING || e.timeGenerated >= FRIDAY_EVENING + 60 * HOUR;

  /** Three weeks of traffic with a 60-hour outage last Friday evening, minus the events from `cutFrom` on. */
  function withPastOutage(now: number, cutFrom: number, holidays: ReadonlySet<number> = NO_HOLIDAYS, seed = 7) {
    const events = generateTrace(seed, now - 21 * DAY, now, holidays)
      .filter(pastOutage)
      .filter((e) => e.timeGenerated < cutFrom);
    return aggregateHourly(events, now - 14 * DAY, now);
  }

  function firstAlarm(start: number, until: number, seed = 7): number | undefined {
    for (let now = start; now <= until; now += 5 * MINUTE) {
      const rows = withPastOutage(now, start, NO_HOLIDAYS, seed);
      if (detectSilence(rows, learnBaseline(rows), now, SETTINGS).silent) return now;
    }
    return undefined;
  }

  it("leaves a past outage out of the baseline instead of learning a 60-hour gap as normal", () => {
    const rows = withPastOutage(SUNDAY_3AM, SUNDAY_3AM);
    const baseline = learnBaseline(rows);
    expect(baseline.pastOutages).toHaveLength(1);
    expect(baseline.pastOutages[0]!.from).toBeLessThan(FRIDAY_EVENING);
    expect(baseline.pastOutages[0]!.to).toBeGreaterThan(FRIDAY_EVENING + 59 * HOUR);
    // the same traffic without the outage: no past outage found in normal quiet nights and weekends
    const clean = history(SUNDAY_3AM).rows;
    expect(learnBaseline(clean).pastOutages).toEqual([]);
  });

  it("is not blinded by last week's outage: a Sunday 03:00 outage is still caught before the ceiling", () => {
    for (const seed of [7, 8, 9]) {
      const at = firstAlarm(SUNDAY_3AM, SUNDAY_3AM + 12 * HOUR, seed);
      expect(at, `seed ${seed}: never detected`).toBeDefined();
      // weekend-night gaps reach 5 hours in this traffic; a blinded detector waits for the 12-hour ceiling
      expect(at! - SUNDAY_3AM, `seed ${seed}`).toBeLessThan(9 * HOUR);
    }
  });

  it("is not blinded by last week's outage: a 45-minute Monday-morning outage is caught at the floor", () => {
    const at = firstAlarm(MONDAY_9AM, MONDAY_9AM + 45 * MINUTE);
    expect(at, "never detected").toBeDefined();
    expect(at! - MONDAY_9AM).toBeLessThanOrEqual(25 * MINUTE);
  });

  it("does not alarm on a holiday Monday, before or after its first event, nor on the Monday after", () => {
    const holiday = Math.floor(MONDAY_9AM / DAY);
    for (const seed of [7, 8, 9])
      for (const monday of [MONDAY_9AM, MONDAY_9AM + 7 * DAY]) {
        // one trace through the day, read as it stood at each check
        const trace = generateTrace(seed, monday - 9 * HOUR - 21 * DAY, monday + 15 * HOUR, new Set([holiday]));
        for (let now = monday - 9 * HOUR; now < monday + 15 * HOUR; now += 10 * MINUTE) {
          const events = trace.filter((e) => e.timeGenerated <= now);
          const rows = aggregateHourly(events, now - 14 * DAY, now);
          const v = detectSilence(rows, learnBaseline(rows), now, SETTINGS);
          expect(v.silent, `seed ${seed} ${new Date(now).toISOString()}: ${v.why}`).toBe(false);
        }
      }
  });

  it("traffic model: a quiet night ends when office hours start (the gap is redrawn at 08:00)", () => {
    const tuesday631 = Date.parse("2026-03-03T06:31:00Z");
    expect(latestNextEvent(tuesday631, NO_HOLIDAYS)).toBe(Date.parse("2026-03-03T07:00:00Z") + 50 * MINUTE);
    const events = generateTrace(3, SUNDAY_3AM - 21 * DAY, SUNDAY_3AM, NO_HOLIDAYS);
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1]!.timeGenerated, events[i]!.timeGenerated];
      expect(b, new Date(a).toISOString()).toBeLessThanOrEqual(latestNextEvent(a, NO_HOLIDAYS));
    }
  });
});
