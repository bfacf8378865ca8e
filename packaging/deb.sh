#!/usr/bin/env bash
# make deb: a Debian package of a release build that runs without a Swift toolchain (the Swift
# runtime and Foundation are linked into m365, m365-emulator and each plugin).
#
#   packaging/deb.sh BIN_DIR OUTPUT.deb
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin_dir=$1 output=$2
version=$(tr -d ' \n' < "$repo/VERSION")
arch=$(dpkg --print-architecture)
root=$repo/.build/deb-root
rm -rf "$root"
mkdir -p "$root/DEBIAN"
bash "$here/install.sh" "$bin_dir" "$root/usr" --prefix /usr --strip

# What the ELF files link, as dpkg-shlibdeps reads it (libc6, libstdc++6, libgcc-s1 …), and what
# m365 opens with dlopen on first use: libcurl, libsecret and OpenSSL's libcrypto.
scratch=$(mktemp -d /tmp/m365-deb.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/debian"
printf 'Source: m365\n\nPackage: m365\nArchitecture: any\n' > "$scratch/debian/control"
elves=()
while IFS= read -r file; do
  if [ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ]; then elves+=("-e$file"); fi
done < <(find "$root/usr" -type f)
linked=$(cd "$scratch" && dpkg-shlibdeps -O "${elves[@]}" 2>"$scratch/warnings" | sed -n 's/^shlibs:Depends=//p')
grep -v "not using any symbols\|^$" "$scratch/warnings" >&2 || true
[ -n "$linked" ] || { echo "deb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
depends="$linked, libcurl4 | libcurl4t64, libsecret-1-0, libssl3 | libssl3t64"

cat > "$root/DEBIAN/control" <<CONTROL
Package: m365
Version: $version
Architecture: $arch
Maintainer: m365 developers <m365@localhost>
Section: admin
Priority: optional
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: $depends
Recommends: gnome-keyring
Description: Microsoft 365 from the command line, with a local tenant emulator
 m365 manages a Microsoft 365 tenant: SharePoint Online (m365 spo), Entra ID (m365 entra)
 and the Microsoft Graph workloads (Teams, Outlook, Planner, To Do, OneDrive), with the
 command names, options and output of the CLI for Microsoft 365. Each service is a plugin
 in /usr/lib/m365/plugins, loaded through a stable C ABI; plugin authors find the header
 with pkg-config m365-plugin.
 .
 m365-emulator is a local Microsoft 365 tenant over HTTPS for testing scripts offline.
 .
 Tokens are kept in the Secret Service (gnome-keyring) when one answers, else in a file
 readable only by its owner.
CONTROL
mkdir -p "$(dirname "$output")"
dpkg-deb --root-owner-group -Zxz --build "$root" "$output" >/dev/null
echo "$output: $(du -h "$output" | cut -f1), Depends: $depends"
