import type { Notice } from "../core/notifier.js";
import type { AlertRecord } from "./alertRecord.js";
import type { StoredRun } from "./store/runs.js";
import { describeCheck, groupedTitle, resourceName } from "./noticeContent.js";
import { compareText } from "../core/compareText.js";

/** The daily digest: says the monitor is alive and lists the open alerts. Key: one per UTC day. */
export function digestNotice(open: readonly AlertRecord[], runs: readonly StoredRun[], now: Date): Notice {
  const day = now.toISOString().slice(0, 10);
  const sorted = [...open].sort((a, b) => compareText(a.key, b.key));
  const worst = sorted.some((r) => r.severity === "critical") ? "critical" : sorted.length ? "warning" : "info";
  const facts: Notice["facts"] = sorted.map((r) => ({
    name: `${r.severity.toUpperCase()} since ${r.since ?? "?"}`,
    value: groupedTitle(r) ?? `${describeCheck(r.check)} on ${resourceName(r.resource)}`,
  }));
  for (const r of runs) facts.push({ name: `Last ${r.source} run`, value: r.finishedAt });
  return {
    key: `digest|${day}`,
    kind: "digest",
    severity: worst,
    title: `Daily digest ${day}: ${sorted.length === 0 ? "no open alerts" : `${sorted.length} open alert${sorted.length === 1 ? "" : "s"}`}`,
    summary:
      sorted.length === 0
        ? "The Keeper connector monitor is running and no alert is open."
        : "The Keeper connector monitor is running. These alerts are still open:",
    facts,
    links: [],
    at: now.toISOString(),
  };
}
