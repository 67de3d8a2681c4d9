#!/bin/sh
# Benchmark: sysdiff validate's wall time against the two plain traced runs it makes,
# and a manifest of cases with -j 1 against -j 2.
#   bench/validate.sh [RUNS] [CASES]     (defaults 5 and 8)
# The pair is tests/fixtures/validate/greet.py (Python) and greet.c (C), which validate
# as equivalent.  Needs a built ./build/sysdiff, cc, /usr/bin/python3 and hyperfine.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-5}
CASES=${2:-8}
SD=${SD:-$(pwd)/build/sysdiff}
[ -x "$SD" ] || { echo "bench: build sysdiff first (make)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sysdiff-vbench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
cc -O1 -o "$T/greet" tests/fixtures/validate/greet.c
cp tests/fixtures/validate/greet.py "$T/greet.py"
mkdir "$T/work"
echo Ada > "$T/in.txt"
cd "$T/work"
i=0
printf '{"cases": [' > "$T/cases.json"
while [ "$i" -lt "$CASES" ]; do
	[ "$i" -gt 0 ] && printf ',' >> "$T/cases.json"
	printf '{"name": "c%d", "env": {"NAME": "n%d"}}' "$i" "$i" >> "$T/cases.json"
	i=$((i + 1))
done
printf ']}\n' >> "$T/cases.json"
hyperfine -N -w 1 -r "$RUNS" --export-markdown "$T/a.md" \
	-n "trace original (python3)" "$SD trace --format jsonl -o $T/o.jsonl -- $T/greet.py" \
	-n "trace rewrite (C)" "$SD trace --format jsonl -o $T/n.jsonl -- $T/greet" \
	-n "validate" "$SD validate --original $T/greet.py --transpiled $T/greet" >/dev/null
hyperfine -N -w 1 -r "$RUNS" --export-markdown "$T/b.md" \
	-n "validate --cases ($CASES) -j 1" "$SD validate --cases $T/cases.json -j 1 --original $T/greet.py --transpiled $T/greet" \
	-n "validate --cases ($CASES) -j 2" "$SD validate --cases $T/cases.json -j 2 --original $T/greet.py --transpiled $T/greet" >/dev/null
echo "machine: $(nproc) vCPUs, $(uname -r)"
cat "$T/a.md"
echo
cat "$T/b.md"
