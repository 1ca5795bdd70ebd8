import type { Report } from "./report.js";
import { visible } from "../core/safeText.js";

const MARK: Record<string, string> = { ok: "ok", problem: "PROBLEM", unknown: "unknown" };

/**
 * The human report: a table of check, status and summary, then the fixes. Every value is shown
 * through visible(): no control character, ESC sequence or line break from Azure reaches the terminal.
 */
export function renderText(report: Report): string {
  const rows = report.findings.map((f) => [
    visible(f.check, 100),
    f.status === "problem"
      ? `${MARK[f.status]} (${visible(f.severity, 20)})`
      : (MARK[f.status] ?? visible(f.status, 20)),
    visible(f.summary),
  ]);
  const w0 = Math.max(5, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(6, ...rows.map((r) => r[1]!.length));
  const lines = [
    `Keeper connector: ${visible(report.status.toUpperCase(), 20)}  (DCR ${visible(report.target.dcr.split("/").pop() ?? "", 300)}, app ${visible(report.target.appId, 100)})`,
    "",
    `${"CHECK".padEnd(w0)}  ${"STATUS".padEnd(w1)}  SUMMARY`,
    ...rows.map(([a, b, c]) => `${a!.padEnd(w0)}  ${b!.padEnd(w1)}  ${c}`),
  ];
  const fixes = report.findings.filter((f) => f.status !== "ok" && f.remediation);
  if (fixes.length) {
    lines.push("", "How to fix:");
    for (const f of fixes) lines.push(`  - ${visible(f.check, 100)}: ${visible(f.remediation ?? "")}`);
  }
  if (report.target.endpointUrl)
    lines.push("", `Endpoint URL Keeper must hold: ${visible(report.target.endpointUrl, 500)}`);
  lines.push("", `Checked ${visible(report.startedAt, 40)} → ${visible(report.finishedAt, 40)}`);
  return lines.join("\n") + "\n";
}
