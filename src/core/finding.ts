/** The Finding and Report model: the monitor's public output (see README "Report"). */
import type { Cause } from "./cause.js";
import { compareText } from "./compareText.js";

export type Status = "ok" | "problem" | "unknown";
export type Severity = "info" | "warning" | "critical";

export interface Evidence {
  expected?: unknown;
  actual?: unknown;
  /** Names of the fields that differ from what is expected. */
  changed?: string[];
  [key: string]: unknown;
}

export interface Finding {
  check: string;
  status: Status;
  severity: Severity;
  summary: string;
  resource?: string;
  evidence?: Evidence;
  remediation?: string;
  /** What broke, as data, for the ingestion diagnosis; internal, never part of a Report. */
  cause?: Cause;
}

export const CHECK_CATALOG = [
  "alerts.channel",
  "app.exists",
  "app.servicePrincipal",
  "dce.endpoint",
  "dce.exists",
  "dcr.dataFlow",
  "dcr.exists",
  "dcr.immutableId",
  "dcr.stream",
  "ingestion.diagnosis",
  "ingestion.freshness",
  "ingestion.latency",
  "ingestion.volume",
  "role.assignment",
  "rotation.cutover",
  "rotation.state",
  "secret.expiry",
  "secret.vault",
  "table.exists",
  "table.schema",
  "workspace.exists",
] as const;

export function ok(check: string, summary: string, extra: Partial<Finding> = {}): Finding {
  return { check, status: "ok", severity: "info", summary, ...extra };
}

export function problem(check: string, severity: Severity, summary: string, extra: Partial<Finding> = {}): Finding {
  return { check, status: "problem", severity, summary, ...extra };
}

export function unknown(check: string, summary: string, extra: Partial<Finding> = {}): Finding {
  return { check, status: "unknown", severity: "warning", summary, ...extra };
}

/** Stable output: by check id, then resource, then summary. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      compareText(a.check, b.check) ||
      compareText(a.resource ?? "", b.resource ?? "") ||
      compareText(a.summary, b.summary),
  );
}

/** The finding as a Report holds it: the public fields only, without the internal cause. */
export function withoutCause(f: Finding): Finding {
  if (f.cause === undefined) return f;
  const { cause: _cause, ...rest } = f;
  return rest;
}
