#!/usr/bin/env bash
# Checks the Bicep in infra/: every .bicep file builds and lints with zero errors and zero
# warnings (rules in infra/bicepconfig.json), and infra/azuredeploy.json is exactly what
# `bicep build infra/main.bicep` makes with the pinned CLI. Then the deployment snapshots
# (`bicep snapshot`, the resources ARM would deploy, evaluated with fixed ids) of each
# test/infra/snapshots/*.bicepparam must equal the committed .snapshot.json next to it (read by
# test/infra/snapshot.test.ts), and each test/infra/snapshots/refused/*.bicepparam must be refused
# with the text of its `// refused: ...` line.
#
# The Bicep CLI comes from NuGet (Azure.Bicep.CommandLine.linux-x64, version pinned in
# infra/tools/BicepCli.csproj) into .tools/nuget at the repo root; later runs reuse it.
#
# Usage: infra/scripts/check-bicep.sh [--update]
#   --update   rewrite infra/azuredeploy.json and the snapshots (after the checks pass)
set -euo pipefail

update=false
case "${1:-}" in
  "") ;;
  --update) update=true ;;
  -h | --help)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "check-bicep: unknown argument: $1 (try --help)" >&2
    exit 2
    ;;
esac

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo_root"

csproj=infra/tools/BicepCli.csproj
package=azure.bicep.commandline.linux-x64
version=$(sed -n 's:.*<BicepVersion>\([^<]*\)</BicepVersion>.*:\1:p' "$csproj")
if [[ -z $version ]]; then
  echo "check-bicep: no <BicepVersion> in $csproj" >&2
  exit 2
fi
if [[ $(uname -s) != Linux || $(uname -m) != x86_64 ]]; then
  echo "check-bicep: $csproj fetches the linux-x64 Bicep CLI; this is $(uname -s) $(uname -m)" >&2
  exit 2
fi

bicep=.tools/nuget/$package/$version/tools/bicep
if [[ ! -f $bicep ]]; then
  echo "check-bicep: restoring Bicep CLI $version from NuGet into .tools/nuget"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    dotnet restore "$csproj" --packages .tools/nuget \
    -p:BaseIntermediateOutputPath="$repo_root/.tools/obj/BicepCli/" --verbosity quiet
fi
if [[ ! -f $bicep ]]; then
  echo "check-bicep: the restore did not produce $bicep" >&2
  exit 2
fi
chmod +x "$bicep"
if ! "$bicep" --version | grep -q "version $version "; then
  echo "check-bicep: $bicep is not version $version: $("$bicep" --version)" >&2
  exit 2
fi
echo "check-bicep: $("$bicep" --version)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -t files < <(find infra -name '*.bicep' -not -path 'infra/tools/*' | sort)
if ((${#files[@]} == 0)); then
  echo "check-bicep: no .bicep files under infra/" >&2
  exit 1
fi

# Runs one bicep command, keeps everything it prints, and records a failure for a non-zero exit
# or any Error/Warning diagnostic (bicep exits 0 on warnings, so the output is what counts).
failed=0
log=$tmp/diagnostics.log
run_bicep() {
  local out rc=0
  out=$("$bicep" "$@" 2>&1) || rc=$?
  if [[ -n $out ]]; then
    printf '%s\n' "$out" | tee -a "$log"
  fi
  if ((rc != 0)); then
    echo "check-bicep: 'bicep $*' exited with $rc" | tee -a "$log"
    failed=1
  fi
}

run_bicep lint --pattern 'infra/**/*.bicep'
run_bicep build --pattern 'infra/**/*.bicep' --outdir "$tmp/build"
built=$tmp/build/main.json
if [[ ! -f $built ]]; then
  built=$tmp/azuredeploy.json
  run_bicep build infra/main.bicep --outfile "$built"
fi

problems=$(grep -cE ' : (Error|Warning) ' "$log" 2>/dev/null || true)
if ((failed != 0 || ${problems:-0} != 0)); then
  echo "check-bicep: FAILED: ${problems:-0} error/warning diagnostic(s) in ${#files[@]} file(s)" >&2
  exit 1
fi
echo "check-bicep: ${#files[@]} .bicep file(s) build and lint with no errors or warnings"

# The deployment the snapshots describe: fixed, made-up ids.
snapshot_at=(--subscription-id 44444444-4444-4444-8444-444444444444 --resource-group rg-keeper-monitor
  --location westeurope --tenant-id 55555555-5555-4555-8555-555555555555 --deployment-name main)
mode=validate
$update && mode=overwrite
mapfile -t params < <(find test/infra/snapshots -maxdepth 1 -name '*.bicepparam' | sort)
for p in "${params[@]}"; do
  if ! out=$(NO_COLOR=1 "$bicep" snapshot "$p" --mode "$mode" "${snapshot_at[@]}" 2>&1); then
    printf '%s\n' "$out"
    echo "check-bicep: FAILED: the snapshot of $p differs from ${p%.bicepparam}.snapshot.json;" \
      "run infra/scripts/check-bicep.sh --update and commit the result" >&2
    exit 1
  fi
  echo "check-bicep: $mode snapshot of $p"
done
mapfile -t refused < <(find test/infra/snapshots/refused -name '*.bicepparam' 2>/dev/null | sort)
for p in "${refused[@]}"; do
  want=$(sed -n 's:^// refused\: ::p' "$p")
  if [[ -z $want ]]; then
    echo "check-bicep: FAILED: $p has no '// refused: ...' line" >&2
    exit 1
  fi
  if out=$("$bicep" snapshot "$p" --mode overwrite "${snapshot_at[@]}" --config infra/bicepconfig.json 2>&1); then
    rm -f "${p%.bicepparam}.snapshot.json"
    echo "check-bicep: FAILED: $p was deployable; it must be refused with: $want" >&2
    exit 1
  fi
  if [[ $out != *"$want"* ]]; then
    printf '%s\n' "$out"
    echo "check-bicep: FAILED: $p was refused, but not with: $want" >&2
    exit 1
  fi
  echo "check-bicep: $p is refused: $want"
done

if $update; then
  cp "$built" infra/azuredeploy.json
  echo "check-bicep: wrote infra/azuredeploy.json"
elif [[ ! -f infra/azuredeploy.json ]]; then
  echo "check-bicep: FAILED: infra/azuredeploy.json is missing; run infra/scripts/check-bicep.sh --update" >&2
  exit 1
elif ! diff -u infra/azuredeploy.json "$built" >"$tmp/diff"; then
  cat "$tmp/diff"
  echo "check-bicep: FAILED: infra/azuredeploy.json differs from 'bicep build infra/main.bicep' (Bicep $version);" \
    "run infra/scripts/check-bicep.sh --update and commit the result" >&2
  exit 1
else
  echo "check-bicep: infra/azuredeploy.json matches infra/main.bicep"
fi
