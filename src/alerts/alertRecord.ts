import type { Finding, Severity, Status } from "../core/finding.js";
import type { RunRecord } from "../core/notifier.js";
import type { Incident } from "../report/incident.js";

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
  /** check|resource of the incident's cause (see recordKeyOf): a record per incident. */
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
  /** The incident as last seen (title, checks, fix); absent in records of an older version. */
  incident?: Incident;
  /**
   * The findings the incident carries (check|resource) with each one's latest status: the record
   * resolves when every one is ok, whichever run (drift or ingestion) reported it. Absent in the
   * finding-keyed records of an older version.
   */
  members?: Record<string, Status>;
  /** Start of the latest run applied, per source (runs of two sources move one incident). */
  runAt?: Partial<Record<RunRecord["source"], string>>;
}

export function alertKey(f: Pick<Finding, "check" | "resource">): string {
  return `${f.check}|${f.resource ?? ""}`;
}

/**
 * The record key of an incident: check|resource of its cause, the key a finding-keyed record of
 * that cause already has, so a record stored before incidents existed carries on.
 */
export function recordKeyOf(incidentId: string): string {
  const at = incidentId.indexOf(":");
  return at < 0 ? `${incidentId}|` : `${incidentId.slice(0, at)}|${incidentId.slice(at + 1)}`;
}

/** Incident key: the dedupe key of every notice of one incident (check|resource|incident start). */
export function incidentKey(r: Pick<AlertRecord, "key" | "since">): string {
  return `${r.key}|${r.since ?? ""}`;
}
