/**
 * A world with many Keeper connectors: the healthy world's connector and N − 1 more, spread over
 * workspaces of `perWorkspace` connectors each (the first workspace is the healthy world's own).
 * Every further connector is what the Keeper Security solution creates when it is connected once
 * more: Sentinel's record (kind Push, definition KeeperSecurityPush2, `auth` and `dcrConfig`), its
 * own DCR (with its own immutable id) and DCE, its own custom table, its own Entra app with a
 * client secret (owned by the monitor, as the healthy world's Keeper app is), and the role
 * assignments of the healthy world (Monitoring Metrics Publisher for the app on its DCR; Monitoring
 * Reader for the monitor on the DCR and DCE; Log Analytics Reader on each workspace).
 *
 * Nothing here changes how the emulator answers: the same routes, RBAC and refusals serve every
 * connector. The default world (no fleet option) is untouched.
 */
import { createHash } from "node:crypto";
import { KEY_VAULT_SECRET_NAME, MONITOR_SP_ID, ROLE, STREAM_NAME, rgId } from "./constants.js";
import {
  buildWorkspace,
  seedSignIns,
  SIGNIN_COLUMNS,
  type AppRegistration,
  type ArmResource,
  type EmulatorState,
  type Identity,
  type RoleAssignment,
  type TableStore,
  type VaultSecretVersion,
} from "./state.js";
import { generateKeeperTraffic, KEEPER_TABLE_COLUMNS } from "./traffic.js";
import { diagnosticTables } from "./ingestionScenarios.js";

export interface FleetOptions {
  /** Keeper connectors in all (the healthy world's is the first); 1 is the healthy world. */
  connectors: number;
  /** Connectors per workspace (default 10). */
  perWorkspace?: number;
  /**
   * Days of Keeper events in each further connector's table (default 14, as the healthy world's).
   * Fewer keep a world of hundreds of connectors small in the emulator's memory.
   */
  historyDays?: number;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A GUID made from a string: the same world for the same options. */
export function guidOf(s: string): string {
  const h = createHash("sha256").update(s).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const hex32 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 32);

/** An Entra-shaped client secret (3 chars, "8Q~", 34 more), made from the emulator's own. */
function secretOf(identity: Identity, i: number): string {
  const b = createHash("sha256").update(`${identity.keeperSecret}|fleet|${i}`).digest("base64url");
  const more = createHash("sha256").update(`${identity.keeperSecret}|fleet2|${i}`).digest("base64url");
  return `${b.slice(0, 3).replace(/[-_]/g, "A")}8Q~${(b.slice(3) + more).slice(0, 34)}`;
}

/** The workspaces of a fleet world: the healthy world's first, then law-fleet-01, law-fleet-02, … */
export function fleetWorkspaceIds(state: EmulatorState, fleet: FleetOptions): string[] {
  const per = Math.max(1, fleet.perWorkspace ?? 10);
  const count = Math.ceil(Math.max(1, fleet.connectors) / per);
  return Array.from({ length: count }, (_, w) => (w === 0 ? state.tablesWorkspaceId : workspaceId(w)));
}
const workspaceName = (w: number) => `law-fleet-${String(w).padStart(2, "0")}`;
const workspaceId = (w: number) => `${rgId}/providers/Microsoft.OperationalInsights/workspaces/${workspaceName(w)}`;

/** Adds connectors 1 … N − 1 to the healthy world `state`. */
export function seedFleet(state: EmulatorState, identity: Identity, nowMs: number, fleet: FleetOptions): void {
  const per = Math.max(1, fleet.perWorkspace ?? 10);
  const days = fleet.historyDays ?? 14;
  const workspaces = fleetWorkspaceIds(state, fleet);
  const tablesOf: Record<string, Record<string, TableStore>> = {};
  workspaces.forEach((id, w) => {
    if (w === 0) return;
    const ws = buildWorkspace(id, workspaceName(w), guidOf(`fleet|workspace|${w}`), nowMs);
    state.resources[ws.id] = ws;
    tablesOf[id.toLowerCase()] = {
      AADServicePrincipalSignInLogs: { columns: SIGNIN_COLUMNS.map((c) => ({ ...c })), rows: [] },
      ...diagnosticTables(nowMs),
    };
    state.roleAssignments.push(ra(`fleet|law|${w}`, ROLE.logAnalyticsReader, MONITOR_SP_ID, id));
  });
  for (let i = 1; i < fleet.connectors; i++) {
    const w = Math.floor(i / per);
    const wsId = workspaces[w]!;
    const wsRes = state.resources[wsId]!;
    const tables = w === 0 ? state.tables : tablesOf[wsId.toLowerCase()]!;
    const c = connectorIds(i, wsId, String(wsRes.name));
    const created = nowMs - 120 * DAY;
    const secret = secretOf(identity, i);
    const app: AppRegistration = {
      id: c.appObjectId,
      appId: c.appId,
      displayName: `Keeper Security Connector Application ${i}`,
      createdDateTime: iso(nowMs - 200 * DAY),
      passwordCredentials: [
        {
          keyId: c.keyId,
          displayName: "Keeper connector",
          startDateTime: iso(created),
          endDateTime: iso(nowMs + 245 * DAY),
          hint: secret.slice(0, 3),
          secretText: secret,
          createdDateTime: iso(created),
        },
      ],
      owners: [MONITOR_SP_ID],
      servicePrincipal: { id: c.spId, displayName: `Keeper Security Connector Application ${i}`, accountEnabled: true },
      graphRoles: [],
    };
    state.apps.push(app);
    for (const r of resourcesOf(state, c, wsId, String(wsRes.properties["customerId"]), identity.url, nowMs))
      state.resources[r.id] = r;
    state.roleAssignments.push(
      ra(`fleet|mmp|${i}`, ROLE.monitoringMetricsPublisher, c.spId, c.dcr),
      ra(`fleet|dcr|${i}`, ROLE.monitoringReader, MONITOR_SP_ID, c.dcr),
      ra(`fleet|dce|${i}`, ROLE.monitoringReader, MONITOR_SP_ID, c.dce),
    );
    const rows = generateKeeperTraffic(identity.seed + i, nowMs, days);
    tables[c.table] = { columns: KEEPER_TABLE_COLUMNS.map((col) => ({ ...col })), rows };
    tables["AADServicePrincipalSignInLogs"]?.rows.push(
      ...seedSignIns(rows, {
        appId: app.appId,
        servicePrincipalId: app.servicePrincipal!.id,
        displayName: app.displayName,
        keyId: c.keyId,
      }),
    );
    state.dataConnectors.push(keeperRecord(c, wsId, identity.url));
  }
  state.workspaceTables = { ...(state.workspaceTables ?? {}), ...tablesOf };
}

interface ConnectorIds {
  i: number;
  name: string;
  appId: string;
  appObjectId: string;
  spId: string;
  keyId: string;
  dcr: string;
  dcrName: string;
  dcrImmutableId: string;
  dce: string;
  dceName: string;
  dceImmutableId: string;
  table: string;
}

function connectorIds(i: number, _wsId: string, wsName: string): ConnectorIds {
  const dcrName = `KeeperSecurityEventLogs_DCR_${i}`;
  const dceName = `${wsName}-keeper-${i}`;
  return {
    i,
    name: `KeeperSecurityPushConnectorPolling${guidOf(`fleet|record|${i}`)}`,
    appId: guidOf(`fleet|appId|${i}`),
    appObjectId: guidOf(`fleet|appObject|${i}`),
    spId: guidOf(`fleet|sp|${i}`),
    keyId: guidOf(`fleet|key|${i}`),
    dcr: `${rgId}/providers/Microsoft.Insights/dataCollectionRules/${dcrName}`,
    dcrName,
    dcrImmutableId: `dcr-${hex32(`fleet|dcr|${i}`)}`,
    dce: `${rgId}/providers/Microsoft.Insights/dataCollectionEndpoints/${dceName}`,
    dceName,
    dceImmutableId: `dce-${hex32(`fleet|dce|${i}`)}`,
    table: `KeeperSecurityEventNewLogs${i}_CL`,
  };
}

const ra = (
  seed: string,
  role: string,
  principalId: string,
  scope: string,
  principalType: RoleAssignment["principalType"] = "ServicePrincipal",
): RoleAssignment => ({ name: guidOf(seed), roleDefinitionGuid: role, principalId, principalType, scope });

/** DCR, DCE and table of one further connector, in the healthy world's shapes. */
function resourcesOf(
  state: EmulatorState,
  c: ConnectorIds,
  wsId: string,
  customerId: string,
  url: string,
  nowMs: number,
): ArmResource[] {
  const template = (id: string) => structuredClone(Object.values(state.resources).find((r) => r.type === id)!);
  const dcr = template("Microsoft.Insights/dataCollectionRules");
  dcr.id = c.dcr;
  dcr.name = c.dcrName;
  dcr.properties["immutableId"] = c.dcrImmutableId;
  dcr.properties["dataCollectionEndpointId"] = c.dce;
  dcr.properties["destinations"] = {
    logAnalytics: [{ workspaceResourceId: wsId, workspaceId: customerId, name: "clv2ws1" }],
  };
  for (const f of dcr.properties["dataFlows"] as Array<Record<string, unknown>>)
    f["outputStream"] = `Custom-${c.table}`;
  const dce = template("Microsoft.Insights/dataCollectionEndpoints");
  dce.id = c.dce;
  dce.name = c.dceName;
  dce.properties["immutableId"] = c.dceImmutableId;
  dce.properties["logsIngestion"] = { endpoint: url };
  const table = template("Microsoft.OperationalInsights/workspaces/tables");
  table.id = `${wsId}/tables/${c.table}`;
  table.name = c.table;
  table.properties["schema"].name = c.table;
  table.properties["lastPlanModifiedDate"] = iso(nowMs - 200 * DAY);
  return [dcr, dce, table];
}

/** Sentinel's record of a further Keeper connector: the healthy world's record with its own values. */
function keeperRecord(c: ConnectorIds, wsId: string, url: string): ArmResource {
  return {
    id: `${wsId}/providers/Microsoft.SecurityInsights/dataConnectors/${c.name}`,
    name: c.name,
    type: "Microsoft.SecurityInsights/dataConnectors",
    etag: `"${guidOf(`fleet|etag|${c.i}`)}"`,
    kind: "Push",
    properties: {
      connectorDefinitionName: "KeeperSecurityPush2",
      dcrConfig: {
        streamName: STREAM_NAME,
        dataCollectionEndpoint: url,
        dataCollectionRuleImmutableId: c.dcrImmutableId,
      },
      auth: { type: "Push", AppId: c.appId, ServicePrincipalId: c.spId },
      request: { RetryCount: 1 },
      response: { eventsJsonPaths: ["$.messages"] },
    },
  };
}

/**
 * Stores the Keeper app's current client secret in the vault under `name`, tagged as the monitor
 * tags what it stores (appId, keyId): what an administrator does once per connector of a fleet
 * (`<KEY_VAULT_SECRET_NAME>-<target key>`).
 */
export function storeAppSecret(state: EmulatorState, name: string, appId: string): void {
  const app = state.apps.find((a) => a.appId.toLowerCase() === appId.toLowerCase());
  if (!app) throw new Error(`no app ${appId}`);
  const cred = app.passwordCredentials.at(-1)!;
  const base = state.vault.secrets[KEY_VAULT_SECRET_NAME]?.versions.at(-1);
  const sec = Math.floor(Date.parse(cred.createdDateTime) / 1000);
  const version: VaultSecretVersion = {
    version: hex32(`fleet|version|${name}`),
    value: cred.secretText,
    contentType: base?.contentType ?? "text/plain",
    tags: { appId: app.appId, keyId: cred.keyId, rotationId: "initial", createdUtc: cred.createdDateTime },
    enabled: true,
    created: sec,
    updated: sec,
    exp: Math.floor(Date.parse(cred.endDateTime) / 1000),
    nbf: null,
  };
  state.vault.secrets[name] = { name, versions: [version] };
}
