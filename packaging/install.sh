#!/usr/bin/env bash
# Installs a build of m365 into a prefix: what `make install`, `make deb` and `make dist` share.
#
#   packaging/install.sh BIN_DIR DEST [--strip] [--prefix PREFIX] [--pc-prefix VALUE]
#
# BIN_DIR is swift build's output folder, DEST the folder that becomes the installed prefix:
#   DEST/bin/m365, DEST/bin/m365-emulator
#   DEST/lib/m365/plugins/libm365-{spo,aad,graph}.so
#   DEST/include/m365/m365_plugin.h, DEST/share/pkgconfig/m365-plugin.pc (plugin authors)
#   DEST/share/bash-completion/completions/m365, DEST/share/zsh/vendor-completions/_m365,
#   DEST/share/fish/vendor_completions.d/m365.fish
#   DEST/share/man/man1/m365.1.gz (generated from the installed plugins' descriptors)
# --strip      removes debug information (symbols stay: backtraces keep function names)
# --prefix     where DEST will be once installed (default DEST; a package is staged elsewhere);
#              "" for a relocatable folder
# --pc-prefix  the pkg-config file's prefix (default PREFIX, else '${pcfiledir}/../..')
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin_dir=$1
mkdir -p "$2"
dest=$(cd "$2" && pwd)
shift 2
strip=0 prefix=$dest pc_prefix=""
while [ $# -gt 0 ]; do
  case $1 in
    --strip) strip=1 ;;
    --prefix) prefix=$2; shift ;;
    --pc-prefix) pc_prefix=$2; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$pc_prefix" ] || pc_prefix=${prefix:-'${pcfiledir}/../..'}
plugins=(libm365-spo.so libm365-aad.so libm365-graph.so)
version=$(tr -d ' \n' < "$repo/VERSION")

install -d -m 755 "$dest/bin" "$dest/lib/m365/plugins" "$dest/include/m365" "$dest/share/pkgconfig" \
  "$dest/share/bash-completion/completions" "$dest/share/zsh/vendor-completions" \
  "$dest/share/fish/vendor_completions.d" "$dest/share/man/man1"
install -m 755 "$bin_dir/m365" "$bin_dir/m365-emulator" "$dest/bin/"
for plugin in "${plugins[@]}"; do install -m 755 "$bin_dir/$plugin" "$dest/lib/m365/plugins/"; done
if [ "$strip" = 1 ]; then
  strip --strip-debug "$dest/bin/m365" "$dest/bin/m365-emulator"
  for plugin in "${plugins[@]}"; do strip --strip-debug "$dest/lib/m365/plugins/$plugin"; done
fi

# For plugin authors: cc $(pkg-config --cflags m365-plugin) …
install -m 644 "$repo/Sources/PluginAPI/include/m365_plugin.h" "$dest/include/m365/"
abi_major=$(sed -n 's/^#define M365_ABI_MAJOR \([0-9]*\).*/\1/p' "$repo/Sources/PluginAPI/include/m365_plugin.h")
abi_minor=$(sed -n 's/^#define M365_ABI_MINOR \([0-9]*\).*/\1/p' "$repo/Sources/PluginAPI/include/m365_plugin.h")
cat > "$dest/share/pkgconfig/m365-plugin.pc" <<EOF
prefix=$pc_prefix
includedir=\${prefix}/include
plugindir=\${prefix}/lib/m365/plugins
abi=$abi_major.$abi_minor

Name: m365-plugin
Description: The C ABI of m365 plugins (m365_plugin.h); plugins go to \${plugindir}
Version: $version
Cflags: -I\${includedir}/m365
EOF
chmod 644 "$dest/share/pkgconfig/m365-plugin.pc"

# Completion scripts and the man page come from the installed m365 itself, with a settings
# directory of its own (nothing of the user's is read or written).
scratch=$(mktemp -d /tmp/m365-install.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
run_m365() { env -u M365_PLUGIN_PATH M365_HOME="$scratch/home" XDG_DATA_HOME="$scratch/share" "$dest/bin/m365" "$@"; }
run_m365 cli completion bash > "$dest/share/bash-completion/completions/m365"
run_m365 cli completion zsh > "$dest/share/zsh/vendor-completions/_m365"
run_m365 cli completion fish > "$dest/share/fish/vendor_completions.d/m365.fish"
M365_HOME="$scratch/home" XDG_DATA_HOME="$scratch/share" \
  python3 "$here/manpage.py" "$dest/bin/m365" "$prefix" > "$scratch/m365.1"
gzip -9 -n -c "$scratch/m365.1" > "$dest/share/man/man1/m365.1.gz"
chmod 644 "$dest/share/bash-completion/completions/m365" "$dest/share/zsh/vendor-completions/_m365" \
  "$dest/share/fish/vendor_completions.d/m365.fish" "$dest/share/man/man1/m365.1.gz"
