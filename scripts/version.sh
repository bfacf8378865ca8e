#!/usr/bin/env bash
# The one version of m365, its plugins and m365-emulator lives in VERSION. Swift reads it from
# Sources/M365Version/Version.swift, a file generated from VERSION and committed, so a plain
# `swift build` carries the right version too.
#   scripts/version.sh           rewrite Version.swift when it does not match VERSION (make does this)
#   scripts/version.sh --check   fail when it does not match (CI)
#   scripts/version.sh --print   print the version
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(tr -d ' \n' < VERSION)
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([~+.-][0-9A-Za-z.~+-]+)?$ ]]; then
  echo "VERSION: '$version' is not a version (major.minor.patch)" >&2
  exit 1
fi
file=Sources/M365Version/Version.swift
wanted="// Generated from VERSION by scripts/version.sh (make runs it): edit VERSION, not this file.

/// The version of m365, of the plugins shipped with it and of m365-emulator.
public let m365ReleaseVersion = \"$version\""
case "${1:-}" in
  --print) echo "$version" ;;
  --check)
    if [ "$(cat "$file" 2>/dev/null)" != "$wanted" ]; then
      echo "$file does not match VERSION ($version): run scripts/version.sh and commit it" >&2
      exit 1
    fi ;;
  "")
    if [ "$(cat "$file" 2>/dev/null)" != "$wanted" ]; then
      printf '%s\n' "$wanted" > "$file"
      echo "$file: now $version (from VERSION); commit it" >&2
    fi ;;
  *) echo "usage: scripts/version.sh [--check|--print]" >&2; exit 2 ;;
esac
