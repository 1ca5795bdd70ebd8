/** Alert records against Azurite: ETag-guarded commits, and an unreadable row replaced by the next commit of its key. */
import { describe, expect, it } from "vitest";
import type { AlertRecord } from "../../../src/alerts/alertRecord.js";
import { isConflict } from "../../../src/alerts/store/index.js";
import { recordRowKey } from "../../../src/alerts/store/records.js";
import { bad, DCR, huge, notice, setup, T0 } from "./fixtures.js";

const record = (key: string, state: AlertRecord["state"]): AlertRecord => ({
  key,
  check: "dcr.dataFlow",
  resource: DCR,
  state,
  problemStreak: 1,
  okStreak: 0,
  severity: "critical",
  finding: { ...bad(), evidence: { expected: "source", actual: huge(50_000) } },
});

describe("alert records", () => {
  it("a record is created once: a second create of the same key, or a write with a moved ETag, is a conflict", async () => {
    const { store } = setup();
    const now = new Date(T0);
    await store.records.commit([{ record: record("k1", "pending"), etag: undefined, notices: [] }], [], now);
    const first = (await store.records.load()).get("k1");
    expect(first?.record.state).toBe("pending");
    const again = store.records.commit([{ record: record("k1", "open"), etag: undefined, notices: [] }], [], now);
    await expect(again).rejects.toSatisfy(isConflict);
    await store.records.commit([{ record: record("k1", "open"), etag: first!.etag, notices: [] }], [], now);
    const stale = store.records.commit([{ record: record("k1", "ok"), etag: first!.etag, notices: [] }], [], now);
    await expect(stale).rejects.toSatisfy(isConflict);
    expect((await store.records.load()).get("k1")?.record.state).toBe("open");
  });

  it("an oversize record drops its evidence first and stays whole", async () => {
    const { store, client } = setup();
    await store.records.commit([{ record: record("k2", "open"), etag: undefined, notices: [] }], [], new Date(T0));
    const e = await client.getEntity<{ json: string }>("alerts", recordRowKey("k2"));
    const stored = JSON.parse(e.json) as AlertRecord;
    expect(stored.finding?.evidence).toBeUndefined();
    expect(stored.finding?.summary).toBe("The transform differs.");
  });

  it("a row that cannot be read is skipped and counted, and the next commit of its key replaces it", async () => {
    const { store, client, warnings } = setup();
    await store.ensureTable();
    await client.createEntity({ partitionKey: "alerts", rowKey: recordRowKey("k3"), kind: "record", json: "{cut" });
    expect((await store.records.load()).has("k3")).toBe(false);
    expect(store.unreadableRows).toBe(1);
    expect(warnings.filter((w) => w.includes('"kind":"record"'))).toHaveLength(1);
    await store.records.commit([{ record: record("k3", "pending"), etag: undefined, notices: [] }], [], new Date(T0));
    expect((await store.records.load()).get("k3")?.record.state).toBe("pending");
    expect(store.unreadableRows).toBe(1);
  });

  it("a record and its notices commit together: one outbox row per notice and channel", async () => {
    const { store } = setup();
    await store.records.commit(
      [{ record: record("k4", "open"), etag: undefined, notices: [notice("n1")] }],
      ["teams", "email"],
      new Date(T0),
    );
    const rows = await store.outbox.list();
    expect(rows.map((r) => `${r.channel} ${r.noticeKey} ${r.status}`).sort()).toEqual([
      "email n1 pending",
      "teams n1 pending",
    ]);
  });
});
