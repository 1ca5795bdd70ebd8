// Deployed into the connector's resource group (it may be in another subscription): the monitor
// reads the Keeper DCR, its metrics and its role assignments.
@description('Name of the existing Keeper data collection rule.')
param dcrName string

@description('Principal id of the monitor identity.')
param principalId string

// Monitoring Reader: read the DCR, its metrics and who holds which role on it.
var monitoringReaderRoleId = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource dcr 'Microsoft.Insights/dataCollectionRules@2023-03-11' existing = {
  name: dcrName
}

resource monitoringReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dcr.id, principalId, monitoringReaderRoleId)
  scope: dcr
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReaderRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
