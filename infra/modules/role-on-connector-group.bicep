// Deployed into a listed Sentinel workspace's resource group (it may be in another subscription)
// when the monitor watches several workspaces: their Keeper DCRs and DCEs are found at start-up, not
// known at deployment, and Sentinel's Keeper solution creates them in the workspace's resource group.
// A custom role there grants only the reads the monitor makes on them (Reader or Monitoring Reader
// would read every resource of the group):
// - dataCollectionRules/read: discovery reads the Keeper solution's DCR when it may not list the
//   subscription's DCRs, and the checks read the DCR (stream, transform, destination);
// - dataCollectionEndpoints/read: the checks read the DCE Keeper posts to;
// - metrics/read: the DCR's platform metrics (Keeper's pushes and their HTTP status);
// - roleAssignments/read: who holds which role on the DCR (Keeper's Monitoring Metrics Publisher).
// The Activity Log read of the same group is role-on-activity-log.bicep.
@description('Principal id of the monitor identity.')
param principalId string

resource connectorRead 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'keeper-connector-monitor-connector-read')
  properties: {
    roleName: 'Keeper connector monitor connector reader (${resourceGroup().name}, ${take(uniqueString(resourceGroup().id), 8)})'
    description: 'Read the Keeper data collection rules and endpoints of this resource group, the rules\' metrics and role assignments.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Insights/dataCollectionRules/read'
          'Microsoft.Insights/dataCollectionEndpoints/read'
          'Microsoft.Insights/metrics/read'
          'Microsoft.Authorization/roleAssignments/read'
        ]
        notActions: []
      }
    ]
  }
}

resource connectorReadAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, connectorRead.id)
  properties: {
    roleDefinitionId: connectorRead.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
