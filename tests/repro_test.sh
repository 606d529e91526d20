#!/bin/sh
# ipcfuzz repro: the program is printed and replayed with the oracle report;
# --minimize makes a smaller crashing input; --to-c writes a C program that
# compiles with plain cc and exits 0 on this (correct) kernel.  From a faulty
# run (IPCFUZZ_FAULT: ipcfuzz's own target broken, the kernel fine) the C
# file asserts what the model expected at the op the oracle reported.
ipcfuzz=$1 src=$2 dir=$3
fail=0
bad() { echo "FAIL: $*"; fail=1; }
rm -rf "$dir" && mkdir -p "$dir"
cc=${CC_PLAIN:-cc}

# Each target's seeds as C, and their checks firing: to_c_test.sh (ctest -L repro).

# A faulty run: the finding reproduces, the report is shown, minimizing
# shrinks it, and the C program asserts what the model expected there.
printf 'create a0 o0 name=slot mode=0600 size=0\njoin a1 o0\nsend a0 o0 len=100 arg=0 seed=1\nsend a0 o0 len=9 arg=0 seed=4\nrecv a1 o0 len=40 arg=0\nrecv a0 o0 len=200 arg=0\nclose a0 o0 read write\n' \
	> "$dir/pipe-crash.txt"
"$ipcfuzz" prog encode "$dir/pipe-crash.txt" -o "$dir/crash-pipe"
IPCFUZZ_FAULT=stream-drop-byte "$ipcfuzz" repro "$dir/crash-pipe" --target pipe --minimize \
	--to-c "$dir/faulty.c" > "$dir/faulty.out" 2>&1
[ $? = 1 ] || { bad "faulty repro should exit 1"; cat "$dir/faulty.out"; }
grep -q "signature: result/pipe/recv" "$dir/faulty.out" || bad "no oracle report"
op=$(sed -n 's/^ipcfuzz: result in target pipe at op \([0-9]*\)$/\1/p' "$dir/faulty.out" | head -1)
want=$(sed -n 's/^expected: ret=\([-0-9]*\) errno=\([0-9]*\).*/ret=\1 errno=\2/p' "$dir/faulty.out" | head -1)
[ -n "$op" ] && [ -n "$want" ] || bad "report has no op or expectation"
if [ -s "$dir/crash-pipe.min" ]; then
	[ "$(wc -c < "$dir/crash-pipe.min")" -le "$(wc -c < "$dir/crash-pipe")" ] || bad "minimized is larger"
	grep -q "^smaller program (" "$dir/faulty.out" || bad "smaller program not shown"
else
	bad "--minimize wrote nothing"; cat "$dir/faulty.out"
fi
# The C comes from the smaller program; its expectations from the model.
IPCFUZZ_FAULT=stream-drop-byte "$ipcfuzz" repro "$dir/crash-pipe" --target pipe \
	--to-c "$dir/faulty-full.c" > /dev/null 2>&1
grep -q "op $op: model expects $want" "$dir/faulty-full.c" || bad "no assert of '$want' at op $op"
for c in faulty faulty-full; do
	$cc -Wall -o "$dir/$c" "$dir/$c.c" -lpthread -lrt > "$dir/$c.cc" 2>&1 || { bad "$c.c does not compile"; cat "$dir/$c.cc"; }
	"$dir/$c" > "$dir/$c.run" 2>&1 || { bad "$c: the kernel is right, yet it fails"; cat "$dir/$c.run"; }
done

# Reproducer keys are 0x1e......: none may be left.
[ "$(ipcs -q | grep -c '^0x1e')" = 0 ] || bad "SysV queues left behind"
ls /dev/shm | grep -q ipcfuzz-repro && bad "/dev/shm names left behind"
[ $fail = 0 ] && echo "repro: ok"
exit $fail
