#!/usr/bin/env bash
# Benchmark (a figure, not a test): boot-to-result time of the vm runner,
# i.e. `ipcfuzz vm -- ipcfuzz list` from start to exit status, with the
# kernel already cached (the first run also fetches it).
set -uo pipefail
cd "$(dirname "$0")/.."
ipcfuzz=${1:-build/asan/ipcfuzz}
ci/vm.sh --prepare >/dev/null || { echo "vm runner: not usable here (ci/vm.sh --prepare failed)"; exit 0; }
accel=tcg
[ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && accel=kvm
start=$(date +%s.%N)
"$ipcfuzz" vm -- "$ipcfuzz" list >/dev/null
status=$?
end=$(date +%s.%N)
printf 'vm runner: boot-to-result %.1f s (%s, exit %d)\n' "$(echo "$end - $start" | bc -l)" \
	"${IPCFUZZ_VM_ACCEL:-$accel}" "$status"
