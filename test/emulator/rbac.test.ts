import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.js";
import { ids } from "../../emulator/index.js";
import { BUILT_IN_ROLES, grantsFromTemplate, permits, type Grant } from "../../emulator/rbac.js";
import { templateGrants } from "../e2e/harness.js";
import { bearer, getJson, startTrusted } from "./helpers.js";

const { IDS, SUBSCRIPTION_ID } = ids;
const AT = {
  parameters: { keeperWorkspaceResourceId: IDS.workspace },
  subscriptionId: SUBSCRIPTION_ID,
  resourceGroup: "rg-keeper-monitor",
};

/**
 * A least-privilege variant of the workspace grant, as Azure documents table-level read access
 * (https://learn.microsoft.com/azure/azure-monitor/logs/manage-table-access): a custom role at the
 * workspace that reads it and runs queries but reads no table, and Reader on each table, in a loop.
 */
const TABLE_SCOPED = {
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  languageVersion: "2.0",
  contentVersion: "1.0.0.0",
  parameters: { keeperWorkspaceResourceId: { type: "string" } },
  variables: {
    parts: "[split(parameters('keeperWorkspaceResourceId'), '/')]",
    tables: ["KeeperSecurityEventNewLogs_CL", "_LogOperation"],
  },
  resources: {
    identity: {
      type: "Microsoft.ManagedIdentity/userAssignedIdentities",
      apiVersion: "2023-01-31",
      name: "id-monitor",
      location: "westeurope",
    },
    ws: {
      type: "Microsoft.Resources/deployments",
      apiVersion: "2025-04-01",
      name: "ws-reader",
      subscriptionId: "[variables('parts')[2]]",
      resourceGroup: "[variables('parts')[4]]",
      properties: {
        mode: "Incremental",
        expressionEvaluationOptions: { scope: "inner" },
        parameters: {
          workspaceName: { value: "[last(variables('parts'))]" },
          tables: { value: "[variables('tables')]" },
          principalId: { value: "[reference('identity').principalId]" },
        },
        template: {
          $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          contentVersion: "1.0.0.0",
          parameters: {
            workspaceName: { type: "string" },
            tables: { type: "array" },
            principalId: { type: "string" },
          },
          resources: [
            {
              type: "Microsoft.Authorization/roleDefinitions",
              apiVersion: "2022-04-01",
              name: "[guid(resourceGroup().id, 'workspace-query')]",
              properties: {
                roleName: "Workspace query, no data",
                permissions: [
                  {
                    actions: [
                      "Microsoft.OperationalInsights/workspaces/read",
                      "Microsoft.OperationalInsights/workspaces/query/read",
                    ],
                    notActions: ["Microsoft.OperationalInsights/workspaces/sharedKeys/read"],
                  },
                ],
                assignableScopes: ["[resourceGroup().id]"],
              },
            },
            {
              type: "Microsoft.Authorization/roleAssignments",
              apiVersion: "2022-04-01",
              scope: "[format('Microsoft.OperationalInsights/workspaces/{0}', parameters('workspaceName'))]",
              name: "[guid(parameters('workspaceName'), parameters('principalId'), 'query')]",
              properties: {
                roleDefinitionId:
                  "[resourceId('Microsoft.Authorization/roleDefinitions', guid(resourceGroup().id, 'workspace-query'))]",
                principalId: "[parameters('principalId')]",
                principalType: "ServicePrincipal",
              },
            },
            {
              copy: { name: "tableReaders", count: "[length(parameters('tables'))]" },
              type: "Microsoft.Authorization/roleAssignments",
              apiVersion: "2022-04-01",
              scope:
                "[format('Microsoft.OperationalInsights/workspaces/{0}/tables/{1}', parameters('workspaceName'), parameters('tables')[copyIndex()])]",
              name: "[guid(parameters('tables')[copyIndex()], parameters('principalId'))]",
              properties: {
                roleDefinitionId:
                  "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]",
                principalId: "[parameters('principalId')]",
                principalType: "ServicePrincipal",
              },
            },
          ],
        },
      },
    },
  },
};

describe("grantsFromTemplate", () => {
  it("reads infra/azuredeploy.json: read roles on the connector's DCR, DCE and workspace, resolved to the emulator's ids", () => {
    const onConnector = templateGrants()
      .filter((g) => g.scope.toLowerCase().includes("/resourcegroups/rg-sentinel/"))
      // custom role names end in 8 characters of the scope's uniqueString (unique in the tenant)
      .map((g) => `${g.role.replace(/, [0-9a-z]{8}\)$/, ")")} @ ${g.scope}`);
    expect(onConnector.sort()).toEqual(
      [
        `Monitoring Reader @ ${IDS.dcr}`,
        `Monitoring Reader @ ${IDS.dce}`,
        `Keeper connector monitor workspace query (law-sentinel) @ ${IDS.workspace}`,
        ...["AADServicePrincipalSignInLogs", "DCRLogErrors", "KeeperSecurityEventNewLogs_CL", "Operation"].map(
          (t) => `Reader @ ${IDS.workspace}/tables/${t}`,
        ),
      ].sort(),
    );
  });

  it("reads custom roles from the template and role assignments made in a loop at table scope", () => {
    const g = grantsFromTemplate(TABLE_SCOPED, AT);
    expect(g.map((x) => `${x.role} @ ${x.scope}`)).toEqual([
      `Workspace query, no data @ ${IDS.workspace}`,
      `Reader @ ${IDS.workspace}/tables/KeeperSecurityEventNewLogs_CL`,
      `Reader @ ${IDS.workspace}/tables/_LogOperation`,
    ]);
    expect(permits(g, "Microsoft.OperationalInsights/workspaces/read", IDS.workspace)).toBe(true);
    expect(permits(g, "Microsoft.OperationalInsights/workspaces/tables/read", IDS.table)).toBe(true);
    expect(permits(g, "Microsoft.OperationalInsights/workspaces/tables/read", `${IDS.workspace}/tables/Other_CL`)).toBe(
      false,
    );
  });

  it("fails loudly on a role it cannot tell the actions of", () => {
    const t = structuredClone(TABLE_SCOPED);
    const loop = t.resources.ws.properties.template.resources[2]!.properties as { roleDefinitionId: string };
    loop.roleDefinitionId =
      "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '00000000-0000-0000-0000-000000000001')]";
    expect(() => grantsFromTemplate(t, AT)).toThrow(/neither built in .* nor defined in it/);
  });
});

describe("Microsoft Sentinel Reader", () => {
  const role = BUILT_IN_ROLES["8d289c81-5878-46d4-8554-54e1e3d8b5cb"]!;
  const g: Grant[] = [{ scope: IDS.workspace, role: role.name, actions: role.actions, notActions: role.notActions }];
  it("reads Sentinel's data connectors of the workspace, and queries every table (why the template grants one action instead)", () => {
    const connectors = `${IDS.workspace}/providers/Microsoft.SecurityInsights/dataConnectors`;
    expect(permits(g, "Microsoft.SecurityInsights/dataConnectors/read", connectors)).toBe(true);
    expect(permits(g, "Microsoft.OperationalInsights/workspaces/analytics/query/action", IDS.workspace)).toBe(true);
    expect(permits(g, "Microsoft.SecurityInsights/dataConnectors/write", connectors)).toBe(false);
    expect(permits(g, "Microsoft.Insights/dataCollectionRules/read", IDS.dcr)).toBe(false);
  });
});

describe("permits", () => {
  const g: Grant[] = [
    {
      scope: IDS.workspace,
      role: "Log Analytics Reader",
      actions: ["*/read"],
      notActions: ["Microsoft.OperationalInsights/workspaces/sharedKeys/read"],
    },
  ];
  it("matches wildcards case-insensitively, at the scope and below, minus notActions", () => {
    expect(permits(g, "microsoft.operationalinsights/workspaces/tables/read", IDS.table.toUpperCase())).toBe(true);
    expect(permits(g, "Microsoft.OperationalInsights/workspaces/sharedKeys/read", IDS.workspace)).toBe(false);
    expect(permits(g, "Microsoft.Insights/dataCollectionRules/read", IDS.dcr)).toBe(false);
    expect(permits(g, "Microsoft.OperationalInsights/workspaces/delete", IDS.workspace)).toBe(false);
  });
});

describe("the emulator enforcing the monitor's grants", () => {
  let emu: Emulator;
  let tableScoped: Emulator;
  beforeAll(async () => {
    emu = await startTrusted({ monitorGrants: templateGrants() });
    tableScoped = await startTrusted({ monitorGrants: grantsFromTemplate(TABLE_SCOPED, AT) });
  });
  afterAll(async () => {
    await emu?.stop();
    await tableScoped?.stop();
  });

  it("answers a read outside the grants with ARM's 403 AuthorizationFailed", async () => {
    const token = await bearer(emu, "https://management.azure.com");
    const ok = await getJson(emu, `${IDS.dcr}?api-version=2023-03-11`, token);
    expect(ok.status).toBe(200);
    const r = await getJson(
      emu,
      `${IDS.resourceGroup}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`,
      token,
    );
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("AuthorizationFailed");
    expect(r.body.error.message).toContain(
      `does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope '${IDS.resourceGroup}'`,
    );
  });

  it("lets the template's workspace role read Sentinel's data connectors, and not list the subscription's DCRs", async () => {
    const token = await bearer(emu, "https://management.azure.com");
    const connectors = `${IDS.workspace}/providers/Microsoft.SecurityInsights/dataConnectors?api-version=2023-02-01-preview`;
    const first = await getJson(emu, connectors, token);
    expect(first.status).toBe(200);
    // two a page, with ARM's nextLink to the rest; Keeper's record on the second page
    expect(first.body.value).toHaveLength(2);
    const next = await getJson(
      emu,
      new URL(first.body.nextLink as string).pathname + new URL(first.body.nextLink as string).search,
      token,
    );
    expect(next.status).toBe(200);
    expect(next.body.value.map((c: { kind: string }) => c.kind)).toEqual(["Push"]);
    expect(next.body.nextLink).toBeUndefined();
    const dcrs = await getJson(
      emu,
      `${IDS.subscription}/providers/Microsoft.Insights/dataCollectionRules?api-version=2023-03-11`,
      token,
    );
    expect(dcrs.status).toBe(403);
    expect(dcrs.body.error.message).toContain(
      `'Microsoft.Insights/dataCollectionRules/read' over scope '${IDS.subscription}'`,
    );
    const role = emu.monitorGrants!.find((g) => g.actions.includes("Microsoft.SecurityInsights/dataConnectors/read"))!;
    const i = role.actions.indexOf("Microsoft.SecurityInsights/dataConnectors/read");
    role.actions.splice(i, 1);
    try {
      const r = await getJson(emu, connectors, token);
      expect(r.status).toBe(403);
      expect(r.body.error.message).toContain("'Microsoft.SecurityInsights/dataConnectors/read'");
    } finally {
      role.actions.splice(i, 0, "Microsoft.SecurityInsights/dataConnectors/read");
    }
  });

  it("lets a test take a grant away", async () => {
    const token = await bearer(emu, "https://management.azure.com");
    const grants = emu.monitorGrants!;
    const i = grants.findIndex((g) => g.scope === IDS.dce);
    const [removed] = grants.splice(i, 1);
    try {
      expect((await getJson(emu, `${IDS.dce}?api-version=2023-03-11`, token)).status).toBe(403);
    } finally {
      grants.splice(i, 0, removed!);
    }
    expect((await getJson(emu, `${IDS.dce}?api-version=2023-03-11`, token)).status).toBe(200);
  });

  it("runs a query only on the tables the grants let the monitor read", async () => {
    const token = await bearer(tableScoped, "https://api.loganalytics.io");
    const query = (q: string) =>
      getJson(tableScoped, `/v1/workspaces/${ids.WORKSPACE_CUSTOMER_ID}/query`, token, {
        method: "POST",
        body: JSON.stringify({ query: q, timespan: "P1D" }),
      });
    expect((await query("KeeperSecurityEventNewLogs_CL | take 1")).status).toBe(200);
    const denied = await query("AADServicePrincipalSignInLogs | take 1");
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("InsufficientAccessError");
    const wide = await getJson(
      emu,
      `/v1/workspaces/${ids.WORKSPACE_CUSTOMER_ID}/query`,
      await bearer(emu, "https://api.loganalytics.io"),
      {
        method: "POST",
        body: JSON.stringify({ query: "AADServicePrincipalSignInLogs | take 1", timespan: "P1D" }),
      },
    );
    expect(wide.status).not.toBe(403);
  });
});

describe("the emulator enforcing the grants for several workspaces (keeperWorkspaceResourceIds)", () => {
  const template = JSON.parse(
    readFileSync(new URL("../../infra/azuredeploy.json", import.meta.url), "utf8"),
  ) as unknown;
  const OTHER_SUB = "/subscriptions/33333333-3333-4333-8333-333333333333";
  const OTHER_WS = `${OTHER_SUB}/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/sentinel-emea`;
  const grants = () =>
    grantsFromTemplate(template, {
      parameters: { environmentName: "test", keeperWorkspaceResourceIds: [IDS.workspace, OTHER_WS] },
      subscriptionId: SUBSCRIPTION_ID,
      resourceGroup: "rg-keeper-monitor",
    });
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startTrusted({ monitorGrants: grants() });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("reads the grants per workspace and, once, per resource group", () => {
    const got = grants()
      .filter((g) => !g.scope.toLowerCase().includes("/resourcegroups/rg-keeper-monitor"))
      .map((g) => `${g.role.replace(/ \(.*\)$/, "")} @ ${g.scope}`)
      .sort();
    const per = (ws: string) => [
      `Keeper connector monitor workspace query @ ${ws}`,
      ...["AADServicePrincipalSignInLogs", "DCRLogErrors", "KeeperSecurityEventNewLogs_CL", "Operation"].map(
        (t) => `Reader @ ${ws}/tables/${t}`,
      ),
    ];
    const group = (rg: string) => [
      `Keeper connector monitor connector reader @ ${rg}`,
      `Keeper connector monitor activity log reader @ ${rg}`,
    ];
    expect(got).toEqual(
      [
        ...per(IDS.workspace),
        ...per(OTHER_WS),
        ...group(IDS.resourceGroup),
        ...group(`${OTHER_SUB}/resourceGroups/rg-soc`),
      ].sort(),
    );
  });

  it("answers discovery's reads in the workspace and its resource group, and refuses the subscription's DCR list", async () => {
    const token = await bearer(emu, "https://management.azure.com");
    const connectors = await getJson(
      emu,
      `${IDS.workspace}/providers/Microsoft.SecurityInsights/dataConnectors?api-version=2023-02-01-preview`,
      token,
    );
    expect(connectors.status).toBe(200);
    expect((await getJson(emu, `${IDS.dcr}?api-version=2023-03-11`, token)).status).toBe(200);
    expect((await getJson(emu, `${IDS.dce}?api-version=2023-03-11`, token)).status).toBe(200);
    const list = await getJson(
      emu,
      `${IDS.subscription}/providers/Microsoft.Insights/dataCollectionRules?api-version=2023-03-11`,
      token,
    );
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe("AuthorizationFailed");
    expect(list.body.error.message).toContain(
      `'Microsoft.Insights/dataCollectionRules/read' over scope '${IDS.subscription}'`,
    );
    const elsewhere = `${IDS.subscription}/resourceGroups/rg-other/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR`;
    const other = await getJson(emu, `${elsewhere}?api-version=2023-03-11`, token);
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain(`over scope '${elsewhere}'`);
  });

  it("refuses the DCR and DCE reads without the resource group's connector role", async () => {
    const token = await bearer(emu, "https://management.azure.com");
    const all = emu.monitorGrants!;
    const i = all.findIndex(
      (g) => g.scope === IDS.resourceGroup && g.actions.includes("Microsoft.Insights/dataCollectionRules/read"),
    );
    expect(i).toBeGreaterThanOrEqual(0);
    const [removed] = all.splice(i, 1);
    try {
      for (const [id, action] of [
        [IDS.dcr, "Microsoft.Insights/dataCollectionRules/read"],
        [IDS.dce, "Microsoft.Insights/dataCollectionEndpoints/read"],
      ] as const) {
        const r = await getJson(emu, `${id}?api-version=2023-03-11`, token);
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe("AuthorizationFailed");
        expect(r.body.error.message).toContain(`'${action}' over scope '${id}'`);
      }
    } finally {
      all.splice(i, 0, removed!);
    }
  });
});
