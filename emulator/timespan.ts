/** ISO 8601 duration (P7D, PT1H, P1DT2H30M, PT0.5S, P2W) in ms; null if invalid. Months = 30 days, years = 365. */
export function parseDuration(text: string): number | null {
  const m =
    /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      text.trim(),
    );
  if (!m || text.trim().toUpperCase() === "P" || /T$/i.test(text.trim())) return null;
  const n = (i: number) => Number(m[i] ?? 0);
  const DAY = 86_400_000;
  return (
    n(1) * 365 * DAY + n(2) * 30 * DAY + n(3) * 7 * DAY + n(4) * DAY + n(5) * 3_600_000 + n(6) * 60_000 + n(7) * 1000
  );
}

/** A Log Analytics `timespan`: duration (ending now), start/end, start/duration or duration/end. */
export function parseQueryTimespan(text: string, nowMs: number): { start: number; end: number } | null {
  const parts = text.split("/");
  if (parts.length === 1) {
    const d = parseDuration(parts[0]!);
    return d === null ? null : { start: nowMs - d, end: nowMs };
  }
  if (parts.length !== 2) return null;
  const [a, b] = parts as [string, string];
  const sa = Date.parse(a);
  const sb = Date.parse(b);
  if (!Number.isNaN(sa) && !Number.isNaN(sb)) return { start: sa, end: sb };
  const da = parseDuration(a);
  if (da !== null && !Number.isNaN(sb)) return { start: sb - da, end: sb };
  const db = parseDuration(b);
  if (db !== null && !Number.isNaN(sa)) return { start: sa, end: sa + db };
  return null;
}
