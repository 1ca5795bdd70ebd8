import type { SettingReader } from "./settingReader.js";
import type { SettingSpec } from "./settings.js";

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
  };
}
