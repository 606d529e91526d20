#!/usr/bin/env bash
# Every benchmark, one after the other (figures, not tests):
#   fuzz.sh    exec/s of every target under libFuzzer and AFL++, one core
#   stress.sh  ipcfuzz stress beside stress-ng --verify and a raw loop
#   uring.sh   the stress traffic through syscalls and through io_uring
#   vm.sh      the guest runner's boot-to-result time
# BENCH_SECONDS applies to each.
set -uo pipefail
cd "$(dirname "$0")"
rc=0
for b in fuzz stress uring vm; do
	echo "== bench/$b.sh"
	bash "$b.sh" || rc=1
	echo
done
exit $rc
