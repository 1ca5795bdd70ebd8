// keeper-connector-monitor: the monitor's own resources in one resource group, plus read roles on
// the existing Keeper connector (DCR, DCE, Sentinel workspace), wherever those live.
// `azd up` deploys it with main.parameters.json; azuredeploy.json is this file compiled
// (bicep build), for the "Deploy to Azure" button. Keep both in step: CI compares them.
targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

@description('Name of the environment (azd environment name); part of every resource name.')
@minLength(1)
@maxLength(40)
param environmentName string

@description('Azure region of the monitor\'s resources (Flex Consumption must be offered there).')
param location string = resourceGroup().location

@description('Extra tags for every resource.')
param tags object = {}

// ---------------------------------------------------------------------------------------------
// The Keeper connector the monitor watches (existing resources)
// ---------------------------------------------------------------------------------------------

@description('Entra tenant (GUID) of the Keeper app registration.')
@minLength(36)
@maxLength(36)
param keeperTenantId string = tenant().tenantId

@description('Application (client) ID Keeper is configured with (GUID).')
@minLength(36)
@maxLength(36)
param keeperAppId string

@description('Resource ID of the Keeper data collection rule (Microsoft.Insights/dataCollectionRules).')
param keeperDcrResourceId string

@description('Immutable id (dcr-...) of the Keeper data collection rule, as in Keeper\'s endpoint URL.')
param keeperDcrImmutableId string

@description('Logs-ingestion URI of the data collection endpoint Keeper posts to (https://...ingest.monitor.azure.com).')
param keeperDceUri string

@description('Resource ID of that data collection endpoint (Microsoft.Insights/dataCollectionEndpoints); used only to grant the monitor read access to it.')
param keeperDceResourceId string

@description('Resource ID of the Sentinel Log Analytics workspace the Keeper table lives in.')
param keeperWorkspaceResourceId string

@description('Input stream Keeper posts to.')
param keeperStreamName string = 'Custom-KeeperSecurityEventNewLogs'

@description('Custom Log Analytics table the DCR writes to.')
param keeperTableName string = 'KeeperSecurityEventNewLogs_CL'

// ---------------------------------------------------------------------------------------------
// Monitor behaviour
// ---------------------------------------------------------------------------------------------

@description('Name of the Key Vault secret that holds the Keeper client secret (written by the rotation).')
param keyVaultSecretName string = 'keeper-connector-client-secret'

@description('secret.expiry is a warning at or below this many days left.')
@minValue(1)
param secretWarnDays int = 14

@description('secret.expiry is critical at or below this many days left (below secretWarnDays).')
@minValue(1)
param secretCriticalDays int = 7

@description('ingestion.freshness is a problem when no Keeper event arrived for longer than this (minutes).')
@minValue(5)
param silenceThresholdMinutes int = 60

@description('Minutes between two drift checks. Sets DRIFT_CHECK_SCHEDULE and the watchdog alert\'s window (2 x this + 5 minutes).')
@allowed([
  5
  10
  15
  20
  30
  60
])
param driftCheckIntervalMinutes int = 15

@description('Timeout of each outbound call, retries included (seconds).')
@minValue(1)
@maxValue(30)
param callTimeoutSeconds int = 30

@description('Time budget of one whole run (seconds).')
@minValue(10)
@maxValue(300)
param runBudgetSeconds int = 240

@description('Azure cloud the connector lives in: AzureCloud, AzureUSGovernment or AzureChinaCloud (default: the cloud deployed to). This template does not deploy a Custom cloud.')
param azureCloud string = environment().name

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

@description('Email address for the watchdog alert (the monitor itself stopped running). Empty: no receiver.')
param alertEmail string = ''

@description('Teams Workflows webhook URL for the monitor\'s alerts. Stored in Key Vault, never in an app setting. Empty: Teams alerts are off.')
@secure()
param teamsWebhookUrl string = ''

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, location, environmentName))
var allTags = union(tags, { 'azd-env-name': environmentName })
var identityName = 'id-kcm-${resourceToken}'
var storageName = 'stkcm${resourceToken}'
var keyVaultName = 'kv-kcm-${resourceToken}'
var functionAppName = 'func-kcm-${resourceToken}'
var planName = 'plan-kcm-${resourceToken}'
var logWorkspaceName = 'log-kcm-${resourceToken}'
var appInsightsName = 'appi-kcm-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'
var teamsWebhookSecretName = 'alert-teams-webhook-url'
// The timer's function name (src/functions): what the watchdog counts in the requests table.
var driftCheckFunctionName = 'driftCheck'
var driftCheckSchedule = driftCheckIntervalMinutes == 60 ? '0 0 * * * *' : '0 */${driftCheckIntervalMinutes} * * * *'

// Resource IDs: /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}
var dcrParts = split(keeperDcrResourceId, '/')
var dceParts = split(keeperDceResourceId, '/')
var workspaceParts = split(keeperWorkspaceResourceId, '/')

// ---------------------------------------------------------------------------------------------
// The monitor's resources
// ---------------------------------------------------------------------------------------------

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageName
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    // Role assignment names hash the principal id (not the identity's resource id) so that a
    // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: logWorkspaceName
    appInsightsName: appInsightsName
    location: location
    tags: allTags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'key-vault'
  params: {
    name: keyVaultName
    location: location
    tags: allTags
    // Role assignment names hash the principal id (not the identity's resource id) so that a
    // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
    teamsWebhookSecretName: teamsWebhookSecretName
    teamsWebhookUrl: teamsWebhookUrl
  }
}

// Host settings: identity-based AzureWebJobsStorage (no keys exist) and telemetry. Flex
// Consumption takes the runtime from functionAppConfig, so FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION are not set (the platform rejects them there).
var platformSettings = [
  { name: 'AzureWebJobsStorage__accountName', value: storage.outputs.name }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.outputs.clientId }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.outputs.blobEndpoint }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.outputs.queueEndpoint }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.outputs.tableEndpoint }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: monitoring.outputs.connectionString }
]

// The monitor's settings (src/config/settings.ts); test/infra/settings-consistency.test.ts keeps
// this list and the code in step. Custom-cloud endpoints and the outside-Azure credentials
// (AZURE_TENANT_ID, AZURE_CLIENT_SECRET) are deliberately not set.
var monitorSettings = [
  { name: 'KEEPER_TENANT_ID', value: keeperTenantId }
  { name: 'KEEPER_APP_ID', value: keeperAppId }
  { name: 'KEEPER_DCR_RESOURCE_ID', value: keeperDcrResourceId }
  { name: 'KEEPER_DCR_IMMUTABLE_ID', value: keeperDcrImmutableId }
  { name: 'KEEPER_DCE_URI', value: keeperDceUri }
  { name: 'KEEPER_WORKSPACE_RESOURCE_ID', value: keeperWorkspaceResourceId }
  { name: 'KEEPER_STREAM_NAME', value: keeperStreamName }
  { name: 'KEEPER_TABLE_NAME', value: keeperTableName }
  { name: 'KEY_VAULT_URI', value: keyVault.outputs.uri }
  { name: 'KEY_VAULT_SECRET_NAME', value: keyVaultSecretName }
  { name: 'SECRET_WARN_DAYS', value: string(secretWarnDays) }
  { name: 'SECRET_CRITICAL_DAYS', value: string(secretCriticalDays) }
  { name: 'SILENCE_THRESHOLD_MINUTES', value: string(silenceThresholdMinutes) }
  { name: 'DRIFT_CHECK_SCHEDULE', value: driftCheckSchedule }
  { name: 'CALL_TIMEOUT_SECONDS', value: string(callTimeoutSeconds) }
  { name: 'RUN_BUDGET_SECONDS', value: string(runBudgetSeconds) }
  { name: 'AZURE_CLOUD', value: azureCloud }
  { name: 'AZURE_CLIENT_ID', value: identity.outputs.clientId }
]

// Secrets reach the app only as Key Vault references, resolved with the user-assigned identity.
var secretSettings = empty(teamsWebhookUrl)
  ? []
  : [
      {
        name: 'ALERT_TEAMS_WEBHOOK_URL'
        value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${teamsWebhookSecretName})'
      }
    ]

module functionApp 'modules/functionapp.bicep' = {
  name: 'function-app'
  params: {
    name: functionAppName
    planName: planName
    location: location
    tags: allTags
    siteTags: union(allTags, { 'azd-service-name': 'monitor' })
    identityId: identity.outputs.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSettings: concat(platformSettings, monitorSettings, secretSettings)
  }
}

module watchdog 'modules/watchdog.bicep' = {
  name: 'watchdog'
  params: {
    alertName: 'alert-kcm-${resourceToken}-not-running'
    actionGroupName: 'ag-kcm-${resourceToken}'
    location: location
    tags: allTags
    appInsightsId: monitoring.outputs.appInsightsId
    driftCheckFunctionName: driftCheckFunctionName
    driftCheckIntervalMinutes: driftCheckIntervalMinutes
    alertEmail: alertEmail
  }
}

// ---------------------------------------------------------------------------------------------
// Read access to the existing Keeper connector, in its own resource group and subscription
// ---------------------------------------------------------------------------------------------

module dcrRole 'modules/role-on-dcr.bicep' = {
  name: 'keeper-dcr-reader-${resourceToken}'
  scope: resourceGroup(dcrParts[2], dcrParts[4])
  params: {
    dcrName: last(dcrParts)
    // Role assignment names hash the principal id (not the identity's resource id) so that a
    // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
  }
}

module dceRole 'modules/role-on-dce.bicep' = {
  name: 'keeper-dce-reader-${resourceToken}'
  scope: resourceGroup(dceParts[2], dceParts[4])
  params: {
    dceName: last(dceParts)
    // Role assignment names hash the principal id (not the identity's resource id) so that a
    // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
  }
}

module workspaceRole 'modules/role-on-workspace.bicep' = {
  name: 'keeper-workspace-reader-${resourceToken}'
  scope: resourceGroup(workspaceParts[2], workspaceParts[4])
  params: {
    workspaceName: last(workspaceParts)
    // Role assignment names hash the principal id (not the identity's resource id) so that a
    // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd stores them in the environment; the postprovision hook reads the identity's)
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output MONITOR_IDENTITY_NAME string = identity.outputs.name
output MONITOR_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output MONITOR_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output KEEPER_APP_ID string = keeperAppId
output KEY_VAULT_NAME string = keyVault.outputs.name
output KEY_VAULT_URI string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
output WATCHDOG_ALERT_ID string = watchdog.outputs.alertRuleId
