import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { functionAppMonitor, leaks, startTrustedEmulator } from "./harness.js";

/** A managed identity the endpoint refuses; in its own process, since MSAL keeps the first one it finds. */
let emu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator();
});
afterAll(async () => {
  await emu.stop();
});

describe("the monitor with a managed identity the platform's endpoint refuses", () => {
  it("a stale identity header makes the checks unknown, and neither the header nor a token is shown", async () => {
    const stale = "a-header-the-platform-rotated-away";
    const m = functionAppMonitor(emu, { IDENTITY_HEADER: stale });
    const report = await m.runDriftChecks();
    expect(report.status).toBe("unknown");
    // only what needs no Azure call here (the alert channel, rotation without state storage) can be ok
    const azure = report.findings.filter((f) => !/^(alerts|rotation)\./.test(f.check));
    expect(azure.length).toBeGreaterThan(3);
    expect(azure.filter((f) => f.status === "ok")).toEqual([]);
    const out = JSON.stringify(report);
    expect(out).not.toContain(stale);
    expect(leaks(emu, out)).toEqual([]);
    // every token request went to the identity endpoint and was refused
    const asked = emu.calls.filter((c) => c.service === "token");
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((c) => c.path === "/msi/token" && c.status === 401)).toBe(true);
  });
});
