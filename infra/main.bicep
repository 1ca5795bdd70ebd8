// keeper-connector-monitor: the monitor's own resources in one resource group, plus read roles on
// the existing Keeper connector (DCR, DCE, Sentinel workspace), or on several Sentinel workspaces
// and their resource groups (keeperWorkspaceResourceIds), wherever those live.
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
// The Keeper connector(s) the monitor watches (existing resources)
// ---------------------------------------------------------------------------------------------
// One connector: its values below (keeperWorkspaceResourceIds empty). Several workspaces: list them
// in keeperWorkspaceResourceIds and leave the single connector's values empty; the monitor then
// finds every Keeper connector in Sentinel (README: "Several connectors, one deployment").

@description('Several Sentinel workspaces (resource IDs, any subscription or resource group) whose Keeper connectors one monitor watches; each connector\'s values are found in Sentinel. Non-empty: leave keeperTenantId, keeperAppId, keeperDcrResourceId, keeperDcrImmutableId, keeperDceUri, keeperDceResourceId and keeperWorkspaceResourceId empty and keeperStreamName at its default (keeperTableName names the Keeper table in each workspace, for its read role). Empty (default): one connector, given by those values. At most 100.')
@maxLength(100)
param keeperWorkspaceResourceIds string[] = []

@description('Entra tenant (GUID) of the Keeper app registration. Empty: the deployment\'s tenant.')
@maxLength(36)
param keeperTenantId string = ''

@description('Client ID of the multi-tenant app registration whose federated credential is the monitor\'s managed identity: Graph is called as this app in a connector\'s own tenant when that is not the deployment\'s (docs/multi-tenant.md). Empty (default): every connector is in the deployment\'s tenant.')
@maxLength(36)
param keeperGraphAppId string = ''

@description('Application (client) ID Keeper is configured with (GUID). Required for one connector.')
@maxLength(36)
param keeperAppId string = ''

@description('Resource ID of the Keeper data collection rule (Microsoft.Insights/dataCollectionRules). Required for one connector.')
param keeperDcrResourceId string = ''

@description('Immutable id (dcr-...) of the Keeper data collection rule, as in Keeper\'s endpoint URL. Required for one connector.')
param keeperDcrImmutableId string = ''

@description('Logs-ingestion URI of the data collection endpoint Keeper posts to (https://...ingest.monitor.azure.com). Required for one connector.')
param keeperDceUri string = ''

@description('Resource ID of that data collection endpoint (Microsoft.Insights/dataCollectionEndpoints); used only to grant the monitor read access to it. Required for one connector.')
param keeperDceResourceId string = ''

@description('Resource ID of the Sentinel Log Analytics workspace the Keeper table lives in. Required for one connector.')
param keeperWorkspaceResourceId string = ''

@description('Input stream Keeper posts to (one connector only).')
param keeperStreamName string = 'Custom-KeeperSecurityEventNewLogs'

@description('Custom Log Analytics table the DCR writes to; with several workspaces, the Keeper table of each, for its table-level read role.')
param keeperTableName string = 'KeeperSecurityEventNewLogs_CL'

// ---------------------------------------------------------------------------------------------
// Monitor behaviour
// ---------------------------------------------------------------------------------------------

@description('Name of the Key Vault secret that holds the Keeper client secret (written by the rotation).')
param keyVaultSecretName string = 'keeper-connector-client-secret'

@description('secret.expiry is a warning at or below this many days left.')
@minValue(1)
@maxValue(365)
param secretWarnDays int = 14

@description('secret.expiry is critical at or below this many days left (below secretWarnDays).')
@minValue(0)
@maxValue(365)
param secretCriticalDays int = 7

@description('A fixed silence threshold in minutes that overrides the learned traffic baseline. Unset (default): adaptive, SILENCE_THRESHOLD_MINUTES is not set and only serves as the fallback while history is short.')
@minValue(5)
@maxValue(10080)
param silenceThresholdMinutes int?

@description('NCRONTAB schedule (UTC) of the ingestionWatch timer.')
param ingestionCheckSchedule string = '0 */5 * * * *'

@description('Days of history the traffic baseline learns from.')
@minValue(1)
@maxValue(90)
param baselineDays int = 14

@description('Floor (minutes): a shorter gap is never called silence.')
@minValue(5)
@maxValue(1440)
param silenceMinMinutes int = 20

@description('Ceiling (minutes): a longer gap is always silence.')
@minValue(10)
@maxValue(10080)
param silenceMaxMinutes int = 720

@description('ingestion.latency warns when Keeper\'s p95 batching delay exceeds this (minutes).')
@minValue(1)
@maxValue(1440)
param latencyWarnMinutes int = 30

@description('ingestion.volume warns when the last 2 hours carry less than this share (%) of the usual count.')
@minValue(1)
@maxValue(99)
param volumeDropPercent int = 10

@description('NCRONTAB schedule (UTC) of the secretRotation timer.')
param rotationSchedule string = '0 17 * * * *'

@description('Start a rotation when the secret Keeper uses expires within this many days.')
@minValue(1)
@maxValue(365)
param secretRotateBeforeDays int = 30

@description('Lifetime of a new secret in days (never beyond the tenant\'s app-management policy).')
@minValue(2)
@maxValue(730)
param secretLifetimeDays int = 180

@description('After cut-over also remove secrets the monitor did not create.')
param secretRetireUnmanaged bool = false

@description('Hours the old secret must stay unused before the cut-over is complete.')
@minValue(1)
@maxValue(336)
param cutoverQuietHours int = 24

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

@description('Email address for the watchdog alert (the monitor itself stopped running). Required unless allowNoWatchdogReceiver.')
param alertEmail string = ''

@description('true: deploy the watchdog alert without a receiver (nobody hears that the monitor stopped). The WATCHDOG_WARNING output says so.')
param allowNoWatchdogReceiver bool = false

@description('Consecutive problem runs before an alert opens.')
@minValue(1)
@maxValue(20)
param alertOpenAfter int = 2

@description('Reminder interval (hours) while an alert stays open.')
@minValue(1)
@maxValue(168)
param alertRenotifyHours int = 4

@description('NCRONTAB schedule (UTC) of the daily digest; empty turns it off.')
param alertDigestSchedule string = '0 0 8 * * *'

@description('NCRONTAB schedule (UTC) of the alert outbox delivery timer.')
param alertDeliverySchedule string = '0 */1 * * * *'

@description('Mailbox alert email is sent from (Graph sendMail; scope Mail.Send to it). Empty: no email alerts.')
param alertEmailFrom string = ''

@description('Comma-separated recipients of alert email.')
param alertEmailTo string = ''

@description('Teams Workflows webhook URL for the monitor\'s alerts. Stored in Key Vault, never in an app setting. Empty: Teams alerts are off.')
@secure()
param teamsWebhookUrl string = ''

// ---------------------------------------------------------------------------------------------
// Hardening
// ---------------------------------------------------------------------------------------------

@description('true: Key Vault and storage refuse public network access and are reached through private endpoints in a virtual network the Function App integrates with.')
param privateNetworking bool = true

@description('Comma-separated public IP ranges (CIDR) still allowed into Key Vault and storage while privateNetworking is on, e.g. the deployer\'s for `azd deploy`. Empty: none.')
param deployerIpRanges string = ''

@description('Comma-separated public IP ranges (CIDR) allowed to call the Function App. Empty: any caller (the endpoints keep their keys).')
param allowedInboundIpRanges string = ''

@description('Client id of an Entra app registration: turns on App Service Authentication and ROTATION_CONFIRM_ENTRA_AUTH, so a cut-over confirmation records the signed-in caller. Empty: off.')
param confirmEntraAuthClientId string = ''

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
var vnetName = 'vnet-kcm-${resourceToken}'
var deployerIps = empty(deployerIpRanges) ? [] : map(split(deployerIpRanges, ','), r => trim(r))
var inboundIps = empty(allowedInboundIpRanges) ? [] : map(split(allowedInboundIpRanges, ','), r => trim(r))
// The tables the monitor queries (src/azure/logs.ts): it reads no other table. The daily-cap read
// queries _LogOperation, a workspace function over the Operation table.
var queriedTables = [
  keeperTableName
  'AADServicePrincipalSignInLogs'
  'DCRLogErrors'
  'Operation'
]
var noReceiver = empty(alertEmail)
var watchdogWarning = noReceiver
  ? 'WARNING: the watchdog alert has NO receiver: nobody is told when the monitor stops. Set alertEmail (WATCHDOG_ALERT_EMAIL).'
  : ''
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'
var teamsWebhookSecretName = 'alert-teams-webhook-url'
// The timer's function name (src/functions): what the watchdog counts in the requests table.
var driftCheckFunctionName = 'driftCheck'
var driftCheckSchedule = driftCheckIntervalMinutes == 60 ? '0 0 * * * *' : '0 */${driftCheckIntervalMinutes} * * * *'

// Several workspaces ("list mode"): the app reads KEEPER_WORKSPACE_RESOURCE_ID as a comma-separated
// list and refuses every setting that names one connector (src/config/workspaces.ts), so those are
// left out of the app settings, and the single connector's parameters must be empty.
var listMode = !empty(keeperWorkspaceResourceIds)
var defaultStreamName = 'Custom-KeeperSecurityEventNewLogs'
var singleConnectorRequired = {
  keeperAppId: keeperAppId
  keeperDcrResourceId: keeperDcrResourceId
  keeperDcrImmutableId: keeperDcrImmutableId
  keeperDceUri: keeperDceUri
  keeperDceResourceId: keeperDceResourceId
  keeperWorkspaceResourceId: keeperWorkspaceResourceId
}
var connectorParameterProblems = listMode
  ? concat(
      map(
        filter(items(union(singleConnectorRequired, { keeperTenantId: keeperTenantId })), p => !empty(p.value)),
        p => '${p.key} names one connector: leave it empty when keeperWorkspaceResourceIds lists workspaces (each connector is found in Sentinel)'
      ),
      keeperStreamName == defaultStreamName
        ? []
        : ['keeperStreamName names one connector\'s stream: leave it at its default when keeperWorkspaceResourceIds lists workspaces'],
      length(union(map(keeperWorkspaceResourceIds, id => toLower(id)), [])) == length(keeperWorkspaceResourceIds)
        ? []
        : ['keeperWorkspaceResourceIds lists a workspace twice'],
      // /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{name}
      map(
        filter(
          keeperWorkspaceResourceIds,
          id =>
            length(split(id, '/')) != 9 || !startsWith(toLower(id), '/subscriptions/') || !contains(toLower(id), '/resourcegroups/') || !contains(toLower(id), '/providers/microsoft.operationalinsights/workspaces/')
        ),
        id => 'keeperWorkspaceResourceIds: not a Log Analytics workspace resource ID: ${id}'
      )
    )
  : concat(
      map(
        filter(items(singleConnectorRequired), p => empty(p.value)),
        p => '${p.key} is required for one connector (or list the workspaces in keeperWorkspaceResourceIds)'
      ),
      // what @minLength(36) checked while these parameters were required
      map(
        filter(items({ keeperAppId: keeperAppId, keeperTenantId: keeperTenantId }), p => !empty(p.value) && length(p.value) != 36),
        p => '${p.key} is not a GUID (36 characters): ${p.value}'
      ),
      contains(keeperWorkspaceResourceId, ',')
        ? [
            'keeperWorkspaceResourceId names several workspaces: list them in keeperWorkspaceResourceIds instead (azd: KEEPER_WORKSPACE_RESOURCE_IDS, a JSON array)'
          ]
        : []
    )

// Resource IDs: /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}. An empty one
// (list mode, or a missing parameter that the app settings then refuse) splits as a placeholder in
// this resource group, so that no index is out of range.
var placeholderId = '${resourceGroup().id}/providers/Microsoft.Resources/none/none'
var dcrParts = split(empty(keeperDcrResourceId) ? placeholderId : keeperDcrResourceId, '/')
var dceParts = split(empty(keeperDceResourceId) ? placeholderId : keeperDceResourceId, '/')
var workspaceParts = split(empty(keeperWorkspaceResourceId) ? placeholderId : keeperWorkspaceResourceId, '/')

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
    privateNetworking: privateNetworking
    deployerIpRanges: deployerIps
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
    // Role assignment names hash the principal id (not the identity's resource id) so that a
    // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
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
    privateNetworking: privateNetworking
    deployerIpRanges: deployerIps
    diagnosticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  params: {
    name: vnetName
    location: location
    tags: allTags
    storageAccountName: storageName
    keyVaultName: keyVaultName
  }
  dependsOn: [
    storage
    keyVault
  ]
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
  // Local auth is off on the component: the app sends telemetry with its identity.
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.outputs.clientId};Authorization=AAD' }
]

// The monitor's settings (src/config/settings.ts); test/infra/settings-consistency.test.ts keeps
// this list and the code in step. Custom-cloud endpoints and the outside-Azure credentials
// (AZURE_TENANT_ID, AZURE_CLIENT_SECRET) are deliberately not set.
// One connector: its settings (src/config/discovered.ts DISCOVERABLE_SETTINGS). Several workspaces:
// none of them, so each connector's values come from Sentinel's record.
var connectorSettings = listMode
  ? []
  : [
      { name: 'KEEPER_TENANT_ID', value: empty(keeperTenantId) ? tenant().tenantId : keeperTenantId }
      { name: 'KEEPER_APP_ID', value: keeperAppId }
      { name: 'KEEPER_DCR_RESOURCE_ID', value: keeperDcrResourceId }
      { name: 'KEEPER_DCR_IMMUTABLE_ID', value: keeperDcrImmutableId }
      { name: 'KEEPER_DCE_URI', value: keeperDceUri }
      { name: 'KEEPER_STREAM_NAME', value: keeperStreamName }
      { name: 'KEEPER_TABLE_NAME', value: keeperTableName }
    ]
// The deployment stops here, naming each parameter, when the connector parameters do not fit the mode.
var workspaceSetting = listMode ? join(keeperWorkspaceResourceIds, ',') : keeperWorkspaceResourceId
var monitorSettings = [
  {
    name: 'KEEPER_WORKSPACE_RESOURCE_ID'
    value: empty(connectorParameterProblems) ? workspaceSetting : fail(join(connectorParameterProblems, '; '))
  }
  { name: 'KEY_VAULT_URI', value: keyVault.outputs.uri }
  { name: 'KEY_VAULT_SECRET_NAME', value: keyVaultSecretName }
  { name: 'SECRET_WARN_DAYS', value: string(secretWarnDays) }
  { name: 'SECRET_CRITICAL_DAYS', value: string(secretCriticalDays) }
  { name: 'DRIFT_CHECK_SCHEDULE', value: driftCheckSchedule }
  { name: 'INGESTION_CHECK_SCHEDULE', value: ingestionCheckSchedule }
  { name: 'BASELINE_DAYS', value: string(baselineDays) }
  { name: 'SILENCE_MIN_MINUTES', value: string(silenceMinMinutes) }
  { name: 'SILENCE_MAX_MINUTES', value: string(silenceMaxMinutes) }
  { name: 'LATENCY_WARN_MINUTES', value: string(latencyWarnMinutes) }
  { name: 'VOLUME_DROP_PERCENT', value: string(volumeDropPercent) }
  { name: 'SECRET_ROTATION_SCHEDULE', value: rotationSchedule }
  { name: 'SECRET_ROTATE_BEFORE_DAYS', value: string(secretRotateBeforeDays) }
  { name: 'SECRET_LIFETIME_DAYS', value: string(secretLifetimeDays) }
  { name: 'SECRET_RETIRE_UNMANAGED', value: string(secretRetireUnmanaged) }
  { name: 'CUTOVER_QUIET_HOURS', value: string(cutoverQuietHours) }
  { name: 'ROTATION_CONFIRM_ENTRA_AUTH', value: string(!empty(confirmEntraAuthClientId)) }
  { name: 'ALERT_OPEN_AFTER', value: string(alertOpenAfter) }
  { name: 'ALERT_RENOTIFY_HOURS', value: string(alertRenotifyHours) }
  { name: 'ALERT_DIGEST_SCHEDULE', value: alertDigestSchedule }
  { name: 'ALERT_DELIVERY_SCHEDULE', value: alertDeliverySchedule }
  { name: 'CALL_TIMEOUT_SECONDS', value: string(callTimeoutSeconds) }
  { name: 'RUN_BUDGET_SECONDS', value: string(runBudgetSeconds) }
  { name: 'AZURE_CLOUD', value: azureCloud }
  { name: 'AZURE_CLIENT_ID', value: identity.outputs.clientId }
]

// Optional settings are set only when given: an explicit SILENCE_THRESHOLD_MINUTES turns the
// learned baseline off, and the email pair is validated together.
var optionalSettings = concat(
  silenceThresholdMinutes == null ? [] : [{ name: 'SILENCE_THRESHOLD_MINUTES', value: string(silenceThresholdMinutes) }],
  empty(alertEmailFrom)
    ? []
    : [
        { name: 'ALERT_EMAIL_FROM', value: alertEmailFrom }
        { name: 'ALERT_EMAIL_TO', value: alertEmailTo }
      ],
  empty(keeperGraphAppId) ? [] : [{ name: 'KEEPER_GRAPH_APP_ID', value: keeperGraphAppId }]
)

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
    appSettings: concat(platformSettings, connectorSettings, monitorSettings, optionalSettings, secretSettings)
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
    diagnosticsWorkspaceId: monitoring.outputs.workspaceId
    allowedInboundIpRanges: inboundIps
    entraAuthClientId: confirmEntraAuthClientId
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
    alertEmail: noReceiver && !allowNoWatchdogReceiver
      ? fail('alertEmail (WATCHDOG_ALERT_EMAIL) is empty: the watchdog alert would have no receiver. Set it, or set allowNoWatchdogReceiver (WATCHDOG_ALLOW_NO_RECEIVER=true) to deploy without one.')
      : alertEmail
  }
}

// ---------------------------------------------------------------------------------------------
// Read access to the existing Keeper connector, in its own resource group and subscription
// ---------------------------------------------------------------------------------------------

// One connector: read roles on exactly its DCR, DCE and workspace (and the Activity Log of the DCR's group).
module dcrRole 'modules/role-on-dcr.bicep' = if (!listMode) {
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

module activityLogRole 'modules/role-on-activity-log.bicep' = if (!listMode) {
  name: 'keeper-activity-log-reader-${resourceToken}'
  scope: resourceGroup(dcrParts[2], dcrParts[4])
  params: {
    // Role assignment names hash the principal id (not the identity's resource id) so that a
    // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
  }
}

module dceRole 'modules/role-on-dce.bicep' = if (!listMode) {
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

module workspaceRole 'modules/role-on-workspace.bicep' = if (!listMode) {
  name: 'keeper-workspace-reader-${resourceToken}'
  scope: resourceGroup(workspaceParts[2], workspaceParts[4])
  params: {
    workspaceName: last(workspaceParts)
    tableNames: queriedTables
    // Role assignment names hash the principal id (not the identity's resource id) so that a
    // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
  }
}

// Several workspaces: for each listed workspace, the same workspace and table roles as for one
// connector (discovery lists Sentinel's data connectors there; the checks read the workspace and
// query its tables), and, since its Keeper DCR and DCE are found only at start-up, reads of them
// granted on the workspace's resource group, where Sentinel's Keeper solution creates them: a custom
// role with only those reads, and the Activity Log role. Listing the subscription's DCRs is not
// granted: discovery then reads the solution's DCR in that resource group instead
// (src/app/discover.ts). Workspaces sharing a resource group share its grants: only the first of
// them deploys them. Each id is /subscriptions/{sub}/resourceGroups/{rg}/providers/.../{name}.
module listedWorkspaceRoles 'modules/role-on-workspace.bicep' = [
  for (id, i) in keeperWorkspaceResourceIds: {
    name: 'keeper-workspace-reader-${i}-${resourceToken}'
    scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
    params: {
      workspaceName: last(split(id, '/'))
      tableNames: queriedTables
      // Role assignment names hash the principal id (not the identity's resource id) so that a
      // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
      #disable-next-line what-if-short-circuiting
      principalId: identity.outputs.principalId
    }
  }
]

module listedConnectorGroupRoles 'modules/role-on-connector-group.bicep' = [
  for (id, i) in keeperWorkspaceResourceIds: if (!contains(
    toLower(join(take(keeperWorkspaceResourceIds, i), ',')),
    toLower('${join(take(split(id, '/'), 5), '/')}/providers/')
  )) {
    name: 'keeper-connector-reader-${i}-${resourceToken}'
    scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
    params: {
      // Role assignment names hash the principal id (not the identity's resource id) so that a
      // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
      #disable-next-line what-if-short-circuiting
      principalId: identity.outputs.principalId
    }
  }
]

module listedActivityLogRoles 'modules/role-on-activity-log.bicep' = [
  for (id, i) in keeperWorkspaceResourceIds: if (!contains(
    toLower(join(take(keeperWorkspaceResourceIds, i), ',')),
    toLower('${join(take(split(id, '/'), 5), '/')}/providers/')
  )) {
    name: 'keeper-activity-log-reader-${i}-${resourceToken}'
    scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
    params: {
      // Role assignment names hash the principal id (not the identity's resource id) so that a
      // re-created identity gets fresh assignments instead of a name clash; What-If is less precise.
      #disable-next-line what-if-short-circuiting
      principalId: identity.outputs.principalId
    }
  }
]

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
// Empty when the watchdog has a receiver; otherwise a warning azd prints with the outputs.
output WATCHDOG_WARNING string = watchdogWarning
