import type { SettingReader } from "./settingReader.js";
import type { SettingSpec } from "./settingSpec.js";

/** Settings of the Keeper client secret rotation. */
export const ROTATION_SETTINGS: readonly SettingSpec[] = [
  {
    name: "SECRET_ROTATION_SCHEDULE",
    required: false,
    default: "0 17 * * * *",
    description: "NCRONTAB schedule (UTC) of the secretRotation timer.",
  },
  {
    name: "SECRET_ROTATE_BEFORE_DAYS",
    required: false,
    default: "30",
    description: "Start a rotation when the secret Keeper uses expires within this many days.",
  },
  {
    name: "SECRET_LIFETIME_DAYS",
    required: false,
    default: "180",
    description: "Lifetime of a new secret (never beyond the tenant's app-management policy).",
  },
  {
    name: "SECRET_RETIRE_UNMANAGED",
    required: false,
    default: "false",
    description: "true: after cut-over also remove secrets the monitor did not create; false: leave them to expire.",
  },
  {
    name: "CUTOVER_QUIET_HOURS",
    required: false,
    default: "24",
    description: "Cut-over is complete when Keeper signs in with the new secret and the old one is quiet this long.",
  },
  {
    name: "ROTATION_CONFIRM_ENTRA_AUTH",
    required: false,
    default: "false",
    description:
      "true: POST /api/rotation/confirm requires the caller App Service Authentication signed in (X-MS-CLIENT-PRINCIPAL) and records that caller as the confirmer. Only with App Service Authentication on.",
  },
];

export interface RotationSettings {
  schedule: string;
  rotateBeforeDays: number;
  lifetimeDays: number;
  retireUnmanaged: boolean;
  cutoverQuietHours: number;
  /** The confirmer is the caller App Service Authentication signed in, not a name in the body. */
  confirmEntraAuth: boolean;
}

export function parseRotationSettings(r: SettingReader): RotationSettings {
  const rotateBeforeDays = r.int("SECRET_ROTATE_BEFORE_DAYS", 1, 365);
  const lifetimeDays = r.int("SECRET_LIFETIME_DAYS", 2, 730);
  if (lifetimeDays <= rotateBeforeDays)
    r.fail(
      "SECRET_LIFETIME_DAYS",
      `must be above SECRET_ROTATE_BEFORE_DAYS (${lifetimeDays} ≤ ${rotateBeforeDays}), or every new secret is due at once`,
    );
  return {
    schedule: r.schedule("SECRET_ROTATION_SCHEDULE") ?? "",
    rotateBeforeDays,
    lifetimeDays,
    retireUnmanaged: r.bool("SECRET_RETIRE_UNMANAGED"),
    cutoverQuietHours: r.int("CUTOVER_QUIET_HOURS", 1, 24 * 14),
    confirmEntraAuth: r.bool("ROTATION_CONFIRM_ENTRA_AUTH"),
  };
}
