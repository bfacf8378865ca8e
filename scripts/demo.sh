#!/usr/bin/env bash
# make demo: the main job on the embedded default, the local emulator. Starts m365-emulator,
# signs in to its contoso tenant, and runs m365 against it; stops the emulator at the end.
set -euo pipefail
prefix=$(cd "$1" && pwd)
m365="$prefix/bin/m365"
work=$(mktemp -d /tmp/m365-demo.XXXXXX)
export M365_HOME="$work/home" M365_TOKEN_STORE=file XDG_DATA_HOME="$work/share"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

eval "$("$prefix/bin/m365-emulator" serve --port 0 --mi-port 0 --state-dir "$work/emulator" --print-env --background --pid-file "$work/emulator.pid")"
trap 'kill "$(cat "$work/emulator.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
echo "m365-emulator is serving the contoso tenant: M365_CONNECT_TO=$M365_CONNECT_TO" >&2

step "$m365" --version
step "$m365" plugin list --output text
step "$m365" login --authType password --appId dccb2514-078b-4158-a8c5-9c9238e27952 \
  --tenant contoso.onmicrosoft.com --userName admin@contoso.onmicrosoft.com --password 'Adm1n!Passw0rd'
step "$m365" status --output text
step "$m365" request --url @graph/me --query '{name: displayName, upn: userPrincipalName, job: jobTitle}'
step "$m365" request --url @graph/users --all --query '[].{upn: userPrincipalName, name: displayName}' --output text
step "$m365" spo set --url https://contoso.sharepoint.com
step "$m365" request --url @spo/_api/web --accept 'application/json;odata=nometadata' --query '{Title: Title, Url: Url}'

# A third-party plugin in plain C, built and loaded like any other.
cc -std=c11 -shared -fPIC -fvisibility=hidden -I "$(dirname "$0")/../Sources/PluginAPI/include" \
   -o "$work/libm365-widgets.so" "$(dirname "$0")/../Examples/c-plugin/widgets.c"
chmod 755 "$work"
export M365_PLUGIN_PATH="$work"
step "$m365" widgets list --output text
step "$m365" widgets list --color red --output csv
step "$m365" widgets me --output text   # the C plugin calls Graph through the host
step "$m365" logout
