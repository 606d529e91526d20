#!/bin/sh
# C reproducers of one target (ipcfuzz repro --to-c), here or in the guest:
# every corpus seed's C compiles with plain cc -Wall and exits 0 on this
# kernel, which does what the model predicts; a seed the C cannot replay
# (an op its mechanism's hook cannot write) must be refused with the
# reason.  Then the checks fire: the C of the first seed that has both
# kinds, with one expected result and then one expected checksum changed,
# exits 1 naming that op, so a kernel that differs from the model is
# reported.
# Where a seed takes identities, a check the identity decides fires too:
# the first expected EACCES or EPERM after an ident, changed to success.
# With `compile` (a mechanism only a guest kernel has, checked here too):
# the C of every seed compiles, nothing runs.  A kernel that lacks TARGET
# gets that too, then 77 (skipped): what cannot run here still compiles.
# Usage: to_c_test.sh IPCFUZZ SRC TARGET [compile]  (77: this kernel lacks TARGET)
ipcfuzz=$1 src=$2 target=$3 mode=$4 failed=0 n=0 lacks=
cc=${CC_PLAIN:-cc}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
if [ "$mode" != compile ] && ! "$ipcfuzz" list | grep -Eq "^$target +[a-z-]+ +available"; then
	echo "$target: not available on this kernel: its C is compiled, not run"
	mode=compile lacks=1
fi
fire= fire_ident=
for f in "$src"/corpus/"$target"/*.txt; do
	c=$dir/$(basename "$f" .txt)
	"$ipcfuzz" repro "$f" --target "$target" --to-c "$c.c" > "$c.out" 2>&1
	rc=$?
	if grep -q "the C reproducer cannot replay" "$c.out"; then
		[ $rc = 2 ] || bad "$f: refused, yet exit $rc"
		echo "refused $f: $(sed -n 's/.*--to-c: //p' "$c.out")"; continue
	fi
	n=$((n + 1))
	# compile: the replay is skipped (77) where the kernel lacks the target
	[ $rc = 0 ] || { [ "$mode" = compile ] && [ $rc = 77 ]; } ||
		{ bad "$f: repro exit $rc"; tail -20 "$c.out"; continue; }
	if ! $cc -Wall -Werror -o "$c" "$c.c" -lpthread -lrt > "$c.cc" 2>&1; then
		bad "$f: the C does not compile"; cat "$c.cc"; continue
	fi
	[ "$mode" = compile ] && { echo "compiles $f"; continue; }
	"$c" > "$c.run" 2>&1 &
	pid=$!
	wait $pid
	rc=$?
	# Its names and keys carry its pid (ipcfuzz-repro.PID, 0x1e + PID's key
	# range): none may be left behind.
	key=$(printf '0x%08x' $((0x1e000000 + ((pid & 0xfffff) << 4))) | cut -c1-9)
	ipcs -a 2> /dev/null | grep -q "^$key" && bad "$f: SysV objects left behind"
	ls /dev/shm | grep -q "ipcfuzz-repro\.$pid\." && bad "$f: /dev/shm names left behind"
	if [ $rc = 0 ]; then
		echo "ok   $f"
		[ -z "$fire" ] && grep -q '^		expect(' "$c.c" && grep -q '^		expect_data(' "$c.c" && fire=$c
		[ -z "$fire_ident" ] && grep -Eq '^		r = (ident_set\(|actor_ident\(c, rf, )[12],' "$c.c" &&
			grep -Eq '^		expect\(.*, -1L, (1|13), [0-9]+\);$' "$c.c" && fire_ident=$c
	else
		bad "$f: the reproducer fails on a kernel the model agrees with"; cat "$c.run"
	fi
done
echo "$target: $n reproducers, $failed failed"
[ $n -gt 0 ] || bad "no reproducer"
[ "$mode" = compile ] && { [ $failed = 0 ] || exit 1; [ -z "$lacks" ] || exit 77; exit 0; }

# The checks fire: the first expect (a result) and the first expect_data (a
# checksum) of one reproducer, each changed alone.
if [ -n "$fire" ]; then
	for what in expect expect_data; do
		t=$dir/tampered-$what
		awk -v w="$what" '!done && index($0, "\t\t" w "(") == 1 {
				if (w == "expect") sub(/r, -?[0-9]+L,/, "r, 77777L,")
				else sub(/0x[0-9a-f]+u,/, "0xdeadbeefu,")
				done = 1; print "/* tampered */"; op = $0; sub(/^[^0-9]*/, "", op)
				sub(/,.*/, "", op); print op > "/dev/stderr"
			} { print }' "$fire.c" > "$t.c" 2> "$t.op"
		op=$(cat "$t.op")
		$cc -o "$t" "$t.c" -lpthread -lrt || { bad "$t.c does not compile"; continue; }
		"$t" > "$t.run" 2>&1
		rc=$?
		if [ $rc = 1 ] && grep -q "^op $op (" "$t.run"; then
			echo "fires: a changed $what at op $op is reported"
		else
			bad "a changed $what at op $op passes (exit $rc)"; cat "$t.run"
		fi
	done
else
	bad "no reproducer with a result and a data check to tamper with"
fi

# The identity is taken: a refusal it causes, expected as success, fires.
if [ -n "$fire_ident" ]; then
	t=$dir/tampered-ident
	awk 'ident && !done && /^\t\texpect\(/ && /, -1L, (1|13), [0-9]+\);$/ {
			sub(/, -1L, (1|13),/, ", -1L, 0,"); done = 1; op = $0
			sub(/^[^0-9]*/, "", op); sub(/,.*/, "", op); print op > "/dev/stderr"
		} /^\t\tr = (ident_set\(|actor_ident\(c, rf, )[12],/ { ident = 1 } { print }' \
		"$fire_ident.c" > "$t.c" 2> "$t.op"
	op=$(cat "$t.op")
	$cc -o "$t" "$t.c" -lpthread -lrt || bad "$t.c does not compile"
	"$t" > "$t.run" 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -q "^op $op (" "$t.run"; then
		echo "fires: the identity's refusal at op $op, expected as success, is reported"
	else
		bad "the identity's refusal at op $op, expected as success, passes (exit $rc)"
		cat "$t.run"
	fi
fi
[ $failed = 0 ]
