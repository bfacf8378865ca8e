#!/usr/bin/env bash
# The system packages m365 needs, checked in one quick pass and installed when missing, so that
# `make demo` and `make test` are all the set-up a machine needs.
#
#   scripts/deps.sh [--dry-run] [--list] NEED...
#
# NEED is what the caller is about to do: build (compile and install m365; python3 writes the
# man page), demo (run it and build the C example), test (the test suite: D-Bus, gnome-keyring,
# tinyproxy, openssl, curl; rustc builds the Rust example plugin), package (make deb / make dist and their test), bench (make bench: cc, curl, wrk), az (make az-check: Python's venv for the Azure CLI). Nothing is printed when nothing is missing.
# Missing packages are installed with apt-get (through sudo when not root); when that is not
# possible one line names the packages and the command exits 1.
#   --dry-run   say what would be installed and how, install nothing (exit 0)
#   --list      print the Debian packages NEED asks for, whether present or not
# Environment: M365_NO_INSTALL=1 reports missing packages instead of installing them.
# For scripts/test-deps.sh: M365_DEPS_ASSUME_MISSING="check …" makes those checks fail,
# M365_DEPS_APT_GET, M365_DEPS_SUDO and M365_DEPS_UID replace apt-get, sudo and the user id.
set -euo pipefail

dry_run=0 list=0 needs=()
for argument in "$@"; do
  case $argument in
    --dry-run) dry_run=1 ;;
    --list) list=1 ;;
    build|demo|test|package|bench|az) needs+=("$argument") ;;
    *) echo "usage: scripts/deps.sh [--dry-run] [--list] build|demo|test|package|bench|az..." >&2; exit 2 ;;
  esac
done
[ ${#needs[@]} -gt 0 ] || needs=(build)

# check name | how it is checked | Debian package that provides it
checks_build="
cc          tool:cc                 gcc
libc-dev    header:stdio.h          libc6-dev
curl-header header:curl/curl.h      libcurl4-openssl-dev
python3     tool:python3            python3
"
checks_demo="
cc          tool:cc                 gcc
libcurl     lib:libcurl.so.4        curl
libcrypto   lib:libcrypto.so.3      openssl
"
checks_test="
dbus        tool:dbus-run-session   dbus
dbus-send   tool:dbus-send          dbus
keyring     tool:gnome-keyring-daemon gnome-keyring
libsecret   lib:libsecret-1.so.0    libsecret-1-0
tinyproxy   tool:tinyproxy          tinyproxy
openssl     tool:openssl            openssl
curl        tool:curl               curl
rustc       tool:rustc              rustc
"
checks_bench="
cc          tool:cc                 gcc
curl        tool:curl               curl
wrk         tool:wrk                wrk
time        tool:/usr/bin/time      time
"
checks_az="
python3     tool:python3            python3
venv        pymodule:ensurepip      python3-venv
curl        tool:curl               curl
"
checks_package="
dpkg-deb    tool:dpkg-deb           dpkg
shlibdeps   tool:dpkg-shlibdeps     dpkg-dev
readelf     tool:readelf            binutils
pkg-config  tool:pkg-config         pkg-config
"

PATH="$PATH:/usr/sbin:/sbin"
assume_missing=" ${M365_DEPS_ASSUME_MISSING:-} "
ldconfig_cache=""
have_compiler=""

probe() {  # probe KIND:WHAT → status 0 when present
  local kind=${1%%:*} what=${1#*:}
  case $kind in
    tool) command -v "$what" >/dev/null 2>&1 ;;
    lib)
      if [ -z "$ldconfig_cache" ]; then ldconfig_cache=$(ldconfig -p 2>/dev/null || echo none); fi
      [[ $ldconfig_cache == *"$what "* ]] ;;
    pymodule) python3 -c "import $what" >/dev/null 2>&1 ;;
    header)
      if [ -z "$have_compiler" ]; then have_compiler=$(command -v cc >/dev/null 2>&1 && echo yes || echo no); fi
      [ "$have_compiler" = yes ] && printf '#include <%s>\n' "$what" | cc -E -x c - -o /dev/null >/dev/null 2>&1 ;;
  esac
}

missing=() wanted=() seen=" "
for need in "${needs[@]}"; do
  table_name="checks_$need"
  while read -r name how package; do
    [ -n "$name" ] || continue
    [[ $seen == *" $name "* ]] && continue
    seen+="$name "
    [[ " ${wanted[*]:-} " == *" $package "* ]] || wanted+=("$package")
    if [[ $assume_missing == *" $name "* ]] || ! probe "$how"; then
      [[ " ${missing[*]:-} " == *" $package "* ]] || missing+=("$package")
    fi
  done <<< "${!table_name}"
done

if [ "$list" = 1 ]; then
  echo "${wanted[*]}"
  exit 0
fi

if ! command -v swift >/dev/null 2>&1 && [[ " ${needs[*]} " == *" build "* ]]; then
  echo "m365: the Swift 6 toolchain is not on PATH (its usr/bin, e.g. /opt/swift/usr/bin): it is needed to build m365" >&2
  exit 1
fi

[ ${#missing[@]} -gt 0 ] || exit 0

apt_get=${M365_DEPS_APT_GET:-apt-get}
sudo_command=${M365_DEPS_SUDO:-sudo}
uid=${M365_DEPS_UID:-$(id -u)}
give_up() {
  echo "m365: missing system packages (Debian/Ubuntu names): ${missing[*]}; $1, then run make again" >&2
  exit 1
}
if [ "${M365_NO_INSTALL:-}" = 1 ]; then give_up "install them (M365_NO_INSTALL=1 is set)"; fi
if ! command -v "$apt_get" >/dev/null 2>&1; then give_up "install them or their equivalents with your package manager"; fi
as_root=()
if [ "$uid" != 0 ]; then
  command -v "$sudo_command" >/dev/null 2>&1 || give_up "install them as root: apt-get install ${missing[*]}"
  as_root=("$sudo_command")
fi
install=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -qq --no-install-recommends "${missing[@]}")
update=("${as_root[@]}" "$apt_get" update -qq)

if [ "$dry_run" = 1 ]; then
  echo "m365: would install the missing system packages: ${missing[*]}" >&2
  echo "would run: ${install[*]} (after '${update[*]}' if that fails)"
  exit 0
fi

echo "m365: installing the missing system packages: ${missing[*]}" >&2
if ! "${install[@]}" >/dev/null; then
  # A fresh machine has no package lists yet, an old one stale lists: read them and try again.
  "${update[@]}" || give_up "'${update[*]}' failed"
  "${install[@]}" >/dev/null || give_up "'${install[*]}' failed"
fi
