// The hardened network: a virtual network with one subnet the Function App integrates with
// (Flex Consumption delegates it to Microsoft.App/environments,
// https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#enable-virtual-network-integration)
// and one for private endpoints: blob, queue and table of the storage account, and the vault,
// each with its private DNS zone linked to the network.
@description('Virtual network name.')
param name string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Address space of the virtual network (a /16 to /24).')
param addressPrefix string = '10.90.0.0/24'

@description('Name of the monitor\'s storage account (in this resource group).')
param storageAccountName string

@description('Name of the monitor\'s Key Vault (in this resource group).')
param keyVaultName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

var appSubnetPrefix = cidrSubnet(addressPrefix, 26, 0)
var endpointSubnetPrefix = cidrSubnet(addressPrefix, 26, 1)

// privatelink zones per cloud: storage from the storage suffix, the vault from its DNS suffix
// (.vault.azure.net → privatelink.vaultcore.azure.net).
var endpoints = [
  { groupId: 'blob', name: storageAccountName, zone: 'privatelink.blob.${environment().suffixes.storage}' }
  { groupId: 'queue', name: storageAccountName, zone: 'privatelink.queue.${environment().suffixes.storage}' }
  { groupId: 'table', name: storageAccountName, zone: 'privatelink.table.${environment().suffixes.storage}' }
  {
    groupId: 'vault'
    name: keyVaultName
    zone: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
  }
]

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: endpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for e in endpoints: {
    name: e.zone
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (e, i) in endpoints: {
    parent: zones[i]
    name: '${name}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [
  for e in endpoints: {
    name: 'pe-${e.name}-${e.groupId}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: vnet.properties.subnets[1].id
      }
      privateLinkServiceConnections: [
        {
          name: e.groupId
          properties: {
            privateLinkServiceId: e.groupId == 'vault' ? vault.id : storage.id
            groupIds: [
              e.groupId
            ]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [
  for (e, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: e.groupId
          properties: {
            privateDnsZoneId: zones[i].id
          }
        }
      ]
    }
  }
]

output appSubnetId string = vnet.properties.subnets[0].id
