import type { TableClient } from "@azure/data-tables";
import type { Logger } from "../../core/logger.js";
import { ChannelHealthStore } from "./channelHealth.js";
import { Outbox } from "./outbox.js";
import { RateLimitMarkers } from "./rateLimit.js";
import { AlertRecords } from "./records.js";
import { RunStore } from "./runs.js";
import { AlertTable } from "./table.js";

export type { ChannelHealth } from "./channelHealth.js";
export { outboxRowKey, type ChannelName, type OutboxRow } from "./outbox.js";
export type { MarkerTaken } from "./rateLimit.js";
export { recordRowKey, type RecordChange } from "./records.js";
export type { StoredRun } from "./runs.js";
export { isConflict } from "./table.js";

/**
 * Alert state in Azure Table storage, one part per job over one table. Every write that decides
 * "who sends" is guarded: records by ETag, outbox rows by create-if-absent and ETag-guarded claims.
 */
export class AlertStore {
  private readonly table: AlertTable;
  readonly records: AlertRecords;
  readonly outbox: Outbox;
  readonly channelHealth: ChannelHealthStore;
  readonly runs: RunStore;
  readonly rateLimit: RateLimitMarkers;

  constructor(client: TableClient, log?: Logger) {
    this.table = new AlertTable(client, log);
    this.records = new AlertRecords(this.table);
    this.outbox = new Outbox(this.table);
    this.channelHealth = new ChannelHealthStore(this.table);
    this.runs = new RunStore(this.table);
    this.rateLimit = new RateLimitMarkers(this.table);
  }

  /** Stored rows skipped since this store was made because they could not be read (any part). */
  get unreadableRows(): number {
    return this.table.unreadableRows;
  }

  ensureTable(): Promise<void> {
    return this.table.ensure();
  }
}
