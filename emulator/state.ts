import {
  AUDIENCE,
  CUSTOMER_KEEPER_APP_ID,
  CUSTOMER_KEEPER_APP_OBJECT_ID,
  CUSTOMER_KEEPER_SECRET_KEY_ID,
  CUSTOMER_KEEPER_SP_ID,
  CUSTOMER_TENANT_ID,
  DCE_IMMUTABLE_ID,
  DCE_NAME,
  DCR_IMMUTABLE_ID,
  DCR_NAME,
  IDS,
  KEEPER_APP_DISPLAY_NAME,
  KEEPER_APP_ID,
  KEEPER_APP_OBJECT_ID,
  KEEPER_SECRET_KEY_ID,
  KEEPER_SP_ID,
  KEY_VAULT_SECRET_NAME,
  LOCATION,
  MAIL_SENDER,
  MONITOR_APP_DISPLAY_NAME,
  MONITOR_APP_ID,
  MONITOR_APP_OBJECT_ID,
  MONITOR_GRAPH_APP_ID,
  MONITOR_GRAPH_APP_OBJECT_ID,
  MONITOR_GRAPH_CUSTOMER_SP_ID,
  MONITOR_GRAPH_SP_ID,
  MONITOR_SECRET_KEY_ID,
  MONITOR_SP_ID,
  OTHER_WORKSPACE_CUSTOMER_ID,
  OTHER_WORKSPACE_NAME,
  OUTPUT_STREAM,
  RESOURCE_GROUP,
  ROLE,
  STREAM_NAME,
  SUBSCRIPTION_ID,
  TABLE_NAME,
  TENANT_ID,
  TOKEN_EXCHANGE_AUDIENCE,
  WORKSPACE_CUSTOMER_ID,
  WORKSPACE_NAME,
  rgId,
} from "./constants.js";
import { generateKeeperTraffic, KEEPER_TABLE_COLUMNS } from "./traffic.js";
import { diagnosticTables } from "./ingestionScenarios.js";
import { createHash } from "node:crypto";

export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  hint: string;
  /** The secret value. The emulator knows it; Graph never returns it (except once, from addPassword). */
  secretText: string;
  /** When the credential was created (for the propagation delay); ISO. */
  createdDateTime: string;
}

export interface ServicePrincipal {
  id: string;
  displayName: string;
  accountEnabled: boolean;
}

/**
 * A federated identity credential of an app registration (Graph federatedIdentityCredential):
 * Entra exchanges a token whose `iss`, `sub` and `aud` claims match one of these for the app's
 * own token (https://learn.microsoft.com/graph/api/resources/federatedidentitycredential).
 */
export interface FederatedIdentityCredential {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface AppRegistration {
  /** Object id of the application. */
  id: string;
  appId: string;
  displayName: string;
  createdDateTime: string;
  passwordCredentials: PasswordCredential[];
  /** Object ids of the service principals that own the app registration. */
  owners: string[];
  servicePrincipal: ServicePrincipal | null;
  /** Microsoft Graph application permissions granted to this app (appRole values). */
  graphRoles: string[];
  /** AzureADMultipleOrgs: other tenants may consent to it (default AzureADMyOrg). */
  signInAudience?: "AzureADMyOrg" | "AzureADMultipleOrgs";
  federatedIdentityCredentials?: FederatedIdentityCredential[];
  /**
   * Set on the entry of a multi-tenant app in a tenant that consented to it: only its service
   * principal (and the permissions granted to it) lives here; the application object, with its
   * credentials, is in this home tenant.
   */
  homeTenantId?: string;
}

/** One Entra tenant's directory: its app registrations and service principals, audit log, policies. */
export interface TenantDirectory {
  tenantId: string;
  apps: AppRegistration[];
  directoryAudits: DirectoryAuditRecord[];
  graph: EmulatorState["graph"];
}

export interface RoleAssignment {
  /** The assignment's GUID name. */
  name: string;
  roleDefinitionGuid: string;
  principalId: string;
  principalType: "ServicePrincipal" | "User" | "Group";
  scope: string;
}

/**
 * One Azure Activity Log record (Administrative category): what the emulator's scenarios did to a
 * resource, by whom and with which tool. Served by emulator/routes/activityLog.ts in the shape of
 * azure-rest-api-specs GetActivityLogsFiltered.json.
 */
export interface ActivityRecord {
  operation: string;
  resourceId: string;
  /** A user principal name, or a service principal's object id. */
  caller: string;
  /** claims.appid: the client the caller used. */
  appId: string;
  status: "Started" | "Succeeded" | "Failed";
  at: number;
  correlationId: string;
}

/** One Microsoft Entra audit record (Graph directoryAudit): who did what to a directory object. */
export interface DirectoryAuditRecord {
  activityDisplayName: string;
  category: string;
  targetId: string;
  targetType: string;
  /** The user who did it (their user principal name). */
  upn: string;
  result: "success" | "failure";
  at: number;
}

export interface Column {
  name: string;
  type: string;
}

/** Event store of one Log Analytics table. Rows are column -> value records; datetimes are epoch ms (numbers),
 * but ISO strings and Dates are accepted too. */
export interface TableStore {
  columns: Column[];
  rows: Array<Record<string, unknown>>;
}

export interface VaultSecretVersion {
  version: string;
  value: string;
  contentType: string | null;
  tags: Record<string, string>;
  enabled: boolean;
  /** epoch seconds */
  created: number;
  updated: number;
  exp: number | null;
  nbf: number | null;
}

export interface VaultSecret {
  name: string;
  /** Oldest first; the last one is the current version. */
  versions: VaultSecretVersion[];
}

export interface IngestionCall {
  at: string;
  immutableId: string;
  stream: string;
  status: number;
  rowsReceived: number;
  rowsDropped: number;
  principalId: string | null;
}

export interface KeeperConfig {
  /** What Keeper's admin console holds: tenant, client id, secret value, endpoint + DCR immutable id + stream. */
  tenantId: string;
  appId: string;
  clientSecret: string;
  endpoint: string;
  dcrImmutableId: string;
  stream: string;
}

export interface SentMail {
  sender: string;
  message: unknown;
  at: string;
}
export interface TeamsMessage {
  workflowId: string;
  body: unknown;
  at: string;
}

export type ArmResource = Record<string, unknown> & {
  id: string;
  name: string;
  type: string;
  properties: Record<string, any>;
};

export interface EmulatorState {
  tenantId: string;
  subscriptionId: string;
  resourceGroups: string[];
  /** ARM resources keyed by resource id (lookups are case-insensitive). */
  resources: Record<string, ArmResource>;
  roleAssignments: RoleAssignment[];
  /**
   * Microsoft Sentinel's data connectors (Microsoft.SecurityInsights/dataConnectors), each an
   * extension resource of a workspace: its id starts with the workspace's id.
   */
  dataConnectors: ArmResource[];
  /** The subscription's Activity Log (writes and deletes of the resources), oldest first. */
  activityLog: ActivityRecord[];
  /** The tenant's Entra audit log (Graph directoryAudits), oldest first. */
  directoryAudits: DirectoryAuditRecord[];
  /** ARM resource ids / scopes where the monitor principal gets 403 (applies to the scope and below). */
  monitorDenied: Set<string>;
  apps: AppRegistration[];
  graph: {
    defaultAppManagementPolicy: Record<string, unknown>;
    mailboxes: string[];
    /** appManagementPolicies assigned to an app, by the app's object id ({ restrictions: { passwordCredentials } }). */
    appPolicies?: Record<string, Array<Record<string, unknown>>>;
  };
  /** Log Analytics event store of the Sentinel workspace, per table. */
  tables: Record<string, TableStore>;
  /** ARM id of the workspace that `tables` belongs to (other workspaces have no tables, but those of `workspaceTables`). */
  tablesWorkspaceId: string;
  /** Event stores of further workspaces (a world of many connectors, emulator/fleet.ts), by lower-case ARM id. */
  workspaceTables?: Record<string, Record<string, TableStore>>;
  vault: { uri: string; secrets: Record<string, VaultSecret> };
  keeper: KeeperConfig;
  ingestionCalls: IngestionCall[];
  sentMail: SentMail[];
  teamsMessages: TeamsMessage[];
  teams: { workflowId: string; sig: string };
  /** A new client secret is refused (AADSTS7000215) for this long after creation. */
  secretPropagationMs: number;
  /** Other tenants (a customer's), each with its own directory. */
  otherTenants: TenantDirectory[];
  /**
   * The tenant the subscription belongs to (Subscriptions - Get `tenantId`): `tenantId` by
   * default; a customer's when the subscription is delegated to `tenantId` through Azure
   * Lighthouse (then listed under `managedByTenants`).
   */
  subscriptionTenantId: string;
}

/** A tenant's directory by id (the emulator's own tenant, or another), or undefined. */
export function directoryOf(state: EmulatorState, tenantId: string): TenantDirectory | undefined {
  const t = tenantId.toLowerCase();
  if (t === state.tenantId.toLowerCase())
    return { tenantId: state.tenantId, apps: state.apps, directoryAudits: state.directoryAudits, graph: state.graph };
  return state.otherTenants.find((d) => d.tenantId.toLowerCase() === t);
}

/** The application object of a directory entry: itself, or its registration in its home tenant. */
export function registrationOf(state: EmulatorState, app: AppRegistration): AppRegistration | undefined {
  if (app.homeTenantId === undefined) return app;
  return directoryOf(state, app.homeTenantId)?.apps.find(
    (a) => a.homeTenantId === undefined && a.appId.toLowerCase() === app.appId.toLowerCase(),
  );
}

/** Values that stay fixed for the life of one emulator (survive applyScenario). */
export interface Identity {
  url: string;
  monitorSecret: string;
  keeperSecret: string;
  keeperOldSecret: string;
  /** The customer tenant's Keeper app secret. */
  customerKeeperSecret: string;
  teamsSig: string;
  /** IDENTITY_HEADER of the Function App's managed identity endpoint (rotated by the platform in Azure). */
  identityHeader: string;
  seed: number;
}

const DAY = 86_400_000;

export function secretHint(secret: string): string {
  return secret.slice(0, 3);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export const DCR_STREAM_COLUMNS: Column[] = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "audit_event", type: "string" },
  { name: "remote_address", type: "string" },
  { name: "category", type: "string" },
  { name: "client_version", type: "string" },
  { name: "enterprise_id", type: "int" },
  { name: "username", type: "string" },
  { name: "timestamp", type: "datetime" },
  { name: "data", type: "dynamic" },
];

export const KEEPER_TRANSFORM =
  "source | extend TimeGenerated = now() | project-rename AuditEvent = audit_event, RemoteAddress = remote_address, Category = category, ClientVersion = client_version, EnterpriseId = enterprise_id, Username = username, Timestamp = timestamp, Data = data";

/** ARM table column types (tables say dateTime/boolean where DCR streams say datetime/boolean). */
export function armTableType(t: string): string {
  return t === "datetime" ? "dateTime" : t === "bool" ? "boolean" : t;
}

function systemData(createdMs: number) {
  return {
    createdBy: "admin@example.com",
    createdByType: "User",
    createdAt: iso(createdMs),
    lastModifiedBy: "admin@example.com",
    lastModifiedByType: "User",
    lastModifiedAt: iso(createdMs),
  };
}

export function buildWorkspace(id: string, name: string, customerId: string, nowMs: number): ArmResource {
  return {
    id,
    name,
    type: "Microsoft.OperationalInsights/workspaces",
    location: LOCATION,
    tags: {},
    properties: {
      customerId,
      provisioningState: "Succeeded",
      sku: { name: "PerGB2018", lastSkuUpdate: new Date(nowMs - 400 * DAY).toUTCString() },
      retentionInDays: 90,
      features: { legacy: 0, searchVersion: 1, enableLogAccessUsingOnlyResourcePermissions: true },
      workspaceCapping: {
        dailyQuotaGb: -1,
        quotaNextResetTime: new Date(nowMs + DAY).toUTCString(),
        dataIngestionStatus: "RespectQuota",
      },
      publicNetworkAccessForIngestion: "Enabled",
      publicNetworkAccessForQuery: "Enabled",
      createdDate: new Date(nowMs - 400 * DAY).toUTCString(),
      modifiedDate: new Date(nowMs - 30 * DAY).toUTCString(),
    },
    etag: '"0f00c3a1-0000-0d00-0000-65a1b2c30000"',
  };
}

export function buildTable(nowMs: number): ArmResource {
  return {
    id: IDS.table,
    name: TABLE_NAME,
    type: "Microsoft.OperationalInsights/workspaces/tables",
    properties: {
      totalRetentionInDays: 90,
      archiveRetentionInDays: 0,
      plan: "Analytics",
      lastPlanModifiedDate: iso(nowMs - 200 * DAY),
      retentionInDays: 90,
      retentionInDaysAsDefault: true,
      totalRetentionInDaysAsDefault: true,
      schema: {
        name: TABLE_NAME,
        tableSubType: "DataCollectionRuleBased",
        tableType: "CustomLog",
        // As in the official Tables examples (operationalinsights 2022-10-01 TablesGet.json),
        // TimeGenerated is a standard column, not a custom one.
        columns: KEEPER_TABLE_COLUMNS.filter((c) => c.name !== "TimeGenerated").map((c) => ({
          name: c.name,
          type: armTableType(c.type),
        })),
        standardColumns: [
          { name: "TimeGenerated", type: "dateTime" },
          { name: "TenantId", type: "guid" },
          { name: "SourceSystem", type: "string" },
          { name: "Type", type: "string" },
        ],
        solutions: ["LogManagement"],
        isTroubleshootingAllowed: false,
      },
      provisioningState: "Succeeded",
    },
  };
}

export function buildDcr(nowMs: number): ArmResource {
  return {
    id: IDS.dcr,
    name: DCR_NAME,
    type: "Microsoft.Insights/dataCollectionRules",
    location: LOCATION,
    tags: {},
    etag: '"4c00b2d4-0000-0d00-0000-65a1b2c40000"',
    systemData: systemData(nowMs - 200 * DAY),
    properties: {
      immutableId: DCR_IMMUTABLE_ID,
      dataCollectionEndpointId: IDS.dce,
      streamDeclarations: { [STREAM_NAME]: { columns: DCR_STREAM_COLUMNS.map((c) => ({ ...c })) } },
      dataSources: {},
      destinations: {
        logAnalytics: [{ workspaceResourceId: IDS.workspace, workspaceId: WORKSPACE_CUSTOMER_ID, name: "clv2ws1" }],
      },
      dataFlows: [
        {
          streams: [STREAM_NAME],
          destinations: ["clv2ws1"],
          transformKql: KEEPER_TRANSFORM,
          outputStream: OUTPUT_STREAM,
        },
      ],
      provisioningState: "Succeeded",
    },
  };
}

export function buildDce(url: string, nowMs: number): ArmResource {
  return {
    id: IDS.dce,
    name: DCE_NAME,
    type: "Microsoft.Insights/dataCollectionEndpoints",
    location: LOCATION,
    tags: {},
    etag: '"3b00a1c5-0000-0d00-0000-65a1b2c50000"',
    systemData: systemData(nowMs - 200 * DAY),
    properties: {
      immutableId: DCE_IMMUTABLE_ID,
      configurationAccess: { endpoint: "https://law-sentinel-a1b2.westeurope-1.handler.control.monitor.azure.com" },
      logsIngestion: { endpoint: url },
      metricsIngestion: { endpoint: "https://law-sentinel-a1b2.westeurope-1.metrics.ingest.monitor.azure.com" },
      networkAcls: { publicNetworkAccess: "Enabled" },
      provisioningState: "Succeeded",
    },
  };
}

/**
 * Sentinel's record of the Keeper Push connector, as the Keeper Security solution creates it when
 * an administrator connects it (Azure/Azure-Sentinel, Solutions/Keeper Security/Data Connectors/
 * KeeperSecurity_ccp/KepperSecurity_poller.json): kind Push, definition KeeperSecurityPush2, the
 * app and its service principal under `auth` (PascalCase), what Keeper posts to under `dcrConfig`.
 */
export function buildKeeperConnector(url: string): ArmResource {
  const name = "KeeperSecurityPushConnectorPollingb608e714-b3ec-4380-b666-1aa781513ab4";
  return {
    id: `${IDS.workspace}/providers/Microsoft.SecurityInsights/dataConnectors/${name}`,
    name,
    type: "Microsoft.SecurityInsights/dataConnectors",
    etag: '"2f00c3a1-0000-0d00-0000-65a1b2c60000"',
    kind: "Push",
    properties: {
      connectorDefinitionName: "KeeperSecurityPush2",
      dcrConfig: {
        streamName: STREAM_NAME,
        dataCollectionEndpoint: url,
        dataCollectionRuleImmutableId: DCR_IMMUTABLE_ID,
      },
      auth: { type: "Push", AppId: KEEPER_APP_ID, ServicePrincipalId: KEEPER_SP_ID },
      request: { RetryCount: 1 },
      response: { eventsJsonPaths: ["$.messages"] },
    },
  };
}

/**
 * Other connectors of a common Sentinel workspace (shape of the official GetDataConnectors.json
 * example, azure-rest-api-specs securityinsights 2023-02-01-preview): listed, and not Keeper's.
 */
function otherConnectors(): ArmResource[] {
  const base = `${IDS.workspace}/providers/Microsoft.SecurityInsights/dataConnectors`;
  const tenant = { tenantId: TENANT_ID };
  return [
    {
      id: `${base}/c345bf40-8509-4ed2-b947-50cb773aaf04`,
      name: "c345bf40-8509-4ed2-b947-50cb773aaf04",
      type: "Microsoft.SecurityInsights/dataConnectors",
      etag: '"d12423f6-a60b-4ca5-88c0-feb1a182d0f0"',
      kind: "AzureActiveDirectory",
      properties: { ...tenant, dataTypes: { alerts: { state: "Enabled" } } },
    },
    {
      id: `${base}/763f28af-a5cc-4d3d-bf3b-1e9ba87ee3e8`,
      name: "763f28af-a5cc-4d3d-bf3b-1e9ba87ee3e8",
      type: "Microsoft.SecurityInsights/dataConnectors",
      etag: '"1e5a5b4e-3e5b-4bce-a4a1-2a1a5c3ef2f1"',
      kind: "Push",
      properties: {
        connectorDefinitionName: "SomeOtherVendorPush",
        dcrConfig: {
          streamName: "Custom-OtherVendor",
          dataCollectionEndpoint: "https://other-a1b2.westeurope-1.ingest.monitor.azure.com",
          dataCollectionRuleImmutableId: "dcr-00000000000000000000000000000001",
        },
        auth: {
          type: "Push",
          AppId: "0f0e0d0c-0b0a-4908-8706-050403020100",
          ServicePrincipalId: "1f1e1d1c-1b1a-4918-8716-151413121110",
        },
      },
    },
  ];
}

function buildVault(url: string): ArmResource {
  return {
    id: IDS.vault,
    name: "kv-keeper-monitor",
    type: "Microsoft.KeyVault/vaults",
    location: LOCATION,
    tags: {},
    properties: {
      vaultUri: `${url}/`,
      tenantId: TENANT_ID,
      enableRbacAuthorization: true,
      sku: { family: "A", name: "standard" },
    },
  };
}

function vaultVersionId(seed: string): string {
  // 32 hex chars, deterministic per seed string
  let h = 0x811c9dc5;
  let out = "";
  for (let round = 0; out.length < 32; round++) {
    for (const ch of seed + round) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 32);
}

export const SIGNIN_COLUMNS: Column[] = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "AppId", type: "string" },
  { name: "ServicePrincipalId", type: "string" },
  { name: "ServicePrincipalName", type: "string" },
  { name: "ResultType", type: "string" },
  { name: "ResultDescription", type: "string" },
  { name: "ServicePrincipalCredentialKeyId", type: "string" },
  { name: "IPAddress", type: "string" },
  { name: "ResourceIdentity", type: "string" },
];

/** The service principal a Keeper connector signs in as, and the secret it signs in with. */
export interface SignInAs {
  appId: string;
  servicePrincipalId: string;
  displayName: string;
  keyId: string;
}

const KEEPER_SIGNS_IN_AS: SignInAs = {
  appId: KEEPER_APP_ID,
  servicePrincipalId: KEEPER_SP_ID,
  displayName: KEEPER_APP_DISPLAY_NAME,
  keyId: KEEPER_SECRET_KEY_ID,
};

/** Keeper signs in about once an hour while it has events to push. */
export function seedSignIns(
  keeperRows: Array<Record<string, unknown>>,
  who: SignInAs = KEEPER_SIGNS_IN_AS,
): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let lastHour = -1;
  for (const r of keeperRows) {
    const t = r["TimeGenerated"] as number;
    const hour = Math.floor(t / 3_600_000);
    if (hour === lastHour) continue;
    lastHour = hour;
    out.push({
      TimeGenerated: t - 4000,
      AppId: who.appId,
      ServicePrincipalId: who.servicePrincipalId,
      ServicePrincipalName: who.displayName,
      ResultType: "0",
      ResultDescription: "",
      ServicePrincipalCredentialKeyId: who.keyId,
      IPAddress: "203.0.113.250",
      ResourceIdentity: AUDIENCE.ingestion,
    });
  }
  return out;
}

/**
 * The provider's multi-tenant app registration (KEEPER_GRAPH_APP_ID) as a directory holds it: its
 * registration in the provider's tenant, or its service principal in a customer's that consented.
 */
function multiTenantGraphApp(nowMs: number, spId: string, own: Partial<AppRegistration>): AppRegistration {
  const displayName = `${MONITOR_APP_DISPLAY_NAME} (customers' Graph)`;
  return {
    id: "",
    appId: MONITOR_GRAPH_APP_ID,
    displayName,
    createdDateTime: iso(nowMs - 30 * DAY),
    passwordCredentials: [],
    owners: [],
    servicePrincipal: { id: spId, displayName, accountEnabled: true },
    graphRoles: [],
    ...own,
  };
}

export function createHealthyState(identity: Identity, nowMs: number): EmulatorState {
  const { url } = identity;
  const keeperCred: PasswordCredential = {
    keyId: KEEPER_SECRET_KEY_ID,
    displayName: "Keeper connector",
    startDateTime: iso(nowMs - 120 * DAY),
    endDateTime: iso(nowMs + 245 * DAY),
    hint: secretHint(identity.keeperSecret),
    secretText: identity.keeperSecret,
    createdDateTime: iso(nowMs - 120 * DAY),
  };
  const monitorCred: PasswordCredential = {
    keyId: MONITOR_SECRET_KEY_ID,
    displayName: "monitor",
    startDateTime: iso(nowMs - 30 * DAY),
    endDateTime: iso(nowMs + 335 * DAY),
    hint: secretHint(identity.monitorSecret),
    secretText: identity.monitorSecret,
    createdDateTime: iso(nowMs - 30 * DAY),
  };
  const apps: AppRegistration[] = [
    {
      id: MONITOR_APP_OBJECT_ID,
      appId: MONITOR_APP_ID,
      displayName: MONITOR_APP_DISPLAY_NAME,
      createdDateTime: iso(nowMs - 30 * DAY),
      passwordCredentials: [monitorCred],
      owners: [],
      servicePrincipal: { id: MONITOR_SP_ID, displayName: MONITOR_APP_DISPLAY_NAME, accountEnabled: true },
      graphRoles: ["Application.ReadWrite.OwnedBy", "Mail.Send", "Policy.Read.ApplicationConfiguration"],
    },
    {
      id: KEEPER_APP_OBJECT_ID,
      appId: KEEPER_APP_ID,
      displayName: KEEPER_APP_DISPLAY_NAME,
      createdDateTime: iso(nowMs - 200 * DAY),
      passwordCredentials: [keeperCred],
      owners: [MONITOR_SP_ID],
      servicePrincipal: { id: KEEPER_SP_ID, displayName: KEEPER_APP_DISPLAY_NAME, accountEnabled: true },
      graphRoles: [],
    },
    // the provider's multi-tenant app: no secret, the monitor's identity is its credential
    multiTenantGraphApp(nowMs, MONITOR_GRAPH_SP_ID, {
      id: MONITOR_GRAPH_APP_OBJECT_ID,
      signInAudience: "AzureADMultipleOrgs",
      federatedIdentityCredentials: [
        {
          name: "keeper-monitor-identity",
          issuer: `${url}/${TENANT_ID}/v2.0`,
          subject: MONITOR_SP_ID,
          audiences: [TOKEN_EXCHANGE_AUDIENCE],
        },
      ],
    }),
  ];

  const ra = (
    name: string,
    role: string,
    principalId: string,
    scope: string,
    principalType: RoleAssignment["principalType"] = "ServicePrincipal",
  ): RoleAssignment => ({ name, roleDefinitionGuid: role, principalId, principalType, scope });
  const roleAssignments: RoleAssignment[] = [
    ra("132a1047-eb8f-495c-9793-3874b84c7a89", ROLE.monitoringMetricsPublisher, KEEPER_SP_ID, IDS.dcr),
    // the customer's Keeper app, for when the DCR is the customer's (see customerDirectory)
    ra("7d8e9f0a-1b2c-4d3e-8f5a-6b7c8d9e0f1a", ROLE.monitoringMetricsPublisher, CUSTOMER_KEEPER_SP_ID, IDS.dcr),
    ra("542e14dd-ad59-4ab4-b781-b21c053e1db6", ROLE.monitoringReader, MONITOR_SP_ID, IDS.dcr),
    ra("94d87045-29cf-4550-b57e-0724f91dcc79", ROLE.monitoringReader, MONITOR_SP_ID, IDS.dce),
    ra("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", ROLE.logAnalyticsReader, MONITOR_SP_ID, IDS.workspace),
    ra("1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", ROLE.keyVaultSecretsOfficer, MONITOR_SP_ID, IDS.vault),
    // unrelated principals, so that listing is paged for real
    ra("2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", ROLE.contributor, "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9", rgId, "Group"),
    ra("3f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c", ROLE.reader, "e2d3c4b5-a6f7-4889-9a0b-c1d2e3f4a5b6", rgId, "User"),
    ra(
      "4a5b6c7d-8e9f-4a0b-9c2d-3e4f5a6b7c8d",
      ROLE.sentinelReader,
      "d3c4b5a6-f7e8-4990-8b1c-d2e3f4a5b6c7",
      rgId,
      "Group",
    ),
    ra(
      "5b6c7d8e-9f0a-4b1c-8d3e-4f5a6b7c8d9e",
      ROLE.logAnalyticsContributor,
      "c4b5a6f7-e8d9-4aa1-9c2d-e3f4a5b6c7d8",
      IDS.workspace,
    ),
    ra(
      "6c7d8e9f-0a1b-4c2d-9e4f-5a6b7c8d9e0f",
      ROLE.reader,
      "b5a6f7e8-d9c0-4bb2-8d3e-f4a5b6c7d8e9",
      `/subscriptions/${SUBSCRIPTION_ID}`,
      "User",
    ),
  ];

  const resources: Record<string, ArmResource> = {};
  for (const r of [
    buildWorkspace(IDS.workspace, WORKSPACE_NAME, WORKSPACE_CUSTOMER_ID, nowMs),
    buildWorkspace(IDS.otherWorkspace, OTHER_WORKSPACE_NAME, OTHER_WORKSPACE_CUSTOMER_ID, nowMs),
    buildTable(nowMs),
    buildDcr(nowMs),
    buildDce(url, nowMs),
    buildVault(url),
  ])
    resources[r.id] = r;

  const keeperRows = generateKeeperTraffic(identity.seed, nowMs, 14);
  const createdSec = Math.floor((nowMs - 120 * DAY) / 1000);
  const vaultVersion: VaultSecretVersion = {
    version: vaultVersionId(`initial-${identity.seed}`),
    value: identity.keeperSecret,
    contentType: "text/plain",
    tags: {
      appId: KEEPER_APP_ID,
      keyId: KEEPER_SECRET_KEY_ID,
      rotationId: "initial",
      createdUtc: iso(nowMs - 120 * DAY),
    },
    enabled: true,
    created: createdSec,
    updated: createdSec,
    exp: Math.floor(Date.parse(keeperCred.endDateTime) / 1000),
    nbf: null,
  };

  return {
    tenantId: TENANT_ID,
    subscriptionId: SUBSCRIPTION_ID,
    resourceGroups: [RESOURCE_GROUP],
    resources,
    roleAssignments,
    // Keeper's record sits between the others, so that finding it takes paging
    dataConnectors: [...otherConnectors().slice(0, 1), buildKeeperConnector(url), ...otherConnectors().slice(1)],
    activityLog: seedActivityLog(nowMs),
    directoryAudits: [],
    monitorDenied: new Set<string>(),
    apps,
    graph: {
      defaultAppManagementPolicy: {
        id: "00000000-0000-0000-0000-000000000000",
        displayName: "Default app management tenant policy",
        description:
          "Default tenant policy that enforces app management restrictions on applications and service principals. To apply policy to targeted resources, create a new policy under appManagementPolicies collection.",
        isEnabled: false,
        applicationRestrictions: { passwordCredentials: [], keyCredentials: [] },
        servicePrincipalRestrictions: { passwordCredentials: [], keyCredentials: [] },
      },
      mailboxes: [MAIL_SENDER],
    },
    tables: {
      [TABLE_NAME]: { columns: KEEPER_TABLE_COLUMNS.map((c) => ({ ...c })), rows: keeperRows },
      AADServicePrincipalSignInLogs: { columns: SIGNIN_COLUMNS.map((c) => ({ ...c })), rows: seedSignIns(keeperRows) },
      ...diagnosticTables(nowMs),
    },
    tablesWorkspaceId: IDS.workspace,
    vault: {
      uri: `${url}/`,
      secrets: { [KEY_VAULT_SECRET_NAME]: { name: KEY_VAULT_SECRET_NAME, versions: [vaultVersion] } },
    },
    keeper: {
      tenantId: TENANT_ID,
      appId: KEEPER_APP_ID,
      clientSecret: identity.keeperSecret,
      endpoint: url,
      dcrImmutableId: DCR_IMMUTABLE_ID,
      stream: STREAM_NAME,
    },
    ingestionCalls: [],
    sentMail: [],
    teamsMessages: [],
    teams: { workflowId: "06b5efbb853d4114b9aaa8363ae2eb2b", sig: identity.teamsSig },
    secretPropagationMs: 0,
    otherTenants: [customerDirectory(identity, nowMs)],
    subscriptionTenantId: TENANT_ID,
  };
}

/**
 * The customer's tenant: its own Keeper app (owned by the provider's app's service principal
 * there, as the monitor owns the Keeper app at home), and the provider's multi-tenant app after
 * an administrator's consent: a service principal with the Graph permissions the monitor needs.
 */
function customerDirectory(identity: Identity, nowMs: number): TenantDirectory {
  const cred: PasswordCredential = {
    keyId: CUSTOMER_KEEPER_SECRET_KEY_ID,
    displayName: "Keeper connector",
    startDateTime: iso(nowMs - 100 * DAY),
    endDateTime: iso(nowMs + 265 * DAY),
    hint: secretHint(identity.customerKeeperSecret),
    secretText: identity.customerKeeperSecret,
    createdDateTime: iso(nowMs - 100 * DAY),
  };
  return {
    tenantId: CUSTOMER_TENANT_ID,
    apps: [
      {
        id: CUSTOMER_KEEPER_APP_OBJECT_ID,
        appId: CUSTOMER_KEEPER_APP_ID,
        displayName: KEEPER_APP_DISPLAY_NAME,
        createdDateTime: iso(nowMs - 150 * DAY),
        passwordCredentials: [cred],
        owners: [MONITOR_GRAPH_CUSTOMER_SP_ID],
        servicePrincipal: { id: CUSTOMER_KEEPER_SP_ID, displayName: KEEPER_APP_DISPLAY_NAME, accountEnabled: true },
        graphRoles: [],
      },
      // the same app consented here: its service principal, granted what rotation needs
      multiTenantGraphApp(nowMs, MONITOR_GRAPH_CUSTOMER_SP_ID, {
        id: "",
        graphRoles: ["Application.ReadWrite.OwnedBy", "Policy.Read.ApplicationConfiguration"],
        homeTenantId: TENANT_ID,
      }),
    ],
    directoryAudits: [],
    graph: {
      defaultAppManagementPolicy: {
        id: "00000000-0000-0000-0000-000000000000",
        displayName: "Default app management tenant policy",
        description:
          "Default tenant policy that enforces app management restrictions on applications and service principals.",
        isEnabled: false,
        applicationRestrictions: { passwordCredentials: [], keyCredentials: [] },
        servicePrincipalRestrictions: { passwordCredentials: [], keyCredentials: [] },
      },
      mailboxes: [],
    },
  };
}

/** Tools by their first-party app ids (claims.appid in Activity Log records). */
export const CLIENT_APP = {
  portal: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
  cli: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  powershell: "1950a258-227b-4e31-a9cf-717495945fc2",
} as const;

/**
 * An operation as the Activity Log records it: a Started record, then its outcome. Correlation
 * ids are made from the time and operation, so a state is the same for the same clock.
 */
export function recordActivity(
  log: ActivityRecord[],
  r: Omit<ActivityRecord, "status" | "correlationId"> & { status?: ActivityRecord["status"] },
): void {
  const h = createHash("sha1").update(`${r.at}|${r.operation}|${r.resourceId}`).digest("hex");
  const correlationId = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const base = { operation: r.operation, resourceId: r.resourceId, caller: r.caller, appId: r.appId, correlationId };
  log.push({ ...base, status: "Started", at: r.at - 2_000 }, { ...base, status: r.status ?? "Succeeded", at: r.at });
}

/** A healthy deployment's recent history: a DCR update a month ago by a pipeline, a failed delete attempt. */
function seedActivityLog(nowMs: number): ActivityRecord[] {
  const log: ActivityRecord[] = [];
  recordActivity(log, {
    operation: "Microsoft.Insights/dataCollectionRules/write",
    resourceId: IDS.dcr,
    caller: "e2d3c4b5-a6f7-4889-9a0b-c1d2e3f4a5b6",
    appId: "2c7c1f3e-8a5d-4b6e-9f0a-1b2c3d4e5f6a",
    at: nowMs - 30 * DAY,
  });
  recordActivity(log, {
    operation: "Microsoft.Insights/dataCollectionRules/delete",
    resourceId: IDS.dcr,
    caller: "mallory@contoso.com",
    appId: CLIENT_APP.portal,
    status: "Failed",
    at: nowMs - 20 * DAY,
  });
  return log;
}
