import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { ids, type CallRecord, type Emulator } from "../../emulator/index.js";
import { directoryOf } from "../../emulator/state.js";
import { createApp } from "../../src/app/compose.js";
import { createMonitor, type Monitor } from "../../src/app/monitor.js";
import { createCredential, federatedCredential } from "../../src/azure/credential.js";
import { rootCredential } from "../../src/azure/tokenCache.js";
import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";
import type { Report } from "../../src/report/report.js";
import { leaks, startTrustedEmulator } from "./harness.js";
import { capture, DAY, simClock } from "./rotationHarness.js";

const clock = simClock();
let emu: Emulator;
beforeAll(async () => {
  emu = await startTrustedEmulator({ now: clock.now });
});
afterAll(async () => {
  await emu?.stop();
});
beforeEach(() => {
  clock.ms = Date.parse("2026-03-02T09:00:00Z");
  emu.applyScenario("healthy");
  emu.faults.clear();
  emu.resetCalls();
  keepCustomerSecret();
});

/** The customer's Keeper secret in the provider's vault, under the connector's own secret name. */
function keepCustomerSecret(): void {
  const cred = customerKeeper().passwordCredentials[0]!;
  const at = Math.floor(clock.ms / 1000) - 100 * 86_400;
  emu.state.vault.secrets[CUSTOMER_SECRET_NAME] = {
    name: CUSTOMER_SECRET_NAME,
    versions: [
      {
        version: "0c1b2a3d4e5f60718293a4b5c6d7e8f9",
        value: cred.secretText,
        contentType: "text/plain",
        tags: { appId: ids.CUSTOMER_KEEPER_APP_ID, keyId: cred.keyId, rotationId: "initial" },
        enabled: true,
        created: at,
        updated: at,
        exp: Math.floor(Date.parse(cred.endDateTime) / 1000),
        nbf: null,
      },
    ],
  };
}

const CUSTOMER_SECRET_NAME = "keeper-customer-client-secret";

/**
 * The settings of a connector in the customer's tenant, the monitor's identity given as a
 * credential (as a managed identity is: no AZURE_TENANT_ID, its tenant is its token's).
 */
function customerEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    CALL_TIMEOUT_SECONDS: "4",
    RUN_BUDGET_SECONDS: "20",
    ...emu.settings,
    AZURE_TENANT_ID: undefined,
    AZURE_CLIENT_SECRET: undefined,
    KEEPER_TENANT_ID: ids.CUSTOMER_TENANT_ID,
    KEEPER_APP_ID: ids.CUSTOMER_KEEPER_APP_ID,
    KEEPER_GRAPH_APP_ID: ids.MONITOR_GRAPH_APP_ID,
    KEY_VAULT_SECRET_NAME: CUSTOMER_SECRET_NAME,
    AzureWebJobsStorage: inject("tablesConnection"),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The monitor's own credential (a client secret here; a managed identity in Azure), shared like the fleet's. */
const ownCredential = () => createCredential(loadConfig({ ...emu.settings }));

let tableN = 0;
function customerMonitor(
  overrides: Record<string, string | undefined> = {},
  credential = ownCredential(),
  cap = capture(),
): Monitor {
  return createMonitor(loadConfig(customerEnv(overrides)), {
    credential,
    now: clock.now,
    rotation: {
      notifier: cap.notifier,
      table: `tenante2e${Date.now().toString(36)}${tableN++}`,
      sleep: (ms) => (clock.advance(ms), Promise.resolve()),
    },
  });
}

const customerDir = () => directoryOf(emu.state, ids.CUSTOMER_TENANT_ID)!;
const customerKeeper = () => customerDir().apps.find((a) => a.appId === ids.CUSTOMER_KEEPER_APP_ID)!;
const graphApp = () => emu.state.apps.find((a) => a.appId === ids.MONITOR_GRAPH_APP_ID)!;
const finding = (r: Report, check: string) => r.findings.find((f) => f.check === check)!;
const tokenPosts = (cs: CallRecord[]) =>
  cs.filter((c) => c.service === "token" && c.method === "POST" && c.path.endsWith("/oauth2/v2.0/token"));
const assertionTokens = (cs: CallRecord[]) =>
  tokenPosts(cs).filter((c) => c.tokenRequest?.scope === `${ids.TOKEN_EXCHANGE_AUDIENCE}/.default`);
const federatedSignIns = (cs: CallRecord[]) =>
  tokenPosts(cs).filter((c) => c.tokenRequest?.assertion && c.path.startsWith(`/${ids.CUSTOMER_TENANT_ID}/`));

describe("a Keeper connector in a customer's tenant (Lighthouse for ARM, a federated app for Graph)", () => {
  it("is checked in the customer's tenant: the Keeper app, its service principal and secret read with a customer-tenant token", async () => {
    const m = customerMonitor();
    const r = await m.runDriftChecks();
    expect(r.findings.filter((f) => f.status !== "ok").map((f) => [f.check, f.summary])).toEqual([]);
    for (const check of ["app.exists", "app.servicePrincipal", "secret.expiry", "secret.vault", "role.assignment"])
      expect({ check, status: finding(r, check).status, summary: finding(r, check).summary }).toMatchObject({
        check,
        status: "ok",
      });
    // Graph read the customer's app, answered 200; no Graph request failed
    const graph = emu.calls.filter((c) => c.service === "graph");
    expect(graph.some((c) => c.path.includes(`appId='${ids.CUSTOMER_KEEPER_APP_ID}'`) && c.status === 200)).toBe(true);
    expect(graph.filter((c) => c.status >= 400)).toEqual([]);
    // one federated sign-in to the customer's tenant, as the provider's app, from one assertion
    expect(federatedSignIns(emu.calls).map((c) => [c.tokenRequest?.clientId, c.status])).toEqual([
      [ids.MONITOR_GRAPH_APP_ID, 200],
    ]);
    expect(assertionTokens(emu.calls).map((c) => [c.path, c.tokenRequest?.clientId, c.status])).toEqual([
      [`/${ids.TENANT_ID}/oauth2/v2.0/token`, ids.MONITOR_APP_ID, 200],
    ]);
    expect(leaks(emu, JSON.stringify(r))).toEqual([]);
  });

  it("rotates the customer's Keeper secret through the federated app: addPassword in the customer's directory, the value in the vault", async () => {
    const cap = capture();
    const m = customerMonitor({}, ownCredential(), cap);
    const cred = customerKeeper().passwordCredentials[0]!;
    cred.endDateTime = new Date(clock.ms + 29.5 * DAY).toISOString();
    const run = await m.rotation.run(cap.log);
    expect(run.state?.stage).toBe("cutover");
    const added = emu.calls.filter((c) => c.service === "graph" && c.path.endsWith("/addPassword"));
    expect(added.map((c) => [c.path, c.status])).toEqual([
      [`/v1.0/applications/${ids.CUSTOMER_KEEPER_APP_OBJECT_ID}/addPassword`, 200],
    ]);
    const fresh = customerKeeper().passwordCredentials.find((c) => c.keyId === run.state?.newKeyId);
    expect(fresh).toBeDefined();
    const versions = emu.state.vault.secrets[CUSTOMER_SECRET_NAME]?.versions ?? [];
    expect(versions.at(-1)?.value).toBe(fresh!.secretText);
    expect(versions.at(-1)?.tags).toMatchObject({ appId: ids.CUSTOMER_KEEPER_APP_ID, keyId: fresh!.keyId });
    // the home tenant's Keeper app is untouched
    expect(emu.state.apps.find((a) => a.appId === ids.KEEPER_APP_ID)!.passwordCredentials).toHaveLength(1);
    expect(cap.notices.map((n) => n.kind)).toEqual(["handoff"]);
    expect(leaks(emu, cap.lines.join("\n") + JSON.stringify(cap.notices))).toEqual([]);
  });

  it("without KEEPER_GRAPH_APP_ID: unknown, naming the setting, and no Graph call into the monitor's own directory", async () => {
    const m = customerMonitor({ KEEPER_GRAPH_APP_ID: undefined });
    const r = await m.runDriftChecks();
    expect(r.status).toBe("unknown");
    const app = finding(r, "app.exists");
    expect(app.status).toBe("unknown");
    expect(app.summary).toContain(`tenant ${ids.CUSTOMER_TENANT_ID}`);
    expect(app.summary).toContain("KEEPER_GRAPH_APP_ID is not set");
    expect(app.remediation).toContain("Set KEEPER_GRAPH_APP_ID");
    expect(app.remediation).toContain(ids.MONITOR_SP_ID);
    expect(emu.calls.filter((c) => c.service === "graph")).toEqual([]);
    expect(federatedSignIns(emu.calls)).toEqual([]);
  });

  it("KEEPER_GRAPH_APP_ID that is not a GUID is a settings error naming it", () => {
    expect(() => loadConfig(customerEnv({ KEEPER_GRAPH_APP_ID: "keeper-graph" }))).toThrow(ConfigError);
    try {
      loadConfig(customerEnv({ KEEPER_GRAPH_APP_ID: "keeper-graph" }));
    } catch (e) {
      expect((e as ConfigError).problems.map((p) => p.setting)).toEqual(["KEEPER_GRAPH_APP_ID"]);
    }
  });

  it("a federated credential with another subject: AADSTS70021 with the fix, and no assertion in the output", async () => {
    graphApp().federatedIdentityCredentials![0]!.subject = "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a";
    const m = customerMonitor();
    const r = await m.runDriftChecks();
    const app = finding(r, "app.exists");
    expect(app.status).toBe("unknown");
    expect(app.summary).toContain("AADSTS70021");
    expect(app.remediation).toContain(`issuer ${emu.url}/${ids.TENANT_ID}/v2.0`);
    expect(app.remediation).toContain(`principal id ${ids.MONITOR_SP_ID}`);
    expect(app.remediation).toContain("api://AzureADTokenExchange");
    // Entra's answer itself named the claims it compared, not the token
    expect(federatedSignIns(emu.calls).every((c) => c.status === 400)).toBe(true);
    expect(leaks(emu, JSON.stringify(r))).toEqual([]);
  });

  it("no admin consent in the customer's tenant (no service principal there): AADSTS700016 with the consent link", async () => {
    const dir = customerDir();
    dir.apps.splice(
      dir.apps.findIndex((a) => a.appId === ids.MONITOR_GRAPH_APP_ID),
      1,
    );
    const m = customerMonitor();
    const r = await m.runDriftChecks();
    const app = finding(r, "app.exists");
    expect(app.status).toBe("unknown");
    expect(app.summary).toContain("AADSTS700016");
    expect(app.remediation).toContain(
      `${emu.url}/${ids.CUSTOMER_TENANT_ID}/adminconsent?client_id=${ids.MONITOR_GRAPH_APP_ID}`,
    );
  });

  it("one assertion token and one customer-tenant token per process, shared by every target and run", async () => {
    const credential = ownCredential();
    const a = customerMonitor({}, credential);
    const b = customerMonitor({ KEY_VAULT_SECRET_NAME: `${CUSTOMER_SECRET_NAME}-b` }, credential);
    const [ra, rb] = await Promise.all([a.runDriftChecks(), b.runDriftChecks()]);
    expect(finding(ra, "app.exists").status).toBe("ok");
    expect(finding(rb, "app.exists").status).toBe("ok");
    await Promise.all([a.runAll(), b.runDriftChecks()]);
    expect(assertionTokens(emu.calls)).toHaveLength(1);
    expect(federatedSignIns(emu.calls)).toHaveLength(1);
  });

  it("a Graph token is for one tenant: the home tenant's token does not see the customer's app, nor the customer's token the home app", async () => {
    const own = await ownCredential().getToken(`${ids.AUDIENCE.graph}/.default`);
    const home = await fetch(`${emu.url}/v1.0/applications(appId='${ids.CUSTOMER_KEEPER_APP_ID}')`, {
      headers: { authorization: `Bearer ${own!.token}` },
    });
    expect(home.status).toBe(404);
    const ownCred = ownCredential();
    const customer = federatedCredential(
      loadConfig(customerEnv()).cloud,
      ids.CUSTOMER_TENANT_ID,
      ids.MONITOR_GRAPH_APP_ID,
      ownCred,
      rootCredential(ownCred),
    );
    const customerToken = await customer.getToken(`${ids.AUDIENCE.graph}/.default`);
    const other = await fetch(`${emu.url}/v1.0/applications(appId='${ids.KEEPER_APP_ID}')`, {
      headers: { authorization: `Bearer ${customerToken!.token}` },
    });
    expect(other.status).toBe(404);
    const mine = await fetch(`${emu.url}/v1.0/applications(appId='${ids.CUSTOMER_KEEPER_APP_ID}')`, {
      headers: { authorization: `Bearer ${customerToken!.token}` },
    });
    expect(mine.status).toBe(200);
  });

  it("the token endpoint refuses an assertion for another audience (AADSTS70021) without echoing it", async () => {
    const arm = await ownCredential().getToken(`${ids.AUDIENCE.arm}/.default`);
    const res = await fetch(`${emu.url}/${ids.CUSTOMER_TENANT_ID}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: ids.MONITOR_GRAPH_APP_ID,
        scope: "https://graph.microsoft.com/.default",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: arm!.token,
      }).toString(),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error_codes: number[]; error_description: string };
    expect(body.error_codes).toEqual([70021]);
    expect(body.error_description).toContain(`Assertion Audience: '${ids.AUDIENCE.arm}'`);
    expect(body.error_description).not.toContain(arm!.token);
  });

  it("discovery takes the tenant of the workspace's subscription: a customer's under Lighthouse, checked there", async () => {
    emu.state.subscriptionTenantId = ids.CUSTOMER_TENANT_ID;
    const record = emu.state.dataConnectors.find((c) => c.kind === "Push" && c.name.startsWith("KeeperSecurity"))!;
    record.properties["auth"] = {
      type: "Push",
      AppId: ids.CUSTOMER_KEEPER_APP_ID,
      ServicePrincipalId: ids.CUSTOMER_KEEPER_SP_ID,
    };
    const env = customerEnv({
      KEEPER_TENANT_ID: undefined,
      KEEPER_APP_ID: undefined,
      KEEPER_DCR_RESOURCE_ID: undefined,
      KEEPER_DCR_IMMUTABLE_ID: undefined,
      KEEPER_DCE_URI: undefined,
      AZURE_TENANT_ID: ids.TENANT_ID,
      AZURE_CLIENT_SECRET: emu.settings["AZURE_CLIENT_SECRET"],
    });
    const app = createApp({ env, now: clock.now });
    await app.load();
    const m = app.getMonitor();
    const k = m.config.keeper;
    expect([k.tenantId, k.sources.tenantId, k.appId]).toEqual([
      ids.CUSTOMER_TENANT_ID,
      "subscription",
      ids.CUSTOMER_KEEPER_APP_ID,
    ]);
    const sub = emu.calls.filter((c) => c.service === "arm" && c.path === `/subscriptions/${ids.SUBSCRIPTION_ID}`);
    expect(sub.map((c) => c.status)).toEqual([200]);
    const r = await m.runDriftChecks();
    expect(r.findings.filter((f) => f.status !== "ok").map((f) => [f.check, f.summary])).toEqual([]);
    expect(federatedSignIns(emu.calls).map((c) => c.status)).toEqual([200]);
  });

  it("the monitor's own subscription keeps the monitor's tenant, its token's (no federated sign-in)", async () => {
    const m = customerMonitor({ KEEPER_TENANT_ID: ids.TENANT_ID, KEEPER_APP_ID: ids.KEEPER_APP_ID });
    const r = await m.runDriftChecks();
    expect(finding(r, "app.exists").status).toBe("ok");
    expect(federatedSignIns(emu.calls)).toEqual([]);
    expect(assertionTokens(emu.calls)).toEqual([]);
  });

  it("the token endpoint refuses a missing assertion type, an unknown assertion and an expired one, as Entra does", async () => {
    const post = async (form: Record<string, string>) => {
      const res = await fetch(`${emu.url}/${ids.CUSTOMER_TENANT_ID}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: ids.MONITOR_GRAPH_APP_ID,
          scope: "https://graph.microsoft.com/.default",
          ...form,
        }).toString(),
      });
      return [res.status, ((await res.json()) as { error_codes?: number[] }).error_codes?.[0]];
    };
    const mi = await ownCredential().getToken(`${ids.TOKEN_EXCHANGE_AUDIENCE}/.default`);
    const type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    expect(await post({ client_assertion: mi!.token })).toEqual([400, 900144]);
    expect(await post({ client_assertion_type: type, client_assertion: "not-a-token" })).toEqual([401, 50027]);
    expect(await post({ client_assertion_type: type, client_assertion: mi!.token })).toEqual([200, undefined]);
    emu.expireTokens();
    expect(await post({ client_assertion_type: type, client_assertion: mi!.token })).toEqual([400, 700024]);
  });
});
