#!/bin/sh
# Benchmark: traced/untraced time ratios of sysdiff and strace (see bench/README.md).
#   bench/run.sh [RUNS]     (default 5 runs per cell; medians reported)
# Needs: a built ./build/sysdiff, strace, taskset (util-linux), python3 for -c pass.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-5}
B=build/bench
mkdir -p $B
cc -O2 -o $B/getppid_loop bench/getppid_loop.c
cc -O2 -o $B/devnull_writes bench/devnull_writes.c
SD=./build/sysdiff
[ -x $SD ] || { echo "bench: build sysdiff first (make)" >&2; exit 1; }
PY=/usr/bin/python3.11
[ -x $PY ] || PY=python3

# median wall time in seconds of RUNS runs of "$@"
median() {
	i=0
	: > $B/times
	while [ $i -lt "$RUNS" ]; do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 </dev/null || true
		e=$(date +%s%N)
		echo $(( e - s )) >> $B/times
		i=$((i + 1))
	done
	sort -n $B/times | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.4f", m/1e9}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

row() {
	name=$1; shift
	base=$(median "$@")
	sd=$(median $SD trace --format jsonl -o /dev/null -- "$@")
	st=$(median strace -f -o /dev/null "$@")
	stp=$(median taskset -c 0 strace -f -o /dev/null "$@")
	printf '| %s | %ss | %ss (%s) | %ss (%s) | %ss (%s) |\n' "$name" "$base" \
		"$sd" "$(ratio $sd $base)" "$st" "$(ratio $st $base)" "$stp" "$(ratio $stp $base)"
}

echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "runs per cell: $RUNS (median)"
echo
echo "| workload | untraced | sysdiff trace (jsonl) | strace -f | taskset -c 0 strace -f |"
echo "| --- | --- | --- | --- | --- |"
row "getppid x1M" $B/getppid_loop
row "write 16 B x200k /dev/null" $B/devnull_writes
row "find /usr -maxdepth 3" find /usr -maxdepth 3
row "python3 -c pass" $PY -c pass
echo
echo "| filtered: write x200k | untraced | sysdiff -e trace=%file | strace -f --seccomp-bpf -e trace=%file |"
echo "| --- | --- | --- | --- |"
base=$(median $B/devnull_writes)
sd=$(median $SD trace -e trace=%file --format jsonl -o /dev/null -- $B/devnull_writes)
st=$(median strace -f --seccomp-bpf -e trace=%file -o /dev/null $B/devnull_writes)
printf '| write 16 B x200k | %ss | %ss (%s) | %ss (%s) |\n' "$base" "$sd" "$(ratio $sd $base)" "$st" "$(ratio $st $base)"
