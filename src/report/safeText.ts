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
