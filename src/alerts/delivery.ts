import type { Logger } from "../core/logger.js";
import { ChannelError, classifyThrown, type Channel } from "./channel.js";
import type { Notice } from "../core/notifier.js";
import type { AlertStore, ChannelName, OutboxRow } from "./store/index.js";

/** After this many failed sends in a row a channel counts as degraded and the other one is told. */
export const DEGRADED_AFTER = 3;
/** How long a claim on an outbox row holds: longer than any send (≤ 30 s timeout). */
export const CLAIM_LEASE_MS = 2 * 60_000;

/** 1, 2, 4, … minutes after the n-th failure, capped at one hour. */
export function backoffMs(failures: number): number {
  return Math.min(2 ** Math.max(0, failures - 1), 60) * 60_000;
}

export interface DeliveryDeps {
  store: Pick<AlertStore, "outbox" | "channelHealth">;
  channels: readonly Channel[];
  now: () => Date;
  log: Logger;
}

export interface DeliveryResult {
  sent: number;
  failed: number;
  skipped: number;
}

/** A notice telling people that a channel stopped working: sent on the other channel. */
export function channelNotice(channel: ChannelName, since: string, errorClass: string, now: Date): Notice {
  const name = channel === "teams" ? "Teams" : "email";
  return {
    key: `alerts.channel|${channel}|${since}|degraded`,
    kind: "channel",
    severity: "warning",
    title: `WARNING: alert channel degraded on ${name}`,
    summary: `Alerts to ${name} have failed ${DEGRADED_AFTER} times in a row (last error: ${errorClass}). They are retried with backoff (up to hourly); until then alerts reach people only through this channel.`,
    facts: [
      { name: "Channel", value: name },
      { name: "Failing since", value: since },
      { name: "Last error", value: errorClass },
    ],
    remediation:
      channel === "teams"
        ? "Check the Teams Workflows flow (Teams → channel → Workflows) is on and its URL matches the ALERT_TEAMS_WEBHOOK_URL Key Vault secret."
        : "Check the monitor's identity still holds Mail.Send for the ALERT_EMAIL_FROM mailbox (Exchange RBAC for Applications) and the mailbox exists.",
    links: [],
    at: now.toISOString(),
  };
}

/**
 * Delivers what is due in the outbox, one grouped message per channel (split only to fit). Each
 * row is claimed with an ETag-guarded update before sending, so two overlapping runs cannot both
 * send it; it is marked sent after the channel accepted it (at-least-once: a crash in between
 * sends it once more when the claim expires, it never loses it).
 */
export async function deliverDue(deps: DeliveryDeps): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, failed: 0, skipped: 0 };
  for (const ch of deps.channels) {
    const now = deps.now();
    const due = (await deps.store.outbox.listUnsent(ch.name)).filter(
      (r) => Date.parse(r.nextAttemptAt) <= now.getTime(),
    );
    const claimed: OutboxRow[] = [];
    for (const r of due) {
      const c = await deps.store.outbox.claim(r, now, CLAIM_LEASE_MS);
      if (c) claimed.push(c);
      else result.skipped++;
    }
    // Group into as few messages as fit.
    const groups: OutboxRow[][] = [];
    for (const r of claimed) {
      const last = groups[groups.length - 1];
      if (last && ch.fits([...last, r].map((x) => x.notice))) last.push(r);
      else groups.push([r]);
    }
    for (const g of groups) {
      let error: ChannelError | undefined;
      try {
        await ch.send(g.map((r) => r.notice));
      } catch (e) {
        error = classifyThrown(e);
      }
      const at = deps.now();
      if (!error) {
        for (const r of g) await deps.store.outbox.markSent(r, at);
        result.sent += g.length;
        deps.log.info("alert delivered", { channel: ch.name, notices: g.length });
        await recordSuccess(deps, ch.name, at);
        continue;
      }
      result.failed += g.length;
      for (const r of g) {
        const wait = Math.max(backoffMs(r.attempts), error.retryAfterMs ?? 0);
        await deps.store.outbox.markFailed(r, error.errorClass, new Date(at.getTime() + wait)).catch((e: unknown) => {
          // The claim moved on (another run took the row after our lease): its run owns it now.
          deps.log.warn("alert outbox row changed during send", {
            channel: ch.name,
            why: classifyThrown(e).errorClass,
          });
        });
      }
      deps.log.warn("alert delivery failed", {
        channel: ch.name,
        notices: g.length,
        errorClass: error.errorClass,
        ambiguous: error.ambiguous,
      });
      await recordFailure(deps, ch.name, error.errorClass, at);
    }
  }
  return result;
}

async function recordSuccess(deps: DeliveryDeps, channel: ChannelName, at: Date): Promise<void> {
  const h = await deps.store.channelHealth.get(channel);
  if (h.consecutiveFailures === 0 && h.lastSuccessAt) return;
  await deps.store.channelHealth.save({
    channel,
    consecutiveFailures: 0,
    toldOther: false,
    lastSuccessAt: at.toISOString(),
  });
}

async function recordFailure(deps: DeliveryDeps, channel: ChannelName, errorClass: string, at: Date): Promise<void> {
  const h = await deps.store.channelHealth.get(channel);
  const next = {
    ...h,
    consecutiveFailures: h.consecutiveFailures + 1,
    lastErrorClass: errorClass,
    degradedSince: h.degradedSince ?? at.toISOString(),
  };
  if (h.consecutiveFailures === 0) next.degradedSince = at.toISOString();
  const other = deps.channels.find((c) => c.name !== channel);
  if (next.consecutiveFailures >= DEGRADED_AFTER && !next.toldOther) {
    next.toldOther = true;
    if (other) {
      await deps.store.outbox.enqueue(channelNotice(channel, next.degradedSince, errorClass, at), other.name, at);
      deps.log.warn("alert channel degraded; telling the other channel", { channel, other: other.name });
    } else deps.log.error("alert channel degraded and no other channel is configured", { channel });
  }
  await deps.store.channelHealth.save(next);
}
