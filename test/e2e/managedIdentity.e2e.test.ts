import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallRecord, Emulator } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { functionAppMonitor, startTrustedEmulator } from "./harness.js";

/**
 * The monitor as it runs in a Function App: no client secret, DefaultAzureCredential asking the
 * platform's managed identity endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER) for the user-assigned
 * identity named by AZURE_CLIENT_ID. MSAL keeps the identity source it found (endpoint and header) and
 * its tokens for the whole process, so a refused identity is tested in a file (a process) of its own:
 * managedIdentityRefused.e2e.test.ts.
 */
let emu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator();
});
afterAll(async () => {
  await emu.stop();
});

const identityCalls = (cs: CallRecord[]) => cs.filter((c) => c.service === "token");

async function identityEndpoint(query: string, header: string | null = emu.managedIdentity.IDENTITY_HEADER) {
  const r = await fetch(`${emu.managedIdentity.IDENTITY_ENDPOINT}?${query}`, {
    headers: header === null ? {} : { "X-IDENTITY-HEADER": header },
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe("the managed identity endpoint, as App Service and Functions document it", () => {
  const arm = "resource=https://management.azure.com&api-version=2019-08-01";

  it("answers a user-assigned identity's token with expires_on and not_before in seconds", async () => {
    const r = await identityEndpoint(`${arm}&client_id=${ids.MONITOR_APP_ID}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      resource: "https://management.azure.com",
      token_type: "Bearer",
      client_id: ids.MONITOR_APP_ID,
    });
    expect(String(r.body["expires_on"])).toMatch(/^\d{10}$/);
    expect(Number(r.body["expires_on"]) * 1000).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(String(r.body["access_token"])).toMatch(/^eyJ/);
  });

  it("refuses a request without the identity header, with another api-version, two ids or no identity", async () => {
    expect((await identityEndpoint(`${arm}&client_id=${ids.MONITOR_APP_ID}`, null)).status).toBe(401);
    expect((await identityEndpoint(`${arm}&client_id=${ids.MONITOR_APP_ID}`, "not-the-header")).status).toBe(401);
    const v2017 = `resource=https://management.azure.com&api-version=2017-09-01&client_id=${ids.MONITOR_APP_ID}`;
    expect((await identityEndpoint(v2017)).status).toBe(400);
    expect((await identityEndpoint(`${arm}&client_id=${ids.MONITOR_APP_ID}&principal_id=x`)).status).toBe(400);
    // no id: the system-assigned identity, which the deployment does not give the app
    const none = await identityEndpoint(arm);
    expect(none.status).toBe(400);
    expect(String(none.body["message"])).toMatch(/system-assigned/);
    expect((await identityEndpoint(`${arm}&client_id=${ids.KEEPER_APP_ID}`)).status).toBe(400);
  });
});

describe("the monitor with a managed identity (DefaultAzureCredential in a Function App)", () => {
  it("runs the drift checks with one identity-endpoint call per audience, no discovery and no token POST", async () => {
    const m = functionAppMonitor(emu);
    emu.resetCalls();
    const report = await m.runDriftChecks();
    expect(report.status).toBe("ok");
    const calls = identityCalls(emu.calls);
    expect(calls.every((c) => c.method === "GET" && c.path === "/msi/token")).toBe(true);
    const resources = calls.map((c) => new URLSearchParams(c.query).get("resource")).sort();
    expect(resources).toEqual([
      "https://api.loganalytics.io",
      "https://graph.microsoft.com",
      "https://management.azure.com",
      "https://vault.azure.net",
    ]);
    expect(calls.every((c) => new URLSearchParams(c.query).get("client_id") === ids.MONITOR_APP_ID)).toBe(true);

    emu.resetCalls();
    expect((await m.runDriftChecks()).status).toBe("ok");
    expect(identityCalls(emu.calls)).toEqual([]);
  });
});
