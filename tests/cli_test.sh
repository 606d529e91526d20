#!/bin/sh
# The CLI: bad use exits 2 with a message; prog decode/encode round trip.
ipcfuzz=$1 src=$2
fail=0
expect() { # expected-status description command...
	want=$1 what=$2; shift 2
	"$@" >/tmp/cli_test.$$ 2>&1; got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, wanted $want"; cat /tmp/cli_test.$$; fail=1
	fi
}
expect 2 "no command" "$ipcfuzz"
expect 2 "unknown command" "$ipcfuzz" frobnicate
expect 2 "unknown target" "$ipcfuzz" fuzz no-such-target
expect 2 "bad seconds" "$ipcfuzz" fuzz pipe --seconds -3
expect 2 "bad engine" "$ipcfuzz" fuzz pipe --engine honggfuzz
expect 2 "list junk" "$ipcfuzz" list --frob
expect 2 "prog without verb" "$ipcfuzz" prog
expect 2 "prog missing file" "$ipcfuzz" prog decode /nonexistent/file
expect 2 "replay without target" "$ipcfuzz" replay /tmp
expect 2 "replay bad runs" "$ipcfuzz" replay --runs 0 "$src/corpus/pipe"
expect 0 "help" "$ipcfuzz" --help
expect 0 "list" "$ipcfuzz" list
"$ipcfuzz" list --json | python3 -m json.tool >/dev/null || { echo "FAIL: list --json is not JSON"; fail=1; }
# list says whether io_uring can be used, and why not when it cannot.
sysctl=$(mktemp) && echo 2 > "$sysctl"
IPCFUZZ_URING_SYSCTL=$sysctl "$ipcfuzz" list --json | python3 -c '
import json, sys
m = {x["id"]: x for x in json.load(sys.stdin)}
u = m["pipe"]["io_uring"]
assert u and not u["available"] and "io_uring_disabled" in u["reason"], u
assert m["sysv-msg"]["io_uring"] is None
assert m["fifo"]["io_uring"]["syscalls"]' || { echo "FAIL: list --json io_uring"; fail=1; }
IPCFUZZ_URING_SYSCTL=$sysctl "$ipcfuzz" list | grep -q "^ *io_uring: skipped: io_uring disabled by sysctl" ||
	{ echo "FAIL: list io_uring skipped"; fail=1; }
"$ipcfuzz" list | grep -q "^ *io_uring: available" || { echo "FAIL: list io_uring available"; fail=1; }
rm -f "$sysctl"
grep -q "unknown command" /tmp/cli_test.$$ 2>/dev/null
# A broken text program names its line.
printf 'create a0 o0\nsend a0 o0 bogus=1\n' > /tmp/cli_test_bad.$$
"$ipcfuzz" prog encode /tmp/cli_test_bad.$$ 2>/tmp/cli_test.$$ >/dev/null
[ $? = 2 ] && grep -q "line 2" /tmp/cli_test.$$ || { echo "FAIL: bad text program"; fail=1; }
# decode -> encode -> decode is the identity, by the CLI.
for f in "$src"/corpus/*/*.txt; do
	"$ipcfuzz" prog encode "$f" -o /tmp/cli_test_a.$$ &&
	"$ipcfuzz" prog decode /tmp/cli_test_a.$$ -o /tmp/cli_test_b.$$ &&
	"$ipcfuzz" prog encode /tmp/cli_test_b.$$ -o /tmp/cli_test_c.$$ &&
	cmp -s /tmp/cli_test_a.$$ /tmp/cli_test_c.$$ || { echo "FAIL: round trip of $f"; fail=1; }
done
# Arbitrary bytes decode.
head -c 4096 /dev/urandom > /tmp/cli_test_r.$$
"$ipcfuzz" prog decode /tmp/cli_test_r.$$ >/dev/null || { echo "FAIL: random bytes"; fail=1; }
rm -f /tmp/cli_test*.$$
[ $fail = 0 ] && echo "cli: ok"
exit $fail
