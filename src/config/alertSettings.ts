import type { SettingReader } from "./settingReader.js";
import type { SettingSpec } from "./settingSpec.js";

/** Settings of alerting: policy, channels, digest. */
export const ALERT_SETTINGS: readonly SettingSpec[] = [
  {
    name: "ALERT_OPEN_AFTER",
    required: false,
    default: "2",
    description: "Consecutive problem runs before an alert opens (1 for ingestion.freshness and expired secrets).",
  },
  {
    name: "ALERT_RENOTIFY_HOURS",
    required: false,
    default: "4",
    description: "Reminder interval while an alert stays open.",
  },
  {
    name: "ALERT_DIGEST_SCHEDULE",
    required: false,
    default: "0 0 8 * * *",
    description: "NCRONTAB schedule (UTC) of the daily digest; empty turns it off.",
  },
  {
    name: "ALERT_DELIVERY_SCHEDULE",
    required: false,
    default: "0 */1 * * * *",
    description: "NCRONTAB schedule (UTC) of the outbox delivery timer (retries with backoff).",
  },
  {
    name: "ALERT_TEAMS_WEBHOOK_URL",
    required: false,
    secret: true,
    description: "Teams Workflows webhook URL (a Key Vault reference in Azure). Unset: no Teams alerts.",
  },
  {
    name: "ALERT_EMAIL_FROM",
    required: false,
    description: "Mailbox the alert email is sent from (Graph sendMail). Unset: no email alerts.",
  },
  { name: "ALERT_EMAIL_TO", required: false, description: "Comma-separated recipients of alert email." },
];

export interface AlertSettings {
  openAfter: number;
  renotifyHours: number;
  /** Undefined when the digest is off. */
  digestSchedule: string | undefined;
  deliverySchedule: string;
  teamsWebhookUrl: string | undefined;
  email: { from: string; to: string[] } | undefined;
}

export function parseAlertSettings(r: SettingReader): AlertSettings {
  const webhook = r.raw("ALERT_TEAMS_WEBHOOK_URL");
  let teamsWebhookUrl: string | undefined;
  if (webhook !== undefined) {
    // Never echo the value: it carries a sig= secret.
    let u: URL | undefined;
    try {
      u = new URL(webhook);
    } catch {
      r.fail("ALERT_TEAMS_WEBHOOK_URL", "not a URL (value not shown: it is a secret)");
    }
    if (u && u.protocol !== "https:")
      r.fail("ALERT_TEAMS_WEBHOOK_URL", "not an https URL (value not shown: it is a secret)");
    else if (u) teamsWebhookUrl = webhook;
  }
  const from = r.emails("ALERT_EMAIL_FROM");
  const to = r.emails("ALERT_EMAIL_TO");
  if (from.length > 1) r.fail("ALERT_EMAIL_FROM", "one sender mailbox only");
  if (from.length === 1 && to.length === 0)
    r.fail("ALERT_EMAIL_TO", "missing: ALERT_EMAIL_FROM is set, so recipients are needed");
  if (from.length === 0 && to.length > 0)
    r.fail("ALERT_EMAIL_FROM", "missing: ALERT_EMAIL_TO is set, so a sender mailbox is needed");
  return {
    openAfter: r.int("ALERT_OPEN_AFTER", 1, 20),
    renotifyHours: r.int("ALERT_RENOTIFY_HOURS", 1, 24 * 7),
    digestSchedule: r.schedule("ALERT_DIGEST_SCHEDULE", { optional: true }),
    deliverySchedule: r.schedule("ALERT_DELIVERY_SCHEDULE") ?? "",
    teamsWebhookUrl,
    email: from[0] !== undefined && to.length > 0 ? { from: from[0], to } : undefined,
  };
}
