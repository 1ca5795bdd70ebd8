import { readFileSync } from "node:fs";
import { CHECK_QUEUE, MAX_DEQUEUE_COUNT } from "../src/app/checkQueue.js";
import { describe, expect, it, vi } from "vitest";
import func, { type HttpHandler, type HttpResponseInit } from "@azure/functions";
import { TRIGGERS } from "../src/index.js";
import { registerAll, type AppLike, type TriggerDef } from "../src/functions/registry.js";
import { SETTINGS } from "../src/config/settings.js";
import { ConfigError } from "../src/config/loadConfig.js";

describe("src/index.ts", () => {
  it("registers the drift timer from DRIFT_CHECK_SCHEDULE, never on startup", () => {
    const t = TRIGGERS.find((x) => x.name === "driftCheck");
    expect(t).toMatchObject({ kind: "timer", schedule: "%DRIFT_CHECK_SCHEDULE%", runOnStartup: false });
  });

  it("registers the ingestion watch from INGESTION_CHECK_SCHEDULE, never on startup", () => {
    const t = TRIGGERS.find((x) => x.name === "ingestionWatch");
    expect(t).toMatchObject({ kind: "timer", schedule: "%INGESTION_CHECK_SCHEDULE%", runOnStartup: false });
  });

  it("registers GET /api/health with function-level auth", () => {
    expect(TRIGGERS.find((x) => x.name === "health")).toMatchObject({
      kind: "http",
      route: "health",
      methods: ["GET"],
      authLevel: "function",
    });
  });

  it("registers the rotation timer and its two routes: state with function auth, confirm with admin auth", () => {
    expect(TRIGGERS.find((x) => x.name === "secretRotation")).toMatchObject({
      kind: "timer",
      schedule: "%SECRET_ROTATION_SCHEDULE%",
      runOnStartup: false,
    });
    expect(TRIGGERS.find((x) => x.kind === "http" && x.route === "rotation")).toMatchObject({
      methods: ["GET"],
      authLevel: "function",
    });
    expect(TRIGGERS.find((x) => x.kind === "http" && x.route === "rotation/confirm")).toMatchObject({
      methods: ["POST"],
      authLevel: "admin",
    });
  });

  it("gives every HTTP trigger an explicit, non-anonymous auth level and every timer an app-setting schedule", () => {
    const names = new Set(SETTINGS.map((s) => s.name));
    for (const t of TRIGGERS) {
      if (t.kind === "http") expect(["function", "admin"]).toContain(t.authLevel);
      else if (t.kind === "queue") expect(t.connection).toBe("AzureWebJobsStorage");
      else {
        expect(t.runOnStartup).toBe(false);
        const m = /^%([A-Z_]+)%$/.exec(t.schedule);
        expect(m, t.name).not.toBeNull();
        expect(names.has(m![1]!)).toBe(true);
      }
    }
  });

  it("hands every trigger to the Functions app with its options", () => {
    const seen: string[] = [];
    const app: AppLike = {
      timer: (name, o) => seen.push(`timer ${name} ${o.schedule} runOnStartup=${o.runOnStartup}`),
      http: (name, o) => seen.push(`http ${name} ${o.methods.join(",")} /${o.route} ${o.authLevel}`),
      storageQueue: (name, o) => seen.push(`queue ${name} ${o.queueName} ${o.connection}`),
    };
    registerAll(app, TRIGGERS);
    expect(seen).toEqual([
      "timer driftCheck %DRIFT_CHECK_SCHEDULE% runOnStartup=false",
      "timer ingestionWatch %INGESTION_CHECK_SCHEDULE% runOnStartup=false",
      "http health GET /health function",
      "timer secretRotation %SECRET_ROTATION_SCHEDULE% runOnStartup=false",
      "http rotationState GET /rotation function",
      "http rotationConfirm POST /rotation/confirm admin",
      "timer alertDelivery %ALERT_DELIVERY_SCHEDULE% runOnStartup=false",
      "timer alertDigest %ALERT_DIGEST_SCHEDULE% runOnStartup=false",
      "queue checkTarget keeper-monitor-checks AzureWebJobsStorage",
    ]);
  });

  it("every HTTP reply says X-Content-Type-Options: nosniff", async () => {
    const handlers: HttpHandler[] = [];
    const app: AppLike = { timer: () => {}, storageQueue: () => {}, http: (_n, o) => handlers.push(o.handler) };
    const replies: HttpResponseInit[] = [
      { status: 200, jsonBody: { a: 1 } },
      { status: 405, headers: { allow: "GET" }, jsonBody: { error: "x" } },
      { status: 429, headers: [["retry-after", "5"]], jsonBody: {} },
    ];
    registerAll(
      app,
      replies.map((r, i) => ({
        kind: "http",
        name: `h${i}`,
        route: `h${i}`,
        methods: ["GET"],
        authLevel: "function",
        handler: () => Promise.resolve(r),
      })),
    );
    const request = new func.HttpRequest({ method: "GET", url: "https://app/api/h" });
    const ctx = new func.InvocationContext({ invocationId: "t", functionName: "t" });
    const got: HttpResponseInit[] = [];
    for (const h of handlers) got.push(await h(request, ctx));
    expect(got.map((r) => r.headers)).toEqual([
      { "x-content-type-options": "nosniff" },
      { allow: "GET", "x-content-type-options": "nosniff" },
      { "retry-after": "5", "x-content-type-options": "nosniff" },
    ]);
    expect(got.map((r) => r.jsonBody)).toEqual(replies.map((r) => r.jsonBody));
  });

  it("the host's poison threshold for the check queue is the one the monitor reports", () => {
    const host = JSON.parse(readFileSync(new URL("../host.json", import.meta.url), "utf8")) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(host.extensions.queues.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
    expect(TRIGGERS.find((x) => x.name === "checkTarget")).toMatchObject({ kind: "queue", queueName: CHECK_QUEUE });
  });

  it("registers the alert delivery timer and, unless ALERT_DIGEST_SCHEDULE is empty, the digest", () => {
    expect(TRIGGERS.find((x) => x.name === "alertDelivery")).toMatchObject({
      kind: "timer",
      schedule: "%ALERT_DELIVERY_SCHEDULE%",
      runOnStartup: false,
    });
    expect(TRIGGERS.find((x) => x.name === "alertDigest")).toMatchObject({
      kind: "timer",
      schedule: "%ALERT_DIGEST_SCHEDULE%",
      runOnStartup: false,
    });
  });
});

/** A fresh copy of src/index.ts, whose SDK modules have not been loaded yet. */
async function freshIndex() {
  vi.resetModules();
  return import("../src/index.js");
}

async function invoke(t: TriggerDef): Promise<{ threw: unknown } | { returned: unknown }> {
  const ctx = new func.InvocationContext({ invocationId: "lazy", functionName: t.name, logHandler: () => {} });
  const run =
    t.kind === "timer"
      ? Promise.resolve(t.handler({ isPastDue: false } as unknown as func.Timer, ctx))
      : t.kind === "queue"
        ? Promise.resolve(t.handler({}, ctx))
        : Promise.resolve(
            t.handler(new func.HttpRequest({ method: t.methods[0]!, url: `https://app/api/${t.route}` }), ctx),
          );
  return run.then(
    (returned: unknown) => ({ returned }),
    (threw: unknown) => ({ threw }),
  );
}

// src/index.ts loads the Azure SDK modules on the first invocation (a faster cold start, see
// bench/results.md); every handler must wait for them before it builds the monitor.
describe("src/index.ts loads the monitor's modules on first use", () => {
  it("gives the factories and discovery (alerting reuses the monitor's credential)", async () => {
    const m = await (await freshIndex()).loadMonitorModules();
    expect(Object.keys(m).sort()).toEqual(["createAlerting", "createMonitor", "discover", "discoverAll"]);
    expect([typeof m.createMonitor, typeof m.createAlerting]).toEqual(["function", "function"]);
  });

  const names = ["driftCheck", "ingestionWatch", "health", "secretRotation", "rotationState", "alertDelivery"];
  it.each(names)("%s, as the first invocation, loads them before it reads the settings", async (name) => {
    const saved = { ...process.env };
    // No settings at all: past the load, the handler fails on the settings, never on a missing module.
    for (const k of Object.keys(process.env)) if (!["PATH", "HOME"].includes(k)) delete process.env[k];
    try {
      const { TRIGGERS } = await freshIndex();
      const outcome = await invoke(TRIGGERS.find((t) => t.name === name)!);
      if ("threw" in outcome) expect((outcome.threw as Error).name).toBe(ConfigError.name);
      else expect(JSON.stringify(outcome.returned)).toMatch(/invalid settings/);
    } finally {
      for (const k of Object.keys(process.env)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
