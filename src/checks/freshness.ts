import { ok, problem, type Finding } from "./finding.js";
import type { Expected, Observed } from "./expected.js";
import { unknownFrom } from "./resources.js";

export function minutesSince(then: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - then.getTime()) / 60_000));
}

export function analyzeFreshness(e: Expected, o: Observed): Finding[] {
  const check = "ingestion.freshness";
  const resource = `${e.workspaceId}/tables/${e.profile.tableName}`;
  if (o.workspace.kind === "missing") return [unknownFrom(check, { reason: "the workspace does not exist" }, resource)];
  if (o.table.kind === "missing") return [unknownFrom(check, { reason: "the table does not exist" }, resource)];
  const i = o.ingestion;
  if (i.kind !== "found")
    return [unknownFrom(check, i.kind === "missing" ? { reason: "the query target was not found" } : i, resource)];
  const stats = i.value;
  const fix =
    "See the other findings for a broken piece; if all are ok, check the Keeper Admin Console (Reporting & Alerts → Azure Monitor Logs) is enabled and its Endpoint URL and secret are current.";
  if (stats.lastEvent === undefined)
    return [
      problem(
        check,
        "critical",
        `No Keeper event arrived in the last ${stats.window.replace(/^P(\d+)D$/, "$1 days")}.`,
        {
          resource,
          evidence: { window: stats.window, events: 0, thresholdMinutes: e.silenceThresholdMinutes },
          remediation: fix,
        },
      ),
    ];
  const minutes = minutesSince(stats.lastEvent, o.now);
  const evidence = {
    lastEvent: stats.lastEvent.toISOString(),
    minutesSince: minutes,
    thresholdMinutes: e.silenceThresholdMinutes,
    eventsInWindow: stats.events,
    window: stats.window,
  };
  if (minutes > e.silenceThresholdMinutes)
    return [
      problem(
        check,
        "critical",
        `No Keeper event for ${minutes} min (threshold ${e.silenceThresholdMinutes} min); the last arrived ${stats.lastEvent.toISOString()}.`,
        { resource, evidence, remediation: fix },
      ),
    ];
  return [
    ok(check, `Last Keeper event ${minutes} min ago (threshold ${e.silenceThresholdMinutes} min).`, {
      resource,
      evidence,
    }),
  ];
}
