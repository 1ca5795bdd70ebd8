import { describe, expect, it } from "vitest";
import { TRIGGERS } from "../../src/index.js";
import { registerAll, type AppLike } from "../../src/functions/registry.js";
import { SETTINGS } from "../../src/config/settings.js";

describe("src/index.ts", () => {
  it("registers the drift timer from DRIFT_CHECK_SCHEDULE, never on startup", () => {
    const t = TRIGGERS.find((x) => x.name === "driftCheck");
    expect(t).toMatchObject({ kind: "timer", schedule: "%DRIFT_CHECK_SCHEDULE%", runOnStartup: false });
  });

  it("registers GET /api/health with function-level auth", () => {
    expect(TRIGGERS.find((x) => x.name === "health")).toMatchObject({
      kind: "http",
      route: "health",
      methods: ["GET"],
      authLevel: "function",
    });
  });

  it("gives every HTTP trigger an explicit, non-anonymous auth level and every timer an app-setting schedule", () => {
    const names = new Set(SETTINGS.map((s) => s.name));
    for (const t of TRIGGERS) {
      if (t.kind === "http") expect(["function", "admin"]).toContain(t.authLevel);
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
    };
    registerAll(app, TRIGGERS);
    expect(seen).toEqual([
      "timer driftCheck %DRIFT_CHECK_SCHEDULE% runOnStartup=false",
      "http health GET /health function",
    ]);
  });
});
