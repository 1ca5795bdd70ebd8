import { escapeHtml, inertHtml } from "../core/safeText.js";

export interface StatusPageModel {
  status: string;
  healthy: boolean;
  now: string;
  runs: Array<{ source: string; finishedAt: string; ageSeconds: number }>;
  checks: Array<{ check: string; status: string; severity: string; summary: string }>;
  /** Keeper events per UTC hour; undefined or empty: "no data yet". */
  eventsPerHour?: Array<{ hour: string; count: number }>;
}

const HOURS = 7 * 24;
const W = 840;
const H = 160;
const PAD = 30;

/** Bars of events per hour over the 7 days before `now`, as inline SVG (no script, no external file). */
export function renderChart(points: StatusPageModel["eventsPerHour"], now: string): string {
  const end = Math.floor(Date.parse(now) / 3_600_000) * 3_600_000;
  const start = end - (HOURS - 1) * 3_600_000;
  const byHour = new Map<number, number>();
  for (const p of points ?? []) {
    const t = Math.floor(Date.parse(p.hour) / 3_600_000) * 3_600_000;
    if (t >= start && t <= end && Number.isFinite(p.count)) byHour.set(t, (byHour.get(t) ?? 0) + Math.max(0, p.count));
  }
  const title = "Keeper events per hour, last 7 days (UTC)";
  if (byHour.size === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${title}: no data yet"><rect x="0" y="0" width="${W}" height="${H}" fill="#f5f5f5"/><text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="14" fill="#605e5c">No data yet: no ingestion run has stored hourly counts.</text></svg>`;
  const max = Math.max(1, ...byHour.values());
  const bw = (W - PAD) / HOURS;
  const bars: string[] = [];
  for (let i = 0; i < HOURS; i++) {
    const t = start + i * 3_600_000;
    const c = byHour.get(t) ?? 0;
    const h = Math.round(((H - PAD) * c) / max);
    const x = (PAD + i * bw).toFixed(1);
    bars.push(
      `<rect x="${x}" y="${H - PAD / 2 - h}" width="${Math.max(1, bw - 0.5).toFixed(1)}" height="${h}" fill="${c === 0 ? "#c4314b" : "#0f6cbd"}"><title>${new Date(t).toISOString().slice(0, 13)}:00 ${c}</title></rect>`,
    );
  }
  const days: string[] = [];
  for (let d = 0; d < 7; d++) {
    const t = start + d * 24 * 3_600_000;
    days.push(
      `<text x="${(PAD + d * 24 * bw).toFixed(1)}" y="${H - 2}" font-size="10" fill="#605e5c">${new Date(t).toISOString().slice(5, 10)}</text>`,
    );
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${title}">`,
    `<text x="0" y="12" font-size="10" fill="#605e5c">${max}</text>`,
    `<line x1="${PAD}" y1="${H - PAD / 2}" x2="${W}" y2="${H - PAD / 2}" stroke="#8a8886"/>`,
    ...bars,
    ...days,
    `</svg>`,
  ].join("");
}

const MARK: Record<string, string> = { ok: "#237b4b", problem: "#c4314b", unknown: "#8a8886" };

/** The small status page of GET /api/health?format=html. Pure; no script. */
export function renderStatusPage(m: StatusPageModel): string {
  const rows = m.checks
    .map(
      (c) =>
        `<tr><td>${inertHtml(c.check, 100)}</td><td style="color:${MARK[c.status] ?? "#242424"};font-weight:600">${inertHtml(c.status, 20)}${c.status === "problem" ? ` (${inertHtml(c.severity, 20)})` : ""}</td><td>${inertHtml(c.summary)}</td></tr>`,
    )
    .join("\n");
  const runs = m.runs
    .map(
      (r) =>
        `<li>${inertHtml(r.source, 40)}: ${inertHtml(r.finishedAt, 40)} (${Math.round(r.ageSeconds / 60)} min ago)</li>`,
    )
    .join("");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Keeper connector: ${inertHtml(m.status, 40)}</title>
<style>body{font-family:Segoe UI,Arial,sans-serif;color:#242424;margin:24px}table{border-collapse:collapse}td,th{border-bottom:1px solid #e1dfdd;padding:4px 10px;text-align:left;vertical-align:top}</style>
</head><body>
<h1 style="color:${m.healthy ? "#237b4b" : "#c4314b"}">Keeper connector: ${inertHtml(m.status.toUpperCase(), 40)}</h1>
<p>As of ${escapeHtml(m.now)}. Latest runs:</p><ul>${runs || "<li>no run recorded yet</li>"}</ul>
<h2>Checks</h2>
<table><thead><tr><th>Check</th><th>Status</th><th>Summary</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Keeper events per hour, last 7 days</h2>
${renderChart(m.eventsPerHour, m.now)}
</body></html>
`;
}
