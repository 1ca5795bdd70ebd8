import {
  DCR_IMMUTABLE_ID_RECREATED,
  IDS,
  KEEPER_APP_ID,
  KEY_VAULT_SECRET_NAME,
  OTHER_WORKSPACE_CUSTOMER_ID,
  ROLE,
  TABLE_NAME,
} from "./constants.js";
import { CLIENT_APP, recordActivity, type EmulatorState, type Identity } from "./state.js";
import { INGESTION_SCENARIOS } from "./ingestionScenarios.js";

export interface ScenarioContext {
  now: number;
  identity: Identity;
}
export interface ScenarioDefinition {
  name: string;
  description: string;
  /** Check ids the monitor should report as a problem (or unknown). */
  breaks: string[];
  /**
   * `npm start` only: the phase the demo brings the secret rotation to before the check, by running
   * the real secretRotation steps against the emulator and Azurite (the rotation state lives in
   * Table storage, not in the emulator).
   */
  rotation?: RotationPhase;
  apply(state: EmulatorState, ctx: ScenarioContext): void;
}

/** due: the secret is inside SECRET_ROTATE_BEFORE_DAYS, no run yet; handed-off: one run added, stored, proved and handed off the new secret; cut-over: an administrator confirmed and the next run retired the old one. */
export type RotationPhase = "due" | "handed-off" | "cut-over";

const DAY = 86_400_000;
const res = (s: EmulatorState, id: string) => {
  const r = s.resources[id];
  if (!r) throw new Error(`scenario: resource ${id} missing from the healthy state`);
  return r;
};
const keeperApp = (s: EmulatorState) => {
  const a = s.apps.find((x) => x.appId === KEEPER_APP_ID);
  if (!a) throw new Error("scenario: Keeper app missing");
  return a;
};
const dropAssignments = (s: EmulatorState, pred: (a: EmulatorState["roleAssignments"][number]) => boolean) => {
  const gone = s.roleAssignments.filter(pred);
  s.roleAssignments = s.roleAssignments.filter((a) => !pred(a));
  return gone;
};
const MIN = 60_000;
/** Who broke it, in the Activity Log: alice in the portal unless a scenario says otherwise. */
const ALICE = { caller: "alice@contoso.com", appId: CLIENT_APP.portal };
const BOB = { caller: "bob@contoso.com", appId: CLIENT_APP.cli };
const did = (
  s: EmulatorState,
  c: ScenarioContext,
  operation: string,
  resourceId: string,
  who: { caller: string; appId: string } = ALICE,
  minutesAgo = 47,
) => recordActivity(s.activityLog, { operation, resourceId, ...who, at: c.now - minutesAgo * MIN });
const removedAssignments = (s: EmulatorState, c: ScenarioContext, gone: EmulatorState["roleAssignments"]) => {
  for (const a of gone)
    did(
      s,
      c,
      "Microsoft.Authorization/roleAssignments/delete",
      `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    );
};
const DCR_WRITE = "Microsoft.Insights/dataCollectionRules/write";
const TABLE_WRITE = "Microsoft.OperationalInsights/workspaces/tables/write";
const isKeeperMmp = (s: EmulatorState) => (a: EmulatorState["roleAssignments"][number]) =>
  a.principalId === keeperApp(s).servicePrincipal?.id && a.roleDefinitionGuid === ROLE.monitoringMetricsPublisher;
const newestEnds = (s: EmulatorState, endMs: number) => {
  const creds = keeperApp(s).passwordCredentials;
  const newest = creds.reduce((a, b) => (Date.parse(a.endDateTime) >= Date.parse(b.endDateTime) ? a : b));
  newest.endDateTime = new Date(endMs).toISOString();
  const v = s.vault.secrets[KEY_VAULT_SECRET_NAME]?.versions.at(-1);
  if (v) v.exp = Math.floor(endMs / 1000);
};

export const SCENARIOS: ReadonlyArray<ScenarioDefinition> = [
  { name: "healthy", description: "A healthy Keeper connector deployment.", breaks: [], apply: () => {} },
  {
    name: "no-signin-logs",
    description:
      "A healthy deployment whose workspace does not collect AADServicePrincipalSignInLogs (no Entra ID P1/P2 or no diagnostic setting): optional, so still healthy.",
    breaks: [],
    apply: (s) => {
      delete s.tables["AADServicePrincipalSignInLogs"];
    },
  },
  {
    name: "workspace-deleted",
    description: "The Sentinel workspace was deleted (its tables with it).",
    breaks: ["workspace.exists"],
    apply: (s, c) => {
      did(s, c, "Microsoft.OperationalInsights/workspaces/delete", IDS.workspace, BOB);
      delete s.resources[IDS.workspace];
      delete s.resources[IDS.table];
      s.tables = {};
    },
  },
  {
    name: "table-deleted",
    description: "The custom table KeeperSecurityEventNewLogs_CL was deleted.",
    breaks: ["table.exists"],
    apply: (s, c) => {
      did(s, c, "Microsoft.OperationalInsights/workspaces/tables/delete", IDS.table);
      delete s.resources[IDS.table];
      delete s.tables[TABLE_NAME];
    },
  },
  {
    name: "table-column-removed",
    description: "The table lost its Username column.",
    breaks: ["table.schema"],
    apply: (s, c) => {
      did(s, c, TABLE_WRITE, IDS.table, BOB);
      const schema = res(s, IDS.table).properties["schema"];
      schema.columns = schema.columns.filter((c: { name: string }) => c.name !== "Username");
      const store = s.tables[TABLE_NAME]!;
      store.columns = store.columns.filter((c) => c.name !== "Username");
    },
  },
  {
    name: "table-column-retyped",
    description: "The table's EnterpriseId column became a string.",
    breaks: ["table.schema"],
    apply: (s) => {
      const schema = res(s, IDS.table).properties["schema"];
      for (const c of schema.columns) if (c.name === "EnterpriseId") c.type = "string";
      const store = s.tables[TABLE_NAME]!;
      for (const c of store.columns) if (c.name === "EnterpriseId") c.type = "string";
      for (const r of store.rows)
        if (typeof r["EnterpriseId"] === "number") r["EnterpriseId"] = String(r["EnterpriseId"]);
    },
  },
  {
    name: "table-basic-plan",
    description: "The table was switched to the Basic plan (no analytics rules, limited queries).",
    breaks: ["table.schema"],
    apply: (s) => {
      res(s, IDS.table).properties["plan"] = "Basic";
    },
  },
  {
    name: "dce-deleted",
    description: "The data collection endpoint was deleted; Keeper's endpoint no longer resolves.",
    breaks: ["dce.exists"],
    apply: (s, c) => {
      did(s, c, "Microsoft.Insights/dataCollectionEndpoints/delete", IDS.dce);
      delete s.resources[IDS.dce];
    },
  },
  {
    name: "dce-endpoint-changed",
    description: "The DCE was re-created: it has a new logs ingestion host; Keeper still posts to the old one.",
    breaks: ["dce.endpoint"],
    apply: (s, c) => {
      did(s, c, "Microsoft.Insights/dataCollectionEndpoints/delete", IDS.dce, BOB, 50);
      did(s, c, "Microsoft.Insights/dataCollectionEndpoints/write", IDS.dce, BOB, 49);
      const p = res(s, IDS.dce).properties;
      p["immutableId"] = "dce-4f2a9c7e1b8d4e6fa3c5b7d9e1f3a5c7";
      p["logsIngestion"] = { endpoint: "https://law-sentinel-k3x9.westeurope-1.ingest.monitor.azure.com" };
      p["configurationAccess"] = {
        endpoint: "https://law-sentinel-k3x9.westeurope-1.handler.control.monitor.azure.com",
      };
    },
  },
  {
    name: "dcr-deleted",
    description: "The DCR was deleted (and its role assignments with it).",
    breaks: ["dcr.exists", "role.assignment"],
    apply: (s, c) => {
      did(s, c, "Microsoft.Insights/dataCollectionRules/delete", IDS.dcr);
      delete s.resources[IDS.dcr];
      dropAssignments(s, (a) => a.scope.toLowerCase() === IDS.dcr.toLowerCase());
    },
  },
  {
    name: "dcr-recreated",
    description: "The DCR was re-created under the same name: new immutable id, Keeper still uses the old one.",
    breaks: ["dcr.immutableId"],
    apply: (s, c) => {
      did(s, c, "Microsoft.Insights/dataCollectionRules/delete", IDS.dcr, BOB, 50);
      did(s, c, DCR_WRITE, IDS.dcr, BOB, 49);
      res(s, IDS.dcr).properties["immutableId"] = DCR_IMMUTABLE_ID_RECREATED;
    },
  },
  {
    name: "dcr-stream-column-removed",
    description: "The DCR's input stream lost remote_address.",
    breaks: ["dcr.stream"],
    apply: (s, c) => {
      did(s, c, DCR_WRITE, IDS.dcr);
      const decl = Object.values(
        res(s, IDS.dcr).properties["streamDeclarations"] as Record<string, { columns: Array<{ name: string }> }>,
      )[0]!;
      decl.columns = decl.columns.filter((c) => c.name !== "remote_address");
    },
  },
  {
    name: "dcr-transform-changed",
    description: "The transform renames username to UserName, a column the table lacks.",
    breaks: ["dcr.dataFlow"],
    apply: (s, c) => {
      did(s, c, DCR_WRITE, IDS.dcr);
      const f = res(s, IDS.dcr).properties["dataFlows"][0];
      f.transformKql = String(f.transformKql).replace("Username = username", "UserName = username");
    },
  },
  {
    name: "tampered-transform",
    description:
      "Someone appended a filter to the DCR's transform: one user's events no longer reach the table (every check still fits).",
    breaks: ["dcr.dataFlow"],
    apply: (s, c) => {
      // by a service principal (its object id) through its own app, an hour and a half ago
      did(
        s,
        c,
        DCR_WRITE,
        IDS.dcr,
        { caller: "3f0e9d8c-7b6a-4c5d-9e8f-0a1b2c3d4e5f", appId: "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d" },
        93,
      );
      const f = res(s, IDS.dcr).properties["dataFlows"][0];
      f.transformKql = `${String(f.transformKql)} | where Username != "admin@example.com"`;
    },
  },
  {
    name: "dcr-destination-changed",
    description: "The DCR's Log Analytics destination points at another workspace.",
    breaks: ["dcr.dataFlow"],
    apply: (s) => {
      const d = res(s, IDS.dcr).properties["destinations"].logAnalytics[0];
      d.workspaceResourceId = IDS.otherWorkspace;
      d.workspaceId = OTHER_WORKSPACE_CUSTOMER_ID;
    },
  },
  {
    name: "dcr-output-stream-changed",
    description: "The data flow writes to another table (the old connector's KeeperSecurityEventLogs_CL).",
    breaks: ["dcr.dataFlow"],
    apply: (s) => {
      res(s, IDS.dcr).properties["dataFlows"][0].outputStream = "Custom-KeeperSecurityEventLogs_CL";
    },
  },
  {
    name: "role-removed",
    description: "Keeper's Monitoring Metrics Publisher assignment on the DCR was removed.",
    breaks: ["role.assignment"],
    apply: (s, c) => removedAssignments(s, c, dropAssignments(s, isKeeperMmp(s))),
  },
  {
    name: "role-wrong",
    description: "Keeper's service principal only has Log Analytics Contributor on the workspace.",
    breaks: ["role.assignment"],
    apply: (s, c) => {
      removedAssignments(s, c, dropAssignments(s, isKeeperMmp(s)));
      s.roleAssignments.push({
        name: "7d8e9f0a-1b2c-4d3e-8f5a-6b7c8d9e0f1a",
        roleDefinitionGuid: ROLE.logAnalyticsContributor,
        principalId: keeperApp(s).servicePrincipal!.id,
        principalType: "ServicePrincipal",
        scope: IDS.workspace,
      });
    },
  },
  {
    name: "role-inherited",
    description: "Healthy variant: Monitoring Metrics Publisher is assigned at the resource group.",
    breaks: [],
    apply: (s) => {
      dropAssignments(s, isKeeperMmp(s));
      s.roleAssignments.push({
        name: "8e9f0a1b-2c3d-4e4f-9a6b-7c8d9e0f1a2b",
        roleDefinitionGuid: ROLE.monitoringMetricsPublisher,
        principalId: keeperApp(s).servicePrincipal!.id,
        principalType: "ServicePrincipal",
        scope: IDS.resourceGroup,
      });
    },
  },
  {
    name: "app-deleted",
    description: "The Keeper app registration (and its service principal) was deleted.",
    breaks: ["app.exists", "app.servicePrincipal", "secret.expiry"],
    apply: (s) => {
      s.apps = s.apps.filter((a) => a.appId !== KEEPER_APP_ID);
    },
  },
  {
    name: "sp-disabled",
    description: "The Keeper app's service principal is disabled (sign-ins fail with AADSTS7000112).",
    breaks: ["app.servicePrincipal"],
    apply: (s) => {
      keeperApp(s).servicePrincipal!.accountEnabled = false;
    },
  },
  {
    name: "secret-expiring-soon",
    description: "The newest Keeper client secret ends in 10 days.",
    breaks: ["secret.expiry"],
    apply: (s, c) => newestEnds(s, c.now + 10 * DAY),
  },
  {
    name: "secret-critical",
    description: "The newest Keeper client secret ends in 3 days.",
    breaks: ["secret.expiry"],
    apply: (s, c) => newestEnds(s, c.now + 3 * DAY),
  },
  {
    name: "secret-expired",
    description: "Every Keeper client secret has expired (sign-ins fail with AADSTS7000222).",
    breaks: ["secret.expiry"],
    apply: (s, c) => {
      for (const cred of keeperApp(s).passwordCredentials) cred.endDateTime = new Date(c.now - 2 * DAY).toISOString();
      const v = s.vault.secrets[KEY_VAULT_SECRET_NAME]?.versions.at(-1);
      if (v) v.exp = Math.floor((c.now - 2 * DAY) / 1000);
    },
  },
  {
    name: "rotation-due",
    description:
      "The secret Keeper uses ends in 20 days, inside SECRET_ROTATE_BEFORE_DAYS (30): the next secretRotation run starts a rotation.",
    breaks: [],
    rotation: "due",
    apply: (s, c) => newestEnds(s, c.now + 20 * DAY),
  },
  {
    name: "rotation-handed-off",
    description:
      "A rotation added a new secret, stored it in Key Vault, proved it and sent the hand-off notice: waiting for the Keeper administrators to paste it.",
    breaks: [],
    rotation: "handed-off",
    apply: (s, c) => newestEnds(s, c.now + 20 * DAY),
  },
  {
    name: "rotation-cut-over",
    description:
      "A rotation was handed off, an administrator confirmed Keeper uses the new secret (POST /api/rotation/confirm), and the next run retired the old one.",
    breaks: [],
    rotation: "cut-over",
    apply: (s, c) => newestEnds(s, c.now + 20 * DAY),
  },
  {
    name: "vault-stale",
    description: "The vault's current version names a keyId that is not on the app (an old, removed secret).",
    breaks: ["secret.vault"],
    apply: (s, c) => {
      const v = s.vault.secrets[KEY_VAULT_SECRET_NAME]!.versions.at(-1)!;
      v.tags = { ...v.tags, keyId: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", rotationId: "r-2024-11" };
      // who removed that secret from the app, in the Entra audit log
      s.directoryAudits.push({
        activityDisplayName: "Update application – Certificates and secrets management ",
        category: "ApplicationManagement",
        targetId: keeperApp(s).id,
        targetType: "Application",
        upn: "alice@contoso.com",
        result: "success",
        at: c.now - 3 * 60 * MIN,
      });
      v.value = c.identity.keeperOldSecret;
    },
  },
  {
    name: "vault-missing",
    description: "The vault holds no Keeper secret.",
    breaks: ["secret.vault"],
    apply: (s) => {
      delete s.vault.secrets[KEY_VAULT_SECRET_NAME];
    },
  },
  {
    name: "vault-version-disabled",
    description: "The vault's current version of the Keeper secret is disabled (a GET answers 403 SecretDisabled).",
    breaks: ["secret.vault"],
    apply: (s) => {
      s.vault.secrets[KEY_VAULT_SECRET_NAME]!.versions.at(-1)!.enabled = false;
    },
  },
  {
    name: "keeper-silent",
    // 13 hours: beyond the default 12-hour silence ceiling, so the scenario is silent at any hour of
    // the week (a 3-hour gap can be a normal night, and the scenario must not depend on the clock).
    description: "Keeper stopped pushing: no events in the last 13 hours.",
    breaks: ["ingestion.freshness"],
    apply: (s, c) => {
      const store = s.tables[TABLE_NAME]!;
      store.rows = store.rows.filter((r) => (r["TimeGenerated"] as number) < c.now - 13 * 3_600_000);
      const si = s.tables["AADServicePrincipalSignInLogs"];
      if (si) si.rows = si.rows.filter((r) => (r["TimeGenerated"] as number) < c.now - 13 * 3_600_000);
    },
  },
  {
    name: "monitor-forbidden",
    description: "The monitor lost read access on the DCR (403): DCR checks are unknown, never 'missing'.",
    breaks: ["dcr.exists", "dcr.immutableId", "dcr.stream", "dcr.dataFlow", "role.assignment"],
    apply: (s) => {
      s.monitorDenied.add(IDS.dcr);
    },
  },
  ...INGESTION_SCENARIOS,
];

export function findScenario(name: string): ScenarioDefinition {
  const sc = SCENARIOS.find((x) => x.name === name);
  if (!sc) throw new Error(`Unknown scenario '${name}'. Known: ${SCENARIOS.map((x) => x.name).join(", ")}`);
  return sc;
}
