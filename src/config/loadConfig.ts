import { CLOUD_NAMES, CLOUD_PROFILES, customCloud, type CloudName, type CloudProfile } from "./clouds.js";
import type { ArmId } from "../core/armId.js";
import { SettingReader, type SettingProblem } from "./settingReader.js";
import { isDcrImmutableId, isGuid } from "../core/ids.js";
import { settingDefault } from "./settings.js";
import { parseStorage, type StorageConfig } from "./storage.js";
import { parseIngestionSettings, type IngestionSettings } from "./ingestionSettings.js";
import { parseRotationSettings, type RotationSettings } from "./rotationSettings.js";
import { parseAlertSettings, type AlertSettings } from "./alertSettings.js";
import {
  DISCOVERABLE_SETTINGS,
  SOURCE_KEY,
  type Discovered,
  type KeeperSources,
  type ValueSource,
} from "./discovered.js";

export type { SettingProblem } from "./settingReader.js";

export interface Config {
  keeper: {
    tenantId: string;
    appId: string;
    dcr: ArmId;
    dcrImmutableId: string;
    dceUri: string;
    workspace: ArmId;
    streamName: string;
    tableName: string;
    /** Where each value came from: a setting, Sentinel's connector record, the monitor's token, a default. */
    sources: KeeperSources;
  };
  /** Set when values were found rather than set: the connector record's name and what to know. */
  discovery: { connectorName?: string; warnings: string[] } | undefined;
  keyVault: { uri: string; secretName: string } | undefined;
  secret: { warnDays: number; criticalDays: number };
  silenceThresholdMinutes: number;
  driftCheckSchedule: string;
  callTimeoutMs: number;
  runBudgetMs: number;
  cloud: CloudProfile;
  /** The monitor's own identity; a client secret only outside Azure. Never printed. */
  identity: {
    clientId?: string;
    tenantId?: string;
    clientSecret?: string;
    /** KEEPER_GRAPH_APP_ID: the multi-tenant app Graph is called as in a connector's other tenant. */
    graphAppId?: string;
  };
  /** The Function App's storage (AzureWebJobsStorage), for state; undefined when not configured. */
  storage: StorageConfig | undefined;
  ingestion: IngestionSettings;
  rotation: RotationSettings;
  alerts: AlertSettings;
  /** Which of several watched connectors this is (see app/target.ts); absent when one is watched. */
  target?: { key: string; label: string };
}

/** Every bad or missing setting, named, in one error. */
export class ConfigError extends Error {
  constructor(readonly problems: SettingProblem[]) {
    super(
      `Invalid settings (${problems.length}):\n` + problems.map((p) => `  - ${p.setting}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/**
 * The values the settings left to discovery could not be found (no permission, no Keeper connector
 * in the workspace, a malformed record): each problem names a setting to set instead.
 */
export class DiscoveryError extends ConfigError {
  constructor(problems: SettingProblem[]) {
    super(problems);
    this.name = "DiscoveryError";
    this.message = this.message.replace(/^Invalid settings/, "Could not find the Keeper connector's settings");
  }
}

type Env = Record<string, string | undefined>;

/** The settings that must be set unless found (the stream and table have defaults). */
const FINDABLE_REQUIRED = [
  "KEEPER_TENANT_ID",
  "KEEPER_APP_ID",
  "KEEPER_DCR_RESOURCE_ID",
  "KEEPER_DCR_IMMUTABLE_ID",
  "KEEPER_DCE_URI",
] as const;

const isSet = (env: Env, name: string): boolean => (env[name]?.trim() ?? "") !== "";

/** Whether the monitor looks its connector up: the workspace is set and a value it can find is not. */
export function discoveryWanted(env: Env): boolean {
  return isSet(env, "KEEPER_WORKSPACE_RESOURCE_ID") && FINDABLE_REQUIRED.some((n) => !isSet(env, n));
}

/** What discovery itself needs: the workspace, the cloud, the monitor's identity and time limits. */
export interface DiscoverySettings {
  workspace: ArmId;
  /** KEEPER_DCR_RESOURCE_ID when it is set (and valid): the DCR is then not looked up. */
  dcr: ArmId | undefined;
  cloud: CloudProfile;
  identity: Config["identity"];
  callTimeoutMs: number;
  runBudgetMs: number;
}

/** Reads the settings discovery needs; throws ConfigError naming each bad one. */
export function loadDiscoverySettings(env: Env): DiscoverySettings {
  const r = new SettingReader(env, settingDefault);
  const workspace = r.armId(
    "KEEPER_WORKSPACE_RESOURCE_ID",
    "Microsoft.OperationalInsights",
    "workspaces",
    "the Sentinel workspace's ARM resource ID",
  );
  const dcr = r.isSet("KEEPER_DCR_RESOURCE_ID")
    ? r.armId("KEEPER_DCR_RESOURCE_ID", "Microsoft.Insights", "dataCollectionRules", "the DCR's ARM resource ID")
    : undefined;
  const callTimeoutSeconds = r.int("CALL_TIMEOUT_SECONDS", 1, 30);
  const runBudgetSeconds = r.int("RUN_BUDGET_SECONDS", 10, 300);
  const cloud = parseCloud(r);
  const identity = parseIdentity(r);
  if (r.problems.length > 0 || !workspace) throw new ConfigError(r.problems);
  return {
    workspace,
    dcr,
    cloud,
    identity,
    callTimeoutMs: callTimeoutSeconds * 1000,
    runBudgetMs: runBudgetSeconds * 1000,
  };
}

/** The settings with found values filled in where a setting is unset (a set setting always wins). */
function withDiscovered(env: Env, discovered: Discovered | undefined): Env {
  if (!discovered) return env;
  const out: Env = { ...env };
  for (const name of DISCOVERABLE_SETTINGS) {
    const v = discovered.values[name];
    if (!isSet(env, name) && v !== undefined) out[name] = v;
  }
  return out;
}

function sourcesOf(env: Env, discovered: Discovered | undefined): KeeperSources {
  const out: Partial<KeeperSources> = {};
  for (const name of DISCOVERABLE_SETTINGS) {
    const found = discovered?.values[name] !== undefined ? discovered.sources[name] : undefined;
    const source: ValueSource = isSet(env, name) ? "setting" : (found ?? "default");
    out[SOURCE_KEY[name]] = source;
  }
  return out as KeeperSources;
}

/**
 * Reads and validates every setting at once; throws ConfigError naming each problem. `discovered`
 * fills the Keeper connector's values that are not set (see discovered.ts).
 */
export function loadConfig(given: Env, discovered?: Discovered): Config {
  const env = withDiscovered(given, discovered);
  const r = new SettingReader(env, settingDefault);

  const tenantId = r.guid("KEEPER_TENANT_ID", "the Entra tenant ID");
  const appId = r.guid("KEEPER_APP_ID", "the application (client) ID Keeper uses");
  const dcr = r.armId(
    "KEEPER_DCR_RESOURCE_ID",
    "Microsoft.Insights",
    "dataCollectionRules",
    "the DCR's ARM resource ID",
  );
  const dcrImmutableId =
    r.required("KEEPER_DCR_IMMUTABLE_ID", "the DCR immutable id (dcr-…) Keeper is configured with") ?? "";
  if (dcrImmutableId && !isDcrImmutableId(dcrImmutableId))
    r.fail("KEEPER_DCR_IMMUTABLE_ID", 'not a DCR immutable id: expected "dcr-" followed by 32 hex digits');
  const dceRaw = r.required("KEEPER_DCE_URI", "the DCE logs-ingestion URI Keeper is configured with");
  const pasted = dceRaw === undefined ? undefined : keeperEndpointOrigin(dceRaw);
  if (pasted !== undefined)
    r.fail(
      "KEEPER_DCE_URI",
      `this is Keeper's whole Endpoint URL: keep only its https://<host> part, KEEPER_DCE_URI=${pasted} ` +
        "(its dcr-… id is KEEPER_DCR_IMMUTABLE_ID, its Custom-… stream KEEPER_STREAM_NAME)",
    );
  const dceUri =
    (pasted === undefined &&
      r.httpsUrl("KEEPER_DCE_URI", dceRaw, {
        originOnly:
          "the logs-ingestion URI is a host only (https://<dce>.<region>-1.ingest.monitor.azure.com); Keeper's path is built from it",
      })) ||
    "";
  const workspace = r.armId(
    "KEEPER_WORKSPACE_RESOURCE_ID",
    "Microsoft.OperationalInsights",
    "workspaces",
    "the Sentinel workspace's ARM resource ID",
  );
  const streamName = r.get("KEEPER_STREAM_NAME") ?? "";
  if (!/^Custom-[A-Za-z0-9_]+$/.test(streamName))
    r.fail("KEEPER_STREAM_NAME", 'not a custom stream name: expected "Custom-" followed by letters, digits or _');
  const tableName = r.get("KEEPER_TABLE_NAME") ?? "";
  if (!/^[A-Za-z][A-Za-z0-9_]*_CL$/.test(tableName))
    r.fail("KEEPER_TABLE_NAME", 'not a custom table name: expected letters, digits or _ ending in "_CL"');

  const secretName = r.get("KEY_VAULT_SECRET_NAME") ?? "";
  if (!/^[0-9A-Za-z-]{1,127}$/.test(secretName))
    r.fail("KEY_VAULT_SECRET_NAME", "not a Key Vault secret name: 1–127 letters, digits or dashes");

  const warnDays = r.int("SECRET_WARN_DAYS", 1, 365);
  const criticalDays = r.int("SECRET_CRITICAL_DAYS", 0, 365);
  if (criticalDays >= warnDays)
    r.fail("SECRET_CRITICAL_DAYS", `must be below SECRET_WARN_DAYS (${criticalDays} ≥ ${warnDays})`);
  const silenceThresholdMinutes = r.int("SILENCE_THRESHOLD_MINUTES", 5, 7 * 24 * 60);
  const driftCheckSchedule = r.schedule("DRIFT_CHECK_SCHEDULE") ?? "";
  const callTimeoutSeconds = r.int("CALL_TIMEOUT_SECONDS", 1, 30);
  const runBudgetSeconds = r.int("RUN_BUDGET_SECONDS", 10, 300);

  const cloud = parseCloud(r);
  const cloudName = r.get("AZURE_CLOUD") ?? "";
  const vaultUri = r.httpsUrl("KEY_VAULT_URI", r.raw("KEY_VAULT_URI"), {
    originOnly: `a vault URI is https://<vault-name>${cloud.keyVaultDnsSuffix ?? ".vault.azure.net"}/`,
  });
  if (vaultUri !== undefined && cloud.keyVaultDnsSuffix !== undefined) {
    const u = new URL(vaultUri);
    const suffix = cloud.keyVaultDnsSuffix;
    const name = u.hostname.toLowerCase().endsWith(suffix) ? u.hostname.slice(0, -suffix.length) : undefined;
    if (name === undefined || !/^[a-z][a-z0-9-]{1,22}[a-z0-9]$/i.test(name) || u.port !== "")
      r.fail(
        "KEY_VAULT_URI",
        `not a Key Vault of ${cloudName}: the host must be <vault-name>${suffix} (it is ${u.host}); the monitor sends its tokens there`,
      );
  }

  const identity = parseIdentity(r);

  const storage = parseStorage(r);
  const ingestion = parseIngestionSettings(r);
  const rotation = parseRotationSettings(r);
  const alerts = parseAlertSettings(r);

  if (r.problems.length > 0 || !dcr || !workspace) {
    // a found value that does not fit says where it came from
    const found = new Set(DISCOVERABLE_SETTINGS.filter((n) => !isSet(given, n) && discovered?.values[n] !== undefined));
    const where = discovered?.connectorName
      ? `Sentinel's connector record ${discovered.connectorName}`
      : "the workspace";
    throw new ConfigError(
      r.problems.map((p) =>
        found.has(p.setting as (typeof DISCOVERABLE_SETTINGS)[number])
          ? { setting: p.setting, message: `${p.message} (the value was found in ${where}; set ${p.setting} instead)` }
          : p,
      ),
    );
  }
  return {
    keeper: {
      tenantId,
      appId,
      dcr,
      dcrImmutableId,
      dceUri,
      workspace,
      streamName,
      tableName,
      sources: sourcesOf(given, discovered),
    },
    discovery: discovered
      ? {
          ...(discovered.connectorName ? { connectorName: discovered.connectorName } : {}),
          warnings: discovered.warnings,
        }
      : undefined,
    keyVault: vaultUri === undefined ? undefined : { uri: vaultUri + "/", secretName },
    secret: { warnDays, criticalDays },
    silenceThresholdMinutes,
    driftCheckSchedule,
    callTimeoutMs: callTimeoutSeconds * 1000,
    runBudgetMs: runBudgetSeconds * 1000,
    cloud,
    identity,
    storage,
    ingestion,
    rotation,
    alerts,
  };
}

/**
 * The https://<host> part of a whole Keeper Endpoint URL
 * (https://<dce>/dataCollectionRules/<immutable id>/streams/<stream>?api-version=…), or undefined
 * when `value` is not one.
 */
export function keeperEndpointOrigin(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return undefined;
  }
  if (u.protocol !== "https:" || u.username || u.password) return undefined;
  return /^\/dataCollectionRules\/[^/]+\/streams\/[^/]+\/?$/i.test(u.pathname) ? u.origin : undefined;
}

/** AZURE_CLOUD and, for Custom, its endpoints. */
function parseCloud(r: SettingReader): CloudProfile {
  const cloudName = r.get("AZURE_CLOUD") ?? "";
  let cloud: CloudProfile = CLOUD_PROFILES.AzureCloud;
  if (!(CLOUD_NAMES as readonly string[]).includes(cloudName)) {
    r.fail("AZURE_CLOUD", `unknown cloud "${cloudName}": expected one of ${CLOUD_NAMES.join(", ")}`);
  } else if (cloudName === "Custom") {
    // each SDK appends its own paths (Graph /v1.0, Log Analytics /v1, ARM /subscriptions, Entra /<tenant>)
    const endpoint = (name: string, path: string): string =>
      r.httpsUrl(name, r.required(name, "an https endpoint (required when AZURE_CLOUD=Custom)"), {
        originOnly: path,
      }) ?? "";
    cloud = customCloud({
      authorityHost: endpoint("AZURE_AUTHORITY_HOST", "the tenant is added to the host by the SDK"),
      resourceManagerEndpoint: endpoint("AZURE_RESOURCE_MANAGER_ENDPOINT", "the SDK adds /subscriptions/…"),
      graphEndpoint: endpoint("MICROSOFT_GRAPH_ENDPOINT", "give the host without /v1.0; the SDK adds it"),
      logAnalyticsEndpoint: endpoint("LOG_ANALYTICS_ENDPOINT", "give the host without /v1; the SDK adds it"),
    });
  } else {
    cloud = CLOUD_PROFILES[cloudName as Exclude<CloudName, "Custom">];
    for (const name of [
      "AZURE_AUTHORITY_HOST",
      "AZURE_RESOURCE_MANAGER_ENDPOINT",
      "MICROSOFT_GRAPH_ENDPOINT",
      "LOG_ANALYTICS_ENDPOINT",
    ]) {
      const v = r.raw(name);
      // the cloud's own authority host is harmless (az and azd environments often carry it)
      if (v === undefined || (name === "AZURE_AUTHORITY_HOST" && v.replace(/\/+$/, "") === cloud.authorityHost))
        continue;
      r.fail(name, `only used when AZURE_CLOUD=Custom (it is ${cloudName}, which ignores it); remove it`);
    }
  }
  return cloud;
}

/** The monitor's own identity: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET. */
function parseIdentity(r: SettingReader): Config["identity"] {
  const identity: Config["identity"] = {};
  const idClient = r.raw("AZURE_CLIENT_ID");
  const idTenant = r.raw("AZURE_TENANT_ID");
  const idSecret = r.raw("AZURE_CLIENT_SECRET");
  if (idClient !== undefined) {
    if (!isGuid(idClient)) r.fail("AZURE_CLIENT_ID", "not a GUID: expected the client ID of the monitor's identity");
    identity.clientId = idClient;
  }
  if (idTenant !== undefined) {
    if (!isGuid(idTenant))
      r.fail("AZURE_TENANT_ID", "not a GUID: expected the tenant of the monitor's app registration");
    identity.tenantId = idTenant;
  }
  if (idSecret !== undefined) {
    if (idClient === undefined || idTenant === undefined)
      r.fail(
        "AZURE_CLIENT_SECRET",
        "set without AZURE_CLIENT_ID and AZURE_TENANT_ID: all three are needed for a client-secret identity",
      );
    identity.clientSecret = idSecret;
  }
  const graphApp = r.raw("KEEPER_GRAPH_APP_ID");
  if (graphApp !== undefined) {
    if (!isGuid(graphApp))
      r.fail(
        "KEEPER_GRAPH_APP_ID",
        "not a GUID: expected the client ID of the multi-tenant app registration that trusts the monitor's managed identity",
      );
    identity.graphAppId = graphApp;
  }

  return identity;
}
