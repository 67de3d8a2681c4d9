#!/bin/sh
# Benchmark: the size of a trace on disk (bytes per event) and the time of tracing, for
# plain JSON Lines, .gz and .zst output, next to the untraced run and the same trace
# written to /dev/null (bench/README.md gives the goals and figures).
#   bench/trace_size.sh [RUNS] [FIND_ROOT]   (defaults 5 and /usr)
# Workloads: `find FIND_ROOT` and bench/devnull_writes.c (200,000 16-byte writes).  Each
# cell is the median of RUNS hyperfine runs after one warm-up; bytes per event are the
# file's size over the events in its trailer, "raw" the decompressed size per event.
# Needs a built ./build/sysdiff (SD=PATH for another), hyperfine, zstd and gzip.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-5}
ROOT=${2:-/usr}
scripts/install-deps.sh hyperfine zstd gzip
SD=${SD:-./build/sysdiff}
[ -x "$SD" ] || { echo "bench: build sysdiff first (make)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sysdiff-size.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
cc -O2 -o "$T/devnull_writes" bench/devnull_writes.c

# median wall time (s) of RUNS runs of the command line $1, after one warm-up run
median() {
	hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$T/h.json" "$1" >/dev/null 2>&1
	python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$T/h.json"
}

# the decompressed bytes of a trace file
raw() {
	case $1 in
	*.gz) gzip -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*) cat "$1" ;;
	esac
}

# row NAME COMMAND: untraced, then each output, with time and bytes per event
row() {
	name=$1 cmd=$2
	base=$(median "$cmd")
	null=$(median "$SD trace --format jsonl -o /dev/null -- $cmd")
	printf '| %s | untraced | %ss | | |\n' "$name" "$base"
	printf '| %s | `-o /dev/null` (jsonl) | %ss (%s) | | |\n' "$name" "$null" \
		"$(awk -v a="$null" -v b="$base" 'BEGIN { printf "%.1fx", a / b }')"
	for ext in jsonl jsonl.gz jsonl.zst; do
		out=$T/t.$ext
		t=$(median "$SD trace -o $out -- $cmd")
		[ $ext = jsonl ] && plain=$t
		events=$(raw "$out" | tail -n 1 | sed 's/.*"events":\([0-9]*\).*/\1/')
		size=$(wc -c <"$out")
		rawsize=$(raw "$out" | wc -c)
		printf '| %s | `-o t.%s` | %ss (%s of plain) | %s | %s |\n' "$name" "$ext" "$t" \
			"$(awk -v a="$t" -v b="$plain" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')" \
			"$(awk -v s="$size" -v e="$events" 'BEGIN { printf "%.1f", s / e }')" \
			"$(awk -v s="$rawsize" -v e="$events" 'BEGIN { printf "%.1f", s / e }')"
	done
}

echo "machine: $(nproc) vCPUs, Linux $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "runs per cell: $RUNS, medians, one warm-up run; $($SD trace --help >/dev/null 2>&1 && echo "$SD")"
echo
echo "| workload | output | time | bytes/event on disk | bytes/event raw |"
echo "| --- | --- | --- | --- | --- |"
row "find $ROOT" "find $ROOT"
row "write 16 B x200k" "$T/devnull_writes"
