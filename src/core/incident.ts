import type { Severity, Status } from "./finding.js";

/**
 * One incident per cause: the findings a single cause explains, told once. Alerts open, remind and
 * resolve per incident; the findings keep their own ids in the Report and the state store.
 */
export interface Incident {
  /** Stable while the cause lasts (the cause's check and resource): alert state keys on it. */
  id: string;
  status: Exclude<Status, "ok">;
  severity: Severity;
  /** In words, with since when where known. */
  title: string;
  /** When it began (ISO), where known. */
  since?: string;
  /** The checks it carries: the cause's finding first, then its symptoms. */
  checks: string[];
  /** One pasteable fix, with real ids, when there is one. */
  fix?: string;
}
