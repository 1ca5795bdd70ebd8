/**
 * Keeper's pushes since its last event, from the DCR metric ApiCallReceived_Count per minute: proof
 * that events are being lost now, whatever the hour's usual gaps. A quiet night and a night whose
 * pushes the DCR refuses look the same in the Keeper table; they differ here. Keeper pushes only when
 * it has events, so a refused push is an event lost, and an accepted push that never reached the
 * table is one too (the daily cap, a transform that drops every row).
 */
import type { CallCounts } from "./diagnosis.js";
import { MINUTE } from "./history.js";
import type { SilenceSettings, SilenceVerdict } from "./silence.js";
import { compareText } from "../core/compareText.js";

/** Calls the DCR received in one minute (starting at `at`, epoch ms), by HTTP response code. */
export interface CallMinute {
  at: number;
  byCode: Record<string, number>;
}

/**
 * How long an accepted push may take to show in the table before it counts as lost: Logs Ingestion
 * to Log Analytics usually takes under 3 minutes, DCR metrics about as long.
 */
export const LANDING_GRACE_MINUTES = 20;

/**
 * Refusals that a retry may get past (throttling, timeouts, service errors): one of them is not yet
 * an event lost, Keeper may send it again; a second one since the last event is. Any other 4xx (a
 * removed role, a changed DCR) refuses the same push every time.
 */
const isTransient = (status: number): boolean => status === 408 || status === 429 || status >= 500;
/** Transient refusals since the last event that make a loss. */
export const TRANSIENT_REFUSALS = 2;

export interface PushLoss {
  /** Pushes the DCR refused (HTTP ≥ 400) after the last event. */
  refused: number;
  /** Pushes the DCR accepted after the last event, more than LANDING_GRACE_MINUTES ago, none of which reached the table. */
  unlanded: number;
  /** Refused pushes by response code. */
  refusedByCode: Record<string, number>;
  /** Why events are being lost, for the finding; undefined when no push says so. */
  why: string | undefined;
}

/**
 * The first minute that can only hold pushes after the last event. The minute of the last event is
 * left out: it holds the push that delivered it, and a push refused just before it (a 429 Keeper then
 * retried with success) would read as a loss.
 */
export const firstMinuteAfter = (lastEvent: number): number => Math.floor(lastEvent / MINUTE) * MINUTE + MINUTE;

/** Sums the minutes into the diagnosis' call counts. */
export function callCountsOf(minutes: readonly CallMinute[]): CallCounts {
  const byCode: Record<string, number> = {};
  let total = 0;
  for (const m of minutes) {
    for (const [code, n] of Object.entries(m.byCode)) {
      if (n <= 0) continue;
      byCode[code] = (byCode[code] ?? 0) + n;
      total += n;
    }
  }
  return { byCode, total };
}

const status = (code: string): number | undefined => (/^\d{3}$/.test(code) ? Number(code) : undefined);

/** What Keeper's pushes since `lastEvent` say, at `now`. Pure. */
export function pushLoss(minutes: readonly CallMinute[], lastEvent: number, now: number): PushLoss {
  const after = firstMinuteAfter(lastEvent);
  const refusedByCode: Record<string, number> = {};
  let refused = 0;
  let transient = 0;
  let unlanded = 0;
  const landBy = now - LANDING_GRACE_MINUTES * MINUTE;
  for (const m of minutes) {
    if (m.at < after || m.at >= now) continue;
    for (const [code, n] of Object.entries(m.byCode)) {
      const s = status(code);
      if (s === undefined || n <= 0) continue;
      if (s >= 400) {
        refused += n;
        if (isTransient(s)) transient += n;
        refusedByCode[code] = (refusedByCode[code] ?? 0) + n;
      } else if (s >= 200 && s < 300 && m.at + MINUTE <= landBy) unlanded += n;
    }
  }
  const parts: string[] = [];
  // one throttled or failed push alone may yet be retried: not a loss
  const lost = refused - transient > 0 || transient >= TRANSIENT_REFUSALS;
  if (lost) {
    const codes = Object.entries(refusedByCode)
      .sort(([a], [b]) => compareText(a, b))
      .map(([c, n]) => `${c}: ${n}`)
      .join(", ");
    parts.push(`the DCR refused ${refused} push(es) (${codes})`);
  }
  if (unlanded > 0)
    parts.push(
      `it accepted ${unlanded} push(es) more than ${LANDING_GRACE_MINUTES} min ago and none reached the table`,
    );
  const since = new Date(lastEvent).toISOString();
  return {
    refused,
    unlanded,
    refusedByCode,
    why: parts.length
      ? `Keeper is sending but its events are lost since the last event at ${since}: ${parts.join("; ")}`
      : undefined,
  };
}

/** Whether a run should read Keeper's pushes: the gap is past the floor and the usual gaps still allow it. */
export function needsPushCheck(
  v: SilenceVerdict,
  s: Pick<SilenceSettings, "silenceMinMinutes">,
): v is SilenceVerdict & { lastEvent: number } {
  return !v.silent && v.lastEvent !== undefined && v.gapMinutes !== undefined && v.gapMinutes >= s.silenceMinMinutes;
}

/** The verdict once Keeper's pushes are known: lost pushes make the gap silence, whatever the hour allows. */
export function withPushLoss(v: SilenceVerdict, loss: PushLoss): SilenceVerdict {
  if (!loss.why || v.silent) return v;
  return {
    ...v,
    silent: true,
    lostPushes: { refused: loss.refused, unlanded: loss.unlanded },
    why: `${loss.why}; the usual gaps alone would allow ${v.thresholdMinutes} min (${v.why})`,
  };
}
