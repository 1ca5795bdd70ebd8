/**
 * The Graph SDK client as the monitor builds it, over HTTPS against the emulator: Retry-After in
 * each of Azure's headers, the retry budget of every other Azure client, no retry of a POST, the
 * call's timeout and the run's budget, and hostile replies as unknown.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ids } from "../../emulator/index.js";
import { deadline } from "../../src/core/callContext.js";
import { createCredential } from "../../src/azure/credential.js";
import { GraphAdapter } from "../../src/azure/graph.js";
import { GraphWriter } from "../../src/azure/graphWrite.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { StepFailure } from "../../src/rotation/ports.js";
import { useHealthyEmulator } from "../emulator/helpers.js";

const emu = useHealthyEmulator();
beforeEach(() => emu().resetCalls());

const config = () => loadConfig(emu().settings);
const reader = () => new GraphAdapter(createCredential(config()), config().cloud);
const writer = () => new GraphWriter(createCredential(config()), config().cloud);
const ctx = (callTimeoutMs = 5000, budget = deadline(20_000)) => ({ callTimeoutMs, budget });
const appCalls = () => emu().calls.filter((c) => c.service === "graph" && /^\/v1\.0\/applications/.test(c.path));

describe("Graph through the SDK, against the emulator", () => {
  it("reads the app with a token for the Graph audience of a Custom cloud's own host", async () => {
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(o).toMatchObject({ kind: "found", value: { appId: ids.KEEPER_APP_ID } });
    expect(appCalls().map((c) => [c.method, c.status, c.query])).toEqual([
      ["GET", 200, "$select=id,appId,displayName,passwordCredentials"],
    ]);
  });

  it.each([
    ["Retry-After in seconds", { retryAfterSeconds: 0 }],
    ["retry-after-ms", { retryAfterMs: 10 }],
    ["no header (backoff)", {}],
  ])("waits out a 429/503 (%s) and reads the app", async (_name, header) => {
    emu().faults.add({ service: "graph", path: /applications/, status: 503, times: 1, ...header });
    emu().faults.add({ service: "graph", path: /applications/, status: 429, times: 1, ...header });
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(o.kind).toBe("found");
    expect(appCalls().map((c) => c.status)).toEqual([503, 429, 200]);
  });

  it("gives up after the retry budget (4 attempts) and reports the status", async () => {
    emu().faults.add({ service: "graph", path: /applications/, status: 503, retryAfterMs: 5 });
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(o).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/503/) });
    expect(appCalls()).toHaveLength(4);
  });

  it("retries a read after a 500 or a dropped connection, within the same budget, as the Azure SDKs do", async () => {
    emu().faults.add({ service: "graph", path: /applications/, status: 500, times: 1 });
    emu().faults.add({ service: "graph", path: /applications/, reset: true, times: 1 });
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(o.kind).toBe("found");
    expect(appCalls().at(-1)?.status).toBe(200);
    emu().resetCalls();
    emu().faults.add({ service: "graph", path: /applications/, status: 500 });
    const gone = await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(gone).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/500/) });
    expect(appCalls()).toHaveLength(4);
  });

  it("does not retry a 501 (not a passing failure)", async () => {
    emu().faults.add({ service: "graph", path: /applications/, status: 501 });
    await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(appCalls()).toHaveLength(1);
  });

  it("does not wait a Retry-After that ends after the call's timeout", async () => {
    emu().faults.add({ service: "graph", path: /applications/, status: 429, retryAfterSeconds: 60 });
    const started = Date.now();
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx(3000));
    expect(Date.now() - started).toBeLessThan(2500);
    expect(o).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/429/) });
    expect(appCalls()).toHaveLength(1);
  });

  it("keeps the Graph error code: a 404 Request_ResourceNotFound is missing, a 404 with another code unknown", async () => {
    expect((await reader().getApplication("00000000-0000-0000-0000-000000000000", ctx())).kind).toBe("missing");
    emu().faults.add({ service: "graph", path: /applications/, status: 404 });
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(o).toMatchObject({
      kind: "unknown",
      reason: expect.stringMatching(/404 without a not-found error code \(BadRequest\)/),
    });
  });

  it("reads a 403 as unknown naming the Graph code", async () => {
    emu().faults.add({ service: "graph", path: /applications/, status: 403 });
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(o).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/403 BadRequest/) });
  });

  it("ends a hung call at the call's timeout, and says so", async () => {
    emu().faults.add({ service: "graph", path: /applications/, hang: true });
    const started = Date.now();
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx(1500));
    expect(Date.now() - started).toBeLessThan(4000);
    expect(o).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/timed out after 2 s/) });
  });

  it("ends a call at the run's budget, also while it waits to retry", async () => {
    emu().faults.add({ service: "graph", path: /applications/, status: 503, retryAfterSeconds: 3 });
    const started = Date.now();
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx(10_000, deadline(1000)));
    expect(Date.now() - started).toBeLessThan(2500);
    expect(o).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/RUN_BUDGET_SECONDS/) });
  });

  it.each([
    ["a body that is not JSON", { malformed: true }],
    ["JSON of the wrong shape", { body: { id: 42, passwordCredentials: "none" } }],
    ["a JSON string", { body: '"just a string"' }],
  ])("reads %s as a malformed reply, unknown", async (_name, fault) => {
    emu().faults.add({ service: "graph", path: /applications/, ...fault });
    const o = await reader().getApplication(ids.KEEPER_APP_ID, ctx());
    expect(o).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/malformed/) });
  });

  it("sends addPassword once, whatever it answers (a POST is not retried)", async () => {
    emu().faults.add({ service: "graph", method: "POST", path: /addPassword$/, status: 503, retryAfterSeconds: 0 });
    const e = await writer()
      .addPassword(ids.KEEPER_APP_OBJECT_ID, "monitor", new Date(Date.now() + 86_400_000), ctx())
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StepFailure);
    expect(e).toMatchObject({ status: "unknown", ambiguous: true });
    expect(emu().calls.filter((c) => c.method === "POST" && /addPassword$/.test(c.path))).toHaveLength(1);
  });
});
