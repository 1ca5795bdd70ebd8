/** Rate-limit markers against Azurite: taken at most once per interval, across instances. */
import { describe, expect, it } from "vitest";
import { AlertStore } from "../../../src/alerts/store/index.js";
import { setup, T0 } from "./fixtures.js";

const at = (ms: number) => new Date(T0 + ms);

describe("rate-limit markers", () => {
  it("is taken, then refused with the time left until the interval has passed", async () => {
    const { store } = setup();
    expect(await store.rateLimit.take("refresh", at(0), 60_000)).toEqual({ taken: true });
    expect(await store.rateLimit.take("refresh", at(20_000), 60_000)).toEqual({ taken: false, retryAfterMs: 40_000 });
    expect(await store.rateLimit.take("other", at(20_000), 60_000)).toEqual({ taken: true });
    expect(await store.rateLimit.take("refresh", at(60_000), 60_000)).toEqual({ taken: true });
  });

  it("of two instances taking it at once, one gets it", async () => {
    const { store, client } = setup();
    const second = new AlertStore(client);
    await store.ensureTable();
    const first = await Promise.all([
      store.rateLimit.take("refresh", at(0), 60_000),
      second.rateLimit.take("refresh", at(0), 60_000),
    ]);
    expect(first.filter((r) => r.taken)).toHaveLength(1);
    const later = await Promise.all([
      store.rateLimit.take("refresh", at(120_000), 60_000),
      second.rateLimit.take("refresh", at(120_000), 60_000),
    ]);
    expect(later.filter((r) => r.taken)).toHaveLength(1);
  });
});
