#!/usr/bin/env bash
# make test: runs the test suite inside a private D-Bus session with its own unlocked
# gnome-keyring, so the Secret Service tests use a real keyring and never the user's.
# The tests start (and stop) the m365-emulator processes they need themselves.
set -euo pipefail
if [ -z "${M365_TEST_SESSION:-}" ]; then
  exec env M365_TEST_SESSION=1 dbus-run-session -- "$0" "$@"
fi
keyring_home=$(mktemp -d /tmp/m365-test-keyring.XXXXXX)
trap 'rm -rf "$keyring_home"' EXIT
# The keyring daemon keeps its files under XDG_DATA_HOME; only the daemon sees this one.
printf %s "m365-test-keyring" | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
export M365_TEST_KEYRING=1
log=$(mktemp /tmp/m365-test-log.XXXXXX)
status=0
swift test --skip-build --disable-swift-testing "$@" 2>&1 | tee "$log" || status=$?
# One plain closing line: "N passed, N failed", from XCTest's last summary.
summary=$(grep -E "Executed [0-9]+ tests?, with " "$log" | tail -n 1 || true)
rm -f "$log"
if [[ $summary =~ Executed\ ([0-9]+)\ tests?,\ with\ (([0-9]+)\ tests?\ skipped\ and\ )?([0-9]+)\ failure ]]; then
  total=${BASH_REMATCH[1]} skipped=${BASH_REMATCH[3]:-0} failed=${BASH_REMATCH[4]}
  echo "$((total - skipped - failed)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
