import { SecretClient } from "@azure/keyvault-secrets";
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

const vault = () =>
  new SecretClient(emu.settings["KEY_VAULT_URI"]!, monitorCredential(emu), {
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries: 0 },
  });
const NAME = "keeper-connector-client-secret";

describe("Key Vault", () => {
  it("challenge auth, then the seeded secret through the real SecretClient", async () => {
    const s = await vault().getSecret(NAME);
    expect(s.value).toBe(emu.state.keeper.clientSecret);
    expect(s.properties.contentType).toBe("text/plain");
    expect(s.properties.tags).toMatchObject({
      appId: ids.KEEPER_APP_ID,
      keyId: ids.KEEPER_SECRET_KEY_ID,
      rotationId: "initial",
    });
    const cred = emu.state.apps.find((a) => a.appId === ids.KEEPER_APP_ID)!.passwordCredentials[0]!;
    expect(s.properties.expiresOn?.getTime()).toBe(Math.floor(Date.parse(cred.endDateTime) / 1000) * 1000);
    expect(s.properties.vaultUrl).toBe(emu.url);
    const vaultCalls = emu.calls.filter((c) => c.service === "vault");
    expect(vaultCalls[0]).toMatchObject({ status: 401, path: `/secrets/${NAME}/` });
    expect(vaultCalls[1]).toMatchObject({ status: 200, path: `/secrets/${NAME}/` });
  });

  it("401 challenge header is exactly as documented", async () => {
    const r = await getJson(emu, `/secrets/${NAME}/?api-version=7.6`);
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe(
      `Bearer authorization="${emu.url}/${ids.TENANT_ID}", resource="https://vault.azure.net"`,
    );
  });

  it("set (new version), list versions, update properties, get by version", async () => {
    const c = vault();
    const v2 = await c.setSecret(NAME, "new8Q~value", {
      contentType: "text/plain",
      tags: { appId: ids.KEEPER_APP_ID, keyId: "k2", rotationId: "r2", createdUtc: "2025-01-01T00:00:00Z" },
      expiresOn: new Date("2027-01-01T00:00:00Z"),
    });
    expect(v2.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect((await c.getSecret(NAME)).value).toBe("new8Q~value");
    const versions = [];
    for await (const p of c.listPropertiesOfSecretVersions(NAME)) versions.push(p);
    expect(versions).toHaveLength(2);
    const first = emu.state.vault.secrets[NAME]!.versions[0]!.version;
    await c.updateSecretProperties(NAME, first, { enabled: false, tags: { superseded: "true" } });
    expect(emu.state.vault.secrets[NAME]!.versions[0]!.enabled).toBe(false);
    const err = await c.getSecret(NAME, { version: first }).catch((e) => e);
    expect(err.statusCode).toBe(403);
    expect((await c.getSecret(NAME, { version: v2.properties.version! })).value).toBe("new8Q~value");
    expect(emu.secrets()).toContain("new8Q~value");
  });

  it("404 SecretNotFound", async () => {
    emu.applyScenario("vault-missing");
    const err = await vault()
      .getSecret(NAME)
      .catch((e) => e);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe("SecretNotFound");
    expect(err.message).toContain(`A secret with (name/id) ${NAME} was not found in this key vault`);
  });
});

describe("Microsoft Graph", () => {
  it("application by appId with $select, never a secret value", async () => {
    const token = await bearer(emu, "https://graph.microsoft.com");
    const r = await getJson(
      emu,
      `/v1.0/applications(appId='${ids.KEEPER_APP_ID}')?$select=id,appId,displayName,passwordCredentials`,
      token,
    );
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["@odata.context", "appId", "displayName", "id", "passwordCredentials"]);
    expect(r.body).toMatchObject({
      id: ids.KEEPER_APP_OBJECT_ID,
      appId: ids.KEEPER_APP_ID,
      displayName: "Keeper Security Connector Application",
    });
    const pc = r.body.passwordCredentials[0];
    expect(pc).toMatchObject({
      keyId: ids.KEEPER_SECRET_KEY_ID,
      hint: emu.state.keeper.clientSecret.slice(0, 3),
      secretText: null,
      customKeyIdentifier: null,
    });
    expect(JSON.stringify(r.body)).not.toContain(emu.state.keeper.clientSecret);
    const byId = await getJson(emu, `/v1.0/applications/${ids.KEEPER_APP_OBJECT_ID}`, token);
    expect(byId.body.appId).toBe(ids.KEEPER_APP_ID);
  });

  it("service principal with accountEnabled", async () => {
    const token = await bearer(emu, "https://graph.microsoft.com");
    const r = await getJson(
      emu,
      `/v1.0/servicePrincipals(appId='${ids.KEEPER_APP_ID}')?$select=id,appId,accountEnabled`,
      token,
    );
    expect(r.body).toMatchObject({ id: ids.KEEPER_SP_ID, appId: ids.KEEPER_APP_ID, accountEnabled: true });
    emu.applyScenario("sp-disabled");
    expect(
      (await getJson(emu, `/v1.0/servicePrincipals(appId='${ids.KEEPER_APP_ID}')`, token)).body.accountEnabled,
    ).toBe(false);
  });

  it("404 Request_ResourceNotFound, 401 without a token, 403 without permission", async () => {
    const token = await bearer(emu, "https://graph.microsoft.com");
    emu.applyScenario("app-deleted");
    const r = await getJson(emu, `/v1.0/applications(appId='${ids.KEEPER_APP_ID}')`, token);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("Request_ResourceNotFound");
    expect(r.body.error.message).toMatch(
      /^Resource '.*' does not exist or one of its queried reference-property objects are not present\.$/,
    );
    expect(r.body.error.innerError).toHaveProperty("request-id");
    expect((await getJson(emu, `/v1.0/servicePrincipals(appId='${ids.KEEPER_APP_ID}')`, token)).status).toBe(404);
    expect((await getJson(emu, `/v1.0/applications(appId='${ids.KEEPER_APP_ID}')`)).status).toBe(401);
    emu.applyScenario("healthy");
    emu.state.apps.find((a) => a.appId === ids.KEEPER_APP_ID)!.owners = [];
    const d = await getJson(emu, `/v1.0/applications(appId='${ids.KEEPER_APP_ID}')`, token);
    expect(d.status).toBe(403);
    expect(d.body.error.code).toBe("Authorization_RequestDenied");
  });

  it("addPassword returns secretText once; the new secret works; removePassword 204", async () => {
    const token = await bearer(emu, "https://graph.microsoft.com");
    const end = new Date(Date.now() + 180 * 86_400_000).toISOString();
    const r = await getJson(emu, `/v1.0/applications/${ids.KEEPER_APP_OBJECT_ID}/addPassword`, token, {
      method: "POST",
      body: JSON.stringify({ passwordCredential: { displayName: "rotation-1", endDateTime: end } }),
    });
    expect(r.status).toBe(200);
    expect(r.body.secretText).toMatch(/^[A-Za-z0-9]{3}8Q~[A-Za-z0-9~._-]{34}$/);
    expect(r.body.hint).toBe(r.body.secretText.slice(0, 3));
    expect(r.body.endDateTime).toBe(end);
    expect(emu.secrets()).toContain(r.body.secretText);
    const app = await getJson(emu, `/v1.0/applications/${ids.KEEPER_APP_OBJECT_ID}`, token);
    expect(app.body.passwordCredentials).toHaveLength(2);
    expect(JSON.stringify(app.body)).not.toContain(r.body.secretText);
    const rm = await getJson(emu, `/v1.0/applications/${ids.KEEPER_APP_OBJECT_ID}/removePassword`, token, {
      method: "POST",
      body: JSON.stringify({ keyId: ids.KEEPER_SECRET_KEY_ID }),
    });
    expect(rm.status).toBe(204);
    expect(emu.state.apps.find((a) => a.appId === ids.KEEPER_APP_ID)!.passwordCredentials.map((c) => c.keyId)).toEqual([
      r.body.keyId,
    ]);
  });

  it("sendMail 202 recorded; defaultAppManagementPolicy readable", async () => {
    const token = await bearer(emu, "https://graph.microsoft.com");
    const r = await getJson(emu, `/v1.0/users/keeper-monitor@example.com/sendMail`, token, {
      method: "POST",
      body: JSON.stringify({
        message: {
          subject: "s",
          body: { contentType: "Text", content: "c" },
          toRecipients: [{ emailAddress: { address: "soc@example.com" } }],
        },
        saveToSentItems: false,
      }),
    });
    expect(r.status).toBe(202);
    expect(emu.state.sentMail).toHaveLength(1);
    const bad = await getJson(emu, `/v1.0/users/nobody@example.com/sendMail`, token, {
      method: "POST",
      body: JSON.stringify({ message: { toRecipients: [{ emailAddress: { address: "x@example.com" } }] } }),
    });
    expect(bad.status).toBe(404);
    const p = await getJson(emu, `/v1.0/policies/defaultAppManagementPolicy`, token);
    expect(p.status).toBe(200);
    expect(p.body.isEnabled).toBe(false);
  });
});
