import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  allResources,
  evaluate,
  resourcesOfType,
  roleAssignments,
  textOf,
  type JsonObject,
  type RoleAssignment,
} from "./arm.js";

/** The only roles the monitor's identity may hold (docs: azure-notes.md, "Permissions"). */
const ALLOWED_ROLES: Readonly<Record<string, string>> = {
  "43d0d8ad-25c7-4714-9337-8ba259a9fe05": "Monitoring Reader",
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
};

/** Never granted by this template, not even mentioned in it. */
const FORBIDDEN_ROLES: Readonly<Record<string, string>> = {
  // Every table of the Sentinel workspace: the monitor reads two (table-level access instead).
  "73c42c96-874c-492b-b04d-ab87d138a893": "Log Analytics Reader",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
};

/**
 * The custom roles. Workspace query: documented table-level read access
 * (https://learn.microsoft.com/azure/azure-monitor/logs/manage-table-access) reads the workspace
 * and runs queries, but no table's data; Reader on each table adds that table. It also reads
 * Sentinel's data connectors (the Keeper connector's record the monitor finds its settings in): the
 * one action of Microsoft Sentinel Reader it needs, without that role's query of every table.
 */
const WORKSPACE_QUERY = "custom: workspace query";
const WORKSPACE_QUERY_PERMISSIONS = [
  {
    actions: [
      "Microsoft.OperationalInsights/workspaces/read",
      "Microsoft.OperationalInsights/workspaces/query/read",
      "Microsoft.Authorization/roleAssignments/read",
      "Microsoft.SecurityInsights/dataConnectors/read",
    ],
    notActions: ["Microsoft.OperationalInsights/workspaces/sharedKeys/read"],
  },
];
/**
 * Activity Log read: the one action that lists the Activity Log, which the service checks at a
 * resource group or subscription (who and when of a drift problem); the only grant at a resource group.
 */
const ACTIVITY_LOG = "custom: activity log read";
const ACTIVITY_LOG_PERMISSIONS = [{ actions: ["Microsoft.Insights/eventtypes/values/read"], notActions: [] }];
/**
 * Connector read: with several workspaces, their Keeper DCRs and DCEs are found at start-up, so the
 * reads of them (and of the DCR's metrics and role assignments) are granted on each workspace's
 * resource group, where Sentinel's Keeper solution creates them; nothing else of the group.
 */
const CONNECTOR_READ = "custom: connector read";
const CONNECTOR_READ_PERMISSIONS = [
  {
    actions: [
      "Microsoft.Insights/dataCollectionRules/read",
      "Microsoft.Insights/dataCollectionEndpoints/read",
      "Microsoft.Insights/metrics/read",
      "Microsoft.Authorization/roleAssignments/read",
    ],
    notActions: [],
  },
];
const CUSTOM_ROLES: ReadonlyArray<[name: string, permissions: unknown]> = [
  [WORKSPACE_QUERY, WORKSPACE_QUERY_PERMISSIONS],
  [ACTIVITY_LOG, ACTIVITY_LOG_PERMISSIONS],
  [CONNECTOR_READ, CONNECTOR_READ_PERMISSIONS],
];
const customRoleName = (permissions: unknown): string | undefined =>
  CUSTOM_ROLES.find(([, p]) => JSON.stringify(p) === JSON.stringify(permissions))?.[0];

/** Custom role definitions of the template: the name expression (as text) and the permissions. */
function customRoles(template: JsonObject): { name: string; permissions: unknown }[] {
  return resourcesOfType(template, "Microsoft.Authorization/roleDefinitions").map(({ resource, scope }) => ({
    name: textOf(evaluate(resource.name, scope)),
    permissions: (resource.properties as JsonObject | undefined)?.permissions,
  }));
}

/** The custom role an assignment refers to (by its definition's name), if any. */
function customRoleOf(template: JsonObject, a: RoleAssignment) {
  return customRoles(template).find(
    (c) => a.roleDefinitionId === `resourceId('Microsoft.Authorization/roleDefinitions', ${c.name})`,
  );
}

/** An assignment without a scope applies to the resource group its deployment targets. */
const RESOURCE_GROUP = "the deployment's resource group";

/**
 * Each allowed role and the resource type it may be assigned on: one connector's grants, then the
 * grants made for each listed workspace (keeperWorkspaceResourceIds; test/infra/snapshot.test.ts
 * checks them deployed).
 */
const EXPECTED: ReadonlyArray<{ role: string; scopeType: string }> = [
  { role: "Monitoring Reader", scopeType: "Microsoft.Insights/dataCollectionRules" },
  { role: "Monitoring Reader", scopeType: "Microsoft.Insights/dataCollectionEndpoints" },
  { role: WORKSPACE_QUERY, scopeType: "Microsoft.OperationalInsights/workspaces" },
  { role: ACTIVITY_LOG, scopeType: RESOURCE_GROUP },
  { role: "Reader", scopeType: "Microsoft.OperationalInsights/workspaces/tables" },
  // each listed workspace
  { role: WORKSPACE_QUERY, scopeType: "Microsoft.OperationalInsights/workspaces" },
  { role: "Reader", scopeType: "Microsoft.OperationalInsights/workspaces/tables" },
  { role: CONNECTOR_READ, scopeType: RESOURCE_GROUP },
  { role: ACTIVITY_LOG, scopeType: RESOURCE_GROUP },
  { role: "Monitoring Metrics Publisher", scopeType: "Microsoft.Insights/components" },
  { role: "Key Vault Secrets Officer", scopeType: "Microsoft.KeyVault/vaults" },
  { role: "Storage Blob Data Owner", scopeType: "Microsoft.Storage/storageAccounts" },
  { role: "Storage Queue Data Contributor", scopeType: "Microsoft.Storage/storageAccounts" },
  { role: "Storage Table Data Contributor", scopeType: "Microsoft.Storage/storageAccounts" },
];

function roleName(a: RoleAssignment): string {
  if (a.roleId === undefined) {
    const c = customRoleOf(template, a);
    return c ? (customRoleName(c.permissions) ?? `custom: ${c.name}`) : `<unresolved: ${a.roleDefinitionId}>`;
  }
  return ALLOWED_ROLES[a.roleId] ?? a.roleId;
}

/** Every way the template breaks the role policy, as readable lines (empty: compliant). */
export function rolePolicyViolations(template: JsonObject): string[] {
  const problems: string[] = [];
  const text = JSON.stringify(template).toLowerCase();
  for (const [id, name] of Object.entries(FORBIDDEN_ROLES)) {
    if (text.includes(id)) problems.push(`forbidden role ${name} (${id}) appears in the template`);
    if (text.includes(name.toLowerCase()) && name !== "Owner" && name !== "Contributor")
      problems.push(`forbidden role name "${name}" appears in the template`);
  }
  for (const c of customRoles(template))
    if (customRoleName(c.permissions) === undefined)
      problems.push(`custom role ${c.name}: permissions ${JSON.stringify(c.permissions)} are not the documented ones`);
  for (const a of roleAssignments(template)) {
    if (a.roleId === undefined && customRoleOf(template, a)) continue;
    if (a.roleId === undefined)
      problems.push(`role assignment in ${a.deployment}: cannot resolve ${a.roleDefinitionId}`);
    else if (!(a.roleId in ALLOWED_ROLES))
      problems.push(`role assignment in ${a.deployment}: role ${FORBIDDEN_ROLES[a.roleId] ?? a.roleId} is not allowed`);
  }
  return problems;
}

const template = JSON.parse(
  readFileSync(new URL("../../infra/azuredeploy.json", import.meta.url), "utf8"),
) as JsonObject;

describe("role assignments in infra/azuredeploy.json", () => {
  const assignments = roleAssignments(template);

  it("grants only the allowed roles and never a forbidden one", () => {
    expect(rolePolicyViolations(template)).toEqual([]);
  });

  it("assigns each allowed role on the resource it is meant for, and nothing else", () => {
    const actual = assignments.map((a) => {
      const scopeType =
        a.scope === "null()"
          ? RESOURCE_GROUP
          : EXPECTED.map((e) => e.scopeType).find((t) => a.scope.toLowerCase().includes(`'${t.toLowerCase()}'`));
      return { role: roleName(a), scopeType: scopeType ?? `<unknown scope: ${a.scope}>` };
    });
    const order = (x: { role: string; scopeType: string }) => `${x.role}|${x.scopeType}`;
    expect([...actual].sort((x, y) => order(x).localeCompare(order(y)))).toEqual(
      [...EXPECTED].sort((x, y) => order(x).localeCompare(order(y))),
    );
  });

  it("assigns every role to the user-assigned identity's principal, as a service principal", () => {
    // The identity is created in one nested deployment; every principalId must be its output.
    const identities = allResources(template).filter(
      (r) =>
        typeof r.resource.type === "string" &&
        r.resource.type.toLowerCase() === "microsoft.managedidentity/userassignedidentities",
    );
    expect(identities).toHaveLength(1);
    const identityDeployment = identities[0]?.scope.path.at(-1);
    expect(identityDeployment).toBeDefined();
    // languageVersion 2.0 templates (nullable parameters) refer to the module by its symbolic name.
    const fromIdentity = new RegExp(
      `^reference\\((resourceId\\('Microsoft\\.Resources/deployments', '${identityDeployment ?? ""}'\\), '[^']+'|'${identityDeployment ?? ""}')\\)\\.outputs\\.principalId\\.value$`,
    );
    expect(assignments.length).toBeGreaterThan(0);
    for (const a of assignments) {
      expect(a.principalId, `${roleName(a)} in ${a.deployment}`).toMatch(fromIdentity);
      expect(a.principalType, `${roleName(a)} in ${a.deployment}`).toBe("ServicePrincipal");
    }
  });

  it("scopes each assignment to a resource, never to a subscription; only the Activity Log and connector reads to a resource group", () => {
    for (const a of assignments)
      if (roleName(a) === ACTIVITY_LOG || roleName(a) === CONNECTOR_READ)
        expect(a.scope, `${roleName(a)} in ${a.deployment}`).toBe("null()");
      else expect(a.scope, `${roleName(a)} in ${a.deployment}`).toMatch(/^resourceId\('Microsoft\./);
  });
});

describe("the role extractor", () => {
  const contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";
  const small = (roleExpr: string, variables: JsonObject, moduleParams: JsonObject = {}): JsonObject => ({
    resources: [
      {
        type: "Microsoft.Resources/deployments",
        name: "inner",
        properties: {
          expressionEvaluationOptions: { scope: "inner" },
          parameters: moduleParams,
          template: {
            parameters: { roleId: { type: "string" } },
            variables,
            resources: [
              {
                type: "Microsoft.Authorization/roleAssignments",
                name: "[guid('x')]",
                properties: { roleDefinitionId: roleExpr, principalId: "[parameters('p')]" },
              },
            ],
          },
        },
      },
    ],
  });

  it.each([
    [
      "a variable",
      small("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('r'))]", { r: contributor }),
    ],
    [
      "a module parameter",
      small(
        "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleId'))]",
        {},
        {
          roleId: { value: contributor },
        },
      ),
    ],
    ["a literal", small(`[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${contributor}')]`, {})],
    [
      "a plain resource id",
      small(`/subscriptions/0/providers/Microsoft.Authorization/roleDefinitions/${contributor}`, {}),
    ],
  ])("finds a forbidden role given as %s", (_how, t) => {
    expect(roleAssignments(t).map((a) => a.roleId)).toEqual([contributor]);
    expect(rolePolicyViolations(t).join("\n")).toMatch(/Contributor/);
  });

  it("reports a role it cannot resolve", () => {
    const t = small("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', reference('x').role)]", {});
    expect(rolePolicyViolations(t).join("\n")).toMatch(/cannot resolve/);
  });

  it("accepts an allowed role", () => {
    const t = small("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('r'))]", {
      r: "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
    });
    expect(rolePolicyViolations(t)).toEqual([]);
  });
});
