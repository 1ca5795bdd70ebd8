// A vault of the monitor's own: the rotated Keeper client secret and the Teams webhook URL.
// RBAC mode, so the only access is the role assignment below.
@description('Key Vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the vault.')
param tags object

@description('true: no public network access except deployerIpRanges; reached through private endpoints.')
param privateNetworking bool

@description('Public IP ranges (CIDR) still allowed in while privateNetworking is on, e.g. the deployer\'s.')
param deployerIpRanges array

@description('Principal id of the monitor identity.')
param principalId string

@description('Resource id of the monitor\'s Log Analytics workspace: the vault\'s audit log goes there.')
param diagnosticsWorkspaceId string

@description('Name of the secret that holds the Teams webhook URL.')
param teamsWebhookSecretName string

@description('Teams Workflows webhook URL (it carries a sig= secret). Empty: no secret is created.')
@secure()
param teamsWebhookUrl string

// Key Vault Secrets Officer: the rotation writes new versions of the Keeper secret; the Functions
// platform reads the webhook secret through the same identity (keyVaultReferenceIdentity).
var keyVaultSecretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: privateNetworking && empty(deployerIpRanges) ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      ipRules: [for r in deployerIpRanges: { value: r }]
    }
  }
}

resource teamsWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(teamsWebhookUrl)) {
  parent: vault
  name: teamsWebhookSecretName
  properties: {
    value: teamsWebhookUrl
    contentType: 'text/uri-list'
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsOfficerRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The vault's audit log (every secret read and write, who and from where) in the monitor's workspace.
resource auditLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-monitor-workspace'
  scope: vault
  properties: {
    workspaceId: diagnosticsWorkspaceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
