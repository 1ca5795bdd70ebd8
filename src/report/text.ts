import type { Finding } from "../core/finding.js";
import type { Incident } from "./incident.js";
import type { Report } from "./report.js";
import { visible } from "../core/safeText.js";

export interface TextOptions {
  /** Columns of the terminal: no line is wider (at least 40). Default 100. */
  width?: number;
  /** ANSI colour (a TTY without NO_COLOR). Default none. */
  color?: boolean;
  /** List the ok checks too, not only their count. */
  all?: boolean;
}

export const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 40;

type Style = "problem" | "unknown" | "ok" | "dim" | "bold";
const SGR: Record<Style, [string, string]> = {
  problem: ["\u001b[31m", "\u001b[39m"],
  unknown: ["\u001b[33m", "\u001b[39m"],
  ok: ["\u001b[32m", "\u001b[39m"],
  dim: ["\u001b[2m", "\u001b[22m"],
  bold: ["\u001b[1m", "\u001b[22m"],
};

/** Columns a code point takes: 0 for combining marks, 2 for wide (East Asian, emoji), else 1. */
function cellWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x20d0 && cp <= 0x20ff)) return 0;
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Columns a (visible, ESC-free) string takes on a terminal. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += cellWidth(ch.codePointAt(0)!);
  return w;
}

/** The longest head of `s` that fits `width` columns (at least one character). */
function fitHead(s: string, width: number): number {
  let w = 0;
  let i = 0;
  for (const ch of s) {
    const cw = cellWidth(ch.codePointAt(0)!);
    if (w + cw > width && i > 0) break;
    w += cw;
    i += ch.length;
  }
  return i;
}

/**
 * A word wider than `width` cut into pieces: after a `/`, `?` or `&` in the last two thirds of
 * the piece, else after a `-`, `,`, `=` or `.` in its last half, else at the width.
 */
function breakWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  for (;;) {
    let cut = fitHead(rest, width);
    if (cut >= rest.length) break;
    const head = rest.slice(0, cut);
    const at = (chars: string[]) => Math.max(...chars.map((c) => head.lastIndexOf(c)));
    const slash = at(["/", "?", "&"]);
    const other = at(["-", ",", "=", "."]);
    if (slash >= Math.floor(width / 3)) cut = slash + 1;
    else if (other >= Math.floor(width / 2)) cut = other + 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}

/** `text` wrapped at spaces into lines of at most `width` columns; LF starts a new line. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    let lineWidth = 0;
    for (const word of para.split(" ")) {
      if (word === "") continue;
      const ww = displayWidth(word);
      if (line && lineWidth + 1 + ww <= w) {
        line += ` ${word}`;
        lineWidth += 1 + ww;
        continue;
      }
      if (line) out.push(line);
      const pieces = ww <= w ? [word] : breakWord(word, w);
      line = pieces.pop()!;
      lineWidth = displayWidth(line);
      out.push(...pieces);
    }
    out.push(line);
  }
  return out;
}

interface Cell {
  text: string;
  /** Columns; the last cell of a row takes the rest of the line. */
  width?: number;
  style?: Style;
}

/** Builds the lines: each row's cells wrap inside their column, continuation lines stay under it. */
class Sheet {
  readonly lines: string[] = [];
  constructor(
    readonly width: number,
    private readonly color: boolean,
  ) {}

  paint(s: string, style: Style | undefined): string {
    if (!this.color || !style || !s) return s;
    const [on, off] = SGR[style];
    return on + s + off;
  }

  blank(): void {
    if (this.lines.length && this.lines[this.lines.length - 1] !== "") this.lines.push("");
  }

  /** One row starting at column `indent`, cells two spaces apart. */
  row(indent: number, cells: Cell[]): void {
    let col = indent;
    const wrapped = cells.map((c, i) => {
      const last = i === cells.length - 1;
      const w = last ? this.width - col : Math.min(c.width ?? 1, this.width - col - 1);
      const start = col;
      col += w + 2;
      return { lines: wrap(c.text, Math.max(1, w)), width: w, start, style: c.style, last };
    });
    const height = Math.max(...wrapped.map((c) => c.lines.length));
    for (let i = 0; i < height; i++) {
      let line = "";
      let at = 0;
      for (const c of wrapped) {
        const piece = c.lines[i] ?? "";
        if (!piece) continue;
        line += " ".repeat(c.start - at) + this.paint(piece, c.style);
        at = c.start + displayWidth(piece);
      }
      this.lines.push(line);
    }
  }

  text(indent: number, text: string, style?: Style): void {
    this.row(indent, [{ text, ...(style ? { style } : {}) }]);
  }
}

const MARK_WIDTH = 8;
const INDENT = 2;
const BODY = INDENT + MARK_WIDTH + 2;

const MARK: Record<string, string> = { ok: "ok", problem: "PROBLEM", unknown: "unknown" };
const styleOf = (status: string): Style | undefined =>
  status === "problem" || status === "unknown" || status === "ok" ? status : undefined;

/** The check column: as wide as the longest check id, at most a third of the body. */
function checkColumn(checks: readonly string[], width: number): number {
  return Math.max(4, Math.min(Math.max(...checks.map(displayWidth), 4), Math.floor((width - BODY) / 3)));
}

function renderIncident(s: Sheet, incident: Incident, findings: readonly Finding[]): void {
  const status = visible(incident.status, 20);
  const title = visible(incident.title);
  const checks = incident.checks.map((c) => visible(c, 100));
  const fix = incident.fix === undefined ? undefined : visible(incident.fix);
  const style = styleOf(incident.status);
  const mark = `${MARK[incident.status] ?? status}${incident.status === "problem" ? ` ${visible(incident.severity, 20)}` : ""}`;
  if (incident.status === "unknown") {
    // A cause shared by many checks is told once, with its fix, and the checks it leaves unknown.
    s.row(INDENT, [{ text: mark, width: MARK_WIDTH, style }, { text: fix ? `${title}: ${fix}` : title }]);
    s.text(BODY, checks.join(", "), "dim");
    return;
  }
  s.row(INDENT, [
    { text: mark, width: MARK_WIDTH, style },
    { text: title, style: "bold" },
  ]);
  const cw = checkColumn(checks, s.width);
  incident.checks.forEach((check, i) => {
    // The check whose finding the title tells needs no summary; another finding of the same
    // check (on another resource) is another incident's.
    const own = [
      ...new Set(findings.filter((f) => f.check === check && f.status !== "ok").map((f) => visible(f.summary))),
    ];
    const summaries = own.includes(title) ? [] : own;
    if (!summaries.length) s.row(BODY, [{ text: checks[i]!, width: cw, style: "dim" }]);
    for (const summary of summaries)
      s.row(BODY, [
        { text: checks[i]!, width: cw, style: "dim" },
        { text: summary, ...(incident.checks.length > 1 ? {} : { style: "dim" as const }) },
      ]);
  });
  if (fix !== undefined) s.row(BODY, [{ text: "fix", width: 3, style: "dim" }, { text: fix }]);
}

/**
 * The human report, problems first: each incident with its title, the checks it carries and its
 * one fix; then what could not be told, one line per cause; then the count of ok checks (listed
 * with `all`). Every line fits `width` columns; continuation lines stay under their column.
 * Every value is shown through visible(): no control character, ESC sequence or line break from
 * Azure reaches the terminal (colour is the renderer's own).
 */
export function renderText(report: Report, options: TextOptions = {}): string {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? DEFAULT_WIDTH));
  const s = new Sheet(width, options.color === true);
  const status = visible(report.status.toUpperCase(), 20);
  // at most 38 columns: fits the narrowest width
  s.lines.push(`Keeper connector: ${s.paint(status, styleOf(report.status) ?? "bold")}`);
  s.text(
    0,
    `DCR ${visible(report.target.dcr.split("/").pop() ?? "", 300)}, app ${visible(report.target.appId, 100)}`,
    "dim",
  );

  const incidents = [...report.incidents].sort(
    (a, b) => Number(a.status === "unknown") - Number(b.status === "unknown"),
  );
  for (const incident of incidents) {
    s.blank();
    renderIncident(s, incident, report.findings);
  }

  const oks = report.findings.filter((f) => f.status === "ok");
  s.blank();
  s.text(0, `${oks.length} ${oks.length === 1 ? "check" : "checks"} ok`, oks.length ? "ok" : undefined);
  if (options.all && oks.length) {
    const cw = checkColumn(
      oks.map((f) => visible(f.check, 100)),
      width,
    );
    for (const f of oks)
      s.row(INDENT, [
        { text: MARK["ok"]!, width: MARK_WIDTH, style: "ok" },
        { text: visible(f.check, 100), width: cw, style: "dim" },
        { text: visible(f.summary) },
      ]);
  }

  if (report.target.endpointUrl) {
    s.blank();
    const url = visible(report.target.endpointUrl, 500);
    s.text(
      0,
      displayWidth(url) + INDENT > width
        ? "Endpoint URL Keeper must hold (`keeper-monitor endpoint-url` prints it on one line):"
        : "Endpoint URL Keeper must hold:",
    );
    s.text(INDENT, url);
  }
  const found = report.target.discoveryWarnings ?? [];
  if (found.length) {
    // the values were found rather than set (keeper-monitor discover): what the lookup wants known
    s.blank();
    s.text(0, "Found in Sentinel's connector record, to know:");
    for (const w of found.slice(0, 10)) s.text(INDENT, `- ${visible(w, 600)}`);
  }
  s.blank();
  s.text(0, `Checked ${visible(report.startedAt, 40)} → ${visible(report.finishedAt, 40)}`, "dim");
  return s.lines.join("\n") + "\n";
}
