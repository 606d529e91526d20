#!/bin/sh
# ci/nightly.sh: a new finding fails the night and joins the known list in
# the cached corpus dir; the same finding the next night does not fail it.
src=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
run() {
	IPCFUZZ_FAULT=stream-drop-byte NIGHTLY_BUILD=0 NIGHTLY_VM=0 NIGHTLY_TARGETS=pipe,sysv-msg NIGHTLY_BUDGET=6 ENGINES=libfuzzer JOBS=1 \
		NIGHTLY_CORPUS="$dir/corpus" NIGHTLY_OUT="$dir/out$1" "$src/ci/nightly.sh" > "$dir/night$1.log" 2>&1
}
run 1; a=$?
run 2; b=$?
fail=0
[ $a = 1 ] && grep -q "NEW findings" "$dir/night1.log" || { echo "FAIL: night 1 exit $a"; cat "$dir/night1.log"; fail=1; }
grep -q "result/pipe/recv" "$dir/corpus/known-signatures.txt" || { echo "FAIL: not recorded"; fail=1; }
[ $b = 0 ] || { echo "FAIL: night 2 exit $b (known finding)"; cat "$dir/night2.log"; fail=1; }
[ -n "$(ls "$dir/corpus/pipe")" ] || { echo "FAIL: corpus not kept"; fail=1; }
[ $fail = 0 ] && echo "nightly: ok"
exit $fail
