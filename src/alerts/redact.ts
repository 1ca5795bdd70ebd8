import type { Evidence } from "../core/finding.js";

/**
 * Defence in depth: findings never hold secrets, but a notice leaves the tenant (Teams, mail), so
 * anything that looks like a token, a signed URL or a key is cut out once more before rendering.
 */
export function redact(text: string): string {
  return text
    .replace(/eyJ[A-Za-z0-9_-]{10,}(\.[A-Za-z0-9_-]*){0,2}/g, "<token>")
    .replace(/([?&]sig=)[^&\s"'<>]+/gi, "$1<redacted>")
    .replace(/(AccountKey=)[^;\s"']+/gi, "$1<redacted>");
}

/** Evidence fields that may name a secret's material; never copied into a notice. */
const SECRET_FIELDS = /^(hint|secretText|value|password|token|accessToken|clientSecret|secret|key|sig)$/i;

const MAX_VALUE = 400;

function show(v: unknown): string {
  if (v === null || (Array.isArray(v) && v.length === 0)) return "(none)";
  const s =
    typeof v === "string"
      ? v
      : Array.isArray(v) && v.every((x) => typeof x === "string")
        ? v.join(", ")
        : JSON.stringify(v, (k, x: unknown) => (SECRET_FIELDS.test(k) ? undefined : x));
  const r = redact(s ?? "");
  return r.length > MAX_VALUE ? r.slice(0, MAX_VALUE - 1) + "…" : r;
}

/** The evidence as facts: expected, actual and the changed fields first, then the rest. */
export function safeEvidence(evidence: Evidence | undefined): Array<{ name: string; value: string }> {
  if (!evidence) return [];
  const out: Array<{ name: string; value: string }> = [];
  const order = ["expected", "actual", "changed"];
  const keys = [
    ...order.filter((k) => k in evidence),
    ...Object.keys(evidence)
      .filter((k) => !order.includes(k))
      .sort(),
  ];
  for (const k of keys) {
    if (SECRET_FIELDS.test(k)) continue;
    const v = evidence[k];
    if (v === undefined) continue;
    out.push({ name: k === "changed" ? "Changed" : k[0]!.toUpperCase() + k.slice(1), value: show(v) });
  }
  return out.slice(0, 8);
}
