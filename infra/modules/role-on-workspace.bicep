// Deployed into the Sentinel workspace's resource group (it may be in another subscription): the
// monitor reads the workspace, and reads and queries only the tables it needs, never the rest of
// the workspace. This is the documented table-level read access
// (https://learn.microsoft.com/azure/azure-monitor/logs/manage-table-access): a custom role at the
// workspace that reads workspace details and runs queries but reads no table's data, and Reader on
// each table.
@description('Name of the existing Sentinel Log Analytics workspace.')
param workspaceName string

@description('Principal id of the monitor identity.')
param principalId string

@description('Tables the monitor reads and queries (the Keeper table, AADServicePrincipalSignInLogs, DCRLogErrors, Operation).')
param tableNames array

// Reader, scoped to one table: its schema and its rows.
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource tables 'Microsoft.OperationalInsights/workspaces/tables@2023-09-01' existing = [
  for t in tableNames: {
    parent: workspace
    name: t
  }
]

// The documented custom role: workspace read and query, and never the shared keys; plus reading the
// role assignments at the workspace (the "Keeper app has a role that does not grant ingestion" hint)
// and Sentinel's data connectors (the Keeper connector's record, which the monitor reads its settings
// from). Reading data connectors is the one action of Microsoft Sentinel Reader the monitor needs;
// that role also queries every table, which the table-level access above exists to avoid.
resource workspaceQuery 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(workspace.id, 'keeper-connector-monitor-workspace-query')
  properties: {
    // Custom role names are unique in the tenant: a workspace's name alone may repeat elsewhere.
    roleName: 'Keeper connector monitor workspace query (${workspaceName}, ${take(uniqueString(workspace.id), 8)})'
    description: 'Read the workspace, its Sentinel data connectors, and run queries in it; no table data without a table-level role.'
    type: 'CustomRole'
    assignableScopes: [
      workspace.id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.OperationalInsights/workspaces/read'
          'Microsoft.OperationalInsights/workspaces/query/read'
          'Microsoft.Authorization/roleAssignments/read'
          'Microsoft.SecurityInsights/dataConnectors/read'
        ]
        notActions: [
          'Microsoft.OperationalInsights/workspaces/sharedKeys/read'
        ]
      }
    ]
  }
}

resource workspaceQueryAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, workspaceQuery.id)
  scope: workspace
  properties: {
    roleDefinitionId: workspaceQuery.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (t, i) in tableNames: {
    name: guid(tables[i].id, principalId, readerRoleId)
    scope: tables[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]
