#!/bin/sh
# Benchmark: what the sandbox costs validate.  examples/hello.py against its C
# translation (equivalent): the two programs untraced, one traced run of each, and
# sysdiff validate (both runs at once, each in its sandbox, plus the calibration run of
# the original; and without it, --calibrate 0); next to them the floor measured in the
# same hyperfine run: /bin/true untraced and validated against itself (what a validate
# costs before the programs do anything); then the sandbox's own
# set-up (building the view: namespaces' mounts, overlays, /dev, pivot_root), read from
# validate's JSON report (runs[].setup_seconds), median over RUNS validations.
#   bench/hermetic.sh [RUNS]       (default 20)
# BASE=path/to/an/older/sysdiff adds its validate to the table.  Needs a built
# ./build/sysdiff, cc, python3 and hyperfine.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-20}
SD=${SD:-$(pwd)/build/sysdiff}
PY=${PY:-/usr/bin/python3}
[ -x "$SD" ] || { echo "bench: build sysdiff first (make)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sysdiff-hbench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
cc -O1 -g -o "$T/hello" examples/hello.c
cp examples/hello.py "$T/hello.py"
mkdir "$T/work"
cd "$T/work"
V="$SD validate --original-cmd '$PY $T/hello.py' --transpiled $T/hello"
set -- -n "untraced python3 hello.py" "$PY $T/hello.py" \
	-n "untraced hello (C)" "$T/hello" \
	-n "sysdiff trace python3 hello.py" "$SD trace -o /dev/null -- $PY $T/hello.py" \
	-n "sysdiff trace hello (C)" "$SD trace -o /dev/null -- $T/hello" \
	-n "sysdiff validate" "$V" \
	-n "sysdiff validate --calibrate 0" "$V --calibrate 0" \
	-n "floor: untraced /bin/true" "/bin/true" \
	-n "floor: sysdiff validate /bin/true against itself" \
	"$SD validate --original /bin/true --transpiled /bin/true"
[ -n "${BASE:-}" ] && set -- "$@" -n "sysdiff validate (BASE)" \
	"$BASE validate --original-cmd '$PY $T/hello.py' --transpiled $T/hello"
hyperfine -N -i -w 2 -r "$RUNS" --export-markdown "$T/a.md" "$@" >/dev/null
i=0
: > "$T/setup"
while [ "$i" -lt "$RUNS" ]; do
	sh -c "$V --format json" < /dev/null > "$T/r.json" || true
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join("%.4f %.4f" % (x["setup_seconds"], x["seconds"]) for x in r["runs"]))' "$T/r.json" >> "$T/setup"
	i=$((i + 1))
done
echo "machine: $(nproc) vCPUs, $(uname -r)"
cat "$T/a.md"
echo
$PY - "$T/setup" <<'PYEOF'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = lambda xs: statistics.median(xs) * 1e3
print("| per run (median of %d validations) | original | transpiled |" % len(rows))
print("| --- | --- | --- |")
print("| sandbox set-up (view built) | %.2f ms | %.2f ms |" % (med([r[0] for r in rows]), med([r[2] for r in rows])))
print("| whole run (set-up, trace, change list) | %.1f ms | %.1f ms |" % (med([r[1] for r in rows]), med([r[3] for r in rows])))
PYEOF
