// Deployed into the DCE's resource group (it may be in another subscription): the monitor reads
// the Keeper data collection endpoint.
@description('Name of the existing Keeper data collection endpoint.')
param dceName string

@description('Principal id of the monitor identity.')
param principalId string

// Monitoring Reader: read the DCE and its logs-ingestion endpoint.
var monitoringReaderRoleId = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource dce 'Microsoft.Insights/dataCollectionEndpoints@2023-03-11' existing = {
  name: dceName
}

resource monitoringReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dce.id, principalId, monitoringReaderRoleId)
  scope: dce
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReaderRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
