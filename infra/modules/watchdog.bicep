// The watchdog: an Azure Monitor log alert that fires when the monitor itself has not completed a
// successful drift check for 2 x its schedule + 5 minutes. It runs in Azure Monitor, not in the
// Function App, so a stopped, crashed or mis-deployed app still raises it.
@description('Name of the scheduled query rule.')
param alertName string

@description('Name of the action group.')
param actionGroupName string

@description('Azure region of the alert rule.')
param location string

@description('Tags for the resources.')
param tags object

@description('Resource id of the monitor\'s Application Insights component.')
param appInsightsId string

@description('Function name of the drift check timer, as it appears in the requests table.')
param driftCheckFunctionName string

@description('Minutes between two drift checks (the DRIFT_CHECK_SCHEDULE interval).')
@minValue(1)
param driftCheckIntervalMinutes int

@description('Email address the alert goes to. Empty: the action group has no receiver.')
param alertEmail string

var silenceMinutes = 2 * driftCheckIntervalMinutes + 5
// The query filters on its own window; the rule's window only has to cover it.
var windowSize = silenceMinutes <= 60 ? 'PT1H' : (silenceMinutes <= 180 ? 'PT3H' : 'PT6H')

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'kcmwatchdog'
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'monitor-operators'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

resource watchdog 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: alertName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Keeper connector monitor has stopped running'
    description: 'No successful ${driftCheckFunctionName} run for ${silenceMinutes} minutes (2 x the ${driftCheckIntervalMinutes}-minute schedule + 5). The monitor itself is down: the Keeper connector is unwatched.'
    severity: 1
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: windowSize
    autoMitigate: true
    skipQueryValidation: true
    criteria: {
      allOf: [
        {
          query: 'requests | where timestamp > ago(${silenceMinutes}m) | where name == "${driftCheckFunctionName}" and success == true | summarize runs = count()'
          timeAggregation: 'Total'
          metricMeasureColumn: 'runs'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

output alertRuleId string = watchdog.id
output actionGroupId string = actionGroup.id
output silenceMinutes int = silenceMinutes
