import type { Finding, Severity } from "./finding.js";

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
  eventsPerHour?: Array<{ hour: string; count: number }>;
}

/** Where timers record their results (alert state, health); implemented by src/alerts. */
export interface FindingsSink {
  record(run: RunRecord): Promise<void>;
}
