/**
 * The alert table shared by every part of the store, against Azurite: oversize content is clipped
 * before it is serialised (stored JSON is always complete), and a stored row that cannot be read
 * is skipped, logged and counted, whichever part reads it.
 */
import { describe, expect, it } from "vitest";
import { alertKey } from "../../../src/alerts/alertRecord.js";
import { outboxRowKey } from "../../../src/alerts/store/outbox.js";
import { recordRowKey } from "../../../src/alerts/store/records.js";
import { bad, DCR, good, huge, MAX_PROPERTY_CHARS, setup, T0 } from "./fixtures.js";

describe("alert store against Azurite", () => {
  it("a 1 MB summary is stored clipped but whole: records, outbox and runs stay readable", async () => {
    const { client, store, sent, runAt } = setup();
    const summary = huge(1_000_000);
    await runAt(0, [bad(summary)]);
    await runAt(15, [bad(summary)]);
    expect(sent.map((s) => `${s.channel} ${s.notices[0]?.kind}`)).toEqual(["teams opened", "email opened"]);
    const records = await store.records.load();
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
    const runs = await store.runs.latest();
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
    expect((await store.records.load()).get(key)?.record.state).toBe("open");
    expect((await store.runs.latest()).map((r) => r.source)).toEqual(["drift"]);
    await expect(manager.deliver()).resolves.toBeDefined();
    await expect(manager.digest()).resolves.toMatchObject({ kind: "digest" });
    expect(store.unreadableRows).toBeGreaterThanOrEqual(4);
    expect(warnings.some((w) => w.includes("stored row unreadable") && w.includes('"kind":"outbox"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"kind":"record"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"kind":"run"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"kind":"channel"'))).toBe(true);
  });
});
