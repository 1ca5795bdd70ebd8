/**
 * A duration in minutes as a person reads it: "45 min", "1 h 30 min", "13 h", "2 days 4 h",
 * "12 days". Under 10 hours the minutes are kept; from there hours and days are rounded.
 * Summaries use it; evidence keeps the exact number of minutes.
 */
export function formatDuration(minutes: number | undefined): string {
  if (minutes === undefined) return "? min";
  if (!Number.isFinite(minutes) || minutes < 0) return `${minutes} min`;
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  if (m < 10 * 60) {
    const h = Math.floor(m / 60);
    const rest = m % 60;
    return rest ? `${h} h ${rest} min` : `${h} h`;
  }
  const hours = Math.round(m / 60);
  if (hours < 24) return `${hours} h`;
  const days = Math.floor(hours / 24);
  const h = hours % 24;
  const d = `${days} ${days === 1 ? "day" : "days"}`;
  return days < 7 && h ? `${d} ${h} h` : d;
}
