// Deployed into the connector's resource group (the DCR's, or with several workspaces each
// workspace's; it may be in another subscription): the
// monitor reads the Activity Log of the resources there, to say who deleted or changed the DCR, its
// endpoint or the role assignment on it, and when. Listing the Activity Log needs
// Microsoft.Insights/eventtypes/values/read at the resource group or subscription; Reader and
// Monitoring Reader hold it with every other read, so a custom role grants that one action only.
@description('Principal id of the monitor identity.')
param principalId string

resource activityLogRead 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'keeper-connector-monitor-activity-log')
  properties: {
    // Custom role names are unique in the tenant: the group's name alone may repeat across subscriptions.
    roleName: 'Keeper connector monitor activity log reader (${resourceGroup().name}, ${take(uniqueString(resourceGroup().id), 8)})'
    description: 'Read the Activity Log of this resource group: who changed the Keeper connector and when.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Insights/eventtypes/values/read'
        ]
        notActions: []
      }
    ]
  }
}

resource activityLogReadAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, activityLogRead.id)
  properties: {
    roleDefinitionId: activityLogRead.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
