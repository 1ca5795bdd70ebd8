// One connector, its values given (today's deployment). test/infra/snapshot.test.ts reads the
// snapshot infra/scripts/check-bicep.sh makes of it (single.snapshot.json).
using '../../../infra/main.bicep'

param environmentName = 'test'
param keeperAppId = '11111111-1111-4111-8111-111111111111'
param keeperDcrResourceId = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-sentinel/providers/Microsoft.Insights/dataCollectionRules/KeeperSecurityEventLogs_DCR'
param keeperDcrImmutableId = 'dcr-0123456789abcdef0123456789abcdef'
param keeperDceUri = 'https://dce-keeper-a1b2.westeurope-1.ingest.monitor.azure.com'
param keeperDceResourceId = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-dce/providers/Microsoft.Insights/dataCollectionEndpoints/dce-keeper'
param keeperWorkspaceResourceId = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel-prod'
param alertEmail = 'secops@contoso.com'
