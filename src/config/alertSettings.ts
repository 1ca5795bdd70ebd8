import type { SettingReader } from "./settingReader.js";
import type { SettingSpec } from "./settingSpec.js";
import { hostName, isLoopbackHost } from "../core/linkUrl.js";

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
  {
    name: "STATUS_PAGE_URL",
    required: false,
    description:
      'Status page the alerts\' "Open status page" and "Confirm cut-over" buttons open (https; http only to 127.0.0.1, localhost or [::1]; no code= or sig= parameter, no fragment). Unset: https://<WEBSITE_HOSTNAME>/api/health?format=html in Azure, else no link.',
  },
];

export interface AlertSettings {
  openAfter: number;
  renotifyHours: number;
  /** Undefined when the digest is off. */
  digestSchedule: string | undefined;
  deliverySchedule: string;
  teamsWebhookUrl: string | undefined;
  email: { from: string; to: string[] } | undefined;
  /** The status page alerts link to (STATUS_PAGE_URL, else the app's own); undefined: no link. */
  statusPageUrl: string | undefined;
  /** The Function App's host name (WEBSITE_HOSTNAME, set by App Service); undefined outside Azure. */
  appHost: string | undefined;
}

/** Query parameters that carry a credential: a Functions key (code=) and a SAS signature (sig=). */
const CREDENTIAL_PARAMS = ["code", "sig"] as const;

/**
 * STATUS_PAGE_URL, or the app's own status page. The value goes into every alert, so it never
 * carries a function key or SAS signature; errors never repeat its query, which may hold one.
 */
function parseStatusPageUrl(r: SettingReader, appHost: string | undefined): string | undefined {
  const name = "STATUS_PAGE_URL";
  const v = r.raw(name);
  if (v === undefined) return appHost ? `https://${appHost}/api/health?format=html` : undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    r.fail(name, "not a URL (value not shown): expected https://<host>/<path>");
    return undefined;
  }
  const params = new Set([...u.searchParams.keys()].map((k) => k.toLowerCase()));
  const credential = CREDENTIAL_PARAMS.filter((p) => params.has(p));
  if (credential.length) {
    r.fail(
      name,
      `must not carry a ${credential.map((p) => `${p}=`).join(" or ")} query parameter (value not shown): a function key or SAS signature never goes into an alert; people sign in or add the key themselves`,
    );
    return undefined;
  }
  if (u.username || u.password) {
    r.fail(name, "must not carry user info (user:password@): credentials never go in a URL");
    return undefined;
  }
  if (u.protocol === "http:" && !isLoopbackHost(u.hostname)) {
    r.fail(name, "plain http is allowed only to 127.0.0.1, localhost or [::1]: use an https URL");
    return undefined;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    r.fail(name, `not an https URL (${u.protocol.replace(":", "").slice(0, 20)})`);
    return undefined;
  }
  if (u.hash || v.includes("#")) {
    r.fail(name, "must not carry a fragment (#…): the cut-over button adds #rotation");
    return undefined;
  }
  if (/\s/.test(v)) {
    r.fail(name, "must not contain whitespace");
    return undefined;
  }
  return u.toString();
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
  const appHost = hostName(r.raw("WEBSITE_HOSTNAME"));
  return {
    openAfter: r.int("ALERT_OPEN_AFTER", 1, 20),
    renotifyHours: r.int("ALERT_RENOTIFY_HOURS", 1, 24 * 7),
    digestSchedule: r.schedule("ALERT_DIGEST_SCHEDULE", { optional: true }),
    deliverySchedule: r.schedule("ALERT_DELIVERY_SCHEDULE") ?? "",
    teamsWebhookUrl,
    email: from[0] !== undefined && to.length > 0 ? { from: from[0], to } : undefined,
    statusPageUrl: parseStatusPageUrl(r, appHost),
    appHost,
  };
}
