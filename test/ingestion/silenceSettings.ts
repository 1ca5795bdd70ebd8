import type { SilenceSettings } from "../../src/ingestion/silence.js";

/** The silence settings at their defaults (SILENCE_MIN/MAX_MINUTES, SILENCE_THRESHOLD_MINUTES unset), for the detector's tests. */
export const SILENCE_SETTINGS: SilenceSettings = {
  silenceMinMinutes: 20,
  silenceMaxMinutes: 720,
  fixedThresholdMinutes: undefined,
  fallbackThresholdMinutes: 60,
};
