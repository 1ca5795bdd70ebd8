import type { Finding } from "../../src/core/finding.js";
import { MIN } from "./plan.js";

/** Checks that say a resource is missing or changed: only a real change may make them a problem. */
export const STRUCTURAL_CHECKS = new Set([
  "app.exists",
  "app.servicePrincipal",
  "dce.endpoint",
  "dce.exists",
  "dcr.dataFlow",
  "dcr.exists",
  "dcr.immutableId",
  "dcr.stream",
  "role.assignment",
  "table.exists",
  "table.schema",
  "workspace.exists",
]);

/** A silence shorter than this (the smallest threshold, SILENCE_MIN_MINUTES, less a tick) is not real. */
export const MIN_REAL_SILENCE_MS = 15 * MIN;
/** Any silence this long must be alerted: SILENCE_MAX_MINUTES (720) plus one watch tick and a margin. */
export const MUST_ALERT_SILENCE_MS = (720 + 30) * MIN;
/** Any break this long must be alerted: two drift runs (ALERT_OPEN_AFTER) and generous room for faults. */
export const MUST_ALERT_BREAK_MS = 150 * MIN;

export type ChannelName = "teams" | "email";

/** One run's findings as the sink received them, with the ground truth at that moment. */
export interface RunSeen {
  at: number;
  source: string;
  findings: Array<Pick<Finding, "check" | "status" | "severity" | "summary">>;
  /** Checks the break applied at that moment may make a problem. */
  allowed: string[];
  /** How long no Keeper event had arrived (the real data gap), ms. */
  gapMs: number;
}

/** One queued notice on one channel, and how many times the channel really received it. */
export interface NoticeSeen {
  channel: ChannelName;
  key: string;
  kind: string;
  check: string;
  since: string;
  received: number;
}

export interface Trace {
  seed: number;
  /** Simulated days of chaos (for the replay command). */
  days?: number;
  channels: ChannelName[];
  runs: RunSeen[];
  notices: NoticeSeen[];
  breaks: Array<{ scenario: string; start: number; end: number; checks: string[] }>;
  /** Periods with no Keeper event arriving (Keeper outage, broken pipeline, unusable secret). */
  gaps: Array<{ start: number; end: number }>;
  /** Channels that saw a failure where the message may have arrived (timeout, crash after send). */
  ambiguous: ChannelName[];
  /** Credential invariants broken at some tick (checked as the simulation runs). */
  credentials: string[];
  /** Secret values found in captured output. */
  leaks: string[];
  events: Array<{ t: number; what: string }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Every invariant broken by one simulated run; empty when the seed passed. */
export function checkInvariants(trace: Trace): string[] {
  const bad: string[] = [];
  // 1. No "missing"/"changed" problem, and no silence, that the ground truth does not explain.
  for (const r of trace.runs)
    for (const f of r.findings) {
      if (f.status !== "problem") continue;
      if (STRUCTURAL_CHECKS.has(f.check) && !r.allowed.includes(f.check))
        bad.push(`false ${f.check} problem at ${iso(r.at)} (${r.source} run; nothing broken there): ${f.summary}`);
      if (f.check === "ingestion.freshness" && r.gapMs < MIN_REAL_SILENCE_MS)
        bad.push(
          `false silence at ${iso(r.at)}: events arrived ${Math.round(r.gapMs / MIN)} min before (${f.summary})`,
        );
    }
  // 2. No lost alert: every long real problem reached every channel.
  const opened = (ch: ChannelName, check: string, from: number, to: number) =>
    trace.notices.some(
      (n) =>
        n.channel === ch &&
        n.check === check &&
        n.kind === "opened" &&
        n.received > 0 &&
        Date.parse(n.since) >= from &&
        Date.parse(n.since) <= to,
    );
  for (const b of trace.breaks) {
    if (b.end - b.start < MUST_ALERT_BREAK_MS) continue;
    for (const check of b.checks)
      for (const ch of trace.channels)
        if (!opened(ch, check, b.start, b.end))
          bad.push(`lost alert: ${b.scenario} (${iso(b.start)} → ${iso(b.end)}) never reached ${ch} for ${check}`);
  }
  for (const g of trace.gaps) {
    if (g.end - g.start < MUST_ALERT_SILENCE_MS) continue;
    for (const ch of trace.channels)
      if (!opened(ch, "ingestion.freshness", g.start, g.end))
        bad.push(`lost alert: no Keeper events ${iso(g.start)} → ${iso(g.end)}, never reached ${ch}`);
  }
  // 3. At most one duplicate per notice and channel, and only after an ambiguous failure.
  for (const n of trace.notices) {
    if (n.received > 2) bad.push(`${n.received} copies of ${n.key} on ${n.channel}`);
    else if (n.received === 2 && !trace.ambiguous.includes(n.channel))
      bad.push(`duplicate ${n.key} on ${n.channel} with no ambiguous failure`);
  }
  // 4. and 5. Credentials and leaks were checked as the run went.
  bad.push(...trace.credentials, ...trace.leaks.map((l) => `secret leaked: ${l}`));
  return bad;
}

/** What a failing seed prints: the seed, how to replay it, what broke, and the events around it. */
export function failureReport(trace: Trace, violations: readonly string[]): string {
  const tail = trace.events.slice(-40).map((e) => `  ${iso(e.t)} ${e.what}`);
  return [
    `seed ${trace.seed} FAILED (replay: npm run test:sim -- --seed ${trace.seed} --days ${trace.days ?? 1})`,
    ...violations.slice(0, 20).map((v) => `  ✗ ${v}`),
    violations.length > 20 ? `  … ${violations.length - 20} more` : "",
    "  last events:",
    ...tail,
  ]
    .filter(Boolean)
    .join("\n");
}
