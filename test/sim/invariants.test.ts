import { describe, expect, it } from "vitest";
import { checkInvariants, failureReport, type Trace } from "./invariants.js";
import { HOUR, MIN } from "./plan.js";

const T0 = Date.parse("2026-03-02T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** A passing trace: one DCR deletion for 3 h, alerted on both channels. */
function goodTrace(): Trace {
  const since = iso(T0 + HOUR + 15 * MIN);
  return {
    seed: 42,
    channels: ["teams", "email"],
    runs: [
      {
        at: T0 + HOUR + 15 * MIN,
        source: "drift",
        findings: [{ check: "dcr.exists", status: "problem", severity: "critical", summary: "DCR missing" }],
        allowed: ["dcr.exists", "role.assignment"],
        gapMs: 5 * MIN,
      },
      {
        at: T0 + 6 * HOUR,
        source: "drift",
        findings: [{ check: "dcr.exists", status: "unknown", severity: "warning", summary: "ARM 503" }],
        allowed: [],
        gapMs: 5 * MIN,
      },
    ],
    notices: (["teams", "email"] as const).flatMap((channel) =>
      ["dcr.exists", "role.assignment"].map((check) => ({
        channel,
        key: `${check}|dcr|${since}|opened`,
        kind: "opened",
        check,
        since,
        received: 1,
      })),
    ),
    breaks: [
      { scenario: "dcr-deleted", start: T0 + HOUR, end: T0 + 4 * HOUR, checks: ["dcr.exists", "role.assignment"] },
    ],
    gaps: [],
    ambiguous: [],
    credentials: [],
    leaks: [],
    events: [{ t: T0 + HOUR, what: "break dcr-deleted" }],
  };
}

describe("simulation invariants", () => {
  it("accept a trace where every real problem was alerted once and faults stayed unknown", () => {
    expect(checkInvariants(goodTrace())).toEqual([]);
  });

  it("flag a 'missing' finding while nothing was broken (a fault taken for a change)", () => {
    const t = goodTrace();
    t.runs[1]!.findings[0]!.status = "problem";
    expect(checkInvariants(t)).toEqual([expect.stringMatching(/^false dcr.exists problem at 2026-03-02T06:00/)]);
  });

  it("flag a silence when events had arrived minutes before", () => {
    const t = goodTrace();
    t.runs[1]!.findings.push({
      check: "ingestion.freshness",
      status: "problem",
      severity: "critical",
      summary: "no events",
    });
    expect(checkInvariants(t)).toEqual([expect.stringMatching(/^false silence/)]);
  });

  it("flag a lost alert: a 3 h break that never reached email", () => {
    const t = goodTrace();
    t.notices = t.notices.filter((n) => !(n.channel === "email" && n.check === "role.assignment"));
    expect(checkInvariants(t)).toEqual([
      expect.stringMatching(/^lost alert: dcr-deleted .* never reached email for role.assignment/),
    ]);
  });

  it("flag a long silence that was never alerted, but not a short one", () => {
    const t = goodTrace();
    t.gaps = [
      { start: T0, end: T0 + 20 * MIN },
      { start: T0 + 10 * HOUR, end: T0 + 23 * HOUR },
    ];
    const bad = checkInvariants(t);
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatch(/^lost alert: no Keeper events 2026-03-02T10:00.*teams/);
  });

  it("flag a duplicate with no ambiguous failure, and a triplicate always", () => {
    const t = goodTrace();
    t.notices[0]!.received = 2;
    expect(checkInvariants(t)).toEqual([
      expect.stringMatching(/^duplicate dcr.exists.* on teams with no ambiguous failure/),
    ]);
    t.ambiguous = ["teams"];
    expect(checkInvariants(t)).toEqual([]);
    t.notices[0]!.received = 3;
    expect(checkInvariants(t)).toEqual(["3 copies of " + t.notices[0]!.key + " on teams"]);
  });

  it("print the seed, how to replay it and the last events", () => {
    const t = goodTrace();
    t.leaks = ["abc…"];
    const v = checkInvariants(t);
    expect(v).toEqual(["secret leaked: abc…"]);
    const r = failureReport(t, v);
    expect(r).toContain("npm run test:sim -- --seed 42 --days 1");
    expect(r).toContain("2026-03-02T01:00:00.000Z break dcr-deleted");
  });
});
