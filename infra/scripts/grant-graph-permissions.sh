#!/usr/bin/env bash
# Grants the monitor's managed identity what Bicep cannot: Microsoft Graph permissions in the
# tenant. Idempotent: it checks each grant before it makes it, so it runs again safely (azd runs
# it after every provision).
#
#   1. Graph app roles for the identity (app role assignments): Application.ReadWrite.OwnedBy
#      (read the Keeper app, add and remove its secrets) and Policy.Read.ApplicationConfiguration
#      (read the tenant's app-management policy, GET /policies/defaultAppManagementPolicy, so a
#      rotation honours the tenant's secret-lifetime limit). With --audit-log also AuditLog.Read.All
#      (read the Entra audit log: who changed the Keeper app's secrets; optional, tenant-wide read).
#   2. The identity's service principal as an owner of each Keeper app registration (OwnedBy
#      covers only apps the identity owns; without ownership, rotation gets 403). One monitor
#      watching several connectors rotates each connector's app: pass each app id.
#   3. Prints the Exchange Online commands that let the identity send mail as one mailbox only
#      (RBAC for Applications); Exchange has no az CLI, so an Exchange admin runs them.
#
# Usage: infra/scripts/grant-graph-permissions.sh [--dry-run] [--audit-log] [--principal-id ID]
#          [--keeper-app-id APPID[,APPID...]]... [--sender MAILBOX]
# Defaults come from the environment, which azd fills from the deployment outputs:
#   MONITOR_IDENTITY_PRINCIPAL_ID, KEEPER_APP_ID (or KEEPER_APP_IDS, comma-separated), ALERT_EMAIL_FROM
#   (optional). With several workspaces the deployment knows no app id: pass those
#   `keeper-monitor discover --json` prints.
# Needs: az CLI signed in (az login) as a Privileged Role Administrator (app role grant) and an
# owner of the Keeper app or a Cloud Application Administrator (owner add).
set -euo pipefail

readonly GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
readonly GRAPH_URL=${MICROSOFT_GRAPH_ENDPOINT:-https://graph.microsoft.com}

dry_run=false
audit_log=false
principal_id=${MONITOR_IDENTITY_PRINCIPAL_ID:-}
keeper_app_ids=${KEEPER_APP_IDS:-${KEEPER_APP_ID:-}}
given_app_ids=
sender=${ALERT_EMAIL_FROM:-}

usage() {
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
}

while (($# > 0)); do
  case $1 in
    --dry-run) dry_run=true ;;
    --audit-log) audit_log=true ;;
    --principal-id)
      principal_id=${2:?--principal-id needs a value}
      shift
      ;;
    --keeper-app-id)
      given_app_ids+=${given_app_ids:+,}${2:?--keeper-app-id needs a value}
      shift
      ;;
    --sender)
      sender=${2:?--sender needs a value}
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "grant-graph-permissions: unknown argument: $1 (try --help)" >&2
      exit 2
      ;;
  esac
  shift
done

# Outside an azd hook the values may still be in the azd environment.
from_azd() {
  if command -v azd >/dev/null 2>&1; then
    azd env get-value "$1" 2>/dev/null || true
  fi
}
[[ -n $principal_id ]] || principal_id=$(from_azd MONITOR_IDENTITY_PRINCIPAL_ID)
[[ -z $given_app_ids ]] || keeper_app_ids=$given_app_ids
[[ -n $keeper_app_ids ]] || keeper_app_ids=$(from_azd KEEPER_APP_IDS)
[[ -n $keeper_app_ids ]] || keeper_app_ids=$(from_azd KEEPER_APP_ID)
IFS=, read -r -a app_ids <<<"${keeper_app_ids// /}"
((${#app_ids[@]} > 0)) || app_ids=("")
[[ -n $sender ]] || sender=$(from_azd ALERT_EMAIL_FROM)

guid_re='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
for pair in "principal id:$principal_id" "${app_ids[@]/#/Keeper app id:}"; do
  if [[ ! ${pair#*:} =~ $guid_re ]]; then
    echo "grant-graph-permissions: the monitor identity's ${pair%%:*} is missing or not a GUID: '${pair#*:}'" >&2
    echo "  pass --principal-id / --keeper-app-id (once per Keeper app, or comma-separated), or set MONITOR_IDENTITY_PRINCIPAL_ID / KEEPER_APP_ID" >&2
    exit 2
  fi
done

if ! command -v az >/dev/null 2>&1; then
  echo "grant-graph-permissions: the az CLI is needed (https://aka.ms/azcli)" >&2
  exit 2
fi

say() { printf 'grant-graph-permissions: %s\n' "$*"; }
# Runs a changing command, or only shows it with --dry-run.
change() {
  if $dry_run; then
    say "would run: $*"
  else
    "$@"
  fi
}
# ensure COUNT DONE DOING COMMAND...: COUNT is how many of the grant already exist; makes it if none.
ensure() {
  local count=$1 done_msg=$2 doing_msg=$3
  shift 3
  if [[ $count != 0 ]]; then
    say "ok: $done_msg"
  else
    say "$doing_msg"
    change "$@"
  fi
}

# --- 1. Graph app roles -----------------------------------------------------------------------
graph_sp_id=$(az ad sp show --id "$GRAPH_APP_ID" --query id --output tsv)
# Grants one Graph application permission, found by its value among Graph's app roles.
grant_graph_app_role() {
  local value=$1 role_id existing
  role_id=$(az ad sp show --id "$GRAPH_APP_ID" \
    --query "appRoles[?value=='$value'].id | [0]" --output tsv)
  if [[ ! $role_id =~ $guid_re ]]; then
    echo "grant-graph-permissions: Microsoft Graph has no app role $value" >&2
    exit 2
  fi
  existing=$(az rest --method GET \
    --uri "$GRAPH_URL/v1.0/servicePrincipals/$principal_id/appRoleAssignments" \
    --query "value[?appRoleId=='$role_id' && resourceId=='$graph_sp_id'] | length(@)" \
    --output tsv)
  ensure "$existing" "identity $principal_id already has Graph $value" \
    "granting Graph $value to identity $principal_id" \
    az rest --method POST \
    --uri "$GRAPH_URL/v1.0/servicePrincipals/$principal_id/appRoleAssignments" \
    --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$principal_id\",\"resourceId\":\"$graph_sp_id\",\"appRoleId\":\"$role_id\"}" \
    --output none
}
grant_graph_app_role Application.ReadWrite.OwnedBy
grant_graph_app_role Policy.Read.ApplicationConfiguration
if $audit_log; then
  grant_graph_app_role AuditLog.Read.All
fi

# --- 2. The identity owns each Keeper app registration ----------------------------------------
for keeper_app_id in "${app_ids[@]}"; do
  app_object_id=$(az ad app show --id "$keeper_app_id" --query id --output tsv)
  owner_count=$(az rest --method GET \
    --uri "$GRAPH_URL/v1.0/applications/$app_object_id/owners?\$select=id" \
    --query "value[?id=='$principal_id'] | length(@)" --output tsv)
  ensure "$owner_count" "identity $principal_id already owns the Keeper app $keeper_app_id" \
    "adding identity $principal_id as an owner of the Keeper app $keeper_app_id" \
    az rest --method POST \
    --uri "$GRAPH_URL/v1.0/applications/$app_object_id/owners/\$ref" \
    --headers "Content-Type=application/json" \
    --body "{\"@odata.id\":\"$GRAPH_URL/v1.0/directoryObjects/$principal_id\"}" \
    --output none
done

# --- 3. Mail.Send for one mailbox only (Exchange Online RBAC for Applications) -----------------
identity_app_id=$(az ad sp show --id "$principal_id" --query appId --output tsv)
mailbox=${sender:-<sender mailbox, e.g. keeper-monitor@contoso.com>}
cat <<EXO

grant-graph-permissions: email alerts need Mail.Send for ONE mailbox. An Exchange administrator
runs this in Exchange Online PowerShell (Connect-ExchangeOnline). Do not grant the tenant-wide
Graph Mail.Send app role, and do not use New-ApplicationAccessPolicy (legacy).

  New-ServicePrincipal -AppId $identity_app_id -ObjectId $principal_id -DisplayName "keeper-connector-monitor"
  New-ManagementScope -Name "keeper-monitor-sender" -RecipientRestrictionFilter "PrimarySmtpAddress -eq '$mailbox'"
  New-ManagementRoleAssignment -Name "keeper-monitor-mail-send" -Role "Application Mail.Send" -App $identity_app_id -CustomResourceScope "keeper-monitor-sender"
  Test-ServicePrincipalAuthorization -Identity $identity_app_id -Resource "$mailbox"

EXO
if $dry_run; then
  say "dry run: nothing was changed"
fi
