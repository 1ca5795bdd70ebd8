import type { Finding, Severity } from "../core/finding.js";

/** What the policy needs to know; plain numbers so tests can vary them. */
export interface PolicySettings {
  /** Consecutive problem runs before an alert opens. */
  openAfter: number;
  /** Consecutive ok runs before an open alert resolves. */
  resolveAfter: number;
  renotifyHours: number;
  /** Portal base and tenant, for the "open in portal" links. */
  portalUrl: string;
  tenantId: string;
}

/**
 * The alert state of one check on one resource: data, not memory, so a restart in the middle of
 * an incident carries on where it was (gatus' alert model, Alertmanager's notification log).
 */
export interface AlertRecord {
  /** check|resource */
  key: string;
  check: string;
  resource: string;
  state: "ok" | "pending" | "open";
  problemStreak: number;
  okStreak: number;
  /** Start of the current problem streak (run start), the incident start once open. */
  since?: string;
  severity: Severity;
  /** The latest problem finding (summary, evidence, fix) shown in reminders and resolved notices. */
  finding?: Finding;
  openedAt?: string;
  lastNotifiedAt?: string;
  /** Start of the latest run applied: a replayed or older run is ignored (duplicate ticks). */
  lastRunAt?: string;
  resolvedAt?: string;
}

export function alertKey(f: Pick<Finding, "check" | "resource">): string {
  return `${f.check}|${f.resource ?? ""}`;
}

/** Incident key: the dedupe key of every notice of one incident (check|resource|incident start). */
export function incidentKey(r: Pick<AlertRecord, "key" | "since">): string {
  return `${r.key}|${r.since ?? ""}`;
}
