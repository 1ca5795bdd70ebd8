// Deployed into the Sentinel workspace's resource group (it may be in another subscription): the
// monitor reads the workspace, the Keeper table's schema and queries its rows.
@description('Name of the existing Sentinel Log Analytics workspace.')
param workspaceName string

@description('Principal id of the monitor identity.')
param principalId string

// Log Analytics Reader: read the workspace and its tables, run queries.
var logAnalyticsReaderRoleId = '73c42c96-874c-492b-b04d-ab87d138a893'

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource logAnalyticsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, logAnalyticsReaderRoleId)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', logAnalyticsReaderRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
