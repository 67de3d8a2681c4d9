#!/bin/sh
# Install the Debian packages sysdiff needs to build and test, skipping those present.
# Usage: scripts/install-deps.sh [extra-package...]
# (.ci/run adds clang for the fuzzers and chromium for the HTML report's browser tests,
# tests/integration/test_html.py, which skip without it.)
set -eu
pkgs="gcc g++ make pkg-config libdw-dev libelf-dev libjansson-dev libcmocka-dev libxxhash-dev zlib1g-dev libzstd-dev strace python3 python3.11-dev busybox toybox 9base rust-coreutils gawk zsh $*"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "sysdiff: installing missing packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "sysdiff: need root to install:$missing (run: sudo apt-get install$missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
