// Several workspaces in two subscriptions, two of them in one resource group; no connector values.
// test/infra/snapshot.test.ts reads the snapshot infra/scripts/check-bicep.sh makes of it
// (list.snapshot.json).
using '../../../infra/main.bicep'

param environmentName = 'test'
param keeperWorkspaceResourceIds = [
  '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel-prod'
  '/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/sentinel-emea'
  '/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/RG-SOC/providers/Microsoft.OperationalInsights/workspaces/sentinel-apac'
]
param alertEmail = 'secops@contoso.com'
