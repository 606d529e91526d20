#!/usr/bin/env bash
# Benchmark (figures, not a test): exec/s of every available target under
# libFuzzer and AFL++ side by side, each pinned to one core for the same time,
# from the same seeds, with the oracle and the leak audit on; then the stress
# driver's throughput through system calls beside the same traffic through
# io_uring (ipcfuzz stress --io-uring).
#   BENCH_SECONDS (default 20)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-20}
bash ci/deps.sh || exit 2
. ci/env.sh
bash ci/build.sh asan libfuzzer afl || exit 2
ipcfuzz=build/asan/ipcfuzz
out=$(mktemp -d /tmp/ipcfuzz-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
targets=$($ipcfuzz list --json | python3 -c 'import json,sys; print(" ".join(m["id"] for m in json.load(sys.stdin) if m["available"]))')
printf '%-16s %14s %14s   (%ss each, one core, ASan+UBSan, oracle+audit on)\n' target "libFuzzer" "AFL++" "$seconds"
for t in $targets; do
	for e in libfuzzer afl; do
		taskset -c 0 $ipcfuzz fuzz "$t" --engine "$e" --seconds "$seconds" --out "$out/$t/$e" \
			--build-root build >/dev/null 2>&1
	done
	python3 - "$out/$t" "$t" <<'PY'
import json, os, sys
d, t = sys.argv[1], sys.argv[2]
def rate(e):
    try:
        s = json.load(open(os.path.join(d, e, "summary.json")))
        return f"{s['exec_per_sec']:.0f} exec/s"
    except Exception:
        return "n/a"
print(f"{t:<16} {rate('libfuzzer'):>14} {rate('afl'):>14}")
PY
done

# Stress throughput, syscalls beside io_uring: the same verified traffic
# (2 producers, 2 consumers, 64-byte frames), one ring per participant.
printf '\n%-16s %16s %16s   (ipcfuzz stress, %ss each, ASan+UBSan)\n' target "syscalls" "io_uring" "$seconds"
for t in $targets; do
	for b in syscall uring; do
		flag=""
		[ $b = uring ] && flag=--io-uring
		$ipcfuzz stress "$t" --seconds "$seconds" $flag --json "$out/stress-$t-$b.json" >/dev/null 2>&1
	done
	python3 - "$out" "$t" <<'PY'
import json, os, sys
d, t = sys.argv[1], sys.argv[2]
def rate(b):
    try:
        r = json.load(open(os.path.join(d, f"stress-{t}-{b}.json")))["results"][0]
        if r.get("status") == "skipped":
            return "skipped"
        return f"{r['msgs_per_s']:.0f} msg/s"
    except Exception:
        return "n/a"
print(f"{t:<16} {rate('syscall'):>16} {rate('uring'):>16}")
PY
done

# The guest runner: boot-to-result time.
bash ci/bench_vm.sh

# Verified stress traffic beside stress-ng.
bash ci/bench_stress.sh
