import type { Notice } from "../../core/notifier.js";
import { statusOf } from "../../core/httpStatus.js";
import { ALERTS, hash, isConflict, num, parsed, storedJson, str, type AlertTable, type Entity } from "./table.js";
import { compareText } from "../../core/compareText.js";

export type ChannelName = "teams" | "email";

/** One notice for one channel, waiting in (or delivered from) the outbox. Never holds a URL. */
export interface OutboxRow {
  rowKey: string;
  etag: string;
  noticeKey: string;
  channel: ChannelName;
  notice: Notice;
  status: "pending" | "sending" | "sent";
  attempts: number;
  /** ISO: not before this time (backoff), or until when a "sending" claim holds. */
  nextAttemptAt: string;
  lastErrorClass?: string;
  createdAt: string;
  sentAt?: string;
}

export const outboxRowKey = (noticeKey: string, channel: ChannelName): string => `out-${hash(noticeKey)}-${channel}`;

/** The row of a notice newly queued for one channel. */
export function outboxEntity(n: Notice, channel: ChannelName, now: Date) {
  return {
    partitionKey: ALERTS,
    rowKey: outboxRowKey(n.key, channel),
    kind: "outbox",
    noticeKey: n.key.slice(0, 1000),
    channel,
    notice: storedJson(n),
    status: "pending",
    attempts: 0,
    nextAttemptAt: now.toISOString(),
    createdAt: now.toISOString(),
  };
}

function toOutboxRow(e: Entity, notice: Notice): OutboxRow {
  return {
    rowKey: e.rowKey ?? "",
    etag: e.etag,
    noticeKey: str(e, "noticeKey") ?? "",
    channel: str(e, "channel") === "email" ? "email" : "teams",
    notice,
    status: (str(e, "status") as OutboxRow["status"] | undefined) ?? "pending",
    attempts: num(e, "attempts"),
    nextAttemptAt: str(e, "nextAttemptAt") ?? "1970-01-01T00:00:00.000Z",
    ...(str(e, "lastErrorClass") ? { lastErrorClass: str(e, "lastErrorClass") } : {}),
    createdAt: str(e, "createdAt") ?? "",
    ...(str(e, "sentAt") ? { sentAt: str(e, "sentAt") } : {}),
  };
}

/**
 * The notices waiting to be sent, one row per notice and channel. Who sends is decided by
 * create-if-absent (a notice is queued once) and ETag-guarded claims (a row is sent by one run).
 */
export class Outbox {
  constructor(private readonly table: AlertTable) {}

  /** The outbox rows of one query; unreadable ones skipped. */
  private async query(filter: string): Promise<OutboxRow[]> {
    await this.table.ensure();
    const rows: OutboxRow[] = [];
    for await (const e of this.table.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const notice = parsed<Notice>(e, "notice");
      if (notice && typeof notice.key === "string") rows.push(toOutboxRow(e, notice));
      else this.table.skip(e, "outbox");
    }
    return rows;
  }

  /** Queues a notice outside the policy (hand-off, digest, channel warnings); false if already queued. */
  async enqueue(n: Notice, channel: ChannelName, now: Date): Promise<boolean> {
    await this.table.ensure();
    try {
      await this.table.client.createEntity(outboxEntity(n, channel, now));
      return true;
    } catch (e) {
      if (statusOf(e) === 409) return false;
      throw e;
    }
  }

  async listUnsent(channel: ChannelName): Promise<OutboxRow[]> {
    const rows = await this.query(
      `PartitionKey eq '${ALERTS}' and kind eq 'outbox' and channel eq '${channel}' and status ne 'sent'`,
    );
    return rows.sort((a, b) => compareText(a.createdAt, b.createdAt) || compareText(a.rowKey, b.rowKey));
  }

  list(): Promise<OutboxRow[]> {
    return this.query(`PartitionKey eq '${ALERTS}' and kind eq 'outbox'`);
  }

  /**
   * Takes a row for sending: an ETag-guarded update, so of two overlapping deliveries exactly one
   * wins; the loser gets undefined. The claim lasts `leaseMs`; a claim left by a crash expires and
   * the row is sent again (at-least-once).
   */
  async claim(row: OutboxRow, now: Date, leaseMs: number): Promise<OutboxRow | undefined> {
    const next = {
      ...row,
      status: "sending" as const,
      attempts: row.attempts + 1,
      nextAttemptAt: new Date(now.getTime() + leaseMs).toISOString(),
    };
    try {
      const r = await this.table.client.updateEntity(
        {
          partitionKey: ALERTS,
          rowKey: row.rowKey,
          status: next.status,
          attempts: next.attempts,
          nextAttemptAt: next.nextAttemptAt,
        },
        "Merge",
        { etag: row.etag },
      );
      return { ...next, etag: r.etag ?? "" };
    } catch (e) {
      if (isConflict(e)) return undefined;
      throw e;
    }
  }

  /** After a send: unconditional, since the send happened whoever holds the row now. */
  async markSent(row: OutboxRow, now: Date): Promise<void> {
    await this.table.client.updateEntity(
      { partitionKey: ALERTS, rowKey: row.rowKey, status: "sent", sentAt: now.toISOString() },
      "Merge",
    );
  }

  async markFailed(row: OutboxRow, errorClass: string, nextAttemptAt: Date): Promise<void> {
    await this.table.client.updateEntity(
      {
        partitionKey: ALERTS,
        rowKey: row.rowKey,
        status: "pending",
        lastErrorClass: errorClass.slice(0, 100),
        nextAttemptAt: nextAttemptAt.toISOString(),
      },
      "Merge",
      { etag: row.etag },
    );
  }

  /** Sent rows are kept a while as the dedupe memory, then removed. */
  async pruneSent(before: Date): Promise<number> {
    let n = 0;
    for (const r of await this.list())
      if (r.status === "sent" && (r.sentAt ?? "") < before.toISOString()) {
        await this.table.client.deleteEntity(ALERTS, r.rowKey).catch(() => undefined);
        n++;
      }
    return n;
  }
}
