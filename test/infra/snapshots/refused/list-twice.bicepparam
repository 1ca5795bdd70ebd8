// A workspace listed twice (case differs): the app would refuse the list.
// refused: keeperWorkspaceResourceIds lists a workspace twice
using '../../../../infra/main.bicep'

param environmentName = 'test'
param alertEmail = 'secops@contoso.com'
param keeperWorkspaceResourceIds = ['/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel-prod', '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/RG-SENTINEL/providers/Microsoft.OperationalInsights/workspaces/Sentinel-Prod']
