// The monitor: a Function App on Flex Consumption (FC1), Node 22, running as the user-assigned
// identity. It deploys from a blob container through that identity; no publishing credentials.
@description('Function App name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region.')
param location string

@description('Tags for the plan.')
param tags object

@description('Tags for the Function App (azd finds the service by its azd-service-name tag).')
param siteTags object

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('URL of the blob container that holds the deployment package.')
param deploymentContainerUrl string

@description('App settings of the Function App: the platform\'s and the monitor\'s, as {name, value}.')
param appSettings array

@description('Subnet (delegated to Microsoft.App/environments) the app integrates with; empty: no VNet integration.')
param virtualNetworkSubnetId string = ''

@description('Resource id of the monitor\'s Log Analytics workspace: the app\'s FunctionAppLogs go there.')
param diagnosticsWorkspaceId string

@description('Public IP ranges (CIDR) allowed to call the app; empty: no inbound restriction.')
param allowedInboundIpRanges array = []

@description('Client id of the Entra app registration for App Service Authentication; empty: off.')
param entraAuthClientId string = ''

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of one instance (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: siteTags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: identityId
    // Flex Consumption routes the app's outbound traffic through the integrated subnet, so the
    // vault and storage resolve to their private endpoints (the zones are linked to the network).
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      ipSecurityRestrictionsDefaultAction: empty(allowedInboundIpRanges) ? 'Allow' : 'Deny'
      ipSecurityRestrictions: [
        for (r, i) in allowedInboundIpRanges: {
          name: 'allowed-${i}'
          ipAddress: r
          action: 'Allow'
          priority: 100 + i
        }
      ]
      appSettings: appSettings
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

resource ftpPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// The Functions host's own log (FunctionAppLogs) in the monitor's workspace.
resource appLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-monitor-workspace'
  scope: site
  properties: {
    workspaceId: diagnosticsWorkspaceId
    logs: [
      {
        category: 'FunctionAppLogs'
        enabled: true
      }
    ]
  }
}

// App Service Authentication with Entra: callers of POST /api/rotation/confirm sign in, and the
// platform passes their identity in X-MS-CLIENT-PRINCIPAL (ROTATION_CONFIRM_ENTRA_AUTH). Anonymous
// requests still reach the other endpoints, which keep their function keys.
// https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(entraAuthClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraAuthClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraAuthClientId}'
            entraAuthClientId
          ]
        }
      }
    }
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
