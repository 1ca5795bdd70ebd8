import { statusOf } from "../../core/httpStatus.js";
import type { HourPoint, RunClock, RunRecord } from "../../core/notifier.js";
import { groupIncidents, type Incident } from "../../report/incident.js";
import { isConflict, parsed, storedJson, str, type AlertTable } from "./table.js";
import { compareText } from "../../core/compareText.js";

const RUNS = "runs";

/** The latest run of one source, as health shows it: ids, statuses, summaries, times, the chart. */
export interface StoredRun {
  source: RunRecord["source"];
  startedAt: string;
  finishedAt: string;
  findings: Array<{ check: string; status: string; severity: string; summary: string; resource?: string }>;
  eventsPerHour?: HourPoint[];
  lastEvent?: string;
  clock?: RunClock;
  /** The run's incidents (titles and fixes bounded); absent in rows stored before they were kept. */
  incidents?: Incident[];
}

/**
 * A run as stored: the public fields of its findings, its chart (8 days at most), and its incidents:
 * the run's own, plus one per finding none of them carries (the alerts.channel findings added on the way).
 */
export function storedRun(run: RunRecord): StoredRun {
  const own = run.incidents ?? [];
  const carried = new Set(own.flatMap((i) => i.checks));
  const incidents = [
    ...own,
    ...groupIncidents(
      run.findings.filter((f) => !carried.has(f.check)),
      { at: new Date(run.finishedAt) },
    ),
  ]
    .slice(0, 50)
    .map((i) => ({
      ...i,
      title: i.title.slice(0, 500),
      checks: i.checks.slice(0, 20),
      ...(i.fix ? { fix: i.fix.slice(0, 1000) } : {}),
    }));
  return {
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
    ...(run.lastEvent ? { lastEvent: run.lastEvent } : {}),
    ...(run.clock ? { clock: run.clock } : {}),
    incidents,
  };
}

/** The latest run of each source (drift, ingestion, …), for health and the digest. */
export class RunStore {
  constructor(private readonly table: AlertTable) {}

  async save(run: RunRecord): Promise<void> {
    await this.table.ensure();
    const { client } = this.table;
    const json = storedJson(storedRun(run));
    // An older run finishing late must not replace a newer one.
    try {
      const cur = await client.getEntity<Record<string, unknown>>(RUNS, run.source);
      if ((str(cur, "startedAt") ?? "") > run.startedAt) return;
      await client.updateEntity({ partitionKey: RUNS, rowKey: run.source, startedAt: run.startedAt, json }, "Replace", {
        etag: cur.etag,
      });
    } catch (e) {
      if (statusOf(e) === 404) {
        await client
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

  /** One run per source, by source; unreadable rows skipped. */
  async latest(): Promise<StoredRun[]> {
    await this.table.ensure();
    const out: StoredRun[] = [];
    const it = this.table.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${RUNS}'` },
    });
    for await (const e of it) {
      const run = parsed<StoredRun>(e, "json");
      if (run && typeof run.source === "string" && Array.isArray(run.findings)) out.push(run);
      else this.table.skip(e, "run");
    }
    return out.sort((a, b) => compareText(a.source, b.source));
  }
}
