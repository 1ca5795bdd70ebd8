import { detectOnClock, learnOnClock } from "../../src/ingestion/silence.js";
import { clockOf, type Clock } from "../../src/core/calendar.js";
import { learnClock } from "../../src/ingestion/learnClock.js";
import { DAY } from "../../src/ingestion/history.js";
import { aggregateHourly, generateTrace } from "../../bench/trafficModel.js";
import { SILENCE_SETTINGS } from "./silenceSettings.js";

const NO_HOLIDAYS = new Set<number>();

/**
 * Two weeks of hourly rows of a company on `people`'s clock up to `end`, minus the events in
 * [cutFrom, cutTo); the rows start `phaseMs` past the UTC hour (0: UTC hours).
 */
export function rowsOf(people: Clock, end: number, cutFrom = end, cutTo = end, seed = 7, phaseMs = 0) {
  const events = generateTrace(seed, end - 21 * DAY, end, NO_HOLIDAYS, people).filter(
    (e) => e.timeGenerated < cutFrom || e.timeGenerated >= cutTo,
  );
  return aggregateHourly(events, end - 14 * DAY, end, phaseMs);
}

/** The verdict with the monitor's clock: set (TRAFFIC_TIME_ZONE, WEEKEND_DAYS), learned, or UTC. */
export function verdict(rows: ReturnType<typeof rowsOf>, now: number, monitor: Clock | "learned" | "utc") {
  const clock = monitor === "utc" ? clockOf("UTC") : monitor === "learned" ? learnClock(rows) : monitor;
  return detectOnClock(rows, learnOnClock(rows, clock, []), now, SILENCE_SETTINGS);
}
