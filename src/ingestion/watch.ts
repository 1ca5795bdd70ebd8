import { unknown, type Finding } from "../core/finding.js";
import { found, notKnown, type Observation } from "../core/observation.js";
import { analyzeFreshness, FRESHNESS_CHECK } from "../checks/freshness.js";
import { usualRange } from "./baseline.js";
import { learnClock } from "./learnClock.js";
import { detectOnClock, learnOnClock, type SilenceSettings } from "./silence.js";
import { analyzeLatency, LATENCY_CHECK } from "./latency.js";
import { analyzeVolume, VOLUME_CHECK } from "./volume.js";
import {
  DIAGNOSIS_CHECK,
  diagnosisFinding,
  diagnosisNotNeeded,
  type CallCounts,
  type CapEvent,
  type LogErrorGroup,
  type SignInGroup,
} from "./diagnosis.js";
import { callCountsOf, firstMinuteAfter, needsPushCheck, pushLoss, withPushLoss, type CallMinute } from "./pushes.js";
import type { HourPoint, RunClock } from "../core/notifier.js";
import { alignRows, DAY, eventsPerHour, lastEventOf, type HourlyRow } from "./history.js";
import { hourPhase } from "../core/calendar.js";

/** The reads of one ingestion run; the Azure adapters implement it, tests pass plain objects. */
export interface IngestionReader {
  /**
   * The one aggregated query (a healthy run makes no other call), its hours starting `phaseMs` past
   * the UTC hour (0: UTC hours). `missing`: the table or workspace does not exist.
   */
  hourly(days: number, phaseMs: number): Promise<Observation<HourlyRow[]>>;
  /** Diagnosis only: DCR ApiCallReceived_Count by ResponseCode in [since, now). */
  callsSince(since: Date, now: Date): Promise<Observation<CallCounts>>;
  /** The same per minute: Keeper's pushes since its last event, read while a gap is open (see pushes.ts). */
  callMinutesSince(since: Date, now: Date): Promise<Observation<CallMinute[]>>;
  signInsSince(since: Date, now: Date): Promise<Observation<SignInGroup[]>>;
  dcrErrorsSince(since: Date, now: Date): Promise<Observation<LogErrorGroup[]>>;
  dailyCapSince(since: Date, now: Date): Promise<Observation<CapEvent[]>>;
}

export interface WatchSettings extends SilenceSettings {
  baselineDays: number;
  latencyWarnMinutes: number;
  volumeDropPercent: number;
  /** HOLIDAYS entries ("MM-DD" / "YYYY-MM-DD", validated): learned and judged like a weekend day. */
  holidays?: readonly string[];
  /** TRAFFIC_TIME_ZONE (validated IANA name): unset, the clock is learned from the history. */
  trafficTimeZone?: string;
  /** WEEKEND_DAYS (0 = Sunday): unset, learned from the history. */
  weekendDays?: readonly number[];
}

export interface WatchDeps {
  reader: IngestionReader;
  settings: WatchSettings;
  now: () => Date;
  /** The drift findings, started only when asked (the diagnosis needs them). */
  driftFindings: () => Promise<Finding[]>;
  /** The Keeper table's resource id, for the findings. */
  resource: string;
}

export interface WatchResult {
  startedAt: Date;
  finishedAt: Date;
  findings: Finding[];
  eventsPerHour?: HourPoint[];
  /** The last Keeper event in the queried history (ISO). */
  lastEvent?: string;
  /** The clock the run judged on. */
  clock?: RunClock;
}

const CHECKS = [FRESHNESS_CHECK, LATENCY_CHECK, VOLUME_CHECK, DIAGNOSIS_CHECK];

async function settle<T>(what: string, p: () => Promise<Observation<T>>): Promise<Observation<T>> {
  try {
    return await p();
  } catch (e) {
    return notKnown(`unexpected error while trying to ${what}: ${e instanceof Error ? e.name : "error"}`);
  }
}

/**
 * One ingestion run: one aggregated query; freshness, latency and volume from it. While a gap longer
 * than SILENCE_MIN_MINUTES is open but still plausible, Keeper's pushes since the last event (the DCR
 * metrics, per minute): refused pushes, or accepted ones that never reached the table, make it silence.
 * Only when freshness is a problem, the evidence (DCR metrics, sign-ins, DCRLogErrors, daily cap,
 * drift findings) and the ranked causes. Never throws for an Azure failure.
 */
export async function runIngestionWatch(deps: WatchDeps): Promise<WatchResult> {
  const startedAt = deps.now();
  const s = deps.settings;
  // on a zone whose offset is not whole hours the rows are its local hours (the phase at this run)
  const phase = hourPhase(s.trafficTimeZone, startedAt.getTime());
  const hourly = await settle("query the Keeper table", () => deps.reader.hourly(s.baselineDays, phase));
  if (hourly.kind !== "found") {
    const reason =
      hourly.kind === "missing" ? "the Keeper table or its workspace does not exist (see table.exists)" : hourly.reason;
    const remediation = hourly.kind === "unknown" ? hourly.remediation : undefined;
    return {
      startedAt,
      finishedAt: deps.now(),
      findings: CHECKS.map((c) =>
        unknown(c, `Could not tell: ${reason}.`, { resource: deps.resource, ...(remediation ? { remediation } : {}) }),
      ),
    };
  }
  // rows at another phase (an answer binned otherwise) are counted in the row that holds their start
  const rows = alignRows(hourly.value, phase);
  const now = deps.now().getTime();
  // the customer's clock and weekend: as set, else learned from the same rows
  const clock = learnClock(rows, {
    ...(s.trafficTimeZone ? { zone: s.trafficTimeZone } : {}),
    ...(s.weekendDays ? { weekend: s.weekendDays } : {}),
  });
  const learned = learnOnClock(rows, clock, s.holidays);
  const baseline = learned.baseline;
  let verdict = detectOnClock(rows, learned, now, s);
  // the pushes read for this gap, kept for the diagnosis (no second metrics read)
  let pushCalls: Observation<CallCounts> | undefined;
  if (needsPushCheck(verdict, s)) {
    const last = verdict.lastEvent;
    const minutes = await settle("read the DCR metrics", () =>
      deps.reader.callMinutesSince(new Date(firstMinuteAfter(last)), new Date(now)),
    );
    // unreadable metrics leave the verdict to the gaps alone (this read can only add an alarm), and say so
    if (minutes.kind === "found") {
      verdict = withPushLoss(verdict, pushLoss(minutes.value, last, now));
      pushCalls = found(callCountsOf(minutes.value));
    } else
      verdict = {
        ...verdict,
        why: `${verdict.why}; Keeper's pushes since the last event could not be read (${minutes.kind === "missing" ? "the DCR does not exist" : minutes.reason})`,
      };
  }
  const findings: Finding[] = [
    analyzeFreshness(verdict, deps.resource, s.baselineDays),
    analyzeLatency(rows, now, s.latencyWarnMinutes, deps.resource),
    analyzeVolume(rows, baseline, now, s.volumeDropPercent, deps.resource),
  ];
  if (verdict.silent) {
    const since = new Date(Math.max(lastEventOf(rows) ?? 0, now - s.baselineDays * DAY));
    const end = new Date(now);
    const drift = deps
      .driftFindings()
      .then((f): Observation<Finding[]> => found(f))
      .catch((e: unknown) => notKnown<Finding[]>(`the drift checks failed: ${e instanceof Error ? e.name : "error"}`));
    const [calls, signIns, dcrErrors, dailyCap, driftObs] = await Promise.all([
      pushCalls && since.getTime() === verdict.lastEvent
        ? Promise.resolve(pushCalls)
        : settle("read the DCR metrics", () => deps.reader.callsSince(since, end)),
      settle("query the sign-ins", () => deps.reader.signInsSince(since, end)),
      settle("query DCRLogErrors", () => deps.reader.dcrErrorsSince(since, end)),
      settle("query _LogOperation", () => deps.reader.dailyCapSince(since, end)),
      drift,
    ]);
    findings.push(
      diagnosisFinding({ since: since.getTime(), drift: driftObs, calls, signIns, dcrErrors, dailyCap }, deps.resource),
    );
  } else findings.push(diagnosisNotNeeded(deps.resource));
  const lastEvent = lastEventOf(rows);
  return {
    startedAt,
    finishedAt: deps.now(),
    findings,
    eventsPerHour: eventsPerHour(rows, now - 7 * DAY, now, (h) => usualRange(baseline, h)),
    ...(lastEvent !== undefined ? { lastEvent: new Date(lastEvent).toISOString() } : {}),
    clock: {
      ...(s.trafficTimeZone ? { zone: s.trafficTimeZone } : {}),
      offsetMinutes: Math.round(clock.offsetAt(now) / 60_000),
      origin: s.trafficTimeZone ? "set" : "learned",
    },
  };
}
