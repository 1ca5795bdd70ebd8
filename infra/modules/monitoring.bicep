// Telemetry of the monitor itself: a Log Analytics workspace (not the Sentinel one) and a
// workspace-based Application Insights component.
@description('Log Analytics workspace name.')
param workspaceName string

@description('Application Insights component name.')
param appInsightsName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Principal id of the monitor identity: the only sender of telemetry (Monitoring Metrics Publisher on the component).')
param principalId string

@description('Days the monitor\'s own telemetry is kept.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    retentionInDays: retentionInDays
    sku: {
      name: 'PerGB2018'
    }
  }
}

// Entra-only ingestion: the connection string alone cannot send telemetry, so nobody can forge
// the driftCheck request rows the watchdog counts. The app authenticates with its identity
// (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), as in the official Flex Consumption samples
// (Azure-Samples/functions-quickstart-javascript-azd, infra/main.bicep).
resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

// Monitoring Metrics Publisher, on this component only: send the app's own telemetry.
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, monitoringMetricsPublisherRoleId)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output workspaceId string = workspace.id
output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
// Not a secret: with local auth off it only says where telemetry goes.
output connectionString string = appInsights.properties.ConnectionString
