import { describe, expect, it } from "vitest";
import type { AlertRecord, PolicySettings } from "../../src/alerts/alertRecord.js";
import { evaluate, isExpiredSecret } from "../../src/alerts/policy.js";
import type { Notice } from "../../src/core/notifier.js";
import { ok, problem, unknown, type Finding, type Severity } from "../../src/core/finding.js";

const settings: PolicySettings = {
  openAfter: 2,
  resolveAfter: 2,
  renotifyHours: 4,
  portalUrl: "https://portal.azure.com",
  tenantId: "00000000-0000-0000-0000-0000000000aa",
};
const DCR =
  "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR";
const T0 = Date.parse("2026-11-25T00:00:00Z");

type Step = "ok" | "unknown" | Severity;
function finding(check: string, s: Step): Finding {
  if (s === "ok") return ok(check, "fine", { resource: DCR });
  if (s === "unknown") return unknown(check, "could not tell", { resource: DCR });
  return problem(check, s, `${check} is broken`, { resource: DCR, remediation: "fix it" });
}

/**
 * Alertmanager-style timeline: each entry is (minutes after T0, status); returns the notices
 * each run caused, as "minute kind" strings, with the records carried between runs like storage would.
 */
function timeline(check: string, steps: Array<[number, Step]>, s: PolicySettings = settings): string[] {
  const records = new Map<string, AlertRecord>();
  const out: string[] = [];
  for (const [min, st] of steps) {
    const at = new Date(T0 + min * 60_000);
    const run = { source: "drift" as const, startedAt: at.toISOString(), finishedAt: at.toISOString() };
    const r = evaluate(records, { ...run, findings: [finding(check, st)] }, s, at);
    for (const c of r.changed) records.set(c.key, c);
    for (const n of r.notices) out.push(`${min} ${n.kind}`);
  }
  return out;
}

describe("alert policy timelines", () => {
  it.each<[string, string, Array<[number, Step]>, string[]]>([
    [
      "opens after two problem runs",
      "role.assignment",
      [
        [0, "critical"],
        [15, "critical"],
      ],
      ["15 opened"],
    ],
    [
      "one problem run does not open",
      "role.assignment",
      [
        [0, "critical"],
        [15, "ok"],
        [30, "ok"],
      ],
      [],
    ],
    [
      "flapping never opens",
      "role.assignment",
      [
        [0, "critical"],
        [15, "ok"],
        [30, "critical"],
        [45, "ok"],
        [60, "critical"],
        [75, "ok"],
      ],
      [],
    ],
    ["freshness opens at once", "ingestion.freshness", [[0, "critical"]], ["0 opened"]],
    [
      "resolves after two ok runs, exactly once",
      "role.assignment",
      [
        [0, "critical"],
        [15, "critical"],
        [30, "ok"],
        [45, "ok"],
        [60, "ok"],
        [75, "ok"],
      ],
      ["15 opened", "45 resolved"],
    ],
    [
      "one ok run while open does not resolve, the next problem keeps it open",
      "role.assignment",
      [
        [0, "critical"],
        [15, "critical"],
        [30, "ok"],
        [45, "critical"],
        [60, "ok"],
        [75, "ok"],
      ],
      ["15 opened", "75 resolved"],
    ],
    [
      "unknown neither opens nor resets the streak",
      "role.assignment",
      [
        [0, "critical"],
        [15, "unknown"],
        [30, "unknown"],
        [45, "critical"],
      ],
      ["45 opened"],
    ],
    [
      "unknown does not resolve and does not break the ok streak",
      "role.assignment",
      [
        [0, "critical"],
        [15, "critical"],
        [30, "ok"],
        [45, "unknown"],
        [60, "ok"],
      ],
      ["15 opened", "60 resolved"],
    ],
    [
      "reminds every 4 hours while open",
      "role.assignment",
      [
        [0, "critical"],
        [15, "critical"],
        [120, "critical"],
        [255, "critical"],
        [300, "unknown"],
        [495, "critical"],
      ],
      ["15 opened", "255 reminder", "495 reminder"],
    ],
    [
      "warning to critical notifies, critical to warning does not",
      "secret.expiry",
      [
        [0, "warning"],
        [15, "warning"],
        [30, "critical"],
        [45, "warning"],
        [60, "critical"],
      ],
      ["15 opened", "30 escalated", "60 escalated"],
    ],
  ])("%s", (_name, check, steps, expected) => {
    expect(timeline(check, steps)).toEqual(expected);
  });

  it("honours ALERT_OPEN_AFTER", () => {
    const s = { ...settings, openAfter: 3 };
    expect(
      timeline(
        "dcr.exists",
        [
          [0, "critical"],
          [15, "critical"],
          [30, "critical"],
        ],
        s,
      ),
    ).toEqual(["30 opened"]);
  });

  it("ignores a replayed run (same start) and an older run", () => {
    const records = new Map<string, AlertRecord>();
    const seen: Notice[] = [];
    const run = (min: number) => {
      const at = new Date(T0 + min * 60_000).toISOString();
      const r = evaluate(
        records,
        { source: "drift", startedAt: at, finishedAt: at, findings: [finding("dcr.exists", "critical")] },
        settings,
        new Date(at),
      );
      for (const c of r.changed) records.set(c.key, c);
      seen.push(...r.notices);
    };
    run(0);
    run(0);
    run(-5);
    expect(records.get(`dcr.exists|${DCR}`)?.problemStreak).toBe(1);
    run(15);
    expect(seen.map((n) => n.kind)).toEqual(["opened"]);
  });

  it("keys every notice of one incident with check|resource|incident start", () => {
    const records = new Map<string, AlertRecord>();
    const keys: string[] = [];
    for (const [min, st] of [
      [0, "critical"],
      [15, "critical"],
      [30, "ok"],
      [45, "ok"],
    ] as Array<[number, Step]>) {
      const at = new Date(T0 + min * 60_000).toISOString();
      const r = evaluate(
        records,
        { source: "drift", startedAt: at, finishedAt: at, findings: [finding("role.assignment", st)] },
        settings,
        new Date(at),
      );
      for (const c of r.changed) records.set(c.key, c);
      keys.push(...r.notices.map((n) => n.key));
    }
    expect(keys).toEqual([
      `role.assignment|${DCR}|2026-11-25T00:00:00.000Z|opened`,
      `role.assignment|${DCR}|2026-11-25T00:00:00.000Z|resolved`,
    ]);
  });

  it("groups by check and resource: two resources, two alerts; the worst finding of a run counts", () => {
    const at = new Date(T0).toISOString();
    const r = evaluate(
      new Map(),
      {
        source: "drift",
        startedAt: at,
        finishedAt: at,
        findings: [
          problem("ingestion.freshness", "warning", "slow", { resource: "a" }),
          problem("ingestion.freshness", "critical", "stopped", { resource: "a" }),
          problem("ingestion.freshness", "critical", "stopped", { resource: "b" }),
        ],
      },
      settings,
      new Date(at),
    );
    expect(r.notices.map((n) => `${n.key.split("|")[1]} ${n.severity} ${n.summary}`)).toEqual([
      "a critical stopped",
      "b critical stopped",
    ]);
  });

  it("says in words what is wrong, on which resource, and links to the portal", () => {
    const at = new Date(T0).toISOString();
    const r = evaluate(
      new Map(),
      { source: "drift", startedAt: at, finishedAt: at, findings: [finding("ingestion.freshness", "critical")] },
      { ...settings, openAfter: 1 },
      new Date(at),
    );
    const n = r.notices[0]!;
    expect(n.title).toBe("CRITICAL: Keeper events stopped on KeeperSecurityEventLogs_DCR");
    expect(n.links).toEqual([
      {
        title: "Open KeeperSecurityEventLogs_DCR in the Azure portal",
        url: `https://portal.azure.com/#@${settings.tenantId}/resource${DCR}`,
      },
    ]);
  });
});

describe("expired secret signal", () => {
  const at = new Date("2026-11-25T00:00:00Z");
  const cred = (end: string) => ({ keyId: "k", displayName: "d", endDateTime: end });
  it.each<[string, Finding, boolean]>([
    [
      "every credential past its end date",
      problem("secret.expiry", "critical", "whatever", {
        evidence: { credentials: [cred("2026-11-01T00:00:00Z"), cred("2026-11-24T00:00:00Z")] },
      }),
      true,
    ],
    [
      "one credential still valid (expires soon)",
      problem("secret.expiry", "critical", "Every client secret of the Keeper app has expired", {
        evidence: { credentials: [cred("2026-11-01T00:00:00Z"), cred("2026-11-26T00:00:00Z")] },
      }),
      false,
    ],
    ["no evidence, summary says expired", problem("secret.expiry", "critical", "All have expired (2)."), true],
    ["a warning is never the expired case", problem("secret.expiry", "warning", "expired"), false],
    ["another check", problem("secret.vault", "critical", "expired"), false],
  ])("%s", (_n, f, expected) => {
    expect(isExpiredSecret(f, at)).toBe(expected);
  });

  it("opens an expired-secret alert on the first run", () => {
    const iso = at.toISOString();
    const r = evaluate(
      new Map(),
      {
        source: "drift",
        startedAt: iso,
        finishedAt: iso,
        findings: [
          problem("secret.expiry", "critical", "Every client secret has expired (1).", {
            resource: "app",
            evidence: { credentials: [cred("2026-11-01T00:00:00Z")] },
          }),
        ],
      },
      settings,
      at,
    );
    expect(r.notices.map((n) => n.kind)).toEqual(["opened"]);
  });
});
