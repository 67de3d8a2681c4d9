#!/bin/sh
# Benchmark: the cost of Python source lines (sysdiff trace --source on CPython: the
# interpreter's frames read out of the stopped process) next to the same trace without
# them, untraced and strace -f, on two Python workloads, for each CPython 3.11+ found
# (/usr/bin/python3.11 and pyenv's 3.11-3.14 builds).  See bench/README.md.
#   bench/python.sh [RUNS] [WRITES] [FILES]     (defaults 5, 50000 and 2000; medians)
# Workloads:
#   writes  WRITES os.write(fd, b"x") to /dev/null, each from a 2-deep call chain
#   files   import json, then write, read back and delete FILES small JSON files
# The cost per attributed call is (t_source - t_plain) / calls reported; "located" is
# the share of calls that got a Python file:line.  Needs a built ./build/sysdiff,
# strace and hyperfine (installed when missing).  STACK=0 skips the --stack column.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-5}
WRITES=${2:-50000}
FILES=${3:-2000}
STACK=${STACK:-1}
scripts/install-deps.sh hyperfine
SD=$(pwd)/build/sysdiff
[ -x "$SD" ] || { echo "bench: build sysdiff first (make)" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sysdiff-pybench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
HOSTPY=/usr/bin/python3

# The interpreters see none of the caller's PYTHON* settings (PYTHONUNBUFFERED would
# change the syscalls), and write no bytecode.
unset PYTHONUNBUFFERED PYTHONSTARTUP PYTHONPATH PYTHONHOME PYTHONWARNINGS PYTHONVERBOSE
export PYTHONDONTWRITEBYTECODE=1

cat > "$T/writes.py" <<'EOF'
import os
import sys


def leaf(fd):
    os.write(fd, b"x")


def mid(fd):
    leaf(fd)


def main():
    n = int(sys.argv[1])
    fd = os.open("/dev/null", os.O_WRONLY)
    for _ in range(n):
        mid(fd)
    os.close(fd)


main()
EOF

cat > "$T/files.py" <<'EOF'
import json
import os
import sys


def main():
    d, n = sys.argv[1], int(sys.argv[2])
    for i in range(n):
        with open(os.path.join(d, "f%d.json" % i), "w") as f:
            json.dump({"i": i, "name": "file %d" % i, "tags": ["a", "b"]}, f)
    total = 0
    for i in range(n):
        with open(os.path.join(d, "f%d.json" % i)) as f:
            total += json.load(f)["i"]
    for i in range(n):
        os.unlink(os.path.join(d, "f%d.json" % i))
    assert total == n * (n - 1) // 2


main()
EOF
mkdir "$T/files"

# the interpreters: Debian's, then pyenv's 3.11 and later (3.11-3.14 are supported)
PYS=""
[ -x /usr/bin/python3.11 ] && PYS="/usr/bin/python3.11"
for root in "${PYENV_ROOT:-$HOME/.pyenv}/versions" "$HOME/.pyenv/versions"; do
	for p in "$root"/*/bin/python3.1[1-9]; do
		[ -x "$p" ] || continue
		case "$p" in */python3.11|*/python3.12|*/python3.13|*/python3.14) ;; *) continue ;; esac
		case " $PYS " in *" $p "*) ;; *) PYS="$PYS $p" ;; esac
	done
done
[ -n "$PYS" ] || { echo "bench: no CPython 3.11+ found" >&2; exit 1; }

# median wall time (s) of RUNS runs of the command line $1, after one warm-up run
median() {
	hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$T/h.json" "$1" >/dev/null 2>&1
	$HOSTPY -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$T/h.json"
}

# "CALLS LOCATED": syscalls a --source trace reports, and how many have a Python line
counts() {
	$SD trace --source --format jsonl -o "$T/calls.jsonl" -- "$@" >/dev/null 2>&1 || true
	$HOSTPY - "$T/calls.jsonl" <<'EOF'
import json, sys
n = located = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("type") != "syscall":
        continue
    n += 1
    s = e.get("src") or {}
    if s.get("lang") == "python" and "line" in s:
        located += 1
print(n, located)
EOF
}

row() {
	py=$1 name=$2
	shift 2
	cmd="$*"
	set -- $(counts $cmd)
	n=$1 located=$2
	base=$(median "$cmd")
	st=$(median "strace -f -o /dev/null $cmd")
	plain=$(median "$SD trace --format jsonl -o /dev/null -- $cmd")
	src=$(median "$SD trace --source --format jsonl -o /dev/null -- $cmd")
	stk=0
	[ "$STACK" = 1 ] && stk=$(median "$SD trace --stack --format jsonl -o /dev/null -- $cmd")
	$HOSTPY - "$py" "$name" "$n" "$located" "$base" "$st" "$plain" "$src" "$stk" <<'EOF'
import sys
py, name = sys.argv[1:3]
n, located = int(sys.argv[3]), int(sys.argv[4])
base, st, plain, src, stk = map(float, sys.argv[5:10])
per = lambda t: (t - plain) / n * 1e6 if n else 0.0
cells = ["%s" % py, name, "%d (%.0f%% located)" % (n, 100.0 * located / n if n else 0),
         "%.4fs" % base, "%.4fs (%.1fx)" % (st, st / base),
         "%.4fs (%.1fx)" % (plain, plain / base),
         "%.4fs (**%.2fx** trace, %+.1f µs/call)" % (src, src / plain, per(src))]
if stk:
    cells.append("%.4fs (%.2fx trace, %+.1f µs/call)" % (stk, stk / plain, per(stk)))
print("| " + " | ".join(cells) + " |")
EOF
}

echo "machine: $(nproc) vCPUs, Linux $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(strace -V | head -1)"
echo "runs per cell: $RUNS, medians after one warm-up run; writes: $WRITES, files: $FILES"
echo
if [ "$STACK" = 1 ]; then
	echo "| interpreter | workload | reported calls | untraced | strace -f | sysdiff trace (jsonl) | trace --source | trace --stack |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
else
	echo "| interpreter | workload | reported calls | untraced | strace -f | sysdiff trace (jsonl) | trace --source |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
fi
for py in $PYS; do
	row "$py" "os.write x$WRITES, 2 calls deep" "$py" "$T/writes.py" "$WRITES"
	row "$py" "json files x$FILES (write, read, unlink)" "$py" "$T/files.py" "$T/files" "$FILES"
	row "$py" "-c pass" "$py" -c pass
done
