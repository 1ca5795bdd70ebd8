/**
 * Alerts per incident against Azurite (real Table storage, real ETags): a removed role that stops
 * Keeper's events pages once, reminds once per interval and resolves once, whichever run (drift or
 * ingestion) reports which of its findings; records stored by finding id carry on without paging.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { createTableClient } from "../../src/azure/tableStorage.js";
import { AlertManager } from "../../src/alerts/alertManager.js";
import type { Channel } from "../../src/alerts/channel.js";
import type { Notice, RunRecord } from "../../src/core/notifier.js";
import type { AlertRecord, PolicySettings } from "../../src/alerts/alertRecord.js";
import { AlertStore } from "../../src/alerts/store/index.js";
import { analyze } from "../../src/checks/analyze.js";
import { problem, ok, type Finding } from "../../src/core/finding.js";
import { found } from "../../src/core/observation.js";
import { diagnosisFinding, diagnosisNotNeeded } from "../../src/ingestion/diagnosis.js";
import type { Logger } from "../../src/core/logger.js";
import { renderEmail } from "../../src/report/email.js";
import { DCR_ID, SP_OID, expected, healthy } from "../checks/fixtures.js";

const noCredential: TokenCredential = { getToken: () => Promise.reject(new Error("not needed")) };
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const settings: PolicySettings = {
  openAfter: 2,
  resolveAfter: 2,
  renotifyHours: 4,
  portalUrl: "https://portal.azure.com",
  tenantId: "00000000-0000-0000-0000-0000000000aa",
};
const T0 = Date.parse("2026-11-25T12:00:00Z");
const TABLE = "/subscriptions/1/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w/tables/K_CL";
const LAST_EVENT = T0 - 13 * 3_600_000;

const drift = (roleRemoved: boolean): Finding[] => {
  const o = healthy();
  if (roleRemoved) o.roleAssignments = found([]);
  return analyze(expected(), o);
};
/** The ingestion run's findings: events stopped since LAST_EVENT with every push refused (403). */
function ingestion(stopped: boolean): Finding[] {
  if (!stopped)
    return [ok("ingestion.freshness", "Last Keeper event 2 min ago.", { resource: TABLE }), diagnosisNotNeeded(TABLE)];
  return [
    problem("ingestion.freshness", "critical", "No Keeper event for 780 min.", {
      resource: TABLE,
      evidence: { lastEvent: new Date(LAST_EVENT).toISOString() },
    }),
    diagnosisFinding(
      {
        since: LAST_EVENT,
        drift: found(drift(true)),
        calls: found({ byCode: { "403": 30 }, total: 30 }),
        signIns: found([]),
        dcrErrors: found([]),
        dailyCap: found([]),
      },
      TABLE,
    ),
  ];
}

function run(min: number, source: RunRecord["source"], findings: Finding[]): RunRecord {
  const at = new Date(T0 + min * 60_000).toISOString();
  return { source, startedAt: at, finishedAt: at, findings };
}

function setup() {
  const table = `inc${randomBytes(6).toString("hex")}`;
  let t = T0;
  const sent: Notice[][] = [];
  const channel: Channel = {
    name: "email",
    fits: (n) => n.length <= 20,
    send: (n) => {
      sent.push([...n]);
      return Promise.resolve();
    },
  };
  const store = new AlertStore(
    createTableClient({ kind: "connectionString", connectionString: inject("tablesConnection") }, noCredential, table),
  );
  const manager = new AlertManager({ store, channels: [channel], settings, now: () => new Date(t), log: quiet });
  const at = (min: number) => (t = T0 + min * 60_000);
  return { store, manager, sent, at };
}

describe("alerts per incident against Azurite", () => {
  it("a removed role: one notice titled by the incident, one reminder per interval, one resolved notice", async () => {
    const { manager, sent, at } = setup();
    const steps: Array<[number, RunRecord["source"], Finding[]]> = [
      [0, "ingestion", ingestion(true)],
      [5, "drift", drift(true)],
      [20, "drift", drift(true)],
      [30, "ingestion", ingestion(true)],
      [245, "ingestion", ingestion(true)],
      [250, "drift", drift(true)],
      // the role is back; events return a little later: nothing resolves while one finding is broken
      [300, "drift", drift(false)],
      [315, "drift", drift(false)],
      [320, "ingestion", ingestion(true)],
      [330, "ingestion", ingestion(false)],
      [340, "ingestion", ingestion(false)],
      [345, "drift", drift(false)],
    ];
    for (const [min, source, findings] of steps) {
      at(min);
      await manager.record(run(min, source, findings));
    }
    const notices = sent.flat();
    expect(notices.map((n) => n.kind)).toEqual(["opened", "reminder", "resolved"]);
    expect(notices[0]!.title).toBe(
      "CRITICAL: Keeper events stopped 13 h ago: the Keeper app lost Monitoring Metrics Publisher on the DCR",
    );
    expect(notices[0]!.remediation).toContain(SP_OID);
    expect(notices[0]!.remediation).toContain(DCR_ID);
    expect(notices[0]!.facts).toContainEqual({
      name: "Checks",
      value: "ingestion.freshness, ingestion.diagnosis",
    });
    expect(notices[2]!.title).toMatch(/^RESOLVED: /);
    expect(renderEmail([notices[0]!]).subject).toContain("CRITICAL: Keeper events stopped 13 h ago: ");
    expect(new Set(notices.map((n) => n.key)).size).toBe(3);
  });

  it("records stored by finding id by an older version: the open alert carries on, nothing pages again", async () => {
    const { store, manager, sent, at } = setup();
    const since = new Date(T0 - 3_600_000).toISOString();
    const older = (check: string, resource: string): AlertRecord => ({
      key: `${check}|${resource}`,
      check,
      resource,
      state: "open",
      problemStreak: 3,
      okStreak: 0,
      since,
      severity: "critical",
      openedAt: since,
      lastNotifiedAt: since,
      lastRunAt: since,
    });
    const stored = [
      older("role.assignment", DCR_ID),
      older("ingestion.freshness", TABLE),
      older("ingestion.diagnosis", TABLE),
    ];
    await store.records.commit(
      stored.map((record) => ({ record, etag: undefined, notices: [] })),
      ["email"],
      new Date(T0),
    );
    at(0);
    await manager.record(run(0, "ingestion", ingestion(true)));
    at(5);
    await manager.record(run(5, "drift", drift(true)));
    expect(sent.flat()).toEqual([]);
    const keys = [...(await store.records.load()).keys()];
    expect(keys).toContain(`role.assignment|${DCR_ID}`);
    expect(keys).not.toContain(`ingestion.freshness|${TABLE}`);
    expect(keys).not.toContain(`ingestion.diagnosis|${TABLE}`);
    const rec = (await store.records.load()).get(`role.assignment|${DCR_ID}`)!.record;
    expect(rec).toMatchObject({ state: "open", since, openedAt: since });
    expect(Object.keys(rec.members ?? {}).sort()).toEqual([
      `ingestion.diagnosis|${TABLE}`,
      `ingestion.freshness|${TABLE}`,
      `role.assignment|${DCR_ID}`,
    ]);
    // when it resolves, one resolved notice for the whole incident
    for (const [min, source, f] of [
      [300, "drift", drift(false)],
      [310, "ingestion", ingestion(false)],
      [315, "drift", drift(false)],
      [320, "ingestion", ingestion(false)],
    ] as Array<[number, RunRecord["source"], Finding[]]>) {
      at(min);
      await manager.record(run(min, source, f));
    }
    expect(sent.flat().map((n) => n.kind)).toEqual(["resolved"]);
  });
});
