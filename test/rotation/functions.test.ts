import { describe, expect, it } from "vitest";
import func from "@azure/functions";
import { secretRotationHandler } from "../../src/functions/secretRotation.js";
import { rotationStateHandler } from "../../src/functions/rotationApi.js";
import type { Monitor } from "../../src/app/monitor.js";
import type { RotationService } from "../../src/rotation/service.js";

function fakeMonitor(rotation: Partial<RotationService>): Monitor {
  return { rotation } as unknown as Monitor;
}
function context() {
  const lines: string[] = [];
  const ctx = new func.InvocationContext({
    invocationId: "late-1",
    functionName: "t",
    logHandler: (_l, ...a) => lines.push(a.join(" ")),
  });
  return { ctx, lines };
}

describe("rotation functions", () => {
  it("the timer runs on a late tick too, and says so", async () => {
    let runs = 0;
    const m = fakeMonitor({
      run: () => {
        runs++;
        return Promise.resolve({ ran: true, steps: ["intent"], state: { stage: "adding", since: "x" } });
      },
    });
    const { ctx, lines } = context();
    await secretRotationHandler({ getMonitor: () => m })(
      { isPastDue: true, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } },
      ctx,
    );
    expect(runs).toBe(1);
    expect(lines.join("\n")).toContain("tick is late");
    expect(lines.join("\n")).toContain("stage=adding");
  });

  it("GET /api/rotation is 503 without state storage and refuses other methods", async () => {
    const m = fakeMonitor({ view: () => Promise.resolve({ configured: false, reason: "not configured" }) });
    const h = rotationStateHandler({ getMonitor: () => m });
    const r = await h(new func.HttpRequest({ method: "GET", url: "https://x/api/rotation" }), context().ctx);
    expect(r.status).toBe(503);
    const p = await h(new func.HttpRequest({ method: "POST", url: "https://x/api/rotation" }), context().ctx);
    expect(p.status).toBe(405);
  });
});
