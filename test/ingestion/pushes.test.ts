import { describe, expect, it } from "vitest";
import {
  callCountsOf,
  LANDING_GRACE_MINUTES,
  needsPushCheck,
  pushLoss,
  withPushLoss,
  type CallMinute,
} from "../../src/ingestion/pushes.js";
import { toCallCounts, toCallMinutes } from "../../src/azure/metrics.js";
import { MalformedReplyError } from "../../src/azure/errors.js";
import { MINUTE } from "../../src/ingestion/history.js";
import type { SilenceVerdict } from "../../src/ingestion/silence.js";
import { SILENCE_SETTINGS } from "./silenceSettings.js";

const LAST = Date.parse("2026-03-08T01:20:30Z");
const NOW = Date.parse("2026-03-08T02:10:00Z");
const minute = (iso: string, byCode: Record<string, number>): CallMinute => ({ at: Date.parse(iso), byCode });

describe("pushLoss: Keeper's pushes since its last event", () => {
  it("counts refused pushes after the last event's minute, by code, and says so", () => {
    const loss = pushLoss(
      [
        minute("2026-03-08T01:20:00Z", { "429": 1, "204": 1 }), // the last event's minute: a throttle it retried
        minute("2026-03-08T01:35:00Z", { "403": 2 }),
        minute("2026-03-08T02:05:00Z", { "403": 1, "503": 1 }),
      ],
      LAST,
      NOW,
    );
    expect(loss).toMatchObject({ refused: 4, unlanded: 0, refusedByCode: { "403": 3, "503": 1 } });
    expect(loss.why).toBe(
      "Keeper is sending but its events are lost since the last event at 2026-03-08T01:20:30.000Z: the DCR refused 4 push(es) (403: 3, 503: 1)",
    );
  });

  it("lets one throttled or failed push be (Keeper may send it again); a second, or any other refusal, is a loss", () => {
    const at = (codes: Record<string, number>) => pushLoss([minute("2026-03-08T01:40:00Z", codes)], LAST, NOW);
    expect(at({ "429": 1 })).toMatchObject({ refused: 1, why: undefined });
    expect(at({ "503": 1 }).why).toBeUndefined();
    expect(at({ "429": 2 }).why).toMatch(/refused 2 push\(es\) \(429: 2\)$/);
    expect(at({ "408": 1, "500": 1 }).why).toMatch(/refused 2 push\(es\) \(408: 1, 500: 1\)$/);
    expect(at({ "401": 1 }).why).toMatch(/refused 1 push\(es\) \(401: 1\)$/);
  });

  it(`counts an accepted push as lost only once it is ${LANDING_GRACE_MINUTES} min old with nothing in the table`, () => {
    const young = minute(new Date(NOW - LANDING_GRACE_MINUTES * MINUTE).toISOString(), { "204": 3 });
    const old = minute(new Date(NOW - (LANDING_GRACE_MINUTES + 1) * MINUTE).toISOString(), { "204": 2 });
    expect(pushLoss([young], LAST, NOW)).toMatchObject({ unlanded: 0, why: undefined });
    const loss = pushLoss([young, old], LAST, NOW);
    expect(loss.unlanded).toBe(2);
    expect(loss.why).toMatch(/it accepted 2 push\(es\) more than 20 min ago and none reached the table$/);
  });

  it("ignores calls without a status code, and none is no loss", () => {
    expect(pushLoss([minute("2026-03-08T01:40:00Z", { unknown: 5 })], LAST, NOW).why).toBeUndefined();
    expect(pushLoss([], LAST, NOW)).toMatchObject({ refused: 0, unlanded: 0, why: undefined });
  });

  it("sums minutes into the diagnosis' call counts", () => {
    const ms = [minute("2026-03-08T01:35:00Z", { "403": 2, "204": 0 }), minute("2026-03-08T01:36:00Z", { "403": 1 })];
    expect(callCountsOf(ms)).toEqual({ byCode: { "403": 3 }, total: 3 });
  });
});

describe("the verdict with Keeper's pushes", () => {
  const verdict = (gapMinutes: number, silent = false): SilenceVerdict => ({
    silent,
    lastEvent: NOW - gapMinutes * MINUTE,
    gapMinutes,
    thresholdMinutes: 300,
    learned: "baseline",
    hourOfWeek: "Sun 02:00-03:00 UTC",
    historyDays: 14,
    quietFactor: 1,
    why: "events normally arrive every ≤ 160 min",
  });

  it("reads pushes only for an open gap past the floor that the usual gaps still allow", () => {
    expect(needsPushCheck(verdict(SILENCE_SETTINGS.silenceMinMinutes - 1), SILENCE_SETTINGS)).toBe(false);
    expect(needsPushCheck(verdict(SILENCE_SETTINGS.silenceMinMinutes), SILENCE_SETTINGS)).toBe(true);
    expect(needsPushCheck(verdict(400, true), SILENCE_SETTINGS)).toBe(false);
    expect(needsPushCheck({ ...verdict(30), lastEvent: undefined }, SILENCE_SETTINGS)).toBe(false);
  });

  it("makes lost pushes silence and keeps what the gaps alone would allow", () => {
    const v = verdict(50);
    const loss = pushLoss([minute("2026-03-08T01:35:00Z", { "400": 1 })], v.lastEvent!, NOW);
    const w = withPushLoss(v, loss);
    expect(w).toMatchObject({ silent: true, lostPushes: { refused: 1, unlanded: 0 }, thresholdMinutes: 300 });
    expect(w.why).toMatch(
      /refused 1 push\(es\) \(400: 1\); the usual gaps alone would allow 300 min \(events normally/,
    );
    expect(withPushLoss(v, pushLoss([], v.lastEvent!, NOW))).toBe(v);
  });
});

describe("toCallMinutes: the metrics reply per minute and code", () => {
  const reply = (data: unknown[]) => ({
    value: [
      {
        name: { value: "ApiCallReceived_Count" },
        timeseries: [{ metadatavalues: [{ name: { value: "responsecode" }, value: "403" }], data }],
      },
    ],
  });

  it("keeps the minutes with calls, from the SDK's Dates or raw strings", () => {
    const r = reply([
      { timeStamp: new Date("2026-03-08T01:35:00Z"), count: 2 },
      { timeStamp: "2026-03-08T01:36:00Z", count: 0 },
      { timeStamp: "2026-03-08T01:37:00Z" },
      { timeStamp: "2026-03-08T01:38:00Z", count: 1 },
      { timeStamp: "2026-03-08T01:39:00Z", total: 5 },
    ]);
    expect(toCallMinutes(r)).toEqual([
      minute("2026-03-08T01:35:00Z", { "403": 2 }),
      minute("2026-03-08T01:38:00Z", { "403": 1 }),
    ]);
    expect(toCallCounts(r)).toEqual({ byCode: { "403": 3 }, total: 3 });
  });

  it("refuses a data point without a time, or a reply without the metric", () => {
    expect(() => toCallMinutes(reply([{ timeStamp: "soon", count: 1 }]))).toThrow(MalformedReplyError);
    expect(() => toCallMinutes({ value: [] })).toThrow(/lacks ApiCallReceived_Count/);
    expect(() => toCallMinutes({})).toThrow(/no value array/);
  });
});
