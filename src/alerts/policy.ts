import type { Finding, Severity, Status } from "../core/finding.js";
import type { Notice, RunRecord } from "../core/notifier.js";
import { groupFindings, type Incident } from "../report/incident.js";
import { alertKey, recordKeyOf, type AlertRecord, type PolicySettings } from "./alertRecord.js";
import { noticeFor } from "./noticeContent.js";

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
/**
 * An expired secret opens at once. The signal is the evidence (every credential's end date is
 * past at the run's time), not the wording of the summary; the wording is a fallback when a
 * finding carries no evidence.
 */
export function isExpiredSecret(f: Finding, at: Date): boolean {
  if (f.check !== "secret.expiry" || f.status !== "problem" || f.severity !== "critical") return false;
  const creds = f.evidence?.["credentials"];
  if (Array.isArray(creds) && creds.length > 0) {
    return creds.every((c: unknown) => {
      const end = (c as { endDateTime?: unknown } | null)?.endDateTime;
      return typeof end === "string" && Date.parse(end) <= at.getTime();
    });
  }
  return /\bexpired\b/i.test(f.summary);
}

export function openThreshold(f: Finding, settings: PolicySettings, at: Date): number {
  if (f.check === "ingestion.freshness" || isExpiredSecret(f, at)) return 1;
  return settings.openAfter;
}

/** Of several findings for the same check and resource in one run, the worst one counts. */
function worst(findings: readonly Finding[]): Map<string, Finding> {
  const score = (f: Finding) => (f.status === "problem" ? 10 + RANK[f.severity] : f.status === "unknown" ? 1 : 0);
  const out = new Map<string, Finding>();
  for (const f of findings) {
    const k = alertKey(f);
    const prev = out.get(k);
    if (!prev || score(f) > score(prev)) out.set(k, f);
  }
  return out;
}

export function emptyRecord(f: Finding): AlertRecord {
  return {
    key: alertKey(f),
    check: f.check,
    resource: f.resource ?? "",
    state: "ok",
    problemStreak: 0,
    okStreak: 0,
    severity: "info",
  };
}

/**
 * Applies one finding to one record. Pure: returns the new record and the notices it causes.
 * `unknown` neither opens nor resolves, and leaves the streaks as they were.
 */
export function step(
  record: AlertRecord,
  f: Finding,
  run: Pick<RunRecord, "startedAt" | "finishedAt"> & { source?: RunRecord["source"] },
  settings: PolicySettings,
  now: Date,
  /** Runs before it opens; default the finding's own (see openThreshold). */
  threshold?: number,
): { record: AlertRecord; notices: Notice[] } {
  if (alreadyApplied(record, run)) return { record, notices: [] };
  const r: AlertRecord = {
    ...record,
    lastRunAt: run.startedAt,
    ...(run.source ? { runAt: { ...record.runAt, [run.source]: run.startedAt } } : {}),
  };
  const notices: Notice[] = [];
  const nowIso = now.toISOString();
  const remindIfDue = () => {
    const last = r.lastNotifiedAt ? Date.parse(r.lastNotifiedAt) : 0;
    const every = settings.renotifyHours * 3_600_000;
    if (now.getTime() - last >= every) {
      // The reminder's key names its slot, so a replayed tick cannot send a second one.
      const slot = Math.floor((now.getTime() - Date.parse(r.openedAt ?? nowIso)) / every);
      notices.push(noticeFor("reminder", r, settings, now, `reminder-${slot}`));
      r.lastNotifiedAt = nowIso;
    }
  };

  if (f.status === "unknown") {
    if (r.state === "open") remindIfDue();
    return { record: r, notices };
  }

  if (f.status === "problem") {
    r.okStreak = 0;
    r.problemStreak++;
    if (r.problemStreak === 1 && r.state !== "open") r.since = run.startedAt;
    const before = r.severity;
    r.severity = f.severity;
    r.finding = f;
    if (r.state === "open") {
      if (RANK[f.severity] > RANK[before]) {
        notices.push(noticeFor("escalated", r, settings, now, `escalated-${f.severity}`));
        r.lastNotifiedAt = nowIso;
      } else remindIfDue();
    } else if (r.problemStreak >= (threshold ?? openThreshold(f, settings, new Date(run.finishedAt)))) {
      r.state = "open";
      r.openedAt = nowIso;
      r.resolvedAt = undefined;
      notices.push(noticeFor("opened", r, settings, now, "opened"));
      r.lastNotifiedAt = nowIso;
    } else r.state = "pending";
    return { record: r, notices };
  }

  // ok
  r.problemStreak = 0;
  r.okStreak++;
  if (r.state === "pending") {
    r.state = "ok";
    r.since = undefined;
    r.finding = undefined;
    r.severity = "info";
  } else if (r.state === "open" && r.okStreak >= settings.resolveAfter) {
    notices.push(noticeFor("resolved", r, settings, now, "resolved"));
    r.state = "ok";
    r.resolvedAt = nowIso;
    r.lastNotifiedAt = nowIso;
    r.since = undefined;
    r.openedAt = undefined;
    r.finding = undefined;
    r.incident = undefined;
    r.severity = "info";
  }
  return { record: r, notices };
}

/** A replayed or older run of the same source (or, for an older record, of any source). */
function alreadyApplied(record: AlertRecord, run: { startedAt: string; source?: RunRecord["source"] }): boolean {
  const last = run.source && record.runAt ? record.runAt[run.source] : record.lastRunAt;
  return last !== undefined && Date.parse(run.startedAt) <= Date.parse(last);
}

/** Records of an older version, keyed by one finding, merged into the incident that carries it. */
function adopt(into: AlertRecord, old: readonly AlertRecord[]): AlertRecord {
  const r = { ...into };
  const min = (a?: string, b?: string) => (a === undefined ? b : b === undefined ? a : a < b ? a : b);
  const max = (a?: string, b?: string) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);
  for (const o of old) {
    if (o.state === "open" || (o.state === "pending" && r.state === "ok")) r.state = o.state;
    r.problemStreak = Math.max(r.problemStreak, o.problemStreak);
    r.since = min(r.since, o.since);
    r.openedAt = min(r.openedAt, o.openedAt);
    r.lastNotifiedAt = max(r.lastNotifiedAt, o.lastNotifiedAt);
    if (RANK[o.severity] > RANK[r.severity]) r.severity = o.severity;
    r.finding ??= o.finding;
  }
  return r;
}

/**
 * Evaluates one run against the stored records, one record per incident (groupFindings): the
 * cause's finding and its symptoms open, remind and resolve together. Findings of one run that
 * the run does not mention leave their records alone (another source reports them); a record
 * resolves only when every finding it carries is ok. A finding-keyed record of an older version
 * is merged into the incident that carries its finding (`retire`: the keys to delete), so an open
 * alert stays open and does not page again.
 */
export function evaluate(
  records: ReadonlyMap<string, AlertRecord>,
  run: RunRecord,
  settings: PolicySettings,
  now: Date,
): {
  changed: AlertRecord[];
  notices: Notice[];
  steps: Array<{ record: AlertRecord; notices: Notice[]; retire: string[] }>;
} {
  const latest = [...worst(run.findings).values()];
  const targets = new Map<string, { incident?: Incident; findings: Finding[] }>();
  const placed = new Set<Finding>();
  for (const g of groupFindings(latest, { at: new Date(run.finishedAt) })) {
    targets.set(recordKeyOf(g.incident.id), { incident: g.incident, findings: g.findings });
    for (const f of g.findings) placed.add(f);
  }
  for (const f of latest) {
    if (placed.has(f)) continue;
    // an ok finding moves the incident that carries it, else its own record
    const own = alertKey(f);
    const holder =
      [...records.values()].find((r) => r.key !== own && r.state !== "ok" && r.members?.[own] !== undefined)?.key ??
      own;
    const t = targets.get(holder) ?? { findings: [] };
    t.findings.push(f);
    targets.set(holder, t);
  }

  const steps: Array<{ record: AlertRecord; notices: Notice[]; retire: string[] }> = [];
  for (const [key, t] of targets) {
    const memberKeys = t.findings.map(alertKey);
    const old = memberKeys
      .filter((k) => k !== key)
      .map((k) => records.get(k))
      .filter((r): r is AlertRecord => r !== undefined && r.members === undefined && r.state !== "ok");
    const first = t.findings[0]!;
    const stored = records.get(key);
    const base: AlertRecord = stored ?? { ...emptyRecord(first), key, ...keyParts(key) };
    const before = old.length ? adopt(base, old) : base;
    const members: Record<string, Status> = { ...before.members };
    for (const f of t.findings) members[alertKey(f)] = f.status;
    const problems = t.findings.filter((f) => f.status === "problem");
    const rep = problems[0] ?? t.findings.find((f) => f.status === "unknown") ?? first;
    const withIncident: AlertRecord = {
      ...before,
      members,
      ...(problems.length && t.incident ? { incident: t.incident } : {}),
    };
    const othersBroken = Object.entries(members).some(([k, st]) => st === "problem" && !memberKeys.includes(k));
    let out: { record: AlertRecord; notices: Notice[] };
    if (rep.status === "ok" && othersBroken)
      // another source still reports a problem of this incident: it does not resolve yet
      out = alreadyApplied(before, run) ? { record: before, notices: [] } : { record: withIncident, notices: [] };
    else {
      const threshold = problems.length
        ? Math.min(...problems.map((f) => openThreshold(f, settings, new Date(run.finishedAt))))
        : undefined;
      out = step(withIncident, rep, run, settings, now, threshold);
      if (out.record === withIncident && alreadyApplied(before, run)) out = { record: before, notices: [] };
    }
    if (out.record !== stored || old.length) steps.push({ ...out, retire: old.map((r) => r.key) });
  }
  return { changed: steps.map((s) => s.record), notices: steps.flatMap((s) => s.notices), steps };
}

function keyParts(key: string): { check: string; resource: string } {
  const at = key.indexOf("|");
  return { check: key.slice(0, at), resource: key.slice(at + 1) };
}
