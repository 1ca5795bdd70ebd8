import type { TableClient } from "@azure/data-tables";
import { isConflict, statusOf } from "../core/httpStatus.js";

/** Who holds a target's check, until when, and the last scheduled tick that completed. */
export type LeaseResult =
  | { kind: "acquired"; release: (completed: boolean) => Promise<void> }
  | { kind: "held"; until: Date }
  | { kind: "done" };

interface LeaseEntity {
  partitionKey: string;
  rowKey: string;
  holder: string;
  /** epoch ms until which the holder owns the check; 0 when released */
  until: number;
  /** ISO time of the last scheduled tick whose check completed ("" when none) */
  doneTick: string;
}

/**
 * Per-target leases in Table storage, so two instances never run the same check of the same
 * target at once: one row per (target, check), taken with an insert or an ETag-conditional update
 * (Table storage answers 409 or 412 to the loser:
 * https://learn.microsoft.com/rest/api/storageservices/update-entity2). A lease expires on its
 * own (`ttlMs`, longer than the host's function timeout), so a crashed instance holds nothing for
 * long. A tick at or before the last completed one is not run again.
 */
export class TargetLeases {
  private created: Promise<unknown> | undefined;

  constructor(
    private readonly client: TableClient,
    private readonly holder: string,
    private readonly now: () => Date,
    private readonly ttlMs: number,
  ) {}

  private ensure(): Promise<unknown> {
    this.created ??= this.client.createTable().catch((e: unknown) => {
      this.created = undefined;
      throw e;
    });
    return this.created;
  }

  /** The last completed tick of the target's check ("" when none, or no row). */
  async doneTick(target: string, check: string): Promise<string> {
    try {
      const e = await this.client.getEntity<LeaseEntity>(target, check);
      return typeof e.doneTick === "string" ? e.doneTick : "";
    } catch (e) {
      if (statusOf(e) === 404) return "";
      throw e;
    }
  }

  async acquire(target: string, check: string, tick: string): Promise<LeaseResult> {
    await this.ensure();
    const now = this.now().getTime();
    const until = now + this.ttlMs;
    let etag: string;
    let doneTick = "";
    try {
      const cur = await this.client.getEntity<LeaseEntity>(target, check);
      doneTick = typeof cur.doneTick === "string" ? cur.doneTick : "";
      if (doneTick && doneTick >= tick) return { kind: "done" };
      const curUntil = typeof cur.until === "number" ? cur.until : 0;
      if (curUntil > now && cur.holder !== this.holder) return { kind: "held", until: new Date(curUntil) };
      try {
        const r = await this.client.updateEntity(
          { partitionKey: target, rowKey: check, holder: this.holder, until, doneTick },
          "Replace",
          { etag: cur.etag },
        );
        etag = r.etag ?? "*";
      } catch (e) {
        if (isConflict(e)) return { kind: "held", until: new Date(until) };
        throw e;
      }
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
      try {
        const r = await this.client.createEntity({
          partitionKey: target,
          rowKey: check,
          holder: this.holder,
          until,
          doneTick: "",
        });
        etag = r.etag ?? "*";
      } catch (e2) {
        if (isConflict(e2)) return { kind: "held", until: new Date(until) };
        throw e2;
      }
    }
    return {
      kind: "acquired",
      release: async (completed) => {
        try {
          await this.client.updateEntity(
            {
              partitionKey: target,
              rowKey: check,
              holder: this.holder,
              until: 0,
              doneTick: completed && tick > doneTick ? tick : doneTick,
            },
            "Replace",
            { etag },
          );
        } catch (e) {
          // the lease ran out and another instance took it: its row is its own now
          if (!isConflict(e)) throw e;
        }
      },
    };
  }
}
