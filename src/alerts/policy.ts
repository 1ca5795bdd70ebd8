import type { Finding, Severity } from "../core/finding.js";
import type { Notice, RunRecord } from "../core/notifier.js";
import { alertKey, type AlertRecord, type PolicySettings } from "./alertRecord.js";
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
  run: Pick<RunRecord, "startedAt" | "finishedAt">,
  settings: PolicySettings,
  now: Date,
): { record: AlertRecord; notices: Notice[] } {
  if (record.lastRunAt !== undefined && Date.parse(run.startedAt) <= Date.parse(record.lastRunAt))
    return { record, notices: [] };
  const r: AlertRecord = { ...record, lastRunAt: run.startedAt };
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
    } else if (r.problemStreak >= openThreshold(f, settings, new Date(run.finishedAt))) {
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
    r.severity = "info";
  }
  return { record: r, notices };
}

/**
 * Evaluates one run against the stored records. Findings of one run that the run does not
 * mention leave their records alone (another source reports them).
 */
export function evaluate(
  records: ReadonlyMap<string, AlertRecord>,
  run: RunRecord,
  settings: PolicySettings,
  now: Date,
): { changed: AlertRecord[]; notices: Notice[]; steps: Array<{ record: AlertRecord; notices: Notice[] }> } {
  const steps: Array<{ record: AlertRecord; notices: Notice[] }> = [];
  for (const [k, f] of worst(run.findings)) {
    const before = records.get(k) ?? emptyRecord(f);
    const out = step(before, f, run, settings, now);
    if (out.record !== before) steps.push(out);
  }
  return { changed: steps.map((s) => s.record), notices: steps.flatMap((s) => s.notices), steps };
}
