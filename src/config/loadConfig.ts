import { CLOUD_NAMES, CLOUD_PROFILES, customCloud, type CloudName, type CloudProfile } from "./clouds.js";
import { settingDefault } from "./settings.js";
import { parseArmId, type ArmId } from "../azure/armId.js";
import { isValidSchedule } from "./schedule.js";

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
  };
  keyVault: { uri: string; secretName: string } | undefined;
  secret: { warnDays: number; criticalDays: number };
  silenceThresholdMinutes: number;
  driftCheckSchedule: string;
  callTimeoutMs: number;
  runBudgetMs: number;
  cloud: CloudProfile;
  /** The monitor's own identity; a client secret only outside Azure. Never printed. */
  identity: { clientId?: string; tenantId?: string; clientSecret?: string };
}

export interface SettingProblem {
  setting: string;
  message: string;
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

type Env = Record<string, string | undefined>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DCR_IMMUTABLE_ID = /^dcr-[0-9a-f]{32}$/i;

/** Reads and validates every setting at once; throws ConfigError naming each problem. */
export function loadConfig(env: Env): Config {
  const problems: SettingProblem[] = [];
  const raw = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  const get = (name: string): string | undefined => raw(name) ?? settingDefault(name);
  const fail = (setting: string, message: string): void => {
    problems.push({ setting, message });
  };
  const required = (name: string, what: string): string | undefined => {
    const v = raw(name);
    if (v === undefined) fail(name, `missing: ${what}`);
    return v;
  };

  const guid = (name: string, what: string): string => {
    const v = required(name, what);
    if (v !== undefined && !GUID.test(v))
      fail(name, `not a GUID: expected ${what} like 00000000-0000-0000-0000-000000000000`);
    return v ?? "";
  };
  const armId = (name: string, provider: string, type: string, what: string): ArmId | undefined => {
    const v = required(name, what);
    if (v === undefined) return undefined;
    const id = parseArmId(v);
    if (!id) {
      fail(
        name,
        `not an ARM resource ID: expected /subscriptions/<id>/resourceGroups/<rg>/providers/${provider}/${type}/<name>`,
      );
      return undefined;
    }
    if (id.provider.toLowerCase() !== provider.toLowerCase() || id.type.toLowerCase() !== type.toLowerCase()) {
      fail(name, `an ARM ID of the wrong type: ${id.provider}/${id.type}, expected ${provider}/${type}`);
      return undefined;
    }
    if (!GUID.test(id.subscriptionId)) fail(name, `subscription "${id.subscriptionId}" in the ARM ID is not a GUID`);
    return id;
  };
  const httpsUrl = (name: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      fail(name, "not a URL: expected an https URL");
      return undefined;
    }
    if (u.protocol !== "https:") {
      fail(name, `not an https URL (${u.protocol.replace(":", "")}): bearer tokens are only sent over https`);
      return undefined;
    }
    if (u.search || u.hash) {
      fail(name, "must not carry a query string or fragment");
      return undefined;
    }
    return u.toString().replace(/\/+$/, "");
  };
  const int = (name: string, min: number, max: number): number => {
    const v = get(name) ?? "";
    if (!/^\d+$/.test(v)) {
      fail(name, `not a whole number: "${v}"`);
      return Number.NaN;
    }
    const n = Number(v);
    if (n < min || n > max) fail(name, `out of range: ${n}, expected ${min}–${max}`);
    return n;
  };

  const tenantId = guid("KEEPER_TENANT_ID", "the Entra tenant ID");
  const appId = guid("KEEPER_APP_ID", "the application (client) ID Keeper uses");
  const dcr = armId("KEEPER_DCR_RESOURCE_ID", "Microsoft.Insights", "dataCollectionRules", "the DCR's ARM resource ID");
  const dcrImmutableId =
    required("KEEPER_DCR_IMMUTABLE_ID", "the DCR immutable id (dcr-…) Keeper is configured with") ?? "";
  if (dcrImmutableId && !DCR_IMMUTABLE_ID.test(dcrImmutableId))
    fail("KEEPER_DCR_IMMUTABLE_ID", 'not a DCR immutable id: expected "dcr-" followed by 32 hex digits');
  const dceUri =
    httpsUrl("KEEPER_DCE_URI", required("KEEPER_DCE_URI", "the DCE logs-ingestion URI Keeper is configured with")) ??
    "";
  const workspace = armId(
    "KEEPER_WORKSPACE_RESOURCE_ID",
    "Microsoft.OperationalInsights",
    "workspaces",
    "the Sentinel workspace's ARM resource ID",
  );
  const streamName = get("KEEPER_STREAM_NAME") ?? "";
  if (!/^Custom-[A-Za-z0-9_]+$/.test(streamName))
    fail("KEEPER_STREAM_NAME", 'not a custom stream name: expected "Custom-" followed by letters, digits or _');
  const tableName = get("KEEPER_TABLE_NAME") ?? "";
  if (!/^[A-Za-z][A-Za-z0-9_]*_CL$/.test(tableName))
    fail("KEEPER_TABLE_NAME", 'not a custom table name: expected letters, digits or _ ending in "_CL"');

  const vaultUri = httpsUrl("KEY_VAULT_URI", raw("KEY_VAULT_URI"));
  const secretName = get("KEY_VAULT_SECRET_NAME") ?? "";
  if (!/^[0-9A-Za-z-]{1,127}$/.test(secretName))
    fail("KEY_VAULT_SECRET_NAME", "not a Key Vault secret name: 1–127 letters, digits or dashes");

  const warnDays = int("SECRET_WARN_DAYS", 1, 365);
  const criticalDays = int("SECRET_CRITICAL_DAYS", 0, 365);
  if (criticalDays >= warnDays)
    fail("SECRET_CRITICAL_DAYS", `must be below SECRET_WARN_DAYS (${criticalDays} ≥ ${warnDays})`);
  const silenceThresholdMinutes = int("SILENCE_THRESHOLD_MINUTES", 5, 7 * 24 * 60);
  const driftCheckSchedule = get("DRIFT_CHECK_SCHEDULE") ?? "";
  if (!isValidSchedule(driftCheckSchedule))
    fail(
      "DRIFT_CHECK_SCHEDULE",
      `not an NCRONTAB schedule of six fields (sec min hour day month weekday): "${driftCheckSchedule}"`,
    );
  const callTimeoutSeconds = int("CALL_TIMEOUT_SECONDS", 1, 30);
  const runBudgetSeconds = int("RUN_BUDGET_SECONDS", 10, 300);

  const cloudName = get("AZURE_CLOUD") ?? "";
  let cloud: CloudProfile = CLOUD_PROFILES.AzureCloud;
  if (!(CLOUD_NAMES as readonly string[]).includes(cloudName)) {
    fail("AZURE_CLOUD", `unknown cloud "${cloudName}": expected one of ${CLOUD_NAMES.join(", ")}`);
  } else if (cloudName === "Custom") {
    const endpoint = (name: string): string =>
      httpsUrl(name, required(name, "an https endpoint (required when AZURE_CLOUD=Custom)")) ?? "";
    cloud = customCloud({
      authorityHost: endpoint("AZURE_AUTHORITY_HOST"),
      resourceManagerEndpoint: endpoint("AZURE_RESOURCE_MANAGER_ENDPOINT"),
      graphEndpoint: endpoint("MICROSOFT_GRAPH_ENDPOINT"),
      logAnalyticsEndpoint: endpoint("LOG_ANALYTICS_ENDPOINT"),
    });
  } else {
    cloud = CLOUD_PROFILES[cloudName as Exclude<CloudName, "Custom">];
    for (const name of ["AZURE_RESOURCE_MANAGER_ENDPOINT", "MICROSOFT_GRAPH_ENDPOINT", "LOG_ANALYTICS_ENDPOINT"])
      if (raw(name) !== undefined) fail(name, `only used when AZURE_CLOUD=Custom (it is ${cloudName}); remove it`);
  }

  const identity: Config["identity"] = {};
  const idClient = raw("AZURE_CLIENT_ID");
  const idTenant = raw("AZURE_TENANT_ID");
  const idSecret = raw("AZURE_CLIENT_SECRET");
  if (idClient !== undefined) {
    if (!GUID.test(idClient)) fail("AZURE_CLIENT_ID", "not a GUID: expected the client ID of the monitor's identity");
    identity.clientId = idClient;
  }
  if (idTenant !== undefined) {
    if (!GUID.test(idTenant))
      fail("AZURE_TENANT_ID", "not a GUID: expected the tenant of the monitor's app registration");
    identity.tenantId = idTenant;
  }
  if (idSecret !== undefined) {
    if (idClient === undefined || idTenant === undefined)
      fail(
        "AZURE_CLIENT_SECRET",
        "set without AZURE_CLIENT_ID and AZURE_TENANT_ID: all three are needed for a client-secret identity",
      );
    identity.clientSecret = idSecret;
  }

  if (problems.length > 0 || !dcr || !workspace) throw new ConfigError(problems);
  return {
    keeper: { tenantId, appId, dcr, dcrImmutableId, dceUri, workspace, streamName, tableName },
    keyVault: vaultUri === undefined ? undefined : { uri: vaultUri + "/", secretName },
    secret: { warnDays, criticalDays },
    silenceThresholdMinutes,
    driftCheckSchedule,
    callTimeoutMs: callTimeoutSeconds * 1000,
    runBudgetMs: runBudgetSeconds * 1000,
    cloud,
    identity,
  };
}
