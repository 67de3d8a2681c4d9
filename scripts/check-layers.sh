#!/bin/sh
# check-layers.sh - every #include "DIR/..." in src/ must point to the same directory or
# to a lower layer (docs/ARCHITECTURE.md, "Layers").  Prints each upward or sideways
# include and exits 1; a directory missing from the table below is an error too, so a
# new module gets a place before it gets code.
set -u
cd "$(dirname "$0")/.." || exit 2
# layer number per directory of src/ (main.c, at the top, may include anything)
layers='
util 0
arch 0
event 1
filter 1
procfs 1
decode 2
srcloc 2
sandbox 2
format 3
tracer 3
compare 4
report 5
validate 6
cli 7
'
rank() { printf '%s\n' "$layers" | awk -v m="$1" '$1 == m { print $2 }'; }
bad=0
for dir in src/*/; do
	m=$(basename "$dir")
	r=$(rank "$m")
	if [ -z "$r" ]; then
		echo "check-layers: src/$m/ has no layer in scripts/check-layers.sh" >&2
		bad=1
		continue
	fi
	for f in "$dir"*.[ch]; do
		[ -e "$f" ] || continue
		for dep in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' "$f" | sort -u); do
			[ "$dep" = "$m" ] && continue
			d=$(rank "$dep")
			if [ -z "$d" ]; then
				echo "check-layers: $f includes $dep/, which has no layer" >&2
				bad=1
			elif [ "$d" -ge "$r" ]; then
				echo "check-layers: $f ($m, layer $r) includes $dep/ (layer $d): includes must go down" >&2
				bad=1
			fi
		done
	done
done
[ $bad -eq 0 ] && echo "check-layers: every include in src/ goes down"
exit $bad
