import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILT_IN_ROLES, permits, type Grant } from "../../emulator/rbac.js";
import { DISCOVERABLE_SETTINGS } from "../../src/config/discovered.js";
import { workspaceList } from "../../src/config/workspaces.js";

/**
 * What infra/main.bicep deploys with given parameters: `bicep snapshot` of
 * test/infra/snapshots/{single,list}.bicepparam (infra/scripts/check-bicep.sh keeps the committed
 * .snapshot.json files equal to the template: ARM's own evaluation, loops and conditions applied,
 * with the made-up subscription 4444… and resource group rg-keeper-monitor of the monitor).
 */
interface Resource {
  id: string;
  type: string;
  name: string;
  properties?: Record<string, unknown>;
}
const snapshot = (name: string): Resource[] =>
  (
    JSON.parse(readFileSync(new URL(`snapshots/${name}.snapshot.json`, import.meta.url), "utf8")) as {
      predictedResources: Resource[];
    }
  ).predictedResources;

const MONITOR_RG = "/subscriptions/44444444-4444-4444-8444-444444444444/resourceGroups/rg-keeper-monitor";
const SUB_A = "/subscriptions/22222222-2222-4222-8222-222222222222";
const SUB_B = "/subscriptions/33333333-3333-4333-8333-333333333333";
const PROD = `${SUB_A}/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel-prod`;
const EMEA = `${SUB_B}/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/sentinel-emea`;
const APAC = `${SUB_B}/resourceGroups/RG-SOC/providers/Microsoft.OperationalInsights/workspaces/sentinel-apac`;
const TABLES = ["AADServicePrincipalSignInLogs", "DCRLogErrors", "KeeperSecurityEventNewLogs_CL", "Operation"];
const DCR_NAME = "KeeperSecurityEventLogs_DCR";

const WORKSPACE_QUERY = {
  actions: [
    "Microsoft.OperationalInsights/workspaces/read",
    "Microsoft.OperationalInsights/workspaces/query/read",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.SecurityInsights/dataConnectors/read",
  ],
  notActions: ["Microsoft.OperationalInsights/workspaces/sharedKeys/read"],
};
const CONNECTOR_READ = {
  actions: [
    "Microsoft.Insights/dataCollectionRules/read",
    "Microsoft.Insights/dataCollectionEndpoints/read",
    "Microsoft.Insights/metrics/read",
    "Microsoft.Authorization/roleAssignments/read",
  ],
  notActions: [],
};
const ACTIVITY_LOG = { actions: ["Microsoft.Insights/eventtypes/values/read"], notActions: [] };

function appSettings(resources: Resource[]): Record<string, string> {
  const sites = resources.filter((r) => r.type === "Microsoft.Web/sites");
  expect(sites).toHaveLength(1);
  const list = (sites[0]!.properties!.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings;
  return Object.fromEntries(list.map((s) => [s.name, s.value]));
}

interface Assignment extends Grant {
  /** The role definition's GUID (built-in) or the custom role's permissions. */
  roleId: string;
  principalId: string;
  principalType: string;
}

/** The scope of a role assignment, from the id the snapshot predicts for it. */
function scopeOf(id: string): string {
  const ext = /^\[extensionResourceId\('([^']+)', 'Microsoft\.Authorization\/roleAssignments'/.exec(id);
  if (ext) return ext[1]!;
  const rg = /^\[resourceId\('([^']+)', '([^']+)', 'Microsoft\.Authorization\/roleAssignments'/.exec(id);
  if (rg) return `/subscriptions/${rg[1]}/resourceGroups/${rg[2]}`;
  throw new Error(`role assignment id not understood: ${id}`);
}

function assignments(resources: Resource[]): Assignment[] {
  const custom = new Map(
    resources
      .filter((r) => r.type === "Microsoft.Authorization/roleDefinitions")
      .map((r) => [r.name.toLowerCase(), r.properties as { roleName: string; permissions: (typeof ACTIVITY_LOG)[] }]),
  );
  return resources
    .filter((r) => r.type === "Microsoft.Authorization/roleAssignments")
    .map((r) => {
      const p = r.properties as { roleDefinitionId: string; principalId: string; principalType: string };
      const roleId = p.roleDefinitionId.split("/").pop()!.toLowerCase();
      const builtIn = BUILT_IN_ROLES[roleId];
      const def = custom.get(roleId);
      if (!builtIn && !def) throw new Error(`role ${roleId} is neither built in nor defined in the template`);
      const perms = def?.permissions ?? [];
      return {
        scope: scopeOf(r.id),
        role: builtIn?.name ?? def!.roleName,
        actions: builtIn?.actions ?? perms.flatMap((x) => x.actions),
        notActions: builtIn?.notActions ?? perms.flatMap((x) => x.notActions),
        roleId,
        principalId: p.principalId,
        principalType: p.principalType,
      };
    });
}

/** Grants outside the monitor's own resource group, as "<role kind> @ <scope>" (custom roles by their permissions). */
function onConnectors(resources: Resource[]): string[] {
  const kind = (a: Assignment) => {
    const perms = JSON.stringify({ actions: a.actions, notActions: a.notActions });
    if (perms === JSON.stringify(WORKSPACE_QUERY)) return "workspace query";
    if (perms === JSON.stringify(CONNECTOR_READ)) return "connector read";
    if (perms === JSON.stringify(ACTIVITY_LOG)) return "activity log read";
    return a.role;
  };
  return assignments(resources)
    .filter((a) => !a.scope.toLowerCase().startsWith(`${MONITOR_RG.toLowerCase()}/`))
    .map((a) => `${kind(a)} @ ${a.scope}`)
    .sort();
}

const onWorkspace = (ws: string) => [`workspace query @ ${ws}`, ...TABLES.map((t) => `Reader @ ${ws}/tables/${t}`)];

describe("one connector (test/infra/snapshots/single.bicepparam)", () => {
  const resources = snapshot("single");
  const DCR = `${SUB_A}/resourceGroups/rg-sentinel/providers/Microsoft.Insights/dataCollectionRules/${DCR_NAME}`;
  const DCE = `${SUB_A}/resourceGroups/rg-dce/providers/Microsoft.Insights/dataCollectionEndpoints/dce-keeper`;

  it("sets the connector's settings as given, the tenant defaulting to the deployment's", () => {
    const s = appSettings(resources);
    expect(Object.fromEntries(DISCOVERABLE_SETTINGS.map((n) => [n, s[n]]))).toEqual({
      KEEPER_TENANT_ID: "55555555-5555-4555-8555-555555555555",
      KEEPER_APP_ID: "11111111-1111-4111-8111-111111111111",
      KEEPER_DCR_RESOURCE_ID: DCR,
      KEEPER_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
      KEEPER_DCE_URI: "https://dce-keeper-a1b2.westeurope-1.ingest.monitor.azure.com",
      KEEPER_STREAM_NAME: "Custom-KeeperSecurityEventNewLogs",
      KEEPER_TABLE_NAME: "KeeperSecurityEventNewLogs_CL",
    });
    expect(s.KEEPER_WORKSPACE_RESOURCE_ID).toBe(PROD);
  });

  it("grants read on exactly the DCR, the DCE, the workspace and its four tables, and the DCR group's Activity Log", () => {
    expect(onConnectors(resources)).toEqual(
      [
        `Monitoring Reader @ ${DCR}`,
        `Monitoring Reader @ ${DCE}`,
        `activity log read @ ${SUB_A}/resourceGroups/rg-sentinel`,
        ...onWorkspace(PROD),
      ].sort(),
    );
  });
});

describe("several workspaces (test/infra/snapshots/list.bicepparam)", () => {
  const resources = snapshot("list");
  const settings = appSettings(resources);
  const all = assignments(resources);
  const grants: Grant[] = all;

  it("sets KEEPER_WORKSPACE_RESOURCE_ID to the list, and no setting that names one connector", () => {
    expect(settings.KEEPER_WORKSPACE_RESOURCE_ID).toBe([PROD, EMEA, APAC].join(","));
    expect(DISCOVERABLE_SETTINGS.filter((n) => n in settings)).toEqual([]);
  });

  it("gives settings the app accepts for several workspaces", () => {
    expect(workspaceList(settings)).toEqual({ ids: [PROD, EMEA, APAC], problems: [] });
    // the check the app settings must pass: any connector setting among them is refused
    expect(workspaceList({ ...settings, KEEPER_APP_ID: "x" }).problems.map((p) => p.setting)).toEqual([
      "KEEPER_APP_ID",
    ]);
  });

  it("grants, per workspace, the workspace query role and Reader on its four tables; per resource group, the connector and Activity Log reads once", () => {
    expect(onConnectors(resources)).toEqual(
      [
        ...onWorkspace(PROD),
        ...onWorkspace(EMEA),
        ...onWorkspace(APAC),
        `connector read @ ${SUB_A}/resourceGroups/rg-sentinel`,
        `activity log read @ ${SUB_A}/resourceGroups/rg-sentinel`,
        // sentinel-apac's RG-SOC is rg-soc: one grant for both workspaces
        `connector read @ ${SUB_B}/resourceGroups/rg-soc`,
        `activity log read @ ${SUB_B}/resourceGroups/rg-soc`,
      ].sort(),
    );
  });

  it("assigns every role to the monitor's identity, as a service principal", () => {
    for (const a of all) {
      expect(a.principalId, `${a.role} @ ${a.scope}`).toMatch(
        /^\[reference\('\/subscriptions\/44444444-4444-4444-8444-444444444444\/resourceGroups\/rg-keeper-monitor\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/id-kcm-[a-z0-9]+', '[^']+'\)\.principalId\]$/,
      );
      expect(a.principalType).toBe("ServicePrincipal");
    }
  });

  it("defines each custom role once per scope, with a deterministic GUID and a name unique in the tenant", () => {
    const defs = resources.filter((r) => r.type === "Microsoft.Authorization/roleDefinitions");
    expect(defs).toHaveLength(3 + 2 + 2);
    const names = defs.map((d) => d.name.toLowerCase());
    expect(new Set(names).size).toBe(defs.length);
    for (const n of names) expect(n).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const roleNames = defs.map((d) => (d.properties as { roleName: string }).roleName);
    expect(new Set(roleNames).size).toBe(defs.length);
    for (const d of defs) {
      const p = d.properties as { assignableScopes: string[] };
      expect(p.assignableScopes).toHaveLength(1);
    }
  });

  it.each([
    ["sentinel-prod", PROD],
    ["sentinel-emea", EMEA],
    ["sentinel-apac", APAC],
  ])("lets discovery and the checks read what they read in %s, and nothing else", (_name, ws) => {
    const rg = ws.slice(0, ws.indexOf("/providers/"));
    const sub = rg.slice(0, rg.indexOf("/resourceGroups/"));
    const dcr = `${rg}/providers/Microsoft.Insights/dataCollectionRules/${DCR_NAME}`;
    const allowed: [string, string][] = [
      ["Microsoft.OperationalInsights/workspaces/read", ws],
      ["Microsoft.SecurityInsights/dataConnectors/read", `${ws}/providers/Microsoft.SecurityInsights/dataConnectors`],
      ["Microsoft.Authorization/roleAssignments/read", ws],
      ["Microsoft.OperationalInsights/workspaces/query/read", ws],
      ...TABLES.map((t): [string, string] => [
        `Microsoft.OperationalInsights/workspaces/query/${t}/read`,
        `${ws}/tables/${t}`,
      ]),
      ["Microsoft.Insights/dataCollectionRules/read", dcr],
      ["Microsoft.Insights/metrics/read", dcr],
      ["Microsoft.Authorization/roleAssignments/read", dcr],
      [
        "Microsoft.Insights/dataCollectionEndpoints/read",
        `${rg}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-keeper`,
      ],
      ["Microsoft.Insights/eventtypes/values/read", rg],
    ];
    const refused: [string, string][] = [
      // listing the subscription's DCRs: discovery falls back to the solution's DCR in the group
      ["Microsoft.Insights/dataCollectionRules/read", sub],
      [
        "Microsoft.Insights/dataCollectionRules/read",
        `${sub}/resourceGroups/rg-other/providers/Microsoft.Insights/dataCollectionRules/${DCR_NAME}`,
      ],
      ["Microsoft.Insights/dataCollectionRules/write", dcr],
      ["Microsoft.Insights/eventtypes/values/read", sub],
      ["Microsoft.OperationalInsights/workspaces/sharedKeys/read", ws],
      ["Microsoft.OperationalInsights/workspaces/query/SecurityEvent/read", `${ws}/tables/SecurityEvent`],
      [
        "Microsoft.SecurityInsights/dataConnectors/write",
        `${ws}/providers/Microsoft.SecurityInsights/dataConnectors/x`,
      ],
      ["Microsoft.KeyVault/vaults/read", `${rg}/providers/Microsoft.KeyVault/vaults/kv`],
      ["Microsoft.Storage/storageAccounts/read", `${rg}/providers/Microsoft.Storage/storageAccounts/st`],
    ];
    expect(allowed.filter(([action, scope]) => !permits(grants, action, scope))).toEqual([]);
    expect(refused.filter(([action, scope]) => permits(grants, action, scope))).toEqual([]);
  });
});
