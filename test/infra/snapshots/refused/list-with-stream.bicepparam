// Several workspaces and a custom stream: the app would refuse KEEPER_STREAM_NAME.
// refused: keeperStreamName names one connector's stream
using '../../../../infra/main.bicep'

param environmentName = 'test'
param alertEmail = 'secops@contoso.com'
param keeperWorkspaceResourceIds = ['/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel-prod', '/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/sentinel-emea']
param keeperStreamName = 'Custom-Other'
