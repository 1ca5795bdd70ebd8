/** Fixed identifiers of the emulated tenant. Realistic GUIDs, made up for this emulator. */
export const TENANT_ID = "6135686b-7a6a-414c-a0be-5385dd0e9178";
export const SUBSCRIPTION_ID = "73b3a448-c7db-4a3e-ba47-cb439fe50457";
export const RESOURCE_GROUP = "rg-sentinel";
export const LOCATION = "westeurope";
export const WORKSPACE_NAME = "law-sentinel";
export const WORKSPACE_CUSTOMER_ID = "d08b5b7b-3a3f-49ea-bd9c-73cdadd2f293";
export const OTHER_WORKSPACE_NAME = "law-sentinel-dr";
export const OTHER_WORKSPACE_CUSTOMER_ID = "571c4719-c49a-4f7c-820d-28f590047ccd";
export const DCR_NAME = "KeeperSecurityEventLogs_DCR";
export const DCE_NAME = WORKSPACE_NAME;
export const TABLE_NAME = "KeeperSecurityEventNewLogs_CL";
export const STREAM_NAME = "Custom-KeeperSecurityEventNewLogs";
export const OUTPUT_STREAM = "Custom-KeeperSecurityEventNewLogs_CL";
export const DCR_IMMUTABLE_ID = "dcr-df6d57b84a35d1d9ad7456fbd986a5cd";
export const DCR_IMMUTABLE_ID_RECREATED = "dcr-e5d4262513dcb0679d078a0c30ce01dc";
export const DCE_IMMUTABLE_ID = "dce-867a6e9f08d2ac1a228b6ab8d3670377";
export const KEY_VAULT_NAME = "kv-keeper-monitor";
export const KEY_VAULT_SECRET_NAME = "keeper-connector-client-secret";

export const MONITOR_APP_ID = "a85e713a-591b-4b05-8a1f-f94bad9824ca";
export const MONITOR_APP_OBJECT_ID = "9b3ec49c-9c6c-4ce0-8b52-90c9b43d7719";
export const MONITOR_SP_ID = "54bbee4a-fc56-4cdd-bbec-8e9e3a12d423";
/** The monitor's user-assigned managed identity, as the deployment names it (its client id is MONITOR_APP_ID). */
export const MONITOR_IDENTITY_RESOURCE_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-keeper-monitor/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-keeper-monitor`;
export const MONITOR_SECRET_KEY_ID = "32336e9d-07aa-4db2-9742-3845fb032a68";
export const KEEPER_APP_ID = "6897d2c6-ca50-46d5-8972-5efc9562512e";
export const KEEPER_APP_OBJECT_ID = "5b84c280-1685-4764-825b-14539d7908a1";
export const KEEPER_SP_ID = "89d3ca57-1cd6-4b86-a60d-b3f87f2201d2";
export const KEEPER_SECRET_KEY_ID = "c6205652-664d-4645-93f9-3e1eeb9e47f4";
export const KEEPER_APP_DISPLAY_NAME = "Keeper Security Connector Application";
export const MONITOR_APP_DISPLAY_NAME = "keeper-connector-monitor";
export const MAIL_SENDER = "keeper-monitor@example.com";
export const TEAMS_WORKFLOW_ID = "06b5efbb853d4114b9aaa8363ae2eb2b";

export const ROLE = {
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  monitoringReader: "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
  logAnalyticsReader: "73c42c96-874c-492b-b04d-ab87d138a893",
  logAnalyticsContributor: "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  sentinelReader: "8d289c81-5878-46d4-8554-54e1e3d8b5cb",
} as const;

export const AUDIENCE = {
  arm: "https://management.azure.com",
  graph: "https://graph.microsoft.com",
  logs: "https://api.loganalytics.io",
  vault: "https://vault.azure.net",
  ingestion: "https://monitor.azure.com",
} as const;

export const rgId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}`;
export const IDS = {
  subscription: `/subscriptions/${SUBSCRIPTION_ID}`,
  resourceGroup: rgId,
  workspace: `${rgId}/providers/Microsoft.OperationalInsights/workspaces/${WORKSPACE_NAME}`,
  otherWorkspace: `${rgId}/providers/Microsoft.OperationalInsights/workspaces/${OTHER_WORKSPACE_NAME}`,
  table: `${rgId}/providers/Microsoft.OperationalInsights/workspaces/${WORKSPACE_NAME}/tables/${TABLE_NAME}`,
  dcr: `${rgId}/providers/Microsoft.Insights/dataCollectionRules/${DCR_NAME}`,
  dce: `${rgId}/providers/Microsoft.Insights/dataCollectionEndpoints/${DCE_NAME}`,
  vault: `${rgId}/providers/Microsoft.KeyVault/vaults/${KEY_VAULT_NAME}`,
} as const;

export const roleDefinitionId = (roleGuid: string): string =>
  `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;

/**
 * A customer's tenant, watched from the tenant above (a managed security provider's): its own
 * directory, with its own Keeper app. The monitor reaches its Azure resources through Azure
 * Lighthouse and its directory as the provider's multi-tenant app MONITOR_GRAPH_APP_ID.
 */
export const CUSTOMER_TENANT_ID = "3f5c2a9e-8b1d-4c7a-9e6f-2d4b8a1c5e70";
export const CUSTOMER_KEEPER_APP_ID = "c1a7e0d4-5b3f-4e2a-9c8d-7f6e5d4c3b2a";
export const CUSTOMER_KEEPER_APP_OBJECT_ID = "d2b8f1e5-6c4a-4f3b-8d9e-8a7f6e5d4c3b";
export const CUSTOMER_KEEPER_SP_ID = "e3c9a2f6-7d5b-4a4c-9eaf-9b8a7f6e5d4c";
export const CUSTOMER_KEEPER_SECRET_KEY_ID = "f4dab3a7-8e6c-4b5d-8fb0-ac9b8a7f6e5d";
/** The provider's multi-tenant app registration whose federated credential is the monitor's identity. */
export const MONITOR_GRAPH_APP_ID = "0a4e6c8b-2d1f-4a3e-b5c7-9d8e7f6a5b4c";
export const MONITOR_GRAPH_APP_OBJECT_ID = "1b5f7d9c-3e2a-4b4f-86d8-ae9f8a7b6c5d";
/** Its service principal in the provider's tenant, and in the customer's (after admin consent). */
export const MONITOR_GRAPH_SP_ID = "2c6a8ead-4f3b-4c5a-97e9-bfa09b8c7d6e";
export const MONITOR_GRAPH_CUSTOMER_SP_ID = "3d7b9fbe-5a4c-4d6b-a8fa-c0b1ac9d8e7f";
/** The audience of a managed identity's token used as a federated credential (global Entra ID). */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
