#!/usr/bin/env bash
# make dist: a relocatable tarball for other distributions, m365-VERSION/ with the layout of the
# Debian package's /usr (bin, lib/m365/plugins, include, share). Needs glibc, libstdc++ and, when
# used, libcurl, libsecret and OpenSSL's libcrypto from the system; no Swift.
#
#   packaging/dist.sh BIN_DIR OUTPUT.tar.gz
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin_dir=$1 output=$2
version=$(tr -d ' \n' < "$repo/VERSION")
top=$repo/.build/dist-root
folder=m365-$version
rm -rf "$top"
bash "$here/install.sh" "$bin_dir" "$top/$folder" --prefix "" --strip
mkdir -p "$(dirname "$output")"
tar -C "$top" --owner=0 --group=0 --numeric-owner --sort=name -czf "$output" "$folder"
echo "$output: $(du -h "$output" | cut -f1)"
