import { createHash } from "node:crypto";
import type { TableClient, TableEntityResult } from "@azure/data-tables";
import type { Logger } from "../../core/logger.js";
import { boundedJson } from "../../core/safeText.js";

/** Alert records and the outbox share one partition, so a record and its notices commit atomically. */
export const ALERTS = "alerts";

/**
 * Table storage caps a string property at 64 KiB (32 K UTF-16 characters) and an entity at 1 MiB
 * (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
 * Stored JSON is bounded by clipping its strings, never by cutting the JSON itself.
 */
export const MAX_JSON = 30_000;

/** JSON of `value` that fits one string property, always complete. */
export const storedJson = (value: unknown): string => boundedJson(value, MAX_JSON);

export function hash(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 40);
}

export { isConflict } from "../../core/httpStatus.js";

export type Entity = TableEntityResult<Record<string, unknown>>;
export const str = (e: Entity, k: string): string | undefined => (typeof e[k] === "string" ? e[k] : undefined);
export const num = (e: Entity, k: string): number => (typeof e[k] === "number" ? e[k] : 0);

/** The parsed JSON object in property `k`, or undefined when it is missing, cut or not an object. */
export function parsed<T>(e: Entity, k: string): T | undefined {
  try {
    const v: unknown = JSON.parse(str(e, k) ?? "");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one table of alert state, shared by every part of the store: created once, and one count
 * of the rows that could not be read.
 */
export class AlertTable {
  private ensured: Promise<void> | undefined;
  /** Stored rows skipped since this table was opened because they could not be read. */
  unreadableRows = 0;
  constructor(
    readonly client: TableClient,
    private readonly log?: Logger,
  ) {}

  ensure(): Promise<void> {
    this.ensured ??= this.client.createTable().catch((e: unknown) => {
      this.ensured = undefined;
      throw e;
    });
    return this.ensured;
  }

  /** A row that cannot be read is skipped, logged and counted: it never stops alerting. */
  skip(e: Entity, kind: string): undefined {
    this.unreadableRows++;
    this.log?.warn("stored row unreadable; skipped", {
      kind,
      partition: e.partitionKey ?? "",
      row: (e.rowKey ?? "").slice(0, 100),
      unreadableRows: this.unreadableRows,
    });
    return undefined;
  }
}
