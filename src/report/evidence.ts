import { formatDuration } from "../core/duration.js";
import type { Evidence } from "../core/finding.js";
import { redact } from "../core/redact.js";
import { clip, visible } from "../core/safeText.js";

/**
 * A finding's evidence as facts a person reads at a glance: known keys get a label and a unit
 * ("Gap: 13 h"), lists and objects become short lists, unknown keys are labelled by splitting
 * their camelCase. Never JSON; every value bounded and made visible (safeText), secrets left out.
 */

/** Evidence fields that may name a secret's material; never copied into a notice, at any depth. */
export const SECRET_FIELDS = /^(hint|secretText|value|password|token|accessToken|clientSecret|secret|key|sig)$/i;

/** The longest value of one fact. */
export const FACT_MAX = 400;
/** Items of a list shown before "and N more". */
const LIST_MAX = 5;

type Format = (v: unknown) => string;

const minutes: Format = (v) => (typeof v === "number" ? formatDuration(v) : show(v));
const days: Format = (v) => (typeof v === "number" ? `${round1(v)} ${v === 1 ? "day" : "days"}` : show(v));

/** Known keys, in the order they are shown: label and how the value reads. */
const KNOWN: Array<[key: string, label: string, format?: Format]> = [
  ["expected", "Expected"],
  ["actual", "Actual"],
  ["changed", "Changed", (v) => (Array.isArray(v) ? list(v.map((x) => words(String(x)))) : show(v))],
  ["lastChange", "Last change", changeWords],
  ["lastChangeNote", "Who and when"],
  ["cause", "Most likely cause", (v) => (typeof v === "string" ? words(v.replace(/-/g, " ")) : show(v))],
  ["causes", "Causes ranked", (v) => (Array.isArray(v) ? numbered(v.map(causeLine)) : show(v))],
  ["lastEvent", "Last event", when],
  ["since", "Last event", when],
  ["gapMinutes", "Gap", minutes],
  ["thresholdMinutes", "Threshold", minutes],
  ["usualMaxGapMinutes", "Usual longest gap", minutes],
  ["learned", "Threshold from", (v) => (v === "baseline" ? "learned baseline" : show(v))],
  ["hourOfWeek", "Hour of the week"],
  ["calendar", "Calendar"],
  ["historyDays", "History", days],
  ["quietFactor", "Quiet factor", (v) => (typeof v === "number" ? `×${round1(v)}` : show(v))],
  ["lostPushes", "Lost pushes"],
  ["how", "How judged"],
  ["credentials", "Credentials", (v) => (Array.isArray(v) ? list(v.map(credentialLine)) : show(v))],
  ["scopes", "Scopes"],
  ["sources", "Sources"],
  ["endpointUrl", "Endpoint URL"],
  ["step", "Failed step"],
  ["at", "At", when],
];
const KNOWN_KEYS = new Map(KNOWN.map(([k, label, format], i) => [k, { label, format: format ?? show, i }]));

/** Labels of keys inside objects (a role's expected { role, scope }, a credential). */
const INNER: Record<string, string> = {
  keyId: "key id",
  displayName: "name",
  endDateTime: "ends",
  startDateTime: "starts",
  principalId: "principal",
};

const round1 = (n: number) => Math.round(n * 10) / 10;

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/;

/** An ISO time as "2026-11-25 07:45 UTC"; anything else as it is. */
export function when(v: unknown): string {
  if (typeof v === "number" && v > 1e11) return when(new Date(v).toISOString());
  if (typeof v !== "string" || !ISO.test(v)) return show(v);
  return `${v.slice(0, 10)} ${v.slice(11, 16)} UTC`;
}

/**
 * Who changed a resource and when (evidence.lastChange, from the Azure Activity Log) in words:
 * "removed by alice@contoso.com at 2026-12-03 14:02 UTC, from the Azure portal".
 */
export function changeWords(v: unknown): string {
  if (!isRecord(v)) return show(v);
  const text = (x: unknown) => (typeof x === "string" && x.trim() ? x : undefined);
  const by = text(v["by"]);
  const via = text(v["via"]);
  return `${text(v["action"]) ?? "changed"}${by ? ` by ${by}` : ""}${v["at"] === undefined ? "" : ` at ${when(v["at"])}`}${via ? `, from ${via}` : ""}`;
}

/** camelCase and snake_case split into lower-case words: "usualMaxGapMinutes" → "usual max gap minutes". */
export function words(key: string): string {
  // Bounded first: the splitting backtracks on long runs of capitals.
  return clip(key, FACT_MAX)
    .replace(/[_]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/\b([A-Z])([a-z]+)\b/g, (_, a: string, b: string) => a.toLowerCase() + b);
}

/** A key as a label: "hourOfWeek" → "Hour of week". */
export function labelOf(key: string): string {
  const w = words(key);
  return w ? w[0]!.toUpperCase() + w.slice(1) : "(unnamed)";
}

function list(items: string[]): string {
  if (items.length === 0) return "(none)";
  const shown = items.slice(0, LIST_MAX).join(", ");
  return items.length > LIST_MAX ? `${shown} and ${items.length - LIST_MAX} more` : shown;
}

function numbered(items: string[]): string {
  if (items.length === 0) return "(none)";
  const shown = items
    .slice(0, LIST_MAX)
    .map((s, i) => `${i + 1}. ${s}`)
    .join("; ");
  return items.length > LIST_MAX ? `${shown}; and ${items.length - LIST_MAX} more` : shown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** A ranked cause by its title; its weight stays internal. */
function causeLine(c: unknown): string {
  if (isRecord(c) && typeof c["title"] === "string") return c["title"];
  if (isRecord(c) && typeof c["cause"] === "string") return words(c["cause"].replace(/-/g, " "));
  return show(c);
}

function credentialLine(c: unknown): string {
  if (!isRecord(c)) return show(c);
  const name = typeof c["displayName"] === "string" && c["displayName"] ? c["displayName"] : "(no name)";
  const id = typeof c["keyId"] === "string" ? ` (${c["keyId"]})` : "";
  const end = c["endDateTime"] === undefined ? "" : `, ends ${when(c["endDateTime"])}`;
  return `${name}${id}${end}`;
}

/** Any value in words: lists joined, objects as "label value" pairs, two levels deep at most. */
function show(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return "(none)";
  if (typeof v === "string") return ISO.test(v) ? when(v) : v;
  if (typeof v === "number") return Number.isFinite(v) ? String(round1(v)) : String(v);
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v)) return depth > 1 ? `${v.length} items` : list(v.map((x) => show(x, depth + 1)));
  if (isRecord(v)) {
    const entries = Object.entries(v).filter(([k, x]) => !SECRET_FIELDS.test(k) && x !== undefined);
    if (entries.length === 0) return "(none)";
    if (depth > 1) return `${entries.length} fields`;
    const parts = entries.map(([k, x]) => `${INNER[k] ?? words(k)} ${show(x, depth + 1)}`);
    return parts.slice(0, 8).join("; ") + (parts.length > 8 ? `; and ${parts.length - 8} more` : "");
  }
  return typeof v === "bigint" ? v.toString() : "(value)";
}

/** One fact's value: redacted, one line, bounded, visible. */
const finish = (s: string) => visible(redact(s), FACT_MAX);

/** The evidence as facts: the known keys first in their order, then the rest by name; at most `max`. */
export function evidenceFacts(evidence: Evidence | undefined, max = 8): Array<{ name: string; value: string }> {
  if (!evidence) return [];
  const keys = Object.keys(evidence)
    .filter((k) => !SECRET_FIELDS.test(k) && evidence[k] !== undefined)
    // "since" and "lastEvent" name the same moment; one row says it
    .filter((k) => !(k === "since" && "lastEvent" in evidence))
    .sort((a, b) => {
      const ka = KNOWN_KEYS.get(a)?.i ?? Infinity;
      const kb = KNOWN_KEYS.get(b)?.i ?? Infinity;
      return ka - kb || (a < b ? -1 : a > b ? 1 : 0);
    });
  return keys.slice(0, max).map((k) => {
    const known = KNOWN_KEYS.get(k);
    const v = evidence[k];
    if (known) return { name: known.label, value: finish(known.format(v)) };
    if (typeof v === "number" && /Minutes$/.test(k))
      return { name: visible(labelOf(k.replace(/Minutes$/, "")), 80), value: finish(formatDuration(v)) };
    return { name: visible(labelOf(k), 80), value: finish(show(v)) };
  });
}
