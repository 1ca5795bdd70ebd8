import { ok, problem, type Finding } from "../core/finding.js";
import { DEGRADED_AFTER } from "./delivery.js";
import type { ChannelHealth } from "./store/channelHealth.js";
import type { ChannelName } from "./store/outbox.js";

const LABEL: Record<ChannelName, string> = { teams: "Teams", email: "email" };

/**
 * Where alerts go, as a finding: a warning when a channel failed DEGRADED_AFTER times in a row; ok
 * otherwise, including when no channel is configured (optional; the finding says how to add one). Pure.
 */
export function channelFindings(configured: readonly ChannelName[], health: readonly ChannelHealth[]): Finding[] {
  const check = "alerts.channel";
  if (configured.length === 0)
    return [
      ok(
        check,
        "No alert channel is configured (optional): findings show only in keeper-monitor check and GET /api/health. With one, a problem reaches Teams or email when it opens and when it closes. To enable it: set ALERT_TEAMS_WEBHOOK_URL (a Key Vault reference to the Teams Workflows webhook URL) and/or ALERT_EMAIL_FROM and ALERT_EMAIL_TO.",
      ),
    ];
  return configured.map((c) => {
    const h = health.find((x) => x.channel === c);
    if (h && h.consecutiveFailures >= DEGRADED_AFTER)
      return problem(
        check,
        "warning",
        `Alerts to ${LABEL[c]} are failing (${h.consecutiveFailures} attempts in a row since ${h.degradedSince ?? "?"}, last: ${h.lastErrorClass ?? "?"}).`,
        {
          resource: c,
          evidence: {
            consecutiveFailures: h.consecutiveFailures,
            lastErrorClass: h.lastErrorClass,
            since: h.degradedSince,
          },
          remediation:
            c === "teams"
              ? "Check the Teams Workflows flow is on and ALERT_TEAMS_WEBHOOK_URL's Key Vault secret holds its current URL."
              : "Check the monitor's identity holds Mail.Send scoped to the ALERT_EMAIL_FROM mailbox.",
        },
      );
    return ok(check, `Alerts go to ${LABEL[c]}.`, { resource: c });
  });
}
