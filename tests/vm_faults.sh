#!/bin/sh
# Inside the guest: every line of tests/faults/<target>.txt in one boot (a
# boot per fault would cost minutes under TCG).  Each fault must make the
# replay report its check's signature.  Usage: vm_faults.sh REPLAY SRC TARGET
replay=$1 src=$2 target=$3 failed=0 n=0
while read -r fault expect input; do
	case $fault in '' | '#'*) continue ;; esac
	n=$((n + 1))
	out=$(IPCFUZZ_FAULT=$fault "$replay" --runs 1 "$src/$input" 2>&1)
	if printf '%s\n' "$out" | grep -q "signature: $expect"; then
		echo "fires  $fault -> $expect"
	else
		echo "MISSED $fault -> $expect"
		printf '%s\n' "$out" | tail -15
		failed=$((failed + 1))
	fi
done < "$src/tests/faults/$target.txt"
echo "$target: $n faults, $((n - failed)) caught, $failed missed"
[ $failed = 0 ]
