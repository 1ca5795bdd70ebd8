/**
 * The alert store against Azurite: oversize content is clipped before it is serialised (stored
 * JSON is always complete), and a stored row that cannot be read is skipped, logged and counted.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import type { TableClient } from "@azure/data-tables";
import { createTableClient } from "../../src/azure/tableStorage.js";
import { AlertManager } from "../../src/alerts/alertManager.js";
import type { Channel } from "../../src/alerts/channel.js";
import type { Notice, RunRecord } from "../../src/core/notifier.js";
import { alertKey } from "../../src/alerts/alertRecord.js";
import { AlertStore, outboxRowKey, recordRowKey, type ChannelName } from "../../src/alerts/store.js";
import { ok, problem, type Finding } from "../../src/core/finding.js";
import type { Logger } from "../../src/core/logger.js";
import { settings } from "../report/fixtures.js";

const noCredential: TokenCredential = { getToken: () => Promise.reject(new Error("not needed")) };
const DCR =
  "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR";
const T0 = Date.parse("2026-11-25T00:00:00Z");
/** Table storage: 64 KiB per string property, 1 MiB per entity. */
const MAX_PROPERTY_CHARS = 32 * 1024;

function setup() {
  const table = `st${randomBytes(6).toString("hex")}`;
  const client: TableClient = createTableClient(
    { kind: "connectionString", connectionString: inject("tablesConnection") },
    noCredential,
    table,
  );
  const warnings: string[] = [];
  const log: Logger = { info: () => {}, warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`), error: () => {} };
  const store = new AlertStore(client, log);
  let t = T0;
  const sent: Array<{ channel: ChannelName; notices: Notice[] }> = [];
  const channel = (name: ChannelName): Channel => ({
    name,
    fits: () => true,
    send: (notices) => {
      sent.push({ channel: name, notices: [...notices] });
      return Promise.resolve();
    },
  });
  const manager = new AlertManager({
    store,
    channels: [channel("teams"), channel("email")],
    settings,
    now: () => new Date(t),
    log,
  });
  const runAt = async (min: number, findings: Finding[], source: RunRecord["source"] = "drift") => {
    t = T0 + min * 60_000;
    const at = new Date(t).toISOString();
    await manager.record({ source, startedAt: at, finishedAt: at, findings });
  };
  return { client, store, manager, warnings, sent, runAt };
}

const huge = (n: number) => `start ${"| extend x = 1 ".repeat(Math.ceil(n / 15))}`.slice(0, n) + " end";
const bad = (summary = "The transform differs.") =>
  problem("dcr.dataFlow", "critical", summary, {
    resource: DCR,
    evidence: { expected: "source", actual: summary },
  });
const good = () => ok("dcr.dataFlow", "The transform is the solution's.", { resource: DCR });

describe("alert store against Azurite", () => {
  it("a 1 MB summary is stored clipped but whole: records, outbox and runs stay readable", async () => {
    const { client, store, sent, runAt } = setup();
    const summary = huge(1_000_000);
    await runAt(0, [bad(summary)]);
    await runAt(15, [bad(summary)]);
    expect(sent.map((s) => `${s.channel} ${s.notices[0]?.kind}`)).toEqual(["teams opened", "email opened"]);
    const records = await store.loadRecords();
    const r = records.get(alertKey({ check: "dcr.dataFlow", resource: DCR }))?.record;
    expect(r?.state).toBe("open");
    expect(r?.finding?.summary).toMatch(/^start /);
    expect(r?.finding?.summary).toMatch(/more characters cut\]$/);
    for await (const e of client.listEntities<Record<string, unknown>>()) {
      for (const v of Object.values(e))
        if (typeof v === "string") {
          expect(v.length).toBeLessThanOrEqual(MAX_PROPERTY_CHARS);
          if (v.startsWith("{")) expect(() => JSON.parse(v) as unknown).not.toThrow();
        }
    }
    const runs = await store.latestRuns();
    expect(runs.map((x) => x.source)).toEqual(["drift"]);
    // Repaired: resolves as usual.
    await runAt(30, [good()]);
    await runAt(45, [good()]);
    expect(sent.map((s) => `${s.channel} ${s.notices[0]?.kind}`).slice(-2)).toEqual([
      "teams resolved",
      "email resolved",
    ]);
    expect(store.unreadableRows).toBe(0);
  });

  it("corrupted rows (cut JSON) are skipped, logged and counted; later runs and deliveries still work", async () => {
    const { client, store, manager, warnings, sent, runAt } = setup();
    await store.ensureTable();
    const key = alertKey({ check: "dcr.dataFlow", resource: DCR });
    const cut = '{"key":"dcr.dataFlow|x","summary":"Unterminated';
    await client.createEntity({ partitionKey: "alerts", rowKey: recordRowKey(key), kind: "record", json: cut });
    await client.createEntity({
      partitionKey: "alerts",
      rowKey: outboxRowKey("broken", "teams"),
      kind: "outbox",
      channel: "teams",
      status: "pending",
      attempts: 0,
      nextAttemptAt: new Date(T0).toISOString(),
      createdAt: new Date(T0).toISOString(),
      notice: cut,
    });
    await client.createEntity({ partitionKey: "runs", rowKey: "ingestion", startedAt: "x", json: cut });
    await client.createEntity({ partitionKey: "channels", rowKey: "email", json: "not json" });

    // The same record key as the corrupted row: the run replaces it and the alert opens.
    await runAt(0, [bad()]);
    await runAt(15, [bad()]);
    expect(sent.map((s) => `${s.channel} ${s.notices[0]?.kind}`)).toEqual(["teams opened", "email opened"]);
    expect((await store.loadRecords()).get(key)?.record.state).toBe("open");
    expect((await store.latestRuns()).map((r) => r.source)).toEqual(["drift"]);
    await expect(manager.deliver()).resolves.toBeDefined();
    await expect(manager.digest()).resolves.toMatchObject({ kind: "digest" });
    expect(store.unreadableRows).toBeGreaterThanOrEqual(4);
    expect(warnings.some((w) => w.includes("stored row unreadable") && w.includes('"kind":"outbox"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"kind":"record"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"kind":"run"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"kind":"channel"'))).toBe(true);
  });
});
