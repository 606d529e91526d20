#!/bin/sh
# With io_uring disabled by sysctl, an input that needs it is SKIPPED with
# the reason: not found, not clean.  Every input skipped exits 77; inputs
# that need no io_uring still run.
replay=$1 src=$2
fail=0
sysctl=$(mktemp) out=$(mktemp)
echo 2 > "$sysctl"
IPCFUZZ_URING_SYSCTL=$sysctl "$replay" --runs 1 "$src/corpus/pipe/uring_basic.txt" >"$out" 2>&1
rc=$?
grep -q "^SKIP .*io_uring disabled by sysctl (kernel.io_uring_disabled=2)" "$out" &&
	grep -q "0 clean, 0 found, 0 flaky, 1 skipped" "$out" && [ $rc = 77 ] ||
	{ echo "FAIL: uring input with io_uring disabled (exit $rc)"; cat "$out"; fail=1; }
IPCFUZZ_URING_SYSCTL=$sysctl "$replay" --runs 1 "$src/corpus/pipe/basic.txt" \
	"$src/corpus/pipe/uring_basic.txt" >"$out" 2>&1
rc=$?
grep -q "1 clean, 0 found, 0 flaky, 1 skipped" "$out" && [ $rc = 0 ] ||
	{ echo "FAIL: mixed inputs with io_uring disabled (exit $rc)"; cat "$out"; fail=1; }
IPCFUZZ_URING_SYSCTL=$sysctl "$replay" --runs 1 --backend both "$src/corpus/pipe/basic.txt" \
	>"$out" 2>&1
rc=$?
grep -q "1 skipped" "$out" && [ $rc = 77 ] ||
	{ echo "FAIL: differential run with io_uring disabled (exit $rc)"; cat "$out"; fail=1; }
rm -f "$sysctl" "$out"
[ $fail = 0 ] && echo "uring-skip: ok"
exit $fail
