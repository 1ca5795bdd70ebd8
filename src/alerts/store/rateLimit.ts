import { statusOf } from "../../core/httpStatus.js";
import { isConflict, str, type AlertTable } from "./table.js";

const MARKERS = "markers";

export type MarkerTaken = { taken: true } | { taken: false; retryAfterMs: number };

/** Rate limits that hold across instances: one marker row per limit, holding when it was last taken. */
export class RateLimitMarkers {
  constructor(private readonly table: AlertTable) {}

  /**
   * Takes the marker when it is older than `everyMs` (ETag-guarded, so two instances cannot both
   * take it); otherwise says how long to wait.
   */
  async take(name: string, now: Date, everyMs: number): Promise<MarkerTaken> {
    await this.table.ensure();
    const { client } = this.table;
    const entity = { partitionKey: MARKERS, rowKey: name, at: now.toISOString() };
    try {
      const cur = await client.getEntity<Record<string, unknown>>(MARKERS, name);
      const last = Date.parse(str(cur, "at") ?? "");
      const wait = Number.isNaN(last) ? 0 : last + everyMs - now.getTime();
      if (wait > 0) return { taken: false, retryAfterMs: wait };
      await client.updateEntity(entity, "Replace", { etag: cur.etag });
      return { taken: true };
    } catch (e) {
      if (statusOf(e) === 404) {
        try {
          await client.createEntity(entity);
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
