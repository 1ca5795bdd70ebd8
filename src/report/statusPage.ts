import { formatDuration } from "../core/duration.js";
import { phaseOf, rowStart } from "../core/time.js";
import type { HourPoint, RunClock } from "../core/notifier.js";
import {
  clockOf,
  DAY_NAMES,
  localMidnight,
  localTime,
  offsetLabel,
  timeZoneProblem,
  type Clock,
} from "../core/calendar.js";
import type { Incident } from "./incident.js";
import { inertHtml } from "../core/safeText.js";
import { compareText } from "../core/compareText.js";

export interface StatusPageModel {
  status: string;
  /** What health answers: true is HTTP 200 (no critical problem, no unknown). */
  healthy: boolean;
  /** The HTTP status the page is served with (default: 200 when healthy, else 503). */
  httpStatus?: number;
  now: string;
  runs: Array<{ source: string; finishedAt: string; ageSeconds: number }>;
  checks: Array<{ check: string; status: string; severity: string; summary: string }>;
  /** The problems and unknowns by cause (Report.incidents), problems first. */
  incidents?: Incident[];
  /** Keeper events per UTC hour, with the usual range once learned; undefined or empty: "no data yet". */
  eventsPerHour?: HourPoint[];
  /** The last Keeper event (ISO): with ingestion.freshness a problem, the gap from it to now is shaded. */
  lastEvent?: string;
  /** The customer's clock of the latest ingestion run: times are shown on it, else in UTC. */
  clock?: RunClock;
  /** The Function App's host name (WEBSITE_HOSTNAME) for the cut-over command; else `<host>`. */
  appHost?: string;
}

/**
 * The page's state, in words and colour, always agreeing with the HTTP status: OK and WARNING are
 * served 200 (a warning, such as a failing alert channel, does not fail a health probe), PROBLEM
 * (a critical problem) and UNKNOWN (a check could not tell) 503.
 */
export type PageState = "ok" | "warning" | "problem" | "unknown";

export function pageState(m: Pick<StatusPageModel, "status" | "healthy" | "checks">): PageState {
  if (m.healthy) return m.status === "ok" ? "ok" : "warning";
  const critical = m.checks.some((c) => c.status === "problem" && c.severity === "critical");
  const unknown = m.checks.some((c) => c.status === "unknown");
  return critical || (m.status === "problem" && !unknown) ? "problem" : "unknown";
}

const STATE_WORD: Record<PageState, string> = { ok: "OK", warning: "WARNING", problem: "PROBLEM", unknown: "UNKNOWN" };

/** Colours: each on white, and white on each, at least 4.5:1 (WCAG AA). */
const COLOUR = {
  ok: "#0e700e",
  warning: "#8a4b00",
  problem: "#b10e1c",
  unknown: "#5c5c5c",
  info: "#0f548c",
  text: "#242424",
  muted: "#5c5c5c",
  bar: "#0f6cbd",
  band: "#9fd89f",
  gap: "#b10e1c",
};

/** The customer's clock the page shows times on, and how it says so. */
interface PageClock {
  clock: Clock | undefined;
  /** "UTC+11 (learned from Keeper's traffic)", "Sydney time (TRAFFIC_TIME_ZONE)", "UTC (no customer clock known yet)". */
  said: string;
}

function pageClock(c: RunClock | undefined): PageClock {
  if (!c) return { clock: undefined, said: "UTC (no customer clock known yet)" };
  if (c.zone && !timeZoneProblem(c.zone)) {
    const city = c.zone.split("/").at(-1)!.replace(/_/g, " ");
    return { clock: clockOf(c.zone), said: `${inertHtml(city, 60)} time (TRAFFIC_TIME_ZONE ${inertHtml(c.zone, 60)})` };
  }
  const off = Number.isFinite(c.offsetMinutes) ? Math.max(-14 * 60, Math.min(14 * 60, c.offsetMinutes)) : 0;
  if (off === 0)
    return { clock: undefined, said: `UTC (${c.origin === "set" ? "set" : "learned from Keeper's traffic"})` };
  return {
    clock: clockOf({ offsetMinutes: off }),
    said: `${offsetLabel(off * 60_000)} (learned from Keeper's traffic)`,
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** "Wed 2 Dec 16:37 UTC+11" (local to the clock), in a <time> element; raw text when not a time. */
function timeHtml(iso: string, pc: PageClock): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return inertHtml(iso, 40);
  const d = new Date(localTime(t, pc.clock));
  const off = pc.clock ? pc.clock.offsetAt(t) : 0;
  const text = `${DAY_NAMES[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} ${offsetLabel(off)}`;
  return `<time datetime="${new Date(t).toISOString()}">${text}</time>`;
}

const durationWords = (ms: number): string => formatDuration(Math.max(0, ms / 60_000));

const HOUR = 3_600_000;
const HOURS = 7 * 24;
const W = 840;
const H = 280;
const M = { l: 64, r: 16, t: 30, b: 58 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

/** Whole minutes past the UTC hour at which the newest point's hour starts (0 without a readable point). */
function pointsPhase(points: StatusPageModel["eventsPerHour"]): number {
  let newest: number | undefined;
  for (const p of points ?? []) {
    const t = Date.parse(p.hour);
    if (Number.isFinite(t) && (newest === undefined || t > newest)) newest = t;
  }
  if (newest === undefined) return 0;
  return Math.floor(phaseOf(newest) / 60_000) * 60_000;
}

/** A round axis maximum at or above v: 1, 2, 5 × 10^n. */
function niceMax(v: number): number {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 5, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}

/**
 * Keeper events per hour over the 7 days before `now`, as inline SVG (no script, no external file):
 * bars of events, the usual range of each hour of the week as a band, the open gap (from the last
 * event to now) shaded, "now" marked, both axes labelled; width 100 % of its container (viewBox).
 */
export function renderChart(
  points: StatusPageModel["eventsPerHour"],
  now: string,
  opts: { gapFrom?: string; clock?: RunClock } = {},
): string {
  const pc = pageClock(opts.clock);
  const nowMs = Date.parse(now);
  // the rows' phase (a half-hour zone's local hours start 30 min past the UTC hour): the newest point's
  const phase = pointsPhase(points);
  const rowOf = (t: number) => rowStart(t, phase);
  const end = rowOf(nowMs);
  const start = end - (HOURS - 1) * HOUR;
  const byHour = new Map<number, { count: number; low?: number; high?: number }>();
  for (const p of points ?? []) {
    // a point at another phase counts in the bar that holds its start
    const t = rowOf(Date.parse(p.hour));
    if (!(t >= start && t <= end) || !Number.isFinite(p.count)) continue;
    const cur = byHour.get(t) ?? { count: 0 };
    cur.count += Math.max(0, p.count);
    if (Number.isFinite(p.low) && Number.isFinite(p.high)) {
      cur.low = Math.max(0, Math.min(p.low!, p.high!));
      cur.high = Math.max(0, p.high!, p.low!);
    }
    byHour.set(t, cur);
  }
  const title = `Keeper events per hour, last 7 days`;
  const viewBox = `viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="xMidYMid meet"`;
  if (byHour.size === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" ${viewBox} class="chart" role="img" aria-label="${title}: no data yet"><rect x="0" y="0" width="${W}" height="${H}" fill="#f5f5f5"/><text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="15" fill="${COLOUR.muted}">No data yet: no ingestion run has stored hourly counts.</text></svg>`;

  const values = [...byHour.values()];
  const yMax = niceMax(Math.max(1, ...values.map((v) => Math.max(v.count, v.high ?? 0))));
  const x = (t: number) => M.l + ((Math.min(Math.max(t, start), end + HOUR) - start) / (HOURS * HOUR)) * PW;
  const y = (v: number) => M.t + PH - (PH * v) / yMax;
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [];

  // grid and the events axis
  for (const v of [0, yMax / 2, yMax]) {
    parts.push(
      `<line x1="${M.l}" y1="${f(y(v))}" x2="${W - M.r}" y2="${f(y(v))}" stroke="${v === 0 ? "#616161" : "#e0e0e0"}"/>`,
      `<text x="${M.l - 6}" y="${f(y(v) + 4)}" text-anchor="end" font-size="12" fill="${COLOUR.muted}">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<text class="axis-label y-axis" x="14" y="${f(M.t + PH / 2)}" transform="rotate(-90 14 ${f(M.t + PH / 2)})" text-anchor="middle" font-size="12" fill="${COLOUR.muted}">Events per hour</text>`,
  );

  // the usual range: one step band per run of hours that have one
  const band: string[] = [];
  let run: Array<{ t: number; low: number; high: number }> = [];
  const flush = () => {
    if (!run.length) return;
    const top = run.map((r) => `L${f(x(r.t))} ${f(y(r.high))} L${f(x(r.t + HOUR))} ${f(y(r.high))}`).join(" ");
    const bottom = [...run]
      .reverse()
      .map((r) => `L${f(x(r.t + HOUR))} ${f(y(r.low))} L${f(x(r.t))} ${f(y(r.low))}`)
      .join(" ");
    band.push(`M${top.slice(1)} ${bottom} Z`);
    run = [];
  };
  for (let i = 0; i < HOURS; i++) {
    const t = start + i * HOUR;
    const b = byHour.get(t);
    if (b?.low !== undefined && b.high !== undefined) run.push({ t, low: b.low, high: b.high });
    else flush();
  }
  flush();
  if (band.length)
    parts.push(`<path class="band" d="${band.join(" ")}" fill="${COLOUR.band}" fill-opacity="0.55" stroke="none"/>`);

  // the open gap, from the last event to now
  const gapFrom = opts.gapFrom ? Date.parse(opts.gapFrom) : NaN;
  let gapText = "";
  if (Number.isFinite(gapFrom) && gapFrom < nowMs) {
    const gx = x(gapFrom);
    const gw = Math.max(2, x(nowMs) - gx);
    gapText = `no events for ${durationWords(nowMs - gapFrom)}`;
    parts.push(
      `<rect class="gap" x="${f(gx)}" y="${M.t}" width="${f(gw)}" height="${PH}" fill="${COLOUR.gap}" fill-opacity="0.12" stroke="${COLOUR.gap}" stroke-dasharray="4 3"/>`,
      `<text class="gap-label" x="${f(Math.max(M.l + 200, gx - 6))}" y="${M.t - 12}" text-anchor="end" font-size="12" font-weight="600" fill="${COLOUR.problem}">${gapText} →</text>`,
    );
  }

  // the bars
  for (let i = 0; i < HOURS; i++) {
    const t = start + i * HOUR;
    const b = byHour.get(t);
    if (!b || b.count <= 0) continue;
    const usual = b.low !== undefined ? `, usual ${b.low}–${b.high}` : "";
    const d = new Date(localTime(t, pc.clock));
    parts.push(
      `<rect class="bar" x="${f(x(t) + 0.4)}" y="${f(y(b.count))}" width="${f(Math.max(1, PW / HOURS - 0.8))}" height="${f(y(0) - y(b.count))}" fill="${COLOUR.bar}"><title>${DAY_NAMES[d.getUTCDay()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}: ${b.count} events${usual}</title></rect>`,
    );
  }

  // the time axis: local midnights, and "now"
  for (let m = localMidnight(start, pc.clock); m <= end + HOUR; m = localMidnight(m + 36 * HOUR, pc.clock)) {
    if (m < start) continue;
    if (m > nowMs || x(m) > W - 74) break;
    const d = new Date(localTime(m, pc.clock));
    parts.push(
      `<line x1="${f(x(m))}" y1="${f(y(0))}" x2="${f(x(m))}" y2="${f(y(0) + 5)}" stroke="#616161"/>`,
      `<text x="${f(x(m) + 3)}" y="${f(y(0) + 18)}" font-size="12" fill="${COLOUR.muted}">${DAY_NAMES[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}</text>`,
    );
  }
  const nx = x(nowMs);
  parts.push(
    `<line class="now" x1="${f(nx)}" y1="${M.t - 8}" x2="${f(nx)}" y2="${f(y(0))}" stroke="${COLOUR.text}" stroke-width="1.5" stroke-dasharray="3 2"/>`,
    `<text class="now-label" x="${f(nx)}" y="${M.t - 12}" text-anchor="end" font-size="12" font-weight="600" fill="${COLOUR.text}">now</text>`,
    `<text class="axis-label x-axis" x="${f(M.l + PW / 2)}" y="${H - 8}" text-anchor="middle" font-size="12" fill="${COLOUR.muted}">Day and hour (${pc.clock ? offsetLabel(pc.clock.offsetAt(nowMs)) : "UTC"}), 7 days to now</text>`,
  );
  const lastCount = byHour.get(end);
  const desc = [
    `Peak ${Math.max(...values.map((v) => v.count))} events in an hour.`,
    band.length ? "The green band is the usual range for each hour of the week." : "No usual range learned yet.",
    gapText ? `The shaded area is the open gap: ${gapText}.` : "",
    `This hour so far: ${lastCount?.count ?? 0} events.`,
  ]
    .filter(Boolean)
    .join(" ");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" ${viewBox} class="chart" role="img" aria-labelledby="chart-title chart-desc">`,
    `<title id="chart-title">${title}</title><desc id="chart-desc">${desc}</desc>`,
    ...parts,
    `</svg>`,
  ].join("");
}

/** How a check's status reads and is coloured: by status, and a problem by its severity. */
function checkMark(status: string, severity: string): { word: string; cls: string } {
  if (status === "ok") return { word: "OK", cls: "ok" };
  if (status === "unknown") return { word: "Unknown", cls: "unknown" };
  if (status === "problem") {
    if (severity === "critical") return { word: "Problem (critical)", cls: "problem" };
    if (severity === "warning") return { word: "Warning", cls: "warning" };
    if (severity === "info") return { word: "Notice", cls: "info" };
  }
  return { word: `${inertHtml(status, 20)} (${inertHtml(severity, 20)})`, cls: "unknown" };
}

const RANK = (c: { status: string; severity: string }) =>
  c.status === "problem" ? ({ critical: 0, warning: 1, info: 2 }[c.severity] ?? 3) : c.status === "unknown" ? 4 : 5;

function checkRows(checks: StatusPageModel["checks"]): string {
  return checks
    .map((c) => {
      const mark = checkMark(c.status, c.severity);
      return `<tr><th scope="row">${inertHtml(c.check, 100)}</th><td><span class="mark mark-${mark.cls}">${mark.word}</span></td><td>${inertHtml(c.summary)}</td></tr>`;
    })
    .join("\n");
}

const tableHead = (caption: string) =>
  `<table><caption>${caption}</caption><thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Summary</th></tr></thead><tbody>`;

function incidentHtml(i: Incident, n: number, pc: PageClock): string {
  const cls = i.status === "unknown" ? "unknown" : checkMark("problem", i.severity).cls;
  const kind = i.status === "unknown" ? "Could not tell" : checkMark("problem", i.severity).word;
  const since = i.since ? ` · since ${timeHtml(i.since, pc)}` : "";
  return `<article class="incident incident-${cls}" aria-labelledby="incident-${n}">
<p class="incident-kind"><span class="mark mark-${cls}">${kind}</span>${since} · checks: ${i.checks.map((c) => `<code>${inertHtml(c, 100)}</code>`).join(", ")}</p>
<h3 id="incident-${n}">${inertHtml(i.title)}</h3>
${i.fix ? `<div class="fix"><h4>How to fix</h4><pre>${inertHtml(i.fix)}</pre></div>` : `<p class="nofix">No single fix is known; see the checks below.</p>`}
</article>`;
}

/**
 * The hand-off notice's "Confirm cut-over" button lands here (#rotation): the request that confirms,
 * with placeholders where the ids and the admin key go. The key travels in a header, not in the
 * URL, so it stays out of request logs; the page never holds a key.
 */
function rotationHtml(appHost: string | undefined): string {
  const host = appHost ? inertHtml(appHost, 260) : "&lt;host&gt;";
  const command = [
    `curl -X POST "https://${host}/api/rotation/confirm" \\`,
    `  -H "x-functions-key: &lt;admin key&gt;" \\`,
    `  -H "content-type: application/json" \\`,
    `  -d '{"rotationId":"&lt;rotation id&gt;","keyId":"&lt;new secret keyId&gt;","confirmedBy":"&lt;you&gt;"}'`,
  ].join("\n");
  return `<section id="rotation" aria-labelledby="rotation-h">
<h2 id="rotation-h">Confirm a secret rotation's cut-over</h2>
<p>After a rotation the hand-off notice asks a Keeper administrator to paste the new client secret into the Keeper Admin Console. The monitor sees Keeper sign in with it and finishes the cut-over by itself; once the secret is pasted, an administrator can confirm at once:</p>
<pre class="command">${command}</pre>
<p class="muted">The rotation id and the new secret's keyId are in the hand-off notice (Rotation, New secret keyId) and in <code>GET /api/rotation</code>. The admin key is the Function App's <code>_master</code> host key (Function App → App keys, or <code>az functionapp keys list</code>). A second confirmation is refused with 409.</p>
</section>`;
}

const STYLE = `body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;color:${COLOUR.text};background:#fff;margin:0;line-height:1.45}
main{max-width:1040px;margin:0 auto;padding:20px 24px 40px}
header.state{border-left:8px solid;padding:12px 16px;margin:0 0 18px;background:#fafafa}
header.state h1{margin:0 0 4px;font-size:1.6rem}
header.state-ok{border-left-color:${COLOUR.ok}}.state-ok h1{color:${COLOUR.ok}}
header.state-warning{border-left-color:${COLOUR.warning}}.state-warning h1{color:${COLOUR.warning}}
header.state-problem{border-left-color:${COLOUR.problem}}.state-problem h1{color:${COLOUR.problem}}
header.state-unknown{border-left-color:${COLOUR.unknown}}.state-unknown h1{color:${COLOUR.unknown}}
header.state p{margin:2px 0}
h2{font-size:1.2rem;margin:26px 0 8px}
.incident{border:1px solid #d1d1d1;border-left:6px solid;border-radius:4px;padding:10px 14px;margin:0 0 12px}
.incident h3{font-size:1.05rem;margin:4px 0 8px}
.incident h4{font-size:.9rem;margin:0 0 4px}
.incident-problem{border-left-color:${COLOUR.problem}}.incident-warning{border-left-color:${COLOUR.warning}}
.incident-info{border-left-color:${COLOUR.info}}.incident-unknown{border-left-color:${COLOUR.unknown}}
.incident-kind{margin:0;font-size:.9rem;color:${COLOUR.muted}}
.fix pre{white-space:pre-wrap;word-break:break-word;background:#f3f3f3;border:1px solid #e0e0e0;padding:8px 10px;margin:0;font-size:.85rem}
.mark{display:inline-block;padding:0 8px;border-radius:10px;color:#fff;font-weight:600;font-size:.85rem;white-space:nowrap}
.mark-ok{background:${COLOUR.ok}}.mark-warning{background:${COLOUR.warning}}.mark-problem{background:${COLOUR.problem}}
.mark-unknown{background:${COLOUR.unknown}}.mark-info{background:${COLOUR.info}}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:4px 0}
td,th{border-bottom:1px solid #e0e0e0;padding:6px 10px;text-align:left;vertical-align:top}
tbody th{font-weight:400;font-family:"DejaVu Sans Mono",monospace;font-size:.85rem}
td,th,h1,h3,pre,code,li,p{overflow-wrap:anywhere}
@media (max-width:640px){main{padding:12px}thead{display:none}tbody tr{display:block;padding:6px 0;border-bottom:1px solid #e0e0e0}tbody th,tbody td{display:block;border:0;padding:2px 4px}}
details{margin-top:12px}summary{cursor:pointer;font-weight:600;padding:4px 0}
figure{margin:0}figcaption{font-size:.9rem;color:${COLOUR.muted}}
.legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:4px 18px;font-size:.9rem}
.swatch{display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:baseline;border:1px solid #8a8a8a}
.sw-bar{background:${COLOUR.bar}}.sw-band{background:${COLOUR.band}}.sw-gap{background:#f5d9dc;border:1px dashed ${COLOUR.gap}}.sw-now{border:0;border-left:2px dashed ${COLOUR.text};width:0}
.runs{padding-left:20px}.muted{color:${COLOUR.muted}}
pre.command{white-space:pre-wrap;word-break:break-word;background:#f3f3f3;border:1px solid #e0e0e0;padding:8px 10px;margin:0;font-size:.85rem}`;

/** One connector's line on the fleet's index page. */
export interface FleetRow {
  key: string;
  label: string;
  status: string;
  healthy: boolean;
  /** Checks not ok (problems and unknowns), and the latest run's time; absent before any run. */
  open?: number;
  checkedAt?: string;
  /** Why nothing is known (invalid settings, no run recorded yet). */
  note?: string;
}

/**
 * The index of GET /api/health?format=html when one deployment watches several connectors: one
 * row per connector, worst first, each linking to its own page (`?target=<key>&format=html`).
 */
export function renderFleetIndex(m: {
  now: string;
  httpStatus: number;
  rows: readonly FleetRow[];
  /** checks the host set aside after repeated failures (the poison queue) */
  setAside?: { total: number; items: readonly { target: string; job: string; tick: string }[]; note?: string };
}): string {
  const stateOf = (r: FleetRow): PageState =>
    r.healthy ? (r.status === "ok" ? "ok" : "warning") : r.status === "problem" ? "problem" : "unknown";
  const order: Record<PageState, number> = { problem: 0, unknown: 1, warning: 2, ok: 3 };
  const rows = [...m.rows].sort((a, b) => order[stateOf(a)] - order[stateOf(b)] || compareText(a.label, b.label));
  const aside = m.setAside;
  const worst: PageState = aside?.total ? "problem" : rows.length ? stateOf(rows[0]!) : "unknown";
  const pc: PageClock = { clock: undefined, said: "UTC" };
  const labelOf = new Map(m.rows.map((r) => [r.key, r.label]));
  const asideRows = (aside?.items ?? [])
    .map((a) => {
      const href = `?target=${encodeURIComponent(a.target)}&amp;format=html`;
      return `<tr><th scope="row"><a href="${href}">${inertHtml(labelOf.get(a.target) ?? a.target, 150)}</a></th><td>${inertHtml(a.job, 40)}</td><td>${timeHtml(a.tick, pc)}</td></tr>`;
    })
    .join("\n");
  const asideSection =
    aside && (aside.total || aside.note)
      ? `<section aria-labelledby="aside-h">
<h2 id="aside-h">Checks set aside</h2>
${
  aside.note
    ? `<p>${inertHtml(aside.note, 200)}</p>`
    : `<p>${aside.total} check${aside.total === 1 ? "" : "s"} failed on every try and ${aside.total === 1 ? "was" : "were"} set aside (queue <code>keeper-monitor-checks-poison</code>); each goes once the same check completes again.</p>
<table><caption>Set-aside checks (at most 32 shown)</caption><thead><tr><th scope="col">Connector</th><th scope="col">Check</th><th scope="col">Scheduled</th></tr></thead><tbody>
${asideRows}
</tbody></table>`
}
</section>`
      : "";
  const count = (s: PageState) => rows.filter((r) => stateOf(r) === s).length;
  const body = rows
    .map((r) => {
      const st = stateOf(r);
      const href = `?target=${encodeURIComponent(r.key)}&amp;format=html`;
      const last = r.checkedAt ? timeHtml(r.checkedAt, pc) : "never";
      const what = r.note
        ? inertHtml(r.note, 200)
        : r.open
          ? `${r.open} need${r.open === 1 ? "s" : ""} attention`
          : "All pass";
      return `<tr><th scope="row"><a href="${href}">${inertHtml(r.label, 150)}</a></th><td><span class="mark mark-${st}">${STATE_WORD[st]}</span></td><td>${what}</td><td>${last}</td></tr>`;
    })
    .join("\n");
  const summary = (["problem", "unknown", "warning", "ok"] as const)
    .filter((s) => count(s))
    .map((s) => `${count(s)} ${STATE_WORD[s]}`)
    .join(", ");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keeper connectors: ${STATE_WORD[worst]}</title>
<style>${STYLE}</style>
</head><body>
<main>
<header class="state state-${worst}" data-http-status="${m.httpStatus}">
<h1 id="state">Keeper connectors: ${STATE_WORD[worst]}</h1>
<p>${rows.length} connector${rows.length === 1 ? "" : "s"}${summary ? `: ${summary}` : ""}. Health probes get HTTP ${m.httpStatus}.</p>
<p class="muted">As of ${timeHtml(m.now, pc)}. Times are ${pc.said}.</p>
</header>
<section aria-labelledby="targets-h">
<h2 id="targets-h">Connectors</h2>
<table><caption>Each connector's own status page</caption><thead><tr><th scope="col">Connector</th><th scope="col">State</th><th scope="col">Checks</th><th scope="col">Latest run</th></tr></thead><tbody>
${body}
</tbody></table>
</section>
${asideSection}
</main>
</body></html>
`;
}

/** The status page of GET /api/health?format=html. Pure; no script; inline style only (the CSP allows it). */
export function renderStatusPage(m: StatusPageModel): string {
  const state = pageState(m);
  const http = m.httpStatus ?? (m.healthy ? 200 : 503);
  const pc = pageClock(m.clock);
  const word = STATE_WORD[state];
  const problems = m.checks.filter((c) => c.status !== "ok").sort((a, b) => RANK(a) - RANK(b));
  const oks = m.checks.filter((c) => c.status === "ok");
  const critical = m.checks.filter((c) => c.status === "problem" && c.severity === "critical").length;
  const warnings = m.checks.filter((c) => c.status === "problem" && c.severity !== "critical").length;
  const unknowns = m.checks.filter((c) => c.status === "unknown").length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  const said: Record<PageState, string> = {
    ok: m.checks.length ? `All ${plural(m.checks.length, "check")} pass.` : "Every check passes.",
    warning: `Working, with ${plural(warnings, "warning")} to look at; nothing critical.`,
    problem: `${plural(critical, "critical problem")}${warnings ? `, ${plural(warnings, "warning")}` : ""}${unknowns ? `, ${plural(unknowns, "check")} could not tell` : ""}.`,
    unknown: m.checks.length
      ? `${plural(unknowns, "check")} could not tell${warnings ? `, ${plural(warnings, "warning")}` : ""}; nothing critical found.`
      : "No run recorded yet: nothing is known.",
  };
  const incidents = m.incidents ?? [];
  const runs = m.runs
    .map(
      (r) =>
        `<li>${inertHtml(r.source, 40)}: ${timeHtml(r.finishedAt, pc)} (${durationWords(r.ageSeconds * 1000)} ago)</li>`,
    )
    .join("");
  const freshness = m.checks.find((c) => c.check === "ingestion.freshness");
  const gapFrom = freshness?.status === "problem" ? m.lastEvent : undefined;
  const banded = (m.eventsPerHour ?? []).some((p) => Number.isFinite(p.low) && Number.isFinite(p.high));
  const legend = [
    `<li><span class="swatch sw-bar"></span>Events in the hour</li>`,
    banded ? `<li><span class="swatch sw-band"></span>Usual range for that hour of the week</li>` : "",
    gapFrom ? `<li><span class="swatch sw-gap"></span>Open gap: no events since the last one</li>` : "",
    `<li><span class="swatch sw-now"></span>Now</li>`,
  ].join("");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keeper connector: ${word}</title>
<style>${STYLE}</style>
</head><body>
<main>
<header class="state state-${state}" data-http-status="${http}">
<h1 id="state">Keeper connector: ${word}</h1>
<p>${said[state]} Health probes get HTTP ${http}.</p>
<p class="muted">As of ${timeHtml(m.now, pc)}. Times are ${pc.said}.</p>
</header>
<section aria-labelledby="incidents-h">
<h2 id="incidents-h">${incidents.length ? (incidents.length === 1 ? "Current incident" : `Current incidents (${incidents.length})`) : "No open incident"}</h2>
${incidents.map((i, n) => incidentHtml(i, n, pc)).join("\n")}
</section>
<section aria-labelledby="checks-h">
<h2 id="checks-h">Checks</h2>
${problems.length ? `${tableHead(`${plural(problems.length, "check")} ${problems.length === 1 ? "needs" : "need"} attention`)}\n${checkRows(problems)}\n</tbody></table>` : `<p>No check needs attention.</p>`}
${oks.length ? `<details class="ok-checks"><summary>${plural(oks.length, "check")} ok</summary>\n${tableHead(`${plural(oks.length, "check")} ok`)}\n${checkRows(oks)}\n</tbody></table></details>` : ""}
</section>
<section aria-labelledby="chart-h">
<h2 id="chart-h">Keeper events per hour, last 7 days</h2>
<figure>
${renderChart(m.eventsPerHour, m.now, { ...(gapFrom ? { gapFrom } : {}), ...(m.clock ? { clock: m.clock } : {}) })}
${m.eventsPerHour?.length ? `<figcaption><ul class="legend" aria-label="Chart legend">${legend}</ul></figcaption>` : ""}
</figure>
</section>
<section aria-labelledby="runs-h">
<h2 id="runs-h">Latest runs</h2>
<ul class="runs">${runs || "<li>No run recorded yet.</li>"}</ul>
</section>
${rotationHtml(m.appHost)}
</main>
</body></html>
`;
}
