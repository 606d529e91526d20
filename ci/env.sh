# Sourced by the ci scripts: sanitizer options and the AFL++ settings this
# machine kind needs.  Safe to source by hand: `. ci/env.sh`.
ipcfuzz_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-$(cat "$ipcfuzz_root/sanitizers/asan.options")}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-$(cat "$ipcfuzz_root/sanitizers/ubsan.options")}
export TSAN_OPTIONS=${TSAN_OPTIONS:-$(sed "s|sanitizers/|$ipcfuzz_root/sanitizers/|" "$ipcfuzz_root/sanitizers/tsan.options")}
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null)" = 32 ]; then
	echo "note: vm.mmap_rnd_bits=32 breaks TSan with clang <= 17; run TSan under 'setarch -R'" >&2
fi
