import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { MonitorClient } from "@azure/arm-monitor";
import { OperationalInsightsManagementClient } from "@azure/arm-operationalinsights";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { bearer, getJson, monitorCredential, startTrusted } from "./helpers.js";
import { sdkScope } from "../../src/core/armId.js";

let emu: Emulator;
const ARM = ["https://management.azure.com/.default"];
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

const monitor = () =>
  new MonitorClient(monitorCredential(emu), ids.SUBSCRIPTION_ID, {
    endpoint: emu.url,
    retryOptions: { maxRetries: 0 },
  });
const oi = () =>
  new OperationalInsightsManagementClient(monitorCredential(emu), ids.SUBSCRIPTION_ID, {
    endpoint: emu.url,
    credentials: { scopes: ARM },
    retryOptions: { maxRetries: 0 },
  });
const authz = () =>
  new AuthorizationManagementClient(monitorCredential(emu), ids.SUBSCRIPTION_ID, {
    endpoint: emu.url,
    credentialScopes: ARM,
    retryOptions: { maxRetries: 0 },
  });

describe("ARM", () => {
  it("DCR through MonitorClient (API 2024-03-11), shape per the Keeper solution", async () => {
    const dcr = await monitor().dataCollectionRules.get(ids.RESOURCE_GROUP, ids.DCR_NAME);
    expect(dcr.id).toBe(emu.settings["KEEPER_DCR_RESOURCE_ID"]);
    expect(dcr.immutableId).toBe(emu.settings["KEEPER_DCR_IMMUTABLE_ID"]);
    expect(dcr.immutableId).toMatch(/^dcr-[0-9a-f]{32}$/);
    expect(dcr.dataCollectionEndpointId).toBe(ids.IDS.dce);
    const cols = dcr.streamDeclarations?.["Custom-KeeperSecurityEventNewLogs"]?.columns;
    expect(cols?.map((c) => `${c.name}:${c.type}`)).toEqual([
      "TimeGenerated:datetime",
      "audit_event:string",
      "remote_address:string",
      "category:string",
      "client_version:string",
      "enterprise_id:int",
      "username:string",
      "timestamp:datetime",
      "data:dynamic",
    ]);
    expect(dcr.destinations?.logAnalytics?.[0]).toMatchObject({
      workspaceResourceId: ids.IDS.workspace,
      workspaceId: ids.WORKSPACE_CUSTOMER_ID,
      name: "clv2ws1",
    });
    expect(dcr.dataFlows?.[0]).toMatchObject({
      streams: ["Custom-KeeperSecurityEventNewLogs"],
      destinations: ["clv2ws1"],
      outputStream: "Custom-KeeperSecurityEventNewLogs_CL",
    });
    expect(dcr.dataFlows?.[0]?.transformKql).toContain("project-rename AuditEvent = audit_event");
    expect(dcr.provisioningState).toBe("Succeeded");
    const call = emu.calls.find((c) => c.service === "arm");
    // arm-monitor 8 spells the segment "resourcegroups": ARM paths are case-insensitive
    expect(call?.path.toLowerCase()).toBe(ids.IDS.dcr.toLowerCase());
    expect(call?.query).toContain("api-version=2024-03-11");
  });

  it("DCE endpoint is the emulator url", async () => {
    const dce = await monitor().dataCollectionEndpoints.get(ids.RESOURCE_GROUP, ids.DCE_NAME);
    expect(dce.logsIngestion?.endpoint).toBe(emu.url);
    expect(dce.networkAcls?.publicNetworkAccess).toBe("Enabled");
    expect(dce.provisioningState).toBe("Succeeded");
  });

  it("workspace and table through OperationalInsightsManagementClient", async () => {
    const ws = await oi().workspaces.get(ids.RESOURCE_GROUP, ids.WORKSPACE_NAME);
    expect(ws.customerId).toBe(ids.WORKSPACE_CUSTOMER_ID);
    expect(ws.sku?.name).toBe("PerGB2018");
    expect(ws.workspaceCapping?.dailyQuotaGb).toBe(-1);
    const t = await oi().tables.get(ids.RESOURCE_GROUP, ids.WORKSPACE_NAME, ids.TABLE_NAME);
    expect(t.plan).toBe("Analytics");
    expect(t.schema?.tableType).toBe("CustomLog");
    // As in the official TablesGet.json example, TimeGenerated is a standard column.
    expect(t.schema?.standardColumns?.find((c) => c.name === "TimeGenerated")?.type).toBe("dateTime");
    expect(t.schema?.columns?.find((c) => c.name === "EnterpriseId")?.type).toBe("int");
    expect(t.schema?.standardColumns).toContainEqual(expect.objectContaining({ name: "TenantId", type: "guid" }));
  });

  it("404 ResourceNotFound / ResourceGroupNotFound as RestError", async () => {
    emu.applyScenario("dcr-deleted");
    const err = await monitor()
      .dataCollectionRules.get(ids.RESOURCE_GROUP, ids.DCR_NAME)
      .catch((e) => e);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe("ResourceNotFound");
    expect(err.message).toContain(`under resource group '${ids.RESOURCE_GROUP}' was not found`);
    const rg = await monitor()
      .dataCollectionRules.get("rg-nope", ids.DCR_NAME)
      .catch((e) => e);
    expect(rg.code).toBe("ResourceGroupNotFound");
    emu.applyScenario("table-deleted");
    expect(
      (
        await oi()
          .tables.get(ids.RESOURCE_GROUP, ids.WORKSPACE_NAME, ids.TABLE_NAME)
          .catch((e) => e)
      ).statusCode,
    ).toBe(404);
  });

  it("403 AuthorizationFailed where the monitor is denied", async () => {
    emu.applyScenario("monitor-forbidden");
    const err = await monitor()
      .dataCollectionRules.get(ids.RESOURCE_GROUP, ids.DCR_NAME)
      .catch((e) => e);
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe("AuthorizationFailed");
    expect(err.message.toLowerCase()).toContain(
      `'microsoft.insights/datacollectionrules/read' over scope '${ids.IDS.dcr.toLowerCase()}'`,
    );
    await expect(monitor().dataCollectionEndpoints.get(ids.RESOURCE_GROUP, ids.DCE_NAME)).resolves.toBeTruthy();
  });

  it("requires a token with the ARM audience and an api-version", async () => {
    const none = await getJson(emu, `${ids.IDS.dcr}?api-version=2024-03-11`);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("AuthenticationFailed");
    const graphToken = await bearer(emu, "https://graph.microsoft.com");
    const wrong = await getJson(emu, `${ids.IDS.dcr}?api-version=2024-03-11`, graphToken);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("InvalidAuthenticationTokenAudience");
    const armToken = await bearer(emu, "https://management.azure.com");
    const noVersion = await getJson(emu, ids.IDS.dcr, armToken);
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.code).toBe("MissingApiVersionParameter");
    const ci = await getJson(
      emu,
      `${ids.IDS.dcr.replace("Microsoft.Insights", "microsoft.insights").replace("dataCollectionRules", "datacollectionrules")}?api-version=2024-03-11`,
      armToken,
    );
    expect(ci.status).toBe(200);
  });

  it("role assignments: assignedTo() on the DCR, paged by nextLink, includes inherited ones", async () => {
    const client = authz();
    const keeperSp = ids.KEEPER_SP_ID;
    const items = [];
    for await (const a of client.roleAssignments.listForScope(sdkScope(ids.IDS.dcr), {
      filter: `assignedTo('${keeperSp}')`,
    }))
      items.push(a);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      principalId: keeperSp,
      principalType: "ServicePrincipal",
      scope: ids.IDS.dcr,
      roleDefinitionId: `/subscriptions/${ids.SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${ids.ROLE.monitoringMetricsPublisher}`,
    });
    expect(items[0]?.type).toBe("Microsoft.Authorization/roleAssignments");

    emu.applyScenario("role-inherited");
    const inh = [];
    for await (const a of authz().roleAssignments.listForScope(sdkScope(ids.IDS.dcr), {
      filter: `assignedTo('${keeperSp}')`,
    }))
      inh.push(a);
    expect(inh.map((a) => a.scope)).toEqual([ids.IDS.resourceGroup]);
  });

  it("role assignments: unfiltered listing at the RG pages (page size 2)", async () => {
    emu.resetCalls();
    const all = [];
    for await (const a of authz().roleAssignments.listForScope(sdkScope(ids.IDS.resourceGroup))) all.push(a);
    expect(all.length).toBe(emu.state.roleAssignments.length);
    const pages = emu.calls.filter((c) => c.service === "arm" && /roleAssignments$/i.test(c.path));
    expect(pages.length).toBe(Math.ceil(all.length / 2));
    expect(pages[1]?.query).toContain("skiptoken");
    const atScope = [];
    for await (const a of authz().roleAssignments.listForScope(sdkScope(ids.IDS.resourceGroup), {
      filter: "atScope()",
    }))
      atScope.push(a);
    expect(atScope.every((a) => ids.IDS.resourceGroup.toLowerCase().startsWith(a.scope!.toLowerCase()))).toBe(true);
    expect(atScope.length).toBe(4);
    const byPrincipal = [];
    for await (const a of authz().roleAssignments.listForScope(sdkScope(ids.IDS.subscription), {
      filter: `principalId eq '${ids.MONITOR_SP_ID}'`,
    }))
      byPrincipal.push(a);
    expect(byPrincipal.length).toBe(4);
  });

  it("metrics: ApiCallReceived_Count (Count) and RowsReceived_Count (Total) from recorded ingestion calls", async () => {
    const r1 = await emu.keeperPush();
    expect(r1.status).toBe(204);
    await emu.keeperPush([
      { audit_event: "login", username: "a@example.com", enterprise_id: 1, timestamp: new Date().toISOString() },
    ]);
    const now = Date.now();
    const timespan = `${new Date(now - 10 * 60_000).toISOString()}/${new Date(now + 60_000).toISOString()}`;
    const ask = (metricnames: string, aggregation: string) =>
      monitor().metrics.list(sdkScope(ids.IDS.dcr), {
        metricnames,
        timespan,
        interval: "PT1M",
        aggregation,
        filter: "ResponseCode eq '*'",
      });
    const sum = (r: Awaited<ReturnType<typeof ask>>, field: "count" | "total") =>
      r.value[0]!.timeseries.flatMap((t) => t.data ?? []).reduce((s, d) => s + (d[field] ?? 0), 0);
    const calls = await ask("ApiCallReceived_Count", "Count");
    expect(sum(calls, "count")).toBe(2);
    expect(calls.value[0]!.timeseries?.[0]?.metadatavalues?.[0]?.value).toBe("204");
    expect(sum(await ask("RowsReceived_Count", "Total"), "total")).toBe(3);
  });

  it("metrics: a metric asked for an aggregation it does not support refuses the whole request", async () => {
    const q = "timespan=PT1H&interval=PT1M&api-version=2018-01-01";
    const token = await bearer(emu, "https://management.azure.com");
    for (const [names, aggregation] of [
      ["ApiCallReceived_Count", "Total"],
      ["ApiCallReceived_Count,RowsReceived_Count", "Count"],
      ["TransformationErrors_Count", "Average"],
    ] as const) {
      const r = await getJson(
        emu,
        `${ids.IDS.dcr}/providers/Microsoft.Insights/metrics?metricnames=${names}&aggregation=${aggregation}&${q}`,
        token,
      );
      expect(r.status).toBe(501);
      expect(r.body.code).toBe("NotImplemented");
      expect(r.body.message).toMatch(/not supported/);
    }
  });

  it("refuses a non-canonical path with a doubled slash instead of collapsing it", async () => {
    const token = await bearer(emu, "https://management.azure.com");
    const ok = await getJson(emu, `${ids.IDS.dcr}?api-version=2023-03-11`, token);
    expect(ok.status).toBe(200);
    for (const path of [`/${ids.IDS.dcr}`, ids.IDS.dcr.replace("/resourceGroups", "//resourceGroups")]) {
      const r = await getJson(emu, `${path}?api-version=2023-03-11`, token);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("InvalidRequestUri");
    }
  });
});
