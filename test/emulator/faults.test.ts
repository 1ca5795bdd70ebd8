import { MonitorClient } from "@azure/arm-monitor";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { bearer, getJson, monitorCredential, startTrusted } from "./helpers.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTrusted();
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(() => {
  emu.applyScenario("healthy");
  emu.faults.clear();
  emu.resetCalls();
});

const monitor = (maxRetries = 0) =>
  new MonitorClient(monitorCredential(emu), ids.SUBSCRIPTION_ID, { endpoint: emu.url, retryOptions: { maxRetries } });
const dcrPath = `${ids.IDS.dcr}?api-version=2024-03-11`;

describe("fault injection", () => {
  it("status + Retry-After, with an Azure-shaped body, for the first N requests only", async () => {
    emu.faults.add({ service: "arm", status: 429, retryAfterSeconds: 0, times: 1 });
    const token = await bearer(emu, "https://management.azure.com");
    const a = await getJson(emu, dcrPath, token);
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe("0");
    expect(a.body.error.code).toBe("TooManyRequests");
    expect((await getJson(emu, dcrPath, token)).status).toBe(200);
  });

  it("the SDK waits out Retry-After and succeeds after a transient 503", async () => {
    emu.faults.add({ service: "arm", path: /dataCollectionRules/i, status: 503, retryAfterMs: 10, times: 2 });
    const dcr = await monitor(3).dataCollectionRules.get(ids.RESOURCE_GROUP, ids.DCR_NAME);
    expect(dcr.name).toBe(ids.DCR_NAME);
    expect(emu.calls.filter((c) => c.service === "arm").map((c) => c.status)).toEqual([503, 503, 200]);
  });

  it("per-service error shapes (graph, vault, token)", async () => {
    emu.faults.add({ service: "graph", status: 503, retryAfterSeconds: 1 });
    const g = await getJson(emu, `/v1.0/applications(appId='${ids.KEEPER_APP_ID}')`);
    expect(g.status).toBe(503);
    expect(g.body.error.innerError).toHaveProperty("request-id");
    emu.faults.add({ service: "token", status: 500, times: 1 });
    const t = await getJson(emu, `/${ids.TENANT_ID}/oauth2/v2.0/token`, undefined, {
      method: "POST",
      body: "grant_type=client_credentials",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(t.status).toBe(500);
    expect(t.body.error_codes).toEqual([90024]);
  });

  it("matches on method and path", async () => {
    emu.faults.add({ method: "POST", path: /\/query$/, status: 500 });
    const token = await bearer(emu, "https://management.azure.com");
    expect((await getJson(emu, dcrPath, token)).status).toBe(200);
  });

  it("delay, then a normal answer", async () => {
    const token = await bearer(emu, "https://management.azure.com");
    emu.faults.add({ service: "arm", delayMs: 300, times: 1 });
    const t0 = Date.now();
    const r = await getJson(emu, dcrPath, token);
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it("hang: never answers (client times out), stop() still returns", async () => {
    const local = await startTrusted();
    local.faults.add({ service: "arm", hang: true });
    const err = await fetch(`${local.url}${dcrPath}`, { signal: AbortSignal.timeout(300) }).catch((e) => e);
    expect(err.name).toBe("TimeoutError");
    expect(local.calls.at(-1)).toMatchObject({ service: "arm", status: 0 });
    const t0 = Date.now();
    await local.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("malformed: 200 with truncated JSON makes the SDK fail", async () => {
    emu.faults.add({ service: "arm", malformed: true, times: 1 });
    const err = await monitor()
      .dataCollectionRules.get(ids.RESOURCE_GROUP, ids.DCR_NAME)
      .catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(emu.calls.find((c) => c.service === "arm")?.status).toBe(200);
    await expect(monitor().dataCollectionRules.get(ids.RESOURCE_GROUP, ids.DCR_NAME)).resolves.toBeTruthy();
  });

  it("latency option delays every request", async () => {
    const local = await startTrusted({ latencyMs: 100, seed: 7 });
    try {
      const t0 = Date.now();
      await getJson(local, `/${ids.TENANT_ID}/v2.0/.well-known/openid-configuration`);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    } finally {
      await local.stop();
    }
  });
});
