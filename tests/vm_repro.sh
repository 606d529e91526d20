#!/bin/sh
# Inside the guest: every seed of a target that only the guest has, as a C
# reproducer (ipcfuzz repro --to-c): it must compile with plain cc and exit
# 0 on this kernel, which does what the model predicts.  Seeds with
# identities are refused by --to-c (they need other processes): skipped.
# Usage: vm_repro.sh IPCFUZZ SRC TARGET
ipcfuzz=$1 src=$2 target=$3 failed=0 n=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for f in "$src"/corpus/"$target"/*.txt; do
	grep -qE '^(ident|perm) ' "$f" && continue
	n=$((n + 1))
	c=$dir/$(basename "$f" .txt)
	"$ipcfuzz" repro "$f" --target "$target" --to-c "$c.c" > "$c.out" 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		echo "FAIL $f: repro exit $rc"; tail -20 "$c.out"; failed=$((failed + 1)); continue
	fi
	if ! cc -Wall -o "$c" "$c.c" -lpthread -lrt > "$c.cc" 2>&1; then
		echo "FAIL $f: the C does not compile"; cat "$c.cc"; failed=$((failed + 1)); continue
	fi
	if "$c" > "$c.run" 2>&1; then
		echo "ok   $f"
	else
		echo "FAIL $f: the reproducer fails on a kernel the model agrees with"
		cat "$c.run"; failed=$((failed + 1))
	fi
done
echo "$target: $n reproducers, $failed failed"
[ $n -gt 0 ] && [ $failed = 0 ]
