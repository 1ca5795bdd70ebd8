import { seededRandom } from "../../emulator/random.js";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/**
 * Real changes the simulation makes to the deployment and later undoes: emulator scenarios that
 * only touch ARM resources and role assignments (so the undo is a restore of those two), plus the
 * disabled service principal (one field). `breaks` of the scenario is the ground truth of which
 * checks may be a problem while it is applied.
 */
export const BREAKS = [
  "dce-deleted",
  "dce-endpoint-changed",
  "dcr-deleted",
  "dcr-recreated",
  "dcr-stream-column-removed",
  "dcr-transform-changed",
  "dcr-destination-changed",
  "dcr-output-stream-changed",
  "role-removed",
  "role-wrong",
  "table-basic-plan",
  "sp-disabled",
] as const;

/** Faults: things that go wrong around the monitor without anything in the deployment changing. */
export type FaultKind =
  | "throttle" // 429 storm with Retry-After
  | "error5xx" // 500/503 burst
  | "hang" // calls that never answer (the per-call timeout ends them)
  | "malformed" // 200 with a truncated JSON body
  | "tokenOutage" // the Entra token endpoint answers 503 for a while
  | "forbidden" // the monitor loses read access on the DCR (403) for a while
  | "teamsOutage" // the Teams webhook answers 503, or hangs (ambiguous)
  | "mailOutage" // Graph sendMail answers 503
  | "keeperOutage" // Keeper stops pushing events
  | "crash" // the instance dies at its k-th clock read; a fresh one takes over
  | "overlap" // the same tick runs on two instances at once
  | "duplicate"; // the same tick is delivered twice (isPastDue replay)

export interface Window {
  kind: string;
  start: number;
  end: number;
  /** For HTTP bursts: which service, how many calls; for breaks: the scenario. */
  detail: Record<string, string | number | boolean>;
}

export interface Plan {
  seed: number;
  start: number;
  /** End of the chaos; a quiet tail follows so retries and delayed alerts can finish. */
  chaosEnd: number;
  end: number;
  breaks: Window[];
  faults: Window[];
  /** Hours after the new secret appears in Key Vault before the Keeper admin pastes it. */
  adminDelayHours: number;
  secretPropagationMs: number;
  initialDaysLeft: number;
  /** False for one seed in three: the workspace does not collect AADServicePrincipalSignInLogs (optional). */
  signInLogs: boolean;
}

/** The quiet tail after the chaos: retries and delayed alerts finish (the outbox backs off up to hourly). */
export const TAIL_HOURS = 2;

const SERVICES = ["arm", "graph", "logs", "vault", "token"] as const;

/** The whole run of one seed, decided up front: the same seed is the same simulation. */
export function makePlan(seed: number, days: number, start = Date.parse("2026-03-02T00:00:00Z")): Plan {
  const rnd = seededRandom(seed * 2654435761);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const between = (a: number, b: number) => a + rnd() * (b - a);
  const chaosEnd = start + days * DAY;
  const breaks: Window[] = [];
  // Breaks one at a time, each followed by at least an hour of health, so every incident belongs to one break.
  let t = start + between(1, 8) * HOUR;
  while (t < chaosEnd - 2 * HOUR) {
    const len = Math.round(between(0.5, 10) * HOUR);
    const end = Math.min(t + len, chaosEnd - HOUR);
    breaks.push({ kind: "break", start: t, end, detail: { scenario: pick(BREAKS) } });
    t = end + between(1, 30) * HOUR;
  }
  const faults: Window[] = [];
  const perDay = 10;
  for (let i = 0; i < days * perDay; i++) {
    const at = Math.round(between(start, chaosEnd));
    const kind = pick<FaultKind>([
      "throttle",
      "throttle",
      "error5xx",
      "error5xx",
      "hang",
      "malformed",
      "malformed",
      "tokenOutage",
      "forbidden",
      "teamsOutage",
      "mailOutage",
      "keeperOutage",
      "crash",
      "crash",
      "overlap",
      "duplicate",
    ]);
    const w: Window = { kind, start: at, end: at, detail: {} };
    switch (kind) {
      case "throttle":
        w.detail = {
          service: pick(SERVICES),
          times: 1 + Math.floor(rnd() * 8),
          retryAfterMs: 50 + Math.floor(rnd() * 400),
        };
        w.end = at + 20 * MIN;
        break;
      case "error5xx":
        w.detail = { service: pick(SERVICES), times: 1 + Math.floor(rnd() * 8), status: pick([500, 502, 503]) };
        w.end = at + 20 * MIN;
        break;
      case "hang":
        w.detail = { service: pick(SERVICES), times: 1 };
        w.end = at + 20 * MIN;
        break;
      case "malformed":
        w.detail = { service: pick(["arm", "graph", "logs", "vault"] as const), times: 1 + Math.floor(rnd() * 3) };
        w.end = at + 20 * MIN;
        break;
      case "tokenOutage":
        w.end = at + Math.round(between(5, 45) * MIN);
        break;
      case "forbidden":
        w.end = at + Math.round(between(10, 120) * MIN);
        break;
      case "teamsOutage":
        w.detail = { hang: rnd() < 0.3 };
        w.end = at + Math.round(between(10, 300) * MIN);
        break;
      case "mailOutage":
        w.end = at + Math.round(between(10, 300) * MIN);
        break;
      case "keeperOutage":
        w.end = Math.min(at + Math.round(between(10, 16 * 60) * MIN), chaosEnd);
        break;
      case "crash":
        w.detail = { afterReads: 1 + Math.floor(rnd() * 40) };
        break;
      case "overlap":
      case "duplicate":
        break;
    }
    // Every fault ends with the chaos, so the quiet tail only has to outlast the alert outbox's backoff (≤ 1 h).
    w.end = Math.min(w.end, chaosEnd);
    faults.push(w);
  }
  faults.sort((a, b) => a.start - b.start);
  return {
    seed,
    start,
    chaosEnd,
    end: chaosEnd + TAIL_HOURS * HOUR,
    breaks,
    faults,
    adminDelayHours: between(0.5, 20),
    secretPropagationMs: Math.round(pick([0, 0, 30_000, 120_000, 600_000])),
    initialDaysLeft: between(30.05, 30.6),
    signInLogs: seed % 3 !== 0,
  };
}
