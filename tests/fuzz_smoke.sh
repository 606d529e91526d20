#!/bin/sh
# Fuzz one target briefly with a real engine: it must run, and find nothing.
ipcfuzz=$1 target=$2 engine=$3 out=$4/$2-$3
seconds=${IPCFUZZ_SMOKE_SECONDS:-10}
rm -rf "$out"
"$ipcfuzz" fuzz "$target" --engine "$engine" --seconds "$seconds" --out "$out"
status=$?
# A mechanism this kernel lacks is skipped (77 for ctest), never passed.
[ $status = 0 ] && [ ! -e "$out/summary.json" ] && exit 77
cat "$out/summary.json" 2>/dev/null
if grep -q '"execs": 0,' "$out/summary.json" 2>/dev/null; then
	echo "FAIL: no executions"; tail -20 "$out/fuzz.log"; exit 1
fi
[ $status = 0 ] || { echo "FAIL: findings (exit $status)"; tail -40 "$out/fuzz.log"; exit 1; }
