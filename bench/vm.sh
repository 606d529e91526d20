#!/usr/bin/env bash
# Benchmark (a figure, not a test): boot-to-result time of the vm runner,
# i.e. `ipcfuzz vm -- ipcfuzz list` from start to exit status, with the
# kernel already cached (the first run also fetches it); then the same for
# a corpus replay of each mechanism that only the guest has (one boot each),
# and their exec/s under libFuzzer there.  BENCH_SECONDS (default 20).
set -uo pipefail
cd "$(dirname "$0")/.."
ipcfuzz=${1:-build/asan/ipcfuzz}
bin=$(dirname "$ipcfuzz")
ci/vm.sh --prepare >/dev/null || { echo "vm runner: not usable here (ci/vm.sh --prepare failed)"; exit 0; }
accel=tcg
[ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && accel=kvm
accel=${IPCFUZZ_VM_ACCEL:-$accel}
# timed WHAT COMMAND...: prints the boot-to-result time of one guest run.
timed() {
	local what=$1 start end status
	shift
	start=$(date +%s.%N)
	"$ipcfuzz" vm -- "$@" >/dev/null
	status=$?
	end=$(date +%s.%N)
	printf 'vm runner: %-28s boot-to-result %.1f s (%s, exit %d)\n' "$what" \
		"$(echo "$end - $start" | bc -l)" "$accel" "$status"
}
timed "ipcfuzz list" "$ipcfuzz" list
for t in dma-heap udmabuf; do
	[ -x "$bin/replay-$t" ] && timed "replay corpus/$t" "$bin/replay-$t" --runs 1 "corpus/$t"
done
# exec/s of the guest-only targets under libFuzzer, in the guest (one boot
# each; needs the libfuzzer preset's build), as bench/fuzz.sh does on the host.
seconds=${BENCH_SECONDS:-20}
for t in dma-heap udmabuf; do
	[ -x build/libfuzzer/fuzz-$t ] || continue
	rate=$("$ipcfuzz" vm -- sh -c "'$ipcfuzz' fuzz $t --engine libfuzzer --seconds $seconds \
		--out /tmp/bench --build-root build >/dev/null 2>&1; cat /tmp/bench/summary.json" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["exec_per_sec"])' 2>/dev/null)
	printf 'vm runner: %-28s %s exec/s (libFuzzer, %ss, in the guest, %s)\n' "$t" \
		"${rate:-?}" "$seconds" "$accel"
done
