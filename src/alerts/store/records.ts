import type { TransactionAction } from "@azure/data-tables";
import { boundedJson } from "../../core/safeText.js";
import type { Notice } from "../../core/notifier.js";
import type { AlertRecord } from "../alertRecord.js";
import { outboxEntity, type ChannelName } from "./outbox.js";
import { ALERTS, hash, MAX_JSON, parsed, type AlertTable } from "./table.js";

export const recordRowKey = (key: string): string => `rec-${hash(key)}`;

/** One change the policy wants committed: a record (ETag-guarded) with the notices it caused. */
export interface RecordChange {
  record: AlertRecord;
  /** undefined: the record is new (create fails if another run created it meanwhile). */
  etag: string | undefined;
  notices: Notice[];
  /** Finding-keyed records of an older version merged into this one: deleted in the same transaction. */
  retire?: ReadonlyArray<{ key: string; etag: string }>;
}

function fitRecord(r: AlertRecord): string {
  const json = JSON.stringify(r);
  if (json.length <= MAX_JSON) return json;
  // Keys, state and times are short; what grows (summary, evidence) is clipped, evidence first.
  const { evidence: _dropped, ...finding } = r.finding ?? { evidence: undefined };
  return boundedJson({ ...r, finding: r.finding ? finding : undefined }, MAX_JSON);
}

/**
 * The alert records, each written with the notices it caused in one transaction: a record by
 * ETag (or create-if-absent when new), so of two runs moving the same record one wins.
 */
export class AlertRecords {
  /** Record rows that could not be read, by row key: the next commit of that key replaces them. */
  private readonly unreadable = new Map<string, string>();
  constructor(private readonly table: AlertTable) {}

  async load(): Promise<Map<string, { record: AlertRecord; etag: string }>> {
    await this.table.ensure();
    const out = new Map<string, { record: AlertRecord; etag: string }>();
    const it = this.table.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${ALERTS}' and kind eq 'record'` },
    });
    for await (const e of it) {
      const record = parsed<AlertRecord>(e, "json");
      if (record && typeof record.key === "string" && recordRowKey(record.key) === e.rowKey)
        out.set(record.key, { record, etag: e.etag });
      else {
        this.unreadable.set(e.rowKey ?? "", e.etag);
        this.table.skip(e, "record");
      }
    }
    return out;
  }

  /**
   * Commits records with their notices in one entity-group transaction: either the record moves
   * and its notices are queued, or neither (a crash in between cannot lose or invent a notice).
   */
  async commit(changes: readonly RecordChange[], channels: readonly ChannelName[], now: Date): Promise<void> {
    await this.table.ensure();
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
      const etag = c.etag ?? this.unreadable.get(entity.rowKey);
      ops.push(etag === undefined ? ["create", entity] : ["update", entity, "Replace", { etag }]);
      // the older records this incident absorbed: gone with the same transaction that moves it
      for (const o of c.retire ?? []) ops.push(["delete", { partitionKey: ALERTS, rowKey: recordRowKey(o.key) }]);
      for (const n of c.notices) for (const ch of channels) ops.push(["create", outboxEntity(n, ch, now)]);
      if (batch.length + ops.length > 100) {
        batches.push(batch);
        batch = [];
      }
      batch.push(...ops);
    }
    if (batch.length) batches.push(batch);
    for (const b of batches) await this.table.client.submitTransaction(b);
    for (const c of changes) this.unreadable.delete(recordRowKey(c.record.key));
  }
}
