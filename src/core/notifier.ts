import type { Finding, Severity } from "./finding.js";
import type { Incident } from "./incident.js";

/**
 * One message to people (an alert, a reminder, a resolved notice, a digest, a rotation hand-off).
 * Built by pure functions; channels (Teams, email) render it. It never holds a secret value, a
 * token, a webhook URL or a password hint.
 */
export interface Notice {
  /** Dedupe key: the same key is the same notification (e.g. check|resource|incident start). */
  key: string;
  kind: "opened" | "reminder" | "escalated" | "resolved" | "digest" | "handoff" | "channel";
  severity: Severity;
  title: string;
  summary: string;
  facts: Array<{ name: string; value: string }>;
  remediation?: string;
  links: Array<{ title: string; url: string }>;
  /** ISO time the notice was created. */
  at: string;
}

/** The one small interface every sender of notices uses (rotation's hand-off, the alert policy). */
export interface Notifier {
  /** Accepts the notice for delivery (queues it durably); resolves once it cannot be lost. */
  notify(notice: Notice): Promise<void>;
}

/** What a timer run hands to alerting: the findings of one run of one source. */
export interface RunRecord {
  source: "drift" | "ingestion" | "rotation";
  startedAt: string;
  finishedAt: string;
  findings: Finding[];
  /** Keeper events per hour (UTC hour start, ISO), when the run measured them: for the status page chart. */
  eventsPerHour?: HourPoint[];
  /** The last Keeper event (ISO), when the run read the table: where the status page shades an open gap. */
  lastEvent?: string;
  /** The customer's clock the run judged on: the status page shows times on it. */
  clock?: RunClock;
  /** The run's problems and unknowns by cause (Report.incidents); derived from the findings when absent. */
  incidents?: Incident[];
}

/** One hour of the status page chart: its events and, once the baseline is learned, the usual range for that hour of the week. */
export interface HourPoint {
  hour: string;
  count: number;
  /** Fewest and most events this hour of the week carried in the learned weeks (past outages left out). */
  low?: number;
  high?: number;
}

/** The clock of a run: TRAFFIC_TIME_ZONE when set, else the learned fixed offset (0: UTC). */
export interface RunClock {
  zone?: string;
  offsetMinutes: number;
  /** How it was chosen: "set" (TRAFFIC_TIME_ZONE) or "learned" (from the traffic). */
  origin: "set" | "learned";
}

/** Where timers record their results (alert state, health); implemented by src/alerts. */
export interface FindingsSink {
  record(run: RunRecord): Promise<void>;
}
