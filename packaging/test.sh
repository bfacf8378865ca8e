#!/usr/bin/env bash
# make package-test: the Debian package and the tarball, each installed on its own into a
# temporary folder and run from there with an environment that has no Swift in it: PATH without
# the toolchain, no LD_LIBRARY_PATH, and (where a mount namespace can be made, as root) the
# toolchain's folder itself hidden under an empty tmpfs.
#
#   packaging/test.sh m365_VERSION_ARCH.deb m365-VERSION-linux-ARCH.tar.gz
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
deb=$(realpath "$1") tarball=$(realpath "$2")
version=$(tr -d ' \n' < "$repo/VERSION")
header=$repo/Sources/PluginAPI/include/m365_plugin.h
abi=$(sed -n 's/^#define M365_ABI_MAJOR \([0-9]*\).*/\1/p' "$header").$(sed -n 's/^#define M365_ABI_MINOR \([0-9]*\).*/\1/p' "$header")

# The toolchain this machine builds with: hidden from everything below.
swift=$(command -v swift || true)
toolchain=${swift:+$(dirname "$(dirname "$(dirname "$(readlink -f "$swift")")")")}
if [ -z "${M365_PACKAGE_TEST_INSIDE:-}" ] && [ -n "$toolchain" ] && [ "$(id -u)" = 0 ] \
   && unshare --mount --propagation private true 2>/dev/null; then
  exec env M365_PACKAGE_TEST_INSIDE="$toolchain" unshare --mount --propagation private -- \
    bash -c 'mount -t tmpfs -o size=1m m365-no-swift "$M365_PACKAGE_TEST_INSIDE/usr" && exec bash "$0" "$@"' "$0" "$@"
fi

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
expect() {  # expect DESCRIPTION CONDITION-COMMAND…
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
contains() { [[ $1 == *"$2"* ]]; }

work=$(mktemp -d /tmp/m365-package-test.XXXXXX)
chmod 755 "$work"
emulator_pids=()
trap 'for pid in "${emulator_pids[@]}"; do kill "$pid" 2>/dev/null; done; rm -rf "$work"' EXIT

if [ -n "${M365_PACKAGE_TEST_INSIDE:-}" ]; then
  expect "the toolchain is hidden ($M365_PACKAGE_TEST_INSIDE/usr is empty)" \
    test -z "$(ls -A "$M365_PACKAGE_TEST_INSIDE/usr")"
else
  echo "note: the toolchain stays visible (no mount namespace); only PATH and ldd show it is not used"
fi

# The environment every installed program runs in: nothing of the toolchain, nothing of the user.
clean_env() {  # clean_env PREFIX COMMAND…
  local prefix=$1; shift
  env -i PATH="$prefix/bin:/usr/bin:/bin" HOME="$work/home" LANG=C.UTF-8 \
    M365_HOME="$work/m365-home-$(basename "$(dirname "$prefix")")" XDG_DATA_HOME="$work/xdg-data" \
    M365_TOKEN_STORE=file ${M365_CONNECT_TO:+M365_CONNECT_TO="$M365_CONNECT_TO"} \
    ${M365_CA_BUNDLE:+M365_CA_BUNDLE="$M365_CA_BUNDLE"} ${PLUGIN_PATH:+M365_PLUGIN_PATH="$PLUGIN_PATH"} "$@"
}

# Every ELF file: nothing it loads resolves into the toolchain, nothing is missing, no Swift
# library is needed at all and no RUNPATH points outside the package.
check_elves() {  # check_elves LABEL FOLDER
  local label=$1 folder=$2 file count=0 bad=""
  while IFS= read -r file; do
    [ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    count=$((count + 1))
    local resolved needed runpath
    resolved=$(env -i ldd "$file" 2>&1)
    needed=$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    runpath=$(readelf -d "$file" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
    if contains "$resolved" "not found" || { [ -n "$toolchain" ] && contains "$resolved" "$toolchain"; } \
       || [[ $needed =~ (swift|Foundation|dispatch|BlocksRuntime|icu) ]] \
       || { [ -n "$runpath" ] && [[ $runpath != '$ORIGIN'* ]]; }; then
      bad+=" ${file#"$folder"/} (needs: $needed; runpath: ${runpath:-none})"
    fi
  done < <(find "$folder" -type f)
  expect "$label: $count ELF files, each loading only system libraries (ldd)${bad:+: $bad}" test -z "$bad" -a "$count" -ge 5
}

# The programs at PREFIX, run as a user would: version, help, plugins, the emulator, a command
# against it, a plugin built by a third party with the installed header and pkg-config file.
exercise() {  # exercise LABEL PREFIX PKG_CONFIG_ENV…
  local label=$1 prefix=$2 output
  shift 2
  output=$(clean_env "$prefix" m365 --version 2>&1)
  expect "$label: m365 --version is $version" test "$output" = "$version"
  output=$(clean_env "$prefix" m365 --version --verbose 2>&1)
  local plugin missing=""
  for plugin in spo aad graph; do
    contains "$output" "libm365-$plugin.so $version (com.m365.$plugin, m365) $prefix/lib/m365/plugins/libm365-$plugin.so" || missing+=" $plugin"
  done
  expect "$label: m365 --version --verbose names the host and each plugin with $version${missing:+ (missing:$missing) $output}" \
    test -z "$missing" -a "${output%%$'\n'*}" = "m365 $version (plugin ABI $abi)"
  output=$(clean_env "$prefix" m365 spo -h 2>&1)
  expect "$label: m365 spo -h" contains "$output" "m365 spo list list"
  output=$(clean_env "$prefix" m365 plugin list --output text 2>&1)
  expect "$label: m365 plugin list: three plugins available" \
    test "$(grep -c 'libm365-.*available' <<< "$output")" = 3
  output=$(clean_env "$prefix" m365-emulator --version 2>&1)
  expect "$label: m365-emulator --version" test "$output" = "m365-emulator $version"

  # The emulator and commands against it, from the installed files only.
  local state=$work/emulator-$label env_file=$work/emulator-$label.env
  if clean_env "$prefix" m365-emulator serve --port 0 --mi-port 0 --state-dir "$state" --print-env --background \
       --pid-file "$state.pid" > "$env_file" 2> "$work/emulator-$label.log"; then
    emulator_pids+=("$(cat "$state.pid")")
    # shellcheck disable=SC1090
    eval "$(cat "$env_file")"
    pass "$label: m365-emulator serves the contoso tenant"
  else
    fail "$label: m365-emulator did not start: $(cat "$work/emulator-$label.log")"
    return
  fi
  local status
  output=$(clean_env "$prefix" m365 login --authType password --appId dccb2514-078b-4158-a8c5-9c9238e27952 \
    --tenant contoso.onmicrosoft.com --userName admin@contoso.onmicrosoft.com --password 'Adm1n!Passw0rd' 2>&1)
  status=$?
  expect "$label: m365 login against the emulator${output:+: $output}" test "$status" = 0
  output=$(clean_env "$prefix" m365 entra user list --query '[].userPrincipalName' --output text 2>&1)
  expect "$label: m365 entra user list (libm365-aad.so)" contains "$output" "admin@contoso.onmicrosoft.com"
  clean_env "$prefix" m365 spo set --url https://contoso.sharepoint.com >/dev/null 2>&1
  output=$(clean_env "$prefix" m365 spo web get --url https://contoso.sharepoint.com --query Url --output text 2>&1)
  expect "$label: m365 spo web get (libm365-spo.so): $output" test "$output" = "https://contoso.sharepoint.com"
  output=$(clean_env "$prefix" m365 teams team list --output json 2>&1)
  expect "$label: m365 teams team list (libm365-graph.so)" contains "$output" '"displayName"'

  # A plugin in C, built against the installed header through the installed pkg-config file.
  local cflags plugins=$work/plugins-$label
  mkdir -p "$plugins" && chmod 755 "$plugins"
  cflags=$(env "$@" pkg-config --cflags m365-plugin 2>&1)
  cflags=${cflags%% }
  expect "$label: pkg-config --cflags m365-plugin ($cflags)" test -f "${cflags#-I}/m365_plugin.h"
  if cc -std=c11 -shared -fPIC -fvisibility=hidden $cflags -o "$plugins/libm365-widgets.so" \
       "$repo/Examples/c-plugin/widgets.c" 2> "$work/cc.log"; then
    output=$(PLUGIN_PATH=$plugins clean_env "$prefix" m365 widgets list --output text 2>&1)
    expect "$label: the C example plugin, built with pkg-config, runs" contains "$output" "red"
  else
    fail "$label: the C example does not build with pkg-config: $(cat "$work/cc.log")"
  fi
  # Several plugins, each with its Swift runtime inside, loaded into one process.
  if cc -std=c11 $cflags -o "$work/load-plugins" "$here/load-plugins.c" -ldl 2> "$work/cc.log"; then
    output=$(clean_env "$prefix" "$work/load-plugins" "$prefix"/lib/m365/plugins/libm365-*.so "$plugins/libm365-widgets.so" 2>&1)
    status=$?
    expect "$label: four plugins in one process ($(tr '\n' ' ' <<< "$output"))" test "$status" = 0 -a "$(wc -l <<< "$output")" = 4
  else
    fail "$label: load-plugins.c does not build: $(cat "$work/cc.log")"
  fi
  kill "$(cat "$state.pid")" 2>/dev/null
  unset M365_CONNECT_TO M365_CA_BUNDLE
}

echo "== $deb"
info=$(dpkg-deb --field "$deb")
field() { sed -n "s/^$1: //p" <<< "$info"; }
expect "Package: m365, Version: $version, Architecture: $(dpkg --print-architecture)" \
  test "$(field Package) $(field Version) $(field Architecture)" = "m365 $version $(dpkg --print-architecture)"
depends=$(field Depends)
expect "Depends names libcurl and libsecret ($depends)" \
  bash -c '[[ $0 == *libcurl4* && $0 == *libsecret-1-0* ]]' "$depends"
expect "Recommends: gnome-keyring" test "$(field Recommends)" = gnome-keyring
listing=$(dpkg-deb --contents "$deb" | awk '{print $6}')
missing=""
for path in ./usr/bin/m365 ./usr/bin/m365-emulator ./usr/lib/m365/plugins/libm365-spo.so \
    ./usr/lib/m365/plugins/libm365-aad.so ./usr/lib/m365/plugins/libm365-graph.so \
    ./usr/include/m365/m365_plugin.h ./usr/share/pkgconfig/m365-plugin.pc \
    ./usr/share/bash-completion/completions/m365 ./usr/share/zsh/vendor-completions/_m365 \
    ./usr/share/fish/vendor_completions.d/m365.fish ./usr/share/man/man1/m365.1.gz; do
  grep -qxF "$path" <<< "$listing" || missing+=" $path"
done
expect "the package holds the programs, plugins, header, pkg-config file, completions and man page${missing:+ (missing:$missing)}" test -z "$missing"
root=$work/deb-root
mkdir -p "$root" && dpkg-deb -x "$deb" "$root"
check_elves deb "$root"
man_page=$(zcat "$root/usr/share/man/man1/m365.1.gz")
missing=""
for section in "SH NAME" "SH GLOBAL OPTIONS" "SH COMMANDS" "SH SERVICES" "SS spo" "SS entra (aad)" "SS graph" \
    "m365 spo list list" "m365 login" "SH ENVIRONMENT" "M365_PLUGIN_PATH" "SH FILES" "/usr/lib/m365/plugins" "SH EXIT STATUS"; do
  contains "$man_page" "$section" || missing+=" [$section]"
done
expect "the man page has the commands of each service, global options, environment, files and exit codes${missing:+ (missing:$missing)}" test -z "$missing"
if command -v man >/dev/null; then
  rendered=$(MANWIDTH=100 man --warnings -l "$root/usr/share/man/man1/m365.1.gz" 2>&1 >/dev/null)
  expect "man -l renders it without warnings${rendered:+: $(head -c 400 <<< "$rendered")}" test -z "$rendered"
fi
expect "the bash completion loads" bash -c "source '$root/usr/share/bash-completion/completions/m365' && complete -p m365 >/dev/null"
expect "the zsh completion is an autoload file" test "$(head -c 13 "$root/usr/share/zsh/vendor-completions/_m365")" = "#compdef m365"
expect "the fish completion completes m365" grep -q "complete -c m365" "$root/usr/share/fish/vendor_completions.d/m365.fish"
exercise deb "$root/usr" PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root/usr/share/pkgconfig" PKG_CONFIG_LIBDIR=/nonexistent

echo "== $tarball"
top=$work/tarball
mkdir -p "$top" && tar -C "$top" -xzf "$tarball"
folder=$top/m365-$version
expect "the tarball holds one folder, m365-$version" test "$(ls "$top")" = "m365-$version"
check_elves tarball "$folder"
exercise tarball "$folder" PKG_CONFIG_PATH="$folder/share/pkgconfig" PKG_CONFIG_LIBDIR=/nonexistent

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
