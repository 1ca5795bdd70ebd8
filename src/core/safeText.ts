/**
 * Text that comes from the Azure side (DCR stream and column names, transforms, app and credential
 * names, Azure error messages) is written by whoever can edit those resources. Every human surface
 * passes it through here: bounded in length, control and bidi characters made visible, and then
 * made inert for its medium (Markdown for Teams, HTML for mail and the status page).
 */

/** Marker appended where text was cut; says how much was left out. */
export const cutMarker = (dropped: number): string => `… [${dropped} more characters cut]`;

/** At most `max` characters (the marker included when cut); never splits a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  // The marker for the whole length is at least as long as the one finally written.
  let end = Math.max(0, max - cutMarker(s.length).length);
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + cutMarker(s.length - end);
}

/** A copy of a JSON-like value with every string clipped to `max` and every array to `maxItems`. */
export function boundStrings<T>(value: T, max: number, maxItems = 200): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return clip(v, max);
    if (Array.isArray(v)) return v.slice(0, maxItems).map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[clip(k, max)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/**
 * JSON of `value` no longer than `maxJson` characters, and always complete: strings (and then
 * arrays) are clipped, tighter and tighter, until it fits. Never cuts inside a value.
 */
export function boundedJson(value: unknown, maxJson: number): string {
  let json = JSON.stringify(value) ?? "null";
  for (const [max, items] of [
    [4000, 200],
    [1000, 100],
    [300, 50],
    [80, 20],
    [20, 5],
  ] as const) {
    if (json.length <= maxJson) return json;
    json = JSON.stringify(boundStrings(value, max, items));
  }
  return json.length <= maxJson ? json : "{}";
}

/** ESC sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC (… ST), and two-character ones. */
const ESCAPES =
  // eslint-disable-next-line no-control-regex
  /\u001b(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[ -~]?)/g;
/**
 * Characters that are invisible or reorder what is shown: C0 and C1 controls, DEL, bidi
 * embeddings, overrides, isolates and marks, zero-width characters, and lone surrogates.
 */
const HIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const shown = (c: string) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;

/** Bounds for Azure-side text on a human surface. */
export const TEXT_MAX = 2000;

/**
 * Azure-side text made safe to show as plain text: ESC sequences removed, every hidden or
 * reordering character shown escaped (`\u202E`), at most `max` characters. `lines` keeps LF
 * (for multi-line fixes); otherwise LF is escaped too, so nothing can forge a row or a line.
 */
export function visible(s: string, max = TEXT_MAX, lines = false): string {
  const text = clip(s, max * 2)
    .replace(ESCAPES, "")
    .replace(HIDDEN, (c) => (lines && c === "\n" ? c : shown(c)));
  return clip(text, max);
}

/** What Markdown acts on; backslash escapes are honoured by Teams' card renderer (microsoft/AdaptiveCards#5590). */
const MARKDOWN = /[\\`*_~[\]()<>#|!]/g;

/** Backslash escapes undone: the text as a card shows it. */
export const unescapeMarkdown = (s: string): string => s.replace(/\\([\\`*_~[\]()<>#|!])/g, "$1");

/**
 * Visible text made inert as Markdown in an Adaptive Card TextBlock or Fact (Teams renders
 * Markdown there, so `[text](url)` would be a link): punctuation Markdown acts on is
 * backslash-escaped, and `://` is shown as `[:]//` so no URL is linked automatically either.
 */
export function inertMarkdown(s: string, max = TEXT_MAX, lines = false): string {
  return visible(s, max, lines)
    .replace(MARKDOWN, "\\$&")
    .replace(/:\/\//g, "\\[:\\]//")
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\[.\\]`);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Visible text as HTML character data or attribute value. */
export function inertHtml(s: string, max = TEXT_MAX): string {
  return escapeHtml(visible(s, max));
}
