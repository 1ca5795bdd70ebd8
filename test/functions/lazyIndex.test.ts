import { describe, expect, it, vi } from "vitest";
import func from "@azure/functions";
import { ConfigError } from "../../src/config/loadConfig.js";
import type { TriggerDef } from "../../src/functions/registry.js";

/** A fresh copy of src/index.ts, whose SDK modules have not been loaded yet. */
async function freshIndex() {
  vi.resetModules();
  return import("../../src/index.js");
}

async function invoke(t: TriggerDef): Promise<{ threw: unknown } | { returned: unknown }> {
  const ctx = new func.InvocationContext({ invocationId: "lazy", functionName: t.name, logHandler: () => {} });
  const run =
    t.kind === "timer"
      ? Promise.resolve(t.handler({ isPastDue: false } as unknown as func.Timer, ctx))
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
  it("gives the two factories (alerting reuses the monitor's credential)", async () => {
    const m = await (await freshIndex()).loadMonitorModules();
    expect(Object.keys(m).sort()).toEqual(["createAlerting", "createMonitor"]);
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
