#!/usr/bin/env bash
# Tests scripts/deps.sh as a fresh machine would see it, without uninstalling anything: checks
# are made to fail with M365_DEPS_ASSUME_MISSING and apt-get, sudo and the user id replaced.
set -uo pipefail
cd "$(dirname "$0")/.."
deps=scripts/deps.sh
passed=0 failed=0
work=$(mktemp -d /tmp/m365-test-deps.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A stand-in apt-get that logs its arguments; "update" makes the next install succeed, as on a
# fresh machine whose package lists are empty.
cat > "$work/apt-get" <<'EOF'
#!/bin/sh
echo "apt-get $*" >> "$M365_FAKE_APT_LOG"
case "$1" in
  update) touch "$M365_FAKE_APT_LOG.updated" ;;
  install) [ -e "$M365_FAKE_APT_LOG.updated" ] || { echo "E: Unable to locate package" >&2; exit 100; } ;;
esac
EOF
printf '#!/bin/sh\necho "sudo $*" >> "$M365_FAKE_APT_LOG"; exec "$@"\n' > "$work/sudo"
chmod +x "$work/apt-get" "$work/sudo"
export M365_FAKE_APT_LOG=$work/apt.log

check() {  # check NAME EXPECTED-STATUS PATTERN-IN-OUTPUT COMMAND…
  local name=$1 want=$2 pattern=$3
  shift 3
  local output status
  output=$("$@" 2>&1); status=$?
  if [ "$status" = "$want" ] && [[ $output =~ $pattern ]]; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name: exit $status (wanted $want), output: $output"
  fi
}

start=$(date +%s%N)
check "nothing missing here: silent" 0 '^$' $deps build demo test package
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$elapsed_ms" -lt 2000 ]; then passed=$((passed + 1)); echo "ok   one quick check (${elapsed_ms} ms)"
else failed=$((failed + 1)); echo "FAIL the check took ${elapsed_ms} ms"; fi

check "fresh machine, root: apt-get install of the missing packages" 0 \
  'would run: env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libcurl4-openssl-dev gnome-keyring tinyproxy' \
  env M365_DEPS_ASSUME_MISSING="curl-header keyring tinyproxy" $deps --dry-run build test
check "no compiler: gcc and libc6-dev too" 0 'install.* gcc libc6-dev libcurl4-openssl-dev' \
  env M365_DEPS_ASSUME_MISSING="cc libc-dev curl-header" $deps --dry-run build demo
check "demo needs no keyring" 0 '^$' env M365_DEPS_ASSUME_MISSING="keyring tinyproxy" $deps --dry-run build demo
check "not root: through sudo" 0 'would run: '"$work"'/sudo env DEBIAN_FRONTEND=noninteractive apt-get install' \
  env M365_DEPS_ASSUME_MISSING="curl-header" M365_DEPS_UID=1000 M365_DEPS_SUDO="$work/sudo" $deps --dry-run build
check "not root, no sudo: one line naming the packages" 1 \
  '^m365: missing system packages \(Debian/Ubuntu names\): libcurl4-openssl-dev; install them as root: apt-get install libcurl4-openssl-dev, then run make again$' \
  env M365_DEPS_ASSUME_MISSING="curl-header" M365_DEPS_UID=1000 M365_DEPS_SUDO=/nonexistent/sudo $deps build
check "no apt-get: one line naming the packages" 1 \
  '^m365: missing system packages \(Debian/Ubuntu names\): libcurl4-openssl-dev tinyproxy; install them or their equivalents with your package manager, then run make again$' \
  env M365_DEPS_ASSUME_MISSING="curl-header tinyproxy" M365_DEPS_APT_GET=/nonexistent/apt-get $deps build test
check "M365_NO_INSTALL=1: report only" 1 'M365_NO_INSTALL=1 is set' \
  env M365_NO_INSTALL=1 M365_DEPS_ASSUME_MISSING="dbus" $deps test
if PATH=/usr/bin:/bin command -v swift >/dev/null; then
  passed=$((passed + 1)); echo "ok   no Swift on PATH: not tried (Swift is in /usr/bin here)"
else
  check "no Swift on PATH: says so" 1 'Swift 6 toolchain is not on PATH' env PATH=/usr/bin:/bin $deps build
fi

# The install itself, through the stand-in apt-get: a first install fails for want of package
# lists, an update reads them, the second install succeeds.
check "install: update after a failed install, then install again" 0 'installing the missing system packages: tinyproxy' \
  env M365_DEPS_ASSUME_MISSING="tinyproxy" M365_DEPS_APT_GET="$work/apt-get" M365_DEPS_UID=1000 M365_DEPS_SUDO="$work/sudo" $deps test
expected="sudo env DEBIAN_FRONTEND=noninteractive $work/apt-get install -y -qq --no-install-recommends tinyproxy
apt-get install -y -qq --no-install-recommends tinyproxy
sudo $work/apt-get update -qq
apt-get update -qq
sudo env DEBIAN_FRONTEND=noninteractive $work/apt-get install -y -qq --no-install-recommends tinyproxy
apt-get install -y -qq --no-install-recommends tinyproxy"
if [ "$(cat "$work/apt.log")" = "$expected" ]; then passed=$((passed + 1)); echo "ok   install: the commands run"
else failed=$((failed + 1)); echo "FAIL install: the commands run were:"; cat "$work/apt.log"; fi

check "install failing twice: one line and exit 1" 1 "^m365: installing the missing system packages: tinyproxy
.*m365: missing system packages \(Debian/Ubuntu names\): tinyproxy; '/bin/false update -qq' failed, then run make again$" \
  env M365_DEPS_ASSUME_MISSING="tinyproxy" M365_DEPS_APT_GET=/bin/false $deps test

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
