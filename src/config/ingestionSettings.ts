import type { SettingReader } from "./settingReader.js";
import type { SettingSpec } from "./settingSpec.js";
import { parseWeekendDays, timeZoneProblem } from "../core/calendar.js";

/** Settings of the ingestion watch (silence, latency, volume, diagnosis). */
export const INGESTION_SETTINGS: readonly SettingSpec[] = [
  {
    name: "INGESTION_CHECK_SCHEDULE",
    required: false,
    default: "0 */5 * * * *",
    description: "NCRONTAB schedule (UTC) of the ingestionWatch timer.",
  },
  {
    name: "BASELINE_DAYS",
    required: false,
    default: "14",
    description: "Days of history the traffic baseline learns from (per hour of the week).",
  },
  {
    name: "SILENCE_MIN_MINUTES",
    required: false,
    default: "20",
    description: "Floor: a gap shorter than this is never called silence, whatever the hour.",
  },
  {
    name: "SILENCE_MAX_MINUTES",
    required: false,
    default: "720",
    description: "Ceiling: a gap longer than this is always silence, whatever the hour.",
  },
  {
    name: "LATENCY_WARN_MINUTES",
    required: false,
    default: "30",
    description: "ingestion.latency warns when Keeper's p95 batching delay exceeds this.",
  },
  {
    name: "VOLUME_DROP_PERCENT",
    required: false,
    default: "10",
    description:
      "ingestion.volume warns when the last 2 hours carry less than this share of the usual count for those hours.",
  },
  {
    name: "HOLIDAYS",
    required: false,
    description:
      "Holidays on which Keeper runs at weekend pace, comma-separated local dates (in TRAFFIC_TIME_ZONE): MM-DD (every year) or YYYY-MM-DD (once). The silence baseline learns and judges them like a weekend day. Unset: holidays are told from the traffic.",
  },
  {
    name: "TRAFFIC_TIME_ZONE",
    required: false,
    description:
      "The company's time zone, an IANA name such as Australia/Sydney (DST from the platform's time-zone data): the silence baseline's hours of the week, day kinds and midnight are local. Unset: learned from the history's quiet night (UTC when it cannot tell).",
  },
  {
    name: "WEEKEND_DAYS",
    required: false,
    description:
      "The company's weekend days, comma-separated day names such as Fri,Sat. Unset: learned from the history's quiet days (Sat,Sun when it cannot tell).",
  },
];

export interface IngestionSettings {
  schedule: string;
  baselineDays: number;
  silenceMinMinutes: number;
  silenceMaxMinutes: number;
  /** SILENCE_THRESHOLD_MINUTES when set explicitly: a fixed threshold that overrides the baseline. */
  fixedThresholdMinutes: number | undefined;
  latencyWarnMinutes: number;
  volumeDropPercent: number;
  /** HOLIDAYS entries, validated: "MM-DD" (every year) or "YYYY-MM-DD" (once), local dates. */
  holidays: string[];
  /** TRAFFIC_TIME_ZONE, a validated IANA name; undefined: learned. */
  trafficTimeZone: string | undefined;
  /** WEEKEND_DAYS as day numbers (0 = Sunday); undefined: learned. */
  weekendDays: number[] | undefined;
}

/** TRAFFIC_TIME_ZONE, validated against the platform's time-zone data. */
function parseTimeZone(r: SettingReader): string | undefined {
  const zone = r.get("TRAFFIC_TIME_ZONE")?.trim();
  if (!zone) return undefined;
  const why = timeZoneProblem(zone);
  if (why) r.fail("TRAFFIC_TIME_ZONE", why);
  return why ? undefined : zone;
}

/** WEEKEND_DAYS' day names, validated. */
function parseWeekend(r: SettingReader): number[] | undefined {
  const spec = r.get("WEEKEND_DAYS")?.trim();
  if (!spec) return undefined;
  const parsed = parseWeekendDays(spec);
  if ("unknown" in parsed) {
    r.fail(
      "WEEKEND_DAYS",
      `unknown day "${parsed.unknown}", expected day names such as Fri,Sat (Sun, Mon, Tue, Wed, Thu, Fri, Sat)`,
    );
    return undefined;
  }
  if (parsed.days.length === 0 || parsed.days.length > 6) {
    r.fail("WEEKEND_DAYS", `expected 1 to 6 day names such as Fri,Sat, got "${spec}"`);
    return undefined;
  }
  return parsed.days;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Why a HOLIDAYS entry is not a date, or undefined when it is one. */
export function holidayEntryProblem(entry: string): string | undefined {
  const m = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(entry);
  const expected = "expected MM-DD (every year) or YYYY-MM-DD (once)";
  if (!m) return `not a date: "${entry}", ${expected}`;
  const [year, month, day] = [m[1] === undefined ? undefined : Number(m[1]), Number(m[2]), Number(m[3])];
  const last = year === undefined ? (DAYS_IN_MONTH[month - 1] ?? 0) : new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > last) return `no such date: "${entry}", ${expected}`;
  return undefined;
}

/** HOLIDAYS' comma-separated entries (blanks between commas ignored); each bad entry is reported with the setting. */
export function parseHolidays(r: SettingReader): string[] {
  const list = (r.get("HOLIDAYS") ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
  for (const e of list) {
    const why = holidayEntryProblem(e);
    if (why) r.fail("HOLIDAYS", why);
  }
  return [...new Set(list)];
}

export function parseIngestionSettings(r: SettingReader): IngestionSettings {
  const min = r.int("SILENCE_MIN_MINUTES", 5, 24 * 60);
  const max = r.int("SILENCE_MAX_MINUTES", 10, 7 * 24 * 60);
  if (min >= max) r.fail("SILENCE_MAX_MINUTES", `must be above SILENCE_MIN_MINUTES (${max} ≤ ${min})`);
  return {
    schedule: r.schedule("INGESTION_CHECK_SCHEDULE") ?? "",
    baselineDays: r.int("BASELINE_DAYS", 1, 90),
    silenceMinMinutes: min,
    silenceMaxMinutes: max,
    fixedThresholdMinutes: r.isSet("SILENCE_THRESHOLD_MINUTES")
      ? Number(r.get("SILENCE_THRESHOLD_MINUTES"))
      : undefined,
    latencyWarnMinutes: r.int("LATENCY_WARN_MINUTES", 1, 24 * 60),
    volumeDropPercent: r.int("VOLUME_DROP_PERCENT", 1, 99),
    holidays: parseHolidays(r),
    trafficTimeZone: parseTimeZone(r),
    weekendDays: parseWeekend(r),
  };
}
