// One connector with a truncated app id.
// refused: keeperAppId is not a GUID (36 characters): 11111111-1111
using '../../../../infra/main.bicep'

param environmentName = 'test'
param alertEmail = 'secops@contoso.com'
param keeperDcrResourceId = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-sentinel/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR'
param keeperDcrImmutableId = 'dcr-0123456789abcdef0123456789abcdef'
param keeperDceUri = 'https://dce-keeper-a1b2.westeurope-1.ingest.monitor.azure.com'
param keeperDceResourceId = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-dce/providers/Microsoft.Insights/dataCollectionEndpoints/dce-keeper'
param keeperWorkspaceResourceId = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel-prod'
param keeperAppId = '11111111-1111'
