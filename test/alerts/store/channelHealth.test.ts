/** Channel health against Azurite: healthy until recorded otherwise; an unreadable row reads as healthy and is counted. */
import { describe, expect, it } from "vitest";
import { setup } from "./fixtures.js";

describe("alert channel health", () => {
  it("a channel never recorded is healthy; a saved health reads back as saved", async () => {
    const { store } = setup();
    expect(await store.channelHealth.get("teams")).toEqual({
      channel: "teams",
      consecutiveFailures: 0,
      toldOther: false,
    });
    const h = {
      channel: "teams" as const,
      consecutiveFailures: 3,
      lastErrorClass: "http-503",
      degradedSince: "2026-11-25T00:00:00.000Z",
      toldOther: true,
    };
    await store.channelHealth.save(h);
    expect(await store.channelHealth.get("teams")).toEqual(h);
    expect(await store.channelHealth.get("email")).toMatchObject({ channel: "email", consecutiveFailures: 0 });
  });

  it("an unreadable row reads as healthy, logged and counted", async () => {
    const { store, client, warnings } = setup();
    await store.ensureTable();
    await client.createEntity({ partitionKey: "channels", rowKey: "email", json: "not json" });
    expect(await store.channelHealth.get("email")).toEqual({
      channel: "email",
      consecutiveFailures: 0,
      toldOther: false,
    });
    expect(store.unreadableRows).toBe(1);
    expect(warnings.some((w) => w.includes('"kind":"channel"'))).toBe(true);
  });
});
