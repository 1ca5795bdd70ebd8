import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ids, type Emulator } from "../../emulator/index.js";
import { bearer, getJson, startTrusted } from "./helpers.js";

const DCR = `${ids.IDS.dcr}?api-version=2023-03-11`;

describe("ARM read throttling (armReadThrottle option)", () => {
  let throttled: Emulator;
  let plain: Emulator;
  beforeAll(async () => {
    throttled = await startTrusted({ armReadThrottle: { bucket: 3, refillPerSecond: 1 } });
    plain = await startTrusted();
  });
  afterAll(async () => {
    await throttled?.stop();
    await plain?.stop();
  });

  it("a principal's reads beyond the bucket are answered 429 TooManyRequests with Retry-After, then refilled", async () => {
    const token = await bearer(throttled, "https://management.azure.com");
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof getJson>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await getJson(throttled, DCR, token);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(last!.body.error.code).toBe("TooManyRequests");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await getJson(throttled, DCR, token)).status).toBe(200);
  });

  it("off by default: the same reads are all answered", async () => {
    const token = await bearer(plain, "https://management.azure.com");
    for (let i = 0; i < 6; i++) expect((await getJson(plain, DCR, token)).status).toBe(200);
  });
});
