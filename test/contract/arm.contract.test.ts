/**
 * Azure's official example replies (test/fixtures/official/arm, from Azure/azure-rest-api-specs)
 * go through the real SDK clients and our mappers; the emulator's replies must pass the same
 * assertions. A shape we assume and Azure does not send fails here.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCertificate, ids, type Emulator } from "../../emulator/index.js";
import { ArmAdapter } from "../../src/azure/arm.js";
import { parseArmId, type ArmId } from "../../src/core/armId.js";
import type { CallContext } from "../../src/core/callContext.js";
import type { Observation } from "../../src/core/observation.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import type {
  ActivityEvent,
  ActivityRead,
  Dce,
  Dcr,
  RoleAssignment,
  Table,
  Workspace,
} from "../../src/connector/types.js";
import { VALID_ENV } from "../config/env.js";
import { startTrustedEmulator } from "../e2e/harness.js";

const fixture = (name: string): unknown =>
  (
    JSON.parse(readFileSync(new URL(`../fixtures/official/arm/${name}`, import.meta.url), "utf8")) as {
      body: unknown;
    }
  ).body;

const ctx = (): CallContext => ({ callTimeoutMs: 5_000, budget: new AbortController().signal });
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{11,12}$/i;
const ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+/i;

function value<T>(o: Observation<T>): T {
  if (o.kind !== "found") throw new Error(`expected a found observation, got ${JSON.stringify(o)}`);
  return o.value;
}

/** Assertions every real reply must pass, official example or emulator. */
const holds = {
  dcr(d: Dcr) {
    expect(d.id).toMatch(ARM_ID);
    expect(d.immutableId).toMatch(/^dcr-[0-9a-f]{32}$/);
    expect(d.logAnalyticsDestinations.length).toBeGreaterThan(0);
    for (const x of d.logAnalyticsDestinations) {
      expect(x.name).not.toBe("");
      expect(x.workspaceResourceId).toMatch(ARM_ID);
    }
    const names = new Set(d.logAnalyticsDestinations.map((x) => x.name));
    expect(d.dataFlows.length).toBeGreaterThan(0);
    for (const f of d.dataFlows) {
      expect(f.streams.length).toBeGreaterThan(0);
      expect(f.destinations.every((x) => names.has(x))).toBe(true);
    }
  },
  dce(d: Dce) {
    expect(d.id).toMatch(ARM_ID);
    expect(d.logsIngestionEndpoint).toMatch(/^https:\/\//);
    expect(d.publicNetworkAccess).toMatch(/^(Enabled|Disabled|SecuredByPerimeter)$/);
  },
  workspace(w: Workspace) {
    expect(w.id).toMatch(ARM_ID);
    expect(w.customerId).toMatch(GUID);
    expect(w.provisioningState).toBe("Succeeded");
  },
  table(t: Table) {
    const all = [...t.columns, ...(t.standardColumns ?? [])];
    // Every Log Analytics table has TimeGenerated; the official example lists it as a standard column.
    expect(all.find((c) => c.name === "TimeGenerated")?.type).toBe("datetime");
    expect(t.plan).toMatch(/^(Analytics|Basic|Auxiliary)$/);
  },
  roleAssignments(list: RoleAssignment[]) {
    expect(list.length).toBeGreaterThan(0);
    for (const a of list) {
      expect(a.roleDefinitionGuid).toMatch(GUID);
      expect(a.principalId).toMatch(GUID);
      expect(a.scope).toMatch(/^\/(subscriptions\/|providers\/)?/);
      expect(a.id).toContain("/providers/Microsoft.Authorization/roleAssignments/");
    }
  },
};

function eventsOf(r: ActivityRead): ActivityEvent[] {
  if (r.kind !== "events") throw new Error(`expected events, got ${JSON.stringify(r)}`);
  return r.events;
}
const DAYS_90 = 90 * 86_400_000;

async function emulatorToken(emu: Emulator): Promise<string> {
  const { ClientSecretCredential } = await import("@azure/identity");
  const cred = new ClientSecretCredential(
    emu.settings["AZURE_TENANT_ID"]!,
    emu.settings["AZURE_CLIENT_ID"]!,
    emu.settings["AZURE_CLIENT_SECRET"]!,
    { authorityHost: emu.url, disableInstanceDiscovery: true },
  );
  return (await cred.getToken(`${ids.AUDIENCE.arm}/.default`)).token;
}

const credential: TokenCredential = {
  getToken: (): Promise<AccessToken> =>
    Promise.resolve({ token: "contract-test", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

function adapterFor(url: string, cred: TokenCredential): ArmAdapter {
  const cfg = loadConfig({
    ...VALID_ENV,
    AZURE_CLOUD: "Custom",
    AZURE_AUTHORITY_HOST: url,
    AZURE_RESOURCE_MANAGER_ENDPOINT: url,
    MICROSOFT_GRAPH_ENDPOINT: url,
    LOG_ANALYTICS_ENDPOINT: url,
  });
  return new ArmAdapter(cred, cfg.cloud);
}

describe("official ARM example replies through the SDK clients and our mappers", () => {
  let server: Server;
  let body: unknown;
  let arm: ArmAdapter;
  beforeAll(async () => {
    const { key, cert } = await ensureCertificate(".cache/emulator-cert");
    server = createServer({ key, cert }, (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const addr = server.address();
    if (!addr || typeof addr === "string") throw new Error("no address");
    arm = adapterFor(`https://127.0.0.1:${addr.port}`, credential);
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });
  const id = (s: string): ArmId => parseArmId(s)!;

  it("DataCollectionRulesGet", async () => {
    body = fixture("DataCollectionRulesGet.json");
    const d = value(await arm.getDcr(id(VALID_ENV.KEEPER_DCR_RESOURCE_ID), ctx()));
    holds.dcr(d);
    expect(d.immutableId).toBe("dcr-b74e0d383fc9415abaa584ec41adece3");
  });

  it("DataCollectionEndpointsGet", async () => {
    body = fixture("DataCollectionEndpointsGet.json");
    const d = value(await arm.getDce(ids.IDS.dce, ctx()));
    holds.dce(d);
    expect(d.logsIngestionEndpoint).toBe("https://mycollectionendpoint-abcd.eastus-1.ingest.monitor.azure.com");
  });

  it("WorkspacesGet", async () => {
    body = fixture("WorkspacesGet.json");
    holds.workspace(value(await arm.getWorkspace(id(VALID_ENV.KEEPER_WORKSPACE_RESOURCE_ID), ctx())));
  });

  it("TablesGet: TimeGenerated under schema.standardColumns is read", async () => {
    body = fixture("TablesGet.json");
    const t = value(await arm.getTable(id(VALID_ENV.KEEPER_WORKSPACE_RESOURCE_ID), "table1_SRCH", ctx()));
    holds.table(t);
    expect(t.columns).toEqual([]);
  });

  it("RoleAssignments_ListForScope", async () => {
    body = fixture("RoleAssignments_ListForScope.json");
    const list = value(await arm.listRoleAssignments(ids.SUBSCRIPTION_ID, ids.IDS.dcr, ids.KEEPER_SP_ID, ctx()));
    holds.roleAssignments(list);
    expect(list[0]?.roleDefinitionGuid).toBe("0b5fe924-9a61-425c-96af-cfe6e287ca2d");
  });

  it("GetActivityLogsFiltered", async () => {
    // its nextLink is a placeholder on management.azure.com: one page here
    const { nextLink: _placeholder, ...page } = fixture("GetActivityLogsFiltered.json") as Record<string, unknown>;
    body = page;
    const to = new Date("2015-01-23T20:00:00Z");
    const events = eventsOf(
      await arm.readActivityLog(
        { kind: "resourceGroup", subscriptionId: ids.SUBSCRIPTION_ID, resourceGroup: "MSSupportGroup" },
        new Date(to.getTime() - DAYS_90),
        to,
        ctx(),
      ),
    );
    expect(events).toEqual([
      {
        operation: "microsoft.support/supporttickets/write",
        action: "write",
        resourceId: "",
        caller: "admin@contoso.com",
        appId: "c44b4083-3bq0-49c1-b47d-974e53cbdf3c",
        at: new Date("2015-01-21T22:14:26.979Z"),
      },
    ]);
  });
});

describe("the emulator's replies pass the same assertions", () => {
  let emu: Emulator;
  let arm: ArmAdapter;
  beforeAll(async () => {
    emu = await startTrustedEmulator();
    arm = adapterFor(emu.url, {
      getToken: async (scopes) => {
        const { ClientSecretCredential } = await import("@azure/identity");
        return new ClientSecretCredential(
          emu.settings["AZURE_TENANT_ID"]!,
          emu.settings["AZURE_CLIENT_ID"]!,
          emu.settings["AZURE_CLIENT_SECRET"]!,
          { authorityHost: emu.url, disableInstanceDiscovery: true },
        ).getToken(scopes);
      },
    });
  });
  afterAll(async () => {
    await emu?.stop();
  });
  const id = (s: string): ArmId => parseArmId(s)!;

  it("DCR, DCE, workspace, table and role assignments", async () => {
    holds.dcr(value(await arm.getDcr(id(ids.IDS.dcr), ctx())));
    holds.dce(value(await arm.getDce(ids.IDS.dce, ctx())));
    holds.workspace(value(await arm.getWorkspace(id(ids.IDS.workspace), ctx())));
    holds.table(value(await arm.getTable(id(ids.IDS.workspace), ids.TABLE_NAME, ctx())));
    const keeperSp = emu.state.apps.find((a) => a.appId === emu.settings["KEEPER_APP_ID"])!.servicePrincipal!.id;
    holds.roleAssignments(value(await arm.listRoleAssignments(ids.SUBSCRIPTION_ID, ids.IDS.dcr, keeperSp, ctx())));
  });

  it("Activity Log: the records of a scenario, in the official example's shape, as the SDK reads them", async () => {
    emu.applyScenario("role-removed");
    const now = new Date();
    const events = eventsOf(
      await arm.readActivityLog(
        { kind: "resourceGroup", subscriptionId: ids.SUBSCRIPTION_ID, resourceGroup: ids.RESOURCE_GROUP },
        new Date(now.getTime() - DAYS_90),
        now,
        ctx(),
      ),
    );
    // Started records and the failed delete of the healthy history are not events
    expect(events.map((e) => e.operation)).toEqual([
      "Microsoft.Authorization/roleAssignments/delete",
      "Microsoft.Insights/dataCollectionRules/write",
    ]);
    expect(events[0]).toMatchObject({ caller: "alice@contoso.com", appId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c" });
    expect(events[0]!.resourceId).toMatch(
      new RegExp(`^${ids.IDS.dcr}/providers/Microsoft.Authorization/roleAssignments/[0-9a-f-]{36}$`),
    );
    // the same keys as the official example's event, and no other
    const example = (fixture("GetActivityLogsFiltered.json") as { value: Array<Record<string, unknown>> }).value[0]!;
    const raw = await fetch(
      `${emu.url}/subscriptions/${ids.SUBSCRIPTION_ID}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$filter=${encodeURIComponent(`eventTimestamp ge '${new Date(now.getTime() - DAYS_90).toISOString()}' and resourceUri eq '${ids.IDS.dcr}'`)}`,
      { headers: { authorization: `Bearer ${await emulatorToken(emu)}` } },
    );
    const served = ((await raw.json()) as { value: Array<Record<string, unknown>> }).value[0]!;
    const missing = Object.keys(example).filter((k) => !(k in served));
    expect(missing).toEqual([]);
  });
});
