#!/bin/sh
# Benchmark: traced/untraced time ratios of sysdiff and strace, next to the floor of
# ptrace itself (bench/ptrace_floor.c: stops at every syscall and does nothing else);
# see bench/README.md.
#   bench/run.sh [SLOW_RUNS] [FAST_RUNS]   (defaults 5 and 30; medians reported)
# Needs a built ./build/sysdiff, strace, hyperfine, taskset and python3 (installed here
# when missing).
set -eu
cd "$(dirname "$0")/.."
SLOW=${1:-5}
FAST=${2:-30}
scripts/install-deps.sh hyperfine util-linux
B=build/bench
mkdir -p $B
cc -O2 -o $B/getppid_loop bench/getppid_loop.c
cc -O2 -o $B/devnull_writes bench/devnull_writes.c
cc -O2 -o $B/ptrace_floor bench/ptrace_floor.c
SD=./build/sysdiff
[ -x $SD ] || { echo "bench: build sysdiff first (make)" >&2; exit 1; }
PY=/usr/bin/python3.11
[ -x $PY ] || PY=/usr/bin/python3

# median wall time (s) of RUNS runs of the command line $2, after one warm-up run
median() {
	hyperfine -N -i --warmup 1 --runs "$1" --export-json $B/h.json "$2" >/dev/null 2>&1
	/usr/bin/python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' $B/h.json
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

row() {
	runs=$1 name=$2 cmd=$3
	base=$(median "$runs" "$cmd")
	fl=$(median "$runs" "$B/ptrace_floor $cmd")
	sd=$(median "$runs" "$SD trace --format jsonl -o /dev/null -- $cmd")
	sdu=$(median "$runs" "$SD trace --no-pin --format jsonl -o /dev/null -- $cmd")
	st=$(median "$runs" "strace -f -o /dev/null $cmd")
	stp=$(median "$runs" "taskset -c 0 strace -f -o /dev/null $cmd")
	printf '| %s | %ss | %ss (%s) | %ss (**%s**; %s the floor) | %ss (%s) | %ss (%s) | %ss (**%s**) |\n' \
		"$name" "$base" "$fl" "$(ratio $fl $base)" \
		"$sd" "$(ratio $sd $base)" "$(ratio $sd $fl)" "$sdu" "$(ratio $sdu $base)" \
		"$st" "$(ratio $st $base)" "$stp" "$(ratio $stp $base)"
}

echo "machine: $(nproc) vCPUs, Linux $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(strace -V | head -1)"
echo "runs per cell: $SLOW (loops) / $FAST (find, python3), medians, one warm-up run"
echo
echo "| workload | untraced | the floor (bench/ptrace_floor.c) | sysdiff trace (jsonl; pinned, the default) | sysdiff --no-pin | strace -f | taskset -c 0 strace -f |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
row "$SLOW" "getppid x1M" "$B/getppid_loop"
row "$SLOW" "write 16 B x200k to /dev/null" "$B/devnull_writes"
row "$FAST" "find /usr -maxdepth 3" "find /usr -maxdepth 3"
row "$FAST" "python3 -c pass" "$PY -c pass"
echo
echo "| filtered: write 16 B x200k | untraced | sysdiff -e trace=%file | strace -f --seccomp-bpf -e trace=%file |"
echo "| --- | --- | --- | --- |"
base=$(median "$FAST" "$B/devnull_writes")
sd=$(median "$FAST" "$SD trace -e trace=%file --format jsonl -o /dev/null -- $B/devnull_writes")
st=$(median "$FAST" "strace -f --seccomp-bpf -e trace=%file -o /dev/null $B/devnull_writes")
printf '| write x200k | %ss | %ss (**%s**) | %ss (%s) |\n' "$base" "$sd" "$(ratio $sd $base)" "$st" "$(ratio $st $base)"
