#!/usr/bin/env bash
# make demo: the main job, against the embedded default, the local emulator. Starts
# m365-emulator, signs in to its contoso tenant, and runs m365 as an admin would: SharePoint sites,
# webs, lists and items, Entra ID users, Teams, a file up and down, and a third-party plugin in C.
# Each command is shown before its output. Stops the emulator at the end.
set -euo pipefail
prefix=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
m365="$prefix/bin/m365"
work=$(mktemp -d /tmp/m365-demo.XXXXXX)
export M365_HOME="$work/home" M365_TOKEN_STORE=file XDG_DATA_HOME="$work/share"
unset M365_PLUGIN_PATH
started=$(date +%s)
# Shows a command as one would type it (m365 for its full path, quotes where needed) and runs it.
step() {
  local shown="" word
  for word in "$@"; do
    [ "$word" = "$m365" ] && word=m365
    [[ $word =~ ^[A-Za-z0-9_./:=@,+%-]+$ ]] || word="'${word//\'/\'\\\'\'}'"
    shown+=" $word"
  done
  printf '\n\033[1m$%s\033[0m\n' "$shown" >&2
  "$@"
}

eval "$("$prefix/bin/m365-emulator" serve --port 0 --mi-port 0 --state-dir "$work/emulator" --print-env --background --pid-file "$work/emulator.pid")"
trap 'kill "$(cat "$work/emulator.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"   # local files (the upload, the C plugin) are made here
echo "m365-emulator is serving the contoso tenant (M365_CONNECT_TO and M365_CA_BUNDLE point m365 at it)" >&2

site=https://contoso.sharepoint.com
step "$m365" --version --verbose
step "$m365" login --authType password --appId dccb2514-078b-4158-a8c5-9c9238e27952 \
  --tenant contoso.onmicrosoft.com --userName admin@contoso.onmicrosoft.com --password 'Adm1n!Passw0rd'
step "$m365" status --output text

# SharePoint Online
step "$m365" spo site list --output text
step "$m365" spo web get --url "$site" --output text --query '{Title: Title, Url: Url, Language: Language, Created: Created}'
step "$m365" spo list list --webUrl "$site" --output text
step "$m365" spo listitem add --webUrl "$site" --listTitle Tasks --Title 'Try m365 against the emulator' --output text --query '{Id: Id, Title: Title}'
step "$m365" spo listitem list --webUrl "$site" --listTitle Tasks --fields Id,Title --output text

# Entra ID and Teams
step "$m365" entra user list --output text
step "$m365" teams team list --output text

# A file up and down
printf 'Quarterly numbers, uploaded by m365 at %s\n' "$(date -u +%FT%TZ)" > report.txt
step "$m365" spo file add --webUrl "$site" --folder 'Shared Documents' --path report.txt --output text --query '{Name: Name, ServerRelativeUrl: ServerRelativeUrl, Length: Length}'
step "$m365" spo file get --webUrl "$site" --url 'Shared Documents/report.txt' --asFile --path report-downloaded.txt
step cmp report.txt report-downloaded.txt && echo "the downloaded file is the uploaded one" >&2

# A third-party plugin in plain C, built and loaded like any other.
step cc -std=c11 -shared -fPIC -fvisibility=hidden -I "$repo/Sources/PluginAPI/include" \
   -o libm365-widgets.so "$repo/Examples/c-plugin/widgets.c"
chmod 755 "$work"
export M365_PLUGIN_PATH="$work"
step "$m365" widgets list --color red --output text
step "$m365" widgets me --output text   # the C plugin calls Graph through the host
step "$m365" logout
printf '\nThe demo ran in %s s.\n' "$(( $(date +%s) - started ))" >&2
