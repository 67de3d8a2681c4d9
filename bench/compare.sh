#!/bin/sh
# Benchmark: `sysdiff compare` next to GNU diff on two synthetic traces that differ in a
# few places, with the memory per event, and the HTML report next to the text one
# and the semantic level next to the strict one (bench/README.md gives the goals and figures).
#   bench/compare.sh [EVENTS] [CHANGES] [RUNS]   (defaults 1000000, 100 and 3)
# Builds bench/gen_trace.c, writes trace A (--seed 1) and trace B (the same with CHANGES
# changes) into a temporary directory, and runs each tool RUNS times under
# /usr/bin/time: the median wall time and the largest peak RSS are reported, and bytes
# per event = peak RSS / (events of A + events of B).  Needs a built ./build/sysdiff,
# cc, libxxhash and GNU time (installed here when missing); SD=PATH picks another sysdiff.
set -eu
cd "$(dirname "$0")/.."
EVENTS=${1:-1000000}
CHANGES=${2:-100}
RUNS=${3:-3}
scripts/install-deps.sh time
SD=${SD:-./build/sysdiff}
[ -x "$SD" ] || { echo "bench: build sysdiff first (make)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sysdiff-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
cc -O2 -o "$T/gen_trace" bench/gen_trace.c -lxxhash
"$T/gen_trace" -n "$EVENTS" --seed 1 -o "$T/a.jsonl"
"$T/gen_trace" -n "$EVENTS" --seed 1 --mutate "$CHANGES" -o "$T/b.jsonl"
# events of both traces, from their trailers
total=$(tail -qn 1 "$T/a.jsonl" "$T/b.jsonl" | sed 's/.*"events":\([0-9]*\).*/\1/' |
	awk '{ s += $1 } END { print s }')

# measure NAME EXPECTED_STATUS COMMAND...: prints "| NAME | s | KB | B/event |" and keeps
# the median seconds in $T/median
measure() {
	name=$1 want=$2
	shift 2
	: >"$T/times"
	i=0
	while [ $i -lt "$RUNS" ]; do
		st=0
		/usr/bin/time -o "$T/time1" -f '%e %M' "$@" >/dev/null 2>"$T/err" || st=$?
		if [ "$st" != "$want" ]; then
			echo "bench: $name exited with $st (expected $want):" >&2
			head -n 5 "$T/err" >&2
			return 1
		fi
		tail -n 1 "$T/time1" >>"$T/times"
		i=$((i + 1))
	done
	sort -n "$T/times" | awk -v name="$name" -v total="$total" '
		{ t[NR] = $1; if ($2 > m) m = $2 }
		END { printf "| %s | %.2f | %d | %.0f |\n", name, t[int((NR + 1) / 2)], m, m * 1024 / total }'
	sort -n "$T/times" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }' >"$T/median"
}

echo "machine: $(nproc) vCPUs, Linux $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "traces: $EVENTS events each, $CHANGES changes; $(du -m "$T/a.jsonl" | cut -f1) MB and" \
	"$(du -m "$T/b.jsonl" | cut -f1) MB; median of $RUNS runs"
echo
echo "| command | seconds | peak RSS KB | bytes/event (A+B) |"
echo "| --- | --- | --- | --- |"
measure "GNU diff A B" 1 diff "$T/a.jsonl" "$T/b.jsonl"
if "$SD" compare --help >/dev/null 2>&1; then
	measure "sysdiff compare A B" 1 "$SD" compare "$T/a.jsonl" "$T/b.jsonl"
	text=$(cat "$T/median")
	measure "sysdiff compare --level semantic A B" 1 "$SD" compare --level semantic \
		"$T/a.jsonl" "$T/b.jsonl"
	sem=$(cat "$T/median")
	measure "sysdiff compare --format html -o R.html A B" 1 "$SD" compare --format html \
		-o "$T/r.html" "$T/a.jsonl" "$T/b.jsonl"
	html=$(cat "$T/median")
	echo
	echo "html report: $(du -k "$T/r.html" | cut -f1) KB;" \
		"html / text time: $(awk -v h="$html" -v t="$text" 'BEGIN { printf "%.2f", h / t }');" \
		"semantic / strict time: $(awk -v s="$sem" -v t="$text" 'BEGIN { printf "%.2f", s / t }')"
else
	echo "| sysdiff compare A B | (not available: this sysdiff has no compare subcommand yet) | | |"
fi
