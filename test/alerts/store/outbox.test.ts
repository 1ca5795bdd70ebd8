/** The outbox against Azurite: a notice is queued once per channel, a row is claimed by one run, sent rows are pruned. */
import { describe, expect, it } from "vitest";
import { outboxRowKey } from "../../../src/alerts/store/outbox.js";
import { huge, MAX_PROPERTY_CHARS, notice, setup, T0 } from "./fixtures.js";

const at = (min: number) => new Date(T0 + min * 60_000);

describe("alert outbox", () => {
  it("queues a notice once per channel; unsent rows come oldest first", async () => {
    const { store } = setup();
    expect(await store.outbox.enqueue(notice("b"), "teams", at(1))).toBe(true);
    expect(await store.outbox.enqueue(notice("a"), "teams", at(2))).toBe(true);
    expect(await store.outbox.enqueue(notice("b"), "teams", at(3))).toBe(false);
    expect(await store.outbox.enqueue(notice("b"), "email", at(3))).toBe(true);
    expect((await store.outbox.listUnsent("teams")).map((r) => r.noticeKey)).toEqual(["b", "a"]);
    expect((await store.outbox.listUnsent("email")).map((r) => r.noticeKey)).toEqual(["b"]);
    expect(await store.outbox.list()).toHaveLength(3);
  });

  it("of two claims on the same row exactly one wins; a failure makes it pending again, a send marks it sent", async () => {
    const { store } = setup();
    await store.outbox.enqueue(notice("c"), "teams", at(0));
    const [row] = await store.outbox.listUnsent("teams");
    const claims = await Promise.all([
      store.outbox.claim(row!, at(1), 60_000),
      store.outbox.claim(row!, at(1), 60_000),
    ]);
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ status: "sending", attempts: 1, nextAttemptAt: at(2).toISOString() });
    await store.outbox.markFailed(won[0]!, "http-503", at(5));
    const [failed] = await store.outbox.listUnsent("teams");
    expect(failed).toMatchObject({ status: "pending", lastErrorClass: "http-503", nextAttemptAt: at(5).toISOString() });
    await store.outbox.markSent(failed!, at(6));
    expect(await store.outbox.listUnsent("teams")).toEqual([]);
    expect((await store.outbox.list())[0]).toMatchObject({ status: "sent", sentAt: at(6).toISOString() });
  });

  it("sent rows older than the cut-off are pruned; others stay", async () => {
    const { store } = setup();
    await store.outbox.enqueue(notice("old"), "teams", at(0));
    await store.outbox.enqueue(notice("new"), "teams", at(0));
    await store.outbox.enqueue(notice("unsent"), "teams", at(0));
    for (const r of await store.outbox.list())
      if (r.noticeKey === "old") await store.outbox.markSent(r, at(1));
      else if (r.noticeKey === "new") await store.outbox.markSent(r, at(10));
    expect(await store.outbox.pruneSent(at(5))).toBe(1);
    expect((await store.outbox.list()).map((r) => r.noticeKey).sort()).toEqual(["new", "unsent"]);
  });

  it("a huge notice is stored whole within one property; an unreadable row is skipped and counted", async () => {
    const { store, client, warnings } = setup();
    await store.outbox.enqueue(notice("big", huge(200_000)), "email", at(0));
    const e = await client.getEntity<{ notice: string }>("alerts", outboxRowKey("big", "email"));
    expect(e.notice.length).toBeLessThanOrEqual(MAX_PROPERTY_CHARS);
    expect(() => JSON.parse(e.notice) as unknown).not.toThrow();
    await client.updateEntity({ partitionKey: "alerts", rowKey: outboxRowKey("big", "email"), notice: "{" }, "Merge");
    expect(await store.outbox.listUnsent("email")).toEqual([]);
    expect(store.unreadableRows).toBe(1);
    expect(warnings.some((w) => w.includes('"kind":"outbox"'))).toBe(true);
  });
});
