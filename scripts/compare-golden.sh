#!/bin/sh
# compare-golden.sh - every report `sysdiff compare` gives on a set of trace pairs, for
# checking that a change leaves reports byte-identical: run it with the binary before
# and after the change on the same traces and `diff -r` the two output directories.
#
# Usage: scripts/compare-golden.sh SYSDIFF TRACEDIR OUTDIR
#   TRACEDIR holds one directory per pair with original.* and transpiled.* (sysdiff
#   JSONL or strace logs), e.g. the traces SD_REPORT_DIR=DIR tests/integration/run.sh
#   ValidateCorpusTest keeps in DIR/traces.  Each pair is compared both ways and with
#   itself, in text (-v too), JSON and JUnit and with the option sets below.
set -u
[ $# -eq 3 ] || { echo "usage: $0 SYSDIFF TRACEDIR OUTDIR" >&2; exit 2; }
sd=$1 traces=$2 out=$3
mkdir -p "$out" || exit 2
n=0
for d in "$traces"/*/; do
	name=$(basename "$d")
	o=$(ls "$d"original.* 2>/dev/null | head -1)
	t=$(ls "$d"transpiled.* 2>/dev/null | head -1)
	[ -n "$o" ] && [ -n "$t" ] || continue
	i=0
	for opts in "" "-v" "--format json" "--format junit" "-v --no-noise-filter" \
		"-v --ignore-cloexec --keep-sigchld --root-exec" "--max-mismatches 1 -v --context 1" \
		"-v --ignore %file --keep mmap"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		"$sd" compare --color=never $opts "$o" "$t" > "$out/$name.$i" 2>&1
		echo "exit $?" >> "$out/$name.$i"
		# JUnit carries the time taken
		sed -i 's/time="[0-9.]*"/time="T"/g' "$out/$name.$i"
	done
	"$sd" compare --color=never -v "$t" "$o" > "$out/$name.rev" 2>&1; echo "exit $?" >> "$out/$name.rev"
	"$sd" compare --color=never --format json "$o" "$o" > "$out/$name.self" 2>&1; echo "exit $?" >> "$out/$name.self"
	n=$((n + 1))
done
echo "compare-golden: $n pairs, $(ls "$out" | wc -l) reports in $out"
