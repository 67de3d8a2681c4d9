#!/bin/sh
# Benchmark: the cost of source lines (sysdiff trace --source, --stack) next to the same
# trace without them, on the bench/ workloads and on programs with debug info and deep
# stacks (C -O2 -g, Rust println!).  See bench/README.md.
#   bench/source.sh [SLOW_RUNS] [FAST_RUNS]   (defaults 5 and 20; medians reported)
# Needs a built ./build/sysdiff and hyperfine (installed when missing); rustc is used
# when present.
set -eu
cd "$(dirname "$0")/.."
SLOW=${1:-5}
FAST=${2:-20}
scripts/install-deps.sh hyperfine
B=build/bench
mkdir -p $B
SD=./build/sysdiff
[ -x $SD ] || { echo "bench: build sysdiff first (make)" >&2; exit 1; }
PY=/usr/bin/python3.11
[ -x $PY ] || PY=/usr/bin/python3

# The bench/ loops as they are (no debug info: function names from the symbol table),
# and again with debug info, so each call is tied to a file:line.
cc -O2 -o $B/getppid_loop bench/getppid_loop.c
cc -O2 -o $B/devnull_writes bench/devnull_writes.c
cc -O2 -g -o $B/getppid_loop_g bench/getppid_loop.c
cc -O2 -g -o $B/devnull_writes_g bench/devnull_writes.c
# A deeper stack: each write is made by libc's stdio under three functions of ours.
cat > $B/deep_writes.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
static void __attribute__((noinline)) leaf(long i) { if (fprintf(stdout, "%ld\n", i) < 0) abort(); fflush(stdout); }
static void __attribute__((noinline)) mid(long i) { leaf(i); __asm__ volatile("" ::: "memory"); }
static void __attribute__((noinline)) top(long i) { mid(i); __asm__ volatile("" ::: "memory"); }
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	for (long i = 0; i < n; i++)
		top(i);
	return 0;
}
EOF
cc -O2 -g -o $B/deep_writes $B/deep_writes.c
RUSTC=$(command -v rustc || { [ -x "$HOME/.cargo/bin/rustc" ] && echo "$HOME/.cargo/bin/rustc"; } || true)
if [ -n "$RUSTC" ]; then
	cat > $B/rust_println.rs <<'EOF'
fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100000);
    for i in 0..n {
        println!("{}", i);
    }
}
EOF
	"$RUSTC" -g -C opt-level=2 -o $B/rust_println $B/rust_println.rs
fi

# median wall time (s) of RUNS runs of the command line $2, after one warm-up run
median() {
	hyperfine -N -i --warmup 1 --runs "$1" --export-json $B/h.json "$2" >/dev/null 2>&1
	/usr/bin/python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' $B/h.json
}

# syscalls the trace reports (for the cost per call)
calls() {
	$SD trace --format jsonl -o $B/calls.jsonl -- "$@" >/dev/null 2>&1 || true
	grep -c '"type":"syscall"' $B/calls.jsonl
}

row() {
	runs=$1 name=$2
	shift 2
	n=$(calls "$@")
	plain=$(median "$runs" "$SD trace --format jsonl -o /dev/null -- $*")
	src=$(median "$runs" "$SD trace --source --format jsonl -o /dev/null -- $*")
	stk=$(median "$runs" "$SD trace --stack --format jsonl -o /dev/null -- $*")
	/usr/bin/python3 - "$name" "$n" "$plain" "$src" "$stk" <<'EOF'
import sys
name, n, plain, src, stk = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
per = lambda t: (t - plain) / n * 1e6 if n else 0.0
print("| %s | %d | %.4fs | %.4fs (**%.2fx**, %+.1f µs/call) | %.4fs (%.2fx, %+.1f µs/call) |"
      % (name, n, plain, src, src / plain, per(src), stk, stk / plain, per(stk)))
EOF
}

echo "machine: $(nproc) vCPUs, Linux $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "runs per cell: $SLOW (loops) / $FAST (short commands), medians after one warm-up run"
echo
echo "| workload | reported calls | sysdiff trace (jsonl) | trace --source | trace --stack |"
echo "| --- | --- | --- | --- | --- |"
row "$SLOW" "getppid x1M (bench/, no -g)" $B/getppid_loop
row "$SLOW" "write 16 B x200k (bench/, no -g)" $B/devnull_writes
row "$SLOW" "getppid x1M (-O2 -g)" $B/getppid_loop_g
row "$SLOW" "write 16 B x200k (-O2 -g)" $B/devnull_writes_g
row "$SLOW" "stdio writes x100k, 3 frames deep (-O2 -g)" $B/deep_writes
[ -n "$RUSTC" ] && row "$SLOW" "Rust println! x100k (-O2 -g)" $B/rust_println
row "$FAST" "find /usr -maxdepth 3" find /usr -maxdepth 3
row "$FAST" "python3 -c pass" $PY -c pass
