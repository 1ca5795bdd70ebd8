import { seededRandom } from "./random.js";
import type { Column } from "./state.js";

/** The Keeper table as Log Analytics sees it (LA type names). */
export const KEEPER_TABLE_COLUMNS: Column[] = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "AuditEvent", type: "string" },
  { name: "RemoteAddress", type: "string" },
  { name: "Category", type: "string" },
  { name: "ClientVersion", type: "string" },
  { name: "EnterpriseId", type: "int" },
  { name: "Username", type: "string" },
  { name: "Timestamp", type: "datetime" },
  { name: "Data", type: "dynamic" },
];

const MIN = 60_000;
const DAY = 86_400_000;
export const KEEPER_ENTERPRISE_ID = 8734;

const EVENTS: Array<[event: string, category: string, weight: number]> = [
  ["login", "login", 30],
  ["open_record", "usage", 30],
  ["record_update", "usage", 12],
  ["copy_password", "usage", 10],
  ["login_failure", "login", 5],
  ["shared_folder_add", "sharing", 3],
  ["record_add", "usage", 6],
  ["folder_add", "usage", 2],
  ["change_master_password", "security", 1],
  ["audit_sync_setting_changed", "policy", 1],
];
const TOTAL_WEIGHT = EVENTS.reduce((s, e) => s + e[2], 0);
const USERS = [
  "alice.moreau",
  "bob.schmidt",
  "carla.rossi",
  "david.nguyen",
  "emma.jansen",
  "farid.haddad",
  "grace.okafor",
  "hugo.lindqvist",
  "ines.pereira",
  "jonas.weber",
  "kate.obrien",
  "liam.murphy",
  "maria.garcia",
  "nils.berg",
  "olivia.smith",
  "pavel.novak",
  "quentin.dubois",
  "rosa.martin",
  "sven.larsen",
  "tara.kelly",
];
const CLIENTS = [
  "Web Vault 17.1.2",
  "Browser Extension 17.1.0",
  "Desktop 17.0.4",
  "iPhone 17.1.1",
  "Commander 17.0.13",
];

/** Public holidays (UTC month-day) on which Keeper runs at weekend pace. */
export const HOLIDAYS = ["01-01", "05-01", "12-24", "12-25", "12-26", "12-31"];

export function isQuietDay(t: number): boolean {
  const d = new Date(t);
  const md = `${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(d.getUTCDate()).padStart(2, "0")}`;
  return d.getUTCDay() === 0 || d.getUTCDay() === 6 || HOLIDAYS.includes(md);
}

/** [min, max] minutes of the gap drawn at time t. */
function gapRange(t: number): [number, number] {
  const hour = new Date(t).getUTCHours();
  const night = hour >= 22 || hour < 7;
  if (isQuietDay(t)) return night ? [45, 240] : [20, 120];
  if (hour >= 8 && hour < 18) return [1, 5];
  if (night) return [30, 180];
  return [8, 40];
}

const HOUR = 3_600_000;
/** Hours (UTC) at which the traffic may change regime: midnight (day kind), 07:00, 08:00, 18:00, 22:00. */
const REGIME_HOURS = [0, 7, 8, 18, 22];

/** The next moment after t at which the gap range changes. */
function nextRegimeChange(t: number): number {
  const [lo, hi] = gapRange(t);
  for (let day = Math.floor(t / DAY) * DAY; ; day += DAY)
    for (const h of REGIME_HOURS) {
      const at = day + h * HOUR;
      if (at <= t) continue;
      const [l, u] = gapRange(at);
      if (l !== lo || u !== hi) return at;
    }
}

/**
 * The next event after t, shaped like people: busy weekday office hours (08-18 UTC, 1-5 min), quieter
 * shoulders, quiet nights (up to 3 hours without an event) and quieter still at weekends and on
 * holidays (up to 4 hours). A gap that would run past a regime change is redrawn from the change
 * (people arrive at the office at 08:00 whatever the night was like), so no quiet-night gap runs
 * into office hours. A fixed "no data for 1 hour" rule pages on most nights of this traffic.
 */
function nextEventAfter(t: number, rnd: () => number): number {
  for (let from = t; ;) {
    const [lo, hi] = gapRange(from);
    const next = from + Math.round((lo + rnd() * (hi - lo)) * MIN);
    const change = nextRegimeChange(from);
    if (next <= change) return next;
    from = change;
  }
}

/** In office hours a user's session often emits a burst of events within seconds. */
function burst(t: number, rnd: () => number): number[] {
  const hour = new Date(t).getUTCHours();
  if (isQuietDay(t) || hour < 8 || hour >= 18 || rnd() >= 0.12) return [];
  const n = 2 + Math.floor(rnd() * 5);
  const out: number[] = [];
  let at = t;
  for (let i = 0; i < n; i++) out.push((at += 1000 + Math.round(rnd() * 19_000)));
  return out;
}

export function makeKeeperEvent(rnd: () => number, timeGenerated: number): Record<string, unknown> {
  let pick = rnd() * TOTAL_WEIGHT;
  let ev = EVENTS[0]!;
  for (const e of EVENTS) {
    pick -= e[2];
    if (pick <= 0) {
      ev = e;
      break;
    }
  }
  const user = `${USERS[Math.floor(rnd() * USERS.length)]}@example.com`;
  const ip = rnd() < 0.8 ? `203.0.113.${1 + Math.floor(rnd() * 60)}` : `198.51.100.${1 + Math.floor(rnd() * 200)}`;
  const client = CLIENTS[Math.floor(rnd() * CLIENTS.length)]!;
  const timestamp = timeGenerated - Math.round((1 + rnd() * 9) * MIN);
  const data: Record<string, unknown> = { node_id: 412316860417 + Math.floor(rnd() * 4) };
  if (ev[2] !== 30 || ev[0] === "open_record") data["record_uid"] = Math.floor(rnd() * 2 ** 48).toString(36);
  return {
    TimeGenerated: timeGenerated,
    AuditEvent: ev[0],
    RemoteAddress: ip,
    Category: ev[1],
    ClientVersion: client,
    EnterpriseId: KEEPER_ENTERPRISE_ID,
    Username: user,
    Timestamp: timestamp,
    Data: data,
  };
}

/**
 * Deterministic Keeper traffic for the `days` days before `nowMs`; the last event lands 3-10 minutes before now.
 * Datetimes are stored as epoch ms.
 */
export function generateKeeperTraffic(seed: number, nowMs: number, days: number): Array<Record<string, unknown>> {
  const rnd = seededRandom(seed * 7919 + 17);
  const lastAt = nowMs - Math.round((3 + rnd() * 7) * MIN);
  const rows: Array<Record<string, unknown>> = [];
  let t = nowMs - days * DAY;
  for (;;) {
    t = nextEventAfter(t, rnd);
    if (t >= lastAt) break;
    rows.push(makeKeeperEvent(rnd, t));
    for (const b of burst(t, rnd)) if (b < lastAt) rows.push(makeKeeperEvent(rnd, (t = b)));
  }
  rows.push(makeKeeperEvent(rnd, lastAt));
  return rows;
}
