/** Valid required settings for tests (fictitious IDs). */
const SUB = "11111111-2222-3333-4444-555555555555";
export const VALID_ENV = {
  KEEPER_TENANT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
  KEEPER_APP_ID: "12345678-1234-1234-1234-123456789abc",
  KEEPER_DCR_RESOURCE_ID: `/subscriptions/${SUB}/resourceGroups/rg-sentinel/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR`,
  KEEPER_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
  KEEPER_DCE_URI: "https://law-sentinel-abcd.eastus-1.ingest.monitor.azure.com",
  KEEPER_WORKSPACE_RESOURCE_ID: `/subscriptions/${SUB}/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`,
};
