#!/usr/bin/env bash
# make az-check: the unmodified Azure CLI (from PyPI, in .build/az-venv) signs in to
# m365-emulator with a client secret and with a certificate, lists the seeded users with
# `az rest`, and gets an Azure Resource Manager token — reaching the emulator the way
# docs/emulator.md tells a user to: its CA trusted (REQUESTS_CA_BUNDLE) and every host sent to
# it by scripts/emulator-proxy.py (HTTPS_PROXY).
#   scripts/az-check.sh PREFIX      (PREFIX: an installed m365, e.g. .build/stage)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(cd "$1" && pwd)
venv=.build/az-venv
if [ ! -x "$venv/bin/az" ]; then
  echo "== installing the Azure CLI from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check azure-cli
fi
"$venv/bin/az" version --output tsv --query '"azure-cli"' | sed 's/^/== azure-cli /'

work=$(mktemp -d /tmp/m365-az-check.XXXXXX)
proxy_pid=""
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -f "$work/emulator.pid" ] && kill "$(cat "$work/emulator.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

eval "$("$prefix/bin/m365-emulator" serve --port 0 --mi-port 0 --state-dir "$work/state" --print-env --background --pid-file "$work/emulator.pid")"
python3 scripts/emulator-proxy.py "${M365_CONNECT_TO##*:}" > "$work/proxy.port" &
proxy_pid=$!
for _ in $(seq 100); do [ -s "$work/proxy.port" ] && break; sleep 0.05; done
export HTTPS_PROXY="http://127.0.0.1:$(cat "$work/proxy.port")" REQUESTS_CA_BUNDLE="$M365_CA_BUNDLE"
export AZURE_CONFIG_DIR="$work/az" AZURE_CORE_COLLECT_TELEMETRY=no AZURE_CORE_ONLY_SHOW_ERRORS=yes
az() { "$venv/bin/az" "$@"; }
fail() { echo "az-check: $*" >&2; exit 1; }
tenant=9657196e-8d5e-466d-8046-6eda47ab4aad
# The audience of a JWT (no signature check: the emulator issued it).
audience() { python3 -c 'import base64,json,sys; p=sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["aud"])' "$1"; }

check_signed_in() {  # what: the credential used
  local users arm
  users=$(az rest --method get --url https://graph.microsoft.com/v1.0/users --query "value[].userPrincipalName" --output tsv)
  grep -qx "adele.vance@contoso.com" <<< "$users" || fail "$1: az rest did not list the seeded users: $users"
  arm=$(az account get-access-token --resource-type arm --query accessToken --output tsv)
  [ "$(audience "$arm")" = "https://management.core.windows.net/" ] || fail "$1: the ARM token's audience is $(audience "$arm")"
  echo "== $1: az login, az rest (Graph users) and an ARM token: ok"
}

account=$(az login --service-principal --username 539f7720-4b42-49e3-99d6-244b2bfe9858 --password 'Aut0mation~Secret.Value_0123456789abcdef' \
  --tenant contoso.onmicrosoft.com --allow-no-subscriptions --query "[0].tenantId" --output tsv)
[ "$account" = "$tenant" ] || fail "client secret: az login signed in to '$account'"
check_signed_in "client secret"
az logout

cat Tests/EmulatorTests/Fixtures/cert-app.key.pem Tests/EmulatorTests/Fixtures/cert-app.cert.pem > "$work/cert.pem"
account=$(az login --service-principal --username 66b9ef51-4f42-4914-bfa1-5b48f1fd8da2 --certificate "$work/cert.pem" \
  --tenant contoso.onmicrosoft.com --allow-no-subscriptions --query "[0].tenantId" --output tsv)
[ "$account" = "$tenant" ] || fail "certificate: az login signed in to '$account'"
check_signed_in "certificate"
echo "az-check: passed"
