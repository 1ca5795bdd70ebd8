import type { Finding } from "../core/finding.js";
import type { Logger } from "../core/logger.js";
import type { Channel } from "./channel.js";
import { channelFindings } from "./channelFinding.js";
import { deliverDue, type DeliveryResult } from "./delivery.js";
import { digestNotice } from "./digest.js";
import type { FindingsSink, Notice, Notifier, RunRecord } from "../core/notifier.js";
import type { AlertRecord, PolicySettings } from "./alertRecord.js";
import { evaluate } from "./policy.js";
import { isConflict, type AlertStore, type RecordChange } from "./store/index.js";

export interface AlertManagerDeps {
  store: Pick<AlertStore, "records" | "outbox" | "channelHealth" | "runs">;
  channels: readonly Channel[];
  settings: PolicySettings;
  now: () => Date;
  log: Logger;
  /** The connector's name, when one deployment watches several: every notice names it. */
  connector?: string;
}

/** The notice with the connector's name in its title and first fact (once). */
export function namingConnector(notice: Notice, connector: string | undefined): Notice {
  if (!connector || notice.facts.some((f) => f.name === "Connector")) return notice;
  return {
    ...notice,
    title: `${connector}: ${notice.title}`,
    facts: [{ name: "Connector", value: connector }, ...notice.facts],
  };
}

/** How often to re-read and re-apply a run when another run moved the same records meanwhile. */
const MAX_ATTEMPTS = 6;

/**
 * The FindingsSink and Notifier of the app: stores each run (for health), applies the alert
 * policy to the stored records, queues the notices in the same transaction, and tries to deliver
 * at once (the delivery timer retries what is due). Safe to run twice and concurrently.
 */
export class AlertManager implements FindingsSink, Notifier {
  constructor(private readonly deps: AlertManagerDeps) {}

  /** The same manager logging through another logger (one per invocation). */
  withLog(log: Logger): AlertManager {
    return new AlertManager({ ...this.deps, log });
  }

  get channelNames() {
    return this.deps.channels.map((c) => c.name);
  }

  /** The alerts.channel findings: where alerts go and whether a channel is degraded. */
  async channelFindings(): Promise<Finding[]> {
    const health = await Promise.all(this.deps.channels.map((c) => this.deps.store.channelHealth.get(c.name)));
    return channelFindings(this.channelNames, health);
  }

  async record(run: RunRecord): Promise<void> {
    const { store, log } = this.deps;
    // The run as stored for health also says where alerts go (drift runs carry it).
    const findings =
      run.source === "drift" && !run.findings.some((f) => f.check === "alerts.channel")
        ? [...run.findings, ...(await this.channelFindings())]
        : run.findings;
    await store.runs.save({ ...run, findings });
    const notices = await this.apply({ ...run, findings: findings.filter((f) => f.check !== "alerts.channel") });
    log.info("alerts evaluated", {
      source: run.source,
      notices: notices.length,
      channels: this.channelNames.join(",") || "none",
    });
    if (notices.length && this.deps.channels.length === 0)
      log.warn("alerts go nowhere: no channel configured (ALERT_TEAMS_WEBHOOK_URL, ALERT_EMAIL_FROM/TO)", {
        notices: notices.length,
      });
    await this.deliver();
  }

  /** Applies a run to the records; retries from a fresh read when another run got there first. */
  async apply(run: RunRecord): Promise<Notice[]> {
    const { store, settings } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const loaded = await store.records.load();
      const records = new Map<string, AlertRecord>([...loaded].map(([k, v]) => [k, v.record]));
      const now = this.deps.now();
      const evaluated = evaluate(records, run, settings, now);
      const named = (n: Notice) => namingConnector(n, this.deps.connector);
      const notices = evaluated.notices.map(named);
      const changes: RecordChange[] = evaluated.steps.map((s) => ({
        record: s.record,
        notices: s.notices.map(named),
        etag: loaded.get(s.record.key)?.etag,
        retire: s.retire.flatMap((key) => {
          const etag = loaded.get(key)?.etag;
          return etag === undefined ? [] : [{ key, etag }];
        }),
      }));
      try {
        await store.records.commit(changes, this.channelNames, now);
        return notices;
      } catch (e) {
        // Another run moved a record (412) or created it (409): re-read and re-apply; records
        // that already saw this run ignore it (lastRunAt), so nothing is counted twice.
        if (!isConflict(e) || attempt >= MAX_ATTEMPTS) throw e;
      }
    }
  }

  /** Notifier: queues the notice durably on every configured channel, then tries to deliver. */
  async notify(given: Notice): Promise<void> {
    const now = this.deps.now();
    const notice = namingConnector(given, this.deps.connector);
    for (const c of this.deps.channels) await this.deps.store.outbox.enqueue(notice, c.name, now);
    if (this.deps.channels.length === 0)
      this.deps.log.warn("alerts go nowhere: no channel configured", { kind: notice.kind });
    await this.deliver().catch((e: unknown) => {
      // Queued is enough for notify(): the delivery timer sends it.
      this.deps.log.warn("immediate delivery failed; the delivery timer retries", {
        why: e instanceof Error ? e.name : "error",
      });
    });
  }

  pruneSent(before: Date): Promise<number> {
    return this.deps.store.outbox.pruneSent(before);
  }

  deliver(): Promise<DeliveryResult> {
    return deliverDue(this.deps);
  }

  /** The daily digest: the monitor is alive, and the open alerts. One per UTC day (dedupe key). */
  async digest(): Promise<Notice> {
    const loaded = await this.deps.store.records.load();
    const open = [...loaded.values()].map((v) => v.record).filter((r) => r.state === "open");
    const runs = await this.deps.store.runs.latest();
    const notice = digestNotice(open, runs, this.deps.now());
    await this.notify(notice);
    return notice;
  }
}
