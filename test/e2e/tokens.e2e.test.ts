import { describe, expect, it } from "vitest";
import type { CallRecord } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createCredential } from "../../src/azure/credential.js";
import { monitorFor, sharedHealthyEmulator } from "./harness.js";

const emulator = sharedHealthyEmulator();

const discovery = (cs: CallRecord[]) =>
  cs.filter((c) => c.service === "token" && c.method === "GET" && c.path.endsWith("/.well-known/openid-configuration"));
const tokenPosts = (cs: CallRecord[]) =>
  cs.filter((c) => c.service === "token" && c.method === "POST" && c.path.endsWith("/oauth2/v2.0/token"));
const ARM = "https://management.azure.com/.default";

function credential(cache: Parameters<typeof createCredential>[1] = {}) {
  const emu = emulator();
  return createCredential(loadConfig({ CALL_TIMEOUT_SECONDS: "4", RUN_BUDGET_SECONDS: "20", ...emu.settings }), cache);
}

function disableMonitorApp(enabled: boolean) {
  const app = emulator().state.apps.find((a) => a.appId === ids.MONITOR_APP_ID);
  app!.servicePrincipal!.accountEnabled = enabled;
}

describe("one token cache and one authority discovery per process (real MSAL against the emulator)", () => {
  it("a fresh monitor's first drift run: 1 OpenID discovery and 1 token per audience; the next run none", async () => {
    const emu = emulator();
    const m = monitorFor(emu);
    const first = await m.runDriftChecks();
    expect(first.status).toBe("ok");
    expect(discovery(emu.calls)).toHaveLength(1);
    // ARM, Graph, Log Analytics, Key Vault: one token each, however many clients ask at once
    const apis = new Set(emu.calls.filter((c) => c.service !== "token").map((c) => c.service));
    expect([...apis].sort()).toEqual(["arm", "graph", "logs", "vault"]);
    expect(tokenPosts(emu.calls)).toHaveLength(4);
    expect(tokenPosts(emu.calls).every((c) => c.status === 200)).toBe(true);

    emu.resetCalls();
    await m.runDriftChecks();
    await m.runAll();
    expect(emu.calls.filter((c) => c.service === "token")).toEqual([]);
  });

  it("concurrent getToken calls for one scope make one token request and get the same token", async () => {
    const emu = emulator();
    const cred = credential();
    const tokens = await Promise.all(
      Array.from({ length: 6 }, (_, i) => cred.getToken(i % 2 ? [ARM] : ARM, { enableCae: true })),
    );
    expect(new Set(tokens.map((t) => t?.token)).size).toBe(1);
    expect(discovery(emu.calls)).toHaveLength(1);
    expect(tokenPosts(emu.calls)).toHaveLength(1);
  });

  it("the CAE and the plain MSAL application share one discovery; each audience gets its own token", async () => {
    const emu = emulator();
    const cred = credential();
    await Promise.all([
      cred.getToken(ARM, { enableCae: true }),
      cred.getToken("https://graph.microsoft.com/.default"),
      cred.getToken("https://api.loganalytics.io/.default", { enableCae: true }),
    ]);
    expect(discovery(emu.calls)).toHaveLength(1);
    expect(tokenPosts(emu.calls)).toHaveLength(3);
  });

  it("a failed token request is not kept: callers waiting on it fail, the next call asks again", async () => {
    const emu = emulator();
    const cred = credential();
    disableMonitorApp(false);
    const failed = await Promise.allSettled([cred.getToken(ARM), cred.getToken(ARM)]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(String((failed[0] as PromiseRejectedResult).reason)).toMatch(/AADSTS7000112/);
    expect(tokenPosts(emu.calls).map((c) => c.status)).toEqual([400]);

    disableMonitorApp(true);
    const t = await cred.getToken(ARM);
    expect(t?.token).toMatch(/^eyJ/);
    expect(tokenPosts(emu.calls).map((c) => c.status)).toEqual([400, 200]);
  });

  it("a failed discovery is not kept either: the next request fetches the document again", async () => {
    const emu = emulator();
    const cred = credential();
    emu.faults.add({ service: "token", method: "GET", path: /openid-configuration$/, status: 400, times: 1 });
    await expect(cred.getToken(ARM)).rejects.toThrow();
    expect(discovery(emu.calls).map((c) => c.status)).toEqual([400]);
    await cred.getToken(ARM);
    expect(discovery(emu.calls).map((c) => c.status)).toEqual([400, 200]);
  });

  it("a token is handed out until 5 minutes before it expires, then asked for again", async () => {
    let clock = Date.now();
    const cred = credential({ now: () => clock });
    const first = await cred.getToken(ARM);
    const expires = first!.expiresOnTimestamp;
    clock = expires - 6 * 60_000;
    expect(await cred.getToken(ARM)).toBe(first);
    clock = expires - 4 * 60_000;
    const again = await cred.getToken(ARM);
    // MSAL keeps the token in its own cache on the real clock: asked again, it hands back the same
    // one without a request; a credential without a cache of its own (az login) would fetch a new one
    expect(again?.token).toBe(first?.token);
    expect(again).not.toBe(first);
  });
});
