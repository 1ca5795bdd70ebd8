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

/** Mean gap between two events at this moment: busy weekday office hours (08-18 UTC), sparse nights and weekends. */
function gapMs(t: number, rnd: () => number): number {
  const d = new Date(t);
  const day = d.getUTCDay();
  const hour = d.getUTCHours();
  const weekend = day === 0 || day === 6;
  if (!weekend && hour >= 8 && hour < 18) return (1 + rnd() * 4) * MIN;
  if (weekend) return (30 + rnd() * 60) * MIN;
  return (20 + rnd() * 40) * MIN;
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
    t += Math.round(gapMs(t, rnd));
    if (t >= lastAt) break;
    rows.push(makeKeeperEvent(rnd, t));
  }
  rows.push(makeKeeperEvent(rnd, lastAt));
  return rows;
}
