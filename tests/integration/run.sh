#!/bin/sh
# run.sh - run every tests/integration/test_*.py with Debian's python3 (unittest).
# Usage: BUILD=build tests/integration/run.sh [test_name_pattern...]
# Prints "integration: N passed, N failed, N skipped" last; exits 1 if any failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
export BUILD
export PYTHONDONTWRITEBYTECODE=1
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	echo "integration: $PY not found" >&2
	echo "integration: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
cd "$root" || exit 1
exec "$PY" "$here/runner.py" "$@"
