/**
 * The monitor's settings: names, defaults and meaning. Names are part of the public
 * interface (app settings in Azure, environment variables elsewhere): add, don't rename.
 * README's settings table, local.settings.sample.json and the Bicep template are checked
 * against this list by tests.
 */
import { INGESTION_SETTINGS } from "./ingestionSettings.js";
import { ROTATION_SETTINGS } from "./rotationSettings.js";
import { ALERT_SETTINGS } from "./alertSettings.js";
import type { SettingSpec } from "./settingSpec.js";

const DRIFT_SETTINGS: readonly SettingSpec[] = [
  { name: "KEEPER_TENANT_ID", required: true, description: "Entra tenant (GUID) of the Keeper app registration." },
  { name: "KEEPER_APP_ID", required: true, description: "Application (client) ID Keeper is configured with (GUID)." },
  {
    name: "KEEPER_DCR_RESOURCE_ID",
    required: true,
    description:
      "ARM resource ID of the Data Collection Rule (Microsoft.Insights/dataCollectionRules); no query, fragment or space.",
  },
  {
    name: "KEEPER_DCR_IMMUTABLE_ID",
    required: true,
    description: "The DCR immutable id (dcr-…) Keeper is configured with.",
  },
  {
    name: "KEEPER_DCE_URI",
    required: true,
    description:
      "The DCE logs-ingestion URI Keeper is configured with (https://…ingest.monitor.azure.com: a host, without path or user info).",
  },
  {
    name: "KEEPER_WORKSPACE_RESOURCE_ID",
    required: true,
    description: "ARM resource ID of the Sentinel Log Analytics workspace; no query, fragment or space.",
  },
  {
    name: "KEEPER_STREAM_NAME",
    required: false,
    default: "Custom-KeeperSecurityEventNewLogs",
    description: "Input stream Keeper posts to. Found when unset, like the five above.",
  },
  {
    name: "KEEPER_TABLE_NAME",
    required: false,
    default: "KeeperSecurityEventNewLogs_CL",
    description: "Custom Log Analytics table the DCR writes to. Found when unset, like the five above.",
  },
  {
    name: "KEY_VAULT_URI",
    required: false,
    description:
      "Vault that holds the Keeper client secret (https://<name>.vault.azure.net/, no path; the host must be under the cloud's Key Vault suffix, any https host under Custom). Unset: secret.vault reports ok, not configured.",
  },
  {
    name: "KEY_VAULT_SECRET_NAME",
    required: false,
    default: "keeper-connector-client-secret",
    description: "Name of the Key Vault secret that holds the Keeper client secret.",
  },
  {
    name: "SECRET_WARN_DAYS",
    required: false,
    default: "14",
    description: "secret.expiry is a warning at or below this many days left.",
  },
  {
    name: "SECRET_CRITICAL_DAYS",
    required: false,
    default: "7",
    description: "secret.expiry is critical at or below this many days left (must be below SECRET_WARN_DAYS).",
  },
  {
    name: "SILENCE_THRESHOLD_MINUTES",
    required: false,
    default: "60",
    description:
      "Fixed silence threshold: the fallback while the traffic history is too short; when set explicitly it overrides the learned baseline.",
  },
  {
    name: "DRIFT_CHECK_SCHEDULE",
    required: false,
    default: "0 */15 * * * *",
    description:
      "NCRONTAB schedule (UTC, six fields) of the driftCheck timer; at most once a minute, like every schedule.",
  },
  {
    name: "CALL_TIMEOUT_SECONDS",
    required: false,
    default: "30",
    description: "Timeout of each outbound call, retries included (1–30).",
  },
  {
    name: "RUN_BUDGET_SECONDS",
    required: false,
    default: "240",
    description: "Time budget of one whole run; what is not known by then is reported unknown (10–300).",
  },
  {
    name: "AZURE_CLOUD",
    required: false,
    default: "AzureCloud",
    description: "AzureCloud, AzureUSGovernment, AzureChinaCloud or Custom (endpoints below).",
  },
  {
    name: "AZURE_AUTHORITY_HOST",
    required: "custom-cloud",
    description:
      "Custom cloud only: Entra authority host (https URL, no path). Under another cloud it is refused unless it is that cloud's own host.",
  },
  {
    name: "AZURE_RESOURCE_MANAGER_ENDPOINT",
    required: "custom-cloud",
    description: "Custom cloud only: Azure Resource Manager endpoint (https URL, no path).",
  },
  {
    name: "MICROSOFT_GRAPH_ENDPOINT",
    required: "custom-cloud",
    description: "Custom cloud only: Microsoft Graph endpoint (https URL, no path: without /v1.0).",
  },
  {
    name: "LOG_ANALYTICS_ENDPOINT",
    required: "custom-cloud",
    description: "Custom cloud only: Log Analytics query endpoint (https URL, no path: without /v1).",
  },
  {
    name: "AZURE_CLIENT_ID",
    required: false,
    description:
      "The monitor's own identity: client ID of the user-assigned managed identity in Azure, or of an app registration elsewhere.",
  },
  {
    name: "AZURE_TENANT_ID",
    required: false,
    description:
      "The monitor's own identity, outside Azure only: tenant of the app registration (with AZURE_CLIENT_SECRET).",
  },
  {
    name: "KEEPER_GRAPH_APP_ID",
    required: false,
    description:
      "Keeper connectors in other tenants: client ID (GUID) of the multi-tenant app registration that trusts the monitor's managed identity as a federated credential; Graph is called in the connector's tenant as this app (docs/multi-tenant.md).",
  },
  {
    name: "AZURE_CLIENT_SECRET",
    required: false,
    secret: true,
    description:
      "The monitor's own identity, outside Azure only: client secret of its app registration. Never set in Azure.",
  },
];

export const SETTINGS: readonly SettingSpec[] = [
  ...DRIFT_SETTINGS,
  ...INGESTION_SETTINGS,
  ...ROTATION_SETTINGS,
  ...ALERT_SETTINGS,
];

export function settingDefault(name: string): string | undefined {
  return SETTINGS.find((s) => s.name === name)?.default;
}
