import type { Report } from "./report.js";

const MARK: Record<string, string> = { ok: "ok", problem: "PROBLEM", unknown: "unknown" };

/** The human report: a table of check, status and summary, then the fixes. */
export function renderText(report: Report): string {
  const rows = report.findings.map((f) => [
    f.check,
    f.status === "problem" ? `${MARK[f.status]} (${f.severity})` : (MARK[f.status] ?? f.status),
    f.summary,
  ]);
  const w0 = Math.max(5, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(6, ...rows.map((r) => r[1]!.length));
  const lines = [
    `Keeper connector: ${report.status.toUpperCase()}  (DCR ${report.target.dcr.split("/").pop()}, app ${report.target.appId})`,
    "",
    `${"CHECK".padEnd(w0)}  ${"STATUS".padEnd(w1)}  SUMMARY`,
    ...rows.map(([a, b, c]) => `${a!.padEnd(w0)}  ${b!.padEnd(w1)}  ${c}`),
  ];
  const fixes = report.findings.filter((f) => f.status !== "ok" && f.remediation);
  if (fixes.length) {
    lines.push("", "How to fix:");
    for (const f of fixes) lines.push(`  - ${f.check}: ${f.remediation}`);
  }
  if (report.target.endpointUrl) lines.push("", `Endpoint URL Keeper must hold: ${report.target.endpointUrl}`);
  lines.push("", `Checked ${report.startedAt} → ${report.finishedAt}`);
  return lines.join("\n") + "\n";
}
