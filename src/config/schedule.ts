import { DAY_NAMES } from "../core/calendar.js";

/**
 * Azure Functions timer schedules: six-field NCRONTAB (`sec min hour day month weekday`) or a
 * TimeSpan (`hh:mm:ss`). Validated here so a typo fails at start-up, not silently in the host.
 */
const FIELD_RANGES: ReadonlyArray<[number, number]> = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = DAY_NAMES.map((d) => d.toUpperCase());

function validValue(v: string, [min, max]: [number, number], names?: string[]): boolean {
  if (names && names.includes(v.toUpperCase())) return true;
  if (!/^\d+$/.test(v)) return false;
  const n = Number(v);
  return n >= min && n <= max;
}

function validField(field: string, range: [number, number], names?: string[]): boolean {
  return field.split(",").every((part) => {
    const [base, step, ...rest] = part.split("/");
    if (rest.length > 0 || base === undefined || base === "") return false;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return false;
    if (base === "*") return true;
    const bounds = base.split("-");
    if (bounds.length > 2) return false;
    return bounds.every((b) => validValue(b, range, names));
  });
}

export function isValidSchedule(schedule: string): boolean {
  const s = schedule.trim();
  if (/^\d{1,2}:\d{2}:\d{2}$/.test(s)) return s !== "00:00:00" && s !== "0:00:00";
  const fields = s.split(/\s+/);
  if (fields.length !== 6) return false;
  return fields.every((f, i) => {
    const range = FIELD_RANGES[i];
    if (!range) return false;
    return validField(f, range, i === 4 ? MONTHS : i === 5 ? DAYS : undefined);
  });
}

/** The values of one numeric NCRONTAB field, e.g. "*\/15" in 0–59 → 0, 15, 30, 45. */
function fieldValues(field: string, [min, max]: [number, number]): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [base = "*", step = "1"] = part.split("/");
    const [lo, hi] = base === "*" ? [min, max] : (base.split("-").map(Number) as [number, number?]);
    const end = hi ?? (part.includes("/") ? max : lo);
    for (let v = lo; v <= end; v += Number(step)) out.add(v);
  }
  return out;
}

/**
 * Whether a valid schedule fires more than once in some minute: a TimeSpan below one minute, or an
 * NCRONTAB seconds field with more than one value. The monitor's timers read Azure on every tick;
 * one a second would spend the ARM and Graph budgets (see "Limits" in the README).
 */
export function firesMoreThanOncePerMinute(schedule: string): boolean {
  const s = schedule.trim();
  const span = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (span) return Number(span[1]) * 3600 + Number(span[2]) * 60 + Number(span[3]) < 60;
  const seconds = s.split(/\s+/)[0] ?? "*";
  return fieldValues(seconds, [0, 59]).size > 1;
}
