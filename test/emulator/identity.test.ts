import { ClientSecretCredential } from "@azure/identity";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { decodeJwt, getJson, monitorCredential, startTrusted } from "./helpers.js";

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
});

const keeperCred = (secret: string) =>
  new ClientSecretCredential(ids.TENANT_ID, ids.KEEPER_APP_ID, secret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
    retryOptions: { maxRetries: 0 },
  });

describe("Entra token endpoint", () => {
  it("serves the OpenID document MSAL needs", async () => {
    const r = await getJson(emu, `/${ids.TENANT_ID}/v2.0/.well-known/openid-configuration`);
    expect(r.status).toBe(200);
    expect(r.body.token_endpoint).toBe(`${emu.url}/${ids.TENANT_ID}/oauth2/v2.0/token`);
    expect(r.body.issuer).toBe(`${emu.url}/${ids.TENANT_ID}/v2.0`);
    expect(r.body.authorization_endpoint).toBeTruthy();
    const jwks = await getJson(emu, new URL(r.body.jwks_uri).pathname);
    expect(jwks.body.keys[0].kty).toBe("RSA");
  });

  it("issues JWT-shaped tokens to the real ClientSecretCredential, with the public-cloud audience", async () => {
    const t = await monitorCredential(emu).getToken("https://management.azure.com/.default");
    expect(t.token.split(".")).toHaveLength(3);
    const claims = decodeJwt(t.token);
    expect(claims).toMatchObject({
      aud: "https://management.azure.com",
      tid: ids.TENANT_ID,
      appid: ids.MONITOR_APP_ID,
      oid: ids.MONITOR_SP_ID,
    });
    expect(claims["exp"] - claims["iat"]).toBe(3599);
    expect(emu.secrets()).toContain(t.token);
    expect(
      emu.calls.some((c) => c.service === "token" && c.path.endsWith("/oauth2/v2.0/token") && c.status === 200),
    ).toBe(true);
  });

  it("answers a raw token request exactly like Entra", async () => {
    const form = new URLSearchParams({
      client_id: ids.MONITOR_APP_ID,
      client_secret: emu.settings["AZURE_CLIENT_SECRET"]!,
      scope: "https://vault.azure.net/.default",
      grant_type: "client_credentials",
    });
    const r = await getJson(emu, `/${ids.TENANT_ID}/oauth2/v2.0/token`, undefined, {
      method: "POST",
      body: form.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
    expect(decodeJwt(r.body.access_token)["aud"]).toBe("https://vault.azure.net");
  });

  it("wrong secret: 401 invalid_client AADSTS7000215, surfaced by @azure/identity", async () => {
    await expect(
      monitorCredential(emu, "bad8Q~notTheSecretAtAll0000000000000000000").getToken(
        "https://management.azure.com/.default",
      ),
    ).rejects.toThrow(/AADSTS7000215/);
    const form = new URLSearchParams({
      client_id: ids.MONITOR_APP_ID,
      client_secret: "nope",
      scope: "https://management.azure.com/.default",
      grant_type: "client_credentials",
    });
    const r = await getJson(emu, `/${ids.TENANT_ID}/oauth2/v2.0/token`, undefined, {
      method: "POST",
      body: form.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe("invalid_client");
    expect(r.body.error_codes).toEqual([7000215]);
    expect(r.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(r.body).toHaveProperty("trace_id");
    expect(r.body).toHaveProperty("correlation_id");
    expect(r.body).toHaveProperty("timestamp");
  });

  it("expired secret: 401 AADSTS7000222", async () => {
    const secret = emu.state.keeper.clientSecret;
    await expect(keeperCred(secret).getToken("https://monitor.azure.com/.default")).resolves.toBeTruthy();
    emu.applyScenario("secret-expired");
    const form = new URLSearchParams({
      client_id: ids.KEEPER_APP_ID,
      client_secret: secret,
      scope: "https://monitor.azure.com/.default",
      grant_type: "client_credentials",
    });
    const r = await getJson(emu, `/${ids.TENANT_ID}/oauth2/v2.0/token`, undefined, {
      method: "POST",
      body: form.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(401);
    expect(r.body.error_codes).toEqual([7000222]);
    expect(r.body.error_description).toContain(
      `The provided client secret keys for app '${ids.KEEPER_APP_ID}' are expired.`,
    );
    await expect(keeperCred(secret).getToken("https://monitor.azure.com/.default")).rejects.toThrow(/AADSTS7000222/);
  });

  it("unknown client: 400 AADSTS700016; deleted app too", async () => {
    const form = new URLSearchParams({
      client_id: "00000000-1111-2222-3333-444444444444",
      client_secret: "x",
      scope: "https://management.azure.com/.default",
      grant_type: "client_credentials",
    });
    const r = await getJson(emu, `/${ids.TENANT_ID}/oauth2/v2.0/token`, undefined, {
      method: "POST",
      body: form.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(400);
    expect(r.body.error_codes).toEqual([700016]);
    emu.applyScenario("app-deleted");
    await expect(
      keeperCred(emu.state.keeper.clientSecret).getToken("https://monitor.azure.com/.default"),
    ).rejects.toThrow(/AADSTS700016/);
  });

  it("disabled service principal: AADSTS7000112", async () => {
    emu.applyScenario("sp-disabled");
    await expect(
      keeperCred(emu.state.keeper.clientSecret).getToken("https://monitor.azure.com/.default"),
    ).rejects.toThrow(/AADSTS7000112/);
  });

  it("models secret propagation delay", async () => {
    let now = Date.parse("2025-03-03T10:00:00Z");
    const local = await startTrusted({ now: () => new Date(now) });
    try {
      local.state.secretPropagationMs = 60_000;
      const token = await monitorCredential(local).getToken("https://graph.microsoft.com/.default");
      const r = await getJson(local, `/v1.0/applications/${ids.KEEPER_APP_OBJECT_ID}/addPassword`, token.token, {
        method: "POST",
        body: JSON.stringify({ passwordCredential: { displayName: "rotated" } }),
      });
      expect(r.status).toBe(200);
      const cred = () =>
        new ClientSecretCredential(ids.TENANT_ID, ids.KEEPER_APP_ID, r.body.secretText, {
          authorityHost: local.url,
          disableInstanceDiscovery: true,
          retryOptions: { maxRetries: 0 },
        });
      await expect(cred().getToken("https://monitor.azure.com/.default")).rejects.toThrow(/AADSTS7000215/);
      now += 61_000;
      await expect(cred().getToken("https://monitor.azure.com/.default")).resolves.toBeTruthy();
    } finally {
      await local.stop();
    }
  });

  it("rejects a scope without /.default and an unknown tenant", async () => {
    const form = new URLSearchParams({
      client_id: ids.MONITOR_APP_ID,
      client_secret: emu.settings["AZURE_CLIENT_SECRET"]!,
      scope: "https://management.azure.com/user_impersonation",
      grant_type: "client_credentials",
    });
    const r = await getJson(emu, `/${ids.TENANT_ID}/oauth2/v2.0/token`, undefined, {
      method: "POST",
      body: form.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.body.error_codes).toEqual([1002012]);
    const t = await getJson(emu, `/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration`);
    expect(t.status).toBe(400);
    expect(t.body.error_codes).toEqual([90002]);
  });
});
