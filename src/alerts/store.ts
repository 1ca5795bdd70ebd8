import { createHash } from "node:crypto";
import type { TableClient, TableEntityResult, TransactionAction } from "@azure/data-tables";
import type { Logger } from "../core/logger.js";
import { statusOf } from "../core/httpStatus.js";
import { boundedJson } from "../core/safeText.js";
import type { Notice, RunRecord } from "../core/notifier.js";
import type { AlertRecord } from "./alertRecord.js";

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

export interface ChannelHealth {
  channel: ChannelName;
  consecutiveFailures: number;
  lastErrorClass?: string;
  degradedSince?: string;
  /** Whether the other channel was told about this degradation already. */
  toldOther: boolean;
  lastSuccessAt?: string;
}

/** The latest run of one source, as health shows it: ids, statuses, summaries, times, the chart. */
export interface StoredRun {
  source: RunRecord["source"];
  startedAt: string;
  finishedAt: string;
  findings: Array<{ check: string; status: string; severity: string; summary: string; resource?: string }>;
  eventsPerHour?: Array<{ hour: string; count: number }>;
}

/** Alert records and the outbox share one partition, so a record and its notices commit atomically. */
const ALERTS = "alerts";
const RUNS = "runs";
const CHANNELS = "channels";
const MARKERS = "markers";
/**
 * Table storage caps a string property at 64 KiB (32 K UTF-16 characters) and an entity at 1 MiB
 * (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
 * Stored JSON is bounded by clipping its strings, never by cutting the JSON itself.
 */
const MAX_JSON = 30_000;

function hash(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 40);
}
export const recordRowKey = (key: string): string => `rec-${hash(key)}`;
export const outboxRowKey = (noticeKey: string, channel: ChannelName): string => `out-${hash(noticeKey)}-${channel}`;

/** 409 (already exists) and 412 (ETag moved): another run got there first. */
export function isConflict(e: unknown): boolean {
  const s = statusOf(e);
  return s === 409 || s === 412;
}

function fitRecord(r: AlertRecord): string {
  const json = JSON.stringify(r);
  if (json.length <= MAX_JSON) return json;
  // Keys, state and times are short; what grows (summary, evidence) is clipped, evidence first.
  const { evidence: _dropped, ...finding } = r.finding ?? { evidence: undefined };
  return boundedJson({ ...r, finding: r.finding ? finding : undefined }, MAX_JSON);
}

type Entity = TableEntityResult<Record<string, unknown>>;
const str = (e: Entity, k: string): string | undefined => (typeof e[k] === "string" ? e[k] : undefined);
const num = (e: Entity, k: string): number => (typeof e[k] === "number" ? e[k] : 0);

/** The parsed JSON object in property `k`, or undefined when it is missing, cut or not an object. */
function parsed<T>(e: Entity, k: string): T | undefined {
  try {
    const v: unknown = JSON.parse(str(e, k) ?? "");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
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

/** One change the policy wants committed: a record (ETag-guarded) with the notices it caused. */
export interface RecordChange {
  record: AlertRecord;
  /** undefined: the record is new (create fails if another run created it meanwhile). */
  etag: string | undefined;
  notices: Notice[];
}

/**
 * Alert state in Azure Table storage. Every write that decides "who sends" is guarded: records
 * by ETag, outbox rows by create-if-absent and ETag-guarded claims.
 */
export class AlertStore {
  private ensured: Promise<void> | undefined;
  /** Record rows that could not be read, by row key: the next commit of that key replaces them. */
  private readonly unreadableRecords = new Map<string, string>();
  /** Stored rows skipped since this store was made because they could not be read. */
  unreadableRows = 0;
  constructor(
    private readonly client: TableClient,
    private readonly log?: Logger,
  ) {}

  /** A row that cannot be read is skipped, logged and counted: it never stops alerting. */
  private skip(e: Entity, kind: string): undefined {
    this.unreadableRows++;
    this.log?.warn("stored row unreadable; skipped", {
      kind,
      partition: e.partitionKey ?? "",
      row: (e.rowKey ?? "").slice(0, 100),
      unreadableRows: this.unreadableRows,
    });
    return undefined;
  }

  /** The outbox rows of one query; unreadable ones skipped. */
  private async outbox(filter: string): Promise<OutboxRow[]> {
    await this.ensureTable();
    const rows: OutboxRow[] = [];
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const notice = parsed<Notice>(e, "notice");
      if (notice && typeof notice.key === "string") rows.push(toOutboxRow(e, notice));
      else this.skip(e, "outbox");
    }
    return rows;
  }

  ensureTable(): Promise<void> {
    this.ensured ??= this.client.createTable().catch((e: unknown) => {
      this.ensured = undefined;
      throw e;
    });
    return this.ensured;
  }

  async loadRecords(): Promise<Map<string, { record: AlertRecord; etag: string }>> {
    await this.ensureTable();
    const out = new Map<string, { record: AlertRecord; etag: string }>();
    const it = this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${ALERTS}' and kind eq 'record'` },
    });
    for await (const e of it) {
      const record = parsed<AlertRecord>(e, "json");
      if (record && typeof record.key === "string" && recordRowKey(record.key) === e.rowKey)
        out.set(record.key, { record, etag: e.etag });
      else {
        this.unreadableRecords.set(e.rowKey ?? "", e.etag);
        this.skip(e, "record");
      }
    }
    return out;
  }

  /**
   * Commits records with their notices in one entity-group transaction: either the record moves
   * and its notices are queued, or neither (a crash in between cannot lose or invent a notice).
   */
  async commit(changes: readonly RecordChange[], channels: readonly ChannelName[], now: Date): Promise<void> {
    await this.ensureTable();
    // A transaction holds at most 100 operations; each record stays with its own notices.
    let batch: TransactionAction[] = [];
    const batches: TransactionAction[][] = [];
    for (const c of changes) {
      const ops: TransactionAction[] = [];
      const entity = {
        partitionKey: ALERTS,
        rowKey: recordRowKey(c.record.key),
        kind: "record",
        state: c.record.state,
        json: fitRecord(c.record),
      };
      // A new record whose row is there but unreadable replaces that row (guarded by its ETag).
      const etag = c.etag ?? this.unreadableRecords.get(entity.rowKey);
      ops.push(etag === undefined ? ["create", entity] : ["update", entity, "Replace", { etag }]);
      for (const n of c.notices) for (const ch of channels) ops.push(["create", this.outboxEntity(n, ch, now)]);
      if (batch.length + ops.length > 100) {
        batches.push(batch);
        batch = [];
      }
      batch.push(...ops);
    }
    if (batch.length) batches.push(batch);
    for (const b of batches) await this.client.submitTransaction(b);
    for (const c of changes) this.unreadableRecords.delete(recordRowKey(c.record.key));
  }

  private outboxEntity(n: Notice, channel: ChannelName, now: Date) {
    return {
      partitionKey: ALERTS,
      rowKey: outboxRowKey(n.key, channel),
      kind: "outbox",
      noticeKey: n.key.slice(0, 1000),
      channel,
      notice: boundedJson(n, MAX_JSON),
      status: "pending",
      attempts: 0,
      nextAttemptAt: now.toISOString(),
      createdAt: now.toISOString(),
    };
  }

  /** Queues a notice outside the policy (hand-off, digest, channel warnings); false if already queued. */
  async enqueue(n: Notice, channel: ChannelName, now: Date): Promise<boolean> {
    await this.ensureTable();
    try {
      await this.client.createEntity(this.outboxEntity(n, channel, now));
      return true;
    } catch (e) {
      if (statusOf(e) === 409) return false;
      throw e;
    }
  }

  async listUnsent(channel: ChannelName): Promise<OutboxRow[]> {
    const rows = await this.outbox(
      `PartitionKey eq '${ALERTS}' and kind eq 'outbox' and channel eq '${channel}' and status ne 'sent'`,
    );
    return rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.rowKey.localeCompare(b.rowKey));
  }

  listOutbox(): Promise<OutboxRow[]> {
    return this.outbox(`PartitionKey eq '${ALERTS}' and kind eq 'outbox'`);
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
      const r = await this.client.updateEntity(
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
    await this.client.updateEntity(
      { partitionKey: ALERTS, rowKey: row.rowKey, status: "sent", sentAt: now.toISOString() },
      "Merge",
    );
  }

  async markFailed(row: OutboxRow, errorClass: string, nextAttemptAt: Date): Promise<void> {
    await this.client.updateEntity(
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
    for (const r of await this.listOutbox())
      if (r.status === "sent" && (r.sentAt ?? "") < before.toISOString()) {
        await this.client.deleteEntity(ALERTS, r.rowKey).catch(() => undefined);
        n++;
      }
    return n;
  }

  async getChannelHealth(channel: ChannelName): Promise<ChannelHealth> {
    await this.ensureTable();
    try {
      const e = await this.client.getEntity<Record<string, unknown>>(CHANNELS, channel);
      return (
        parsed<ChannelHealth>(e, "json") ??
        (this.skip(e, "channel"), { channel, consecutiveFailures: 0, toldOther: false })
      );
    } catch (e) {
      if (statusOf(e) === 404) return { channel, consecutiveFailures: 0, toldOther: false };
      throw e;
    }
  }

  async saveChannelHealth(h: ChannelHealth): Promise<void> {
    await this.client.upsertEntity({ partitionKey: CHANNELS, rowKey: h.channel, json: JSON.stringify(h) }, "Replace");
  }

  async saveRun(run: RunRecord): Promise<void> {
    await this.ensureTable();
    const stored: StoredRun = {
      source: run.source,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      findings: run.findings.map((f) => ({
        check: f.check,
        status: f.status,
        severity: f.severity,
        summary: f.summary.slice(0, 500),
        ...(f.resource ? { resource: f.resource } : {}),
      })),
      ...(run.eventsPerHour ? { eventsPerHour: run.eventsPerHour.slice(-24 * 8) } : {}),
    };
    const json = boundedJson(stored, MAX_JSON);
    // An older run finishing late must not replace a newer one.
    try {
      const cur = await this.client.getEntity<Record<string, unknown>>(RUNS, run.source);
      if ((str(cur, "startedAt") ?? "") > run.startedAt) return;
      await this.client.updateEntity(
        { partitionKey: RUNS, rowKey: run.source, startedAt: run.startedAt, json },
        "Replace",
        {
          etag: cur.etag,
        },
      );
    } catch (e) {
      if (statusOf(e) === 404) {
        await this.client
          .createEntity({ partitionKey: RUNS, rowKey: run.source, startedAt: run.startedAt, json })
          .catch((e2: unknown) => {
            if (!isConflict(e2)) throw e2;
          });
        return;
      }
      if (isConflict(e)) return;
      throw e;
    }
  }

  async latestRuns(): Promise<StoredRun[]> {
    await this.ensureTable();
    const out: StoredRun[] = [];
    const it = this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${RUNS}'` },
    });
    for await (const e of it) {
      const run = parsed<StoredRun>(e, "json");
      if (run && typeof run.source === "string" && Array.isArray(run.findings)) out.push(run);
      else this.skip(e, "run");
    }
    return out.sort((a, b) => a.source.localeCompare(b.source));
  }

  /**
   * A rate limit that holds across instances: takes the marker when it is older than `everyMs`
   * (ETag-guarded, so two instances cannot both take it); otherwise says how long to wait.
   */
  async takeMarker(
    name: string,
    now: Date,
    everyMs: number,
  ): Promise<{ taken: true } | { taken: false; retryAfterMs: number }> {
    await this.ensureTable();
    const entity = { partitionKey: MARKERS, rowKey: name, at: now.toISOString() };
    try {
      const cur = await this.client.getEntity<Record<string, unknown>>(MARKERS, name);
      const last = Date.parse(str(cur, "at") ?? "");
      const wait = Number.isNaN(last) ? 0 : last + everyMs - now.getTime();
      if (wait > 0) return { taken: false, retryAfterMs: wait };
      await this.client.updateEntity(entity, "Replace", { etag: cur.etag });
      return { taken: true };
    } catch (e) {
      if (statusOf(e) === 404) {
        try {
          await this.client.createEntity(entity);
          return { taken: true };
        } catch (e2) {
          if (isConflict(e2)) return { taken: false, retryAfterMs: everyMs };
          throw e2;
        }
      }
      if (isConflict(e)) return { taken: false, retryAfterMs: everyMs };
      throw e;
    }
  }
}
